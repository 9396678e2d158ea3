/* prctl(PR_SET_PDEATHSIG) with threads: a child's "parent" for this purpose is the THREAD
 * that forked it, so the signal comes when that thread exits although the process lives
 * on; the child's getppid() is still the process's pid afterwards (it was reparented to
 * another thread of the same process), and the process can still wait for it. A child
 * forked by a thread that stays alive gets nothing when some other thread exits.
 * PR_GET_PDEATHSIG reads the setting; a bad signal number is EINVAL. */
#include "conf.h"

#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>

static volatile int got;
static void on_usr1(int sig)
{
	got = 1;
}

static pid_t parent_pid;
static int ready_pipe[2];

/* Runs in the forked child. Exit status bits: 1 signal came, 2 getppid() is the parent
 * process, 4 PR_GET_PDEATHSIG said SIGUSR1. */
static int child(long wait_ms)
{
	alarm(20);
	sigset_t usr1, old;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, &old);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	prctl(PR_SET_PDEATHSIG, SIGUSR1);
	int bits = 0, sig = 0;
	if (prctl(PR_GET_PDEATHSIG, &sig) == 0 && sig == SIGUSR1)
		bits |= 4;
	(void)!write(ready_pipe[1], "r", 1);
	if (wait_ms < 0) {
		while (!got)
			sigsuspend(&old);
	} else {
		struct timespec ts = { wait_ms / 1000, (wait_ms % 1000) * 1000000 };
		if (sigtimedwait(&usr1, NULL, &ts) == SIGUSR1)
			got = 1;
	}
	if (got)
		bits |= 1;
	if (getppid() == parent_pid)
		bits |= 2;
	return bits;
}

static pid_t forked;
static long fork_wait_ms;

static void *forking_thread(void *arg)
{
	fflush(stdout);
	pid_t c = fork();
	if (c == 0)
		_exit(child(fork_wait_ms));
	forked = c;
	char ch;
	/* Exit only once the child has its death signal set. */
	(void)!read(ready_pipe[0], &ch, 1);
	return NULL;
}

static void *idle(void *arg)
{
	return NULL;
}

static void report(const char *what, pid_t c)
{
	int st = 0;
	pid_t w = waitpid(c, &st, 0);
	printf("%s: waited %s, ", what, w == c ? "yes" : "no");
	if (!WIFEXITED(st)) {
		printf("did not exit normally\n");
		return;
	}
	int b = WEXITSTATUS(st);
	printf("signal came %d, getppid() is the process %d, PR_GET_PDEATHSIG %d\n", !!(b & 1), !!(b & 2), !!(b & 4));
}

int main(void)
{
	alarm(20);
	parent_pid = getpid();
	if (pipe(ready_pipe) != 0)
		printf("pipe failed\n");

	int sig = -1;
	show("prctl(PR_GET_PDEATHSIG) initially", kret(prctl(PR_GET_PDEATHSIG, &sig)));
	printf("initial death signal %d\n", sig);
	show("prctl(PR_SET_PDEATHSIG, 65)", kret(prctl(PR_SET_PDEATHSIG, 65)));
	show("prctl(PR_GET_PDEATHSIG, BADPTR)", kret(prctl(PR_GET_PDEATHSIG, BADPTR)));

	/* The forking thread exits: the child is told. */
	pthread_t t;
	fork_wait_ms = -1;
	pthread_create(&t, NULL, forking_thread, NULL);
	pthread_join(t, NULL);
	report("child of an exited thread", forked);

	/* Main forks; another thread exits; main lives: nothing is sent. */
	fflush(stdout);
	fork_wait_ms = 100;
	pid_t c = fork();
	if (c == 0)
		_exit(child(fork_wait_ms));
	char ch;
	(void)!read(ready_pipe[0], &ch, 1);
	pthread_create(&t, NULL, idle, NULL);
	pthread_join(t, NULL);
	report("child of main while another thread exits", c);
	return 0;
}
