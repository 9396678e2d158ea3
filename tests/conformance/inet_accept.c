/* accept and accept4: flags on the new socket, the peer address and its length,
 * EAGAIN on a non-blocking listener, EINVAL on bad flags or a socket not listening,
 * the backlog (one more than asked is accepted), listen again changes it. */
#include "inet_sock.h"

int main(void)
{
	int l = listener(AF_INET, "127.0.0.1", 1);
	int nbl = fcntl(l, F_GETFL);
	fcntl(l, F_SETFL, nbl | O_NONBLOCK);
	sshow("accept with nothing pending", accept(l, NULL, NULL));
	fcntl(l, F_SETFL, nbl);
	int c1 = connect_to(AF_INET, "127.0.0.1", l);
	int c2 = connect_to(AF_INET, "127.0.0.1", l);
	(void)c1, (void)c2;
	sshow("accept4 bad flags", accept4(l, NULL, NULL, 1));
	int s = accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	fact("accept4 SOCK_NONBLOCK", fcntl(s, F_GETFL) & O_NONBLOCK);
	fact("accept4 SOCK_CLOEXEC", fcntl(s, F_GETFD) & FD_CLOEXEC);
	inaddr pa;
	socklen_t pl = 4;
	int s2 = accept(l, &pa.sa, &pl);
	fact("accept with a short address buffer", s2 >= 0);
	printf("address length reported %d\n", (int)pl);
	fact("accepted socket blocks", !(fcntl(s2, F_GETFL) & O_NONBLOCK));
	char buf[4];
	sshow("recv on a nonblocking accepted socket", recv(s, buf, sizeof(buf), 0));
	sshow("listen again with a larger backlog", listen(l, 8));
	int many[6];
	for (int i = 0; i < 6; i++) {
		many[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		inaddr a;
		socklen_t al = mkin(&a, AF_INET, "127.0.0.1", port_of(l));
		connect(many[i], &a.sa, al);
	}
	usleep(20000);
	int n = 0;
	fcntl(l, F_SETFL, nbl | O_NONBLOCK);
	while (accept(l, NULL, NULL) >= 0)
		n++;
	printf("accepted %d of 6\n", n);
	int u = socket(AF_INET, SOCK_STREAM, 0);
	sshow("accept on a socket not listening", accept(u, NULL, NULL));
	sshow("accept with a bad address pointer", accept(l, BADPTR, &pl));
	return 0;
}
