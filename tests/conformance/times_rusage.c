/* times(2) and getrusage(2) shapes: CPU time advances with work in both, children's
 * times appear only after they are reaped (and only for waited-for children),
 * RUSAGE_THREAD covers the calling thread, ru_maxrss is positive, times() accepts
 * NULL and its return value advances with real time. Only facts are printed. */
#include "conf.h"

#include <sys/resource.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>

static double tv(struct timeval t)
{
	return t.tv_sec + t.tv_usec / 1e6;
}

static void burn(long ms)
{
	struct timespec t0, t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	do
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < ms);
}

int main(void)
{
	alarm(5);
	struct rusage a, b, th, ch;
	struct tms t0, t1;
	show("getrusage(SELF)", RAW(SYS_getrusage, RUSAGE_SELF, &a));
	clock_t c0 = times(&t0);
	burn(60);
	clock_t c1 = times(&t1);
	getrusage(RUSAGE_SELF, &b);
	fact("ru_utime+ru_stime advanced by >= 40 ms",
	     tv(b.ru_utime) + tv(b.ru_stime) - tv(a.ru_utime) - tv(a.ru_stime) >= 0.04);
	fact("tms_utime+tms_stime advanced", t1.tms_utime + t1.tms_stime > t0.tms_utime + t0.tms_stime);
	fact("times() return value advanced", c1 > c0);
	fact("ru_maxrss positive", b.ru_maxrss > 0);
	show("getrusage(THREAD)", RAW(SYS_getrusage, RUSAGE_THREAD, &th));
	fact("thread time within process time", tv(th.ru_utime) <= tv(b.ru_utime) + 0.02);
	fact("thread time >= 40 ms", tv(th.ru_utime) + tv(th.ru_stime) >= 0.04);
	show("times(NULL) succeeds", RAW(SYS_times, NULL) > 0 ? 0 : -1);

	getrusage(RUSAGE_CHILDREN, &ch);
	fact("no children's time yet", tv(ch.ru_utime) + tv(ch.ru_stime) == 0);
	pid_t c = fork();
	if (c == 0) {
		burn(60);
		_exit(0);
	}
	siginfo_t si;
	waitid(P_PID, c, &si, WEXITED | WNOWAIT);
	getrusage(RUSAGE_CHILDREN, &ch);
	fact("zombie child's time not counted yet", tv(ch.ru_utime) + tv(ch.ru_stime) == 0);
	waitpid(c, NULL, 0);
	getrusage(RUSAGE_CHILDREN, &ch);
	fact("reaped child's time >= 40 ms", tv(ch.ru_utime) + tv(ch.ru_stime) >= 0.04);
	struct tms t2;
	times(&t2);
	fact("tms_cutime+tms_cstime advanced", t2.tms_cutime + t2.tms_cstime > 0);
	getrusage(RUSAGE_SELF, &a);
	fact("own time does not include the child's", tv(a.ru_utime) + tv(a.ru_stime) < tv(b.ru_utime) + tv(b.ru_stime) + 0.04);

	/* A grandchild reaped by the child counts for us once the child is reaped. */
	struct rusage before;
	getrusage(RUSAGE_CHILDREN, &before);
	c = fork();
	if (c == 0) {
		pid_t g = fork();
		if (g == 0) {
			burn(60);
			_exit(0);
		}
		waitpid(g, NULL, 0);
		_exit(0);
	}
	waitpid(c, NULL, 0);
	getrusage(RUSAGE_CHILDREN, &ch);
	fact("grandchild's time included via the child", tv(ch.ru_utime) + tv(ch.ru_stime) - tv(before.ru_utime) - tv(before.ru_stime) >= 0.04);

	show("getrusage(who 5)", RAW(SYS_getrusage, 5, &a));
	show("getrusage(THREAD, BADPTR)", RAW(SYS_getrusage, RUSAGE_THREAD, BADPTR));
	show("times(BADPTR)", RAW(SYS_times, BADPTR));
	return 0;
}
