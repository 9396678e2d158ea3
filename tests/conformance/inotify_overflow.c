/* inotify: the queue holds max_queued_events events, then one IN_Q_OVERFLOW (wd -1);
 * identical consecutive events merge. */
#include "inotify_util.h"

int main(void)
{
	const char *tmp = conf_tmpdir();
	int fd = inotify_init1(IN_NONBLOCK);
	char line[32] = "";
	long max = 0;
	FILE *p = fopen("/proc/sys/fs/inotify/max_queued_events", "r");

	if (p && fgets(line, sizeof(line), p))
		max = atol(line);
	if (p)
		fclose(p);
	fact("max_queued_events read", max > 0);
	put("a", "");
	put("b", "");
	int wa = inotify_add_watch(fd, "a", IN_MODIFY);
	int wb = inotify_add_watch(fd, "b", IN_MODIFY);
	int fa = open("a", O_WRONLY), fb = open("b", O_WRONLY);

	/* Identical consecutive events merge into one. */
	for (int i = 0; i < 10; i++)
		write(fa, "x", 1);
	drain("ten writes to a", fd);
	/* Alternating files: nothing merges; the queue overflows. */
	for (long i = 0; i < max + 100; i++)
		write(i % 2 ? fb : fa, "x", 1);
	int avail = 0;
	ioctl(fd, FIONREAD, &avail);
	fact("FIONREAD is max+1 events of 16 bytes", avail == (max + 1) * 16);
	long n_a = 0, n_b = 0, n_over = 0, other = 0, last_over = 0;
	char buf[4096] __attribute__((aligned(8)));
	long r;
	while ((r = read(fd, buf, sizeof(buf))) > 0) {
		for (long i = 0; i < r;) {
			struct inotify_event *e = (struct inotify_event *)(buf + i);
			last_over = 0;
			if (e->wd == wa && e->mask == IN_MODIFY)
				n_a++;
			else if (e->wd == wb && e->mask == IN_MODIFY)
				n_b++;
			else if (e->wd == -1 && e->mask == IN_Q_OVERFLOW && e->cookie == 0 && e->len == 0)
				n_over++, last_over = 1;
			else
				other++;
			i += sizeof(*e) + e->len;
		}
	}
	fact("events before the overflow == max", n_a + n_b == max);
	printf("overflow events = %ld, other = %ld, overflow last = %ld\n", n_over, other, last_over);
	/* The queue works again once read. */
	write(fa, "x", 1);
	write(fb, "x", 1);
	drain("after reading", fd);
	close(fa);
	close(fb);
	close(fd);
	conf_rmtree(tmp);
	return 0;
}
