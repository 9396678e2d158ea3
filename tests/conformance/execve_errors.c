/* execve(2) failures, each leaving the caller running: ENOENT (missing file, empty path,
 * missing #! interpreter), EACCES (no execute permission, a directory, /dev/null),
 * ENOEXEC (garbage without #!, empty or truncated files), ENOTDIR, EFAULT,
 * ENAMETOOLONG and E2BIG for a single string over 128 KiB. */
#include "conf.h"

#include <sys/stat.h>

static char *env[] = { "A=1", NULL };

static void ex(const char *what, const char *path, char **args)
{
	long r = RAW(SYS_execve, path, args, env);
	printf("%s: %s\n", what, r < 0 ? ename((int)-r) : "returned?");
}

static void mk(const char *name, const char *content, mode_t mode)
{
	int fd = open(name, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	if (fd < 0 || write(fd, content, strlen(content)) != (ssize_t)strlen(content))
		printf("cannot create %s\n", name);
	close(fd);
	chmod(name, mode);
}

int main(void)
{
	alarm(5);
	const char *dir = conf_tmpdir();
	char *args[] = { "prog", NULL };

	mk("noexec", "#!/bin/sh\nexit 0\n", 0644);
	mk("garbage", "this is not a program\n", 0755);
	mk("badinterp", "#!/nonexistent/interpreter\n", 0755);
	mk("empty", "", 0755);
	mk("shortelf", "\177ELF", 0755);
	mkdir("sub", 0755);

	ex("missing file", "does-not-exist", args);
	ex("empty path", "", args);
	ex("no execute permission", "noexec", args);
	ex("a directory", "sub", args);
	ex("garbage without #!", "garbage", args);
	ex("empty file", "empty", args);
	ex("truncated ELF header", "shortelf", args);
	ex("missing #! interpreter", "badinterp", args);
	ex("path through a file", "garbage/x", args);
	ex("path BADPTR", BADPTR, args);
	ex("argv BADPTR", "garbage", BADPTR);
	char *badargs[] = { "prog", BADPTR, NULL };
	ex("argv[1] BADPTR", "garbage", badargs);
	ex("/dev/null", "/dev/null", args);

	static char longname[5000];
	memset(longname, 'a', sizeof(longname) - 1);
	ex("path of 4999 bytes", longname, args);

	static char big[140 * 1024];
	memset(big, 'x', sizeof(big) - 1);
	char *bigargs[] = { "prog", big, NULL };
	ex("one argument of 140 KiB", "garbage", bigargs);
	char *bigenv[] = { big, NULL };
	long r = RAW(SYS_execve, "garbage", args, bigenv);
	printf("one environment string of 140 KiB: %s\n", ename((int)-r));

	/* argv NULL is accepted as an empty argv by Linux: the exec itself then fails here. */
	ex("argv NULL (garbage file)", "garbage", NULL);
	printf("still running\n");
	conf_rmtree(dir);
	return 0;
}
