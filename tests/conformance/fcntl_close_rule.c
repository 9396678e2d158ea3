/* The POSIX rule for record locks: closing any descriptor of the file drops all the
 * process's locks on it (another open, a dup, a dup2 over it, close-on-exec), but not
 * its locks on other files; a forked child does not inherit them; the locks go when the
 * process exits, and a waiter is then woken. */
#include "conf.h"

#include <sys/wait.h>

static int lk(int fd, int cmd, short type, off_t start, off_t len)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len };
	return fcntl(fd, cmd, &fl);
}

/* From another process: is byte `at` of `path` write-locked? */
static void probe(const char *what, const char *path, off_t at)
{
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		int fd = open(path, O_RDONLY);
		struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = at, .l_len = 1 };
		int r = fcntl(fd, F_GETLK, &fl);
		printf("%s: %s\n", what, r ? ename(errno) : fl.l_type == F_UNLCK ? "free" : "locked");
		_exit(0);
	}
	int st;
	waitpid(c, &st, 0);
}

int main(int argc, char **argv)
{
	if (argc > 1) {
		/* Run by execve below: fd 20 was close-on-exec. */
		probe("after exec: f byte 0", "f", 0);
		probe("after exec: g byte 0", "g", 0);
		return 0;
	}
	const char *dir = conf_tmpdir();
	int a = open("f", O_RDWR | O_CREAT, 0644);
	int b = open("f", O_RDWR);
	int g = open("g", O_RDWR | O_CREAT, 0644);

	show("lock f 0..9 through a", kret(lk(a, F_SETLK, F_WRLCK, 0, 10)));
	show("lock g 0..9", kret(lk(g, F_SETLK, F_WRLCK, 0, 10)));
	probe("f byte 0", "f", 0);
	show("close(b) (never used to lock)", kret(close(b)));
	probe("f byte 0 after closing b", "f", 0);
	probe("g byte 0 after closing b", "g", 0);

	show("lock f 0..9 through a", kret(lk(a, F_SETLK, F_WRLCK, 0, 10)));
	int d = dup(a);
	show("close(dup of a)", kret(close(d)));
	probe("f byte 0 after closing a dup", "f", 0);
	show("lock through a still works", kret(lk(a, F_SETLK, F_WRLCK, 0, 10)));
	int o = open("f", O_RDONLY);
	int gd = dup(g);
	show("dup2(dup of g, o) = o", kret(dup2(gd, o)) == o);
	close(gd);
	probe("f byte 0 after dup2 replaced an fd of f", "f", 0);

	/* A forked child holds none of its parent's locks, and its close drops none. */
	show("lock f 0..9 through a", kret(lk(a, F_SETLK, F_WRLCK, 0, 10)));
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1 };
		fcntl(a, F_GETLK, &fl);
		printf("child sees the parent's lock: %s\n", fl.l_type == F_WRLCK ? "yes" : "no");
		close(a);
		_exit(0);
	}
	int st;
	waitpid(c, &st, 0);
	probe("f byte 0 after the child closed its copy", "f", 0);

	/* A child's locks go when it exits, waking a waiter. */
	int p[2];
	pipe(p);
	fflush(stdout);
	c = fork();
	if (c == 0) {
		int fd = open("f", O_RDWR);
		lk(fd, F_SETLK, F_UNLCK, 0, 0);
		int r = lk(fd, F_SETLK, F_WRLCK, 100, 1);
		char x = r == 0 ? 'y' : 'n';
		write(p[1], &x, 1);
		usleep(100 * 1000);
		_exit(0);
	}
	char x;
	read(p[0], &x, 1);
	printf("child locked byte 100: %c\n", x);
	show("F_SETLK on byte 100", kret(lk(a, F_SETLK, F_WRLCK, 100, 1)));
	show("F_SETLKW on byte 100 (until the child exits)", kret(lk(a, F_SETLKW, F_WRLCK, 100, 1)));
	waitpid(c, &st, 0);

	/* Close-on-exec descriptors are closed by execve, with the locks. */
	show("unlock f", kret(lk(a, F_SETLK, F_UNLCK, 0, 0)));
	show("unlock g", kret(lk(g, F_SETLK, F_UNLCK, 0, 0)));
	fflush(stdout);
	c = fork();
	if (c == 0) {
		int e = open("f", O_RDWR | O_CLOEXEC);
		if (dup3(e, 20, O_CLOEXEC) < 0)
			printf("setting up fd 20 failed\n");
		close(e);
		show("child: lock f 0..9", kret(lk(a, F_SETLK, F_WRLCK, 0, 10)));
		show("child: lock g 0..9", kret(lk(g, F_SETLK, F_WRLCK, 0, 10)));
		probe("before exec: f byte 0", "f", 0);
		char *args[] = { argv[0], "exec", NULL };
		execv("/proc/self/exe", args);
		printf("exec failed: %s\n", ename(errno));
		_exit(1);
	}
	waitpid(c, &st, 0);
	probe("after the exec'd child exited: g byte 0", "g", 0);
	conf_rmtree(dir);
	return 0;
}
