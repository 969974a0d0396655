/* SPDX-License-Identifier: MIT */
/* tmpfs.c: file and descriptor calls on /tmp, pipes with poll, and the /dev/null, /dev/zero, /dev/urandom devices. */
// husk-test: status=0 expect="SUCCESS"
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check.h"

#define BIG (1 << 20)

static unsigned char pattern(size_t i)
{
	return (unsigned char)(i * 7 + (i >> 12));
}

static void check_big_file(void)
{
	static unsigned char buf[BIG];
	size_t done = 0, bad = BIG;
	ssize_t n;
	struct stat st;
	int fd;

	for (size_t i = 0; i < BIG; i++)
		buf[i] = pattern(i);
	fd = open("/tmp/big", O_CREAT | O_TRUNC | O_WRONLY, 0644);
	CHECK(fd >= 0, "create /tmp/big failed: %s", strerror(errno));
	if (fd < 0)
		return;
	/* Odd-sized chunks cross page boundaries at every offset. */
	while (done < BIG) {
		size_t len = BIG - done < 4099 ? BIG - done : 4099;

		n = write(fd, buf + done, len);
		CHECK(n == (ssize_t)len, "write at %zu returned %zd: %s", done, n, strerror(errno));
		if (n <= 0)
			break;
		done += n;
	}
	CHECK(close(fd) == 0, "close failed");
	CHECK(stat("/tmp/big", &st) == 0 && st.st_size == BIG, "/tmp/big size %lld, wanted %d",
	      (long long)st.st_size, BIG);

	memset(buf, 0, BIG);
	fd = open("/tmp/big", O_RDWR);
	CHECK(fd >= 0, "reopen /tmp/big failed: %s", strerror(errno));
	done = 0;
	while (done < BIG && (n = read(fd, buf + done, 65536 + 3)) > 0)
		done += n;
	CHECK(done == BIG, "read back %zu bytes, wanted %d", done, BIG);
	for (size_t i = 0; i < BIG; i++) {
		if (buf[i] != pattern(i)) {
			bad = i;
			break;
		}
	}
	CHECK(bad == BIG, "read back byte %zu is %#x, wanted %#x", bad, bad < BIG ? buf[bad] : 0,
	      bad < BIG ? pattern(bad) : 0);

	CHECK(lseek(fd, 12345, SEEK_SET) == 12345, "lseek SEEK_SET failed");
	CHECK(read(fd, buf, 1) == 1 && buf[0] == pattern(12345), "byte at 12345 is wrong after lseek");
	CHECK(lseek(fd, -1, SEEK_END) == BIG - 1, "lseek SEEK_END wrong");
	CHECK(lseek(fd, 0, SEEK_CUR) == BIG - 1, "lseek SEEK_CUR wrong");
	CHECK(pwrite(fd, "XYZ", 3, 500000) == 3, "pwrite failed: %s", strerror(errno));
	CHECK(lseek(fd, 0, SEEK_CUR) == BIG - 1, "pwrite moved the file offset");
	CHECK(pread(fd, buf, 5, 499999) == 5 && buf[0] == pattern(499999) &&
	      memcmp(buf + 1, "XYZ", 3) == 0 && buf[4] == pattern(500003),
	      "pread around the pwrite gave %02x %.3s %02x", buf[0], buf + 1, buf[4]);
	/* Writing past the end leaves a hole that reads as zeros. */
	CHECK(pwrite(fd, "E", 1, BIG + 100) == 1, "pwrite past end failed");
	CHECK(pread(fd, buf, 101, BIG) == 101 && buf[0] == 0 && buf[99] == 0 && buf[100] == 'E',
	      "hole past the old end does not read as zeros");
	CHECK(ftruncate(fd, 1000) == 0, "ftruncate failed: %s", strerror(errno));
	CHECK(fstat(fd, &st) == 0 && st.st_size == 1000, "size after ftruncate %lld, wanted 1000",
	      (long long)st.st_size);
	close(fd);
}

static void check_names(void)
{
	struct stat st;
	int fd = open("/tmp/a", O_CREAT | O_EXCL | O_WRONLY, 0600);

	CHECK(fd >= 0, "create /tmp/a failed: %s", strerror(errno));
	CHECK(write(fd, "abc", 3) == 3, "write /tmp/a failed");
	close(fd);
	CHECK(open("/tmp/a", O_CREAT | O_EXCL | O_WRONLY, 0600) == -1 && errno == EEXIST,
	      "O_EXCL on an existing file did not fail with EEXIST (errno %d)", errno);
	fd = open("/tmp/a", O_WRONLY | O_APPEND);
	CHECK(fd >= 0 && write(fd, "def", 3) == 3, "append to /tmp/a failed");
	close(fd);
	CHECK(rename("/tmp/a", "/tmp/b") == 0, "rename failed: %s", strerror(errno));
	CHECK(stat("/tmp/a", &st) == -1 && errno == ENOENT, "/tmp/a still exists after rename");
	CHECK(stat("/tmp/b", &st) == 0 && st.st_size == 6, "/tmp/b size %lld, wanted 6 (append)",
	      (long long)st.st_size);
	CHECK(mkdir("/tmp/d", 0755) == 0, "mkdir failed: %s", strerror(errno));
	CHECK(mkdir("/tmp/d", 0755) == -1 && errno == EEXIST, "second mkdir did not fail with EEXIST");
	CHECK(stat("/tmp/d", &st) == 0 && S_ISDIR(st.st_mode), "/tmp/d is not a directory");
	CHECK(rename("/tmp/b", "/tmp/d/b") == 0, "rename into a directory failed: %s", strerror(errno));
	CHECK(rmdir("/tmp/d") == -1 && errno == ENOTEMPTY, "rmdir of a non-empty dir gave errno %d",
	      errno);
	CHECK(unlink("/tmp/d/b") == 0, "unlink failed: %s", strerror(errno));
	CHECK(open("/tmp/d/b", O_RDONLY) == -1 && errno == ENOENT, "unlinked file still opens");
	CHECK(rmdir("/tmp/d") == 0, "rmdir failed: %s", strerror(errno));
	CHECK(stat("/tmp/d", &st) == -1 && errno == ENOENT, "/tmp/d exists after rmdir");
	/* An unlinked file stays readable through an open descriptor. */
	fd = open("/tmp/u", O_CREAT | O_RDWR, 0600);
	CHECK(fd >= 0 && write(fd, "live", 4) == 4 && unlink("/tmp/u") == 0,
	      "create+unlink /tmp/u failed");
	{
		char b[4] = { 0 };

		CHECK(pread(fd, b, 4, 0) == 4 && memcmp(b, "live", 4) == 0,
		      "unlinked open file not readable");
	}
	close(fd);
}

