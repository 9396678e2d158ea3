/* SIGCHLD dispositions and flags: SA_NOCLDSTOP suppresses the SIGCHLD for a child's
 * stop and continue but not for its exit; SIGCHLD set to SIG_IGN, or SA_NOCLDWAIT,
 * makes exiting children reap themselves so wait fails with ECHILD (with
 * SA_NOCLDWAIT and a handler the SIGCHLD is still sent); a zombie made before
 * SIG_IGN was set is not reaped by setting it. */
#include "conf.h"

#include <signal.h>
#include <sys/wait.h>

static void h(int sig)
{
	(void)sig;
}

static int chld_pending(void)
{
	sigset_t p;
	sigpending(&p);
	int r = sigismember(&p, SIGCHLD);
	if (r) {
		sigset_t w;
		sigemptyset(&w);
		sigaddset(&w, SIGCHLD);
		struct timespec z = { 0, 0 };
		sigtimedwait(&w, NULL, &z);
	}
	return r;
}

static void set(void (*handler)(int), int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sa.sa_flags = flags;
	sigaction(SIGCHLD, &sa, NULL);
}

static void stop_cont(const char *what, int flags)
{
	int p[2], q[2];
	char b;
	set(h, flags);
	if (pipe(p) != 0 || pipe(q) != 0)
		return;
	pid_t c = fork();
	if (c == 0) {
		raise(SIGSTOP);
		/* Running again: the continue notification has been sent. */
		if (write(p[1], "c", 1) != 1)
			_exit(1);
		/* Exit only once the parent has looked (it closes q). */
		close(q[1]);
		if (read(q[0], &b, 1) != 0)
			_exit(1);
		_exit(3);
	}
	int st;
	waitpid(c, &st, WUNTRACED);
	printf("%s: stopped %d, SIGCHLD for the stop %d\n", what, WIFSTOPPED(st), chld_pending());
	kill(c, SIGCONT);
	waitpid(c, &st, WCONTINUED);
	if (read(p[0], &b, 1) != 1)
		printf("no byte from the child\n");
	close(p[0]);
	close(p[1]);
	close(q[0]);
	printf("%s: continued %d, SIGCHLD for the continue %d\n", what, WIFCONTINUED(st), chld_pending());
	close(q[1]);
	waitpid(c, &st, 0);
	printf("%s: exited 3 %d, SIGCHLD for the exit %d\n", what, WIFEXITED(st) && WEXITSTATUS(st) == 3,
	       chld_pending());
}

int main(void)
{
	alarm(5);
	sigset_t b;
	sigemptyset(&b);
	sigaddset(&b, SIGCHLD);
	sigprocmask(SIG_BLOCK, &b, NULL);

	stop_cont("handler", 0);
	stop_cont("handler with SA_NOCLDSTOP", SA_NOCLDSTOP);

	int st;
	set(SIG_IGN, 0);
	pid_t c = fork();
	if (c == 0)
		_exit(0);
	show("SIG_IGN: waitpid(child)", kret(waitpid(c, &st, 0)));
	fact("SIG_IGN: SIGCHLD pending", chld_pending());

	set(h, SA_NOCLDWAIT);
	c = fork();
	if (c == 0)
		_exit(0);
	show("SA_NOCLDWAIT: waitpid(-1)", kret(waitpid(-1, &st, 0)));
	fact("SA_NOCLDWAIT with handler: SIGCHLD pending", chld_pending());

	set(SIG_DFL, SA_NOCLDWAIT);
	c = fork();
	if (c == 0)
		_exit(0);
	siginfo_t si;
	show("SIG_DFL|SA_NOCLDWAIT: waitid(P_ALL, WEXITED)", kret(waitid(P_ALL, 0, &si, WEXITED)));
	chld_pending();

	set(SIG_DFL, 0);
	c = fork();
	if (c == 0)
		_exit(7);
	memset(&si, 0, sizeof(si));
	waitid(P_PID, c, &si, WEXITED | WNOWAIT);
	printf("zombie seen with WNOWAIT: status %d\n", si.si_status);
	set(SIG_IGN, 0);
	long r = kret(waitpid(c, &st, 0));
	printf("after SIG_IGN, waitpid(zombie) = %s, status %d\n", r == c ? "child" : ename((int)-r),
	       r == c ? WEXITSTATUS(st) : -1);
	set(SIG_DFL, 0);
	return 0;
}
