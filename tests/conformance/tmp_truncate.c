/* truncate, ftruncate, fallocate and writes past the end in a fresh /tmp directory. */
#include "conf.h"
#include <sys/stat.h>

static long size_of(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 ? (long)st.st_size : -1;
}

static void read_at(int fd, long off, long len)
{
	char buf[64], what[64];
	long n = RAW(SYS_pread64, fd, buf, len, off);

	snprintf(what, sizeof(what), "pread(%ld, %ld)", off, len);
	if (n < 0)
		show(what, n);
	else
		show_bytes(what, buf, n);
}

int main(void)
{
	const char *dir = conf_tmpdir();
	int fd, ro;

	fd = open("f", O_CREAT | O_RDWR, 0644);
	show("write 10 bytes", RAW(SYS_write, fd, "0123456789", 10));
	show("ftruncate(4)", RAW(SYS_ftruncate, fd, 4));
	show("size", size_of(fd));
	read_at(fd, 0, 10);
	show("ftruncate(8) grows", RAW(SYS_ftruncate, fd, 8));
	read_at(fd, 0, 10);
	show("position unchanged", RAW(SYS_lseek, fd, 0, SEEK_CUR));
	show("write at position 10 (past the end)", RAW(SYS_write, fd, "X", 1));
	show("size", size_of(fd));
	read_at(fd, 6, 10);
	show("ftruncate(100000)", RAW(SYS_ftruncate, fd, 100000));
	read_at(fd, 99990, 20);
	show("pwrite at 50000", RAW(SYS_pwrite64, fd, "mid", 3, 50000));
	read_at(fd, 49998, 6);
	show("ftruncate(50001) cuts mid-page", RAW(SYS_ftruncate, fd, 50001));
	show("ftruncate(60000) grows again", RAW(SYS_ftruncate, fd, 60000));
	read_at(fd, 49998, 6);
	show("ftruncate(-1)", RAW(SYS_ftruncate, fd, -1L));
	show("ftruncate(0)", RAW(SYS_ftruncate, fd, 0));
	show("size", size_of(fd));
	show("lseek(SEEK_END)", RAW(SYS_lseek, fd, 0, SEEK_END));
	show("lseek(5, SEEK_DATA) at the end", RAW(SYS_lseek, fd, 5, SEEK_DATA));

	ro = open("f", O_RDONLY);
	show("ftruncate on O_RDONLY", RAW(SYS_ftruncate, ro, 1));
	show("fallocate on O_RDONLY", RAW(SYS_fallocate, ro, 0, 0, 10));
	close(ro);
	show("ftruncate(bad fd)", RAW(SYS_ftruncate, 999, 1));
	show("ftruncate(O_PATH fd)", RAW(SYS_ftruncate, open("f", O_PATH), 1));
	show("ftruncate on a directory fd", RAW(SYS_ftruncate, open(".", O_RDONLY), 1));

	show("truncate(f, 3)", RAW(SYS_truncate, "f", 3));
	show("size", size_of(fd));
	read_at(fd, 0, 10);
	show("truncate(f, -5)", RAW(SYS_truncate, "f", -5L));
	show("truncate(missing)", RAW(SYS_truncate, "missing", 0));
	mkdir("d", 0755);
	show("truncate(d)", RAW(SYS_truncate, "d", 0));
	show("truncate(f/)", RAW(SYS_truncate, "f/", 0));
	show("truncate(/dev/null)", RAW(SYS_truncate, "/dev/null", 0));
	symlink("f", "link");
	show("truncate(link, 1) follows", RAW(SYS_truncate, "link", 1));
	show("size", size_of(fd));

	show("fallocate(0, 0, 8192)", RAW(SYS_fallocate, fd, 0, 0, 8192));
	show("size", size_of(fd));
	read_at(fd, 0, 4);
	show("fallocate(KEEP_SIZE, 0, 100000)", RAW(SYS_fallocate, fd, 1, 0, 100000));
	show("size", size_of(fd));
	show("fallocate(0, 10000, 5)", RAW(SYS_fallocate, fd, 0, 10000, 5));
	show("size", size_of(fd));
	show("fallocate len 0", RAW(SYS_fallocate, fd, 0, 0, 0));
	show("fallocate offset -1", RAW(SYS_fallocate, fd, 0, -1L, 10));
	show("fallocate unknown mode", RAW(SYS_fallocate, fd, 0x100, 0, 10));
	show("fallocate overflowing", RAW(SYS_fallocate, fd, 0, 0x7fffffffffffff00L, 0x1000));
	show("fallocate on a read-only directory fd", RAW(SYS_fallocate, open(".", O_RDONLY), 0, 0, 10));
	close(fd);

	conf_rmtree(dir);
	fact("temporary directory gone", access(dir, F_OK) != 0);
	return 0;
}
