/* readlink(2) and readlinkat(2): contents, truncation, errors. */
#include "conf.h"

static void rl(const char *what, long r, const char *buf)
{
	if (r >= 0)
		show_bytes(what, buf, r);
	else
		show(what, r);
}

int main(void)
{
	char buf[64];
	long r;

	r = RAW(SYS_readlink, "link", buf, sizeof(buf));
	show("readlink(link)", r);
	rl("target", r, buf);
	memset(buf, '#', sizeof(buf));
	r = RAW(SYS_readlink, "link", buf, 4);
	show("readlink(link, bufsiz 4)", r);
	show_bytes("buffer (truncated, not terminated)", buf, 6);
	r = RAW(SYS_readlink, "dangling", buf, sizeof(buf));
	rl("readlink(dangling)", r, buf);
	r = RAW(SYS_readlink, "loop1", buf, sizeof(buf));
	rl("readlink(loop1)", r, buf);
	r = RAW(SYS_readlink, "dirlink", buf, sizeof(buf));
	rl("readlink(dirlink)", r, buf);
	r = RAW(SYS_readlink, "dir/link-to-alpha", buf, sizeof(buf));
	rl("readlink(dir/link-to-alpha)", r, buf);
	r = RAW(SYS_readlink, "dirlink/link-to-alpha", buf, sizeof(buf));
	rl("readlink(dirlink/link-to-alpha)", r, buf);

	show("readlink(data.txt)", RAW(SYS_readlink, "data.txt", buf, sizeof(buf)));
	show("readlink(dir)", RAW(SYS_readlink, "dir", buf, sizeof(buf)));
	show("readlink(dirlink/)", RAW(SYS_readlink, "dirlink/", buf, sizeof(buf)));
	show("readlink(missing)", RAW(SYS_readlink, "missing", buf, sizeof(buf)));
	show("readlink(data.txt/x)", RAW(SYS_readlink, "data.txt/x", buf, sizeof(buf)));
	show("readlink(loop1/x)", RAW(SYS_readlink, "loop1/x", buf, sizeof(buf)));
	show("readlink(\"\")", RAW(SYS_readlink, "", buf, sizeof(buf)));
	show("readlink(link, bufsiz 0)", RAW(SYS_readlink, "link", buf, 0));
	show("readlink(link, bufsiz -1)", RAW(SYS_readlink, "link", buf, -1));
	show("readlink(link, BADPTR buf)", RAW(SYS_readlink, "link", BADPTR, sizeof(buf)));
	show("readlink(BADPTR path)", RAW(SYS_readlink, BADPTR, buf, sizeof(buf)));

	int dir = open("dir", O_RDONLY | O_DIRECTORY);
	r = RAW(SYS_readlinkat, dir, "link-to-alpha", buf, sizeof(buf));
	rl("readlinkat(dir, link-to-alpha)", r, buf);
	show("readlinkat(dir, alpha)", RAW(SYS_readlinkat, dir, "alpha", buf, sizeof(buf)));
	show("readlinkat(dir, \"\")", RAW(SYS_readlinkat, dir, "", buf, sizeof(buf)));
	show("readlinkat(12345, link)", RAW(SYS_readlinkat, 12345, "link", buf, sizeof(buf)));
	int file = open("data.txt", O_RDONLY);
	show("readlinkat(file, x)", RAW(SYS_readlinkat, file, "x", buf, sizeof(buf)));
	show("readlinkat(file, \"\")", RAW(SYS_readlinkat, file, "", buf, sizeof(buf)));

	/* An O_PATH|O_NOFOLLOW descriptor of the link itself, empty path. */
	int lnk = open("link", O_PATH | O_NOFOLLOW);
	r = RAW(SYS_readlinkat, lnk, "", buf, sizeof(buf));
	rl("readlinkat(O_PATH link, \"\")", r, buf);
	close(lnk);
	close(file);
	close(dir);
	return 0;
}
