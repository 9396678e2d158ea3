/*
 * Allocate and free 64 MiB in chunks of many sizes (small ones come from
 * brk, large ones from mmap), checksumming the contents along the way.
 */
#include "conf.h"

#define TOTAL (64u << 20)
#define MAXCHUNKS 4096

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

static void fill(unsigned char *p, size_t n, uint64_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)mix(seed + i / 8) >> (i % 8);
}

static uint64_t sum(const unsigned char *p, size_t n)
{
	uint64_t s = 0;

	for (size_t i = 0; i < n; i++)
		s = s * 31 + p[i];
	return s;
}

int main(void)
{
	static unsigned char *ptr[MAXCHUNKS];
	static size_t len[MAXCHUNKS];
	size_t total = 0;
	int n = 0;
	uint64_t expect = 0, got = 0;

	while (total < TOTAL && n < MAXCHUNKS) {
		/* Sizes from 16 bytes to 2 MiB, deterministic. */
		size_t sz = 16 + (size_t)(mix((uint64_t)n) % (1u << (4 + n % 18)));
		if (total + sz > TOTAL)
			sz = TOTAL - total;
		ptr[n] = malloc(sz);
		if (!ptr[n]) {
			printf("malloc failed at chunk %d\n", n);
			return 1;
		}
		len[n] = sz;
		fill(ptr[n], sz, (uint64_t)n * 1000003u);
		expect ^= sum(ptr[n], sz) + (uint64_t)n;
		total += sz;
		n++;
	}
	printf("chunks = %d, total = %zu\n", n, total);

	/* Free every third chunk, then reallocate them at double size. */
	for (int i = 0; i < n; i += 3) {
		free(ptr[i]);
		ptr[i] = NULL;
	}
	for (int i = 0; i < n; i += 3) {
		ptr[i] = malloc(len[i] * 2);
		if (!ptr[i])
			return 1;
		fill(ptr[i], len[i], (uint64_t)i * 1000003u);
		memset(ptr[i] + len[i], 0x5a, len[i]);
	}
	/* Grow some with realloc: contents must survive. */
	int realloc_ok = 1;
	for (int i = 1; i < n; i += 7) {
		uint64_t before = sum(ptr[i], len[i]);
		unsigned char *q = realloc(ptr[i], len[i] * 3 + 4096);
		if (!q)
			return 1;
		ptr[i] = q;
		if (sum(ptr[i], len[i]) != before)
			realloc_ok = 0;
	}
	fact("realloc preserved contents", realloc_ok);

	for (int i = 0; i < n; i++)
		got ^= sum(ptr[i], len[i]) + (uint64_t)i;
	fact("checksum after churn matches", got == expect);
	printf("checksum = %016llx\n", (unsigned long long)got);

	/* Free in a scattered order. */
	for (int step = 0; step < 5; step++)
		for (int i = step; i < n; i += 5)
			free(ptr[i]);

	/* calloc must hand back zeroed memory, also after reuse. */
	int zero = 1;
	for (int r = 0; r < 8; r++) {
		size_t sz = (size_t)1 << (10 + r * 2);
		unsigned char *c = calloc(sz, 1);
		if (!c)
			return 1;
		for (size_t i = 0; i < sz; i++)
			zero &= c[i] == 0;
		memset(c, 0xff, sz);
		free(c);
	}
	fact("calloc memory is zero", zero);

	/* An impossible request fails cleanly. */
	errno = 0;
	void *huge = malloc((size_t)1 << 62);
	fact("malloc(2^62) == NULL", huge == NULL);
	printf("errno after malloc(2^62) = %s\n", ename(errno));
	free(huge);
	return 0;
}
