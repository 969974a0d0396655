/* SPDX-License-Identifier: MIT */
/* inotify.c: directory and file watches, exact event sequences with names and rename cookies, rm_watch, flags, errors, read sizes, poll, overflow. */
// husk-test: status=0 expect="SUCCESS" backends=qemu
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

struct ev {
	int wd;
	uint32_t mask, cookie;
	char name[64];
};

static char dir[64];

static char *path_in(const char *name)
{
	static char buf[2][128];
	static int i;

	i ^= 1;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

/* Reads every queued event (nonblocking fd); returns how many, up to max. */
static int drain(int fd, struct ev *out, int max)
{
	static char buf[65536] __attribute__((aligned(8)));
	int n = 0;

	for (;;) {
		ssize_t r = read(fd, buf, sizeof(buf));

		if (r < 0) {
			CHECK(errno == EAGAIN, "read: %s", strerror(errno));
			return n;
		}
		for (ssize_t off = 0; off < r;) {
			struct inotify_event *e = (struct inotify_event *)(buf + off);

			CHECK(e->len % 16 == 0, "len %u not padded to 16", e->len);
			CHECK(e->len == 0 || e->name[e->len - 1] == '\0', "name not NUL-padded");
			if (n < max) {
				out[n].wd = e->wd;
				out[n].mask = e->mask;
				out[n].cookie = e->cookie;
				snprintf(out[n].name, sizeof(out[n].name), "%s", e->len ? e->name : "");
			}
			n++;
			off += sizeof(*e) + e->len;
		}
	}
}

#define EXPECT(e, i, n, w, m, nm) \
	CHECK((i) < (n) && (e)[i].wd == (w) && (e)[i].mask == (m) && strcmp((e)[i].name, (nm)) == 0, \
	      "event %d: got wd=%d mask=%#x name=\"%s\", want wd=%d mask=%#x name=\"%s\"", (i), \
	      (i) < (n) ? (e)[i].wd : -2, (i) < (n) ? (e)[i].mask : 0, (i) < (n) ? (e)[i].name : "-", \
	      (w), (unsigned)(m), (nm))

static int readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

static void test_directory(void)
{
	struct ev e[32];
	int fd, wd, wd2, f, n, avail = -1;

	fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	CHECK(fd >= 0, "inotify_init1: %s", strerror(errno));
	CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC, "IN_CLOEXEC not set");
	CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK, "IN_NONBLOCK not set");
	CHECK(read(fd, e, sizeof(e)) == -1 && errno == EAGAIN, "empty read: errno %d", errno);
	wd = inotify_add_watch(fd, dir, IN_ALL_EVENTS);
	CHECK(wd >= 1, "add_watch dir: %s", strerror(errno));
	wd2 = inotify_add_watch(fd, dir, IN_ALL_EVENTS);
	CHECK(wd2 == wd, "same inode gives wd %d, want %d", wd2, wd);
	CHECK(!readable(fd), "readable with no event");

	f = open(path_in("a"), O_CREAT | O_WRONLY, 0644);
	CHECK(f >= 0, "create: %s", strerror(errno));
	CHECK(readable(fd), "not readable after an event");
	CHECK(write(f, "hi", 2) == 2, "write");
	CHECK(write(f, "ho", 2) == 2, "write");           /* coalesced with the last MODIFY */
	close(f);
	CHECK(rename(path_in("a"), path_in("b")) == 0, "rename: %s", strerror(errno));
	f = open(path_in("b"), O_RDONLY);
	char c[4];
	CHECK(read(f, c, sizeof(c)) == 4, "read back");
	close(f);
	CHECK(chmod(path_in("b"), 0600) == 0, "chmod");
	CHECK(unlink(path_in("b")) == 0, "unlink: %s", strerror(errno));
	CHECK(mkdir(path_in("sub"), 0755) == 0, "mkdir");
	CHECK(rmdir(path_in("sub")) == 0, "rmdir");
	CHECK(ioctl(fd, FIONREAD, &avail) == 0 && avail == 13 * 32,
	      "FIONREAD %d, want %d", avail, 13 * 32);

	n = drain(fd, e, 32);
	CHECK(n == 13, "%d directory events, want 13", n);
	EXPECT(e, 0, n, wd, IN_CREATE, "a");
	EXPECT(e, 1, n, wd, IN_OPEN, "a");
	EXPECT(e, 2, n, wd, IN_MODIFY, "a");
	EXPECT(e, 3, n, wd, IN_CLOSE_WRITE, "a");
	EXPECT(e, 4, n, wd, IN_MOVED_FROM, "a");
	EXPECT(e, 5, n, wd, IN_MOVED_TO, "b");
	CHECK(n > 5 && e[4].cookie != 0 && e[4].cookie == e[5].cookie, "rename cookies %u %u",
	      e[4].cookie, e[5].cookie);
	CHECK(e[0].cookie == 0, "cookie on IN_CREATE");
	EXPECT(e, 6, n, wd, IN_OPEN, "b");
	EXPECT(e, 7, n, wd, IN_ACCESS, "b");
	EXPECT(e, 8, n, wd, IN_CLOSE_NOWRITE, "b");
	EXPECT(e, 9, n, wd, IN_ATTRIB, "b");
	EXPECT(e, 10, n, wd, IN_DELETE, "b");
	EXPECT(e, 11, n, wd, IN_CREATE | IN_ISDIR, "sub");
	EXPECT(e, 12, n, wd, IN_DELETE | IN_ISDIR, "sub");

	/* A buffer too small for the next event, then one that fits exactly. */
	f = open(path_in("c"), O_CREAT | O_WRONLY, 0644);
	close(f);
	char small[32] __attribute__((aligned(8)));
	CHECK(read(fd, small, 16) == -1 && errno == EINVAL, "small read: errno %d", errno);
	CHECK(read(fd, small, 31) == -1 && errno == EINVAL, "31-byte read: errno %d", errno);
	CHECK(read(fd, small, 32) == 32, "32-byte read");
	CHECK(((struct inotify_event *)small)->mask == IN_CREATE &&
	      ((struct inotify_event *)small)->len == 16, "first of c");
	n = drain(fd, e, 32);
	CHECK(n == 2, "%d events after the small read, want 2", n);
	unlink(path_in("c"));
	drain(fd, e, 32);

	/* IN_MASK_ADD keeps the old bits; a plain add replaces them. */
	CHECK(inotify_add_watch(fd, dir, IN_CREATE) == wd, "replace mask");
	CHECK(inotify_add_watch(fd, dir, IN_DELETE | IN_MASK_ADD) == wd, "IN_MASK_ADD");
	CHECK(inotify_add_watch(fd, dir, IN_DELETE | IN_MASK_CREATE) == -1 && errno == EEXIST,
	      "IN_MASK_CREATE on a watch: errno %d", errno);
	f = open(path_in("d"), O_CREAT | O_WRONLY, 0644);
	close(f);
	unlink(path_in("d"));
	n = drain(fd, e, 32);
	CHECK(n == 2, "%d events with CREATE|DELETE, want 2", n);
	EXPECT(e, 0, n, wd, IN_CREATE, "d");
	EXPECT(e, 1, n, wd, IN_DELETE, "d");

	/* rm_watch queues IN_IGNORED; the wd is gone afterwards. */
	CHECK(inotify_rm_watch(fd, wd) == 0, "rm_watch: %s", strerror(errno));
	n = drain(fd, e, 32);
	CHECK(n == 1, "%d events after rm_watch, want 1", n);
	EXPECT(e, 0, n, wd, IN_IGNORED, "");
	CHECK(inotify_rm_watch(fd, wd) == -1 && errno == EINVAL, "second rm_watch: errno %d", errno);
	f = open(path_in("e"), O_CREAT | O_WRONLY, 0644);
	close(f);
	unlink(path_in("e"));
	CHECK(!readable(fd), "events after rm_watch");
	close(fd);
}

