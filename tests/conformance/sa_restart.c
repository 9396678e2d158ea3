/* SA_RESTART: a handled signal that interrupts a blocking read on a pipe or a wait4
 * restarts the call when the handler has SA_RESTART and makes it fail with EINTR
 * when it does not; poll is never restarted. A child sends the signal while the
 * parent blocks, then completes the operation a little later. */
#include "conf.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

static volatile int handled;

static void h(int sig)
{
	(void)sig;
	handled++;
}

static void ms(int n)
{
	struct timespec ts = { 0, n * 1000000L };
	while (nanosleep(&ts, &ts) != 0)
		;
}

static void set(int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = h;
	sa.sa_flags = flags;
	sigaction(SIGUSR1, &sa, NULL);
	handled = 0;
}

/* Child: signal the parent after 40 ms, write a byte after 80 ms, exit. */
static pid_t helper(int wfd)
{
	pid_t c = fork();
	if (c == 0) {
		ms(40);
		kill(getppid(), SIGUSR1);
		ms(40);
		if (wfd >= 0 && write(wfd, "x", 1) != 1)
			_exit(1);
		_exit(0);
	}
	return c;
}

static void reap(pid_t c)
{
	int st;
	while (waitpid(c, &st, 0) < 0 && errno == EINTR)
		;
}

static void read_case(const char *what, int flags)
{
	int p[2];
	char b;
	if (pipe(p) != 0)
		return;
	set(flags);
	pid_t c = helper(p[1]);
	long r = kret(read(p[0], &b, 1));
	printf("%s: read = %s, handler ran %d\n", what, r == 1 ? "1 byte" : ename((int)-r), handled);
	if (r != 1) {
		r = kret(read(p[0], &b, 1));
		printf("%s: read again = %s\n", what, r == 1 ? "1 byte" : ename((int)-r));
	}
	reap(c);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	alarm(5);
	read_case("read, SA_RESTART", SA_RESTART);
	read_case("read, no SA_RESTART", 0);

	int p[2];
	if (pipe(p) != 0)
		return 1;
	set(SA_RESTART);
	pid_t c = helper(p[1]);
	struct pollfd pf = { .fd = p[0], .events = POLLIN };
	long r = kret(poll(&pf, 1, 2000));
	printf("poll, SA_RESTART: poll = %s, handler ran %d\n", r < 0 ? ename((int)-r) : "ready", handled);
	reap(c);
	close(p[0]);
	close(p[1]);

	set(SA_RESTART);
	c = helper(-1);
	int st;
	r = kret(waitpid(c, &st, 0));
	printf("waitpid, SA_RESTART: %s, handler ran %d\n", r == c ? "reaped the child" : ename((int)-r), handled);

	set(0);
	c = helper(-1);
	r = kret(waitpid(c, &st, 0));
	printf("waitpid, no SA_RESTART: %s, handler ran %d\n", r == c ? "reaped the child" : ename((int)-r), handled);
	reap(c);
	return 0;
}
