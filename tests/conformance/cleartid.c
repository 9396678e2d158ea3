/* clone(2) with CLONE_PARENT_SETTID, CLONE_CHILD_SETTID and CLONE_CHILD_CLEARTID, made
 * with the raw system call on our own stacks: the parent's word holds the tid when clone
 * returns; the child's word holds it before the child runs; when the child exits the
 * kernel stores 0 there and does a SHARED FUTEX_WAKE (so a FUTEX_WAIT_PRIVATE waiter is
 * not woken); set_tid_address moves the word; threads are never wait()able, while a
 * CLONE_VM process is; without CLONE_VM the words land in the right address spaces. */
#include "conf.h"

#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "conf_clone.h"


#define THREAD_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM)
#define STACK_SIZE (64 * 1024)

static char stacks[4][STACK_SIZE] __attribute__((aligned(16)));

static int ptid, ctid, other_word;
static volatile int go;

struct seen {
	long tid, pid, ppid, ctid_at_start, set_tid_address_ret;
	int running;
};
static struct seen seen;

static void child_wait_for_go(void)
{
	struct timespec limit = { 0, 10 * 1000 * 1000 };
	for (int i = 0; i < 500 && !go; i++)
		rsys(SYS_futex, (long)&go, FUTEX_WAIT_PRIVATE, 0, (long)&limit);
}

static int thread_fn(void *arg)
{
	seen.ctid_at_start = *(volatile int *)arg;
	seen.tid = rsys(SYS_gettid, 0, 0, 0, 0);
	seen.pid = rsys(SYS_getpid, 0, 0, 0, 0);
	seen.ppid = rsys(SYS_getppid, 0, 0, 0, 0);
	__atomic_store_n(&seen.running, 1, __ATOMIC_SEQ_CST);
	child_wait_for_go();
	return 0;
}

static int moving_fn(void *arg)
{
	seen.set_tid_address_ret = rsys(SYS_set_tid_address, (long)&other_word, 0, 0, 0);
	__atomic_store_n(&seen.running, 1, __ATOMIC_SEQ_CST);
	child_wait_for_go();
	return 0;
}

static int process_fn(void *arg)
{
	return 9;
}

/* Without CLONE_VM: report through the exit status what the child's copies hold. */
static int copy_fn(void *arg)
{
	long tid = rsys(SYS_gettid, 0, 0, 0, 0);
	return (ctid == tid ? 1 : 0) | (ptid == -1 ? 2 : 0);
}

static void wait_running(void)
{
	for (int i = 0; i < 5000 && !__atomic_load_n(&seen.running, __ATOMIC_SEQ_CST); i++)
		usleep(100);
}

