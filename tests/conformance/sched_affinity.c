/* sched_getaffinity(2)/sched_setaffinity(2) size rules, sched_yield(2). */
#include "conf.h"

#include <sched.h>

int main(void)
{
	unsigned long mask[16], again[16];

	memset(mask, 0, sizeof(mask));
	long r = RAW(SYS_sched_getaffinity, 0, sizeof(mask), mask);
	fact("sched_getaffinity(0, 128) > 0", r > 0);
	fact("returned size is a multiple of 8", r > 0 && r % 8 == 0);
	fact("returned size <= 128", r <= 128);
	int cpus = 0;
	for (int i = 0; i < 16; i++)
		cpus += __builtin_popcountl(mask[i]);
	fact("at least one CPU allowed", cpus >= 1);

	memset(again, 0, sizeof(again));
	long self = RAW(SYS_sched_getaffinity, getpid(), sizeof(again), again);
	fact("pid 0 and own pid agree", self == r && memcmp(mask, again, sizeof(mask)) == 0);

	show("sched_getaffinity(len 1)", RAW(SYS_sched_getaffinity, 0, 1, mask));
	show("sched_getaffinity(len 7)", RAW(SYS_sched_getaffinity, 0, 7, mask));
	show("sched_getaffinity(len 0)", RAW(SYS_sched_getaffinity, 0, 0, mask));
	show("sched_getaffinity(len 12)", RAW(SYS_sched_getaffinity, 0, 12, mask));
	show("sched_getaffinity(BADPTR)", RAW(SYS_sched_getaffinity, 0, sizeof(mask), BADPTR));
	show("sched_getaffinity(no such pid)", RAW(SYS_sched_getaffinity, 0x3fffffff, sizeof(mask), mask));

	show("sched_setaffinity(same mask)", RAW(SYS_sched_setaffinity, 0, sizeof(mask), mask));
	memset(again, 0, sizeof(again));
	RAW(SYS_sched_getaffinity, 0, sizeof(again), again);
	fact("mask unchanged", memcmp(mask, again, sizeof(mask)) == 0);
	unsigned long none[16] = { 0 };
	show("sched_setaffinity(empty mask)", RAW(SYS_sched_setaffinity, 0, sizeof(none), none));
	show("sched_setaffinity(BADPTR)", RAW(SYS_sched_setaffinity, 0, sizeof(mask), BADPTR));

	cpu_set_t set;
	CPU_ZERO(&set);
	fact("libc sched_getaffinity agrees", sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) == cpus);

	show("sched_yield", RAW(SYS_sched_yield));
	long cpu = -1;
	unsigned cpu_u = 0, node = 0;
	cpu = RAW(SYS_getcpu, &cpu_u, &node, NULL);
	fact("getcpu() names an allowed CPU", cpu == 0 && cpu_u < 1024 && (mask[cpu_u / 64] >> (cpu_u % 64)) & 1);
	return 0;
}
