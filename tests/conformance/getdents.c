/* getdents64(2): listing directories, resuming, rewinding, errors. */
#include "conf.h"

#include <dirent.h>
#include <sys/stat.h>

struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

#define MAXN 64

struct listing {
	int n;
	char name[MAXN][256];
	unsigned char type[MAXN];
	uint64_t ino[MAXN];
};

static int cmp(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

/* Read a whole directory with the given buffer size; returns -errno. */
static long list(int fd, size_t bufsize, struct listing *out)
{
	static char buf[65536];

	out->n = 0;
	for (;;) {
		long r = RAW(SYS_getdents64, fd, buf, bufsize);
		if (r < 0)
			return r;
		if (r == 0)
			return 0;
		for (long off = 0; off < r;) {
			struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
			if (out->n < MAXN) {
				snprintf(out->name[out->n], 256, "%s", d->d_name);
				out->type[out->n] = d->d_type;
				out->ino[out->n] = d->d_ino;
				out->n++;
			}
			off += d->d_reclen;
		}
	}
}

static void print_sorted(const char *what, struct listing *l)
{
	static char names[MAXN][256];

	for (int i = 0; i < l->n; i++)
		memcpy(names[i], l->name[i], 256);
	qsort(names, (size_t)l->n, 256, cmp);
	printf("%s (%d):", what, l->n);
	for (int i = 0; i < l->n; i++)
		printf(" %s", names[i]);
	printf("\n");
}

static char dtype_of(mode_t m)
{
	return S_ISREG(m) ? DT_REG : S_ISDIR(m) ? DT_DIR : S_ISLNK(m) ? DT_LNK : DT_UNKNOWN;
}

int main(void)
{
	static struct listing a, b;
	char buf[64];
	int fd = open("dir", O_RDONLY | O_DIRECTORY);

	show("getdents64(dir, 4096)", list(fd, 4096, &a));
	print_sorted("dir", &a);

	/* d_type and d_ino agree with fstatat (DT_UNKNOWN is allowed). */
	int types_ok = 1, inos_ok = 1;
	for (int i = 0; i < a.n; i++) {
		struct stat st;
		fstatat(fd, a.name[i], &st, AT_SYMLINK_NOFOLLOW);
		if (a.type[i] != DT_UNKNOWN && a.type[i] != dtype_of(st.st_mode))
			types_ok = 0;
		if (strcmp(a.name[i], "..") != 0 && a.ino[i] != st.st_ino)
			inos_ok = 0;
	}
	fact("d_type agrees with lstat", types_ok);
	fact("d_ino agrees with lstat (except ..)", inos_ok);

	show("getdents64 at EOF", RAW(SYS_getdents64, fd, buf, sizeof(buf)));
	show("lseek(dir, 0, SEEK_SET)", RAW(SYS_lseek, fd, 0, SEEK_SET));
	/* A buffer that fits about one entry at a time. */
	show("getdents64(dir, 40-byte buffer)", list(fd, 40, &b));
	print_sorted("dir again", &b);

	lseek(fd, 0, SEEK_SET);
	show("getdents64(buffer 1)", RAW(SYS_getdents64, fd, buf, 1));
	show("getdents64(buffer 0)", RAW(SYS_getdents64, fd, buf, 0));
	show("getdents64(BADPTR)", RAW(SYS_getdents64, fd, BADPTR, 4096));
	close(fd);
	show("getdents64(closed fd)", RAW(SYS_getdents64, fd, buf, sizeof(buf)));
	show("getdents64(-1)", RAW(SYS_getdents64, -1, buf, sizeof(buf)));

	int file = open("data.txt", O_RDONLY);
	show("getdents64(regular file)", RAW(SYS_getdents64, file, buf, sizeof(buf)));
	close(file);
	int path = open("dir", O_PATH | O_DIRECTORY);
	show("getdents64(O_PATH dir)", RAW(SYS_getdents64, path, buf, sizeof(buf)));
	close(path);

	int sub = open("dir/sub", O_RDONLY | O_DIRECTORY);
	show("getdents64(empty dir)", list(sub, 4096, &a));
	print_sorted("dir/sub", &a);
	close(sub);

	int top = open(".", O_RDONLY | O_DIRECTORY);
	list(top, 4096, &a);
	print_sorted(".", &a);
	close(top);

	/* libc's readdir sees the same set. */
	DIR *d = opendir("dirlink");
	struct dirent *e;
	b.n = 0;
	while ((e = readdir(d)) && b.n < MAXN)
		snprintf(b.name[b.n++], 256, "%s", e->d_name);
	closedir(d);
	print_sorted("readdir(dirlink)", &b);
	return 0;
}
