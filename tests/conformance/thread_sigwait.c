/* sigwait(3)/sigwaitinfo/sigtimedwait (rt_sigtimedwait(2)) in threads, for signals
 * blocked in every thread: a signal sent to the process with kill() is taken by the
 * thread waiting for it (also when sent before the wait began); two threads waiting for
 * different signals each get their own; sigqueue()d real-time signals queue in order with
 * their values, lower numbers first, while a standard signal does not queue; a signal
 * directed at one thread is not taken by another thread's wait; a handler for another
 * signal interrupts the wait (EINTR); zero timeout EAGAIN; bad sigsetsize EINVAL. */
#include "conf.h"

#include <pthread.h>
#include <signal.h>
#include <time.h>

static void wait_for(volatile int *flag)
{
	for (int i = 0; i < 20000 && !__atomic_load_n(flag, __ATOMIC_SEQ_CST); i++)
		usleep(100);
}

struct waiter {
	pthread_t th;
	int sig; /* wait for this one */
	int count; /* this many times */
	int ready;
	int got[4];
	siginfo_t info[4];
	long timeout_ms; /* < 0: sigwaitinfo */
	int go;
	int needs_go;
};

static void *waiter_main(void *arg)
{
	struct waiter *w = arg;
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, w->sig);
	__atomic_store_n(&w->ready, 1, __ATOMIC_SEQ_CST);
	if (w->needs_go)
		wait_for(&w->go);
	for (int i = 0; i < w->count; i++) {
		memset(&w->info[i], 0, sizeof(w->info[i]));
		if (w->timeout_ms < 0) {
			w->got[i] = sigwaitinfo(&s, &w->info[i]);
		} else {
			struct timespec ts = { w->timeout_ms / 1000, (w->timeout_ms % 1000) * 1000000 };
			w->got[i] = sigtimedwait(&s, &w->info[i], &ts);
		}
		if (w->got[i] < 0)
			w->got[i] = -errno;
	}
	return NULL;
}

static void start(struct waiter *w, int sig, int count, long timeout_ms, int needs_go)
{
	memset(w, 0, sizeof(*w));
	w->sig = sig;
	w->count = count;
	w->timeout_ms = timeout_ms;
	w->needs_go = needs_go;
	pthread_create(&w->th, NULL, waiter_main, w);
	wait_for(&w->ready);
}

static const char *signame(int s)
{
	static char buf[32];
	if (s < 0)
		return ename(-s);
	if (s == SIGUSR1)
		return "USR1";
	if (s == SIGUSR2)
		return "USR2";
	if (s >= SIGRTMIN && s <= SIGRTMAX) {
		snprintf(buf, sizeof(buf), "RTMIN+%d", s - SIGRTMIN);
		return buf;
	}
	snprintf(buf, sizeof(buf), "%d", s);
	return buf;
}

static void finish(const char *what, struct waiter *w)
{
	pthread_join(w->th, NULL);
	printf("%s:", what);
	for (int i = 0; i < w->count; i++)
		printf(" %s", signame(w->got[i]));
	printf("\n");
}

static volatile int interrupts;
static void counting_handler(int sig)
{
	interrupts++;
}

