/*
 * Helpers of the inotify conformance programs: print queued events without
 * anything that varies between runs (cookies are shown as "new" for a value
 * not seen in the previous event and "same" for the previous event's value,
 * so MOVED_FROM/MOVED_TO pairing shows, never the numbers).
 */
#ifndef INOTIFY_UTIL_H
#define INOTIFY_UTIL_H

#include "conf.h"
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

static const char *mask_str(uint32_t m)
{
	static const struct { uint32_t bit; const char *name; } bits[] = {
		{ IN_ACCESS, "ACCESS" }, { IN_MODIFY, "MODIFY" }, { IN_ATTRIB, "ATTRIB" },
		{ IN_CLOSE_WRITE, "CLOSE_WRITE" }, { IN_CLOSE_NOWRITE, "CLOSE_NOWRITE" },
		{ IN_OPEN, "OPEN" }, { IN_MOVED_FROM, "MOVED_FROM" }, { IN_MOVED_TO, "MOVED_TO" },
		{ IN_CREATE, "CREATE" }, { IN_DELETE, "DELETE" }, { IN_DELETE_SELF, "DELETE_SELF" },
		{ IN_MOVE_SELF, "MOVE_SELF" }, { IN_UNMOUNT, "UNMOUNT" }, { IN_Q_OVERFLOW, "Q_OVERFLOW" },
		{ IN_IGNORED, "IGNORED" }, { IN_ISDIR, "ISDIR" },
	};
	static char out[256];

	out[0] = 0;
	for (unsigned i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		if (m & bits[i].bit) {
			if (out[0])
				strcat(out, "|");
			strcat(out, bits[i].name);
			m &= ~bits[i].bit;
		}
	}
	if (m)
		sprintf(out + strlen(out), "%s0x%x", out[0] ? "|" : "", m);
	return out;
}

static uint32_t ino_last_cookie;

/* Print one event; returns its size. */
static size_t show_event(const struct inotify_event *e)
{
	const char *c = "0";

	if (e->cookie) {
		c = e->cookie == ino_last_cookie ? "same" : "new";
	}
	ino_last_cookie = e->cookie;
	printf("  wd=%d %s cookie=%s name=\"%s\"\n", e->wd, mask_str(e->mask), c, e->len ? e->name : "");
	return sizeof(*e) + e->len;
}

/* Read and print every queued event of a non-blocking inotify fd. */
static __attribute__((unused)) int drain(const char *what, int fd)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	int count = 0;

	printf("%s:\n", what);
	for (;;) {
		long n = read(fd, buf, sizeof(buf));

		if (n < 0) {
			if (errno != EAGAIN)
				printf("  read: -1 %s\n", ename(errno));
			break;
		}
		for (long i = 0; i < n;) {
			i += show_event((const struct inotify_event *)(buf + i));
			count++;
		}
	}
	return count;
}

static __attribute__((unused)) void touch(const char *path)
{
	int fd = open(path, O_CREAT | O_WRONLY, 0644);

	if (fd >= 0)
		close(fd);
	else
		printf("open(%s): -1 %s\n", path, ename(errno));
}

static __attribute__((unused)) void put(const char *path, const char *data)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0) {
		printf("open(%s): -1 %s\n", path, ename(errno));
		return;
	}
	if (write(fd, data, strlen(data)) < 0)
		printf("write(%s): -1 %s\n", path, ename(errno));
	close(fd);
}

#endif
