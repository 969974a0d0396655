/* SPDX-License-Identifier: MIT */
/* fd_race.c: close and dup2 over a descriptor another thread is blocked on (pipes, AF_UNIX, epoll, eventfd, timerfd, signalfd, inotify, ptys, flock, futex): Linux's results, no crash. */
// husk-test: status=0 expect="SUCCESS" expect="pipe close: read -> 0" backends=qemu
// husk-test: name=pipes args="pipes" status=0 expect="SUCCESS" expect="pipe close: read -> 0" backends=vmm timeout=300
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include "check.h"

#define FUTEX_WAIT_PRIVATE 128   /* linux/futex.h: FUTEX_WAIT | FUTEX_PRIVATE_FLAG */

/*
 * Each case starts a thread that blocks in one call on fd, lets it block
 * (the thread runs as soon as main sleeps: one vCPU, and a generous sleep
 * natively), then closes fd or dup2s /dev/null over it, and checks what the
 * blocked call returns afterwards.
 */
struct blocked {
	int fd;
	long (*call)(struct blocked *b);
	long ret;
	int err;
	char buf[256];
	void *arg;
	pid_t tid;
	volatile int entered;
};

static void *blocker(void *arg)
{
	struct blocked *b = arg;

	b->tid = gettid();
	b->entered = 1;
	b->ret = b->call(b);
	b->err = b->ret < 0 ? errno : 0;
	return NULL;
}

static void settle(void)
{
	usleep(150 * 1000);
}

static void start(pthread_t *t, struct blocked *b)
{
	b->entered = 0;
	pthread_create(t, NULL, blocker, b);
	while (!b->entered)
		usleep(1000);
	settle();
}

/* Makes fd stop naming the file: close, or dup2 of /dev/null over it. */
static void drop(int fd, int how)
{
	if (how == 0) {
		CHECK(close(fd) == 0, "close: %s", strerror(errno));
	} else {
		int null = open("/dev/null", O_RDWR);

		CHECK(dup2(null, fd) == fd, "dup2: %s", strerror(errno));
		close(null);
	}
}

static const char *how_name[2] = { "close", "dup2" };

static long call_read(struct blocked *b) { return read(b->fd, b->buf, sizeof(b->buf) - 1); }
static long call_write(struct blocked *b) { return write(b->fd, b->buf, sizeof(b->buf)); }
static long call_recv(struct blocked *b) { return recv(b->fd, b->buf, sizeof(b->buf) - 1, 0); }

static long call_epoll(struct blocked *b)
{
	struct epoll_event ev[2];
	int timeout = b->arg ? 400 : -1;

	return epoll_wait(b->fd, ev, 2, timeout);
}

static long call_flock(struct blocked *b) { return flock(b->fd, LOCK_EX); }

/* Pipes: the reader sees data written later, or EOF once the writer is gone
 * (the reproducer, where the freed pipe used to crash the kernel). */
