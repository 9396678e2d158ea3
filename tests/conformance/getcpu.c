/* getcpu(2): the cpu is one the process may run on (pinned to a single cpu it is that
 * cpu), the node is one that exists, NULL arguments are allowed, bad pointers EFAULT. */
#include "conf.h"

#include <sched.h>

int main(void)
{
	alarm(5);
	cpu_set_t set;
	CPU_ZERO(&set);
	sched_getaffinity(0, sizeof(set), &set);
	unsigned cpu = 9999, node = 9999;
	show("getcpu(&cpu, &node, NULL)", RAW(SYS_getcpu, &cpu, &node, NULL));
	fact("cpu is in the affinity mask", cpu < CPU_SETSIZE && CPU_ISSET(cpu, &set));
	fact("node < 64", node < 64);
	show("getcpu(NULL, NULL, NULL)", RAW(SYS_getcpu, NULL, NULL, NULL));
	show("getcpu(&cpu, NULL, NULL)", RAW(SYS_getcpu, &cpu, NULL, NULL));
	show("getcpu(BADPTR, NULL, NULL)", RAW(SYS_getcpu, BADPTR, NULL, NULL));
	show("getcpu(NULL, BADPTR, NULL)", RAW(SYS_getcpu, NULL, BADPTR, NULL));

	/* Pin to the lowest allowed cpu and ask again. */
	int first = -1;
	for (int i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &set)) {
			first = i;
			break;
		}
	cpu_set_t one;
	CPU_ZERO(&one);
	CPU_SET(first, &one);
	show("sched_setaffinity(lowest cpu)", kret(sched_setaffinity(0, sizeof(one), &one)));
	sched_yield();
	cpu = 9999;
	RAW(SYS_getcpu, &cpu, NULL, NULL);
	fact("pinned: getcpu reports that cpu", (int)cpu == first);
	fact("libc sched_getcpu agrees", sched_getcpu() == first);
	sched_setaffinity(0, sizeof(set), &set);
	return 0;
}
