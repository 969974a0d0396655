/* SPDX-License-Identifier: MIT */
/* pty.c: pseudo-terminals: posix_openpt/grantpt/unlockpt/ptsname, canonical and raw input, echo, output processing, VMIN/VTIME, poll, TIOCGPTPEER, hangup both ways. */
// husk-test: status=0 expect="SUCCESS" backends=qemu
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

static int readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

/* Reads what fd has within 200 ms (at most n-1 bytes), NUL-terminated; the count or -errno. */
static long drain(int fd, char *buf, size_t n)
{
	long got = 0, r;

	while (readable(fd, 200) && (size_t)got < n - 1) {
		r = read(fd, buf + got, n - 1 - got);
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		got += r;
		if (!readable(fd, 20))
			break;
	}
	buf[got] = '\0';
	return got;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

/* A master and its open slave; *name gets the slave's path. */
static int open_pair(int *slave, char *name, size_t n)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);

	if (m < 0)
		return -1;
	if (grantpt(m) || unlockpt(m) || ptsname_r(m, name, n)) {
		close(m);
		return -1;
	}
	*slave = open(name, O_RDWR | O_NOCTTY);
	if (*slave < 0) {
		close(m);
		return -1;
	}
	return m;
}

static void test_setup(void)
{
	char name[64], *tn;
	struct stat st, fst;
	struct termios t;
	int m, s, n = -1, lock = 0;

	m = posix_openpt(O_RDWR | O_NOCTTY);
	CHECK(m >= 0, "posix_openpt: %s", strerror(errno));
	CHECK(grantpt(m) == 0, "grantpt: %s", strerror(errno));
	CHECK(ioctl(m, TIOCGPTN, &n) == 0 && n >= 0, "TIOCGPTN: %d %s", n, strerror(errno));
	CHECK(ptsname_r(m, name, sizeof(name)) == 0, "ptsname_r: %s", strerror(errno));
	snprintf(name + 32, 32, "/dev/pts/%d", n);
	CHECK(strcmp(name, name + 32) == 0, "ptsname %s, TIOCGPTN %d", name, n);
	CHECK(stat(name, &st) == 0, "stat %s: %s", name, strerror(errno));
	CHECK(S_ISCHR(st.st_mode) && major(st.st_rdev) == 136 && (int)minor(st.st_rdev) == n,
	      "%s: mode %o rdev %u:%u", name, st.st_mode, major(st.st_rdev), minor(st.st_rdev));
	CHECK(((st.st_mode & 0777) == 0620 || (st.st_mode & 0777) == 0600) && st.st_uid == getuid() && (st.st_gid == 5 || st.st_gid == 0),
	      "%s: mode %o uid %d gid %d", name, st.st_mode, st.st_uid, st.st_gid);
	CHECK(fstat(m, &fst) == 0 && S_ISCHR(fst.st_mode) && fst.st_rdev == makedev(5, 2),
	      "fstat of the master: rdev %u:%u", major(fst.st_rdev), minor(fst.st_rdev));

	/* Locked until unlockpt: the slave cannot be used (husk says so on first use rather than at open). */
	CHECK(ioctl(m, TIOCGPTLCK, &lock) == 0 && lock == 1, "TIOCGPTLCK %d", lock);
	s = open(name, O_RDWR | O_NOCTTY);
	if (s >= 0) {
		CHECK(!check_native(), "open of a locked slave succeeded");
		CHECK(tcgetattr(s, &t) < 0 && errno == EIO, "locked slave: %s", strerror(errno));
		close(s);
	} else {
		CHECK(errno == EIO, "open of a locked slave: %s", strerror(errno));
	}
	CHECK(ioctl(m, TIOCGPTPEER, O_RDWR) < 0 && errno == EIO, "TIOCGPTPEER while locked: %s", strerror(errno));

	CHECK(unlockpt(m) == 0, "unlockpt: %s", strerror(errno));
	s = open(name, O_RDWR | O_NOCTTY);
	CHECK(s >= 0, "open %s: %s", name, strerror(errno));
	CHECK(isatty(s), "isatty(slave)");
	tn = ttyname(s);
	CHECK(tn && strcmp(tn, name) == 0, "ttyname %s, want %s", tn ? tn : strerror(errno), name);
	CHECK(tcgetsid(s) < 0 && errno == ENOTTY, "tcgetsid of a slave opened O_NOCTTY: %s", strerror(errno));
	CHECK(ioctl(s, TIOCGPTN, &n) < 0 && errno == ENOTTY, "TIOCGPTN on the slave: %s", strerror(errno));
	CHECK(tcgetattr(s, &t) == 0 && (t.c_lflag & ICANON) && (t.c_lflag & ECHO) && (t.c_oflag & ONLCR),
	      "a new slave is cooked: lflag %o oflag %o", t.c_lflag, t.c_oflag);

	/* TIOCGPTPEER opens the same slave. */
	int peer = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	CHECK(peer >= 0, "TIOCGPTPEER: %s", strerror(errno));
	CHECK(fstat(peer, &fst) == 0 && stat(name, &st) == 0 && fst.st_rdev == st.st_rdev && fst.st_ino == st.st_ino,
	      "TIOCGPTPEER's file is %s", name);
	CHECK((fcntl(peer, F_GETFD) & FD_CLOEXEC) != 0, "TIOCGPTPEER honours O_CLOEXEC");
	tn = ttyname(peer);
	CHECK(tn && strcmp(tn, name) == 0, "ttyname(peer) %s", tn ? tn : strerror(errno));
	close(peer);
	close(s);
	close(m);
}

