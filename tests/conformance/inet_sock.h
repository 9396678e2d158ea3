/* Helpers shared by the inet_*.c socket programs (TCP and UDP over loopback).
 * Ports are chosen by the kernel (port 0) and never printed: only whether they are
 * in the ephemeral range. */
#ifndef INET_SOCK_H
#define INET_SOCK_H
#include "unix_sock.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>

/* Any sockaddr of either family. */
typedef union {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
	struct sockaddr_storage ss;
} inaddr;

/* An address of `family` from text ("127.0.0.1", "::1", "::ffff:127.0.0.1") and a port. */
static inline socklen_t mkin(inaddr *a, int family, const char *ip, int port)
{
	memset(a, 0, sizeof(*a));
	if (family == AF_INET) {
		a->in.sin_family = AF_INET;
		a->in.sin_port = htons(port);
		inet_pton(AF_INET, ip, &a->in.sin_addr);
		return sizeof(a->in);
	}
	a->in6.sin6_family = AF_INET6;
	a->in6.sin6_port = htons(port);
	inet_pton(AF_INET6, ip, &a->in6.sin6_addr);
	return sizeof(a->in6);
}

/* The port of a socket's own address (0 if it has none). */
static inline int port_of(int fd)
{
	inaddr a;
	socklen_t l = sizeof(a);
	if (getsockname(fd, &a.sa, &l))
		return -1;
	return ntohs(a.sa.sa_family == AF_INET ? a.in.sin_port : a.in6.sin6_port);
}

static inline const char *port_class(int p)
{
	return p == 0 ? "0" : (p >= 32768 && p <= 60999) ? "ephemeral" : "other";
}

/* Print a socket's own (peer = 0) or peer's address: family, length, address and
 * whether the port is 0 or ephemeral, never the port itself. */
static inline void show_name(const char *what, int fd, int peer)
{
	inaddr a;
	socklen_t l = sizeof(a);
	char b[INET6_ADDRSTRLEN];
	int r = peer ? getpeername(fd, &a.sa, &l) : getsockname(fd, &a.sa, &l);
	if (r) {
		printf("%s: -1 %s\n", what, strerrorname_np(errno));
		return;
	}
	if (a.sa.sa_family == AF_INET)
		printf("%s: len %d inet %s port %s\n", what, (int)l, inet_ntop(AF_INET, &a.in.sin_addr, b, sizeof(b)),
		       port_class(ntohs(a.in.sin_port)));
	else
		printf("%s: len %d inet6 %s port %s\n", what, (int)l, inet_ntop(AF_INET6, &a.in6.sin6_addr, b, sizeof(b)),
		       port_class(ntohs(a.in6.sin6_port)));
}

/* Print a received source address like show_name. */
static inline void show_addr(const char *what, inaddr *a, socklen_t l)
{
	char b[INET6_ADDRSTRLEN];
	if (a->sa.sa_family == AF_INET)
		printf("%s: len %d inet %s\n", what, (int)l, inet_ntop(AF_INET, &a->in.sin_addr, b, sizeof(b)));
	else if (a->sa.sa_family == AF_INET6)
		printf("%s: len %d inet6 %s\n", what, (int)l, inet_ntop(AF_INET6, &a->in6.sin6_addr, b, sizeof(b)));
	else
		printf("%s: len %d family %d\n", what, (int)l, a->sa.sa_family);
}

/* poll revents of fd for IN, OUT, RDHUP right now. */
static inline void ipoll(const char *what, int fd)
{
	struct pollfd p = {fd, POLLIN | POLLOUT | POLLRDHUP, 0};
	poll(&p, 1, 0);
	printf("%-36s in %d out %d hup %d rdhup %d err %d\n", what, !!(p.revents & POLLIN), !!(p.revents & POLLOUT),
	       !!(p.revents & POLLHUP), !!(p.revents & POLLRDHUP), !!(p.revents & POLLERR));
}

/* A TCP listener of `family` on `ip`, port chosen by the kernel, with `backlog`. */
static inline int listener(int family, const char *ip, int backlog)
{
	inaddr a;
	socklen_t l = mkin(&a, family, ip, 0);
	int s = socket(family, SOCK_STREAM, 0);
	if (s < 0 || bind(s, &a.sa, l) || listen(s, backlog)) {
		printf("listener setup failed: %s\n", strerrorname_np(errno));
		exit(1);
	}
	return s;
}

/* Connect a new TCP socket of `family` to `ip` at the port of `lst`. */
static inline int connect_to(int family, const char *ip, int lst)
{
	inaddr a;
	socklen_t l = mkin(&a, family, ip, port_of(lst));
	int c = socket(family, SOCK_STREAM, 0);
	if (connect(c, &a.sa, l)) {
		printf("connect failed: %s\n", strerrorname_np(errno));
		exit(1);
	}
	return c;
}

/* A UDP socket of `family` bound to `ip` at a port the kernel picks; *a (of length
 * *al) becomes its address, port included. */
static inline int udp_bound(int family, const char *ip, inaddr *a, socklen_t *al)
{
	int s = socket(family, SOCK_DGRAM, 0);
	*al = mkin(a, family, ip, 0);
	if (s < 0 || bind(s, &a->sa, *al)) {
		printf("udp setup failed: %s\n", strerrorname_np(errno));
		exit(1);
	}
	*al = mkin(a, family, ip, port_of(s));
	return s;
}

/* A connected TCP pair over 127.0.0.1: *c the client, *s the accepted end. */
static inline void tcp_pair(int *c, int *s)
{
	int l = listener(AF_INET, "127.0.0.1", 4);
	*c = connect_to(AF_INET, "127.0.0.1", l);
	*s = accept(l, NULL, NULL);
	close(l);
}

/* An int option's value, or -1 with the errno name printed. */
static inline void show_opt(const char *what, int fd, int level, int name)
{
	int v = -7;
	socklen_t l = sizeof(v);
	if (getsockopt(fd, level, name, &v, &l))
		printf("%s: -1 %s\n", what, strerrorname_np(errno));
	else
		printf("%s: %d (len %d)\n", what, v, (int)l);
}

static inline void set_opt(const char *what, int fd, int level, int name, int v)
{
	sshow(what, setsockopt(fd, level, name, &v, sizeof(v)));
}
#endif
