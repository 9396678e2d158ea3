/* Helpers shared by the unix_*.c socket programs. */
#ifndef UNIX_SOCK_H
#define UNIX_SOCK_H
#include "conf.h"

#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

/* "what = value" or "what = -1 ENAME" for a libc-style result. */
static inline void sshow(const char *what, long r)
{
	if (r == -1)
		printf("%s = -1 %s\n", what, strerrorname_np(errno));
	else
		printf("%s = %ld\n", what, r);
}

/* A sockaddr_un for `name`; a leading '@' means the abstract namespace. Returns its length. */
static inline socklen_t mkaddr(struct sockaddr_un *a, const char *name)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	size_t n = strlen(name);
	memcpy(a->sun_path, name, n);
	if (name[0] == '@') {
		a->sun_path[0] = 0;
		return offsetof(struct sockaddr_un, sun_path) + n;
	}
	return offsetof(struct sockaddr_un, sun_path) + n + 1;
}

/* An abstract name unique to this run (the pid is used, never printed). */
static inline const char *uname_abs(const char *tag)
{
	static char buf[4][64];
	static int i;
	char *b = buf[i++ & 3];
	snprintf(b, 64, "@conf-%s-%d", tag, (int)getpid());
	return b;
}
#endif
