/* access(2), faccessat(2) and faccessat2(2). */
#include "conf.h"

#ifndef SYS_faccessat2
#define SYS_faccessat2 439
#endif

int main(void)
{
	show("access(data.txt, F_OK)", RAW(SYS_access, "data.txt", F_OK));
	show("access(data.txt, R_OK)", RAW(SYS_access, "data.txt", R_OK));
	show("access(data.txt, X_OK) (mode 0644)", RAW(SYS_access, "data.txt", X_OK));
	show("access(dir, R_OK|X_OK)", RAW(SYS_access, "dir", R_OK | X_OK));
	show("access(link, R_OK)", RAW(SYS_access, "link", R_OK));
	show("access(dangling, F_OK)", RAW(SYS_access, "dangling", F_OK));
	show("access(loop1, F_OK)", RAW(SYS_access, "loop1", F_OK));
	show("access(missing, F_OK)", RAW(SYS_access, "missing", F_OK));
	show("access(data.txt/x, F_OK)", RAW(SYS_access, "data.txt/x", F_OK));
	show("access(\"\", F_OK)", RAW(SYS_access, "", F_OK));
	show("access(BADPTR, F_OK)", RAW(SYS_access, BADPTR, F_OK));
	show("access(data.txt, mode 8)", RAW(SYS_access, "data.txt", 8));
	show("access(data.txt, mode -1)", RAW(SYS_access, "data.txt", -1));

	int dir = open("dir", O_RDONLY | O_DIRECTORY);
	show("faccessat(dir, alpha, R_OK)", RAW(SYS_faccessat, dir, "alpha", R_OK));
	show("faccessat(dir, missing, F_OK)", RAW(SYS_faccessat, dir, "missing", F_OK));
	show("faccessat(dir, ../data.txt, R_OK)", RAW(SYS_faccessat, dir, "../data.txt", R_OK));
	show("faccessat(12345, alpha, F_OK)", RAW(SYS_faccessat, 12345, "alpha", F_OK));
	show("faccessat(12345, /, F_OK)", RAW(SYS_faccessat, 12345, "/", F_OK));
	int file = open("data.txt", O_RDONLY);
	show("faccessat(file, x, F_OK)", RAW(SYS_faccessat, file, "x", F_OK));
	show("faccessat(dir, \"\", F_OK)", RAW(SYS_faccessat, dir, "", F_OK));

	show("faccessat2(dangling, F_OK, 0)", RAW(SYS_faccessat2, AT_FDCWD, "dangling", F_OK, 0));
	show("faccessat2(dangling, F_OK, NOFOLLOW)", RAW(SYS_faccessat2, AT_FDCWD, "dangling", F_OK, AT_SYMLINK_NOFOLLOW));
	show("faccessat2(loop1, F_OK, NOFOLLOW)", RAW(SYS_faccessat2, AT_FDCWD, "loop1", F_OK, AT_SYMLINK_NOFOLLOW));
	show("faccessat2(data.txt, R_OK, AT_EACCESS)", RAW(SYS_faccessat2, AT_FDCWD, "data.txt", R_OK, AT_EACCESS));
	show("faccessat2(file, \"\", R_OK, AT_EMPTY_PATH)", RAW(SYS_faccessat2, file, "", R_OK, AT_EMPTY_PATH));
	show("faccessat2(file, \"\", R_OK, 0)", RAW(SYS_faccessat2, file, "", R_OK, 0));
	show("faccessat2(dir, alpha, R_OK, 0)", RAW(SYS_faccessat2, dir, "alpha", R_OK, 0));
	show("faccessat2(data.txt, flags 0x1)", RAW(SYS_faccessat2, AT_FDCWD, "data.txt", F_OK, 0x1));
	show("faccessat2(data.txt, flags 0x8000)", RAW(SYS_faccessat2, AT_FDCWD, "data.txt", F_OK, 0x8000));
	show("faccessat2(data.txt, mode 8)", RAW(SYS_faccessat2, AT_FDCWD, "data.txt", 8, 0));
	show("faccessat2(BADPTR)", RAW(SYS_faccessat2, AT_FDCWD, BADPTR, F_OK, 0));
	close(file);
	close(dir);
	return 0;
}
