/* IPv6 sockets: IPV6_V6ONLY defaults to 0, a :: listener accepts IPv4 clients and
 * reports them as ::ffff:127.0.0.1; ::1 and v4-mapped clients; what v6only changes
 * (port sharing with 0.0.0.0, mapped addresses refused). */
#include "inet_sock.h"

static int on = 1;

int main(void)
{
	int l6 = socket(AF_INET6, SOCK_STREAM, 0);
	show_opt("IPV6_V6ONLY default", l6, IPPROTO_IPV6, IPV6_V6ONLY);
	inaddr a;
	socklen_t al = mkin(&a, AF_INET6, "::", 0);
	sshow("bind ::", bind(l6, &a.sa, al));
	sshow("IPV6_V6ONLY after bind", setsockopt(l6, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)));
	listen(l6, 8);
	show_name("listener", l6, 0);

	int c4 = connect_to(AF_INET, "127.0.0.1", l6);
	inaddr pa;
	socklen_t pl = sizeof(pa);
	int s4 = accept(l6, &pa.sa, &pl);
	show_addr("accept peer of a v4 client", &pa, pl);
	show_name("accepted name", s4, 0);
	show_name("v4 client name", c4, 0);
	show_name("v4 client peer", c4, 1);
	send(c4, "v4", 2, 0);
	char buf[8] = {0};
	sshow("recv from v4 client", recv(s4, buf, sizeof(buf), 0));

	int c6 = connect_to(AF_INET6, "::1", l6);
	pl = sizeof(pa);
	int s6 = accept(l6, &pa.sa, &pl);
	show_addr("accept peer of a ::1 client", &pa, pl);
	show_name("::1 client name", c6, 0);
	show_name("accepted ::1 name", s6, 0);

	int cm = connect_to(AF_INET6, "::ffff:127.0.0.1", l6);
	show_name("mapped client name", cm, 0);
	show_name("mapped client peer", cm, 1);

	int b4 = socket(AF_INET, SOCK_STREAM, 0);
	inaddr b;
	socklen_t bl = mkin(&b, AF_INET, "0.0.0.0", port_of(l6));
	sshow("bind 0.0.0.0 on the port of ::", bind(b4, &b.sa, bl));

	int v = socket(AF_INET6, SOCK_STREAM, 0);
	sshow("set IPV6_V6ONLY", setsockopt(v, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)));
	show_opt("IPV6_V6ONLY now", v, IPPROTO_IPV6, IPV6_V6ONLY);
	al = mkin(&a, AF_INET6, "::", 0);
	bind(v, &a.sa, al);
	listen(v, 1);
	bl = mkin(&b, AF_INET, "0.0.0.0", port_of(v));
	sshow("bind 0.0.0.0 on the port of v6only ::", bind(b4, &b.sa, bl));
	int c = socket(AF_INET, SOCK_STREAM, 0);
	bl = mkin(&b, AF_INET, "127.0.0.1", port_of(v));
	sshow("v4 connect to a v6only listener", connect(c, &b.sa, bl));
	int vm = socket(AF_INET6, SOCK_STREAM, 0);
	setsockopt(vm, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	al = mkin(&a, AF_INET6, "::ffff:127.0.0.1", port_of(l6));
	sshow("v6only connect to a mapped address", connect(vm, &a.sa, al));
	sshow("v6only bind to a mapped address", bind(vm, &a.sa, al));
	show_opt("IPV6_V6ONLY on inet", c, IPPROTO_IPV6, IPV6_V6ONLY);
	sshow("set IPV6_V6ONLY on inet", setsockopt(c, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)));
	return 0;
}
