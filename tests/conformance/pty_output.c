/* Output processing (OPOST with ONLCR, OCRNL, ONOCR, ONLRET, OLCUC, XTABS) of what the
 * slave writes, and input mapping (ICRNL, INLCR, IGNCR, ISTRIP) of what the master writes. */
#include "conf_pty.h"

static struct termios base;

static void out(const char *what, int m, int s, tcflag_t on, tcflag_t off, const char *text)
{
	struct termios t = base;
	t.c_oflag |= on;
	t.c_oflag &= ~off;
	tcsetattr(s, TCSANOW, &t);
	long n = (long)strlen(text);
	show(what, kret(write(s, text, n)));
	pty_show("  master reads", m);
}

static void in(const char *what, int m, int s, tcflag_t on, tcflag_t off, const char *text)
{
	struct termios t = base;
	t.c_iflag |= on;
	t.c_iflag &= ~off;
	t.c_lflag &= ~(ICANON | ECHO);
	t.c_cc[VMIN] = 0;
	t.c_cc[VTIME] = 2;
	tcsetattr(s, TCSANOW, &t);
	pty_type(m, text);
	char buf[64];
	long got = 0, r;
	while ((r = read(s, buf + got, sizeof(buf) - got)) > 0)
		got += r;
	printf("%s:\n", what);
	show_bytes("  slave reads", buf, got);
}

int main(void)
{
	int m, s;
	pty_open(&m, &s, O_NOCTTY);
	tcgetattr(s, &base);

	out("default (ONLCR)", m, s, 0, 0, "a\nb\r\n");
	out("no OPOST", m, s, 0, OPOST, "a\nb\n");
	out("no ONLCR", m, s, 0, ONLCR, "a\nb\n");
	out("OCRNL", m, s, OCRNL, ONLCR, "a\rb\r");
	out("ONOCR", m, s, ONOCR, 0, "\rab\rc\n\r");
	out("ONLRET|ONOCR", m, s, ONLRET | ONOCR, ONLCR, "ab\n\rc");
	out("OLCUC", m, s, OLCUC, 0, "Hello, World 1!\n");
	out("XTABS", m, s, XTABS, 0, "a\tbc\tdefghijk\tl\n\t\n");
	out("tab without XTABS", m, s, 0, 0, "a\tb\n");

	in("ICRNL", m, s, ICRNL, 0, "a\rb\n");
	in("no ICRNL", m, s, 0, ICRNL, "a\rb\n");
	in("INLCR", m, s, INLCR, ICRNL, "a\rb\n");
	in("IGNCR", m, s, IGNCR, 0, "a\rb\r\n");
	in("ISTRIP", m, s, ISTRIP, 0, "\xc1\xe2");
	return 0;
}
