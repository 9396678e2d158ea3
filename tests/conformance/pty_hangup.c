/* Closing the master hangs the slave up: the session leader controlled by it gets SIGHUP
 * (and SIGCONT), the slave reads end of file, writes and ioctls fail with EIO, poll
 * reports POLLHUP; the pair disappears from /dev/pts. Closing the last slave makes the
 * master read EIO (after what was written is read) and poll POLLHUP. */
#include "conf_pty.h"

int main(void)
{
	int m, s;
	pty_open(&m, &s, O_NOCTTY);
	char name[64];
	strcpy(name, ptsname(m));

	/* Master side first: the slave goes away. */
	write(s, "bye\n", 4);
	close(s);
	struct pollfd p = { .fd = m, .events = POLLIN | POLLOUT };
	poll(&p, 1, 1000);
	printf("master poll after slave close: in %d out %d hup %d\n", !!(p.revents & POLLIN), !!(p.revents & POLLOUT),
	       !!(p.revents & POLLHUP));
	pty_show("master still reads", m);
	show("master read after that", kret(read(m, (char[8]){ 0 }, 8)));
	show("master write with no slave", kret(write(m, "x", 1)));
	s = open(name, O_RDWR | O_NOCTTY);
	show_ok("slave reopened", s);
	p.revents = 0;
	poll(&p, 1, 0);
	printf("master poll with a slave again: hup %d\n", !!(p.revents & POLLHUP));
	close(s);

	/* A session controlled by the slave; the leader ignores nothing. */
	int ready[2];
	pipe(ready);
	pid_t leader = fork();
	if (leader == 0) {
		close(m);
		setsid();
		int cs = open(name, O_RDWR);
		write(ready[1], "r", 1);
		char c;
		read(cs, &c, 1);
		_exit(3);
	}
	/* A second one that ignores SIGHUP and reports what the slave does afterwards. */
	int report[2];
	pipe(report);
	char c;
	read(ready[0], &c, 1);
	int s2 = open(name, O_RDWR | O_NOCTTY);
	pid_t watcher = fork();
	if (watcher == 0) {
		close(m);
		signal(SIGHUP, SIG_IGN);
		write(ready[1], "r", 1);
		/* Wait for the hangup. */
		struct pollfd q = { .fd = s2, .events = POLLIN };
		poll(&q, 1, 5000);
		char buf[8];
		long r = read(s2, buf, sizeof(buf));
		dprintf(report[1], "slave read after hangup = %ld\n", r);
		r = write(s2, "x", 1);
		dprintf(report[1], "slave write after hangup = %ld %s\n", r, r < 0 ? ename(errno) : "");
		struct termios t;
		r = tcgetattr(s2, &t);
		dprintf(report[1], "tcgetattr after hangup = %ld %s\n", r, r < 0 ? ename(errno) : "");
		struct pollfd q2 = { .fd = s2, .events = POLLIN | POLLOUT };
		poll(&q2, 1, 0);
		dprintf(report[1], "slave poll after hangup: in %d out %d err %d hup %d\n", !!(q2.revents & POLLIN),
			!!(q2.revents & POLLOUT), !!(q2.revents & POLLERR), !!(q2.revents & POLLHUP));
		_exit(0);
	}
	read(ready[0], &c, 1);
	close(s2);
	close(m);
	int status;
	waitpid(leader, &status, 0);
	show_status("session leader after master close", status);
	waitpid(watcher, &status, 0);
	char buf[512];
	long n = read(report[0], buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	fputs(buf, stdout);
	show("open slave of closed master", kret(open(name, O_RDWR | O_NOCTTY)));
	return 0;
}
