/* setgroups/getgroups: the list set reads back (sorted as given, duplicates kept),
 * getgroups(0) returns the count, a too small buffer is EINVAL, an empty list is
 * allowed, more than NGROUPS_MAX (65536) entries is EINVAL, bad pointers EFAULT, and
 * without CAP_SETGID setgroups is EPERM. The list is inherited by a child. */
#include "conf.h"

#include <grp.h>
#include <sys/wait.h>

static void list(const char *what)
{
	gid_t g[16];
	long n = RAW(SYS_getgroups, 16, g);
	printf("%s:", what);
	if (n < 0)
		printf(" -1 %s", ename((int)-n));
	for (long i = 0; i < n; i++)
		printf(" %d", (int)g[i]);
	printf(" (%ld)\n", n);
}

int main(void)
{
	alarm(5);
	gid_t set[] = { 30, 10, 20, 10 };
	show("setgroups(4: 30 10 20 10)", RAW(SYS_setgroups, 4, set));
	list("getgroups");
	show("getgroups(0, NULL)", RAW(SYS_getgroups, 0, NULL));
	gid_t small[2];
	show("getgroups(2, buf) too small", RAW(SYS_getgroups, 2, small));
	show("getgroups(-1, buf)", RAW(SYS_getgroups, -1, small));
	show("getgroups(4, BADPTR)", RAW(SYS_getgroups, 4, BADPTR));
	show("setgroups(1, BADPTR)", RAW(SYS_setgroups, 1, BADPTR));
	show("setgroups(65537, ...)", RAW(SYS_setgroups, 65537, set));
	show("setgroups(-1, ...)", RAW(SYS_setgroups, -1, set));
	list("unchanged by the failures");

	pid_t c = fork();
	if (c == 0) {
		list("child inherits");
		if (setresuid(1000, 1000, 1000) != 0)
			printf("setresuid failed\n");
		gid_t one[] = { 5 };
		show("unprivileged setgroups(1)", RAW(SYS_setgroups, 1, one));
		show("unprivileged setgroups(0)", RAW(SYS_setgroups, 0, NULL));
		list("unprivileged getgroups");
		fflush(stdout);
		_exit(0);
	}
	int st;
	waitpid(c, &st, 0);

	show("setgroups(0, NULL)", RAW(SYS_setgroups, 0, NULL));
	list("empty");
	show("getgroups(0, NULL) empty", RAW(SYS_getgroups, 0, NULL));
	static gid_t many[1000];
	for (int i = 0; i < 1000; i++)
		many[i] = 1000 - i;
	show("setgroups(1000)", RAW(SYS_setgroups, 1000, many));
	show("getgroups(0, NULL)", RAW(SYS_getgroups, 0, NULL));
	static gid_t back[1000];
	RAW(SYS_getgroups, 1000, back);
	int sorted = 1, same = 1;
	for (int i = 1; i < 1000; i++)
		if (back[i - 1] > back[i])
			sorted = 0;
	for (int i = 0; i < 1000; i++)
		if (back[i] != many[i])
			same = 0;
	printf("1000 groups read back in the order given: %d, sorted: %d\n", same, sorted);
	return 0;
}
