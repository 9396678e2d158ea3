/* timerfd: creation flags and clocks, settime/gettime arguments, one-shot and interval
 * expirations counted by read (checked against generous ranges), TFD_TIMER_ABSTIME,
 * disarming, non-blocking reads, poll readiness and a blocking read. */
#include "conf.h"

#include <poll.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>

static void nap(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static long rd(int fd)
{
	uint64_t v = 0;
	long r = kret(read(fd, &v, 8));
	return r < 0 ? r : (long)v;
}

static int readable(int fd)
{
	struct pollfd p = { fd, POLLIN | POLLOUT, 0 };
	poll(&p, 1, 0);
	return p.revents;
}

static struct itimerspec its(long value_ms, long interval_ms)
{
	struct itimerspec t = { { interval_ms / 1000, (interval_ms % 1000) * 1000000L },
				{ value_ms / 1000, (value_ms % 1000) * 1000000L } };
	return t;
}

int main(void)
{
	show("create(bad clock)", kret(timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0)));
	show("create(CLOCK_TAI)", kret(timerfd_create(CLOCK_TAI, 0)));
	show("create(bad flags)", kret(timerfd_create(CLOCK_MONOTONIC, 1)));
	int clocks[] = { CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME };
	for (int i = 0; i < 3; i++) {
		int fd = timerfd_create(clocks[i], 0);
		printf("create(clock %d) ok: %d\n", clocks[i], fd >= 0);
		close(fd);
	}
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	printf("FD_CLOEXEC %d, O_NONBLOCK %d\n", fcntl(fd, F_GETFD) & FD_CLOEXEC, !!(fcntl(fd, F_GETFL) & O_NONBLOCK));
	struct stat st;
	fstat(fd, &st);
	printf("fstat mode %o\n", st.st_mode);

	struct itimerspec cur, old;
	timerfd_gettime(fd, &cur);
	printf("new timer: value %ld.%09ld interval %ld.%09ld\n", (long)cur.it_value.tv_sec, cur.it_value.tv_nsec,
	       (long)cur.it_interval.tv_sec, cur.it_interval.tv_nsec);
	show("read(disarmed)", rd(fd));
	char small[4];
	show("read(4 bytes)", kret(read(fd, small, 4)));
	show("write", kret(write(fd, "12345678", 8)));
	printf("revents(disarmed) = %#x\n", readable(fd));

	struct itimerspec bad = its(10, 0);
	bad.it_value.tv_nsec = 1000000000L;
	show("settime(nsec 1e9)", kret(timerfd_settime(fd, 0, &bad, NULL)));
	bad = its(10, 0);
	bad.it_interval.tv_sec = -1;
	show("settime(negative interval)", kret(timerfd_settime(fd, 0, &bad, NULL)));
	struct itimerspec t = its(10, 0);
	show("settime(bad flags)", kret(timerfd_settime(fd, 4, &t, NULL)));
	show("settime(bad fd)", kret(timerfd_settime(999, 0, &t, NULL)));
	int p[2];
	pipe(p);
	show("settime(not a timerfd)", kret(timerfd_settime(p[0], 0, &t, NULL)));
	show("gettime(not a timerfd)", kret(timerfd_gettime(p[0], &cur)));
	show("settime(new BADPTR)", RAW(SYS_timerfd_settime, fd, 0, BADPTR, NULL));
	show("gettime(BADPTR)", RAW(SYS_timerfd_gettime, fd, BADPTR));

	/* One-shot, 50 ms. */
	t = its(50, 0);
	show("settime(50ms)", kret(timerfd_settime(fd, 0, &t, &old)));
	printf("old value was zero: %d\n", old.it_value.tv_sec == 0 && old.it_value.tv_nsec == 0);
	timerfd_gettime(fd, &cur);
	printf("remaining in (0, 50ms]: %s\n",
	       cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0 && cur.it_value.tv_nsec <= 50000000L ? "yes" : "no");
	show("read(before expiry)", rd(fd));
	nap(120);
	printf("revents(expired) = %#x\n", readable(fd));
	show("read(expired once)", rd(fd));
	show("read(again)", rd(fd));
	timerfd_gettime(fd, &cur);
	printf("after expiry: value zero %d\n", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0);

	/* Interval: 20 ms every 20 ms; after ~210 ms about 10 expirations. */
	t = its(20, 20);
	timerfd_settime(fd, 0, &t, NULL);
	nap(210);
	long n = rd(fd);
	printf("interval expirations in [5, 12]: %s\n", n >= 5 && n <= 12 ? "yes" : "no");
	timerfd_gettime(fd, &cur);
	printf("interval reported 20ms: %d, value within it: %d\n",
	       cur.it_interval.tv_sec == 0 && cur.it_interval.tv_nsec == 20000000L,
	       cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec <= 20000000L);

	/* Re-arming forgets unread expirations; disarming reports the old setting. */
	nap(50);
	t = its(10000, 0);
	timerfd_settime(fd, 0, &t, &old);
	printf("old interval 20ms: %d\n", old.it_interval.tv_nsec == 20000000L);
	show("read(after re-arm)", rd(fd));
	t = its(0, 0);
	timerfd_settime(fd, 0, &t, &old);
	printf("old value in (9s, 10s]: %s\n", old.it_value.tv_sec == 9 || (old.it_value.tv_sec == 10 && old.it_value.tv_nsec == 0) ? "yes" : "no");
	timerfd_gettime(fd, &cur);
	printf("disarmed: %d\n", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0 && cur.it_interval.tv_sec == 0);

	/* Absolute times: one in the past expires at once; the interval counts overruns. */
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	t = its(0, 0);
	t.it_value = now;
	t.it_value.tv_sec -= 1;
	show("settime(ABSTIME, 1s ago)", kret(timerfd_settime(fd, TFD_TIMER_ABSTIME, &t, NULL)));
	show("read", rd(fd));
	t.it_interval.tv_nsec = 100000000L;
	timerfd_settime(fd, TFD_TIMER_ABSTIME, &t, NULL);
	n = rd(fd);
	printf("1s ago every 100ms: expirations in [10, 12]: %s\n", n >= 10 && n <= 12 ? "yes" : "no");
	clock_gettime(CLOCK_REALTIME, &now);
	int rt = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK);
	t = its(0, 0);
	t.it_value = now;
	t.it_value.tv_nsec += 30000000L;
	if (t.it_value.tv_nsec >= 1000000000L) {
		t.it_value.tv_sec++;
		t.it_value.tv_nsec -= 1000000000L;
	}
	timerfd_settime(rt, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &t, NULL);
	show("realtime, before", rd(rt));
	nap(80);
	show("realtime, after", rd(rt));

	/* A blocking read waits for the expiration. */
	int b = timerfd_create(CLOCK_BOOTTIME, 0);
	t = its(60, 0);
	timerfd_settime(b, 0, &t, NULL);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	show("blocking read", rd(b));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long el = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	printf("waited at least 50ms: %s\n", el >= 50 ? "yes" : "no");
	/* And poll wakes when it expires. */
	t = its(40, 0);
	timerfd_settime(b, 0, &t, NULL);
	struct pollfd pf = { b, POLLIN, 0 };
	int pn = poll(&pf, 1, 5000);
	printf("poll woke: %d revents %#x\n", pn, pf.revents);
	return 0;
}
