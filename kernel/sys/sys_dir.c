/* SPDX-License-Identifier: MIT */
/* sys_dir.c: system calls on names and metadata: stat, getdents64, mkdir, mknod, unlink, rename, links, cwd, modes, times, statfs. */
#include "kernel.h"
#include "ktime.h"
#include "mm.h"
#include "sched.h"
#include "syscall.h"
#include "vfs.h"
#include <asm/stat.h>
#include <asm/statfs.h>
#include <linux/fcntl.h>
#include <linux/fs.h>
#include <linux/inotify.h>
#include <linux/time_types.h>

#define UTIME_NOW  ((1L << 30) - 1)
#define UTIME_OMIT ((1L << 30) - 2)

static struct fdtable *dir_fdt(void)
{
	return current_proc()->fdt;
}

/*
 * The inode a *at call with flags AT_EMPTY_PATH / AT_SYMLINK_NOFOLLOW
 * names: the path relative to dirfd, or dirfd itself for an empty path.
 */
static long at_inode(int dirfd, const char *upath, int flags, struct inode **out)
{
	struct inode *dir;
	char *path;
	long err;

	err = user_path(upath, flags & AT_EMPTY_PATH, &path);
	if (err)
		return err;
	if (path[0] == '\0') {
		struct file *f;

		kfree(path);
		if (dirfd == AT_FDCWD) {
			*out = current_proc()->cwd ? current_proc()->cwd : vfs_root();
		} else {
			f = fd_peek(dir_fdt(), dirfd);
			if (!f || !f->inode)
				return -EBADF;
			*out = f->inode;
		}
		inode_ref(*out);
		return 0;
	}
	err = at_dir(dirfd, path, &dir);
	if (!err) {
		err = vfs_lookup(dir, path, flags & AT_SYMLINK_NOFOLLOW, out);
		at_dir_put(dir);
	}
	kfree(path);
	return err;
}

/* Runs a path operation for a *at call: copies the path and finds the start
 * directory (free both with path_put). */
static long with_path(int dirfd, const char *upath, char **path, struct inode **dir)
{
	long err = user_path(upath, false, path);

	if (err)
		return err;
	err = at_dir(dirfd, *path, dir);
	if (err)
		kfree(*path);
	return err;
}

static void path_put(char *path, struct inode *dir)
{
	kfree(path);
	at_dir_put(dir);
}

/* An inotify event on ino, which the *at call's path names (for a watched parent). */
static void notify_at(int dirfd, const char *upath, int flags, struct inode *ino, uint32_t mask)
{
	struct inode *dir;
	struct file *f;
	char *path;

	if (likely(!fsnotify_watches) || user_path(upath, flags & AT_EMPTY_PATH, &path))
		return;
	if (path[0] == '\0') {
		f = fd_get(dir_fdt(), dirfd);
		if (f && f->inode == ino)
			fsnotify_file(f, mask);
		else
			fsnotify(NULL, ino, NULL, 0, mask, 0);
		fput(f);
	} else if (at_dir(dirfd, path, &dir) == 0) {
		fsnotify_path(dir, path, ino, mask);
		at_dir_put(dir);
	}
	kfree(path);
}

/* ---- stat ---- */

static long stat_inode(struct inode *ino, void *ust)
{
	struct stat st;

	vfs_fill_stat(ino, &st);
	return copy_to_user(ust, &st, sizeof(st));
}

long sys_newfstatat(int dirfd, const char *path, void *st, int flags)
{
	struct inode *ino;
	long err;

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))
		return -EINVAL;
	err = at_inode(dirfd, path, flags, &ino);
	if (err)
		return err;
	err = stat_inode(ino, st);
	inode_unref(ino);
	return err;
}

long sys_stat(const char *path, void *st)
{
	return sys_newfstatat(AT_FDCWD, path, st, 0);
}

long sys_lstat(const char *path, void *st)
{
	return sys_newfstatat(AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW);
}

long sys_fstat(int fd, void *st)
{
	struct file *f = fd_get(dir_fdt(), fd);
	long err = -EBADF;

	if (f && f->inode)
		err = stat_inode(f->inode, st);
	fput(f);
	return err;
}

static void statx_time(struct statx_timestamp *t, int64_t ns)
{
	t->tv_sec = ns / (int64_t)NSEC_PER_SEC;
	t->tv_nsec = ns % (int64_t)NSEC_PER_SEC;
}

