/* Unconnected UDP over loopback: sendto/recvfrom with the source address, implicit
 * binding, message boundaries, MSG_PEEK, MSG_TRUNC, FIONREAD, EMSGSIZE, errors. */
#include "inet_sock.h"

int main(void)
{
	inaddr a;
	socklen_t al;
	int r = udp_bound(AF_INET, "127.0.0.1", &a, &al);
	int w = socket(AF_INET, SOCK_DGRAM, 0);
	sshow("sendto", sendto(w, "one", 3, 0, &a.sa, al));
	show_name("sender name after sendto", w, 0);
	sshow("sendto", sendto(w, "two!", 4, 0, &a.sa, al));
	sshow("empty datagram", sendto(w, "", 0, 0, &a.sa, al));
	usleep(10000);
	ipoll("receiver with data", r);
	int n = -1;
	ioctl(r, FIONREAD, &n);
	printf("FIONREAD %d\n", n);
	char buf[16];
	inaddr from;
	socklen_t fl = sizeof(from);
	sshow("recvfrom MSG_PEEK", recvfrom(r, buf, sizeof(buf), MSG_PEEK, &from.sa, &fl));
	show_addr("from", &from, fl);
	fact("from port is the sender's", ntohs(from.in.sin_port) == port_of(w));
	sshow("recv 1 byte of 3 with MSG_TRUNC", recv(r, buf, 1, MSG_TRUNC));
	struct iovec iov = {buf, 2};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
	sshow("recvmsg 2 bytes of 4", recvmsg(r, &m, 0));
	printf("msg_flags MSG_TRUNC %d\n", !!(m.msg_flags & MSG_TRUNC));
	fl = sizeof(from);
	sshow("empty datagram", recvfrom(r, buf, sizeof(buf), 0, &from.sa, &fl));
	sshow("nothing left", recv(r, buf, sizeof(buf), MSG_DONTWAIT));
	fl = 2;
	sendto(w, "x", 1, 0, &a.sa, al);
	usleep(10000);
	sshow("recvfrom with a short address buffer", recvfrom(r, buf, sizeof(buf), 0, &from.sa, &fl));
	printf("address length reported %d\n", (int)fl);

	static char big[70000];
	sshow("65507 bytes", sendto(w, big, 65507, 0, &a.sa, al));
	sshow("65508 bytes", sendto(w, big, 65508, 0, &a.sa, al));
	usleep(10000);
	sshow("receive the big one", recv(r, big, sizeof(big), 0));
	sshow("send without a destination", send(w, "x", 1, 0));
	inaddr z;
	socklen_t zl = mkin(&z, AF_INET, "127.0.0.1", 0);
	sshow("sendto port 0", sendto(w, "x", 1, 0, &z.sa, zl));
	sshow("sendto a short address", sendto(w, "x", 1, 0, &a.sa, 8));
	inaddr six;
	socklen_t sl = mkin(&six, AF_INET6, "::1", 9);
	sshow("sendto an inet6 address", sendto(w, "x", 1, 0, &six.sa, sl));
	inaddr bc;
	socklen_t bcl = mkin(&bc, AF_INET, "255.255.255.255", 9);
	sshow("broadcast without SO_BROADCAST", sendto(w, "x", 1, 0, &bc.sa, bcl));
	sshow("MSG_OOB", sendto(w, "x", 1, MSG_OOB, &a.sa, al));
	ipoll("writer", w);
	return 0;
}
