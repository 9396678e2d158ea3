/* A blocked signal sent to oneself stays pending, shows in rt_sigpending, is discarded
 * by SIG_IGN, and acts (here: kills with SIGTERM) once unblocked. */
#include "conf.h"

#include <signal.h>

static void show_pending(const char *what)
{
	sigset_t p;
	sigemptyset(&p);
	sigpending(&p);
	printf("%s: TERM %d USR1 %d\n", what, sigismember(&p, SIGTERM), sigismember(&p, SIGUSR1));
}

int main(void)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGTERM);
	sigaddset(&s, SIGUSR1);
	show("sigprocmask(BLOCK TERM,USR1)", sigprocmask(SIG_BLOCK, &s, NULL));
	show_pending("before");
	show("raise(TERM)", raise(SIGTERM));
	show("kill(self, USR1)", kret(kill(getpid(), SIGUSR1)));
	show_pending("after sending");
	show("signal(USR1, SIG_IGN)", signal(SIGUSR1, SIG_IGN) == SIG_ERR ? -1 : 0);
	show_pending("after ignoring USR1");
	fflush(stdout);
	sigemptyset(&s);
	sigaddset(&s, SIGTERM);
	sigprocmask(SIG_UNBLOCK, &s, NULL);
	printf("not reached\n");
	return 0;
}
