/* SPDX-License-Identifier: MIT */
/* test_vfs.c: the file system layer end to end through the system calls: lookup, files, directories, pipes, /dev, /proc. */
#define _GNU_SOURCE
#include "kshim.h"
#include "../../kernel/lib/cpio.c"
#include "../../kernel/fs/vfs.c"
#include "../../kernel/fs/super.c"
#include "../../kernel/block/blkdev.c"
#include "../../kernel/block/loop.c"
#include "../../kernel/fs/namei.c"
#include "../../kernel/fs/file.c"
#include "../../kernel/fs/ramfs.c"
#include "../../kernel/fs/initrd.c"
#include "../../kernel/fs/devfs.c"
#include "../../kernel/fs/pipe.c"
#include "../../kernel/fs/memfd.c"
#include "../../kernel/fs/flock.c"
#include "../../kernel/fs/reclock.c"
#include "../../kernel/fs/procfs.c"
#include "../../kernel/fs/procfs_gen.c"
#include "../../kernel/net/netdev.c"
#include "../../kernel/sys/sys_file.c"
#include "../../kernel/sys/sys_rw.c"
#include "../../kernel/sys/sys_dir.c"
#include "../../kernel/sys/sys_splice.c"
#include "../../kernel/sys/sys_poll.c"
#include "kshim.c"

/* proc.c's, for the shim's one process: nothing shares its cwd or umask. */
void proc_set_cwd(struct proc *p, struct inode *dir)
{
	if (p->cwd)
		inode_unref(p->cwd);
	p->cwd = dir;
}
void proc_set_umask(struct proc *p, unsigned mask) { p->umask = mask; }

#include "cpio_build.h"

static struct cpio_out initrd;

static void setup(void)
{
	shim_init_proc(fdtable_create());
	vfs_init();
	cpio_add(&initrd, ".", 040755, NULL);
	cpio_add(&initrd, "./usr/lib/libc.so", 0100755, "ELF-ish contents");
	cpio_add(&initrd, "lib", 0120777, "usr/lib");
	cpio_add(&initrd, "etc/hostname", 0100644, "husk\n");   /* parent "etc" is missing */
	cpio_add_raw(&initrd, "bin/a", 0100755, NULL, 0, 77, 2, 0);
	cpio_add_raw(&initrd, "bin/b", 0100755, "shared", 6, 77, 2, 0);
	cpio_trailer(&initrd);
	CHECK_EQ(initrd_unpack(initrd.buf, initrd.len), 0);
	for (int i = 0; i < 3; i++)
		CHECK_EQ(fd_install(current_proc()->fdt, console_file_open(CON_STDOUT), 0, false), i);
}

static long slurp(const char *path, char *buf, size_t n)
{
	long fd = sys_open(path, O_RDONLY, 0), r;

	if (fd < 0)
		return fd;
	r = sys_read(fd, buf, n);
	sys_close(fd);
	if (r >= 0 && (size_t)r < n)
		buf[r] = '\0';
	return r;
}

static void test_initrd(void)
{
	char buf[64];
	struct stat st;
	static struct cpio_out bad;

	CHECK_EQ(slurp("/lib/libc.so", buf, sizeof(buf)), 16);
	CHECK(strcmp(buf, "ELF-ish contents") == 0);
	CHECK_EQ(slurp("/etc/hostname", buf, sizeof(buf)), 5);
	CHECK_EQ(sys_stat("/bin/a", &st), 0);
	CHECK_EQ(st.st_nlink, 2);
	CHECK_EQ(st.st_size, 6);
	CHECK_EQ(st.st_mode, 0100755);
	CHECK_EQ(st.st_mtime, 1600000000);
	CHECK_EQ(slurp("/bin/a", buf, sizeof(buf)), 6);
	CHECK(strcmp(buf, "shared") == 0);
	/* Data is not copied: the file reads straight from the archive. */
	struct inode *ino;
	CHECK_EQ(vfs_lookup(NULL, "/etc/hostname", false, &ino), 0);
	CHECK(node(ino)->rodata == (const uint8_t *)memmem(initrd.buf, initrd.len, "husk\n", 5));
	CHECK_EQ(node(ino)->npages, 0);
	inode_unref(ino);
	/* Writing copies the page and leaves the archive alone. */
	long fd = sys_open("/etc/hostname", O_WRONLY, 0);
	CHECK_EQ(sys_write(fd, "H", 1), 1);
	sys_close(fd);
	CHECK_EQ(slurp("/etc/hostname", buf, sizeof(buf)), 5);
	CHECK(strcmp(buf, "Husk\n") == 0);
	CHECK(memmem(initrd.buf, initrd.len, "husk\n", 5) != NULL);

	bad.len = 0;
	cpio_add(&bad, "x", 0100644, "abc");
	memcpy(bad.buf + 6 + 8 * 6, "FFFFFFFF", 8);
	CHECK_EQ(initrd_unpack(bad.buf, bad.len), -EINVAL);
}

