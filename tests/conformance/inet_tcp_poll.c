/* poll and epoll readiness of TCP sockets in each state, and blocked calls woken by
 * another process: accept by a connect, recv by a send, poll by a close. */
#include "inet_sock.h"

int main(void)
{
	int l = listener(AF_INET, "127.0.0.1", 4);
	ipoll("listening", l);
	int c = connect_to(AF_INET, "127.0.0.1", l);
	ipoll("listening, a connection pending", l);
	ipoll("connected client", c);
	int s = accept(l, NULL, NULL);
	ipoll("listening, none pending", l);
	ipoll("accepted", s);
	send(c, "x", 1, 0);
	usleep(10000);
	ipoll("data waiting", s);

	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP | EPOLLET, .data.u32 = 1};
	epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev);
	struct epoll_event out[4];
	int n = epoll_wait(ep, out, 4, 0);
	printf("epoll: %d events %#x\n", n, n > 0 ? out[0].events : 0);
	printf("epoll again (edge): %d\n", epoll_wait(ep, out, 4, 0));
	shutdown(c, SHUT_WR);
	n = epoll_wait(ep, out, 4, 5000);
	printf("epoll after SHUT_WR: %d rdhup %d\n", n, n > 0 && (out[0].events & EPOLLRDHUP));

	ev.events = EPOLLIN;
	ev.data.u32 = 2;
	epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
	pid_t k = fork();
	if (k == 0) {
		usleep(50000);
		int cc = connect_to(AF_INET, "127.0.0.1", l);
		usleep(50000);
		send(cc, "late", 4, 0);
		usleep(50000);
		close(cc);
		_exit(0);
	}
	n = epoll_wait(ep, out, 4, 5000);
	printf("epoll woken by a connect: %d data %u\n", n, n > 0 ? out[0].data.u32 : 0);
	int s2 = accept(l, NULL, NULL);
	char buf[8];
	sshow("blocking recv woken by a send", recv(s2, buf, sizeof(buf), 0));
	struct pollfd p = {s2, POLLIN | POLLRDHUP, 0};
	n = poll(&p, 1, 5000);
	printf("poll woken by close: %d in %d rdhup %d\n", n, !!(p.revents & POLLIN), !!(p.revents & POLLRDHUP));
	waitpid(k, NULL, 0);

	k = fork();
	if (k == 0) {
		usleep(50000);
		connect_to(AF_INET, "127.0.0.1", l);
		usleep(100000);
		_exit(0);
	}
	int s3 = accept(l, NULL, NULL);
	fact("blocking accept woken by a connect", s3 >= 0);
	waitpid(k, NULL, 0);
	usleep(10000);
	ipoll("accepted end after the client exited", s3);
	return 0;
}
