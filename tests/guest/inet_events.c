/* SPDX-License-Identifier: MIT */
/* inet_events.c: non-blocking TCP (EINPROGRESS + SO_ERROR, accept4, FIONBIO) driven by epoll with EPOLLET; 200 concurrent connections; errnos of unsupported families, types and protocols. */
// husk-test: status=0 expect="SUCCESS" mem=256M
// husk-test: name=few args=20 status=0 expect="SUCCESS" mem=256M backends=vmm
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"

static int nconn = 200;

static int nb_listener(struct sockaddr_in *a)
{
	socklen_t len = sizeof(*a);
	int l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(bind(l, (struct sockaddr *)a, sizeof(*a)) == 0, "bind: %s", strerror(errno));
	CHECK(listen(l, 256) == 0, "listen: %s", strerror(errno));
	CHECK(getsockname(l, (struct sockaddr *)a, &len) == 0, "getsockname: %s", strerror(errno));
	return l;
}

/* One non-blocking connection, step by step. */
static void test_nonblocking(void)
{
	struct sockaddr_in a;
	struct epoll_event ev, out[4];
	int l = nb_listener(&a), ep = epoll_create1(0), c, s, err = -1, on = 1, n;
	socklen_t len = sizeof(err);
	char buf[16];

	CHECK(accept(l, NULL, NULL) == -1 && errno == EAGAIN, "accept with nobody waiting: %s", strerror(errno));
	c = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(ioctl(c, FIONBIO, &on) == 0, "FIONBIO: %s", strerror(errno));
	ev.events = EPOLLIN;
	ev.data.fd = l;
	epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
	ev.events = EPOLLOUT | EPOLLIN | EPOLLET;
	ev.data.fd = c;
	epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
	n = connect(c, (struct sockaddr *)&a, sizeof(a));
	CHECK(n == 0 || errno == EINPROGRESS, "non-blocking connect: %s", strerror(errno));
	n = epoll_wait(ep, out, 4, 2000);
	CHECK(n == 2, "epoll_wait after connect: %d events", n);
	CHECK(getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0, "SO_ERROR %d", err);
	s = accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	CHECK(s >= 0, "accept4: %s", strerror(errno));
	CHECK((fcntl(s, F_GETFL) & O_NONBLOCK) && (fcntl(s, F_GETFD) & FD_CLOEXEC), "accept4 flags");
	/* Edge-triggered: writable reported once, then nothing until something changes. */
	n = epoll_wait(ep, out, 4, 0);
	CHECK(n == 0, "EPOLLET reported %d events again with no change", n);
	CHECK(read(s, buf, sizeof(buf)) == -1 && errno == EAGAIN, "empty non-blocking read: %s", strerror(errno));
	CHECK(write(s, "ping", 4) == 4, "write: %s", strerror(errno));
	n = epoll_wait(ep, out, 4, 2000);
	CHECK(n == 1 && out[0].data.fd == c && (out[0].events & EPOLLIN), "EPOLLIN edge: %d events", n);
	CHECK(read(c, buf, sizeof(buf)) == 4, "read: %s", strerror(errno));

	/* A refused non-blocking connect reports ECONNREFUSED through SO_ERROR. */
	close(l);
	close(c);
	close(s);
	c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	n = connect(c, (struct sockaddr *)&a, sizeof(a));
	if (n == -1 && errno == EINPROGRESS) {
		ev.events = EPOLLOUT;
		ev.data.fd = c;
		epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
		CHECK(epoll_wait(ep, out, 4, 2000) == 1, "refused connect never ready");
		len = sizeof(err);
		CHECK(getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == ECONNREFUSED,
		      "SO_ERROR after a refused connect: %d", err);
	} else {
		CHECK(n == -1 && errno == ECONNREFUSED, "refused connect: %s", strerror(errno));
	}
	close(c);
	close(ep);
}

