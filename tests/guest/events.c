/* SPDX-License-Identifier: MIT */
/* events.c: eventfd, timerfd, signalfd, epoll (level, edge, one-shot, nesting, close), select and pselect6. */
// husk-test: status=0 expect="SUCCESS" backends=qemu,vmm
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

#define MS 1000000LL

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * MS };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static volatile sig_atomic_t got_usr2, got_alrm;
static void on_usr2(int sig) { (void)sig; got_usr2++; }
static void on_alrm(int sig) { (void)sig; got_alrm++; }

/* Sends SIGALRM in ms milliseconds (one-shot itimer). */
/*
 * SIGALRM every ms milliseconds until alarm_off(): a single alarm could fire
 * before the blocking call it must interrupt is entered (a host stall), and
 * the call would then wait forever, on Linux too.
 */
static void alarm_in_ms(int ms)
{
	struct itimerval it = { { 0, ms * 1000 }, { 0, ms * 1000 } };

	setitimer(ITIMER_REAL, &it, NULL);
}

static void alarm_off(void)
{
	struct itimerval it = { { 0, 0 }, { 0, 0 } };

	setitimer(ITIMER_REAL, &it, NULL);
}

static int64_t rd64(int fd, int *err)
{
	uint64_t v = 0;
	ssize_t n = read(fd, &v, sizeof(v));

	*err = n < 0 ? errno : 0;
	return n == sizeof(v) ? (int64_t)v : -1;
}

static int wr64(int fd, uint64_t v)
{
	return write(fd, &v, sizeof(v)) == sizeof(v) ? 0 : errno;
}

static struct {
	int fd;
	int delay_ms;
	uint64_t value;
} writer_arg;

static void *writer(void *arg)
{
	(void)arg;
	sleep_ms(writer_arg.delay_ms);
	wr64(writer_arg.fd, writer_arg.value);
	return NULL;
}

static void test_eventfd(void)
{
	int err = 0, fd = eventfd(3, EFD_NONBLOCK | EFD_CLOEXEC);
	char link[64] = "";
	uint64_t v;
	struct pollfd pfd;

	CHECK(fd >= 0, "eventfd: %s", strerror(errno));
	CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC, "EFD_CLOEXEC not set");
	CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK, "EFD_NONBLOCK not in F_GETFL");
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	char target[64] = "";
	readlink(link, target, sizeof(target) - 1);
	CHECK(strcmp(target, "anon_inode:[eventfd]") == 0, "/proc/self/fd link \"%s\"", target);

	/* Counter mode: a read takes everything. */
	CHECK(rd64(fd, &err) == 3, "first read");
	CHECK(rd64(fd, &err) == -1 && err == EAGAIN, "empty read: %s", strerror(err));
	CHECK(wr64(fd, 5) == 0 && wr64(fd, 2) == 0, "writes");
	CHECK(rd64(fd, &err) == 7, "sum of writes");
	CHECK(read(fd, &v, 4) == -1 && errno == EINVAL, "4-byte read: %s", strerror(errno));
	CHECK(write(fd, &v, 4) == -1 && errno == EINVAL, "4-byte write: %s", strerror(errno));
	CHECK(wr64(fd, UINT64_MAX) == EINVAL, "writing UINT64_MAX was accepted");

	/* Overflow: the counter stops at 0xfffffffffffffffe. */
	CHECK(wr64(fd, 0xfffffffffffffffeULL) == 0, "max write");
	CHECK(wr64(fd, 1) == EAGAIN, "write past the maximum did not fail with EAGAIN");
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN | POLLOUT };
	CHECK(poll(&pfd, 1, 0) == 1 && pfd.revents == POLLIN, "full counter revents %#x", pfd.revents);
	CHECK((uint64_t)rd64(fd, &err) == 0xfffffffffffffffeULL, "max read");
	CHECK(poll(&pfd, 1, 0) == 1 && pfd.revents == POLLOUT, "empty counter revents %#x", pfd.revents);
	close(fd);

	/* Semaphore mode: each read takes one. */
	fd = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK);
	CHECK(rd64(fd, &err) == 1 && rd64(fd, &err) == 1, "semaphore reads");
	CHECK(rd64(fd, &err) == -1 && err == EAGAIN, "empty semaphore: %s", strerror(err));
	close(fd);
	CHECK(eventfd(0, 0x4000000) == -1 && errno == EINVAL, "bad flags accepted");

	/* A blocking read waits for another thread's write. */
	fd = eventfd(0, 0);
	pthread_t th;
	writer_arg.fd = fd;
	writer_arg.delay_ms = 30;
	writer_arg.value = 42;
	int64_t t0 = now_ns();
	pthread_create(&th, NULL, writer, NULL);
	CHECK(rd64(fd, &err) == 42, "blocking read: %s", strerror(err));
	CHECK(now_ns() - t0 >= 25 * MS, "blocking read returned after %lld ms", (long long)((now_ns() - t0) / MS));
	pthread_join(th, NULL);

	/* ... and a signal interrupts it. */
	alarm_in_ms(20);
	CHECK(rd64(fd, &err) == -1 && err == EINTR, "interrupted read: %s", strerror(err));
	alarm_off();
	CHECK(got_alrm >= 1, "SIGALRM handler ran %d times", got_alrm);
	close(fd);
}

