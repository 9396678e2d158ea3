/* epoll_wait, epoll_pwait and epoll_pwait2: timeouts, interruption by a signal (EINTR,
 * never restarted, even with SA_RESTART), epoll_pwait's temporary signal mask, and the
 * argument checks of the timed variants. */
#include "conf.h"

#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <time.h>

static volatile sig_atomic_t got;
static pthread_t main_thread;

static void on_usr1(int sig)
{
	(void)sig;
	got++;
}

static void nap(long ms)
{
	struct timespec ts = { 0, ms * 1000000L };
	nanosleep(&ts, NULL);
}

static void *kick(void *arg)
{
	(void)arg;
	nap(100);
	pthread_kill(main_thread, SIGUSR1);
	return NULL;
}

static long ms_since(struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

static int blocked_usr1(void)
{
	sigset_t cur;
	sigprocmask(SIG_BLOCK, NULL, &cur);
	return sigismember(&cur, SIGUSR1);
}

int main(void)
{
	main_thread = pthread_self();
	struct sigaction sa = { 0 };
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);

	int ep = epoll_create1(0);
	int p[2];
	pipe(p);
	struct epoll_event e = { .events = EPOLLIN, .data.u64 = 1 }, out[2];
	epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &e);

	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int n = epoll_wait(ep, out, 2, 30);
	long el = ms_since(&t0);
	printf("epoll_wait(30ms) = %d, waited at least 30ms: %s\n", n, el >= 29 ? "yes" : "no");

	pthread_t th;
	pthread_create(&th, NULL, kick, NULL);
	n = (int)kret(epoll_wait(ep, out, 2, -1));
	show("epoll_wait(-1) with SA_RESTART handler", n);
	printf("handler ran: %d\n", (int)got);
	pthread_join(th, NULL);

	/* epoll_pwait: SIGUSR1 blocked, unblocked only during the wait. */
	sigset_t block, during;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, NULL);
	sigemptyset(&during);
	got = 0;
	pthread_create(&th, NULL, kick, NULL);
	n = (int)kret(epoll_pwait(ep, out, 2, 5000, &during));
	show("epoll_pwait(temporary empty mask)", n);
	printf("handler ran: %d, SIGUSR1 blocked again: %d\n", (int)got, blocked_usr1());
	pthread_join(th, NULL);

	/* A signal the temporary mask blocks does not interrupt: the wait times out. */
	got = 0;
	pthread_create(&th, NULL, kick, NULL);
	n = (int)kret(epoll_pwait(ep, out, 2, 300, &block));
	show("epoll_pwait(mask blocks SIGUSR1)", n);
	printf("handler ran during the wait: %d\n", (int)got);
	pthread_join(th, NULL);
	sigset_t pend;
	sigpending(&pend);
	printf("SIGUSR1 pending: %d\n", sigismember(&pend, SIGUSR1));
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	printf("handler ran once unblocked: %d\n", (int)got);

	/* Events ready win over a pending signal. */
	write(p[1], "x", 1);
	sigprocmask(SIG_BLOCK, &block, NULL);
	raise(SIGUSR1);
	got = 0;
	n = (int)kret(epoll_pwait(ep, out, 2, -1, &during));
	show("epoll_pwait(ready, signal pending)", n);
	printf("handler ran: %d, blocked again: %d\n", (int)got, blocked_usr1());
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	char c;
	read(p[0], &c, 1);

	show("epoll_pwait(sigsetsize 4)", RAW(SYS_epoll_pwait, ep, out, 2, 0, &during, 4));
	show("epoll_pwait(mask BADPTR)", RAW(SYS_epoll_pwait, ep, out, 2, 0, BADPTR, 8));
	show("epoll_pwait(NULL mask)", RAW(SYS_epoll_pwait, ep, out, 2, 0, NULL, 8));

	/* epoll_pwait2: a timespec timeout. */
	struct timespec ts = { 0, 20 * 1000000L };
	clock_gettime(CLOCK_MONOTONIC, &t0);
	n = (int)RAW(SYS_epoll_pwait2, ep, out, 2, &ts, NULL, 8);
	el = ms_since(&t0);
	printf("epoll_pwait2(20ms) = %d, waited at least 20ms: %s\n", n, el >= 19 ? "yes" : "no");
	struct timespec zero = { 0, 0 }, bad = { 0, 1000000000L }, neg = { -1, 0 };
	show("epoll_pwait2(0)", RAW(SYS_epoll_pwait2, ep, out, 2, &zero, NULL, 8));
	show("epoll_pwait2(nsec 1e9)", RAW(SYS_epoll_pwait2, ep, out, 2, &bad, NULL, 8));
	show("epoll_pwait2(negative)", RAW(SYS_epoll_pwait2, ep, out, 2, &neg, NULL, 8));
	show("epoll_pwait2(timeout BADPTR)", RAW(SYS_epoll_pwait2, ep, out, 2, BADPTR, NULL, 8));
	write(p[1], "y", 1);
	n = (int)RAW(SYS_epoll_pwait2, ep, out, 2, NULL, NULL, 8);
	printf("epoll_pwait2(NULL timeout, ready) = %d data %llu\n", n, (unsigned long long)out[0].data.u64);
	got = 0;
	read(p[0], &c, 1);
	pthread_create(&th, NULL, kick, NULL);
	show("epoll_pwait2(NULL timeout) interrupted", RAW(SYS_epoll_pwait2, ep, out, 2, NULL, NULL, 8));
	printf("handler ran: %d\n", (int)got);
	pthread_join(th, NULL);
	return 0;
}
