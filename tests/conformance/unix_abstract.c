/* AF_UNIX abstract names: bind, EADDRINUSE, connect, autobind, datagrams addressed by
 * name (recvfrom reports the sender), a full backlog is EAGAIN for a non-blocking connect,
 * EPROTOTYPE across types, the name is freed on close. */
#include "unix_sock.h"

int main(void)
{
	struct sockaddr_un a, b;
	const char *name = uname_abs("abs");
	socklen_t al = mkaddr(&a, name), bl;
	int srv = socket(AF_UNIX, SOCK_STREAM, 0);
	sshow("bind abstract", bind(srv, (struct sockaddr *)&a, al));
	bl = sizeof(b);
	getsockname(srv, (struct sockaddr *)&b, &bl);
	printf("getsockname len matches %d, leading NUL %d\n", bl == al, b.sun_path[0] == 0);
	int dup = socket(AF_UNIX, SOCK_STREAM, 0);
	sshow("bind same name", bind(dup, (struct sockaddr *)&a, al));
	sshow("listen backlog 1", listen(srv, 1));
	int c[4];
	for (int i = 0; i < 4; i++) {
		c[i] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
		printf("connect %d: ", i);
		sshow("", connect(c[i], (struct sockaddr *)&a, al));
	}
	int dg = socket(AF_UNIX, SOCK_DGRAM, 0);
	sshow("dgram connect to stream name", connect(dg, (struct sockaddr *)&a, al));
	int acc = accept4(srv, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	printf("accept4 flags: cloexec %d nonblock %d\n", fcntl(acc, F_GETFD), !!(fcntl(acc, F_GETFL) & O_NONBLOCK));
	sshow("accept4 bad flags", accept4(srv, NULL, NULL, 1));
	sshow("connect after accept", connect(c[2], (struct sockaddr *)&a, al));
	close(srv);
	char buf[32];
	sshow("queued client after listener close", recv(c[1], buf, sizeof(buf), 0));
	srv = socket(AF_UNIX, SOCK_STREAM, 0);
	sshow("rebind freed name", bind(srv, (struct sockaddr *)&a, al));

	/* autobind */
	int ab = socket(AF_UNIX, SOCK_DGRAM, 0);
	struct sockaddr_un fam = {.sun_family = AF_UNIX};
	sshow("autobind", bind(ab, (struct sockaddr *)&fam, sizeof(sa_family_t)));
	bl = sizeof(b);
	getsockname(ab, (struct sockaddr *)&b, &bl);
	printf("autobind name len %u leading NUL %d\n", bl, b.sun_path[0] == 0);

	/* datagrams by name */
	const char *dname = uname_abs("dgram");
	socklen_t dl = mkaddr(&a, dname);
	int rx = socket(AF_UNIX, SOCK_DGRAM, 0);
	sshow("bind dgram", bind(rx, (struct sockaddr *)&a, dl));
	sshow("sendto from autobound", sendto(ab, "one", 3, 0, (struct sockaddr *)&a, dl));
	int anon = socket(AF_UNIX, SOCK_DGRAM, 0);
	sshow("sendto from unbound", sendto(anon, "two", 3, 0, (struct sockaddr *)&a, dl));
	sshow("send unconnected", send(anon, "x", 1, 0));
	bl = sizeof(b);
	sshow("recvfrom", recvfrom(rx, buf, sizeof(buf), 0, (struct sockaddr *)&b, &bl));
	printf("sender addrlen %u leading NUL %d\n", bl, b.sun_path[0] == 0);
	bl = sizeof(b);
	sshow("recvfrom", recvfrom(rx, buf, sizeof(buf), 0, (struct sockaddr *)&b, &bl));
	printf("unbound sender addrlen %u\n", bl);
	sshow("connect dgram", connect(anon, (struct sockaddr *)&a, dl));
	bl = sizeof(b);
	sshow("getpeername dgram", getpeername(anon, (struct sockaddr *)&b, &bl));
	printf("peer len matches %d\n", bl == dl);
	sshow("send connected", send(anon, "three", 5, 0));
	sshow("recv", recv(rx, buf, sizeof(buf), 0));
	struct sockaddr unspec = {.sa_family = AF_UNSPEC};
	sshow("connect AF_UNSPEC", connect(anon, &unspec, sizeof(unspec)));
	sshow("getpeername after dissolve", getpeername(anon, (struct sockaddr *)&b, &bl));
	al = mkaddr(&a, uname_abs("nobody"));
	sshow("sendto unbound name", sendto(anon, "x", 1, 0, (struct sockaddr *)&a, al));
	close(rx);
	sshow("sendto closed name", sendto(anon, "x", 1, 0, (struct sockaddr *)&a, dl));
	return 0;
}
