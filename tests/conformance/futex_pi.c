/* Priority-inheritance futexes: FUTEX_LOCK_PI on a free word stores our tid; locking it
 * again is EDEADLK; FUTEX_UNLOCK_PI by a non-owner is EPERM; a word naming a tid that does
 * not exist is ESRCH; TRYLOCK_PI of a held word is EAGAIN. LOCK_PI's timeout is an
 * absolute CLOCK_REALTIME time (FUTEX_CLOCK_REALTIME is refused with ENOSYS), LOCK_PI2's
 * is CLOCK_MONOTONIC unless FUTEX_CLOCK_REALTIME. UNLOCK_PI hands the lock to a queued
 * waiter. glibc's PTHREAD_PRIO_INHERIT mutexes (also robust ones) work on top. */
#include "conf.h"

#include <linux/futex.h>
#include <pthread.h>
#include <time.h>

static long futex(int *uaddr, int op, const struct timespec *ts)
{
	return RAW(SYS_futex, uaddr, op, 0, ts, NULL, 0);
}

static void show_pi(const char *what, long r)
{
	if (r == -EDEADLK)
		printf("%s = -1 EDEADLK\n", what);
	else
		show(what, r);
}

static struct timespec after_ms(clockid_t clock, long ms)
{
	struct timespec t;
	clock_gettime(clock, &t);
	t.tv_sec += ms / 1000;
	t.tv_nsec += (ms % 1000) * 1000000;
	if (t.tv_nsec >= 1000000000) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000;
	}
	return t;
}

static long ms_since(const struct timespec *a)
{
	struct timespec b;
	clock_gettime(CLOCK_MONOTONIC, &b);
	return (b.tv_sec - a->tv_sec) * 1000 + (b.tv_nsec - a->tv_nsec) / 1000000;
}

static int word;
static volatile int held, release;
static long holder_lock, holder_unlock;

static void *holder(void *arg)
{
	holder_lock = futex(&word, FUTEX_LOCK_PI_PRIVATE, NULL);
	held = 1;
	if (arg) {
		/* Hand over once somebody is queued (FUTEX_WAITERS set). */
		for (int i = 0; i < 20000 && !(__atomic_load_n(&word, __ATOMIC_SEQ_CST) & FUTEX_WAITERS); i++)
			usleep(100);
	} else {
		while (!release)
			usleep(100);
	}
	holder_unlock = futex(&word, FUTEX_UNLOCK_PI_PRIVATE, NULL);
	return NULL;
}

static pthread_mutex_t pi_mutex;
static long pi_counter;

static void *pi_incrementer(void *arg)
{
	for (int i = 0; i < 2000; i++) {
		pthread_mutex_lock(&pi_mutex);
		pi_counter++;
		pthread_mutex_unlock(&pi_mutex);
	}
	return NULL;
}

static void *lock_and_exit(void *arg)
{
	pthread_mutex_lock(&pi_mutex);
	return NULL;
}

