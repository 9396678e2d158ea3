/* sysinfo(2): field sanity only. */
#include "conf.h"

#include <sys/sysinfo.h>

int main(void)
{
	struct sysinfo si;

	memset(&si, 0xff, sizeof(si));
	show("sysinfo", RAW(SYS_sysinfo, &si));
	fact("uptime > 0", si.uptime > 0);
	fact("mem_unit >= 1", si.mem_unit >= 1);
	fact("totalram > 0", si.totalram > 0);
	fact("freeram <= totalram", si.freeram <= si.totalram);
	fact("freeswap <= totalswap", si.freeswap <= si.totalswap);
	fact("totalram >= 64 MiB", (unsigned long long)si.totalram * si.mem_unit >= (64ULL << 20));
	fact("procs >= 1", si.procs >= 1);
	fact("bufferram <= totalram", si.bufferram <= si.totalram);
	fact("totalhigh == 0 (64-bit)", si.totalhigh == 0);
	show("sysinfo(BADPTR)", RAW(SYS_sysinfo, BADPTR));
	show("sysinfo(NULL)", RAW(SYS_sysinfo, NULL));

	struct sysinfo later;
	sysinfo(&later);
	fact("uptime does not go back", later.uptime >= si.uptime);
	return 0;
}