static void test_canonical(void)
{
	char name[64], buf[256];
	int m, s, v;
	long r;

	m = open_pair(&s, name, sizeof(name));
	CHECK(m >= 0, "open_pair: %s", strerror(errno));
	if (m < 0)
		return;

	/* A line goes through; the echo comes back to the master with ONLCR. */
	CHECK(write(m, "hello\n", 6) == 6, "write master: %s", strerror(errno));
	r = read(s, buf, sizeof(buf));
	CHECK(r == 6 && memcmp(buf, "hello\n", 6) == 0, "slave read %ld", r);
	r = drain(m, buf, sizeof(buf));
	CHECK(r == 7 && strcmp(buf, "hello\r\n") == 0, "echo on the master: %ld \"%s\"", r, buf);

	/* Output processing: "\n" becomes "\r\n". */
	CHECK(write(s, "x\n", 2) == 2, "write slave: %s", strerror(errno));
	r = drain(m, buf, sizeof(buf));
	CHECK(r == 3 && strcmp(buf, "x\r\n") == 0, "master read %ld \"%s\"", r, buf);

	/* A partial line is not readable; ERASE and KILL edit it; CR becomes NL (ICRNL). */
	CHECK(write(m, "ab", 2) == 2, "write");
	CHECK(!readable(s, 50), "a partial line is readable");
	CHECK(ioctl(s, FIONREAD, &v) == 0 && v == 0, "FIONREAD on a partial line: %d", v);
	CHECK(write(m, "\x7f" "c\r", 3) == 3, "write");
	CHECK(readable(s, 200), "the line is not readable");
	CHECK(ioctl(s, FIONREAD, &v) == 0 && v == 3, "FIONREAD %d", v);
	r = read(s, buf, sizeof(buf));
	CHECK(r == 3 && memcmp(buf, "ac\n", 3) == 0, "erase: %ld \"%.*s\"", r, (int)(r > 0 ? r : 0), buf);
	r = drain(m, buf, sizeof(buf));
	CHECK(strcmp(buf, "ab\b \bc\r\n") == 0, "echo of an erase: \"%s\"", buf);
	CHECK(write(m, "zzz\x15ok\n", 7) == 7, "write");
	r = read(s, buf, sizeof(buf));
	CHECK(r == 3 && memcmp(buf, "ok\n", 3) == 0, "kill: %ld", r);

	/* Lines come one per read, and a short read leaves the rest. */
	CHECK(write(m, "one\ntwo\n", 8) == 8, "write");
	r = read(s, buf, sizeof(buf));
	CHECK(r == 4 && memcmp(buf, "one\n", 4) == 0, "first line: %ld", r);
	r = read(s, buf, 2);
	CHECK(r == 2 && memcmp(buf, "tw", 2) == 0, "short read: %ld", r);
	r = read(s, buf, sizeof(buf));
	CHECK(r == 2 && memcmp(buf, "o\n", 2) == 0, "rest of the line: %ld", r);

	/* ^D: what was typed without a newline, or end of file on an empty line. */
	CHECK(write(m, "abc\x04", 4) == 4, "write");
	r = read(s, buf, sizeof(buf));
	CHECK(r == 3 && memcmp(buf, "abc", 3) == 0, "^D after text: %ld", r);
	CHECK(write(m, "\x04", 1) == 1, "write");
	r = read(s, buf, sizeof(buf));
	CHECK(r == 0, "^D on an empty line: %ld", r);
	CHECK(write(m, "xyz\x04" "next\n", 9) == 9, "write");
	r = read(s, buf, 3);
	CHECK(r == 3 && memcmp(buf, "xyz", 3) == 0, "^D with an exact-size read: %ld", r);
	r = read(s, buf, sizeof(buf));
	CHECK(r == 5 && memcmp(buf, "next\n", 5) == 0, "the line after ^D: %ld", r);
	drain(m, buf, sizeof(buf));

	/* Without ECHO nothing comes back; ECHONL still echoes the newline. */
	struct termios t;
	tcgetattr(s, &t);
	t.c_lflag &= ~ECHO;
	t.c_lflag |= ECHONL;
	CHECK(tcsetattr(s, TCSANOW, &t) == 0, "tcsetattr: %s", strerror(errno));
	CHECK(write(m, "quiet\n", 6) == 6, "write");
	r = read(s, buf, sizeof(buf));
	CHECK(r == 6, "read %ld", r);
	r = drain(m, buf, sizeof(buf));
	CHECK(r == 2 && strcmp(buf, "\r\n") == 0, "ECHONL echo: %ld", r);

	/* tcflush drops queued input; tcdrain and tcflow are accepted. */
	CHECK(write(m, "gone\n", 5) == 5, "write");
	CHECK(tcflush(s, TCIFLUSH) == 0, "tcflush: %s", strerror(errno));
	CHECK(!readable(s, 50), "input survived tcflush");
	CHECK(tcdrain(s) == 0 && tcflow(s, TCOOFF) == 0 && tcflow(s, TCOON) == 0, "tcdrain/tcflow: %s", strerror(errno));
	CHECK(tcsendbreak(s, 0) == 0, "tcsendbreak: %s", strerror(errno));

	/* The window size set on the master is the slave's. */
	struct winsize ws = { .ws_row = 33, .ws_col = 101 }, ws2 = { 0 };
	CHECK(ioctl(m, TIOCSWINSZ, &ws) == 0, "TIOCSWINSZ: %s", strerror(errno));
	CHECK(ioctl(s, TIOCGWINSZ, &ws2) == 0 && ws2.ws_row == 33 && ws2.ws_col == 101,
	      "TIOCGWINSZ %dx%d", ws2.ws_row, ws2.ws_col);
	close(s);
	close(m);
}