static void check_fds(void)
{
	char b[8] = { 0 };
	int fd = open("/tmp/dup", O_CREAT | O_RDWR | O_TRUNC, 0600);

	CHECK(fd >= 0, "create /tmp/dup failed");
	CHECK(dup2(fd, 10) == 10, "dup2(fd, 10) failed: %s", strerror(errno));
	CHECK(write(10, "12", 2) == 2 && write(fd, "34", 2) == 2, "writes through dup failed");
	CHECK(lseek(10, 0, SEEK_CUR) == 4, "dup'd descriptors do not share the offset");
	CHECK(pread(fd, b, 4, 0) == 4 && memcmp(b, "1234", 4) == 0, "file holds \"%.4s\", wanted 1234", b);
	close(10);
	CHECK(write(10, "x", 1) == -1 && errno == EBADF, "write to a closed fd did not fail with EBADF");
	CHECK(fcntl(fd, F_GETFD) == 0, "new fd has flags %d", fcntl(fd, F_GETFD));
	CHECK(fcntl(fd, F_SETFD, FD_CLOEXEC) == 0 && fcntl(fd, F_GETFD) == FD_CLOEXEC,
	      "F_SETFD FD_CLOEXEC did not stick");
	close(fd);
	unlink("/tmp/dup");
}

static void check_pipe(void)
{
	int p[2];
	char b[16] = { 0 };
	struct pollfd pfd;

	CHECK(pipe2(p, O_CLOEXEC) == 0, "pipe2 failed: %s", strerror(errno));
	CHECK(fcntl(p[0], F_GETFD) == FD_CLOEXEC, "pipe2(O_CLOEXEC) fd lacks FD_CLOEXEC");
	pfd = (struct pollfd){ .fd = p[0], .events = POLLIN };
	CHECK(poll(&pfd, 1, 0) == 0, "poll on an empty pipe reported ready (revents %#x)", pfd.revents);
	CHECK(write(p[1], "ping", 4) == 4, "write to pipe failed");
	CHECK(poll(&pfd, 1, 1000) == 1 && (pfd.revents & POLLIN), "poll did not report POLLIN (revents %#x)",
	      pfd.revents);
	CHECK(read(p[0], b, sizeof(b)) == 4 && memcmp(b, "ping", 4) == 0, "pipe read gave \"%s\"", b);
	pfd = (struct pollfd){ .fd = p[1], .events = POLLOUT };
	CHECK(poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLOUT), "write end not POLLOUT");
	close(p[1]);
	pfd = (struct pollfd){ .fd = p[0], .events = POLLIN };
	CHECK(poll(&pfd, 1, 1000) == 1 && (pfd.revents & (POLLHUP | POLLIN)),
	      "closed write end not reported (revents %#x)", pfd.revents);
	CHECK(read(p[0], b, sizeof(b)) == 0, "read after writer closed did not return EOF");
	close(p[0]);
}

static void check_devices(void)
{
	struct stat st;
	unsigned char b[4096];
	int fd, any = 0, zero = 1;

	fd = open("/dev/null", O_RDWR);
	CHECK(fd >= 0, "open(/dev/null) failed: %s", strerror(errno));
	CHECK(fstat(fd, &st) == 0 && S_ISCHR(st.st_mode), "/dev/null is not a character device (mode %o)",
	      st.st_mode);
	CHECK(write(fd, "gone", 4) == 4, "write to /dev/null did not return 4");
	CHECK(read(fd, b, sizeof(b)) == 0, "read from /dev/null did not return 0");
	close(fd);

	memset(b, 0xaa, sizeof(b));
	fd = open("/dev/zero", O_RDONLY);
	CHECK(fd >= 0 && read(fd, b, sizeof(b)) == sizeof(b), "read(/dev/zero) failed");
	for (size_t i = 0; i < sizeof(b); i++)
		zero &= b[i] == 0;
	CHECK(zero, "/dev/zero returned non-zero bytes");
	close(fd);

	fd = open("/dev/urandom", O_RDONLY);
	CHECK(fd >= 0 && read(fd, b, 64) == 64, "read(/dev/urandom) failed");
	for (int i = 0; i < 64; i++)
		any |= b[i];
	CHECK(any, "64 bytes of /dev/urandom are all zero");
	close(fd);
}

int main(void)
{
	check_big_file();
	check_names();
	check_fds();
	check_pipe();
	check_devices();
	return check_finish("tmpfs");
}
