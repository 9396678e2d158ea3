/* mmap(2)/munmap(2) of anonymous memory: placement, flags and checks. */
#include "conf.h"

#define PAGE 4096UL

static long mm(void *addr, size_t len, int prot, int flags, int fd, long off)
{
	return RAW(SYS_mmap, addr, len, prot, flags, fd, off);
}

static int resident(void *addr, size_t len)
{
	unsigned char vec[64];

	return RAW(SYS_mincore, addr, len, vec) == 0;
}

static void showmap(const char *what, long r)
{
	show_ok(what, r);
}

int main(void)
{
	const int RW = PROT_READ | PROT_WRITE;
	const int PA = MAP_PRIVATE | MAP_ANONYMOUS;

	long r = mm(NULL, 4 * PAGE, RW, PA, -1, 0);
	showmap("mmap(4 pages, RW, private anon)", r);
	unsigned char *p = (unsigned char *)r;
	fact("page aligned", ((unsigned long)p & (PAGE - 1)) == 0);
	int zero = 1;
	for (unsigned long i = 0; i < 4 * PAGE; i++)
		zero &= p[i] == 0;
	fact("zero filled", zero);
	memset(p, 0x11, 4 * PAGE);
	fact("writable", p[4 * PAGE - 1] == 0x11);

	/* Unaligned length is rounded up: the whole last page is usable. */
	r = mm(NULL, 100, RW, PA, -1, 0);
	showmap("mmap(100 bytes)", r);
	((unsigned char *)r)[PAGE - 1] = 1;
	fact("rest of the page usable", ((unsigned char *)r)[PAGE - 1] == 1);
	show("munmap(100-byte mapping, 100)", RAW(SYS_munmap, r, 100));
	fact("whole page gone after munmap", !resident((void *)r, PAGE));

	showmap("mmap(len 0)", mm(NULL, 0, RW, PA, -1, 0));
	showmap("mmap(no SHARED/PRIVATE)", mm(NULL, PAGE, RW, MAP_ANONYMOUS, -1, 0));
	showmap("mmap(offset 1)", mm(NULL, PAGE, RW, PA, -1, 1));
	showmap("mmap(MAP_FIXED, unaligned addr)", mm(p + 1, PAGE, RW, PA | MAP_FIXED, -1, 0));
	showmap("mmap(file, fd -1)", mm(NULL, PAGE, PROT_READ, MAP_PRIVATE, -1, 0));
	showmap("mmap(file, fd 1000)", mm(NULL, PAGE, PROT_READ, MAP_PRIVATE, 1000, 0));
	showmap("mmap(len 2^62)", mm(NULL, 1UL << 62, RW, PA, -1, 0));
	showmap("mmap(len -4096)", mm(NULL, (size_t)-4096, RW, PA, -1, 0));
	showmap("mmap(MAP_SHARED anon)", mm(NULL, PAGE, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
	showmap("mmap(PROT_NONE)", mm(NULL, PAGE, PROT_NONE, PA, -1, 0));

	/* MAP_FIXED replaces what is there; the new pages are zero. */
	r = mm(p + PAGE, PAGE, RW, PA | MAP_FIXED, -1, 0);
	fact("MAP_FIXED returns the address", r == (long)(p + PAGE));
	fact("MAP_FIXED page is fresh", p[PAGE] == 0 && p[2 * PAGE - 1] == 0);
	fact("neighbours untouched", p[PAGE - 1] == 0x11 && p[2 * PAGE] == 0x11);

	showmap("MAP_FIXED_NOREPLACE over a mapping", mm(p + 2 * PAGE, PAGE, RW, PA | MAP_FIXED_NOREPLACE, -1, 0));
	showmap("MAP_FIXED_NOREPLACE partly over", mm(p + 3 * PAGE, 2 * PAGE, RW, PA | MAP_FIXED_NOREPLACE, -1, 0));
	fact("contents kept after EEXIST", p[2 * PAGE] == 0x11);

	/* Unmap the middle, then NOREPLACE fits exactly into the hole. */
	show("munmap(middle page)", RAW(SYS_munmap, p + 2 * PAGE, PAGE));
	fact("hole not mapped", !resident(p + 2 * PAGE, PAGE));
	fact("page below still mapped", resident(p + PAGE, PAGE));
	fact("page above still mapped", resident(p + 3 * PAGE, PAGE));
	r = mm(p + 2 * PAGE, PAGE, RW, PA | MAP_FIXED_NOREPLACE, -1, 0);
	fact("MAP_FIXED_NOREPLACE into the hole", r == (long)(p + 2 * PAGE));

	/* A free hint address is honoured without MAP_FIXED. */
	show("munmap(all 4)", RAW(SYS_munmap, p, 4 * PAGE));
	r = mm(p, PAGE, RW, PA, -1, 0);
	fact("hint honoured when free", r == (long)p);
	RAW(SYS_munmap, p, PAGE);

	show("munmap(unaligned)", RAW(SYS_munmap, p + 1, PAGE));
	show("munmap(len 0)", RAW(SYS_munmap, p, 0));
	show("munmap(not mapped)", RAW(SYS_munmap, p, PAGE));
	show("munmap(len 2^62)", RAW(SYS_munmap, p, 1UL << 62));
	show("munmap(non-canonical)", RAW(SYS_munmap, 1UL << 63, PAGE));

	/* MAP_POPULATE faults everything in. */
	r = mm(NULL, 8 * PAGE, RW, PA | MAP_POPULATE, -1, 0);
	showmap("mmap(MAP_POPULATE, 8 pages)", r);
	unsigned char vec[8];
	RAW(SYS_mincore, r, 8 * PAGE, vec);
	int all = 1;
	for (int i = 0; i < 8; i++)
		all &= vec[i] & 1;
	fact("all pages resident after MAP_POPULATE", all);
	RAW(SYS_munmap, r, 8 * PAGE);

	/* MAP_GROWSDOWN gives a normal, usable mapping. */
	r = mm(NULL, 4 * PAGE, RW, PA | MAP_GROWSDOWN, -1, 0);
	showmap("mmap(MAP_GROWSDOWN)", r);
	((unsigned char *)r)[4 * PAGE - 1] = 7;
	((unsigned char *)r)[PAGE] = 8;
	fact("MAP_GROWSDOWN usable", ((unsigned char *)r)[4 * PAGE - 1] == 7);
	RAW(SYS_munmap, r, 4 * PAGE);

	/* Many small mappings and unmappings in a row. */
	long maps[256];
	int ok = 1;
	for (int i = 0; i < 256; i++) {
		maps[i] = mm(NULL, (size_t)(i % 7 + 1) * PAGE, RW, PA, -1, 0);
		ok &= !is_err(maps[i]);
		if (!is_err(maps[i]))
			*(int *)maps[i] = i;
	}
	for (int i = 0; i < 256; i++)
		ok &= *(int *)maps[i] == i;
	for (int i = 0; i < 256; i += 2)
		ok &= RAW(SYS_munmap, maps[i], (size_t)(i % 7 + 1) * PAGE) == 0;
	for (int i = 1; i < 256; i += 2)
		ok &= RAW(SYS_munmap, maps[i], (size_t)(i % 7 + 1) * PAGE) == 0;
	fact("256 map/unmap cycles", ok);
	return 0;
}
