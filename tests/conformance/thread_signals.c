/* Signals and threads: pthread_kill/tgkill/raise run the handler on the target thread; a
 * process-directed kill() goes to a thread that does not block it; a thread inherits its
 * creator's signal mask and changes only its own; handlers are shared by all threads; a
 * thread-directed pending signal is seen only by its thread, a process-directed one by
 * all; a new thread starts without an alternate signal stack; a handler interrupts a
 * blocking read in its own thread (EINTR, or restarted with SA_RESTART);
 * tgkill/tkill argument errors (ESRCH for a tid outside the thread group, EINVAL). */
#include "conf.h"

#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>

static volatile long handler_tid;
static volatile int handler_runs;

static void record(int sig)
{
	handler_tid = syscall(SYS_gettid);
	__atomic_fetch_add(&handler_runs, 1, __ATOMIC_SEQ_CST);
}

static void on(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sa.sa_flags = flags;
	sigaction(sig, &sa, NULL);
}

static void wait_for(volatile int *flag)
{
	for (int i = 0; i < 20000 && !__atomic_load_n(flag, __ATOMIC_SEQ_CST); i++)
		usleep(100);
}

/* A worker that sleeps in futex waits until told to stop. */
struct worker {
	pthread_t th;
	long tid;
	int ready, stop;
	int unblock; /* signal to unblock in the worker, if any */
	sigset_t mask_at_start;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	pthread_sigmask(SIG_BLOCK, NULL, &w->mask_at_start);
	if (w->unblock) {
		sigset_t s;
		sigemptyset(&s);
		sigaddset(&s, w->unblock);
		pthread_sigmask(SIG_UNBLOCK, &s, NULL);
	}
	w->tid = syscall(SYS_gettid);
	__atomic_store_n(&w->ready, 1, __ATOMIC_SEQ_CST);
	struct timespec limit = { 0, 10 * 1000 * 1000 };
	for (int i = 0; i < 500 && !__atomic_load_n(&w->stop, __ATOMIC_SEQ_CST); i++)
		syscall(SYS_futex, &w->stop, FUTEX_WAIT_PRIVATE, 0, &limit, NULL, 0);
	return NULL;
}

static void start_worker(struct worker *w, int unblock)
{
	memset(w, 0, sizeof(*w));
	w->unblock = unblock;
	pthread_create(&w->th, NULL, worker_main, w);
	wait_for(&w->ready);
}

static void stop_worker(struct worker *w)
{
	__atomic_store_n(&w->stop, 1, __ATOMIC_SEQ_CST);
	syscall(SYS_futex, &w->stop, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	pthread_join(w->th, NULL);
}

static void *raiser(void *arg)
{
	raise(SIGUSR1);
	return (void *)syscall(SYS_gettid);
}

static void *install_urg(void *arg)
{
	on(SIGURG, record, 0);
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGWINCH);
	pthread_sigmask(SIG_BLOCK, &s, NULL);
	return NULL;
}

/* Thread-directed versus process-directed pending signals. */
static int pend_go, pend_done;
static sigset_t pend_seen;
static int pend_taken;

static void *pending_checker(void *arg)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &s, NULL);
	__atomic_store_n(&pend_go, 1, __ATOMIC_SEQ_CST);
	wait_for(&pend_done);
	sigpending(&pend_seen);
	struct timespec zero = { 0, 0 };
	pend_taken = sigtimedwait(&s, NULL, &zero);
	return NULL;
}

static void *altstack_query(void *arg)
{
	stack_t ss;
	memset(&ss, 0, sizeof(ss));
	if (sigaltstack(NULL, &ss) != 0)
		return (void *)-1L;
	return (void *)(long)ss.ss_flags;
}

static int read_fds[2];
static volatile int reader_ready, reader_done;
static long reader_result;

