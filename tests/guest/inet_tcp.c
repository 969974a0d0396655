/* SPDX-License-Identifier: MIT */
/* inet_tcp.c: TCP over loopback (127.0.0.1, ::1, v4-mapped): a threaded echo of a few MB in both directions with a checksum, names, shutdown/EOF, refused connects, options, sendfile. */
// husk-test: status=0 expect="SUCCESS" mem=256M
// husk-test: name=small args=small status=0 expect="SUCCESS" mem=256M backends=vmm
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/sendfile.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "check.h"

/* Bytes echoed each way: 4 MiB, or 256 KiB with the argument "small" (husk-vmm emulates the kernel slowly). */
static size_t BULK = 4 * 1024 * 1024;

static uint32_t fnv(uint32_t h, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static void fill(unsigned char *p, size_t n, size_t at)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)((at + i) * 2654435761u >> 13);
}

/* A listener on the loopback address of family, port chosen by the kernel. */
static int listener(int family, struct sockaddr_storage *ss, socklen_t *len)
{
	int one = 1, fd = socket(family, SOCK_STREAM, 0);

	CHECK(fd >= 0, "socket(%d): %s", family, strerror(errno));
	CHECK(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0, "SO_REUSEADDR: %s", strerror(errno));
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		*len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = in6addr_loopback;
		*len = sizeof(*sin6);
	}
	CHECK(bind(fd, (struct sockaddr *)ss, *len) == 0, "bind: %s", strerror(errno));
	CHECK(listen(fd, 8) == 0, "listen: %s", strerror(errno));
	CHECK(getsockname(fd, (struct sockaddr *)ss, len) == 0, "getsockname: %s", strerror(errno));
	return fd;
}

struct echo {
	int lfd;
	uint32_t sum;      /* of what the server received */
	size_t got;
};

/* Server thread: accepts one connection and echoes everything back until EOF. */
static void *echo_server(void *arg)
{
	struct echo *e = arg;
	static unsigned char buf[65536];
	int fd = accept(e->lfd, NULL, NULL);
	ssize_t n;

	CHECK(fd >= 0, "accept: %s", strerror(errno));
	e->sum = 2166136261u;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		e->sum = fnv(e->sum, buf, n);
		e->got += n;
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(fd, buf + off, n - off);

			CHECK(w > 0, "echo write: %s", strerror(errno));
			if (w <= 0)
				break;
			off += w;
		}
	}
	CHECK(n == 0, "echo read: %s", strerror(errno));
	close(fd);
	return NULL;
}

struct sender {
	int fd;
	uint32_t sum;
};

static void *bulk_sender(void *arg)
{
	struct sender *s = arg;
	static unsigned char buf[50000];
	size_t sent = 0;

	s->sum = 2166136261u;
	while (sent < BULK) {
		size_t n = BULK - sent < sizeof(buf) ? BULK - sent : sizeof(buf);
		ssize_t w;

		fill(buf, n, sent);
		s->sum = fnv(s->sum, buf, n);
		for (size_t off = 0; off < n; off += w) {
			w = write(s->fd, buf + off, n - off);
			CHECK(w > 0, "bulk write: %s", strerror(errno));
			if (w <= 0)
				return NULL;
		}
		sent += n;
	}
	CHECK(shutdown(s->fd, SHUT_WR) == 0, "shutdown: %s", strerror(errno));
	return NULL;
}

