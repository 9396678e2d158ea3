/*
 * rt_sigaction(2) bookkeeping: what is set reads back. No signal is ever
 * delivered; the handlers exist only to have distinct addresses.
 */
#include "conf.h"

#include <signal.h>

/* The kernel's view of struct sigaction on x86_64. */
struct ksigaction {
	void *handler;
	unsigned long flags;
	void *restorer;
	uint64_t mask;
};

#define SA_RESTORER_FLAG 0x04000000UL
#define BIT(sig) (1ULL << ((sig) - 1))

static void handler_a(int sig)
{
	(void)sig;
}

static void handler_b(int sig, siginfo_t *info, void *uc)
{
	(void)sig;
	(void)info;
	(void)uc;
}

static void restorer(void)
{
}

static long ksa(int sig, const struct ksigaction *act, struct ksigaction *old, size_t size)
{
	return RAW(SYS_rt_sigaction, sig, act, old, size);
}

int main(void)
{
	struct ksigaction act, old;

	memset(&old, 0xff, sizeof(old));
	show("query SIGUSR2", ksa(SIGUSR2, NULL, &old, 8));
	fact("SIGUSR2 starts as SIG_DFL", old.handler == SIG_DFL);
	fact("SIGUSR2 starts with no flags", old.flags == 0);
	fact("SIGUSR2 starts with an empty mask", old.mask == 0);

	act.handler = (void *)handler_a;
	act.flags = SA_RESTART | SA_RESTORER_FLAG;
	act.restorer = (void *)restorer;
	act.mask = BIT(SIGUSR2) | BIT(SIGTERM);
	show("set SIGUSR1", ksa(SIGUSR1, &act, NULL, 8));
	memset(&old, 0, sizeof(old));
	show("read SIGUSR1", ksa(SIGUSR1, NULL, &old, 8));
	fact("handler reads back", old.handler == (void *)handler_a);
	fact("flags read back", old.flags == (SA_RESTART | SA_RESTORER_FLAG));
	fact("restorer reads back", old.restorer == (void *)restorer);
	fact("mask reads back", old.mask == (BIT(SIGUSR2) | BIT(SIGTERM)));

	/* Replace and get the previous action in the same call. */
	act.handler = (void *)handler_b;
	act.flags = SA_SIGINFO | SA_NODEFER | SA_RESETHAND | SA_ONSTACK | SA_RESTORER_FLAG;
	act.mask = BIT(SIGKILL) | BIT(SIGSTOP) | BIT(SIGINT);
	memset(&old, 0, sizeof(old));
	show("swap SIGUSR1", ksa(SIGUSR1, &act, &old, 8));
	fact("old action returned", old.handler == (void *)handler_a);
	ksa(SIGUSR1, NULL, &old, 8);
	fact("new handler", old.handler == (void *)handler_b);
	fact("SA_SIGINFO|SA_NODEFER|SA_RESETHAND|SA_ONSTACK kept",
	     (old.flags & (SA_SIGINFO | SA_NODEFER | SA_RESETHAND | SA_ONSTACK)) ==
		     (SA_SIGINFO | SA_NODEFER | SA_RESETHAND | SA_ONSTACK));
	fact("SIGKILL and SIGSTOP dropped from the mask", old.mask == BIT(SIGINT));

	/* SIG_IGN and back to SIG_DFL. */
	act.handler = SIG_IGN;
	act.flags = SA_RESTORER_FLAG;
	act.mask = 0;
	show("SIGUSR1 -> SIG_IGN", ksa(SIGUSR1, &act, NULL, 8));
	ksa(SIGUSR1, NULL, &old, 8);
	fact("reads back SIG_IGN", old.handler == SIG_IGN);
	act.handler = SIG_DFL;
	show("SIGUSR1 -> SIG_DFL", ksa(SIGUSR1, &act, NULL, 8));
	ksa(SIGUSR1, NULL, &old, 8);
	fact("reads back SIG_DFL", old.handler == SIG_DFL);

	/* Real-time signals, the highest one included. */
	act.handler = (void *)handler_a;
	show("set SIGRTMIN (32)", ksa(32, &act, NULL, 8));
	show("set signal 64", ksa(64, &act, NULL, 8));
	ksa(64, NULL, &old, 8);
	fact("signal 64 reads back", old.handler == (void *)handler_a);

	/* The error paths. */
	show("set SIGKILL", ksa(SIGKILL, &act, NULL, 8));
	show("set SIGSTOP", ksa(SIGSTOP, &act, NULL, 8));
	act.handler = SIG_IGN;
	show("SIGKILL -> SIG_IGN", ksa(SIGKILL, &act, NULL, 8));
	show("SIGKILL -> SIG_DFL", ksa(SIGKILL, &(struct ksigaction){ SIG_DFL, SA_RESTORER_FLAG, (void *)restorer, 0 }, NULL, 8));
	show("query SIGKILL", ksa(SIGKILL, NULL, &old, 8));
	fact("SIGKILL is SIG_DFL", old.handler == SIG_DFL);
	show("signal 0", ksa(0, NULL, &old, 8));
	show("signal 65", ksa(65, NULL, &old, 8));
	show("signal -1", ksa(-1, NULL, &old, 8));
	show("sigsetsize 4", ksa(SIGUSR1, NULL, &old, 4));
	show("sigsetsize 16", ksa(SIGUSR1, NULL, &old, 16));
	show("act BADPTR", ksa(SIGUSR1, BADPTR, NULL, 8));
	show("oldact BADPTR", ksa(SIGUSR1, NULL, BADPTR, 8));
	show("NULL act, NULL oldact", ksa(SIGUSR1, NULL, NULL, 8));

	/* The libc wrapper reports the same. */
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler_a;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGHUP);
	show("libc sigaction(SIGUSR2)", kret(sigaction(SIGUSR2, &sa, NULL)));
	struct sigaction back;
	sigaction(SIGUSR2, NULL, &back);
	fact("libc reads back handler and mask", back.sa_handler == handler_a && sigismember(&back.sa_mask, SIGHUP) == 1);
	show("libc sigaction(SIGKILL)", kret(sigaction(SIGKILL, &sa, NULL)));
	return 0;
}
