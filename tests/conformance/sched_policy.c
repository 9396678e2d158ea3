/* sched_getscheduler/sched_setscheduler/sched_getparam/sched_setparam and the priority
 * ranges: SCHED_OTHER/BATCH/IDLE take priority 0 only, FIFO/RR take 1..99, unknown
 * policies and bad arguments are EINVAL, absent pids ESRCH. Real-time policies are
 * only probed with invalid priorities, which fail before any permission check.
 * A forked child inherits the policy; SCHED_RESET_ON_FORK resets it. */
#include "conf.h"

#include <sched.h>
#include <sys/wait.h>

#ifndef SCHED_IDLE
#define SCHED_IDLE 5
#endif
#ifndef SCHED_RESET_ON_FORK
#define SCHED_RESET_ON_FORK 0x40000000
#endif

static const char *pol(long p)
{
	switch (p & ~SCHED_RESET_ON_FORK) {
	case SCHED_OTHER: return "SCHED_OTHER";
	case SCHED_FIFO: return "SCHED_FIFO";
	case SCHED_RR: return "SCHED_RR";
	case SCHED_BATCH: return "SCHED_BATCH";
	case SCHED_IDLE: return "SCHED_IDLE";
	default: return "other";
	}
}

static void setp(const char *what, int policy, int prio)
{
	struct sched_param sp = { .sched_priority = prio };
	show(what, RAW(SYS_sched_setscheduler, 0, policy, &sp));
}

static void getp(const char *what)
{
	long r = RAW(SYS_sched_getscheduler, 0);
	struct sched_param sp = { .sched_priority = -1 };
	RAW(SYS_sched_getparam, 0, &sp);
	printf("%s: %s%s, priority %d\n", what, r < 0 ? ename((int)-r) : pol(r),
	       r >= 0 && (r & SCHED_RESET_ON_FORK) ? "|RESET_ON_FORK" : "", sp.sched_priority);
}

int main(void)
{
	alarm(5);
	int pols[] = { SCHED_OTHER, SCHED_FIFO, SCHED_RR, SCHED_BATCH, SCHED_IDLE, 4, 42 };
	for (int i = 0; i < 7; i++) {
		printf("policy %d: min ", pols[i]);
		long mn = RAW(SYS_sched_get_priority_min, pols[i]);
		long mx = RAW(SYS_sched_get_priority_max, pols[i]);
		printf("%s, max %s\n", mn < 0 ? ename((int)-mn) : (mn == 0 ? "0" : mn == 1 ? "1" : "?"),
		       mx < 0 ? ename((int)-mx) : (mx == 0 ? "0" : mx == 99 ? "99" : "?"));
	}
	getp("start");
	setp("setscheduler(BATCH, 0)", SCHED_BATCH, 0);
	getp("now");
	setp("setscheduler(BATCH, 1)", SCHED_BATCH, 1);
	setp("setscheduler(IDLE, 0)", SCHED_IDLE, 0);
	getp("now");
	setp("setscheduler(OTHER, 5)", SCHED_OTHER, 5);
	setp("setscheduler(OTHER, 0)", SCHED_OTHER, 0);
	getp("now");
	setp("setscheduler(FIFO, 0)", SCHED_FIFO, 0);
	setp("setscheduler(FIFO, 100)", SCHED_FIFO, 100);
	setp("setscheduler(RR, -1)", SCHED_RR, -1);
	setp("setscheduler(policy 9)", 9, 0);
	setp("setscheduler(policy -1)", -1, 0);
	struct sched_param sp = { 0 };
	show("setscheduler(NULL param)", RAW(SYS_sched_setscheduler, 0, SCHED_OTHER, NULL));
	show("setscheduler(BADPTR param)", RAW(SYS_sched_setscheduler, 0, SCHED_OTHER, BADPTR));
	show("setscheduler(pid -1)", RAW(SYS_sched_setscheduler, -1, SCHED_OTHER, &sp));
	show("setscheduler(no such pid)", RAW(SYS_sched_setscheduler, 0x3ffffff0, SCHED_OTHER, &sp));
	show("getscheduler(pid -1)", RAW(SYS_sched_getscheduler, -1));
	show("getscheduler(no such pid)", RAW(SYS_sched_getscheduler, 0x3ffffff0));
	show("getparam(NULL)", RAW(SYS_sched_getparam, 0, NULL));
	show("getparam(no such pid)", RAW(SYS_sched_getparam, 0x3ffffff0, &sp));
	show("setparam(0, priority 0)", RAW(SYS_sched_setparam, 0, &sp));
	sp.sched_priority = 3;
	show("setparam(0, priority 3) under OTHER", RAW(SYS_sched_setparam, 0, &sp));
	show("setparam(NULL)", RAW(SYS_sched_setparam, 0, NULL));

	struct timespec ts = { -1, -1 };
	show("sched_rr_get_interval(0)", RAW(SYS_sched_rr_get_interval, 0, &ts));
	fact("interval is a valid timespec", ts.tv_sec >= 0 && ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000);
	show("sched_rr_get_interval(BADPTR)", RAW(SYS_sched_rr_get_interval, 0, BADPTR));
	show("sched_rr_get_interval(no such pid)", RAW(SYS_sched_rr_get_interval, 0x3ffffff0, &ts));

	setp("setscheduler(BATCH|RESET_ON_FORK, 0)", SCHED_BATCH | SCHED_RESET_ON_FORK, 0);
	getp("now");
	pid_t c = fork();
	if (c == 0) {
		getp("child after RESET_ON_FORK");
		fflush(stdout);
		_exit(0);
	}
	waitpid(c, NULL, 0);
	setp("setscheduler(BATCH, 0)", SCHED_BATCH, 0);
	c = fork();
	if (c == 0) {
		getp("child inherits");
		fflush(stdout);
		_exit(0);
	}
	waitpid(c, NULL, 0);
	show("sched_yield", RAW(SYS_sched_yield));
	return 0;
}
