/* fork, wait4/waitpid, waitid, SIGCHLD: exit codes and signals as wait statuses,
 * copy-on-write memory, the child's parent, ECHILD and WNOHANG. */
#include "conf.h"

#include <signal.h>
#include <sys/wait.h>
#include <time.h>

static int shared_global = 1;
static volatile int chld_pid_seen;

static void on_chld(int sig, siginfo_t *si, void *uc)
{
	chld_pid_seen = si->si_pid;
}

int main(void)
{
	int st;
	show("waitpid(no children)", kret(waitpid(-1, &st, 0)));
	pid_t parent = getpid();

	pid_t c = fork();
	if (c == 0) {
		shared_global = 2;
		_exit(getppid() == parent ? 42 : 1);
	}
	printf("fork returned a pid: %d\n", c > 0);
	pid_t w = waitpid(c, &st, 0);
	printf("waitpid = child %d, exited %d, status %d\n", w == c, WIFEXITED(st), WEXITSTATUS(st));
	printf("parent's memory untouched by the child: %d\n", shared_global == 1);

	c = fork();
	if (c == 0) {
		raise(SIGTERM);
		_exit(0);
	}
	waitpid(c, &st, 0);
	printf("killed child: signaled %d, signal %d\n", WIFSIGNALED(st), WTERMSIG(st));

	c = fork();
	if (c == 0) {
		struct timespec ts = { 0, 100 * 1000 * 1000 };
		nanosleep(&ts, NULL);
		_exit(3);
	}
	printf("WNOHANG before it exits: %d\n", waitpid(c, &st, WNOHANG));
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	show("waitid(P_PID, WEXITED)", kret(waitid(P_PID, c, &si, WEXITED)));
	printf("waitid: signo %d, code %d, status %d, pid matches %d\n", si.si_signo, si.si_code, si.si_status,
	       si.si_pid == c);
	show("waitid(bad options)", kret(waitid(P_ALL, 0, &si, 0)));

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_chld;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigaction(SIGCHLD, &sa, NULL);
	c = fork();
	if (c == 0)
		_exit(0);
	while (waitpid(c, &st, 0) < 0 && errno == EINTR)
		;
	/* SIGCHLD is delivered by the time the parent has reaped and made another call. */
	getpid();
	printf("SIGCHLD handler saw the child: %d\n", chld_pid_seen == c);
	show("waitpid(after all reaped)", kret(waitpid(-1, &st, WNOHANG)));
	return 0;
}
