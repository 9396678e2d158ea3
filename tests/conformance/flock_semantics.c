/* flock(2): shared and exclusive locks belong to the open file description (dup and
 * fork share them, a second open does not), LOCK_NB conflicts, conversions, LOCK_UN,
 * release on the last close, a blocked locker woken by the unlock, and the errors. */
#include "conf.h"

#include <sys/file.h>
#include <sys/wait.h>

static void wait_child(pid_t c)
{
	int st;
	waitpid(c, &st, 0);
	printf("child exited %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

int main(void)
{
	const char *dir = conf_tmpdir();
	int a = open("f", O_RDWR | O_CREAT, 0644);
	int b = open("f", O_RDONLY);
	int w = open("f", O_WRONLY);

	show("flock(a, LOCK_SH)", kret(flock(a, LOCK_SH)));
	show("flock(b, LOCK_SH|LOCK_NB)", kret(flock(b, LOCK_SH | LOCK_NB)));
	show("flock(w, LOCK_EX|LOCK_NB) with two shared", kret(flock(w, LOCK_EX | LOCK_NB)));
	show("flock(a, LOCK_UN)", kret(flock(a, LOCK_UN)));
	show("flock(a, LOCK_UN) again", kret(flock(a, LOCK_UN)));
	/* A failed conversion drops the lock it converted (it is not atomic). */
	show("flock(a, LOCK_SH)", kret(flock(a, LOCK_SH)));
	show("flock(b, LOCK_EX|LOCK_NB) (a shares)", kret(flock(b, LOCK_EX | LOCK_NB)));
	show("flock(a, LOCK_EX|LOCK_NB) (b's shared lock went)", kret(flock(a, LOCK_EX | LOCK_NB)));
	show("flock(a, LOCK_EX) again", kret(flock(a, LOCK_EX)));
	show("flock(a, LOCK_SH) downgrade", kret(flock(a, LOCK_SH)));
	show("flock(b, LOCK_SH|LOCK_NB) after downgrade", kret(flock(b, LOCK_SH | LOCK_NB)));
	show("flock(b, LOCK_UN)", kret(flock(b, LOCK_UN)));
	show("flock(a, LOCK_EX|LOCK_NB) upgrade", kret(flock(a, LOCK_EX | LOCK_NB)));

	/* A dup shares the description's lock. */
	int d = dup(a);
	show("flock(dup, LOCK_EX|LOCK_NB)", kret(flock(d, LOCK_EX | LOCK_NB)));
	close(a);
	show("flock(b, LOCK_SH|LOCK_NB) while the dup lives", kret(flock(b, LOCK_SH | LOCK_NB)));
	close(d);
	show("flock(b, LOCK_SH|LOCK_NB) after the last close", kret(flock(b, LOCK_SH | LOCK_NB)));
	show("flock(b, LOCK_UN)", kret(flock(b, LOCK_UN)));

	/* A forked child shares it too, and its unlock is the parent's. */
	a = open("f", O_RDWR);
	show("flock(a, LOCK_EX)", kret(flock(a, LOCK_EX)));
	pid_t c = fork();
	if (c == 0) {
		int r1 = flock(a, LOCK_EX | LOCK_NB);
		int r2 = flock(b, LOCK_SH | LOCK_NB);
		int e2 = errno;
		printf("child: relock the shared description = %d, other description = %d %s\n", r1, r2,
		       r2 ? ename(e2) : "");
		flock(a, LOCK_UN);
		_exit(0);
	}
	wait_child(c);
	show("flock(b, LOCK_SH|LOCK_NB) after the child's unlock", kret(flock(b, LOCK_SH | LOCK_NB)));
	show("flock(b, LOCK_UN)", kret(flock(b, LOCK_UN)));

	/* A blocked locker is woken by the unlock. */
	int p[2], q[2];
	pipe(p);
	pipe(q);
	show("flock(a, LOCK_EX)", kret(flock(a, LOCK_EX)));
	c = fork();
	if (c == 0) {
		int fd = open("f", O_RDONLY);
		char x = 'r';
		write(q[1], &x, 1);
		int r = flock(fd, LOCK_SH);
		read(p[0], &x, 1);
		printf("child: blocking LOCK_SH = %d after the parent's '%c'\n", r, x);
		_exit(0);
	}
	char x;
	read(q[0], &x, 1);
	usleep(100 * 1000);
	x = 'u';
	write(p[1], &x, 1);
	long un = kret(flock(a, LOCK_UN));
	wait_child(c);
	show("parent: flock(a, LOCK_UN)", un);

	/* Errors. */
	show("flock(a, 0)", kret(flock(a, 0)));
	show("flock(a, LOCK_NB)", kret(flock(a, LOCK_NB)));
	show("flock(a, LOCK_SH|LOCK_EX)", kret(flock(a, LOCK_SH | LOCK_EX)));
	show("flock(a, 16)", kret(flock(a, 16)));
	show("flock(-1, LOCK_SH)", kret(flock(-1, LOCK_SH)));
	show("flock(99, LOCK_SH)", kret(flock(99, LOCK_SH)));
	int o = open("f", O_PATH);
	show("flock(O_PATH, LOCK_SH)", kret(flock(o, LOCK_SH)));
	int dd = open(".", O_RDONLY | O_DIRECTORY);
	show("flock(directory, LOCK_EX)", kret(flock(dd, LOCK_EX)));
	int pp[2];
	pipe(pp);
	show("flock(pipe, LOCK_EX)", kret(flock(pp[0], LOCK_EX)));
	show("flock(w, LOCK_EX) on a write-only fd", kret(flock(w, LOCK_EX)));
	conf_rmtree(dir);
	return 0;
}
