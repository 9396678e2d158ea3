/* The main thread's stack grows on demand; argv and envp live on it. */
#include "conf.h"

#include <sys/resource.h>

static unsigned long depth_sum(int depth)
{
	volatile unsigned char frame[16384];

	for (unsigned i = 0; i < sizeof(frame); i += 512)
		frame[i] = (unsigned char)(depth + i / 512);
	if (depth == 0)
		return frame[0];
	return depth_sum(depth - 1) + frame[sizeof(frame) - 512];
}

int main(int argc, char **argv)
{
	int local;
	struct rlimit rl;

	getrlimit(RLIMIT_STACK, &rl);
	fact("stack soft limit >= 8 MiB", rl.rlim_cur >= (8UL << 20));
	long dist = (char *)argv - (char *)&local;
	fact("argv lies above main's frame, within 1 MiB", dist > 0 && dist < (1L << 20));
	fact("argv strings lie above argv", argv[0] > (char *)argv);
	(void)argc;

	/* 256 frames of 16 KiB: 4 MiB of stack, touched page by page. */
	printf("sum over 4 MiB of frames = %lu\n", depth_sum(256));

	/* The grown stack shows up as resident memory. */
	unsigned char vec[1];
	unsigned long page = ((unsigned long)&local - (2UL << 20)) & ~4095UL;
	show("mincore(2 MiB below main)", RAW(SYS_mincore, page, 4096, vec));
	return 0;
}
