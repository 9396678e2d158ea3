/* execveat(2): AT_EMPTY_PATH runs the file an fd refers to (also an O_PATH fd), a path
 * relative to a directory fd, and the errors: bad flags EINVAL, empty path without
 * AT_EMPTY_PATH ENOENT, bad fd EBADF, relative path with a non-directory fd ENOTDIR,
 * AT_SYMLINK_NOFOLLOW on a symlink ELOOP. */
#include "conf.h"

#include <libgen.h>
#include <sys/wait.h>

#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif

static char *env[] = { "CONF_GREETING=hello", NULL };

static void run(const char *what, int dirfd, const char *path, int flags, char *self)
{
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		char *args[] = { self, "--execed", (char *)what, NULL };
		long r = RAW(SYS_execveat, dirfd, path, args, env, flags);
		printf("%s: %s\n", what, ename((int)-r));
		fflush(stdout);
		_exit(100);
	}
	int st;
	waitpid(c, &st, 0);
	if (WEXITSTATUS(st) != 100)
		printf("%s: exit %d\n", what, WEXITSTATUS(st));
}

int main(int argc, char **argv)
{
	alarm(5);
	if (argc > 2 && strcmp(argv[1], "--execed") == 0) {
		printf("%s: ran, environment %s\n", argv[2], getenv("CONF_GREETING") ? "passed" : "missing");
		return 5;
	}
	char *self = argv[0];
	int fd = open(self, O_RDONLY | O_CLOEXEC);
	int pfd = open(self, O_PATH | O_CLOEXEC);
	char dirbuf[4096], basebuf[4096];
	snprintf(dirbuf, sizeof(dirbuf), "%s", self);
	snprintf(basebuf, sizeof(basebuf), "%s", self);
	int dfd = open(dirname(dirbuf), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	const char *base = basename(basebuf);

	run("AT_EMPTY_PATH on an O_RDONLY fd", fd, "", AT_EMPTY_PATH, self);
	run("AT_EMPTY_PATH on an O_PATH fd", pfd, "", AT_EMPTY_PATH, self);
	run("relative to a directory fd", dfd, base, 0, self);
	run("absolute path, dirfd ignored", -1, self, 0, self);
	run("AT_FDCWD, absolute path", AT_FDCWD, self, 0, self);
	run("empty path without AT_EMPTY_PATH", fd, "", 0, self);
	run("bad flags 0x1", fd, "", 0x1 | AT_EMPTY_PATH, self);
	run("bad fd", 999, "", AT_EMPTY_PATH, self);
	run("relative path, bad fd", 999, "x", 0, self);
	run("relative path, fd of a file", fd, "x", 0, self);
	run("AT_EMPTY_PATH on a directory fd", dfd, "", AT_EMPTY_PATH, self);

	const char *tmp = conf_tmpdir();
	if (symlink(self, "link") != 0)
		printf("symlink failed\n");
	run("symlink", AT_FDCWD, "link", 0, self);
	run("symlink with AT_SYMLINK_NOFOLLOW", AT_FDCWD, "link", AT_SYMLINK_NOFOLLOW, self);
	conf_rmtree(tmp);
	return 0;
}
