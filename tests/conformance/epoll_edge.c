/* epoll: edge-triggered and one-shot entries on pipes and eventfds, re-arming with
 * EPOLL_CTL_MOD, and the write side of a pipe filling up and draining. */
#include "conf.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>

static int ctl(int ep, int op, int fd, unsigned events, unsigned long data)
{
	struct epoll_event e = { .events = events, .data.u64 = data };
	return (int)kret(epoll_ctl(ep, op, fd, &e));
}

static void wait_show(const char *what, int ep)
{
	struct epoll_event ev[8];
	int n = (int)kret(epoll_wait(ep, ev, 8, 0));
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
	char buf[65536];
	int ep = epoll_create1(0);
	int p[2];
	pipe(p);

	printf("-- edge-triggered read end\n");
	write(p[1], "ab", 2);
	show("ADD ET (already readable)", ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN | EPOLLET, 1));
	wait_show("wait", ep);
	wait_show("wait again", ep);
	read(p[0], buf, 1);
	wait_show("after a partial read", ep);
	write(p[1], "c", 1);
	wait_show("after a new write", ep);
	wait_show("wait again", ep);
	read(p[0], buf, sizeof(buf));
	wait_show("drained", ep);
	show("MOD ET (nothing ready)", ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLET, 2));
	wait_show("after MOD", ep);
	write(p[1], "d", 1);
	write(p[1], "e", 1);
	wait_show("two writes, one wait", ep);
	show("MOD ET (readable)", ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLET, 3));
	wait_show("after MOD re-arms", ep);
	wait_show("wait again", ep);
	read(p[0], buf, sizeof(buf));

	printf("-- one-shot\n");
	show("MOD ONESHOT", ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLONESHOT, 4));
	write(p[1], "f", 1);
	wait_show("wait", ep);
	wait_show("disarmed", ep);
	write(p[1], "g", 1);
	wait_show("disarmed after a write", ep);
	show("ADD while disarmed", ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN, 0));
	show("MOD re-arms", ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLONESHOT | EPOLLET, 5));
	wait_show("wait", ep);
	wait_show("disarmed", ep);
	close(p[1]);
	wait_show("disarmed, writer closed", ep);
	show("MOD", ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN, 6));
	wait_show("hang-up", ep);
	close(p[0]);

	printf("-- edge-triggered write end\n");
	int q[2];
	pipe2(q, O_NONBLOCK);
	show("ADD ET write end", ctl(ep, EPOLL_CTL_ADD, q[1], EPOLLOUT | EPOLLET, 7));
	wait_show("wait", ep);
	write(q[1], "x", 1);
	wait_show("after a write", ep);
	long n;
	while ((n = write(q[1], buf, sizeof(buf))) > 0)
		;
	printf("filled the pipe: %s\n", errno == EAGAIN ? "EAGAIN" : ename(errno));
	wait_show("full", ep);
	while (read(q[0], buf, sizeof(buf)) > 0)
		;
	wait_show("drained", ep);
	wait_show("wait again", ep);
	write(q[1], "y", 1);
	wait_show("after another write", ep);
	close(q[0]);
	wait_show("reader closed", ep);

	printf("-- eventfd\n");
	int e = eventfd(0, EFD_NONBLOCK);
	show("ADD ET|IN|OUT", ctl(ep, EPOLL_CTL_ADD, e, EPOLLIN | EPOLLOUT | EPOLLET, 8));
	wait_show("wait", ep);
	uint64_t one = 1, v;
	write(e, &one, 8);
	wait_show("after write", ep);
	wait_show("wait again", ep);
	uint64_t zero = 0;
	write(e, &zero, 8);
	wait_show("after writing 0", ep);
	read(e, &v, 8);
	wait_show("after read", ep);
	return 0;
}
