/* Canonical mode: lines are edited before a read sees them (ERASE, KILL, WERASE, LNEXT),
 * a read returns at most one line, a short buffer takes a line in pieces, EOF ends a
 * line without a newline and on an empty line reads as end of file, EOL ends a line. */
#include "conf_pty.h"

int main(void)
{
	int m, s;
	pty_open(&m, &s, O_NOCTTY);

	pty_type(m, "abc\x7f" "d\n");
	pty_read_show("erase", s, 100);
	pty_show("echo of erase", m);

	pty_type(m, "wrong\x15right\n");
	pty_read_show("kill", s, 100);
	pty_show("echo of kill", m);

	pty_type(m, "one two  three\x17\x17" "four\n");
	pty_read_show("werase", s, 100);
	pty_show("echo of werase", m);

	pty_type(m, "lit\x16\x7f" "eral\n");
	pty_read_show("lnext", s, 100);
	pty_show("echo of lnext", m);

	pty_type(m, "first\nsecond\n");
	pty_read_show("one line per read", s, 100);
	pty_read_show("then the next", s, 100);

	pty_type(m, "abcdefgh\n");
	pty_read_show("short buffer 3", s, 3);
	pty_read_show("rest of the line", s, 100);

	pty_type(m, "no newline\x04");
	pty_read_show("eof ends a line", s, 100);
	pty_type(m, "\x04");
	pty_read_show("eof on an empty line", s, 100);
	pty_drain(m, (char[512]){ 0 }, 512);

	pty_type(m, "\x7f\x15\x17" "empty erases\n");
	pty_read_show("erase on an empty line", s, 100);
	pty_show("echo (none for the erases)", m);

	struct termios t;
	tcgetattr(s, &t);
	t.c_cc[VEOL] = '!';
	tcsetattr(s, TCSANOW, &t);
	pty_type(m, "bang!more\n");
	pty_read_show("eol", s, 100);
	pty_read_show("after eol", s, 100);
	pty_show("echo with eol", m);

	/* ERASE of a multi-byte character under IUTF8 removes it whole. */
	t.c_iflag |= IUTF8;
	tcsetattr(s, TCSANOW, &t);
	pty_type(m, "caf\xc3\xa9\x7f" "e\n");
	pty_read_show("utf8 erase", s, 100);
	pty_show("echo of utf8 erase", m);

	/* A tab is erased back to where it started. */
	pty_type(m, "ab\tc\x7f\x7f" "d\n");
	pty_read_show("tab erase", s, 100);
	pty_show("echo of tab erase", m);

	int avail = -1;
	pty_type(m, "12345\n67");
	pty_drain(m, (char[512]){ 0 }, 512);
	ioctl(s, FIONREAD, &avail);
	printf("FIONREAD counts whole lines only = %d\n", avail);
	return 0;
}