static void test_lookup(void)
{
	struct stat st;
	char buf[PATH_MAX + 10];

	CHECK_EQ(sys_mkdir("/a", 0755), 0);
	CHECK_EQ(sys_mkdir("/a/b", 0755), 0);
	CHECK_EQ(sys_mkdir("/a/b", 0755), -EEXIST);
	CHECK_EQ(sys_mkdir("/nope/x", 0755), -ENOENT);
	CHECK_EQ(sys_stat("/a/b/../b/./", &st), 0);
	CHECK(S_ISDIR(st.st_mode));
	CHECK_EQ(sys_stat("/../../a", &st), 0);
	CHECK_EQ(sys_stat("//a///b", &st), 0);
	CHECK_EQ(sys_stat("", &st), -ENOENT);
	CHECK_EQ(sys_stat((const char *)8, &st), -EFAULT);
	long fd = sys_open("/a/f", O_CREAT | O_WRONLY, 0666);
	CHECK(fd >= 0);
	sys_close(fd);
	CHECK_EQ(sys_stat("/a/f", &st), 0);
	CHECK_EQ(st.st_mode, 0100644);         /* umask 022 */
	CHECK_EQ(sys_stat("/a/f/", &st), -ENOTDIR);
	CHECK_EQ(sys_stat("/a/f/x", &st), -ENOTDIR);
	CHECK_EQ(sys_open("/a/new/", O_CREAT | O_WRONLY, 0666), -EISDIR);
	CHECK_EQ(sys_open("/a/f", O_CREAT | O_EXCL | O_WRONLY, 0666), -EEXIST);
	CHECK_EQ(sys_open("/a", O_WRONLY, 0), -EISDIR);
	CHECK_EQ(sys_open("/a/f", O_RDONLY | O_DIRECTORY, 0), -ENOTDIR);

	/* Name and path limits. */
	memset(buf, 'n', 256);
	buf[256] = '\0';
	CHECK_EQ(sys_stat(buf, &st), -ENAMETOOLONG);
	memset(buf, 'n', 255);
	buf[255] = '\0';
	CHECK_EQ(sys_stat(buf, &st), -ENOENT);
	for (int i = 0; i < PATH_MAX + 2; i += 2)
		buf[i] = '.', buf[i + 1] = '/';
	buf[PATH_MAX + 2] = '\0';
	CHECK_EQ(sys_stat(buf, &st), -ENAMETOOLONG);
	buf[PATH_MAX - 2] = '\0';
	CHECK_EQ(sys_stat(buf, &st), 0);

	/* Symlinks: relative, absolute, dangling, loops, nofollow. */
	CHECK_EQ(sys_symlink("b", "/a/lb"), 0);
	CHECK_EQ(sys_symlink("/a/f", "/a/lf"), 0);
	CHECK_EQ(sys_symlink("missing", "/a/dangling"), 0);
	CHECK_EQ(sys_symlink("loop2", "/a/loop1"), 0);
	CHECK_EQ(sys_symlink("loop1", "/a/loop2"), 0);
	CHECK_EQ(sys_stat("/a/lb", &st), 0);
	CHECK(S_ISDIR(st.st_mode));
	CHECK_EQ(sys_lstat("/a/lb", &st), 0);
	CHECK(S_ISLNK(st.st_mode));
	CHECK_EQ(st.st_size, 1);
	CHECK_EQ(sys_lstat("/a/lb/", &st), 0);   /* a trailing slash follows */
	CHECK(S_ISDIR(st.st_mode));
	CHECK_EQ(sys_stat("/a/lf/", &st), -ENOTDIR);
	CHECK_EQ(sys_stat("/a/dangling", &st), -ENOENT);
	CHECK_EQ(sys_stat("/a/loop1", &st), -ELOOP);
	CHECK_EQ(sys_stat("/a/loop1/x", &st), -ELOOP);
	CHECK_EQ(sys_open("/a/lf", O_RDONLY | O_NOFOLLOW, 0), -ELOOP);
	fd = sys_open("/a/lf", O_PATH | O_NOFOLLOW, 0);
	CHECK(fd >= 0);
	CHECK_EQ(sys_read(fd, buf, 1), -EBADF);
	CHECK_EQ(sys_fstat(fd, &st), 0);
	CHECK(S_ISLNK(st.st_mode));
	CHECK_EQ(sys_readlinkat(fd, "", buf, sizeof(buf)), 4);
	sys_close(fd);
	CHECK_EQ(sys_readlink("/a/lf", buf, sizeof(buf)), 4);
	CHECK(memcmp(buf, "/a/f", 4) == 0);
	CHECK_EQ(sys_readlink("/a/lf", buf, 2), 2);
	CHECK_EQ(sys_readlink("/a/f", buf, sizeof(buf)), -EINVAL);
	/* O_CREAT through a dangling symlink creates its target. */
	fd = sys_open("/a/dangling", O_CREAT | O_WRONLY, 0600);
	CHECK(fd >= 0);
	sys_close(fd);
	CHECK_EQ(sys_stat("/a/missing", &st), 0);
	/* 40 links are fine, 41 are not. */
	char name[32], target[32];
	CHECK_EQ(sys_mkdir("/chain", 0755), 0);
	CHECK_EQ(sys_symlink("/a/f", "/chain/l0"), 0);
	for (int i = 1; i <= 40; i++) {
		snprintf(name, sizeof(name), "/chain/l%d", i);
		snprintf(target, sizeof(target), "l%d", i - 1);
		CHECK_EQ(sys_symlink(target, name), 0);
	}
	CHECK_EQ(sys_stat("/chain/l39", &st), 0);
	CHECK_EQ(sys_stat("/chain/l40", &st), -ELOOP);

	/* Relative lookups, chdir, getcwd, *at calls. */
	CHECK_EQ(sys_chdir("/a/b"), 0);
	CHECK_EQ(sys_getcwd(buf, sizeof(buf)), 5);
	CHECK(strcmp(buf, "/a/b") == 0);
	CHECK_EQ(sys_getcwd(buf, 3), -ERANGE);
	CHECK_EQ(sys_stat("../f", &st), 0);
	CHECK_EQ(sys_chdir("../f"), -ENOTDIR);
	long dfd = sys_open("/a", O_RDONLY | O_DIRECTORY, 0);
	CHECK(dfd >= 0);
	CHECK_EQ(sys_newfstatat(dfd, "f", &st, 0), 0);
	CHECK_EQ(sys_newfstatat(dfd, "", &st, 0), -ENOENT);
	CHECK_EQ(sys_newfstatat(dfd, "", &st, AT_EMPTY_PATH), 0);
	CHECK(S_ISDIR(st.st_mode));
	CHECK_EQ(sys_newfstatat(1, "f", &st, 0), -ENOTDIR);
	CHECK_EQ(sys_newfstatat(99, "f", &st, 0), -EBADF);
	CHECK_EQ(sys_newfstatat(99, "/a/f", &st, 0), 0);
	CHECK_EQ(sys_fchdir(dfd), 0);
	CHECK_EQ(sys_getcwd(buf, sizeof(buf)), 3);
	sys_close(dfd);
	CHECK_EQ(sys_chdir("/"), 0);
	CHECK_EQ(sys_getcwd(buf, sizeof(buf)), 2);
	CHECK(strcmp(buf, "/") == 0);
	/* A removed working directory. */
	CHECK_EQ(sys_mkdir("/gone", 0755), 0);
	CHECK_EQ(sys_chdir("/gone"), 0);
	CHECK_EQ(sys_rmdir("/gone"), 0);
	CHECK_EQ(sys_getcwd(buf, sizeof(buf)), -ENOENT);
	CHECK_EQ(sys_open("x", O_CREAT | O_WRONLY, 0600), -ENOENT);
	CHECK_EQ(sys_stat("..", &st), -ENOENT);
	CHECK_EQ(sys_chdir("/"), 0);
	CHECK_EQ(sys_access("/a/f", 0), 0);
	CHECK_EQ(sys_access("/a/f", 1), -EACCES);
	CHECK_EQ(sys_access("/lib/libc.so", 1), 0);
	CHECK_EQ(sys_access("/a/zz", 0), -ENOENT);
}

