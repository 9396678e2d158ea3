/* rt_sigsuspend details: it returns EINTR only after a handled signal (an ignored one
 * does not wake it); every signal the temporary mask unblocks that is pending is
 * handled before it returns; handlers run under the temporary mask plus sa_mask; a
 * signal blocked by the temporary mask stays pending; SIGKILL/SIGSTOP in the mask are
 * ignored; the original mask comes back. */
#include "conf.h"

#include <signal.h>
#include <sys/wait.h>
#include <time.h>

static volatile int n_usr1, n_usr2, n_hup;
static sigset_t in_usr1;

static void h(int sig)
{
	if (sig == SIGUSR1) {
		n_usr1++;
		sigprocmask(SIG_BLOCK, NULL, &in_usr1);
	} else if (sig == SIGUSR2) {
		n_usr2++;
	} else if (sig == SIGHUP) {
		n_hup++;
	}
}

int main(void)
{
	alarm(5);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = h;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGTERM);
	sigaction(SIGUSR1, &sa, NULL);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR2, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	sigset_t all, tmp, now, pend;
	sigemptyset(&all);
	sigaddset(&all, SIGUSR1);
	sigaddset(&all, SIGUSR2);
	sigaddset(&all, SIGHUP);
	sigaddset(&all, SIGURG);
	sigprocmask(SIG_BLOCK, &all, NULL);

	/* A child sends SIGURG (ignored by default), then SIGUSR1 20 ms later. */
	pid_t c = fork();
	if (c == 0) {
		struct timespec d = { 0, 20 * 1000000L };
		kill(getppid(), SIGURG);
		nanosleep(&d, NULL);
		kill(getppid(), SIGUSR1);
		_exit(0);
	}
	sigemptyset(&tmp);
	sigaddset(&tmp, SIGHUP);
	sigaddset(&tmp, SIGKILL);
	sigaddset(&tmp, SIGSTOP);
	raise(SIGHUP);
	long r = kret(sigsuspend(&tmp));
	printf("sigsuspend = %s, USR1 handled %d, HUP handled %d\n", r < 0 ? ename((int)-r) : "?", n_usr1, n_hup);
	printf("in the USR1 handler: HUP blocked (temporary mask) %d, TERM blocked (sa_mask) %d, USR2 blocked %d\n",
	       sigismember(&in_usr1, SIGHUP), sigismember(&in_usr1, SIGTERM), sigismember(&in_usr1, SIGUSR2));
	sigpending(&pend);
	printf("HUP still pending %d, URG pending %d\n", sigismember(&pend, SIGHUP), sigismember(&pend, SIGURG));
	sigprocmask(SIG_BLOCK, NULL, &now);
	printf("original mask back: USR1 %d USR2 %d HUP %d\n", sigismember(&now, SIGUSR1), sigismember(&now, SIGUSR2),
	       sigismember(&now, SIGHUP));
	waitpid(c, NULL, 0);

	/* Several pending signals: all handled before sigsuspend returns. */
	n_usr1 = n_usr2 = n_hup = 0;
	raise(SIGUSR1);
	raise(SIGUSR2);
	sigemptyset(&tmp);
	r = kret(sigsuspend(&tmp));
	printf("with HUP, USR1 and USR2 pending: sigsuspend = %s, handled USR1 %d USR2 %d HUP %d\n",
	       r < 0 ? ename((int)-r) : "?", n_usr1, n_usr2, n_hup);
	show("rt_sigsuspend(BADPTR)", RAW(SYS_rt_sigsuspend, BADPTR, 8));
	show("rt_sigsuspend(size 16)", RAW(SYS_rt_sigsuspend, &tmp, 16));
	return 0;
}
