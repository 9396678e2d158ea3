/* Closing TCP connections: the peer reads end-of-file, its first write succeeds and
 * the next is EPIPE (SIGPIPE, unless MSG_NOSIGNAL); closing with unread data or with
 * SO_LINGER 0 resets the peer (ECONNRESET); a closed listener resets its queue. */
#include "inet_sock.h"

int main(void)
{
	char buf[16];
	int c, s;
	tcp_pair(&c, &s);
	close(s);
	usleep(10000);
	ipoll("after the peer closed", c);
	sshow("read", read(c, buf, sizeof(buf)));
	sshow("first send", send(c, "abc", 3, MSG_NOSIGNAL));
	usleep(10000);
	ipoll("after it", c);
	sshow("second send", send(c, "abc", 3, MSG_NOSIGNAL));
	sshow("read", read(c, buf, sizeof(buf)));
	show_opt("SO_ERROR", c, SOL_SOCKET, SO_ERROR);
	show_name("peer", c, 1);
	close(c);

	tcp_pair(&c, &s);
	close(s);
	usleep(10000);
	pid_t k = fork();
	if (k == 0) {
		write(c, "a", 1);
		usleep(10000);
		write(c, "b", 1);
		_exit(0);
	}
	int st;
	waitpid(k, &st, 0);
	printf("writer: signaled %d sig %s\n", WIFSIGNALED(st), WIFSIGNALED(st) ? sigabbrev_np(WTERMSIG(st)) : "-");
	close(c);

	tcp_pair(&c, &s);
	send(c, "unread", 6, 0);
	usleep(10000);
	close(s);
	usleep(10000);
	ipoll("after reset", c);
	sshow("recv", recv(c, buf, sizeof(buf), 0));
	sshow("recv again", recv(c, buf, sizeof(buf), 0));
	sshow("send", send(c, "x", 1, MSG_NOSIGNAL));
	close(c);

	tcp_pair(&c, &s);
	send(c, "unread", 6, 0);
	usleep(10000);
	close(s);
	usleep(10000);
	show_opt("SO_ERROR after reset", c, SOL_SOCKET, SO_ERROR);
	ipoll("after SO_ERROR", c);
	sshow("recv", recv(c, buf, sizeof(buf), 0));
	close(c);

	tcp_pair(&c, &s);
	struct linger lg = {1, 0};
	sshow("SO_LINGER 0", setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	close(s);
	usleep(10000);
	sshow("recv after an abortive close", recv(c, buf, sizeof(buf), 0));
	close(c);

	tcp_pair(&c, &s);
	send(s, "bye", 3, 0);
	close(s);
	usleep(10000);
	sshow("data before end-of-file", recv(c, buf, sizeof(buf), 0));
	sshow("then end-of-file", recv(c, buf, sizeof(buf), 0));
	close(c);

	int l = listener(AF_INET, "127.0.0.1", 4);
	int q = connect_to(AF_INET, "127.0.0.1", l);
	close(l);
	usleep(10000);
	sshow("unaccepted client recv", recv(q, buf, sizeof(buf), 0));
	return 0;
}
