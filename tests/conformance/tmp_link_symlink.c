/* link, linkat, symlink, symlinkat and readlink in a fresh /tmp directory. */
#include "conf.h"
#include <sys/stat.h>

static void info(const char *path)
{
	struct stat st;

	if (lstat(path, &st) != 0) {
		printf("%s: -1 %s\n", path, ename(errno));
		return;
	}
	printf("%s: mode %o nlink %ld size %ld\n", path, (unsigned)st.st_mode, (long)st.st_nlink, (long)st.st_size);
}

static void rl(const char *path)
{
	char buf[256];
	long n = RAW(SYS_readlink, path, buf, sizeof(buf));

	if (n < 0)
		show(path, n);
	else
		show_bytes(path, buf, n);
}

static int same_inode(const char *a, const char *b)
{
	struct stat x, y;

	return stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_ino == y.st_ino && x.st_dev == y.st_dev;
}

int main(void)
{
	const char *dir = conf_tmpdir();
	char shm[64], big[5000];
	int fd;

	fd = open("f", O_CREAT | O_WRONLY, 0640);
	if (write(fd, "data", 4) != 4)
		printf("write failed\n");
	close(fd);
	mkdir("d", 0755);

	show("link(f, g)", RAW(SYS_link, "f", "g"));
	info("f");
	fact("f and g are one inode", same_inode("f", "g"));
	show("link(f, g) again", RAW(SYS_link, "f", "g"));
	show("link(f, d/h)", RAW(SYS_link, "f", "d/h"));
	info("g");
	show("link(d, e) of a directory", RAW(SYS_link, "d", "e"));
	show("link(missing, x)", RAW(SYS_link, "missing", "x"));
	show("link(f, missing/x)", RAW(SYS_link, "f", "missing/x"));
	show("link(f, newname/)", RAW(SYS_link, "f", "newname/"));
	show("link(f, .)", RAW(SYS_link, "f", "."));
	show("link(f/, x)", RAW(SYS_link, "f/", "x"));
	show("unlink(f)", RAW(SYS_unlink, "f"));
	info("g");
	info("d/h");
	show("unlink(d/h)", RAW(SYS_unlink, "d/h"));
	info("g");

	show("symlink(g, s)", RAW(SYS_symlink, "g", "s"));
	info("s");
	rl("s");
	show("symlink(x, s) again", RAW(SYS_symlink, "x", "s"));
	show("symlink(\"\", t)", RAW(SYS_symlink, "", "t"));
	show("symlink(x, missing/t)", RAW(SYS_symlink, "x", "missing/t"));
	show("symlink(x, t/)", RAW(SYS_symlink, "x", "t/"));
	show("symlink(BADPTR, t)", RAW(SYS_symlink, BADPTR, "t"));
	show("symlink(/abs/target, abs)", RAW(SYS_symlink, "/abs/target", "abs"));
	rl("abs");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	show("symlink(5000-byte target, big)", RAW(SYS_symlink, big, "big"));
	memset(big, 'y', 4000);
	big[4000] = 0;
	show("symlink(4000-byte target, long)", RAW(SYS_symlink, big, "long"));
	info("long");
	show("symlinkat(d fd, rel)", RAW(SYS_symlinkat, "../g", open("d", O_RDONLY | O_DIRECTORY), "rel"));
	rl("d/rel");
	fd = open("d/rel", O_RDONLY);
	show_ok("open through d/rel", fd);
	close(fd);
	show("readlink(g) not a link", RAW(SYS_readlink, "g", big, 10));
	show("readlink(s, size 2)", RAW(SYS_readlink, "s", big, 2));

	/* linkat follows a final symlink only with AT_SYMLINK_FOLLOW. */
	show("linkat(s, hl) no follow", RAW(SYS_linkat, AT_FDCWD, "s", AT_FDCWD, "hl", 0));
	info("hl");
	show("linkat(s, hf, AT_SYMLINK_FOLLOW)", RAW(SYS_linkat, AT_FDCWD, "s", AT_FDCWD, "hf", AT_SYMLINK_FOLLOW));
	info("hf");
	fact("hf is g", same_inode("hf", "g"));
	show("linkat bad flags", RAW(SYS_linkat, AT_FDCWD, "s", AT_FDCWD, "hx", 0x1));
	fd = open("g", O_RDONLY);
	show("linkat(fd, \"\", AT_EMPTY_PATH)", RAW(SYS_linkat, fd, "", AT_FDCWD, "viafd", AT_EMPTY_PATH));
	fact("viafd is g", same_inode("viafd", "g"));
	show("linkat(fd, \"\", 0)", RAW(SYS_linkat, fd, "", AT_FDCWD, "viafd2", 0));
	close(fd);
	snprintf(shm, sizeof(shm), "/dev/shm/conf-link-%d", getpid());
	show("link(g, /dev/shm/...) across filesystems", RAW(SYS_link, "g", shm));
	unlink(shm);
	info("g");

	/* A dangling symlink and a loop. */
	symlink("nowhere", "dangling");
	show("stat(dangling)", kret(access("dangling", F_OK)));
	info("dangling");
	symlink("loop2", "loop1");
	symlink("loop1", "loop2");
	show("open(loop1)", RAW(SYS_open, "loop1", O_RDONLY));
	show("unlink(loop1)", RAW(SYS_unlink, "loop1"));

	conf_rmtree(dir);
	fact("temporary directory gone", access(dir, F_OK) != 0);
	return 0;
}
