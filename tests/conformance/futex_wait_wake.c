/* futex(2) FUTEX_WAIT and FUTEX_WAKE, private and shared: a changed value is EAGAIN;
 * relative timeouts expire with ETIMEDOUT (a zero one at once) and are checked before the
 * value; FUTEX_WAKE returns how many waiters it woke, at most its count, and a count of 0
 * or below still wakes one; argument errors: unaligned EINVAL, unmapped or kernel
 * addresses EFAULT (but a private wake never looks at memory), bad timeouts EINVAL or
 * EFAULT, FUTEX_CLOCK_REALTIME with WAIT/WAKE and unknown operations ENOSYS. */
#include "conf.h"

#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <time.h>

static long futex(void *uaddr, int op, int val, const struct timespec *ts)
{
	return RAW(SYS_futex, uaddr, op, val, ts, NULL, 0);
}

static long ms_since(const struct timespec *a)
{
	struct timespec b;
	clock_gettime(CLOCK_MONOTONIC, &b);
	return (b.tv_sec - a->tv_sec) * 1000 + (b.tv_nsec - a->tv_nsec) / 1000000;
}

#define NWAITERS 3

static int word;
static int wait_op;
static int announced;
static long results[NWAITERS];

static void *waiter(void *arg)
{
	struct timespec limit = { 5, 0 };
	long i = (long)arg;
	__atomic_fetch_add(&announced, 1, __ATOMIC_SEQ_CST);
	results[i] = futex(&word, wait_op, 0, &limit);
	return NULL;
}

/* Start n waiters on `word` with `op`; wake them with `wake_op` and `count` until all have
 * been woken. Prints the total and whether any call woke more than it was allowed to. */
static void round_of_wakes(const char *what, int op, int wake_op, int count, int n)
{
	pthread_t th[NWAITERS];
	wait_op = op;
	announced = 0;
	for (long i = 0; i < n; i++) {
		results[i] = 99;
		pthread_create(&th[i], NULL, waiter, (void *)i);
	}
	while (__atomic_load_n(&announced, __ATOMIC_SEQ_CST) < n)
		usleep(100);
	/* A waiter may not be asleep yet: keep waking until every one has been woken. */
	long total = 0, calls = 0, too_many = 0, errors = 0;
	for (int tries = 0; total < n && tries < 5000; tries++) {
		long r = futex(&word, wake_op, count, NULL);
		if (r < 0)
			errors++;
		else if (r > (count < 1 ? 1 : count))
			too_many++;
		else if (r > 0) {
			total += r;
			calls++;
		} else
			usleep(100);
	}
	if (total < n) /* do not leave anyone asleep for the rest of its timeout */
		futex(&word, wake_op, INT_MAX, NULL);
	long all_zero = 1;
	for (int i = 0; i < n; i++) {
		pthread_join(th[i], NULL);
		all_zero &= results[i] == 0;
	}
	printf("%s: woke %ld of %d, calls over the count %ld, errors %ld, every wait returned 0: %s\n", what, total,
	       n, too_many, errors, all_zero ? "yes" : "no");
	if (count == 1)
		printf("%s: one waiter per call: %s\n", what, calls == n ? "yes" : "no");
}

