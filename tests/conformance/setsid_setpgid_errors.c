/* setsid/setpgid/getsid edge cases not covered elsewhere: a child's setsid makes it
 * leader of a new session and group; a session leader cannot change its group (EPERM);
 * a process cannot join a group of another session (EPERM); setpgid with a negative
 * pid or pgid is EINVAL; getsid of an absent pid is ESRCH and of another process gives
 * its session; a second setsid is EPERM. */
#include "conf.h"

#include <sys/wait.h>

int main(void)
{
	alarm(5);
	int p[2], q[2];
	if (pipe(p) != 0 || pipe(q) != 0)
		return 1;
	pid_t leader = fork();
	if (leader == 0) {
		char b;
		close(q[1]);
		pid_t s = setsid();
		printf("child setsid: returns its pid %d, getsid %d, getpgrp %d\n", s == getpid(), getsid(0) == getpid(),
		       getpgrp() == getpid());
		show("child: setsid again", kret(setsid()));
		show("child: setpgid(0, 0) as session leader", kret(setpgid(0, 0)));
		show("child: setpgid(0, parent's group)", kret(setpgid(0, getpgid(getppid()))));
		fflush(stdout);
		if (write(p[1], "r", 1) != 1 || read(q[0], &b, 1) != 0)
			_exit(1);
		_exit(0);
	}
	char b;
	if (read(p[0], &b, 1) != 1)
		return 1;
	show("getsid(child) is the child", getsid(leader) == leader ? 0 : -1);
	show("setpgid(child in another session, its own group)", kret(setpgid(leader, leader)));
	show("setpgid(0, group of another session)", kret(setpgid(0, leader)));
	show("getsid(no such pid)", kret(getsid(0x3ffffff0)));
	show("getpgid(child)", getpgid(leader) == leader ? 0 : -1);
	show("setpgid(-1, 0)", kret(setpgid(-1, 0)));
	show("setpgid(0, -5)", kret(setpgid(0, -5)));
	show("getsid(-1)", kret(getsid(-1)));
	show("getpgid(-1)", kret(getpgid(-1)));
	close(q[1]);
	waitpid(leader, NULL, 0);

	pid_t c = fork();
	if (c == 0) {
		pid_t g = fork();
		if (g == 0) {
			pause();
			_exit(0);
		}
		show("child: setpgid(own child, own child)", kret(setpgid(g, g)));
		fact("child (not a group leader): setsid returns its pid", setsid() == getpid());
		show("child: setpgid(own child in the old session)", kret(setpgid(g, getpid())));
		kill(g, 9);
		waitpid(g, NULL, 0);
		fflush(stdout);
		_exit(0);
	}
	waitpid(c, NULL, 0);
	return 0;
}
