/* SA_SIGINFO: the siginfo a handler gets depends on how the signal was sent.
 * kill gives SI_USER with the sender's pid and uid, tkill/tgkill give SI_TKILL,
 * sigqueue (rt_sigqueueinfo) gives SI_QUEUE with the value, and a signal sent
 * by a child carries the child's pid. rt_sigqueueinfo with a positive si_code
 * for another process is EPERM. */
#include "conf.h"

#include <signal.h>
#include <sys/wait.h>

static volatile siginfo_t got;
static volatile int count;

static void h(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	memcpy((void *)&got, si, sizeof(*si));
	count++;
}

static const char *code_name(int c)
{
	switch (c) {
	case SI_USER: return "SI_USER";
	case SI_TKILL: return "SI_TKILL";
	case SI_QUEUE: return "SI_QUEUE";
	case SI_KERNEL: return "SI_KERNEL";
	default: return "other";
	}
}

static void report(const char *how, pid_t from)
{
	printf("%s: delivered %d, si_signo %d, si_code %s, si_pid is sender %d, si_uid %d\n", how, count,
	       got.si_signo, code_name(got.si_code), got.si_pid == from, (int)got.si_uid);
	count = 0;
	memset((void *)&got, 0, sizeof(got));
}

int main(void)
{
	alarm(5);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = h;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGRTMIN + 1, &sa, NULL);
	pid_t me = getpid();

	show("kill(self, USR1)", kret(kill(me, SIGUSR1)));
	report("kill", me);
	show("tkill(self, USR1)", RAW(SYS_tkill, gettid(), SIGUSR1));
	report("tkill", me);
	show("tgkill(self, USR1)", RAW(SYS_tgkill, me, gettid(), SIGUSR1));
	report("tgkill", me);

	union sigval v = { .sival_int = 4242 };
	show("sigqueue(self, RTMIN+1, 4242)", kret(sigqueue(me, SIGRTMIN + 1, v)));
	printf("sigqueue: si_value %d\n", got.si_value.sival_int);
	report("sigqueue", me);
	v.sival_int = -7;
	show("sigqueue(self, USR1, -7)", kret(sigqueue(me, SIGUSR1, v)));
	printf("sigqueue USR1: si_value %d\n", got.si_value.sival_int);
	report("sigqueue USR1", me);

	/* rt_sigqueueinfo with a made-up SI_QUEUE si_code to ourselves is fine. */
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	si.si_signo = SIGUSR1;
	si.si_code = SI_QUEUE;
	si.si_pid = 12345;
	si.si_uid = 777;
	si.si_value.sival_int = 99;
	show("rt_sigqueueinfo(self, SI_QUEUE, forged pid)", RAW(SYS_rt_sigqueueinfo, me, SIGUSR1, &si));
	printf("forged: si_code %s, si_pid kept %d, si_uid kept %d, value %d\n", code_name(got.si_code),
	       got.si_pid == 12345, got.si_uid == 777, got.si_value.sival_int);
	count = 0;
	/* Positive si_code (kernel-generated) may not be forged for another process. */
	si.si_code = SI_USER;

	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, &old);
	pid_t c = fork();
	if (c == 0) {
		long r = RAW(SYS_rt_sigqueueinfo, getppid(), SIGUSR1, &si);
		printf("child: rt_sigqueueinfo(parent, SI_USER) = %s\n", r == 0 ? "0" : ename((int)-r));
		si.si_code = SI_TKILL;
		r = RAW(SYS_rt_sigqueueinfo, getppid(), SIGUSR1, &si);
		printf("child: rt_sigqueueinfo(parent, SI_TKILL) = %s\n", r == 0 ? "0" : ename((int)-r));
		kill(getppid(), SIGUSR1);
		_exit(0);
	}
	int st;
	waitpid(c, &st, 0);
	sigprocmask(SIG_SETMASK, &old, NULL);
	report("kill from child", c);

	si.si_code = SI_QUEUE;

	show("rt_sigqueueinfo(signal 0)", RAW(SYS_rt_sigqueueinfo, me, 0, &si));
	show("rt_sigqueueinfo(bad signal 65)", RAW(SYS_rt_sigqueueinfo, me, 65, &si));
	show("rt_sigqueueinfo(BADPTR)", RAW(SYS_rt_sigqueueinfo, me, SIGUSR1, BADPTR));
	show("rt_sigqueueinfo(no such pid)", RAW(SYS_rt_sigqueueinfo, 0x3ffffff0, SIGUSR1, &si));
	show("rt_tgsigqueueinfo(self)", RAW(SYS_rt_tgsigqueueinfo, me, gettid(), SIGUSR1, &si));
	return 0;
}
