/* The auxiliary vector the loader hands to the program. */
#include "conf.h"

#include <elf.h>
#include <link.h>
#include <sys/auxv.h>

extern char _start[];

int main(int argc, char **argv)
{
	(void)argc;
	printf("AT_PAGESZ = %lu\n", getauxval(AT_PAGESZ));
	printf("AT_CLKTCK = %lu\n", getauxval(AT_CLKTCK));
	printf("AT_SECURE = %lu\n", getauxval(AT_SECURE));
	fact("AT_PHENT == sizeof(Elf64_Phdr)", getauxval(AT_PHENT) == sizeof(Elf64_Phdr));

	const unsigned char *rnd = (const unsigned char *)getauxval(AT_RANDOM);
	fact("AT_RANDOM non-null", rnd != NULL);
	if (rnd) {
		int nonzero = 0;
		for (int i = 0; i < 16; i++)
			nonzero |= rnd[i];
		fact("AT_RANDOM bytes not all zero", nonzero != 0);
	}

	const char *execfn = (const char *)getauxval(AT_EXECFN);
	fact("AT_EXECFN non-null", execfn != NULL);
	fact("AT_EXECFN equals argv[0]", execfn && strcmp(execfn, argv[0]) == 0);

	const char *platform = (const char *)getauxval(AT_PLATFORM);
	printf("AT_PLATFORM = %s\n", platform ? platform : "(null)");

	unsigned long entry = getauxval(AT_ENTRY);
	fact("AT_ENTRY == &_start", entry == (unsigned long)_start);

	fact("AT_UID == getuid()", getauxval(AT_UID) == getuid());
	fact("AT_EUID == geteuid()", getauxval(AT_EUID) == geteuid());
	fact("AT_GID == getgid()", getauxval(AT_GID) == getgid());
	fact("AT_EGID == getegid()", getauxval(AT_EGID) == getegid());

	const ElfW(Phdr) *phdr = (const ElfW(Phdr) *)getauxval(AT_PHDR);
	unsigned long phnum = getauxval(AT_PHNUM);
	fact("AT_PHDR non-null", phdr != NULL);
	fact("AT_PHNUM in 1..64", phnum >= 1 && phnum <= 64);

	int loads = 0, interp = 0, has_phdr = 0, entry_in_exec = 0;
	/* The load bias: where PT_PHDR says the headers are vs. where they are. */
	unsigned long bias = 0;
	for (unsigned long i = 0; phdr && i < phnum; i++)
		if (phdr[i].p_type == PT_PHDR) {
			has_phdr = 1;
			bias = (unsigned long)phdr - phdr[i].p_vaddr;
		}
	if (!has_phdr) {
		/* Non-PIE static binaries may lack PT_PHDR; then no bias. */
		bias = 0;
	}
	for (unsigned long i = 0; phdr && i < phnum; i++) {
		if (phdr[i].p_type == PT_LOAD) {
			unsigned long lo = bias + phdr[i].p_vaddr;
			unsigned long hi = lo + phdr[i].p_memsz;

			loads++;
			if ((phdr[i].p_flags & PF_X) && entry >= lo && entry < hi)
				entry_in_exec = 1;
		}
		if (phdr[i].p_type == PT_INTERP)
			interp = 1;
	}
	fact("has PT_LOAD", loads > 0);
	fact("has PT_INTERP", interp);
	fact("AT_ENTRY inside an executable PT_LOAD", entry_in_exec);
	fact("AT_BASE non-zero", getauxval(AT_BASE) != 0);
	fact("AT_BASE non-zero iff PT_INTERP", (getauxval(AT_BASE) != 0) == interp);

	errno = 0;
	unsigned long missing = getauxval(0x7fff);
	fact("getauxval(unknown) == 0 with ENOENT", missing == 0 && errno == ENOENT);
	return 0;
}
