/* open/openat/creat with O_CREAT, O_EXCL, O_TRUNC, O_APPEND in a fresh /tmp directory. */
#include "conf.h"
#include <sys/stat.h>

static long op(const char *path, long flags, long mode)
{
	return RAW(SYS_openat, AT_FDCWD, path, flags, mode);
}

static void try_open(const char *what, const char *path, long flags, long mode)
{
	long r = op(path, flags, mode);

	show_ok(what, r);
	if (r >= 0)
		close((int)r);
}

static void show_mode(const char *path)
{
	struct stat st;

	if (lstat(path, &st) != 0) {
		printf("lstat(%s) = -1 %s\n", path, ename(errno));
		return;
	}
	printf("%s: mode %o nlink %ld size %ld\n", path, (unsigned)st.st_mode, (long)st.st_nlink, (long)st.st_size);
}

static void show_file(const char *path)
{
	char buf[64];
	int fd = open(path, O_RDONLY);
	long n;

	if (fd < 0) {
		printf("open(%s) = -1 %s\n", path, ename(errno));
		return;
	}
	n = read(fd, buf, sizeof(buf));
	show_bytes(path, buf, n < 0 ? 0 : n);
	close(fd);
}

int main(void)
{
	const char *dir = conf_tmpdir();
	char name[300];
	long fd;

	umask(022);
	try_open("create f", "f", O_CREAT | O_WRONLY, 0666);
	show_mode("f");
	try_open("create f again (no O_EXCL)", "f", O_CREAT | O_RDONLY, 0600);
	try_open("create f with O_EXCL", "f", O_CREAT | O_EXCL | O_RDWR, 0600);
	umask(077);
	try_open("create g (umask 077)", "g", O_CREAT | O_EXCL | O_RDWR, 0777);
	show_mode("g");
	umask(0);
	try_open("create s (umask 0, 07777)", "s", O_CREAT | O_EXCL | O_RDWR, 07777);
	show_mode("s");
	umask(022);

	/* A file created read-only can still be written through the creating fd. */
	fd = op("ro", O_CREAT | O_EXCL | O_RDWR, 0444);
	show_ok("create ro 0444 O_RDWR", fd);
	show("write to it", RAW(SYS_write, fd, "abc", 3));
	close((int)fd);
	show_mode("ro");
	try_open("reopen ro O_RDONLY", "ro", O_RDONLY, 0);

	/* O_TRUNC and O_APPEND. */
	fd = op("data", O_CREAT | O_WRONLY, 0644);
	show("write hello world", RAW(SYS_write, fd, "hello world", 11));
	close((int)fd);
	fd = op("data", O_WRONLY | O_APPEND, 0);
	show("lseek(0) in append mode", RAW(SYS_lseek, fd, 0, SEEK_SET));
	show("append !", RAW(SYS_write, fd, "!", 1));
	show("position after append", RAW(SYS_lseek, fd, 0, SEEK_CUR));
	close((int)fd);
	show_file("data");
	fd = op("data", O_RDWR | O_TRUNC, 0);
	show("size after O_TRUNC", RAW(SYS_lseek, fd, 0, SEEK_END));
	show("write xy", RAW(SYS_write, fd, "xy", 2));
	close((int)fd);
	show_file("data");
	fd = RAW(SYS_creat, "data", 0644);
	show_ok("creat(data) truncates", fd);
	show("size after creat", RAW(SYS_lseek, fd, 0, SEEK_END));
	show("read from creat fd", RAW(SYS_read, fd, name, 1));
	close((int)fd);
	fd = RAW(SYS_creat, "fresh", 0640);
	show_ok("creat(fresh)", fd);
	close((int)fd);
	show_mode("fresh");

	/* Error paths. */
	mkdir("d", 0755);
	try_open("O_CREAT on a directory", "d", O_CREAT | O_RDONLY, 0644);
	try_open("O_CREAT|O_EXCL on a directory", "d", O_CREAT | O_EXCL | O_RDONLY, 0644);
	try_open("O_CREAT in a missing directory", "missing/x", O_CREAT | O_RDWR, 0644);
	try_open("O_CREAT below a file", "f/x", O_CREAT | O_RDWR, 0644);
	try_open("O_CREAT with a trailing slash", "new/", O_CREAT | O_RDWR, 0644);
	try_open("O_CREAT|O_DIRECTORY", "new2", O_CREAT | O_DIRECTORY | O_RDONLY, 0644);
	try_open("O_CREAT of .", ".", O_CREAT | O_RDONLY, 0644);
	try_open("O_CREAT of BADPTR", BADPTR, O_CREAT | O_RDWR, 0644);
	memset(name, 'n', 255);
	name[255] = 0;
	try_open("O_CREAT of a 255-byte name", name, O_CREAT | O_RDWR, 0644);
	unlink(name);
	memset(name, 'n', 256);
	name[256] = 0;
	try_open("O_CREAT of a 256-byte name", name, O_CREAT | O_RDWR, 0644);
	try_open("open missing without O_CREAT", "nothing", O_RDWR, 0);
	try_open("O_WRONLY on a directory", "d", O_WRONLY, 0);

	/* Symlinks: O_CREAT follows a dangling link and creates its target. */
	symlink("target", "dangling");
	try_open("O_CREAT through a dangling symlink", "dangling", O_CREAT | O_WRONLY, 0644);
	show_mode("target");
	try_open("O_CREAT|O_EXCL on a symlink", "dangling", O_CREAT | O_EXCL | O_WRONLY, 0644);
	try_open("O_CREAT|O_NOFOLLOW on a symlink", "dangling", O_CREAT | O_NOFOLLOW | O_WRONLY, 0644);
	symlink("d/inner", "todir");
	try_open("O_CREAT through a link into a directory", "todir", O_CREAT | O_WRONLY, 0600);
	show_mode("d/inner");

	/* openat relative to a directory fd. */
	fd = open("d", O_RDONLY | O_DIRECTORY);
	show_ok("openat(dfd, made, O_CREAT)", RAW(SYS_openat, fd, "made", O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
	close((int)fd);
	show_mode("d/made");
	show("O_TMPFILE without write access", op(".", O_TMPFILE | O_RDONLY, 0600));

	conf_rmtree(dir);
	fact("temporary directory gone", access(dir, F_OK) != 0);
	return 0;
}
