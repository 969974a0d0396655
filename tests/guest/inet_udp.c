/* SPDX-License-Identifier: MIT */
/* inet_udp.c: UDP over loopback (127.0.0.1, ::1): sendto/recvfrom with sender addresses, connect, truncation, MSG_PEEK, sendmmsg/recvmmsg, poll, errors, SO_BROADCAST, SO_RCVTIMEO. */
// husk-test: status=0 expect="SUCCESS" backends=qemu,vmm
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "check.h"

static int bound(int family, struct sockaddr_storage *ss, socklen_t *len)
{
	int fd = socket(family, SOCK_DGRAM, 0);

	CHECK(fd >= 0, "socket: %s", strerror(errno));
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		*len = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
		*len = sizeof(*a);
	}
	CHECK(bind(fd, (struct sockaddr *)ss, *len) == 0, "bind: %s", strerror(errno));
	CHECK(getsockname(fd, (struct sockaddr *)ss, len) == 0, "getsockname: %s", strerror(errno));
	return fd;
}

static void test_family(int family, const char *what)
{
	struct sockaddr_storage a, b, from;
	socklen_t alen, blen, flen = sizeof(from);
	struct pollfd pfd;
	char buf[64];
	int fa = bound(family, &a, &alen), fb = bound(family, &b, &blen), n;
	ssize_t r;

	pfd.fd = fb;
	pfd.events = POLLIN;
	CHECK(poll(&pfd, 1, 0) == 0, "%s: readable before anything was sent", what);
	CHECK(sendto(fa, "hello", 5, 0, (struct sockaddr *)&b, blen) == 5, "%s sendto: %s", what, strerror(errno));
	CHECK(poll(&pfd, 1, 1000) == 1 && (pfd.revents & POLLIN), "%s: not readable after a datagram", what);
	CHECK(ioctl(fb, FIONREAD, &n) == 0 && n == 5, "%s FIONREAD %d", what, n);
	r = recvfrom(fb, buf, sizeof(buf), MSG_PEEK, NULL, NULL);
	CHECK(r == 5, "%s peek %zd", what, r);
	r = recvfrom(fb, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
	CHECK(r == 5 && memcmp(buf, "hello", 5) == 0, "%s recvfrom %zd", what, r);
	CHECK(flen == alen && memcmp(&from, &a, alen) == 0, "%s: the sender's address differs", what);

	/* A connected socket; a datagram longer than the buffer is cut and says so. */
	CHECK(connect(fb, (struct sockaddr *)&a, alen) == 0, "%s connect: %s", what, strerror(errno));
	CHECK(send(fb, "0123456789", 10, 0) == 10, "%s send: %s", what, strerror(errno));
	{
		struct iovec iov = { buf, 4 };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

		r = recvmsg(fa, &m, 0);
		CHECK(r == 4 && (m.msg_flags & MSG_TRUNC) && memcmp(buf, "0123", 4) == 0,
		      "%s truncated recvmsg %zd flags %x", what, r, m.msg_flags);
	}
	CHECK(recv(fa, buf, sizeof(buf), MSG_DONTWAIT) == -1 && errno == EAGAIN, "%s: empty queue: %s", what, strerror(errno));

	/* Several datagrams in one call each way. */
	{
		struct mmsghdr mm[3];
		struct iovec iov[3];
		char in[3][8];

		memset(mm, 0, sizeof(mm));
		for (int i = 0; i < 3; i++) {
			iov[i].iov_base = (char *)(i == 0 ? "one" : i == 1 ? "two" : "three");
			iov[i].iov_len = strlen(iov[i].iov_base);
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
		}
		CHECK(sendmmsg(fb, mm, 3, 0) == 3, "%s sendmmsg: %s", what, strerror(errno));
		memset(mm, 0, sizeof(mm));
		for (int i = 0; i < 3; i++) {
			iov[i].iov_base = in[i];
			iov[i].iov_len = sizeof(in[i]);
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
		}
		n = recvmmsg(fa, mm, 3, MSG_DONTWAIT, NULL);
		CHECK(n == 3 && mm[0].msg_len == 3 && mm[2].msg_len == 5 && memcmp(in[1], "two", 3) == 0,
		      "%s recvmmsg %d: %s", what, n, strerror(errno));
	}
	close(fa);
	close(fb);
}

int main(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int fd;

	test_family(AF_INET, "127.0.0.1");
	test_family(AF_INET6, "::1");

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	CHECK(send(fd, "x", 1, 0) == -1 && errno == EDESTADDRREQ, "send unconnected: %s", strerror(errno));
	CHECK(listen(fd, 1) == -1 && errno == EOPNOTSUPP, "listen on UDP: %s", strerror(errno));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	{
		static char big[70000];
		ssize_t r = sendto(fd, big, sizeof(big), 0, (struct sockaddr *)&a, sizeof(a));

		CHECK(r == -1 && errno == EMSGSIZE, "a datagram over 64 KiB: %zd %s", r, strerror(errno));
	}
	/* A broadcast needs SO_BROADCAST. */
	a.sin_addr.s_addr = htonl(INADDR_BROADCAST);
	a.sin_port = htons(9);
	CHECK(sendto(fd, "x", 1, 0, (struct sockaddr *)&a, sizeof(a)) == -1 && errno == EACCES,
	      "broadcast without SO_BROADCAST: %s", strerror(errno));
	close(fd);

	/* SO_RCVTIMEO: a receive with nothing to read gives up with EAGAIN. */
	{
		struct timeval tv = { 0, 50000 }, got;
		socklen_t len = sizeof(got);
		char c;

		fd = socket(AF_INET, SOCK_DGRAM, 0);
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		a.sin_port = 0;
		bind(fd, (struct sockaddr *)&a, sizeof(a));
		CHECK(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0, "SO_RCVTIMEO: %s", strerror(errno));
		CHECK(getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &got, &len) == 0 && got.tv_sec == 0 && got.tv_usec >= 50000 && got.tv_usec < 60000,  /* Linux rounds to its clock tick */
		      "SO_RCVTIMEO reads %ld.%06ld", (long)got.tv_sec, (long)got.tv_usec);
		CHECK(recv(fd, &c, 1, 0) == -1 && (errno == EAGAIN || errno == EWOULDBLOCK), "recv with a timeout: %s", strerror(errno));
		tv.tv_usec = 1000000;
		CHECK(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1 && errno == EDOM, "tv_usec 1000000: %s", strerror(errno));
		close(fd);
	}
	return check_finish("inet_udp");
}
