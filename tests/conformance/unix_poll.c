/* poll and epoll readiness of unix sockets: listener with a pending connection,
 * connected, readable, after shutdown and peer close, unconnected; a blocked reader
 * woken by a writer in another process; epoll edge notifications. */
#include "unix_sock.h"

#include <sys/epoll.h>

static void pr(const char *what, int fd)
{
	struct pollfd p = {fd, POLLIN | POLLOUT | POLLRDHUP, 0};
	poll(&p, 1, 0);
	printf("%-34s in %d out %d hup %d rdhup %d err %d\n", what, !!(p.revents & POLLIN), !!(p.revents & POLLOUT),
	       !!(p.revents & POLLHUP), !!(p.revents & POLLRDHUP), !!(p.revents & POLLERR));
}

int main(void)
{
	int sv[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	pr("fresh pair", sv[0]);
	send(sv[1], "x", 1, 0);
	pr("data queued", sv[0]);
	shutdown(sv[1], SHUT_WR);
	pr("peer SHUT_WR", sv[0]);
	close(sv[1]);
	pr("peer closed", sv[0]);
	close(sv[0]);

	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	pr("unconnected stream", s);
	int d = socket(AF_UNIX, SOCK_DGRAM, 0);
	pr("unconnected dgram", d);
	int q = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	pr("unconnected seqpacket", q);
	struct sockaddr_un a;
	socklen_t al = mkaddr(&a, uname_abs("poll"));
	bind(s, (struct sockaddr *)&a, al);
	listen(s, 2);
	pr("listening", s);
	int c = socket(AF_UNIX, SOCK_STREAM, 0);
	connect(c, (struct sockaddr *)&a, al);
	pr("listening with a pending conn", s);
	pr("connected client", c);

	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.u32 = 7};
	epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev);
	struct epoll_event out[4];
	printf("epoll listener: %d\n", epoll_wait(ep, out, 4, 0));
	int conn = accept(s, NULL, NULL);
	ev.data.u32 = 8;
	epoll_ctl(ep, EPOLL_CTL_ADD, conn, &ev);
	printf("epoll after accept (edge consumed, conn idle): %d\n", epoll_wait(ep, out, 4, 0));

	pid_t k = fork();
	if (k == 0) {
		usleep(50000);
		send(c, "late", 4, 0);
		_exit(0);
	}
	int n = epoll_wait(ep, out, 4, 5000);
	printf("epoll woken by the child's send: %d data %u\n", n, n > 0 ? out[0].data.u32 : 0);
	char buf[8];
	printf("recv %zd\n", recv(conn, buf, sizeof(buf), 0));
	waitpid(k, NULL, 0);

	k = fork();
	if (k == 0) {
		usleep(50000);
		send(c, "again", 5, 0);
		_exit(0);
	}
	printf("blocking recv woken: %zd\n", recv(conn, buf, sizeof(buf), 0));
	waitpid(k, NULL, 0);
	struct pollfd p = {conn, POLLIN, 0};
	k = fork();
	if (k == 0) {
		usleep(50000);
		close(c);
		_exit(0);
	}
	close(c);
	int pn = poll(&p, 1, 5000);
	printf("poll woken by close: %d revents in %d hup %d\n", pn, !!(p.revents & POLLIN), !!(p.revents & POLLHUP));
	waitpid(k, NULL, 0);
	return 0;
}
