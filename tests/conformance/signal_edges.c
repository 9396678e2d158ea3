/* Edge cases: a blocked signal whose disposition ignores it stays pending until taken;
 * sigaltstack with the same buffer for old and new; SA_RESETHAND resets only the handler;
 * rt_sigreturn with a frame pointing at nothing is SIGSEGV (exit 128+11, at the end). */
#include "conf.h"

#include <signal.h>

static void h(int sig)
{
}

int main(void)
{
	signal(SIGUSR1, SIG_IGN);
	sigset_t s, p;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	sigaddset(&s, SIGCHLD);
	sigprocmask(SIG_BLOCK, &s, NULL);
	raise(SIGUSR1);
	raise(SIGCHLD);
	sigpending(&p);
	printf("pending while blocked: USR1 %d CHLD %d\n", sigismember(&p, SIGUSR1), sigismember(&p, SIGCHLD));
	struct timespec zero = { 0, 0 };
	int a = sigtimedwait(&s, NULL, &zero);
	int b = sigtimedwait(&s, NULL, &zero);
	int c = sigtimedwait(&s, NULL, &zero);
	printf("taken in order: %d %d, then %d %s\n", a, b, c, ename(errno));

	static char stack_mem[16384];
	stack_t ss = { .ss_sp = stack_mem, .ss_size = sizeof(stack_mem), .ss_flags = 0 };
	show("sigaltstack(&ss, &ss)", RAW(SYS_sigaltstack, &ss, &ss));
	printf("old was disabled: %d\n", ss.ss_flags == SS_DISABLE);
	stack_t now;
	sigaltstack(NULL, &now);
	printf("new one installed: %d\n", now.ss_sp == stack_mem && now.ss_flags == 0);

	struct sigaction sa, back;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = h;
	sa.sa_flags = SA_RESETHAND | SA_ONSTACK;
	sigaction(SIGUSR2, &sa, NULL);
	raise(SIGUSR2);
	sigaction(SIGUSR2, NULL, &back);
	printf("after SA_RESETHAND: handler default %d, SA_ONSTACK kept %d\n", back.sa_handler == SIG_DFL,
	       (back.sa_flags & SA_ONSTACK) != 0);

	/* Timeouts far beyond any clock. */
	struct timespec huge = { 0x7fffffffffffffffLL, 0 };
	raise(SIGUSR1);
	printf("sigtimedwait(huge timeout, pending) = %d\n", sigtimedwait(&s, NULL, &huge));
	static int word = 1;
	show("futex wait(mismatch, huge timeout)", RAW(SYS_futex, &word, 0 /* FUTEX_WAIT */, 0, &huge, NULL, 0));

	fflush(stdout);
	/* rt_sigreturn with the stack pointer at address 0: no frame to read. */
	__asm__ volatile("xor %%esp, %%esp\n\tmov $15, %%eax\n\tsyscall" ::: "memory");
	return 0;
}
