/*
 * Helpers for the pseudo-terminal programs (pty_*.c).
 *
 *   pty_open(&master, &slave, slave_flags): a new unlocked pair, the slave opened with
 *   O_RDWR | slave_flags; exits if that fails.
 *   pty_drain(master, buf, size): what the master can read within a short while (echoes
 *   and output reach the master asynchronously on Linux, so this polls until quiet).
 *   pty_show(what, master): pty_drain and print the bytes escaped.
 */
#ifndef CONF_PTY_H
#define CONF_PTY_H

#include "conf.h"

#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <sys/socket.h>

static inline void pty_open(int *master, int *slave, int slave_flags)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0 || grantpt(m) != 0 || unlockpt(m) != 0) {
		printf("cannot make a pty: %s\n", ename(errno));
		exit(1);
	}
	*master = m;
	if (slave) {
		const char *name = ptsname(m);
		int s = name ? open(name, O_RDWR | slave_flags) : -1;
		if (s < 0) {
			printf("cannot open the slave: %s\n", ename(errno));
			exit(1);
		}
		*slave = s;
	}
}

static inline long pty_drain(int master, char *buf, long size)
{
	long n = 0;
	while (n < size) {
		struct pollfd p = { .fd = master, .events = POLLIN };
		if (poll(&p, 1, 200) <= 0 || !(p.revents & POLLIN))
			break;
		long r = read(master, buf + n, size - n);
		if (r <= 0)
			break;
		n += r;
	}
	return n;
}

static inline void pty_show(const char *what, int master)
{
	char buf[512];
	long n = pty_drain(master, buf, sizeof(buf));
	show_bytes(what, buf, n);
}

/* Write a string to the master. */
static inline void pty_type(int master, const char *s)
{
	long n = (long)strlen(s);
	if (write(master, s, n) != n)
		printf("short write to the master: %s\n", ename(errno));
}

/* Read from the slave once and print what came, escaped. */
static inline void pty_read_show(const char *what, int slave, long size)
{
	char buf[512];
	long n = read(slave, buf, size < (long)sizeof(buf) ? size : (long)sizeof(buf));
	if (n < 0)
		printf("%s = -1 %s\n", what, ename(errno));
	else
		show_bytes(what, buf, n);
}

/* How a child ended, in words, as a line in `line`. */
static inline void format_status(char *line, size_t size, const char *what, int status)
{
	if (WIFEXITED(status))
		snprintf(line, size, "%s: exited %d\n", what, WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(line, size, "%s: killed by signal %d\n", what, WTERMSIG(status));
	else if (WIFSTOPPED(status))
		snprintf(line, size, "%s: stopped by signal %d\n", what, WSTOPSIG(status));
	else
		snprintf(line, size, "%s: status %#x\n", what, status);
}

static inline void show_status(const char *what, int status)
{
	char line[160];
	format_status(line, sizeof(line), what, status);
	fputs(line, stdout);
}

#endif
