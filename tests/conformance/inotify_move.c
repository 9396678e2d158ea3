/* inotify: IN_MOVED_FROM/IN_MOVED_TO with one cookie per rename, IN_MOVE_SELF, renames
 * over an existing name and RENAME_EXCHANGE. */
#include "inotify_util.h"

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE 2
#endif

int main(void)
{
	const char *tmp = conf_tmpdir();
	int fd = inotify_init1(IN_NONBLOCK);

	mkdir("a", 0755);
	mkdir("b", 0755);
	put("a/f", "1");
	put("a/g", "2");
	mkdir("a/sub", 0755);
	show("add_watch(a)", inotify_add_watch(fd, "a", IN_ALL_EVENTS));
	show("add_watch(b)", inotify_add_watch(fd, "b", IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF));
	show("add_watch(a/f)", inotify_add_watch(fd, "a/f", IN_MOVE_SELF | IN_DELETE_SELF | IN_ATTRIB));
	show("add_watch(a/g)", inotify_add_watch(fd, "a/g", IN_ALL_EVENTS));

	show("rename in a", kret(rename("a/f", "a/f2")));
	drain("rename in a", fd);
	show("rename a->b", kret(rename("a/f2", "b/f")));
	drain("rename a->b", fd);
	show("rename dir", kret(rename("a/sub", "b/sub")));
	drain("rename dir", fd);
	show("rename over g", kret(rename("b/f", "a/g")));
	drain("rename over g", fd);
	put("b/x", "x");
	show("exchange", kret(syscall(SYS_renameat2, AT_FDCWD, "a/g", AT_FDCWD, "b/x", RENAME_EXCHANGE)));
	drain("exchange", fd);
	show("rename to itself", kret(rename("b/x", "b/x")));
	drain("rename to itself", fd);
	show("rename watched dir", kret(rename("b", "c")));
	drain("rename watched dir", fd);

	close(fd);
	conf_rmtree(tmp);
	return 0;
}