static void test_timerfd(void)
{
	int err = 0, fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	struct itimerspec its, cur, old;
	struct pollfd pfd;
	int64_t t0, n;

	CHECK(fd >= 0, "timerfd_create: %s", strerror(errno));
	CHECK(rd64(fd, &err) == -1 && err == EAGAIN, "unarmed read: %s", strerror(err));
	CHECK(timerfd_create(12345, 0) == -1 && errno == EINVAL, "bad clock accepted");

	/* One-shot, 30 ms. */
	its = (struct itimerspec){ { 0, 0 }, { 0, 30 * MS } };
	t0 = now_ns();
	CHECK(timerfd_settime(fd, 0, &its, NULL) == 0, "settime: %s", strerror(errno));
	CHECK(timerfd_gettime(fd, &cur) == 0, "gettime: %s", strerror(errno));
	/* Zero left is right too when a host stall let the 30 ms pass before gettime. */
	CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec <= 30 * MS &&
	      (cur.it_value.tv_nsec > 0 || now_ns() - t0 >= 30 * MS) &&
	      cur.it_interval.tv_sec == 0 && cur.it_interval.tv_nsec == 0,
	      "gettime %ld.%09ld / %ld.%09ld", (long)cur.it_value.tv_sec, cur.it_value.tv_nsec,
	      (long)cur.it_interval.tv_sec, cur.it_interval.tv_nsec);
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	CHECK(poll(&pfd, 1, 2000) == 1 && (pfd.revents & POLLIN), "timer never became readable");
	CHECK(now_ns() - t0 >= 30 * MS, "expired after %lld ms", (long long)((now_ns() - t0) / MS));
	CHECK(rd64(fd, &err) == 1, "one-shot count");
	CHECK(rd64(fd, &err) == -1 && err == EAGAIN, "second read: %s", strerror(err));
	timerfd_gettime(fd, &cur);
	CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0, "expired one-shot still armed");

	/* Periodic, 20 ms: sleeping 3 periods and a half gives 3 expirations (more only if late). */
	its = (struct itimerspec){ { 0, 20 * MS }, { 0, 20 * MS } };
	t0 = now_ns();
	timerfd_settime(fd, 0, &its, NULL);
	sleep_ms(70);
	n = rd64(fd, &err);
	CHECK(n >= 3 && n <= (now_ns() - t0) / (20 * MS), "periodic count %lld after %lld ms", (long long)n,
	      (long long)((now_ns() - t0) / MS));
	timerfd_gettime(fd, &cur);
	CHECK(cur.it_interval.tv_nsec == 20 * MS && cur.it_value.tv_nsec > 0 && cur.it_value.tv_nsec <= 20 * MS,
	      "periodic gettime %ld / %ld", cur.it_value.tv_nsec, cur.it_interval.tv_nsec);

	/* settime returns the old setting; a zero value disarms and clears the count. */
	its = (struct itimerspec){ { 0, 0 }, { 5, 0 } };
	CHECK(timerfd_settime(fd, 0, &its, &old) == 0, "re-settime: %s", strerror(errno));
	CHECK(old.it_interval.tv_nsec == 20 * MS && old.it_value.tv_sec == 0 && old.it_value.tv_nsec > 0,
	      "old value %ld.%09ld / %ld", (long)old.it_value.tv_sec, old.it_value.tv_nsec, old.it_interval.tv_nsec);
	memset(&its, 0, sizeof(its));
	CHECK(timerfd_settime(fd, 0, &its, &old) == 0, "disarm: %s", strerror(errno));
	CHECK(old.it_value.tv_sec == 4 || old.it_value.tv_sec == 5, "old 5 s value reads %ld s", (long)old.it_value.tv_sec);
	timerfd_gettime(fd, &cur);
	CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0, "disarmed timer shows time left");
	CHECK(rd64(fd, &err) == -1 && err == EAGAIN, "disarmed read: %s", strerror(err));
	close(fd);

	/* Absolute time on the wall clock, blocking read; then a time already past. */
	fd = timerfd_create(CLOCK_REALTIME, 0);
	struct timespec rt;
	/* t0 before the deadline is computed: a host stall between the two must not shorten the wait measured. */
	t0 = now_ns();
	clock_gettime(CLOCK_REALTIME, &rt);
	rt.tv_nsec += 30 * MS;
	if (rt.tv_nsec >= 1000000000) {
		rt.tv_sec++;
		rt.tv_nsec -= 1000000000;
	}
	its = (struct itimerspec){ { 0, 0 }, rt };
	CHECK(timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL) == 0, "abs settime: %s", strerror(errno));
	CHECK(rd64(fd, &err) == 1, "blocking abs read: %s", strerror(err));
	CHECK(now_ns() - t0 >= 29 * MS, "abs timer fired after %lld ms", (long long)((now_ns() - t0) / MS));
	its.it_value.tv_sec -= 100;
	its.it_interval = (struct timespec){ 10, 0 };
	timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL);
	n = rd64(fd, &err);
	CHECK(n == 10 || n == 11, "abs timer 100 s in the past with a 10 s period: %lld expirations", (long long)n);
	close(fd);
	fd = timerfd_create(CLOCK_BOOTTIME, TFD_CLOEXEC);
	CHECK(fd >= 0 && fcntl(fd, F_GETFD) == FD_CLOEXEC, "CLOCK_BOOTTIME with TFD_CLOEXEC");
	close(fd);
}

