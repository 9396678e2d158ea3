/* setgid/setregid/setresgid: as root every gid may be set; after dropping the uid
 * (no CAP_SETGID) only switches between the current real, effective and saved gids
 * are allowed; gid -1 in setgid is EINVAL. Each scenario runs in a child. */
#include "conf.h"

#include <sys/wait.h>

static void step(const char *what, long r)
{
	gid_t g[3];
	if (r < 0) {
		printf("  %s = -1 %s\n", what, ename((int)-r));
		return;
	}
	getresgid(&g[0], &g[1], &g[2]);
	printf("  %s: rgid %d egid %d sgid %d\n", what, (int)g[0], (int)g[1], (int)g[2]);
}

static void run(const char *name, void (*f)(void))
{
	printf("%s\n", name);
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		f();
		fflush(stdout);
		_exit(0);
	}
	int st;
	waitpid(c, &st, 0);
}

static void as_root(void)
{
	step("setgid(100)", kret(setgid(100)));
	step("setgid(0) still root", kret(setgid(0)));
	step("setresgid(10, 20, 30)", kret(setresgid(10, 20, 30)));
	step("setregid(40, -1)", kret(setregid(40, -1)));
	step("setregid(-1, 50)", kret(setregid(-1, 50)));
	step("setegid(60)", kret(setegid(60)));
}

static void unprivileged(void)
{
	step("setresgid(10, 20, 30)", kret(setresgid(10, 20, 30)));
	if (setresuid(1000, 1000, 1000) != 0)
		printf("  setresuid failed\n");
	step("setgid(30) (matches sgid)", kret(setgid(30)));
	step("setgid(40)", kret(setgid(40)));
	step("setresgid(30, 10, -1)", kret(setresgid(30, 10, -1)));
	step("setresgid(-1, -1, 99)", kret(setresgid(-1, -1, 99)));
	step("setregid(10, 30)", kret(setregid(10, 30)));
	step("setregid(77, -1)", kret(setregid(77, -1)));
	step("setegid(10)", kret(setegid(10)));
}

static void errors(void)
{
	step("setgid(-1)", RAW(SYS_setgid, -1));
	step("setresgid(-1, -1, -1)", RAW(SYS_setresgid, -1, -1, -1));
	step("setregid(-1, -1)", RAW(SYS_setregid, -1, -1));
	step("getresgid(BADPTR)", RAW(SYS_getresgid, BADPTR, BADPTR, BADPTR));
	step("getgid equals rgid", getgid() == 0 && getegid() == 0 ? 0 : -EINVAL);
}

int main(void)
{
	alarm(5);
	run("as root", as_root);
	run("after setresuid(1000)", unprivileged);
	run("errors", errors);
	return 0;
}
