/* O_TMPFILE: an unnamed file in the directory (readable and writable, link count 0,
 * absent from the listing), linked into the tree with linkat(AT_EMPTY_PATH), refused
 * after O_EXCL (ENOENT); EINVAL without write access or with O_CREAT, ENOTDIR on a
 * file, ENOENT on a missing directory, EISDIR for O_DIRECTORY alone. */
#include "conf.h"

#include <dirent.h>
#include <sys/stat.h>

static int entries(void)
{
	DIR *d = opendir(".");
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

int main(void)
{
	const char *dir = conf_tmpdir();
	umask(022);
	int f = open(".", O_TMPFILE | O_RDWR, 0666);
	show_ok("O_TMPFILE|O_RDWR", f);
	struct stat st;
	fstat(f, &st);
	printf("regular %d nlink %ld mode %04o\n", S_ISREG(st.st_mode), (long)st.st_nlink, st.st_mode & 07777);
	show("write", write(f, "unnamed data", 12));
	char buf[32];
	show("pread", pread(f, buf, sizeof buf, 0));
	printf("entries in the directory: %d\n", entries());
	show("linkat AT_EMPTY_PATH", RAW(SYS_linkat, f, "", AT_FDCWD, "named", AT_EMPTY_PATH));
	stat("named", &st);
	printf("named: size %ld nlink %ld\n", (long)st.st_size, (long)st.st_nlink);
	fstat(f, &st);
	printf("fd nlink now %ld\n", (long)st.st_nlink);
	int g = open("named", O_RDONLY);
	long n = read(g, buf, sizeof buf);
	show_bytes("named holds", buf, n);
	printf("entries in the directory: %d\n", entries());
	show("link again under another name", RAW(SYS_linkat, f, "", AT_FDCWD, "second", AT_EMPTY_PATH));

	int x = open(".", O_TMPFILE | O_WRONLY | O_EXCL, 0600);
	show_ok("O_TMPFILE|O_EXCL", x);
	show("linkat of an O_EXCL tmpfile", RAW(SYS_linkat, x, "", AT_FDCWD, "excl", AT_EMPTY_PATH));

	mkdir("sub", 0755);
	int y = open("sub", O_TMPFILE | O_WRONLY, 0640);
	show_ok("O_TMPFILE in a subdirectory", y);
	show("link into the parent", RAW(SYS_linkat, y, "", AT_FDCWD, "from-sub", AT_EMPTY_PATH));
	stat("from-sub", &st);
	printf("from-sub mode %04o\n", st.st_mode & 07777);

	show("O_TMPFILE|O_RDONLY", RAW(SYS_open, ".", O_TMPFILE | O_RDONLY, 0600));
	show("O_TMPFILE|O_CREAT", RAW(SYS_open, ".", O_TMPFILE | O_CREAT | O_RDWR, 0600));
	show("O_TMPFILE on a file", RAW(SYS_open, "named", O_TMPFILE | O_RDWR, 0600));
	show("O_TMPFILE on a missing directory", RAW(SYS_open, "missing", O_TMPFILE | O_RDWR, 0600));
	show("O_DIRECTORY|O_RDWR on a directory", RAW(SYS_open, ".", O_DIRECTORY | O_RDWR, 0600));
	conf_rmtree(dir);
	return 0;
}
