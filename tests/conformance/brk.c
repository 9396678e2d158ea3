/* brk(2): growing, shrinking, refusing, and zero-filling on regrowth. */
#include "conf.h"

#define PAGE 4096UL
#define MIB (1UL << 20)

int main(void)
{
	/* stdio allocates its buffer on first use; get that out of the way
	 * before measuring the break, and print nothing until the end. */
	printf("brk checks\n");

	unsigned long cur = (unsigned long)syscall(SYS_brk, 0);
	unsigned long again = (unsigned long)syscall(SYS_brk, 0);
	unsigned long grown = (unsigned long)syscall(SYS_brk, cur + MIB);
	unsigned char *p = (unsigned char *)cur;
	memset(p, 0xab, MIB);
	int kept = 1;
	for (unsigned long i = 0; i < MIB; i += 4096)
		kept &= p[i] == 0xab;
	unsigned long shrunk = (unsigned long)syscall(SYS_brk, cur);
	unsigned long regrown = (unsigned long)syscall(SYS_brk, cur + MIB);
	/* Whole pages above the old break were dropped and must be zero. */
	unsigned long first_page = (cur + PAGE - 1) & ~(PAGE - 1);
	int zero = 1;
	for (unsigned long a = first_page; a < cur + MIB; a++)
		zero &= *(unsigned char *)a == 0;
	unsigned long unaligned = (unsigned long)syscall(SYS_brk, cur + MIB + 123);
	unsigned long too_low = (unsigned long)syscall(SYS_brk, 4096);
	unsigned long too_high = (unsigned long)syscall(SYS_brk, cur + (1UL << 62));
	unsigned long after_fail = (unsigned long)syscall(SYS_brk, 0);
	unsigned long restored = (unsigned long)syscall(SYS_brk, cur);
	/* An mmap placed right above the break blocks growth into it. */
	unsigned long cur_page = (cur + PAGE - 1) & ~(PAGE - 1);
	void *block = mmap((void *)(cur_page + 4 * PAGE), PAGE, PROT_READ,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	unsigned long blocked = (unsigned long)syscall(SYS_brk, cur_page + 8 * PAGE);
	unsigned long below_block = (unsigned long)syscall(SYS_brk, cur_page + 2 * PAGE);
	if (block != MAP_FAILED)
		munmap(block, PAGE);
	unsigned long final = (unsigned long)syscall(SYS_brk, cur);

	fact("brk(0) > 0", cur > 0);
	fact("brk(0) is stable", again == cur);
	fact("grow by 1 MiB returns the new break", grown == cur + MIB);
	fact("grown memory is writable", kept);
	fact("shrink returns the old break", shrunk == cur);
	fact("regrow returns the new break", regrown == cur + MIB);
	fact("regrown pages are zero", zero);
	fact("unaligned break accepted as is", unaligned == cur + MIB + 123);
	fact("brk below the start fails (returns current)", too_low == cur + MIB + 123);
	fact("brk beyond the address space fails (returns current)", too_high == cur + MIB + 123);
	fact("break unchanged by failures", after_fail == cur + MIB + 123);
	fact("restore to the start", restored == cur);
	fact("mapping above the break placed", block != MAP_FAILED);
	fact("growth into a mapping fails", blocked == cur);
	fact("growth below a mapping works", below_block == cur_page + 2 * PAGE);
	fact("final restore", final == cur);

	/* malloc still works after all this. */
	char *m = malloc(100000);
	fact("malloc after brk games", m != NULL);
	free(m);
	return 0;
}
