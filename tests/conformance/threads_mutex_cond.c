/* Contended pthread mutexes, condition variables, barriers and rwlocks, which glibc
 * builds on FUTEX_WAIT/FUTEX_WAKE (private futexes): eight threads increment one counter
 * under a mutex; producers and consumers hand items through a bounded buffer with two
 * condition variables; a barrier elects exactly one serial thread per round;
 * pthread_cond_timedwait times out; trylock sees EBUSY held by another thread. */
#include "conf.h"

#include <pthread.h>
#include <time.h>

#define NTHREADS 8
#define INCREMENTS 10000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;
static long atomic_counter;

static void *incrementer(void *arg)
{
	for (int i = 0; i < INCREMENTS; i++) {
		pthread_mutex_lock(&lock);
		counter++;
		pthread_mutex_unlock(&lock);
		__atomic_fetch_add(&atomic_counter, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* A bounded buffer: 2 producers of 1000 items each, 2 consumers. */
#define ITEMS 1000
#define SLOTS 4
static pthread_mutex_t buf_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;
static int buffer[SLOTS], head, count, producers_left = 2;

struct consumed {
	long items, sum;
	int in_order;
};

static void *producer(void *arg)
{
	int base = (int)(long)arg;
	for (int i = 1; i <= ITEMS; i++) {
		pthread_mutex_lock(&buf_lock);
		while (count == SLOTS)
			pthread_cond_wait(&not_full, &buf_lock);
		buffer[(head + count) % SLOTS] = base + i;
		count++;
		pthread_cond_signal(&not_empty);
		pthread_mutex_unlock(&buf_lock);
	}
	pthread_mutex_lock(&buf_lock);
	producers_left--;
	pthread_cond_broadcast(&not_empty);
	pthread_mutex_unlock(&buf_lock);
	return NULL;
}

static void *consumer(void *arg)
{
	struct consumed *c = arg;
	int last[2] = { 0, 0 };
	c->in_order = 1;
	for (;;) {
		pthread_mutex_lock(&buf_lock);
		while (count == 0 && producers_left > 0)
			pthread_cond_wait(&not_empty, &buf_lock);
		if (count == 0) {
			pthread_mutex_unlock(&buf_lock);
			break;
		}
		int v = buffer[head];
		head = (head + 1) % SLOTS;
		count--;
		pthread_cond_signal(&not_full);
		pthread_mutex_unlock(&buf_lock);
		/* Items of one producer reach one consumer in increasing order. */
		int p = v > 100000;
		if (v <= last[p])
			c->in_order = 0;
		last[p] = v;
		c->items++;
		c->sum += v;
	}
	return NULL;
}

static pthread_barrier_t barrier;
static int serial_count[3];

static void *barrier_user(void *arg)
{
	for (int round = 0; round < 3; round++) {
		int r = pthread_barrier_wait(&barrier);
		if (r == PTHREAD_BARRIER_SERIAL_THREAD)
			__atomic_fetch_add(&serial_count[round], 1, __ATOMIC_SEQ_CST);
		else if (r != 0)
			__atomic_fetch_add(&serial_count[round], 100, __ATOMIC_SEQ_CST);
	}
	return NULL;
}

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static long rw_value;

static void *rw_user(void *arg)
{
	long seen_odd = 0;
	for (int i = 0; i < 2000; i++) {
		if (i % 4 == 0) {
			pthread_rwlock_wrlock(&rw);
			rw_value++;
			rw_value++;
			pthread_rwlock_unlock(&rw);
		} else {
			pthread_rwlock_rdlock(&rw);
			seen_odd += rw_value & 1;
			pthread_rwlock_unlock(&rw);
		}
	}
	return (void *)seen_odd;
}

static int trylock_result;
static void *try_other(void *arg)
{
	trylock_result = pthread_mutex_trylock(&lock);
	return NULL;
}

int main(void)
{
	alarm(20);
	pthread_t th[NTHREADS];

	for (int i = 0; i < NTHREADS; i++)
		pthread_create(&th[i], NULL, incrementer, NULL);
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
	printf("mutex counter = %ld (expected %d)\n", counter, NTHREADS * INCREMENTS);
	printf("atomic counter = %ld\n", atomic_counter);

	struct consumed c[2];
	memset(c, 0, sizeof(c));
	pthread_create(&th[0], NULL, consumer, &c[0]);
	pthread_create(&th[1], NULL, consumer, &c[1]);
	pthread_create(&th[2], NULL, producer, (void *)0L);
	pthread_create(&th[3], NULL, producer, (void *)100000L);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	printf("consumed %ld items, sum %ld\n", c[0].items + c[1].items, c[0].sum + c[1].sum);
	fact("each producer's items arrived in order", c[0].in_order && c[1].in_order);
	printf("left in buffer = %d\n", count);

	/* No signal comes: the timed wait times out with the mutex held again. */
	struct timespec deadline;
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_nsec += 20 * 1000 * 1000;
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&buf_lock);
	int r = pthread_cond_timedwait(&not_empty, &buf_lock, &deadline);
	printf("pthread_cond_timedwait = %s\n", r ? ename(r) : "0");
	fact("mutex held after the timeout", pthread_mutex_trylock(&buf_lock) == EBUSY);
	pthread_mutex_unlock(&buf_lock);

	pthread_barrier_init(&barrier, NULL, NTHREADS);
	for (int i = 0; i < NTHREADS; i++)
		pthread_create(&th[i], NULL, barrier_user, NULL);
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
	printf("barrier serial threads per round: %d %d %d\n", serial_count[0], serial_count[1], serial_count[2]);
	pthread_barrier_destroy(&barrier);

	long odd = 0;
	for (int i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, rw_user, NULL);
	for (int i = 0; i < 4; i++) {
		void *ret;
		pthread_join(th[i], &ret);
		odd += (long)ret;
	}
	printf("rwlock value = %ld, readers saw a half-done write %ld times\n", rw_value, odd);

	pthread_mutex_lock(&lock);
	pthread_create(&th[0], NULL, try_other, NULL);
	pthread_join(th[0], NULL);
	pthread_mutex_unlock(&lock);
	printf("trylock of a mutex held by another thread = %s\n", ename(trylock_result));
	pthread_create(&th[0], NULL, try_other, NULL);
	pthread_join(th[0], NULL);
	printf("trylock of a free mutex = %d\n", trylock_result);
	return 0;
}
