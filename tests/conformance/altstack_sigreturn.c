/* What rt_sigreturn does with the alternate stack a handler edits in its ucontext: an
 * armed stack is not changed from a frame, neither disabled nor resized, and returning
 * through such a frame is not an error. */
#include "conf.h"

#include <signal.h>
#include <ucontext.h>

static char alt[65536];

static void disable_on_return(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	uc->uc_stack.ss_flags = SS_DISABLE;
}

static void shrink_on_return(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	uc->uc_stack.ss_size = 16384;
}

static void outer(int sig)
{
	/* Runs on the alternate stack; the nested handler returns onto it. */
	raise(SIGUSR2);
	printf("nested return done\n");
}

int main(void)
{
	stack_t ss = { .ss_sp = alt, .ss_size = sizeof(alt), .ss_flags = 0 };
	sigaltstack(&ss, NULL);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = disable_on_return;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigaction(SIGHUP, &sa, NULL);
	raise(SIGHUP);
	stack_t now;
	sigaltstack(NULL, &now);
	printf("disabled through the frame: %d, still armed: %d\n", now.ss_flags == SS_DISABLE, now.ss_flags == 0);

	sigaltstack(&ss, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = outer;
	sa.sa_flags = SA_ONSTACK;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_sigaction = shrink_on_return;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigaction(SIGUSR2, &sa, NULL);
	raise(SIGUSR1);
	sigaltstack(NULL, &now);
	printf("size unchanged: %d\n", now.ss_size == sizeof(alt));
	return 0;
}
