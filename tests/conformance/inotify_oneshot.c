/* inotify: IN_ONESHOT ends the watch after its first event (IN_IGNORED follows); a new
 * watch gets a new descriptor. */
#include "inotify_util.h"

int main(void)
{
	const char *tmp = conf_tmpdir();
	int fd = inotify_init1(IN_NONBLOCK);

	mkdir("d", 0755);
	show("add_watch oneshot", inotify_add_watch(fd, "d", IN_CREATE | IN_ONESHOT));
	touch("d/a");
	touch("d/b");
	drain("two creates", fd);
	show("rm_watch after oneshot", kret(inotify_rm_watch(fd, 1)));
	show("add_watch again", inotify_add_watch(fd, "d", IN_CREATE | IN_DELETE | IN_ONESHOT));
	unlink("d/a");
	unlink("d/b");
	drain("two unlinks", fd);
	/* A oneshot file watch: an event the watch did not ask for does not end it. */
	put("d/f", "x");
	show("add_watch file oneshot", inotify_add_watch(fd, "d/f", IN_MODIFY | IN_ONESHOT));
	show("chmod", kret(chmod("d/f", 0600)));
	put("d/f", "y");
	drain("chmod then write", fd);
	show("add_watch plain", inotify_add_watch(fd, "d", IN_CREATE));
	touch("d/c");
	touch("d/e");
	drain("plain watch", fd);
	close(fd);
	conf_rmtree(tmp);
	return 0;
}
