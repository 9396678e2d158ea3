/* SO_RCVTIMEO and SO_SNDTIMEO on TCP and UDP: a receive gives EAGAIN after the
 * timeout, a full send buffer gives a short count or EAGAIN; accept times out too. */
#include "inet_sock.h"

#include <time.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(void)
{
	int c, s;
	tcp_pair(&c, &s);
	struct timeval tv = {0, 100000};
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	char buf[8];
	double t0 = now();
	sshow("tcp recv with SO_RCVTIMEO", recv(s, buf, sizeof(buf), 0));
	fact("waited at least the timeout", now() - t0 >= 0.09);
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	inaddr a;
	socklen_t al = mkin(&a, AF_INET, "127.0.0.1", 0);
	bind(u, &a.sa, al);
	setsockopt(u, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	t0 = now();
	sshow("udp recv with SO_RCVTIMEO", recv(u, buf, sizeof(buf), 0));
	fact("waited at least the timeout", now() - t0 >= 0.09);
	int l = listener(AF_INET, "127.0.0.1", 1);
	setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	sshow("accept with SO_RCVTIMEO", accept(l, NULL, NULL));

	setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	static char chunk[1 << 16];
	long total = 0;
	int calls = 0;
	for (;;) {
		ssize_t w = send(c, chunk, sizeof(chunk), 0);
		calls++;
		if (w < 0) {
			printf("send with SO_SNDTIMEO ends: -1 %s\n", strerrorname_np(errno));
			break;
		}
		total += w;
		if (w < (ssize_t)sizeof(chunk)) {
			printf("send with SO_SNDTIMEO ends with a short count\n");
			break;
		}
		if (calls > 1000)
			break;
	}
	fact("some data went first", total > 0);
	fact("it stopped", calls <= 1000);
	long drained = 0;
	fcntl(s, F_SETFL, O_NONBLOCK);
	for (;;) {
		ssize_t r = recv(s, chunk, sizeof(chunk), 0);
		if (r <= 0)
			break;
		drained += r;
	}
	fact("the reader got it all", drained == total);
	return 0;
}
