/* poll, ppoll, select and pselect over pipes: readiness, hang-up, bad descriptors,
 * timeouts, and a wait that a child's write ends. */
#include "conf.h"

#include <poll.h>
#include <signal.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <time.h>

int main(void)
{
	int p[2];
	pipe(p);
	struct pollfd f[4] = { { p[0], POLLIN, 0 }, { p[1], POLLOUT, 0 }, { -1, POLLIN, 0 }, { 999, POLLIN, 0 } };
	int n = poll(f, 4, 0);
	printf("poll(empty pipe) = %d: read %#x write %#x negative %#x bad %#x\n", n, f[0].revents, f[1].revents,
	       f[2].revents, f[3].revents);
	write(p[1], "x", 1);
	n = poll(f, 2, 0);
	printf("poll(after a write) = %d: read %#x\n", n, f[0].revents);

	fd_set r, w;
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(p[0], &r);
	FD_SET(p[1], &w);
	struct timeval tv = { 0, 0 };
	n = select(p[1] + 1, &r, &w, NULL, &tv);
	printf("select = %d: read set %d, write set %d\n", n, FD_ISSET(p[0], &r), FD_ISSET(p[1], &w));
	char c;
	read(p[0], &c, 1);
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	tv.tv_usec = 10000;
	n = select(p[0] + 1, &r, NULL, NULL, &tv);
	printf("select(empty, 10ms) = %d, read set %d\n", n, FD_ISSET(p[0], &r));
	FD_ZERO(&r);
	FD_SET(500, &r);
	show("select(closed fd)", select(501, &r, NULL, NULL, &tv));
	show("select(nfds -1)", select(-1, NULL, NULL, NULL, &tv));

	/* A child writes after a while: the blocking poll returns then. */
	pid_t child = fork();
	if (child == 0) {
		struct timespec ts = { 0, 100 * 1000 * 1000 };
		nanosleep(&ts, NULL);
		write(p[1], "y", 1);
		_exit(0);
	}
	f[0].revents = 0;
	n = poll(f, 1, -1);
	printf("blocking poll woke: %d, read %#x\n", n, f[0].revents);
	waitpid(child, NULL, 0);
	read(p[0], &c, 1);

	close(p[1]);
	n = poll(f, 1, 0);
	printf("poll(writer closed) = %d: read %#x\n", n, f[0].revents);

	sigset_t mask;
	sigemptyset(&mask);
	struct timespec zero = { 0, 0 };
	n = ppoll(f, 1, &zero, &mask);
	printf("ppoll = %d\n", n);
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	n = pselect(p[0] + 1, &r, NULL, NULL, &zero, &mask);
	printf("pselect = %d, read set %d\n", n, FD_ISSET(p[0], &r));
	show("poll(BADPTR)", RAW(SYS_poll, BADPTR, 1, 0));
	return 0;
}