static void test_signalfd(void)
{
	struct signalfd_siginfo si[2];
	sigset_t mask, pend;
	struct pollfd pfd;
	int fd;

	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	fd = signalfd(-1, &mask, SFD_NONBLOCK);
	CHECK(fd >= 0, "signalfd: %s", strerror(errno));
	CHECK(read(fd, si, sizeof(si[0])) == -1 && errno == EAGAIN, "empty read: %s", strerror(errno));
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	CHECK(poll(&pfd, 1, 0) == 0, "readable with nothing pending");
	raise(SIGUSR1);
	CHECK(poll(&pfd, 1, 0) == 1 && pfd.revents == POLLIN, "not readable with SIGUSR1 pending");
	CHECK(read(fd, si, 8) == -1 && errno == EINVAL, "short read: %s", strerror(errno));
	memset(si, 0, sizeof(si));
	CHECK(read(fd, si, sizeof(si)) == sizeof(si[0]), "read: %s", strerror(errno));
	CHECK(si[0].ssi_signo == SIGUSR1, "ssi_signo %u", si[0].ssi_signo);
	CHECK(si[0].ssi_code == SI_TKILL, "ssi_code %d, wanted SI_TKILL (raise)", si[0].ssi_code);
	CHECK(si[0].ssi_pid == (uint32_t)getpid(), "ssi_pid %u", si[0].ssi_pid);
	sigpending(&pend);
	CHECK(!sigismember(&pend, SIGUSR1), "SIGUSR1 still pending after the read");

	/* Changing the mask of an existing signalfd; kill gives SI_USER. */
	sigaddset(&mask, SIGUSR2);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	CHECK(signalfd(fd, &mask, 0) == fd, "updating the mask: %s", strerror(errno));
	kill(getpid(), SIGUSR2);
	raise(SIGUSR1);
	CHECK(read(fd, si, sizeof(si)) == 2 * sizeof(si[0]), "two records");
	CHECK(si[0].ssi_signo == SIGUSR1 && si[1].ssi_signo == SIGUSR2, "signals %u %u", si[0].ssi_signo,
	      si[1].ssi_signo);
	CHECK(si[1].ssi_code == SI_USER, "kill: ssi_code %d", si[1].ssi_code);
	int efd = eventfd(0, 0);
	CHECK(signalfd(efd, &mask, 0) == -1 && errno == EINVAL, "signalfd on an eventfd: %s", strerror(errno));
	close(efd);
	close(fd);
	sigprocmask(SIG_UNBLOCK, &mask, NULL);
}