static void test_files(void)
{
	char buf[256];
	struct stat st;
	long fd = sys_open("/tmp/f", O_CREAT | O_RDWR | O_TRUNC, 0644);

	CHECK(fd >= 0);
	CHECK_EQ(sys_write(fd, "hello world", 11), 11);
	CHECK_EQ(sys_lseek(fd, 0, SEEK_CUR), 11);
	CHECK_EQ(sys_lseek(fd, -5, SEEK_END), 6);
	CHECK_EQ(sys_read(fd, buf, sizeof(buf)), 5);
	CHECK(memcmp(buf, "world", 5) == 0);
	CHECK_EQ(sys_read(fd, buf, sizeof(buf)), 0);
	CHECK_EQ(sys_lseek(fd, -100, SEEK_CUR), -EINVAL);
	CHECK_EQ(sys_lseek(fd, 0, 42), -EINVAL);
	CHECK_EQ(sys_lseek(fd, 3, SEEK_DATA), 3);
	CHECK_EQ(sys_lseek(fd, 3, SEEK_HOLE), 11);
	CHECK_EQ(sys_lseek(fd, 11, SEEK_DATA), -ENXIO);
	CHECK_EQ(sys_pread64(fd, buf, 5, 0), 5);
	CHECK(memcmp(buf, "hello", 5) == 0);
	CHECK_EQ(sys_pwrite64(fd, "J", 1, 0), 1);
	CHECK_EQ(sys_pread64(fd, buf, 5, -1), -EINVAL);
	CHECK_EQ(sys_read(fd, (void *)16, 5), -EFAULT);
	/* A hole reads as zeros. */
	CHECK_EQ(sys_pwrite64(fd, "!", 1, 10000), 1);
	CHECK_EQ(sys_fstat(fd, &st), 0);
	CHECK_EQ(st.st_size, 10001);
	CHECK_EQ(sys_pread64(fd, buf, 4, 5000), 4);
	CHECK(memcmp(buf, "\0\0\0\0", 4) == 0);
	/* truncate down then up: the cut bytes come back as zeros. */
	CHECK_EQ(sys_ftruncate(fd, 3), 0);
	CHECK_EQ(sys_ftruncate(fd, 8), 0);
	CHECK_EQ(sys_pread64(fd, buf, 10, 0), 8);
	CHECK(memcmp(buf, "Jel\0\0\0\0\0", 8) == 0);
	CHECK_EQ(sys_ftruncate(fd, -1), -EINVAL);
	CHECK_EQ(sys_truncate("/tmp/f", 2), 0);
	CHECK_EQ(sys_fstat(fd, &st), 0);
	CHECK_EQ(st.st_size, 2);
	CHECK_EQ(sys_fsync(fd), 0);
	sys_close(fd);

	/* O_APPEND, O_TRUNC, readv/writev. */
	fd = sys_open("/tmp/f", O_WRONLY | O_APPEND, 0);
	CHECK_EQ(sys_lseek(fd, 0, SEEK_SET), 0);
	struct iovec iov[3] = { { "ab", 2 }, { NULL, 0 }, { "cd", 2 } };
	CHECK_EQ(sys_writev(fd, iov, 3), 4);
	CHECK_EQ(sys_writev(fd, iov, -1), -EINVAL);
	CHECK_EQ(sys_read(fd, buf, 1), -EBADF);
	sys_close(fd);
	CHECK_EQ(slurp("/tmp/f", buf, sizeof(buf)), 6);
	CHECK(memcmp(buf, "Jeabcd", 6) == 0);
	fd = sys_open("/tmp/f", O_RDONLY, 0);
	char a[2], b[10];
	struct iovec riov[2] = { { a, 2 }, { b, 10 } };
	CHECK_EQ(sys_readv(fd, riov, 2), 6);
	CHECK(memcmp(b, "abcd", 4) == 0);
	CHECK_EQ(sys_write(fd, "x", 1), -EBADF);
	sys_close(fd);
	fd = sys_open("/tmp/f", O_RDWR | O_TRUNC, 0);
	CHECK_EQ(sys_fstat(fd, &st), 0);
	CHECK_EQ(st.st_size, 0);
	sys_close(fd);

	/* Unlink while open keeps the data until the last close. */
	fd = sys_open("/tmp/u", O_CREAT | O_RDWR, 0600);
	CHECK_EQ(sys_write(fd, "still here", 10), 10);
	CHECK_EQ(sys_unlink("/tmp/u"), 0);
	CHECK_EQ(sys_stat("/tmp/u", &st), -ENOENT);
	CHECK_EQ(sys_fstat(fd, &st), 0);
	CHECK_EQ(st.st_nlink, 0);
	CHECK_EQ(sys_pread64(fd, buf, 10, 0), 10);
	CHECK(memcmp(buf, "still here", 10) == 0);
	CHECK_EQ(sys_close(fd), 0);
	CHECK_EQ(sys_close(fd), -EBADF);

	/* Hard links. */
	CHECK_EQ(sys_link("/a/f", "/tmp/hl"), 0);
	CHECK_EQ(sys_stat("/a/f", &st), 0);
	CHECK_EQ(st.st_nlink, 2);
	CHECK_EQ(sys_link("/a/f", "/tmp/hl"), -EEXIST);
	CHECK_EQ(sys_link("/a", "/tmp/dl"), -EPERM);
	CHECK_EQ(sys_link("/a/f", "/proc/x"), -EXDEV);
	CHECK_EQ(sys_unlink("/tmp/hl"), 0);
	CHECK_EQ(sys_stat("/a/f", &st), 0);
	CHECK_EQ(st.st_nlink, 1);

	/* chmod, chown, umask, utimensat */
	CHECK_EQ(sys_chmod("/a/f", 04755), 0);
	CHECK_EQ(sys_chown("/a/f", 1000, (unsigned)-1), 0);
	CHECK_EQ(sys_stat("/a/f", &st), 0);
	CHECK_EQ(st.st_mode, 0100755);    /* chown cleared set-user-ID */
	CHECK_EQ(st.st_uid, 1000);
	CHECK_EQ(st.st_gid, 0);
	CHECK_EQ(sys_umask(077), 022);
	fd = sys_open("/tmp/m", O_CREAT | O_WRONLY, 0666);
	CHECK_EQ(sys_fstat(fd, &st), 0);
	CHECK_EQ(st.st_mode, 0100600);
	sys_close(fd);
	CHECK_EQ(sys_umask(022), 077);
	struct __kernel_timespec ts[2] = { { 5, 6 }, { 7, UTIME_OMIT } };
	CHECK_EQ(sys_utimensat(AT_FDCWD, "/tmp/m", ts, 0), 0);
	CHECK_EQ(sys_stat("/tmp/m", &st), 0);
	CHECK_EQ(st.st_atime, 5);
	CHECK_EQ(st.st_atime_nsec, 6);
	CHECK(st.st_mtime != 7);
	ts[0].tv_nsec = 2000000000;
	CHECK_EQ(sys_utimensat(AT_FDCWD, "/tmp/m", ts, 0), -EINVAL);

	struct statx stx;
	CHECK_EQ(sys_statx(AT_FDCWD, "/tmp/m", 0, STATX_BASIC_STATS, &stx), 0);
	CHECK_EQ(stx.stx_mode, 0100600);
	CHECK_EQ(stx.stx_atime.tv_sec, 5);
	struct statfs sf;
	CHECK_EQ(sys_statfs("/tmp", &sf), 0);
	CHECK_EQ(sf.f_type, TMPFS_MAGIC);
	CHECK_EQ(sf.f_namelen, 255);
}

