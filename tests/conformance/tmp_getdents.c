/* getdents64 on tmpfs directories: every entry once, even when entries are removed
 * between calls; rewinding; d_type; a removed directory reads as empty. */
#include "conf.h"
#include <dirent.h>
#include <sys/stat.h>

struct d64 {
	unsigned long long ino;
	long long off;
	unsigned short reclen;
	unsigned char type;
	char name[];
};

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
	const char *dir = conf_tmpdir();
	char buf[200], path[32], *names[200];
	int n = 0, fd, seen_dot = 0, seen_dotdot = 0, dups = 0;
	long r;

	for (int i = 0; i < 60; i++) {
		snprintf(path, sizeof(path), "file%02d", i);
		close(open(path, O_CREAT | O_WRONLY, 0644));
	}
	mkdir("subdir", 0755);
	symlink("file00", "alink");

	fd = open(".", O_RDONLY | O_DIRECTORY);
	/* Small buffer: many calls. Remove each regular entry once it is seen. */
	while ((r = RAW(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < r;) {
			struct d64 *d = (struct d64 *)(buf + off);

			if (!strcmp(d->name, "."))
				seen_dot++;
			else if (!strcmp(d->name, ".."))
				seen_dotdot++;
			else {
				for (int i = 0; i < n; i++)
					if (!strcmp(names[i], d->name))
						dups++;
				if (n < 200)
					names[n++] = strdup(d->name);
				if (!strcmp(d->name, "subdir"))
					printf("subdir d_type %s\n", d->type == DT_DIR ? "DT_DIR" : "other");
				else if (!strcmp(d->name, "alink"))
					printf("alink d_type %s\n", d->type == DT_LNK ? "DT_LNK" : "other");
				else if (d->type != DT_REG)
					printf("%s: unexpected d_type %d\n", d->name, d->type);
				if (!strncmp(d->name, "file", 4))
					unlink(d->name);
			}
			off += d->reclen;
		}
	}
	show("last getdents64", r);
	printf("entries %d, . %d, .. %d, duplicates %d\n", n, seen_dot, seen_dotdot, dups);
	qsort(names, n, sizeof(names[0]), cmp);
	printf("first %s last %s\n", names[0], names[n - 1]);

	show("lseek(fd, 0)", RAW(SYS_lseek, fd, 0, SEEK_SET));
	n = 0;
	while ((r = RAW(SYS_getdents64, fd, buf, sizeof(buf))) > 0)
		for (long off = 0; off < r; off += ((struct d64 *)(buf + off))->reclen)
			n++;
	printf("entries after rewinding: %d\n", n);
	show("getdents64 with a 10-byte buffer", RAW(SYS_getdents64, fd, buf, 10));
	show("lseek(fd, 0)", RAW(SYS_lseek, fd, 0, SEEK_SET));
	show("getdents64 with a 10-byte buffer at the start", RAW(SYS_getdents64, fd, buf, 10));
	show("getdents64 to BADPTR", RAW(SYS_getdents64, fd, BADPTR, sizeof(buf)));
	close(fd);

	close(open("plain", O_CREAT | O_WRONLY, 0644));
	show("getdents64 on a regular file", RAW(SYS_getdents64, open("plain", O_RDONLY), buf, sizeof(buf)));
	fd = open("subdir", O_RDONLY | O_DIRECTORY);
	show("rmdir(subdir) while open", RAW(SYS_rmdir, "subdir"));
	show("getdents64 on the removed directory", RAW(SYS_getdents64, fd, buf, sizeof(buf)));
	close(fd);

	/* readdir through libc agrees. */
	mkdir("r", 0755);
	close(open("r/one", O_CREAT | O_WRONLY, 0644));
	close(open("r/two", O_CREAT | O_WRONLY, 0644));
	{
		DIR *d = opendir("r");
		struct dirent *e;
		int count = 0;

		while (d && (e = readdir(d)))
			count++;
		printf("readdir(r) entries: %d\n", count);
		if (d)
			closedir(d);
	}

	conf_rmtree(dir);
	fact("temporary directory gone", access(dir, F_OK) != 0);
	return 0;
}
