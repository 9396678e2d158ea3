/* getrlimit(2), setrlimit(2), prlimit64(2) and their enforcement. */
#include "conf.h"

#include <sys/resource.h>

int main(void)
{
	struct rlimit rl, old, got;

	show("getrlimit(NOFILE)", RAW(SYS_getrlimit, RLIMIT_NOFILE, &old));
	fact("soft <= hard", old.rlim_cur <= old.rlim_max);
	fact("soft >= 64", old.rlim_cur >= 64);

	rl.rlim_cur = 64;
	rl.rlim_max = old.rlim_max;
	show("setrlimit(NOFILE, soft 64)", RAW(SYS_setrlimit, RLIMIT_NOFILE, &rl));
	RAW(SYS_getrlimit, RLIMIT_NOFILE, &got);
	fact("soft reads back 64", got.rlim_cur == 64);
	fact("hard unchanged", got.rlim_max == old.rlim_max);

	/* The new limit is enforced on descriptor allocation. */
	int count = 0;
	long last;
	for (;;) {
		last = RAW(SYS_dup, 0);
		if (last < 0)
			break;
		count++;
	}
	printf("dup() succeeded %d times (fds 3..63)\n", count);
	show("next dup", last);
	show("fcntl(F_DUPFD, 64)", kret(fcntl(0, F_DUPFD, 64)));
	show("dup2(0, 64)", RAW(SYS_dup2, 0, 64));
	for (int fd = 3; fd < 64; fd++)
		close(fd);

	rl.rlim_cur = 100;
	rl.rlim_max = 50;
	show("setrlimit(soft > hard)", RAW(SYS_setrlimit, RLIMIT_NOFILE, &rl));
	show("setrlimit(resource 99)", RAW(SYS_setrlimit, 99, &old));
	show("getrlimit(resource 99)", RAW(SYS_getrlimit, 99, &got));
	show("getrlimit(BADPTR)", RAW(SYS_getrlimit, RLIMIT_NOFILE, BADPTR));
	show("setrlimit(BADPTR)", RAW(SYS_setrlimit, RLIMIT_NOFILE, BADPTR));

	/* prlimit64: read, set-and-read-old, pid checks. */
	struct rlimit pr;
	show("prlimit64(0, NOFILE, NULL, &old)", RAW(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &pr));
	fact("prlimit64 agrees with getrlimit", pr.rlim_cur == 64 && pr.rlim_max == old.rlim_max);
	rl.rlim_cur = 80;
	rl.rlim_max = old.rlim_max;
	show("prlimit64(0, NOFILE, 80, &old)", RAW(SYS_prlimit64, 0, RLIMIT_NOFILE, &rl, &pr));
	fact("old value returned is 64", pr.rlim_cur == 64);
	RAW(SYS_getrlimit, RLIMIT_NOFILE, &got);
	fact("new soft is 80", got.rlim_cur == 80);
	show("prlimit64(getpid())", RAW(SYS_prlimit64, getpid(), RLIMIT_NOFILE, NULL, &pr));
	show("prlimit64(no such pid)", RAW(SYS_prlimit64, 0x3fffffff, RLIMIT_NOFILE, NULL, &pr));
	show("prlimit64(resource 99)", RAW(SYS_prlimit64, 0, 99, NULL, &pr));
	show("prlimit64(NULL, NULL)", RAW(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, NULL));
	rl.rlim_cur = 100;
	rl.rlim_max = 50;
	show("prlimit64(soft > hard)", RAW(SYS_prlimit64, 0, RLIMIT_NOFILE, &rl, NULL));
	show("prlimit64(BADPTR old)", RAW(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, BADPTR));
	show("setrlimit(NOFILE, original)", RAW(SYS_setrlimit, RLIMIT_NOFILE, &old));

	/* Every standard resource can be read. */
	int readable = 1;
	for (int res = 0; res < RLIM_NLIMITS; res++)
		readable &= RAW(SYS_prlimit64, 0, res, NULL, &pr) == 0 && pr.rlim_cur <= pr.rlim_max;
	fact("all resources readable with soft <= hard", readable);

	/* RLIMIT_AS is enforced by mmap. */
	struct rlimit as;
	getrlimit(RLIMIT_AS, &as);
	rl.rlim_cur = 1UL << 30;
	rl.rlim_max = as.rlim_max;
	show("setrlimit(AS, 1 GiB)", RAW(SYS_setrlimit, RLIMIT_AS, &rl));
	show_ok("mmap(1 MiB) under 1 GiB AS", RAW(SYS_mmap, NULL, 1 << 20, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
	show("mmap(2 GiB) under 1 GiB AS", RAW(SYS_mmap, NULL, 2UL << 30, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
	show("setrlimit(AS, original)", RAW(SYS_setrlimit, RLIMIT_AS, &as));
	return 0;
}
