/*
 * exit(2) (not exit_group) from the only thread ends the whole process,
 * with that thread's status (7). Buffered stdio is not flushed by the raw
 * call, so flush first.
 */
#include "conf.h"

int main(void)
{
	printf("about to exit(7) from the only thread\n");
	fflush(stdout);
	syscall(SYS_exit, 7);
	printf("still running after exit\n");
	return 1;
}