static void test_echo(int family, const char *what)
{
	struct sockaddr_storage ss, peer, local;
	socklen_t len, plen = sizeof(peer), llen = sizeof(local);
	struct echo e = { 0 };
	struct sender s;
	pthread_t srv, snd;
	static unsigned char buf[65536];
	uint32_t back = 2166136261u;
	size_t got = 0;
	ssize_t n;
	int fd;

	e.lfd = listener(family, &ss, &len);
	CHECK(pthread_create(&srv, NULL, echo_server, &e) == 0, "pthread_create");
	fd = socket(family, SOCK_STREAM, 0);
	CHECK(connect(fd, (struct sockaddr *)&ss, len) == 0, "%s connect: %s", what, strerror(errno));
	CHECK(getpeername(fd, (struct sockaddr *)&peer, &plen) == 0 && plen == len &&
	      memcmp(&peer, &ss, len) == 0, "%s getpeername differs from the listener's name", what);
	CHECK(getsockname(fd, (struct sockaddr *)&local, &llen) == 0 && local.ss_family == family,
	      "%s getsockname: %s", what, strerror(errno));
	s.fd = fd;
	CHECK(pthread_create(&snd, NULL, bulk_sender, &s) == 0, "pthread_create");
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		back = fnv(back, buf, n);
		got += n;
	}
	CHECK(n == 0, "%s read back: %s", what, strerror(errno));
	pthread_join(snd, NULL);
	pthread_join(srv, NULL);
	CHECK(e.got == BULK && got == BULK, "%s: server got %zu, client got %zu of %zu", what, e.got, got, BULK);
	CHECK(e.sum == s.sum && back == s.sum, "%s: checksums differ (sent %08x, server %08x, back %08x)",
	      what, s.sum, e.sum, back);
	printf("%s: echoed %zu bytes both ways, checksum %08x\n", what, BULK, s.sum);
	close(fd);
	close(e.lfd);
}

/* A dual-stack AF_INET6 listener takes an IPv4 client; the peer shows as ::ffff:127.0.0.1. */
static void test_v4mapped(void)
{
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT }, p6;
	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a6);
	int l = socket(AF_INET6, SOCK_STREAM, 0), c = socket(AF_INET, SOCK_STREAM, 0), s, v = -1;
	char txt[64];

	len = sizeof(v);
	CHECK(getsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &v, &len) == 0 && v == 0, "IPV6_V6ONLY default %d", v);
	CHECK(bind(l, (struct sockaddr *)&a6, sizeof(a6)) == 0, "bind ::: %s", strerror(errno));
	v = 1;
	CHECK(setsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &v, sizeof(v)) == -1 && errno == EINVAL,
	      "IPV6_V6ONLY after bind: %s", strerror(errno));
	CHECK(listen(l, 1) == 0, "listen: %s", strerror(errno));
	len = sizeof(a6);
	getsockname(l, (struct sockaddr *)&a6, &len);
	a4.sin_port = a6.sin6_port;
	CHECK(connect(c, (struct sockaddr *)&a4, sizeof(a4)) == 0, "connect to 127.0.0.1 on a :: listener: %s", strerror(errno));
	len = sizeof(p6);
	s = accept(l, (struct sockaddr *)&p6, &len);
	CHECK(s >= 0, "accept: %s", strerror(errno));
	inet_ntop(AF_INET6, &p6.sin6_addr, txt, sizeof(txt));
	CHECK(len == sizeof(p6) && strcmp(txt, "::ffff:127.0.0.1") == 0, "peer %s", txt);
	close(s);
	close(c);
	close(l);
}

