/* Port sharing: SO_REUSEADDR (both sockets, none listening), listen re-checks the
 * port, SO_REUSEPORT lets listeners share, UDP shares with SO_REUSEADDR, TCP and UDP
 * ports are separate, a closed socket frees its port. */
#include "inet_sock.h"

static int on = 1;

int main(void)
{
	inaddr a;
	socklen_t l = mkin(&a, AF_INET, "127.0.0.1", 0);
	int r1 = socket(AF_INET, SOCK_STREAM, 0), r2 = socket(AF_INET, SOCK_STREAM, 0), r3 = socket(AF_INET, SOCK_STREAM, 0);
	bind(r1, &a.sa, l);
	a.in.sin_port = htons(port_of(r1));
	sshow("second bind, no SO_REUSEADDR", bind(r2, &a.sa, l));
	setsockopt(r2, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	sshow("SO_REUSEADDR on the new socket only", bind(r2, &a.sa, l));
	setsockopt(r1, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	sshow("SO_REUSEADDR on both", bind(r2, &a.sa, l));
	sshow("listen first", listen(r1, 1));
	sshow("listen second", listen(r2, 1));
	setsockopt(r3, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	sshow("bind beside a listener", bind(r3, &a.sa, l));
	inaddr b = a;
	b.in.sin_addr.s_addr = htonl(INADDR_ANY);
	sshow("bind 0.0.0.0 beside a listener", bind(r3, &b.sa, l));
	b.in.sin_addr.s_addr = htonl(0x7f000002);
	sshow("bind 127.0.0.2, same port", bind(r3, &b.sa, l));

	int q1 = socket(AF_INET, SOCK_STREAM, 0), q2 = socket(AF_INET, SOCK_STREAM, 0), q3 = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(q1, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on));
	setsockopt(q2, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on));
	show_opt("SO_REUSEPORT", q1, SOL_SOCKET, SO_REUSEPORT);
	inaddr q;
	l = mkin(&q, AF_INET, "127.0.0.1", 0);
	bind(q1, &q.sa, l);
	listen(q1, 4);
	q.in.sin_port = htons(port_of(q1));
	sshow("SO_REUSEPORT bind", bind(q2, &q.sa, l));
	sshow("SO_REUSEPORT listen", listen(q2, 4));
	sshow("bind without SO_REUSEPORT", bind(q3, &q.sa, l));
	int c = socket(AF_INET, SOCK_STREAM, 0);
	sshow("connect to the shared port", connect(c, &q.sa, l));
	close(c);

	int u1 = socket(AF_INET, SOCK_DGRAM, 0), u2 = socket(AF_INET, SOCK_DGRAM, 0);
	setsockopt(u1, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	inaddr ua;
	l = mkin(&ua, AF_INET, "127.0.0.1", 0);
	bind(u1, &ua.sa, l);
	ua.in.sin_port = htons(port_of(u1));
	sshow("udp second bind", bind(u2, &ua.sa, l));
	setsockopt(u2, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	sshow("udp second bind, SO_REUSEADDR", bind(u2, &ua.sa, l));
	int t = socket(AF_INET, SOCK_STREAM, 0);
	sshow("tcp bind on the udp port", bind(t, &ua.sa, l));

	int port = port_of(q3 >= 0 ? r1 : r1);
	close(r1), close(r2), close(r3);
	int n = socket(AF_INET, SOCK_STREAM, 0);
	mkin(&b, AF_INET, "127.0.0.1", port);
	sshow("bind after the holders closed", bind(n, &b.sa, l));
	sshow("listen on it", listen(n, 1));
	return 0;
}