long sys_statx(int dirfd, const char *path, int flags, unsigned mask, void *ustx)
{
	struct inode *ino;
	struct statx stx;
	long err;

	(void)mask;    /* every basic field is always available */
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE))
		return -EINVAL;
	if ((flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE)
		return -EINVAL;
	err = at_inode(dirfd, path, flags, &ino);
	if (err)
		return err;
	memset(&stx, 0, sizeof(stx));
	stx.stx_mask = STATX_BASIC_STATS;
	stx.stx_blksize = 4096;
	stx.stx_nlink = ino->nlink;
	stx.stx_uid = ino->uid;
	stx.stx_gid = ino->gid;
	stx.stx_mode = ino->mode;
	stx.stx_ino = ino->ino;
	stx.stx_size = ino->size;
	stx.stx_blocks = ALIGN_UP(ino->size, 4096) / 512;
	statx_time(&stx.stx_atime, ino->atime_ns);
	statx_time(&stx.stx_mtime, ino->mtime_ns);
	statx_time(&stx.stx_ctime, ino->ctime_ns);
	stx.stx_rdev_major = (ino->rdev >> 8) & 0xfff;
	stx.stx_rdev_minor = (ino->rdev & 0xff) | ((ino->rdev >> 12) & ~0xffu);
	stx.stx_dev_major = 0;
	stx.stx_dev_minor = ino->dev;
	inode_unref(ino);
	return copy_to_user(ustx, &stx, sizeof(stx));
}

/* ---- directories ---- */

/* struct linux_dirent64 without the name. */
struct dirent64_head {
	uint64_t d_ino;
	int64_t d_off;
	uint16_t d_reclen;
	uint8_t d_type;
} __packed;

struct getdents_ctx {
	uint8_t *buf;
	size_t size, used;
	bool too_small;           /* an entry did not fit in an empty buffer */
	bool fault;               /* buf faulted */
};

static int getdents_fill(void *ctx, const char *name, size_t len, uint64_t ino, unsigned dtype,
			 uint64_t next)
{
	struct getdents_ctx *c = ctx;
	struct dirent64_head h;
	size_t reclen = ALIGN_UP(sizeof(h) + len + 1, 8);

	if (reclen > c->size - c->used) {
		c->too_small = c->used == 0;
		return 1;
	}
	h.d_ino = ino;
	h.d_off = (int64_t)next;
	h.d_reclen = (uint16_t)reclen;
	h.d_type = (uint8_t)dtype;
	/* buf is user memory: a fault stops the listing before this entry. */
	if (memcpy_user(c->buf + c->used, &h, sizeof(h)) ||
	    memcpy_user(c->buf + c->used + sizeof(h), name, len) ||
	    memzero_user(c->buf + c->used + sizeof(h) + len, reclen - sizeof(h) - len)) {
		c->fault = true;
		return 1;
	}
	c->used += reclen;
	return 0;
}

static long getdents(struct file *f, void *dirp, size_t n)
{
	struct getdents_ctx c = { .buf = dirp, .size = n };
	uint64_t pos;
	int err;

	if (f->flags & O_PATH)
		return -EBADF;
	if (!f->inode || !S_ISDIR(f->inode->mode))
		return -ENOTDIR;
	if (n > 0x7ffff000)
		c.size = n = 0x7ffff000;
	if (!user_ok(dirp, n, true))
		return -EFAULT;
	if (!f->inode->iops || !f->inode->iops->readdir)
		return 0;
	pos = (uint64_t)f->pos;
	err = f->inode->iops->readdir(f->inode, &pos, getdents_fill, &c);
	if (err)
		return err;
	f->pos = (off_t)pos;
	fsnotify_file(f, IN_ACCESS);
	if (c.fault && !c.used)
		return -EFAULT;
	if (c.too_small)
		return -EINVAL;
	return c.used;
}

long sys_getdents64(int fd, void *dirp, size_t n)
{
	struct file *f = fd_get(dir_fdt(), fd);
	long r;

	if (!f)
		return -EBADF;
	r = getdents(f, dirp, n);
	fput(f);
	return r;
}

long sys_mkdirat(int dirfd, const char *upath, unsigned mode)
{
	struct inode *dir;
	char *path;
	long err = with_path(dirfd, upath, &path, &dir);

	if (err)
		return err;
	err = vfs_mkdir(dir, path, mode);
	path_put(path, dir);
	return err;
}

long sys_mkdir(const char *path, unsigned mode)
{
	return sys_mkdirat(AT_FDCWD, path, mode);
}

/*
 * Regular files, FIFOs and socket nodes.  Device nodes would need drivers
 * behind them: refused with EPERM, as for a process without CAP_MKNOD.
 */
