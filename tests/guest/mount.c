/* SPDX-License-Identifier: MIT */
/* mount.c: mount(2) and umount2(2) of tmpfs: /proc/mounts, statfs, remount read-only (EROFS), EBUSY and MNT_DETACH. */
// husk-test: status=0 expect="SUCCESS"
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include "check.h"

#define TMPFS_MAGIC 0x01021994

/* Does /proc/mounts hold a line starting with want? */
static int mounts_has(const char *want)
{
	static char buf[8192];
	int fd = open("/proc/mounts", O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	char *line;

	if (fd >= 0)
		close(fd);
	if (n < 0)
		return 0;
	buf[n] = '\0';
	for (line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		if (strncmp(line, want, strlen(want)) == 0)
			return 1;
	return 0;
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0755);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

int main(void)
{
	struct statfs sf;
	struct stat st, root;
	int fd, r;

	CHECK(mkdir("/tmp/m", 0755) == 0, "mkdir: %s", strerror(errno));
	CHECK(stat("/tmp", &root) == 0, "stat /tmp: %s", strerror(errno));
	r = mount("scratch", "/tmp/m", "tmpfs", MS_NOSUID, NULL);
	CHECK(r == 0, "mount tmpfs: %s", strerror(errno));
	CHECK(mount("x", "/tmp/m", "nosuchfs", 0, NULL) == -1 && errno == ENODEV,
	      "unknown type: %s", strerror(errno));
	CHECK(mounts_has("scratch /tmp/m tmpfs rw,nosuid 0 0"), "no line in /proc/mounts");
	CHECK(stat("/tmp/m", &st) == 0 && st.st_dev != root.st_dev && (st.st_mode & 07777) == 01777,
	      "mounted root: dev %lu (under it %lu), mode %o", (unsigned long)st.st_dev,
	      (unsigned long)root.st_dev, st.st_mode);
	CHECK(statfs("/tmp/m", &sf) == 0 && sf.f_type == TMPFS_MAGIC && (sf.f_flags & ST_NOSUID),
	      "statfs: type %lx flags %lx", (long)sf.f_type, (long)sf.f_flags);
	CHECK(write_file("/tmp/m/a", "hello\n") == 0, "write /tmp/m/a: %s", strerror(errno));
	CHECK(write_file("/tmp/m/prog", "#!/bin/nothing\n") == 0, "write prog: %s", strerror(errno));

	/* Read-only: every change is EROFS, reading still works. */
	r = mount(NULL, "/tmp/m", NULL, MS_REMOUNT | MS_RDONLY | MS_NOEXEC | MS_NODEV, NULL);
	CHECK(r == 0, "remount ro: %s", strerror(errno));
	CHECK(mounts_has("scratch /tmp/m tmpfs ro,nodev,noexec 0 0"), "ro not in /proc/mounts");
	CHECK(statfs("/tmp/m", &sf) == 0 && (sf.f_flags & ST_RDONLY), "statfs flags %lx", (long)sf.f_flags);
	CHECK(open("/tmp/m/a", O_WRONLY) == -1 && errno == EROFS, "open for write: %s", strerror(errno));
	CHECK(open("/tmp/m/b", O_CREAT | O_WRONLY, 0644) == -1 && errno == EROFS, "create: %s", strerror(errno));
	CHECK(mkdir("/tmp/m/d", 0755) == -1 && errno == EROFS, "mkdir: %s", strerror(errno));
	CHECK(unlink("/tmp/m/a") == -1 && errno == EROFS, "unlink: %s", strerror(errno));
	CHECK(rename("/tmp/m/a", "/tmp/m/c") == -1 && errno == EROFS, "rename: %s", strerror(errno));
	CHECK(chmod("/tmp/m/a", 0600) == -1 && errno == EROFS, "chmod: %s", strerror(errno));
	CHECK(truncate("/tmp/m/a", 0) == -1 && errno == EROFS, "truncate: %s", strerror(errno));
	CHECK(utimensat(AT_FDCWD, "/tmp/m/a", NULL, 0) == -1 && errno == EROFS, "utimensat: %s", strerror(errno));
	CHECK(symlink("a", "/tmp/m/l") == -1 && errno == EROFS, "symlink: %s", strerror(errno));
	CHECK(mkfifo("/tmp/m/fifo", 0644) == -1 && errno == EROFS, "mkfifo: %s", strerror(errno));
	fd = open("/tmp/m/a", O_RDONLY);
	CHECK(fd >= 0, "open for reading: %s", strerror(errno));

	/* Busy while a file is open; gone with it afterwards. */
	CHECK(umount("/tmp/m") == -1 && errno == EBUSY, "umount busy: %s", strerror(errno));
	if (fd >= 0)
		close(fd);
	CHECK(umount("/tmp/m") == 0, "umount: %s", strerror(errno));
	CHECK(umount("/tmp/m") == -1 && errno == EINVAL, "umount again: %s", strerror(errno));
	CHECK(access("/tmp/m/a", F_OK) == -1 && errno == ENOENT, "file still there: %s", strerror(errno));
	CHECK(!mounts_has("scratch "), "still in /proc/mounts");

	/* MNT_DETACH takes a busy file system out of the tree. */
	CHECK(mount("dev", "/tmp/m", "tmpfs", MS_NODEV, NULL) == 0, "mount nodev: %s", strerror(errno));
	fd = open("/tmp/m/f", O_CREAT | O_RDWR, 0644);
	CHECK(fd >= 0, "create: %s", strerror(errno));
	CHECK(umount("/tmp/m") == -1 && errno == EBUSY, "umount busy: %s", strerror(errno));
	CHECK(umount2("/tmp/m", MNT_DETACH) == 0, "umount2 detach: %s", strerror(errno));
	CHECK(access("/tmp/m/f", F_OK) == -1 && errno == ENOENT, "detached file still there: %s", strerror(errno));
	CHECK(write(fd, "x", 1) == 1, "write to a detached file: %s", strerror(errno));
	close(fd);
	CHECK(rmdir("/tmp/m") == 0, "rmdir: %s", strerror(errno));
	return check_finish("mount");
}
