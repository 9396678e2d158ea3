/* waitid(2) for stops and continues: WSTOPPED and WCONTINUED report CLD_STOPPED and
 * CLD_CONTINUED with the signal as si_status, WNOWAIT leaves the event to be reported
 * again, exits and kills give CLD_EXITED and CLD_KILLED, WNOHANG with nothing to
 * report returns 0 with si_pid and si_signo zeroed, and option errors. */
#include "conf.h"

#include <signal.h>
#include <sys/wait.h>

static const char *code(int c)
{
	switch (c) {
	case CLD_EXITED: return "CLD_EXITED";
	case CLD_KILLED: return "CLD_KILLED";
	case CLD_DUMPED: return "CLD_DUMPED";
	case CLD_STOPPED: return "CLD_STOPPED";
	case CLD_CONTINUED: return "CLD_CONTINUED";
	case CLD_TRAPPED: return "CLD_TRAPPED";
	default: return "other";
	}
}

static pid_t child;

static void wid(const char *what, idtype_t t, id_t id, int opts)
{
	siginfo_t si;
	memset(&si, 0x55, sizeof(si));
	long r = kret(waitid(t, id, &si, opts));
	if (r < 0) {
		printf("%s: -1 %s\n", what, ename((int)-r));
		return;
	}
	if (si.si_pid == 0) {
		printf("%s: 0, nothing (si_signo %d)\n", what, si.si_signo);
		return;
	}
	printf("%s: 0, si_signo %d, %s, si_status %d, si_pid is child %d, si_uid %d, si_errno %d\n", what,
	       si.si_signo, code(si.si_code), si.si_status, si.si_pid == child, (int)si.si_uid, si.si_errno);
}

int main(void)
{
	alarm(5);
	int p[2];
	char b;
	if (pipe(p) != 0)
		return 1;
	child = fork();
	if (child == 0) {
		close(p[1]);
		setpgid(0, 0);
		raise(SIGSTOP);
		if (read(p[0], &b, 1) != 0)
			_exit(99);
		_exit(42);
	}
	close(p[0]);
	setpgid(child, child);

	wid("WSTOPPED|WNOWAIT", P_PID, child, WSTOPPED | WNOWAIT);
	wid("WSTOPPED again", P_PID, child, WSTOPPED);
	wid("WSTOPPED|WNOHANG, consumed", P_PID, child, WSTOPPED | WNOHANG);
	wid("WEXITED|WNOHANG while stopped", P_PID, child, WEXITED | WNOHANG);
	kill(child, SIGCONT);
	wid("WCONTINUED|WNOWAIT", P_ALL, 0, WCONTINUED | WNOWAIT);
	wid("WCONTINUED", P_PGID, child, WCONTINUED);
	wid("WCONTINUED|WNOHANG, consumed", P_PID, child, WCONTINUED | WNOHANG);
	close(p[1]);
	wid("WEXITED|WNOWAIT", P_PID, child, WEXITED | WNOWAIT);
	wid("WEXITED|WNOWAIT again", P_PID, child, WEXITED | WNOWAIT);
	wid("WEXITED", P_PID, child, WEXITED);
	wid("WEXITED after reaping", P_PID, child, WEXITED);

	child = fork();
	if (child == 0) {
		for (;;)
			pause();
	}
	kill(child, SIGTERM);
	wid("killed by TERM", P_PID, child, WEXITED);

	child = fork();
	if (child == 0)
		_exit(300);
	wid("_exit(300)", P_ALL, 0, WEXITED);

	wid("no options", P_ALL, 0, 0);
	wid("WNOHANG only", P_ALL, 0, WNOHANG);
	wid("bad idtype 9", 9, 0, WEXITED);
	wid("unknown option bit", P_ALL, 0, WEXITED | 0x100000);
	wid("P_PID no such child", P_PID, 0x3ffffff0, WEXITED);
	show("waitid(NULL infop) no child", RAW(SYS_waitid, P_ALL, 0, NULL, WEXITED, NULL));
	child = fork();
	if (child == 0) {
		for (;;)
			pause();
	}
	wid("WEXITED|WNOHANG with a running child", P_ALL, 0, WEXITED | WNOHANG);
	kill(child, SIGKILL);
	show("waitid(NULL infop) reaps", RAW(SYS_waitid, P_PID, child, NULL, WEXITED, NULL));
	show("waitid(BADPTR infop), no child", RAW(SYS_waitid, P_ALL, 0, BADPTR, WEXITED, NULL));
	return 0;
}
