/* Waiting for a thread's exit through its CLONE_CHILD_CLEARTID word, racing the exit:
 * 200 times a thread pthread_joins a sibling that exits at once (so the join finds it
 * running, exiting or gone); 200 times a raw clone thread waits with FUTEX_WAIT on a raw
 * sibling's tid word while the sibling exits, and main reuses both stacks as soon as
 * their words are cleared. Then: the exit's wake is FUTEX_WAKE with a count of 1, so of
 * two waiters asleep on the word only one is woken by the exit. */
#include "conf.h"

#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>

#include "conf_clone.h"


#define THREAD_FLAGS                                                                                          \
	(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM | CLONE_CHILD_SETTID | \
	 CLONE_CHILD_CLEARTID)
#define STACK_SIZE (64 * 1024)
static char stacks[2][STACK_SIZE] __attribute__((aligned(16)));

/* Wait (shared FUTEX_WAIT, like the kernel's wake) until *word is 0; 1 if it got there. */
static int raw_wait_cleared(int *word)
{
	struct timespec limit = { 0, 100 * 1000 * 1000 };
	for (int i = 0; i < 30; i++) {
		int v = __atomic_load_n(word, __ATOMIC_SEQ_CST);
		if (v == 0)
			return 1;
		rsys(SYS_futex, (long)word, FUTEX_WAIT, v, (long)&limit);
	}
	return __atomic_load_n(word, __ATOMIC_SEQ_CST) == 0;
}

static void *returns_arg(void *arg)
{
	return arg;
}

static void *joins_sibling(void *arg)
{
	void *ret = NULL;
	if (pthread_join(*(pthread_t *)arg, &ret) != 0)
		return (void *)-1L;
	return (void *)((long)ret + 1000);
}

static int x_word, w_word;
static int sibling_seen_cleared;

static int quick_exit_fn(void *arg)
{
	if ((long)arg & 1)
		rsys(SYS_sched_yield, 0, 0, 0, 0);
	return 0;
}

static int watcher_fn(void *arg)
{
	sibling_seen_cleared += raw_wait_cleared(&x_word);
	return 0;
}

/* Part three: two waiters on a thread's word. */
static int pre_word, victim_word, victim_go;
static int waiters_announced, waiters_woken;
static long waiter_results[2];

static void *word_waiter(void *arg)
{
	long i = (long)arg;
	struct timespec limit = { 5, 0 };
	__atomic_fetch_add(&waiters_announced, 1, __ATOMIC_SEQ_CST);
	/* Sleep on pre_word (still 0); main moves us onto the thread's word once asleep. */
	waiter_results[i] = RAW(SYS_futex, &pre_word, FUTEX_WAIT, 0, &limit, NULL, 0);
	__atomic_fetch_add(&waiters_woken, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static int victim_fn(void *arg)
{
	struct timespec limit = { 0, 10 * 1000 * 1000 };
	for (int i = 0; i < 500 && !__atomic_load_n(&victim_go, __ATOMIC_SEQ_CST); i++)
		rsys(SYS_futex, (long)&victim_go, FUTEX_WAIT_PRIVATE, 0, (long)&limit);
	return 0;
}

int main(void)
{
	alarm(20);

	long sum = 0, failures = 0;
	for (long i = 0; i < 200; i++) {
		pthread_t a, b;
		void *ret;
		if (pthread_create(&a, NULL, returns_arg, (void *)i) != 0 ||
		    pthread_create(&b, NULL, joins_sibling, &a) != 0) {
			failures++;
			break;
		}
		pthread_join(b, &ret);
		if ((long)ret < 0)
			failures++;
		else
			sum += (long)ret;
	}
	printf("pthread_join by a sibling: sum %ld (expected %ld), failures %ld\n", sum, 199L * 200 / 2 + 200 * 1000,
	       failures);

	int cleared = 0;
	for (long i = 0; i < 200; i++) {
		x_word = w_word = -1;
		long x = conf_clone(THREAD_FLAGS, stacks[0] + STACK_SIZE, NULL, &x_word, 0, quick_exit_fn, (void *)i);
		long w = conf_clone(THREAD_FLAGS, stacks[1] + STACK_SIZE, NULL, &w_word, 0, watcher_fn, NULL);
		if (x <= 0 || w <= 0) {
			printf("clone failed: %s\n", ename((int)-(x <= 0 ? x : w)));
			break;
		}
		/* Both words must be clear before their stacks are used again. */
		cleared += raw_wait_cleared(&w_word) && raw_wait_cleared(&x_word);
	}
	printf("raw siblings: watcher saw the word cleared %d times, main saw both cleared %d times\n",
	       sibling_seen_cleared, cleared);

	/* Two waiters asleep on a live thread's word: the exit wakes just one. */
	victim_word = -1;
	long v = conf_clone(THREAD_FLAGS, stacks[0] + STACK_SIZE, NULL, &victim_word, 0, victim_fn, NULL);
	while (__atomic_load_n(&victim_word, __ATOMIC_SEQ_CST) != v)
		sched_yield();
	pthread_t t[2];
	for (long i = 0; i < 2; i++) {
		waiter_results[i] = 99;
		pthread_create(&t[i], NULL, word_waiter, (void *)i);
	}
	while (__atomic_load_n(&waiters_announced, __ATOMIC_SEQ_CST) < 2)
		usleep(100);
	/* FUTEX_CMP_REQUEUE moves only waiters that are asleep: repeat until both moved. The
	 * thread's word holds its tid, which is what the waiters would have waited for. */
	long moved = 0;
	for (int tries = 0; moved < 2 && tries < 5000; tries++) {
		long r = RAW(SYS_futex, &pre_word, FUTEX_CMP_REQUEUE, 0, INT_MAX, &victim_word, 0);
		if (r < 0)
			break;
		moved += r;
		if (r == 0)
			usleep(100);
	}
	printf("waiters moved onto the thread's word: %ld\n", moved);
	__atomic_store_n(&victim_go, 1, __ATOMIC_SEQ_CST);
	RAW(SYS_futex, &victim_go, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	for (int i = 0; i < 20000 && __atomic_load_n(&waiters_woken, __ATOMIC_SEQ_CST) < 1; i++)
		usleep(100);
	usleep(20 * 1000);
	printf("woken by the exit: %d, word now %d\n", __atomic_load_n(&waiters_woken, __ATOMIC_SEQ_CST), victim_word);
	show("FUTEX_WAKE(word, all) afterwards", RAW(SYS_futex, &victim_word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0));
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	printf("both waits returned 0: %s\n", waiter_results[0] == 0 && waiter_results[1] == 0 ? "yes" : "no");
	return 0;
}
