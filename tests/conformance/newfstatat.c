/* newfstatat(2): following or not following links, AT_EMPTY_PATH, errors. */
#include "conf.h"

#include <sys/stat.h>

static const char *type(mode_t m)
{
	return S_ISREG(m) ? "regular" : S_ISDIR(m) ? "directory" : S_ISLNK(m) ? "symlink" : "other";
}

static void st(const char *what, int dirfd, const char *path, int flags)
{
	struct stat s;
	long r = RAW(SYS_newfstatat, dirfd, path, &s, flags);

	if (r == 0)
		printf("%s = 0 (%s, size %lld)\n", what, type(s.st_mode), S_ISDIR(s.st_mode) ? 0LL : (long long)s.st_size);
	else
		show(what, r);
}

int main(void)
{
	struct stat a, b;

	st("stat(data.txt)", AT_FDCWD, "data.txt", 0);
	st("stat(link)", AT_FDCWD, "link", 0);
	st("lstat(link)", AT_FDCWD, "link", AT_SYMLINK_NOFOLLOW);
	st("stat(dangling)", AT_FDCWD, "dangling", 0);
	st("lstat(dangling)", AT_FDCWD, "dangling", AT_SYMLINK_NOFOLLOW);
	st("stat(loop1)", AT_FDCWD, "loop1", 0);
	st("lstat(loop1)", AT_FDCWD, "loop1", AT_SYMLINK_NOFOLLOW);
	st("stat(dirlink)", AT_FDCWD, "dirlink", 0);
	st("lstat(dirlink)", AT_FDCWD, "dirlink", AT_SYMLINK_NOFOLLOW);
	st("lstat(dirlink/)", AT_FDCWD, "dirlink/", AT_SYMLINK_NOFOLLOW);
	st("stat(dir/link-to-alpha)", AT_FDCWD, "dir/link-to-alpha", 0);
	st("stat(.)", AT_FDCWD, ".", 0);
	st("stat(dir/sub/..)", AT_FDCWD, "dir/sub/..", 0);
	st("stat(missing)", AT_FDCWD, "missing", 0);
	st("stat(data.txt/x)", AT_FDCWD, "data.txt/x", 0);
	st("stat(data.txt/)", AT_FDCWD, "data.txt/", 0);
	st("stat(\"\")", AT_FDCWD, "", 0);
	st("stat(BADPTR)", AT_FDCWD, BADPTR, 0);
	show("stat(data.txt, BADPTR buf)", RAW(SYS_newfstatat, AT_FDCWD, "data.txt", BADPTR, 0));
	st("stat(data.txt, flags 0x1)", AT_FDCWD, "data.txt", 0x1);
	st("stat(data.txt, flags 0x80000)", AT_FDCWD, "data.txt", 0x80000);

	int dir = open("dir", O_RDONLY | O_DIRECTORY);
	st("fstatat(dir, alpha)", dir, "alpha", 0);
	st("fstatat(dir, link-to-alpha, NOFOLLOW)", dir, "link-to-alpha", AT_SYMLINK_NOFOLLOW);
	st("fstatat(dir, sub)", dir, "sub", 0);
	st("fstatat(dir, \"\", AT_EMPTY_PATH)", dir, "", AT_EMPTY_PATH);
	st("fstatat(dir, \"\")", dir, "", 0);
	st("fstatat(12345, alpha)", 12345, "alpha", 0);
	st("fstatat(12345, /)", 12345, "/", 0);
	int file = open("data.txt", O_RDONLY);
	st("fstatat(file, x)", file, "x", 0);
	st("fstatat(file, \"\", AT_EMPTY_PATH)", file, "", AT_EMPTY_PATH);
	st("fstatat(12345, \"\", AT_EMPTY_PATH)", 12345, "", AT_EMPTY_PATH);
	st("fstatat(AT_FDCWD, \"\", AT_EMPTY_PATH)", AT_FDCWD, "", AT_EMPTY_PATH);
	int lnk = open("link", O_PATH | O_NOFOLLOW);
	st("fstatat(O_PATH symlink, \"\", AT_EMPTY_PATH)", lnk, "", AT_EMPTY_PATH);

	/* AT_EMPTY_PATH on a descriptor is the same object as fstat. */
	fstat(file, &a);
	RAW(SYS_newfstatat, file, "", &b, AT_EMPTY_PATH);
	fact("AT_EMPTY_PATH matches fstat", a.st_ino == b.st_ino && a.st_dev == b.st_dev && a.st_size == b.st_size);
	RAW(SYS_newfstatat, AT_FDCWD, "link", &b, 0);
	fact("stat(link) is data.txt", a.st_ino == b.st_ino && a.st_dev == b.st_dev);
	RAW(SYS_newfstatat, AT_FDCWD, "link", &b, AT_SYMLINK_NOFOLLOW);
	fact("lstat(link) is not data.txt", a.st_ino != b.st_ino);
	RAW(SYS_newfstatat, dir, "..", &a, 0);
	RAW(SYS_newfstatat, AT_FDCWD, ".", &b, 0);
	fact("dir/.. is .", a.st_ino == b.st_ino && a.st_dev == b.st_dev);
	return 0;
}
