/* Blocking TCP connect: names of both ends, ECONNREFUSED, EISCONN, connect on a
 * listener, listen/bind on a connected socket, connect to 0.0.0.0 and 127.x.y.z, the
 * ephemeral port, AF_UNSPEC on an unconnected socket. */
#include "inet_sock.h"

int main(void)
{
	int l = listener(AF_INET, "0.0.0.0", 4);
	show_name("listener", l, 0);
	show_opt("SO_ACCEPTCONN", l, SOL_SOCKET, SO_ACCEPTCONN);
	int c = connect_to(AF_INET, "127.0.0.1", l);
	show_name("client name", c, 0);
	show_name("client peer", c, 1);
	fact("client port differs from the listener's", port_of(c) != port_of(l));
	inaddr pa;
	socklen_t pl = sizeof(pa);
	int s = accept(l, &pa.sa, &pl);
	show_addr("accepted peer", &pa, pl);
	show_name("accepted name", s, 0);
	fact("accepted port is the listener's", port_of(s) == port_of(l));
	show_opt("accepted SO_ACCEPTCONN", s, SOL_SOCKET, SO_ACCEPTCONN);
	inaddr a;
	socklen_t al = mkin(&a, AF_INET, "127.0.0.1", port_of(l));
	sshow("connect again", connect(c, &a.sa, al));
	sshow("connect on the listener", connect(l, &a.sa, al));
	sshow("listen on a connected socket", listen(c, 1));
	sshow("bind a connected socket", bind(c, &a.sa, al));
	sshow("shutdown bad how", shutdown(c, 7));

	int c2 = socket(AF_INET, SOCK_STREAM, 0);
	al = mkin(&a, AF_INET, "127.3.4.5", port_of(l));
	sshow("connect to 127.3.4.5", connect(c2, &a.sa, al));
	show_name("its name", c2, 0);
	int s2 = accept(l, NULL, NULL);
	show_name("accepted name for 127.3.4.5", s2, 0);
	int c3 = socket(AF_INET, SOCK_STREAM, 0);
	al = mkin(&a, AF_INET, "0.0.0.0", port_of(l));
	sshow("connect to 0.0.0.0", connect(c3, &a.sa, al));
	show_name("its peer", c3, 1);

	int lr = listener(AF_INET, "127.0.0.1", 1);
	int closed_port = port_of(lr);
	close(lr);
	int r = socket(AF_INET, SOCK_STREAM, 0);
	al = mkin(&a, AF_INET, "127.0.0.1", closed_port);
	sshow("connect to a closed port", connect(r, &a.sa, al));
	show_name("name after refusal", r, 0);
	show_opt("SO_ERROR after refusal", r, SOL_SOCKET, SO_ERROR);
	ipoll("after refusal", r);
	sshow("connect to it again", connect(r, &a.sa, al));
	al = mkin(&a, AF_INET, "127.0.0.1", 0);
	sshow("connect to port 0", connect(r, &a.sa, al));

	int u = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr unspec = {.sa_family = AF_UNSPEC};
	sshow("AF_UNSPEC on an unconnected socket", connect(u, &unspec, sizeof(unspec)));
	sshow("AF_UNSPEC, 1 byte", connect(u, &unspec, 1));
	al = mkin(&a, AF_INET6, "::1", port_of(l));
	sshow("inet6 address on an inet socket", connect(u, &a.sa, al));
	sshow("short address", connect(u, &a.sa, 15));
	int u6 = socket(AF_INET6, SOCK_STREAM, 0);
	al = mkin(&a, AF_INET, "127.0.0.1", port_of(l));
	sshow("v6 socket, sockaddr_in", connect(u6, &a.sa, al));
	return 0;
}
