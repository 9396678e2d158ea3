/* Large amounts of output through stdout: stdio lines and one big write. */
#include "conf.h"

int main(void)
{
	static char buf[300000];
	size_t n = 0;

	for (int i = 0; i < 3000; i++)
		printf("stdio row %04d %s\n", i, i % 2 ? "odd" : "even");
	fflush(stdout);

	for (int i = 0; n + 64 < sizeof(buf); i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "raw row %05d abcdefghijklmnopqrstuvwxyz\n", i);
	size_t off = 0;
	while (off < n) {
		long r = RAW(SYS_write, 1, buf + off, n - off);
		if (r <= 0) {
			printf("write failed: %ld\n", r);
			return 1;
		}
		off += (size_t)r;
	}
	fact("all bytes written", off == n);
	printf("bytes = %zu\n", n);
	return 0;
}
