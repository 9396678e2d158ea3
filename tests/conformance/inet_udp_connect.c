/* Connected UDP: the local address it picks, datagrams only from the peer, sendto
 * another address, ECONNREFUSED from a closed port (on the next call, once),
 * dissolving with AF_UNSPEC, shutdown. */
#include "inet_sock.h"

int main(void)
{
	char buf[16];
	inaddr ra;
	socklen_t al;
	int r = udp_bound(AF_INET, "127.0.0.1", &ra, &al);
	int c = socket(AF_INET, SOCK_DGRAM, 0);
	sshow("connect", connect(c, &ra.sa, al));
	show_name("name", c, 0);
	show_name("peer", c, 1);
	sshow("send", send(c, "hi", 2, 0));
	sshow("write", write(c, "yo", 2));
	usleep(10000);
	sshow("recv", recv(r, buf, sizeof(buf), 0));
	sshow("read", read(r, buf, sizeof(buf)));

	int other = socket(AF_INET, SOCK_DGRAM, 0);
	inaddr ca;
	socklen_t cl = mkin(&ca, AF_INET, "127.0.0.1", port_of(c));
	sshow("a stranger sends to the connected socket", sendto(other, "no", 2, 0, &ca.sa, cl));
	sshow("the peer sends to it", sendto(r, "ok", 2, 0, &ca.sa, cl));
	usleep(10000);
	sshow("it receives only the peer's", recv(c, buf, sizeof(buf), MSG_DONTWAIT));
	sshow("nothing else", recv(c, buf, sizeof(buf), MSG_DONTWAIT));
	inaddr oa;
	socklen_t ol = mkin(&oa, AF_INET, "127.0.0.1", 0);
	bind(other, &oa.sa, ol);
	ol = mkin(&oa, AF_INET, "127.0.0.1", port_of(other));
	sshow("sendto another address while connected", sendto(c, "z", 1, 0, &oa.sa, ol));
	usleep(10000);
	sshow("it arrives", recv(other, buf, sizeof(buf), MSG_DONTWAIT));

	inaddr ga;
	socklen_t gl;
	close(udp_bound(AF_INET, "127.0.0.1", &ga, &gl));
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	sshow("connect to a closed port", connect(u, &ga.sa, gl));
	sshow("first send", send(u, "x", 1, 0));
	usleep(10000);
	ipoll("after the refusal", u);
	sshow("second send", send(u, "x", 1, 0));
	sshow("third send", send(u, "x", 1, 0));
	usleep(10000);
	sshow("recv", recv(u, buf, sizeof(buf), MSG_DONTWAIT));
	sshow("recv again", recv(u, buf, sizeof(buf), MSG_DONTWAIT));
	sshow("unconnected sendto a closed port", sendto(other, "x", 1, 0, &ga.sa, gl));
	usleep(10000);
	sshow("no error for it", recv(other, buf, sizeof(buf), MSG_DONTWAIT));

	struct sockaddr unspec = {.sa_family = AF_UNSPEC};
	sshow("disconnect", connect(c, &unspec, sizeof(unspec)));
	show_name("name after disconnect", c, 0);
	show_name("peer after disconnect", c, 1);
	sshow("send after disconnect", send(c, "x", 1, 0));
	sshow("shutdown unconnected", shutdown(c, SHUT_RDWR));
	ipoll("after shutdown", c);
	sshow("recv after shutdown, nonblocking", recv(c, buf, sizeof(buf), MSG_DONTWAIT));
	sshow("connect a bound socket", connect(r, &ca.sa, cl));
	show_name("bound socket keeps its address", r, 0);
	sshow("shutdown connected", shutdown(r, SHUT_WR));
	sshow("send after SHUT_WR", send(r, "x", 1, MSG_NOSIGNAL));
	return 0;
}
