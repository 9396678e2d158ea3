/* Moving data over a TCP connection: read/write, readv/writev, send/recv,
 * sendto/recvfrom, sendmsg/recvmsg, MSG_PEEK, MSG_DONTWAIT, MSG_WAITALL, FIONREAD,
 * SIOCOUTQ, and a megabyte through a child process. */
#include "inet_sock.h"

#include <linux/sockios.h>
#include <sys/uio.h>

int main(void)
{
	int c, s;
	tcp_pair(&c, &s);
	char buf[64];
	int n = -1;
	ioctl(c, SIOCOUTQ, &n);
	printf("SIOCOUTQ fresh %d\n", n);
	sshow("recv empty, MSG_DONTWAIT", recv(s, buf, sizeof(buf), MSG_DONTWAIT));
	sshow("write", write(c, "hello", 5));
	struct pollfd p = {s, POLLIN, 0};
	poll(&p, 1, 5000);
	ioctl(s, FIONREAD, &n);
	printf("FIONREAD %d\n", n);
	sshow("recv MSG_PEEK", recv(s, buf, 3, MSG_PEEK));
	show_bytes("peeked", buf, 3);
	sshow("read", read(s, buf, sizeof(buf)));
	show_bytes("read", buf, 5);

	struct iovec iov[2] = {{"ab", 2}, {"cdef", 4}};
	sshow("writev", writev(c, iov, 2));
	poll(&p, 1, 5000);
	char x[3], y[8];
	struct iovec riov[2] = {{x, 3}, {y, 8}};
	sshow("readv", readv(s, riov, 2));
	show_bytes("first iov", x, 3);

	inaddr from;
	socklen_t fl = sizeof(from);
	sendto(c, "to", 2, 0, NULL, 0);
	poll(&p, 1, 5000);
	memset(&from, 0x55, sizeof(from));
	sshow("recvfrom", recvfrom(s, buf, sizeof(buf), 0, &from.sa, &fl));
	printf("recvfrom address length %d\n", (int)fl);
	inaddr bogus;
	socklen_t bl = mkin(&bogus, AF_INET, "127.0.0.9", 9);
	sshow("sendto with an address (ignored)", sendto(c, "zz", 2, 0, &bogus.sa, bl));
	poll(&p, 1, 5000);
	sshow("recv it", recv(s, buf, sizeof(buf), 0));

	struct msghdr m = {0};
	struct iovec one = {"msg!", 4};
	m.msg_iov = &one;
	m.msg_iovlen = 1;
	sshow("sendmsg", sendmsg(c, &m, 0));
	poll(&p, 1, 5000);
	char name[32];
	struct iovec rone = {buf, sizeof(buf)};
	struct msghdr rm = {.msg_name = name, .msg_namelen = sizeof(name), .msg_iov = &rone, .msg_iovlen = 1};
	sshow("recvmsg", recvmsg(s, &rm, 0));
	printf("msg_namelen %d msg_flags %d controllen %d\n", (int)rm.msg_namelen, rm.msg_flags, (int)rm.msg_controllen);

	pid_t k = fork();
	if (k == 0) {
		for (int i = 0; i < 4; i++) {
			usleep(20000);
			send(c, "wait", 4, 0);
		}
		_exit(0);
	}
	sshow("recv MSG_WAITALL 16", recv(s, buf, 16, MSG_WAITALL));
	waitpid(k, NULL, 0);

	enum { TOTAL = 1 << 20 };
	k = fork();
	if (k == 0) {
		static char big[TOTAL];
		for (int i = 0; i < TOTAL; i++)
			big[i] = (char)(i * 7 + i / 4096);
		ssize_t done = 0;
		while (done < TOTAL) {
			ssize_t w = write(c, big + done, TOTAL - done);
			if (w <= 0)
				_exit(1);
			done += w;
		}
		_exit(0);
	}
	long got = 0, bad = 0;
	static char rb[65536];
	while (got < TOTAL) {
		ssize_t r = read(s, rb, sizeof(rb));
		if (r <= 0)
			break;
		for (ssize_t i = 0; i < r; i++)
			if (rb[i] != (char)((got + i) * 7 + (got + i) / 4096))
				bad++;
		got += r;
	}
	int st;
	waitpid(k, &st, 0);
	printf("megabyte: got %ld bad %ld writer status %d\n", got, bad, WEXITSTATUS(st));
	return 0;
}
