/* SCM_RIGHTS across fork: a child sends a pipe's write end and an open file over a unix
 * socket; the parent receives them (MSG_CMSG_CLOEXEC), uses them, and sees MSG_CTRUNC
 * (with the descriptors dropped) when its control buffer is too small. */
#include "unix_sock.h"

static int send_fds(int s, const int *fds, int n, const char *data)
{
	char cbuf[CMSG_SPACE(sizeof(int) * 4)];
	memset(cbuf, 0, sizeof(cbuf));
	struct iovec iov = {(void *)data, strlen(data)};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = CMSG_SPACE(sizeof(int) * n)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * n);
	memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
	return sendmsg(s, &m, 0);
}

int main(void)
{
	const char *dir = conf_tmpdir();
	int sv[2];
	socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
	int p[2];
	pipe(p);
	pid_t c = fork();
	if (c == 0) {
		close(sv[0]);
		int f = open("file", O_CREAT | O_RDWR | O_TRUNC, 0644);
		write(f, "file-contents", 13);
		int fds[2] = {p[1], f};
		send_fds(sv[1], fds, 2, "two fds");
		send_fds(sv[1], fds, 2, "dropped");
		int bad = 999;
		printf("child: send bad fd: %s\n", send_fds(sv[1], &bad, 1, "x") < 0 ? strerrorname_np(errno) : "ok");
		_exit(0);
	}
	close(sv[1]);
	close(p[1]);
	waitpid(c, NULL, 0);
	char data[32] = {0};
	char cbuf[CMSG_SPACE(sizeof(int) * 4)];
	struct iovec iov = {data, sizeof(data)};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	sshow("recvmsg", recvmsg(sv[0], &m, MSG_CMSG_CLOEXEC));
	printf("data %s, msg_flags ctrunc %d cmsg_cloexec %d, controllen %zu\n", data, !!(m.msg_flags & MSG_CTRUNC),
	       !!(m.msg_flags & MSG_CMSG_CLOEXEC), (size_t)m.msg_controllen);
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
	int fds[2] = {-1, -1};
	if (cm) {
		printf("cmsg level %d type %d len %zu\n", cm->cmsg_level, cm->cmsg_type, (size_t)cm->cmsg_len);
		memcpy(fds, CMSG_DATA(cm), sizeof(fds));
	}
	printf("received fds cloexec: %d %d\n", fcntl(fds[0], F_GETFD), fcntl(fds[1], F_GETFD));
	write(fds[0], "via-passed-pipe", 15);
	close(fds[0]);
	char buf[32] = {0};
	sshow("read pipe", read(p[0], buf, sizeof(buf)));
	show_bytes("pipe data", buf, 15);
	memset(buf, 0, sizeof(buf));
	sshow("pread passed file", pread(fds[1], buf, sizeof(buf), 0));
	show_bytes("file data", buf, 13);
	close(fds[1]);

	char small[CMSG_SPACE(sizeof(int))];
	m.msg_control = small;
	m.msg_controllen = CMSG_LEN(sizeof(int));
	int before = dup(0);
	close(before);
	sshow("recvmsg small control", recvmsg(sv[0], &m, 0));
	cm = CMSG_FIRSTHDR(&m);
	printf("msg_flags ctrunc %d, controllen %zu, cmsg len %zu\n", !!(m.msg_flags & MSG_CTRUNC), (size_t)m.msg_controllen,
	       cm ? (size_t)cm->cmsg_len : 0);
	int got = -1;
	if (cm)
		memcpy(&got, CMSG_DATA(cm), sizeof(int));
	printf("one fd installed at the lowest free number: %d\n", got == before);
	close(got);
	int next = dup(0);
	printf("nothing else installed: %d\n", next == before);
	close(next);
	sshow("read pipe EOF (all write ends closed)", read(p[0], buf, sizeof(buf)));
	conf_rmtree(dir);
	return 0;
}
