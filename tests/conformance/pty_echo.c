/* Echo: what the master reads back for input, with ECHO, ECHOE, ECHOK, ECHOKE, ECHONL
 * and ECHOCTL in different combinations, in canonical and non-canonical mode. */
#include "conf_pty.h"

static struct termios base;

static void mode(int s, tcflag_t lon, tcflag_t loff)
{
	struct termios t = base;
	t.c_lflag |= lon;
	t.c_lflag &= ~loff;
	tcsetattr(s, TCSANOW, &t);
}

static void trial(const char *what, int m, int s, const char *in)
{
	pty_type(m, in);
	char buf[256];
	printf("%s:\n", what);
	pty_show("  echo", m);
	struct pollfd p = { .fd = s, .events = POLLIN };
	if (poll(&p, 1, 200) > 0) {
		long n = read(s, buf, sizeof(buf));
		show_bytes("  read", buf, n < 0 ? 0 : n);
	} else {
		printf("  nothing to read\n");
	}
}

int main(void)
{
	int m, s;
	pty_open(&m, &s, O_NOCTTY);
	tcgetattr(s, &base);
	base.c_lflag &= ~ISIG;

	trial("default", m, s, "hi\x01\tthere\n");
	mode(s, 0, ECHOCTL);
	trial("no echoctl", m, s, "hi\x01\n");
	mode(s, 0, ECHO);
	trial("no echo", m, s, "secret\n");
	mode(s, ECHONL, ECHO);
	trial("echonl without echo", m, s, "secret\n");
	mode(s, 0, ECHOE);
	trial("erase without echoe", m, s, "ab\x7f\n");
	mode(s, 0, ECHOKE);
	trial("kill without echoke", m, s, "ab\x15" "c\n");
	mode(s, 0, ECHOKE | ECHOK);
	trial("kill without echok", m, s, "ab\x15" "c\n");
	mode(s, 0, 0);
	trial("control chars erased with echoctl", m, s, "a\x01\x7f\x7f" "b\n");
	mode(s, 0, ICANON);
	trial("non-canonical", m, s, "xy\r\n");
	mode(s, 0, ICANON | ECHOCTL);
	trial("non-canonical without echoctl", m, s, "xy\x7f\n");

	/* ^C echoes as ^C even when ISIG is off? No: without ISIG it is a plain character. */
	struct termios t = base;
	t.c_lflag |= ISIG;
	t.c_lflag |= NOFLSH;
	tcsetattr(s, TCSANOW, &t);
	trial("isig (no foreground group)", m, s, "ab\x03" "cd\n");
	return 0;
}
