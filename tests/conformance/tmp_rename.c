/* rename, renameat and renameat2 in a fresh /tmp directory. */
#include "conf.h"
#include <sys/stat.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE 2
#endif

static void put(const char *path, const char *data)
{
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);

	if (fd >= 0) {
		if (write(fd, data, strlen(data)) < 0)
			printf("write(%s) failed\n", path);
		close(fd);
	}
}

static void cat(const char *path)
{
	char buf[64];
	int fd = open(path, O_RDONLY);
	long n;

	if (fd < 0) {
		printf("%s: -1 %s\n", path, ename(errno));
		return;
	}
	n = read(fd, buf, sizeof(buf));
	show_bytes(path, buf, n < 0 ? 0 : n);
	close(fd);
}

static long rn2(const char *a, const char *b, long flags)
{
	return RAW(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, flags);
}

static void nlink(const char *path)
{
	struct stat st;

	if (stat(path, &st) == 0)
		printf("%s: nlink %ld\n", path, (long)st.st_nlink);
	else
		printf("%s: -1 %s\n", path, ename(errno));
}

int main(void)
{
	const char *dir = conf_tmpdir();
	char shm[64];
	int fd;

	put("a", "A");
	put("b", "B");
	show("rename(a, c)", RAW(SYS_rename, "a", "c"));
	cat("a");
	cat("c");
	show("rename(c, b) replaces", RAW(SYS_rename, "c", "b"));
	cat("b");
	cat("c");
	show("rename(missing, x)", RAW(SYS_rename, "missing", "x"));
	show("rename(b, missing/x)", RAW(SYS_rename, "b", "missing/x"));
	show("rename(b, b)", RAW(SYS_rename, "b", "b"));
	cat("b");

	mkdir("d1", 0755);
	mkdir("d2", 0755);
	mkdir("full", 0755);
	put("full/x", "X");
	show("rename(b, d1) file over dir", RAW(SYS_rename, "b", "d1"));
	show("rename(d1, b) dir over file", RAW(SYS_rename, "d1", "b"));
	show("rename(d1, full) over non-empty", RAW(SYS_rename, "d1", "full"));
	show("rename(d1, d2) over empty dir", RAW(SYS_rename, "d1", "d2"));
	fact("d1 exists", access("d1", F_OK) == 0);
	nlink(".");
	show("rename(d2, d2/sub) into itself", RAW(SYS_rename, "d2", "d2/sub"));
	mkdir("d2/sub", 0755);
	show("rename(d2, d2/sub/deeper)", RAW(SYS_rename, "d2", "d2/sub/deeper"));
	show("rename(d2/sub, d2) onto an ancestor", RAW(SYS_rename, "d2/sub", "d2"));
	show("rename(d2/sub, full/sub) moves a dir", RAW(SYS_rename, "d2/sub", "full/sub"));
	nlink("d2");
	nlink("full");
	show("rename(., x)", RAW(SYS_rename, ".", "x"));
	show("rename(full, .)", RAW(SYS_rename, "full", "."));
	show("rename(full, ..)", RAW(SYS_rename, "full", ".."));
	show("rename(b, c/)", RAW(SYS_rename, "b", "c/"));
	show("rename(b/, c)", RAW(SYS_rename, "b/", "c"));
	show("rename(full/, moved/)", RAW(SYS_rename, "full/", "moved/"));
	cat("moved/x");

	/* Hard links of one file: nothing happens. */
	link("b", "b2");
	show("rename(b, b2) same inode", RAW(SYS_rename, "b", "b2"));
	fact("b still exists", access("b", F_OK) == 0);
	nlink("b2");

	/* An open file keeps working across rename. */
	fd = open("b", O_RDWR);
	show("rename(b, renamed)", RAW(SYS_rename, "b", "renamed"));
	show("write through the old fd", RAW(SYS_pwrite64, fd, "Z", 1, 1));
	close(fd);
	cat("renamed");

	/* renameat2. */
	put("p", "P");
	put("q", "Q");
	show("RENAME_NOREPLACE onto q", rn2("p", "q", RENAME_NOREPLACE));
	show("RENAME_NOREPLACE to r", rn2("p", "r", RENAME_NOREPLACE));
	show("RENAME_EXCHANGE r <-> q", rn2("r", "q", RENAME_EXCHANGE));
	cat("r");
	cat("q");
	show("RENAME_EXCHANGE with a missing name", rn2("r", "nothing", RENAME_EXCHANGE));
	show("RENAME_EXCHANGE file <-> dir", rn2("r", "d2", RENAME_EXCHANGE));
	fact("r is a directory now", access("r/.", F_OK) == 0);
	show("NOREPLACE|EXCHANGE", rn2("r", "q", RENAME_NOREPLACE | RENAME_EXCHANGE));
	show("unknown flag", rn2("r", "q", 0x100));
	show("RENAME_NOREPLACE onto .", rn2("q", ".", RENAME_NOREPLACE));
	show("renameat with dirfds", RAW(SYS_renameat, AT_FDCWD, "q", open("r", O_RDONLY | O_DIRECTORY), "q-in-r"));
	cat("r/q-in-r");
	show("rename(BADPTR, x)", RAW(SYS_rename, BADPTR, "x"));

	/* /dev/shm is another filesystem. */
	snprintf(shm, sizeof(shm), "/dev/shm/conf-rename-%d", getpid());
	show("rename to /dev/shm", RAW(SYS_rename, "renamed", shm));
	fact("renamed still here", access("renamed", F_OK) == 0);
	unlink(shm);

	conf_rmtree(dir);
	fact("temporary directory gone", access(dir, F_OK) != 0);
	return 0;
}
