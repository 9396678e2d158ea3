/* fsync and fdatasync: files and directories in /tmp succeed; pipes, devices and bad
 * descriptors fail as on Linux. */
#include "conf.h"

int main(void)
{
	int host = open("data.txt", O_RDONLY);
	const char *dir = conf_tmpdir();
	int fd = open("f", O_CREAT | O_RDWR, 0644);
	int pfd[2];

	show("write", RAW(SYS_write, fd, "x", 1));
	show("fsync(file)", RAW(SYS_fsync, fd));
	show("fdatasync(file)", RAW(SYS_fdatasync, fd));
	show("fsync(read-only file)", RAW(SYS_fsync, open("f", O_RDONLY)));
	show("fsync(directory)", RAW(SYS_fsync, open(".", O_RDONLY | O_DIRECTORY)));
	show("fsync(O_PATH)", RAW(SYS_fsync, open("f", O_PATH)));
	show("fsync(bad fd)", RAW(SYS_fsync, 999));
	show("fdatasync(-1)", RAW(SYS_fdatasync, -1));
	if (pipe(pfd) == 0) {
		show("fsync(pipe)", RAW(SYS_fsync, pfd[0]));
		show("fdatasync(pipe)", RAW(SYS_fdatasync, pfd[1]));
	}
	show("fsync(/dev/null)", RAW(SYS_fsync, open("/dev/null", O_WRONLY)));
	show("fsync(host file in the fixture)", RAW(SYS_fsync, host));
	close(fd);

	conf_rmtree(dir);
	fact("temporary directory gone", access(dir, F_OK) != 0);
	return 0;
}
