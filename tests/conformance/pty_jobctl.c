/* Background process groups on a controlling terminal: reading stops the group with
 * SIGTTIN (EIO when SIGTTIN is ignored), writing stops it with SIGTTOU only under TOSTOP,
 * changing the settings stops it with SIGTTOU unless SIGTTOU is ignored or blocked;
 * the foreground group does all of these freely. */
#include "conf_pty.h"

static char name[64];

/* Run `fn` in a background group of the session and report how it ended. */
static void background(int s, const char *what, int (*fn)(int))
{
	pid_t c = fork();
	if (c == 0) {
		setpgid(0, 0);
		_exit(fn(s));
	}
	setpgid(c, c);
	int status;
	waitpid(c, &status, WUNTRACED);
	char line[160];
	format_status(line, sizeof(line), what, status);
	write(1, line, strlen(line));
	if (WIFSTOPPED(status)) {
		kill(c, SIGKILL);
		waitpid(c, &status, 0);
	}
}

static int do_read(int s)
{
	char c;
	return read(s, &c, 1) < 0 ? (errno == EIO ? 5 : 1) : 0;
}

static int read_ignoring(int s)
{
	signal(SIGTTIN, SIG_IGN);
	return do_read(s);
}

static int do_write(int s)
{
	return write(s, "w", 1) == 1 ? 0 : 1;
}

static int set_attr(int s)
{
	struct termios t;
	tcgetattr(s, &t);
	return tcsetattr(s, TCSANOW, &t) == 0 ? 0 : 1;
}

static int set_attr_blocked(int s)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTTOU);
	sigprocmask(SIG_BLOCK, &set, NULL);
	return set_attr(s);
}

static int get_attr(int s)
{
	struct termios t;
	return tcgetattr(s, &t) == 0 ? 0 : 1;
}

int main(void)
{
	int m, s0;
	pty_open(&m, &s0, O_NOCTTY);
	strcpy(name, ptsname(m));
	close(s0);
	fflush(stdout);
	pid_t leader = fork();
	if (leader == 0) {
		close(m);
		setsid();
		int s = open(name, O_RDWR);
		background(s, "background read", do_read);
		background(s, "background read ignoring SIGTTIN", read_ignoring);
		background(s, "background write", do_write);
		background(s, "background tcsetattr", set_attr);
		background(s, "background tcsetattr with SIGTTOU blocked", set_attr_blocked);
		background(s, "background tcgetattr", get_attr);
		struct termios t;
		tcgetattr(s, &t);
		t.c_lflag |= TOSTOP;
		tcsetattr(s, TCSANOW, &t);
		background(s, "background write with TOSTOP", do_write);
		write(s, "f", 1);
		_exit(0);
	}
	int status;
	waitpid(leader, &status, 0);
	show_status("leader", status);
	pty_show("master reads", m);
	return 0;
}
