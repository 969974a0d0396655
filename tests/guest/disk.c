/* SPDX-License-Identifier: MIT */
/* disk.c: ext4 volumes on virtio-blk (host files, husk run -v): what the guest writes the host reads back with debugfs, e2fsck stays clean; fsync alone makes data durable; read-only volumes and devices; bad volumes stop the VM. */
// husk-test: name=write args="write" vol=vol.ext4:/mnt opts="--verbose" mem=256M expect="SUCCESS" kexpect="vda: virtio-mmio" after="tests/fixtures/diskcheck.sh write $DISK_vda"
// husk-test: name=xen args="write" vol=vol.ext4:/mnt backends=xen opts="--verbose" mem=256M expect="SUCCESS" kexpect="xvda: Xen blkfront" after="tests/fixtures/diskcheck.sh write $DISK_vda"
// husk-test: name=fsync args="fsync" vol=vol.ext4:/mnt mem=256M killon="fsync returned" status=143 expect="fsync returned" after="tests/fixtures/diskcheck.sh fsync $DISK_vda"
// husk-test: name=enospc args="enospc" vol=vol.ext4:/mnt mem=256M expect="SUCCESS" after="tests/fixtures/diskcheck.sh clean $DISK_vda"
// husk-test: name=ro args="ro" disk=vol.ext4:ro opts="--verbose" mem=256M expect="SUCCESS" kexpect="read-only" after="tests/fixtures/diskcheck.sh unchanged $DISK_vda build/tests/ext2vol/vol.ext4"
// husk-test: name=pci args="pci" disk=vol.ext4 machine=q35 opts="--verbose" mem=256M expect="SUCCESS" kexpect="vda: virtio-pci" after="tests/fixtures/diskcheck.sh write $DISK_vda"
// husk-test: name=rovol args="rovol" vol=vol.ext4:/mnt:ro backends=qemu,vmm mem=256M expect="SUCCESS" after="tests/fixtures/diskcheck.sh unchanged $DISK_vda build/tests/ext2vol/vol.ext4"
// husk-test: name=volbad args="vol" vol=vol-bad.ext3:/data backends=qemu,vmm status=74 kexpect="cannot mount /dev/vda: Bad magic number in super-block" kexpect="husk: volume vda: cannot mount it"
// husk-test: name=journal args="journal" vol=vol-journal.ext4:/data backends=qemu,vmm mem=256M expect="SUCCESS" kexpect="husk: /dev/vda: journal replayed" after="tests/fixtures/diskcheck.sh journal $DISK_vda"
// husk-test: name=badjournal args="vol" vol=vol-badjournal.ext4:/data backends=qemu,vmm status=74 kexpect="cannot mount /dev/vda: the journal superblock is corrupt (bad magic number)" kexpect="husk: volume vda: cannot mount it" after="tests/fixtures/diskcheck.sh unchanged $DISK_vda build/tests/ext2vol/vol-badjournal.ext4"
// husk-test: name=csumjournal args="vol" vol=vol-csumjournal.ext4:/data backends=qemu,vmm status=74 kexpect="JBD2: Invalid checksum recovering data block" kexpect="cannot mount /dev/vda: the journal is corrupt (recovery failed)" kexpect="husk: volume vda: cannot mount it" after="tests/fixtures/diskcheck.sh unchanged $DISK_vda build/tests/ext2vol/vol-csumjournal.ext4"
// husk-test: name=orphan args="orphan" vol=vol-orphan.ext4:/data backends=qemu,vmm opts="--verbose" mem=256M expect="SUCCESS" kexpect="husk: /dev/vda: 2 orphan inode(s) released" after="tests/fixtures/diskcheck.sh orphan $DISK_vda"
// husk-test: name=icache args="icache" vol=vol.ext4:/data backends=qemu mem=256M expect="SUCCESS" expect="icache: umount with cached inodes" after="tests/fixtures/diskcheck.sh clean $DISK_vda"
// husk-test: name=vol args="vol" vol=vol.ext4:/data vol=vol.ext3:/three:ro backends=qemu,vmm opts="--verbose" mem=256M expect="SUCCESS" kexpect="volume vdb on /three (read-only)" after="tests/fixtures/diskcheck.sh clean $DISK_vda"
/* write and enospc stay on QEMU: on kvm_pvm the guest kernel is emulated at
 * about 1 M instructions/s, and libext2fs writing megabytes takes minutes. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "check.h"

#define MNT "/mnt"
#define BIG ((1 << 20) + 123)
#define ICACHE_FILES 700      /* more than the kernel's ICACHE_UNUSED_MAX */

