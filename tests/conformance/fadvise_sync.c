/* posix_fadvise, readahead, sync, syncfs, sync_file_range: their validation (EBADF,
 * ESPIPE on pipes, EINVAL for bad advice, flags and ranges) and success otherwise. */
#include "conf.h"

int main(void)
{
	int f = open("data.txt", O_RDONLY);
	int p[2];
	pipe(p);
	for (int adv = 0; adv <= 6; adv++) {
		char what[32];
		snprintf(what, sizeof what, "fadvise advice %d", adv);
		show(what, RAW(SYS_fadvise64, f, 0, 100, adv));
	}
	show("fadvise len 0 (to the end)", RAW(SYS_fadvise64, f, 10, 0, 0));
	show("fadvise negative len", RAW(SYS_fadvise64, f, 0, -1L, 0));
	show("fadvise negative offset", RAW(SYS_fadvise64, f, -5L, 10, 0));
	show("fadvise pipe", RAW(SYS_fadvise64, p[0], 0, 0, 0));
	show("fadvise bad fd", RAW(SYS_fadvise64, 999, 0, 0, 0));
	int d = open(".", O_RDONLY | O_DIRECTORY);
	show("fadvise directory", RAW(SYS_fadvise64, d, 0, 0, 0));
	int op = open("data.txt", O_PATH);
	show("fadvise O_PATH", RAW(SYS_fadvise64, op, 0, 0, 0));

	show("readahead", RAW(SYS_readahead, f, 0, 4096));
	show("readahead past the end", RAW(SYS_readahead, f, 1 << 20, 4096));
	show("readahead negative offset", RAW(SYS_readahead, f, -1L, 4096));
	show("readahead pipe", RAW(SYS_readahead, p[0], 0, 10));
	show("readahead directory", RAW(SYS_readahead, d, 0, 10));
	show("readahead write-only", RAW(SYS_readahead, p[1], 0, 10));
	show("readahead bad fd", RAW(SYS_readahead, 999, 0, 10));

	show("sync", RAW(SYS_sync));
	show("syncfs", RAW(SYS_syncfs, f));
	show("syncfs pipe", RAW(SYS_syncfs, p[0]));
	show("syncfs bad fd", RAW(SYS_syncfs, 999));

	const char *dir = conf_tmpdir();
	int w = open("w", O_CREAT | O_RDWR, 0644);
	write(w, "data", 4);
	show("sync_file_range", RAW(SYS_sync_file_range, w, 0, 0, 7));
	show("sync_file_range read-only fd", RAW(SYS_sync_file_range, f, 0, 100, 2));
	show("sync_file_range bad flags", RAW(SYS_sync_file_range, w, 0, 0, 8));
	show("sync_file_range negative offset", RAW(SYS_sync_file_range, w, -1L, 0, 0));
	show("sync_file_range negative length", RAW(SYS_sync_file_range, w, 0, -2L, 0));
	show("sync_file_range pipe", RAW(SYS_sync_file_range, p[1], 0, 0, 0));
	show("sync_file_range directory", RAW(SYS_sync_file_range, d, 0, 0, 0));
	show("sync_file_range bad fd", RAW(SYS_sync_file_range, 999, 0, 0, 0));
	conf_rmtree(dir);
	return 0;
}
