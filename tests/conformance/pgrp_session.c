/* Process groups and sessions: setpgid/getpgid/getpgrp, setsid/getsid, kill and waitpid
 * by group, and the errors Linux gives. (The harness runs each program as the leader of
 * its own process group, as the sandbox's first process is.) */
#include "conf.h"

#include <signal.h>
#include <sys/wait.h>
#include <time.h>

int main(void)
{
	pid_t me = getpid();
	printf("I lead my group: %d\n", getpgrp() == me);
	printf("getpgid(0) == getpgrp: %d\n", getpgid(0) == getpgrp());
	show("setsid (group leader)", kret(setsid()));
	show("getpgid(no such pid)", kret(getpgid(30000)));
	show("setpgid(-1 pgid)", kret(setpgid(0, -1)));

	pid_t c = fork();
	if (c == 0) {
		/* The child: starts in the parent's group, then leads a new session. */
		int in_parent_group = getpgrp() == getpgid(getppid());
		pid_t s = setsid();
		int ok = in_parent_group && s == getpid() && getsid(0) == getpid() && getpgrp() == getpid();
		_exit(ok ? 10 : 1);
	}
	int st;
	waitpid(c, &st, 0);
	printf("child: parent's group, then its own session: %d\n", WEXITSTATUS(st) == 10);

	/* Two children in a new group (the first leads it); kill and wait by group. */
	pid_t a = fork();
	if (a == 0) {
		setpgid(0, 0);
		pause();
		_exit(0);
	}
	setpgid(a, a);
	pid_t b = fork();
	if (b == 0) {
		pause();
		_exit(0);
	}
	show("setpgid(b, a's group)", kret(setpgid(b, a)));
	printf("getpgid(b) == a: %d\n", getpgid(b) == a);
	show("setpgid(b, missing group)", kret(setpgid(b, 31000)));
	/* A grandchild is not our child: ESRCH. */
	int gp[2];
	if (pipe(gp) != 0)
		printf("pipe failed\n");
	pid_t mid = fork();
	if (mid == 0) {
		pid_t g = fork();
		if (g == 0) {
			pause();
			_exit(0);
		}
		(void)!write(gp[1], &g, sizeof(g));
		waitpid(g, NULL, 0);
		_exit(0);
	}
	pid_t grandchild = 0;
	(void)!read(gp[0], &grandchild, sizeof(grandchild));
	show("setpgid(not my child)", kret(setpgid(grandchild, grandchild)));
	kill(grandchild, SIGKILL);
	waitpid(mid, NULL, 0);
	close(gp[0]);
	close(gp[1]);
	show("kill(-group, SIGTERM)", kret(kill(-a, SIGTERM)));
	int reaped = 0, killed = 0;
	for (int i = 0; i < 2; i++) {
		pid_t w = waitpid(-a, &st, 0);
		reaped += (w == a || w == b);
		killed += WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM;
	}
	printf("reaped by group: %d, killed by SIGTERM: %d\n", reaped, killed);
	show("waitpid(-group, empty)", kret(waitpid(-a, &st, WNOHANG)));
	show("kill(-missing group)", kret(kill(-31000, 0)));

	/* setpgid on a child after it exec'd is EACCES. */
	c = fork();
	if (c == 0) {
		execl("/bin/sleep", "sleep", "0.3", (char *)NULL);
		_exit(1);
	}
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	nanosleep(&ts, NULL);
	show("setpgid(exec'd child)", kret(setpgid(c, c)));
	waitpid(c, &st, 0);
	return 0;
}
