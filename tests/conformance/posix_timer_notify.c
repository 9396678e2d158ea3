/* POSIX timer notification kinds: SIGEV_NONE never signals but timer_gettime counts
 * down and then reads zero; SIGEV_THREAD_ID sends the signal to the named thread
 * (another thread of the process gets nothing); a CPU-time clock timer fires after
 * the process has used that much CPU. */
#include "conf.h"

#include <pthread.h>
#include <signal.h>
#include <time.h>

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif
#ifndef SIGEV_THREAD_ID
#define SIGEV_THREAD_ID 4
#endif

static double secs(const struct timespec *t)
{
	return t->tv_sec + t->tv_nsec / 1e9;
}

static volatile int worker_tid;
static volatile int worker_got, worker_ready;

static void *worker(void *arg)
{
	(void)arg;
	worker_tid = gettid();
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGRTMIN);
	siginfo_t si;
	worker_ready = 1;
	struct timespec lim = { 2, 0 };
	if (sigtimedwait(&s, &si, &lim) == SIGRTMIN)
		worker_got = si.si_value.sival_int;
	return NULL;
}

int main(void)
{
	alarm(5);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN);
	sigaddset(&set, SIGRTMIN + 1);
	sigprocmask(SIG_BLOCK, &set, NULL);

	timer_t t;
	struct sigevent ev;
	memset(&ev, 0, sizeof(ev));
	ev.sigev_notify = SIGEV_NONE;
	show("timer_create(SIGEV_NONE)", kret(timer_create(CLOCK_MONOTONIC, &ev, &t)));
	struct itimerspec its = { { 0, 0 }, { 0, 30 * 1000000L } }, cur;
	timer_settime(t, 0, &its, NULL);
	timer_gettime(t, &cur);
	double first = secs(&cur.it_value);
	struct timespec d = { 0, 10 * 1000000L };
	nanosleep(&d, NULL);
	timer_gettime(t, &cur);
	fact("SIGEV_NONE counts down", secs(&cur.it_value) < first && secs(&cur.it_value) > 0);
	d.tv_nsec = 40 * 1000000L;
	nanosleep(&d, NULL);
	timer_gettime(t, &cur);
	fact("SIGEV_NONE reads zero after expiry", secs(&cur.it_value) == 0);
	show("timer_getoverrun(SIGEV_NONE)", kret(timer_getoverrun(t)));
	sigset_t p;
	sigpending(&p);
	fact("no signal pending", !sigismember(&p, SIGRTMIN) && !sigismember(&p, SIGALRM));
	timer_delete(t);

	pthread_t th;
	pthread_create(&th, NULL, worker, NULL);
	while (!worker_ready)
		sched_yield();
	memset(&ev, 0, sizeof(ev));
	ev.sigev_notify = SIGEV_THREAD_ID;
	ev.sigev_signo = SIGRTMIN;
	ev.sigev_value.sival_int = 31;
	ev.sigev_notify_thread_id = worker_tid;
	show("timer_create(SIGEV_THREAD_ID worker)", kret(timer_create(CLOCK_MONOTONIC, &ev, &t)));
	its.it_value.tv_nsec = 20 * 1000000L;
	timer_settime(t, 0, &its, NULL);
	pthread_join(th, NULL);
	printf("worker got value %d\n", worker_got);
	sigpending(&p);
	fact("main thread has nothing pending", !sigismember(&p, SIGRTMIN));
	timer_delete(t);

	ev.sigev_notify_thread_id = gettid();
	ev.sigev_value.sival_int = 32;
	show("timer_create(SIGEV_THREAD_ID main)", kret(timer_create(CLOCK_MONOTONIC, &ev, &t)));
	timer_settime(t, 0, &its, NULL);
	siginfo_t si;
	struct timespec lim = { 2, 0 };
	int s = sigtimedwait(&set, &si, &lim);
	printf("main got %s value %d\n", s == SIGRTMIN ? "RTMIN" : "nothing", si.si_value.sival_int);
	timer_delete(t);

	memset(&ev, 0, sizeof(ev));
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = SIGRTMIN + 1;
	show("timer_create(PROCESS_CPUTIME_ID)", kret(timer_create(CLOCK_PROCESS_CPUTIME_ID, &ev, &t)));
	its.it_value.tv_nsec = 20 * 1000000L;
	timer_settime(t, 0, &its, NULL);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int fired = 0;
	do {
		sigpending(&p);
		fired = sigismember(&p, SIGRTMIN + 1);
		clock_gettime(CLOCK_MONOTONIC, &t1);
	} while (!fired && secs(&t1) - secs(&t0) < 2);
	fact("CPU-time timer fired after CPU work", fired);
	timer_delete(t);
	show("timer_create(THREAD_CPUTIME_ID)", kret(timer_create(CLOCK_THREAD_CPUTIME_ID, &ev, &t)));
	timer_delete(t);
	return 0;
}
