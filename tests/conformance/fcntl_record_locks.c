/* fcntl POSIX record locks: F_SETLK splits and merges a process's ranges (seen by another
 * process through F_GETLK), whence and negative lengths, conflicts (EAGAIN), a process's
 * own locks never conflicting, the access-mode rule (EBADF), invalid requests (EINVAL,
 * EOVERFLOW), and a F_SETLKW waiter woken by the unlock. */
#include "conf.h"

#include <limits.h>
#include <sys/wait.h>

static int lk(int fd, int cmd, short type, short whence, off_t start, off_t len)
{
	struct flock fl = { .l_type = type, .l_whence = whence, .l_start = start, .l_len = len };
	return fcntl(fd, cmd, &fl);
}

static const char *tname(short t)
{
	return t == F_RDLCK ? "F_RDLCK" : t == F_WRLCK ? "F_WRLCK" : t == F_UNLCK ? "F_UNLCK" : "?";
}

/* From another process: what blocks a write lock (or a read lock) at each point. */
static void probe(const char *what, int fd, pid_t owner, const off_t *at, int n, short type)
{
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		printf("%s:\n", what);
		for (int i = 0; i < n; i++) {
			struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = at[i], .l_len = 1 };
			int r = fcntl(fd, F_GETLK, &fl);
			if (r)
				printf("  %lld: -1 %s\n", (long long)at[i], ename(errno));
			else if (fl.l_type == F_UNLCK)
				printf("  %lld: free\n", (long long)at[i]);
			else
				printf("  %lld: %s start %lld len %lld whence %d by owner %d\n", (long long)at[i],
				       tname(fl.l_type), (long long)fl.l_start, (long long)fl.l_len, fl.l_whence,
				       fl.l_pid == owner);
		}
		_exit(0);
	}
	int st;
	waitpid(c, &st, 0);
}

