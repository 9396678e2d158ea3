/* nanosleep(2): a handled signal interrupts it with EINTR (even with SA_RESTART) and the
 * remaining time is written back; an ignored signal does not interrupt it; a bad
 * remaining-time pointer turns EINTR into EFAULT; invalid times are EINVAL. */
#include "conf.h"

#include <signal.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

static volatile int hits;

static void h(int sig)
{
	(void)sig;
	hits++;
}

static void arm(long ms)
{
	struct itimerval v = { { 0, 0 }, { ms / 1000, (ms % 1000) * 1000 } };
	setitimer(ITIMER_REAL, &v, NULL);
}

static double secs(const struct timespec *t)
{
	return t->tv_sec + t->tv_nsec / 1e9;
}

int main(void)
{
	alarm(5);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = h;
	sigaction(SIGALRM, &sa, NULL);

	struct timespec req = { 2, 0 }, rem = { -1, -1 };
	arm(50);
	long r = RAW(SYS_nanosleep, &req, &rem);
	show("nanosleep(2 s) interrupted at 50 ms", r);
	printf("handler ran %d, remaining in [1.5 s, 1.96 s]: %d, tv_nsec valid %d\n", hits,
	       secs(&rem) >= 1.5 && secs(&rem) <= 1.96, rem.tv_nsec >= 0 && rem.tv_nsec < 1000000000);

	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	arm(30);
	show("nanosleep with SA_RESTART handler", RAW(SYS_nanosleep, &req, &rem));

	arm(30);
	show("nanosleep(2 s, rem NULL) interrupted", RAW(SYS_nanosleep, &req, NULL));
	arm(30);
	show("nanosleep(2 s, rem BADPTR) interrupted", RAW(SYS_nanosleep, &req, BADPTR));

	/* SIGURG's default is to ignore it: the sleep goes on. */
	struct timespec t0, t1, short_req = { 0, 80 * 1000000L };
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid_t c = fork();
	if (c == 0) {
		struct timespec d = { 0, 20 * 1000000L };
		nanosleep(&d, NULL);
		kill(getppid(), SIGURG);
		_exit(0);
	}
	show("nanosleep(80 ms) with an ignored SIGURG", RAW(SYS_nanosleep, &short_req, &rem));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fact("slept at least 80 ms", secs(&t1) - secs(&t0) >= 0.079);
	while (wait(NULL) < 0 && errno == EINTR)
		;

	struct timespec zero = { 0, 0 };
	show("nanosleep(0)", RAW(SYS_nanosleep, &zero, NULL));
	struct timespec bad = { 0, 1000000000L };
	show("nanosleep(tv_nsec 1e9)", RAW(SYS_nanosleep, &bad, NULL));
	bad.tv_nsec = -1;
	show("nanosleep(tv_nsec -1)", RAW(SYS_nanosleep, &bad, NULL));
	bad.tv_sec = -1;
	bad.tv_nsec = 0;
	show("nanosleep(tv_sec -1)", RAW(SYS_nanosleep, &bad, NULL));
	show("nanosleep(BADPTR)", RAW(SYS_nanosleep, BADPTR, NULL));
	show("nanosleep(NULL)", RAW(SYS_nanosleep, NULL, NULL));
	return 0;
}
