/* alarm, setitimer/getitimer (ITIMER_REAL), getrusage and times. */
#include "conf.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/times.h>

static volatile int ticks;

static void tick(int sig)
{
	ticks++;
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = tick;
	sigaction(SIGALRM, &sa, NULL);

	printf("alarm(0) = %u\n", alarm(0));
	printf("alarm(5) = %u\n", alarm(5));
	printf("alarm(0) = %u (remaining)\n", alarm(0));

	struct itimerval v = { { 0, 20000 }, { 0, 20000 } }, g;
	show("setitimer(REAL, 20ms)", RAW(SYS_setitimer, ITIMER_REAL, &v, NULL));
	while (ticks < 3)
		pause();
	printf("ticks: at least 3: %d\n", ticks >= 3);
	show("getitimer(REAL)", RAW(SYS_getitimer, ITIMER_REAL, &g));
	printf("interval %ld.%06ld, value within interval %d\n", (long)g.it_interval.tv_sec, (long)g.it_interval.tv_usec,
	       g.it_value.tv_sec == 0 && g.it_value.tv_usec <= 20000);
	struct itimerval off = { { 0, 0 }, { 0, 0 } }, old;
	show("setitimer(REAL, off)", RAW(SYS_setitimer, ITIMER_REAL, &off, &old));
	printf("old interval %ld\n", (long)old.it_interval.tv_usec);
	RAW(SYS_getitimer, ITIMER_REAL, &g);
	printf("disarmed: %d\n", g.it_value.tv_sec == 0 && g.it_value.tv_usec == 0);
	struct itimerval bad = { { 0, 0 }, { 0, 1000000 } };
	show("setitimer(bad usec)", RAW(SYS_setitimer, ITIMER_REAL, &bad, NULL));
	show("setitimer(which 5)", RAW(SYS_setitimer, 5, &v, NULL));
	show("getitimer(BADPTR)", RAW(SYS_getitimer, ITIMER_REAL, BADPTR));

	struct rusage r0, r1;
	show("getrusage(SELF)", RAW(SYS_getrusage, RUSAGE_SELF, &r0));
	int advanced = 0;
	for (int i = 0; i < 2000 && !advanced; i++) {
		for (volatile long k = 0; k < 1000000; k++)
			;
		getrusage(RUSAGE_SELF, &r1);
		advanced = r1.ru_utime.tv_sec > r0.ru_utime.tv_sec ||
			   (r1.ru_utime.tv_sec == r0.ru_utime.tv_sec && r1.ru_utime.tv_usec > r0.ru_utime.tv_usec);
	}
	printf("user time advances with work: %d\n", advanced);
	show("getrusage(CHILDREN)", RAW(SYS_getrusage, RUSAGE_CHILDREN, &r1));
	show("getrusage(-3)", RAW(SYS_getrusage, -3, &r1));
	show("getrusage(BADPTR)", RAW(SYS_getrusage, RUSAGE_SELF, BADPTR));

	struct tms tm;
	clock_t c = times(&tm);
	printf("times > 0: %d, utime >= 0: %d\n", c > 0, tm.tms_utime >= 0);
	return 0;
}
