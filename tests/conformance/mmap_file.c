/* File-backed mmap(2): contents match read(2), private copies, checks. */
#include "conf.h"

#define PAGE 4096UL

static long mm(void *addr, size_t len, int prot, int flags, int fd, long off)
{
	return RAW(SYS_mmap, addr, len, prot, flags, fd, off);
}

int main(int argc, char **argv)
{
	(void)argc;
	static char buf[FIXTURE_DATA_SIZE];
	int fd = open("data.txt", O_RDONLY);
	long n = RAW(SYS_read, fd, buf, sizeof(buf));
	show("read(data.txt)", n);

	long r = mm(NULL, FIXTURE_DATA_SIZE, PROT_READ, MAP_PRIVATE, fd, 0);
	show_ok("mmap(data.txt, private, RO)", r);
	char *m = (char *)r;
	fact("mapping equals read() contents", memcmp(m, buf, FIXTURE_DATA_SIZE) == 0);
	int tail_zero = 1;
	for (unsigned long i = FIXTURE_DATA_SIZE; i < 4 * PAGE; i++)
		tail_zero &= m[i] == 0;
	fact("rest of the last page is zero", tail_zero);
	munmap(m, FIXTURE_DATA_SIZE);

	r = mm(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 2 * PAGE);
	show_ok("mmap(offset 2 pages)", r);
	fact("offset mapping equals file at 8192", memcmp((char *)r, buf + 2 * PAGE, PAGE) == 0);
	show_bytes("first bytes at 8192", (char *)r, 12);
	munmap((void *)r, PAGE);

	/* Private writable mapping of a read-only descriptor. */
	r = mm(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	show_ok("mmap(RW, private, O_RDONLY fd)", r);
	char *w = (char *)r;
	memcpy(w, "PRIVATE!", 8);
	char check[10];
	pread(fd, check, 10, 0);
	show_bytes("file after writing the private copy", check, 10);
	show_bytes("private copy", w, 10);

	/* Mapping survives closing the descriptor. */
	int fd2 = open("data.txt", O_RDONLY);
	char *keep = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd2, PAGE);
	close(fd2);
	show_bytes("mapping after close(fd)", keep, 10);

	/* Shared mappings need a writable descriptor to be writable. */
	show_ok("mmap(shared, RO)", mm(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0));
	show_ok("mmap(shared, RW, O_RDONLY fd)", mm(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
	r = mm(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
	show("mprotect(shared RO -> RW)", RAW(SYS_mprotect, r, PAGE, PROT_READ | PROT_WRITE));
	show("mprotect(private RO -> RW)", RAW(SYS_mprotect, keep, PAGE, PROT_READ | PROT_WRITE));

	/* Mapping beyond EOF is allowed (touching it is not). */
	show_ok("mmap(8 pages of a 4-page file)", mm(NULL, 8 * PAGE, PROT_READ, MAP_PRIVATE, fd, 0));
	show_ok("mmap(offset far beyond EOF)", mm(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 1L << 30));
	int e = open("empty", O_RDONLY);
	show_ok("mmap(empty file)", mm(NULL, PAGE, PROT_READ, MAP_PRIVATE, e, 0));
	close(e);

	show_ok("mmap(unaligned offset)", mm(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 100));
	show_ok("mmap(negative offset)", mm(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, -PAGE));
	show_ok("mmap(file, len 0)", mm(NULL, 0, PROT_READ, MAP_PRIVATE, fd, 0));
	int d = open("dir", O_RDONLY | O_DIRECTORY);
	show_ok("mmap(directory)", mm(NULL, PAGE, PROT_READ, MAP_PRIVATE, d, 0));
	close(d);
	int p = open("data.txt", O_PATH);
	show_ok("mmap(O_PATH fd)", mm(NULL, PAGE, PROT_READ, MAP_PRIVATE, p, 0));
	close(p);
	close(fd);
	show_ok("mmap(closed fd)", mm(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 0));

	/* The program's own executable, mapped and compared with read(). */
	int self = open(argv[0], O_RDONLY);
	off_t size = lseek(self, 0, SEEK_END);
	char *img = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, self, 0);
	char *copy = malloc((size_t)size);
	long got = pread(self, copy, (size_t)size, 0);
	fact("own executable: mmap equals pread", img != MAP_FAILED && got == size && memcmp(img, copy, (size_t)size) == 0);
	fact("own executable starts with ELF magic", memcmp(img, "\177ELF", 4) == 0);
	free(copy);
	munmap(img, (size_t)size);
	close(self);
	return 0;
}
