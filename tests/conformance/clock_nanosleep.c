/* clock_nanosleep(2): relative and TIMER_ABSTIME sleeps, EINTR with the remaining time
 * written back only for relative sleeps, a past absolute time returns at once, and the
 * clocks it refuses (the thread CPU clock and clocks without sleep support: EOPNOTSUPP;
 * unknown clocks EINVAL). */
#include "conf.h"

#include <signal.h>
#include <sys/time.h>
#include <time.h>

static void h(int sig)
{
	(void)sig;
}

static void arm(long ms)
{
	struct itimerval v = { { 0, 0 }, { 0, ms * 1000 } };
	setitimer(ITIMER_REAL, &v, NULL);
}

static double secs(const struct timespec *t)
{
	return t->tv_sec + t->tv_nsec / 1e9;
}

static double now(clockid_t c)
{
	struct timespec t;
	clock_gettime(c, &t);
	return secs(&t);
}

int main(void)
{
	alarm(5);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = h;
	sigaction(SIGALRM, &sa, NULL);

	struct timespec req = { 2, 0 }, rem = { -1, -1 };
	arm(40);
	show("relative 2 s on MONOTONIC, interrupted", RAW(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &req, &rem));
	fact("remaining in [1.5 s, 1.97 s]", secs(&rem) >= 1.5 && secs(&rem) <= 1.97);

	struct timespec abs;
	clock_gettime(CLOCK_MONOTONIC, &abs);
	abs.tv_sec += 2;
	rem.tv_sec = 123;
	rem.tv_nsec = 456;
	arm(40);
	show("absolute +2 s on MONOTONIC, interrupted",
	     RAW(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, &rem));
	fact("remaining untouched for TIMER_ABSTIME", rem.tv_sec == 123 && rem.tv_nsec == 456);

	double t0 = now(CLOCK_MONOTONIC);
	clock_gettime(CLOCK_MONOTONIC, &abs);
	abs.tv_nsec += 30 * 1000000L;
	if (abs.tv_nsec >= 1000000000L) {
		abs.tv_sec++;
		abs.tv_nsec -= 1000000000L;
	}
	show("absolute +30 ms on MONOTONIC", RAW(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL));
	double t1 = now(CLOCK_MONOTONIC);
	fact("woke no earlier than the deadline", t1 >= secs(&abs));
	fact("took less than 1 s", t1 - t0 < 1.0);

	struct timespec past = { 1, 0 };
	show("absolute 1 s after the epoch on REALTIME", RAW(SYS_clock_nanosleep, CLOCK_REALTIME, TIMER_ABSTIME, &past, NULL));
	show("absolute 1 s on MONOTONIC (past)", RAW(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &past, NULL));
	struct timespec short_req = { 0, 10 * 1000000L };
	show("relative 10 ms on REALTIME", RAW(SYS_clock_nanosleep, CLOCK_REALTIME, 0, &short_req, NULL));
	show("relative 10 ms on BOOTTIME", RAW(SYS_clock_nanosleep, CLOCK_BOOTTIME, 0, &short_req, NULL));
	show("relative 10 ms on TAI", RAW(SYS_clock_nanosleep, CLOCK_TAI, 0, &short_req, NULL));
	show("relative 10 ms, unknown flag bit 2", RAW(SYS_clock_nanosleep, CLOCK_MONOTONIC, 2, &short_req, NULL));
	show("THREAD_CPUTIME_ID", RAW(SYS_clock_nanosleep, CLOCK_THREAD_CPUTIME_ID, 0, &short_req, NULL));
	show("MONOTONIC_RAW", RAW(SYS_clock_nanosleep, CLOCK_MONOTONIC_RAW, 0, &short_req, NULL));
	show("MONOTONIC_COARSE", RAW(SYS_clock_nanosleep, CLOCK_MONOTONIC_COARSE, 0, &short_req, NULL));
	show("REALTIME_COARSE", RAW(SYS_clock_nanosleep, CLOCK_REALTIME_COARSE, 0, &short_req, NULL));
	show("clock 100", RAW(SYS_clock_nanosleep, 100, 0, &short_req, NULL));
	struct timespec bad = { 0, 1000000000L };
	show("tv_nsec 1e9", RAW(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &bad, NULL));
	bad.tv_sec = -1;
	bad.tv_nsec = 0;
	show("tv_sec -1 relative", RAW(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &bad, NULL));
	show("tv_sec -1 absolute", RAW(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &bad, NULL));
	show("request BADPTR", RAW(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, BADPTR, NULL));
	int e = clock_nanosleep(CLOCK_MONOTONIC, 0, &bad, NULL);
	printf("libc clock_nanosleep returns the error number: %s, errno untouched %d\n", ename(e), errno == EFAULT);
	return 0;
}
