/* RLIMIT_NPROC for an unprivileged user: with the limit at or below the number of the
 * user's processes fork (and clone) fails with EAGAIN; root is exempt; the limit is
 * checked at fork, not when it is lowered. Runs as uid 65534 in a child; a limit of 1
 * is always reached by the process itself, whatever else runs as that user. */
#include "conf.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

int main(void)
{
	alarm(5);
	struct rlimit one = { 1, 1 };
	pid_t c = fork();
	if (c == 0) {
		show("root: setrlimit(NPROC, 1)", RAW(SYS_setrlimit, RLIMIT_NPROC, &one));
		pid_t g = fork();
		if (g == 0)
			_exit(0);
		printf("root: fork under NPROC 1 %s\n", g > 0 ? "works" : ename(errno));
		if (g > 0)
			waitpid(g, NULL, 0);
		if (setresgid(65534, 65534, 65534) != 0 || setresuid(65534, 65534, 65534) != 0)
			printf("cannot drop to 65534\n");
		struct rlimit got;
		getrlimit(RLIMIT_NPROC, &got);
		printf("uid 65534: limit still 1: %d\n", got.rlim_cur == 1 && got.rlim_max == 1);
		g = fork();
		printf("uid 65534: fork = %s\n", g < 0 ? ename(errno) : "a child");
		if (g == 0)
			_exit(0);
		if (g > 0)
			waitpid(g, NULL, 0);
		long r = RAW(SYS_clone, SIGCHLD, 0, 0, 0, 0);
		if (r == 0)
			_exit(0);
		show("uid 65534: raw clone", r < 0 ? r : 1);
		struct rlimit zero = { 0, 1 };
		show("uid 65534: setrlimit(NPROC, soft 0)", RAW(SYS_setrlimit, RLIMIT_NPROC, &zero));
		g = fork();
		printf("uid 65534: fork under 0 = %s\n", g < 0 ? ename(errno) : "a child");
		if (g == 0)
			_exit(0);
		struct rlimit up = { 2, 2 };
		show("uid 65534: raise hard limit to 2", RAW(SYS_setrlimit, RLIMIT_NPROC, &up));
		fflush(stdout);
		_exit(0);
	}
	int st;
	waitpid(c, &st, 0);
	printf("child exit %d\n", WEXITSTATUS(st));
	return 0;
}
