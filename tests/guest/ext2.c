/* SPDX-License-Identifier: MIT */
/* ext2.c: images made on the host (tests/fixtures/mkvol.sh) mounted through loop devices: the host's tree reads back, changes survive umount and mount, ENOSPC, EROFS; corrupt or unclean images are refused, a journal needing recovery is replayed. */
// husk-test: name=loop files=build/tests/ext2vol mem=256M expect="SUCCESS"
// husk-test: name=refuse args="refuse" files=build/tests/ext2vol mem=256M expect="SUCCESS" kexpect="cannot mount /dev/loop" kexpect="the journal needs recovery and the device is read-only" kexpect="journal replayed" kexpect="not cleanly unmounted" kexpect="larger than the device"
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
/* linux/loop.h (musl has no kernel headers) */
#define LOOP_SET_FD 0x4C00
#define LOOP_CLR_FD 0x4C01
#define LOOP_CTL_GET_FREE 0x4C82
#define RENAME_NOREPLACE 1
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "check.h"

#define MNT "/tmp/mnt"
#define EXT2_SUPER_MAGIC 0xEF53

static char loopdev[32];

static unsigned char pattern(size_t i)
{
	return (unsigned char)(i * 7 + (i >> 12));
}

/* Binds a new loop device to path; returns 0 or -1. */
static int loop_setup(const char *path, int flags)
{
	int ctl = open("/dev/loop-control", O_RDWR), fd, dev, n;

	CHECK(ctl >= 0, "open loop-control: %s", strerror(errno));
	if (ctl < 0)
		return -1;
	n = ioctl(ctl, LOOP_CTL_GET_FREE);
	close(ctl);
	CHECK(n >= 0, "LOOP_CTL_GET_FREE: %s", strerror(errno));
	snprintf(loopdev, sizeof(loopdev), "/dev/loop%d", n);
	fd = open(path, flags);
	dev = open(loopdev, flags);
	CHECK(fd >= 0 && dev >= 0, "open %s / %s: %s", path, loopdev, strerror(errno));
	if (fd < 0 || dev < 0)
		return -1;
	CHECK(ioctl(dev, LOOP_SET_FD, fd) == 0, "LOOP_SET_FD: %s", strerror(errno));
	close(fd);
	close(dev);
	return 0;
}

static void loop_clear(void)
{
	int dev = open(loopdev, O_RDONLY);

	CHECK(dev >= 0 && ioctl(dev, LOOP_CLR_FD) == 0, "LOOP_CLR_FD %s: %s", loopdev, strerror(errno));
	close(dev);
}

static long slurp(const char *path, char *buf, size_t n)
{
	int fd = open(path, O_RDONLY);
	long r;

	if (fd < 0)
		return -1;
	r = read(fd, buf, n - 1);
	close(fd);
	if (r >= 0)
		buf[r] = '\0';
	return r;
}

