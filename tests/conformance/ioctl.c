/* ioctl(2) on regular files and directories: no terminal here. */
#include "conf.h"

#include <sys/ioctl.h>
#include <termios.h>

int main(void)
{
	struct termios t;
	struct winsize ws;
	int fd = open("data.txt", O_RDONLY);
	int dir = open("dir", O_RDONLY | O_DIRECTORY);

	show("ioctl(file, TCGETS)", RAW(SYS_ioctl, fd, TCGETS, &t));
	show("ioctl(file, TIOCGWINSZ)", RAW(SYS_ioctl, fd, TIOCGWINSZ, &ws));
	show("ioctl(file, TIOCGPGRP)", RAW(SYS_ioctl, fd, TIOCGPGRP, &ws));
	show("ioctl(dir, TCGETS)", RAW(SYS_ioctl, dir, TCGETS, &t));
	show("ioctl(file, unknown 0x12345678)", RAW(SYS_ioctl, fd, 0x12345678, 0));
	show("ioctl(-1, TCGETS)", RAW(SYS_ioctl, -1, TCGETS, &t));
	show("ioctl(1000, TCGETS)", RAW(SYS_ioctl, 1000, TCGETS, &t));
	fact("isatty(file) == 0", isatty(fd) == 0);
	printf("errno after isatty(file) = %s\n", ename(errno));

	/* The generic descriptor ioctls work on any file. */
	show("ioctl(FIOCLEX)", RAW(SYS_ioctl, fd, FIOCLEX, 0));
	show("F_GETFD after FIOCLEX", fcntl(fd, F_GETFD));
	show("ioctl(FIONCLEX)", RAW(SYS_ioctl, fd, FIONCLEX, 0));
	show("F_GETFD after FIONCLEX", fcntl(fd, F_GETFD));

	int on = 1, off = 0;
	show("ioctl(FIONBIO, 1)", RAW(SYS_ioctl, fd, FIONBIO, &on));
	fact("O_NONBLOCK set", (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0);
	show("ioctl(FIONBIO, 0)", RAW(SYS_ioctl, fd, FIONBIO, &off));
	fact("O_NONBLOCK clear", (fcntl(fd, F_GETFL) & O_NONBLOCK) == 0);
	show("ioctl(FIONBIO, BADPTR)", RAW(SYS_ioctl, fd, FIONBIO, BADPTR));

	/* FIONREAD on a regular file: bytes between offset and EOF. */
	int avail = -1;
	show("ioctl(FIONREAD) at 0", RAW(SYS_ioctl, fd, FIONREAD, &avail));
	printf("available = %d\n", avail);
	lseek(fd, 1000, SEEK_SET);
	RAW(SYS_ioctl, fd, FIONREAD, &avail);
	printf("available at 1000 = %d\n", avail);
	show("ioctl(FIONREAD, BADPTR)", RAW(SYS_ioctl, fd, FIONREAD, BADPTR));

	int p = open("data.txt", O_PATH);
	show("ioctl(O_PATH fd, FIOCLEX)", RAW(SYS_ioctl, p, FIOCLEX, 0));
	close(p);
	close(dir);
	close(fd);
	return 0;
}