static void test_raw(void)
{
	char name[64], buf[256];
	struct termios t;
	int m, s, fl;
	uint64_t t0;
	long r;

	m = open_pair(&s, name, sizeof(name));
	CHECK(m >= 0, "open_pair: %s", strerror(errno));
	if (m < 0)
		return;
	CHECK(write(m, "pending", 7) == 7, "write");
	tcgetattr(s, &t);
	cfmakeraw(&t);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	CHECK(tcsetattr(s, TCSANOW, &t) == 0, "cfmakeraw: %s", strerror(errno));
	/* What was typed before the switch becomes readable. */
	r = read(s, buf, sizeof(buf));
	CHECK(r == 7 && memcmp(buf, "pending", 7) == 0, "pending input after the switch: %ld", r);
	drain(m, buf, sizeof(buf));   /* the cooked echo of "pending" */

	/* Byte at a time, no echo, no CR mapping, ^D and ^C are data. */
	CHECK(write(m, "q", 1) == 1, "write");
	r = read(s, buf, sizeof(buf));
	CHECK(r == 1 && buf[0] == 'q', "raw read %ld", r);
	CHECK(write(m, "\r\x04\x03", 3) == 3, "write");
	r = read(s, buf, sizeof(buf));
	CHECK(r == 3 && memcmp(buf, "\r\x04\x03", 3) == 0, "control bytes as data: %ld", r);
	CHECK(write(s, "y\n", 2) == 2, "write slave");
	r = drain(m, buf, sizeof(buf));
	CHECK(r == 2 && memcmp(buf, "y\n", 2) == 0, "raw output (no ONLCR, no echo): %ld \"%s\"", r, buf);

	/* VMIN=1 with O_NONBLOCK and nothing there: EAGAIN. */
	fl = fcntl(s, F_GETFL);
	fcntl(s, F_SETFL, fl | O_NONBLOCK);
	CHECK(read(s, buf, 1) < 0 && errno == EAGAIN, "nonblocking empty read: %s", strerror(errno));
	fcntl(s, F_SETFL, fl);

	/* VMIN=0, VTIME=0: returns at once, 0 when empty. */
	t.c_cc[VMIN] = 0;
	tcsetattr(s, TCSANOW, &t);
	CHECK(read(s, buf, sizeof(buf)) == 0, "VMIN=0 VTIME=0 empty read");
	CHECK(write(m, "ab", 2) == 2, "write");
	r = read(s, buf, sizeof(buf));
	CHECK(r == 2, "VMIN=0 VTIME=0 read %ld", r);

	/* VMIN=0, VTIME=2: waits 0.2 s, then 0. */
	t.c_cc[VTIME] = 2;
	tcsetattr(s, TCSANOW, &t);
	t0 = now_ms();
	r = read(s, buf, sizeof(buf));
	t0 = now_ms() - t0;
	CHECK(r == 0 && t0 >= 150 && t0 < 2000, "VTIME timeout: %ld after %llu ms", r, (unsigned long long)t0);

	/* VMIN=3: waits for three bytes (they are there). */
	t.c_cc[VMIN] = 3;
	t.c_cc[VTIME] = 0;
	tcsetattr(s, TCSANOW, &t);
	CHECK(write(m, "123", 3) == 3, "write");
	r = read(s, buf, sizeof(buf));
	CHECK(r == 3, "VMIN=3 read %ld", r);
	close(s);
	close(m);
}

