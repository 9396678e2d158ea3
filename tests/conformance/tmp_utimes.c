/* utimensat, futimens, utimes, futimesat and utime in a fresh /tmp directory. */
#include "conf.h"
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <utime.h>

static void times_of(const char *path, int flags)
{
	struct stat st;

	if (fstatat(AT_FDCWD, path, &st, flags) != 0) {
		printf("%s: -1 %s\n", path, ename(errno));
		return;
	}
	printf("%s: atime %ld.%09ld mtime %ld.%09ld\n", path, (long)st.st_atim.tv_sec, st.st_atim.tv_nsec,
	       (long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
}

static int recent(const char *path, int mtime)
{
	struct stat st;
	time_t now = time(NULL);
	time_t t;

	if (stat(path, &st) != 0)
		return 0;
	t = mtime ? st.st_mtim.tv_sec : st.st_atim.tv_sec;
	return t >= now - 5 && t <= now + 5;
}

int main(void)
{
	const char *dir = conf_tmpdir();
	struct timespec ts[2];
	struct timeval tv[2];
	struct utimbuf ub;
	int fd;

	close(open("f", O_CREAT | O_WRONLY, 0644));
	symlink("f", "s");
	ts[0].tv_sec = 1000000000;
	ts[0].tv_nsec = 123456789;
	ts[1].tv_sec = 1200000000;
	ts[1].tv_nsec = 5;
	show("utimensat(f, explicit)", RAW(SYS_utimensat, AT_FDCWD, "f", ts, 0));
	times_of("f", 0);
	ts[0].tv_nsec = UTIME_OMIT;
	ts[1].tv_sec = 1300000000;
	ts[1].tv_nsec = 0;
	show("utimensat(f, omit atime)", RAW(SYS_utimensat, AT_FDCWD, "f", ts, 0));
	times_of("f", 0);
	ts[0].tv_nsec = UTIME_NOW;
	ts[1].tv_nsec = UTIME_OMIT;
	show("utimensat(f, atime now)", RAW(SYS_utimensat, AT_FDCWD, "f", ts, 0));
	fact("atime is now", recent("f", 0));
	fact("mtime kept", !recent("f", 1));
	show("utimensat(f, NULL)", RAW(SYS_utimensat, AT_FDCWD, "f", NULL, 0));
	fact("mtime is now", recent("f", 1));
	ts[0].tv_nsec = UTIME_OMIT;
	ts[1].tv_nsec = UTIME_OMIT;
	show("utimensat(f, omit both)", RAW(SYS_utimensat, AT_FDCWD, "f", ts, 0));
	ts[0].tv_nsec = 1000000000;
	show("utimensat(f, nsec 1e9)", RAW(SYS_utimensat, AT_FDCWD, "f", ts, 0));
	ts[0].tv_nsec = -1;
	show("utimensat(f, nsec -1)", RAW(SYS_utimensat, AT_FDCWD, "f", ts, 0));
	show("utimensat(f, BADPTR times)", RAW(SYS_utimensat, AT_FDCWD, "f", BADPTR, 0));
	show("utimensat(missing)", RAW(SYS_utimensat, AT_FDCWD, "missing", NULL, 0));
	show("utimensat bad flags", RAW(SYS_utimensat, AT_FDCWD, "f", NULL, 0x4));
	show("utimensat(AT_FDCWD, NULL path)", RAW(SYS_utimensat, AT_FDCWD, NULL, NULL, 0));

	ts[0].tv_sec = 111;
	ts[0].tv_nsec = 0;
	ts[1].tv_sec = 222;
	ts[1].tv_nsec = 0;
	show("utimensat(s, NOFOLLOW)", RAW(SYS_utimensat, AT_FDCWD, "s", ts, AT_SYMLINK_NOFOLLOW));
	times_of("s", AT_SYMLINK_NOFOLLOW);
	fact("the target is untouched", recent("f", 1));
	ts[0].tv_sec = 333;
	ts[1].tv_sec = 444;
	show("utimensat(s) follows", RAW(SYS_utimensat, AT_FDCWD, "s", ts, 0));
	times_of("f", 0);

	fd = open("f", O_RDONLY);
	ts[0].tv_sec = 555;
	ts[1].tv_sec = 666;
	show("futimens(fd)", RAW(SYS_utimensat, fd, NULL, ts, 0));
	times_of("f", 0);
	show("futimens(fd, NOFOLLOW)", RAW(SYS_utimensat, fd, NULL, ts, AT_SYMLINK_NOFOLLOW));
	show("futimens(bad fd)", RAW(SYS_utimensat, 999, NULL, ts, 0));
	close(fd);

	tv[0].tv_sec = 777;
	tv[0].tv_usec = 1;
	tv[1].tv_sec = 888;
	tv[1].tv_usec = 999999;
	show("utimes(f)", RAW(SYS_utimes, "f", tv));
	times_of("f", 0);
	tv[1].tv_usec = 1000000;
	show("utimes(f, usec 1e6)", RAW(SYS_utimes, "f", tv));
	tv[1].tv_usec = 0;
	show("futimesat(dir fd, f)", RAW(SYS_futimesat, open(".", O_RDONLY), "f", tv));
	times_of("f", 0);
	ub.actime = 999;
	ub.modtime = 1001;
	show("utime(f)", RAW(SYS_utime, "f", &ub));
	times_of("f", 0);
	show("utime(f, NULL)", RAW(SYS_utime, "f", NULL));
	fact("mtime is now", recent("f", 1));

	conf_rmtree(dir);
	fact("temporary directory gone", access(dir, F_OK) != 0);
	return 0;
}
