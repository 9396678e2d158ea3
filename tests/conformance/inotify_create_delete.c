/* inotify: IN_CREATE and IN_DELETE for files, directories, symlinks and FIFOs. */
#include "inotify_util.h"

int main(void)
{
	const char *tmp = conf_tmpdir();
	int fd = inotify_init1(IN_NONBLOCK);

	mkdir("w", 0755);
	show("add_watch(w)", inotify_add_watch(fd, "w", IN_CREATE | IN_DELETE));
	touch("w/file");
	drain("create file", fd);
	mkdir("w/sub", 0755);
	drain("mkdir", fd);
	show("symlink", kret(symlink("file", "w/ln")));
	drain("symlink", fd);
	show("mkfifo", kret(mkfifo("w/fifo", 0644)));
	drain("mkfifo", fd);
	show("link", kret(link("w/file", "w/hard")));
	drain("link", fd);
	unlink("w/file");
	unlink("w/hard");
	unlink("w/ln");
	unlink("w/fifo");
	drain("unlinks", fd);
	rmdir("w/sub");
	drain("rmdir", fd);
	/* Events in a subdirectory are not reported to the parent's watch. */
	mkdir("w/sub2", 0755);
	touch("w/sub2/deep");
	unlink("w/sub2/deep");
	rmdir("w/sub2");
	drain("nested", fd);
	/* A watch on the parent of w sees w's own changes. */
	show("add_watch(.)", inotify_add_watch(fd, ".", IN_ALL_EVENTS));
	rmdir("w");
	drain("rmdir watched", fd);
	close(fd);
	conf_rmtree(tmp);
	return 0;
}
