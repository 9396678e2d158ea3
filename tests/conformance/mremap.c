/* mremap(2): growing, shrinking, moving, MREMAP_FIXED and DONTUNMAP. */
#include "conf.h"

#define PAGE 4096UL

#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

static int mapped(void *addr, size_t len)
{
	unsigned char vec[64];

	return RAW(SYS_mincore, addr, len, vec) == 0;
}

static void fillp(unsigned char *p, size_t n, unsigned char seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(seed + i / PAGE);
}

static int checkp(const unsigned char *p, size_t n, unsigned char seed)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != (unsigned char)(seed + i / PAGE))
			return 0;
	return 1;
}

static unsigned char *anon(size_t len)
{
	return mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

int main(void)
{
	/* Reserve 8 pages, keep 2: growing in place has room. */
	unsigned char *p = anon(8 * PAGE);
	munmap(p + 2 * PAGE, 6 * PAGE);
	fillp(p, 2 * PAGE, 10);
	long r = RAW(SYS_mremap, p, 2 * PAGE, 4 * PAGE, 0, 0);
	fact("grow in place returns the same address", r == (long)p);
	fact("old contents kept", checkp(p, 2 * PAGE, 10));
	fact("new tail is zero", p[2 * PAGE] == 0 && p[4 * PAGE - 1] == 0);

	r = RAW(SYS_mremap, p, 4 * PAGE, PAGE, 0, 0);
	fact("shrink returns the same address", r == (long)p);
	fact("shrunk tail unmapped", !mapped(p + PAGE, 3 * PAGE));
	fact("head kept", checkp(p, PAGE, 10));

	/* A blocker right after the mapping prevents in-place growth. */
	unsigned char *blk = mmap(p + PAGE, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	fact("blocker placed", blk == p + PAGE);
	show("grow without MAYMOVE, blocked", RAW(SYS_mremap, p, PAGE, 3 * PAGE, 0, 0));
	r = RAW(SYS_mremap, p, PAGE, 3 * PAGE, MREMAP_MAYMOVE, 0);
	fact("grow with MAYMOVE moves", !is_err(r) && r != (long)p);
	unsigned char *q = (unsigned char *)r;
	fact("moved contents kept", checkp(q, PAGE, 10));
	fact("old address unmapped after move", !mapped(p, PAGE));
	fact("blocker untouched", mapped(blk, PAGE));
	munmap(blk, PAGE);

	/* MREMAP_FIXED to a chosen place. */
	unsigned char *dst = anon(4 * PAGE);
	munmap(dst, 4 * PAGE);
	fillp(q, 3 * PAGE, 40);
	show("MREMAP_FIXED without MAYMOVE", RAW(SYS_mremap, q, 3 * PAGE, 3 * PAGE, MREMAP_FIXED, dst));
	r = RAW(SYS_mremap, q, 3 * PAGE, 3 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
	fact("MREMAP_FIXED lands at the target", r == (long)dst);
	fact("contents moved", checkp(dst, 3 * PAGE, 40));
	fact("source unmapped", !mapped(q, 3 * PAGE));
	show("MREMAP_FIXED unaligned target", RAW(SYS_mremap, dst, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, dst + 4 * PAGE + 1));
	show("MREMAP_FIXED overlapping target", RAW(SYS_mremap, dst, 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, dst + PAGE));

	/* MREMAP_FIXED replaces whatever is at the target. */
	unsigned char *victim = anon(PAGE);
	victim[0] = 99;
	r = RAW(SYS_mremap, dst, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, victim);
	fact("MREMAP_FIXED over a mapping replaces it", r == (long)victim && victim[0] == 40);

	/* DONTUNMAP: the old range stays mapped, reading as zero. */
	unsigned char *s = anon(2 * PAGE);
	fillp(s, 2 * PAGE, 70);
	r = RAW(SYS_mremap, s, 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0);
	fact("DONTUNMAP moves", !is_err(r) && r != (long)s);
	fact("DONTUNMAP contents at new place", checkp((unsigned char *)r, 2 * PAGE, 70));
	fact("DONTUNMAP old range still mapped", mapped(s, 2 * PAGE));
	fact("DONTUNMAP old range reads zero", s[0] == 0 && s[2 * PAGE - 1] == 0);
	show("DONTUNMAP without MAYMOVE", RAW(SYS_mremap, s, 2 * PAGE, 2 * PAGE, MREMAP_DONTUNMAP, 0));
	show("DONTUNMAP with a size change", RAW(SYS_mremap, s, 2 * PAGE, 3 * PAGE, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0));

	/* Argument checks. */
	show("mremap(bad flags 0x80)", RAW(SYS_mremap, s, PAGE, PAGE, 0x80, 0));
	show("mremap(unaligned old)", RAW(SYS_mremap, s + 1, PAGE, PAGE, 0, 0));
	show("mremap(new size 0)", RAW(SYS_mremap, s, PAGE, 0, MREMAP_MAYMOVE, 0));
	unsigned char *hole = anon(PAGE);
	munmap(hole, PAGE);
	show("mremap(unmapped old)", RAW(SYS_mremap, hole, PAGE, 2 * PAGE, MREMAP_MAYMOVE, 0));
	show("mremap(huge new size)", RAW(SYS_mremap, s, PAGE, 1UL << 62, MREMAP_MAYMOVE, 0));
	r = RAW(SYS_mremap, s, PAGE, PAGE, 0, 0);
	fact("mremap(same size, no flags) returns the address", r == (long)s);
	/* The old range must lie within one mapping (different protections
	 * keep the two halves apart). */
	unsigned char *t = anon(3 * PAGE);
	mprotect(t + 2 * PAGE, PAGE, PROT_READ);
	show("mremap(old range spans two mappings)", RAW(SYS_mremap, t, 3 * PAGE, 4 * PAGE, MREMAP_MAYMOVE, 0));
	return 0;
}
