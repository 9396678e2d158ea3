/* lockf(3), which libc builds on fcntl: F_LOCK, F_TLOCK, F_TEST and F_ULOCK from the
 * current offset, positive and negative lengths, between two processes. */
#include "conf.h"

#include <sys/wait.h>

int main(void)
{
	const char *dir = conf_tmpdir();
	int fd = open("f", O_RDWR | O_CREAT, 0644);
	write(fd, "abcdefghij", 10);

	lseek(fd, 2, SEEK_SET);
	show("lockf(F_LOCK, 3) at 2", kret(lockf(fd, F_LOCK, 3)));
	lseek(fd, 10, SEEK_SET);
	show("lockf(F_TLOCK, -2) at 10", kret(lockf(fd, F_TLOCK, -2)));
	show("lockf(F_TEST, 0) by the owner", kret(lockf(fd, F_TEST, 0)));

	int p[2], q[2];
	pipe(p);
	pipe(q);
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		int f2 = open("f", O_RDWR);
		off_t at[] = { 0, 2, 4, 5, 7, 8, 9, 10 };
		for (unsigned i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
			lseek(f2, at[i], SEEK_SET);
			printf("child: F_TEST 1 at %lld = %s\n", (long long)at[i],
			       lockf(f2, F_TEST, 1) ? ename(errno) : "free");
		}
		lseek(f2, 0, SEEK_SET);
		show("child: F_TLOCK 0 at 0 (to the end)", kret(lockf(f2, F_TLOCK, 0)));
		show("child: F_TLOCK 2 at 0", kret(lockf(f2, F_TLOCK, 2)));
		char x = 'r';
		write(q[1], &x, 1);
		int r = lockf(f2, F_LOCK, 0);
		read(p[0], &x, 1);
		printf("child: F_LOCK 0 at 0 = %d after the parent's '%c'\n", r, x);
		lseek(f2, 9, SEEK_SET);
		show("child: F_ULOCK 1 at 9", kret(lockf(f2, F_ULOCK, 1)));
		x = 'l';
		write(q[1], &x, 1);
		read(p[0], &x, 1);
		_exit(0);
	}
	char x;
	read(q[0], &x, 1);
	usleep(50 * 1000);
	x = 'u';
	write(p[1], &x, 1);
	lseek(fd, 0, SEEK_SET);
	long un = kret(lockf(fd, F_ULOCK, 0));
	read(q[0], &x, 1);
	show("parent: lockf(F_ULOCK, 0) at 0", un);
	lseek(fd, 0, SEEK_SET);
	show("parent: F_TEST 1 at 0", kret(lockf(fd, F_TEST, 1)));
	lseek(fd, 9, SEEK_SET);
	show("parent: F_TEST 1 at 9", kret(lockf(fd, F_TEST, 1)));
	show("parent: F_TLOCK 1 at 9", kret(lockf(fd, F_TLOCK, 1)));
	show("parent: lockf(99)", kret(lockf(fd, 99, 1)));
	write(p[1], "q", 1);
	waitpid(c, NULL, 0);
	int ro = open("f", O_RDONLY);
	show("lockf(F_TLOCK) on O_RDONLY", kret(lockf(ro, F_TLOCK, 1)));
	conf_rmtree(dir);
	return 0;
}