/* nconn clients connect at once; one epoll loop accepts and echoes every one of them. */
static void test_many(void)
{
	struct sockaddr_in a;
	struct epoll_event ev, out[64];
	int l = nb_listener(&a), ep = epoll_create1(0), *cl = calloc(nconn, sizeof(int));
	int accepted = 0, echoed = 0, answered = 0;
	char buf[32];

	ev.events = EPOLLIN;
	ev.data.fd = l;
	epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
	for (int i = 0; i < nconn; i++) {
		cl[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		CHECK(cl[i] >= 0, "socket %d: %s", i, strerror(errno));
		CHECK(connect(cl[i], (struct sockaddr *)&a, sizeof(a)) == 0 || errno == EINPROGRESS,
		      "connect %d: %s", i, strerror(errno));
	}
	for (int round = 0; round < 1000 && echoed < nconn; round++) {
		int n = epoll_wait(ep, out, 64, 2000);

		CHECK(n > 0, "epoll_wait: %d (%s) with %d accepted, %d echoed", n, strerror(errno), accepted, echoed);
		if (n <= 0)
			break;
		for (int i = 0; i < n; i++) {
			int fd = out[i].data.fd, s;

			if (fd == l) {
				/* Edge or level, drain the backlog. */
				while ((s = accept4(l, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
					ev.events = EPOLLIN | EPOLLET;
					ev.data.fd = s;
					epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev);
					accepted++;
				}
				continue;
			}
			ssize_t r = read(fd, buf, sizeof(buf));
			if (r > 0) {
				CHECK(write(fd, buf, r) == r, "echo: %s", strerror(errno));
				echoed++;
				close(fd);
			}
		}
		/* Clients speak once they are connected. */
		for (int i = 0; i < nconn; i++) {
			if (cl[i] >= 0 && answered < accepted && write(cl[i], "hi", 2) == 2) {
				answered++;
				cl[i] = -cl[i] - 2;    /* wrote; remember the descriptor */
			}
		}
	}
	CHECK(accepted == nconn && echoed == nconn, "%d connections: %d accepted, %d echoed", nconn, accepted, echoed);
	for (int i = 0; i < nconn; i++) {
		int fd = cl[i] < -1 ? -cl[i] - 2 : cl[i];
		ssize_t r = -1;

		for (int t = 0; t < 100 && (r = read(fd, buf, sizeof(buf))) < 0 && errno == EAGAIN; t++)
			usleep(1000);
		CHECK(r == 2 && memcmp(buf, "hi", 2) == 0, "client %d got %zd back", i, r);
		close(fd);
	}
	printf("%d concurrent connections accepted and echoed\n", nconn);
	close(l);
	close(ep);
	free(cl);
}

static void test_errnos(void)
{
	CHECK(socket(AF_INET, SOCK_STREAM, IPPROTO_UDP) == -1 && errno == EPROTONOSUPPORT,
	      "TCP socket with IPPROTO_UDP: %s", strerror(errno));
	CHECK(socket(AF_INET6, SOCK_DGRAM, IPPROTO_TCP) == -1 && errno == EPROTONOSUPPORT,
	      "UDP socket with IPPROTO_TCP: %s", strerror(errno));
	CHECK(socket(AF_INET, SOCK_SEQPACKET, 0) == -1 && errno == ESOCKTNOSUPPORT,
	      "SOCK_SEQPACKET over IPv4: %s", strerror(errno));
	CHECK(socket(AF_APPLETALK, SOCK_DGRAM, 0) == -1 && errno == EAFNOSUPPORT,
	      "AF_APPLETALK: %s", strerror(errno));
	CHECK(socket(1000, SOCK_STREAM, 0) == -1 && errno == EAFNOSUPPORT, "family 1000: %s", strerror(errno));
	CHECK(socket(AF_INET, 1000, 0) == -1 && errno == EINVAL, "type 1000: %s", strerror(errno));
	int sv[2];
	CHECK(socketpair(AF_INET, SOCK_STREAM, 0, sv) == -1 && errno == EOPNOTSUPP, "socketpair(AF_INET): %s", strerror(errno));
}

int main(int argc, char **argv)
{
	if (argc > 1)
		nconn = atoi(argv[1]);
	test_errnos();
	test_nonblocking();
	test_many();
	return check_finish("inet_events");
}
