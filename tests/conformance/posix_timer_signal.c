/* POSIX timers with SIGEV_SIGNAL: the signal carries SI_TIMER, the timer's value and
 * id; a periodic timer whose signal stays pending counts overruns (si_overrun and
 * timer_getoverrun); timer_gettime reports the time left and the interval; settime
 * returns the old setting; TIMER_ABSTIME in the past fires at once; a NULL sigevent
 * means SIGALRM with the timer id as value; a deleted timer is gone (EINVAL). */
#include "conf.h"

#include <signal.h>
#include <time.h>

static double secs(const struct timespec *t)
{
	return t->tv_sec + t->tv_nsec / 1e9;
}

static sigset_t set;

static int take(siginfo_t *si, long ms)
{
	struct timespec lim = { ms / 1000, (ms % 1000) * 1000000L };
	return sigtimedwait(&set, si, &lim);
}

int main(void)
{
	alarm(5);
	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN);
	sigaddset(&set, SIGALRM);
	sigprocmask(SIG_BLOCK, &set, NULL);

	timer_t t;
	struct sigevent ev;
	memset(&ev, 0, sizeof(ev));
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = SIGRTMIN;
	ev.sigev_value.sival_int = 77;
	show("timer_create(MONOTONIC, SIGEV_SIGNAL RTMIN)", kret(timer_create(CLOCK_MONOTONIC, &ev, &t)));
	struct itimerspec its = { { 0, 0 }, { 0, 20 * 1000000L } }, cur, old;
	show("timer_settime(20 ms one-shot)", kret(timer_settime(t, 0, &its, NULL)));
	timer_gettime(t, &cur);
	fact("gettime: value in (0, 20 ms], interval 0",
	     secs(&cur.it_value) > 0 && secs(&cur.it_value) <= 0.02 && secs(&cur.it_interval) == 0);
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	int s = take(&si, 2000);
	printf("signal %s, SI_TIMER %d, value %d, si_timerid matches %d, si_overrun %d\n",
	       s == SIGRTMIN ? "RTMIN" : "other", si.si_code == SI_TIMER, si.si_value.sival_int,
	       si.si_timerid == (int)(long)t, si.si_overrun);
	timer_gettime(t, &cur);
	fact("disarmed after firing", secs(&cur.it_value) == 0);

	struct itimerspec per = { { 0, 5 * 1000000L }, { 0, 5 * 1000000L } };
	timer_settime(t, 0, &per, NULL);
	struct timespec d = { 0, 80 * 1000000L };
	nanosleep(&d, NULL);
	memset(&si, 0, sizeof(si));
	s = take(&si, 2000);
	int ov = timer_getoverrun(t);
	printf("periodic 5 ms, signal left pending 80 ms: signal %d, si_overrun > 3 %d, getoverrun matches %d\n",
	       s == SIGRTMIN, si.si_overrun > 3, ov == si.si_overrun);
	timer_gettime(t, &cur);
	fact("gettime: interval 5 ms", cur.it_interval.tv_sec == 0 && cur.it_interval.tv_nsec == 5000000L);
	struct itimerspec zero = { { 0, 0 }, { 0, 0 } };
	show("timer_settime(disarm) with old", kret(timer_settime(t, 0, &zero, &old)));
	fact("old setting: interval 5 ms", old.it_interval.tv_nsec == 5000000L && old.it_interval.tv_sec == 0);
	timer_gettime(t, &cur);
	fact("disarmed", secs(&cur.it_value) == 0 && secs(&cur.it_interval) == 0);
	/* A signal queued before disarming may still be pending: drain it. */
	while (take(&si, 0) > 0)
		;

	struct itimerspec abs = { { 0, 0 }, { 1, 0 } };
	show("timer_settime(TIMER_ABSTIME, 1 s after boot: past)", kret(timer_settime(t, TIMER_ABSTIME, &abs, NULL)));
	s = take(&si, 1000);
	fact("fired at once", s == SIGRTMIN);

	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	abs.it_value = now;
	abs.it_value.tv_sec += 100;
	timer_settime(t, TIMER_ABSTIME, &abs, NULL);
	timer_gettime(t, &cur);
	fact("absolute +100 s: gettime reports relative time in (99, 100]",
	     secs(&cur.it_value) > 99 && secs(&cur.it_value) <= 100);
	show("timer_delete", kret(timer_delete(t)));
	show("timer_gettime after delete", RAW(SYS_timer_gettime, t, &cur));

	timer_t t2;
	show("timer_create(REALTIME, NULL sigevent)", RAW(SYS_timer_create, CLOCK_REALTIME, NULL, &t2));
	struct itimerspec ten = { { 0, 0 }, { 0, 10 * 1000000L } };
	RAW(SYS_timer_settime, t2, 0, &ten, NULL);
	memset(&si, 0, sizeof(si));
	s = take(&si, 2000);
	printf("NULL sigevent: SIGALRM %d, SI_TIMER %d, value is the timer id %d\n", s == SIGALRM,
	       si.si_code == SI_TIMER, si.si_value.sival_int == (int)(long)t2);
	RAW(SYS_timer_delete, t2);
	return 0;
}
