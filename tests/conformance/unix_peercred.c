/* SO_PEERCRED: the peer's pid, uid and gid at socketpair or connect time (the listener's
 * at listen time for the client), the unconnected value, truncation to optlen; buffer
 * sizes reported doubled; SO_PASSCRED with SCM_CREDENTIALS; option errors. */
#include "unix_sock.h"

static void peercred(const char *what, int fd, pid_t want)
{
	struct ucred u;
	socklen_t l = sizeof(u);
	int r = getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &u, &l);
	printf("%s: r %d len %u pid-matches %d uid-matches %d gid-matches %d\n", what, r, l, u.pid == want,
	       u.uid == geteuid(), u.gid == getegid());
}

int main(void)
{
	int sv[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	peercred("socketpair", sv[0], getpid());
	struct ucred u;
	socklen_t l = sizeof(u);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	getsockopt(s, SOL_SOCKET, SO_PEERCRED, &u, &l);
	printf("unconnected: pid %d uid %d gid %d\n", u.pid, (int)u.uid, (int)u.gid);
	l = 4;
	getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &u, &l);
	printf("short optlen: %u\n", l);

	struct sockaddr_un a;
	socklen_t al = mkaddr(&a, uname_abs("cred"));
	int srv = socket(AF_UNIX, SOCK_STREAM, 0);
	bind(srv, (struct sockaddr *)&a, al);
	listen(srv, 4);
	int ready[2];
	pipe(ready);
	pid_t c = fork();
	if (c == 0) {
		int cl = socket(AF_UNIX, SOCK_STREAM, 0);
		connect(cl, (struct sockaddr *)&a, al);
		peercred("client sees listener", cl, getppid());
		write(ready[1], "x", 1);
		char b;
		read(cl, &b, 1);
		_exit(0);
	}
	int conn = accept(srv, NULL, NULL);
	char b;
	read(ready[0], &b, 1);
	peercred("server sees child", conn, c);
	write(conn, "x", 1);
	waitpid(c, NULL, 0);

	int v = 0;
	l = sizeof(v);
	getsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, &l);
	printf("default SO_SNDBUF positive %d\n", v > 0);
	v = 8192;
	sshow("set SO_SNDBUF 8192", setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)));
	getsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, &l);
	printf("SO_SNDBUF %d\n", v);
	v = 1;
	sshow("set SO_RCVBUF 1", setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)));
	getsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &v, &l);
	printf("SO_RCVBUF %d\n", v);
	sshow("setsockopt short optlen", setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, 2));
	sshow("getsockopt unknown option", getsockopt(sv[0], SOL_SOCKET, 9999, &v, &l));
	sshow("setsockopt unknown option", setsockopt(sv[0], SOL_SOCKET, 9999, &v, sizeof(v)));
	sshow("getsockopt SOL_IP", getsockopt(sv[0], 0, 1, &v, &l));
	sshow("setsockopt SOL_TCP", setsockopt(sv[0], 6, 1, &v, sizeof(v)));
	v = 5;
	setsockopt(sv[0], SOL_SOCKET, SO_REUSEADDR, &v, sizeof(v));
	getsockopt(sv[0], SOL_SOCKET, SO_REUSEADDR, &v, &l);
	printf("SO_REUSEADDR %d\n", v);
	getsockopt(sv[0], SOL_SOCKET, SO_ERROR, &v, &l);
	printf("SO_ERROR %d\n", v);
	struct timeval tv = {2, 500000};
	sshow("set SO_RCVTIMEO", setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	memset(&tv, 0, sizeof(tv));
	l = sizeof(tv);
	getsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, &l);
	printf("SO_RCVTIMEO %ld.%06ld\n", (long)tv.tv_sec, (long)tv.tv_usec);
	tv.tv_sec = 0;
	tv.tv_usec = 20000;
	setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	char buf[8];
	sshow("recv with 20ms timeout", recv(sv[1], buf, sizeof(buf), 0));
	tv.tv_usec = 2000000;
	sshow("set SO_RCVTIMEO bad usec", setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));

	v = 1;
	sshow("set SO_PASSCRED", setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &v, sizeof(v)));
	send(sv[0], "c", 1, 0);
	char cbuf[CMSG_SPACE(sizeof(struct ucred))];
	struct iovec iov = {buf, sizeof(buf)};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	sshow("recvmsg", recvmsg(sv[1], &m, 0));
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
	if (cm && cm->cmsg_type == SCM_CREDENTIALS) {
		struct ucred got;
		memcpy(&got, CMSG_DATA(cm), sizeof(got));
		printf("SCM_CREDENTIALS pid-matches %d uid-matches %d\n", got.pid == getpid(), got.uid == geteuid());
	} else {
		printf("no SCM_CREDENTIALS\n");
	}
	return 0;
}
