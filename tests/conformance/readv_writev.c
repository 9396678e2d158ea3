/* readv(2) and writev(2): scatter/gather and the vector checks. */
#include "conf.h"

#include <sys/uio.h>

int main(void)
{
	struct iovec iov[3];
	char a[8], b[8], c[8];
	long r;

	iov[0] = (struct iovec){ "one ", 4 };
	iov[1] = (struct iovec){ "two ", 4 };
	iov[2] = (struct iovec){ "three\n", 6 };
	fflush(stdout);
	show("writev(1, 3 iovecs)", RAW(SYS_writev, 1, iov, 3));
	show("writev(1, iovcnt 0)", RAW(SYS_writev, 1, iov, 0));
	show("writev(1, iovcnt -1)", RAW(SYS_writev, 1, iov, -1));
	show("writev(1, iovcnt 1025)", RAW(SYS_writev, 1, iov, 1025));
	show("writev(1, BADPTR iov)", RAW(SYS_writev, 1, BADPTR, 2));
	show("writev(-1)", RAW(SYS_writev, -1, iov, 3));

	struct iovec bad[1] = { { BADPTR, 4 } };
	show("writev(1, iov_base BADPTR)", RAW(SYS_writev, 1, bad, 1));

	struct iovec empty[2] = { { NULL, 0 }, { NULL, 0 } };
	show("writev(1, two empty iovecs)", RAW(SYS_writev, 1, empty, 2));

	int fd = open("data.txt", O_RDONLY);
	struct iovec rv[3] = { { a, 5 }, { b, 0 }, { c, 6 } };
	r = RAW(SYS_readv, fd, rv, 3);
	show("readv(fd, 5+0+6)", r);
	show_bytes("iov[0]", a, 5);
	show_bytes("iov[2]", c, 6);

	struct iovec huge[1] = { { a, (size_t)-1 } };
	show("readv(fd, iov_len SIZE_MAX)", RAW(SYS_readv, fd, huge, 1));
	show("readv(fd, iovcnt -1)", RAW(SYS_readv, fd, rv, -1));
	show("readv(fd, BADPTR iov)", RAW(SYS_readv, fd, BADPTR, 1));
	struct iovec badr[1] = { { BADPTR, 4 } };
	show("readv(fd, iov_base BADPTR)", RAW(SYS_readv, fd, badr, 1));
	show("lseek(fd, 0, SEEK_CUR) after failures", lseek(fd, 0, SEEK_CUR));
	show("writev(read-only fd)", RAW(SYS_writev, fd, iov, 1));

	/* At EOF readv returns 0. */
	lseek(fd, 0, SEEK_END);
	show("readv at EOF", RAW(SYS_readv, fd, rv, 3));
	close(fd);
	show("readv(closed fd)", RAW(SYS_readv, fd, rv, 3));

	/* A partial last iovec: 5 bytes left in the file, 8+8 requested. */
	fd = open("dir/alpha", O_RDONLY);
	struct iovec pv[2] = { { a, 3 }, { b, 8 } };
	r = RAW(SYS_readv, fd, pv, 2);
	show("readv(alpha, 3+8)", r);
	show_bytes("iov[0]", a, 3);
	show_bytes("iov[1]", b, r - 3);
	close(fd);
	return 0;
}
