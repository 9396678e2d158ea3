/* clock_gettime(2), clock_getres(2), gettimeofday(2), time(2). */
#include "conf.h"

#include <sys/time.h>
#include <time.h>

static long long ns(const struct timespec *t)
{
	return (long long)t->tv_sec * 1000000000LL + t->tv_nsec;
}

int main(void)
{
	struct timespec a, b, res;

	/* The raw system call and the vDSO path (libc) both. */
	int nondec = 1, valid = 1;
	show("clock_gettime(MONOTONIC) raw", RAW(SYS_clock_gettime, CLOCK_MONOTONIC, &a));
	for (int i = 0; i < 2000; i++) {
		if (i % 2)
			RAW(SYS_clock_gettime, CLOCK_MONOTONIC, &b);
		else
			clock_gettime(CLOCK_MONOTONIC, &b);
		nondec &= ns(&b) >= ns(&a);
		valid &= b.tv_nsec >= 0 && b.tv_nsec < 1000000000L;
		a = b;
	}
	fact("monotonic never goes back", nondec);
	fact("tv_nsec always in [0, 1e9)", valid);

	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	long spins = 0;
	do {
		clock_gettime(CLOCK_MONOTONIC, &b);
	} while (ns(&b) == ns(&start) && ++spins < 100000000);
	fact("monotonic advances", ns(&b) > ns(&start));

	show("clock_gettime(REALTIME)", RAW(SYS_clock_gettime, CLOCK_REALTIME, &a));
	fact("realtime is after 2020", a.tv_sec > 1577836800);
	show("clock_gettime(MONOTONIC_COARSE)", RAW(SYS_clock_gettime, CLOCK_MONOTONIC_COARSE, &a));
	show("clock_gettime(MONOTONIC_RAW)", RAW(SYS_clock_gettime, CLOCK_MONOTONIC_RAW, &a));
	show("clock_gettime(REALTIME_COARSE)", RAW(SYS_clock_gettime, CLOCK_REALTIME_COARSE, &a));
	show("clock_gettime(BOOTTIME)", RAW(SYS_clock_gettime, CLOCK_BOOTTIME, &a));
	struct timespec mono;
	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_BOOTTIME, &a);
	fact("boottime >= monotonic", ns(&a) + 1000000 >= ns(&mono));
	show("clock_gettime(PROCESS_CPUTIME_ID)", RAW(SYS_clock_gettime, CLOCK_PROCESS_CPUTIME_ID, &a));
	show("clock_gettime(THREAD_CPUTIME_ID)", RAW(SYS_clock_gettime, CLOCK_THREAD_CPUTIME_ID, &a));

	/* CPU time advances with work. */
	struct timespec cpu0, cpu1;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu0);
	volatile unsigned long x = 0;
	for (unsigned long i = 0; i < 20000000; i++)
		x += i;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu1);
	fact("process CPU time advances with work", ns(&cpu1) > ns(&cpu0));

	show("clock_gettime(bad clock 100)", RAW(SYS_clock_gettime, 100, &a));
	show("clock_gettime(bad clock -1000)", RAW(SYS_clock_gettime, -1000, &a));
	show("clock_gettime(MONOTONIC, BADPTR)", RAW(SYS_clock_gettime, CLOCK_MONOTONIC, BADPTR));
	show("clock_gettime(REALTIME, NULL)", RAW(SYS_clock_gettime, CLOCK_REALTIME, NULL));

	show("clock_getres(MONOTONIC)", RAW(SYS_clock_getres, CLOCK_MONOTONIC, &res));
	fact("resolution in (0, 1ms]", ns(&res) > 0 && ns(&res) <= 1000000);
	show("clock_getres(REALTIME)", RAW(SYS_clock_getres, CLOCK_REALTIME, &res));
	show("clock_getres(MONOTONIC, NULL)", RAW(SYS_clock_getres, CLOCK_MONOTONIC, NULL));
	show("clock_getres(bad clock 100)", RAW(SYS_clock_getres, 100, &res));
	show("clock_getres(MONOTONIC, BADPTR)", RAW(SYS_clock_getres, CLOCK_MONOTONIC, BADPTR));

	/* gettimeofday and time agree with CLOCK_REALTIME. */
	struct timeval tv;
	struct timespec rt;
	show("gettimeofday raw", RAW(SYS_gettimeofday, &tv, NULL));
	clock_gettime(CLOCK_REALTIME, &rt);
	fact("gettimeofday within 2 s of realtime", llabs((long long)tv.tv_sec - rt.tv_sec) <= 2);
	fact("tv_usec in [0, 1e6)", tv.tv_usec >= 0 && tv.tv_usec < 1000000);
	show("gettimeofday(NULL, NULL)", RAW(SYS_gettimeofday, NULL, NULL));
	show("gettimeofday(BADPTR)", RAW(SYS_gettimeofday, BADPTR, NULL));
	struct timezone tz;
	show("gettimeofday(NULL, &tz)", RAW(SYS_gettimeofday, NULL, &tz));

	time_t t1 = 0;
	long t = RAW(SYS_time, &t1);
	fact("time() within 2 s of realtime", labs(t - rt.tv_sec) <= 2);
	fact("time(&t) stores the return value", t1 == t);
	fact("time(NULL) works", RAW(SYS_time, NULL) >= t);
	show("time(BADPTR)", RAW(SYS_time, BADPTR));
	fact("libc time() agrees", labs((long)time(NULL) - t) <= 2);
	return 0;
}
