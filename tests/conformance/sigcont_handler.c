/* SIGCONT with a handler: it resumes a stopped child and then runs the handler; sent
 * to a running process it just runs the handler. SIGCONT discards pending stop
 * signals, a stop signal discards a pending SIGCONT, and SIGCONT is delivered even
 * when it is blocked (the continuing happens, the handler waits). */
#include "conf.h"

#include <signal.h>
#include <sys/wait.h>

static volatile int conts;

static void h(int sig)
{
	(void)sig;
	conts++;
}

int main(void)
{
	alarm(5);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = h;
	sigaction(SIGCONT, &sa, NULL);

	int p[2];
	if (pipe(p) != 0)
		return 1;
	pid_t c = fork();
	if (c == 0) {
		close(p[0]);
		setpgid(0, 0);
		raise(SIGSTOP);
		char n = (char)conts;
		if (write(p[1], &n, 1) != 1)
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	setpgid(c, c);
	int st;
	waitpid(c, &st, WUNTRACED);
	printf("child stopped %d\n", WIFSTOPPED(st));
	kill(c, SIGCONT);
	char n = -1;
	if (read(p[0], &n, 1) != 1)
		printf("no report\n");
	printf("child's SIGCONT handler ran %d time(s) after it continued\n", n);
	waitpid(c, &st, 0);
	printf("child exited %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	close(p[0]);

	raise(SIGCONT);
	printf("running process: SIGCONT handler ran %d\n", conts);

	/* Pending stop and continue signals cancel each other. */
	sigset_t b, pend;
	sigemptyset(&b);
	sigaddset(&b, SIGTSTP);
	sigaddset(&b, SIGCONT);
	sigprocmask(SIG_BLOCK, &b, NULL);
	signal(SIGTSTP, SIG_DFL);
	raise(SIGTSTP);
	sigpending(&pend);
	printf("blocked TSTP pending %d\n", sigismember(&pend, SIGTSTP));
	raise(SIGCONT);
	sigpending(&pend);
	printf("after SIGCONT: TSTP pending %d, CONT pending %d\n", sigismember(&pend, SIGTSTP),
	       sigismember(&pend, SIGCONT));
	raise(SIGTSTP);
	sigpending(&pend);
	printf("after TSTP again: TSTP pending %d, CONT pending %d\n", sigismember(&pend, SIGTSTP),
	       sigismember(&pend, SIGCONT));
	/* Drop the pending TSTP without stopping: ignore it, then restore the default. */
	signal(SIGTSTP, SIG_IGN);
	sigpending(&pend);
	printf("TSTP discarded by SIG_IGN %d\n", !sigismember(&pend, SIGTSTP));
	signal(SIGTSTP, SIG_DFL);
	conts = 0;
	raise(SIGCONT);
	sigprocmask(SIG_UNBLOCK, &b, NULL);
	printf("unblocked: SIGCONT handler ran %d\n", conts);
	return 0;
}
