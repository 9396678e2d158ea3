/* getcwd(2): the raw call's return value, ERANGE and friends. */
#include "conf.h"

#include <limits.h>
#include <sys/stat.h>

int main(void)
{
	char buf[PATH_MAX];
	struct stat a, b;

	long r = RAW(SYS_getcwd, buf, sizeof(buf));
	fact("getcwd succeeds", r > 0);
	size_t len = strlen(buf);
	fact("raw return is strlen + 1", r == (long)len + 1);
	fact("cwd is absolute", buf[0] == '/');
	fact("no trailing slash", len == 1 || buf[len - 1] != '/');
	stat(buf, &a);
	stat(".", &b);
	fact("cwd names the same directory as \".\"", a.st_ino == b.st_ino && a.st_dev == b.st_dev);

	char copy[PATH_MAX];
	strcpy(copy, buf);
	show("getcwd(buf, len + 1)", RAW(SYS_getcwd, buf, len + 1) == (long)len + 1 ? 0 : -1);
	show("getcwd(buf, len)", RAW(SYS_getcwd, buf, len));
	show("getcwd(buf, 1)", RAW(SYS_getcwd, buf, 1));
	show("getcwd(buf, 0)", RAW(SYS_getcwd, buf, 0));
	show("getcwd(BADPTR, size)", RAW(SYS_getcwd, BADPTR, sizeof(buf)));
	show("getcwd(NULL, size)", RAW(SYS_getcwd, NULL, sizeof(buf)));

	/* glibc's getcwd(NULL, 0) allocates. */
	char *dyn = getcwd(NULL, 0);
	fact("getcwd(NULL, 0) allocates the same path", dyn && strcmp(dyn, copy) == 0);
	free(dyn);

	/* Moving around changes the answer accordingly. */
	show("chdir(dir)", RAW(SYS_chdir, "dir"));
	RAW(SYS_getcwd, buf, sizeof(buf));
	fact("cwd is old cwd + /dir", strncmp(buf, copy, strlen(copy)) == 0 && strcmp(buf + strlen(copy), "/dir") == 0);
	show("chdir(sub)", RAW(SYS_chdir, "sub"));
	show("chdir(../..)", RAW(SYS_chdir, "../.."));
	RAW(SYS_getcwd, buf, sizeof(buf));
	fact("back to the start", strcmp(buf, copy) == 0);
	show("chdir(dirlink)", RAW(SYS_chdir, "dirlink"));
	RAW(SYS_getcwd, buf, sizeof(buf));
	fact("symlink resolved in cwd", strcmp(buf + strlen(copy), "/dir") == 0);
	show("chdir(..)", RAW(SYS_chdir, ".."));
	show("chdir(data.txt)", RAW(SYS_chdir, "data.txt"));
	show("chdir(missing)", RAW(SYS_chdir, "missing"));
	show("chdir(BADPTR)", RAW(SYS_chdir, BADPTR));
	int d = open("dir/sub", O_RDONLY | O_DIRECTORY);
	show("fchdir(dir/sub)", RAW(SYS_fchdir, d));
	RAW(SYS_getcwd, buf, sizeof(buf));
	fact("fchdir moved to dir/sub", strcmp(buf + strlen(copy), "/dir/sub") == 0);
	int f = open("../../data.txt", O_RDONLY);
	show("fchdir(file)", RAW(SYS_fchdir, f));
	show("fchdir(-1)", RAW(SYS_fchdir, -1));
	show("chdir(/)", RAW(SYS_chdir, "/"));
	show("getcwd at /", RAW(SYS_getcwd, buf, sizeof(buf)));
	show_bytes("cwd", buf, (long)strlen(buf));
	return 0;
}
