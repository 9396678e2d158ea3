/* prctl(2) odds and ends: PR_SET_NAME/PR_GET_NAME (truncated to 15 bytes, per thread,
 * inherited by fork), PR_SET_DUMPABLE (0 and 1 only), PR_SET_NO_NEW_PRIVS (cannot be
 * unset, inherited), PR_GET/SET_KEEPCAPS, PR_CAPBSET_READ, PR_GET_TID_ADDRESS,
 * PR_SET/GET_PDEATHSIG, and EINVAL for unknown options and stray arguments. */
#include "conf.h"

#include <linux/capability.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

static int *tid_addr;

int main(void)
{
	alarm(5);
	char name[32];
	memset(name, 'z', sizeof(name));
	show("PR_SET_NAME(\"conf-prctl\")", RAW(SYS_prctl, PR_SET_NAME, "conf-prctl", 0, 0, 0));
	show("PR_GET_NAME", RAW(SYS_prctl, PR_GET_NAME, name, 0, 0, 0));
	printf("name = \"%s\", NUL at 10: %d\n", name, name[10] == 0);
	show("PR_SET_NAME(24 bytes)", RAW(SYS_prctl, PR_SET_NAME, "abcdefghijklmnopqrstuvwx", 0, 0, 0));
	memset(name, 'z', sizeof(name));
	RAW(SYS_prctl, PR_GET_NAME, name, 0, 0, 0);
	printf("name = \"%s\", byte 16 untouched: %d\n", name, name[16] == 'z');
	show("PR_SET_NAME(\"\")", RAW(SYS_prctl, PR_SET_NAME, "", 0, 0, 0));
	RAW(SYS_prctl, PR_GET_NAME, name, 0, 0, 0);
	printf("name = \"%s\"\n", name);
	show("PR_SET_NAME(BADPTR)", RAW(SYS_prctl, PR_SET_NAME, BADPTR, 0, 0, 0));
	show("PR_GET_NAME(BADPTR)", RAW(SYS_prctl, PR_GET_NAME, BADPTR, 0, 0, 0));
	RAW(SYS_prctl, PR_SET_NAME, "parent", 0, 0, 0);
	pid_t c = fork();
	if (c == 0) {
		RAW(SYS_prctl, PR_GET_NAME, name, 0, 0, 0);
		printf("child inherits name \"%s\"\n", name);
		fflush(stdout);
		_exit(0);
	}
	waitpid(c, NULL, 0);

	show("PR_GET_DUMPABLE", RAW(SYS_prctl, PR_GET_DUMPABLE, 0, 0, 0, 0));
	show("PR_SET_DUMPABLE 0", RAW(SYS_prctl, PR_SET_DUMPABLE, 0, 0, 0, 0));
	show("PR_GET_DUMPABLE", RAW(SYS_prctl, PR_GET_DUMPABLE, 0, 0, 0, 0));
	show("PR_SET_DUMPABLE 2", RAW(SYS_prctl, PR_SET_DUMPABLE, 2, 0, 0, 0));
	show("PR_SET_DUMPABLE 1", RAW(SYS_prctl, PR_SET_DUMPABLE, 1, 0, 0, 0));
	show("PR_GET_DUMPABLE", RAW(SYS_prctl, PR_GET_DUMPABLE, 0, 0, 0, 0));

	show("PR_GET_KEEPCAPS", RAW(SYS_prctl, PR_GET_KEEPCAPS, 0, 0, 0, 0));
	show("PR_SET_KEEPCAPS 2", RAW(SYS_prctl, PR_SET_KEEPCAPS, 2, 0, 0, 0));
	show("PR_SET_KEEPCAPS 1", RAW(SYS_prctl, PR_SET_KEEPCAPS, 1, 0, 0, 0));
	show("PR_GET_KEEPCAPS", RAW(SYS_prctl, PR_GET_KEEPCAPS, 0, 0, 0, 0));
	show("PR_SET_KEEPCAPS 0", RAW(SYS_prctl, PR_SET_KEEPCAPS, 0, 0, 0, 0));

	show("PR_CAPBSET_READ(CAP_SETUID)", RAW(SYS_prctl, PR_CAPBSET_READ, CAP_SETUID, 0, 0, 0));
	show("PR_CAPBSET_READ(CAP_KILL)", RAW(SYS_prctl, PR_CAPBSET_READ, CAP_KILL, 0, 0, 0));
	show("PR_CAPBSET_READ(200)", RAW(SYS_prctl, PR_CAPBSET_READ, 200, 0, 0, 0));
	show("PR_CAPBSET_READ(-1)", RAW(SYS_prctl, PR_CAPBSET_READ, -1, 0, 0, 0));
	c = fork();
	if (c == 0) {
		show("child: PR_CAPBSET_DROP(CAP_SETUID)", RAW(SYS_prctl, PR_CAPBSET_DROP, CAP_SETUID, 0, 0, 0));
		show("child: PR_CAPBSET_READ(CAP_SETUID)", RAW(SYS_prctl, PR_CAPBSET_READ, CAP_SETUID, 0, 0, 0));
		show("child: setuid(1000) still works (effective unchanged)", kret(setuid(1000)));
		show("child: PR_CAPBSET_DROP as non-root", RAW(SYS_prctl, PR_CAPBSET_DROP, CAP_KILL, 0, 0, 0));
		fflush(stdout);
		_exit(0);
	}
	waitpid(c, NULL, 0);
	show("parent's bounding set keeps CAP_SETUID", RAW(SYS_prctl, PR_CAPBSET_READ, CAP_SETUID, 0, 0, 0));

	show("PR_GET_TID_ADDRESS", RAW(SYS_prctl, PR_GET_TID_ADDRESS, &tid_addr, 0, 0, 0));
	int my_tid_word;
	RAW(SYS_set_tid_address, &my_tid_word);
	RAW(SYS_prctl, PR_GET_TID_ADDRESS, &tid_addr, 0, 0, 0);
	printf("PR_GET_TID_ADDRESS returns what set_tid_address set: %d\n", tid_addr == &my_tid_word);
	show("PR_GET_TID_ADDRESS(BADPTR)", RAW(SYS_prctl, PR_GET_TID_ADDRESS, BADPTR, 0, 0, 0));

	int sig = -1;
	show("PR_GET_PDEATHSIG", RAW(SYS_prctl, PR_GET_PDEATHSIG, &sig, 0, 0, 0));
	printf("pdeathsig %d\n", sig);
	show("PR_SET_PDEATHSIG(USR1)", RAW(SYS_prctl, PR_SET_PDEATHSIG, SIGUSR1, 0, 0, 0));
	RAW(SYS_prctl, PR_GET_PDEATHSIG, &sig, 0, 0, 0);
	printf("pdeathsig %d\n", sig);
	show("PR_SET_PDEATHSIG(65)", RAW(SYS_prctl, PR_SET_PDEATHSIG, 65, 0, 0, 0));
	RAW(SYS_prctl, PR_SET_PDEATHSIG, 0, 0, 0, 0);

	show("PR_GET_NO_NEW_PRIVS", RAW(SYS_prctl, PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
	show("PR_SET_NO_NEW_PRIVS(1, stray arg)", RAW(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 1, 0, 0));
	show("PR_SET_NO_NEW_PRIVS(0)", RAW(SYS_prctl, PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0));
	show("PR_SET_NO_NEW_PRIVS(1)", RAW(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
	show("PR_GET_NO_NEW_PRIVS", RAW(SYS_prctl, PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
	show("PR_SET_NO_NEW_PRIVS(0) again", RAW(SYS_prctl, PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0));
	show("PR_GET_NO_NEW_PRIVS(stray arg)", RAW(SYS_prctl, PR_GET_NO_NEW_PRIVS, 1, 0, 0, 0));
	c = fork();
	if (c == 0) {
		show("child: PR_GET_NO_NEW_PRIVS", RAW(SYS_prctl, PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
		fflush(stdout);
		_exit(0);
	}
	waitpid(c, NULL, 0);

	show("prctl(0)", RAW(SYS_prctl, 0, 0, 0, 0, 0));
	show("prctl(9999)", RAW(SYS_prctl, 9999, 0, 0, 0, 0));
	show("prctl(-1)", RAW(SYS_prctl, -1, 0, 0, 0, 0));
	return 0;
}