/* The pattern diskcheck.sh expects in /guest/big. */
static unsigned char pattern(size_t i)
{
	return (unsigned char)(i * 31 + 7);
}

static int write_file(const char *path, const void *data, size_t len, bool sync)
{
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	ssize_t n = fd >= 0 ? write(fd, data, len) : -1;

	CHECK(n == (ssize_t)len, "write %s: %zd: %s", path, n, strerror(errno));
	if (sync)
		CHECK(fsync(fd) == 0, "fsync %s: %s", path, strerror(errno));
	close(fd);
	return n == (ssize_t)len ? 0 : -1;
}

static void do_mount(unsigned long flags)
{
	mkdir(MNT, 0755);
	CHECK(mount("/dev/vda", MNT, "ext4", flags, NULL) == 0, "mount /dev/vda: %s", strerror(errno));
}

static void write_tree(void)
{
	static unsigned char big[BIG];

	for (size_t i = 0; i < BIG; i++)
		big[i] = pattern(i);
	CHECK(mkdir(MNT "/guest", 0750) == 0, "mkdir: %s", strerror(errno));
	write_file(MNT "/guest/big", big, BIG, false);
	write_file(MNT "/guest/tmpname", "hello host\n", 11, false);
	CHECK(rename(MNT "/guest/tmpname", MNT "/guest/small") == 0, "rename: %s", strerror(errno));
	CHECK(symlink("small", MNT "/guest/link") == 0, "symlink: %s", strerror(errno));
	CHECK(link(MNT "/guest/small", MNT "/guest/hard") == 0, "link: %s", strerror(errno));
	CHECK(unlink(MNT "/hello.txt") == 0, "unlink: %s", strerror(errno));
	CHECK(unlink(MNT "/dir/hard") == 0, "unlink: %s", strerror(errno));
	CHECK(truncate(MNT "/big", 4096) == 0, "truncate: %s", strerror(errno));
	CHECK(chmod(MNT "/guest/small", 0600) == 0 && chown(MNT "/guest/small", 1000, 1001) == 0,
	      "chmod/chown: %s", strerror(errno));
	CHECK(setxattr(MNT "/guest/small", "user.husk", "from the guest", 14, 0) == 0, "setxattr: %s",
	      strerror(errno));
}

static void fill(void)
{
	static char chunk[1 << 16];
	long total = 0, r = 0;
	int fd = open(MNT "/fill", O_CREAT | O_WRONLY, 0644);

	memset(chunk, 'f', sizeof(chunk));
	while (fd >= 0 && total < (64L << 20) && (r = write(fd, chunk, sizeof(chunk))) > 0)
		total += r;
	if (r > 0)
		r = fsync(fd);
	CHECK(r < 0 && errno == ENOSPC, "filling ended with %ld (%s) after %ld bytes", r, strerror(errno), total);
	close(fd);
	/* Half of it goes again: the file system must stay consistent either way. */
	CHECK(truncate(MNT "/fill", total / 2) == 0, "truncate fill: %s", strerror(errno));
}

/* A read-only device mounted without asking for read-only (the kernel makes it so), or a read-only volume. */
static void read_only(bool mount_it)
{
	char buf[64];
	int fd;

	if (mount_it)
		do_mount(0);
	fd = open("/proc/mounts", O_RDONLY);
	memset(buf, 0, sizeof(buf));
	CHECK(fd >= 0 && read(fd, buf, sizeof(buf)) > 0, "read /proc/mounts");
	close(fd);
	CHECK(open(MNT "/new", O_CREAT | O_WRONLY, 0644) == -1 && errno == EROFS, "create: %s", strerror(errno));
	CHECK(open("/dev/vda", O_RDWR) == -1 && errno == EROFS, "open the device rw: %s", strerror(errno));
	CHECK(mkdir(MNT "/d", 0755) == -1 && errno == EROFS, "mkdir: %s", strerror(errno));
	fd = open(MNT "/hello.txt", O_RDONLY);
	CHECK(fd >= 0 && read(fd, buf, sizeof(buf)) == 20, "read: %s", strerror(errno));
	close(fd);
	CHECK(umount(MNT) == 0, "umount: %s", strerror(errno));
}

static long free_blocks(void)
{
	struct statfs sf;

	CHECK(statfs("/data", &sf) == 0, "statfs: %s", strerror(errno));
	return (long)sf.f_bfree;
}

