/* capget/capset: version negotiation (an unknown version is EINVAL and the kernel's
 * version is written back; with NULL data it is a successful query), root holds
 * CAP_SETUID/CAP_KILL/CAP_CHOWN, dropping CAP_SETUID from the effective set makes
 * setuid fail and raising it again from the permitted set works, a capability dropped
 * from the permitted set cannot come back, setuid away from root clears the sets
 * unless PR_SET_KEEPCAPS, and capset on another process is EPERM. Only single bits
 * are printed: the host may lack capabilities that the sandbox's root has. */
#include "conf.h"

#include <linux/capability.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

static struct __user_cap_header_struct hdr;
static struct __user_cap_data_struct data[2];

static long get(pid_t pid)
{
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	hdr.pid = pid;
	return RAW(SYS_capget, &hdr, data);
}

static long set(void)
{
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	hdr.pid = 0;
	return RAW(SYS_capset, &hdr, data);
}

static int bit(unsigned v, int cap)
{
	return (v >> cap) & 1;
}

static void caps(const char *what)
{
	get(0);
	printf("  %s: SETUID eff %d perm %d, KILL eff %d, CHOWN eff %d\n", what, bit(data[0].effective, CAP_SETUID),
	       bit(data[0].permitted, CAP_SETUID), bit(data[0].effective, CAP_KILL), bit(data[0].effective, CAP_CHOWN));
}

static void child(const char *name, void (*f)(void))
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

static void drop_effective(void)
{
	get(0);
	data[0].effective &= ~(1u << CAP_SETUID);
	show("  capset(effective without SETUID)", set());
	caps("after");
	show("  setuid(1000)", kret(setuid(1000)));
	get(0);
	data[0].effective |= 1u << CAP_SETUID;
	show("  capset(effective with SETUID again)", set());
	show("  setuid(1000)", kret(setuid(1000)));
	caps("after setuid(1000)");
}

static void drop_permitted(void)
{
	get(0);
	data[0].effective &= ~(1u << CAP_SETUID);
	data[0].permitted &= ~(1u << CAP_SETUID);
	show("  capset(permitted without SETUID)", set());
	get(0);
	data[0].effective |= 1u << CAP_SETUID;
	show("  capset(effective SETUID not permitted)", set());
	get(0);
	data[0].permitted |= 1u << CAP_SETUID;
	show("  capset(permitted SETUID back)", set());
	caps("after");
}

static void keepcaps(void)
{
	show("  PR_SET_KEEPCAPS 1", RAW(SYS_prctl, PR_SET_KEEPCAPS, 1, 0, 0, 0));
	show("  PR_GET_KEEPCAPS", RAW(SYS_prctl, PR_GET_KEEPCAPS, 0, 0, 0, 0));
	show("  setresuid(1000, 1000, 1000)", kret(setresuid(1000, 1000, 1000)));
	caps("with keepcaps");
	get(0);
	data[0].effective |= 1u << CAP_SETUID;
	show("  capset(effective SETUID from permitted)", set());
	show("  setuid(0)", kret(setuid(0)));
}

static void plain_drop(void)
{
	show("  setresuid(1000, 1000, 1000)", kret(setresuid(1000, 1000, 1000)));
	caps("without keepcaps");
	get(0);
	printf("  all effective and permitted bits clear: %d\n",
	       data[0].effective == 0 && data[0].permitted == 0 && data[1].effective == 0 && data[1].permitted == 0);
	show("  PR_GET_KEEPCAPS", RAW(SYS_prctl, PR_GET_KEEPCAPS, 0, 0, 0, 0));
}

int main(void)
{
	alarm(5);
	caps("root");
	hdr.version = 0;
	hdr.pid = 0;
	show("capget(version 0)", RAW(SYS_capget, &hdr, data));
	printf("kernel wrote back version %#x\n", hdr.version);
	hdr.version = 0;
	show("capget(version 0, NULL data)", RAW(SYS_capget, &hdr, NULL));
	printf("kernel wrote back version %#x\n", hdr.version);
	hdr.version = _LINUX_CAPABILITY_VERSION_1;
	show("capget(version 1)", RAW(SYS_capget, &hdr, data));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	show("capget(BADPTR data)", RAW(SYS_capget, &hdr, BADPTR));
	show("capget(BADPTR header)", RAW(SYS_capget, BADPTR, data));
	show("capget(no such pid)", get(0x3ffffff0));
	show("capget(pid -1)", get(-1));
	show("capget(self by pid)", get(getpid()));

	pid_t c = fork();
	if (c == 0) {
		pause();
		_exit(0);
	}
	show("capget(child)", get(c));
	get(0);
	hdr.pid = c;
	show("capset(child)", RAW(SYS_capset, &hdr, data));
	kill(c, SIGKILL);
	waitpid(c, NULL, 0);

	child("drop CAP_SETUID from the effective set", drop_effective);
	child("drop CAP_SETUID from the permitted set", drop_permitted);
	child("setuid away from root", plain_drop);
	child("setuid away from root with PR_SET_KEEPCAPS", keepcaps);
	return 0;
}
