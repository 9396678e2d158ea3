/* signalfd: reads take pending signals in the mask (several per read, 128-byte records
 * with pid, uid, sigqueue values and child status), EAGAIN when non-blocking and none
 * is pending, EINVAL for a short buffer or a bad size; poll and epoll see a queued
 * process signal; fd != -1 changes an existing signalfd's mask, and a non-signalfd is
 * EINVAL. */
#include "conf.h"

#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/wait.h>

int main(void)
{
	alarm(5);
	sigset_t m;
	sigemptyset(&m);
	sigaddset(&m, SIGUSR1);
	sigaddset(&m, SIGCHLD);
	sigaddset(&m, SIGRTMIN);
	sigprocmask(SIG_BLOCK, &m, NULL);
	int fd = signalfd(-1, &m, SFD_NONBLOCK | SFD_CLOEXEC);
	fact("signalfd made", fd >= 0);
	fact("close-on-exec", fcntl(fd, F_GETFD) == FD_CLOEXEC);
	struct signalfd_siginfo si[4];
	show("read(nothing pending)", kret(read(fd, si, sizeof(si))));
	show("read(10-byte buffer)", kret(read(fd, si, 10)));
	show("signalfd(bad size)", RAW(SYS_signalfd4, -1, &m, 4, 0));
	show("signalfd(bad flags)", RAW(SYS_signalfd4, -1, &m, 8, 1));
	show("signalfd(fd 0, not a signalfd)", RAW(SYS_signalfd4, 0, &m, 8, 0));

	struct pollfd p = { fd, POLLIN, 0 };
	show("poll(nothing pending)", kret(poll(&p, 1, 0)));
	kill(getpid(), SIGUSR1);
	union sigval v = { .sival_int = 42 };
	sigqueue(getpid(), SIGRTMIN, v);
	sigqueue(getpid(), SIGRTMIN, v);
	p.revents = 0;
	long n = poll(&p, 1, 1000);
	printf("poll: %ld, POLLIN %d\n", n, (p.revents & POLLIN) != 0);
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN }, out;
	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	show("epoll_wait", kret(epoll_wait(ep, &out, 1, 1000)));
	long r = read(fd, si, sizeof(si));
	printf("read %ld records\n", r / (long)sizeof(si[0]));
	for (long i = 0; i < r / (long)sizeof(si[0]); i++)
		printf("  %s code %d, pid is ours %d, uid %u, int %d\n", si[i].ssi_signo == SIGUSR1 ? "USR1" : "RTMIN",
		       si[i].ssi_code, si[i].ssi_pid == (unsigned)getpid(), si[i].ssi_uid, si[i].ssi_int);

	pid_t c = fork();
	if (c == 0)
		_exit(7);
	p.revents = 0;
	n = poll(&p, 1, 2000);
	printf("poll after the child's exit: %ld\n", n);
	r = read(fd, si, sizeof(si));
	printf("read %ld record: code %d, status %d, pid is the child %d\n", r / (long)sizeof(si[0]), si[0].ssi_code,
	       si[0].ssi_status, si[0].ssi_pid == (unsigned)c);
	waitpid(c, NULL, 0);

	/* A new mask for the same fd: SIGUSR1 no longer read through it. */
	sigset_t only_chld;
	sigemptyset(&only_chld);
	sigaddset(&only_chld, SIGCHLD);
	show("signalfd(fd, new mask) returns fd", RAW(SYS_signalfd4, fd, &only_chld, 8, 0) == fd);
	kill(getpid(), SIGUSR1);
	show("read(USR1 outside the new mask)", kret(read(fd, si, sizeof(si))));
	sigset_t pend;
	sigpending(&pend);
	fact("USR1 still pending", sigismember(&pend, SIGUSR1));
	return 0;
}
