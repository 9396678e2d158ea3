/* Real-time signals queue: every sigqueue (and every kill) of a blocked real-time signal
 * is kept with its value, in order, and the lowest-numbered pending signal is taken
 * first; a standard signal sent twice while blocked is delivered once, with the first
 * sender's data. Both for sigtimedwait and for handlers run on unblocking. */
#include "conf.h"

#include <signal.h>

static int order[32], values[32], n;

static void h(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (n < 32) {
		order[n] = sig;
		values[n] = si->si_code == SI_QUEUE ? si->si_value.sival_int : -1;
		n++;
	}
}

static void q(int sig, int v)
{
	union sigval sv = { .sival_int = v };
	if (sigqueue(getpid(), sig, sv) != 0)
		printf("sigqueue(%d) failed: %s\n", sig, ename(errno));
}

static void fill(void)
{
	q(SIGRTMIN + 2, 1);
	q(SIGRTMIN + 2, 2);
	kill(getpid(), SIGRTMIN + 2);
	q(SIGRTMIN + 2, 3);
	q(SIGRTMIN, 10);
	q(SIGRTMIN, 11);
	q(SIGUSR2, 20);
	q(SIGUSR1, 30);
	q(SIGUSR1, 31);
	kill(getpid(), SIGUSR1);
	q(SIGRTMAX, 40);
}

static void print(const char *what)
{
	printf("%s:", what);
	for (int i = 0; i < n; i++) {
		int s = order[i];
		if (s >= SIGRTMIN)
			printf(" RTMIN+%d", s - SIGRTMIN);
		else
			printf(" %d", s);
		printf("(%d)", values[i]);
	}
	printf("\n");
}

int main(void)
{
	alarm(5);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGRTMIN);
	sigaddset(&set, SIGRTMIN + 2);
	sigaddset(&set, SIGRTMAX);
	sigprocmask(SIG_BLOCK, &set, NULL);

	fill();
	sigset_t p;
	sigpending(&p);
	printf("pending: USR1 %d USR2 %d RTMIN %d RTMIN+1 %d RTMIN+2 %d RTMAX %d\n", sigismember(&p, SIGUSR1),
	       sigismember(&p, SIGUSR2), sigismember(&p, SIGRTMIN), sigismember(&p, SIGRTMIN + 1),
	       sigismember(&p, SIGRTMIN + 2), sigismember(&p, SIGRTMAX));
	struct timespec zero = { 0, 0 };
	siginfo_t si;
	n = 0;
	for (;;) {
		int s = sigtimedwait(&set, &si, &zero);
		if (s < 0) {
			printf("sigtimedwait at the end: %s\n", ename(errno));
			break;
		}
		order[n] = s;
		values[n] = si.si_code == SI_QUEUE ? si.si_value.sival_int : -1;
		n++;
	}
	print("sigtimedwait order (value, -1 for kill)");

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = h;
	sa.sa_flags = SA_SIGINFO;
	sigfillset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sigaction(SIGRTMIN, &sa, NULL);
	sigaction(SIGRTMIN + 2, &sa, NULL);
	sigaction(SIGRTMAX, &sa, NULL);
	fill();
	n = 0;
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	print("handler order (value, -1 for kill)");

	/* Only one instance is taken per sigtimedwait call. */
	sigprocmask(SIG_BLOCK, &set, NULL);
	q(SIGRTMIN, 1);
	q(SIGRTMIN, 2);
	sigtimedwait(&set, &si, &zero);
	sigpending(&p);
	printf("after taking one of two RTMIN: still pending %d, took value %d\n", sigismember(&p, SIGRTMIN),
	       si.si_value.sival_int);
	sigtimedwait(&set, &si, &zero);
	sigpending(&p);
	printf("after taking the second: still pending %d, took value %d\n", sigismember(&p, SIGRTMIN),
	       si.si_value.sival_int);
	return 0;
}
