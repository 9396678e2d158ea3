/* Robust futexes at thread and process exit. The kernel walks the exiting thread's robust
 * list (set_robust_list(2)): each listed word (and the list_op_pending one) whose TID
 * bits name the dying thread becomes FUTEX_OWNER_DIED, keeping FUTEX_WAITERS and waking
 * a waiter; words owned by others are left alone. This is done before the tid word is
 * cleared, so it is complete when pthread_join returns. On top of it, glibc robust mutexes
 * report EOWNERDEAD to the next locker (also one already blocked, and across processes
 * for a PTHREAD_PROCESS_SHARED mutex), and ENOTRECOVERABLE if it is unlocked without
 * pthread_mutex_consistent. */
#include "conf.h"

#include <linux/futex.h>
#include <pthread.h>
#include <stddef.h>
#include <sys/wait.h>
#include <time.h>

struct entry {
	struct robust_list list;
	int word;
};

static struct robust_list_head head;
static struct entry owned, owned_waiters, foreign, pending;
static long set_ret;

static void *dies_holding_raw(void *arg)
{
	int tid = (int)syscall(SYS_gettid);
	owned.word = tid;
	owned_waiters.word = tid | FUTEX_WAITERS;
	foreign.word = 12345; /* not us */
	pending.word = tid;
	head.list.next = &owned.list;
	owned.list.next = &owned_waiters.list;
	owned_waiters.list.next = &foreign.list;
	foreign.list.next = &head.list;
	head.futex_offset = offsetof(struct entry, word) - offsetof(struct entry, list);
	head.list_op_pending = &pending.list;
	set_ret = RAW(SYS_set_robust_list, &head, sizeof(head));
	return NULL;
}

static pthread_mutex_t robust;
static volatile int holder_ready;

static void *lock_and_exit(void *arg)
{
	pthread_mutex_lock(&robust);
	holder_ready = 1;
	if (arg)
		usleep(20 * 1000);
	return NULL;
}

static int timed_lock(pthread_mutex_t *m)
{
	struct timespec deadline;
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 2;
	return pthread_mutex_timedlock(m, &deadline);
}

static const char *lock_result(int r)
{
	if (r == EOWNERDEAD)
		return "EOWNERDEAD";
	if (r == ENOTRECOVERABLE)
		return "ENOTRECOVERABLE";
	if (r == 0)
		return "0";
	return ename(r);
}

static void init_robust(pthread_mutex_t *m, int pshared)
{
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	if (pshared)
		pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	pthread_mutex_init(m, &a);
	pthread_mutexattr_destroy(&a);
}

int main(void)
{
	alarm(20);
	pthread_t t;

	pthread_create(&t, NULL, dies_holding_raw, NULL);
	pthread_join(t, NULL);
	show("set_robust_list in the thread", set_ret);
	printf("owned word: %#x\n", (unsigned)owned.word);
	printf("owned word with FUTEX_WAITERS: %#x\n", (unsigned)owned_waiters.word);
	printf("word owned by another tid: %d\n", foreign.word);
	printf("list_op_pending word: %#x\n", (unsigned)pending.word);

	/* A robust mutex whose owner exits. */
	init_robust(&robust, 0);
	pthread_create(&t, NULL, lock_and_exit, NULL);
	pthread_join(t, NULL);
	int r = timed_lock(&robust);
	printf("lock after the owner exited = %s\n", lock_result(r));
	show("pthread_mutex_consistent", pthread_mutex_consistent(&robust));
	show("unlock", pthread_mutex_unlock(&robust));
	printf("lock again = %s\n", lock_result(timed_lock(&robust)));
	pthread_mutex_unlock(&robust);

	/* The same while we are (probably) already blocked in the lock. */
	holder_ready = 0;
	pthread_create(&t, NULL, lock_and_exit, (void *)1L);
	while (!holder_ready)
		usleep(100);
	r = timed_lock(&robust);
	printf("lock while the owner exits = %s\n", lock_result(r));
	pthread_join(t, NULL);
	/* Not made consistent: unusable from now on. */
	pthread_mutex_unlock(&robust);
	printf("lock after unlocking without consistent = %s\n", lock_result(timed_lock(&robust)));

	/* Process-shared, in shared memory: the owner is another process. */
	pthread_mutex_t *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	init_robust(shared, 1);
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		pthread_mutex_lock(shared);
		_exit(0);
	}
	int st;
	waitpid(c, &st, 0);
	r = timed_lock(shared);
	printf("lock after the owning process exited = %s\n", lock_result(r));
	pthread_mutex_consistent(shared);
	pthread_mutex_unlock(shared);

	/* An ordinary mutex is simply left locked. */
	pthread_mutex_t plain = PTHREAD_MUTEX_INITIALIZER;
	robust = plain;
	pthread_create(&t, NULL, lock_and_exit, NULL);
	pthread_join(t, NULL);
	printf("trylock of a plain mutex whose owner exited = %s\n", lock_result(pthread_mutex_trylock(&robust)));
	return 0;
}
