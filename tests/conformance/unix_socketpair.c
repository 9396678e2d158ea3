/* socketpair(AF_UNIX): stream bytes, dgram and seqpacket boundaries, truncation, MSG_PEEK,
 * MSG_TRUNC, MSG_DONTWAIT, FIONREAD, SOCK_NONBLOCK/SOCK_CLOEXEC, fstat, socket(2) errors. */
#include "unix_sock.h"

static void show_type(int fd)
{
	int v = -1;
	socklen_t l = sizeof(v);
	getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &l);
	printf("SO_TYPE %d len %u\n", v, l);
	getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &l);
	printf("SO_DOMAIN %d\n", v);
}

int main(void)
{
	int sv[2];
	char buf[64];
	sshow("socketpair stream", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	show_type(sv[0]);
	struct stat st;
	fstat(sv[0], &st);
	printf("S_ISSOCK %d\n", S_ISSOCK(st.st_mode));
	sshow("send abc", send(sv[0], "abc", 3, 0));
	sshow("write defg", write(sv[0], "defg", 4));
	int n = -1;
	ioctl(sv[1], FIONREAD, &n);
	printf("FIONREAD %d\n", n);
	sshow("recv peek 2", recv(sv[1], buf, 2, MSG_PEEK));
	sshow("read 64", read(sv[1], buf, 64));
	show_bytes("stream data", buf, 7);
	sshow("recv dontwait empty", recv(sv[1], buf, 64, MSG_DONTWAIT));
	struct sockaddr_un from;
	socklen_t fl = sizeof(from);
	send(sv[1], "x", 1, 0);
	sshow("recvfrom", recvfrom(sv[0], buf, 64, 0, (struct sockaddr *)&from, &fl));
	printf("recvfrom addrlen (unnamed peer) %u\n", fl);
	fl = sizeof(from);
	sshow("getsockname", getsockname(sv[0], (struct sockaddr *)&from, &fl));
	printf("getsockname len %u family %d\n", fl, from.sun_family);
	fl = sizeof(from);
	sshow("getpeername", getpeername(sv[0], (struct sockaddr *)&from, &fl));
	printf("getpeername len %u\n", fl);
	close(sv[0]);
	close(sv[1]);

	int types[2] = {SOCK_DGRAM, SOCK_SEQPACKET};
	for (int i = 0; i < 2; i++) {
		printf("-- type %d\n", types[i]);
		sshow("socketpair", socketpair(AF_UNIX, types[i] | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv));
		show_type(sv[1]);
		printf("nonblock %d cloexec %d\n", !!(fcntl(sv[0], F_GETFL) & O_NONBLOCK), fcntl(sv[0], F_GETFD));
		sshow("send hello", send(sv[0], "hello", 5, 0));
		sshow("send empty", send(sv[0], "", 0, 0));
		sshow("send world!", send(sv[0], "world!", 6, 0));
		ioctl(sv[1], FIONREAD, &n);
		printf("FIONREAD (next message) %d\n", n);
		sshow("recv 3 of hello", recv(sv[1], buf, 3, 0));
		sshow("recv empty message", recv(sv[1], buf, 64, 0));
		sshow("recv MSG_TRUNC 2", recv(sv[1], buf, 2, MSG_TRUNC));
		sshow("recv empty queue", recv(sv[1], buf, 64, 0));
		struct iovec iov = {buf, 2};
		struct msghdr m = {0};
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		send(sv[0], "abcdef", 6, 0);
		sshow("recvmsg 2 of 6", recvmsg(sv[1], &m, 0));
		printf("msg_flags MSG_TRUNC %d\n", !!(m.msg_flags & MSG_TRUNC));
		close(sv[0]);
		close(sv[1]);
	}

	sshow("socket AF_UNIX bad type", socket(AF_UNIX, 99, 0));
	sshow("socket AF_UNIX bad flags", socket(AF_UNIX, SOCK_STREAM | 0x10000000, 0));
	sshow("socket AF_UNIX protocol 5", socket(AF_UNIX, SOCK_STREAM, 5));
	sshow("socket AF_UNIX SOCK_RAW", n = socket(AF_UNIX, SOCK_RAW, 0));
	show_type(n);
	sshow("socket family 1234", socket(1234, SOCK_STREAM, 0));
	show("socketpair bad fd array", RAW(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, BADPTR));
	return 0;
}
