/* clone(2) flag rules and what threads share. Invalid combinations are EINVAL
 * (CLONE_THREAD needs CLONE_SIGHAND, CLONE_SIGHAND needs CLONE_VM, CLONE_FS with
 * CLONE_NEWNS, CLONE_VFORK|CLONE_THREAD is fine but CLONE_THREAD alone is not).
 * pthreads share the cwd and umask (CLONE_FS) and the descriptor table (CLONE_FILES);
 * unshare(2) of CLONE_FILES or CLONE_FS in one thread gives it its own copy, while
 * unshare of CLONE_THREAD, CLONE_VM or CLONE_SIGHAND is EINVAL once there are other
 * threads (and a no-op before). */
#include "conf.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "conf_clone.h"

static char stack[64 * 1024] __attribute__((aligned(16)));

/* Should a clone that ought to fail succeed, the child just ends. */
static int nothing(void *arg)
{
	return 0;
}

static void try_clone(const char *what, unsigned long flags)
{
	long r = conf_clone(flags, stack + sizeof(stack), NULL, NULL, 0, nothing, NULL);
	if (r > 0) {
		printf("%s = a child\n", what);
		usleep(10000);
		waitpid(-1, NULL, WNOHANG | __WALL);
	} else
		show(what, r);
}

static void *idle(void *arg)
{
	pause();
	return NULL;
}

static int fds_pipe[2];
struct files_job {
	long unshare_ret, close_ret, own_pipe_ret;
	int own_pipe[2];
};

static void *files_unsharer(void *arg)
{
	struct files_job *j = arg;
	j->unshare_ret = RAW(SYS_unshare, CLONE_FILES);
	/* Closing in our copy leaves main's descriptor open. */
	j->close_ret = kret(close(fds_pipe[0]));
	j->own_pipe_ret = kret(pipe(j->own_pipe));
	/* Our copy of the write end must not outlive the join (the table goes after it). */
	close(fds_pipe[1]);
	return NULL;
}

static void *closer(void *arg)
{
	return (void *)kret(close(fds_pipe[1]));
}

struct fs_job {
	long unshare_ret, chdir_ret, open_alpha;
	mode_t umask_seen;
};

static void *fs_unsharer(void *arg)
{
	struct fs_job *j = arg;
	j->unshare_ret = RAW(SYS_unshare, CLONE_FS);
	j->chdir_ret = kret(chdir("dir"));
	int fd = open("alpha", O_RDONLY);
	j->open_alpha = kret(fd);
	if (fd >= 0)
		close(fd);
	j->umask_seen = umask(077);
	return NULL;
}

static void *fs_sharer(void *arg)
{
	struct fs_job *j = arg;
	j->chdir_ret = kret(chdir("dir"));
	j->umask_seen = umask(027);
	return NULL;
}

static int can_open(const char *path)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

