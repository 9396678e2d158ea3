/* rt_sigsuspend: a pending blocked signal is delivered under the temporary mask, the call
 * returns EINTR and the original mask comes back. rt_sigtimedwait: takes a pending blocked
 * signal with its siginfo, times out with EAGAIN, checks its arguments. */
#include "conf.h"

#include <signal.h>

static volatile int handled;
static sigset_t mask_in_handler;

static void h(int sig)
{
	handled = sig;
	sigprocmask(SIG_BLOCK, NULL, &mask_in_handler);
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = h;
	sigaction(SIGUSR1, &sa, NULL);

	sigset_t block, empty, now;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGUSR2);
	sigemptyset(&empty);
	sigprocmask(SIG_BLOCK, &block, NULL);
	raise(SIGUSR1);
	printf("handled before sigsuspend: %d\n", handled);
	int r = sigsuspend(&empty);
	printf("sigsuspend = %d %s, handled %d\n", r, ename(errno), handled);
	printf("in handler: USR1 blocked %d, USR2 blocked %d\n", sigismember(&mask_in_handler, SIGUSR1),
	       sigismember(&mask_in_handler, SIGUSR2));
	sigprocmask(SIG_BLOCK, NULL, &now);
	printf("after: USR1 blocked %d, USR2 blocked %d\n", sigismember(&now, SIGUSR1), sigismember(&now, SIGUSR2));
	show("rt_sigsuspend(size 4)", RAW(SYS_rt_sigsuspend, &empty, 4));

	raise(SIGUSR2);
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	sigset_t want;
	sigemptyset(&want);
	sigaddset(&want, SIGUSR2);
	struct timespec zero = { 0, 0 }, short_wait = { 0, 10 * 1000 * 1000 };
	r = sigtimedwait(&want, &si, &zero);
	printf("sigtimedwait = %d, si_signo %d, si_code %d\n", r, si.si_signo, si.si_code);
	sigpending(&now);
	printf("still pending: %d\n", sigismember(&now, SIGUSR2));
	r = sigtimedwait(&want, &si, &short_wait);
	printf("sigtimedwait (nothing pending) = %d %s\n", r, ename(errno));
	show("rt_sigtimedwait(size 4)", RAW(SYS_rt_sigtimedwait, &want, NULL, &zero, 4));
	struct timespec bad = { 0, 2000000000L };
	show("rt_sigtimedwait(bad timeout)", RAW(SYS_rt_sigtimedwait, &want, NULL, &bad, 8));
	show("rt_sigtimedwait(BADPTR set)", RAW(SYS_rt_sigtimedwait, BADPTR, NULL, &zero, 8));
	return 0;
}
