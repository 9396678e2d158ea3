/* copy_file_range: between regular files with offset pointers or file positions,
 * within one file (non-overlapping), truncated at the end of the source, and its
 * errors: EINVAL (flags, overlap, pipes), EISDIR, EBADF (modes, O_APPEND), EFAULT. */
#include "conf.h"

#include <sys/stat.h>

int main(void)
{
	int in = open("data.txt", O_RDONLY);
	const char *dir = conf_tmpdir();
	int out = open("copy", O_CREAT | O_RDWR | O_TRUNC, 0644);
	char buf[64];
	long total = 0, n;
	while ((n = RAW(SYS_copy_file_range, in, NULL, out, NULL, 3000, 0)) > 0)
		total += n;
	show("last", n);
	printf("copied %ld, in pos %ld, out pos %ld\n", total, (long)lseek(in, 0, SEEK_CUR), (long)lseek(out, 0, SEEK_CUR));
	loff_t oi = 10, oo = 20000;
	show("with offsets", RAW(SYS_copy_file_range, in, &oi, out, &oo, 15, 0));
	printf("offsets %ld %ld, positions %ld %ld\n", (long)oi, (long)oo, (long)lseek(in, 0, SEEK_CUR),
	       (long)lseek(out, 0, SEEK_CUR));
	n = pread(out, buf, 15, 20000);
	show_bytes("at 20000", buf, n);
	struct stat st;
	fstat(out, &st);
	printf("size %ld\n", (long)st.st_size);
	oi = 12995;
	oo = 0;
	show("short at the end", RAW(SYS_copy_file_range, in, &oi, out, &oo, 100, 0));
	oi = 50000;
	show("past the end", RAW(SYS_copy_file_range, in, &oi, out, &oo, 100, 0));
	show("len 0", RAW(SYS_copy_file_range, in, NULL, out, NULL, 0, 0));
	oi = 0;
	oo = 100;
	show("same file, apart", RAW(SYS_copy_file_range, out, &oi, out, &oo, 50, 0));
	oi = 0;
	oo = 10;
	show("same file, overlapping", RAW(SYS_copy_file_range, out, &oi, out, &oo, 50, 0));
	show("flags", RAW(SYS_copy_file_range, in, NULL, out, NULL, 10, 1));
	show("bad fd", RAW(SYS_copy_file_range, 999, NULL, out, NULL, 10, 0));
	show("bad fd out", RAW(SYS_copy_file_range, in, NULL, 999, NULL, 10, 0));
	int ro = open("copy", O_RDONLY);
	show("read-only destination", RAW(SYS_copy_file_range, in, NULL, ro, NULL, 10, 0));
	int wo = open("copy", O_WRONLY);
	show("write-only source", RAW(SYS_copy_file_range, wo, NULL, out, NULL, 10, 0));
	int app = open("copy", O_WRONLY | O_APPEND);
	show("O_APPEND destination", RAW(SYS_copy_file_range, in, NULL, app, NULL, 10, 0));
	int d = open(".", O_RDONLY | O_DIRECTORY);
	show("directory", RAW(SYS_copy_file_range, d, NULL, out, NULL, 10, 0));
	int p[2];
	pipe(p);
	write(p[1], "abc", 3);
	show("pipe source", RAW(SYS_copy_file_range, p[0], NULL, out, NULL, 10, 0));
	show("pipe destination", RAW(SYS_copy_file_range, in, NULL, p[1], NULL, 10, 0));
	show("offset EFAULT", RAW(SYS_copy_file_range, in, BADPTR, out, NULL, 10, 0));
	oi = -1;
	show("offset -1 (wraps)", RAW(SYS_copy_file_range, in, &oi, out, NULL, 10, 0));
	oi = -100;
	show("offset -100", RAW(SYS_copy_file_range, in, &oi, out, NULL, 10, 0));
	conf_rmtree(dir);
	return 0;
}