static void read_back(const char *path, const char *want)
{
	char buf[64] = "";
	int fd = open(path, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	CHECK(n == (ssize_t)strlen(want) && !memcmp(buf, want, strlen(want)), "%s reads %zd '%s'", path, n, buf);
	close(fd);
}

/*
 * Inodes of a disk file system stay cached after their last reference
 * (fs/super.c): the file system must still tell the truth through them.
 */
static void icache(void)
{
	static unsigned char big[1 << 20];
	struct stat a, b;
	char name[64];
	long before = free_blocks();
	int fd;

	/* Unlinking a closed (cached) file frees its blocks at once (fsync:
	 * blocks are allocated at write-back). */
	memset(big, 'b', sizeof(big));
	write_file("/data/ic-big", big, sizeof(big), true);
	CHECK(stat("/data/ic-big", &a) == 0 && a.st_size == (off_t)sizeof(big), "stat ic-big");
	CHECK(free_blocks() < before, "ic-big took no blocks");
	CHECK(unlink("/data/ic-big") == 0, "unlink ic-big: %s", strerror(errno));
	CHECK(free_blocks() == before, "unlink of a cached inode: %ld free blocks, %ld before", free_blocks(), before);
	CHECK(stat("/data/ic-big", &a) == -1 && errno == ENOENT, "ic-big still there");

	/* Hard links: one cached inode, its link count seen through both names. */
	write_file("/data/ic-a", "linked\n", 7, false);
	CHECK(link("/data/ic-a", "/data/ic-b") == 0, "link: %s", strerror(errno));
	CHECK(stat("/data/ic-a", &a) == 0 && stat("/data/ic-b", &b) == 0 && a.st_ino == b.st_ino && b.st_nlink == 2,
	      "hard link: inodes %lu %lu, links %lu", (unsigned long)a.st_ino, (unsigned long)b.st_ino,
	      (unsigned long)b.st_nlink);
	CHECK(unlink("/data/ic-a") == 0, "unlink ic-a: %s", strerror(errno));
	CHECK(stat("/data/ic-b", &b) == 0 && b.st_nlink == 1 && b.st_ino == a.st_ino, "ic-b: %lu links",
	      (unsigned long)b.st_nlink);
	read_back("/data/ic-b", "linked\n");

	/* Rename: the same inode under the new name, nothing under the old. */
	CHECK(rename("/data/ic-b", "/data/ic-c") == 0, "rename: %s", strerror(errno));
	CHECK(stat("/data/ic-b", &b) == -1 && errno == ENOENT, "ic-b after rename");
	CHECK(stat("/data/ic-c", &b) == 0 && b.st_ino == a.st_ino, "ic-c: inode %lu", (unsigned long)b.st_ino);
	read_back("/data/ic-c", "linked\n");

	/* Truncate by name a file whose inode is cached, then read it. */
	write_file("/data/ic-t", big, 8192, false);
	CHECK(truncate("/data/ic-t", 3) == 0, "truncate: %s", strerror(errno));
	CHECK(stat("/data/ic-t", &b) == 0 && b.st_size == 3, "ic-t: size %ld", (long)b.st_size);
	read_back("/data/ic-t", "bbb");
	/* The same on a file with data not yet written back (e2fsck checks its blocks). */
	fd = open("/data/ic-t2", O_CREAT | O_RDWR, 0644);
	CHECK(fd >= 0 && write(fd, big, 8192) == 8192, "write ic-t2: %s", strerror(errno));
	CHECK(ftruncate(fd, 5) == 0, "ftruncate: %s", strerror(errno));
	close(fd);
	read_back("/data/ic-t2", "bbbbb");

	/* Unlinked while open: readable through the descriptor, blocks freed at close. */
	before = free_blocks();
	write_file("/data/ic-open", big, sizeof(big), true);
	fd = open("/data/ic-open", O_RDONLY);
	CHECK(fd >= 0, "open ic-open: %s", strerror(errno));
	CHECK(unlink("/data/ic-open") == 0, "unlink ic-open: %s", strerror(errno));
	CHECK(pread(fd, name, 4, 4096) == 4 && !memcmp(name, "bbbb", 4), "read the unlinked file");
	CHECK(free_blocks() < before, "ic-open's blocks freed while open");
	close(fd);
	CHECK(free_blocks() == before, "after the last close: %ld free blocks, %ld before", free_blocks(), before);

	/* More files than the cache keeps unreferenced: the oldest are evicted and read again. */
	for (int i = 0; i < ICACHE_FILES; i++) {
		snprintf(name, sizeof(name), "/data/ic-many-%d", i);
		write_file(name, name, strlen(name), false);
	}
	for (int i = 0; i < ICACHE_FILES; i += 37) {
		snprintf(name, sizeof(name), "/data/ic-many-%d", i);
		read_back(name, name);
	}
	for (int i = 0; i < ICACHE_FILES; i++) {
		snprintf(name, sizeof(name), "/data/ic-many-%d", i);
		CHECK(i % 2 || unlink(name) == 0, "unlink %s: %s", name, strerror(errno));
	}

	/* Cached inodes do not keep the file system busy; umount writes them out. */
	CHECK(umount("/data") == 0, "umount with cached inodes: %s", strerror(errno));
	printf("icache: umount with cached inodes\n");
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	/* Except for "ro" and "pci", the kernel mounted the volume (vol=) before main. */
	if (!strcmp(mode, "write")) {
		write_tree();
		CHECK(umount(MNT) == 0, "umount: %s", strerror(errno));
	} else if (!strcmp(mode, "fsync")) {
		/* No umount, no sync, not even a close (which would write the file
		 * back): the VM is stopped from outside once fsync returned. */
		int fd;

		fd = open(MNT "/durable", O_CREAT | O_WRONLY, 0644);
		CHECK(fd >= 0 && write(fd, "fsync makes this durable\n", 25) == 25, "write: %s", strerror(errno));
		CHECK(fsync(fd) == 0, "fsync: %s", strerror(errno));
		if (!check_failures) {
			printf("fsync returned\n");
			fflush(stdout);
			for (;;)
				pause();
		}
	} else if (!strcmp(mode, "enospc")) {
		fill();
		CHECK(umount(MNT) == 0, "umount: %s", strerror(errno));
	} else if (!strcmp(mode, "pci")) {
		/* virtio-blk over PCI, mounted by the program. */
		do_mount(0);
		write_tree();
		CHECK(umount(MNT) == 0, "umount: %s", strerror(errno));
	} else if (!strcmp(mode, "ro")) {
		read_only(true);
	} else if (!strcmp(mode, "rovol")) {
		read_only(false);
	} else if (!strcmp(mode, "journal")) {
		/* The kernel replayed the volume's journal when it mounted it: the
		 * block the pending transaction rewrote reads as the journal has it. */
		char buf[64] = "";
		int fd = open("/data/journaled", O_RDONLY);

		CHECK(fd >= 0 && read(fd, buf, sizeof(buf) - 1) == 26, "read /data/journaled: %s", strerror(errno));
		close(fd);
		CHECK(!strcmp(buf, "after the journal replay!\n"), "journaled reads '%s'", buf);
		CHECK(write_file("/data/after-replay", "x", 1, true) == 0, "write after the replay");
	} else if (!strcmp(mode, "orphan")) {
		/* The mount finished the orphan list: /cut is cut to its size, /gone stays gone. */
		struct stat st;
		char buf[1100];
		int fd = open("/data/cut", O_RDONLY);
		ssize_t n;

		CHECK(fd >= 0, "open cut: %s", strerror(errno));
		memset(&st, 0, sizeof(st));
		CHECK(fstat(fd, &st) == 0, "fstat cut: %s", strerror(errno));
		/* (Its blocks are counted on the host: diskcheck.sh orphan.) */
		CHECK(st.st_size == 1000, "cut: size %ld", (long)st.st_size);
		n = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;
		CHECK(n == 1000 && buf[0] == 'c' && buf[999] == 'c', "read cut: %zd", n);
		close(fd);
		CHECK(access("/data/gone", F_OK) == -1 && errno == ENOENT, "gone: %s", strerror(errno));
	} else if (!strcmp(mode, "icache")) {
		icache();
	} else if (!strcmp(mode, "vol")) {
		/* Mounted by the kernel before the program started (vol= on the command line). */
		struct statfs sf;
		char buf[32];
		int fd = open("/data/hello.txt", O_RDONLY);

		CHECK(fd >= 0 && read(fd, buf, sizeof(buf)) == 20, "read /data/hello.txt: %s", strerror(errno));
		close(fd);
		CHECK(statfs("/data", &sf) == 0 && sf.f_type == 0xEF53, "statfs /data");
		CHECK(write_file("/data/from-vol", "x", 1, true) == 0, "write on vda");
		CHECK(statfs("/three", &sf) == 0 && (sf.f_flags & ST_RDONLY), "/three read-only");
		fd = open("/three/f", O_RDONLY);
		CHECK(fd >= 0 && read(fd, buf, sizeof(buf)) == 10, "read /three/f: %s", strerror(errno));
		close(fd);
	} else {
		CHECK(0, "unknown mode '%s'", mode);
	}
	return check_finish("disk");
}
