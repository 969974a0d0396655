/* SPDX-License-Identifier: MIT */
/* unix_sockets.c: AF_UNIX stream/dgram/seqpacket: socketpair, bind/listen/connect/accept, names, EOF, EPIPE, MSG_PEEK, nonblocking, poll, SCM_RIGHTS, abstract names. */
// husk-test: status=0 expect="SUCCESS" backends=qemu,vmm,xen
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "check.h"

#define PATH "/tmp/husk-test.sock"

static void test_pair_stream(void)
{
	int sv[2];
	char buf[64];
	ssize_t n;

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair: %s", strerror(errno));
	CHECK(write(sv[0], "ping", 4) == 4, "write: %s", strerror(errno));
	n = read(sv[1], buf, sizeof(buf));
	CHECK(n == 4 && memcmp(buf, "ping", 4) == 0, "read %zd", n);
	CHECK(send(sv[1], "pong!", 5, 0) == 5, "send: %s", strerror(errno));
	n = recv(sv[0], buf, sizeof(buf), 0);
	CHECK(n == 5 && memcmp(buf, "pong!", 5) == 0, "recv %zd", n);

	/* A stream has no boundaries: two writes may be read at once. */
	write(sv[0], "ab", 2);
	write(sv[0], "cd", 2);
	n = read(sv[1], buf, sizeof(buf));
	CHECK(n == 4 && memcmp(buf, "abcd", 4) == 0, "merged read %zd", n);

	/* MSG_PEEK leaves the data in place. */
	write(sv[0], "peek", 4);
	n = recv(sv[1], buf, sizeof(buf), MSG_PEEK);
	CHECK(n == 4 && memcmp(buf, "peek", 4) == 0, "peek %zd", n);
	n = recv(sv[1], buf, 2, 0);
	CHECK(n == 2 && memcmp(buf, "pe", 2) == 0, "after peek %zd", n);
	n = recv(sv[1], buf, sizeof(buf), 0);
	CHECK(n == 2 && memcmp(buf, "ek", 2) == 0, "rest %zd", n);

	/* Nonblocking: nothing to read. */
	n = recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT);
	CHECK(n == -1 && errno == EAGAIN, "MSG_DONTWAIT %zd errno %d", n, errno);
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	n = read(sv[1], buf, sizeof(buf));
	CHECK(n == -1 && errno == EAGAIN, "O_NONBLOCK %zd errno %d", n, errno);

	/* Poll: writable, not readable; then readable. */
	struct pollfd p = { .fd = sv[1], .events = POLLIN | POLLOUT };
	CHECK(poll(&p, 1, 0) == 1 && p.revents == POLLOUT, "poll idle revents %#x", p.revents);
	write(sv[0], "x", 1);
	CHECK(poll(&p, 1, 0) == 1 && p.revents == (POLLIN | POLLOUT), "poll data revents %#x", p.revents);
	read(sv[1], buf, 1);

	/* shutdown(SHUT_WR): the other side reads EOF, and sees POLLRDHUP. */
	CHECK(shutdown(sv[0], SHUT_WR) == 0, "shutdown: %s", strerror(errno));
	p.events = POLLIN | POLLRDHUP;
	CHECK(poll(&p, 1, 0) == 1 && (p.revents & POLLRDHUP), "POLLRDHUP revents %#x", p.revents);
	CHECK(read(sv[1], buf, sizeof(buf)) == 0, "EOF after shutdown");
	CHECK(write(sv[1], "back", 4) == 4, "the other way still works");
	CHECK(read(sv[0], buf, sizeof(buf)) == 4, "read back");

	/* Close: EOF and POLLHUP on the other end; EPIPE when writing. */
	close(sv[0]);
	p.events = POLLIN;
	CHECK(poll(&p, 1, 0) == 1 && (p.revents & POLLHUP), "POLLHUP revents %#x", p.revents);
	CHECK(read(sv[1], buf, sizeof(buf)) == 0, "EOF after close");
	signal(SIGPIPE, SIG_IGN);
	n = write(sv[1], "x", 1);
	CHECK(n == -1 && errno == EPIPE, "write to closed peer %zd errno %d", n, errno);
	n = send(sv[1], "x", 1, MSG_NOSIGNAL);
	CHECK(n == -1 && errno == EPIPE, "send MSG_NOSIGNAL %zd errno %d", n, errno);
	close(sv[1]);
}