long sys_mknodat(int dirfd, const char *upath, unsigned mode, unsigned dev)
{
	struct inode *dir, *ino;
	char *path;
	long err;

	(void)dev;
	switch (mode & S_IFMT) {
	case 0:
		mode |= S_IFREG;
		break;
	case S_IFREG:
	case S_IFIFO:
	case S_IFSOCK:
		break;
	case S_IFCHR:
	case S_IFBLK:
	case S_IFDIR:
		return -EPERM;
	default:
		return -EINVAL;
	}
	err = with_path(dirfd, upath, &path, &dir);
	if (err)
		return err;
	err = vfs_mknod(dir, path, mode & (S_IFMT | 07777), &ino);
	path_put(path, dir);
	if (!err)
		inode_unref(ino);
	return err;
}

long sys_mknod(const char *path, unsigned mode, unsigned dev)
{
	return sys_mknodat(AT_FDCWD, path, mode, dev);
}

long sys_unlinkat(int dirfd, const char *upath, int flags)
{
	struct inode *dir;
	char *path;
	long err;

	if (flags & ~AT_REMOVEDIR)
		return -EINVAL;
	err = with_path(dirfd, upath, &path, &dir);
	if (err)
		return err;
	err = vfs_unlink(dir, path, flags & AT_REMOVEDIR);
	path_put(path, dir);
	return err;
}

long sys_unlink(const char *path)
{
	return sys_unlinkat(AT_FDCWD, path, 0);
}

long sys_rmdir(const char *path)
{
	return sys_unlinkat(AT_FDCWD, path, AT_REMOVEDIR);
}

long sys_renameat2(int olddirfd, const char *uold, int newdirfd, const char *unew, unsigned flags)
{
	struct inode *odir, *ndir;
	char *oldpath, *newpath;
	long err;

	if (flags & ~(unsigned)RENAME_NOREPLACE)
		return (flags & (RENAME_EXCHANGE | RENAME_WHITEOUT)) ? -EOPNOTSUPP : -EINVAL;
	err = with_path(olddirfd, uold, &oldpath, &odir);
	if (err)
		return err;
	err = with_path(newdirfd, unew, &newpath, &ndir);
	if (!err) {
		err = vfs_rename(odir, oldpath, ndir, newpath, flags);
		path_put(newpath, ndir);
	}
	path_put(oldpath, odir);
	return err;
}

long sys_renameat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath)
{
	return sys_renameat2(olddirfd, oldpath, newdirfd, newpath, 0);
}

long sys_rename(const char *oldpath, const char *newpath)
{
	return sys_renameat2(AT_FDCWD, oldpath, AT_FDCWD, newpath, 0);
}

long sys_symlinkat(const char *utarget, int dirfd, const char *upath)
{
	struct inode *dir;
	char *target, *path;
	long err = user_path(utarget, false, &target);

	if (err)
		return err;
	err = with_path(dirfd, upath, &path, &dir);
	if (!err) {
		err = vfs_symlink(target, dir, path);
		path_put(path, dir);
	}
	kfree(target);
	return err;
}

long sys_symlink(const char *target, const char *path)
{
	return sys_symlinkat(target, AT_FDCWD, path);
}

long sys_linkat(int olddirfd, const char *uold, int newdirfd, const char *unew, int flags)
{
	struct inode *target, *ndir;
	char *newpath;
	long err;

	if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	/* at_inode's flag means "don't follow": linkat follows only when asked. */
	err = at_inode(olddirfd, uold, (flags & AT_EMPTY_PATH) |
		       ((flags & AT_SYMLINK_FOLLOW) ? 0 : AT_SYMLINK_NOFOLLOW), &target);
	if (err)
		return err;
	err = with_path(newdirfd, unew, &newpath, &ndir);
	if (!err) {
		err = vfs_link_inode(target, ndir, newpath);
		path_put(newpath, ndir);
	}
	inode_unref(target);
	return err;
}

long sys_link(const char *oldpath, const char *newpath)
{
	return sys_linkat(AT_FDCWD, oldpath, AT_FDCWD, newpath, 0);
}