/* epoll_wait with timeout 0 that returns the events in ev; count or -1. */
static int ep_now(int ep, struct epoll_event *ev, int max)
{
	return epoll_wait(ep, ev, max, 0);
}

static void test_epoll(void)
{
	struct epoll_event ev, out[8];
	int p[2], ep, ep2, efd, tfd, n, err = 0;
	char c;
	int64_t t0;

	ep = epoll_create1(EPOLL_CLOEXEC);
	CHECK(ep >= 0 && fcntl(ep, F_GETFD) == FD_CLOEXEC, "epoll_create1: %s", strerror(errno));
	CHECK(syscall(SYS_epoll_create, 0) == -1 && errno == EINVAL, "epoll_create(0) accepted");
	CHECK(pipe2(p, O_NONBLOCK) == 0, "pipe2");
	efd = eventfd(0, EFD_NONBLOCK);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);

	ev = (struct epoll_event){ .events = EPOLLIN, .data.u64 = 1 };
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0, "ADD pipe: %s", strerror(errno));
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == -1 && errno == EEXIST, "second ADD: %s", strerror(errno));
	ev = (struct epoll_event){ .events = EPOLLIN, .data.u64 = 2 };
	CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, efd, &ev) == -1 && errno == ENOENT, "MOD absent: %s", strerror(errno));
	CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, efd, NULL) == -1 && errno == ENOENT, "DEL absent: %s", strerror(errno));
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev) == 0, "ADD eventfd: %s", strerror(errno));
	ev = (struct epoll_event){ .events = EPOLLIN, .data.u64 = 3 };
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev) == 0, "ADD timerfd: %s", strerror(errno));
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev) == -1 && errno == EINVAL, "ADD itself: %s", strerror(errno));
	CHECK(epoll_ctl(ep, 99, efd, &ev) == -1 && errno == EINVAL, "bad op: %s", strerror(errno));
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, 999, &ev) == -1 && errno == EBADF, "bad fd: %s", strerror(errno));
	CHECK(epoll_ctl(efd, EPOLL_CTL_ADD, p[0], &ev) == -1 && errno == EINVAL, "epfd not an epoll");
	int reg = open("/proc/self/cmdline", O_RDONLY);
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, reg, &ev) == -1 && errno == EPERM, "ADD a regular file: %s", strerror(errno));
	close(reg);

	/* Nesting: ep2 holds ep, so ep cannot hold ep2. */
	ep2 = epoll_create1(0);
	ev = (struct epoll_event){ .events = EPOLLIN, .data.u64 = 9 };
	CHECK(epoll_ctl(ep2, EPOLL_CTL_ADD, ep, &ev) == 0, "nest: %s", strerror(errno));
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, ep2, &ev) == -1 && errno == ELOOP, "loop: %s", strerror(errno));

	/* Timeouts: 0 returns at once, 50 ms waits at least 50 ms. */
	CHECK(ep_now(ep, out, 8) == 0, "idle epoll reports something");
	t0 = now_ns();
	CHECK(epoll_wait(ep, out, 8, 50) == 0, "timed wait: %s", strerror(errno));
	CHECK(now_ns() - t0 >= 50 * MS, "50 ms wait took %lld ms", (long long)((now_ns() - t0) / MS));
	CHECK(epoll_wait(ep, out, 0, 0) == -1 && errno == EINVAL, "maxevents 0: %s", strerror(errno));

	/* Level-triggered: reported while readable. */
	write(p[1], "ab", 2);
	n = ep_now(ep, out, 8);
	CHECK(n == 1 && out[0].data.u64 == 1 && out[0].events == EPOLLIN, "pipe: n %d data %llu ev %#x", n,
	      (unsigned long long)out[0].data.u64, out[0].events);
	CHECK(ep_now(ep, out, 8) == 1, "level-triggered item not reported again");
	struct pollfd pfd = { .fd = ep, .events = POLLIN };
	CHECK(poll(&pfd, 1, 0) == 1, "epoll fd not readable with a ready item");
	CHECK(ep_now(ep2, out, 8) == 1 && out[0].data.u64 == 9, "nested epoll not ready");
	read(p[0], &c, 1);
	read(p[0], &c, 1);
	CHECK(ep_now(ep, out, 8) == 0, "drained pipe still reported");
	CHECK(poll(&pfd, 1, 0) == 0, "epoll fd readable with nothing ready");

	/* Edge-triggered: once per change. */
	ev = (struct epoll_event){ .events = EPOLLIN | EPOLLET, .data.u64 = 1 };
	CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev) == 0, "MOD ET: %s", strerror(errno));
	write(p[1], "a", 1);
	CHECK(ep_now(ep, out, 8) == 1, "edge not reported");
	CHECK(ep_now(ep, out, 8) == 0, "edge reported twice");
	read(p[0], &c, 1);
	CHECK(ep_now(ep, out, 8) == 0, "drained ET pipe reported");
	write(p[1], "b", 1);
	CHECK(ep_now(ep, out, 8) == 1 && out[0].data.u64 == 1, "second edge not reported");
	read(p[0], &c, 1);
	/* New data on a pipe that is still readable is a new edge too (Linux wakes the item). */
	write(p[1], "c", 1);
	CHECK(ep_now(ep, out, 8) == 1, "edge for c not reported");
	write(p[1], "d", 1);
	CHECK(ep_now(ep, out, 8) == 1, "more data on a readable pipe was not reported");
	read(p[0], &c, 1);
	read(p[0], &c, 1);

	/* One-shot: reported once, re-armed by MOD. */
	ev = (struct epoll_event){ .events = EPOLLIN | EPOLLONESHOT, .data.u64 = 2 };
	CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, efd, &ev) == 0, "MOD ONESHOT: %s", strerror(errno));
	wr64(efd, 1);
	CHECK(ep_now(ep, out, 8) == 1 && out[0].data.u64 == 2, "one-shot not reported");
	CHECK(ep_now(ep, out, 8) == 0, "one-shot reported twice");
	ev = (struct epoll_event){ .events = EPOLLIN, .data.u64 = 22 };
	CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, efd, &ev) == 0, "re-arm: %s", strerror(errno));
	CHECK(ep_now(ep, out, 8) == 1 && out[0].data.u64 == 22, "re-armed item not reported with its new data");
	CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, efd, NULL) == 0, "DEL: %s", strerror(errno));
	CHECK(ep_now(ep, out, 8) == 0, "deleted item reported");

	/* A timerfd wakes a blocking wait. */
	struct itimerspec its = { { 0, 0 }, { 0, 30 * MS } };
	t0 = now_ns();
	timerfd_settime(tfd, 0, &its, NULL);
	n = epoll_wait(ep, out, 8, 5000);
	CHECK(n == 1 && out[0].data.u64 == 3, "timerfd wait: n %d data %llu", n, (unsigned long long)out[0].data.u64);
	CHECK(now_ns() - t0 >= 30 * MS, "timerfd reported after %lld ms", (long long)((now_ns() - t0) / MS));
	CHECK(rd64(tfd, &err) == 1, "timerfd count");

	/* A signal interrupts epoll_wait. */
	got_alrm = 0;
	alarm_in_ms(20);
	CHECK(epoll_wait(ep, out, 8, -1) == -1 && errno == EINTR, "interrupted wait: %s", strerror(errno));
	alarm_off();
	CHECK(got_alrm >= 1, "SIGALRM handler ran %d times", got_alrm);

	/* epoll_pwait: a blocked pending signal is let in by the temporary mask, and the mask comes back. */
	sigset_t usr2, empty, cur;
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	sigemptyset(&empty);
	sigprocmask(SIG_BLOCK, &usr2, NULL);
	CHECK(epoll_pwait(ep, out, 8, 0, &empty) == 0, "epoll_pwait with nothing pending");
	raise(SIGUSR2);
	got_usr2 = 0;
	CHECK(epoll_pwait(ep, out, 8, -1, &empty) == -1 && errno == EINTR, "epoll_pwait: %s", strerror(errno));
	CHECK(got_usr2 == 1, "SIGUSR2 handler ran %d times in epoll_pwait", got_usr2);
	sigprocmask(SIG_BLOCK, NULL, &cur);
	CHECK(sigismember(&cur, SIGUSR2), "epoll_pwait did not restore the mask");
	sigprocmask(SIG_UNBLOCK, &usr2, NULL);
	struct timespec ts = { 0, 20 * MS };
	t0 = now_ns();
	CHECK(syscall(SYS_epoll_pwait2, ep, out, 8, &ts, NULL, 8) == 0, "epoll_pwait2: %s", strerror(errno));
	CHECK(now_ns() - t0 >= 20 * MS, "epoll_pwait2 waited %lld ms", (long long)((now_ns() - t0) / MS));

	/* Items belong to the open file: a dup keeps the item alive, the last close removes it. */
	ev = (struct epoll_event){ .events = EPOLLIN, .data.u64 = 1 };
	epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev);
	int d = dup(p[0]);
	close(p[0]);
	write(p[1], "x", 1);
	CHECK(ep_now(ep, out, 8) == 1 && out[0].data.u64 == 1, "item lost when a dup remains");
	read(d, &c, 1);
	close(p[1]);
	n = ep_now(ep, out, 8);
	CHECK(n == 1 && out[0].events == EPOLLHUP, "closed writer: n %d events %#x", n, out[0].events);
	close(d);
	CHECK(ep_now(ep, out, 8) == 0, "item of a closed file still reported");

	close(ep2);
	close(ep);
	close(efd);
	close(tfd);
}