static void release_child(void)
{
	go = 1;
	syscall(SYS_futex, &go, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* Wait (shared FUTEX_WAIT, like glibc's pthread_join) until *word is 0. */
static int wait_cleared(int *word)
{
	struct timespec limit = { 1, 0 };
	for (int i = 0; i < 3; i++) {
		int v = __atomic_load_n(word, __ATOMIC_SEQ_CST);
		if (v == 0)
			return 1;
		syscall(SYS_futex, word, FUTEX_WAIT, v, &limit, NULL, 0);
	}
	return __atomic_load_n(word, __ATOMIC_SEQ_CST) == 0;
}

/* Keep asking until the kernel has let go of an exited thread's tid. */
static long tgkill_until_gone(long tid)
{
	long r = 0;
	for (int i = 0; i < 5000; i++) {
		r = RAW(SYS_tgkill, getpid(), tid, 0);
		if (r != 0)
			break;
		usleep(100);
	}
	return r;
}

static int private_announced;
static long private_result;

static void *private_waiter(void *arg)
{
	int tid = (int)(long)arg;
	struct timespec limit = { 0, 300 * 1000 * 1000 };
	__atomic_store_n(&private_announced, 1, __ATOMIC_SEQ_CST);
	private_result = RAW(SYS_futex, &ctid, FUTEX_WAIT_PRIVATE, tid, &limit, NULL, 0);
	return NULL;
}

int main(void)
{
	alarm(20);
	int st;

	/* A thread with all three tid words. */
	ptid = ctid = -1;
	long tid = conf_clone(THREAD_FLAGS | CLONE_PARENT_SETTID | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID,
			      stacks[0] + STACK_SIZE, &ptid, &ctid, 0, thread_fn, &ctid);
	fact("clone(thread) returned a tid", tid > 0);
	fact("tid is not our pid", tid != getpid());
	fact("CLONE_PARENT_SETTID: set when clone returns", ptid == tid);
	wait_running();
	fact("child ran", seen.running);
	fact("CLONE_CHILD_SETTID: set before the child ran", seen.ctid_at_start == tid);
	fact("child's gettid() is the returned tid", seen.tid == tid);
	fact("child's getpid() is ours", seen.pid == getpid());
	fact("child's getppid() is our parent", seen.ppid == getppid());

	/* A private waiter on the word is not woken by the exit's shared wake. */
	pthread_t pw;
	pthread_create(&pw, NULL, private_waiter, (void *)tid);
	while (!__atomic_load_n(&private_announced, __ATOMIC_SEQ_CST))
		usleep(100);
	usleep(20 * 1000);
	release_child();
	fact("CLONE_CHILD_CLEARTID: word cleared at exit (shared FUTEX_WAIT woken)", wait_cleared(&ctid));
	pthread_join(pw, NULL);
	fact("FUTEX_WAIT_PRIVATE on the word was not woken", private_result != 0);
	printf("parent's word still = tid: %s\n", ptid == tid ? "yes" : "no");
	show("waitpid(-1, WNOHANG|__WALL) (threads are not children)", kret(waitpid(-1, &st, WNOHANG | __WALL)));
	show("tgkill(exited thread, 0) eventually", tgkill_until_gone(tid));

	/* set_tid_address moves the word that is cleared. */
	memset(&seen, 0, sizeof(seen));
	go = 0;
	ctid = -1;
	other_word = 77;
	tid = conf_clone(THREAD_FLAGS | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID, stacks[1] + STACK_SIZE, NULL, &ctid,
			 0, moving_fn, NULL);
	wait_running();
	fact("set_tid_address in the child returned its tid", seen.set_tid_address_ret == tid);
	release_child();
	fact("the new word was cleared at exit", wait_cleared(&other_word));
	fact("the old word was left alone", ctid == tid);
	show("tgkill(exited thread, 0) eventually", tgkill_until_gone(tid));

	/* A CLONE_VM process (not a thread): cleared too, and wait()able. */
	ctid = -1;
	tid = conf_clone(CLONE_VM | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD, stacks[2] + STACK_SIZE, NULL,
			 &ctid, 0, process_fn, NULL);
	fact("clone(CLONE_VM process) returned a pid", tid > 0);
	fact("its word was cleared at exit", wait_cleared(&ctid));
	long w = waitpid(tid, &st, 0);
	printf("waitpid: child %s, exited %d, status %d\n", w == tid ? "yes" : "no", WIFEXITED(st), WEXITSTATUS(st));

	/* Without CLONE_VM each side's word is written in its own memory only. */
	ptid = ctid = -1;
	tid = conf_clone(CLONE_PARENT_SETTID | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD,
			 stacks[3] + STACK_SIZE, &ptid, &ctid, 0, copy_fn, NULL);
	w = waitpid(tid, &st, 0);
	printf("fork-like child: waited %s, exited %d\n", w == tid ? "yes" : "no", WIFEXITED(st));
	fact("child's copy of its word held its tid", WEXITSTATUS(st) & 1);
	fact("child's copy of the parent's word was untouched", WEXITSTATUS(st) & 2);
	fact("parent's word holds the child's pid", ptid == tid);
	fact("parent's copy of the child's word untouched", ctid == -1);
	return 0;
}