long sys_readlinkat(int dirfd, const char *upath, char *ubuf, size_t size)
{
	struct inode *ino;
	char *tmp;
	long n;

	if ((ssize_t)size <= 0)
		return -EINVAL;
	if (!user_ok(ubuf, size, true))
		return -EFAULT;
	n = at_inode(dirfd, upath, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH, &ino);
	if (n)
		return n;
	tmp = kmalloc(PATH_MAX);
	if (!tmp) {
		inode_unref(ino);
		return -ENOMEM;
	}
	n = vfs_readlink_inode(ino, tmp, MIN(size, (size_t)PATH_MAX));
	inode_unref(ino);
	if (n > 0 && memcpy_user(ubuf, tmp, n))
		n = -EFAULT;
	kfree(tmp);
	return n;
}

long sys_readlink(const char *path, char *buf, size_t size)
{
	return sys_readlinkat(AT_FDCWD, path, buf, size);
}

/* ---- access, working directory ---- */

long sys_faccessat2(int dirfd, const char *upath, int mode, int flags)
{
	struct inode *ino;
	long err;

	if (mode & ~7)
		return -EINVAL;
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EACCESS | AT_EMPTY_PATH))
		return -EINVAL;
	err = at_inode(dirfd, upath, flags & (AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH), &ino);
	if (err)
		return err;
	/* We are root: only execution needs a permission bit. */
	if ((mode & 1) && !S_ISDIR(ino->mode) && !(ino->mode & 0111))
		err = -EACCES;
	inode_unref(ino);
	return err;
}

long sys_faccessat(int dirfd, const char *path, int mode)
{
	return sys_faccessat2(dirfd, path, mode, 0);
}

long sys_access(const char *path, int mode)
{
	return sys_faccessat2(AT_FDCWD, path, mode, 0);
}

long sys_getcwd(char *ubuf, size_t size)
{
	struct proc *p = current_proc();
	char *tmp;
	ssize_t n;

	if (size == 0)
		return -ERANGE;
	tmp = kmalloc(PATH_MAX);
	if (!tmp)
		return -ENOMEM;
	n = vfs_getcwd(p->cwd ? p->cwd : vfs_root(), tmp, MIN(size, (size_t)PATH_MAX));
	if (n > 0 && copy_to_user(ubuf, tmp, n))
		n = -EFAULT;
	kfree(tmp);
	return n;
}

static long set_cwd(struct inode *ino)
{
	struct proc *p = current_proc();

	if (!S_ISDIR(ino->mode)) {
		inode_unref(ino);
		return -ENOTDIR;
	}
	proc_set_cwd(p, ino);
	return 0;
}

long sys_chdir(const char *upath)
{
	struct inode *ino;
	long err = at_inode(AT_FDCWD, upath, 0, &ino);

	return err ? err : set_cwd(ino);
}

long sys_fchdir(int fd)
{
	struct file *f = fd_get(dir_fdt(), fd);
	long err = -EBADF;

	if (f && f->inode) {
		inode_ref(f->inode);
		err = set_cwd(f->inode);
	}
	fput(f);
	return err;
}

/* ---- modes, owners, times ---- */

static long chmod_inode(struct inode *ino, unsigned mode)
{
	struct iattr a = { .valid = ATTR_MODE, .mode = mode };

	return vfs_setattr(ino, &a);
}

long sys_fchmodat(int dirfd, const char *path, unsigned mode)
{
	struct inode *ino;
	long err = at_inode(dirfd, path, 0, &ino);

	if (err)
		return err;
	err = chmod_inode(ino, mode);
	if (!err)
		notify_at(dirfd, path, 0, ino, IN_ATTRIB);
	inode_unref(ino);
	return err;
}

long sys_chmod(const char *path, unsigned mode)
{
	return sys_fchmodat(AT_FDCWD, path, mode);
}

long sys_fchmod(int fd, unsigned mode)
{
	struct file *f = fd_get(dir_fdt(), fd);
	long err = -EBADF;

	if (f && f->inode && !(f->flags & O_PATH)) {
		err = chmod_inode(f->inode, mode);
		if (!err)
			fsnotify_file(f, IN_ATTRIB);
	}
	fput(f);
	return err;
}

static long chown_inode(struct inode *ino, unsigned uid, unsigned gid)
{
	struct iattr a = { .uid = uid, .gid = gid };

	if (uid != (unsigned)-1)
		a.valid |= ATTR_UID;
	if (gid != (unsigned)-1)
		a.valid |= ATTR_GID;
	/* As on Linux, a change of owner clears set-user-ID (and set-group-ID on executables). */
	if (!S_ISDIR(ino->mode) && a.valid) {
		a.valid |= ATTR_MODE;
		a.mode = ino->mode & ~S_ISUID;
		if (a.mode & S_IXGRP)
			a.mode &= ~S_ISGID;
	}
	return vfs_setattr(ino, &a);
}