static void test_pair_dgram(void)
{
	int sv[2], type;
	char buf[64];
	socklen_t len = sizeof(type);
	ssize_t n;

	CHECK(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) == 0, "socketpair: %s", strerror(errno));
	CHECK(fcntl(sv[0], F_GETFD) == FD_CLOEXEC, "SOCK_CLOEXEC");
	CHECK(getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_DGRAM, "SO_TYPE %d", type);
	send(sv[0], "one", 3, 0);
	send(sv[0], "two!", 4, 0);
	n = recv(sv[1], buf, sizeof(buf), 0);
	CHECK(n == 3 && memcmp(buf, "one", 3) == 0, "first datagram %zd", n);
	n = recv(sv[1], buf, sizeof(buf), 0);
	CHECK(n == 4 && memcmp(buf, "two!", 4) == 0, "second datagram %zd", n);

	/* A short buffer truncates the datagram; MSG_TRUNC returns its real size. */
	send(sv[0], "truncated", 9, 0);
	struct iovec iov = { buf, 4 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	n = recvmsg(sv[1], &mh, 0);
	CHECK(n == 4 && (mh.msg_flags & MSG_TRUNC), "truncated %zd flags %#x", n, mh.msg_flags);
	send(sv[0], "truncated", 9, 0);
	n = recv(sv[1], buf, 2, MSG_TRUNC);
	CHECK(n == 9, "MSG_TRUNC returns %zd", n);
	close(sv[0]);
	close(sv[1]);

	/* SEQPACKET keeps boundaries too, and has EOF. */
	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0, "seqpacket: %s", strerror(errno));
	send(sv[0], "rec1", 4, 0);
	send(sv[0], "record2", 7, 0);
	CHECK(recv(sv[1], buf, sizeof(buf), 0) == 4, "record 1");
	CHECK(recv(sv[1], buf, sizeof(buf), 0) == 7, "record 2");
	close(sv[0]);
	CHECK(recv(sv[1], buf, sizeof(buf), 0) == 0, "seqpacket EOF");
	close(sv[1]);
}

static void *client(void *arg)
{
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	char buf[16];

	(void)arg;
	strcpy(a.sun_path, PATH);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
		return (void *)1;
	if (write(fd, "hello server", 12) != 12)
		return (void *)2;
	if (read(fd, buf, sizeof(buf)) != 5 || memcmp(buf, "hi cl", 5))
		return (void *)3;
	close(fd);
	return NULL;
}

static void test_listen(void)
{
	int l = socket(AF_UNIX, SOCK_STREAM, 0), c, v;
	struct sockaddr_un a = { .sun_family = AF_UNIX }, got;
	socklen_t len;
	pthread_t t;
	void *ret;
	char buf[32];
	struct stat st;
	ssize_t n;

	unlink(PATH);
	strcpy(a.sun_path, PATH);
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(connect(c, (struct sockaddr *)&a, sizeof(a)) == -1 && errno == ENOENT, "connect to nothing errno %d", errno);
	close(c);
	CHECK(bind(l, (struct sockaddr *)&a, sizeof(a)) == 0, "bind: %s", strerror(errno));
	CHECK(stat(PATH, &st) == 0 && S_ISSOCK(st.st_mode), "socket node mode %o", st.st_mode);
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(bind(c, (struct sockaddr *)&a, sizeof(a)) == -1 && errno == EADDRINUSE, "EADDRINUSE errno %d", errno);
	CHECK(connect(c, (struct sockaddr *)&a, sizeof(a)) == -1 && errno == ECONNREFUSED, "not listening: errno %d", errno);
	close(c);
	CHECK(listen(l, 4) == 0, "listen: %s", strerror(errno));
	len = sizeof(v);
	CHECK(getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) == 0 && v == 1, "SO_ACCEPTCONN %d", v);
	len = sizeof(got);
	CHECK(getsockname(l, (struct sockaddr *)&got, &len) == 0 && len == offsetof(struct sockaddr_un, sun_path) + strlen(PATH) + 1 &&
	      strcmp(got.sun_path, PATH) == 0, "getsockname len %u path %s", len, got.sun_path);

	struct pollfd p = { .fd = l, .events = POLLIN };
	CHECK(poll(&p, 1, 0) == 0, "listener idle");
	pthread_create(&t, NULL, client, NULL);
	CHECK(poll(&p, 1, 5000) == 1 && p.revents == POLLIN, "pending connection revents %#x", p.revents);
	c = accept(l, NULL, NULL);
	CHECK(c >= 0, "accept: %s", strerror(errno));
	len = sizeof(got);
	CHECK(getsockname(c, (struct sockaddr *)&got, &len) == 0 && strcmp(got.sun_path, PATH) == 0, "accepted name %s", got.sun_path);
	len = sizeof(got);
	CHECK(getpeername(c, (struct sockaddr *)&got, &len) == 0 && len == sizeof(sa_family_t), "unnamed peer len %u", len);
	n = recv(c, buf, 12, MSG_WAITALL);
	CHECK(n == 12 && memcmp(buf, "hello server", 12) == 0, "server read %zd", n);
	CHECK(write(c, "hi cl", 5) == 5, "server write");
	pthread_join(t, &ret);
	CHECK(ret == NULL, "client step %ld failed", (long)ret);
	CHECK(read(c, buf, sizeof(buf)) == 0, "EOF after the client closed");
	close(c);

	/* Nonblocking accept with nothing pending. */
	fcntl(l, F_SETFL, O_NONBLOCK);
	CHECK(accept(l, NULL, NULL) == -1 && errno == EAGAIN, "accept EAGAIN errno %d", errno);
	close(l);
	CHECK(unlink(PATH) == 0, "unlink the socket node");
}

