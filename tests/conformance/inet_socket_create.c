/* socket(2) for AF_INET and AF_INET6: types and protocols, flags, errors; what a fresh
 * socket reports (SO_TYPE/DOMAIN/PROTOCOL, names, readiness). */
#include "inet_sock.h"

int main(void)
{
	int fams[2] = {AF_INET, AF_INET6};
	for (int i = 0; i < 2; i++) {
		int f = fams[i];
		printf("-- family %s\n", f == AF_INET ? "inet" : "inet6");
		int t = socket(f, SOCK_STREAM, 0), u = socket(f, SOCK_DGRAM, 0);
		sshow("tcp proto 6", close(socket(f, SOCK_STREAM, IPPROTO_TCP)));
		sshow("udp proto 17", close(socket(f, SOCK_DGRAM, IPPROTO_UDP)));
		sshow("tcp proto 17", socket(f, SOCK_STREAM, IPPROTO_UDP));
		sshow("udp proto 6", socket(f, SOCK_DGRAM, IPPROTO_TCP));
		sshow("seqpacket", socket(f, SOCK_SEQPACKET, 0));
		sshow("type 99", socket(f, 99, 0));
		sshow("bad flag", socket(f, SOCK_STREAM | 0x100, 0));
		int sv[2];
		sshow("socketpair", socketpair(f, SOCK_STREAM, 0, sv));
		show_opt("tcp SO_TYPE", t, SOL_SOCKET, SO_TYPE);
		show_opt("tcp SO_DOMAIN", t, SOL_SOCKET, SO_DOMAIN);
		show_opt("tcp SO_PROTOCOL", t, SOL_SOCKET, SO_PROTOCOL);
		show_opt("tcp SO_ACCEPTCONN", t, SOL_SOCKET, SO_ACCEPTCONN);
		show_opt("udp SO_TYPE", u, SOL_SOCKET, SO_TYPE);
		show_opt("udp SO_PROTOCOL", u, SOL_SOCKET, SO_PROTOCOL);
		show_name("tcp name", t, 0);
		show_name("tcp peer", t, 1);
		show_name("udp name", u, 0);
		ipoll("fresh tcp", t);
		ipoll("fresh udp", u);
		struct stat st;
		fstat(t, &st);
		fact("S_ISSOCK", S_ISSOCK(st.st_mode));
		int nb = socket(f, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		fact("SOCK_NONBLOCK gives O_NONBLOCK", fcntl(nb, F_GETFL) & O_NONBLOCK);
		fact("SOCK_CLOEXEC gives FD_CLOEXEC", fcntl(nb, F_GETFD) & FD_CLOEXEC);
		char c;
		sshow("read fresh tcp", read(t, &c, 1));
		sshow("recv fresh udp nonblocking", recv(u, &c, 1, MSG_DONTWAIT));
		signal(SIGPIPE, SIG_IGN);
		sshow("write fresh tcp", write(t, "x", 1));
		sshow("listen udp", listen(u, 1));
		sshow("accept udp", accept(u, NULL, NULL));
		sshow("accept unlistened tcp", accept(t, NULL, NULL));
		sshow("shutdown fresh tcp", shutdown(t, SHUT_RDWR));
		close(t), close(u), close(nb);
	}
	return 0;
}
