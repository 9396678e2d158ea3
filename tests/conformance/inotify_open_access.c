/* inotify: IN_OPEN, IN_ACCESS, IN_MODIFY, IN_CLOSE_WRITE, IN_CLOSE_NOWRITE on a file
 * and on its directory (with the name), directory reads, O_TRUNC, FIONREAD. */
#include "inotify_util.h"
#include <dirent.h>

int main(void)
{
	const char *tmp = conf_tmpdir();
	int fd = inotify_init1(IN_NONBLOCK);
	char buf[16];
	int avail = -1;

	mkdir("d", 0755);
	put("d/f", "hello");
	show("add_watch(d)", inotify_add_watch(fd, "d", IN_ALL_EVENTS));
	show("add_watch(d/f)", inotify_add_watch(fd, "d/f", IN_ALL_EVENTS));

	int f = open("d/f", O_RDONLY);
	show("read", read(f, buf, sizeof(buf)));
	show("read at end", read(f, buf, sizeof(buf)));
	show("pread", pread(f, buf, 2, 1));
	close(f);
	show("FIONREAD", kret(ioctl(fd, FIONREAD, &avail)));
	printf("FIONREAD bytes = %d\n", avail);
	drain("read-only open", fd);

	f = open("d/f", O_WRONLY | O_APPEND);
	show("write", write(f, "abc", 3));
	show("write", write(f, "abc", 3));
	show("write 0", write(f, "", 0));
	show("pwrite", pwrite(f, "z", 1, 0));
	close(f);
	drain("write open", fd);

	f = open("d/f", O_RDWR);
	close(f);
	drain("O_RDWR open, no io", fd);

	f = open("d/f", O_WRONLY | O_TRUNC);
	close(f);
	drain("O_TRUNC", fd);

	f = open("d/f", O_PATH);
	close(f);
	drain("O_PATH", fd);

	DIR *dir = opendir("d");
	while (readdir(dir))
		;
	closedir(dir);
	drain("readdir", fd);

	/* A second descriptor of one description: one close event, at the last close. */
	f = open("d/f", O_RDONLY);
	int g = dup(f);
	close(f);
	drain("dup, first close", fd);
	close(g);
	drain("last close", fd);

	close(fd);
	conf_rmtree(tmp);
	return 0;
}