static void check_host_tree(void)
{
	static unsigned char big[3 << 20];
	struct stat st, st2;
	char buf[256];
	long n;
	int fd, bad = -1;

	CHECK(stat(MNT "/hello.txt", &st) == 0, "stat hello: %s", strerror(errno));
	CHECK((st.st_mode & 07777) == 0640 && st.st_uid == 1234 && st.st_gid == 5678 && st.st_size == 20 &&
	      st.st_nlink == 2, "hello: mode %o uid %u gid %u size %ld nlink %lu", st.st_mode, st.st_uid,
	      st.st_gid, (long)st.st_size, (unsigned long)st.st_nlink);
	CHECK(slurp(MNT "/hello.txt", buf, sizeof(buf)) == 20 && strcmp(buf, "hello from the host\n") == 0,
	      "hello contents: '%s'", buf);
	CHECK(stat(MNT "/dir/hard", &st2) == 0 && st2.st_ino == st.st_ino, "hard link: %s", strerror(errno));
	n = readlink(MNT "/link", buf, sizeof(buf));
	CHECK(n == 9 && memcmp(buf, "hello.txt", 9) == 0, "readlink: %ld", n);
	CHECK(slurp(MNT "/link", buf, sizeof(buf)) == 20, "read through symlink: %s", strerror(errno));
	CHECK(slurp(MNT "/dirlink/deep.txt", buf, sizeof(buf)) == 5 && strcmp(buf, "deep\n") == 0,
	      "dir symlink: %s", strerror(errno));
	CHECK(stat(MNT "/dir", &st) == 0 && (st.st_mode & 07777) == 0751 && S_ISDIR(st.st_mode),
	      "dir mode %o", st.st_mode);
	fd = open(MNT "/big", O_RDONLY);
	n = 0;
	if (fd >= 0) {
		long r;

		while ((r = read(fd, big + n, sizeof(big) - n)) > 0)
			n += r;
		close(fd);
	}
	for (long i = 0; i < n; i++)
		if (big[i] != pattern(i)) {
			bad = (int)i;
			break;
		}
	CHECK(n == sizeof(big) && bad < 0, "big: %ld bytes, first bad byte at %d", n, bad);
	CHECK(stat(MNT "/sparse", &st) == 0 && st.st_size == 8 << 20, "sparse size %ld", (long)st.st_size);
	fd = open(MNT "/sparse", O_RDONLY);
	CHECK(fd >= 0 && pread(fd, buf, 3, (8 << 20) - 3) == 3 && memcmp(buf, "end", 3) == 0, "sparse end");
	memset(buf, 1, sizeof(buf));
	CHECK(fd >= 0 && pread(fd, buf, 100, 4 << 20) == 100 && buf[0] == 0 && buf[99] == 0, "sparse hole");
	close(fd);
}

static void check_readdir(void)
{
	DIR *d = opendir(MNT);
	struct dirent *e;
	int seen = 0;

	CHECK(d != NULL, "opendir: %s", strerror(errno));
	if (!d)
		return;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, "hello.txt") && e->d_type == DT_REG)
			seen |= 1;
		if (!strcmp(e->d_name, "dir") && e->d_type == DT_DIR)
			seen |= 2;
		if (!strcmp(e->d_name, "link") && e->d_type == DT_LNK)
			seen |= 4;
		if (!strcmp(e->d_name, "lost+found"))
			seen |= 8;
	}
	closedir(d);
	CHECK(seen == 15, "readdir saw %x", seen);
}