int main(void)
{
	alarm(20);
	try_clone("clone(THREAD)", CLONE_THREAD);
	try_clone("clone(THREAD|VM)", CLONE_THREAD | CLONE_VM);
	try_clone("clone(SIGHAND)", CLONE_SIGHAND);
	try_clone("clone(THREAD|SIGHAND) without VM", CLONE_THREAD | CLONE_SIGHAND);
	try_clone("clone(SIGHAND|FILES|FS) without VM", CLONE_SIGHAND | CLONE_FILES | CLONE_FS);
	try_clone("clone(FS|NEWNS)", CLONE_FS | CLONE_NEWNS);
	try_clone("clone(VFORK|THREAD)", CLONE_VFORK | CLONE_THREAD);

	/* The descriptor table is shared: a thread's close is everybody's. */
	pthread_t t;
	void *ret;
	char c;
	if (pipe(fds_pipe) != 0)
		printf("pipe failed\n");
	pthread_create(&t, NULL, closer, NULL);
	pthread_join(t, &ret);
	show("close(pipe write end) in a thread", (long)ret);
	show("fcntl(write end) in main afterwards", kret(fcntl(fds_pipe[1], F_GETFD)));
	show("read(read end): no writers left", kret(read(fds_pipe[0], &c, 1)));
	close(fds_pipe[0]);

	/* cwd and umask are shared. */
	mode_t old = umask(022);
	struct fs_job sj;
	memset(&sj, 0, sizeof(sj));
	pthread_create(&t, NULL, fs_sharer, &sj);
	pthread_join(t, NULL);
	show("chdir(\"dir\") in a thread", sj.chdir_ret);
	fact("main's cwd moved too (alpha opens)", can_open("alpha"));
	printf("umask seen by the thread %03o, main's umask now %03o\n", (unsigned)sj.umask_seen, (unsigned)umask(022));
	show("chdir(\"..\") in main", kret(chdir("..")));

	/* With another thread around, unshare cannot split the thread group. */
	pthread_t bystander;
	pthread_create(&bystander, NULL, idle, NULL);
	show("unshare(CLONE_THREAD), two threads", RAW(SYS_unshare, CLONE_THREAD));
	show("unshare(CLONE_VM), two threads", RAW(SYS_unshare, CLONE_VM));
	show("unshare(CLONE_SIGHAND), two threads", RAW(SYS_unshare, CLONE_SIGHAND));
	show("unshare(CSIGNAL bits)", RAW(SYS_unshare, SIGCHLD));
	show("unshare(CLONE_PARENT)", RAW(SYS_unshare, CLONE_PARENT));

	/* A thread can take its own copy of the descriptor table... */
	if (pipe(fds_pipe) != 0)
		printf("pipe failed\n");
	struct files_job fj;
	memset(&fj, 0, sizeof(fj));
	pthread_create(&t, NULL, files_unsharer, &fj);
	pthread_join(t, NULL);
	show("unshare(CLONE_FILES) in a thread", fj.unshare_ret);
	show("close(pipe read end) in that thread", fj.close_ret);
	fact("the read end is still open in main", fcntl(fds_pipe[0], F_GETFD) >= 0);
	fact("the write end is still open in main", fcntl(fds_pipe[1], F_GETFD) >= 0);
	show("pipe() in that thread", fj.own_pipe_ret);
	printf("that thread's pipe got descriptors %d and %d\n", fj.own_pipe[0], fj.own_pipe[1]);
	show("fcntl(its write end) in main", kret(fcntl(fj.own_pipe[1], F_GETFD)));
	close(fds_pipe[0]);
	close(fds_pipe[1]);

	/* ... and of its cwd and umask. */
	memset(&sj, 0, sizeof(sj));
	pthread_create(&t, NULL, fs_unsharer, &sj);
	pthread_join(t, NULL);
	show("unshare(CLONE_FS) in a thread", sj.unshare_ret);
	show("chdir(\"dir\") in that thread", sj.chdir_ret);
	fact("that thread opened alpha", sj.open_alpha >= 0);
	fact("main's cwd stayed (alpha does not open)", !can_open("alpha"));
	fact("main's cwd stayed (data.txt opens)", can_open("data.txt"));
	printf("umask seen by the thread %03o, main's umask now %03o\n", (unsigned)sj.umask_seen, (unsigned)umask(old));

	/* In a single-threaded process there is nothing to unshare: success. A forked
	 * child is one (threads here may still be finishing their exit). */
	fflush(stdout);
	pid_t child = fork();
	if (child == 0) {
		show("child: unshare(CLONE_THREAD), one thread", RAW(SYS_unshare, CLONE_THREAD));
		show("child: unshare(CLONE_VM), one thread", RAW(SYS_unshare, CLONE_VM));
		show("child: unshare(CLONE_SIGHAND), one thread", RAW(SYS_unshare, CLONE_SIGHAND));
		fflush(stdout);
		_exit(0);
	}
	waitpid(child, NULL, 0);
	return 0;
}
