/* pread64(2) and pwrite64(2): positioned I/O and its checks. */
#include "conf.h"

int main(void)
{
	char buf[64];
	long r;
	int fd = open("data.txt", O_RDONLY);

	r = RAW(SYS_pread64, fd, buf, 10, 100);
	show("pread(fd, 10, off 100)", r);
	show_bytes("data", buf, r);
	show("file offset after pread", lseek(fd, 0, SEEK_CUR));
	r = RAW(SYS_read, fd, buf, 10);
	show_bytes("read after pread (offset 0)", buf, r);

	r = RAW(SYS_pread64, fd, buf, 100, FIXTURE_DATA_SIZE - 10);
	show("pread(fd, 100, off size-10)", r);
	show_bytes("data", buf, r);
	show("pread(fd, 10, off size)", RAW(SYS_pread64, fd, buf, 10, FIXTURE_DATA_SIZE));
	show("pread(fd, 10, off 1<<40)", RAW(SYS_pread64, fd, buf, 10, 1LL << 40));
	show("pread(fd, 10, off -1)", RAW(SYS_pread64, fd, buf, 10, -1L));
	show("pread(fd, BADPTR)", RAW(SYS_pread64, fd, BADPTR, 10, 0));
	show("pread(fd, 0 bytes)", RAW(SYS_pread64, fd, buf, 0, 0));
	show("pread(-1)", RAW(SYS_pread64, -1, buf, 10, 0));
	show("pread(-1, off -1)", RAW(SYS_pread64, -1, buf, 10, -1L));

	show("pwrite(read-only fd)", RAW(SYS_pwrite64, fd, "x", 1, 0));
	show("pwrite(read-only fd, off -1)", RAW(SYS_pwrite64, fd, "x", 1, -1L));
	show("pwrite(-1)", RAW(SYS_pwrite64, -1, "x", 1, 0));
	show("pwrite(1000)", RAW(SYS_pwrite64, 1000, "x", 1, 0));

	int d = open("dir", O_RDONLY | O_DIRECTORY);
	show("pread(directory)", RAW(SYS_pread64, d, buf, 10, 0));
	show("pwrite(directory)", RAW(SYS_pwrite64, d, "x", 1, 0));
	close(d);

	int p = open("data.txt", O_PATH);
	show("pread(O_PATH fd)", RAW(SYS_pread64, p, buf, 10, 0));
	close(p);

	/* preadv/pwritev share the same rules. */
	struct { void *base; size_t len; } iov[2] = { { buf, 4 }, { buf + 4, 6 } };
	r = RAW(SYS_preadv, fd, iov, 2, 200, 0);
	show("preadv(fd, 4+6, off 200)", r);
	show_bytes("data", buf, r);
	show("preadv(fd, off -1)", RAW(SYS_preadv, fd, iov, 2, -1L, -1L));
	show("pwritev(read-only fd)", RAW(SYS_pwritev, fd, iov, 2, 0, 0));
	close(fd);
	return 0;
}