static void pipes(int how)
{
	struct blocked b = { 0 };
	pthread_t t;
	int p[2], q[2];
	char x[8];

	CHECK(pipe(p) == 0, "pipe: %s", strerror(errno));
	b.fd = p[0];
	b.call = call_read;
	start(&t, &b);
	drop(p[0], how);
	CHECK(write(p[1], "late", 4) == 4, "write: %s", strerror(errno));
	pthread_join(t, NULL);
	CHECK(b.ret == 4 && memcmp(b.buf, "late", 4) == 0, "pipe %s: read -> %ld (%s)", how_name[how], b.ret,
	      strerror(b.err));
	close(p[1]);
	if (how == 1)
		close(p[0]);

	CHECK(pipe(p) == 0, "pipe: %s", strerror(errno));
	b.fd = p[0];
	start(&t, &b);
	drop(p[0], how);
	drop(p[1], how);
	pthread_join(t, NULL);
	printf("pipe %s: read -> %ld\n", how_name[how], b.ret);
	CHECK(b.ret == 0, "pipe %s: read after the writer went -> %ld (%s)", how_name[how], b.ret, strerror(b.err));
	/* A new pipe must not see anything of the old one. */
	CHECK(pipe(q) == 0, "pipe: %s", strerror(errno));
	CHECK(write(q[1], "SECRET", 6) == 6, "write");
	CHECK(read(q[0], x, 6) == 6 && memcmp(x, "SECRET", 6) == 0, "a new pipe's data");
	close(q[0]);
	close(q[1]);
	if (how == 1) {
		close(p[0]);
		close(p[1]);
	}

	/* A writer blocked on a full pipe finishes when the reader drains it. */
	CHECK(pipe(p) == 0, "pipe: %s", strerror(errno));
	fcntl(p[1], F_SETFL, O_NONBLOCK);
	{
		static char fillbuf[4096];

		/* Fill it in pages: 8-byte writes are thousands of system calls,
		 * minutes under kvm_pvm's emulated kernel on a loaded machine. */
		while (write(p[1], fillbuf, sizeof(fillbuf)) > 0)
			;
	}
	fcntl(p[1], F_SETFL, 0);
	b.fd = p[1];
	b.call = call_write;
	start(&t, &b);
	drop(p[1], how);
	{
		char drain[4096];

		fcntl(p[0], F_SETFL, O_NONBLOCK);
		for (int i = 0; i < 64 && read(p[0], drain, sizeof(drain)) > 0; i++)
			;
	}
	pthread_join(t, NULL);
	CHECK(b.ret == (long)sizeof(b.buf), "pipe %s: blocked write -> %ld (%s)", how_name[how], b.ret,
	      strerror(b.err));
	close(p[0]);
	if (how == 1)
		close(p[1]);
}

static void unix_sockets(int how)
{
	struct blocked b = { 0 };
	pthread_t t;
	int s[2];

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, s) == 0, "socketpair: %s", strerror(errno));
	b.fd = s[0];
	b.call = call_recv;
	start(&t, &b);
	drop(s[0], how);
	CHECK(send(s[1], "data", 4, 0) == 4, "send: %s", strerror(errno));
	pthread_join(t, NULL);
	CHECK(b.ret == 4 && memcmp(b.buf, "data", 4) == 0, "unix %s: recv -> %ld (%s)", how_name[how], b.ret,
	      strerror(b.err));
	/* The peer's close is EOF for the blocked receiver. */
	if (how == 1)
		close(s[0]);
	close(s[1]);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, s) == 0, "socketpair: %s", strerror(errno));
	b.fd = s[0];
	start(&t, &b);
	close(s[1]);
	pthread_join(t, NULL);
	CHECK(b.ret == 0, "unix: recv after the peer closed -> %ld", b.ret);
	close(s[0]);
}

static void epolls(int how)
{
	struct blocked b = { 0 };
	struct epoll_event ev = { .events = EPOLLIN };
	pthread_t t;
	int p[2], ep = -1;

	/* epfd itself goes: the wait goes on and sees the pipe become ready. */
	CHECK(pipe(p) == 0 && (ep = epoll_create1(0)) >= 0, "pipe/epoll_create1");
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0, "epoll_ctl: %s", strerror(errno));
	b.fd = ep;
	b.call = call_epoll;
	start(&t, &b);
	drop(ep, how);
	CHECK(write(p[1], "x", 1) == 1, "write");
	pthread_join(t, NULL);
	CHECK(b.ret == 1, "epoll %s epfd: epoll_wait -> %ld (%s)", how_name[how], b.ret, strerror(b.err));
	if (how == 1)
		close(ep);

	/* The watched file's last descriptor goes: it leaves the set, and data
	 * written afterwards is not reported; the wait times out. */
	{
		char x;

		CHECK(read(p[0], &x, 1) == 1, "read");
	}
	CHECK((ep = epoll_create1(0)) >= 0, "epoll_create1");
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0, "epoll_ctl: %s", strerror(errno));
	b.fd = ep;
	b.arg = &b;                /* with a timeout */
	start(&t, &b);
	drop(p[0], how);
	/* No reader is left: the write fails (EPIPE), and must not wake the wait. */
	CHECK(write(p[1], "y", 1) == -1 && errno == EPIPE, "write to a pipe with no reader");
	pthread_join(t, NULL);
	CHECK(b.ret == 0, "epoll %s watched: epoll_wait -> %ld (%s)", how_name[how], b.ret, strerror(b.err));
	close(ep);
	close(p[1]);
	if (how == 1)
		close(p[0]);
}

