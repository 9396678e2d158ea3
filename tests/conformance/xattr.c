/* Extended attributes on files in /tmp: set/get/list/remove by path, by link path
 * and by descriptor; XATTR_CREATE/XATTR_REPLACE, size queries, ERANGE, E2BIG,
 * ENODATA, EOPNOTSUPP for unknown namespaces, EINVAL for bad flags or a bare prefix,
 * user.* refused on symlinks and FIFOs, trusted.* without CAP_SYS_ADMIN. */
#include "conf.h"

#include <sys/stat.h>
#include <sys/xattr.h>
#include <linux/capability.h>

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names, sorted (the order of a listing is the filesystem's). */
static void names(const char *what, long n, char *buf)
{
	char *v[32];
	int k = 0;
	if (is_err(n)) {
		show(what, n);
		return;
	}
	for (long i = 0; i < n && k < 32; i += strlen(buf + i) + 1)
		v[k++] = buf + i;
	qsort(v, k, sizeof v[0], cmp);
	printf("%s (%ld bytes):", what, n);
	for (int i = 0; i < k; i++)
		printf(" %s", v[i]);
	printf("\n");
}

int main(void)
{
	const char *dir = conf_tmpdir();
	int f = open("file", O_CREAT | O_RDWR, 0644);
	mkdir("dir", 0755);
	symlink("file", "link");
	mkfifo("fifo", 0644);
	char buf[256];

	show("set user.one", RAW(SYS_setxattr, "file", "user.one", "first", 5, 0));
	show("set user.two via fd", RAW(SYS_fsetxattr, f, "user.two", "2", 1, XATTR_CREATE));
	show("set user.two XATTR_CREATE again", RAW(SYS_setxattr, "file", "user.two", "x", 1, XATTR_CREATE));
	show("set user.three XATTR_REPLACE", RAW(SYS_setxattr, "file", "user.three", "x", 1, XATTR_REPLACE));
	show("replace user.two", RAW(SYS_setxattr, "file", "user.two", "second", 6, XATTR_REPLACE));
	show("set empty value", RAW(SYS_setxattr, "file", "user.empty", "", 0, 0));
	show("set through the symlink", RAW(SYS_setxattr, "link", "user.via-link", "l", 1, 0));
	show("set on a directory", RAW(SYS_setxattr, "dir", "user.d", "dv", 2, 0));
	show("trusted as root", RAW(SYS_setxattr, "file", "trusted.t", "tv", 2, 0));

	show("get size query", RAW(SYS_getxattr, "file", "user.two", NULL, 0));
	long n = RAW(SYS_getxattr, "file", "user.two", buf, sizeof buf);
	show_bytes("get user.two", buf, n);
	n = RAW(SYS_fgetxattr, f, "user.one", buf, sizeof buf);
	show_bytes("fget user.one", buf, n);
	show("get empty", RAW(SYS_getxattr, "file", "user.empty", buf, sizeof buf));
	show("get too small", RAW(SYS_getxattr, "file", "user.two", buf, 3));
	show("get missing", RAW(SYS_getxattr, "file", "user.nope", buf, sizeof buf));
	show("get dir", RAW(SYS_getxattr, "dir", "user.d", buf, sizeof buf));
	show("lget on the symlink", RAW(SYS_lgetxattr, "link", "user.one", buf, sizeof buf));

	show("list size query", RAW(SYS_listxattr, "file", NULL, 0));
	n = RAW(SYS_listxattr, "file", buf, sizeof buf);
	names("list", n, buf);
	n = RAW(SYS_flistxattr, f, buf, sizeof buf);
	names("flist", n, buf);
	show("list too small", RAW(SYS_listxattr, "file", buf, 5));
	show("llist on the symlink", RAW(SYS_llistxattr, "link", buf, sizeof buf));
	n = RAW(SYS_listxattr, "fifo", buf, sizeof buf);
	names("list fifo", n, buf);

	show("remove user.one", RAW(SYS_removexattr, "file", "user.one"));
	show("remove again", RAW(SYS_removexattr, "file", "user.one"));
	show("fremove user.two", RAW(SYS_fremovexattr, f, "user.two"));
	n = RAW(SYS_listxattr, "file", buf, sizeof buf);
	names("list after removing", n, buf);

	/* Errors. */
	static char big[70000];
	show("value too large", RAW(SYS_setxattr, "file", "user.big", big, sizeof big, 0));
	memset(big, 'v', 1000);
	show("a larger value", RAW(SYS_setxattr, "file", "user.big", big, 1000, 0));
	char longname[300];
	memset(longname, 'a', sizeof longname);
	memcpy(longname, "user.", 5);
	longname[299] = 0;
	show("name too long", RAW(SYS_setxattr, "file", longname, "v", 1, 0));
	show("empty name", RAW(SYS_setxattr, "file", "", "v", 1, 0));
	show("bare prefix", RAW(SYS_setxattr, "file", "user.", "v", 1, 0));
	show("unknown namespace", RAW(SYS_setxattr, "file", "foo.bar", "v", 1, 0));
	show("unknown namespace get", RAW(SYS_getxattr, "file", "foo.bar", buf, sizeof buf));
	show("bad flags", RAW(SYS_setxattr, "file", "user.x", "v", 1, 4));
	show("user.* on a symlink", RAW(SYS_lsetxattr, "link", "user.x", "v", 1, 0));
	show("user.* on a fifo", RAW(SYS_setxattr, "fifo", "user.x", "v", 1, 0));
	show("get user.* on a fifo", RAW(SYS_getxattr, "fifo", "user.x", buf, sizeof buf));
	show("missing file", RAW(SYS_setxattr, "missing", "user.x", "v", 1, 0));
	show("bad fd", RAW(SYS_fsetxattr, 999, "user.x", "v", 1, 0));
	show("value EFAULT", RAW(SYS_setxattr, "file", "user.x", BADPTR, 1, 0));
	show("name EFAULT", RAW(SYS_setxattr, "file", BADPTR, "v", 1, 0));
	show("get buffer EFAULT", RAW(SYS_getxattr, "file", "user.big", BADPTR, 2000));
	n = RAW(SYS_getxattr, "file", "user.big", big + 2000, 2000);
	printf("larger value back: %ld bytes, same %d\n", n, n == 1000 && memcmp(big, big + 2000, 1000) == 0);
	int p[2];
	pipe(p);
	show("fsetxattr on a pipe", RAW(SYS_fsetxattr, p[0], "user.x", "v", 1, 0));
	show("fgetxattr on a pipe", RAW(SYS_fgetxattr, p[0], "user.x", buf, sizeof buf));
	show("flistxattr on a pipe", RAW(SYS_flistxattr, p[0], buf, sizeof buf));

	/* Without CAP_SYS_ADMIN, trusted.* is out of reach and hidden. */
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct c[2];
	syscall(SYS_capget, &h, c);
	c[0].effective &= ~(1u << CAP_SYS_ADMIN);
	show("capset", RAW(SYS_capset, &h, c));
	show("set trusted", RAW(SYS_setxattr, "file", "trusted.u", "v", 1, 0));
	show("get trusted", RAW(SYS_getxattr, "file", "trusted.t", buf, sizeof buf));
	show("remove trusted", RAW(SYS_removexattr, "file", "trusted.t"));
	n = RAW(SYS_listxattr, "file", buf, sizeof buf);
	names("list without the capability", n, buf);
	conf_rmtree(dir);
	return 0;
}