static void test_big_file(void)
{
	size_t n = 10 << 20;
	uint8_t *data = malloc(n), *back = malloc(n);
	long fd = sys_open("/tmp/big", O_CREAT | O_RDWR, 0600);

	for (size_t i = 0; i < n; i++)
		data[i] = (uint8_t)(i * 7 + (i >> 12));
	CHECK_EQ(sys_write(fd, data, n), n);
	CHECK_EQ(sys_pread64(fd, back, n, 0), n);
	CHECK(memcmp(data, back, n) == 0);
	CHECK_EQ(sys_pread64(fd, back, 100, 4090), 100);
	CHECK(memcmp(data + 4090, back, 100) == 0);
	CHECK_EQ(sys_ftruncate(fd, 4097), 0);
	CHECK_EQ(ramfs_pages_used >= 2, 1);
	sys_close(fd);
	CHECK_EQ(sys_unlink("/tmp/big"), 0);
	free(data);
	free(back);
}

struct dent {
	uint64_t ino;
	int64_t off;
	uint16_t reclen;
	uint8_t type;
	char name[];
} __packed;

/* Lists a directory with getdents64 in a buffer of the given size; returns a "name/type ..." string. */
static void list_dir(const char *path, size_t bufsize, char *out)
{
	uint8_t *buf = malloc(bufsize);
	long fd = sys_open(path, O_RDONLY | O_DIRECTORY, 0), n;

	out[0] = '\0';
	while ((n = sys_getdents64(fd, buf, bufsize)) > 0) {
		for (long pos = 0; pos < n;) {
			struct dent *d = (struct dent *)(buf + pos);

			CHECK_EQ(d->reclen % 8, 0);
			CHECK(d->reclen >= 19 + strlen(d->name) + 1);
			sprintf(out + strlen(out), "%s/%d ", d->name, d->type);
			pos += d->reclen;
		}
	}
	CHECK_EQ(n, 0);
	sys_close(fd);
	free(buf);
}