static void test_errors(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, l, c, s, v;
	char buf[8];

	/* Nobody listens on that port: refused. */
	l = listener(AF_INET, &ss, &len);
	close(l);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(connect(fd, (struct sockaddr *)&ss, len) == -1 && errno == ECONNREFUSED,
	      "connect to a closed port: %s", strerror(errno));
	close(fd);

	/* Binding a port in use. */
	l = listener(AF_INET, &ss, &len);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	a.sin_port = ((struct sockaddr_in *)&ss)->sin_port;
	CHECK(bind(fd, (struct sockaddr *)&a, sizeof(a)) == -1 && errno == EADDRINUSE, "bind in use: %s", strerror(errno));
	close(fd);

	/* Reading an unconnected socket, writing after the peer closed. */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(read(fd, buf, 1) == -1 && errno == ENOTCONN, "read unconnected: %s", strerror(errno));
	CHECK(getpeername(fd, (struct sockaddr *)&a, &len) == -1 && errno == ENOTCONN, "getpeername: %s", strerror(errno));
	close(fd);
	c = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(connect(c, (struct sockaddr *)&ss, len) == 0, "connect: %s", strerror(errno));
	s = accept(l, NULL, NULL);
	CHECK(write(c, "abc", 3) == 3, "write: %s", strerror(errno));
	CHECK(recv(s, buf, sizeof(buf), MSG_PEEK) == 3 && recv(s, buf, sizeof(buf), 0) == 3 &&
	      memcmp(buf, "abc", 3) == 0, "peek then read");
	/* MSG_WAITALL waits for the rest; SO_RCVTIMEO ends a wait with what was read. */
	{
		struct timeval tv = { 0, 100000 };
		char big[8];

		CHECK(write(c, "12345", 5) == 5 && write(c, "678", 3) == 3, "writes");
		CHECK(recv(s, big, 8, MSG_WAITALL) == 8 && memcmp(big, "12345678", 8) == 0, "MSG_WAITALL");
		CHECK(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0, "SO_RCVTIMEO: %s", strerror(errno));
		CHECK(write(c, "9", 1) == 1, "write");
		CHECK(recv(s, big, 8, MSG_WAITALL) == 1 && big[0] == '9', "MSG_WAITALL with a timeout returns what came");
		CHECK(recv(s, big, 8, 0) == -1 && errno == EAGAIN, "recv timeout: %s", strerror(errno));
	}
	close(s);
	CHECK(read(c, buf, 1) == 0, "EOF after the peer closed");
	signal(SIGPIPE, SIG_IGN);
	for (int i = 0; i < 3 && write(c, "x", 1) == 1; i++)
		usleep(1000);
	CHECK(write(c, "x", 1) == -1 && (errno == EPIPE || errno == ECONNRESET), "write after reset: %s", strerror(errno));
	close(c);

	/* Options. */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	v = 1;
	CHECK(setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, sizeof(v)) == 0, "TCP_NODELAY: %s", strerror(errno));
	len = sizeof(v);
	v = 0;
	CHECK(getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, &len) == 0 && v == 1, "TCP_NODELAY reads %d", v);
	v = 1;
	CHECK(setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &v, sizeof(v)) == 0, "SO_KEEPALIVE: %s", strerror(errno));
	v = 0x10;
	CHECK(setsockopt(fd, IPPROTO_IP, IP_TOS, &v, sizeof(v)) == 0, "IP_TOS: %s", strerror(errno));
	len = sizeof(v);
	CHECK(getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &v, &len) == 0 && v == IPPROTO_TCP, "SO_PROTOCOL %d", v);
	CHECK(getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len) == 0 && v == SOCK_STREAM, "SO_TYPE %d", v);
	close(fd);
	close(l);
}

/* sendfile from a regular file into a TCP connection. */
static void test_sendfile(void)
{
	struct sockaddr_storage ss;
	socklen_t len;
	static unsigned char data[300000], got[300000];
	int l = listener(AF_INET, &ss, &len), c = socket(AF_INET, SOCK_STREAM, 0), s, fd;
	off_t off = 0;
	size_t have = 0;
	ssize_t n;

	fill(data, sizeof(data), 7);
	fd = open("/tmp/sendfile.dat", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0 && write(fd, data, sizeof(data)) == sizeof(data), "write the file: %s", strerror(errno));
	CHECK(connect(c, (struct sockaddr *)&ss, len) == 0, "connect: %s", strerror(errno));
	s = accept(l, NULL, NULL);
	/* The receiver does not read yet: sendfile blocks and continues as the window opens. */
	while (have < sizeof(data)) {
		if (off < (off_t)sizeof(data)) {
			n = sendfile(c, fd, &off, sizeof(data) - off);
			CHECK(n > 0, "sendfile: %zd %s", n, strerror(errno));
			if (n <= 0)
				break;
		}
		while (have < (size_t)off && (n = recv(s, got + have, sizeof(got) - have, MSG_DONTWAIT)) > 0)
			have += n;
	}
	CHECK(have == sizeof(data) && memcmp(got, data, sizeof(data)) == 0, "sendfile: %zu bytes arrived intact", have);
	close(fd);
	close(c);
	close(s);
	close(l);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "small") == 0)
		BULK = 256 * 1024;
	test_echo(AF_INET, "127.0.0.1");
	test_echo(AF_INET6, "::1");
	test_v4mapped();
	test_errors();
	test_sendfile();
	return check_finish("inet_tcp");
}