static void test_poll_and_hangup(void)
{
	char name[64], buf[64];
	struct pollfd p[2];
	struct stat st;
	int m, s;
	long r;

	m = open_pair(&s, name, sizeof(name));
	CHECK(m >= 0, "open_pair: %s", strerror(errno));
	if (m < 0)
		return;
	p[0] = (struct pollfd){ .fd = m, .events = POLLIN | POLLOUT };
	p[1] = (struct pollfd){ .fd = s, .events = POLLIN | POLLOUT };
	CHECK(poll(p, 2, 0) == 2 && p[0].revents == POLLOUT && p[1].revents == POLLOUT,
	      "idle poll: %x %x", p[0].revents, p[1].revents);
	CHECK(write(m, "l\n", 2) == 2, "write");
	CHECK(readable(s, 1000), "slave poll after a line");
	CHECK(readable(m, 1000), "master poll after the echo");
	read(s, buf, sizeof(buf));
	drain(m, buf, sizeof(buf));

	/* Closing the master hangs the slave up and removes its name. */
	close(m);
	r = read(s, buf, sizeof(buf));
	CHECK(r == 0, "slave read after the master closed: %ld %s", r, strerror(errno));
	CHECK(write(s, "z", 1) < 0 && errno == EIO, "slave write after the master closed: %s", strerror(errno));
	p[1].revents = 0;
	CHECK(poll(&p[1], 1, 0) == 1 && (p[1].revents & POLLHUP), "slave poll after hangup: %x", p[1].revents);
	CHECK(stat(name, &st) < 0 && errno == ENOENT, "%s after the master closed: %s", name, strerror(errno));
	close(s);

	/* Closing every slave: the master reads what is left, then EIO. */
	m = open_pair(&s, name, sizeof(name));
	CHECK(m >= 0, "open_pair: %s", strerror(errno));
	if (m < 0)
		return;
	CHECK(write(s, "bye", 3) == 3, "write");
	close(s);
	p[0] = (struct pollfd){ .fd = m, .events = POLLIN };
	CHECK(poll(p, 1, 0) == 1 && (p[0].revents & POLLHUP), "master poll after the slave closed: %x", p[0].revents);
	r = read(m, buf, sizeof(buf));
	CHECK(r == 3 && memcmp(buf, "bye", 3) == 0, "master read of what is left: %ld", r);
	r = read(m, buf, sizeof(buf));
	CHECK(r < 0 && errno == EIO, "master read with no slave: %ld %s", r, strerror(errno));
	/* Reopening the slave makes the master usable again. */
	s = open(name, O_RDWR | O_NOCTTY);
	CHECK(s >= 0, "reopen %s: %s", name, strerror(errno));
	CHECK(write(s, "again", 5) == 5, "write");
	r = read(m, buf, sizeof(buf));
	CHECK(r == 5, "master read after reopen: %ld %s", r, strerror(errno));
	close(s);
	close(m);
}

int main(void)
{
	test_setup();
	test_canonical();
	test_raw();
	test_poll_and_hangup();
	return check_finish("pty");
}