static void test_file(void)
{
	struct ev e[16];
	int fd, wd, f, n;
	char *p = path_in("watched");

	f = open(p, O_CREAT | O_WRONLY, 0644);
	CHECK(f >= 0, "create: %s", strerror(errno));
	close(f);
	fd = inotify_init1(IN_NONBLOCK);
	wd = inotify_add_watch(fd, p, IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF);
	CHECK(wd >= 1, "add_watch file: %s", strerror(errno));
	f = open(p, O_WRONLY);
	CHECK(write(f, "x", 1) == 1, "write");
	close(f);
	CHECK(chmod(p, 0600) == 0, "chmod");
	CHECK(truncate(p, 0) == 0, "truncate");
	CHECK(unlink(p) == 0, "unlink");
	n = drain(fd, e, 16);
	CHECK(n == 6, "%d file events, want 6", n);
	EXPECT(e, 0, n, wd, IN_MODIFY, "");
	EXPECT(e, 1, n, wd, IN_ATTRIB, "");
	EXPECT(e, 2, n, wd, IN_MODIFY, "");
	EXPECT(e, 3, n, wd, IN_ATTRIB, "");        /* the link count */
	EXPECT(e, 4, n, wd, IN_DELETE_SELF, "");
	EXPECT(e, 5, n, wd, IN_IGNORED, "");
	CHECK(inotify_rm_watch(fd, wd) == -1 && errno == EINVAL, "rm_watch after DELETE_SELF");

	/* IN_ONESHOT: one event, then IN_IGNORED. */
	f = open(p, O_CREAT | O_WRONLY, 0644);
	wd = inotify_add_watch(fd, p, IN_MODIFY | IN_ONESHOT);
	CHECK(wd >= 1, "add_watch oneshot: %s", strerror(errno));
	CHECK(write(f, "x", 1) == 1 && write(f, "y", 1) == 1, "writes");
	CHECK(chmod(p, 0644) == 0, "chmod");
	close(f);
	n = drain(fd, e, 16);
	CHECK(n == 2, "%d oneshot events, want 2", n);
	EXPECT(e, 0, n, wd, IN_MODIFY, "");
	EXPECT(e, 1, n, wd, IN_IGNORED, "");

	/* Errors, as Linux. */
	CHECK(inotify_add_watch(fd, path_in("nope"), IN_ALL_EVENTS) == -1 && errno == ENOENT,
	      "missing path: errno %d", errno);
	CHECK(inotify_add_watch(fd, p, IN_ALL_EVENTS | IN_ONLYDIR) == -1 && errno == ENOTDIR,
	      "IN_ONLYDIR on a file: errno %d", errno);
	CHECK(inotify_add_watch(fd, p, 0) == -1 && errno == EINVAL, "mask 0: errno %d", errno);
	CHECK(inotify_add_watch(fd, p, IN_MODIFY | IN_MASK_ADD | IN_MASK_CREATE) == -1 &&
	      errno == EINVAL, "MASK_ADD|MASK_CREATE: errno %d", errno);
	CHECK(inotify_add_watch(0x3ff, p, IN_MODIFY) == -1 && errno == EBADF, "bad fd: errno %d", errno);
	f = open(p, O_RDONLY);
	CHECK(inotify_add_watch(f, p, IN_MODIFY) == -1 && errno == EINVAL, "not inotify: errno %d", errno);
	CHECK(inotify_rm_watch(f, 1) == -1 && errno == EINVAL, "rm_watch not inotify: errno %d", errno);
	close(f);
	CHECK(inotify_init1(IN_NONBLOCK << 1) == -1 && errno == EINVAL, "bad init1 flags");
	unlink(p);
	close(fd);
}

