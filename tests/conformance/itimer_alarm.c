/* alarm(2) and setitimer(2) share ITIMER_REAL: alarm reports what setitimer armed
 * (rounded to whole seconds, never 0 while armed) and clears the interval; pause(2)
 * returns EINTR when the timer's signal is handled; ITIMER_VIRTUAL and ITIMER_PROF
 * count CPU time and fire SIGVTALRM and SIGPROF. */
#include "conf.h"

#include <signal.h>
#include <sys/time.h>
#include <time.h>

static volatile int alrm, vt, prof;

static void h(int sig)
{
	if (sig == SIGALRM)
		alrm++;
	else if (sig == SIGVTALRM)
		vt++;
	else if (sig == SIGPROF)
		prof++;
}

/* Burn CPU until *flag is set, for at most 2 s of real time. */
static void spin_until(volatile int *flag)
{
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!*flag) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec > 2)
			break;
	}
}

static double val(const struct itimerval *v)
{
	return v->it_value.tv_sec + v->it_value.tv_usec / 1e6;
}

static void set_real(long sec, long usec, long isec)
{
	struct itimerval v = { { isec, 0 }, { sec, usec } };
	setitimer(ITIMER_REAL, &v, NULL);
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = h;
	sigaction(SIGALRM, &sa, NULL);
	sigaction(SIGVTALRM, &sa, NULL);
	sigaction(SIGPROF, &sa, NULL);

	printf("alarm(0) with nothing armed = %u\n", alarm(0));
	alarm(3);
	struct itimerval g;
	getitimer(ITIMER_REAL, &g);
	printf("after alarm(3): getitimer value in (2, 3] %d, interval 0 %d\n", val(&g) > 2 && val(&g) <= 3,
	       g.it_interval.tv_sec == 0 && g.it_interval.tv_usec == 0);

	set_real(2, 700000, 0);
	printf("setitimer 2.7 s, alarm(0) = %u\n", alarm(0));
	set_real(2, 200000, 0);
	printf("setitimer 2.2 s, alarm(0) = %u\n", alarm(0));
	set_real(0, 200000, 0);
	printf("setitimer 0.2 s, alarm(0) = %u\n", alarm(0));
	set_real(4, 0, 7);
	printf("setitimer 4 s every 7 s, alarm(9) = %u\n", alarm(9));
	getitimer(ITIMER_REAL, &g);
	printf("after alarm(9): value in (8, 9] %d, interval cleared %d\n", val(&g) > 8 && val(&g) <= 9,
	       g.it_interval.tv_sec == 0);
	struct itimerval off = { { 0, 0 }, { 0, 0 } }, old;
	setitimer(ITIMER_REAL, &off, &old);
	printf("disarm: old value in (8, 9] %d\n", val(&old) > 8 && val(&old) <= 9);
	printf("alarm(0) after disarming = %u\n", alarm(0));

	alarm(5);
	set_real(0, 30000, 0);
	long r = kret(pause());
	printf("pause = %s, SIGALRM handled %d\n", r < 0 ? ename((int)-r) : "returned", alrm);
	getitimer(ITIMER_REAL, &g);
	printf("one-shot timer is disarmed after firing: %d\n", val(&g) == 0);
	printf("alarm(0) after it fired = %u\n", alarm(0));

	struct itimerval cpu = { { 0, 0 }, { 0, 20000 } };
	show("setitimer(VIRTUAL, 20 ms)", RAW(SYS_setitimer, ITIMER_VIRTUAL, &cpu, NULL));
	getitimer(ITIMER_VIRTUAL, &g);
	printf("getitimer(VIRTUAL) value in (0, 25 ms] %d\n", val(&g) > 0 && val(&g) <= 0.025);
	spin_until(&vt);
	printf("SIGVTALRM after CPU work: %d\n", vt);
	show("setitimer(PROF, 20 ms)", RAW(SYS_setitimer, ITIMER_PROF, &cpu, NULL));
	spin_until(&prof);
	printf("SIGPROF after CPU work: %d\n", prof);
	getitimer(ITIMER_PROF, &g);
	printf("PROF disarmed after firing: %d\n", val(&g) == 0);
	printf("SIGALRM count unchanged: %d\n", alrm);
	return 0;
}
