/* The siginfo of SIGCHLD, taken with sigwaitinfo: si_code CLD_EXITED with the exit code,
 * CLD_KILLED with the signal, CLD_STOPPED and CLD_CONTINUED with the job control
 * signal, si_pid the child and si_uid the child's real uid. SIGCHLD is left at SIG_DFL:
 * blocked, it is queued even though its default action is to ignore it. */
#include "conf.h"

#include <signal.h>
#include <sys/wait.h>
#include <time.h>

static const char *code(int c)
{
	switch (c) {
	case CLD_EXITED: return "CLD_EXITED";
	case CLD_KILLED: return "CLD_KILLED";
	case CLD_DUMPED: return "CLD_DUMPED";
	case CLD_STOPPED: return "CLD_STOPPED";
	case CLD_CONTINUED: return "CLD_CONTINUED";
	default: return "other";
	}
}

static sigset_t chld;

static void take(const char *what, pid_t c)
{
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	struct timespec limit = { 0, 500 * 1000000L };
	int s = sigtimedwait(&chld, &si, &limit);
	if (s < 0) {
		printf("%s: no SIGCHLD (%s)\n", what, ename(errno));
		return;
	}
	printf("%s: sig %d, %s, si_status %d, si_pid is child %d, si_uid %d\n", what, s, code(si.si_code),
	       si.si_status, si.si_pid == c, (int)si.si_uid);
}

int main(void)
{
	alarm(5);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	int st;

	pid_t c = fork();
	if (c == 0)
		_exit(5);
	take("exit 5", c);
	waitpid(c, &st, 0);

	c = fork();
	if (c == 0) {
		for (;;)
			pause();
	}
	kill(c, SIGKILL);
	take("SIGKILL", c);
	waitpid(c, &st, 0);

	int p[2], q[2];
	char b;
	if (pipe(p) != 0 || pipe(q) != 0)
		return 1;
	c = fork();
	if (c == 0) {
		close(p[0]);
		close(q[1]);
		setpgid(0, 0);
		raise(SIGTSTP);
		if (write(p[1], "c", 1) != 1)
			_exit(1);
		if (read(q[0], &b, 1) != 0)
			_exit(1);
		if (setresuid(1234, 1234, 1234) != 0)
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	close(q[0]);
	setpgid(c, c);
	take("SIGTSTP", c);
	waitpid(c, &st, WUNTRACED);
	kill(c, SIGCONT);
	/* The continue notification is sent when the child runs again. */
	if (read(p[0], &b, 1) != 1)
		printf("no byte from the child\n");
	take("SIGCONT", c);
	waitpid(c, &st, WCONTINUED);
	close(q[1]);
	take("exit 0 after setresuid(1234)", c);
	waitpid(c, &st, 0);

	c = fork();
	if (c == 0) {
		struct timespec z = { 0, 0 };
		signal(SIGUSR1, SIG_DFL);
		raise(SIGUSR1);
		nanosleep(&z, NULL);
		_exit(0);
	}
	take("raise(SIGUSR1)", c);
	waitpid(c, &st, 0);
	sigset_t pend;
	sigpending(&pend);
	fact("nothing left pending", !sigismember(&pend, SIGCHLD));
	return 0;
}
