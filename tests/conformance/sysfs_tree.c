/* sysfs: the directories runtimes look at exist (/sys/fs/cgroup, transparent huge
 * pages), /proc/mounts lists sysfs, and a read of a sysfs file reads it whole. */
#include "conf.h"
#include <sys/stat.h>

int main(void)
{
	struct stat st;
	char buf[256];

	fact("/sys/fs/cgroup is a directory", stat("/sys/fs/cgroup", &st) == 0 && S_ISDIR(st.st_mode));
	fact("/sys/devices/system/cpu is a directory",
	     stat("/sys/devices/system/cpu", &st) == 0 && S_ISDIR(st.st_mode));
	int fd = open("/sys/kernel/mm/transparent_hugepage/enabled", O_RDONLY);
	long n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	fact("thp enabled readable", n > 0);
	if (n > 0) {
		buf[n] = 0;
		fact("thp enabled has a [choice]", strchr(buf, '[') && strchr(buf, ']'));
		fact("thp enabled ends with a newline", buf[n - 1] == '\n');
	}
	if (fd >= 0)
		close(fd);
	fd = open("/sys/devices/system/cpu/online", O_RDONLY);
	char one;
	show("read 1 byte", read(fd, &one, 1));
	show("lseek back", lseek(fd, 0, SEEK_SET));
	n = read(fd, buf, sizeof(buf));
	fact("online ends with a newline", n > 0 && buf[n - 1] == '\n');
	show("read at end", read(fd, buf, sizeof(buf)));
	close(fd);
	show("open cpu dir O_DIRECTORY", kret(open("/sys/devices/system/cpu", O_RDONLY | O_DIRECTORY)) >= 0);
	show("open missing", kret(open("/sys/devices/system/cpu/nonexistent", O_RDONLY)));
	show("open file as dir", kret(open("/sys/devices/system/cpu/online/x", O_RDONLY)));

	FILE *m = fopen("/proc/mounts", "r");
	int found = 0;
	while (m && fgets(buf, sizeof(buf), m)) {
		char src[64], point[64], type[64];
		if (sscanf(buf, "%63s %63s %63s", src, point, type) == 3 && strcmp(point, "/sys") == 0 &&
		    strcmp(type, "sysfs") == 0)
			found = 1;
	}
	if (m)
		fclose(m);
	fact("/proc/mounts lists sysfs at /sys", found);
	return 0;
}
