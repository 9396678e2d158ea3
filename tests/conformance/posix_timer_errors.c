/* POSIX timer argument checks: timer_create with unknown clocks, clocks that have no
 * timers (EOPNOTSUPP), bad notify kinds and signals, SIGEV_THREAD_ID naming a thread
 * that is not ours, bad pointers; timer_settime/gettime/getoverrun/delete with unknown
 * ids and bad times. */
#include "conf.h"

#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#ifndef SIGEV_THREAD_ID
#define SIGEV_THREAD_ID 4
#endif

static long create(clockid_t c, int notify, int signo, int tid, timer_t *t)
{
	struct sigevent ev;
	memset(&ev, 0, sizeof(ev));
	ev.sigev_notify = notify;
	ev.sigev_signo = signo;
	ev._sigev_un._tid = tid;
	return RAW(SYS_timer_create, c, &ev, t);
}

int main(void)
{
	alarm(5);
	timer_t t;
	show("clock 100", create(100, SIGEV_SIGNAL, SIGUSR1, 0, &t));
	show("MONOTONIC_RAW", create(CLOCK_MONOTONIC_RAW, SIGEV_SIGNAL, SIGUSR1, 0, &t));
	show("REALTIME_COARSE", create(CLOCK_REALTIME_COARSE, SIGEV_SIGNAL, SIGUSR1, 0, &t));
	show("notify 99", create(CLOCK_MONOTONIC, 99, SIGUSR1, 0, &t));
	show("signal 0", create(CLOCK_MONOTONIC, SIGEV_SIGNAL, 0, 0, &t));
	show("signal 65", create(CLOCK_MONOTONIC, SIGEV_SIGNAL, 65, 0, &t));
	show("SIGEV_NONE with signal 65", create(CLOCK_MONOTONIC, SIGEV_NONE, 65, 0, &t));
	RAW(SYS_timer_delete, t);
	pid_t c = fork();
	if (c == 0) {
		pause();
		_exit(0);
	}
	show("SIGEV_THREAD_ID, another process's thread", create(CLOCK_MONOTONIC, SIGEV_THREAD_ID, SIGUSR1, c, &t));
	kill(c, SIGKILL);
	waitpid(c, NULL, 0);
	show("SIGEV_THREAD_ID, tid 0", create(CLOCK_MONOTONIC, SIGEV_THREAD_ID, SIGUSR1, 0, &t));
	show("SIGEV_SIGNAL|SIGEV_THREAD_ID, own tid", create(CLOCK_MONOTONIC, SIGEV_SIGNAL | SIGEV_THREAD_ID, SIGUSR1, gettid(), &t));
	RAW(SYS_timer_delete, t);
	show("sigevent BADPTR", RAW(SYS_timer_create, CLOCK_MONOTONIC, BADPTR, &t));
	show("timer id BADPTR", create(CLOCK_MONOTONIC, SIGEV_NONE, 0, 0, BADPTR));
	show("BOOTTIME", create(CLOCK_BOOTTIME, SIGEV_NONE, 0, 0, &t));
	RAW(SYS_timer_delete, t);
	show("TAI", create(CLOCK_TAI, SIGEV_NONE, 0, 0, &t));
	RAW(SYS_timer_delete, t);

	show("create a timer to test with", create(CLOCK_MONOTONIC, SIGEV_NONE, 0, 0, &t));
	struct itimerspec its = { { 0, 0 }, { 1, 0 } }, cur;
	show("settime(ok)", RAW(SYS_timer_settime, t, 0, &its, NULL));
	its.it_value.tv_nsec = 1000000000L;
	show("settime(value nsec 1e9)", RAW(SYS_timer_settime, t, 0, &its, NULL));
	its.it_value.tv_nsec = 0;
	its.it_interval.tv_nsec = -1;
	show("settime(interval nsec -1)", RAW(SYS_timer_settime, t, 0, &its, NULL));
	its.it_interval.tv_nsec = 0;
	its.it_value.tv_sec = -1;
	show("settime(value sec -1)", RAW(SYS_timer_settime, t, 0, &its, NULL));
	show("settime(NULL)", RAW(SYS_timer_settime, t, 0, NULL, NULL));
	show("settime(BADPTR)", RAW(SYS_timer_settime, t, 0, BADPTR, NULL));
	its.it_value.tv_sec = 1;
	show("settime(unknown flag 2)", RAW(SYS_timer_settime, t, 2, &its, NULL));
	show("settime(old BADPTR)", RAW(SYS_timer_settime, t, 0, &its, BADPTR));
	show("gettime(BADPTR)", RAW(SYS_timer_gettime, t, BADPTR));
	show("settime(unknown id)", RAW(SYS_timer_settime, 12345, 0, &its, NULL));
	show("gettime(unknown id)", RAW(SYS_timer_gettime, 12345, &cur));
	show("getoverrun(unknown id)", RAW(SYS_timer_getoverrun, 12345));
	show("delete(unknown id)", RAW(SYS_timer_delete, 12345));
	show("delete(-1)", RAW(SYS_timer_delete, -1));
	show("delete", RAW(SYS_timer_delete, t));
	show("delete again", RAW(SYS_timer_delete, t));
	show("getoverrun after delete", RAW(SYS_timer_getoverrun, t));
	return 0;
}
