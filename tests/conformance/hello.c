/* The smallest check: stdio output, a raw write(2) and a normal exit. */
#include "conf.h"

int main(void)
{
	static const char msg[] = "hello via write(2)\n";

	printf("hello, world\n");
	fflush(stdout);
	show("write(1, msg)", RAW(SYS_write, 1, msg, sizeof(msg) - 1));
	return 0;
}