/* eventfd, timerfd, signalfd, inotify, pty: the blocked read completes on
 * the object the descriptor named, which the read keeps alive. */
static void event_files(int how)
{
	struct blocked b = { 0 };
	pthread_t t;
	uint64_t one = 1;
	int fd, other;

	printf("   eventfd\n");
	fd = eventfd(0, 0);
	other = dup(fd);
	b.fd = fd;
	b.call = call_read;
	start(&t, &b);
	drop(fd, how);
	CHECK(write(other, &one, 8) == 8, "eventfd write: %s", strerror(errno));
	pthread_join(t, NULL);
	CHECK(b.ret == 8 && *(uint64_t *)b.buf == 1, "eventfd %s: read -> %ld (%s)", how_name[how], b.ret,
	      strerror(b.err));
	close(other);
	if (how == 1)
		close(fd);

	{
		struct itimerspec its = { .it_value = { 0, 300 * 1000 * 1000 } };

		printf("   timerfd\n");
		fd = timerfd_create(CLOCK_MONOTONIC, 0);
		CHECK(timerfd_settime(fd, 0, &its, NULL) == 0, "timerfd_settime: %s", strerror(errno));
		b.fd = fd;
		start(&t, &b);
		drop(fd, how);
		pthread_join(t, NULL);
		CHECK(b.ret == 8 && *(uint64_t *)b.buf == 1, "timerfd %s: read -> %ld (%s)", how_name[how], b.ret,
		      strerror(b.err));
		if (how == 1)
			close(fd);
	}

	{
		sigset_t set;

		sigemptyset(&set);
		sigaddset(&set, SIGUSR1);
		pthread_sigmask(SIG_BLOCK, &set, NULL);   /* inherited by the blocked thread */
		printf("   signalfd\n");
		fd = signalfd(-1, &set, 0);
		b.fd = fd;
		start(&t, &b);
		drop(fd, how);
		/* To the reading thread: husk queues process signals on the first thread. */
		syscall(SYS_tgkill, getpid(), b.tid, SIGUSR1);
		pthread_join(t, NULL);
		CHECK(b.ret == (long)sizeof(struct signalfd_siginfo) &&
		      ((struct signalfd_siginfo *)b.buf)->ssi_signo == SIGUSR1,
		      "signalfd %s: read -> %ld (%s)", how_name[how], b.ret, strerror(b.err));
		if (how == 1)
			close(fd);
	}

	printf("   inotify\n");
	fd = inotify_init1(0);
	mkdir("/tmp/fd_race", 0755);
	CHECK(inotify_add_watch(fd, "/tmp/fd_race", IN_CREATE) >= 0, "inotify_add_watch: %s", strerror(errno));
	b.fd = fd;
	start(&t, &b);
	drop(fd, how);
	other = open(how ? "/tmp/fd_race/b" : "/tmp/fd_race/a", O_CREAT | O_WRONLY, 0644);
	close(other);
	pthread_join(t, NULL);
	CHECK(b.ret >= (long)sizeof(struct inotify_event) && ((struct inotify_event *)b.buf)->mask == IN_CREATE,
	      "inotify %s: read -> %ld (%s)", how_name[how], b.ret, strerror(b.err));
	if (how == 1)
		close(fd);

	if (!check_native()) {    /* the native chroot has no /dev/pts */
		int m = posix_openpt(O_RDWR | O_NOCTTY), s;
		char name[64];

		printf("   pty\n");
		CHECK(m >= 0 && grantpt(m) == 0 && unlockpt(m) == 0 && ptsname_r(m, name, sizeof(name)) == 0,
		      "openpt: %s", strerror(errno));
		s = open(name, O_RDWR | O_NOCTTY);
		CHECK(s >= 0, "open %s: %s", name, strerror(errno));
		b.fd = m;
		start(&t, &b);
		drop(m, how);
		CHECK(write(s, "tty\n", 4) == 4, "pty write: %s", strerror(errno));
		pthread_join(t, NULL);
		/* OPOST|ONLCR (the default) turns the newline into CR LF. */
		CHECK(b.ret == 5 && memcmp(b.buf, "tty\r\n", 5) == 0, "pty %s: master read -> %ld (%s)", how_name[how],
		      b.ret, strerror(b.err));
		close(s);
		if (how == 1)
			close(m);
	}
}

