/* inotify: inotify_rm_watch queues IN_IGNORED; a watched node that goes away reports
 * IN_DELETE_SELF then IN_IGNORED; IN_EXCL_UNLINK. */
#include "inotify_util.h"

int main(void)
{
	const char *tmp = conf_tmpdir();
	int fd = inotify_init1(IN_NONBLOCK);

	mkdir("d", 0755);
	put("d/f", "x");
	int wd = inotify_add_watch(fd, "d", IN_ALL_EVENTS);
	show("add_watch(d)", wd);
	show("rm_watch", kret(inotify_rm_watch(fd, wd)));
	show("rm_watch again", kret(inotify_rm_watch(fd, wd)));
	show("rm_watch 999", kret(inotify_rm_watch(fd, 999)));
	show("rm_watch -1", kret(inotify_rm_watch(fd, -1)));
	touch("d/g");
	drain("after rm_watch", fd);

	show("add_watch(d) again", inotify_add_watch(fd, "d", IN_ALL_EVENTS));
	show("add_watch(d/f)", inotify_add_watch(fd, "d/f", IN_ALL_EVENTS));
	show("unlink watched file", kret(unlink("d/f")));
	drain("unlink watched file", fd);
	show("rmdir needs empty", kret(rmdir("d")));
	unlink("d/g");
	drain("unlink g", fd);
	show("rmdir watched dir", kret(rmdir("d")));
	drain("rmdir watched dir", fd);

	/* IN_EXCL_UNLINK: no events for an unlinked child still open. */
	mkdir("e", 0755);
	show("add_watch(e) EXCL_UNLINK", inotify_add_watch(fd, "e", IN_ALL_EVENTS | IN_EXCL_UNLINK));
	mkdir("x", 0755);
	show("add_watch(x)", inotify_add_watch(fd, "x", IN_ALL_EVENTS));
	int f = open("e/f", O_CREAT | O_RDWR, 0644);
	int g = open("x/f", O_CREAT | O_RDWR, 0644);
	unlink("e/f");
	unlink("x/f");
	drain("unlinked while open", fd);
	show("write e", write(f, "abc", 3));
	show("write x", write(g, "abc", 3));
	close(f);
	close(g);
	drain("writes to unlinked files", fd);
	close(fd);
	conf_rmtree(tmp);
	return 0;
}