static void test_select(void)
{
	fd_set rd, wr;
	struct timeval tv;
	int p[2], n;
	int64_t t0;

	pipe(p);
	FD_ZERO(&rd);
	FD_ZERO(&wr);
	FD_SET(p[0], &rd);
	FD_SET(p[1], &wr);
	tv = (struct timeval){ 0, 0 };
	n = select(p[1] + 1, &rd, &wr, NULL, &tv);
	CHECK(n == 1 && !FD_ISSET(p[0], &rd) && FD_ISSET(p[1], &wr), "empty pipe: n %d", n);

	write(p[1], "z", 1);
	FD_SET(p[0], &rd);
	FD_SET(p[1], &wr);
	n = select(p[1] + 1, &rd, &wr, NULL, NULL);
	CHECK(n == 2 && FD_ISSET(p[0], &rd) && FD_ISSET(p[1], &wr), "full pipe: n %d", n);
	char c;
	read(p[0], &c, 1);

	/* A timeout: the raw call writes back the time left (0 after a full wait). */
	FD_ZERO(&rd);
	FD_SET(p[0], &rd);
	tv = (struct timeval){ 0, 50000 };
	t0 = now_ns();
	n = syscall(SYS_select, p[0] + 1, &rd, NULL, NULL, &tv);
	CHECK(n == 0 && !FD_ISSET(p[0], &rd), "timed select: n %d", n);
	CHECK(now_ns() - t0 >= 50 * MS, "50 ms select took %lld ms", (long long)((now_ns() - t0) / MS));
	CHECK(tv.tv_sec == 0 && tv.tv_usec == 0, "time left %ld.%06ld", (long)tv.tv_sec, (long)tv.tv_usec);
	FD_SET(p[0], &rd);
	tv = (struct timeval){ 5, 0 };
	write(p[1], "z", 1);
	n = syscall(SYS_select, p[0] + 1, &rd, NULL, NULL, &tv);
	CHECK(n == 1 && tv.tv_sec >= 4 && tv.tv_sec <= 5, "ready select: n %d, time left %ld s", n, (long)tv.tv_sec);
	read(p[0], &c, 1);
	FD_ZERO(&rd);
	close(20);
	FD_SET(20, &rd);
	CHECK(select(21, &rd, NULL, NULL, NULL) == -1 && errno == EBADF, "closed fd: %s", strerror(errno));

	/* pselect: timeout, and the temporary mask. */
	struct timespec ts = { 0, 30 * MS };
	FD_ZERO(&rd);
	FD_SET(p[0], &rd);
	t0 = now_ns();
	CHECK(pselect(p[0] + 1, &rd, NULL, NULL, &ts, NULL) == 0, "pselect timeout: %s", strerror(errno));
	CHECK(now_ns() - t0 >= 30 * MS, "30 ms pselect took %lld ms", (long long)((now_ns() - t0) / MS));
	sigset_t usr2, empty, cur;
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	sigemptyset(&empty);
	sigprocmask(SIG_BLOCK, &usr2, NULL);
	raise(SIGUSR2);
	got_usr2 = 0;
	FD_SET(p[0], &rd);
	CHECK(pselect(p[0] + 1, &rd, NULL, NULL, NULL, &empty) == -1 && errno == EINTR, "pselect: %s", strerror(errno));
	CHECK(got_usr2 == 1, "SIGUSR2 handler ran %d times in pselect", got_usr2);
	sigprocmask(SIG_BLOCK, NULL, &cur);
	CHECK(sigismember(&cur, SIGUSR2), "pselect did not restore the mask");
	sigprocmask(SIG_UNBLOCK, &usr2, NULL);
	FD_ZERO(&wr);
	FD_SET(p[1], &wr);
	CHECK(pselect(p[1] + 1, NULL, &wr, NULL, NULL, &empty) == 1 && FD_ISSET(p[1], &wr), "pselect writable");
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	struct sigaction sa;

	setvbuf(stdout, NULL, _IONBF, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr2;
	sigaction(SIGUSR2, &sa, NULL);
	sa.sa_handler = on_alrm;     /* no SA_RESTART: blocking calls fail with EINTR */
	sigaction(SIGALRM, &sa, NULL);

	test_eventfd();
	test_timerfd();
	test_signalfd();
	test_epoll();
	test_select();
	return check_finish("events");
}
