/* Synchronous signals from faults reach handlers with Linux's siginfo: SIGSEGV
 * (MAPERR/ACCERR, si_addr), SIGBUS past the end of a mapped file, SIGFPE, SIGILL, SIGTRAP;
 * a blocked fault signal still kills (here at the end: exit status 128+SIGSEGV). */
#include "conf.h"

#include <setjmp.h>
#include <signal.h>

static sigjmp_buf jb;
static volatile int got_sig, got_code;
static volatile void *got_addr;

static void h(int sig, siginfo_t *si, void *uc)
{
	got_sig = sig;
	got_code = si->si_code;
	got_addr = si->si_addr;
	siglongjmp(jb, 1);
}

#define TRY(what, expr, want_addr)                                                               \
	do {                                                                                     \
		got_sig = got_code = 0;                                                          \
		got_addr = 0;                                                                    \
		if (sigsetjmp(jb, 1) == 0) {                                                     \
			expr;                                                                    \
			printf("%s: no signal\n", what);                                         \
		} else {                                                                         \
			printf("%s: sig %d code %d addr matches %d\n", what, got_sig, got_code,  \
			       got_addr == (void *)(want_addr));                                 \
		}                                                                                \
	} while (0)

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = h;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	for (int s = 1; s < 32; s++)
		if (s != SIGKILL && s != SIGSTOP)
			sigaction(s, &sa, NULL);

	TRY("write to unmapped", *(volatile int *)64 = 1, 64);
	char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TRY("write to read-only", *(volatile char *)(ro + 8) = 1, ro + 8);
	char *none = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TRY("read PROT_NONE", (void)*(volatile char *)(none + 100), none + 100);

	int fd = open("data.txt", O_RDONLY);
	char *f = mmap(NULL, 8 * 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	TRY("read past end of file", (void)*(volatile char *)(f + 5 * 4096), f + 5 * 4096);

	volatile int zero = 0, one = 1;
	TRY("divide by zero", one = one / zero, 0 + 0);
	TRY("ud2", __asm__ volatile("ud2"), 0 + 0);
	TRY("int3", __asm__ volatile("int3"), 0 + 0);

	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGSEGV);
	sigprocmask(SIG_BLOCK, &s, NULL);
	fflush(stdout);
	*(volatile int *)64 = 1;
	printf("not reached\n");
	return 0;
}
