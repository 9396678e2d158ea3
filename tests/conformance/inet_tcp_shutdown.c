/* Half-close of TCP: SHUT_WR gives the peer end-of-file while it can still send
 * back; writing after SHUT_WR is EPIPE; SHUT_RD reads end-of-file yet data still
 * arrives; shutdown of a listener stops it; errors (ENOTCONN, EINVAL). */
#include "inet_sock.h"

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	int c, s;
	char buf[16];
	tcp_pair(&c, &s);
	send(c, "last", 4, 0);
	sshow("shutdown SHUT_WR", shutdown(c, SHUT_WR));
	ipoll("server after client SHUT_WR", s);
	ipoll("client after SHUT_WR", c);
	sshow("server reads the data", recv(s, buf, sizeof(buf), 0));
	sshow("server reads end-of-file", recv(s, buf, sizeof(buf), 0));
	sshow("again", recv(s, buf, sizeof(buf), 0));
	sshow("client writes after SHUT_WR", send(c, "x", 1, 0));
	sshow("server still sends", send(s, "back", 4, 0));
	struct pollfd p = {c, POLLIN, 0};
	poll(&p, 1, 5000);
	sshow("client still reads", recv(c, buf, sizeof(buf), 0));
	sshow("server SHUT_WR too", shutdown(s, SHUT_WR));
	ipoll("client after both", c);
	ipoll("server after both", s);
	sshow("client reads end-of-file", recv(c, buf, sizeof(buf), 0));
	close(c), close(s);

	tcp_pair(&c, &s);
	sshow("shutdown SHUT_RD", shutdown(s, SHUT_RD));
	ipoll("after SHUT_RD", s);
	sshow("recv after SHUT_RD", recv(s, buf, sizeof(buf), MSG_DONTWAIT));
	ipoll("peer of a SHUT_RD socket", c);
	sshow("peer sends", send(c, "ab", 2, 0));
	usleep(10000);
	sshow("recv gets it anyway", recv(s, buf, sizeof(buf), MSG_DONTWAIT));
	sshow("shutdown SHUT_RDWR", shutdown(s, SHUT_RDWR));
	ipoll("after SHUT_RDWR", s);
	sshow("send after SHUT_RDWR", send(s, "x", 1, 0));
	sshow("bad how", shutdown(s, 3));
	close(c), close(s);

	int u = socket(AF_INET, SOCK_STREAM, 0);
	sshow("shutdown unconnected", shutdown(u, SHUT_RDWR));
	int l = listener(AF_INET, "127.0.0.1", 4);
	sshow("listener SHUT_WR", shutdown(l, SHUT_WR));
	show_opt("still listening", l, SOL_SOCKET, SO_ACCEPTCONN);
	int pending = connect_to(AF_INET, "127.0.0.1", l);
	sshow("listener SHUT_RD", shutdown(l, SHUT_RD));
	show_opt("listening after SHUT_RD", l, SOL_SOCKET, SO_ACCEPTCONN);
	ipoll("listener after SHUT_RD", l);
	sshow("accept", accept4(l, NULL, NULL, SOCK_NONBLOCK));
	usleep(10000);
	sshow("the pending client reads", recv(pending, buf, sizeof(buf), MSG_DONTWAIT));
	return 0;
}
