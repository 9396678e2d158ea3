/* statfs(2)/fstatfs(2): success on files and directories, sane fields, errors. */
#include "conf.h"

#include <sys/vfs.h>

int main(void)
{
	struct statfs s;

	show("statfs(\".\")", RAW(SYS_statfs, ".", &s));
	fact("block size > 0", s.f_bsize > 0);
	fact("name length limit is 255", s.f_namelen == 255);
	fact("free blocks <= total", s.f_bfree <= s.f_blocks);
	show("statfs(data.txt)", RAW(SYS_statfs, "data.txt", &s));
	show("statfs(link)", RAW(SYS_statfs, "link", &s));
	show("statfs(missing)", RAW(SYS_statfs, "missing", &s));
	show("statfs(dangling)", RAW(SYS_statfs, "dangling", &s));
	show("statfs(data.txt/x)", RAW(SYS_statfs, "data.txt/x", &s));
	show("statfs(BADPTR path)", RAW(SYS_statfs, BADPTR, &s));
	show("statfs(BADPTR buf)", RAW(SYS_statfs, ".", BADPTR));

	int fd = open("data.txt", O_RDONLY);
	struct statfs f;
	show("fstatfs(file)", RAW(SYS_fstatfs, fd, &f));
	fact("fstatfs and statfs agree on the block size", f.f_bsize == s.f_bsize);
	show("fstatfs(-1)", RAW(SYS_fstatfs, -1, &f));
	show("fstatfs(BADPTR)", RAW(SYS_fstatfs, fd, BADPTR));
	int p = open("data.txt", O_PATH);
	show("fstatfs(O_PATH fd)", RAW(SYS_fstatfs, p, &f));
	return 0;
}
