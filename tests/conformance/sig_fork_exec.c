/* Signal state across fork and execve. A forked child starts with no pending signals
 * but inherits the mask, handlers and ignored signals. Across execve pending signals
 * (with a queued value) survive, handled signals go back to SIG_DFL, ignored ones stay
 * ignored, the mask survives and the alternate signal stack is gone. */
#include "conf.h"

#include <signal.h>
#include <sys/wait.h>

static void h(int sig)
{
	(void)sig;
}

static const char *disp(int sig)
{
	struct sigaction sa;
	sigaction(sig, NULL, &sa);
	if (sa.sa_handler == SIG_DFL)
		return "SIG_DFL";
	if (sa.sa_handler == SIG_IGN)
		return "SIG_IGN";
	return sa.sa_handler == h ? "handler" : "other";
}

static void state(const char *who)
{
	sigset_t p, m;
	sigpending(&p);
	sigprocmask(SIG_BLOCK, NULL, &m);
	printf("%s: pending HUP %d RTMIN %d; blocked HUP %d RTMIN %d USR1 %d\n", who, sigismember(&p, SIGHUP),
	       sigismember(&p, SIGRTMIN), sigismember(&m, SIGHUP), sigismember(&m, SIGRTMIN), sigismember(&m, SIGUSR1));
	printf("%s: USR1 %s, USR2 %s, TERM %s\n", who, disp(SIGUSR1), disp(SIGUSR2), disp(SIGTERM));
	stack_t ss;
	sigaltstack(NULL, &ss);
	printf("%s: alternate stack %s\n", who, ss.ss_flags & SS_DISABLE ? "disabled" : "set");
}

int main(int argc, char **argv)
{
	alarm(5);
	if (argc > 1 && strcmp(argv[1], "--after-exec") == 0) {
		state("after exec");
		sigset_t w;
		sigemptyset(&w);
		sigaddset(&w, SIGRTMIN);
		siginfo_t si;
		struct timespec z = { 0, 0 };
		int s = sigtimedwait(&w, &si, &z);
		printf("after exec: took RTMIN %d, si_code SI_QUEUE %d, value %d\n", s == SIGRTMIN,
		       si.si_code == SI_QUEUE, si.si_value.sival_int);
		return 0;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = h;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGUSR2, &sa, NULL);
	static char stack[65536];
	stack_t ss = { .ss_sp = stack, .ss_size = sizeof(stack), .ss_flags = 0 };
	sigaltstack(&ss, NULL);

	sigset_t b;
	sigemptyset(&b);
	sigaddset(&b, SIGHUP);
	sigaddset(&b, SIGRTMIN);
	sigprocmask(SIG_BLOCK, &b, NULL);
	raise(SIGHUP);
	union sigval v = { .sival_int = 77 };
	sigqueue(getpid(), SIGRTMIN, v);
	state("parent");

	pid_t c = fork();
	if (c == 0) {
		state("forked child");
		_exit(0);
	}
	int st;
	waitpid(c, &st, 0);

	fflush(stdout);
	char *args[] = { argv[0], "--after-exec", NULL };
	execv(argv[0], args);
	printf("execv failed: %s\n", ename(errno));
	return 1;
}
