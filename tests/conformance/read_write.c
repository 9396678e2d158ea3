/* read(2) and write(2): data, counts and the error paths. */
#include "conf.h"

int main(void)
{
	char buf[64];
	long r;

	show("write(1, \"abc\\n\", 4)", RAW(SYS_write, 1, "abc\n", 4));
	show("write(1, buf, 0)", RAW(SYS_write, 1, buf, 0));
	show("write(-1)", RAW(SYS_write, -1, "x", 1));
	show("write(1000)", RAW(SYS_write, 1000, "x", 1));
	show("write(1, BADPTR, 4)", RAW(SYS_write, 1, BADPTR, 4));

	int fd = open("data.txt", O_RDONLY);
	show("open(data.txt)", fd);
	r = RAW(SYS_read, fd, buf, 10);
	show("read(fd, 10)", r);
	show_bytes("first read", buf, r);
	r = RAW(SYS_read, fd, buf, 15);
	show("read(fd, 15)", r);
	show_bytes("second read", buf, r);
	show("read(fd, buf, 0)", RAW(SYS_read, fd, buf, 0));
	show("read(fd, BADPTR, 10)", RAW(SYS_read, fd, BADPTR, 10));
	show("read(fd, NULL, 10)", RAW(SYS_read, fd, NULL, 10));
	show("write(read-only fd)", RAW(SYS_write, fd, "x", 1));

	/* Reading across EOF returns the remainder, then 0. */
	show("lseek(fd, -4, SEEK_END)", lseek(fd, -4, SEEK_END) == FIXTURE_DATA_SIZE - 4 ? 0 : -1);
	r = RAW(SYS_read, fd, buf, sizeof(buf));
	show("read at EOF-4", r);
	show_bytes("tail", buf, r);
	show("read at EOF", RAW(SYS_read, fd, buf, sizeof(buf)));

	/* A large read is satisfied in full from a regular file. */
	char *big = malloc(FIXTURE_DATA_SIZE + 100);
	lseek(fd, 0, SEEK_SET);
	show("read(fd, whole file + 100)", RAW(SYS_read, fd, big, FIXTURE_DATA_SIZE + 100));
	int ok = 1;
	for (int i = 0; i < 1300; i++) {
		char line[16];
		snprintf(line, sizeof(line), "line %04d\n", i);
		ok &= memcmp(big + i * 10, line, 10) == 0;
	}
	fact("whole file has the expected lines", ok);
	free(big);
	close(fd);
	show("read(closed fd)", RAW(SYS_read, fd, buf, 1));

	int e = open("empty", O_RDONLY);
	show("read(empty file)", RAW(SYS_read, e, buf, sizeof(buf)));
	close(e);

	int d = open("dir", O_RDONLY | O_DIRECTORY);
	show("read(directory)", RAW(SYS_read, d, buf, sizeof(buf)));
	show("write(directory)", RAW(SYS_write, d, "x", 1));
	close(d);

	int p = open("data.txt", O_PATH);
	show("read(O_PATH fd)", RAW(SYS_read, p, buf, 1));
	show("write(O_PATH fd)", RAW(SYS_write, p, "x", 1));
	close(p);
	return 0;
}