long sys_fchownat(int dirfd, const char *path, unsigned uid, unsigned gid, int flags)
{
	struct inode *ino;
	long err;

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	err = at_inode(dirfd, path, flags, &ino);
	if (err)
		return err;
	err = chown_inode(ino, uid, gid);
	if (!err)
		notify_at(dirfd, path, flags, ino, IN_ATTRIB);
	inode_unref(ino);
	return err;
}

long sys_chown(const char *path, unsigned uid, unsigned gid)
{
	return sys_fchownat(AT_FDCWD, path, uid, gid, 0);
}

long sys_lchown(const char *path, unsigned uid, unsigned gid)
{
	return sys_fchownat(AT_FDCWD, path, uid, gid, AT_SYMLINK_NOFOLLOW);
}

long sys_fchown(int fd, unsigned uid, unsigned gid)
{
	struct file *f = fd_get(dir_fdt(), fd);
	long err = -EBADF;

	if (f && f->inode && !(f->flags & O_PATH)) {
		err = chown_inode(f->inode, uid, gid);
		if (!err)
			fsnotify_file(f, IN_ATTRIB);
	}
	fput(f);
	return err;
}

long sys_umask(unsigned mask)
{
	struct proc *p = current_proc();
	unsigned old = p->umask;

	proc_set_umask(p, mask & 0777);
	return old;
}

/* Converts one utimensat time; returns false to leave the time alone. */
static bool utime_value(const struct __kernel_timespec *ts, int64_t now, int64_t *out)
{
	if (!ts || ts->tv_nsec == UTIME_NOW) {
		*out = now;
		return true;
	}
	if (ts->tv_nsec == UTIME_OMIT)
		return false;
	*out = ts->tv_sec * (int64_t)NSEC_PER_SEC + ts->tv_nsec;
	return true;
}

long sys_utimensat(int dirfd, const char *path, const void *utimes, int flags)
{
	struct __kernel_timespec ts[2];
	struct inode *ino;
	struct file *f = NULL;
	int64_t now = clock_realtime_ns();
	struct iattr a;
	uint32_t mask = 0;
	long err;

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if (utimes) {
		if (copy_from_user(ts, utimes, sizeof(ts)))
			return -EFAULT;
		for (int i = 0; i < 2; i++)
			if (ts[i].tv_nsec != UTIME_NOW && ts[i].tv_nsec != UTIME_OMIT &&
			    (ts[i].tv_nsec < 0 || ts[i].tv_nsec >= (long long)NSEC_PER_SEC))
				return -EINVAL;
	}
	if (!path) {
		/* futimens(): the file at dirfd itself */
		f = fd_get(dir_fdt(), dirfd);
		if (!f || !f->inode) {
			fput(f);
			return -EBADF;
		}
		ino = f->inode;
		inode_ref(ino);
	} else {
		err = at_inode(dirfd, path, flags, &ino);
		if (err)
			return err;
	}
	a.valid = ATTR_CTIME;
	a.ctime_ns = now;
	if (utime_value(utimes ? &ts[0] : NULL, now, &a.atime_ns)) {
		a.valid |= ATTR_ATIME;
		mask = IN_ACCESS;
	}
	if (utime_value(utimes ? &ts[1] : NULL, now, &a.mtime_ns)) {
		a.valid |= ATTR_MTIME;
		mask = mask ? IN_ATTRIB : IN_MODIFY;    /* as Linux's fsnotify_change */
	}
	err = vfs_setattr(ino, &a);
	if (err) {
		inode_unref(ino);
		return err;
	}
	if (mask && f)
		fsnotify_file(f, mask);
	else if (mask)
		notify_at(dirfd, path, flags, ino, mask);
	inode_unref(ino);
	fput(f);
	return 0;
}

/* ---- statfs ---- */

static long statfs_inode(struct inode *ino, void *ubuf)
{
	struct statfs sf;
	int err = vfs_statfs(ino, &sf);

	if (err)
		return err;
	return copy_to_user(ubuf, &sf, sizeof(sf));
}

long sys_statfs(const char *path, void *buf)
{
	struct inode *ino;
	long err = at_inode(AT_FDCWD, path, 0, &ino);

	if (err)
		return err;
	err = statfs_inode(ino, buf);
	inode_unref(ino);
	return err;
}

long sys_fstatfs(int fd, void *buf)
{
	struct file *f = fd_get(dir_fdt(), fd);
	long err = -EBADF;

	if (f && f->inode)
		err = statfs_inode(f->inode, buf);
	fput(f);
	return err;
}
