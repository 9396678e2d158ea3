/* Controlling terminals and their errors: /dev/tty without one (ENXIO) and with one; a
 * session leader takes a terminal by opening it (not with O_NOCTTY) or with TIOCSCTTY;
 * TIOCSCTTY, TIOCSPGRP, TIOCGPGRP, TIOCGSID and TIOCNOTTY refuse callers and arguments
 * as Linux does; the master answers TIOCGPGRP and TIOCGSID for its slave. */
#include "conf_pty.h"

#include <sys/sysmacros.h>

static void in_child(void (*fn)(void))
{
	fflush(stdout);
	pid_t p = fork();
	if (p == 0) {
		fn();
		fflush(stdout);
		_exit(0);
	}
	int status;
	waitpid(p, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		show_status("child", status);
}

static int m;
static char name[64];

static void no_ctty(void)
{
	setsid();
	show("open /dev/tty without a controlling terminal", kret(open("/dev/tty", O_RDWR)));
	int s = open(name, O_RDWR | O_NOCTTY);
	int x;
	show("TIOCGPGRP, not my terminal", kret(ioctl(s, TIOCGPGRP, &x)));
	show("TIOCGSID, not my terminal", kret(ioctl(s, TIOCGSID, &x)));
	x = getpgrp();
	show("TIOCSPGRP, not my terminal", kret(ioctl(s, TIOCSPGRP, &x)));
	show("TIOCNOTTY, not my terminal", kret(ioctl(s, TIOCNOTTY)));
	show("master TIOCGSID with no session", kret(ioctl(m, TIOCGSID, &x)));
	x = -5;
	show("master TIOCGPGRP with no session", kret(ioctl(m, TIOCGPGRP, &x)));
	printf("  pgrp = %d\n", x);
	show("TIOCSCTTY", kret(ioctl(s, TIOCSCTTY, 0)));
	show("TIOCSCTTY again", kret(ioctl(s, TIOCSCTTY, 0)));
	show("TIOCGSID is my session", kret(ioctl(s, TIOCGSID, &x)) == 0 && x == getsid(0));
	show("master TIOCGPGRP is my group", kret(ioctl(m, TIOCGPGRP, &x)) == 0 && x == getpgrp());
	int t = open("/dev/tty", O_RDWR);
	show_ok("open /dev/tty with one", t);
	struct stat a, b;
	fstat(t, &a);
	fstat(s, &b);
	fact("/dev/tty is the slave", a.st_rdev == b.st_rdev);
	fact("isatty(/dev/tty)", isatty(t));
	write(t, "via tty\n", 8);
	x = 99999;
	show("TIOCSPGRP, no such group", kret(ioctl(s, TIOCSPGRP, &x)));
	x = -3;
	show("TIOCSPGRP, negative", kret(ioctl(s, TIOCSPGRP, &x)));
	x = 1;
	show("TIOCSPGRP, group of another session", kret(ioctl(s, TIOCSPGRP, &x)) == -EPERM || getpgid(1) < 0);
	/* A non-leader in the session. */
	pid_t c = fork();
	if (c == 0) {
		show("child: TIOCSCTTY, not a leader", kret(ioctl(s, TIOCSCTTY, 0)));
		show("child: tcgetpgrp works", tcgetpgrp(s) == getppid());
		show("child: TIOCNOTTY", kret(ioctl(s, TIOCNOTTY)));
		show("child: /dev/tty after TIOCNOTTY", kret(open("/dev/tty", O_RDWR)));
		fflush(stdout);
		_exit(0);
	}
	waitpid(c, NULL, 0);
	show_ok("leader: /dev/tty still", open("/dev/tty", O_RDWR));
	signal(SIGHUP, SIG_IGN);
	show("leader: TIOCNOTTY", kret(ioctl(s, TIOCNOTTY)));
	show("leader: /dev/tty after TIOCNOTTY", kret(open("/dev/tty", O_RDWR)));
	show("master TIOCGSID after TIOCNOTTY", kret(ioctl(m, TIOCGSID, &x)));
	close(t);
	/* Opening without O_NOCTTY takes it again. */
	int s2 = open(name, O_RDWR);
	show_ok("reopen slave", s2);
	show_ok("/dev/tty after reopening the slave", open("/dev/tty", O_RDWR));
}

static void taken(void)
{
	/* Another session's terminal cannot be taken. */
	setsid();
	int s = open(name, O_RDWR | O_NOCTTY);
	show("TIOCSCTTY of a terminal another session has", kret(ioctl(s, TIOCSCTTY, 0)));
	show("/dev/tty", kret(open("/dev/tty", O_RDWR)));
	int s2 = open(name, O_RDWR);
	(void)s2;
	show("open without O_NOCTTY does not take it", kret(open("/dev/tty", O_RDWR)));
}

static void not_leader(void)
{
	int s = open(name, O_RDWR | O_NOCTTY);
	show("TIOCSCTTY by a group leader that leads no session", kret(ioctl(s, TIOCSCTTY, 0)));
}

int main(void)
{
	pty_open(&m, NULL, 0);
	strcpy(name, ptsname(m));
	in_child(no_ctty);

	/* Keep the terminal controlled by a session while another tries. */
	int ready[2], go[2];
	pipe(ready);
	pipe(go);
	pid_t holder = fork();
	if (holder == 0) {
		setsid();
		open(name, O_RDWR);
		write(ready[1], "r", 1);
		char c;
		read(go[0], &c, 1);
		_exit(0);
	}
	char c;
	read(ready[0], &c, 1);
	in_child(taken);
	write(go[1], "g", 1);
	waitpid(holder, NULL, 0);
	in_child(not_leader);

	int devnull = open("/dev/null", O_RDWR);
	struct termios t;
	show("tcgetattr(/dev/null)", kret(tcgetattr(devnull, &t)));
	int x;
	show("TIOCGPTN(/dev/null)", kret(ioctl(devnull, TIOCGPTN, &x)));
	show("TIOCSCTTY(/dev/null)", kret(ioctl(devnull, TIOCSCTTY, 0)));
	show("TIOCGPGRP(/dev/null)", kret(ioctl(devnull, TIOCGPGRP, &x)));
	int p[2];
	pipe(p);
	show("tcgetattr(pipe)", kret(tcgetattr(p[0], &t)));
	struct stat st;
	stat("/dev/tty", &st);
	printf("/dev/tty: chr %d, rdev %u:%u\n", S_ISCHR(st.st_mode), major(st.st_rdev), minor(st.st_rdev));
	show("ioctl unknown request on master", kret(ioctl(m, 0x54ff, &x)));
	show("TIOCGPTN bad pointer", kret(ioctl(m, TIOCGPTN, BADPTR)));
	show("TCSETS bad pointer", kret(ioctl(m, TCSETS, BADPTR)));
	return 0;
}
