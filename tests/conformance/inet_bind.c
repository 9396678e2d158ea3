/* bind(2) of inet sockets: loopback and wildcard addresses, ephemeral ports, address
 * checks (EADDRNOTAVAIL, EAFNOSUPPORT, EINVAL), binding twice, EADDRINUSE. */
#include "inet_sock.h"

static void try_bind(const char *what, int family, int type, const char *ip, int port)
{
	inaddr a;
	socklen_t l = mkin(&a, family, ip, port);
	int s = socket(family, type, 0);
	sshow(what, bind(s, &a.sa, l));
	close(s);
}

int main(void)
{
	inaddr a;
	int s = socket(AF_INET, SOCK_STREAM, 0);
	socklen_t l = mkin(&a, AF_INET, "127.0.0.1", 0);
	sshow("bind 127.0.0.1:0", bind(s, &a.sa, l));
	show_name("name", s, 0);
	sshow("bind again", bind(s, &a.sa, l));
	int taken = port_of(s);

	int s2 = socket(AF_INET, SOCK_STREAM, 0);
	mkin(&a, AF_INET, "127.0.0.1", taken);
	sshow("bind taken port", bind(s2, &a.sa, l));
	mkin(&a, AF_INET, "0.0.0.0", taken);
	sshow("bind taken port on 0.0.0.0", bind(s2, &a.sa, l));
	mkin(&a, AF_INET, "127.0.0.2", taken);
	sshow("bind taken port on 127.0.0.2", bind(s2, &a.sa, l));
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	mkin(&a, AF_INET, "127.0.0.1", taken);
	sshow("udp bind on the tcp port", bind(u, &a.sa, l));

	try_bind("bind 0.0.0.0:0", AF_INET, SOCK_STREAM, "0.0.0.0", 0);
	try_bind("bind 127.1.2.3:0", AF_INET, SOCK_DGRAM, "127.1.2.3", 0);
	try_bind("bind 192.0.2.1", AF_INET, SOCK_STREAM, "192.0.2.1", 0);
	try_bind("bind ::", AF_INET6, SOCK_STREAM, "::", 0);
	try_bind("bind ::1", AF_INET6, SOCK_DGRAM, "::1", 0);
	try_bind("bind ::ffff:127.0.0.1", AF_INET6, SOCK_DGRAM, "::ffff:127.0.0.1", 0);
	try_bind("bind 2001:db8::1", AF_INET6, SOCK_STREAM, "2001:db8::1", 0);
	try_bind("bind ::ffff:10.9.9.9", AF_INET6, SOCK_DGRAM, "::ffff:10.9.9.9", 0);

	int t = socket(AF_INET, SOCK_STREAM, 0);
	mkin(&a, AF_INET, "127.0.0.1", 0);
	sshow("short address", bind(t, &a.sa, sizeof(a.in) - 1));
	mkin(&a, AF_INET6, "::1", 0);
	sshow("inet6 address on inet socket", bind(t, &a.sa, sizeof(a.in6)));
	mkin(&a, AF_INET, "127.0.0.1", 0);
	a.in.sin_family = AF_UNSPEC;
	sshow("AF_UNSPEC with 127.0.0.1", bind(t, &a.sa, sizeof(a.in)));
	a.in.sin_addr.s_addr = htonl(INADDR_ANY);
	sshow("AF_UNSPEC with INADDR_ANY", bind(t, &a.sa, sizeof(a.in)));
	show_name("after AF_UNSPEC bind", t, 0);
	int t6 = socket(AF_INET6, SOCK_STREAM, 0);
	mkin(&a, AF_INET, "127.0.0.1", 0);
	sshow("inet address on inet6 socket", bind(t6, &a.sa, sizeof(a.in)));
	mkin(&a, AF_INET6, "::1", 0);
	sshow("inet6 address of 23 bytes", bind(t6, &a.sa, 23));
	sshow("inet6 address of 24 bytes", bind(t6, &a.sa, 24));
	show_name("inet6 name", t6, 0);
	sshow("bind with a bad pointer", bind(socket(AF_INET, SOCK_STREAM, 0), BADPTR, sizeof(a.in)));
	sshow("bind on a pipe", bind(0, &a.sa, sizeof(a.in)));
	sshow("bind on a bad fd", bind(-1, &a.sa, sizeof(a.in)));
	return 0;
}
