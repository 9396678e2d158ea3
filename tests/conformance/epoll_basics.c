/* epoll: creation, epoll_ctl's and epoll_wait's errors (in Linux's order), the packed
 * event layout, level-triggered reports on pipes, hang-up, closing a watched
 * descriptor, and nesting (an epoll descriptor is itself pollable). */
#include "conf.h"

#include <poll.h>
#include <sys/epoll.h>
#include <sys/stat.h>

static int ctl(int ep, int op, int fd, unsigned events, unsigned long data)
{
	struct epoll_event e = { .events = events, .data.u64 = data };
	return (int)kret(epoll_ctl(ep, op, fd, &e));
}

static void wait_show(const char *what, int ep, int max, int timeout)
{
	struct epoll_event ev[8];
	int n = (int)kret(epoll_wait(ep, ev, max, timeout));
	if (n < 0) {
		show(what, n);
		return;
	}
	printf("%s = %d:", what, n);
	for (int i = 0; i < n; i++)
		printf(" [%#x %llu]", ev[i].events, (unsigned long long)ev[i].data.u64);
	printf("\n");
}

int main(void)
{
	printf("sizeof(struct epoll_event) = %zu\n", sizeof(struct epoll_event));
	show("epoll_create(0)", kret(epoll_create(0)));
	show("epoll_create(-1)", kret(epoll_create(-1)));
	show("epoll_create1(bad flag)", kret(epoll_create1(1)));
	int ep = epoll_create1(EPOLL_CLOEXEC);
	show_ok("epoll_create1(EPOLL_CLOEXEC)", ep);
	printf("FD_CLOEXEC set: %d\n", fcntl(ep, F_GETFD) & FD_CLOEXEC);
	int ep2 = epoll_create(1);
	printf("epoll_create(1) FD_CLOEXEC: %d\n", fcntl(ep2, F_GETFD) & FD_CLOEXEC);
	struct stat st;
	fstat(ep, &st);
	printf("fstat mode %o\n", st.st_mode);
	show("lseek(epoll)", kret(lseek(ep, 0, SEEK_CUR)));
	char buf[16];
	show("read(epoll)", kret(read(ep, buf, sizeof(buf))));

	int p[2];
	pipe(p);
	int file = open("data.txt", O_RDONLY);
	int dir = open("dir", O_RDONLY | O_DIRECTORY);
	int null = open("/dev/null", O_RDWR);
	show("ctl(bad epfd)", ctl(999, EPOLL_CTL_ADD, p[0], EPOLLIN, 0));
	show("ctl(bad fd)", ctl(ep, EPOLL_CTL_ADD, 999, EPOLLIN, 0));
	show("ctl(regular file)", ctl(ep, EPOLL_CTL_ADD, file, EPOLLIN, 0));
	show("ctl(directory)", ctl(ep, EPOLL_CTL_ADD, dir, EPOLLIN, 0));
	show("ctl(/dev/null)", ctl(ep, EPOLL_CTL_ADD, null, EPOLLIN, 0));
	show("ctl(regular file, not an epoll fd)", ctl(p[0], EPOLL_CTL_ADD, file, EPOLLIN, 0));
	show("ctl(epfd not epoll)", ctl(p[0], EPOLL_CTL_ADD, p[1], EPOLLIN, 0));
	show("ctl(itself)", ctl(ep, EPOLL_CTL_ADD, ep, EPOLLIN, 0));
	show("ctl(bad op)", ctl(ep, 42, p[0], EPOLLIN, 0));
	show("ctl(MOD absent)", ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN, 0));
	show("ctl(DEL absent)", ctl(ep, EPOLL_CTL_DEL, p[0], 0, 0));
	show("ctl(ADD, BADPTR event)", RAW(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, p[0], BADPTR));
	show("ctl(ADD read end)", ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN, 100));
	show("ctl(ADD again)", ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN, 100));
	show("ctl(DEL, NULL event)", RAW(SYS_epoll_ctl, ep, EPOLL_CTL_DEL, p[0], NULL));
	show("ctl(ADD EXCLUSIVE)", ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN | EPOLLEXCLUSIVE, 100));
	show("ctl(MOD EXCLUSIVE entry)", ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN, 100));
	show("ctl(MOD with EXCLUSIVE)", ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLEXCLUSIVE, 100));
	ctl(ep, EPOLL_CTL_DEL, p[0], 0, 0);
	show("ctl(EXCLUSIVE|ONESHOT)", ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT, 0));
	show("ctl(EXCLUSIVE|RDNORM)", ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN | EPOLLRDNORM | EPOLLEXCLUSIVE, 0));
	show("ctl(EXCLUSIVE epoll fd)", ctl(ep, EPOLL_CTL_ADD, ep2, EPOLLIN | EPOLLEXCLUSIVE, 0));
	show("ctl(ADD read end, WAKEUP)", ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN | EPOLLWAKEUP, 100));
	show("ctl(ADD write end)", ctl(ep, EPOLL_CTL_ADD, p[1], EPOLLOUT, 200));

	/* Nesting: ep2 holds ep; ep cannot hold ep2 then. */
	show("ctl(nest ep in ep2)", ctl(ep2, EPOLL_CTL_ADD, ep, EPOLLIN, 300));
	show("ctl(cycle)", ctl(ep, EPOLL_CTL_ADD, ep2, EPOLLIN, 0));

	struct epoll_event ev[4];
	show("wait(maxevents 0)", kret(epoll_wait(ep, ev, 0, 0)));
	show("wait(maxevents -1)", RAW(SYS_epoll_wait, ep, ev, -1, 0));
	show("wait(maxevents huge)", RAW(SYS_epoll_wait, ep, ev, 0x7fffffff, 0));
	show("wait(bad epfd)", kret(epoll_wait(999, ev, 4, 0)));
	show("wait(not epoll)", kret(epoll_wait(p[0], ev, 4, 0)));
	show("wait(kernel address)", RAW(SYS_epoll_wait, ep, 0xffff800000000000UL, 1, 0));

	wait_show("wait(writable pipe)", ep, 4, 0);
	wait_show("wait(ep2: ep has events)", ep2, 4, 0);
	struct pollfd pf = { ep, POLLIN | POLLOUT, 0 };
	int pn = poll(&pf, 1, 0);
	printf("poll(epoll fd) = %d revents %#x\n", pn, pf.revents);
	show("wait(BADPTR, events ready)", RAW(SYS_epoll_wait, ep, BADPTR, 4, 0));

	ctl(ep, EPOLL_CTL_DEL, p[1], 0, 0);
	wait_show("wait(empty pipe)", ep, 4, 0);
	pf.revents = 0;
	pn = poll(&pf, 1, 0);
	printf("poll(idle epoll fd) = %d revents %#x\n", pn, pf.revents);
	write(p[1], "hello", 5);
	wait_show("wait(data)", ep, 4, 0);
	wait_show("wait(data, level-triggered again)", ep, 4, 0);
	read(p[0], buf, 2);
	wait_show("wait(some data left)", ep, 4, 0);
	read(p[0], buf, 3);
	wait_show("wait(drained)", ep, 4, 10);
	show("ctl(MOD data and events)", ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLPRI, 0xfeedfacecafeULL));
	write(p[1], "x", 1);
	wait_show("wait(after MOD)", ep, 4, 0);
	close(p[1]);
	wait_show("wait(writer closed)", ep, 4, 0);
	read(p[0], buf, 1);
	wait_show("wait(hang-up only)", ep, 4, 0);

	/* A descriptor leaves the set only when its last reference is closed. */
	int q[2];
	pipe(q);
	ctl(ep, EPOLL_CTL_DEL, p[0], 0, 0);
	ctl(ep, EPOLL_CTL_ADD, q[0], EPOLLIN, 7);
	int dupfd = dup(q[0]);
	close(q[0]);
	write(q[1], "y", 1);
	wait_show("wait(closed, duplicate open)", ep, 4, 0);
	show("ctl(DEL by the duplicate's number)", ctl(ep, EPOLL_CTL_DEL, dupfd, 0, 0));
	close(dupfd);
	wait_show("wait(every reference closed)", ep, 4, 0);
	int r[2];
	pipe(r);
	show("ctl(ADD new pipe, maybe same number)", ctl(ep, EPOLL_CTL_ADD, r[0], EPOLLIN, 8));

	/* Many ready entries and a small maxevents. */
	int e2 = epoll_create1(0);
	int pp[3][2];
	for (int i = 0; i < 3; i++) {
		pipe(pp[i]);
		write(pp[i][1], "z", 1);
		ctl(e2, EPOLL_CTL_ADD, pp[i][0], EPOLLIN, 10 + i);
	}
	wait_show("wait(3 ready, max 2)", e2, 2, 0);
	wait_show("wait(3 ready, max 2, again)", e2, 2, 0);
	wait_show("wait(3 ready, max 8)", e2, 8, 0);
	return 0;
}