/* Changes made in the guest; checked again after a new mount. */
static void make_changes(void)
{
	struct timespec ts[2] = { { 1000000000, 123456789 }, { 1100000000, 987654321 } };
	char buf[64];
	int fd;
	char *map;

	fd = open(MNT "/new.txt", O_CREAT | O_RDWR | O_EXCL, 0600);
	CHECK(fd >= 0, "create: %s", strerror(errno));
	CHECK(write(fd, "written in the guest\n", 21) == 21, "write: %s", strerror(errno));
	CHECK(pwrite(fd, "GUEST", 5, 15) == 5, "pwrite: %s", strerror(errno));
	CHECK(fsync(fd) == 0, "fsync: %s", strerror(errno));
	CHECK(pread(fd, buf, 21, 0) == 21 && memcmp(buf, "written in the GUEST\n", 21) == 0, "read back");
	close(fd);
	CHECK(mkdir(MNT "/newdir", 0700) == 0, "mkdir: %s", strerror(errno));
	CHECK(mkdir(MNT "/newdir/inner", 0755) == 0, "mkdir inner: %s", strerror(errno));
	CHECK(rmdir(MNT "/newdir") == -1 && errno == ENOTEMPTY, "rmdir non-empty: %s", strerror(errno));
	CHECK(rename(MNT "/new.txt", MNT "/newdir/moved.txt") == 0, "rename: %s", strerror(errno));
	CHECK(rename(MNT "/newdir/inner", MNT "/inner") == 0, "rename dir: %s", strerror(errno));
	CHECK(syscall(SYS_renameat2, AT_FDCWD, MNT "/link", AT_FDCWD, MNT "/hello.txt", RENAME_NOREPLACE) == -1 &&
	      errno == EEXIST, "RENAME_NOREPLACE: %s", strerror(errno));
	CHECK(symlink("newdir/moved.txt", MNT "/newlink") == 0, "symlink: %s", strerror(errno));
	CHECK(link(MNT "/newdir/moved.txt", MNT "/hardnew") == 0, "link: %s", strerror(errno));
	CHECK(unlink(MNT "/dir/hard") == 0, "unlink: %s", strerror(errno));
	CHECK(chmod(MNT "/hello.txt", 0604) == 0, "chmod: %s", strerror(errno));
	CHECK(chown(MNT "/hello.txt", 42, 43) == 0, "chown: %s", strerror(errno));
	CHECK(utimensat(AT_FDCWD, MNT "/hello.txt", ts, 0) == 0, "utimensat: %s", strerror(errno));
	CHECK(truncate(MNT "/big", 5000) == 0, "truncate: %s", strerror(errno));
	CHECK(setxattr(MNT "/hello.txt", "user.one", "1", 1, XATTR_CREATE) == 0, "setxattr: %s", strerror(errno));
	CHECK(setxattr(MNT "/hello.txt", "user.one", "1", 1, XATTR_CREATE) == -1 && errno == EEXIST,
	      "XATTR_CREATE twice: %s", strerror(errno));
	CHECK(setxattr(MNT "/hello.txt", "user.two", "second", 6, 0) == 0, "setxattr two: %s", strerror(errno));
	CHECK(setxattr(MNT "/hello.txt", "user.none", "x", 1, XATTR_REPLACE) == -1 && errno == ENODATA,
	      "XATTR_REPLACE of a missing name: %s", strerror(errno));
	CHECK(setxattr(MNT "/hello.txt", "user.gone", "x", 1, 0) == 0 && removexattr(MNT "/hello.txt", "user.gone") == 0,
	      "removexattr: %s", strerror(errno));
	CHECK(removexattr(MNT "/hello.txt", "user.gone") == -1 && errno == ENODATA, "remove twice: %s", strerror(errno));
	fd = open(MNT "/mapped", O_CREAT | O_RDWR, 0644);
	CHECK(fd >= 0 && ftruncate(fd, 8192) == 0, "mapped file: %s", strerror(errno));
	map = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(map != MAP_FAILED, "mmap: %s", strerror(errno));
	if (map != MAP_FAILED) {
		memcpy(map + 4000, "through a mapping", 17);
		CHECK(msync(map, 8192, MS_SYNC) == 0, "msync: %s", strerror(errno));
		munmap(map, 8192);
	}
	close(fd);
	fd = open(MNT "/alloc", O_CREAT | O_RDWR, 0644);
	CHECK(fd >= 0 && fallocate(fd, 0, 0, 1 << 20) == 0, "fallocate: %s", strerror(errno));
	close(fd);
}

