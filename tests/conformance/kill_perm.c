/* kill(2) permission checks for an unprivileged sender (uid 65534 without capabilities):
 * a root process is EPERM except for SIGCONT within the same session; a target whose
 * real or saved uid matches the sender's effective uid may be signalled; a process
 * group succeeds if any member may be signalled. */
#include "conf.h"

#include <signal.h>
#include <sys/wait.h>

/* A target that sets its ids and then waits to be killed (default SIGTERM). */
static pid_t target(uid_t r, uid_t e, uid_t s, int ready)
{
	pid_t c = fork();
	if (c == 0) {
		if (setresuid(r, e, s) != 0)
			_exit(9);
		if (write(ready, "r", 1) != 1)
			_exit(9);
		for (;;)
			pause();
	}
	return c;
}

int main(void)
{
	alarm(5);
	int p[2];
	char b;
	if (pipe(p) != 0)
		return 1;
	pid_t same = target(65534, 65534, 65534, p[1]);
	pid_t saved = target(2000, 2000, 65534, p[1]);
	pid_t other = target(2000, 2000, 2000, p[1]);
	pid_t realonly = target(65534, 2000, 2000, p[1]);
	for (int i = 0; i < 4; i++)
		if (read(p[0], &b, 1) != 1)
			return 1;

	/* Should the sandbox wrongly let the child signal us, survive to report it. */
	signal(SIGUSR1, SIG_IGN);
	pid_t c = fork();
	if (c == 0) {
		if (setresuid(65534, 65534, 65534) != 0)
			_exit(9);
		pid_t parent = getppid();
		show("unprivileged: kill(root parent, 0)", kret(kill(parent, 0)));
		show("unprivileged: kill(root parent, USR1)", kret(kill(parent, SIGUSR1)));
		show("unprivileged: kill(root parent, CONT) same session", kret(kill(parent, SIGCONT)));
		show("unprivileged: kill(uid 65534 process, 0)", kret(kill(same, 0)));
		show("unprivileged: kill(saved uid 65534, 0)", kret(kill(saved, 0)));
		show("unprivileged: kill(real uid 65534, 0)", kret(kill(realonly, 0)));
		show("unprivileged: kill(uid 2000 process, 0)", kret(kill(other, 0)));
		show("unprivileged: kill(uid 2000 process, TERM)", kret(kill(other, SIGTERM)));
		show("unprivileged: kill(-parent's group, 0)", kret(kill(-getpgrp(), 0)));
		show("unprivileged: kill(no such pid, 0)", kret(kill(0x3ffffff0, 0)));
		show("unprivileged: tgkill(root parent, 0)", RAW(SYS_tgkill, parent, parent, 0));
		union sigval v = { 0 };
		show("unprivileged: sigqueue(root parent, USR1)", kret(sigqueue(parent, SIGUSR1, v)));
		show("unprivileged: kill(uid 65534 process, TERM)", kret(kill(same, SIGTERM)));
		fflush(stdout);
		_exit(0);
	}
	int st;
	waitpid(c, &st, 0);
	printf("unprivileged child exited %d\n", WEXITSTATUS(st));
	waitpid(same, &st, 0);
	printf("uid 65534 target killed by TERM: %d\n", WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
	pid_t rest[] = { saved, other, realonly };
	for (int i = 0; i < 3; i++) {
		show("root: kill(target, KILL)", kret(kill(rest[i], SIGKILL)));
		waitpid(rest[i], &st, 0);
	}
	printf("the parent is still alive\n");
	return 0;
}
