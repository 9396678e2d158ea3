/* pidfd_open(2), pidfd_send_signal(2), waitid(P_PIDFD) and poll on a pidfd: the fd is
 * close-on-exec, polls readable once the process exits, carries signals, can be waited
 * on (with PIDFD_NONBLOCK: EAGAIN while running), and the errors for bad flags, pids
 * and fds, and for a process that is gone. */
#include "conf.h"

#include <poll.h>
#include <signal.h>
#include <sys/time.h>
#include <sys/wait.h>

#ifndef PIDFD_NONBLOCK
#define PIDFD_NONBLOCK O_NONBLOCK
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif

static pid_t sleeper(void)
{
	pid_t c = fork();
	if (c == 0) {
		for (;;)
			pause();
	}
	return c;
}

static void nothing(int sig)
{
	(void)sig;
}

static int readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int r = poll(&p, 1, 0);
	return r == 1 && (p.revents & POLLIN);
}

int main(void)
{
	alarm(5);
	pid_t c = sleeper();
	long fd = RAW(SYS_pidfd_open, c, 0);
	show_ok("pidfd_open(child, 0)", fd);
	fact("close-on-exec", fcntl(fd, F_GETFD) & FD_CLOEXEC);
	fact("readable while running", readable(fd));
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	show("waitid(P_PIDFD, WEXITED|WNOHANG) running", RAW(SYS_waitid, P_PIDFD, fd, &si, WEXITED | WNOHANG, NULL));
	printf("si_pid 0: %d\n", si.si_pid == 0);
	show("pidfd_send_signal(TERM)", RAW(SYS_pidfd_send_signal, fd, SIGTERM, NULL, 0));
	struct pollfd p = { .fd = (int)fd, .events = POLLIN };
	show("poll(pidfd, 2 s)", kret(poll(&p, 1, 2000)));
	fact("POLLIN after exit", p.revents & POLLIN);
	show("pidfd_send_signal(0) to the zombie", RAW(SYS_pidfd_send_signal, fd, 0, NULL, 0));
	memset(&si, 0, sizeof(si));
	show("waitid(P_PIDFD, WEXITED)", RAW(SYS_waitid, P_PIDFD, fd, &si, WEXITED, NULL));
	printf("si_pid is child %d, CLD_KILLED %d, si_status %d\n", si.si_pid == c, si.si_code == CLD_KILLED,
	       si.si_status);
	show("pidfd_send_signal(0) after reaping", RAW(SYS_pidfd_send_signal, fd, 0, NULL, 0));
	show("waitid(P_PIDFD) after reaping", RAW(SYS_waitid, P_PIDFD, fd, &si, WEXITED, NULL));
	fact("still readable after reaping", readable(fd));
	close(fd);

	c = sleeper();
	fd = RAW(SYS_pidfd_open, c, PIDFD_NONBLOCK);
	show_ok("pidfd_open(child, PIDFD_NONBLOCK)", fd);
	fact("O_NONBLOCK set", fcntl(fd, F_GETFL) & O_NONBLOCK);
	/* Should it block instead, a timer breaks the wait after 300 ms (EINTR). */
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = nothing;
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = { { 0, 0 }, { 0, 300000 } }, off = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &it, NULL);
	show("waitid(P_PIDFD nonblocking, WEXITED) running", RAW(SYS_waitid, P_PIDFD, fd, &si, WEXITED, NULL));
	setitimer(ITIMER_REAL, &off, NULL);
	signal(SIGALRM, SIG_DFL);
	alarm(5);
	show("pidfd_send_signal(flags 0x80)", RAW(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0x80));
	show("pidfd_send_signal(signal 65)", RAW(SYS_pidfd_send_signal, fd, 65, NULL, 0));
	memset(&si, 0, sizeof(si));
	si.si_signo = SIGKILL;
	si.si_code = SI_USER;
	show("pidfd_send_signal(KILL, forged SI_USER info)", RAW(SYS_pidfd_send_signal, fd, SIGKILL, &si, 0));
	si.si_signo = SIGTERM;
	si.si_code = SI_QUEUE;
	show("pidfd_send_signal(KILL, info with other signo)", RAW(SYS_pidfd_send_signal, fd, SIGKILL, &si, 0));
	show("pidfd_send_signal(KILL)", RAW(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0));
	memset(&si, 0, sizeof(si));
	struct pollfd pw = { .fd = (int)fd, .events = POLLIN };
	poll(&pw, 1, 2000);
	show("waitid(P_PIDFD nonblocking) after exit", RAW(SYS_waitid, P_PIDFD, fd, &si, WEXITED, NULL));
	printf("killed by %d\n", si.si_status);
	close(fd);

	long self = RAW(SYS_pidfd_open, getpid(), 0);
	show_ok("pidfd_open(self)", self);
	show("pidfd_send_signal(self, 0)", RAW(SYS_pidfd_send_signal, self, 0, NULL, 0));
	show("waitid(P_PIDFD, self)", RAW(SYS_waitid, P_PIDFD, self, &si, WEXITED | WNOHANG, NULL));
	close(self);

	int pp[2];
	if (pipe(pp) != 0)
		return 1;
	show("pidfd_open(child, flags 1)", RAW(SYS_pidfd_open, getpid(), 1));
	show("pidfd_open(no such pid)", RAW(SYS_pidfd_open, 0x3ffffff0, 0));
	show("pidfd_open(0)", RAW(SYS_pidfd_open, 0, 0));
	show("pidfd_open(-1)", RAW(SYS_pidfd_open, -1, 0));
	show("pidfd_send_signal(pipe fd)", RAW(SYS_pidfd_send_signal, pp[0], 0, NULL, 0));
	show("pidfd_send_signal(closed fd)", RAW(SYS_pidfd_send_signal, 999, 0, NULL, 0));
	show("waitid(P_PIDFD, pipe fd)", RAW(SYS_waitid, P_PIDFD, pp[0], &si, WEXITED, NULL));
	show("waitid(P_PIDFD, closed fd)", RAW(SYS_waitid, P_PIDFD, 999, &si, WEXITED, NULL));
	return 0;
}
