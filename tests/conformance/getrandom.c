/* getrandom(2): lengths, flags and that the bytes look random. */
#include "conf.h"

#include <sys/random.h>

#ifndef GRND_INSECURE
#define GRND_INSECURE 0x0004
#endif

static int all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

int main(void)
{
	unsigned char a[64], b[64];

	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	show("getrandom(64, 0)", RAW(SYS_getrandom, a, sizeof(a), 0));
	fact("bytes not all zero", !all_zero(a, sizeof(a)));
	show("getrandom(64, 0) again", RAW(SYS_getrandom, b, sizeof(b), 0));
	fact("two draws differ", memcmp(a, b, sizeof(a)) != 0);

	/* Roughly uniform: with 64 KiB every byte value shows up. */
	static unsigned char big[65536];
	show("getrandom(64 KiB)", RAW(SYS_getrandom, big, sizeof(big), 0));
	int seen[256] = { 0 }, distinct = 0;
	for (size_t i = 0; i < sizeof(big); i++)
		seen[big[i]] = 1;
	for (int i = 0; i < 256; i++)
		distinct += seen[i];
	fact("all 256 byte values seen in 64 KiB", distinct == 256);

	show("getrandom(GRND_NONBLOCK)", RAW(SYS_getrandom, a, 16, GRND_NONBLOCK));
	show("getrandom(GRND_RANDOM)", RAW(SYS_getrandom, a, 16, GRND_RANDOM));
	show("getrandom(GRND_RANDOM|GRND_NONBLOCK)", RAW(SYS_getrandom, a, 16, GRND_RANDOM | GRND_NONBLOCK));
	show("getrandom(GRND_INSECURE)", RAW(SYS_getrandom, a, 16, GRND_INSECURE));
	show("getrandom(GRND_INSECURE|GRND_RANDOM)", RAW(SYS_getrandom, a, 16, GRND_INSECURE | GRND_RANDOM));
	show("getrandom(flags 0x100)", RAW(SYS_getrandom, a, 16, 0x100));
	show("getrandom(len 0)", RAW(SYS_getrandom, a, 0, 0));
	show("getrandom(NULL, len 0)", RAW(SYS_getrandom, NULL, 0, 0));
	show("getrandom(BADPTR)", RAW(SYS_getrandom, BADPTR, 16, 0));

	/* The libc wrapper agrees. */
	memset(a, 0, sizeof(a));
	fact("getrandom() wrapper fills 32 bytes", getrandom(a, 32, 0) == 32 && !all_zero(a, 32));
	return 0;
}