static void test_dirs(void)
{
	char out[1024];
	uint8_t small[16];

	CHECK_EQ(sys_mkdir("/d", 0755), 0);
	CHECK_EQ(sys_mkdir("/d/sub", 0755), 0);
	sys_close(sys_open("/d/file", O_CREAT | O_WRONLY, 0644));
	CHECK_EQ(sys_symlink("file", "/d/link"), 0);
	list_dir("/d", 4096, out);
	CHECK(strcmp(out, "./4 ../4 sub/4 file/8 link/10 ") == 0);
	list_dir("/d", 24, out);             /* one entry per call */
	CHECK(strcmp(out, "./4 ../4 sub/4 file/8 link/10 ") == 0);
	long fd = sys_open("/d", O_RDONLY, 0);
	CHECK_EQ(sys_getdents64(fd, small, sizeof(small)), -EINVAL);
	CHECK_EQ(sys_read(fd, small, 1), -EISDIR);
	/* Removing an entry while reading skips nothing else. */
	CHECK(sys_getdents64(fd, out, 24 * 3) > 0);   /* ".", "..", "sub" */
	CHECK_EQ(sys_unlink("/d/file"), 0);
	uint8_t buf[256];
	long n = sys_getdents64(fd, buf, sizeof(buf));
	CHECK(n > 0 && strcmp(((struct dent *)buf)->name, "link") == 0);
	sys_close(fd);
	CHECK_EQ(sys_getdents64(1, buf, sizeof(buf)), -ENOTDIR);

	struct stat st;
	CHECK_EQ(sys_stat("/d", &st), 0);
	CHECK_EQ(st.st_nlink, 3);
	CHECK_EQ(sys_rmdir("/d"), -ENOTEMPTY);
	CHECK_EQ(sys_rmdir("/d/link"), -ENOTDIR);
	CHECK_EQ(sys_unlink("/d/sub"), -EISDIR);
	CHECK_EQ(sys_rmdir("/d/sub/."), -EINVAL);
	CHECK_EQ(sys_rmdir("/d/sub"), 0);
	CHECK_EQ(sys_stat("/d", &st), 0);
	CHECK_EQ(st.st_nlink, 2);
	CHECK_EQ(sys_unlinkat(AT_FDCWD, "/d/link", 0), 0);
	CHECK_EQ(sys_unlinkat(AT_FDCWD, "/d", AT_REMOVEDIR), 0);
	CHECK_EQ(sys_rmdir("/"), -EBUSY);
	CHECK_EQ(sys_rmdir("/proc"), -EBUSY);

	/* rename */
	CHECK_EQ(sys_mkdir("/r", 0755), 0);
	CHECK_EQ(sys_mkdir("/r/d1", 0755), 0);
	CHECK_EQ(sys_mkdir("/r/d2", 0755), 0);
	long f1 = sys_open("/r/x", O_CREAT | O_RDWR, 0644);
	sys_write(f1, "X", 1);
	sys_close(sys_open("/r/y", O_CREAT | O_RDWR, 0644));
	long fy = sys_open("/r/y", O_RDONLY, 0);
	CHECK_EQ(sys_rename("/r/x", "/r/y"), 0);          /* over an existing (open) file */
	CHECK_EQ(sys_stat("/r/x", &st), -ENOENT);
	CHECK_EQ(slurp("/r/y", out, 10), 1);
	CHECK_EQ(sys_fstat(fy, &st), 0);
	CHECK_EQ(st.st_nlink, 0);
	sys_close(fy);
	sys_close(f1);
	CHECK_EQ(sys_renameat2(AT_FDCWD, "/r/y", AT_FDCWD, "/r/d1/y", 0), 0);
	sys_close(sys_open("/r/z", O_CREAT | O_RDWR, 0644));
	CHECK_EQ(sys_renameat2(AT_FDCWD, "/r/z", AT_FDCWD, "/r/d1/y", RENAME_NOREPLACE), -EEXIST);
	CHECK_EQ(sys_rename("/r/z", "/r/d2"), -EISDIR);
	CHECK_EQ(sys_rename("/r/d2", "/r/z"), -ENOTDIR);
	CHECK_EQ(sys_rename("/r/d2", "/r/d1"), -ENOTEMPTY);
	CHECK_EQ(sys_rename("/r/d1", "/r/d1/sub"), -EINVAL);  /* into itself */
	CHECK_EQ(sys_rename("/r/d2", "/r/d1/d2"), 0);
	CHECK_EQ(sys_stat("/r/d1", &st), 0);
	CHECK_EQ(st.st_nlink, 3);
	CHECK_EQ(sys_stat("/r/d1/d2/..", &st), 0);
	CHECK_EQ(st.st_nlink, 3);           /* ".." moved with it */
	CHECK_EQ(sys_chdir("/r/d1/d2"), 0);
	CHECK_EQ(sys_getcwd(out, sizeof(out)), 9);
	CHECK(strcmp(out, "/r/d1/d2") == 0);
	CHECK_EQ(sys_chdir("/"), 0);
	CHECK_EQ(sys_rename("/r/d1/d2", "/r/d1/d2"), 0);
	CHECK_EQ(sys_rename("/r/nope", "/r/q"), -ENOENT);
	CHECK_EQ(sys_renameat2(AT_FDCWD, "/r/z", AT_FDCWD, "/r/q", 4), -EOPNOTSUPP);
}

