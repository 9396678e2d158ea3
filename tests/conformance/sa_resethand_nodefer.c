/* rt_sigaction flags SA_RESETHAND and SA_NODEFER: which signals are blocked while the
 * handler runs (its own signal unless SA_NODEFER, sa_mask always, never KILL/STOP),
 * what the action reads back as after a one-shot handler ran, and that the saved
 * mask comes back when the handler returns. */
#include "conf.h"

#include <signal.h>

static sigset_t inside;
static volatile int ran;

static void h(int sig)
{
	(void)sig;
	ran++;
	sigprocmask(SIG_BLOCK, NULL, &inside);
}

static void try(const char *what, int flags, int mask_self)
{
	struct sigaction sa, cur;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = h;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGHUP);
	sigaddset(&sa.sa_mask, SIGKILL);
	sigaddset(&sa.sa_mask, SIGSTOP);
	if (mask_self)
		sigaddset(&sa.sa_mask, SIGUSR1);
	sigaction(SIGUSR1, &sa, NULL);
	ran = 0;
	sigemptyset(&inside);
	raise(SIGUSR1);
	printf("%s: ran %d, in handler USR1 blocked %d, HUP blocked %d, KILL blocked %d, STOP blocked %d\n", what,
	       ran, sigismember(&inside, SIGUSR1), sigismember(&inside, SIGHUP), sigismember(&inside, SIGKILL),
	       sigismember(&inside, SIGSTOP));
	sigaction(SIGUSR1, NULL, &cur);
	printf("%s: afterwards handler is %s, SA_RESETHAND %d, SA_NODEFER %d, HUP in sa_mask %d\n", what,
	       cur.sa_handler == SIG_DFL ? "SIG_DFL" : cur.sa_handler == h ? "h" : "other",
	       !!(cur.sa_flags & SA_RESETHAND), !!(cur.sa_flags & SA_NODEFER), sigismember(&cur.sa_mask, SIGHUP));
	sigset_t now;
	sigprocmask(SIG_BLOCK, NULL, &now);
	printf("%s: mask restored (USR1 %d, HUP %d)\n", what, sigismember(&now, SIGUSR1), sigismember(&now, SIGHUP));
}

int main(void)
{
	alarm(5);
	try("plain", 0, 0);
	try("SA_NODEFER", SA_NODEFER, 0);
	try("SA_NODEFER, self in sa_mask", SA_NODEFER, 1);
	try("SA_RESETHAND", SA_RESETHAND, 0);
	try("SA_RESETHAND|SA_NODEFER", SA_RESETHAND | SA_NODEFER, 0);
	try("SA_RESETHAND, self in sa_mask", SA_RESETHAND, 1);

	/* One-shot with SA_SIGINFO: reset to SIG_DFL, the flag read back. */
	struct sigaction sa, cur;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = h;
	sa.sa_flags = SA_RESETHAND | SA_SIGINFO;
	ran = 0;
	sigaction(SIGUSR2, &sa, NULL);
	raise(SIGUSR2);
	sigaction(SIGUSR2, NULL, &cur);
	printf("SA_RESETHAND|SA_SIGINFO: ran %d, handler SIG_DFL %d, SA_SIGINFO kept %d\n", ran,
	       cur.sa_handler == SIG_DFL, !!(cur.sa_flags & SA_SIGINFO));

	/* A one-shot on SIGCHLD-like ignorable signal: the next one takes the default (ignore). */
	sa.sa_flags = SA_RESETHAND;
	ran = 0;
	sigaction(SIGURG, &sa, NULL);
	raise(SIGURG);
	raise(SIGURG);
	printf("SIGURG one-shot: handler ran %d time(s), second took the default (ignore)\n", ran);
	return 0;
}
