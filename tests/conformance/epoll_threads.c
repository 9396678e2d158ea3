/* epoll and eventfd across threads: a blocking epoll_wait woken by another thread's
 * write, a blocking eventfd read woken likewise, and a producer/consumer exchange
 * whose totals must add up. */
#include "conf.h"

#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>

static int efd, efd2, pfd[2];

static void nap(long ms)
{
	struct timespec ts = { 0, ms * 1000000L };
	nanosleep(&ts, NULL);
}

static void *later(void *arg)
{
	(void)arg;
	nap(50);
	uint64_t v = 5;
	write(efd, &v, 8);
	nap(50);
	write(pfd[1], "p", 1);
	nap(50);
	v = 7;
	write(efd2, &v, 8);
	return NULL;
}

#define ROUNDS 2000

static void *producer(void *arg)
{
	int fd = *(int *)arg;
	for (int i = 1; i <= ROUNDS; i++) {
		uint64_t v = (uint64_t)i;
		while (write(fd, &v, 8) != 8)
			;
	}
	return NULL;
}

int main(void)
{
	efd = eventfd(0, 0);
	efd2 = eventfd(0, 0);
	pipe(pfd);
	int ep = epoll_create1(0);
	struct epoll_event e = { .events = EPOLLIN, .data.u64 = 1 };
	epoll_ctl(ep, EPOLL_CTL_ADD, efd, &e);
	e.data.u64 = 2;
	epoll_ctl(ep, EPOLL_CTL_ADD, pfd[0], &e);

	pthread_t th;
	pthread_create(&th, NULL, later, NULL);
	struct epoll_event out[4];
	int n = epoll_wait(ep, out, 4, -1);
	printf("woken by the eventfd: n=%d data=%llu events=%#x\n", n, (unsigned long long)out[0].data.u64,
	       out[0].events);
	uint64_t v;
	ssize_t r = read(efd, &v, 8);
	printf("read = %zd, value %llu\n", r, (unsigned long long)v);
	n = epoll_wait(ep, out, 4, 5000);
	printf("woken by the pipe: n=%d data=%llu\n", n, (unsigned long long)out[0].data.u64);
	char c;
	read(pfd[0], &c, 1);
	/* A blocking eventfd read waits for the third write. */
	r = read(efd2, &v, 8);
	printf("blocking read = %zd, value %llu\n", r, (unsigned long long)v);
	pthread_join(th, NULL);

	/* Producer/consumer through a non-blocking eventfd watched edge-triggered. */
	int fd = eventfd(0, EFD_NONBLOCK);
	int ep2 = epoll_create1(0);
	e.events = EPOLLIN | EPOLLET;
	e.data.u64 = 9;
	epoll_ctl(ep2, EPOLL_CTL_ADD, fd, &e);
	pthread_create(&th, NULL, producer, &fd);
	uint64_t sum = 0, want = (uint64_t)ROUNDS * (ROUNDS + 1) / 2;
	int bad = 0;
	while (sum < want) {
		n = epoll_wait(ep2, out, 4, 10000);
		if (n != 1 || out[0].data.u64 != 9) {
			bad = 1;
			break;
		}
		while (read(fd, &v, 8) == 8)
			sum += v;
	}
	pthread_join(th, NULL);
	fact("producer/consumer totals match", !bad && sum == want);

	close(ep);
	close(ep2);
	return 0;
}
