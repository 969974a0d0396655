/* SPDX-License-Identifier: MIT */
/* loop.c: the block layer through loop devices: /dev/loop-control, LOOP_SET_FD, byte I/O on the block file reaching the backing file, BLK* ioctls, read-only devices. */
// husk-test: status=0 expect="SUCCESS"
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check.h"

/* linux/loop.h and linux/fs.h (musl has no kernel headers) */
#define LOOP_SET_FD 0x4C00
#define LOOP_CLR_FD 0x4C01
#define LOOP_CTL_GET_FREE 0x4C82
#define BLKROGET 0x125e
#define BLKSSZGET 0x1268
#define BLKGETSIZE64 0x80081272

static int bind(const char *file, int flags, char *dev, size_t n)
{
	int ctl = open("/dev/loop-control", O_RDWR), fd, d, nr;

	nr = ctl >= 0 ? ioctl(ctl, LOOP_CTL_GET_FREE) : -1;
	CHECK(nr >= 0, "LOOP_CTL_GET_FREE: %s", strerror(errno));
	close(ctl);
	snprintf(dev, n, "/dev/loop%d", nr);
	fd = open(file, flags);
	d = open(dev, O_RDONLY);
	CHECK(fd >= 0 && d >= 0, "open %s %s: %s", file, dev, strerror(errno));
	CHECK(ioctl(d, LOOP_SET_FD, fd) == 0, "LOOP_SET_FD: %s", strerror(errno));
	CHECK(ioctl(d, LOOP_SET_FD, fd) == -1 && errno == EBUSY, "second LOOP_SET_FD: %s", strerror(errno));
	close(fd);
	return d;
}

int main(void)
{
	static char buf[70000], back[70000];
	char dev[32], dev2[32];
	uint64_t size = 0;
	struct stat st;
	int fd, d, v = -1;

	fd = open("/tmp/disk", O_CREAT | O_RDWR, 0644);
	CHECK(fd >= 0 && ftruncate(fd, 1 << 20) == 0, "backing file: %s", strerror(errno));
	close(fd);
	d = bind("/tmp/disk", O_RDWR, dev, sizeof(dev));
	CHECK(stat(dev, &st) == 0 && S_ISBLK(st.st_mode) && major(st.st_rdev) == 7, "%s: mode %o", dev, st.st_mode);
	CHECK(ioctl(d, BLKGETSIZE64, &size) == 0 && size == 1 << 20, "size %llu", (unsigned long long)size);
	CHECK(ioctl(d, BLKSSZGET, &v) == 0 && v == 512, "sector size %d", v);
	CHECK(ioctl(d, BLKROGET, &v) == 0 && v == 0, "ro %d", v);
	close(d);

	/* Unaligned bytes across sectors, written through the device, land in the file. */
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)(i * 13 + 1);
	d = open(dev, O_RDWR);
	CHECK(d >= 0 && pwrite(d, buf, sizeof(buf), 777) == (ssize_t)sizeof(buf), "pwrite: %s", strerror(errno));
	CHECK(fsync(d) == 0, "fsync: %s", strerror(errno));
	CHECK(pread(d, back, sizeof(back), 777) == (ssize_t)sizeof(back) && !memcmp(buf, back, sizeof(buf)),
	      "read back through the device");
	CHECK(pread(d, back, 10, (1 << 20) - 4) == 4, "read at the end");
	CHECK(pwrite(d, buf, 10, 1 << 20) == -1 && errno == ENOSPC, "write past the end: %s", strerror(errno));
	close(d);
	fd = open("/tmp/disk", O_RDONLY);
	memset(back, 0, sizeof(back));
	CHECK(fd >= 0 && pread(fd, back, sizeof(back), 777) == (ssize_t)sizeof(back) &&
	      !memcmp(buf, back, sizeof(buf)), "the backing file has the bytes");
	CHECK(pread(fd, back, 777, 0) == 777 && back[0] == 0 && back[776] == 0, "bytes before are untouched");
	close(fd);
	d = open(dev, O_RDONLY);
	CHECK(ioctl(d, LOOP_CLR_FD) == 0, "LOOP_CLR_FD: %s", strerror(errno));
	close(d);

	/* A file opened read-only makes a read-only device. */
	d = bind("/tmp/disk", O_RDONLY, dev2, sizeof(dev2));
	CHECK(strcmp(dev, dev2) == 0, "free device reused: %s then %s", dev, dev2);
	CHECK(ioctl(d, BLKROGET, &v) == 0 && v == 1, "ro %d", v);
	CHECK(open(dev2, O_RDWR) == -1 && errno == EROFS, "open rw: %s", strerror(errno));
	CHECK(pread(d, back, 100, 777) == 100 && !memcmp(back, buf, 100), "read ro");
	CHECK(ioctl(d, LOOP_CLR_FD) == 0, "LOOP_CLR_FD: %s", strerror(errno));
	close(d);
	return check_finish("loop");
}