/* flock: the blocked call gets the lock, which goes with the file's last reference. */
static void flocks(int how)
{
	struct blocked b = { 0 };
	pthread_t t;
	int a = open("/tmp/fd_race_lock", O_CREAT | O_RDWR, 0644), c, d;

	CHECK(a >= 0 && flock(a, LOCK_EX) == 0, "flock: %s", strerror(errno));
	c = open("/tmp/fd_race_lock", O_RDWR);
	b.fd = c;
	b.call = call_flock;
	start(&t, &b);
	drop(c, how);
	CHECK(flock(a, LOCK_UN) == 0, "unlock: %s", strerror(errno));
	pthread_join(t, NULL);
	CHECK(b.ret == 0, "flock %s: flock -> %ld (%s)", how_name[how], b.ret, strerror(b.err));
	d = open("/tmp/fd_race_lock", O_RDWR);
	CHECK(flock(d, LOCK_EX | LOCK_NB) == 0, "flock %s: the lock outlived its file (%s)", how_name[how],
	      strerror(errno));
	close(d);
	close(a);
	if (how == 1)
		close(c);
}

/* futex: a waiter whose page is unmapped under it times out; nothing else happens. */
static long call_futex(struct blocked *b)
{
	struct timespec ts = { 0, 400 * 1000 * 1000 };

	return syscall(SYS_futex, b->arg, FUTEX_WAIT_PRIVATE, 0, &ts, NULL, 0);
}

static void futexes(void)
{
	struct blocked b = { 0 };
	pthread_t t;
	int *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CHECK(page != MAP_FAILED, "mmap");
	b.arg = page;
	b.call = call_futex;
	start(&t, &b);
	munmap(page, 4096);
	pthread_join(t, NULL);
	CHECK(b.ret == -1 && b.err == ETIMEDOUT, "futex on an unmapped page -> %ld (%s)", b.ret, strerror(b.err));
}

/* "pipes" runs only the pipe cases: on husk-vmm (kvm_pvm emulates the
 * kernel) the whole test takes minutes on a loaded machine. */
int main(int argc, char **argv)
{
	int only_pipes = argc > 1 && strcmp(argv[1], "pipes") == 0;

	setvbuf(stdout, NULL, _IONBF, 0);
	signal(SIGPIPE, SIG_IGN);
	for (int how = 0; how < 2 && only_pipes; how++) {
		printf("-- %s: pipes\n", how_name[how]);
		pipes(how);
	}
	if (only_pipes)
		return check_finish("fd_race");
	for (int how = 0; how < 2; how++) {
		printf("-- %s: pipes\n", how_name[how]);
		pipes(how);
		printf("-- %s: AF_UNIX\n", how_name[how]);
		unix_sockets(how);
		printf("-- %s: epoll\n", how_name[how]);
		epolls(how);
		printf("-- %s: eventfd, timerfd, signalfd, inotify, pty\n", how_name[how]);
		event_files(how);
		printf("-- %s: flock\n", how_name[how]);
		flocks(how);
	}
	printf("-- futex\n");
	futexes();
	return check_finish("fd_race");
}
