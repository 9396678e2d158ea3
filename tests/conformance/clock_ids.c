/* clock_gettime/clock_getres for every clock id 0..15 and the dynamic CPU clocks of a
 * process and a thread (clock_getcpuclockid, pthread_getcpuclockid and hand-made
 * ids): which succeed, resolutions positive and at most 1 ms (coarse clocks: at most
 * 10 ms), and the ordering facts between clocks. */
#include "conf.h"

#include <pthread.h>
#include <time.h>

static long long ns(const struct timespec *t)
{
	return t->tv_sec * 1000000000LL + t->tv_nsec;
}

/* Kernel encoding of a CPU clock: ~pid << 3 | type (0 PROF, 1 VIRT, 2 SCHED), bit 2 per-thread. */
static clockid_t cpu_clock(pid_t pid, int type, int thread)
{
	return (clockid_t)((~(unsigned)pid << 3) | (unsigned)type | (thread ? 4u : 0u));
}

int main(void)
{
	alarm(5);
	for (int id = 0; id < 16; id++) {
		if (id == 8 || id == 9)
			continue; /* the *_ALARM clocks depend on the host's RTC and capabilities */
		struct timespec t, r;
		long g = RAW(SYS_clock_gettime, id, &t);
		long s = RAW(SYS_clock_getres, id, &r);
		int coarse = id == CLOCK_REALTIME_COARSE || id == CLOCK_MONOTONIC_COARSE;
		printf("clock %2d: gettime %s, getres %s", id, g == 0 ? "ok" : ename((int)-g), s == 0 ? "ok" : ename((int)-s));
		if (s == 0)
			printf(", resolution in (0, %s] %d", coarse ? "10 ms" : "1 ms",
			       ns(&r) > 0 && ns(&r) <= (coarse ? 10000000 : 1000000));
		printf("\n");
	}
	struct timespec rt, mono, boot, raw, tai;
	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_BOOTTIME, &boot);
	clock_gettime(CLOCK_MONOTONIC_RAW, &raw);
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_TAI, &tai);
	fact("boottime >= monotonic", ns(&boot) >= ns(&mono));
	fact("tai within 100 s of realtime, not behind", ns(&tai) >= ns(&rt) - 1000000 && tai.tv_sec - rt.tv_sec <= 100);
	fact("realtime far ahead of monotonic", rt.tv_sec > mono.tv_sec);

	clockid_t pc;
	show("clock_getcpuclockid(self)", -clock_getcpuclockid(0, &pc));
	struct timespec t;
	show("clock_gettime(process cpu clock)", RAW(SYS_clock_gettime, pc, &t));
	show("clock_getres(process cpu clock)", RAW(SYS_clock_getres, pc, &t));
	clockid_t tc;
	show("pthread_getcpuclockid(self)", -pthread_getcpuclockid(pthread_self(), &tc));
	show("clock_gettime(thread cpu clock)", RAW(SYS_clock_gettime, tc, &t));
	pid_t me = getpid();
	const char *types[] = { "PROF", "VIRT", "SCHED", "type 3" };
	for (int type = 0; type < 4; type++) {
		char what[80];
		snprintf(what, sizeof(what), "clock_gettime(own pid, %s)", types[type]);
		show(what, RAW(SYS_clock_gettime, cpu_clock(me, type, 0), &t));
		snprintf(what, sizeof(what), "clock_gettime(own tid, %s, per-thread)", types[type]);
		show(what, RAW(SYS_clock_gettime, cpu_clock(gettid(), type, 1), &t));
	}
	show("clock_gettime(pid 0 = self, SCHED)", RAW(SYS_clock_gettime, cpu_clock(0, 2, 0), &t));
	show("clock_getres(pid 0 = self, SCHED, NULL)", RAW(SYS_clock_getres, cpu_clock(0, 2, 0), NULL));
	show("clock_getres(own pid, SCHED, NULL)", RAW(SYS_clock_getres, cpu_clock(me, 2, 0), NULL));
	show("clock_gettime(no such pid, SCHED)", RAW(SYS_clock_gettime, cpu_clock(0x3ffffff0, 2, 0), &t));
	show("clock_gettime(no such tid, per-thread)", RAW(SYS_clock_gettime, cpu_clock(0x3ffffff0, 2, 1), &t));
	show("clock_getcpuclockid(no such pid)", -clock_getcpuclockid(0x3ffffff0, &pc));
	show("clock_settime(MONOTONIC)", RAW(SYS_clock_settime, CLOCK_MONOTONIC, &mono));
	show("clock_settime(process cpu clock)", RAW(SYS_clock_settime, pc, &mono));
	struct timespec bad = { 0, 2000000000L };
	show("clock_settime(REALTIME, bad nsec)", RAW(SYS_clock_settime, CLOCK_REALTIME, &bad));
	return 0;
}
