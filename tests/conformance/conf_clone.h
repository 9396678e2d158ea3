/*
 * Raw clone for conformance programs that make threads and processes without libc:
 *
 *   conf_clone(flags, stack_top, ptid, ctid, tls, fn, arg): the raw clone system call;
 *   the child calls fn(arg) on stack_top and exits (SYS_exit) with its result.
 *   rsys(n, a, b, c, d): a raw system call, for children that share our TLS (no
 *   CLONE_SETTLS) and so may not call into libc.
 */
#ifndef CONF_CLONE_H
#define CONF_CLONE_H

long conf_clone(unsigned long flags, void *stack_top, int *ptid, int *ctid, unsigned long tls, int (*fn)(void *),
		void *arg);
__asm__(".pushsection .text\n"
	"conf_clone:\n"
	"	movq 8(%rsp), %rax\n"
	"	andq $-16, %rsi\n"
	"	subq $16, %rsi\n"
	"	movq %r9, 0(%rsi)\n"
	"	movq %rax, 8(%rsi)\n"
	"	movq %rcx, %r10\n"
	"	movl $56, %eax\n"
	"	syscall\n"
	"	testq %rax, %rax\n"
	"	jz 1f\n"
	"	ret\n"
	"1:	xorl %ebp, %ebp\n"
	"	popq %rax\n"
	"	popq %rdi\n"
	"	call *%rax\n"
	"	movl %eax, %edi\n"
	"	movl $60, %eax\n"
	"	syscall\n"
	"	hlt\n"
	".popsection\n");

static inline long rsys(long n, long a, long b, long c, long d)
{
	long ret;
	register long r10 __asm__("r10") = d;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10) : "rcx", "r11", "memory");
	return ret;
}

#endif
