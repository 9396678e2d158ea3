/* inotify: IN_ATTRIB and the events of chmod, chown, utimensat, truncate, link. */
#include "inotify_util.h"

int main(void)
{
	const char *tmp = conf_tmpdir();
	int fd = inotify_init1(IN_NONBLOCK);
	struct timespec ts[2] = { { 1000, 0 }, { 2000, 0 } };

	mkdir("d", 0755);
	put("d/f", "hello");
	show("add_watch(d)", inotify_add_watch(fd, "d", IN_ALL_EVENTS));
	show("add_watch(d/f)", inotify_add_watch(fd, "d/f", IN_ATTRIB | IN_MODIFY | IN_ACCESS | IN_DELETE_SELF));

	show("chmod", kret(chmod("d/f", 0600)));
	drain("chmod", fd);
	show("chown", kret(chown("d/f", getuid(), getgid())));
	drain("chown", fd);
	show("utimensat both", kret(utimensat(AT_FDCWD, "d/f", ts, 0)));
	drain("utimensat both", fd);
	ts[1].tv_nsec = UTIME_OMIT;
	show("utimensat atime", kret(utimensat(AT_FDCWD, "d/f", ts, 0)));
	drain("utimensat atime", fd);
	ts[0].tv_nsec = UTIME_OMIT;
	ts[1].tv_nsec = 0;
	show("utimensat mtime", kret(utimensat(AT_FDCWD, "d/f", ts, 0)));
	drain("utimensat mtime", fd);
	show("truncate", kret(truncate("d/f", 2)));
	drain("truncate", fd);
	int f = open("d/f", O_WRONLY);
	show("ftruncate", kret(ftruncate(f, 0)));
	close(f);
	drain("ftruncate", fd);
	show("link", kret(link("d/f", "d/g")));
	drain("link", fd);
	show("unlink first name", kret(unlink("d/f")));
	drain("unlink first name", fd);
	show("unlink last name", kret(unlink("d/g")));
	drain("unlink last name", fd);
	show("chmod dir", kret(chmod("d", 0700)));
	drain("chmod dir", fd);

	close(fd);
	conf_rmtree(tmp);
	return 0;
}