int main(void)
{
	alarm(20);
	int rt0 = SIGRTMIN, rt1 = SIGRTMIN + 1, rt2 = SIGRTMIN + 2;
	sigset_t all;
	sigemptyset(&all);
	sigaddset(&all, SIGUSR1);
	sigaddset(&all, SIGUSR2);
	sigaddset(&all, rt0);
	sigaddset(&all, rt1);
	sigaddset(&all, rt2);
	pthread_sigmask(SIG_BLOCK, &all, NULL);

	struct waiter a, b;
	start(&a, SIGUSR1, 1, -1, 0);
	show("kill(getpid(), USR1)", kret(kill(getpid(), SIGUSR1)));
	finish("sigwaitinfo in a thread took", &a);
	printf("  si_code is SI_USER: %s, si_pid is ours: %s\n", a.info[0].si_code == SI_USER ? "yes" : "no",
	       a.info[0].si_pid == getpid() ? "yes" : "no");
	sigset_t pend;
	sigpending(&pend);
	fact("nothing left pending", !sigismember(&pend, SIGUSR1));

	/* Sent before anybody waits: it waits, pending, for the first taker. */
	show("kill(getpid(), USR2) before the wait", kret(kill(getpid(), SIGUSR2)));
	start(&b, SIGUSR2, 1, 1000, 0);
	finish("sigtimedwait in a thread took", &b);

	/* Two threads, two signals. */
	start(&a, SIGUSR1, 1, 2000, 0);
	start(&b, SIGUSR2, 1, 2000, 0);
	kill(getpid(), SIGUSR2);
	kill(getpid(), SIGUSR1);
	finish("thread waiting for USR1 took", &a);
	finish("thread waiting for USR2 took", &b);

	/* A standard signal does not queue. */
	struct timespec zero = { 0, 0 };
	kill(getpid(), SIGUSR1);
	kill(getpid(), SIGUSR1);
	start(&a, SIGUSR1, 1, 0, 0);
	finish("USR1 sent twice, first wait", &a);
	start(&a, SIGUSR1, 1, 0, 0);
	finish("USR1 sent twice, second wait", &a);

	/* A signal for thread a is not taken by thread b's wait. */
	start(&a, SIGUSR1, 1, 0, 1);
	show("pthread_kill(a, USR1)", pthread_kill(a.th, SIGUSR1));
	start(&b, SIGUSR1, 1, 50, 0);
	finish("thread b's 50 ms wait for USR1", &b);
	__atomic_store_n(&a.go, 1, __ATOMIC_SEQ_CST);
	finish("thread a's zero-timeout wait for USR1", &a);

	/* A handler for a signal the thread does not block interrupts its wait. */
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = counting_handler;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGURG, &sa, NULL);
	start(&a, SIGUSR1, 1, 3000, 0);
	for (int i = 0; i < 5000; i++) {
		if (pthread_kill(a.th, SIGURG) != 0 || __atomic_load_n(&a.got[0], __ATOMIC_SEQ_CST) != 0)
			break;
		usleep(200);
	}
	finish("sigtimedwait interrupted by a handler (even with SA_RESTART)", &a);

	show("rt_sigtimedwait(zero timeout, nothing pending)", RAW(SYS_rt_sigtimedwait, &all, NULL, &zero, 8));
	show("rt_sigtimedwait(sigsetsize 16)", RAW(SYS_rt_sigtimedwait, &all, NULL, &zero, 16));

	/* Real-time signals queue with their values. */
	union sigval v;
	for (int i = 1; i <= 3; i++) {
		v.sival_int = 40 + i;
		sigqueue(getpid(), rt1, v);
	}
	v.sival_int = 7;
	sigqueue(getpid(), rt0, v);
	start(&a, rt1, 3, 1000, 0);
	finish("three queued RTMIN+1 taken", &a);
	printf("  values %d %d %d, si_code SI_QUEUE: %s\n", a.info[0].si_value.sival_int, a.info[1].si_value.sival_int,
	       a.info[2].si_value.sival_int, a.info[0].si_code == SI_QUEUE ? "yes" : "no");
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	sigset_t rt0set;
	sigemptyset(&rt0set);
	sigaddset(&rt0set, rt0);
	int r = kret(sigtimedwait(&rt0set, &si, &zero));
	printf("main takes %s with value %d\n", signame(r), si.si_value.sival_int);

	/* Lowest signal number first. */
	v.sival_int = 0;
	sigqueue(getpid(), rt2, v);
	sigqueue(getpid(), rt0, v);
	kill(getpid(), SIGUSR2);
	kill(getpid(), SIGUSR1);
	printf("taken in order:");
	for (int i = 0; i < 5; i++)
		printf(" %s", signame(kret(sigtimedwait(&all, NULL, &zero))));
	printf("\n");
	return 0;
}
