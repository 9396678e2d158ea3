/* mkdir, mkdirat, rmdir, unlink, unlinkat and their error paths in a fresh /tmp directory. */
#include "conf.h"
#include <sys/stat.h>

static void show_dir(const char *path)
{
	struct stat st;

	if (lstat(path, &st) != 0) {
		printf("lstat(%s) = -1 %s\n", path, ename(errno));
		return;
	}
	printf("%s: mode %o nlink %ld\n", path, (unsigned)st.st_mode, (long)st.st_nlink);
}

int main(void)
{
	const char *dir = conf_tmpdir();
	char name[300], cwd[256];
	int dfd;

	umask(022);
	show("mkdir(a, 0777)", RAW(SYS_mkdir, "a", 0777));
	show_dir("a");
	show_dir(".");
	show("mkdir(a) again", RAW(SYS_mkdir, "a", 0777));
	show("mkdir(a/b/)", RAW(SYS_mkdir, "a/b/", 0700));
	show_dir("a/b");
	show_dir("a");
	show("mkdir(a/b/c, 01777)", RAW(SYS_mkdir, "a/b/c", 01777));
	show_dir("a/b/c");
	show("mkdir(missing/x)", RAW(SYS_mkdir, "missing/x", 0755));
	close(open("file", O_CREAT | O_WRONLY, 0644));
	show("mkdir(file)", RAW(SYS_mkdir, "file", 0755));
	show("mkdir(file/x)", RAW(SYS_mkdir, "file/x", 0755));
	show("mkdir(.)", RAW(SYS_mkdir, ".", 0755));
	show("mkdir(..)", RAW(SYS_mkdir, "..", 0755));
	show("mkdir(/)", RAW(SYS_mkdir, "/", 0755));
	show("mkdir(\"\")", RAW(SYS_mkdir, "", 0755));
	show("mkdir(BADPTR)", RAW(SYS_mkdir, BADPTR, 0755));
	memset(name, 'm', 256);
	name[256] = 0;
	show("mkdir(256-byte name)", RAW(SYS_mkdir, name, 0755));
	symlink("a", "link-to-a");
	show("mkdir(link-to-a)", RAW(SYS_mkdir, "link-to-a", 0755));
	symlink("nowhere", "dangling");
	show("mkdir(dangling)", RAW(SYS_mkdir, "dangling", 0755));

	dfd = open("a", O_RDONLY | O_DIRECTORY);
	show("mkdirat(a, x)", RAW(SYS_mkdirat, dfd, "x", 0750));
	show_dir("a/x");
	show("mkdirat(file fd, x)", RAW(SYS_mkdirat, open("file", O_RDONLY), "x", 0750));
	show("unlinkat(a, x, 0)", RAW(SYS_unlinkat, dfd, "x", 0));
	show("unlinkat(a, x, AT_REMOVEDIR)", RAW(SYS_unlinkat, dfd, "x", AT_REMOVEDIR));
	show("unlinkat(a, x, bad flags)", RAW(SYS_unlinkat, dfd, "x", 0x1));
	close(dfd);

	show("rmdir(a)", RAW(SYS_rmdir, "a"));
	show("rmdir(file)", RAW(SYS_rmdir, "file"));
	show("rmdir(file/)", RAW(SYS_rmdir, "file/"));
	show("rmdir(.)", RAW(SYS_rmdir, "."));
	show("rmdir(a/b/..)", RAW(SYS_rmdir, "a/b/.."));
	show("rmdir(missing)", RAW(SYS_rmdir, "missing"));
	show("rmdir(link-to-a)", RAW(SYS_rmdir, "link-to-a"));
	show("unlink(a)", RAW(SYS_unlink, "a"));
	show("unlink(a/)", RAW(SYS_unlink, "a/"));
	show("unlink(file/)", RAW(SYS_unlink, "file/"));
	show("unlink(missing/)", RAW(SYS_unlink, "missing/"));
	show("unlink(.)", RAW(SYS_unlink, "."));
	show("unlink(link-to-a)", RAW(SYS_unlink, "link-to-a"));
	show_dir("a");
	show("unlink(dangling)", RAW(SYS_unlink, "dangling"));
	show("unlink(file)", RAW(SYS_unlink, "file"));
	show("unlink(file) again", RAW(SYS_unlink, "file"));
	show("rmdir(a/b/c/)", RAW(SYS_rmdir, "a/b/c/"));
	show("rmdir(a/b)", RAW(SYS_rmdir, "a/b"));
	show_dir("a");

	/* Removing the working directory. */
	show("chdir(a)", RAW(SYS_chdir, "a"));
	show("rmdir(../a)", RAW(SYS_rmdir, "../a"));
	show("getcwd in a removed directory", RAW(SYS_getcwd, cwd, sizeof(cwd)));
	show("creat in a removed directory", RAW(SYS_open, "x", O_CREAT | O_WRONLY, 0644));
	show("mkdir in a removed directory", RAW(SYS_mkdir, "x", 0755));
	show("chdir(dir)", RAW(SYS_chdir, dir));
	show_dir(".");

	/* A directory with a file that is still open. */
	mkdir("busy", 0755);
	dfd = open("busy/f", O_CREAT | O_RDWR, 0644);
	show("write to busy/f", RAW(SYS_write, dfd, "kept", 4));
	show("unlink(busy/f) while open", RAW(SYS_unlink, "busy/f"));
	show("rmdir(busy)", RAW(SYS_rmdir, "busy"));
	show("pread from the unlinked file", RAW(SYS_pread64, dfd, name, 4, 0));
	show_bytes("data", name, 4);
	close(dfd);

	conf_rmtree(dir);
	fact("temporary directory gone", access(dir, F_OK) != 0);
	return 0;
}
