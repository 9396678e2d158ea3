/* FIFOs: O_RDONLY|O_NONBLOCK opens at once, O_WRONLY|O_NONBLOCK without a reader is
 * ENXIO, O_RDWR never blocks; a blocking O_RDONLY open waits for a writer and a
 * blocking O_WRONLY open for a reader; data flows, EOF when writers go, fstat says
 * FIFO, lseek is ESPIPE; an open interrupted by a signal is EINTR. */
#include "conf.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

static void on_alarm(int sig)
{
	(void)sig;
}

int main(void)
{
	const char *dir = conf_tmpdir();
	mkfifo("f", 0644);
	int r = open("f", O_RDONLY | O_NONBLOCK);
	show_ok("O_RDONLY|O_NONBLOCK", r);
	close(r);
	show("O_WRONLY|O_NONBLOCK, no reader", RAW(SYS_open, "f", O_WRONLY | O_NONBLOCK));
	int rw = open("f", O_RDWR);
	show_ok("O_RDWR", rw);
	show("write via O_RDWR", write(rw, "loop", 4));
	char buf[64];
	show("read via O_RDWR", read(rw, buf, sizeof buf));
	struct stat st;
	fstat(rw, &st);
	printf("fstat: fifo %d mode %04o\n", S_ISFIFO(st.st_mode), st.st_mode & 07777);
	show("lseek", lseek(rw, 0, SEEK_SET) < 0 ? -errno : 0);
	int w = open("f", O_WRONLY | O_NONBLOCK);
	show_ok("O_WRONLY|O_NONBLOCK with a reader (O_RDWR)", w);
	close(w);
	close(rw);

	/* Blocking opens meet. */
	pid_t c = fork();
	if (c == 0) {
		usleep(100000);
		int w = open("f", O_WRONLY);
		write(w, "from the child", 14);
		close(w);
		_exit(0);
	}
	r = open("f", O_RDONLY);
	show_ok("blocking O_RDONLY after a writer came", r);
	long n, total = 0;
	while ((n = read(r, buf + total, sizeof buf - total)) > 0)
		total += n;
	show_bytes("read", buf, total);
	show("then EOF", n);
	waitpid(c, NULL, 0);
	close(r);

	c = fork();
	if (c == 0) {
		usleep(100000);
		int r = open("f", O_RDONLY);
		long n = read(r, buf, sizeof buf);
		_exit(n == 3 ? 0 : 1);
	}
	w = open("f", O_WRONLY);
	show_ok("blocking O_WRONLY after a reader came", w);
	write(w, "abc", 3);
	int status;
	waitpid(c, &status, 0);
	printf("reader got the bytes: %d\n", WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(w);

	/* Interrupted by a signal whose handler does not restart. */
	struct sigaction sa = { .sa_handler = on_alarm };
	sigaction(SIGALRM, &sa, NULL);
	alarm(1);
	show("blocking open interrupted", RAW(SYS_open, "f", O_RDONLY));
	show("unlink", unlink("f"));
	conf_rmtree(dir);
	return 0;
}
