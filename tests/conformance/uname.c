/* uname(2): the fixed fields and sanity of the variable ones. */
#include "conf.h"

#include <ctype.h>
#include <sys/utsname.h>

int main(void)
{
	struct utsname u;

	memset(&u, 0xff, sizeof(u));
	show("uname", RAW(SYS_uname, &u));
	printf("sysname = %s\n", u.sysname);
	printf("machine = %s\n", u.machine);
	fact("release starts with a digit", isdigit((unsigned char)u.release[0]));
	int major = atoi(u.release);
	fact("release major >= 3", major >= 3);
	fact("release has a dot", strchr(u.release, '.') != NULL);
	fact("version non-empty", u.version[0] != 0);
	fact("nodename non-empty", u.nodename[0] != 0);
	fact("all fields NUL-terminated",
	     memchr(u.sysname, 0, sizeof(u.sysname)) && memchr(u.nodename, 0, sizeof(u.nodename)) &&
	     memchr(u.release, 0, sizeof(u.release)) && memchr(u.version, 0, sizeof(u.version)) &&
	     memchr(u.machine, 0, sizeof(u.machine)) && memchr(u.domainname, 0, sizeof(u.domainname)));

	/* gethostname agrees with nodename. */
	char host[65];
	fact("gethostname == nodename", gethostname(host, sizeof(host)) == 0 && strcmp(host, u.nodename) == 0);

	show("uname(BADPTR)", RAW(SYS_uname, BADPTR));
	show("uname(NULL)", RAW(SYS_uname, NULL));
	return 0;
}
