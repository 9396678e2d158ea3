/* inotify: poll and epoll readiness, a blocking read woken by another process's
 * change, FIONREAD. */
#include "inotify_util.h"
#include <poll.h>
#include <sys/epoll.h>
#include <sys/wait.h>

int main(void)
{
	const char *tmp = conf_tmpdir();
	int fd = inotify_init();
	struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLOUT };
	int avail = -1;

	mkdir("d", 0755);
	show("add_watch", inotify_add_watch(fd, "d", IN_CREATE | IN_CLOSE_WRITE));
	show("poll empty", poll(&pfd, 1, 0));
	show("FIONREAD empty", kret(ioctl(fd, FIONREAD, &avail)));
	printf("bytes = %d\n", avail);
	touch("d/abc");
	show("poll ready", poll(&pfd, 1, 0));
	printf("revents = 0x%x\n", pfd.revents);
	show("FIONREAD", kret(ioctl(fd, FIONREAD, &avail)));
	printf("bytes = %d\n", avail);

	int ep = epoll_create1(0);
	struct epoll_event e = { .events = EPOLLIN, .data.u32 = 7 }, out;
	show("epoll_ctl", kret(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e)));
	show("epoll_wait ready", epoll_wait(ep, &out, 1, 0));
	printf("events = 0x%x data = %u\n", out.events, out.data.u32);

	char buf[4096] __attribute__((aligned(8)));
	long n = read(fd, buf, sizeof(buf));
	printf("read %ld bytes\n", n);
	for (long i = 0; i < n;)
		i += show_event((struct inotify_event *)(buf + i));
	show("epoll_wait drained", epoll_wait(ep, &out, 1, 0));

	/* A child creates a file after a pause; the blocking read waits for it. */
	pid_t pid = fork();
	if (pid == 0) {
		usleep(100 * 1000);
		mkdir("d/from-child", 0755);
		_exit(0);
	}
	show("epoll_wait for the child", epoll_wait(ep, &out, 1, 5000));
	n = read(fd, buf, sizeof(buf));
	printf("blocking read %ld bytes\n", n);
	for (long i = 0; i < n;)
		i += show_event((struct inotify_event *)(buf + i));
	int st;
	waitpid(pid, &st, 0);
	show("poll after reading", poll(&pfd, 1, 0));
	close(ep);
	close(fd);
	conf_rmtree(tmp);
	return 0;
}
