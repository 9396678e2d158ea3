/* UDP over IPv6 and dual-stack: a :: socket receives from IPv4 senders with mapped
 * source addresses, ::1 traffic, IPV6_V6ONLY keeps IPv4 out, an inet6 socket may
 * send to a sockaddr_in. */
#include "inet_sock.h"

int main(void)
{
	char buf[16];
	inaddr a;
	socklen_t al;
	int r = udp_bound(AF_INET6, "::", &a, &al);
	int port = port_of(r);
	show_name("receiver", r, 0);

	int w4 = socket(AF_INET, SOCK_DGRAM, 0);
	inaddr t4;
	socklen_t t4l = mkin(&t4, AF_INET, "127.0.0.1", port);
	sshow("v4 sendto", sendto(w4, "four", 4, 0, &t4.sa, t4l));
	inaddr from;
	socklen_t fl = sizeof(from);
	usleep(10000);
	sshow("recvfrom", recvfrom(r, buf, sizeof(buf), 0, &from.sa, &fl));
	show_addr("from", &from, fl);

	int w6 = socket(AF_INET6, SOCK_DGRAM, 0);
	inaddr t6;
	socklen_t t6l = mkin(&t6, AF_INET6, "::1", port);
	sshow("v6 sendto ::1", sendto(w6, "six", 3, 0, &t6.sa, t6l));
	show_name("v6 sender", w6, 0);
	usleep(10000);
	fl = sizeof(from);
	sshow("recvfrom", recvfrom(r, buf, sizeof(buf), 0, &from.sa, &fl));
	show_addr("from", &from, fl);

	int w6b = socket(AF_INET6, SOCK_DGRAM, 0);
	sshow("v6 socket sendto a sockaddr_in", sendto(w6b, "mix", 3, 0, &t4.sa, t4l));
	usleep(10000);
	fl = sizeof(from);
	sshow("recvfrom", recvfrom(r, buf, sizeof(buf), 0, &from.sa, &fl));
	show_addr("from", &from, fl);
	show_name("that sender", w6b, 0);

	int v = socket(AF_INET6, SOCK_DGRAM, 0);
	int on = 1;
	setsockopt(v, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	al = mkin(&a, AF_INET6, "::", 0);
	bind(v, &a.sa, al);
	t4l = mkin(&t4, AF_INET, "127.0.0.1", port_of(v));
	sshow("v4 sendto a v6only port", sendto(w4, "x", 1, 0, &t4.sa, t4l));
	usleep(10000);
	sshow("v6only socket gets nothing", recv(v, buf, sizeof(buf), MSG_DONTWAIT));
	sshow("v6only sendto a mapped address", sendto(v, "x", 1, 0, &t4.sa, t4l));

	int c = socket(AF_INET6, SOCK_DGRAM, 0);
	t6l = mkin(&t6, AF_INET6, "::1", port);
	sshow("connect ::1", connect(c, &t6.sa, t6l));
	show_name("connected name", c, 0);
	show_name("connected peer", c, 1);
	int cm = socket(AF_INET6, SOCK_DGRAM, 0);
	al = mkin(&a, AF_INET6, "::ffff:127.0.0.1", port);
	sshow("connect mapped", connect(cm, &a.sa, al));
	show_name("mapped name", cm, 0);
	return 0;
}