int main(void)
{
	alarm(20);
	struct timespec ten_ms = { 0, 10 * 1000 * 1000 }, zero = { 0, 0 }, t0;

	show("FUTEX_WAIT_PRIVATE(value differs)", futex(&word, FUTEX_WAIT_PRIVATE, 1, NULL));
	show("FUTEX_WAIT(value differs)", futex(&word, FUTEX_WAIT, 1, NULL));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	show("FUTEX_WAIT_PRIVATE(10 ms)", futex(&word, FUTEX_WAIT_PRIVATE, 0, &ten_ms));
	fact("waited at least 10 ms", ms_since(&t0) >= 10);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	show("FUTEX_WAIT(10 ms)", futex(&word, FUTEX_WAIT, 0, &ten_ms));
	fact("waited at least 10 ms", ms_since(&t0) >= 10);
	show("FUTEX_WAIT_PRIVATE(zero timeout)", futex(&word, FUTEX_WAIT_PRIVATE, 0, &zero));
	show("FUTEX_WAKE_PRIVATE(no waiters)", futex(&word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL));
	show("FUTEX_WAKE(no waiters)", futex(&word, FUTEX_WAKE, 1, NULL));
	show("FUTEX_WAKE(count -1, no waiters)", futex(&word, FUTEX_WAKE, -1, NULL));

	/* Argument checks. */
	char *unaligned = (char *)&word + 1;
	show("FUTEX_WAIT_PRIVATE(unaligned)", futex(unaligned, FUTEX_WAIT_PRIVATE, 0, &zero));
	show("FUTEX_WAKE_PRIVATE(unaligned)", futex(unaligned, FUTEX_WAKE_PRIVATE, 1, NULL));
	show("FUTEX_WAKE(unaligned)", futex(unaligned, FUTEX_WAKE, 1, NULL));
	int *gone = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(gone, 4096);
	show("FUTEX_WAIT_PRIVATE(unmapped)", futex(gone, FUTEX_WAIT_PRIVATE, 0, &zero));
	show("FUTEX_WAIT(unmapped)", futex(gone, FUTEX_WAIT, 0, &zero));
	show("FUTEX_WAKE_PRIVATE(unmapped)", futex(gone, FUTEX_WAKE_PRIVATE, 1, NULL));
	show("FUTEX_WAKE(unmapped)", futex(gone, FUTEX_WAKE, 1, NULL));
	show("FUTEX_WAKE_PRIVATE(NULL)", futex(NULL, FUTEX_WAKE_PRIVATE, 1, NULL));
	void *kernel = (void *)0xffff800000000000UL;
	show("FUTEX_WAIT_PRIVATE(kernel address)", futex(kernel, FUTEX_WAIT_PRIVATE, 0, &zero));
	show("FUTEX_WAKE_PRIVATE(kernel address)", futex(kernel, FUTEX_WAKE_PRIVATE, 1, NULL));
	int *none = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	show("FUTEX_WAIT_PRIVATE(PROT_NONE)", futex(none, FUTEX_WAIT_PRIVATE, 0, &zero));
	int *ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ro[0] = 5;
	mprotect(ro, 4096, PROT_READ);
	show("FUTEX_WAIT_PRIVATE(read-only page, same value)", futex(ro, FUTEX_WAIT_PRIVATE, 5, &zero));
	show("FUTEX_WAIT_PRIVATE(read-only page, other value)", futex(ro, FUTEX_WAIT_PRIVATE, 6, &zero));
	munmap(none, 4096);
	munmap(ro, 4096);

	struct timespec big_nsec = { 0, 1000000000L }, neg_sec = { -1, 0 }, neg_nsec = { 0, -1 };
	show("FUTEX_WAIT(tv_nsec 1e9)", futex(&word, FUTEX_WAIT_PRIVATE, 0, &big_nsec));
	show("FUTEX_WAIT(tv_sec -1)", futex(&word, FUTEX_WAIT_PRIVATE, 0, &neg_sec));
	show("FUTEX_WAIT(tv_nsec -1)", futex(&word, FUTEX_WAIT_PRIVATE, 0, &neg_nsec));
	show("FUTEX_WAIT(bad timeout, value differs)", futex(&word, FUTEX_WAIT_PRIVATE, 1, &big_nsec));
	show("FUTEX_WAIT(timeout BADPTR)", futex(&word, FUTEX_WAIT_PRIVATE, 0, BADPTR));
	show("FUTEX_WAIT(timeout BADPTR, value differs)", futex(&word, FUTEX_WAIT_PRIVATE, 1, BADPTR));
	show("FUTEX_WAIT|FUTEX_CLOCK_REALTIME", futex(&word, FUTEX_WAIT | FUTEX_CLOCK_REALTIME, 0, &zero));
	show("FUTEX_WAKE|FUTEX_CLOCK_REALTIME", futex(&word, FUTEX_WAKE | FUTEX_CLOCK_REALTIME, 1, NULL));
	show("futex op 99", futex(&word, 99, 0, NULL));
	show("futex op 99|FUTEX_PRIVATE_FLAG", futex(&word, 99 | FUTEX_PRIVATE_FLAG, 0, NULL));
	show("futex op 99 (unaligned)", futex(unaligned, 99, 0, NULL));

	/* Waking waiters that other threads put to sleep. */
	round_of_wakes("private, wake 1", FUTEX_WAIT_PRIVATE, FUTEX_WAKE_PRIVATE, 1, NWAITERS);
	round_of_wakes("private, wake INT_MAX", FUTEX_WAIT_PRIVATE, FUTEX_WAKE_PRIVATE, INT_MAX, NWAITERS);
	round_of_wakes("shared, wake 1", FUTEX_WAIT, FUTEX_WAKE, 1, NWAITERS);
	round_of_wakes("shared, wake INT_MAX", FUTEX_WAIT, FUTEX_WAKE, INT_MAX, NWAITERS);
	round_of_wakes("private, wake 0", FUTEX_WAIT_PRIVATE, FUTEX_WAKE_PRIVATE, 0, 1);
	round_of_wakes("private, wake -1", FUTEX_WAIT_PRIVATE, FUTEX_WAKE_PRIVATE, -1, 1);

	return 0;
}
