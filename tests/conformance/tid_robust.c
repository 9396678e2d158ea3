/* set_tid_address(2), set_robust_list(2) and get_robust_list(2). */
#include "conf.h"

#include <linux/futex.h>

static int tid_word;

int main(void)
{
	long tid = RAW(SYS_gettid);
	long r = RAW(SYS_set_tid_address, &tid_word);
	fact("set_tid_address returns the tid", r == tid);
	fact("set_tid_address(NULL) returns the tid", RAW(SYS_set_tid_address, NULL) == tid);
	RAW(SYS_set_tid_address, &tid_word);

	/* glibc registers a robust list head at startup. */
	struct robust_list_head *head = NULL;
	size_t len = 0;
	show("get_robust_list(0)", RAW(SYS_get_robust_list, 0, &head, &len));
	fact("glibc registered a head", head != NULL);
	printf("registered len = %zu\n", len);
	fact("sizeof(struct robust_list_head) == 24", sizeof(struct robust_list_head) == 24);

	static struct robust_list_head mine;
	mine.list.next = &mine.list;
	mine.futex_offset = 0;
	mine.list_op_pending = NULL;
	show("set_robust_list(mine, 24)", RAW(SYS_set_robust_list, &mine, sizeof(mine)));
	struct robust_list_head *got = NULL;
	size_t glen = 0;
	RAW(SYS_get_robust_list, 0, &got, &glen);
	fact("get_robust_list returns mine", got == &mine && glen == sizeof(mine));
	show("get_robust_list(own tid)", RAW(SYS_get_robust_list, tid, &got, &glen));
	fact("own tid gives the same head", got == &mine);

	show("set_robust_list(len 23)", RAW(SYS_set_robust_list, &mine, 23));
	show("set_robust_list(len 25)", RAW(SYS_set_robust_list, &mine, 25));
	show("set_robust_list(len 0)", RAW(SYS_set_robust_list, &mine, 0));
	show("set_robust_list(BADPTR, 24)", RAW(SYS_set_robust_list, BADPTR, 24));
	show("get_robust_list(bad pid)", RAW(SYS_get_robust_list, 0x3fffffff, &got, &glen));
	show("get_robust_list(BADPTR head)", RAW(SYS_get_robust_list, 0, BADPTR, &glen));
	show("get_robust_list(BADPTR len)", RAW(SYS_get_robust_list, 0, &got, BADPTR));

	/* Put glibc's head back. */
	show("set_robust_list(glibc's)", RAW(SYS_set_robust_list, head, len));
	return 0;
}
