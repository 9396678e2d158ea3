/* futex(2) FUTEX_CMP_REQUEUE, FUTEX_REQUEUE and FUTEX_WAKE_OP. Requeue moves sleeping
 * waiters from one futex to another without waking them (the result counts woken plus
 * moved), CMP_REQUEUE first compares the first word with val3 (EAGAIN), negative counts
 * are EINVAL, a moved waiter keeps its timeout. WAKE_OP applies its operation to the
 * second word, wakes on the first, and wakes on the second only if the old value passes
 * the comparison; bad operations are ENOSYS (a bad comparison only after the operation
 * has been applied). */
#include "conf.h"

#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <time.h>

static long futex(void *uaddr, int op, int val, long val2, void *uaddr2, int val3)
{
	return RAW(SYS_futex, uaddr, op, val, val2, uaddr2, val3);
}

#define MAXW 3

static int f1, f2, f3;
static int announced;
static long results[MAXW];
static struct timespec wait_limit;
static int *wait_on;

static void *waiter(void *arg)
{
	long i = (long)arg;
	int *w = wait_on;
	__atomic_fetch_add(&announced, 1, __ATOMIC_SEQ_CST);
	results[i] = futex(w, FUTEX_WAIT_PRIVATE, 0, (long)&wait_limit, NULL, 0);
	return NULL;
}

static void start_waiters(pthread_t *th, int n, int *w, long limit_ms)
{
	wait_on = w;
	wait_limit.tv_sec = limit_ms / 1000;
	wait_limit.tv_nsec = (limit_ms % 1000) * 1000000;
	announced = 0;
	for (long i = 0; i < n; i++) {
		results[i] = 99;
		pthread_create(&th[i], NULL, waiter, (void *)i);
	}
	while (__atomic_load_n(&announced, __ATOMIC_SEQ_CST) < n)
		usleep(100);
}

static void join_waiters(const char *what, pthread_t *th, int n)
{
	printf("%s:", what);
	for (int i = 0; i < n; i++) {
		pthread_join(th[i], NULL);
		printf(" %s", results[i] == 0 ? "0" : is_err(results[i]) ? ename((int)-results[i]) : "?");
	}
	printf("\n");
}

/* Repeat a requeue of everything from f1 until n waiters have been moved (a waiter may
 * not be asleep yet on the first tries). */
static long requeue_all(int op, int *from, int *to, int n)
{
	long total = 0;
	for (int tries = 0; total < n && tries < 5000; tries++) {
		long r = futex(from, op, 0, INT_MAX, to, 0);
		if (r < 0)
			return r;
		total += r;
		if (r == 0)
			usleep(100);
	}
	return total;
}

static void wake_op_alone(const char *what, int op)
{
	f2 = 5;
	long r = futex(&f1, FUTEX_WAKE_OP_PRIVATE, 1, 1, &f2, op);
	if (is_err(r))
		printf("%s = -1 %s, second word %d\n", what, ename((int)-r), f2);
	else
		printf("%s = %ld, second word %d\n", what, r, f2);
}

