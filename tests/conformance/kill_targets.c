/* kill(2) target selection: pid > 0, 0 (the caller's process group), -pgid, -1 (with
 * signal 0 only), zombies, and the errors for bad signals and absent targets;
 * tkill/tgkill argument checks. Children report which signal reached them first. */
#include "conf.h"

#include <limits.h>
#include <signal.h>
#include <sys/wait.h>

/* The child takes USR1 or USR2 (lowest first) and exits 1 or 2 accordingly. */
static pid_t child(int own_group, int ready_fd)
{
	pid_t c = fork();
	if (c == 0) {
		if (own_group)
			setpgid(0, 0);
		sigset_t w;
		sigemptyset(&w);
		sigaddset(&w, SIGUSR1);
		sigaddset(&w, SIGUSR2);
		if (write(ready_fd, "r", 1) != 1)
			_exit(9);
		int s = sigwaitinfo(&w, NULL);
		_exit(s == SIGUSR1 ? 1 : s == SIGUSR2 ? 2 : 3);
	}
	if (own_group)
		setpgid(c, c);
	return c;
}

static int finish(pid_t c)
{
	int st;
	kill(c, SIGUSR2);
	waitpid(c, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st);
}

int main(void)
{
	alarm(5);
	sigset_t b;
	sigemptyset(&b);
	sigaddset(&b, SIGUSR1);
	sigaddset(&b, SIGUSR2);
	sigprocmask(SIG_BLOCK, &b, NULL);
	int p[2];
	if (pipe(p) != 0)
		return 1;
	char buf[2];

	pid_t a = child(0, p[1]);
	pid_t g = child(1, p[1]);
	if (read(p[0], buf, 1) != 1 || read(p[0], buf, 1) != 1)
		return 1;

	show("kill(-1, 0)", kret(kill(-1, 0)));
	show("kill(0, USR1)", kret(kill(0, SIGUSR1)));
	sigset_t pend;
	sigpending(&pend);
	fact("caller got its own kill(0)", sigismember(&pend, SIGUSR1));
	sigwaitinfo(&b, NULL);
	printf("same-group child took %d, other-group child took %d\n", finish(a), finish(g));

	a = child(0, p[1]);
	g = child(1, p[1]);
	if (read(p[0], buf, 1) != 1 || read(p[0], buf, 1) != 1)
		return 1;
	show("kill(-other group, USR1)", kret(kill(-g, SIGUSR1)));
	sigpending(&pend);
	fact("caller got it too", sigismember(&pend, SIGUSR1));
	printf("same-group child took %d, other-group child took %d\n", finish(a), finish(g));

	pid_t z = fork();
	if (z == 0) {
		setpgid(0, 0);
		_exit(0);
	}
	setpgid(z, z);
	siginfo_t si;
	waitid(P_PID, z, &si, WEXITED | WNOWAIT);
	show("kill(zombie, 0)", kret(kill(z, 0)));
	show("kill(zombie, TERM)", kret(kill(z, SIGTERM)));
	show("kill(-zombie's group, 0)", kret(kill(-z, 0)));
	int st;
	waitpid(z, &st, 0);
	printf("zombie exit status unchanged by TERM: %d\n", WIFEXITED(st) && WEXITSTATUS(st) == 0);

	show("kill(self, 0)", kret(kill(getpid(), 0)));
	show("kill(self, 65)", kret(kill(getpid(), 65)));
	show("kill(self, -1)", kret(kill(getpid(), -1)));
	show("kill(no such pid, 0)", kret(kill(0x3ffffff0, 0)));
	show("kill(-no such group, 0)", kret(kill(-0x3ffffff0, 0)));
	show("kill(INT_MIN, 0)", kret(kill(INT_MIN, 0)));
	show("tkill(0, USR1)", RAW(SYS_tkill, 0, SIGUSR1));
	show("tkill(-5, USR1)", RAW(SYS_tkill, -5, SIGUSR1));
	show("tkill(self, 99)", RAW(SYS_tkill, gettid(), 99));
	show("tgkill(0, tid, USR1)", RAW(SYS_tgkill, 0, gettid(), SIGUSR1));
	show("tgkill(pid, 0, USR1)", RAW(SYS_tgkill, getpid(), 0, SIGUSR1));
	show("tgkill(wrong tgid, tid, 0)", RAW(SYS_tgkill, 0x3ffffff0, gettid(), 0));
	show("tgkill(pid, tid, 0)", RAW(SYS_tgkill, getpid(), gettid(), 0));
	return 0;
}
