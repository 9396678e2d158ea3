/* IPPROTO_IP, IPPROTO_IPV6, IPPROTO_TCP and IPPROTO_UDP options: defaults, ranges,
 * TOS masking on TCP, -1 restoring defaults, and which errno a level that does not
 * apply gives (EOPNOTSUPP or ENOPROTOOPT); TCP_INFO's state. */
#include "inet_sock.h"

static void ip_opts(const char *title, int fd)
{
	printf("-- %s\n", title);
	show_opt("IP_TTL", fd, IPPROTO_IP, IP_TTL);
	set_opt("IP_TTL 0", fd, IPPROTO_IP, IP_TTL, 0);
	set_opt("IP_TTL 256", fd, IPPROTO_IP, IP_TTL, 256);
	set_opt("IP_TTL 7", fd, IPPROTO_IP, IP_TTL, 7);
	show_opt("IP_TTL", fd, IPPROTO_IP, IP_TTL);
	set_opt("IP_TTL -1", fd, IPPROTO_IP, IP_TTL, -1);
	show_opt("IP_TTL", fd, IPPROTO_IP, IP_TTL);
	set_opt("IP_TTL -2", fd, IPPROTO_IP, IP_TTL, -2);
	show_opt("IP_TOS", fd, IPPROTO_IP, IP_TOS);
	set_opt("IP_TOS 0x1ff", fd, IPPROTO_IP, IP_TOS, 0x1ff);
	show_opt("IP_TOS", fd, IPPROTO_IP, IP_TOS);
	unsigned char b = 0x10;
	sshow("IP_TOS one byte", setsockopt(fd, IPPROTO_IP, IP_TOS, &b, 1));
	show_opt("IP_TOS", fd, IPPROTO_IP, IP_TOS);
	show_opt("IP unknown 9999", fd, IPPROTO_IP, 9999);
	set_opt("set IP unknown 9999", fd, IPPROTO_IP, 9999, 1);
	show_opt("IPV6_V6ONLY", fd, IPPROTO_IPV6, IPV6_V6ONLY);
	show_opt("IPV6_UNICAST_HOPS", fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS);
	set_opt("IPV6_UNICAST_HOPS 300", fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 300);
	set_opt("IPV6_UNICAST_HOPS 9", fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 9);
	show_opt("IPV6_UNICAST_HOPS", fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS);
	show_opt("IPV6_TCLASS", fd, IPPROTO_IPV6, IPV6_TCLASS);
	show_opt("TCP_NODELAY", fd, IPPROTO_TCP, TCP_NODELAY);
	set_opt("TCP_NODELAY 5", fd, IPPROTO_TCP, TCP_NODELAY, 5);
	show_opt("TCP_NODELAY", fd, IPPROTO_TCP, TCP_NODELAY);
	short sh = 1;
	sshow("TCP_NODELAY 2 bytes", setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &sh, sizeof(sh)));
	show_opt("TCP_CORK", fd, IPPROTO_TCP, TCP_CORK);
	set_opt("TCP_CORK 1", fd, IPPROTO_TCP, TCP_CORK, 1);
	show_opt("TCP_CORK", fd, IPPROTO_TCP, TCP_CORK);
	show_opt("TCP_KEEPIDLE", fd, IPPROTO_TCP, TCP_KEEPIDLE);
	show_opt("TCP_KEEPINTVL", fd, IPPROTO_TCP, TCP_KEEPINTVL);
	show_opt("TCP_KEEPCNT", fd, IPPROTO_TCP, TCP_KEEPCNT);
	set_opt("TCP_KEEPIDLE 0", fd, IPPROTO_TCP, TCP_KEEPIDLE, 0);
	set_opt("TCP_KEEPIDLE 32768", fd, IPPROTO_TCP, TCP_KEEPIDLE, 32768);
	set_opt("TCP_KEEPIDLE 60", fd, IPPROTO_TCP, TCP_KEEPIDLE, 60);
	show_opt("TCP_KEEPIDLE", fd, IPPROTO_TCP, TCP_KEEPIDLE);
	set_opt("TCP_KEEPINTVL 0", fd, IPPROTO_TCP, TCP_KEEPINTVL, 0);
	set_opt("TCP_KEEPINTVL 10", fd, IPPROTO_TCP, TCP_KEEPINTVL, 10);
	set_opt("TCP_KEEPCNT 128", fd, IPPROTO_TCP, TCP_KEEPCNT, 128);
	set_opt("TCP_KEEPCNT 3", fd, IPPROTO_TCP, TCP_KEEPCNT, 3);
	show_opt("TCP_KEEPCNT", fd, IPPROTO_TCP, TCP_KEEPCNT);
	show_opt("TCP_SYNCNT", fd, IPPROTO_TCP, TCP_SYNCNT);
	show_opt("TCP_USER_TIMEOUT", fd, IPPROTO_TCP, TCP_USER_TIMEOUT);
	set_opt("TCP_USER_TIMEOUT -1", fd, IPPROTO_TCP, TCP_USER_TIMEOUT, -1);
	show_opt("TCP unknown 999", fd, IPPROTO_TCP, 999);
	show_opt("level 999", fd, 999, 1);
	set_opt("set level 999", fd, 999, 1, 1);
	show_opt("IPPROTO_UDP 999", fd, IPPROTO_UDP, 999);
	struct tcp_info ti;
	socklen_t tl = sizeof(ti);
	int r = getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &tl);
	if (r)
		printf("TCP_INFO: -1 %s\n", strerrorname_np(errno));
	else
		printf("TCP_INFO: state %d len is sizeof %d\n", ti.tcpi_state, tl == sizeof(ti));
}

static void tcp_state(const char *what, int fd)
{
	struct tcp_info ti;
	socklen_t tl = sizeof(ti);
	getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &tl);
	printf("TCP_INFO %s: state %d\n", what, ti.tcpi_state);
	tl = 1;
	getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &tl);
	printf("TCP_INFO into 1 byte: len %d\n", (int)tl);
}

int main(void)
{
	ip_opts("inet tcp", socket(AF_INET, SOCK_STREAM, 0));
	ip_opts("inet udp", socket(AF_INET, SOCK_DGRAM, 0));
	ip_opts("inet6 tcp", socket(AF_INET6, SOCK_STREAM, 0));
	ip_opts("inet6 udp", socket(AF_INET6, SOCK_DGRAM, 0));
	int l = listener(AF_INET, "127.0.0.1", 2);
	tcp_state("listening", l);
	int c = connect_to(AF_INET, "127.0.0.1", l);
	int s = accept(l, NULL, NULL);
	tcp_state("connected", c);
	shutdown(c, SHUT_WR);
	usleep(10000);
	tcp_state("after the peer's SHUT_WR", s);
	int v6 = socket(AF_INET6, SOCK_STREAM, 0);
	set_opt("IPV6_V6ONLY 1", v6, IPPROTO_IPV6, IPV6_V6ONLY, 1);
	show_opt("IPV6_V6ONLY", v6, IPPROTO_IPV6, IPV6_V6ONLY);
	return 0;
}
