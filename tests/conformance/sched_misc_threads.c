/* Per-thread scheduling odds and ends: sched_yield(2) returns 0 in every thread; getcpu(2)
 * names an allowed CPU, and the pinned CPU after a thread's sched_setaffinity(0, ...),
 * which changes only that thread; nice values (setpriority(PRIO_PROCESS, 0)) are per
 * thread on Linux; membarrier(2) QUERY succeeds and rejects bad commands and flags; thread
 * names with prctl(PR_SET_NAME/PR_GET_NAME) and pthread_setname_np on the calling thread
 * are per thread, inherited at creation and cut to 15 bytes; the thread CPU-time clock. */
#include "conf.h"

#include <linux/membarrier.h>
#include <pthread.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>

static int yield_errors;

static void *yielder(void *arg)
{
	for (int i = 0; i < 100; i++)
		if (syscall(SYS_sched_yield) != 0)
			__atomic_fetch_add(&yield_errors, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static cpu_set_t allowed;

struct pin {
	int cpu;
	long tid;
	int set_ret, getcpu_ok, cpu_in_mask, after_pin_cpu;
	int ready, done;
};

static void wait_for(volatile int *flag)
{
	for (int i = 0; i < 20000 && !__atomic_load_n(flag, __ATOMIC_SEQ_CST); i++)
		usleep(100);
}

static void *pinner(void *arg)
{
	struct pin *p = arg;
	p->tid = syscall(SYS_gettid);
	unsigned cpu = 9999, node = 0;
	p->getcpu_ok = syscall(SYS_getcpu, &cpu, &node, NULL) == 0;
	p->cpu_in_mask = cpu < CPU_SETSIZE && CPU_ISSET(cpu, &allowed);
	cpu_set_t one;
	CPU_ZERO(&one);
	CPU_SET(p->cpu, &one);
	p->set_ret = (int)kret(sched_setaffinity(0, sizeof(one), &one));
	cpu = 9999;
	syscall(SYS_getcpu, &cpu, &node, NULL);
	p->after_pin_cpu = (int)cpu;
	__atomic_store_n(&p->ready, 1, __ATOMIC_SEQ_CST);
	wait_for(&p->done);
	return NULL;
}

struct nice_job {
	int target, set_ret, ready, done;
	long tid;
};

static void *nicer(void *arg)
{
	struct nice_job *n = arg;
	n->tid = syscall(SYS_gettid);
	n->set_ret = (int)kret(setpriority(PRIO_PROCESS, 0, n->target));
	__atomic_store_n(&n->ready, 1, __ATOMIC_SEQ_CST);
	wait_for(&n->done);
	return NULL;
}

struct names {
	char initial[16], after[16];
	int setname_ret, long_ret;
	char after_long[16];
};

static void *namer(void *arg)
{
	struct names *n = arg;
	prctl(PR_GET_NAME, n->initial);
	n->setname_ret = pthread_setname_np(pthread_self(), "worker-1");
	prctl(PR_GET_NAME, n->after);
	n->long_ret = pthread_setname_np(pthread_self(), "a-name-longer-than-15");
	prctl(PR_GET_NAME, n->after_long);
	return NULL;
}

struct park {
	int ready, done;
	long tid;
};

static void *parked(void *arg)
{
	struct park *pk = arg;
	pk->tid = syscall(SYS_gettid);
	__atomic_store_n(&pk->ready, 1, __ATOMIC_SEQ_CST);
	wait_for(&pk->done);
	return NULL;
}

static void *spin_cpu(void *arg)
{
	struct timespec t;
	for (;;) {
		if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t) != 0)
			return (void *)-1L;
		if (t.tv_sec > 0 || t.tv_nsec >= 2 * 1000 * 1000)
			return (void *)1L;
	}
}