int main(void)
{
	alarm(20);
	long tid = syscall(SYS_gettid);
	struct timespec t0;

	show("LOCK_PI(free word)", futex(&word, FUTEX_LOCK_PI_PRIVATE, NULL));
	fact("the word holds our tid", word == tid);
	show_pi("LOCK_PI(held by us)", futex(&word, FUTEX_LOCK_PI_PRIVATE, NULL));
	show_pi("TRYLOCK_PI(held by us)", futex(&word, FUTEX_TRYLOCK_PI_PRIVATE, NULL));
	show("UNLOCK_PI", futex(&word, FUTEX_UNLOCK_PI_PRIVATE, NULL));
	printf("word after unlock = %d\n", word);
	show("UNLOCK_PI(free word)", futex(&word, FUTEX_UNLOCK_PI_PRIVATE, NULL));
	word = 0x3fffffff;
	show("LOCK_PI(owner tid does not exist)", futex(&word, FUTEX_LOCK_PI_PRIVATE, NULL));
	word = 0x3fffffff;
	show("TRYLOCK_PI(owner tid does not exist)", futex(&word, FUTEX_TRYLOCK_PI_PRIVATE, NULL));
	word = 0x3fffffff;
	show("UNLOCK_PI(owned by another tid)", futex(&word, FUTEX_UNLOCK_PI_PRIVATE, NULL));
	show("LOCK_PI(unaligned)", futex((int *)((char *)&word + 1), FUTEX_LOCK_PI_PRIVATE, NULL));
	int *gone = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(gone, 4096);
	show("LOCK_PI(unmapped)", futex(gone, FUTEX_LOCK_PI_PRIVATE, NULL));
	show("FUTEX_LOCK_PI|FUTEX_CLOCK_REALTIME", futex(&word, FUTEX_LOCK_PI_PRIVATE | FUTEX_CLOCK_REALTIME, NULL));

	/* Held by another thread. */
	word = 0;
	pthread_t t;
	pthread_create(&t, NULL, holder, NULL);
	while (!held)
		usleep(100);
	show("TRYLOCK_PI(held by a thread)", futex(&word, FUTEX_TRYLOCK_PI_PRIVATE, NULL));
	show("UNLOCK_PI(held by a thread)", futex(&word, FUTEX_UNLOCK_PI_PRIVATE, NULL));
	struct timespec past = { 1, 0 };
	show("LOCK_PI(realtime deadline in 1970)", futex(&word, FUTEX_LOCK_PI_PRIVATE, &past));
	struct timespec deadline = after_ms(CLOCK_REALTIME, 30);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	show("LOCK_PI(realtime deadline now + 30 ms)", futex(&word, FUTEX_LOCK_PI_PRIVATE, &deadline));
	fact("waited at least 25 ms", ms_since(&t0) >= 25);
	deadline = after_ms(CLOCK_MONOTONIC, 30);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	show("LOCK_PI2(monotonic deadline now + 30 ms)", futex(&word, FUTEX_LOCK_PI2_PRIVATE, &deadline));
	fact("waited at least 25 ms", ms_since(&t0) >= 25);
	show("LOCK_PI2|FUTEX_CLOCK_REALTIME(deadline in 1970)",
	     futex(&word, FUTEX_LOCK_PI2_PRIVATE | FUTEX_CLOCK_REALTIME, &past));
	struct timespec bad = { 0, 1000000000L };
	show("LOCK_PI(tv_nsec 1e9)", futex(&word, FUTEX_LOCK_PI_PRIVATE, &bad));
	release = 1;
	pthread_join(t, NULL);
	show("the thread's LOCK_PI", holder_lock);
	show("the thread's UNLOCK_PI", holder_unlock);
	printf("word now = %d\n", word);

	/* Handover: we queue, the holder unlocks, we own it. */
	held = 0;
	pthread_create(&t, NULL, holder, (void *)1L);
	while (!held)
		usleep(100);
	deadline = after_ms(CLOCK_REALTIME, 3000);
	show("LOCK_PI(queued behind the holder)", futex(&word, FUTEX_LOCK_PI_PRIVATE, &deadline));
	pthread_join(t, NULL);
	show("the holder's UNLOCK_PI", holder_unlock);
	fact("we own the word now", (word & FUTEX_TID_MASK) == tid);
	show("UNLOCK_PI", futex(&word, FUTEX_UNLOCK_PI_PRIVATE, NULL));
	printf("word now = %d\n", word);

	/* glibc priority-inheritance mutexes. */
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT);
	pthread_mutex_init(&pi_mutex, &a);
	pthread_t th[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, pi_incrementer, NULL);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	printf("PTHREAD_PRIO_INHERIT mutex counter = %ld\n", pi_counter);
	pthread_mutex_destroy(&pi_mutex);

	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(&pi_mutex, &a);
	pthread_create(&t, NULL, lock_and_exit, NULL);
	pthread_join(t, NULL);
	int r = pthread_mutex_lock(&pi_mutex);
	printf("robust PI mutex after its owner exited: %s\n", r == EOWNERDEAD ? "EOWNERDEAD" : ename(r));
	show("pthread_mutex_consistent", pthread_mutex_consistent(&pi_mutex));
	show("unlock", pthread_mutex_unlock(&pi_mutex));
	pthread_mutexattr_destroy(&a);
	return 0;
}
