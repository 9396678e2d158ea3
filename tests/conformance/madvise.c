/* madvise(2): MADV_DONTNEED semantics and the argument checks. */
#include "conf.h"

#define PAGE 4096UL

int main(void)
{
	unsigned char *p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(p, 0x77, 4 * PAGE);

	show("madvise(MADV_DONTNEED, pages 1-2)", RAW(SYS_madvise, p + PAGE, 2 * PAGE, MADV_DONTNEED));
	fact("page 0 kept", p[0] == 0x77 && p[PAGE - 1] == 0x77);
	int zero = 1;
	for (unsigned long i = PAGE; i < 3 * PAGE; i++)
		zero &= p[i] == 0;
	fact("pages 1-2 read back zero", zero);
	fact("page 3 kept", p[3 * PAGE] == 0x77);
	p[PAGE] = 5;
	fact("zapped page writable again", p[PAGE] == 5);

	show("madvise(MADV_NORMAL)", RAW(SYS_madvise, p, 4 * PAGE, MADV_NORMAL));
	show("madvise(MADV_RANDOM)", RAW(SYS_madvise, p, 4 * PAGE, MADV_RANDOM));
	show("madvise(MADV_SEQUENTIAL)", RAW(SYS_madvise, p, 4 * PAGE, MADV_SEQUENTIAL));
	show("madvise(MADV_WILLNEED)", RAW(SYS_madvise, p, 4 * PAGE, MADV_WILLNEED));
	show("madvise(MADV_DONTFORK)", RAW(SYS_madvise, p, 4 * PAGE, MADV_DONTFORK));
	show("madvise(MADV_DOFORK)", RAW(SYS_madvise, p, 4 * PAGE, MADV_DOFORK));
	fact("contents survive harmless advice", p[0] == 0x77 && p[PAGE] == 5);

	show("madvise(bad advice 999)", RAW(SYS_madvise, p, PAGE, 999));
	show("madvise(unaligned)", RAW(SYS_madvise, p + 1, PAGE, MADV_DONTNEED));
	show("madvise(len 0)", RAW(SYS_madvise, p, 0, MADV_DONTNEED));
	show("madvise(len 1)", RAW(SYS_madvise, p + 3 * PAGE, 1, MADV_DONTNEED));
	fact("len 1 rounds up to the page", p[3 * PAGE + PAGE - 1] == 0);
	show("madvise(NORMAL, len 2^62)", RAW(SYS_madvise, p, 1UL << 62, MADV_NORMAL));

	munmap(p + 2 * PAGE, PAGE);
	show("madvise(NORMAL, range with a hole)", RAW(SYS_madvise, p, 4 * PAGE, MADV_NORMAL));
	show("madvise(DONTNEED, range with a hole)", RAW(SYS_madvise, p, 4 * PAGE, MADV_DONTNEED));
	fact("pages around the hole still zapped", p[0] == 0);
	munmap(p, 4 * PAGE);
	show("madvise(unmapped)", RAW(SYS_madvise, p, PAGE, MADV_NORMAL));

	/* DONTNEED on a private file mapping drops private changes. */
	int fd = open("data.txt", O_RDONLY);
	char *f = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	f[0] = 'X';
	fact("private copy modified", f[0] == 'X');
	show("madvise(file, MADV_DONTNEED)", RAW(SYS_madvise, f, 2 * PAGE, MADV_DONTNEED));
	show_bytes("file page after DONTNEED", f, 10);
	munmap(f, 2 * PAGE);
	close(fd);
	return 0;
}
