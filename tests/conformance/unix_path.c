/* AF_UNIX stream sockets on a filesystem path: bind makes a socket inode (EADDRINUSE when
 * the path exists), listen/connect/accept, names, unlink, ECONNREFUSED after close or for
 * a non-socket, ENOENT, open() of a socket is ENXIO. */
#include "unix_sock.h"

int main(void)
{
	const char *dir = conf_tmpdir();
	struct sockaddr_un a, b;
	socklen_t al = mkaddr(&a, "srv.sock"), bl;
	int srv = socket(AF_UNIX, SOCK_STREAM, 0);
	sshow("listen unbound", listen(srv, 5));
	sshow("bind", bind(srv, (struct sockaddr *)&a, al));
	sshow("bind again", bind(srv, (struct sockaddr *)&a, al));
	struct stat st;
	sshow("stat", stat("srv.sock", &st));
	printf("S_ISSOCK %d perms %o\n", S_ISSOCK(st.st_mode), st.st_mode & 0777 & ~022);
	sshow("open socket inode", open("srv.sock", O_RDWR));
	int other = socket(AF_UNIX, SOCK_STREAM, 0);
	sshow("bind existing path", bind(other, (struct sockaddr *)&a, al));
	int cli = socket(AF_UNIX, SOCK_STREAM, 0);
	sshow("connect before listen", connect(cli, (struct sockaddr *)&a, al));
	sshow("listen", listen(srv, 5));
	int v;
	socklen_t vl = sizeof(v);
	getsockopt(srv, SOL_SOCKET, SO_ACCEPTCONN, &v, &vl);
	printf("SO_ACCEPTCONN %d\n", v);
	sshow("connect", connect(cli, (struct sockaddr *)&a, al));
	sshow("connect again", connect(cli, (struct sockaddr *)&a, al));
	bl = sizeof(b);
	int conn = accept(srv, (struct sockaddr *)&b, &bl);
	printf("accept ok %d peer addrlen %u\n", conn >= 0, bl);
	bl = sizeof(b);
	getsockname(conn, (struct sockaddr *)&b, &bl);
	printf("accepted getsockname len %u path %s\n", bl, b.sun_path);
	bl = sizeof(b);
	getpeername(cli, (struct sockaddr *)&b, &bl);
	printf("client getpeername len %u path %s\n", bl, b.sun_path);
	bl = 4;
	memset(&b, 'z', sizeof(b));
	getpeername(cli, (struct sockaddr *)&b, &bl);
	printf("short buffer: len %u, byte after %c\n", bl, b.sun_path[2]);
	sshow("client send", send(cli, "ping", 4, 0));
	char buf[16] = {0};
	sshow("server recv", recv(conn, buf, sizeof(buf), 0));
	show_bytes("data", buf, 4);
	sshow("recv on listener", recv(srv, buf, 4, MSG_DONTWAIT));
	sshow("unlink", unlink("srv.sock"));
	int c2 = socket(AF_UNIX, SOCK_STREAM, 0);
	sshow("connect after unlink", connect(c2, (struct sockaddr *)&a, al));
	sshow("bind the free path", bind(c2, (struct sockaddr *)&a, al));
	close(srv);
	int c3 = socket(AF_UNIX, SOCK_STREAM, 0);
	sshow("connect to unlistened socket", connect(c3, (struct sockaddr *)&a, al));
	close(c2);
	sshow("connect to closed socket's path", connect(c3, (struct sockaddr *)&a, al));
	int fd = open("plain", O_CREAT | O_RDWR, 0644);
	close(fd);
	al = mkaddr(&a, "plain");
	sshow("connect to regular file", connect(c3, (struct sockaddr *)&a, al));
	al = mkaddr(&a, "missing");
	sshow("connect to missing path", connect(c3, (struct sockaddr *)&a, al));
	al = mkaddr(&a, "nodir/x");
	sshow("bind in missing dir", bind(c3, (struct sockaddr *)&a, al));
	conf_rmtree(dir);
	return 0;
}
