/* RLIMIT_SIGPENDING: with the limit at 0, sigqueue of a blocked real-time signal fails
 * with EAGAIN while kill of it succeeds and leaves the signal pending once (without a
 * queue entry, so a second kill adds nothing); standard signals are not refused;
 * restoring the limit lets sigqueue queue again. The limit is 0 so the host's other pending signals of the same
 * user cannot matter. */
#include "conf.h"

#include <signal.h>
#include <sys/resource.h>
#include <time.h>

static int count_pending(int sig)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, sig);
	struct timespec z = { 0, 0 };
	int n = 0;
	while (sigtimedwait(&s, NULL, &z) == sig)
		n++;
	return n;
}

int main(void)
{
	alarm(5);
	struct rlimit old, zero;
	getrlimit(RLIMIT_SIGPENDING, &old);
	printf("soft <= hard: %d\n", old.rlim_cur <= old.rlim_max);
	zero.rlim_cur = 0;
	zero.rlim_max = old.rlim_max;
	show("setrlimit(SIGPENDING, 0)", RAW(SYS_setrlimit, RLIMIT_SIGPENDING, &zero));

	sigset_t b;
	sigemptyset(&b);
	sigaddset(&b, SIGRTMIN);
	sigaddset(&b, SIGUSR1);
	sigprocmask(SIG_BLOCK, &b, NULL);
	union sigval v = { .sival_int = 1 };
	show("sigqueue(RTMIN)", kret(sigqueue(getpid(), SIGRTMIN, v)));
	show("kill(RTMIN)", kret(kill(getpid(), SIGRTMIN)));
	show("kill(RTMIN) again", kret(kill(getpid(), SIGRTMIN)));
	printf("RTMIN instances pending: %d\n", count_pending(SIGRTMIN));
	show("sigqueue(USR1)", kret(sigqueue(getpid(), SIGUSR1, v)));
	show("kill(USR1)", kret(kill(getpid(), SIGUSR1)));
	show("sigqueue(USR1) while pending", kret(sigqueue(getpid(), SIGUSR1, v)));
	printf("USR1 instances pending: %d\n", count_pending(SIGUSR1));

	show("setrlimit(SIGPENDING, original)", RAW(SYS_setrlimit, RLIMIT_SIGPENDING, &old));
	for (int i = 0; i < 5; i++)
		sigqueue(getpid(), SIGRTMIN, v);
	printf("RTMIN instances pending with the original limit: %d\n", count_pending(SIGRTMIN));
	return 0;
}
