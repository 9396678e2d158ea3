/* posix_openpt, grantpt, unlockpt, ptsname: a new pair is locked until unlockpt, its
 * number is the N of /dev/pts/N (TIOCGPTN), it is listed in /dev/pts while the master is
 * open, and TIOCGPTPEER opens the slave from the master. */
#include "conf_pty.h"

#include <dirent.h>
#include <sys/sysmacros.h>

static int listed(unsigned n)
{
	char want[16];
	snprintf(want, sizeof(want), "%u", n);
	DIR *d = opendir("/dev/pts");
	if (!d)
		return -1;
	int found = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, want) == 0)
			found = e->d_type == DT_CHR ? 1 : 2;
	closedir(d);
	return found;
}

int main(void)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	show_ok("posix_openpt", m);
	fact("isatty(master)", isatty(m));
	unsigned n = 99999;
	show("TIOCGPTN", kret(ioctl(m, TIOCGPTN, &n)));
	char *name = ptsname(m);
	char want[32];
	snprintf(want, sizeof(want), "/dev/pts/%u", n);
	fact("ptsname is /dev/pts/<TIOCGPTN>", name && strcmp(name, want) == 0);
	int lock = -1;
	show("TIOCGPTLCK", kret(ioctl(m, TIOCGPTLCK, &lock)));
	printf("locked before unlockpt = %d\n", lock);
	show("open locked slave", kret(open(want, O_RDWR | O_NOCTTY)));
	show("grantpt", kret(grantpt(m)));
	show("unlockpt", kret(unlockpt(m)));
	ioctl(m, TIOCGPTLCK, &lock);
	printf("locked after unlockpt = %d\n", lock);
	printf("listed in /dev/pts = %d\n", listed(n));

	struct stat st;
	fstat(m, &st);
	printf("master: chr %d, rdev %u:%u\n", S_ISCHR(st.st_mode), major(st.st_rdev), minor(st.st_rdev));
	stat("/dev/ptmx", &st);
	printf("/dev/ptmx: chr %d, rdev %u:%u, mode %o\n", S_ISCHR(st.st_mode), major(st.st_rdev), minor(st.st_rdev),
	       st.st_mode & 07777);
	show("stat /dev/pts/ptmx", kret(stat("/dev/pts/ptmx", &st)));
	printf("/dev/pts/ptmx rdev %u:%u\n", major(st.st_rdev), minor(st.st_rdev));

	int s = open(want, O_RDWR | O_NOCTTY);
	show_ok("open slave", s);
	fact("isatty(slave)", isatty(s));
	fstat(s, &st);
	printf("slave: chr %d, major %u, minor is N %d\n", S_ISCHR(st.st_mode), major(st.st_rdev), minor(st.st_rdev) == n);
	struct stat st2;
	stat(want, &st2);
	fact("stat(path) is fstat(slave)", st.st_rdev == st2.st_rdev && st.st_ino == st2.st_ino);
	char tn[64] = "";
	show("ttyname_r(slave)", ttyname_r(s, tn, sizeof(tn)));
	fact("ttyname is the slave's path", strcmp(tn, want) == 0);
	show("ttyname_r(master)", ttyname_r(m, tn, sizeof(tn)));
	show("TIOCGPTN on slave", kret(ioctl(s, TIOCGPTN, &n)));

	int peer = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	show_ok("TIOCGPTPEER", peer);
	fstat(peer, &st2);
	fact("peer is the slave", st.st_rdev == st2.st_rdev);
	fact("peer close-on-exec", fcntl(peer, F_GETFD) == FD_CLOEXEC);
	show("TIOCGPTPEER on slave", kret(ioctl(s, TIOCGPTPEER, O_RDWR)));
	write(peer, "x", 1);
	char c = 0;
	read(m, &c, 1);
	printf("peer write reaches master: %c\n", c);

	int m2 = posix_openpt(O_RDWR | O_NOCTTY);
	unsigned n2;
	ioctl(m2, TIOCGPTN, &n2);
	fact("second pair has another number", n2 != n);
	close(m2);
	printf("closed pair still listed = %d\n", listed(n2));
	snprintf(want, sizeof(want), "/dev/pts/%u", n2);
	show("open closed pair's slave", kret(open(want, O_RDWR | O_NOCTTY)));
	close(peer);
	close(s);
	printf("pair with only master open listed = %d\n", listed(n));
	close(m);
	return 0;
}
