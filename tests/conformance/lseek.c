/* lseek(2): every whence, the range checks, and its effect on read. */
#include "conf.h"

static long ls(int fd, long off, int whence)
{
	return RAW(SYS_lseek, fd, off, whence);
}

int main(void)
{
	char buf[16];
	int fd = open("data.txt", O_RDONLY);

	show("lseek(0, SEEK_CUR) initially", ls(fd, 0, SEEK_CUR));
	show("lseek(0, SEEK_END)", ls(fd, 0, SEEK_END));
	show("lseek(-10, SEEK_END)", ls(fd, -10, SEEK_END));
	long r = RAW(SYS_read, fd, buf, 10);
	show_bytes("read at END-10", buf, r);
	show("lseek(100, SEEK_SET)", ls(fd, 100, SEEK_SET));
	show("lseek(10, SEEK_CUR)", ls(fd, 10, SEEK_CUR));
	r = RAW(SYS_read, fd, buf, 10);
	show_bytes("read at 110", buf, r);
	show("lseek(-20, SEEK_CUR)", ls(fd, -20, SEEK_CUR));
	show("lseek(-200, SEEK_CUR)", ls(fd, -200, SEEK_CUR));
	show("offset unchanged after failure", ls(fd, 0, SEEK_CUR));
	show("lseek(-1, SEEK_SET)", ls(fd, -1, SEEK_SET));
	show("lseek(-20000, SEEK_END)", ls(fd, -20000, SEEK_END));
	show("lseek(0, whence 5)", ls(fd, 0, 5));
	show("lseek(0, whence -1)", ls(fd, 0, -1));
	show("lseek(20000, SEEK_SET) past EOF", ls(fd, 20000, SEEK_SET));
	show("read past EOF", RAW(SYS_read, fd, buf, 10));
	show("lseek(1<<40, SEEK_SET)", ls(fd, 1L << 40, SEEK_SET));
	show("lseek(0, SEEK_DATA)", ls(fd, 0, SEEK_DATA));
	show("lseek(0, SEEK_HOLE)", ls(fd, 0, SEEK_HOLE));
	show("lseek(size, SEEK_DATA)", ls(fd, FIXTURE_DATA_SIZE, SEEK_DATA));
	show("lseek(-1, SEEK_DATA)", ls(fd, -1, SEEK_DATA));

	show("lseek(-1 fd)", ls(-1, 0, SEEK_SET));
	show("lseek(1000)", ls(1000, 0, SEEK_SET));
	int p = open("data.txt", O_PATH);
	show("lseek(O_PATH fd)", ls(p, 0, SEEK_SET));
	close(p);

	int d = open("dir", O_RDONLY | O_DIRECTORY);
	show("lseek(dir, 0, SEEK_SET)", ls(d, 0, SEEK_SET));
	close(d);

	int e = open("empty", O_RDONLY);
	show("lseek(empty, 0, SEEK_END)", ls(e, 0, SEEK_END));
	show("lseek(empty, 5, SEEK_END)", ls(e, 5, SEEK_END));
	close(e);

	/* Descriptors from dup share one offset; separate opens do not. */
	int fd2 = dup(fd);
	int fd3 = open("data.txt", O_RDONLY);
	ls(fd, 30, SEEK_SET);
	show("dup sees the new offset", ls(fd2, 0, SEEK_CUR));
	show("separate open keeps its own", ls(fd3, 0, SEEK_CUR));
	close(fd);
	close(fd2);
	close(fd3);
	return 0;
}
