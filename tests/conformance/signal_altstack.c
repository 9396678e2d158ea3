/* SA_ONSTACK handlers run on the alternate stack, see SS_ONSTACK there, and catch a stack
 * overflow; SS_AUTODISARM disarms the stack while the handler runs. */
#include "conf.h"

#include <setjmp.h>
#include <signal.h>

#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1U << 31)
#endif

static char altstack[64 * 1024];
static volatile int on_alt, flags_inside, recursion_caught;
static sigjmp_buf jb;

static void h(int sig)
{
	char local;
	stack_t cur;
	on_alt = &local >= altstack && &local < altstack + sizeof(altstack);
	sigaltstack(NULL, &cur);
	flags_inside = cur.ss_flags;
}

static void overflow_handler(int sig)
{
	char local;
	recursion_caught = &local >= altstack && &local < altstack + sizeof(altstack);
	siglongjmp(jb, 1);
}

static volatile long limit = 1L << 40;

static int recurse(volatile char *p)
{
	volatile char buf[4096];
	if (limit-- == 0)
		return 0;
	buf[0] = p ? p[0] : 1;
	return recurse(buf) + buf[0];
}

int main(void)
{
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack), .ss_flags = 0 };
	show("sigaltstack", sigaltstack(&ss, NULL));
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = h;
	sa.sa_flags = SA_ONSTACK;
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	printf("handler on the alternate stack: %d, ss_flags inside: %d\n", on_alt, flags_inside);

	sa.sa_flags = 0;
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	printf("without SA_ONSTACK: on alternate stack %d, ss_flags inside: %d\n", on_alt, flags_inside);

	ss.ss_flags = SS_AUTODISARM;
	show("sigaltstack(AUTODISARM)", sigaltstack(&ss, NULL));
	sa.sa_flags = SA_ONSTACK;
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	printf("autodisarm: on alternate stack %d, ss_flags inside: %d\n", on_alt, flags_inside);
	stack_t after;
	sigaltstack(NULL, &after);
	printf("restored after return: flags %d size ok %d\n", after.ss_flags, after.ss_size == sizeof(altstack));

	ss.ss_flags = 0;
	sigaltstack(&ss, NULL);
	sa.sa_handler = overflow_handler;
	sa.sa_flags = SA_ONSTACK | SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	if (sigsetjmp(jb, 1) == 0)
		recurse(NULL);
	printf("stack overflow caught on the alternate stack: %d\n", recursion_caught);
	return 0;
}
