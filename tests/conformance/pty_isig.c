/* Signal characters: a child starts a session, takes the slave as its controlling
 * terminal by opening it, and runs a job in its own foreground process group; ^C, ^\ and
 * ^Z typed on the master reach that group (SIGINT, SIGQUIT, SIGTSTP), not the shell's;
 * with ISIG off they are ordinary input. */
#include "conf_pty.h"

static int m;
static char slave_name[64];

/* The "shell": session leader with the pty as controlling terminal; it runs one job per
 * signal character and reports how it ended. Reports go through `report` (a pipe). */
static void shell(int report)
{
	setsid();
	int s = open(slave_name, O_RDWR);
	pid_t sid = getsid(0);
	int tsid = -1, fg = -1;
	ioctl(s, TIOCGSID, &tsid);
	fg = tcgetpgrp(s);
	dprintf(report, "shell: terminal session is mine: %s, foreground is my group: %s\n",
		tsid == sid ? "yes" : "no", fg == getpgrp() ? "yes" : "no");
	signal(SIGTTOU, SIG_IGN);
	const char *names[] = { "^C", "^\\", "^Z" };
	for (int i = 0; i < 3; i++) {
		pid_t job = fork();
		if (job == 0) {
			setpgid(0, 0);
			tcsetpgrp(s, getpid());
			char c;
			/* Wait in read: a signal ends (or stops) it. */
			read(s, &c, 1);
			_exit(7);
		}
		setpgid(job, job);
		/* Tell the parent to type once the job is in the foreground. */
		while (tcgetpgrp(s) != job)
			usleep(10000);
		dprintf(report, "job %d in foreground\n", i);
		char go;
		read(report, &go, 1);
		int status;
		waitpid(job, &status, WUNTRACED);
		char what[64];
		snprintf(what, sizeof(what), "job after %s", names[i]);
		char line[160];
		format_status(line, sizeof(line), what, status);
		dprintf(report, "%s", line);
		if (WIFSTOPPED(status)) {
			kill(job, SIGKILL);
			waitpid(job, &status, 0);
		}
		tcsetpgrp(s, getpgrp());
	}
	/* ISIG off: ^C is a character. */
	struct termios t;
	tcgetattr(s, &t);
	t.c_lflag &= ~(ISIG | ICANON);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	tcsetattr(s, TCSANOW, &t);
	dprintf(report, "isig off\n");
	char c = 0;
	read(s, &c, 1);
	dprintf(report, "without ISIG the shell reads byte %d\n", c);
	_exit(0);
}

static void relay(int fd, char *buf, size_t size)
{
	/* Read one line from the shell. */
	size_t n = 0;
	while (n + 1 < size && read(fd, buf + n, 1) == 1) {
		if (buf[n++] == '\n')
			break;
	}
	buf[n] = 0;
	fputs(buf, stdout);
}

int main(void)
{
	int s0;
	pty_open(&m, &s0, O_NOCTTY);
	strcpy(slave_name, ptsname(m));
	close(s0);
	int sp[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sp);
	pid_t sh = fork();
	if (sh == 0) {
		close(sp[0]);
		shell(sp[1]);
	}
	close(sp[1]);
	char line[256];
	relay(sp[0], line, sizeof(line));
	const char *keys[] = { "\x03", "\x1c", "\x1a" };
	for (int i = 0; i < 3; i++) {
		relay(sp[0], line, sizeof(line));
		pty_type(m, keys[i]);
		write(sp[0], "g", 1);
		relay(sp[0], line, sizeof(line));
		pty_show("  echo", m);
	}
	relay(sp[0], line, sizeof(line));
	pty_type(m, "\x03");
	relay(sp[0], line, sizeof(line));
	int status;
	waitpid(sh, &status, 0);
	show_status("shell", status);
	return 0;
}
