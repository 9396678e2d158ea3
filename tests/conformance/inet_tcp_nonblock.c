/* Non-blocking TCP connect over loopback: EINPROGRESS, then writable, then 0 and
 * EISCONN; a refused one shows in poll and SO_ERROR, and the next connect says
 * ECONNABORTED; a full backlog leaves the client waiting until accept makes room. */
#include "inet_sock.h"

static int wait_out(int fd, int ms)
{
	struct pollfd p = {fd, POLLOUT, 0};
	return poll(&p, 1, ms) == 1 ? p.revents : 0;
}

int main(void)
{
	int l = listener(AF_INET, "127.0.0.1", 0);
	inaddr a;
	socklen_t al = mkin(&a, AF_INET, "127.0.0.1", port_of(l));
	int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	sshow("connect", connect(c, &a.sa, al));
	fact("becomes writable", wait_out(c, 5000) & POLLOUT);
	show_opt("SO_ERROR", c, SOL_SOCKET, SO_ERROR);
	sshow("connect again", connect(c, &a.sa, al));
	sshow("and again", connect(c, &a.sa, al));
	show_name("peer", c, 1);

	/* The backlog (0 allows one) is full now: the next client waits. */
	int w = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	sshow("connect to a full listener", connect(w, &a.sa, al));
	ipoll("waiting client", w);
	sshow("connect while waiting", connect(w, &a.sa, al));
	int s = accept(l, NULL, NULL);
	fact("accepted the first", s >= 0);
	fact("waiting client becomes writable", wait_out(w, 10000) & POLLOUT);
	sshow("its connect now", connect(w, &a.sa, al));
	struct pollfd lp = {l, POLLIN, 0};
	sshow("listener readable", poll(&lp, 1, 10000));
	int s2 = accept(l, NULL, NULL);
	fact("accepted the second", s2 >= 0);
	send(w, "hi", 2, 0);
	char buf[4];
	sshow("data from the second", recv(s2, buf, sizeof(buf), 0));

	int lr = listener(AF_INET, "127.0.0.1", 1);
	int closed_port = port_of(lr);
	close(lr);
	int r = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	al = mkin(&a, AF_INET, "127.0.0.1", closed_port);
	sshow("connect to a closed port", connect(r, &a.sa, al));
	fact("refused: wakes poll", wait_out(r, 5000) != 0);
	ipoll("refused", r);
	show_opt("SO_ERROR", r, SOL_SOCKET, SO_ERROR);
	ipoll("after SO_ERROR", r);
	sshow("connect again", connect(r, &a.sa, al));
	ipoll("after that", r);
	int r2 = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	connect(r2, &a.sa, al);
	wait_out(r2, 5000);
	sshow("connect again without SO_ERROR", connect(r2, &a.sa, al));
	char c1;
	sshow("recv on it", recv(r2, &c1, 1, 0));
	return 0;
}
