/* dup(2), dup2(2), dup3(2): numbering, sharing and the error paths. */
#include "conf.h"

int main(void)
{
	char c;
	int fd = open("data.txt", O_RDONLY);
	show("open(data.txt)", fd);

	long d = RAW(SYS_dup, fd);
	show("dup(fd)", d);
	show("F_GETFD(dup) (no cloexec)", fcntl((int)d, F_GETFD));
	RAW(SYS_read, fd, &c, 1);
	show("dup shares the offset", lseek((int)d, 0, SEEK_CUR));
	show("dup(-1)", RAW(SYS_dup, -1));
	show("dup(1000)", RAW(SYS_dup, 1000));

	/* dup takes the lowest free number. */
	close(fd);
	show("dup after closing the original", RAW(SYS_dup, d));

	show("dup2(d, d)", RAW(SYS_dup2, d, d));
	show("dup2(1000, 1000)", RAW(SYS_dup2, 1000, 1000));
	show("dup2(d, 100)", RAW(SYS_dup2, d, 100));
	show("dup2(-1, 100)", RAW(SYS_dup2, -1, 100));
	show("dup2(d, -1)", RAW(SYS_dup2, d, -1));
	show("dup2(d, 1<<30)", RAW(SYS_dup2, d, 1 << 30));

	/* dup2 over an open descriptor replaces it silently. */
	int other = open("dir/alpha", O_RDONLY);
	show("open(dir/alpha)", other);
	show("dup2(d, other)", RAW(SYS_dup2, d, other));
	long r = RAW(SYS_pread64, other, &c, 1, 0);
	show("pread(other) reads data.txt now", r);
	show_bytes("byte", &c, 1);

	/* The cloexec flag is per descriptor: dup2 clears it on the target. */
	fcntl((int)d, F_SETFD, FD_CLOEXEC);
	show("dup2(cloexec fd, 101)", RAW(SYS_dup2, d, 101));
	show("F_GETFD(101)", fcntl(101, F_GETFD));

	show("dup3(d, d, 0)", RAW(SYS_dup3, d, d, 0));
	show("dup3(d, 102, O_CLOEXEC)", RAW(SYS_dup3, d, 102, O_CLOEXEC));
	show("F_GETFD(102)", fcntl(102, F_GETFD));
	show("dup3(d, 103, 0)", RAW(SYS_dup3, d, 103, 0));
	show("F_GETFD(103)", fcntl(103, F_GETFD));
	show("dup3(d, 104, bad flags 1)", RAW(SYS_dup3, d, 104, 1));
	show("dup3(d, 104, O_NONBLOCK)", RAW(SYS_dup3, d, 104, O_NONBLOCK));
	show("dup3(-1, 104, 0)", RAW(SYS_dup3, -1, 104, 0));
	show("dup3(d, -1, 0)", RAW(SYS_dup3, d, -1, 0));
	show("dup3(d, 1<<30, 0)", RAW(SYS_dup3, d, 1 << 30, 0));
	show("fcntl(104) still closed", fcntl(104, F_GETFD) == -1 ? -(long)errno : 0);

	/* Closing one copy leaves the others usable. */
	close((int)d);
	show("read(100) after closing d", RAW(SYS_pread64, 100, &c, 1, 10));
	show_bytes("byte", &c, 1);
	return 0;
}
