/* inotify: error paths of inotify_init1, inotify_add_watch, inotify_rm_watch and read;
 * IN_CLOEXEC, IN_NONBLOCK, IN_ONLYDIR, IN_DONT_FOLLOW. */
#include "inotify_util.h"
#include <sys/eventfd.h>

int main(void)
{
	const char *tmp = conf_tmpdir();
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	int blocking = inotify_init();
	char small[16];

	fact("IN_CLOEXEC sets FD_CLOEXEC", fcntl(fd, F_GETFD) & FD_CLOEXEC);
	fact("IN_NONBLOCK sets O_NONBLOCK", fcntl(fd, F_GETFL) & O_NONBLOCK);
	fact("inotify_init: no O_NONBLOCK", !(fcntl(blocking, F_GETFL) & O_NONBLOCK));
	printf("access mode = %d\n", fcntl(fd, F_GETFL) & O_ACCMODE);
	show("init1(bad flags)", RAW(SYS_inotify_init1, 1));
	show("init1(O_RDWR)", RAW(SYS_inotify_init1, O_RDWR));

	mkdir("d", 0755);
	put("f", "x");
	show("symlink", kret(symlink("d", "ln")));
	show("bad fd", kret(inotify_add_watch(9999, "d", IN_CREATE)));
	show("negative fd", kret(inotify_add_watch(-1, "d", IN_CREATE)));
	int ev = eventfd(0, 0);
	show("eventfd", kret(inotify_add_watch(ev, "d", IN_CREATE)));
	int reg = open("f", O_RDONLY);
	show("regular file fd", kret(inotify_add_watch(reg, "d", IN_CREATE)));
	show("rm_watch on regular fd", kret(inotify_rm_watch(reg, 1)));
	show("rm_watch bad fd", kret(inotify_rm_watch(9999, 1)));
	show("mask 0", kret(inotify_add_watch(fd, "d", 0)));
	show("mask 0 on missing", kret(inotify_add_watch(fd, "missing", 0)));
	show("mask ONESHOT only", kret(inotify_add_watch(fd, "d", IN_ONESHOT)));
	show("mask ONLYDIR only", kret(inotify_add_watch(fd, "d", IN_ONLYDIR)));
	show("MASK_ADD|MASK_CREATE", kret(inotify_add_watch(fd, "d", IN_CREATE | IN_MASK_ADD | IN_MASK_CREATE)));
	show("missing", kret(inotify_add_watch(fd, "missing", IN_CREATE)));
	show("missing parent", kret(inotify_add_watch(fd, "nope/x", IN_CREATE)));
	show("empty path", kret(inotify_add_watch(fd, "", IN_CREATE)));
	show("bad path pointer", RAW(SYS_inotify_add_watch, fd, BADPTR, IN_CREATE));
	show("file as dir", kret(inotify_add_watch(fd, "f/x", IN_CREATE)));
	show("ONLYDIR on file", kret(inotify_add_watch(fd, "f", IN_CREATE | IN_ONLYDIR)));
	show("ONLYDIR on dir", kret(inotify_add_watch(fd, "d", IN_CREATE | IN_ONLYDIR)));
	show("ONLYDIR on symlink to dir", kret(inotify_add_watch(fd, "ln", IN_CREATE | IN_ONLYDIR)));
	show("ONLYDIR|DONT_FOLLOW on symlink", kret(inotify_add_watch(fd, "ln", IN_CREATE | IN_ONLYDIR | IN_DONT_FOLLOW)));
	show("DONT_FOLLOW on symlink", kret(inotify_add_watch(fd, "ln", IN_ALL_EVENTS | IN_DONT_FOLLOW)));
	show("MASK_CREATE on existing", kret(inotify_add_watch(fd, "d", IN_DELETE | IN_MASK_CREATE)));
	touch("d/new");
	drain("create in d (watched directly and not through the link)", fd);
	show("chmod link target", kret(chmod("d", 0700)));
	drain("chmod d", fd);
	show("read empty nonblocking", kret(read(fd, small, sizeof(small))));
	touch("d/a-longer-name");
	show("read too small", kret(read(fd, small, sizeof(small))));
	show("read 0", kret(read(fd, small, 0)));
	show("write", kret(write(fd, "x", 1)));
	show("lseek", lseek(fd, 0, SEEK_SET));
	drain("remaining", fd);
	close(ev);
	close(reg);
	close(fd);
	close(blocking);
	conf_rmtree(tmp);
	return 0;
}
