/* TIOCSWINSZ: a change of the window size sends SIGWINCH to the terminal's foreground
 * process group (none for the same size, none without a foreground group), whoever sets
 * it, master or slave. */
#include "conf_pty.h"

#include <time.h>

int main(void)
{
	int m, s0;
	pty_open(&m, &s0, O_NOCTTY);
	char name[64];
	strcpy(name, ptsname(m));

	struct winsize w = { .ws_row = 10, .ws_col = 20 };
	show("TIOCSWINSZ without a foreground group", kret(ioctl(m, TIOCSWINSZ, &w)));

	int ready[2], done[2];
	pipe(ready);
	pipe(done);
	pid_t child = fork();
	if (child == 0) {
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, SIGWINCH);
		sigprocmask(SIG_BLOCK, &set, NULL);
		setsid();
		int s = open(name, O_RDWR);
		(void)s;
		write(ready[1], "r", 1);
		struct timespec ts = { 2, 0 };
		for (int i = 0; i < 3; i++) {
			int sig = sigtimedwait(&set, NULL, &ts);
			dprintf(done[1], "round %d: %s\n", i, sig == SIGWINCH ? "SIGWINCH" : "no signal");
		}
		_exit(0);
	}
	char c;
	read(ready[0], &c, 1);
	char line[64];
	long n;

	w.ws_row = 30;
	w.ws_col = 100;
	show("TIOCSWINSZ(master) 30x100", kret(ioctl(m, TIOCSWINSZ, &w)));
	n = read(done[0], line, sizeof(line) - 1);
	line[n > 0 ? n : 0] = 0;
	fputs(line, stdout);

	show("TIOCSWINSZ(master) same size", kret(ioctl(m, TIOCSWINSZ, &w)));
	w.ws_col = 101;
	show("TIOCSWINSZ(slave) 30x101", kret(ioctl(s0, TIOCSWINSZ, &w)));
	/* The same-size call sends nothing: the next report is for the slave's change. */
	n = read(done[0], line, sizeof(line) - 1);
	line[n > 0 ? n : 0] = 0;
	fputs(line, stdout);
	n = read(done[0], line, sizeof(line) - 1);
	line[n > 0 ? n : 0] = 0;
	fputs(line, stdout);
	int status;
	waitpid(child, &status, 0);
	show_status("child", status);
	struct winsize g;
	ioctl(m, TIOCGWINSZ, &g);
	printf("final %dx%d\n", g.ws_row, g.ws_col);
	return 0;
}
