/* getpriority/setpriority and nice: values are clamped to [-20, 19], the raw syscall
 * returns 20 - nice, PRIO_PROCESS/PRIO_PGRP/PRIO_USER targets, EINVAL for a bad which,
 * ESRCH for absent targets; an unprivileged process may raise its nice value but not
 * lower it (EACCES), nor change a root process (EPERM). Runs in children so the
 * harness's own niceness does not matter: the child first sets nice 0 (as root). */
#include "conf.h"

#include <sys/resource.h>
#include <sys/wait.h>

static void nice_now(const char *what)
{
	long r = RAW(SYS_getpriority, PRIO_PROCESS, 0);
	if (r < 0)
		printf("%s: -1 %s\n", what, ename((int)-r));
	else
		printf("%s: nice %ld\n", what, 20 - r);
}

int main(void)
{
	alarm(5);
	pid_t c = fork();
	if (c == 0) {
		show("setpriority(PROCESS, 0, 0)", RAW(SYS_setpriority, PRIO_PROCESS, 0, 0));
		nice_now("after setting 0");
		show("setpriority(PROCESS, 0, 5)", RAW(SYS_setpriority, PRIO_PROCESS, 0, 5));
		nice_now("after 5");
		show("setpriority(PROCESS, 0, 100)", RAW(SYS_setpriority, PRIO_PROCESS, 0, 100));
		nice_now("after 100 (clamped)");
		show("setpriority(PROCESS, 0, -100)", RAW(SYS_setpriority, PRIO_PROCESS, 0, -100));
		nice_now("after -100 (clamped)");
		errno = 0;
		int r = nice(3);
		printf("nice(3) = %d, errno %s\n", r, errno ? ename(errno) : "0");
		show("setpriority(PGRP, 0, 2)", RAW(SYS_setpriority, PRIO_PGRP, 0, 2));
		nice_now("after PGRP 2");
		show("getpriority(PGRP, 0)", RAW(SYS_getpriority, PRIO_PGRP, 0));
		show("setpriority(which 7)", RAW(SYS_setpriority, 7, 0, 0));
		show("getpriority(which -1)", RAW(SYS_getpriority, -1, 0));
		show("getpriority(no such pid)", RAW(SYS_getpriority, PRIO_PROCESS, 0x3ffffff0));
		show("setpriority(no such pid)", RAW(SYS_setpriority, PRIO_PROCESS, 0x3ffffff0, 0));
		show("getpriority(no such pgrp)", RAW(SYS_getpriority, PRIO_PGRP, 0x3ffffff0));
		show("getpriority(USER, uid without processes)", RAW(SYS_getpriority, PRIO_USER, 0x3ffffff0));
		show("setpriority(PROCESS, 0, 4)", RAW(SYS_setpriority, PRIO_PROCESS, 0, 4));
		pid_t g = fork();
		if (g == 0) {
			nice_now("grandchild inherits");
			if (setresuid(1000, 1000, 1000) != 0)
				printf("setresuid failed\n");
			show("unprivileged: setpriority(PROCESS, 0, 10)", RAW(SYS_setpriority, PRIO_PROCESS, 0, 10));
			nice_now("unprivileged");
			show("unprivileged: setpriority(PROCESS, 0, 5)", RAW(SYS_setpriority, PRIO_PROCESS, 0, 5));
			show("unprivileged: setpriority(PROCESS, 0, 10) same", RAW(SYS_setpriority, PRIO_PROCESS, 0, 10));
			show("unprivileged: setpriority(root parent, 10)", RAW(SYS_setpriority, PRIO_PROCESS, getppid(), 10));
			show("unprivileged: getpriority(root parent)", RAW(SYS_getpriority, PRIO_PROCESS, getppid()));
			errno = 0;
			int n = nice(-1);
			printf("unprivileged: nice(-1) = %d, errno %s\n", n, errno ? ename(errno) : "0");
			fflush(stdout);
			_exit(0);
		}
		waitpid(g, NULL, 0);
		nice_now("parent unchanged by the grandchild");
		fflush(stdout);
		_exit(0);
	}
	waitpid(c, NULL, 0);
	return 0;
}