static void test_fds(void)
{
	long fd = sys_open("/tmp/fdtest", O_CREAT | O_RDWR | O_CLOEXEC, 0644);
	char buf[8];

	CHECK_EQ(fd, 3);
	CHECK_EQ(sys_fcntl(fd, F_GETFD, 0), FD_CLOEXEC);
	long d = sys_dup(fd);
	CHECK_EQ(d, 4);
	CHECK_EQ(sys_fcntl(d, F_GETFD, 0), 0);
	CHECK_EQ(sys_write(fd, "abc", 3), 3);
	CHECK_EQ(sys_lseek(d, 0, SEEK_CUR), 3);    /* shared offset */
	CHECK_EQ(sys_dup2(fd, 10), 10);
	CHECK_EQ(sys_dup2(10, 10), 10);
	CHECK_EQ(sys_dup2(77, 77), -EBADF);
	CHECK_EQ(sys_dup3(10, 10, 0), -EINVAL);
	CHECK_EQ(sys_dup3(fd, 11, O_CLOEXEC), 11);
	CHECK_EQ(sys_fcntl(11, F_GETFD, 0), FD_CLOEXEC);
	CHECK_EQ(sys_dup3(fd, 12, 1), -EINVAL);
	CHECK_EQ(sys_fcntl(fd, F_DUPFD, 5), 5);
	CHECK_EQ(sys_fcntl(fd, F_DUPFD_CLOEXEC, 5), 6);
	CHECK_EQ(sys_fcntl(6, F_GETFD, 0), FD_CLOEXEC);
	CHECK_EQ(sys_fcntl(fd, F_DUPFD, FD_MAX), -EINVAL);
	CHECK_EQ(sys_fcntl(fd, F_SETFD, 0), 0);
	CHECK_EQ(sys_fcntl(fd, F_GETFD, 0), 0);
	CHECK_EQ(sys_fcntl(fd, F_GETFL, 0) & O_ACCMODE, O_RDWR);
	CHECK_EQ(sys_fcntl(fd, F_SETFL, O_APPEND | O_NONBLOCK | O_RDONLY), 0);
	CHECK_EQ(sys_fcntl(fd, F_GETFL, 0) & (O_ACCMODE | O_APPEND | O_NONBLOCK), O_RDWR | O_APPEND | O_NONBLOCK);
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	CHECK_EQ(sys_fcntl(fd, F_SETLK, (unsigned long)&fl), 0);
	CHECK_EQ(sys_fcntl(fd, F_GETLK, (unsigned long)&fl), 0);
	CHECK_EQ(fl.l_type, F_UNLCK);
	fl.l_type = 99;
	CHECK_EQ(sys_fcntl(fd, F_SETLK, (unsigned long)&fl), -EINVAL);
	CHECK_EQ(sys_fcntl(fd, 12345, 0), -EINVAL);
	CHECK_EQ(sys_ioctl(fd, FIOCLEX, 0), 0);
	CHECK_EQ(sys_fcntl(fd, F_GETFD, 0), FD_CLOEXEC);
	int tmp;
	CHECK_EQ(sys_ioctl(fd, TCGETS, (unsigned long)&tmp), -ENOTTY);
	fdtable_close_on_exec(current_proc()->fdt);
	CHECK_EQ(sys_fcntl(fd, F_GETFD, 0), -EBADF);
	CHECK_EQ(sys_fcntl(6, F_GETFD, 0), -EBADF);
	CHECK_EQ(sys_pread64(d, buf, 3, 0), 3);
	CHECK(memcmp(buf, "abc", 3) == 0);
	for (int i = 3; i < 20; i++)
		sys_close(i);
	/* Running out of descriptors. */
	int last = 0;
	for (int i = 0; i < FD_MAX; i++) {
		long r = sys_dup(0);
		if (r < 0) {
			CHECK_EQ(r, -EMFILE);
			break;
		}
		last = r;
	}
	CHECK_EQ(last, FD_MAX - 1);
	for (int i = 3; i < FD_MAX; i++)
		sys_close(i);
}

