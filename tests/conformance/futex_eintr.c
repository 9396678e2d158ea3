/* Signals arriving during futex waits in a thread. FUTEX_WAIT without a timeout is
 * interrupted (EINTR) by a handler without SA_RESTART and transparently restarted with
 * SA_RESTART; with a timeout (relative, or WAIT_BITSET's absolute one) it is EINTR even
 * with SA_RESTART. Signals whose default action is to ignore them do not interrupt at all.
 * FUTEX_LOCK_PI is restarted even without SA_RESTART. A wait in a stopped and continued
 * process is restarted, not failed. */
#include "conf.h"

#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

static volatile int handled;
static void handler(int sig)
{
	__atomic_fetch_add(&handled, 1, __ATOMIC_SEQ_CST);
}

static int word;
static int mode;
static volatile int ready, done;
static long result;

enum { PLAIN, RELATIVE, ABSOLUTE, LOCK_PI };

static void *waiter(void *arg)
{
	struct timespec rel = { 3, 0 }, abs;
	clock_gettime(CLOCK_MONOTONIC, &abs);
	abs.tv_sec += 3;
	__atomic_store_n(&ready, 1, __ATOMIC_SEQ_CST);
	switch (mode) {
	case PLAIN:
		result = RAW(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
		break;
	case RELATIVE:
		result = RAW(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, &rel, NULL, 0);
		break;
	case ABSOLUTE:
		result = RAW(SYS_futex, &word, FUTEX_WAIT_BITSET_PRIVATE, 0, &abs, NULL, FUTEX_BITSET_MATCH_ANY);
		break;
	case LOCK_PI:
		result = RAW(SYS_futex, &word, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0);
		if (result == 0)
			RAW(SYS_futex, &word, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0);
		break;
	}
	__atomic_store_n(&done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/* Start a waiter and keep signalling it with `sig`. Where Linux interrupts the wait
 * (`interrupts`), keep at it until the wait returns; otherwise, after a few handler runs
 * (or, for a signal without handler, a few signals) end the wait the normal way. */
static void run(const char *what, int m, int sig, int flags, int interrupts)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sa.sa_flags = flags;
	if (sig != SIGURG)
		sigaction(sig, &sa, NULL);
	mode = m;
	ready = done = 0;
	handled = 0;
	result = 99;
	word = 0;
	pthread_t t;
	if (m == LOCK_PI)
		RAW(SYS_futex, &word, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0);
	pthread_create(&t, NULL, waiter, NULL);
	while (!__atomic_load_n(&ready, __ATOMIC_SEQ_CST))
		usleep(100);
	int sent = 0, released = 0;
	for (int i = 0; i < 4000 && !__atomic_load_n(&done, __ATOMIC_SEQ_CST); i++) {
		int enough = interrupts ? i >= 3000 : sig == SIGURG ? sent >= 20 : handled >= 3;
		if (!enough) {
			pthread_kill(t, sig);
			sent++;
		} else if (m == LOCK_PI) {
			if (!released)
				RAW(SYS_futex, &word, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0);
			released = 1;
		} else {
			RAW(SYS_futex, &word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
		}
		usleep(500);
	}
	pthread_join(t, NULL);
	if (m == LOCK_PI && !released)
		RAW(SYS_futex, &word, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0);
	show(what, result);
}

int main(void)
{
	alarm(20);
	run("FUTEX_WAIT, handler without SA_RESTART", PLAIN, SIGUSR1, 0, 1);
	run("FUTEX_WAIT, handler with SA_RESTART", PLAIN, SIGUSR1, SA_RESTART, 0);
	run("FUTEX_WAIT(relative timeout), SA_RESTART", RELATIVE, SIGUSR1, SA_RESTART, 1);
	run("FUTEX_WAIT_BITSET(absolute timeout), SA_RESTART", ABSOLUTE, SIGUSR1, SA_RESTART, 1);
	run("FUTEX_WAIT, SIGURG with default action (ignore)", PLAIN, SIGURG, 0, 0);
	run("FUTEX_LOCK_PI, handler without SA_RESTART", LOCK_PI, SIGUSR2, 0, 0);

	/* Stop and continue a process waiting on a shared futex. */
	int *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		struct timespec limit = { 3, 0 };
		__atomic_store_n(&shared[1], 1, __ATOMIC_SEQ_CST);
		long r = RAW(SYS_futex, &shared[0], FUTEX_WAIT, 0, &limit, NULL, 0);
		_exit(r == 0 ? 0 : r == -EINTR ? 1 : r == -ETIMEDOUT ? 2 : 3);
	}
	while (!__atomic_load_n(&shared[1], __ATOMIC_SEQ_CST))
		usleep(100);
	usleep(20 * 1000);
	int st = 0;
	kill(c, SIGSTOP);
	waitpid(c, &st, WUNTRACED);
	fact("child stopped", WIFSTOPPED(st));
	kill(c, SIGCONT);
	usleep(20 * 1000);
	long woke = 0;
	for (int i = 0; i < 5000 && woke == 0; i++) {
		woke = RAW(SYS_futex, &shared[0], FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
		if (woke == 0)
			usleep(100);
	}
	waitpid(c, &st, 0);
	printf("stopped and continued waiter: woken %ld, exit code %d (0: its wait returned 0)\n", woke,
	       WEXITSTATUS(st));
	return 0;
}