static void check_changes(void)
{
	struct stat st;
	char buf[64];

	CHECK(slurp(MNT "/newdir/moved.txt", buf, sizeof(buf)) == 21 &&
	      strcmp(buf, "written in the GUEST\n") == 0, "moved file: '%s'", buf);
	CHECK(stat(MNT "/newdir/moved.txt", &st) == 0 && (st.st_mode & 07777) == 0600 && st.st_nlink == 2,
	      "moved mode %o nlink %lu", st.st_mode, (unsigned long)st.st_nlink);
	CHECK(access(MNT "/new.txt", F_OK) == -1 && errno == ENOENT, "old name still there");
	CHECK(stat(MNT "/inner", &st) == 0 && S_ISDIR(st.st_mode), "moved dir: %s", strerror(errno));
	CHECK(stat(MNT "/inner/..", &st) == 0, "moved dir's ..: %s", strerror(errno));
	CHECK(slurp(MNT "/newlink", buf, sizeof(buf)) == 21, "new symlink: %s", strerror(errno));
	CHECK(access(MNT "/dir/hard", F_OK) == -1 && errno == ENOENT, "unlinked file still there");
	CHECK(stat(MNT "/hello.txt", &st) == 0 && (st.st_mode & 07777) == 0604 && st.st_uid == 42 &&
	      st.st_gid == 43 && st.st_nlink == 1, "hello: mode %o uid %u gid %u nlink %lu", st.st_mode,
	      st.st_uid, st.st_gid, (unsigned long)st.st_nlink);
	CHECK(st.st_mtim.tv_sec == 1100000000 && st.st_mtim.tv_nsec == 987654321 &&
	      st.st_atim.tv_sec == 1000000000, "times %ld.%09ld", (long)st.st_mtim.tv_sec,
	      (long)st.st_mtim.tv_nsec);
	CHECK(stat(MNT "/big", &st) == 0 && st.st_size == 5000, "truncated size %ld", (long)st.st_size);
	{
		char list[128];
		ssize_t n = listxattr(MNT "/hello.txt", list, sizeof(list));

		CHECK(n == 18 && !memcmp(list, "user.one\0user.two\0", 18), "listxattr: %zd", n);
		CHECK(getxattr(MNT "/hello.txt", "user.two", buf, sizeof(buf)) == 6 && !memcmp(buf, "second", 6),
		      "getxattr: %s", strerror(errno));
		CHECK(getxattr(MNT "/hello.txt", "user.two", NULL, 0) == 6, "getxattr size: %s", strerror(errno));
		CHECK(getxattr(MNT "/hello.txt", "user.two", buf, 2) == -1 && errno == ERANGE, "ERANGE: %s",
		      strerror(errno));
		CHECK(getxattr(MNT "/hello.txt", "user.gone", buf, sizeof(buf)) == -1 && errno == ENODATA,
		      "removed: %s", strerror(errno));
		CHECK(getxattr("/tmp", "user.x", buf, sizeof(buf)) == -1 && errno == EOPNOTSUPP, "tmpfs: %s",
		      strerror(errno));
	}
	CHECK(stat(MNT "/alloc", &st) == 0 && st.st_size == 1 << 20, "fallocated size %ld", (long)st.st_size);
	memset(buf, 0, sizeof(buf));
	{
		int fd = open(MNT "/mapped", O_RDONLY);

		CHECK(fd >= 0 && pread(fd, buf, 17, 4000) == 17 && memcmp(buf, "through a mapping", 17) == 0,
		      "mapped write: '%s'", buf);
		close(fd);
	}
}

static void check_enospc(void)
{
	static char chunk[1 << 16];
	struct statfs before, after;
	long total = 0, r = 0;
	int fd;

	CHECK(statfs(MNT, &before) == 0, "statfs: %s", strerror(errno));
	fd = open(MNT "/fill", O_CREAT | O_WRONLY, 0644);
	memset(chunk, 'x', sizeof(chunk));
	while (fd >= 0 && total < (64L << 20) && (r = write(fd, chunk, sizeof(chunk))) > 0)
		total += r;
	/* The page cache may take more than the disk has: the error can come at fsync. */
	if (r > 0 || total >= (64L << 20))
		r = fsync(fd);
	CHECK(r < 0 && errno == ENOSPC, "filling the disk ended with %ld (%s) after %ld bytes", r,
	      strerror(errno), total);
	close(fd);
	CHECK(unlink(MNT "/fill") == 0, "unlink fill: %s", strerror(errno));
	CHECK(statfs(MNT, &after) == 0 && after.f_bfree + 2 >= before.f_bfree,
	      "space back: %lu free, %lu before", (unsigned long)after.f_bfree, (unsigned long)before.f_bfree);
}

