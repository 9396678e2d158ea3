/* termios of a pty: the defaults, a tcsetattr/tcgetattr round trip on the slave seen
 * from the master (they share one termios), the character size and CREAD that a pty
 * forces, speeds, tcsetattr's TCSAFLUSH dropping pending input, and the window size. */
#include "conf_pty.h"

static void show_termios(const char *what, const struct termios *t)
{
	printf("%s: iflag %o oflag %o cflag %o lflag %o cc", what, t->c_iflag, t->c_oflag, t->c_cflag, t->c_lflag);
	for (int i = 0; i < 17; i++)
		printf(" %d", t->c_cc[i]);
	printf("\n");
}

int main(void)
{
	int m, s;
	pty_open(&m, &s, O_NOCTTY);
	struct termios t;
	show("tcgetattr(slave)", kret(tcgetattr(s, &t)));
	show_termios("default", &t);
	show("tcgetattr(master)", kret(tcgetattr(m, &t)));
	show_termios("master", &t);

	struct termios raw = t;
	cfmakeraw(&raw);
	raw.c_cc[VMIN] = 5;
	raw.c_cc[VTIME] = 7;
	show("tcsetattr(slave, TCSANOW, raw)", kret(tcsetattr(s, TCSANOW, &raw)));
	struct termios back;
	tcgetattr(m, &back);
	show_termios("raw, seen from the master", &back);

	/* A pty keeps 8-bit characters and the receiver on. */
	struct termios odd = t;
	odd.c_cflag = (odd.c_cflag & ~CSIZE) | CS7 | PARENB;
	odd.c_cflag &= ~CREAD;
	tcsetattr(m, TCSANOW, &odd);
	tcgetattr(s, &back);
	printf("CS7|PARENB without CREAD reads back: csize %s, parenb %d, cread %d\n",
	       (back.c_cflag & CSIZE) == CS8 ? "CS8" : "other", !!(back.c_cflag & PARENB), !!(back.c_cflag & CREAD));

	struct termios sp = t;
	cfsetispeed(&sp, B9600);
	cfsetospeed(&sp, B9600);
	tcsetattr(s, TCSADRAIN, &sp);
	tcgetattr(s, &back);
	printf("speed after B9600: in %s out %s\n", cfgetispeed(&back) == B9600 ? "B9600" : "other",
	       cfgetospeed(&back) == B9600 ? "B9600" : "other");

	/* TCSAFLUSH drops input not yet read. */
	tcsetattr(s, TCSANOW, &t);
	pty_type(m, "pending line\n");
	pty_drain(m, (char[256]){ 0 }, 256);
	int avail = -1;
	ioctl(s, FIONREAD, &avail);
	printf("FIONREAD before flush = %d\n", avail);
	tcsetattr(s, TCSAFLUSH, &t);
	ioctl(s, FIONREAD, &avail);
	printf("FIONREAD after TCSAFLUSH = %d\n", avail);
	pty_type(m, "x\n");
	pty_drain(m, (char[256]){ 0 }, 256);
	show("tcflush(slave, TCIFLUSH)", kret(tcflush(s, TCIFLUSH)));
	ioctl(s, FIONREAD, &avail);
	printf("FIONREAD after tcflush = %d\n", avail);
	show("tcflush(bad queue)", kret(tcflush(s, 7)));
	show("tcdrain(slave)", kret(tcdrain(s)));
	show("tcdrain(master)", kret(tcdrain(m)));
	int outq = -1;
	show("TIOCOUTQ", kret(ioctl(s, TIOCOUTQ, &outq)));
	printf("outq = %d\n", outq);

	struct winsize w;
	show("TIOCGWINSZ", kret(ioctl(s, TIOCGWINSZ, &w)));
	printf("initial winsize %dx%d\n", w.ws_row, w.ws_col);
	w.ws_row = 24;
	w.ws_col = 80;
	w.ws_xpixel = 640;
	w.ws_ypixel = 480;
	show("TIOCSWINSZ(master)", kret(ioctl(m, TIOCSWINSZ, &w)));
	struct winsize w2 = { 0 };
	ioctl(s, TIOCGWINSZ, &w2);
	printf("slave sees %dx%d (%dx%d px)\n", w2.ws_row, w2.ws_col, w2.ws_xpixel, w2.ws_ypixel);
	int ldisc = -1;
	show("TIOCGETD", kret(ioctl(s, TIOCGETD, &ldisc)));
	printf("line discipline = %d\n", ldisc);
	return 0;
}
