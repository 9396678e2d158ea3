/*
 * arch_prctl(2): FS and GS base round trips and the error paths.
 *
 * While FS is pointed elsewhere, nothing may touch thread-local storage
 * (errno, the stack protector canary, stdio locks), so those calls are
 * made with inline assembly and the results printed afterwards.
 */
#include "conf.h"

#include <asm/prctl.h>

static inline __attribute__((always_inline)) long sys2(long nr, long a, long b)
{
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "0"(nr), "D"(a), "S"(b)
			 : "rcx", "r11", "memory");
	return ret;
}

struct results {
	long get_old, set_new, get_new, restore, get_back;
	unsigned long old_fs, new_fs, back_fs;
};

static __attribute__((noinline)) void fs_round_trip(struct results *r)
{
	unsigned long scratch = 0x123450000UL;

	r->get_old = sys2(SYS_arch_prctl, ARCH_GET_FS, (long)&r->old_fs);
	r->set_new = sys2(SYS_arch_prctl, ARCH_SET_FS, (long)scratch);
	r->get_new = sys2(SYS_arch_prctl, ARCH_GET_FS, (long)&r->new_fs);
	r->restore = sys2(SYS_arch_prctl, ARCH_SET_FS, (long)r->old_fs);
	r->get_back = sys2(SYS_arch_prctl, ARCH_GET_FS, (long)&r->back_fs);
}

int main(void)
{
	struct results r;
	unsigned long gs = 1, self;

	fs_round_trip(&r);
	show("ARCH_GET_FS", r.get_old);
	show("ARCH_SET_FS(0x123450000)", r.set_new);
	show("ARCH_GET_FS after set", r.get_new);
	fact("FS reads back the value set", r.new_fs == 0x123450000UL);
	show("ARCH_SET_FS(original)", r.restore);
	fact("FS restored", r.back_fs == r.old_fs);

	/* glibc keeps a self pointer at %fs:0; the base must point at it. */
	__asm__ volatile("mov %%fs:0, %0" : "=r"(self));
	fact("FS base is the thread pointer", self == r.old_fs);
	fact("thread-local errno works again", (errno = 0, errno == 0));

	show("ARCH_GET_GS", sys2(SYS_arch_prctl, ARCH_GET_GS, (long)&gs));
	fact("GS base starts at zero", gs == 0);
	show("ARCH_SET_GS(0x5550000)", sys2(SYS_arch_prctl, ARCH_SET_GS, 0x5550000L));
	sys2(SYS_arch_prctl, ARCH_GET_GS, (long)&gs);
	fact("GS reads back", gs == 0x5550000UL);
	show("ARCH_SET_GS(0)", sys2(SYS_arch_prctl, ARCH_SET_GS, 0));
	sys2(SYS_arch_prctl, ARCH_GET_GS, (long)&gs);
	fact("GS back to zero", gs == 0);

	show("arch_prctl(bad code 0x9999)", RAW(SYS_arch_prctl, 0x9999, 0));
	show("ARCH_GET_FS(BADPTR)", RAW(SYS_arch_prctl, ARCH_GET_FS, BADPTR));
	show("ARCH_GET_GS(BADPTR)", RAW(SYS_arch_prctl, ARCH_GET_GS, BADPTR));
	show("ARCH_SET_FS(non-canonical)", RAW(SYS_arch_prctl, ARCH_SET_FS, 0x8000000000000000UL));
	show("ARCH_SET_GS(non-canonical)", RAW(SYS_arch_prctl, ARCH_SET_GS, 0x8000000000000000UL));
	return 0;
}
