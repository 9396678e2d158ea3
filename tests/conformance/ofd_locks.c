/* Open file description locks (F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW): owned by the
 * description, so two opens in one process conflict while dups share; closing another
 * descriptor does not drop them, the last close does; they conflict with POSIX locks;
 * F_OFD_GETLK reports l_pid -1; l_pid must be 0 on input. */
#include "conf.h"

#include <sys/wait.h>

static int ofd(int fd, int cmd, short type, off_t start, off_t len, pid_t pid)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len, .l_pid = pid };
	return fcntl(fd, cmd, &fl);
}

static void getlk(const char *what, int fd, int cmd, short type, off_t start)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = 1 };
	int r = fcntl(fd, cmd, &fl);
	if (r)
		printf("%s: -1 %s\n", what, ename(errno));
	else if (fl.l_type == F_UNLCK)
		printf("%s: free\n", what);
	else
		printf("%s: %s start %lld len %lld pid %s\n", what, fl.l_type == F_WRLCK ? "F_WRLCK" : "F_RDLCK",
		       (long long)fl.l_start, (long long)fl.l_len,
		       fl.l_pid == -1 ? "-1" : fl.l_pid == getpid() ? "self" : fl.l_pid > 0 ? "other" : "0");
}

int main(void)
{
	const char *dir = conf_tmpdir();
	int a = open("f", O_RDWR | O_CREAT, 0644);
	int b = open("f", O_RDWR);

	show("F_OFD_SETLK wr 0..9 on a", kret(ofd(a, F_OFD_SETLK, F_WRLCK, 0, 10, 0)));
	show("F_OFD_SETLK rd 5..5 on b (same process)", kret(ofd(b, F_OFD_SETLK, F_RDLCK, 5, 1, 0)));
	getlk("F_OFD_GETLK rd 5 on b", b, F_OFD_GETLK, F_RDLCK, 5);
	getlk("F_OFD_GETLK wr 5 on a (its own)", a, F_OFD_GETLK, F_WRLCK, 5);
	getlk("F_GETLK wr 5 (POSIX, same process)", b, F_GETLK, F_WRLCK, 5);
	show("F_SETLK rd 5..5 (POSIX, same process)", kret(ofd(b, F_SETLK, F_RDLCK, 5, 1, 0)));
	show("F_OFD_SETLK rd 20..29 on b", kret(ofd(b, F_OFD_SETLK, F_RDLCK, 20, 10, 0)));
	show("F_OFD_SETLK wr 25..25 on a", kret(ofd(a, F_OFD_SETLK, F_WRLCK, 25, 1, 0)));
	show("F_OFD_SETLK rd 25..25 on a", kret(ofd(a, F_OFD_SETLK, F_RDLCK, 25, 1, 0)));

	/* Dups share; closing another fd does not drop them. */
	int d = dup(a);
	show("F_OFD_SETLK wr 0..9 on a dup of a", kret(ofd(d, F_OFD_SETLK, F_WRLCK, 0, 10, 0)));
	int e = open("f", O_RDONLY);
	close(e);
	close(d);
	getlk("after closing other fds: F_OFD_GETLK rd 0 on b", b, F_OFD_GETLK, F_RDLCK, 0);

	/* Forked children share the description, hence the lock. */
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		show("child: F_OFD_SETLK wr 0..9 on a", kret(ofd(a, F_OFD_SETLK, F_WRLCK, 0, 10, 0)));
		show("child: F_SETLK rd 0..0 (POSIX)", kret(ofd(b, F_SETLK, F_RDLCK, 0, 1, 0)));
		getlk("child: F_GETLK rd 0", b, F_GETLK, F_RDLCK, 0);
		_exit(0);
	}
	waitpid(c, NULL, 0);

	/* The last close drops them, and wakes a F_OFD_SETLKW waiter. */
	int p[2];
	pipe(p);
	fflush(stdout);
	c = fork();
	if (c == 0) {
		close(a);
		char x = 'r';
		write(p[1], &x, 1);
		int r = ofd(b, F_OFD_SETLKW, F_WRLCK, 3, 1, 0);
		printf("child: F_OFD_SETLKW wr 3..3 on b = %d\n", r);
		_exit(0);
	}
	char x;
	read(p[0], &x, 1);
	usleep(50 * 1000);
	fflush(stdout);
	close(a);
	waitpid(c, NULL, 0);
	getlk("after a's last close: F_OFD_GETLK wr 3 on a new fd", open("f", O_RDWR), F_OFD_GETLK, F_WRLCK, 3);
	show("F_OFD_SETLK unlock all on b", kret(ofd(b, F_OFD_SETLK, F_UNLCK, 0, 0, 0)));

	/* Errors. */
	show("F_OFD_SETLK l_pid 1", kret(ofd(b, F_OFD_SETLK, F_RDLCK, 0, 1, 1)));
	show("F_OFD_SETLK l_pid -1", kret(ofd(b, F_OFD_SETLK, F_RDLCK, 0, 1, -1)));
	show("F_OFD_SETLKW l_pid 1", kret(ofd(b, F_OFD_SETLKW, F_RDLCK, 0, 1, 1)));
	struct flock g = { .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_pid = 1 };
	show("F_OFD_GETLK l_pid 1", kret(fcntl(b, F_OFD_GETLK, &g)));
	show("F_OFD_SETLK type 9", kret(ofd(b, F_OFD_SETLK, 9, 0, 1, 0)));
	int ro = open("f", O_RDONLY);
	show("F_OFD_SETLK wr on O_RDONLY", kret(ofd(ro, F_OFD_SETLK, F_WRLCK, 0, 1, 0)));
	show("F_OFD_SETLK wr on O_RDONLY with l_pid 1", kret(ofd(ro, F_OFD_SETLK, F_WRLCK, 0, 1, 1)));
	conf_rmtree(dir);
	return 0;
}
