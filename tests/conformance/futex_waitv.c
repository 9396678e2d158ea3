/* futex_waitv: waits on several futexes and returns the index of the one woken; a
 * value that differs is EAGAIN, a past deadline ETIMEDOUT, and the argument checks
 * (count 0 or over 128, flags, a waiter without FUTEX_32, reserved bits, an unknown
 * clock) are EINVAL. */
#include "conf.h"

#include <linux/futex.h>
#include <pthread.h>
#include <time.h>

static uint32_t words[3];

static void *waker(void *arg)
{
	(void)arg;
	struct timespec t = { 0, 50 * 1000 * 1000 };
	nanosleep(&t, NULL);
	__atomic_store_n(&words[2], 1, __ATOMIC_SEQ_CST);
	syscall(SYS_futex, &words[2], FUTEX_WAKE_PRIVATE, 1);
	return NULL;
}

int main(void)
{
	alarm(5);
	struct futex_waitv v[3];
	memset(v, 0, sizeof(v));
	for (int i = 0; i < 3; i++) {
		v[i].uaddr = (uintptr_t)&words[i];
		v[i].flags = FUTEX_32 | FUTEX_PRIVATE_FLAG;
	}
	pthread_t t;
	pthread_create(&t, NULL, waker, NULL);
	/* The waker may come before the wait: then the value differs (EAGAIN). */
	long r = RAW(SYS_futex_waitv, v, 3, 0, NULL, 0);
	fact("woken at index 2, or the value had already changed", r == 2 || r == -EAGAIN);
	pthread_join(t, NULL);
	show("futex_waitv(a value differs)", RAW(SYS_futex_waitv, v, 3, 0, NULL, 0));

	struct timespec past;
	clock_gettime(CLOCK_MONOTONIC, &past);
	show("futex_waitv(past deadline)", RAW(SYS_futex_waitv, v, 2, 0, &past, CLOCK_MONOTONIC));
	show("futex_waitv(count 0)", RAW(SYS_futex_waitv, v, 0, 0, NULL, 0));
	show("futex_waitv(count 129)", RAW(SYS_futex_waitv, v, 129, 0, NULL, 0));
	show("futex_waitv(flags 1)", RAW(SYS_futex_waitv, v, 1, 1, NULL, 0));
	show("futex_waitv(unknown clock)", RAW(SYS_futex_waitv, v, 1, 0, &past, 5));
	v[0].flags = FUTEX_PRIVATE_FLAG;
	show("futex_waitv(no FUTEX_32)", RAW(SYS_futex_waitv, v, 1, 0, NULL, 0));
	v[0].flags = FUTEX_32;
	v[0].__reserved = 1;
	show("futex_waitv(reserved bits)", RAW(SYS_futex_waitv, v, 1, 0, NULL, 0));
	show("futex_waitv(NULL)", RAW(SYS_futex_waitv, NULL, 1, 0, NULL, 0));
	return 0;
}
