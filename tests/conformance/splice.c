/* splice: file -> pipe -> file with and without offset pointers, pipe -> pipe,
 * socket -> pipe, SPLICE_F_NONBLOCK on an empty pipe, a blocked splice woken by a
 * writer, and the errors (EINVAL for two files or one pipe twice, ESPIPE for an
 * offset on a pipe, EBADF, EFAULT, O_APPEND). */
#include "conf.h"

#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>

int main(void)
{
	int in = open("data.txt", O_RDONLY);
	const char *dir = conf_tmpdir();
	int out = open("copy", O_CREAT | O_RDWR | O_TRUNC, 0644);
	int p[2], q[2];
	pipe(p);
	pipe(q);
	char buf[256];

	loff_t off_in = 20;
	show("file->pipe with offset", RAW(SYS_splice, in, &off_in, p[1], NULL, 25, 0));
	printf("offset %ld, position %ld\n", (long)off_in, (long)lseek(in, 0, SEEK_CUR));
	show("file->pipe own position", RAW(SYS_splice, in, NULL, p[1], NULL, 10, SPLICE_F_MOVE | SPLICE_F_MORE));
	printf("position %ld\n", (long)lseek(in, 0, SEEK_CUR));
	show("pipe->pipe", RAW(SYS_splice, p[0], NULL, q[1], NULL, 7, 0));
	loff_t off_out = 3;
	show("pipe->file with offset", RAW(SYS_splice, p[0], NULL, out, &off_out, 100, 0));
	printf("out offset %ld, out position %ld\n", (long)off_out, (long)lseek(out, 0, SEEK_CUR));
	show("pipe->file own position", RAW(SYS_splice, q[0], NULL, out, NULL, 100, 0));
	printf("out position %ld\n", (long)lseek(out, 0, SEEK_CUR));
	long n = pread(out, buf, sizeof buf, 0);
	show_bytes("file holds", buf, n);

	/* A large file through a pipe in pieces. */
	int big = open("big", O_CREAT | O_RDWR | O_TRUNC, 0644);
	lseek(in, 0, SEEK_SET);
	long moved = 0;
	for (;;) {
		long a = RAW(SYS_splice, in, NULL, p[1], NULL, 5000, 0);
		if (a <= 0)
			break;
		long b = RAW(SYS_splice, p[0], NULL, big, NULL, a, 0);
		if (b != a) {
			printf("short: %ld of %ld\n", b, a);
			break;
		}
		moved += b;
	}
	printf("moved %ld bytes through the pipe\n", moved);

	show("len 0", RAW(SYS_splice, 999, NULL, 999, NULL, 0, 0));
	show("empty pipe, SPLICE_F_NONBLOCK", RAW(SYS_splice, p[0], NULL, out, NULL, 10, SPLICE_F_NONBLOCK));
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	show("empty pipe, O_NONBLOCK", RAW(SYS_splice, p[0], NULL, out, NULL, 10, 0));
	fcntl(p[0], F_SETFL, 0);

	/* Blocked until a child writes. */
	pid_t c = fork();
	if (c == 0) {
		usleep(100000);
		write(p[1], "late", 4);
		_exit(0);
	}
	show("blocking splice, woken", RAW(SYS_splice, p[0], NULL, q[1], NULL, 100, 0));
	waitpid(c, NULL, 0);
	n = read(q[0], buf, sizeof buf);
	show_bytes("got", buf, n);

	int s[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, s);
	write(s[0], "socket bytes", 12);
	show("socket->pipe", RAW(SYS_splice, s[1], NULL, q[1], NULL, 100, 0));
	show("socket->pipe, nothing, NONBLOCK", RAW(SYS_splice, s[1], NULL, q[1], NULL, 100, SPLICE_F_NONBLOCK));
	show("pipe->socket", RAW(SYS_splice, q[0], NULL, s[0], NULL, 100, 0));
	n = read(s[1], buf, sizeof buf);
	show_bytes("socket got", buf, n);

	close(p[1]);
	show("pipe without writers: EOF", RAW(SYS_splice, p[0], NULL, q[1], NULL, 100, 0));

	/* Errors. */
	show("two files", RAW(SYS_splice, in, NULL, out, NULL, 10, 0));
	show("one pipe both sides", RAW(SYS_splice, q[0], NULL, q[1], NULL, 10, 0));
	off_in = 0;
	show("offset on the pipe side", RAW(SYS_splice, q[0], &off_in, out, NULL, 10, 0));
	show("bad flags", RAW(SYS_splice, in, NULL, q[1], NULL, 10, 0x100));
	show("bad fd", RAW(SYS_splice, 999, NULL, q[1], NULL, 10, 0));
	show("offset EFAULT", RAW(SYS_splice, in, BADPTR, q[1], NULL, 10, 0));
	off_in = -5;
	show("negative offset", RAW(SYS_splice, in, &off_in, q[1], NULL, 10, 0));
	show("write end as source", RAW(SYS_splice, q[1], NULL, out, NULL, 10, 0));
	int ro = open("copy", O_RDONLY);
	write(q[1], "zz", 2);
	show("read-only destination", RAW(SYS_splice, q[0], NULL, ro, NULL, 10, 0));
	int app = open("copy", O_WRONLY | O_APPEND);
	show("O_APPEND destination", RAW(SYS_splice, q[0], NULL, app, NULL, 10, 0));
	int d = open(".", O_RDONLY | O_DIRECTORY);
	show("directory source", RAW(SYS_splice, d, NULL, q[1], NULL, 10, 0));
	int r[2];
	pipe(r);
	close(r[0]);
	signal(SIGPIPE, SIG_IGN);
	show("pipe without readers", RAW(SYS_splice, in, NULL, r[1], NULL, 10, 0));
	conf_rmtree(dir);
	return 0;
}
