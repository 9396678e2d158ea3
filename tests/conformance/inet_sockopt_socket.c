/* SOL_SOCKET options of TCP and UDP sockets, both families: defaults, what setting
 * stores (buffers doubled and bounded, booleans, SO_LINGER, timeouts), read-only and
 * unknown options, short lengths, getsockopt length handling. */
#include "inet_sock.h"

static void opts(const char *title, int fd)
{
	printf("-- %s\n", title);
	show_opt("SO_SNDBUF", fd, SOL_SOCKET, SO_SNDBUF);
	show_opt("SO_RCVBUF", fd, SOL_SOCKET, SO_RCVBUF);
	show_opt("SO_REUSEADDR", fd, SOL_SOCKET, SO_REUSEADDR);
	show_opt("SO_KEEPALIVE", fd, SOL_SOCKET, SO_KEEPALIVE);
	show_opt("SO_BROADCAST", fd, SOL_SOCKET, SO_BROADCAST);
	show_opt("SO_ERROR", fd, SOL_SOCKET, SO_ERROR);
	show_opt("SO_SNDLOWAT", fd, SOL_SOCKET, SO_SNDLOWAT);
	show_opt("SO_RCVLOWAT", fd, SOL_SOCKET, SO_RCVLOWAT);
	show_opt("SO_PRIORITY", fd, SOL_SOCKET, SO_PRIORITY);
	show_opt("unknown 1000", fd, SOL_SOCKET, 1000);
	set_opt("set SO_SNDBUF 1", fd, SOL_SOCKET, SO_SNDBUF, 1);
	show_opt("SO_SNDBUF", fd, SOL_SOCKET, SO_SNDBUF);
	set_opt("set SO_RCVBUF 1", fd, SOL_SOCKET, SO_RCVBUF, 1);
	show_opt("SO_RCVBUF", fd, SOL_SOCKET, SO_RCVBUF);
	set_opt("set SO_RCVBUF 10000", fd, SOL_SOCKET, SO_RCVBUF, 10000);
	show_opt("SO_RCVBUF", fd, SOL_SOCKET, SO_RCVBUF);
	set_opt("set SO_KEEPALIVE 5", fd, SOL_SOCKET, SO_KEEPALIVE, 5);
	show_opt("SO_KEEPALIVE", fd, SOL_SOCKET, SO_KEEPALIVE);
	set_opt("set SO_BROADCAST 1", fd, SOL_SOCKET, SO_BROADCAST, 1);
	show_opt("SO_BROADCAST", fd, SOL_SOCKET, SO_BROADCAST);
	set_opt("set SO_REUSEPORT 1", fd, SOL_SOCKET, SO_REUSEPORT, 1);
	show_opt("SO_REUSEPORT", fd, SOL_SOCKET, SO_REUSEPORT);
	set_opt("set SO_SNDLOWAT", fd, SOL_SOCKET, SO_SNDLOWAT, 1);
	set_opt("set SO_TYPE", fd, SOL_SOCKET, SO_TYPE, 1);
	set_opt("set SO_ERROR", fd, SOL_SOCKET, SO_ERROR, 1);
	set_opt("set SO_ACCEPTCONN", fd, SOL_SOCKET, SO_ACCEPTCONN, 1);
	set_opt("set unknown 1000", fd, SOL_SOCKET, 1000, 1);
	struct linger lg = {0, 0};
	socklen_t l = sizeof(lg);
	getsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, &l);
	printf("SO_LINGER %d %d (len %d)\n", lg.l_onoff, lg.l_linger, (int)l);
	lg.l_onoff = 1, lg.l_linger = 5;
	sshow("set SO_LINGER", setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	sshow("set SO_LINGER short", setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, 4));
	memset(&lg, 0, sizeof(lg));
	getsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, &l);
	printf("SO_LINGER %d %d\n", lg.l_onoff, lg.l_linger);
	struct timeval tv = {2, 500000};
	sshow("set SO_RCVTIMEO", setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	memset(&tv, 0, sizeof(tv));
	l = sizeof(tv);
	getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, &l);
	printf("SO_RCVTIMEO %ld.%06ld (len %d)\n", (long)tv.tv_sec, (long)tv.tv_usec, (int)l);
	tv.tv_usec = 1000000;
	sshow("set SO_SNDTIMEO bad usec", setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)));
	short sh = 1;
	sshow("set SO_KEEPALIVE 2 bytes", setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &sh, sizeof(sh)));
	int v = 9;
	l = 2;
	sshow("get SO_TYPE into 2 bytes", getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &l));
	printf("len %d\n", (int)l);
	l = 0;
	sshow("get SO_TYPE into 0 bytes", getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &l));
	l = -1;
	sshow("get with length -1", getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &l));
	struct ucred cr;
	l = sizeof(cr);
	getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &l);
	printf("SO_PEERCRED pid %d uid %d gid %d (len %d)\n", cr.pid, (int)cr.uid, (int)cr.gid, (int)l);
}

int main(void)
{
	opts("inet tcp", socket(AF_INET, SOCK_STREAM, 0));
	opts("inet udp", socket(AF_INET, SOCK_DGRAM, 0));
	opts("inet6 tcp", socket(AF_INET6, SOCK_STREAM, 0));
	opts("inet6 udp", socket(AF_INET6, SOCK_DGRAM, 0));
	int c, s;
	tcp_pair(&c, &s);
	show_opt("accepted SO_RCVBUF", s, SOL_SOCKET, SO_RCVBUF);
	int l = listener(AF_INET, "127.0.0.1", 2);
	set_opt("listener SO_KEEPALIVE", l, SOL_SOCKET, SO_KEEPALIVE, 1);
	int c2 = connect_to(AF_INET, "127.0.0.1", l);
	int s2 = accept(l, NULL, NULL);
	show_opt("accepted inherits SO_KEEPALIVE", s2, SOL_SOCKET, SO_KEEPALIVE);
	show_opt("client does not", c2, SOL_SOCKET, SO_KEEPALIVE);
	return 0;
}
