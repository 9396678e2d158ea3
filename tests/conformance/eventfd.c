/* eventfd: flags, 8-byte reads and writes, the counter's limits, semaphore mode, poll
 * readiness, and a blocking read interrupted by a signal. */
#include "conf.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

static long rd(int fd)
{
	uint64_t v = 0;
	long r = kret(read(fd, &v, 8));
	return r < 0 ? r : (long)v;
}

static long wr(int fd, uint64_t v)
{
	return kret(write(fd, &v, 8));
}

static int revents(int fd)
{
	struct pollfd p = { fd, POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM, 0 };
	poll(&p, 1, 0);
	return p.revents;
}

static void on_alarm(int sig)
{
	(void)sig;
}

int main(void)
{
	show("eventfd2(bad flags)", RAW(SYS_eventfd2, 0, 0x10));
	show("eventfd2(O_RDWR as flag)", RAW(SYS_eventfd2, 0, O_RDWR));
	int fd = eventfd(3, EFD_NONBLOCK | EFD_CLOEXEC);
	show_ok("eventfd(3, NONBLOCK|CLOEXEC)", fd);
	printf("FD_CLOEXEC %d, O_NONBLOCK %d, access mode O_RDWR %d\n", fcntl(fd, F_GETFD) & FD_CLOEXEC,
	       !!(fcntl(fd, F_GETFL) & O_NONBLOCK), (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR);
	struct stat st;
	fstat(fd, &st);
	printf("fstat mode %o size %ld\n", st.st_mode, (long)st.st_size);
	printf("revents(3) = %#x\n", revents(fd));
	char small[4];
	show("read(4 bytes)", kret(read(fd, small, 4)));
	show("write(4 bytes)", kret(write(fd, small, 4)));
	show("read", rd(fd));
	show("read(empty)", rd(fd));
	printf("revents(0) = %#x\n", revents(fd));
	char big[16] = { 0 };
	uint64_t two = 2;
	memcpy(big, &two, 8);
	show("write(16 bytes)", kret(write(fd, big, 16)));
	show("write(9 bytes)", kret(write(fd, big, 9)));
	wr(fd, 2);
	show("read(16 bytes)", kret(read(fd, big, 16)));
	show("write(UINT64_MAX)", wr(fd, UINT64_MAX));
	show("write(UINT64_MAX - 1)", wr(fd, UINT64_MAX - 1));
	printf("revents(max) = %#x\n", revents(fd));
	show("write(1) at max", wr(fd, 1));
	show("write(0) at max", wr(fd, 0));
	uint64_t v;
	read(fd, &v, 8);
	printf("read at max: %s\n", v == UINT64_MAX - 1 ? "0xfffffffffffffffe" : "other");
	show("write(BADPTR)", RAW(SYS_write, fd, BADPTR, 8));
	wr(fd, 9);
	show("read(BADPTR)", RAW(SYS_read, fd, BADPTR, 8));
	show("lseek", kret(lseek(fd, 10, SEEK_SET)));
	show("pread", kret(pread(fd, &v, 8, 0)));
	close(fd);

	int s = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK);
	show("semaphore read", rd(s));
	show("semaphore read", rd(s));
	show("semaphore read (empty)", rd(s));
	wr(s, 5);
	show("semaphore read after write(5)", rd(s));
	close(s);

	int m = eventfd(0xffffffffu, EFD_NONBLOCK);
	show("read", rd(m));
	close(m);

	/* A blocking read waits; a signal with a handler (no SA_RESTART) ends it. */
	struct sigaction sa = { 0 };
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	int b = eventfd(0, 0);
	struct itimerval it = { { 0, 0 }, { 0, 100000 } };
	setitimer(ITIMER_REAL, &it, NULL);
	show("blocking read interrupted", rd(b));
	/* With SA_RESTART the read restarts and gets what a later write brings. */
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	pid_t child = fork();
	if (child == 0) {
		struct timespec ts = { 0, 300 * 1000000L };
		nanosleep(&ts, NULL);
		wr(b, 42);
		_exit(0);
	}
	show("blocking read restarted", rd(b));
	waitpid(child, NULL, 0);
	return 0;
}
