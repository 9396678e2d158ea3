/* pthread_create(3)/pthread_join(3) over clone(2) with CLONE_THREAD: eight threads sum
 * ranges and hand the sums back through pthread_join; a thread has its own tid
 * (gettid() != getpid()) but the process's pid and parent; threads share memory and the
 * descriptor table but not thread-local storage; small stacks, detached threads, many
 * short-lived threads; pthread_join(self) is EDEADLK. */
#include "conf.h"

#include <limits.h>
#include <pthread.h>
#include <sched.h>

#define NTHREADS 8
#define RANGE 100000

struct slot {
	int index;
	long tid, pid, ppid;
	pthread_t self;
	int tls_seen_before, tls_after;
	int *tls_addr;
};

static struct slot slots[NTHREADS];
static __thread int tls_var = 17;
static int shared_hits;
static int pipe_fds[2];
static volatile int detached_done;

static void *sum_range(void *arg)
{
	struct slot *s = arg;
	long sum = 0;
	for (long v = (long)s->index * RANGE + 1; v <= (long)(s->index + 1) * RANGE; v++)
		sum += v;
	s->tid = syscall(SYS_gettid);
	s->pid = getpid();
	s->ppid = getppid();
	s->self = pthread_self();
	s->tls_seen_before = tls_var;
	tls_var = 100 + s->index;
	s->tls_addr = &tls_var;
	sched_yield();
	s->tls_after = tls_var;
	__atomic_fetch_add(&shared_hits, 1, __ATOMIC_SEQ_CST);
	return (void *)sum;
}

static void *make_pipe(void *arg)
{
	return (void *)kret(pipe(pipe_fds));
}

static void *ret_arg(void *arg)
{
	return arg;
}

static void *detached(void *arg)
{
	__atomic_store_n(&detached_done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void *use_stack(void *arg)
{
	volatile char buf[16 * 1024];
	long sum = 0;
	for (unsigned i = 0; i < sizeof(buf); i += 512)
		buf[i] = 1;
	for (unsigned i = 0; i < sizeof(buf); i += 512)
		sum += buf[i];
	return (void *)sum;
}

int main(void)
{
	alarm(20);
	pthread_t th[NTHREADS];
	long main_tid = syscall(SYS_gettid);
	fact("main thread: gettid() == getpid()", main_tid == getpid());

	for (int i = 0; i < NTHREADS; i++) {
		slots[i].index = i;
		int r = pthread_create(&th[i], NULL, sum_range, &slots[i]);
		if (r != 0)
			printf("pthread_create %d = %s\n", i, ename(r));
	}
	long total = 0;
	for (int i = 0; i < NTHREADS; i++) {
		void *ret = NULL;
		int r = pthread_join(th[i], &ret);
		printf("join %d = %d, sum %ld\n", i, r, (long)ret);
		total += (long)ret;
	}
	long n = (long)NTHREADS * RANGE;
	printf("total %ld, expected %ld\n", total, n * (n + 1) / 2);
	printf("shared counter = %d\n", shared_hits);

	int tids_differ = 1, pids_same = 1, ppids_same = 1, distinct = 1, selves = 1, tls_fresh = 1,
	    tls_own = 1, tls_apart = 1;
	for (int i = 0; i < NTHREADS; i++) {
		tids_differ &= slots[i].tid != slots[i].pid && slots[i].tid > 0;
		pids_same &= slots[i].pid == getpid();
		ppids_same &= slots[i].ppid == getppid();
		selves &= pthread_equal(slots[i].self, th[i]) && !pthread_equal(slots[i].self, pthread_self());
		tls_fresh &= slots[i].tls_seen_before == 17;
		tls_own &= slots[i].tls_after == 100 + i;
		tls_apart &= slots[i].tls_addr != &tls_var;
		for (int j = 0; j < i; j++) {
			distinct &= slots[i].tid != slots[j].tid;
			tls_apart &= slots[i].tls_addr != slots[j].tls_addr;
		}
		distinct &= slots[i].tid != main_tid;
	}
	fact("threads: gettid() != getpid()", tids_differ);
	fact("threads: getpid() is the process's", pids_same);
	fact("threads: getppid() is the process's", ppids_same);
	fact("thread ids all distinct", distinct);
	fact("pthread_self matches the handle", selves);
	fact("TLS starts from its initial value in each thread", tls_fresh);
	fact("TLS keeps each thread's own value", tls_own);
	fact("TLS lives at a different address per thread", tls_apart);
	printf("main's TLS value = %d\n", tls_var);

	/* The descriptor table is shared: a pipe made by a thread works in main. */
	pthread_t t;
	void *ret;
	pthread_create(&t, NULL, make_pipe, NULL);
	pthread_join(t, &ret);
	show("pipe() in a thread", (long)ret);
	show("write in main to the thread's pipe", kret(write(pipe_fds[1], "xy", 2)));
	char buf[4];
	show("read back", kret(read(pipe_fds[0], buf, sizeof(buf))));
	close(pipe_fds[0]);
	close(pipe_fds[1]);

	/* Many short-lived threads, created and joined one after another. */
	long churn = 0;
	for (long i = 0; i < 300; i++) {
		if (pthread_create(&t, NULL, ret_arg, (void *)i) != 0)
			break;
		pthread_join(t, &ret);
		churn += (long)ret;
	}
	printf("300 create/join pairs, sum of results %ld\n", churn);

	/* A thread on a small explicit stack. */
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	show("pthread_create(64 KiB stack)", pthread_create(&t, &attr, use_stack, NULL));
	pthread_join(t, &ret);
	printf("small-stack thread touched %ld stack lines\n", (long)ret);
	pthread_attr_destroy(&attr);

	/* A detached thread runs although nobody joins it. */
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	show("pthread_create(detached)", pthread_create(&t, &attr, detached, NULL));
	pthread_attr_destroy(&attr);
	for (int i = 0; i < 5000 && !__atomic_load_n(&detached_done, __ATOMIC_SEQ_CST); i++)
		usleep(100);
	fact("detached thread ran", detached_done);

	/* pthread_join's own checks. */
	int r = pthread_join(pthread_self(), NULL);
	fact("pthread_join(self) is EDEADLK", r == EDEADLK);
	return 0;
}
