/* wait4(2) and waitid(2) selection: WNOHANG with a running child returns 0, pid -1 / 0 /
 * -pgid / pid, P_PGID, __WALL and __WCLONE (a clone child with no exit signal is only
 * seen with __WALL or __WCLONE), rusage filled in, ECHILD for non-children and bad
 * option bits EINVAL. */
#include "conf.h"

#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

static pid_t sleeper(int own_group)
{
	pid_t c = fork();
	if (c == 0) {
		if (own_group)
			setpgid(0, 0);
		for (;;)
			pause();
	}
	if (own_group)
		setpgid(c, c);
	return c;
}

static void w4(const char *what, pid_t pid, int opts, pid_t expect)
{
	int st = 0;
	struct rusage ru;
	long r = RAW(SYS_wait4, pid, &st, opts, &ru);
	if (r < 0)
		printf("%s: -1 %s\n", what, ename((int)-r));
	else if (r == 0)
		printf("%s: 0\n", what);
	else
		printf("%s: %s, status %#x\n", what, r == expect ? "the expected child" : "another child", st);
}

static char stack[65536];

static int clone_fn(void *arg)
{
	(void)arg;
	return 3;
}

int main(void)
{
	alarm(5);
	pid_t a = sleeper(0);
	w4("wait4(a, WNOHANG) running", a, WNOHANG, a);
	w4("wait4(-1, WNOHANG) running", -1, WNOHANG, a);
	w4("wait4(0, WNOHANG) running", 0, WNOHANG, a);
	kill(a, SIGKILL);
	w4("wait4(0) same group", 0, 0, a);

	pid_t g = sleeper(1);
	w4("wait4(0, WNOHANG) child in another group", 0, WNOHANG, g);
	kill(g, SIGKILL);
	w4("wait4(0) child in another group", 0, WNOHANG | 0, g);
	siginfo_t si;
	waitid(P_PGID, g, &si, WEXITED | WNOWAIT);
	w4("wait4(-pgid)", -g, 0, g);

	pid_t b = sleeper(1);
	kill(b, SIGTERM);
	memset(&si, 0, sizeof(si));
	show("waitid(P_PGID, group)", kret(waitid(P_PGID, b, &si, WEXITED)));
	printf("si_pid is the child %d, CLD_KILLED %d\n", si.si_pid == b, si.si_code == CLD_KILLED);
	show("waitid(P_PGID, 0) own group, no children there", kret(waitid(P_PGID, 0, &si, WEXITED | WNOHANG)));

	/* A clone child that sends no signal when it exits. */
	pid_t cl = clone(clone_fn, stack + sizeof(stack), 0, NULL);
	struct timespec d = { 0, 20 * 1000000L };
	nanosleep(&d, NULL);
	w4("wait4(-1, WNOHANG) with only a clone child", -1, WNOHANG, cl);
	w4("wait4(clone child, WNOHANG)", cl, WNOHANG, cl);
	w4("wait4(clone child, __WCLONE)", cl, __WCLONE, cl);
	cl = clone(clone_fn, stack + sizeof(stack), 0, NULL);
	w4("wait4(-1, __WALL)", -1, __WALL, cl);
	pid_t n = fork();
	if (n == 0)
		_exit(1);
	w4("wait4(-1, __WCLONE) with a normal child", -1, __WCLONE | WNOHANG, n);
	w4("wait4(-1, 0) normal child", -1, 0, n);

	n = fork();
	if (n == 0) {
		volatile unsigned long x = 0;
		for (unsigned long i = 0; i < 20000000; i++)
			x += i;
		_exit(0);
	}
	int st;
	struct rusage ru;
	memset(&ru, 0, sizeof(ru));
	show("wait4 with rusage", RAW(SYS_wait4, n, &st, 0, &ru) == n ? 0 : -1);
	fact("child's user time in rusage", ru.ru_utime.tv_sec > 0 || ru.ru_utime.tv_usec > 0);

	w4("wait4(-1) no children", -1, 0, 0);
	w4("wait4(1) not a child", 1, 0, 0);
	w4("wait4(bad option)", -1, 0x10000, 0);
	w4("wait4(WEXITED is not a wait4 option)", -1, WEXITED, 0);
	w4("wait4(INT_MIN)", -2147483647 - 1, 0, 0);
	n = fork();
	if (n == 0)
		_exit(0);
	show("wait4(NULL status, NULL rusage)", RAW(SYS_wait4, n, NULL, 0, NULL) == n ? 0 : -1);
	n = fork();
	if (n == 0)
		_exit(0);
	show("wait4(status BADPTR)", RAW(SYS_wait4, n, BADPTR, 0, NULL));
	w4("wait4 after the EFAULT", n, WNOHANG, n);
	return 0;
}
