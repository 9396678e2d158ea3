/* clone3(2) argument checks: a NULL or unmapped struct is EFAULT; a size below the first
 * version (64) is EINVAL, above a page E2BIG, and a larger struct is accepted only if the
 * extra bytes are zero (else E2BIG); CLONE_THREAD with an exit signal, a stack size
 * without a stack, an exit signal above 64 or with stray bits, unknown flags,
 * CLONE_DETACHED, CLONE_CLEAR_SIGHAND with CLONE_SIGHAND and a set_tid count without an
 * array are EINVAL. A fork-like clone3 with CLONE_PARENT_SETTID works and is wait()ed.
 * (glibc's pthread_create itself uses clone3 when the kernel has it.) */
#include "conf.h"

#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>

static char stack[64 * 1024] __attribute__((aligned(16)));

static void try(const char *what, struct clone_args *ca, size_t size)
{
	long r = RAW(SYS_clone3, ca, size);
	if (r == 0)
		_exit(0);
	if (r > 0) {
		printf("%s = a child\n", what);
		waitpid((pid_t)r, NULL, __WALL);
	} else
		show(what, r);
}

int main(void)
{
	alarm(20);
	struct clone_args ca;

	show("clone3(NULL, 64)", RAW(SYS_clone3, NULL, 64));
	void *gone = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(gone, 4096);
	show("clone3(unmapped, 64)", RAW(SYS_clone3, gone, 64));
	memset(&ca, 0, sizeof(ca));
	try("clone3(size 0)", &ca, 0);
	try("clone3(size 63)", &ca, 63);
	try("clone3(size 8192)", &ca, 8192);
	char big[200] __attribute__((aligned(8)));
	memset(big, 0, sizeof(big));
	big[150] = 1;
	try("clone3(size 200, non-zero tail)", (struct clone_args *)big, sizeof(big));

	memset(&ca, 0, sizeof(ca));
	ca.flags = CLONE_THREAD | CLONE_SIGHAND | CLONE_VM;
	ca.exit_signal = SIGCHLD;
	ca.stack = (unsigned long)stack;
	ca.stack_size = sizeof(stack);
	try("clone3(thread flags, exit_signal SIGCHLD)", &ca, sizeof(ca));

	memset(&ca, 0, sizeof(ca));
	ca.exit_signal = SIGCHLD;
	ca.stack_size = 4096;
	try("clone3(stack_size without stack)", &ca, sizeof(ca));
	memset(&ca, 0, sizeof(ca));
	ca.exit_signal = SIGCHLD;
	ca.stack = (unsigned long)stack;
	try("clone3(stack without stack_size)", &ca, sizeof(ca));

	memset(&ca, 0, sizeof(ca));
	ca.exit_signal = 65;
	try("clone3(exit_signal 65)", &ca, sizeof(ca));
	ca.exit_signal = 0x100 | SIGCHLD;
	try("clone3(exit_signal 0x100|SIGCHLD)", &ca, sizeof(ca));

	memset(&ca, 0, sizeof(ca));
	ca.flags = CLONE_THREAD;
	try("clone3(CLONE_THREAD alone)", &ca, sizeof(ca));
	ca.flags = 1ULL << 40;
	try("clone3(unknown flag bit 40)", &ca, sizeof(ca));
	ca.flags = CLONE_DETACHED;
	try("clone3(CLONE_DETACHED)", &ca, sizeof(ca));
	ca.flags = CLONE_CLEAR_SIGHAND | CLONE_SIGHAND | CLONE_VM;
	try("clone3(CLONE_CLEAR_SIGHAND|CLONE_SIGHAND)", &ca, sizeof(ca));
	ca.flags = CLONE_FS | CLONE_NEWNS;
	try("clone3(CLONE_FS|CLONE_NEWNS)", &ca, sizeof(ca));
	memset(&ca, 0, sizeof(ca));
	ca.set_tid_size = 1;
	try("clone3(set_tid_size 1, set_tid NULL)", &ca, sizeof(ca));

	/* A fork-like clone3, with the parent's tid word, from a struct with a zero tail. */
	fflush(stdout);
	int ptid = -1;
	memset(big, 0, sizeof(big));
	struct clone_args *cb = (struct clone_args *)big;
	cb->flags = CLONE_PARENT_SETTID;
	cb->parent_tid = (unsigned long)&ptid;
	cb->exit_signal = SIGCHLD;
	long r = RAW(SYS_clone3, cb, sizeof(big));
	if (r == 0)
		_exit(ptid == -1 ? 6 : 7);
	fact("clone3(fork-like, size 200 zero tail) made a child", r > 0);
	fact("CLONE_PARENT_SETTID stored its pid", ptid == r);
	int st = 0;
	pid_t w = waitpid((pid_t)r, &st, 0);
	printf("waitpid: child %s, exited %d, status %d (its copy of the word untouched: 6)\n", w == r ? "yes" : "no",
	       WIFEXITED(st), WEXITSTATUS(st));
	return 0;
}
