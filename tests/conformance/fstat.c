/* fstat(2) on files, directories and O_PATH descriptors. */
#include "conf.h"

#include <sys/stat.h>

static void describe(const char *what, const struct stat *st)
{
	const char *type = S_ISREG(st->st_mode) ? "regular" :
			   S_ISDIR(st->st_mode) ? "directory" :
			   S_ISLNK(st->st_mode) ? "symlink" : "other";

	printf("%s: type %s, perm %04o\n", what, type, (unsigned)(st->st_mode & 07777));
}

int main(void)
{
	struct stat st, st2, st3;
	int fd = open("data.txt", O_RDONLY);

	show("fstat(data.txt)", RAW(SYS_fstat, fd, &st));
	describe("data.txt", &st);
	printf("st_size = %lld\n", (long long)st.st_size);
	printf("st_nlink = %lu\n", (unsigned long)st.st_nlink);
	fact("st_blksize > 0", st.st_blksize > 0);
	fact("st_ino != 0", st.st_ino != 0);
	fact("st_mtime > 2020", st.st_mtime > 1577836800);

	/* Two descriptors for the same file agree, another file differs. */
	int fd2 = open("link", O_RDONLY);
	fstat(fd2, &st2);
	fact("same file via symlink: same dev/ino", st.st_dev == st2.st_dev && st.st_ino == st2.st_ino);
	int e = open("empty", O_RDONLY);
	fstat(e, &st3);
	fact("other file: different ino", st3.st_ino != st.st_ino);
	fact("same directory: same dev", st3.st_dev == st.st_dev);
	describe("empty", &st3);
	printf("empty st_size = %lld\n", (long long)st3.st_size);

	int d = open("dir", O_RDONLY | O_DIRECTORY);
	show("fstat(dir)", RAW(SYS_fstat, d, &st));
	describe("dir", &st);
	fact("dir st_nlink >= 1", st.st_nlink >= 1);

	int p = open("link", O_PATH | O_NOFOLLOW);
	show("fstat(O_PATH|O_NOFOLLOW symlink)", RAW(SYS_fstat, p, &st));
	describe("link", &st);
	printf("link st_size = %lld\n", (long long)st.st_size);

	show("fstat(-1)", RAW(SYS_fstat, -1, &st));
	show("fstat(1000)", RAW(SYS_fstat, 1000, &st));
	show("fstat(fd, BADPTR)", RAW(SYS_fstat, fd, BADPTR));
	show("fstat(fd, NULL)", RAW(SYS_fstat, fd, NULL));
	close(fd);
	show("fstat(closed fd)", RAW(SYS_fstat, fd, &st));
	return 0;
}
