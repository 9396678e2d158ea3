/* recv flags on unix sockets: MSG_PEEK, MSG_WAITALL gathering writes from another
 * process, MSG_DONTWAIT, MSG_TRUNC on datagrams, SIOCOUTQ draining, sendmsg/recvmsg
 * with several iovecs, and a blocking send that waits for the reader. */
#include "unix_sock.h"

#include <linux/sockios.h>

int main(void)
{
	int sv[2];
	char buf[64];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	pid_t c = fork();
	if (c == 0) {
		for (int i = 0; i < 4; i++) {
			usleep(10000);
			send(sv[1], "abcd", 4, 0);
		}
		_exit(0);
	}
	sshow("recv MSG_WAITALL 16", recv(sv[0], buf, 16, MSG_WAITALL));
	show_bytes("data", buf, 16);
	waitpid(c, NULL, 0);
	send(sv[1], "peekme", 6, 0);
	sshow("recv MSG_PEEK", recv(sv[0], buf, 4, MSG_PEEK));
	sshow("recv MSG_PEEK again", recv(sv[0], buf, 64, MSG_PEEK));
	sshow("recv", recv(sv[0], buf, 64, 0));
	show_bytes("data", buf, 6);
	sshow("recv MSG_DONTWAIT empty", recv(sv[0], buf, 64, MSG_DONTWAIT));
	close(sv[1]);
	sshow("recv MSG_WAITALL at EOF", recv(sv[0], buf, 16, MSG_WAITALL));
	close(sv[0]);

	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	struct iovec out[3] = {{"one-", 4}, {"two-", 4}, {"three", 5}};
	struct msghdr m = {.msg_iov = out, .msg_iovlen = 3};
	sshow("sendmsg 3 iovecs", sendmsg(sv[0], &m, 0));
	int n = -1;
	ioctl(sv[0], SIOCOUTQ, &n);
	printf("SIOCOUTQ nonzero %d\n", n > 0);
	char a[5] = {0}, b[20] = {0};
	struct iovec in[2] = {{a, 5}, {b, 20}};
	struct msghdr r = {.msg_iov = in, .msg_iovlen = 2};
	sshow("recvmsg 2 iovecs", recvmsg(sv[0 + 1], &r, 0));
	show_bytes("first iovec", a, 5);
	show_bytes("second iovec", b, 8);
	ioctl(sv[0], SIOCOUTQ, &n);
	printf("SIOCOUTQ after read %d\n", n);

	/* A blocking send larger than the buffer waits for the reader. */
	int v = 8192;
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
	c = fork();
	if (c == 0) {
		static char big[300000];
		memset(big, 'b', sizeof(big));
		ssize_t w = send(sv[0], big, sizeof(big), 0);
		printf("child: blocking send %zd\n", w);
		_exit(0);
	}
	long total = 0;
	static char rbuf[65536];
	while (total < 300000) {
		ssize_t k = read(sv[1], rbuf, sizeof(rbuf));
		if (k <= 0)
			break;
		total += k;
	}
	waitpid(c, NULL, 0);
	printf("parent read %ld\n", total);
	close(sv[0]);
	close(sv[1]);

	socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
	send(sv[0], "0123456789", 10, 0);
	sshow("dgram recv MSG_PEEK|MSG_TRUNC 4", recv(sv[1], buf, 4, MSG_PEEK | MSG_TRUNC));
	sshow("dgram recv 64", recv(sv[1], buf, 64, 0));
	return 0;
}
