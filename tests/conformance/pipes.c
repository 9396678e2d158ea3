/* pipe/pipe2: data through a pipe between processes, EOF when writers close, EPIPE and
 * SIGPIPE when readers close, O_NONBLOCK EAGAIN, atomic small writes, fstat, FIONREAD. */
#include "conf.h"

#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

int main(void)
{
	int p[2];
	show("pipe", pipe(p));
	printf("fds are the lowest free: %d %d\n", p[0], p[1]);
	struct stat st;
	fstat(p[0], &st);
	printf("S_ISFIFO %d\n", S_ISFIFO(st.st_mode));

	pid_t c = fork();
	if (c == 0) {
		close(p[0]);
		for (int i = 0; i < 1000; i++)
			write(p[1], "0123456789", 10);
		_exit(0);
	}
	close(p[1]);
	long total = 0;
	char buf[4096];
	ssize_t n;
	while ((n = read(p[0], buf, sizeof(buf))) > 0)
		total += n;
	printf("read %ld bytes from the child, then %zd (EOF)\n", total, n);
	int status;
	waitpid(c, &status, 0);
	close(p[0]);

	show("pipe2(O_NONBLOCK|O_CLOEXEC)", pipe2(p, O_NONBLOCK | O_CLOEXEC));
	printf("read empty non-blocking: %zd %s\n", read(p[0], buf, 10), ename(errno));
	printf("FD_CLOEXEC set: %d\n", fcntl(p[0], F_GETFD) == FD_CLOEXEC);
	write(p[1], "abc", 3);
	int avail = -1;
	ioctl(p[0], FIONREAD, &avail);
	printf("FIONREAD %d\n", avail);
	long filled = 3;
	for (;;) {
		ssize_t w = write(p[1], buf, sizeof(buf));
		if (w < 0) {
			printf("full after %ld bytes: %s\n", filled, ename(errno));
			break;
		}
		filled += w;
	}
	show("pipe2(bad flags)", pipe2(p, 0x1234));
	show("pipe(BADPTR)", RAW(SYS_pipe, BADPTR));

	int q[2];
	pipe(q);
	close(q[0]);
	signal(SIGPIPE, SIG_IGN);
	printf("write with no reader: %zd %s\n", write(q[1], "x", 1), ename(errno));
	signal(SIGPIPE, SIG_DFL);
	fflush(stdout);
	write(q[1], "x", 1);
	printf("not reached\n");
	return 0;
}
