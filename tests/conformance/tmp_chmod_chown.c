/* chmod, fchmod, fchmodat and the chown family (run as root natively and in the sandbox). */
#include "conf.h"
#include <sys/stat.h>

static void info(const char *path)
{
	struct stat st;

	if (lstat(path, &st) != 0) {
		printf("%s: -1 %s\n", path, ename(errno));
		return;
	}
	printf("%s: mode %o uid %u gid %u\n", path, (unsigned)st.st_mode, (unsigned)st.st_uid, (unsigned)st.st_gid);
}

int main(void)
{
	const char *dir = conf_tmpdir();
	int fd;

	if (geteuid() != 0) {
		printf("needs root\n");
		conf_rmtree(dir);
		return 0;
	}
	umask(022);
	close(open("f", O_CREAT | O_WRONLY, 0644));
	mkdir("d", 0755);
	symlink("f", "s");

	show("chmod(f, 0600)", RAW(SYS_chmod, "f", 0600));
	info("f");
	show("chmod(f, 0177777) keeps only 07777", RAW(SYS_chmod, "f", 0177777));
	info("f");
	show("chmod(s, 0640) follows", RAW(SYS_chmod, "s", 0640));
	info("f");
	info("s");
	fd = open("f", O_RDONLY);
	show("fchmod(fd, 0604)", RAW(SYS_fchmod, fd, 0604));
	info("f");
	show("fchmod(O_PATH fd)", RAW(SYS_fchmod, open("f", O_PATH), 0600));
	show("fchmod(bad fd)", RAW(SYS_fchmod, 999, 0600));
	show("fchmodat(d fd, ..)", RAW(SYS_fchmodat, open("d", O_RDONLY), "../f", 0644));
	info("f");
	show("chmod(missing)", RAW(SYS_chmod, "missing", 0600));
	show("chmod(f/)", RAW(SYS_chmod, "f/", 0600));
	show("chmod(BADPTR)", RAW(SYS_chmod, BADPTR, 0600));
	show("chmod(d, 02755)", RAW(SYS_chmod, "d", 02755));
	info("d");

	show("chown(f, 1234, 5678)", RAW(SYS_chown, "f", 1234, 5678));
	info("f");
	show("chown(f, -1, -1)", RAW(SYS_chown, "f", -1, -1));
	info("f");
	show("chown(f, -1, 42)", RAW(SYS_chown, "f", -1, 42));
	info("f");
	show("fchown(fd, 7, -1)", RAW(SYS_fchown, fd, 7, -1));
	info("f");
	close(fd);
	show("lchown(s, 99, 98)", RAW(SYS_lchown, "s", 99, 98));
	info("s");
	info("f");
	show("chown(s, 11, 12) follows", RAW(SYS_chown, "s", 11, 12));
	info("s");
	info("f");
	show("fchownat(s, NOFOLLOW)", RAW(SYS_fchownat, AT_FDCWD, "s", 21, 22, AT_SYMLINK_NOFOLLOW));
	info("s");
	show("fchownat bad flags", RAW(SYS_fchownat, AT_FDCWD, "s", 21, 22, 0x4));
	show("fchownat(fd, \"\", AT_EMPTY_PATH)", RAW(SYS_fchownat, open("f", O_RDONLY), "", 31, 32, AT_EMPTY_PATH));
	info("f");

	/* A change of owner drops the set-id bits of executables. */
	show("chmod(f, 06755)", RAW(SYS_chmod, "f", 06755));
	info("f");
	show("chown(f, 0, 0)", RAW(SYS_chown, "f", 0, 0));
	info("f");
	show("chmod(f, 02644)", RAW(SYS_chmod, "f", 02644));
	show("chown(f, 1, -1)", RAW(SYS_chown, "f", 1, -1));
	info("f");

	/* A set-group-id directory passes its group on. */
	show("chown(d, 0, 777)", RAW(SYS_chown, "d", 0, 777));
	show("chmod(d, 02775)", RAW(SYS_chmod, "d", 02775));
	close(open("d/inherits", O_CREAT | O_WRONLY, 0644));
	info("d/inherits");
	mkdir("d/sub", 0755);
	info("d/sub");

	conf_rmtree(dir);
	fact("temporary directory gone", access(dir, F_OK) != 0);
	return 0;
}
