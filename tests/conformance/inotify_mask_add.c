/* inotify: adding a watch again replaces its mask, IN_MASK_ADD adds to it,
 * IN_MASK_CREATE refuses an existing watch; two instances watch independently. */
#include "inotify_util.h"

int main(void)
{
	const char *tmp = conf_tmpdir();
	int fd = inotify_init1(IN_NONBLOCK);
	int fd2 = inotify_init1(IN_NONBLOCK);

	mkdir("d", 0755);
	show("add CREATE", inotify_add_watch(fd, "d", IN_CREATE));
	show("add DELETE (replaces)", inotify_add_watch(fd, "d", IN_DELETE));
	touch("d/a");
	unlink("d/a");
	drain("after replace", fd);
	show("MASK_ADD CREATE", inotify_add_watch(fd, "d", IN_CREATE | IN_MASK_ADD));
	touch("d/a");
	unlink("d/a");
	drain("after MASK_ADD", fd);
	show("MASK_CREATE existing", inotify_add_watch(fd, "d", IN_CREATE | IN_MASK_CREATE));
	show("MASK_ADD|MASK_CREATE", inotify_add_watch(fd, "d", IN_CREATE | IN_MASK_ADD | IN_MASK_CREATE));
	mkdir("e", 0755);
	show("MASK_CREATE new", inotify_add_watch(fd, "e", IN_CREATE | IN_MASK_CREATE));
	show("same dir through another path", inotify_add_watch(fd, "./d/../d", IN_CREATE));
	show("instance 2", inotify_add_watch(fd2, "d", IN_DELETE));
	touch("d/b");
	unlink("d/b");
	touch("e/x");
	drain("instance 1", fd);
	drain("instance 2", fd2);
	close(fd);
	close(fd2);
	conf_rmtree(tmp);
	return 0;
}