int main(void)
{
	alarm(20);

	pthread_t th[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, yielder, NULL);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	printf("sched_yield in 4 threads x 100: %d errors\n", yield_errors);

	/* Pin a thread to the highest allowed CPU. */
	sched_getaffinity(0, sizeof(allowed), &allowed);
	struct pin p;
	memset(&p, 0, sizeof(p));
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &allowed))
			p.cpu = c;
	pthread_t t;
	pthread_create(&t, NULL, pinner, &p);
	wait_for(&p.ready);
	fact("getcpu in a thread succeeded", p.getcpu_ok);
	fact("getcpu named an allowed CPU", p.cpu_in_mask);
	show("sched_setaffinity(0, one CPU) in a thread", p.set_ret);
	fact("getcpu then names the pinned CPU", p.after_pin_cpu == p.cpu);
	cpu_set_t got;
	CPU_ZERO(&got);
	sched_getaffinity((pid_t)p.tid, sizeof(got), &got);
	fact("sched_getaffinity(thread's tid) shows the one CPU", CPU_COUNT(&got) == 1 && CPU_ISSET(p.cpu, &got));
	CPU_ZERO(&got);
	sched_getaffinity(0, sizeof(got), &got);
	fact("main's own mask unchanged", CPU_EQUAL(&got, &allowed));
	__atomic_store_n(&p.done, 1, __ATOMIC_SEQ_CST);
	pthread_join(t, NULL);

	/* The thread CPU-time clock counts only the calling thread. */
	void *ret;
	pthread_create(&t, NULL, spin_cpu, NULL);
	pthread_join(t, &ret);
	fact("CLOCK_THREAD_CPUTIME_ID advanced in a spinning thread", ret == (void *)1L);
	clockid_t cid;
	struct park pk;
	memset(&pk, 0, sizeof(pk));
	pthread_create(&t, NULL, parked, &pk);
	wait_for(&pk.ready);
	int r = pthread_getcpuclockid(t, &cid);
	struct timespec ts;
	fact("a live thread's CPU clock is readable from another", r == 0 && clock_gettime(cid, &ts) == 0);
	show("sched_getscheduler(thread's tid)", kret(sched_getscheduler((pid_t)pk.tid)));
	__atomic_store_n(&pk.done, 1, __ATOMIC_SEQ_CST);
	pthread_join(t, NULL);
	struct rusage ru;
	show("getrusage(RUSAGE_THREAD)", kret(getrusage(RUSAGE_THREAD, &ru)));

	/* Names. */
	show("prctl(PR_SET_NAME, \"conf-main\")", kret(prctl(PR_SET_NAME, "conf-main")));
	struct names nm;
	memset(&nm, 0, sizeof(nm));
	pthread_create(&t, NULL, namer, &nm);
	pthread_join(t, NULL);
	printf("new thread's name at start: %s\n", nm.initial);
	printf("pthread_setname_np(self, \"worker-1\") = %d, then PR_GET_NAME: %s\n", nm.setname_ret, nm.after);
	printf("pthread_setname_np(self, 21 bytes) = %s, name still %s\n", nm.long_ret == ERANGE ? "ERANGE" : "?",
	       nm.after_long);
	char name[32];
	memset(name, 'x', sizeof(name));
	prctl(PR_GET_NAME, name);
	printf("main's name: %s\n", name);
	prctl(PR_SET_NAME, "abcdefghijklmnopqrstuvwxyz");
	memset(name, 'x', sizeof(name));
	prctl(PR_GET_NAME, name);
	printf("after a 26-byte PR_SET_NAME: %s (%zu bytes, NUL at 15: %s)\n", name, strlen(name),
	       name[15] == 0 ? "yes" : "no");
	show("prctl(PR_SET_NAME, \"\")", kret(prctl(PR_SET_NAME, "")));
	memset(name, 'x', sizeof(name));
	prctl(PR_GET_NAME, name);
	printf("empty name: \"%s\"\n", name);
	show("prctl(PR_SET_NAME, BADPTR)", kret(prctl(PR_SET_NAME, BADPTR)));
	show("prctl(PR_GET_NAME, BADPTR)", kret(prctl(PR_GET_NAME, BADPTR)));

	/* Nice values belong to threads. */
	errno = 0;
	int main_nice = getpriority(PRIO_PROCESS, 0);
	struct nice_job n;
	memset(&n, 0, sizeof(n));
	n.target = main_nice < 19 ? main_nice + 1 : 19;
	pthread_create(&t, NULL, nicer, &n);
	wait_for(&n.ready);
	show("setpriority(PRIO_PROCESS, 0, nice+1) in a thread", n.set_ret);
	fact("getpriority(thread's tid) is the new value", getpriority(PRIO_PROCESS, (id_t)n.tid) == n.target);
	fact("main's nice unchanged", getpriority(PRIO_PROCESS, 0) == main_nice);
	__atomic_store_n(&n.done, 1, __ATOMIC_SEQ_CST);
	pthread_join(t, NULL);

	long q = RAW(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
	fact("membarrier(QUERY) >= 0", q >= 0);
	show("membarrier(QUERY, flags 1)", RAW(SYS_membarrier, MEMBARRIER_CMD_QUERY, 1, 0));
	show("membarrier(cmd 12345)", RAW(SYS_membarrier, 12345, 0, 0));
	return 0;
}
