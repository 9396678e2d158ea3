/* A handler that changes FP/SIMD registers does not change the interrupted code's: the
 * XSAVE image in the frame is restored by rt_sigreturn. The handler starts with a clean
 * x87 control word and MXCSR. A handler can also change the interrupted registers
 * through its ucontext. */
#include "conf.h"

#include <signal.h>
#include <ucontext.h>

static volatile unsigned short fcw_in_handler;
static volatile unsigned mxcsr_in_handler;

static void clobber(int sig)
{
	__asm__ volatile("fnstcw %0" : "=m"(fcw_in_handler));
	__asm__ volatile("stmxcsr %0" : "=m"(mxcsr_in_handler));
	unsigned mx = 0x7f80; /* all exceptions masked, round toward zero */
	__asm__ volatile("ldmxcsr %0" ::"m"(mx));
	__asm__ volatile("pcmpeqd %%xmm0, %%xmm0\n\tpcmpeqd %%xmm7, %%xmm7\n\tpcmpeqd %%xmm15, %%xmm15" ::: "xmm0", "xmm7", "xmm15");
}

static void change_rdx(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	uc->uc_mcontext.gregs[REG_R12] = 4242;
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = clobber;
	sigaction(SIGUSR1, &sa, NULL);

	unsigned mx = 0x1f80 | 0x6000; /* round toward zero */
	__asm__ volatile("ldmxcsr %0" ::"m"(mx));
	unsigned long long lo = 0x1122334455667788ULL, out0, out7;
	long r;
	__asm__ volatile("movq %[v], %%xmm0\n\t"
			 "movq %[v], %%xmm7\n\t"
			 "syscall\n\t" /* kill(getpid(), SIGUSR1) */
			 "movq %%xmm0, %[o0]\n\t"
			 "movq %%xmm7, %[o7]\n\t"
			 : [o0] "=&r"(out0), [o7] "=&r"(out7), "=a"(r)
			 : [v] "r"(lo), "2"(62L), "D"((long)getpid()), "S"(10L)
			 : "rcx", "r11", "xmm0", "xmm7", "memory");
	unsigned now;
	__asm__ volatile("stmxcsr %0" : "=m"(now));
	printf("kill = %ld\n", r);
	printf("xmm0 kept %d, xmm7 kept %d, mxcsr kept %d\n", out0 == lo, out7 == lo, now == mx);
	printf("handler started with fcw %#x mxcsr %#x\n", fcw_in_handler, mxcsr_in_handler & 0xffbf);

	sa.sa_sigaction = change_rdx;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR2, &sa, NULL);
	long r12;
	long r2;
	__asm__ volatile("mov $1, %%r12\n\t"
			 "syscall\n\t" /* kill(getpid(), SIGUSR2) */
			 "mov %%r12, %[o]\n\t"
			 : [o] "=&r"(r12), "=a"(r2)
			 : "1"(62L), "D"((long)getpid()), "S"(12L)
			 : "rcx", "r11", "r12", "memory");
	printf("r12 set through the ucontext: %ld\n", r12);
	return 0;
}
