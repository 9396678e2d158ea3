/* F_SETLKW deadlock detection: two processes each holding a byte and waiting for the
 * other's: the second to wait gets EDEADLK (whichever it is), and once it lets go the
 * first gets its lock. A three-process cycle is found too. OFD waits are not checked. */
#include "conf.h"

#include <sys/wait.h>

static int lk(int fd, int cmd, short type, off_t start)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = 1 };
	return fcntl(fd, cmd, &fl);
}

static void unlock_all(int fd)
{
	struct flock fl = { .l_type = F_UNLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0 };
	fcntl(fd, F_SETLK, &fl);
}

/* Process i holds byte i, then waits for byte (i + 1) % n; the one that gets EDEADLK
 * drops its byte, and each that gets its lock then drops all. Reports 'D' (deadlock) or 'G' (got it) on `out`. */
static void member(const char *path, int i, int n, int go, int out)
{
	int fd = open(path, O_RDWR);
	char x = lk(fd, F_SETLK, F_WRLCK, i) == 0 ? 'h' : 'e';
	write(out, &x, 1);
	read(go, &x, 1);
	int r = lk(fd, F_SETLKW, F_WRLCK, (i + 1) % n);
	int e = errno;
	if (r != 0) {
		x = e == EDEADLK ? 'D' : 'E';
		lk(fd, F_SETLK, F_UNLCK, i);
	} else {
		x = 'G';
		unlock_all(fd);
	}
	write(out, &x, 1);
	/* Hold on until told, so the others' results do not depend on our exit. */
	read(go, &x, 1);
	_exit(0);
}

static void cycle(int n)
{
	int go[2], out[2];
	pipe(go);
	pipe(out);
	pid_t kids[8];
	fflush(stdout);
	for (int i = 0; i < n; i++) {
		kids[i] = fork();
		if (kids[i] == 0)
			member("f", i, n, go[0], out[1]);
	}
	int held = 0;
	char x;
	for (int i = 0; i < n; i++) {
		read(out[0], &x, 1);
		held += x == 'h';
	}
	printf("%d processes hold their byte: %s\n", n, held == n ? "yes" : "no");
	/* Let them wait one after the other, so each is blocked before the next asks. */
	int dead = 0, got = 0, other = 0;
	for (int i = 0; i < n; i++) {
		write(go[1], "g", 1);
		usleep(50 * 1000);
	}
	for (int i = 0; i < n; i++) {
		read(out[0], &x, 1);
		dead += x == 'D';
		got += x == 'G';
		other += x != 'D' && x != 'G';
	}
	printf("EDEADLK: %d, granted: %d, other: %d\n", dead, got, other);
	for (int i = 0; i < n; i++)
		write(go[1], "q", 1);
	for (int i = 0; i < n; i++)
		waitpid(kids[i], NULL, 0);
}

int main(void)
{
	const char *dir = conf_tmpdir();
	close(open("f", O_RDWR | O_CREAT, 0644));
	cycle(2);
	cycle(3);

	/* A process never deadlocks with itself, and F_SETLK never reports EDEADLK. */
	int fd = open("f", O_RDWR);
	show("F_SETLKW byte 0", kret(lk(fd, F_SETLKW, F_WRLCK, 0)));
	show("F_SETLKW byte 0 again", kret(lk(fd, F_SETLKW, F_RDLCK, 0)));

	/* OFD locks: the second waiter is not told EDEADLK (this one does not wait). */
	int o = open("f", O_RDWR);
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 6, .l_len = 1 };
	show("F_OFD_SETLK byte 6", kret(fcntl(o, F_OFD_SETLK, &fl)));
	int p[2];
	pipe(p);
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		close(o);
		int f2 = open("f", O_RDWR);
		struct flock cl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 5, .l_len = 1 };
		int r = fcntl(f2, F_OFD_SETLK, &cl);
		char x = r == 0 ? 'h' : 'e';
		write(p[1], &x, 1);
		cl.l_start = 6;
		r = fcntl(f2, F_OFD_SETLKW, &cl);
		printf("child: F_OFD_SETLKW byte 6 = %d\n", r);
		_exit(0);
	}
	char x;
	read(p[0], &x, 1);
	printf("child holds byte 5: %c\n", x);
	usleep(50 * 1000);
	fl.l_start = 5;
	show("F_OFD_SETLK byte 5 (held by the child)", kret(fcntl(o, F_OFD_SETLK, &fl)));
	fflush(stdout);
	close(o);
	waitpid(c, NULL, 0);
	conf_rmtree(dir);
	return 0;
}