/* IN_DONT_FOLLOW watches the symlink itself. */
static void test_symlink(void)
{
	struct ev e[8];
	int fd, wd1, wd2, n;

	close(open(path_in("target"), O_CREAT | O_WRONLY, 0644));
	CHECK(symlink("target", path_in("link")) == 0, "symlink");
	fd = inotify_init1(IN_NONBLOCK);
	wd1 = inotify_add_watch(fd, path_in("link"), IN_ATTRIB);
	wd2 = inotify_add_watch(fd, path_in("link"), IN_ATTRIB | IN_DONT_FOLLOW);
	CHECK(wd1 >= 1 && wd2 >= 1 && wd1 != wd2, "wds %d %d", wd1, wd2);
	CHECK(inotify_add_watch(fd, path_in("target"), IN_ATTRIB) == wd1, "link and target share a wd");
	chmod(path_in("target"), 0600);
	n = drain(fd, e, 8);
	CHECK(n == 1, "%d events, want 1", n);
	EXPECT(e, 0, n, wd1, IN_ATTRIB, "");
	unlink(path_in("link"));
	unlink(path_in("target"));
	close(fd);
}

/* A directory and a file in it on one instance: the parent hears first; IN_MOVE_SELF. */
static void test_parent_and_child(void)
{
	struct ev e[16];
	int fd, wdd, wdf, f, n;

	close(open(path_in("f"), O_CREAT | O_WRONLY, 0644));
	fd = inotify_init1(IN_NONBLOCK);
	wdd = inotify_add_watch(fd, dir, IN_ALL_EVENTS);
	wdf = inotify_add_watch(fd, path_in("f"), IN_ALL_EVENTS | IN_EXCL_UNLINK);
	CHECK(wdd >= 1 && wdf >= 1 && wdd != wdf, "wds %d %d", wdd, wdf);
	CHECK(rename(path_in("f"), path_in("g")) == 0, "rename");
	f = open(path_in("g"), O_WRONLY);
	CHECK(write(f, "z", 1) == 1, "write");
	n = drain(fd, e, 16);
	CHECK(n == 7, "%d events, want 7", n);
	EXPECT(e, 0, n, wdd, IN_MOVED_FROM, "f");
	EXPECT(e, 1, n, wdd, IN_MOVED_TO, "g");
	EXPECT(e, 2, n, wdf, IN_MOVE_SELF, "");
	EXPECT(e, 3, n, wdd, IN_OPEN, "g");
	EXPECT(e, 4, n, wdf, IN_OPEN, "");
	EXPECT(e, 5, n, wdd, IN_MODIFY, "g");
	EXPECT(e, 6, n, wdf, IN_MODIFY, "");
	/* Unlinked while open: IN_EXCL_UNLINK silences the writes and the
	 * close; IN_DELETE_SELF waits for the close. */
	CHECK(inotify_rm_watch(fd, wdd) == 0, "rm_watch");
	CHECK(unlink(path_in("g")) == 0, "unlink");
	CHECK(write(f, "z", 1) == 1, "write");
	n = drain(fd, e, 16);
	CHECK(n == 2, "%d events, want 2", n);
	EXPECT(e, 0, n, wdd, IN_IGNORED, "");
	EXPECT(e, 1, n, wdf, IN_ATTRIB, "");
	close(f);
	n = drain(fd, e, 16);
	CHECK(n == 2, "%d events at close, want 2", n);
	EXPECT(e, 0, n, wdf, IN_DELETE_SELF, "");
	EXPECT(e, 1, n, wdf, IN_IGNORED, "");
	close(fd);
}

