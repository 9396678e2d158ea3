/* Which futex a FUTEX_WAKE reaches. A private futex is keyed by address space and
 * address, a shared one by the memory behind it: a shared wake does not reach a
 * FUTEX_WAIT_PRIVATE waiter on the same word, nor a private wake a shared waiter; two
 * MAP_SHARED views of one memfd page at different addresses are one shared futex; a
 * shared futex in MAP_SHARED memory works across fork(), a private one does not. */
#include "conf.h"

#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sys/wait.h>

static long futex(void *uaddr, int op, int val, const struct timespec *ts)
{
	return RAW(SYS_futex, uaddr, op, val, ts, NULL, 0);
}

static int *wait_word;
static int wait_op;
static int announced;
static long result;

static void *waiter(void *arg)
{
	struct timespec limit = { 5, 0 };
	__atomic_store_n(&announced, 1, __ATOMIC_SEQ_CST);
	result = futex(wait_word, wait_op, 0, &limit);
	return NULL;
}

/* Wake with `op` on `addr` until one waiter is woken or tries run out. */
static long wake_one(int *addr, int op)
{
	for (int tries = 0; tries < 5000; tries++) {
		long r = futex(addr, op, INT_MAX, NULL);
		if (r != 0)
			return r;
		usleep(100);
	}
	return 0;
}

/* A waiter sleeps on `w` with `op`; a wake of the other kind finds nobody; then a wake of
 * the right kind on `right` wakes it. */
static void mismatch(const char *what, int *w, int op, int *wrong_addr, int wrong_op, int *right, int right_op)
{
	pthread_t t;
	wait_word = w;
	wait_op = op;
	announced = 0;
	result = 99;
	pthread_create(&t, NULL, waiter, NULL);
	while (!__atomic_load_n(&announced, __ATOMIC_SEQ_CST))
		usleep(100);
	usleep(20 * 1000);
	long wrong = futex(wrong_addr, wrong_op, INT_MAX, NULL);
	long right_r = wake_one(right, right_op);
	pthread_join(t, NULL);
	printf("%s: wrong kind woke %ld, right kind woke %ld, wait returned %ld\n", what, wrong, right_r, result);
}

int main(void)
{
	alarm(20);
	static int word;
	mismatch("private waiter", &word, FUTEX_WAIT_PRIVATE, &word, FUTEX_WAKE, &word, FUTEX_WAKE_PRIVATE);
	mismatch("shared waiter", &word, FUTEX_WAIT, &word, FUTEX_WAKE_PRIVATE, &word, FUTEX_WAKE);

	/* Across fork, in MAP_SHARED anonymous memory. */
	int *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	shared[0] = 0;
	shared[1] = 0;
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		struct timespec limit = { 3, 0 };
		__atomic_store_n(&shared[1], 1, __ATOMIC_SEQ_CST);
		long r = futex(&shared[0], FUTEX_WAIT, 0, &limit);
		_exit(r == 0 ? 0 : r == -ETIMEDOUT ? 1 : 2);
	}
	while (!__atomic_load_n(&shared[1], __ATOMIC_SEQ_CST))
		usleep(100);
	long woke = wake_one(&shared[0], FUTEX_WAKE);
	int st = 0;
	waitpid(c, &st, 0);
	printf("shared futex across fork: parent's wake woke %ld, child's wait exit code %d\n", woke, WEXITSTATUS(st));

	shared[1] = 0;
	fflush(stdout);
	c = fork();
	if (c == 0) {
		struct timespec limit = { 0, 200 * 1000 * 1000 };
		__atomic_store_n(&shared[1], 1, __ATOMIC_SEQ_CST);
		long r = futex(&shared[0], FUTEX_WAIT_PRIVATE, 0, &limit);
		_exit(r == 0 ? 0 : r == -ETIMEDOUT ? 1 : 2);
	}
	while (!__atomic_load_n(&shared[1], __ATOMIC_SEQ_CST))
		usleep(100);
	usleep(20 * 1000);
	long pw = futex(&shared[0], FUTEX_WAKE_PRIVATE, INT_MAX, NULL);
	waitpid(c, &st, 0);
	printf("private futex across fork: parent's private wake woke %ld, child's wait exit code %d (1: timed out)\n", pw,
	       WEXITSTATUS(st));

	/* Two views of one memfd page. */
	int fd = memfd_create("futex-keys", 0);
	show_ok("memfd_create", kret(fd));
	if (fd < 0)
		return 0;
	show("ftruncate(4096)", kret(ftruncate(fd, 4096)));
	int *view1 = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	int *view2 = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	fact("two different addresses", view1 != view2);
	view1[16] = 0;
	fact("one memory", (view1[16] = 42, view2[16] == 42));
	view1[16] = 0;
	mismatch("shared waiter on view 1, waking view 2", &view1[16], FUTEX_WAIT, &view2[16], FUTEX_WAKE_PRIVATE,
		 &view2[16], FUTEX_WAKE);
	mismatch("shared waiter on view 1, other word of view 2", &view1[16], FUTEX_WAIT, &view2[17], FUTEX_WAKE,
		 &view1[16], FUTEX_WAKE);
	mismatch("private waiter on view 1, waking view 2", &view1[16], FUTEX_WAIT_PRIVATE, &view2[16], FUTEX_WAKE_PRIVATE,
		 &view1[16], FUTEX_WAKE_PRIVATE);
	munmap(view1, 4096);
	munmap(view2, 4096);
	close(fd);
	return 0;
}
