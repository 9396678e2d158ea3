/* mknod/mknodat: regular files (type 0 and S_IFREG), FIFOs and socket nodes with the
 * umask applied; S_IFDIR is EPERM, an unknown type EINVAL, an existing name EEXIST, a
 * missing parent ENOENT; device nodes without CAP_MKNOD are EPERM. */
#include "conf.h"

#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <linux/capability.h>

static void kind(const char *name)
{
	struct stat st;
	if (lstat(name, &st) != 0) {
		printf("%s: %s\n", name, ename(errno));
		return;
	}
	const char *k = S_ISREG(st.st_mode) ? "regular" : S_ISFIFO(st.st_mode) ? "fifo" : S_ISSOCK(st.st_mode) ? "socket"
		: S_ISCHR(st.st_mode) ? "chr" : "other";
	printf("%s: %s %04o size %ld nlink %ld\n", name, k, st.st_mode & 07777, (long)st.st_size, (long)st.st_nlink);
}

int main(void)
{
	const char *dir = conf_tmpdir();
	umask(022);
	show("mknod type 0", RAW(SYS_mknod, "plain", 0666, 0));
	show("mknod S_IFREG", RAW(SYS_mknod, "reg", S_IFREG | 0600, 0));
	show("mknod S_IFIFO", RAW(SYS_mknod, "fifo", S_IFIFO | 0666, 0));
	show("mknodat S_IFSOCK", RAW(SYS_mknodat, AT_FDCWD, "sock", S_IFSOCK | 0777, 0));
	mkdir("sub", 0755);
	int d = open("sub", O_RDONLY | O_DIRECTORY);
	show("mknodat in a dirfd", RAW(SYS_mknodat, d, "f2", S_IFIFO | 0640, 0));
	kind("plain");
	kind("reg");
	kind("fifo");
	kind("sock");
	kind("sub/f2");
	show("mkfifo", mkfifo("fifo2", 0600) == 0 ? 0 : -errno);
	kind("fifo2");
	show("exists", RAW(SYS_mknod, "fifo", S_IFIFO | 0666, 0));
	show("missing parent", RAW(SYS_mknod, "nope/x", S_IFIFO | 0666, 0));
	show("S_IFDIR", RAW(SYS_mknod, "dir", S_IFDIR | 0755, 0));
	show("bad type", RAW(SYS_mknod, "bad", 0170000 | 0644, 0));
	show("bad dirfd", RAW(SYS_mknodat, 999, "x", S_IFIFO | 0644, 0));
	show("path EFAULT", RAW(SYS_mknod, BADPTR, S_IFIFO | 0644, 0));
	show("trailing slash", RAW(SYS_mknod, "t/", S_IFIFO | 0644, 0));

	/* A socket node made by mknod has no socket behind it. */
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	strcpy(sa.sun_path, "sock");
	show("connect to a mknod socket", connect(s, (struct sockaddr *)&sa, sizeof sa) == 0 ? 0 : -errno);
	show("open a socket node", RAW(SYS_open, "sock", O_RDONLY));

	/* Without CAP_MKNOD, device nodes are refused. */
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct c[2];
	syscall(SYS_capget, &h, c);
	c[0].effective &= ~(1u << CAP_MKNOD);
	show("capset", RAW(SYS_capset, &h, c));
	show("S_IFCHR without CAP_MKNOD", RAW(SYS_mknod, "chr", S_IFCHR | 0644, makedev(1, 3)));
	show("S_IFBLK without CAP_MKNOD", RAW(SYS_mknod, "blk", S_IFBLK | 0644, makedev(7, 0)));
	kind("chr");
	conf_rmtree(dir);
	return 0;
}
