/* futex(2) FUTEX_WAIT_BITSET and FUTEX_WAKE_BITSET: a wake only reaches waiters whose
 * bitset shares a bit with its own; plain FUTEX_WAIT/FUTEX_WAKE act as "all bits"; a
 * zero bitset is EINVAL. WAIT_BITSET takes an ABSOLUTE timeout on CLOCK_MONOTONIC, or
 * on CLOCK_REALTIME with FUTEX_CLOCK_REALTIME (a deadline in the past times out at once),
 * while FUTEX_WAIT's timeout is relative. */
#include "conf.h"

#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <time.h>

static long futex(void *uaddr, int op, int val, const struct timespec *ts, unsigned bitset)
{
	return RAW(SYS_futex, uaddr, op, val, ts, NULL, bitset);
}

static long ms_since(const struct timespec *a)
{
	struct timespec b;
	clock_gettime(CLOCK_MONOTONIC, &b);
	return (b.tv_sec - a->tv_sec) * 1000 + (b.tv_nsec - a->tv_nsec) / 1000000;
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

#define NW 3

static int word;
static int announced;
static long results[NW];
static unsigned bitsets[NW];
static int use_plain_wait;

static void *waiter(void *arg)
{
	long i = (long)arg;
	/* Five seconds from now, as an absolute CLOCK_MONOTONIC deadline. */
	struct timespec deadline = after_ms(CLOCK_MONOTONIC, 5000), rel = { 5, 0 };
	__atomic_fetch_add(&announced, 1, __ATOMIC_SEQ_CST);
	if (use_plain_wait)
		results[i] = futex(&word, FUTEX_WAIT_PRIVATE, 0, &rel, 0);
	else
		results[i] = futex(&word, FUTEX_WAIT_BITSET_PRIVATE, 0, &deadline, bitsets[i]);
	return NULL;
}

static void start(pthread_t *th, int n)
{
	announced = 0;
	for (long i = 0; i < n; i++) {
		results[i] = 99;
		pthread_create(&th[i], NULL, waiter, (void *)i);
	}
	while (__atomic_load_n(&announced, __ATOMIC_SEQ_CST) < n)
		usleep(100);
}

/* Wake with `op` and `bitset` until `want` waiters have been woken or tries run out. */
static long wake_until(int op, unsigned bitset, long want)
{
	long total = 0;
	for (int tries = 0; total < want && tries < 5000; tries++) {
		long r = futex(&word, op, INT_MAX, NULL, bitset);
		if (r < 0)
			return r;
		total += r;
		if (r == 0)
			usleep(100);
	}
	return total;
}

static void join(const char *what, pthread_t *th, int n)
{
	printf("%s:", what);
	for (int i = 0; i < n; i++) {
		pthread_join(th[i], NULL);
		printf(" %s", results[i] == 0 ? "0" : is_err(results[i]) ? ename((int)-results[i]) : "?");
	}
	printf("\n");
}

int main(void)
{
	alarm(20);
	pthread_t th[NW];
	struct timespec t0, zero = { 0, 0 };

	show("WAIT_BITSET(bitset 0)", futex(&word, FUTEX_WAIT_BITSET_PRIVATE, 0, NULL, 0));
	show("WAKE_BITSET(bitset 0)", futex(&word, FUTEX_WAKE_BITSET_PRIVATE, 1, NULL, 0));
	show("WAIT_BITSET(value differs)", futex(&word, FUTEX_WAIT_BITSET_PRIVATE, 1, NULL, 1));
	show("WAKE_BITSET(no waiters)", futex(&word, FUTEX_WAKE_BITSET_PRIVATE, 1, NULL, FUTEX_BITSET_MATCH_ANY));
	show("WAKE_BITSET|FUTEX_CLOCK_REALTIME",
	     futex(&word, FUTEX_WAKE_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 1, NULL, 1));

	/* Absolute deadlines. */
	show("WAIT_BITSET(monotonic deadline 0)", futex(&word, FUTEX_WAIT_BITSET_PRIVATE, 0, &zero, 1));
	show("WAIT_BITSET|CLOCK_REALTIME(deadline 0)",
	     futex(&word, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 0, &zero, 1));
	struct timespec past = after_ms(CLOCK_REALTIME, -2000);
	show("WAIT_BITSET|CLOCK_REALTIME(2 s ago)",
	     futex(&word, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 0, &past, 1));
	past = after_ms(CLOCK_MONOTONIC, 0);
	show("WAIT_BITSET(monotonic, just now)", futex(&word, FUTEX_WAIT_BITSET_PRIVATE, 0, &past, 1));
	struct timespec soon = after_ms(CLOCK_MONOTONIC, 30);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	show("WAIT_BITSET(monotonic, now + 30 ms)", futex(&word, FUTEX_WAIT_BITSET_PRIVATE, 0, &soon, 1));
	fact("waited at least 25 ms", ms_since(&t0) >= 25);
	soon = after_ms(CLOCK_REALTIME, 30);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	show("WAIT_BITSET|CLOCK_REALTIME(now + 30 ms)",
	     futex(&word, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 0, &soon, 1));
	fact("waited at least 25 ms", ms_since(&t0) >= 25);
	struct timespec shared_soon = after_ms(CLOCK_MONOTONIC, 10);
	show("WAIT_BITSET shared(monotonic, now + 10 ms)", futex(&word, FUTEX_WAIT_BITSET, 0, &shared_soon, 1));
	struct timespec bad = { 0, 1000000000L };
	show("WAIT_BITSET(tv_nsec 1e9)", futex(&word, FUTEX_WAIT_BITSET_PRIVATE, 0, &bad, 1));
	show("WAIT_BITSET(timeout BADPTR)", futex(&word, FUTEX_WAIT_BITSET_PRIVATE, 0, BADPTR, 1));

	/* Waiters with bitsets 1, 2 and 4. */
	bitsets[0] = 1;
	bitsets[1] = 2;
	bitsets[2] = 4;
	start(th, 3);
	show("WAKE_BITSET(8), no shared bit", futex(&word, FUTEX_WAKE_BITSET_PRIVATE, INT_MAX, NULL, 8));
	show("WAKE_BITSET(1|4), woken", wake_until(FUTEX_WAKE_BITSET_PRIVATE, 1 | 4, 2));
	usleep(2000);
	show("WAKE_BITSET(1|4) again", futex(&word, FUTEX_WAKE_BITSET_PRIVATE, INT_MAX, NULL, 1 | 4));
	show("WAKE_BITSET(2|8), woken", wake_until(FUTEX_WAKE_BITSET_PRIVATE, 2 | 8, 1));
	join("bitset waits returned", th, 3);

	/* A plain FUTEX_WAKE matches any bitset. */
	bitsets[0] = 0x40;
	bitsets[1] = 0x80000000u;
	start(th, 2);
	show("FUTEX_WAKE reaches bitset waiters, woken", wake_until(FUTEX_WAKE_PRIVATE, 0, 2));
	join("bitset waits returned", th, 2);

	/* A plain FUTEX_WAIT is woken by any non-zero bitset. */
	use_plain_wait = 1;
	start(th, 1);
	show("WAKE_BITSET(0x100) reaches a plain waiter, woken", wake_until(FUTEX_WAKE_BITSET_PRIVATE, 0x100, 1));
	join("plain wait returned", th, 1);
	return 0;
}
