/* sigaltstack(2): set, read back, disable, and the checks. */
#include "conf.h"

#include <signal.h>

#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1U << 31)
#endif

static long sas(const stack_t *ss, stack_t *old)
{
	return RAW(SYS_sigaltstack, ss, old);
}

int main(void)
{
	stack_t ss, old;
	static char stack1[65536], stack2[32768];

	memset(&old, 0xff, sizeof(old));
	show("query", sas(NULL, &old));
	fact("initially SS_DISABLE", old.ss_flags == SS_DISABLE);
	fact("initially size 0", old.ss_size == 0);
	fact("initially sp NULL", old.ss_sp == NULL);

	ss.ss_sp = stack1;
	ss.ss_size = sizeof(stack1);
	ss.ss_flags = 0;
	show("set 64 KiB stack", sas(&ss, NULL));
	memset(&old, 0, sizeof(old));
	sas(NULL, &old);
	fact("sp reads back", old.ss_sp == stack1);
	fact("size reads back", old.ss_size == sizeof(stack1));
	printf("flags = %d\n", old.ss_flags);

	ss.ss_sp = stack2;
	ss.ss_size = sizeof(stack2);
	show("replace with 32 KiB, get old", sas(&ss, &old));
	fact("old is the 64 KiB stack", old.ss_sp == stack1 && old.ss_size == sizeof(stack1));

	ss.ss_flags = SS_AUTODISARM;
	show("set with SS_AUTODISARM", sas(&ss, NULL));
	sas(NULL, &old);
	printf("flags with SS_AUTODISARM = %#x\n", (unsigned)old.ss_flags);

	ss.ss_flags = SS_ONSTACK;
	show("set with SS_ONSTACK (accepted as 0)", sas(&ss, NULL));
	sas(NULL, &old);
	printf("flags after SS_ONSTACK = %d\n", old.ss_flags);

	ss.ss_size = 1024;
	ss.ss_flags = 0;
	show("size 1024", sas(&ss, NULL));
	ss.ss_size = 0;
	show("size 0", sas(&ss, NULL));
	sas(NULL, &old);
	fact("failed calls left the 32 KiB stack", old.ss_sp == stack2 && old.ss_size == sizeof(stack2));

	ss.ss_size = sizeof(stack2);
	ss.ss_flags = 0x10;
	show("bad flags 0x10", sas(&ss, NULL));
	ss.ss_flags = SS_DISABLE | 0x10;
	show("SS_DISABLE|0x10", sas(&ss, NULL));
	show("ss BADPTR", sas(BADPTR, NULL));
	show("old BADPTR", sas(NULL, BADPTR));
	show("NULL, NULL", sas(NULL, NULL));

	/* Disabling ignores the size; afterwards it reads as disabled. */
	ss.ss_sp = NULL;
	ss.ss_size = 1;
	ss.ss_flags = SS_DISABLE;
	show("SS_DISABLE", sas(&ss, NULL));
	memset(&old, 0xff, sizeof(old));
	sas(NULL, &old);
	fact("disabled again", old.ss_flags == SS_DISABLE);
	fact("size 0 when disabled", old.ss_size == 0);
	return 0;
}
