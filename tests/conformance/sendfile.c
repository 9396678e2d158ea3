/* sendfile: file to file, to a pipe, to a socket; the offset pointer (used and
 * updated, the file position left alone) or the file's own position; count limits
 * and the errors Linux gives (EBADF, EINVAL, ESPIPE, EFAULT). */
#include "conf.h"

#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <signal.h>

int main(void)
{
	int in = open("data.txt", O_RDONLY);
	const char *dir = conf_tmpdir();
	int out = open("copy", O_CREAT | O_RDWR | O_TRUNC, 0644);
	long total = 0, n;
	while ((n = RAW(SYS_sendfile, out, in, NULL, 4000)) > 0)
		total += n;
	show("last sendfile", n);
	printf("copied %ld bytes, in position %ld, out position %ld\n", total, (long)lseek(in, 0, SEEK_CUR),
	       (long)lseek(out, 0, SEEK_CUR));
	char a[64], b[64];
	pread(out, a, 20, 12000);
	pread(in, b, 20, 12000);
	fact("same bytes at 12000", memcmp(a, b, 20) == 0);

	off_t off = 100;
	lseek(in, 5, SEEK_SET);
	int p[2];
	pipe(p);
	show("sendfile file->pipe with offset", RAW(SYS_sendfile, p[1], in, &off, 30));
	printf("offset now %ld, position still %ld\n", (long)off, (long)lseek(in, 0, SEEK_CUR));
	n = read(p[0], a, sizeof a);
	show_bytes("pipe got", a, n);

	int s[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, s);
	off = 0;
	show("sendfile file->socket", RAW(SYS_sendfile, s[0], in, &off, 10));
	n = read(s[1], a, sizeof a);
	show_bytes("socket got", a, n);

	off = 12990;
	show("sendfile near the end", RAW(SYS_sendfile, out, in, &off, 100));
	printf("offset %ld\n", (long)off);
	off = 20000;
	show("sendfile past the end", RAW(SYS_sendfile, out, in, &off, 100));
	show("count 0", RAW(SYS_sendfile, out, in, NULL, 0));

	/* Errors. */
	show("bad in fd", RAW(SYS_sendfile, out, 999, NULL, 1));
	show("bad out fd", RAW(SYS_sendfile, 999, in, NULL, 1));
	int wo = open("copy", O_WRONLY);
	show("in not readable", RAW(SYS_sendfile, out, wo, NULL, 1));
	show("out not writable", RAW(SYS_sendfile, in, in, NULL, 1));
	off = -1;
	show("negative offset", RAW(SYS_sendfile, out, in, &off, 1));
	show("offset pointer EFAULT", RAW(SYS_sendfile, out, in, BADPTR, 1));
	write(p[1], "xyz", 3);
	off = 0;
	show("pipe in with offset", RAW(SYS_sendfile, out, p[0], &off, 1));
	show("pipe in to a file", RAW(SYS_sendfile, out, p[0], NULL, 1));
	show("socket in to a file", RAW(SYS_sendfile, out, s[1], NULL, 1));
	int app = open("copy", O_WRONLY | O_APPEND);
	show("out O_APPEND", RAW(SYS_sendfile, app, in, NULL, 1));
	int d = open(".", O_RDONLY | O_DIRECTORY);
	show("directory in", RAW(SYS_sendfile, out, d, NULL, 1));
	int q[2];
	pipe(q);
	write(s[0], "sock", 4);
	show("socket data to a pipe", RAW(SYS_sendfile, q[1], s[1], NULL, 100));
	n = read(q[0], a, sizeof a);
	show_bytes("pipe got", a, n);
	close(p[0]);
	close(p[1]);
	pipe(p);
	close(p[0]);
	signal(SIGPIPE, SIG_IGN);
	off = 0;
	show("pipe without reader", RAW(SYS_sendfile, p[1], in, &off, 10));
	conf_rmtree(dir);
	return 0;
}