/* Copies the ext3 image to path, then writes len bytes at off (superblock fields) and cuts it to size. */
static int corrupt_copy(const char *path, long off, const void *bytes, size_t len, long size)
{
	static char img[8 << 20];
	int fd = open("/vol.ext3", O_RDONLY);
	long n = fd >= 0 ? read(fd, img, sizeof(img)) : -1;

	close(fd);
	CHECK(n == sizeof(img), "read vol.ext3: %ld", n);
	memcpy(img + off, bytes, len);
	fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	CHECK(fd >= 0 && write(fd, img, size) == size, "write %s: %s", path, strerror(errno));
	close(fd);
	return 0;
}

/* The superblock starts at byte 1024: s_magic at +56, s_state at +58, s_feature_incompat at +96. */
static void refusals(void)
{
	static const uint16_t zero16, unclean = 0;
	uint32_t incompat;
	int fd;

	/* The clean image mounts read-write (it has a journal: ext3). */
	corrupt_copy("/tmp/good", 0, "", 0, 8 << 20);
	if (loop_setup("/tmp/good", O_RDWR))
		return;
	CHECK(mount(loopdev, MNT, "ext3", 0, NULL) == 0, "mount the good image: %s", strerror(errno));
	CHECK(umount(MNT) == 0, "umount: %s", strerror(errno));
	loop_clear();

	corrupt_copy("/tmp/magic", 1024 + 56, &zero16, 2, 8 << 20);
	loop_setup("/tmp/magic", O_RDWR);
	CHECK(mount(loopdev, MNT, "ext3", 0, NULL) == -1 && errno == EINVAL, "bad magic: %s", strerror(errno));
	loop_clear();

	corrupt_copy("/tmp/short", 0, "", 0, 1 << 20);
	loop_setup("/tmp/short", O_RDWR);
	CHECK(mount(loopdev, MNT, "ext3", 0, NULL) == -1 && errno == EINVAL, "truncated image: %s", strerror(errno));
	loop_clear();

	/* Read the incompat features of the image and add needs_recovery (0x4). */
	fd = open("/vol.ext3", O_RDONLY);
	CHECK(fd >= 0 && pread(fd, &incompat, 4, 1024 + 96) == 4, "read features");
	close(fd);
	incompat |= 4;
	/* On a read-only device a journal cannot be replayed: refused. */
	corrupt_copy("/tmp/recover", 1024 + 96, &incompat, 4, 8 << 20);
	loop_setup("/tmp/recover", O_RDONLY);
	CHECK(mount(loopdev, MNT, "ext3", MS_RDONLY, NULL) == -1 && errno == EROFS, "needs recovery, ro device: %s",
	      strerror(errno));
	loop_clear();
	/* Writable: the (empty) journal is replayed, needs_recovery goes, the mount proceeds. */
	loop_setup("/tmp/recover", O_RDWR);
	CHECK(mount(loopdev, MNT, "ext3", MS_RDONLY, NULL) == 0, "needs recovery, empty journal: %s", strerror(errno));
	CHECK(umount(MNT) == 0, "umount: %s", strerror(errno));
	loop_clear();
	fd = open("/tmp/recover", O_RDONLY);
	CHECK(fd >= 0 && pread(fd, &incompat, 4, 1024 + 96) == 4 && !(incompat & 4), "needs_recovery still set: %x",
	      incompat);
	close(fd);

	/* Not cleanly unmounted: read-only only. */
	corrupt_copy("/tmp/unclean", 1024 + 58, &unclean, 2, 8 << 20);
	loop_setup("/tmp/unclean", O_RDWR);
	CHECK(mount(loopdev, MNT, "ext3", 0, NULL) == -1 && errno == EUCLEAN, "unclean rw: %s", strerror(errno));
	CHECK(mount(loopdev, MNT, "ext3", MS_RDONLY, NULL) == 0, "unclean ro: %s", strerror(errno));
	CHECK(umount(MNT) == 0, "umount: %s", strerror(errno));
	loop_clear();
}

