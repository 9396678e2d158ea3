/* sysfs: /sys/devices/system/cpu/{online,possible,present} and the cpuN directories
 * agree with sysconf and sched_getaffinity. */
#include "conf.h"
#include <dirent.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/vfs.h>

/* The number of CPUs in a list like "0-3,5\n"; -1 if it does not parse. */
static long count_list(const char *path)
{
	char buf[256];
	int fd = open(path, O_RDONLY);
	long n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	long total = 0;
	char *p = buf;
	while (*p && *p != '\n') {
		char *end;
		long a = strtol(p, &end, 10), b = a;
		if (end == p)
			return -1;
		if (*end == '-')
			b = strtol(end + 1, &end, 10);
		total += b - a + 1;
		p = *end == ',' ? end + 1 : end;
	}
	return total;
}

int main(void)
{
	long conf = sysconf(_SC_NPROCESSORS_CONF), onln = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;
	long affinity = -1;

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		affinity = CPU_COUNT(&set);
	long online = count_list("/sys/devices/system/cpu/online");
	long possible = count_list("/sys/devices/system/cpu/possible");
	long present = count_list("/sys/devices/system/cpu/present");
	fact("online == _SC_NPROCESSORS_ONLN", online == onln);
	fact("possible >= online", possible >= online);
	fact("present >= online", present >= online);
	fact("_SC_NPROCESSORS_CONF >= online", conf >= online);
	fact("affinity <= online", affinity > 0 && affinity <= online);

	DIR *d = opendir("/sys/devices/system/cpu");
	long dirs = 0;
	struct dirent *e;
	while (d && (e = readdir(d))) {
		char *end;
		if (strncmp(e->d_name, "cpu", 3) == 0 && e->d_name[3] >= '0' && e->d_name[3] <= '9') {
			strtol(e->d_name + 3, &end, 10);
			if (*end == 0 && e->d_type == DT_DIR)
				dirs++;
		}
	}
	if (d)
		closedir(d);
	fact("cpuN directories == present", dirs == present);
	struct stat st;
	fact("cpu0 is a directory", stat("/sys/devices/system/cpu/cpu0", &st) == 0 && S_ISDIR(st.st_mode));
	show("stat cpu99999", kret(stat("/sys/devices/system/cpu/cpu99999", &st)));
	struct statfs sf;
	show_ok("statfs /sys", kret(statfs("/sys", &sf)));
	fact("f_type is SYSFS_MAGIC", sf.f_type == 0x62656572);
	show_ok("statfs cpu/online", kret(statfs("/sys/devices/system/cpu/online", &sf)));
	fact("f_type is SYSFS_MAGIC", sf.f_type == 0x62656572);
	fact("online is a regular file", stat("/sys/devices/system/cpu/online", &st) == 0 && S_ISREG(st.st_mode));
	printf("online mode = %o\n", st.st_mode & 07777);
	return 0;
}
