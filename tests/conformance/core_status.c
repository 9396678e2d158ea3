/* Default actions as wait statuses: signals whose default is to dump core (QUIT, ILL,
 * TRAP, ABRT, BUS, FPE, SEGV, XCPU, XFSZ, SYS) kill the child with WCOREDUMP false when
 * RLIMIT_CORE is 0 and the process is not dumpable; terminating signals (HUP, INT, PIPE,
 * ALRM, TERM, USR1, STKFLT, VTALRM, PROF, IO, PWR, RTMIN) kill without a core; CHLD, URG
 * and WINCH are ignored by default. */
#include "conf.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>

static void one(int sig)
{
	pid_t c = fork();
	if (c == 0) {
		struct rlimit rl = { 0, 0 };
		setrlimit(RLIMIT_CORE, &rl);
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
		signal(sig, SIG_DFL);
		sigset_t s;
		sigemptyset(&s);
		sigaddset(&s, sig);
		sigprocmask(SIG_UNBLOCK, &s, NULL);
		raise(sig);
		_exit(100);
	}
	int st;
	waitpid(c, &st, 0);
	if (WIFSIGNALED(st))
		printf("signal %2d: killed by %d, WCOREDUMP %d\n", sig, WTERMSIG(st), WCOREDUMP(st) ? 1 : 0);
	else if (WIFEXITED(st))
		printf("signal %2d: survived, exit %d\n", sig, WEXITSTATUS(st));
	else
		printf("signal %2d: status %#x\n", sig, st);
}

int main(void)
{
	alarm(5);
	int sigs[] = { SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV, SIGXCPU, SIGXFSZ, SIGSYS,
		       SIGHUP, SIGINT, SIGPIPE, SIGALRM, SIGTERM, SIGUSR1, SIGSTKFLT, SIGVTALRM, SIGPROF, SIGIO,
		       SIGPWR, 34, SIGCHLD, SIGURG, SIGWINCH };
	for (unsigned i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		one(sigs[i]);

	/* A real fault rather than a raised signal. */
	pid_t c = fork();
	if (c == 0) {
		struct rlimit rl = { 0, 0 };
		setrlimit(RLIMIT_CORE, &rl);
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
		*(volatile int *)BADPTR = 1;
		_exit(100);
	}
	int st;
	waitpid(c, &st, 0);
	printf("store to a bad address: killed by %d, WCOREDUMP %d\n", WIFSIGNALED(st) ? WTERMSIG(st) : 0,
	       WCOREDUMP(st) ? 1 : 0);
	return 0;
}