int main(int argc, char **argv)
{
	struct statfs sf;
	char buf[512];

	if (argc > 1 && strcmp(argv[1], "refuse") == 0) {
		CHECK(mkdir(MNT, 0755) == 0, "mkdir: %s", strerror(errno));
		refusals();
		return check_finish("ext2");
	}

	CHECK(mkdir(MNT, 0755) == 0, "mkdir: %s", strerror(errno));
	if (loop_setup("/vol.ext4", O_RDWR))
		return check_finish("ext2");
	CHECK(mount(loopdev, MNT, "ext4", 0, NULL) == 0, "mount: %s", strerror(errno));
	CHECK(statfs(MNT, &sf) == 0 && sf.f_type == EXT2_SUPER_MAGIC && sf.f_bsize == 4096 &&
	      sf.f_blocks == 4096, "statfs: type %lx bsize %ld blocks %ld", (long)sf.f_type, (long)sf.f_bsize,
	      (long)sf.f_blocks);
	CHECK(slurp("/proc/mounts", buf, sizeof(buf)) > 0 && strstr(buf, " " MNT " ext4 rw 0 0"),
	      "/proc/mounts: %s", buf);
	check_host_tree();
	check_readdir();
	make_changes();
	CHECK(umount(MNT) == 0, "umount: %s", strerror(errno));
	CHECK(mount(loopdev, MNT, "ext4", 0, NULL) == 0, "mount again: %s", strerror(errno));
	check_changes();
	check_enospc();
	CHECK(umount(MNT) == 0, "umount: %s", strerror(errno));

	/* MNT_DETACH while a file is open: the file keeps working; closing it ends the mount
	 * (the loop device is free again only then), and what it wrote is on the disk. */
	{
		int fd, dev;

		CHECK(mount(loopdev, MNT, "ext4", 0, NULL) == 0, "mount: %s", strerror(errno));
		fd = open(MNT "/detached", O_CREAT | O_RDWR, 0644);
		CHECK(fd >= 0, "create: %s", strerror(errno));
		CHECK(umount(MNT) == -1 && errno == EBUSY, "umount busy: %s", strerror(errno));
		CHECK(umount2(MNT, MNT_DETACH) == 0, "MNT_DETACH: %s", strerror(errno));
		CHECK(write(fd, "after detach", 12) == 12, "write after detach: %s", strerror(errno));
		dev = open(loopdev, O_RDONLY);
		CHECK(ioctl(dev, LOOP_CLR_FD) == -1 && errno == EBUSY, "loop busy while the file is open: %s",
		      strerror(errno));
		close(fd);
		CHECK(mount(loopdev, MNT, "ext4", 0, NULL) == 0, "mount after detach: %s", strerror(errno));
		CHECK(slurp(MNT "/detached", buf, sizeof(buf)) == 12 && !strcmp(buf, "after detach"),
		      "written after detach: '%s'", buf);
		CHECK(umount(MNT) == 0, "umount: %s", strerror(errno));
		close(dev);
	}

	/* Read-only: reads work, changes are EROFS. */
	CHECK(mount(loopdev, MNT, "ext4", MS_RDONLY, NULL) == 0, "mount ro: %s", strerror(errno));
	CHECK(slurp(MNT "/hello.txt", buf, sizeof(buf)) == 20, "read ro: %s", strerror(errno));
	CHECK(open(MNT "/x", O_CREAT | O_WRONLY, 0644) == -1 && errno == EROFS, "create ro: %s", strerror(errno));
	CHECK(unlink(MNT "/hello.txt") == -1 && errno == EROFS, "unlink ro: %s", strerror(errno));
	CHECK(umount(MNT) == 0, "umount ro: %s", strerror(errno));
	loop_clear();
	return check_finish("ext2");
}
