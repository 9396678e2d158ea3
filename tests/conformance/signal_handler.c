/* Handlers: siginfo, the mask while a handler runs, SA_NODEFER, nesting, ucontext,
 * SA_RESETHAND (which ends the program: exit status 128+SIGUSR2). */
#include "conf.h"

#include <signal.h>
#include <ucontext.h>

static int depth, max_depth, order[8], norder;
static sigset_t inside;

static void info_handler(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	printf("handler: sig %d si_signo %d si_code %d pid matches %d\n", sig, si->si_signo, si->si_code,
	       si->si_pid == getpid());
	printf("uc_sigmask has USR1 %d (saved mask, before entry)\n", sigismember(&uc->uc_sigmask, SIGUSR1));
	sigprocmask(SIG_BLOCK, NULL, &inside);
}

static void nested(int sig)
{
	order[norder++] = sig;
	if (++depth > max_depth)
		max_depth = depth;
	if (sig == SIGUSR1 && depth < 3)
		raise(SIGUSR1);
	if (sig == SIGUSR1 && depth == 1)
		raise(SIGHUP);
	depth--;
}

static void once(int sig)
{
	printf("resethand handler ran for %d\n", sig);
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = info_handler;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGTERM);
	show("sigaction(USR1)", sigaction(SIGUSR1, &sa, NULL));
	show("kill(self, USR1)", kret(kill(getpid(), SIGUSR1)));
	printf("inside: USR1 blocked %d, TERM blocked (sa_mask) %d\n", sigismember(&inside, SIGUSR1),
	       sigismember(&inside, SIGTERM));
	show("raise(USR1) (tgkill)", raise(SIGUSR1));
	sigset_t now;
	sigprocmask(SIG_BLOCK, NULL, &now);
	printf("after return: USR1 blocked %d, TERM blocked %d\n", sigismember(&now, SIGUSR1), sigismember(&now, SIGTERM));

	/* Without SA_NODEFER a handler's own signal waits; with it, it nests. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = nested;
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	printf("deferred: max depth %d, calls %d:", max_depth, norder);
	for (int i = 0; i < norder; i++)
		printf(" %d", order[i]);
	printf("\n");
	sa.sa_flags = SA_NODEFER;
	sigaction(SIGUSR1, &sa, NULL);
	depth = max_depth = norder = 0;
	raise(SIGUSR1);
	printf("nodefer: max depth %d, calls %d\n", max_depth, norder);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = once;
	sa.sa_flags = SA_RESETHAND;
	sigaction(SIGUSR2, &sa, NULL);
	raise(SIGUSR2);
	struct sigaction cur;
	sigaction(SIGUSR2, NULL, &cur);
	printf("after SA_RESETHAND the action is SIG_DFL: %d\n", cur.sa_handler == SIG_DFL);
	fflush(stdout);
	raise(SIGUSR2);
	printf("not reached\n");
	return 0;
}
