/* setuid/setreuid/setresuid as root and after dropping privileges: which of the real,
 * effective and saved uids each call changes, what an unprivileged process may still
 * switch between, EPERM otherwise, EINVAL for uid -1 in setuid, and EFAULT from
 * getresuid. Each scenario runs in a child, starting as root. */
#include "conf.h"

#include <sys/wait.h>

static void ids(const char *what)
{
	uid_t r, e, s;
	getresuid(&r, &e, &s);
	printf("  %s: ruid %d euid %d suid %d\n", what, (int)r, (int)e, (int)s);
}

static void step(const char *what, long r)
{
	if (r < 0)
		printf("  %s = -1 %s\n", what, ename((int)-r));
	else
		ids(what);
}

#define SCENARIO(name) for (pid_t c_ = (printf("%s\n", name), fflush(stdout), fork()); c_ >= 0; c_ = wait_for(c_))

static pid_t wait_for(pid_t c)
{
	if (c == 0) {
		fflush(stdout);
		_exit(0);
	}
	int st;
	waitpid(c, &st, 0);
	return -1;
}

int main(void)
{
	alarm(5);
	ids("start");
	SCENARIO("setuid(1000) as root")
	{
		if (c_ == 0) {
			step("setuid(1000)", kret(setuid(1000)));
			step("setuid(0)", kret(setuid(0)));
			step("setuid(1000) again", kret(setuid(1000)));
			step("setresuid(-1, 0, -1)", kret(setresuid(-1, 0, -1)));
		}
	}
	SCENARIO("effective uid only")
	{
		if (c_ == 0) {
			step("setresuid(-1, 1000, -1)", kret(setresuid(-1, 1000, -1)));
			step("setuid(2000) unprivileged", kret(setuid(2000)));
			step("setuid(0) (matches ruid)", kret(setuid(0)));
			step("seteuid(1000)", kret(seteuid(1000)));
			step("seteuid(0)", kret(seteuid(0)));
		}
	}
	SCENARIO("setresuid(1000, 2000, 3000)")
	{
		if (c_ == 0) {
			step("setresuid(1000, 2000, 3000)", kret(setresuid(1000, 2000, 3000)));
			step("setresuid(3000, -1, -1)", kret(setresuid(3000, -1, -1)));
			step("setresuid(-1, 1000, 2000)", kret(setresuid(-1, 1000, 2000)));
			step("setresuid(4000, -1, -1)", kret(setresuid(4000, -1, -1)));
			step("setresuid(-1, -1, -1)", kret(setresuid(-1, -1, -1)));
			step("setuid(0)", kret(setuid(0)));
			step("setuid(3000) (matches ruid)", kret(setuid(3000)));
		}
	}
	SCENARIO("setreuid")
	{
		if (c_ == 0) {
			step("setreuid(1000, 2000)", kret(setreuid(1000, 2000)));
			step("setreuid(2000, 1000) swap", kret(setreuid(2000, 1000)));
			step("setreuid(-1, 2000)", kret(setreuid(-1, 2000)));
			step("setreuid(3000, -1)", kret(setreuid(3000, -1)));
			step("setreuid(-1, -1)", kret(setreuid(-1, -1)));
		}
	}
	SCENARIO("setreuid keeping the saved uid")
	{
		if (c_ == 0) {
			step("setreuid(-1, 0) as root", kret(setreuid(-1, 0)));
			step("setreuid(-1, 1000)", kret(setreuid(-1, 1000)));
			step("setreuid(-1, 0) back", kret(setreuid(-1, 0)));
		}
	}
	SCENARIO("errors")
	{
		if (c_ == 0) {
			step("setuid(-1)", RAW(SYS_setuid, -1));
			step("setresuid(-1, -1, -1)", RAW(SYS_setresuid, -1, -1, -1));
			step("getresuid(BADPTR)", RAW(SYS_getresuid, BADPTR, BADPTR, BADPTR));
			uid_t r, e;
			step("getresuid(r, e, NULL)", RAW(SYS_getresuid, &r, &e, NULL));
			step("setuid(65534)", kret(setuid(65534)));
			step("setreuid(0, -1)", kret(setreuid(0, -1)));
			step("setresuid(-1, -1, 0)", kret(setresuid(-1, -1, 0)));
		}
	}
	return 0;
}