static int block_fd;

static void *later_create(void *arg)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };

	(void)arg;
	nanosleep(&ts, NULL);
	close(open(path_in("late"), O_CREAT | O_WRONLY, 0644));
	return NULL;
}

/* A blocking read waits for the first event; poll wakes up for it. */
static void test_blocking(void)
{
	char buf[256] __attribute__((aligned(8)));
	struct inotify_event *ev = (struct inotify_event *)buf;
	struct pollfd p;
	pthread_t t;
	ssize_t r;
	int wd;

	block_fd = inotify_init();
	CHECK(block_fd >= 0, "inotify_init: %s", strerror(errno));
	CHECK(!(fcntl(block_fd, F_GETFL) & O_NONBLOCK), "inotify_init is blocking");
	wd = inotify_add_watch(block_fd, dir, IN_CREATE);
	pthread_create(&t, NULL, later_create, NULL);
	r = read(block_fd, buf, sizeof(buf));
	CHECK(r == 32 && ev->wd == wd && ev->mask == IN_CREATE && strcmp(ev->name, "late") == 0,
	      "blocking read: %zd", r);
	pthread_join(t, NULL);
	p = (struct pollfd){ .fd = block_fd, .events = POLLIN };
	CHECK(poll(&p, 1, 0) == 0, "readable after the read");
	close(open(path_in("late2"), O_CREAT | O_WRONLY, 0644));
	CHECK(poll(&p, 1, 1000) == 1 && p.revents == POLLIN, "poll after a create: revents %#x", p.revents);
	close(block_fd);
	unlink(path_in("late"));
	unlink(path_in("late2"));
}

/* Past the queue limit one IN_Q_OVERFLOW is queued, with wd -1. */
static void test_overflow(void)
{
	static struct ev e[1];
	int fd, f, n, limit = 16384, wd;
	FILE *lf = fopen("/proc/sys/fs/inotify/max_queued_events", "r");
	char c;

	if (lf) {
		if (fscanf(lf, "%d", &limit) != 1)
			limit = 16384;
		fclose(lf);
	}
	fd = inotify_init1(IN_NONBLOCK);
	f = open(path_in("busy"), O_CREAT | O_RDWR, 0644);
	wd = inotify_add_watch(fd, path_in("busy"), IN_ACCESS | IN_MODIFY);
	CHECK(wd >= 1, "add_watch: %s", strerror(errno));
	for (int i = 0; i < limit / 2 + 8; i++) {
		pwrite(f, "x", 1, 0);
		pread(f, &c, 1, 0);
	}
	n = drain(fd, e, 1);
	CHECK(n == limit + 1, "%d events, want %d", n, limit + 1);
	/* drain() keeps only the first: read the tail again after a fresh overflow. */
	for (int i = 0; i < limit / 2 + 8; i++) {
		pwrite(f, "x", 1, 0);
		pread(f, &c, 1, 0);
	}
	{
		static char buf[1 << 20] __attribute__((aligned(8)));
		ssize_t r = read(fd, buf, sizeof(buf)), off = 0;
		struct inotify_event *last = NULL;

		while (off < r) {
			last = (struct inotify_event *)(buf + off);
			off += sizeof(*last) + last->len;
		}
		CHECK(last && last->wd == -1 && last->mask == IN_Q_OVERFLOW && last->len == 0,
		      "last event wd=%d mask=%#x", last ? last->wd : 0, last ? last->mask : 0);
	}
	close(f);
	unlink(path_in("busy"));
	close(fd);
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/inotify.XXXXXX");
	if (!mkdtemp(dir)) {
		printf("mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	test_directory();
	test_file();
	test_symlink();
	test_parent_and_child();
	test_blocking();
	test_overflow();
	rmdir(dir);
	return check_finish("inotify");
}
