/* exit_group(2) with a deliberate status: the harness compares it (42). */
#include "conf.h"

int main(void)
{
	printf("about to exit_group(42)\n");
	fflush(stdout);
	syscall(SYS_exit_group, 42);
	printf("still running after exit_group\n");
	return 1;
}
