/* exit_group(2) and fatal signals in a multi-threaded process: whichever thread calls
 * exit_group (or exit(3)) ends every thread, including one blocked in pthread_join, one
 * blocked in read(2) and one spinning without system calls, and the process's status is
 * that thread's; a fatal signal (sent to one thread, or a fault in one thread) kills the
 * whole process. Each case runs in a forked child; at the end a non-main thread calls
 * exit_group(3) for the program itself while main sits in pause() (exit status 3). */
#include "conf.h"

#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

static int pipe_fds[2];
static volatile int spin_started;

static void *blocked_reader(void *arg)
{
	char c;
	(void)!read(pipe_fds[0], &c, 1);
	return NULL;
}

static void *spinner(void *arg)
{
	spin_started = 1;
	for (volatile unsigned long i = 0;; i++)
		;
	return NULL;
}

static void *exit_group_3(void *arg)
{
	printf("  thread: exit_group(3)\n");
	syscall(SYS_exit_group, 3);
	return NULL;
}

static void at_exit(void)
{
	printf("  atexit handler ran\n");
}

static void *libc_exit_4(void *arg)
{
	printf("  thread: exit(4)\n");
	exit(4);
}

static void *kill_self_term(void *arg)
{
	syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGTERM);
	return NULL;
}

static void *segv(void *arg)
{
	*(volatile int *)arg = 1;
	return NULL;
}

static void run(const char *what, void (*body)(void))
{
	printf("%s:\n", what);
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		alarm(20);
		body();
		_exit(99);
	}
	int st = 0;
	pid_t w = waitpid(c, &st, 0);
	if (w != c)
		printf("  waitpid failed\n");
	else if (WIFEXITED(st))
		printf("  process exited with %d\n", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		printf("  process killed by signal %d\n", WTERMSIG(st));
}

static void start_bystanders(void)
{
	pthread_t t;
	if (pipe(pipe_fds) != 0)
		printf("  pipe failed\n");
	pthread_create(&t, NULL, blocked_reader, NULL);
	pthread_create(&t, NULL, spinner, NULL);
	while (!spin_started)
		usleep(100);
}

static void thread_exit_group(void)
{
	start_bystanders();
	pthread_t t;
	pthread_create(&t, NULL, exit_group_3, NULL);
	pthread_join(t, NULL);
	printf("  main: join returned\n");
}

static void thread_libc_exit(void)
{
	atexit(at_exit);
	start_bystanders();
	pthread_t t;
	pthread_create(&t, NULL, libc_exit_4, NULL);
	pthread_join(t, NULL);
	printf("  main: join returned\n");
}

static void main_exit_group(void)
{
	start_bystanders();
	printf("  main: exit_group(5)\n");
	syscall(SYS_exit_group, 5);
}

static void main_plain_exit_while_spinning(void)
{
	start_bystanders();
	printf("  main: exit(6)\n");
	exit(6);
}

static void thread_fatal_signal(void)
{
	start_bystanders();
	pthread_t t;
	pthread_create(&t, NULL, kill_self_term, NULL);
	pthread_join(t, NULL);
	printf("  main: join returned\n");
}

static void thread_fault(void)
{
	struct rlimit no_core = { 0, 0 };
	setrlimit(RLIMIT_CORE, &no_core);
	start_bystanders();
	pthread_t t;
	pthread_create(&t, NULL, segv, NULL);
	pthread_join(t, NULL);
	printf("  main: join returned\n");
}

static void *final_thread(void *arg)
{
	printf("worker: calling exit_group(3) while main is in pause()\n");
	fflush(stdout);
	syscall(SYS_exit_group, 3);
	return NULL;
}

int main(void)
{
	alarm(20);
	run("a thread calls exit_group(3)", thread_exit_group);
	run("a thread calls exit(4)", thread_libc_exit);
	run("main calls exit_group(5) with other threads running", main_exit_group);
	run("main calls exit(6) with a thread spinning", main_plain_exit_while_spinning);
	run("a thread sends itself SIGTERM", thread_fatal_signal);
	run("a thread faults (SIGSEGV)", thread_fault);

	pthread_t t;
	pthread_create(&t, NULL, final_thread, NULL);
	pause();
	printf("not reached\n");
	return 1;
}
