/* statx(2): the mask, the sync flags and agreement with fstat. */
#include "conf.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>

static long sx(int dirfd, const char *path, int flags, unsigned mask, struct statx *out)
{
	return RAW(SYS_statx, dirfd, path, flags, mask, out);
}

int main(void)
{
	struct statx x;
	struct stat s;

	memset(&x, 0xaa, sizeof(x));
	show("statx(data.txt, BASIC)", sx(AT_FDCWD, "data.txt", 0, STATX_BASIC_STATS, &x));
	fact("mask has all basic stats", (x.stx_mask & STATX_BASIC_STATS) == STATX_BASIC_STATS);
	fact("regular file", S_ISREG(x.stx_mode));
	printf("perm = %04o\n", x.stx_mode & 07777);
	printf("size = %llu\n", (unsigned long long)x.stx_size);
	printf("nlink = %u\n", x.stx_nlink);
	fact("blksize > 0", x.stx_blksize > 0);

	stat("data.txt", &s);
	fact("ino matches stat", x.stx_ino == s.st_ino);
	fact("dev matches stat", makedev(x.stx_dev_major, x.stx_dev_minor) == s.st_dev);
	fact("uid/gid match stat", x.stx_uid == s.st_uid && x.stx_gid == s.st_gid);
	fact("mtime matches stat", x.stx_mtime.tv_sec == s.st_mtim.tv_sec && x.stx_mtime.tv_nsec == (unsigned)s.st_mtim.tv_nsec);
	fact("mtime nsec < 1e9", x.stx_mtime.tv_nsec < 1000000000u);

	show("statx(link)", sx(AT_FDCWD, "link", 0, STATX_BASIC_STATS, &x));
	fact("link follows to regular", S_ISREG(x.stx_mode));
	show("statx(link, NOFOLLOW)", sx(AT_FDCWD, "link", AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &x));
	fact("link itself is a symlink", S_ISLNK(x.stx_mode));
	printf("link size = %llu\n", (unsigned long long)x.stx_size);
	show("statx(dir)", sx(AT_FDCWD, "dir", 0, STATX_BASIC_STATS, &x));
	fact("dir is a directory", S_ISDIR(x.stx_mode));

	int fd = open("data.txt", O_RDONLY);
	show("statx(fd, \"\", AT_EMPTY_PATH)", sx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &x));
	fact("AT_EMPTY_PATH is the file", x.stx_ino == s.st_ino);
	show("statx(fd, \"\", 0)", sx(fd, "", 0, STATX_BASIC_STATS, &x));
	show("statx(mask 0)", sx(AT_FDCWD, "data.txt", 0, 0, &x));
	show("statx(mask STATX_TYPE)", sx(AT_FDCWD, "data.txt", 0, STATX_TYPE, &x));
	fact("STATX_TYPE still gives a regular file", S_ISREG(x.stx_mode));
	show("statx(AT_STATX_FORCE_SYNC)", sx(AT_FDCWD, "data.txt", AT_STATX_FORCE_SYNC, STATX_BASIC_STATS, &x));
	show("statx(AT_STATX_DONT_SYNC)", sx(AT_FDCWD, "data.txt", AT_STATX_DONT_SYNC, STATX_BASIC_STATS, &x));

	show("statx(FORCE_SYNC|DONT_SYNC)", sx(AT_FDCWD, "data.txt", AT_STATX_FORCE_SYNC | AT_STATX_DONT_SYNC, STATX_BASIC_STATS, &x));
	show("statx(flags 0x1)", sx(AT_FDCWD, "data.txt", 0x1, STATX_BASIC_STATS, &x));
	show("statx(mask STATX__RESERVED)", sx(AT_FDCWD, "data.txt", 0, 0x80000000u, &x));
	show("statx(missing)", sx(AT_FDCWD, "missing", 0, STATX_BASIC_STATS, &x));
	show("statx(dangling)", sx(AT_FDCWD, "dangling", 0, STATX_BASIC_STATS, &x));
	show("statx(loop1)", sx(AT_FDCWD, "loop1", 0, STATX_BASIC_STATS, &x));
	show("statx(data.txt/x)", sx(AT_FDCWD, "data.txt/x", 0, STATX_BASIC_STATS, &x));
	show("statx(12345, alpha)", sx(12345, "alpha", 0, STATX_BASIC_STATS, &x));
	show("statx(BADPTR path)", sx(AT_FDCWD, BADPTR, 0, STATX_BASIC_STATS, &x));
	show("statx(BADPTR buf)", sx(AT_FDCWD, "data.txt", 0, STATX_BASIC_STATS, BADPTR));
	close(fd);
	return 0;
}