int main(void)
{
	const char *dir = conf_tmpdir();
	pid_t me = getpid();
	int fd = open("f", O_RDWR | O_CREAT, 0644);
	write(fd, "0123456789", 10);
	off_t at[] = { 0, 4, 5, 9, 10, 14, 15, 19, 20, 29, 30, 1000000 };
	int n = sizeof(at) / sizeof(at[0]);

	show("F_SETLK rd 0..9", kret(lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 0, 10)));
	show("F_SETLK rd 10..19 (merges)", kret(lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 10, 10)));
	probe("one read lock 0..19", fd, me, at, n, F_WRLCK);
	show("F_SETLK wr 5..14 (splits)", kret(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 5, 10)));
	probe("read 0..4, write 5..14, read 15..19", fd, me, at, n, F_WRLCK);
	probe("the same, asking for read locks", fd, me, at, n, F_RDLCK);
	show("F_SETLK unlock 9..10", kret(lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 9, 2)));
	probe("a hole at 9..10", fd, me, at, n, F_WRLCK);
	show("F_SETLK wr 20..EOF (len 0)", kret(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 20, 0)));
	show("F_SETLK rd 25..29", kret(lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 25, 5)));
	probe("to the end, with a read hole", fd, me, at, n, F_RDLCK);
	show("F_SETLK unlock everything", kret(lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 0)));
	probe("nothing", fd, me, at, n, F_WRLCK);

	/* whence and negative lengths. */
	lseek(fd, 8, SEEK_SET);
	show("F_SETLK wr SEEK_CUR -3 len 2", kret(lk(fd, F_SETLK, F_WRLCK, SEEK_CUR, -3, 2)));
	show("F_SETLK wr SEEK_END 0 len -2", kret(lk(fd, F_SETLK, F_WRLCK, SEEK_END, 0, -2)));
	show("F_SETLK wr SEEK_SET 20 len -5", kret(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 20, -5)));
	probe("5..6, 8..9 and 15..19", fd, me, at, n, F_RDLCK);
	show("F_SETLK unlock everything", kret(lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 0)));

	/* Own locks never conflict; another process's do. */
	show("F_SETLK wr 0..9", kret(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10)));
	show("F_SETLK rd 5..5 over my own write lock", kret(lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 5, 1)));
	struct flock g = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0 };
	show("F_GETLK wr by the owner", kret(fcntl(fd, F_GETLK, &g)));
	printf("  l_type %s\n", tname(g.l_type));
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		int fd2 = open("f", O_RDWR);
		show("child: F_SETLK rd 3..3", kret(lk(fd2, F_SETLK, F_RDLCK, SEEK_SET, 3, 1)));
		show("child: F_SETLK rd 5..5 (the parent reads)", kret(lk(fd2, F_SETLK, F_RDLCK, SEEK_SET, 5, 1)));
		show("child: F_SETLK wr 10..10", kret(lk(fd2, F_SETLK, F_WRLCK, SEEK_SET, 10, 1)));
		show("child: F_SETLK unlock 0..100 (only its own)", kret(lk(fd2, F_SETLK, F_UNLCK, SEEK_SET, 0, 100)));
		show("child: F_SETLK wr 9..9 again", kret(lk(fd2, F_SETLK, F_WRLCK, SEEK_SET, 9, 1)));
		_exit(0);
	}
	int st;
	waitpid(c, &st, 0);

	/* A F_SETLKW waiter is woken by the unlock. */
	int p[2], q[2];
	pipe(p);
	pipe(q);
	fflush(stdout);
	c = fork();
	if (c == 0) {
		char x = 'r';
		write(q[1], &x, 1);
		int r = lk(fd, F_SETLKW, F_WRLCK, SEEK_SET, 2, 1);
		read(p[0], &x, 1);
		printf("child: F_SETLKW wr 2..2 = %d after the parent's '%c'\n", r, x);
		_exit(0);
	}
	char x;
	read(q[0], &x, 1);
	usleep(100 * 1000);
	x = 'u';
	write(p[1], &x, 1);
	long un = kret(lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 10));
	waitpid(c, &st, 0);
	show("parent: F_SETLK unlock 0..9", un);

	/* The access mode must allow the lock's type. */
	int ro = open("f", O_RDONLY), wo = open("f", O_WRONLY);
	show("F_SETLK wr on O_RDONLY", kret(lk(ro, F_SETLK, F_WRLCK, SEEK_SET, 0, 1)));
	show("F_SETLK rd on O_WRONLY", kret(lk(wo, F_SETLK, F_RDLCK, SEEK_SET, 0, 1)));
	show("F_SETLK unlock on O_RDONLY", kret(lk(ro, F_SETLK, F_UNLCK, SEEK_SET, 0, 1)));
	show("F_SETLK rd on O_RDONLY", kret(lk(ro, F_SETLK, F_RDLCK, SEEK_SET, 0, 1)));
	struct flock gw = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	show("F_GETLK wr on O_RDONLY", kret(fcntl(ro, F_GETLK, &gw)));
	int op = open("f", O_PATH);
	show("F_SETLK rd on O_PATH", kret(lk(op, F_SETLK, F_RDLCK, SEEK_SET, 0, 1)));
	show("F_GETLK on O_PATH", kret(fcntl(op, F_GETLK, &gw)));

	/* Invalid requests. */
	show("F_SETLK type 7", kret(lk(fd, F_SETLK, 7, SEEK_SET, 0, 1)));
	show("F_SETLK whence 3", kret(lk(fd, F_SETLK, F_RDLCK, 3, 0, 1)));
	show("F_SETLK start -1", kret(lk(fd, F_SETLK, F_RDLCK, SEEK_SET, -1, 1)));
	show("F_SETLK start 2 len -3", kret(lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 2, -3)));
	show("F_SETLK start 2 len -2", kret(lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 2, -2)));
	show("F_SETLK start max len 2", kret(lk(fd, F_SETLK, F_RDLCK, SEEK_SET, LLONG_MAX, 2)));
	show("F_SETLK start max len 1", kret(lk(fd, F_SETLK, F_RDLCK, SEEK_SET, LLONG_MAX, 1)));
	show("F_SETLK SEEK_END start max", kret(lk(fd, F_SETLK, F_RDLCK, SEEK_END, LLONG_MAX, 1)));
	show("F_SETLK SEEK_END start -11", kret(lk(fd, F_SETLK, F_RDLCK, SEEK_END, -11, 1)));
	struct flock gu = { .l_type = F_UNLCK, .l_whence = SEEK_SET };
	show("F_GETLK F_UNLCK", kret(fcntl(fd, F_GETLK, &gu)));
	show("F_GETLK bad pointer", kret(fcntl(fd, F_GETLK, BADPTR)));
	show("F_SETLK bad pointer", kret(fcntl(fd, F_SETLK, BADPTR)));
	show("F_SETLK bad fd", kret(lk(99, F_SETLK, F_RDLCK, SEEK_SET, 0, 1)));
	show("F_GETLK64 (12)", kret(fcntl(fd, 12, &gu)));
	conf_rmtree(dir);
	return 0;
}
