/* mincore(2): residency of touched and untouched pages, and errors. */
#include "conf.h"

#define PAGE 4096UL

int main(void)
{
	unsigned char vec[16];
	unsigned char *p = mmap(NULL, 8 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	p[0] = 1;
	p[3 * PAGE] = 1;
	p[7 * PAGE + 100] = 1;
	memset(vec, 0xee, sizeof(vec));
	show("mincore(8 pages)", RAW(SYS_mincore, p, 8 * PAGE, vec));
	printf("resident bits:");
	for (int i = 0; i < 8; i++)
		printf(" %d", vec[i] & 1);
	printf("\n");
	fact("vector beyond the range untouched", vec[8] == 0xee);
	fact("upper bits clear", ((vec[0] | vec[3] | vec[7]) & 0xfe) == 0);

	show("mincore(len 1)", RAW(SYS_mincore, p, 1, vec));
	show("mincore(len 0)", RAW(SYS_mincore, p, 0, vec));
	show("mincore(unaligned)", RAW(SYS_mincore, p + 1, PAGE, vec));
	show("mincore(BADPTR vec)", RAW(SYS_mincore, p, PAGE, BADPTR));
	show("mincore(len 2^62)", RAW(SYS_mincore, p, 1UL << 62, vec));
	show("mincore(non-canonical)", RAW(SYS_mincore, 1UL << 63, PAGE, vec));

	munmap(p + 4 * PAGE, PAGE);
	show("mincore(range with a hole)", RAW(SYS_mincore, p, 8 * PAGE, vec));
	show("mincore(just the hole)", RAW(SYS_mincore, p + 4 * PAGE, PAGE, vec));
	show("mincore(before the hole)", RAW(SYS_mincore, p, 4 * PAGE, vec));

	/* PROT_NONE mappings are still mappings. */
	unsigned char *n = mmap(NULL, 2 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	show("mincore(PROT_NONE)", RAW(SYS_mincore, n, 2 * PAGE, vec));
	printf("PROT_NONE resident bits: %d %d\n", vec[0] & 1, vec[1] & 1);

	/* After MADV_DONTNEED a page is no longer resident. */
	madvise(p, PAGE, MADV_DONTNEED);
	RAW(SYS_mincore, p, PAGE, vec);
	fact("resident after MADV_DONTNEED", vec[0] & 1);

	/* The program's own stack and data are resident. */
	static int data = 1;
	unsigned long d = (unsigned long)&data & ~(PAGE - 1);
	RAW(SYS_mincore, d, PAGE, vec);
	fact("own data page resident", vec[0] & 1);
	unsigned long s = (unsigned long)vec & ~(PAGE - 1);
	RAW(SYS_mincore, s, PAGE, vec);
	fact("own stack page resident", vec[0] & 1);
	return 0;
}
