/* fork(2) and vfork(2) in a multi-threaded process: the child has one thread, the one
 * that forked (its tid is the child's pid), and can make threads of its own; its parent
 * is the forking process (getppid() is the pid, not the forking thread's tid); the
 * forking thread's thread-local storage comes along; other threads' tids are not in the
 * child's thread group. Any thread can wait for a child forked by another thread, also
 * after the forking thread has exited. vfork suspends only the calling thread. */
#include "conf.h"

#include <linux/futex.h>
#include <pthread.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>

static __thread int tls_mark;
static int stop;
static long sleeper_tid;
static volatile int sleeper_ready;

/* ping[0] is non-blocking: every millisecond the sleeper answers a ping with a pong. */
static int ping[2], pong[2];

static void *sleeper(void *arg)
{
	sleeper_tid = syscall(SYS_gettid);
	sleeper_ready = 1;
	struct timespec limit = { 0, 1000 * 1000 };
	for (int i = 0; i < 3000 && !__atomic_load_n(&stop, __ATOMIC_SEQ_CST); i++) {
		char c;
		if (read(ping[0], &c, 1) == 1)
			(void)!write(pong[1], "o", 1);
		syscall(SYS_futex, &stop, FUTEX_WAIT_PRIVATE, 0, &limit, NULL, 0);
	}
	return NULL;
}

static void *child_thread(void *arg)
{
	return (void *)(syscall(SYS_gettid) != getpid() ? 1L : 0L);
}

/* In a forked child: check what it can; the exit status is a bit mask. */
static int child_checks(pid_t parent)
{
	int bits = 0;
	if (syscall(SYS_gettid) == getpid())
		bits |= 1;
	if (getppid() == parent)
		bits |= 2;
	if (syscall(SYS_tgkill, getpid(), sleeper_tid, 0) == -1 && errno == ESRCH)
		bits |= 4;
	pthread_t t;
	void *ret = NULL;
	if (pthread_create(&t, NULL, child_thread, NULL) == 0 && pthread_join(t, &ret) == 0 && ret == (void *)1L)
		bits |= 8;
	if (tls_mark == 5)
		bits |= 16;
	char *p = malloc(1000);
	if (p) {
		memset(p, 1, 1000);
		free(p);
		bits |= 32;
	}
	return bits;
}

static void report(const char *what, pid_t c, int st)
{
	printf("%s: ", what);
	if (!WIFEXITED(st)) {
		printf("did not exit normally\n");
		return;
	}
	int b = WEXITSTATUS(st);
	printf("tid==pid %d, parent is the process %d, parent's thread not in its group %d, "
	       "made a thread %d, TLS copied %d, malloc %d\n",
	       !!(b & 1), !!(b & 2), !!(b & 4), !!(b & 8), !!(b & 16), !!(b & 32));
}

static pid_t forked_by_thread;
static int hold[2];
static pid_t parent_pid;

static void *forker(void *arg)
{
	tls_mark = 5;
	int late = (int)(long)arg;
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		if (late) {
			/* Wait until the forking thread has gone, then check again. */
			char ch;
			(void)!read(hold[0], &ch, 1);
		}
		_exit(child_checks(parent_pid));
	}
	forked_by_thread = c;
	return NULL;
}

static void *vforker(void *arg)
{
	pid_t c = vfork();
	if (c == 0) {
		/* The other threads keep running while this one is suspended: the sleeper
		 * answers a ping sent from here. */
		struct pollfd p = { .fd = pong[0], .events = POLLIN };
		if (write(ping[1], "i", 1) != 1)
			_exit(2);
		_exit(poll(&p, 1, 2000) == 1 ? 0 : 1);
	}
	int st;
	waitpid(c, &st, 0);
	return (void *)(long)(WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

int main(void)
{
	alarm(20);
	parent_pid = getpid();
	if (pipe2(ping, O_NONBLOCK) != 0 || pipe(pong) != 0)
		printf("pipe failed\n");
	pthread_t s, t;
	pthread_create(&s, NULL, sleeper, NULL);
	while (!sleeper_ready)
		usleep(100);

	/* Fork in main with a sleeping thread around. */
	tls_mark = 5;
	fflush(stdout);
	pid_t c = fork();
	if (c == 0)
		_exit(child_checks(parent_pid));
	int st;
	pid_t w = waitpid(c, &st, 0);
	fact("waited the child of main", w == c);
	report("child of main", c, st);

	/* Fork in a thread; main waits for the child. */
	tls_mark = 0;
	pthread_create(&t, NULL, forker, (void *)0L);
	pthread_join(t, NULL);
	w = waitpid(forked_by_thread, &st, 0);
	fact("main waited the child of a thread", w == forked_by_thread);
	report("child of a thread", w, st);
	fact("main's TLS was not the forking thread's", tls_mark == 0);

	/* The forking thread exits before its child does. */
	if (pipe(hold) != 0)
		printf("pipe failed\n");
	pthread_create(&t, NULL, forker, (void *)1L);
	pthread_join(t, NULL);
	(void)!write(hold[1], "x", 1);
	w = waitpid(forked_by_thread, &st, 0);
	fact("main waited the child of an exited thread", w == forked_by_thread);
	report("child of an exited thread", w, st);
	show("waitpid(-1) with no children left", kret(waitpid(-1, &st, WNOHANG)));

	/* vfork in a thread stops only that thread. */
	void *ret;
	pthread_create(&t, NULL, vforker, NULL);
	pthread_join(t, &ret);
	printf("vfork child: exit %ld (0: another thread answered while the vforking thread waited)\n", (long)ret);

	__atomic_store_n(&stop, 1, __ATOMIC_SEQ_CST);
	syscall(SYS_futex, &stop, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	pthread_join(s, NULL);
	return 0;
}
