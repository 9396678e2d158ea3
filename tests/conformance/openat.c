/* openat(2): path resolution, flags and the error paths. */
#include "conf.h"

static long op(const char *path, long flags)
{
	return RAW(SYS_openat, AT_FDCWD, path, flags, 0644);
}

static void open_close(const char *what, int dirfd, const char *path, long flags)
{
	long r = RAW(SYS_openat, dirfd, path, flags, 0644);

	show(what, r);
	if (r >= 0)
		close((int)r);
}

int main(void)
{
	char longpath[5000];
	char longname[300];

	open_close("open(data.txt, O_RDONLY)", AT_FDCWD, "data.txt", O_RDONLY);
	open_close("open(missing)", AT_FDCWD, "missing", O_RDONLY);
	open_close("open(\"\")", AT_FDCWD, "", O_RDONLY);
	open_close("open(BADPTR)", AT_FDCWD, BADPTR, O_RDONLY);
	open_close("open(data.txt, O_DIRECTORY)", AT_FDCWD, "data.txt", O_RDONLY | O_DIRECTORY);
	open_close("open(data.txt/x)", AT_FDCWD, "data.txt/x", O_RDONLY);
	open_close("open(data.txt/)", AT_FDCWD, "data.txt/", O_RDONLY);
	open_close("open(missing/x)", AT_FDCWD, "missing/x", O_RDONLY);
	open_close("open(link)", AT_FDCWD, "link", O_RDONLY);
	open_close("open(link, O_NOFOLLOW)", AT_FDCWD, "link", O_RDONLY | O_NOFOLLOW);
	open_close("open(link, O_PATH|O_NOFOLLOW)", AT_FDCWD, "link", O_PATH | O_NOFOLLOW);
	open_close("open(dangling)", AT_FDCWD, "dangling", O_RDONLY);
	open_close("open(loop1)", AT_FDCWD, "loop1", O_RDONLY);
	open_close("open(loop1/x)", AT_FDCWD, "loop1/x", O_RDONLY);
	open_close("open(dirlink, O_DIRECTORY)", AT_FDCWD, "dirlink", O_RDONLY | O_DIRECTORY);
	open_close("open(dirlink, O_DIRECTORY|O_NOFOLLOW)", AT_FDCWD, "dirlink", O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
	open_close("open(dirlink/alpha, O_NOFOLLOW)", AT_FDCWD, "dirlink/alpha", O_RDONLY | O_NOFOLLOW);
	open_close("open(dir, O_RDONLY)", AT_FDCWD, "dir", O_RDONLY);
	open_close("open(dir/, O_RDONLY)", AT_FDCWD, "dir/", O_RDONLY);
	open_close("open(dir, O_WRONLY)", AT_FDCWD, "dir", O_WRONLY);
	open_close("open(dir, O_RDWR)", AT_FDCWD, "dir", O_RDWR);
	open_close("open(dir/sub/../alpha)", AT_FDCWD, "dir/sub/../alpha", O_RDONLY);
	open_close("open(./dir/./beta)", AT_FDCWD, "./dir/./beta", O_RDONLY);
	open_close("open(dir//gamma)", AT_FDCWD, "dir//gamma", O_RDONLY);
	open_close("open(data.txt, O_CREAT|O_EXCL)", AT_FDCWD, "data.txt", O_RDONLY | O_CREAT | O_EXCL);
	open_close("open(dangling, O_CREAT|O_EXCL)", AT_FDCWD, "dangling", O_RDONLY | O_CREAT | O_EXCL);
	open_close("open(dir, O_CREAT|O_EXCL)", AT_FDCWD, "dir", O_RDONLY | O_CREAT | O_EXCL);
	open_close("open(data.txt, O_CREAT) existing", AT_FDCWD, "data.txt", O_RDONLY | O_CREAT);
	open_close("open(dir, O_CREAT)", AT_FDCWD, "dir", O_RDONLY | O_CREAT);
	open_close("open(/, O_RDONLY)", AT_FDCWD, "/", O_RDONLY | O_DIRECTORY);
	open_close("open(/.., O_RDONLY)", AT_FDCWD, "/..", O_RDONLY | O_DIRECTORY);

	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = 0;
	open_close("open(5000-byte path)", AT_FDCWD, longpath, O_RDONLY);
	memset(longname, 'b', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	open_close("open(300-byte name)", AT_FDCWD, longname, O_RDONLY);

	/* Descriptor numbers: always the lowest free one. */
	long a = op("data.txt", O_RDONLY);
	long b = op("empty", O_RDONLY);
	show("first fd", a);
	show("second fd", b);
	close((int)a);
	long c = op("dir/alpha", O_RDONLY);
	show("fd after closing the first", c);
	close((int)b);
	close((int)c);

	/* O_CLOEXEC shows up in F_GETFD. */
	long e = op("data.txt", O_RDONLY | O_CLOEXEC);
	show("F_GETFD after O_CLOEXEC", fcntl((int)e, F_GETFD));
	close((int)e);

	/* Relative to a directory descriptor. */
	int dir = (int)op("dir", O_RDONLY | O_DIRECTORY);
	open_close("openat(dir, alpha)", dir, "alpha", O_RDONLY);
	open_close("openat(dir, link-to-alpha)", dir, "link-to-alpha", O_RDONLY);
	open_close("openat(dir, ../data.txt)", dir, "../data.txt", O_RDONLY);
	open_close("openat(dir, missing)", dir, "missing", O_RDONLY);
	open_close("openat(dir, \"\")", dir, "", O_RDONLY);
	int file = (int)op("data.txt", O_RDONLY);
	open_close("openat(file fd, x)", file, "x", O_RDONLY);
	open_close("openat(12345, alpha)", 12345, "alpha", O_RDONLY);
	open_close("openat(-1, alpha)", -1, "alpha", O_RDONLY);
	open_close("openat(12345, /)", 12345, "/", O_RDONLY);
	close(file);
	close(dir);
	open_close("openat(closed dir fd, alpha)", dir, "alpha", O_RDONLY);

	/* O_PATH opens anything that resolves, without reading it. */
	open_close("open(dir/alpha, O_PATH)", AT_FDCWD, "dir/alpha", O_PATH);
	open_close("open(missing, O_PATH)", AT_FDCWD, "missing", O_PATH);
	return 0;
}
