/* shutdown(2) on unix sockets: SHUT_WR gives the peer EOF and the writer EPIPE with
 * SIGPIPE (not with MSG_NOSIGNAL), SHUT_RD, close of the peer, ECONNRESET when it closes
 * with unread data, errors, and unconnected stream sockets. */
#include "unix_sock.h"

static volatile int sigpipes;
static void on_pipe(int s)
{
	(void)s;
	sigpipes++;
}

int main(void)
{
	signal(SIGPIPE, on_pipe);
	int sv[2];
	char buf[16];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	send(sv[0], "data", 4, 0);
	sshow("shutdown SHUT_WR", shutdown(sv[0], SHUT_WR));
	sshow("send after SHUT_WR", send(sv[0], "x", 1, 0));
	printf("SIGPIPEs %d\n", sigpipes);
	sshow("send MSG_NOSIGNAL", send(sv[0], "x", 1, MSG_NOSIGNAL));
	sshow("write", write(sv[0], "x", 1));
	printf("SIGPIPEs %d\n", sigpipes);
	sshow("peer reads data", recv(sv[1], buf, sizeof(buf), 0));
	sshow("peer reads EOF", recv(sv[1], buf, sizeof(buf), 0));
	sshow("peer can still send", send(sv[1], "back", 4, 0));
	sshow("reader gets it", recv(sv[0], buf, sizeof(buf), 0));
	sshow("shutdown bad how", shutdown(sv[0], 7));
	sshow("shutdown SHUT_RD", shutdown(sv[1], SHUT_RD));
	sshow("recv after own SHUT_RD", recv(sv[1], buf, sizeof(buf), 0));
	close(sv[0]);
	close(sv[1]);

	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	sshow("shutdown SHUT_RD", shutdown(sv[0], SHUT_RD));
	sshow("peer send to SHUT_RD side", send(sv[1], "x", 1, MSG_NOSIGNAL));
	close(sv[0]);
	close(sv[1]);

	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	send(sv[1], "unread", 6, 0);
	send(sv[0], "for1", 4, 0);
	close(sv[0]);
	sshow("read what was sent before close", recv(sv[1], buf, sizeof(buf), 0));
	sshow("then ECONNRESET (closed with unread data)", recv(sv[1], buf, sizeof(buf), 0));
	sshow("then EOF", recv(sv[1], buf, sizeof(buf), 0));
	sshow("send to closed peer", send(sv[1], "x", 1, 0));
	printf("SIGPIPEs %d\n", sigpipes);
	close(sv[1]);

	socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv);
	close(sv[0]);
	sshow("seqpacket recv from closed peer", recv(sv[1], buf, sizeof(buf), 0));
	sshow("seqpacket send to closed peer", send(sv[1], "x", 1, 0));
	printf("SIGPIPEs %d\n", sigpipes);
	close(sv[1]);

	socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
	sshow("dgram shutdown SHUT_WR", shutdown(sv[0], SHUT_WR));
	sshow("dgram send after", send(sv[0], "x", 1, 0));
	sshow("dgram peer still sends", send(sv[1], "y", 1, 0));
	sshow("dgram shutdown SHUT_RD", shutdown(sv[0], SHUT_RD));
	sshow("dgram recv after SHUT_RD (queued)", recv(sv[0], buf, sizeof(buf), 0));
	sshow("dgram recv after SHUT_RD (empty)", recv(sv[0], buf, sizeof(buf), 0));
	close(sv[0]);
	close(sv[1]);

	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	sshow("unconnected send", send(s, "x", 1, 0));
	sshow("unconnected recv", recv(s, buf, 1, 0));
	sshow("unconnected getpeername", getpeername(s, (struct sockaddr *)buf, &(socklen_t){sizeof(buf)}));
	sshow("unconnected shutdown", shutdown(s, SHUT_RDWR));
	int fd = open("/dev/null", O_RDONLY);
	sshow("shutdown non-socket", shutdown(fd, SHUT_RD));
	sshow("shutdown bad fd", shutdown(999, SHUT_RD));
	s = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	sshow("unconnected seqpacket recv", recv(s, buf, 1, 0));
	sshow("unconnected seqpacket send", send(s, "x", 1, 0));
	printf("SIGPIPEs %d\n", sigpipes);
	return 0;
}
