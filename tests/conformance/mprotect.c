/* mprotect(2): changing protections keeps contents; the range checks. */
#include "conf.h"

#define PAGE 4096UL

int main(void)
{
	unsigned char *p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(p, 0x5c, 4 * PAGE);

	show("mprotect(PROT_READ)", RAW(SYS_mprotect, p, 4 * PAGE, PROT_READ));
	fact("readable after PROT_READ", p[100] == 0x5c);
	show("mprotect(PROT_NONE, middle 2)", RAW(SYS_mprotect, p + PAGE, 2 * PAGE, PROT_NONE));
	show("mprotect(RW, all)", RAW(SYS_mprotect, p, 4 * PAGE, PROT_READ | PROT_WRITE));
	int kept = 1;
	for (unsigned long i = 0; i < 4 * PAGE; i++)
		kept &= p[i] == 0x5c;
	fact("contents kept through PROT_NONE", kept);
	p[PAGE] = 1;
	fact("writable again", p[PAGE] == 1);
	show("mprotect(RWX)", RAW(SYS_mprotect, p, PAGE, PROT_READ | PROT_WRITE | PROT_EXEC));
	show("mprotect(PROT_WRITE only)", RAW(SYS_mprotect, p, PAGE, PROT_WRITE));
	show("mprotect(PROT_EXEC only)", RAW(SYS_mprotect, p, PAGE, PROT_EXEC));
	show("mprotect(RW) back", RAW(SYS_mprotect, p, PAGE, PROT_READ | PROT_WRITE));

	show("mprotect(unaligned)", RAW(SYS_mprotect, p + 1, PAGE, PROT_READ));
	show("mprotect(len 0)", RAW(SYS_mprotect, p, 0, PROT_READ));
	show("mprotect(len 1) rounds up", RAW(SYS_mprotect, p, 1, PROT_READ | PROT_WRITE));
	show("mprotect(bad prot 0x100)", RAW(SYS_mprotect, p, PAGE, 0x100));
	show("mprotect(PROT_GROWSDOWN, plain mapping)", RAW(SYS_mprotect, p, PAGE, PROT_READ | PROT_GROWSDOWN));
	show("mprotect(GROWSUP|GROWSDOWN)", RAW(SYS_mprotect, p, PAGE, PROT_READ | PROT_GROWSDOWN | PROT_GROWSUP));

	/* Holes make the call fail with ENOMEM. */
	munmap(p + 2 * PAGE, PAGE);
	show("mprotect(range with a hole)", RAW(SYS_mprotect, p, 4 * PAGE, PROT_READ));
	show("mprotect(just the hole)", RAW(SYS_mprotect, p + 2 * PAGE, PAGE, PROT_READ));
	show("mprotect(up to the hole)", RAW(SYS_mprotect, p, 2 * PAGE, PROT_READ));
	show("mprotect(after the hole)", RAW(SYS_mprotect, p + 3 * PAGE, PAGE, PROT_READ));
	show("mprotect(len 2^62)", RAW(SYS_mprotect, p, 1UL << 62, PROT_READ));
	show("mprotect(non-canonical)", RAW(SYS_mprotect, 1UL << 63, PAGE, PROT_READ));
	munmap(p, 4 * PAGE);
	show("mprotect(unmapped)", RAW(SYS_mprotect, p, PAGE, PROT_READ));

	/* The stack of a grows-down mapping accepts PROT_GROWSDOWN. */
	unsigned char *g = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN, -1, 0);
	show("mprotect(GROWSDOWN mapping, PROT_GROWSDOWN)", RAW(SYS_mprotect, g + 2 * PAGE, PAGE, PROT_READ | PROT_WRITE | PROT_GROWSDOWN));
	munmap(g, 4 * PAGE);

	/* Code and read-only data of the program itself. */
	unsigned long text = (unsigned long)main & ~(PAGE - 1);
	show("mprotect(own text, R+X)", RAW(SYS_mprotect, text, PAGE, PROT_READ | PROT_EXEC));
	return 0;
}
