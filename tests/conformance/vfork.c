/* vfork(2): the child shares the parent's memory and the parent is suspended until the
 * child exits or execs; a failed exec in the child is seen through shared memory; the
 * exec'd program's exit status reaches the parent. */
#include "conf.h"

#include <sys/wait.h>
#include <time.h>

static volatile int shared_flag;
static volatile int child_errno;

int main(int argc, char **argv)
{
	alarm(5);
	if (argc > 1 && strcmp(argv[1], "--vforked") == 0) {
		printf("exec'd program runs, argv[2] = %s\n", argc > 2 ? argv[2] : "(none)");
		return 3;
	}
	pid_t me = getpid();
	volatile int on_stack = 1;
	pid_t c = vfork();
	if (c == 0) {
		struct timespec d = { 0, 30 * 1000000L };
		nanosleep(&d, NULL);
		shared_flag = 42;
		on_stack = 2;
		child_errno = getppid() == me ? 1 : 2;
		_exit(7);
	}
	/* We run again only once the child has exited. */
	printf("parent resumed after the child wrote: flag %d, stack variable %d, child saw its parent %d\n",
	       shared_flag, on_stack, child_errno);
	int st;
	waitpid(c, &st, 0);
	printf("child exit %d, child pid differs %d\n", WEXITSTATUS(st), c != me);

	child_errno = 0;
	c = vfork();
	if (c == 0) {
		char *args[] = { "/nonexistent/prog", NULL };
		execv(args[0], args);
		child_errno = errno;
		_exit(127);
	}
	waitpid(c, &st, 0);
	printf("failed exec in the vfork child: %s, exit %d\n", ename(child_errno), WEXITSTATUS(st));

	fflush(stdout);
	c = vfork();
	if (c == 0) {
		char *args[] = { argv[0], "--vforked", "hello", NULL };
		execv(argv[0], args);
		_exit(127);
	}
	waitpid(c, &st, 0);
	printf("vfork+exec child exit %d\n", WEXITSTATUS(st));
	return 0;
}
