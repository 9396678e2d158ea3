/* tee duplicates a pipe's bytes into another pipe without consuming them; vmsplice
 * writes user memory into a pipe and reads it back out; their errors. */
#include "conf.h"

#include <sys/uio.h>
#include <sys/wait.h>

int main(void)
{
	int p[2], q[2];
	pipe(p);
	pipe(q);
	char buf[128];
	struct iovec v[2] = { { "hello ", 6 }, { "world", 5 } };
	show("vmsplice into a pipe", RAW(SYS_vmsplice, p[1], v, 2, 0));
	show("tee", RAW(SYS_tee, p[0], q[1], 100, 0));
	show("tee limited", RAW(SYS_tee, p[0], q[1], 3, 0));
	long n = read(q[0], buf, sizeof buf);
	show_bytes("copy", buf, n);
	char x[4], y[20];
	struct iovec out[2] = { { x, 4 }, { y, 20 } };
	show("vmsplice out of a pipe", RAW(SYS_vmsplice, p[0], out, 2, 0));
	show_bytes("first", x, 4);
	show_bytes("second", y, 7);
	show("tee empty, NONBLOCK", RAW(SYS_tee, p[0], q[1], 10, SPLICE_F_NONBLOCK));
	show("vmsplice out of an empty pipe, NONBLOCK", RAW(SYS_vmsplice, p[0], out, 2, SPLICE_F_NONBLOCK));
	pid_t c = fork();
	if (c == 0) {
		usleep(100000);
		write(p[1], "later", 5);
		_exit(0);
	}
	show("tee blocked, woken", RAW(SYS_tee, p[0], q[1], 10, 0));
	waitpid(c, NULL, 0);
	n = read(q[0], buf, sizeof buf);
	show_bytes("copy", buf, n);
	n = read(p[0], buf, sizeof buf);
	show_bytes("still in the source", buf, n);

	show("tee len 0", RAW(SYS_tee, 999, 999, 0, 0));
	show("tee same pipe", RAW(SYS_tee, p[0], p[1], 10, 0));
	show("tee write end as source", RAW(SYS_tee, p[1], q[1], 10, 0));
	int f = open("data.txt", O_RDONLY);
	show("tee from a file", RAW(SYS_tee, f, q[1], 10, 0));
	show("tee bad flags", RAW(SYS_tee, p[0], q[1], 10, 0x40));
	show("tee bad fd", RAW(SYS_tee, 999, q[1], 10, 0));
	show("vmsplice on a file", RAW(SYS_vmsplice, f, v, 2, 0));
	show("vmsplice nothing on a file", RAW(SYS_vmsplice, f, v, 0, 0));
	show("vmsplice bad fd", RAW(SYS_vmsplice, 999, v, 1, 0));
	show("vmsplice bad flags", RAW(SYS_vmsplice, p[1], v, 1, 0x100));
	show("vmsplice too many", RAW(SYS_vmsplice, p[1], v, 2000, 0));
	show("vmsplice iovec EFAULT", RAW(SYS_vmsplice, p[1], BADPTR, 1, 0));
	close(p[1]);
	show("tee at EOF", RAW(SYS_tee, p[0], q[1], 10, 0));
	return 0;
}
