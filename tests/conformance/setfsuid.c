/* setfsuid/setfsgid: they return the previous value (also when the change is refused),
 * follow the effective id when it changes, and an unprivileged process may set them
 * only to one of its real, effective or saved ids (or the current fs id). */
#include "conf.h"

#include <sys/fsuid.h>
#include <sys/wait.h>

static int cur_fsuid(void)
{
	return setfsuid(-1);
}

static int cur_fsgid(void)
{
	return setfsgid(-1);
}

static void fsu(const char *what, int v)
{
	int old = setfsuid(v);
	int now = cur_fsuid();
	printf("%s -> returns %d, now %d\n", what, old, now);
}

static void fsg(const char *what, int v)
{
	int old = setfsgid(v);
	int now = cur_fsgid();
	printf("%s -> returns %d, now %d\n", what, old, now);
}

int main(void)
{
	alarm(5);
	printf("fsuid starts as euid: %d, fsgid as egid: %d\n", cur_fsuid() == (int)geteuid(),
	       cur_fsgid() == (int)getegid());
	pid_t c = fork();
	if (c == 0) {
		fsu("setfsuid(1000)", 1000);
		printf("euid unchanged: %d\n", (int)geteuid());
		fsu("setfsuid(0)", 0);
		fsg("setfsgid(500)", 500);
		fsg("setfsgid(0)", 0);
		if (setresuid(1000, 2000, 3000) != 0)
			printf("setresuid failed\n");
		printf("after setresuid(1000, 2000, 3000): fsuid %d\n", cur_fsuid());
		fsu("setfsuid(3000) (saved)", 3000);
		fsu("setfsuid(1000) (real)", 1000);
		fsu("setfsuid(4000) refused", 4000);
		fsu("setfsuid(0) refused", 0);
		printf("seteuid(3000): fsuid follows: %d\n", seteuid(3000) == 0 && cur_fsuid() == 3000);
		fsg("setfsgid(0) (rgid)", 0);
		fsg("setfsgid(700) refused", 700);
		printf("raw setfsuid(-1) -> %ld\n", RAW(SYS_setfsuid, -1));
		fflush(stdout);
		_exit(0);
	}
	int st;
	waitpid(c, &st, 0);
	return 0;
}
