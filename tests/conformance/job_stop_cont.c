/* Job control with waitpid: SIGSTOP, SIGTSTP, SIGTTIN and SIGTTOU stop a child (reported
 * once with WUNTRACED and the stop signal), SIGCONT resumes it (reported once with
 * WCONTINUED), a signal sent to a stopped child waits until it continues, SIGKILL ends
 * a stopped child, and SIGTSTP is discarded in an orphaned process group. */
#include "conf.h"

#include <signal.h>
#include <sys/wait.h>
#include <time.h>

static const char *desc(int st)
{
	static char b[64];
	if (WIFEXITED(st))
		snprintf(b, sizeof(b), "exited %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(b, sizeof(b), "killed by %d", WTERMSIG(st));
	else if (WIFSTOPPED(st))
		snprintf(b, sizeof(b), "stopped by %d", WSTOPSIG(st));
	else if (WIFCONTINUED(st))
		snprintf(b, sizeof(b), "continued");
	else
		snprintf(b, sizeof(b), "status %#x", st);
	return b;
}

static void wshow(const char *what, pid_t c, int opts)
{
	int st = 0;
	pid_t r = waitpid(c, &st, opts);
	if (r < 0)
		printf("%s: -1 %s\n", what, ename(errno));
	else if (r == 0)
		printf("%s: 0 (nothing to report)\n", what);
	else
		printf("%s: %s\n", what, desc(st));
}

static int hold = -1;

/* A child in its own process group (so its group is not orphaned) that raises sig and,
 * once continued, exits only when the parent calls release(). */
static pid_t stopper(int sig)
{
	int p[2];
	char b;
	if (pipe(p) != 0)
		exit(1);
	pid_t c = fork();
	if (c == 0) {
		close(p[1]);
		setpgid(0, 0);
		raise(sig);
		if (read(p[0], &b, 1) != 0)
			_exit(99);
		_exit(sig);
	}
	close(p[0]);
	hold = p[1];
	setpgid(c, c);
	return c;
}

static void release(void)
{
	close(hold);
	hold = -1;
}

int main(void)
{
	alarm(5);
	int sigs[] = { SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU };
	const char *names[] = { "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU" };
	for (int i = 0; i < 4; i++) {
		pid_t c = stopper(sigs[i]);
		printf("-- child raises %s\n", names[i]);
		wshow("waitpid(WUNTRACED)", c, WUNTRACED);
		wshow("again, WUNTRACED|WNOHANG", c, WUNTRACED | WNOHANG);
		kill(c, SIGCONT);
		wshow("waitpid(WCONTINUED)", c, WCONTINUED);
		wshow("again, WCONTINUED|WNOHANG", c, WCONTINUED | WNOHANG);
		release();
		wshow("waitpid(0)", c, 0);
	}

	printf("-- SIGTERM to a stopped child\n");
	pid_t c = stopper(SIGSTOP);
	wshow("waitpid(WUNTRACED)", c, WUNTRACED);
	kill(c, SIGTERM);
	struct timespec d = { 0, 20 * 1000000L };
	nanosleep(&d, NULL);
	wshow("after TERM, WNOHANG", c, WNOHANG);
	kill(c, SIGCONT);
	wshow("after CONT, waitpid(0)", c, 0);
	release();

	printf("-- SIGKILL to a stopped child\n");
	c = stopper(SIGSTOP);
	wshow("waitpid(WUNTRACED)", c, WUNTRACED);
	kill(c, SIGKILL);
	wshow("waitpid(WUNTRACED)", c, WUNTRACED);
	release();

	printf("-- stop and continue sent by the parent\n");
	c = fork();
	if (c == 0) {
		setpgid(0, 0);
		for (;;)
			pause();
	}
	setpgid(c, c);
	kill(c, SIGSTOP);
	wshow("waitpid(WUNTRACED)", c, WUNTRACED);
	kill(c, SIGSTOP);
	wshow("second SIGSTOP, WUNTRACED|WNOHANG", c, WUNTRACED | WNOHANG);
	kill(c, SIGCONT);
	kill(c, SIGCONT);
	wshow("waitpid(WCONTINUED)", c, WCONTINUED);
	wshow("second SIGCONT, WCONTINUED|WNOHANG", c, WCONTINUED | WNOHANG);
	kill(c, SIGKILL);
	wshow("waitpid", c, 0);

	printf("-- orphaned process group\n");
	c = fork();
	if (c == 0) {
		setsid();
		raise(SIGTSTP);
		raise(SIGTTIN);
		_exit(7);
	}
	wshow("setsid child raising TSTP and TTIN, waitpid(WUNTRACED)", c, WUNTRACED);
	c = fork();
	if (c == 0) {
		setsid();
		raise(SIGSTOP);
		_exit(8);
	}
	wshow("setsid child raising STOP, waitpid(WUNTRACED)", c, WUNTRACED);
	kill(c, SIGCONT);
	wshow("waitpid", c, 0);
	return 0;
}
