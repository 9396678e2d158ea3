/* The main thread exits (SYS_exit or pthread_exit) while another thread runs on: the
 * process lives on with the same pid, cannot be reaped while a thread lives, a signal
 * sent to the process reaches the surviving thread, and other threads can pthread_join
 * the main thread (glibc registered its tid word with set_tid_address). When the last
 * thread ends with SYS_exit, the process's exit status is that LAST thread's code (not
 * the main thread's); exit_group from the survivor sets it too. Each case runs in a
 * forked child; the program itself ends the same way (main pthread_exits, the survivor
 * calls SYS_exit(7): exit status 7). */
#include "conf.h"

#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>

static pthread_t main_thread;
static int to_parent[2], from_parent[2];
static int last_exit_how; /* 0: SYS_exit(7), 1: exit_group(5), 2: return */
static volatile long handler_tid;

static void handler(int sig)
{
	handler_tid = syscall(SYS_gettid);
}

static void *survivor(void *arg)
{
	pthread_join(main_thread, NULL);
	char c = 'x';
	(void)!write(to_parent[1], &c, 1);
	(void)!read(from_parent[0], &c, 1);
	if (last_exit_how == 0)
		syscall(SYS_exit, 7);
	if (last_exit_how == 1)
		syscall(SYS_exit_group, 5);
	return NULL;
}

static void at_exit(void)
{
	printf("  atexit handler ran\n");
}

/* In a child: start the survivor, then end the main thread with `main_exit`. */
static void run(const char *what, int main_exit, int how)
{
	printf("%s:\n", what);
	fflush(stdout);
	if (pipe(to_parent) != 0 || pipe(from_parent) != 0)
		printf("  pipe failed\n");
	pid_t c = fork();
	if (c == 0) {
		alarm(20);
		atexit(at_exit);
		last_exit_how = how;
		main_thread = pthread_self();
		pthread_t t;
		pthread_create(&t, NULL, survivor, NULL);
		if (main_exit < 0)
			pthread_exit(NULL);
		syscall(SYS_exit, main_exit);
		_exit(99);
	}
	char ch;
	int st = 0;
	fact("  survivor saw main exit", read(to_parent[0], &ch, 1) == 1);
	show("  waitpid(WNOHANG) while the survivor runs", kret(waitpid(c, &st, WNOHANG)));
	(void)!write(from_parent[1], "g", 1);
	pid_t w = waitpid(c, &st, 0);
	if (w != c)
		printf("  waitpid failed\n");
	else if (WIFEXITED(st))
		printf("  process exited with %d\n", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		printf("  process killed by signal %d\n", WTERMSIG(st));
	close(to_parent[0]);
	close(to_parent[1]);
	close(from_parent[0]);
	close(from_parent[1]);
}

static pid_t original_pid, original_ppid;

static void *final_survivor(void *arg)
{
	int r = pthread_join(main_thread, NULL);
	printf("survivor: pthread_join(main thread) = %d\n", r);
	fact("survivor: getpid() unchanged", getpid() == original_pid);
	fact("survivor: getppid() unchanged", getppid() == original_ppid);
	fact("survivor: gettid() != getpid()", syscall(SYS_gettid) != getpid());
	show("survivor: kill(getpid(), 0)", kret(kill(getpid(), 0)));

	/* A process-directed signal goes to the only live thread. */
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sigaction(SIGUSR1, &sa, NULL);
	show("survivor: kill(getpid(), SIGUSR1)", kret(kill(getpid(), SIGUSR1)));
	for (int i = 0; i < 5000 && !handler_tid; i++)
		usleep(100);
	fact("survivor: the handler ran on the survivor", handler_tid == syscall(SYS_gettid));
	printf("survivor: SYS_exit(7) as the last thread\n");
	fflush(stdout);
	syscall(SYS_exit, 7);
	return NULL;
}

int main(void)
{
	alarm(20);
	run("main SYS_exit(9), survivor SYS_exit(7)", 9, 0);
	run("main SYS_exit(9), survivor exit_group(5)", 9, 1);
	run("main pthread_exit, survivor returns", -1, 2);
	run("main pthread_exit, survivor SYS_exit(7)", -1, 0);

	original_pid = getpid();
	original_ppid = getppid();
	main_thread = pthread_self();
	pthread_t t;
	pthread_create(&t, NULL, final_survivor, NULL);
	printf("main: pthread_exit\n");
	pthread_exit(NULL);
}