static void *reader(void *arg)
{
	char c;
	__atomic_store_n(&reader_ready, 1, __ATOMIC_SEQ_CST);
	reader_result = kret(read(read_fds[0], &c, 1));
	__atomic_store_n(&reader_done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/* Signal the reader until its read returns; with SA_RESTART, write a byte after a few
 * handler runs. */
static void interrupt_reader(const char *what, int restart)
{
	on(SIGUSR1, record, restart ? SA_RESTART : 0);
	if (pipe(read_fds) != 0)
		printf("pipe failed\n");
	reader_ready = reader_done = 0;
	handler_runs = 0;
	handler_tid = 0;
	pthread_t t;
	pthread_create(&t, NULL, reader, NULL);
	wait_for(&reader_ready);
	int wrote = 0;
	for (int i = 0; i < 5000 && !__atomic_load_n(&reader_done, __ATOMIC_SEQ_CST); i++) {
		if (restart && handler_runs >= 3 && !wrote) {
			usleep(1000);
			wrote = write(read_fds[1], "z", 1) == 1;
		} else
			pthread_kill(t, SIGUSR1);
		usleep(200);
	}
	pthread_join(t, NULL);
	show(what, reader_result);
	close(read_fds[0]);
	close(read_fds[1]);
}

int main(void)
{
	alarm(20);
	on(SIGUSR1, record, 0);
	on(SIGUSR2, record, 0);

	struct worker w;
	start_worker(&w, 0);
	show("pthread_kill(worker, USR1)", pthread_kill(w.th, SIGUSR1));
	wait_for(&handler_runs);
	fact("handler ran on the worker", handler_tid == w.tid);
	handler_runs = 0;
	handler_tid = 0;
	show("tgkill(pid, worker, USR1)", RAW(SYS_tgkill, getpid(), w.tid, SIGUSR1));
	wait_for(&handler_runs);
	fact("handler ran on the worker", handler_tid == w.tid);
	handler_runs = 0;
	handler_tid = 0;
	show("tkill(worker, USR1)", RAW(SYS_tkill, w.tid, SIGUSR1));
	wait_for(&handler_runs);
	fact("handler ran on the worker", handler_tid == w.tid);

	show("tgkill(pid, worker, 0)", RAW(SYS_tgkill, getpid(), w.tid, 0));
	show("tkill(worker, 0)", RAW(SYS_tkill, w.tid, 0));
	show("tgkill(pid, no such tid, 0)", RAW(SYS_tgkill, getpid(), 0x3fffffff, 0));
	show("tkill(no such tid, 0)", RAW(SYS_tkill, 0x3fffffff, 0));
	show("tgkill(no such tgid, worker, 0)", RAW(SYS_tgkill, 0x3fffffff, w.tid, 0));
	show("tgkill(pid, 0, 0)", RAW(SYS_tgkill, getpid(), 0, 0));
	show("tgkill(0, worker, 0)", RAW(SYS_tgkill, 0, w.tid, 0));
	show("tgkill(-1, worker, 0)", RAW(SYS_tgkill, -1, w.tid, 0));
	show("tgkill(pid, -1, 0)", RAW(SYS_tgkill, getpid(), -1, 0));
	show("tkill(0, 0)", RAW(SYS_tkill, 0, 0));
	show("tkill(-5, 0)", RAW(SYS_tkill, -5, 0));
	show("tgkill(pid, worker, 65)", RAW(SYS_tgkill, getpid(), w.tid, 65));
	show("tkill(worker, -1)", RAW(SYS_tkill, w.tid, -1));

	/* Another process's tid under our tgid is ESRCH; under its own tgid it is found. */
	int hold[2];
	if (pipe(hold) != 0)
		printf("pipe failed\n");
	fflush(stdout);
	pid_t child = fork();
	if (child == 0) {
		char c;
		close(hold[1]);
		(void)!read(hold[0], &c, 1);
		_exit(0);
	}
	close(hold[0]);
	show("tgkill(pid, child, 0)", RAW(SYS_tgkill, getpid(), child, 0));
	show("tgkill(child, child, 0)", RAW(SYS_tgkill, child, child, 0));
	show("tgkill(child, worker, 0)", RAW(SYS_tgkill, child, w.tid, 0));
	show("tkill(child, 0)", RAW(SYS_tkill, child, 0));
	close(hold[1]);
	int st;
	waitpid(child, &st, 0);
	stop_worker(&w);

	/* raise() in a thread runs the handler there, before raise returns. */
	handler_runs = 0;
	handler_tid = 0;
	pthread_t t;
	void *ret;
	pthread_create(&t, NULL, raiser, NULL);
	pthread_join(t, &ret);
	fact("raise() in a thread: handler ran on that thread", handler_runs == 1 && handler_tid == (long)ret);

	/* Masks: inherited at creation, then per thread. */
	sigset_t block, now;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR2);
	sigaddset(&block, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &block, NULL);
	handler_runs = 0;
	handler_tid = 0;
	start_worker(&w, SIGUSR2);
	fact("new thread's mask has the creator's USR2 and HUP",
	     sigismember(&w.mask_at_start, SIGUSR2) && sigismember(&w.mask_at_start, SIGHUP));
	fact("new thread's mask lacks USR1", !sigismember(&w.mask_at_start, SIGUSR1));
	/* Only the worker has USR2 unblocked: a signal to the process goes there. */
	show("kill(getpid(), USR2)", kret(kill(getpid(), SIGUSR2)));
	wait_for(&handler_runs);
	fact("process-directed USR2 ran on the one thread not blocking it", handler_tid == w.tid);
	sigpending(&now);
	fact("nothing left pending in main", !sigismember(&now, SIGUSR2));
	stop_worker(&w);

	pthread_create(&t, NULL, install_urg, NULL);
	pthread_join(t, NULL);
	struct sigaction cur;
	sigaction(SIGURG, NULL, &cur);
	fact("a handler installed by a thread is the process's", cur.sa_handler == record);
	pthread_sigmask(SIG_BLOCK, NULL, &now);
	fact("a thread's sigprocmask left main's mask alone", !sigismember(&now, SIGWINCH));

	/* Pending: thread-directed only in its thread, process-directed in every thread. */
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &block, NULL);
	pthread_create(&t, NULL, pending_checker, NULL);
	wait_for(&pend_go);
	show("pthread_kill(checker, USR1)", pthread_kill(t, SIGUSR1));
	show("kill(getpid(), TERM) (blocked everywhere)", kret(kill(getpid(), SIGTERM)));
	sigpending(&now);
	printf("main's pending: USR1 %d, TERM %d\n", sigismember(&now, SIGUSR1), sigismember(&now, SIGTERM));
	__atomic_store_n(&pend_done, 1, __ATOMIC_SEQ_CST);
	pthread_join(t, NULL);
	printf("checker's pending: USR1 %d, TERM %d\n", sigismember(&pend_seen, SIGUSR1),
	       sigismember(&pend_seen, SIGTERM));
	printf("checker took signal %d\n", pend_taken);
	struct timespec zero = { 0, 0 };
	sigset_t term;
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	printf("main takes signal %d\n", sigtimedwait(&term, NULL, &zero));
	pthread_sigmask(SIG_UNBLOCK, &block, NULL);

	/* The alternate signal stack is per thread and not inherited by new threads. */
	static char alt[65536];
	stack_t ss = { .ss_sp = alt, .ss_size = sizeof(alt), .ss_flags = 0 };
	show("sigaltstack in main", kret(sigaltstack(&ss, NULL)));
	pthread_create(&t, NULL, altstack_query, NULL);
	pthread_join(t, &ret);
	printf("new thread's sigaltstack flags: %s\n", (long)ret == SS_DISABLE ? "SS_DISABLE" : "other");
	stack_t mine;
	sigaltstack(NULL, &mine);
	fact("main's alternate stack is still set", mine.ss_sp == alt && mine.ss_flags == 0);

	interrupt_reader("read in a thread, handler without SA_RESTART", 0);
	interrupt_reader("read in a thread, handler with SA_RESTART", 1);
	return 0;
}
