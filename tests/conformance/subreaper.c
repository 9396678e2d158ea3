/* Orphans: when a process dies its children are reparented to the nearest
 * PR_SET_CHILD_SUBREAPER ancestor, getppid() in the orphan changes to it, and the
 * subreaper reaps them (they are zombies until then). PR_GET_CHILD_SUBREAPER reads the
 * flag back; a forked child does not inherit it. */
#include "conf.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>

int main(void)
{
	alarm(5);
	int flag = -1;
	show("PR_GET_CHILD_SUBREAPER", RAW(SYS_prctl, PR_GET_CHILD_SUBREAPER, &flag, 0, 0, 0));
	printf("initially %d\n", flag);
	show("PR_SET_CHILD_SUBREAPER 1", RAW(SYS_prctl, PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
	RAW(SYS_prctl, PR_GET_CHILD_SUBREAPER, &flag, 0, 0, 0);
	printf("now %d\n", flag);
	show("PR_GET_CHILD_SUBREAPER(BADPTR)", RAW(SYS_prctl, PR_GET_CHILD_SUBREAPER, BADPTR, 0, 0, 0));

	pid_t me = getpid();
	int p[2], q[2];
	if (pipe(p) != 0 || pipe(q) != 0)
		return 1;
	pid_t mid = fork();
	if (mid == 0) {
		int f = -1;
		prctl(PR_GET_CHILD_SUBREAPER, &f, 0, 0, 0);
		printf("middle child inherits the flag: %d\n", f);
		fflush(stdout);
		int s[2];
		char b;
		if (pipe(s) != 0)
			_exit(1);
		pid_t gc = fork();
		if (gc == 0) {
			close(q[1]);
			pid_t before = getppid();
			if (write(s[1], "b", 1) != 1)
				_exit(1);
			/* Wait until the middle process is gone (the parent closes q). */
			if (read(q[0], &b, 1) != 0)
				_exit(1);
			pid_t after = getppid();
			printf("grandchild: parent was the middle %d, now the subreaper %d\n", before != me,
			       after == me);
			fflush(stdout);
			_exit(9);
		}
		/* Exit only after the grandchild has seen us as its parent. */
		if (read(s[0], &b, 1) != 1)
			_exit(1);
		if (write(p[1], &gc, sizeof(gc)) != sizeof(gc))
			_exit(1);
		_exit(4);
	}
	close(p[1]);
	pid_t gc = 0;
	if (read(p[0], &gc, sizeof(gc)) != sizeof(gc))
		return 1;
	int st;
	waitpid(mid, &st, 0);
	printf("middle exited %d\n", WEXITSTATUS(st));
	close(q[1]);
	memset(&st, 0, sizeof(st));
	pid_t r = waitpid(-1, &st, 0);
	printf("subreaper reaped the grandchild %d, exit %d\n", r == gc, WEXITSTATUS(st));
	show("no more children", kret(waitpid(-1, &st, WNOHANG)));

	/* An orphan that exits before we look is a zombie of ours. */
	mid = fork();
	if (mid == 0) {
		pid_t g2 = fork();
		if (g2 == 0)
			_exit(12);
		_exit(0);
	}
	waitpid(mid, &st, 0);
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	show("waitid(P_ALL, WEXITED) for the orphan", kret(waitid(P_ALL, 0, &si, WEXITED)));
	printf("orphan status %d, not the middle %d\n", si.si_status, si.si_pid != mid);

	show("PR_SET_CHILD_SUBREAPER 0", RAW(SYS_prctl, PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0));
	RAW(SYS_prctl, PR_GET_CHILD_SUBREAPER, &flag, 0, 0, 0);
	printf("cleared %d\n", flag);
	return 0;
}
