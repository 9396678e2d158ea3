/* msync(2), mlock(2), mlock2(2), munlock(2), mlockall(2) checks. */
#include "conf.h"

#define PAGE 4096UL

#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 1
#endif

int main(void)
{
	unsigned char vec[8];
	unsigned char *p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(p, 1, 4 * PAGE);

	show("msync(MS_SYNC)", RAW(SYS_msync, p, 4 * PAGE, MS_SYNC));
	show("msync(MS_ASYNC)", RAW(SYS_msync, p, 4 * PAGE, MS_ASYNC));
	show("msync(MS_INVALIDATE)", RAW(SYS_msync, p, 4 * PAGE, MS_INVALIDATE));
	show("msync(flags 0)", RAW(SYS_msync, p, 4 * PAGE, 0));
	show("msync(MS_SYNC|MS_ASYNC)", RAW(SYS_msync, p, 4 * PAGE, MS_SYNC | MS_ASYNC));
	show("msync(bad flag 0x100)", RAW(SYS_msync, p, 4 * PAGE, 0x100));
	show("msync(unaligned)", RAW(SYS_msync, p + 1, PAGE, MS_SYNC));
	show("msync(len 0)", RAW(SYS_msync, p, 0, MS_SYNC));
	show("msync(len 1)", RAW(SYS_msync, p, 1, MS_SYNC));

	int fd = open("data.txt", O_RDONLY);
	void *f = mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	show("msync(shared file mapping, MS_SYNC)", RAW(SYS_msync, f, 2 * PAGE, MS_SYNC));
	munmap(f, 2 * PAGE);
	close(fd);

	show("mlock(2 pages)", RAW(SYS_mlock, p, 2 * PAGE));
	RAW(SYS_mincore, p, 4 * PAGE, vec);
	fact("locked pages resident", (vec[0] & vec[1] & 1) == 1);
	show("madvise(DONTNEED) on locked pages", RAW(SYS_madvise, p, PAGE, MADV_DONTNEED));
	show("mlock(unaligned start)", RAW(SYS_mlock, p + 1, PAGE));
	show("mlock(len 0)", RAW(SYS_mlock, p, 0));
	show("munlock(2 pages)", RAW(SYS_munlock, p, 2 * PAGE));
	show("munlock(not locked)", RAW(SYS_munlock, p + 2 * PAGE, PAGE));
	show("munlock(len 0)", RAW(SYS_munlock, p, 0));
	show("mlock2(MLOCK_ONFAULT)", RAW(SYS_mlock2, p, PAGE, MLOCK_ONFAULT));
	show("munlock after mlock2", RAW(SYS_munlock, p, PAGE));
	show("mlock2(bad flags 2)", RAW(SYS_mlock2, p, PAGE, 2));
	show("mlockall(0)", RAW(SYS_mlockall, 0));
	show("mlockall(MCL_ONFAULT alone)", RAW(SYS_mlockall, MCL_ONFAULT));
	show("mlockall(bad flag 0x10)", RAW(SYS_mlockall, MCL_CURRENT | 0x10));
	show("munlockall()", RAW(SYS_munlockall));

	munmap(p + 2 * PAGE, PAGE);
	show("msync(range with a hole)", RAW(SYS_msync, p, 4 * PAGE, MS_SYNC));
	show("mlock(range with a hole)", RAW(SYS_mlock, p, 4 * PAGE));
	show("munlock(range with a hole)", RAW(SYS_munlock, p, 4 * PAGE));
	munmap(p, 4 * PAGE);
	show("msync(unmapped)", RAW(SYS_msync, p, PAGE, MS_SYNC));
	show("mlock(unmapped)", RAW(SYS_mlock, p, PAGE));
	show("munlock(unmapped)", RAW(SYS_munlock, p, PAGE));
	return 0;
}
