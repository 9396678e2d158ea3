/* rt_sigprocmask(2) and rt_sigpending(2) bookkeeping. */
#include "conf.h"

#include <signal.h>

#define BIT(sig) (1ULL << ((sig) - 1))

static long mask(int how, const uint64_t *set, uint64_t *old, size_t size)
{
	return RAW(SYS_rt_sigprocmask, how, set, old, size);
}

static void show_mask(const char *what)
{
	uint64_t cur = 0;

	mask(SIG_BLOCK, NULL, &cur, 8);
	printf("%s: blocked =", what);
	if (!cur)
		printf(" (none)");
	for (int s = 1; s <= 64; s++)
		if (cur & BIT(s))
			printf(" %d", s);
	printf("\n");
}

int main(void)
{
	uint64_t set, old;

	set = 0;
	show("SIG_SETMASK(empty)", mask(SIG_SETMASK, &set, NULL, 8));
	show_mask("start");

	set = BIT(SIGUSR1);
	show("SIG_BLOCK(USR1)", mask(SIG_BLOCK, &set, NULL, 8));
	show_mask("after block USR1");
	set = BIT(SIGUSR2) | BIT(SIGHUP);
	show("SIG_BLOCK(USR2|HUP) with old", mask(SIG_BLOCK, &set, &old, 8));
	fact("old mask was USR1", old == BIT(SIGUSR1));
	show_mask("after block USR2|HUP");
	set = BIT(SIGUSR1) | BIT(SIGTERM);
	show("SIG_UNBLOCK(USR1|TERM)", mask(SIG_UNBLOCK, &set, NULL, 8));
	show_mask("after unblock USR1|TERM");
	set = BIT(SIGKILL) | BIT(SIGSTOP) | BIT(SIGTERM) | BIT(33) | BIT(64);
	show("SIG_SETMASK(KILL|STOP|TERM|33|64)", mask(SIG_SETMASK, &set, NULL, 8));
	show_mask("KILL and STOP cannot be blocked");

	show("bad how 99", mask(99, &set, NULL, 8));
	show("bad how 99, NULL set", mask(99, NULL, &old, 8));
	show("sigsetsize 4", mask(SIG_BLOCK, &set, NULL, 4));
	show("sigsetsize 16", mask(SIG_BLOCK, &set, NULL, 16));
	show("set BADPTR", mask(SIG_BLOCK, BADPTR, NULL, 8));
	show("oldset BADPTR", mask(SIG_BLOCK, NULL, BADPTR, 8));
	show("NULL set, NULL oldset", mask(SIG_BLOCK, NULL, NULL, 8));
	show_mask("unchanged by the failures");

	uint64_t pending = ~0ULL;
	show("rt_sigpending", RAW(SYS_rt_sigpending, &pending, 8));
	fact("nothing pending", pending == 0);
	show("rt_sigpending(size 4)", RAW(SYS_rt_sigpending, &pending, 4));
	show("rt_sigpending(BADPTR)", RAW(SYS_rt_sigpending, BADPTR, 8));

	/* The libc wrapper agrees with the raw view. */
	sigset_t s, o;
	sigemptyset(&s);
	sigaddset(&s, SIGALRM);
	show("libc sigprocmask(SIG_SETMASK, ALRM)", kret(sigprocmask(SIG_SETMASK, &s, &o)));
	fact("libc old mask has TERM", sigismember(&o, SIGTERM) == 1);
	show_mask("after libc");
	sigemptyset(&s);
	sigprocmask(SIG_SETMASK, &s, NULL);
	show_mask("end");
	return 0;
}
