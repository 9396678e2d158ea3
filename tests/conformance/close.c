/* close(2): descriptors are freed exactly once and reused lowest-first. */
#include "conf.h"

int main(void)
{
	int fd = open("data.txt", O_RDONLY);

	show("open(data.txt)", fd);
	show("close(fd)", RAW(SYS_close, fd));
	show("close(fd) again", RAW(SYS_close, fd));
	show("close(-1)", RAW(SYS_close, -1));
	show("close(1000)", RAW(SYS_close, 1000));
	show("close(1 << 20)", RAW(SYS_close, 1 << 20));
	show("close(INT_MAX)", RAW(SYS_close, 0x7fffffff));

	/* A closed descriptor is unusable and its number is reused. */
	char c;
	show("read(closed fd)", RAW(SYS_read, fd, &c, 1));
	int a = open("data.txt", O_RDONLY);
	int b = open("data.txt", O_RDONLY);
	int d = open("data.txt", O_RDONLY);
	show("fds", a * 100 + b * 10 + d);
	show("close(middle)", RAW(SYS_close, b));
	show("reopen gets the middle", open("empty", O_RDONLY));
	show("next open", open("empty", O_RDONLY));

	/* Closing a dup leaves the original usable. */
	int dupfd = dup(a);
	show("close(dup)", RAW(SYS_close, dupfd));
	show("read(original) after closing dup", RAW(SYS_read, a, &c, 1));
	show_bytes("byte", &c, 1);

	/* Closing a directory descriptor works the same way. */
	int dir = open("dir", O_RDONLY | O_DIRECTORY);
	show("close(dir fd)", RAW(SYS_close, dir));
	show("close(dir fd) again", RAW(SYS_close, dir));

	int path = open("link", O_PATH | O_NOFOLLOW);
	show("close(O_PATH fd)", RAW(SYS_close, path));
	return 0;
}
