/* close_range: closes every open descriptor of a range (gaps allowed, ranges past the
 * table), CLOSE_RANGE_CLOEXEC marks instead of closing, CLOSE_RANGE_UNSHARE leaves a
 * table shared with a thread-like child untouched, POSIX locks go with the close,
 * and EINVAL for bad flags or first > last. */
#include "conf.h"

#include <sched.h>
#include <sys/wait.h>
#include <linux/close_range.h>

static void list(const char *what)
{
	printf("%s:", what);
	for (int fd = 0; fd < 40; fd++) {
		int fl = fcntl(fd, F_GETFD);
		if (fl >= 0)
			printf(" %d%s", fd, fl & FD_CLOEXEC ? "c" : "");
	}
	printf("\n");
}

static char stack[65536];
static int child_fn(void *arg)
{
	(void)arg;
	/* Shares the table (CLONE_FILES): unshare, then close everything above 2. */
	long r = RAW(SYS_close_range, 3, ~0U, CLOSE_RANGE_UNSHARE);
	return r == 0 && fcntl(10, F_GETFD) < 0 ? 0 : 1;
}

int main(void)
{
	for (int fd = 10; fd < 20; fd++)
		dup2(1, fd);
	close(14);
	list("start");
	show("close 12..15", RAW(SYS_close_range, 12, 15, 0));
	list("after");
	show("cloexec 16..1000", RAW(SYS_close_range, 16, 1000, CLOSE_RANGE_CLOEXEC));
	list("after cloexec");
	show("first > last", RAW(SYS_close_range, 20, 10, 0));
	show("bad flags", RAW(SYS_close_range, 10, 20, 1));
	show("nothing open there", RAW(SYS_close_range, 500, 600, 0));
	show("close 16..~0", RAW(SYS_close_range, 16, ~0U, 0));
	list("after");

	pid_t c = clone(child_fn, stack + sizeof stack, CLONE_FILES | SIGCHLD, NULL);
	int st;
	waitpid(c, &st, 0);
	printf("child unshared and closed its copy: %d\n", WIFEXITED(st) && WEXITSTATUS(st) == 0);
	list("ours untouched");

	/* A POSIX lock goes away with the descriptor. */
	const char *dir = conf_tmpdir();
	int f = open("lockme", O_CREAT | O_RDWR, 0644);
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	fcntl(f, F_SETLK, &fl);
	int other = open("lockme", O_RDWR);
	show("close_range of the locking fd", RAW(SYS_close_range, f, f, 0));
	pid_t k = fork();
	if (k == 0) {
		struct flock g = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
		_exit(fcntl(other, F_SETLK, &g) == 0 ? 0 : 1);
	}
	waitpid(k, &st, 0);
	printf("lock released: %d\n", WEXITSTATUS(st) == 0);
	conf_rmtree(dir);
	return 0;
}
