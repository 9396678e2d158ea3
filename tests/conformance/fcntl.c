/* fcntl(2): duplication, descriptor flags, status flags and errors. */
#include "conf.h"

static long fc(int fd, int cmd, long arg)
{
	return RAW(SYS_fcntl, fd, cmd, arg);
}

int main(void)
{
	int fd = open("data.txt", O_RDONLY);
	show("open(data.txt)", fd);

	show("F_DUPFD(fd, 0)", fc(fd, F_DUPFD, 0));
	show("F_DUPFD(fd, 10)", fc(fd, F_DUPFD, 10));
	show("F_DUPFD(fd, 10) again", fc(fd, F_DUPFD, 10));
	show("F_GETFD(dup)", fc(10, F_GETFD, 0));
	show("F_DUPFD_CLOEXEC(fd, 20)", fc(fd, F_DUPFD_CLOEXEC, 20));
	show("F_GETFD(cloexec dup)", fc(20, F_GETFD, 0));
	show("F_DUPFD(fd, -1)", fc(fd, F_DUPFD, -1));
	show("F_DUPFD(fd, 1<<30)", fc(fd, F_DUPFD, 1L << 30));
	show("F_DUPFD(-1, 0)", fc(-1, F_DUPFD, 0));

	show("F_GETFD", fc(fd, F_GETFD, 0));
	show("F_SETFD(FD_CLOEXEC)", fc(fd, F_SETFD, FD_CLOEXEC));
	show("F_GETFD after set", fc(fd, F_GETFD, 0));
	show("F_SETFD(0)", fc(fd, F_SETFD, 0));
	show("F_GETFD after clear", fc(fd, F_GETFD, 0));
	show("F_SETFD(0xff)", fc(fd, F_SETFD, 0xff));
	show("F_GETFD after 0xff", fc(fd, F_GETFD, 0));
	fc(fd, F_SETFD, 0);
	show("F_GETFD(dup unaffected)", fc(11, F_GETFD, 0));

	long fl = fc(fd, F_GETFL, 0);
	fact("F_GETFL access mode is O_RDONLY", (fl & O_ACCMODE) == O_RDONLY);
	fact("F_GETFL has O_LARGEFILE", (fl & 0100000) != 0);
	fact("F_GETFL no O_NONBLOCK", (fl & O_NONBLOCK) == 0);
	show("F_SETFL(O_NONBLOCK)", fc(fd, F_SETFL, O_NONBLOCK));
	fl = fc(fd, F_GETFL, 0);
	fact("O_NONBLOCK now set", (fl & O_NONBLOCK) != 0);
	fact("dup shares status flags", (fc(10, F_GETFL, 0) & O_NONBLOCK) != 0);
	show("F_SETFL(O_RDWR|O_APPEND)", fc(fd, F_SETFL, O_RDWR | O_APPEND));
	fl = fc(fd, F_GETFL, 0);
	fact("access mode unchanged by F_SETFL", (fl & O_ACCMODE) == O_RDONLY);
	fact("O_APPEND set", (fl & O_APPEND) != 0);
	fact("O_NONBLOCK cleared", (fl & O_NONBLOCK) == 0);
	show("F_SETFL(0)", fc(fd, F_SETFL, 0));
	fact("flags cleared", (fc(fd, F_GETFL, 0) & (O_APPEND | O_NONBLOCK)) == 0);

	int dir = open("dir", O_RDONLY | O_DIRECTORY);
	fact("directory F_GETFL has O_DIRECTORY", (fc(dir, F_GETFL, 0) & O_DIRECTORY) != 0);
	close(dir);

	int p = open("data.txt", O_PATH);
	fl = fc(p, F_GETFL, 0);
	fact("O_PATH fd F_GETFL has O_PATH", (fl & O_PATH) != 0);
	show("F_DUPFD(O_PATH fd, 30)", fc(p, F_DUPFD, 30));
	show("F_SETFD(O_PATH fd)", fc(p, F_SETFD, FD_CLOEXEC));
	close(p);

	show("bad cmd 9999", fc(fd, 9999, 0));
	show("bad cmd on bad fd", fc(-1, 9999, 0));
	show("F_GETFD(-1)", fc(-1, F_GETFD, 0));
	show("F_GETFL(1000)", fc(1000, F_GETFL, 0));
	show("F_SETFL(1000)", fc(1000, F_SETFL, 0));
	close(fd);
	show("F_GETFD(closed)", fc(fd, F_GETFD, 0));
	return 0;
}
