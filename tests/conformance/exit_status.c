/*
 * Exit statuses are truncated to 8 bits: returning 300 from main gives 44.
 * Output written with stdio but never flushed explicitly must still appear.
 */
#include "conf.h"

int main(void)
{
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	printf("fully buffered line 1\n");
	printf("fully buffered line 2, no newline at the end");
	return 300;
}
