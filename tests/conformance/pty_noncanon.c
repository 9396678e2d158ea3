/* Non-canonical reads: VMIN and VTIME. MIN=0,TIME=0 returns at once; MIN>0,TIME=0 waits
 * for MIN bytes; MIN=0,TIME>0 waits at most TIME tenths for one byte; MIN>0,TIME>0 times
 * the gap between bytes once one came. poll waits for MIN bytes when TIME is 0. */
#include "conf_pty.h"

#include <time.h>

static int m, s;

static long ms_since(struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

static void set(int vmin, int vtime)
{
	struct termios t;
	tcgetattr(s, &t);
	t.c_lflag &= ~(ICANON | ECHO);
	t.c_cc[VMIN] = vmin;
	t.c_cc[VTIME] = vtime;
	tcsetattr(s, TCSANOW, &t);
}

/* A child that writes `text` to the master in pieces, `gap_ms` apart, after `delay_ms`. */
static pid_t feeder(const char *pieces[], int delay_ms, int gap_ms)
{
	pid_t p = fork();
	if (p == 0) {
		usleep(delay_ms * 1000);
		for (int i = 0; pieces[i]; i++) {
			if (i)
				usleep(gap_ms * 1000);
			pty_type(m, pieces[i]);
		}
		_exit(0);
	}
	return p;
}

static void timed_read(const char *what, long size, long min_ms, long max_ms)
{
	char buf[64];
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	long n = read(s, buf, size);
	long el = ms_since(&t0);
	if (n < 0)
		printf("%s = -1 %s", what, ename(errno));
	else
		show_bytes(what, buf, n);
	printf("  took between %ld and %ld ms: %s\n", min_ms, max_ms, el >= min_ms && el <= max_ms ? "yes" : "no");
}

int main(void)
{
	pty_open(&m, &s, O_NOCTTY);

	set(0, 0);
	timed_read("MIN 0 TIME 0, nothing there", 10, 0, 100);
	pty_type(m, "abc");
	usleep(50000);
	timed_read("MIN 0 TIME 0, data there", 10, 0, 100);

	set(3, 0);
	const char *p1[] = { "x", "y", "z", NULL };
	pid_t f = feeder(p1, 50, 100);
	timed_read("MIN 3 TIME 0, three bytes in pieces", 10, 200, 2000);
	waitpid(f, NULL, 0);

	set(0, 3);
	timed_read("MIN 0 TIME 3, nothing comes", 10, 250, 2000);
	const char *p2[] = { "q", NULL };
	f = feeder(p2, 100, 0);
	timed_read("MIN 0 TIME 3, a byte comes", 10, 50, 290);
	waitpid(f, NULL, 0);

	set(5, 2);
	const char *p3[] = { "1", "2", NULL };
	f = feeder(p3, 300, 50);
	timed_read("MIN 5 TIME 2, two bytes then silence", 10, 450, 3000);
	waitpid(f, NULL, 0);

	set(2, 0);
	pty_type(m, "a");
	usleep(50000);
	struct pollfd pf = { .fd = s, .events = POLLIN };
	printf("poll with 1 of MIN 2 bytes = %d\n", poll(&pf, 1, 100));
	pty_type(m, "b");
	usleep(50000);
	printf("poll with 2 of MIN 2 bytes = %d\n", poll(&pf, 1, 100));
	timed_read("MIN 2 read", 10, 0, 100);

	set(1, 0);
	fcntl(s, F_SETFL, O_NONBLOCK);
	timed_read("O_NONBLOCK, nothing there", 10, 0, 100);
	pty_type(m, "n");
	usleep(50000);
	timed_read("O_NONBLOCK, a byte there", 10, 0, 100);
	fcntl(s, F_SETFL, 0);

	/* Switching to canonical mode makes pending bytes a line; back, they are bytes. */
	pty_type(m, "pend");
	usleep(50000);
	struct termios t;
	tcgetattr(s, &t);
	t.c_lflag |= ICANON;
	tcsetattr(s, TCSANOW, &t);
	timed_read("pending bytes after ICANON on", 10, 0, 100);
	pty_type(m, "half");
	usleep(50000);
	set(1, 0);
	timed_read("partial line after ICANON off", 10, 0, 100);
	return 0;
}
