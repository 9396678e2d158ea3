/* RLIMIT_FSIZE: writes are cut short at the limit, then fail with EFBIG and SIGXFSZ
 * (which kills by default), ftruncate beyond it is EFBIG. prlimit64 reads and sets
 * another process's limits (the child sees the new value), and is EPERM from an
 * unprivileged process on a root one. RLIMIT_STACK reads back a lowered soft limit. */
#include "conf.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

int main(void)
{
	alarm(5);
	const char *dir = conf_tmpdir();
	char buf[100];
	memset(buf, 'x', sizeof(buf));

	pid_t c = fork();
	if (c == 0) {
		signal(SIGXFSZ, SIG_IGN);
		struct rlimit fs = { 120, RLIM_INFINITY };
		show("setrlimit(FSIZE, 120)", RAW(SYS_setrlimit, RLIMIT_FSIZE, &fs));
		int fd = open("f", O_CREAT | O_RDWR | O_TRUNC, 0600);
		show("write 100", kret(write(fd, buf, 100)));
		show("write 100 more (short)", kret(write(fd, buf, 100)));
		show("write at the limit", kret(write(fd, buf, 10)));
		sigset_t p;
		sigpending(&p);
		show("pwrite at offset 500", kret(pwrite(fd, buf, 10, 500)));
		show("ftruncate(1000)", kret(ftruncate(fd, 1000)));
		show("ftruncate(50) shrinking", kret(ftruncate(fd, 50)));
		show("write after shrinking", kret(write(fd, buf, 100)));
		close(fd);
		fflush(stdout);
		_exit(0);
	}
	int st;
	waitpid(c, &st, 0);

	c = fork();
	if (c == 0) {
		struct rlimit fs = { 10, RLIM_INFINITY };
		setrlimit(RLIMIT_FSIZE, &fs);
		int fd = open("g", O_CREAT | O_RDWR | O_TRUNC, 0600);
		long r = kret(write(fd, buf, 20));
		r = kret(write(fd, buf, 20));
		printf("not reached %ld\n", r);
		_exit(0);
	}
	waitpid(c, &st, 0);
	printf("default SIGXFSZ: killed by %d\n", WIFSIGNALED(st) ? WTERMSIG(st) : 0);

	int p[2];
	if (pipe(p) != 0)
		return 1;
	c = fork();
	if (c == 0) {
		char b;
		close(p[1]);
		if (read(p[0], &b, 1) != 0)
			_exit(1);
		struct rlimit got;
		getrlimit(RLIMIT_NOFILE, &got);
		printf("child sees NOFILE soft %ld\n", (long)got.rlim_cur);
		fflush(stdout);
		_exit(0);
	}
	close(p[0]);
	struct rlimit cur, mine, nl;
	getrlimit(RLIMIT_NOFILE, &mine);
	show("prlimit64(child, NOFILE, NULL, &old)", RAW(SYS_prlimit64, c, RLIMIT_NOFILE, NULL, &cur));
	fact("child's limit equals ours", cur.rlim_cur == mine.rlim_cur && cur.rlim_max == mine.rlim_max);
	nl.rlim_cur = 50;
	nl.rlim_max = mine.rlim_max;
	show("prlimit64(child, NOFILE, 50)", RAW(SYS_prlimit64, c, RLIMIT_NOFILE, &nl, NULL));
	close(p[1]);
	waitpid(c, &st, 0);
	getrlimit(RLIMIT_NOFILE, &cur);
	fact("our own limit unchanged", cur.rlim_cur == mine.rlim_cur);

	c = fork();
	if (c == 0) {
		if (setresuid(65534, 65534, 65534) != 0)
			printf("setresuid failed\n");
		struct rlimit r;
		show("unprivileged prlimit64(root parent, read)", RAW(SYS_prlimit64, getppid(), RLIMIT_NOFILE, NULL, &r));
		show("unprivileged prlimit64(self, read)", RAW(SYS_prlimit64, getpid(), RLIMIT_NOFILE, NULL, &r));
		fflush(stdout);
		_exit(0);
	}
	waitpid(c, &st, 0);

	struct rlimit stk, low;
	show("getrlimit(STACK)", RAW(SYS_getrlimit, RLIMIT_STACK, &stk));
	fact("stack soft <= hard", stk.rlim_cur <= stk.rlim_max);
	low.rlim_cur = 4 << 20;
	low.rlim_max = stk.rlim_max;
	show("setrlimit(STACK, 4 MiB)", RAW(SYS_setrlimit, RLIMIT_STACK, &low));
	getrlimit(RLIMIT_STACK, &low);
	fact("reads back 4 MiB", low.rlim_cur == (4 << 20));
	setrlimit(RLIMIT_STACK, &stk);
	conf_rmtree(dir);
	return 0;
}