int main(void)
{
	alarm(20);
	pthread_t th[MAXW];

	show("CMP_REQUEUE(val3 differs)", futex(&f1, FUTEX_CMP_REQUEUE_PRIVATE, 1, 1, &f2, 1));
	show("CMP_REQUEUE(nr_wake -1)", futex(&f1, FUTEX_CMP_REQUEUE_PRIVATE, -1, 1, &f2, 0));
	show("CMP_REQUEUE(nr_requeue -1)", futex(&f1, FUTEX_CMP_REQUEUE_PRIVATE, 1, -1, &f2, 0));
	show("REQUEUE(nr_requeue -1)", futex(&f1, FUTEX_REQUEUE_PRIVATE, 1, -1, &f2, 0));
	show("CMP_REQUEUE(no waiters)", futex(&f1, FUTEX_CMP_REQUEUE_PRIVATE, 1, 1, &f2, 0));
	show("CMP_REQUEUE(to itself)", futex(&f1, FUTEX_CMP_REQUEUE_PRIVATE, 1, 1, &f1, 0));
	show("CMP_REQUEUE(unaligned target)", futex(&f1, FUTEX_CMP_REQUEUE_PRIVATE, 1, 1, (char *)&f2 + 1, 0));
	int *gone = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(gone, 4096);
	show("CMP_REQUEUE(unmapped source)", futex(gone, FUTEX_CMP_REQUEUE_PRIVATE, 1, 1, &f2, 0));
	show("CMP_REQUEUE(unmapped target)", futex(&f1, FUTEX_CMP_REQUEUE_PRIVATE, 1, 1, gone, 0));
	show("REQUEUE(unmapped source)", futex(gone, FUTEX_REQUEUE_PRIVATE, 1, 1, &f2, 0));
	show("CMP_REQUEUE shared(unmapped target)", futex(&f1, FUTEX_CMP_REQUEUE, 1, 1, gone, 0));

	/* Three waiters on f1 are moved to f2, none is woken. */
	start_waiters(th, 3, &f1, 5000);
	show("CMP_REQUEUE(0 woken, all moved) f1 -> f2, total", requeue_all(FUTEX_CMP_REQUEUE_PRIVATE, &f1, &f2, 3));
	show("CMP_REQUEUE(val3 differs) f2 -> f3 with waiters", futex(&f2, FUTEX_CMP_REQUEUE_PRIVATE, 1, 1, &f3, 7));
	show("FUTEX_WAKE(f1) after the move", futex(&f1, FUTEX_WAKE_PRIVATE, INT_MAX, 0, NULL, 0));
	show("CMP_REQUEUE(wake 1, move 1) f2 -> f3", futex(&f2, FUTEX_CMP_REQUEUE_PRIVATE, 1, 1, &f3, 0));
	show("FUTEX_WAKE(f2, all)", futex(&f2, FUTEX_WAKE_PRIVATE, INT_MAX, 0, NULL, 0));
	show("FUTEX_WAKE(f3, all)", futex(&f3, FUTEX_WAKE_PRIVATE, INT_MAX, 0, NULL, 0));
	join_waiters("waits returned", th, 3);

	/* Plain REQUEUE, and a requeue count of 0. */
	start_waiters(th, 2, &f1, 5000);
	show("REQUEUE f1 -> f3, total", requeue_all(FUTEX_REQUEUE_PRIVATE, &f1, &f3, 2));
	show("REQUEUE(wake 0, move 0) f3 -> f2", futex(&f3, FUTEX_REQUEUE_PRIVATE, 0, 0, &f2, 0));
	show("FUTEX_WAKE(f2, all)", futex(&f2, FUTEX_WAKE_PRIVATE, INT_MAX, 0, NULL, 0));
	show("FUTEX_WAKE(f3, 1)", futex(&f3, FUTEX_WAKE_PRIVATE, 1, 0, NULL, 0));
	show("FUTEX_WAKE(f3, 1)", futex(&f3, FUTEX_WAKE_PRIVATE, 1, 0, NULL, 0));
	join_waiters("waits returned", th, 2);

	/* A moved waiter's timeout still runs. */
	start_waiters(th, 1, &f1, 200);
	show("CMP_REQUEUE f1 -> f2 (waiter with 200 ms timeout)", requeue_all(FUTEX_CMP_REQUEUE_PRIVATE, &f1, &f2, 1));
	join_waiters("moved waiter", th, 1);
	show("FUTEX_WAKE(f2) after its timeout", futex(&f2, FUTEX_WAKE_PRIVATE, INT_MAX, 0, NULL, 0));

	/* WAKE_OP with nobody waiting: the operation on the second word. */
	wake_op_alone("WAKE_OP(SET 3)", FUTEX_OP(FUTEX_OP_SET, 3, FUTEX_OP_CMP_EQ, 0));
	wake_op_alone("WAKE_OP(ADD 3)", FUTEX_OP(FUTEX_OP_ADD, 3, FUTEX_OP_CMP_EQ, 0));
	wake_op_alone("WAKE_OP(OR 3)", FUTEX_OP(FUTEX_OP_OR, 3, FUTEX_OP_CMP_EQ, 0));
	wake_op_alone("WAKE_OP(ANDN 1)", FUTEX_OP(FUTEX_OP_ANDN, 1, FUTEX_OP_CMP_EQ, 0));
	wake_op_alone("WAKE_OP(XOR 6)", FUTEX_OP(FUTEX_OP_XOR, 6, FUTEX_OP_CMP_EQ, 0));
	wake_op_alone("WAKE_OP(ADD 1<<4)", FUTEX_OP((FUTEX_OP_ADD | FUTEX_OP_OPARG_SHIFT), 4, FUTEX_OP_CMP_EQ, 0));
	wake_op_alone("WAKE_OP(ADD 0xfff, i.e. -1)", FUTEX_OP(FUTEX_OP_ADD, 0xfff, FUTEX_OP_CMP_EQ, 0));
	wake_op_alone("WAKE_OP(op 5)", FUTEX_OP(5, 1, FUTEX_OP_CMP_EQ, 0));
	wake_op_alone("WAKE_OP(ADD 1, cmp 6)", FUTEX_OP(FUTEX_OP_ADD, 1, 6, 0));
	f2 = 5;
	show("WAKE_OP(unaligned second word)",
	     futex(&f1, FUTEX_WAKE_OP_PRIVATE, 1, 1, (char *)&f2 + 1, FUTEX_OP(FUTEX_OP_ADD, 1, 0, 0)));
	gone = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(gone, 4096);
	show("WAKE_OP(unmapped second word)", futex(&f1, FUTEX_WAKE_OP_PRIVATE, 1, 1, gone, FUTEX_OP(FUTEX_OP_ADD, 1, 0, 0)));
	int *ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mprotect(ro, 4096, PROT_READ);
	show("WAKE_OP(read-only second word)", futex(&f1, FUTEX_WAKE_OP_PRIVATE, 1, 1, ro, FUTEX_OP(FUTEX_OP_ADD, 1, 0, 0)));
	munmap(ro, 4096);

	/* One waiter on f1, one on f2. A failing comparison wakes only the f1 waiter; a
	 * passing one then wakes the f2 waiter. (ADD 0 keeps the second word for a waiter that
	 * is not asleep yet.) */
	f1 = f2 = 0;
	pthread_t a, b;
	start_waiters(&a, 1, &f1, 5000);
	wait_on = &f2;
	announced = 0;
	results[1] = 99;
	pthread_create(&b, NULL, waiter, (void *)1L);
	while (__atomic_load_n(&announced, __ATOMIC_SEQ_CST) < 1)
		usleep(100);
	long total = 0;
	int cmp_ne_0 = FUTEX_OP(FUTEX_OP_ADD, 0, FUTEX_OP_CMP_NE, 0);
	for (int tries = 0; total < 1 && tries < 5000; tries++) {
		long r = futex(&f1, FUTEX_WAKE_OP_PRIVATE, 1, 1, &f2, cmp_ne_0);
		if (r < 0)
			break;
		total += r;
		if (r == 0)
			usleep(100);
	}
	printf("WAKE_OP(cmp fails): woken in all %ld, second word %d\n", total, f2);
	long total2 = 0;
	int cmp_eq_0 = FUTEX_OP(FUTEX_OP_ADD, 0, FUTEX_OP_CMP_EQ, 0);
	for (int tries = 0; total2 < 1 && tries < 5000; tries++) {
		long r = futex(&f1, FUTEX_WAKE_OP_PRIVATE, 1, 1, &f2, cmp_eq_0);
		if (r < 0)
			break;
		total2 += r;
		if (r == 0)
			usleep(100);
	}
	printf("WAKE_OP(cmp passes): woken in all %ld, second word %d\n", total2, f2);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	printf("waits returned: %ld %ld\n", results[0], results[1]);
	return 0;
}
