/* Process and user identity calls: consistency, never the values. */
#include "conf.h"

int main(void)
{
	long pid = RAW(SYS_getpid), ppid = RAW(SYS_getppid), tid = RAW(SYS_gettid);

	fact("getpid() > 0", pid > 0);
	fact("getppid() > 0", ppid > 0);
	fact("getppid() != getpid()", ppid != pid);
	fact("gettid() == getpid() (single thread)", tid == pid);
	fact("getpid() stable", RAW(SYS_getpid) == pid);
	fact("libc getpid() agrees", getpid() == pid);
	fact("libc gettid() agrees", gettid() == tid);

	long uid = RAW(SYS_getuid), euid = RAW(SYS_geteuid);
	long gid = RAW(SYS_getgid), egid = RAW(SYS_getegid);
	fact("getuid() >= 0", uid >= 0);
	fact("getgid() >= 0", gid >= 0);
	fact("getuid() == geteuid()", uid == euid);
	fact("getgid() == getegid()", gid == egid);

	uid_t r, e, s;
	show("getresuid", RAW(SYS_getresuid, &r, &e, &s));
	fact("getresuid agrees", r == (uid_t)uid && e == (uid_t)euid && s == (uid_t)euid);
	gid_t gr, ge, gs;
	show("getresgid", RAW(SYS_getresgid, &gr, &ge, &gs));
	fact("getresgid agrees", gr == (gid_t)gid && ge == (gid_t)egid && gs == (gid_t)egid);
	show("getresuid(BADPTR)", RAW(SYS_getresuid, BADPTR, &e, &s));
	show("getresgid(BADPTR)", RAW(SYS_getresgid, &gr, &ge, BADPTR));

	long ngroups = RAW(SYS_getgroups, 0, NULL);
	fact("getgroups(0) >= 0", ngroups >= 0);
	gid_t groups[256];
	fact("getgroups() returns the same count", RAW(SYS_getgroups, 256, groups) == ngroups);
	fact("getgroups(too small) fails with EINVAL",
	     ngroups == 0 || RAW(SYS_getgroups, ngroups - 1, groups) == -EINVAL);
	show("getgroups(-1)", RAW(SYS_getgroups, -1, groups));

	fact("getpgid(0) > 0", RAW(SYS_getpgid, 0) > 0);
	fact("getpgrp() == getpgid(0)", RAW(SYS_getpgrp) == RAW(SYS_getpgid, 0));
	fact("getsid(0) > 0", RAW(SYS_getsid, 0) > 0);
	return 0;
}
