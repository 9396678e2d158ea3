/* execve(2) in a multi-threaded process. Stage 1: a non-main thread execs (argv[0] again,
 * with arguments naming stage 2) while main waits in pthread_join and two more threads
 * sleep. Stage 2 checks that the pid is unchanged, that the exec'ing thread now has the
 * pid as its tid, that every old tid is gone (ESRCH), that the exec'ing thread's signal
 * mask came along (not main's), and that pending signals directed at the process or at
 * the exec'ing thread survive while those directed at a vanished thread do not. Stage 2
 * then execs from its main thread with other threads running; stage 3 checks again. */
#include "conf.h"

#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>

static char *self_path;
static int go;
static long tids[3];
static volatile int ready[3];

static void sleep_forever(int *word)
{
	struct timespec limit = { 1, 0 };
	for (int i = 0; i < 6; i++)
		syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, 0, &limit, NULL, 0);
}

static void *sleeper(void *arg)
{
	long i = (long)arg;
	tids[i] = syscall(SYS_gettid);
	__atomic_store_n(&ready[i], 1, __ATOMIC_SEQ_CST);
	static int never;
	sleep_forever(&never);
	return NULL;
}

static void exec_stage(const char *stage)
{
	char a[4][24];
	snprintf(a[0], sizeof(a[0]), "%ld", (long)getpid());
	for (int i = 0; i < 3; i++)
		snprintf(a[i + 1], sizeof(a[i + 1]), "%ld", tids[i]);
	char *argv[] = { self_path, (char *)stage, a[0], a[1], a[2], a[3], NULL };
	execv(self_path, argv);
	printf("execv failed: %s\n", ename(errno));
	exit(1);
}

static void *execer(void *arg)
{
	tids[0] = syscall(SYS_gettid);
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &s, NULL);
	__atomic_store_n(&ready[0], 1, __ATOMIC_SEQ_CST);
	struct timespec limit = { 0, 10 * 1000 * 1000 };
	for (int i = 0; i < 300 && !__atomic_load_n(&go, __ATOMIC_SEQ_CST); i++)
		syscall(SYS_futex, &go, FUTEX_WAIT_PRIVATE, 0, &limit, NULL, 0);
	exec_stage("stage2");
	return NULL;
}

static void wait_ready(int i)
{
	for (int n = 0; n < 20000 && !__atomic_load_n(&ready[i], __ATOMIC_SEQ_CST); n++)
		usleep(100);
}

/* After an exec: what survived. */
static void check_after(char **argv, int n_old)
{
	long old_pid = atol(argv[2]);
	fact("getpid() unchanged", getpid() == old_pid);
	fact("gettid() == getpid()", syscall(SYS_gettid) == getpid());
	show("tgkill(pid, the exec'ing thread's old tid, 0)", RAW(SYS_tgkill, getpid(), atol(argv[3]), 0));
	for (int i = 1; i < n_old; i++) {
		char what[64];
		snprintf(what, sizeof(what), "tgkill(pid, old thread %d's tid, 0)", i);
		show(what, RAW(SYS_tgkill, getpid(), atol(argv[3 + i]), 0));
	}
}

int main(int argc, char **argv)
{
	self_path = argv[0];
	if (argc >= 6 && strcmp(argv[1], "stage2") == 0) {
		printf("stage 2 (after a non-main thread's exec):\n");
		check_after(argv, 3);
		sigset_t m, p;
		sigprocmask(SIG_BLOCK, NULL, &m);
		printf("mask: HUP %d, USR2 %d, TERM %d\n", sigismember(&m, SIGHUP), sigismember(&m, SIGUSR2),
		       sigismember(&m, SIGTERM));
		sigpending(&p);
		printf("pending: USR2 (to the process) %d, HUP (to the exec'ing thread) %d, USR1 (to another thread) %d\n",
		       sigismember(&p, SIGUSR2), sigismember(&p, SIGHUP), sigismember(&p, SIGUSR1));

		/* Now exec from the main thread while two threads sleep. */
		pthread_t t;
		tids[0] = syscall(SYS_gettid);
		pthread_create(&t, NULL, sleeper, (void *)1L);
		pthread_create(&t, NULL, sleeper, (void *)2L);
		wait_ready(1);
		wait_ready(2);
		exec_stage("stage3");
	}
	if (argc >= 6 && strcmp(argv[1], "stage3") == 0) {
		printf("stage 3 (after the main thread's exec):\n");
		check_after(argv, 3);
		return 0;
	}

	alarm(20);
	printf("stage 1\n");
	if (strchr(self_path, '/') == NULL) {
		printf("argv[0] is not a path\n");
		return 1;
	}
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGHUP);
	sigaddset(&s, SIGUSR1);
	sigaddset(&s, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &s, NULL);

	pthread_t a, b, c;
	pthread_create(&b, NULL, sleeper, (void *)1L);
	pthread_create(&c, NULL, sleeper, (void *)2L);
	pthread_create(&a, NULL, execer, NULL);
	wait_ready(0);
	wait_ready(1);
	wait_ready(2);
	/* Main's own mask changes after the exec'ing thread exists: not inherited. */
	sigemptyset(&s);
	sigaddset(&s, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &s, NULL);
	/* Pending signals: one for the process, one for the exec'ing thread, one for another. */
	kill(getpid(), SIGUSR2);
	pthread_kill(a, SIGHUP);
	pthread_kill(b, SIGUSR1);
	__atomic_store_n(&go, 1, __ATOMIC_SEQ_CST);
	syscall(SYS_futex, &go, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	pthread_join(a, NULL);
	printf("not reached: join returned\n");
	return 1;
}
