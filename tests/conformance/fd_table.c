/*
 * The initial descriptor table: exactly stdin, stdout and stderr are
 * open, nothing else leaks into the program.
 */
#include "conf.h"

int main(void)
{
	int open_std = 0, extra = 0;

	for (int fd = 0; fd < 3; fd++)
		open_std += fcntl(fd, F_GETFD) >= 0;
	for (int fd = 3; fd < 1024; fd++)
		extra += fcntl(fd, F_GETFD) >= 0;
	printf("standard descriptors open = %d\n", open_std);
	printf("other descriptors open = %d\n", extra);
	fact("stdout is writable", (fcntl(1, F_GETFL) & O_ACCMODE) != O_RDONLY);
	fact("stderr is writable", (fcntl(2, F_GETFL) & O_ACCMODE) != O_RDONLY);
	fact("stdio descriptors are not close-on-exec",
	     fcntl(0, F_GETFD) == 0 && fcntl(1, F_GETFD) == 0 && fcntl(2, F_GETFD) == 0);
	show("first free descriptor", RAW(SYS_dup, 2));
	show("write(2, \"\", 0)", RAW(SYS_write, 2, "", 0));
	return 0;
}