static void test_pipes(void)
{
	int p[2];
	char buf[100];
	struct pollfd pfd[3];
	static char big[70000];

	CHECK_EQ(sys_pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
	CHECK_EQ(sys_fcntl(p[0], F_GETFD, 0), FD_CLOEXEC);
	CHECK_EQ(sys_read(p[0], buf, 10), -EAGAIN);
	CHECK_EQ(sys_lseek(p[0], 0, SEEK_SET), -ESPIPE);
	CHECK_EQ(sys_pread64(p[0], buf, 1, 0), -ESPIPE);
	pfd[0] = (struct pollfd){ .fd = p[0], .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = p[1], .events = POLLOUT };
	pfd[2] = (struct pollfd){ .fd = 500, .events = POLLIN };
	CHECK_EQ(sys_poll(pfd, 3, 0), 2);
	CHECK_EQ(pfd[0].revents, 0);
	CHECK_EQ(pfd[1].revents, POLLOUT);
	CHECK_EQ(pfd[2].revents, POLLNVAL);
	int notes = shim_poll_notifies;
	CHECK_EQ(sys_write(p[1], "hello", 5), 5);
	CHECK(shim_poll_notifies > notes);
	CHECK_EQ(sys_poll(pfd, 1, 0), 1);
	CHECK_EQ(pfd[0].revents, POLLIN);
	int avail;
	CHECK_EQ(sys_ioctl(p[0], FIONREAD, (unsigned long)&avail), 0);
	CHECK_EQ(avail, 5);
	CHECK_EQ(sys_read(p[0], buf, 3), 3);
	CHECK_EQ(sys_read(p[0], buf, 100), 2);
	CHECK(memcmp(buf, "lo", 2) == 0);
	/* Fill it: 64 KiB, then EAGAIN; a small write is all or nothing. */
	CHECK_EQ(sys_write(p[1], big, sizeof(big)), 65536);
	CHECK_EQ(sys_write(p[1], "x", 1), -EAGAIN);
	pfd[1].revents = 0;
	CHECK_EQ(sys_poll(&pfd[1], 1, 0), 0);
	CHECK_EQ(sys_read(p[0], big, 10), 10);
	CHECK_EQ(sys_write(p[1], big, 100), -EAGAIN);   /* <= PIPE_BUF: atomic */
	CHECK_EQ(sys_write(p[1], big, 5000), 10);       /* > PIPE_BUF: partial */
	CHECK_EQ(sys_read(p[0], big, sizeof(big)), 65536);
	/* EOF after the writer closes. */
	CHECK_EQ(sys_write(p[1], "end", 3), 3);
	CHECK_EQ(sys_close(p[1]), 0);
	CHECK_EQ(sys_read(p[0], buf, 100), 3);
	CHECK_EQ(sys_read(p[0], buf, 100), 0);
	CHECK_EQ(sys_poll(pfd, 1, 0), 1);
	CHECK_EQ(pfd[0].revents, POLLHUP);
	CHECK_EQ(sys_close(p[0]), 0);

	/* EPIPE and SIGPIPE when the reader is gone. */
	CHECK_EQ(sys_pipe(p), 0);
	CHECK_EQ(sys_close(p[0]), 0);
	shim_last_signal = 0;
	CHECK_EQ(sys_write(p[1], "x", 1), -EPIPE);
	CHECK_EQ(shim_last_signal, 13);
	pfd[0] = (struct pollfd){ .fd = p[1], .events = POLLOUT };
	CHECK_EQ(sys_poll(pfd, 1, 0), 1);
	CHECK_EQ(pfd[0].revents, POLLOUT | POLLERR);
	sys_close(p[1]);

	/* Blocking read on an empty pipe is interrupted (the shim's waitq says -EINTR). */
	CHECK_EQ(sys_pipe(p), 0);
	CHECK_EQ(sys_read(p[0], buf, 1), -EINTR);
	/* poll timeouts: the shim's clock jumps to the deadline. */
	pfd[0] = (struct pollfd){ .fd = p[0], .events = POLLIN };
	uint64_t t0 = shim_mono_ns;
	CHECK_EQ(sys_poll(pfd, 1, 250), 0);
	CHECK_EQ(shim_mono_ns - t0, 250000000);
	CHECK_EQ(sys_poll(pfd, 1, -1), -EINTR);
	struct __kernel_timespec ts = { 1, 5 };
	t0 = shim_mono_ns;
	CHECK_EQ(sys_ppoll(pfd, 1, &ts, NULL, 8), 0);
	CHECK_EQ(shim_mono_ns - t0, 1000000005);
	ts.tv_nsec = -1;
	CHECK_EQ(sys_ppoll(pfd, 1, &ts, NULL, 8), -EINVAL);
	CHECK_EQ(sys_poll(pfd, FD_MAX + 1, 0), -EINVAL);
	/* A regular file is always ready. */
	pfd[1] = (struct pollfd){ .fd = sys_open("/a/f", O_RDONLY, 0), .events = POLLIN | POLLOUT };
	CHECK_EQ(sys_poll(&pfd[1], 1, 0), 1);
	CHECK_EQ(pfd[1].revents, POLLIN | POLLOUT);
	sys_close(pfd[1].fd);
	struct stat st;
	CHECK_EQ(sys_fstat(p[0], &st), 0);
	CHECK(S_ISFIFO(st.st_mode));
	sys_close(p[0]);
	sys_close(p[1]);
}

static void test_dev_proc(void)
{
	char buf[64];
	struct stat st;
	long fd;

	fd = sys_open("/dev/null", O_RDWR, 0);
	CHECK_EQ(sys_write(fd, "x", 1), 1);
	CHECK_EQ(sys_read(fd, buf, 10), 0);
	sys_close(fd);
	fd = sys_open("/dev/zero", O_RDONLY, 0);
	memset(buf, 1, 8);
	CHECK_EQ(sys_read(fd, buf, 8), 8);
	CHECK(memcmp(buf, "\0\0\0\0\0\0\0\0", 8) == 0);
	sys_close(fd);
	fd = sys_open("/dev/full", O_WRONLY, 0);
	CHECK_EQ(sys_write(fd, "x", 1), -ENOSPC);
	sys_close(fd);
	fd = sys_open("/dev/urandom", O_RDONLY, 0);
	CHECK_EQ(sys_read(fd, buf, 16), 16);
	sys_close(fd);
	CHECK_EQ(sys_stat("/dev/null", &st), 0);
	CHECK_EQ(st.st_mode, S_IFCHR | 0666);
	CHECK_EQ(st.st_rdev, 0x103);
	CHECK_EQ(sys_stat("/dev/shm", &st), 0);
	CHECK_EQ(st.st_mode, S_IFDIR | 01777);
	CHECK_EQ(sys_stat("/tmp", &st), 0);
	CHECK_EQ(st.st_mode, S_IFDIR | 01777);

	/* The console is a terminal; a file is not. */
	struct termios t;
	struct winsize ws;
	CHECK_EQ(sys_ioctl(1, TCGETS, (unsigned long)&t), 0);
	CHECK(t.c_lflag & ICANON);
	CHECK_EQ(sys_ioctl(1, TIOCGWINSZ, (unsigned long)&ws), 0);
	CHECK_EQ(ws.ws_col, 80);
	CHECK_EQ(ws.ws_row, 24);
	CHECK_EQ(sys_ioctl(1, TCGETS, 8), -EFAULT);
	CHECK_EQ(sys_ioctl(1, 0x12345678, 0), -ENOTTY);
	shim_console_len = 0;
	CHECK_EQ(sys_write(1, "out\n", 4), 4);
	CHECK_EQ(shim_console_len, 4);
	CHECK(memcmp(shim_console_out, "out\n", 4) == 0);
	fd = sys_open("/dev/tty", O_RDWR, 0);
	CHECK_EQ(sys_write(fd, "t", 1), 1);
	sys_close(fd);
	shim_console_input("ab\rc");
	CHECK_EQ(sys_read(0, buf, 64), 3);
	CHECK(memcmp(buf, "ab\n", 3) == 0);
	/* Canonical mode: "c" is not readable until its line ends. */
	struct pollfd pfd = { .fd = 0, .events = POLLIN };
	CHECK_EQ(sys_poll(&pfd, 1, 0), 0);
	CHECK_EQ(sys_read(0, buf, 64), -EINTR);
	shim_console_input("\n");
	CHECK_EQ(sys_poll(&pfd, 1, 0), 1);
	CHECK_EQ(sys_read(0, buf, 64), 2);
	CHECK(memcmp(buf, "c\n", 2) == 0);
	CHECK_EQ(sys_poll(&pfd, 1, 0), 0);
	CHECK_EQ(sys_read(0, buf, 64), -EINTR);  /* nothing arrives; the shim interrupts the wait */
	shim_console_input("\004");
	CHECK_EQ(sys_read(0, buf, 64), 0);       /* ^D in canonical mode */
	CHECK_EQ(sys_fstat(0, &st), 0);
	CHECK(S_ISCHR(st.st_mode));

	/* /proc */
	shim_proc.exe_path = "/bin/prog";
	shim_proc.cmdline = "prog\0-x\0";
	shim_proc.cmdline_len = 8;
	CHECK_EQ(sys_readlink("/proc/self", buf, sizeof(buf)), 1);
	CHECK(buf[0] == '1');
	CHECK_EQ(sys_readlink("/proc/self/exe", buf, sizeof(buf)), 9);
	CHECK(memcmp(buf, "/bin/prog", 9) == 0);
	CHECK_EQ(slurp("/proc/self/cmdline", buf, sizeof(buf)), 8);
	CHECK(memcmp(buf, "prog\0-x\0", 8) == 0);
	CHECK_EQ(sys_chdir("/a/b"), 0);
	CHECK_EQ(sys_readlink("/proc/1/cwd", buf, sizeof(buf)), 4);
	CHECK(memcmp(buf, "/a/b", 4) == 0);
	fd = sys_open("../f", O_RDONLY, 0);
	CHECK_EQ(fd, 3);
	CHECK_EQ(sys_readlink("/proc/self/fd/3", buf, sizeof(buf)), 9);
	CHECK(memcmp(buf, "/a/b/../f", 9) == 0);
	CHECK_EQ(sys_stat("/proc/self/fd/3", &st), 0);   /* follows the path */
	CHECK(S_ISREG(st.st_mode));
	CHECK_EQ(sys_stat("/proc/self/fd/9", &st), -ENOENT);
	CHECK_EQ(sys_stat("/dev/stdin", &st), 0);
	CHECK(S_ISCHR(st.st_mode));
	CHECK_EQ(sys_chdir("/proc/self/fd"), 0);
	CHECK_EQ(sys_getcwd(buf, sizeof(buf)), 11);
	CHECK(strcmp(buf, "/proc/1/fd") == 0);
	CHECK_EQ(sys_chdir(".."), 0);
	CHECK_EQ(sys_chdir("../.."), 0);
	CHECK_EQ(sys_getcwd(buf, sizeof(buf)), 2);
	char out[512];
	list_dir("/proc/self/fd", 4096, out);
	CHECK(strcmp(out, "./4 ../4 0/10 1/10 2/10 3/10 4/10 ") == 0);   /* 4: list_dir's own */
	list_dir("/proc", 4096, out);
	CHECK(strcmp(out, "./4 ../4 self/10 mounts/8 cpuinfo/8 meminfo/8 stat/8 uptime/8 loadavg/8 "
		   "version/8 filesystems/8 sys/4 net/4 1/4 ") == 0);
	sys_close(fd);
	CHECK_EQ(sys_mkdir("/proc/x", 0755), -EPERM);
	CHECK_EQ(sys_open("/proc/self/exe", O_RDONLY, 0), -ENOENT);  /* /bin/prog does not exist */
}

int main(void)
{
	setup();
	test_initrd();
	test_lookup();
	test_files();
	test_big_file();
	test_dirs();
	test_fds();
	test_pipes();
	test_dev_proc();
	return shim_failures != 0;
}