static void test_scm_rights(void)
{
	int sv[2], pfd[2], got = -1;
	char buf[16], cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { "fd", 2 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;
	ssize_t n;

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
	CHECK(pipe(pfd) == 0, "pipe");
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &pfd[1], sizeof(int));
	CHECK(sendmsg(sv[0], &mh, 0) == 2, "sendmsg: %s", strerror(errno));
	close(pfd[1]);       /* the only write end left is in flight */

	memset(cbuf, 0, sizeof(cbuf));
	iov.iov_base = buf;
	iov.iov_len = sizeof(buf);
	mh.msg_controllen = sizeof(cbuf);
	n = recvmsg(sv[1], &mh, 0);
	CHECK(n == 2 && memcmp(buf, "fd", 2) == 0, "recvmsg %zd", n);
	c = CMSG_FIRSTHDR(&mh);
	CHECK(c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN(sizeof(int)),
	      "control message");
	if (c)
		memcpy(&got, CMSG_DATA(c), sizeof(int));
	CHECK(got >= 0 && !(mh.msg_flags & MSG_CTRUNC), "received fd %d flags %#x", got, mh.msg_flags);
	CHECK(write(got, "via", 3) == 3, "write through the passed fd: %s", strerror(errno));
	close(got);
	n = read(pfd[0], buf, sizeof(buf));
	CHECK(n == 3 && memcmp(buf, "via", 3) == 0, "pipe read %zd", n);
	CHECK(read(pfd[0], buf, sizeof(buf)) == 0, "pipe EOF once the passed end closed");

	/* No room for the descriptor: MSG_CTRUNC. */
	iov.iov_base = "fd";
	iov.iov_len = 2;
	mh.msg_control = cbuf;
	mh.msg_controllen = sizeof(cbuf);
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &pfd[0], sizeof(int));
	CHECK(sendmsg(sv[0], &mh, 0) == 2, "sendmsg 2");
	iov.iov_base = buf;
	iov.iov_len = sizeof(buf);
	mh.msg_control = NULL;
	mh.msg_controllen = 0;
	n = recvmsg(sv[1], &mh, 0);
	CHECK(n == 2 && (mh.msg_flags & MSG_CTRUNC), "MSG_CTRUNC %zd flags %#x", n, mh.msg_flags);
	close(pfd[0]);
	close(sv[0]);
	close(sv[1]);
}

static void test_abstract_dgram(void)
{
	int s = socket(AF_UNIX, SOCK_DGRAM, 0), c = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	struct sockaddr_un a = { .sun_family = AF_UNIX }, from;
	socklen_t alen = offsetof(struct sockaddr_un, sun_path) + 1 + 9, flen = sizeof(from), len;
	char buf[16];
	ssize_t n;

	memcpy(a.sun_path, "\0husk-abs", 10);
	CHECK(bind(s, (struct sockaddr *)&a, alen) == 0, "abstract bind: %s", strerror(errno));
	CHECK(bind(c, (struct sockaddr *)&a, alen) == -1 && errno == EADDRINUSE, "abstract EADDRINUSE errno %d", errno);
	/* Autobind: an empty address gets a "\0XXXXX" name. */
	CHECK(bind(c, (struct sockaddr *)&a, sizeof(sa_family_t)) == 0, "autobind: %s", strerror(errno));
	len = sizeof(from);
	CHECK(getsockname(c, (struct sockaddr *)&from, &len) == 0 && len == sizeof(sa_family_t) + 6 && from.sun_path[0] == 0,
	      "autobind name len %u", len);
	CHECK(sendto(c, "dgram", 5, 0, (struct sockaddr *)&a, alen) == 5, "sendto: %s", strerror(errno));
	n = recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
	CHECK(n == 5 && flen == sizeof(sa_family_t) + 6 && from.sun_path[0] == 0, "recvfrom %zd flen %u", n, flen);
	/* Reply to the sender's address. */
	CHECK(sendto(s, "reply", 5, 0, (struct sockaddr *)&from, flen) == 5, "reply: %s", strerror(errno));
	CHECK(recv(c, buf, sizeof(buf), 0) == 5 && memcmp(buf, "reply", 5) == 0, "reply received");
	CHECK(recv(c, buf, sizeof(buf), 0) == -1 && errno == EAGAIN, "SOCK_NONBLOCK EAGAIN errno %d", errno);
	close(s);
	CHECK(sendto(c, "x", 1, 0, (struct sockaddr *)&a, alen) == -1 && errno == ECONNREFUSED, "closed target errno %d", errno);
	close(c);
	/* A family no kernel has (beyond AF_MAX). */
	CHECK(socket(1000, SOCK_STREAM, 0) == -1 && errno == EAFNOSUPPORT, "family 1000 errno %d", errno);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	test_pair_stream();
	test_pair_dgram();
	test_listen();
	test_scm_rights();
	test_abstract_dgram();
	return check_finish("unix_sockets");
}
