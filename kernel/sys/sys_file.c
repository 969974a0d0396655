/* SPDX-License-Identifier: MIT */
/* sys_file.c: system calls on descriptors and open files, other than moving data (sys_rw.c): open/close, lseek, dup, fcntl, pipes, ioctl, truncate, fallocate, sync. */
#include "kernel.h"
#include "mm.h"
#include "sched.h"
#include "syscall.h"
#include "vfs.h"
#include <asm-generic/ioctls.h>
#include <linux/falloc.h>
#include <linux/fcntl.h>
#include <linux/fs.h>
#include <linux/inotify.h>

static struct fdtable *fdt(void)
{
	return current_proc()->fdt;
}

int user_path(const char *upath, bool allow_empty, char **out)
{
	char *buf = kmalloc(PATH_MAX);
	long n;

	if (!buf)
		return -ENOMEM;
	n = strncpy_from_user(buf, upath, PATH_MAX);
	if (n < 0 || (n == 0 && !allow_empty)) {
		kfree(buf);
		return n < 0 ? (int)n : -ENOENT;
	}
	*out = buf;
	return 0;
}

int at_dir(int dirfd, const char *path, struct inode **dir)
{
	struct file *f;

	*dir = NULL;
	if (path[0] == '/' || dirfd == AT_FDCWD)
		return 0;
	f = fd_get(fdt(), dirfd);
	if (!f || !f->inode) {
		fput(f);
		return -EBADF;
	}
	if (!S_ISDIR(f->inode->mode)) {
		fput(f);
		return -ENOTDIR;
	}
	*dir = f->inode;
	inode_ref(*dir);
	fput(f);
	return 0;
}

void at_dir_put(struct inode *dir)
{
	if (dir)
		inode_unref(dir);
}

/* The file at fd, referenced (fput it), if it was opened for reading (or writing). */

long sys_openat(int dirfd, const char *upath, int flags, unsigned mode)
{
	struct inode *dir;
	struct file *f;
	char *path;
	long err;
	int fd;

	if ((flags & __O_TMPFILE) == __O_TMPFILE)
		return -EOPNOTSUPP;
	err = user_path(upath, false, &path);
	if (err)
		return err;
	err = at_dir(dirfd, path, &dir);
	if (!err) {
		err = vfs_open(dir, path, flags, mode, &f);
		at_dir_put(dir);
	}
	kfree(path);
	if (err)
		return err;
	fd = fd_install(fdt(), f, 0, flags & O_CLOEXEC);
	if (fd < 0)
		file_unref(f);
	return fd;
}

long sys_open(const char *path, int flags, unsigned mode)
{
	return sys_openat(AT_FDCWD, path, flags, mode);
}

long sys_creat(const char *path, unsigned mode)
{
	return sys_openat(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode);
}

long sys_close(int fd)
{
	return fd_close(fdt(), fd);
}

/* CLOSE_RANGE_* from <linux/close_range.h>. */
#define CLOSE_RANGE_UNSHARE (1U << 1)
#define CLOSE_RANGE_CLOEXEC (1U << 2)

long sys_close_range(unsigned first, unsigned last, unsigned flags)
{
	struct proc *p = current_proc();

	if (flags & ~(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC))
		return -EINVAL;
	if (first > last)
		return -EINVAL;
	/* A table shared with CLONE_FILES becomes this process's own first. */
	if ((flags & CLOSE_RANGE_UNSHARE) && p->fdt->refs > 1) {
		struct fdtable *own = fdtable_dup(p->fdt);
		if (!own)
			return -ENOMEM;
		fdtable_unref(p->fdt);
		p->fdt = own;
	}
	for (unsigned fd = first; fd <= last && fd < FD_MAX; fd++) {
		if (!fd_peek(p->fdt, fd))
			continue;
		if (flags & CLOSE_RANGE_CLOEXEC)
			fd_set_cloexec(p->fdt, fd, true);
		else
			fd_close(p->fdt, fd);
	}
	return 0;
}

static long file_lseek(struct file *f, off_t off, int whence)
{
	off_t base, size;

	if (f->flags & O_PATH)
		return -EBADF;
	if (!f->ops->seekable)
		return -ESPIPE;
	size = f->inode ? (off_t)f->inode->size : 0;
	switch (whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = f->pos;
		break;
	case SEEK_END:
		base = size;
		break;
	case SEEK_DATA:
	case SEEK_HOLE:
		/* No holes are reported: data runs to the end of the file. */
		if (off < 0 || off >= size)
			return -ENXIO;
		f->pos = whence == SEEK_DATA ? off : size;
		return f->pos;
	default:
		return -EINVAL;
	}
	if ((off > 0 && base > INT64_MAX - off) || base + off < 0)
		return -EINVAL;
	f->pos = base + off;
	return f->pos;
}

long sys_lseek(int fd, off_t off, int whence)
{
	struct file *f = fd_get(fdt(), fd);
	long r;

	if (!f)
		return -EBADF;
	r = file_lseek(f, off, whence);
	fput(f);
	return r;
}

long sys_dup(int fd)
{
	struct file *f = fd_get(fdt(), fd);
	int r;

	if (!f)
		return -EBADF;
	/* fd_get's reference becomes the new descriptor's. */
	r = fd_install(fdt(), f, 0, false);
	if (r < 0)
		fput(f);
	return r;
}

long sys_dup3(int oldfd, int newfd, int flags)
{
	struct file *f;
	int r;

	if (flags & ~O_CLOEXEC)
		return -EINVAL;
	f = fd_get(fdt(), oldfd);
	if (!f)
		return -EBADF;
	if (oldfd == newfd || newfd < 0 || newfd >= FD_MAX) {
		fput(f);
		return oldfd == newfd ? -EINVAL : -EBADF;
	}
	/* fd_get's reference becomes newfd's. */
	r = fd_install_at(fdt(), f, newfd, flags & O_CLOEXEC);
	if (r < 0)
		fput(f);
	return r;
}

long sys_dup2(int oldfd, int newfd)
{
	if (oldfd == newfd)
		return fd_peek(fdt(), oldfd) ? newfd : -EBADF;
	return sys_dup3(oldfd, newfd, 0);
}

static long file_fcntl(struct file *f, int fd, int cmd, unsigned long arg)
{
	const unsigned settable = O_APPEND | O_NONBLOCK | O_DIRECT | O_NOATIME | FASYNC;
	int r;

	switch (cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		if (arg >= FD_MAX)
			return -EINVAL;
		file_ref(f);
		r = fd_install(fdt(), f, (int)arg, cmd == F_DUPFD_CLOEXEC);
		if (r < 0)
			file_unref(f);
		return r;
	case F_GETFD:
		return fd_get_cloexec(fdt(), fd) ? FD_CLOEXEC : 0;
	case F_SETFD:
		return fd_set_cloexec(fdt(), fd, arg & FD_CLOEXEC);
	case F_GETFL:
		return f->flags;
	case F_SETFL:
		if (f->flags & O_PATH)
			return -EBADF;
		f->flags = (f->flags & ~settable) | (arg & settable);
		return 0;
	case F_GETLK:
	case F_SETLK:
	case F_SETLKW:
	case F_OFD_GETLK:
	case F_OFD_SETLK:
	case F_OFD_SETLKW:
		return reclock_fcntl(f, cmd, arg);
	case F_GETOWN:
		return 0;
	case F_SETOWN:
		return 0;
	case F_GETPIPE_SZ:
		return file_is_pipe(f) ? pipe_get_size(f) : -EBADF;
	case F_SETPIPE_SZ:
		return file_is_pipe(f) ? pipe_set_size(f, (unsigned int)arg) : -EBADF;
	case F_ADD_SEALS:
	case F_GET_SEALS:
		if (f->flags & O_PATH)
			return -EBADF;
		return memfd_fcntl(f, cmd, arg);
	default:
		return -EINVAL;
	}
}

long sys_fcntl(int fd, int cmd, unsigned long arg)
{
	struct file *f = fd_get(fdt(), fd);
	long r;

	if (!f)
		return -EBADF;
	r = file_fcntl(f, fd, cmd, arg);
	fput(f);
	return r;
}

long sys_pipe2(int *fds, int flags)
{
	struct file *rd, *wr;
	int k[2];
	long err;

	if (flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT))
		return -EINVAL;
	if (!user_ok(fds, sizeof(k), true))
		return -EFAULT;
	err = pipe_create(flags, &rd, &wr);
	if (err)
		return err;
	k[0] = fd_install(fdt(), rd, 0, flags & O_CLOEXEC);
	if (k[0] < 0) {
		err = k[0];
		goto err_both;
	}
	k[1] = fd_install(fdt(), wr, 0, flags & O_CLOEXEC);
	if (k[1] < 0) {
		err = k[1];
		fd_close(fdt(), k[0]);
		file_unref(wr);
		return err;
	}
	if (copy_to_user(fds, k, sizeof(k))) {
		fd_close(fdt(), k[0]);
		fd_close(fdt(), k[1]);
		return -EFAULT;
	}
	return 0;
err_both:
	file_unref(rd);
	file_unref(wr);
	return err;
}

long sys_pipe(int *fds)
{
	return sys_pipe2(fds, 0);
}

static long file_ioctl(struct file *f, int fd, unsigned long cmd, unsigned long arg)
{
	int v;

	if (f->flags & O_PATH)
		return -EBADF;
	/* Linux takes the request as an unsigned int: libcs that pass an int sign-extend it. */
	cmd = (unsigned)cmd;
	switch (cmd) {
	case FIOCLEX:
		return fd_set_cloexec(fdt(), fd, true);
	case FIONCLEX:
		return fd_set_cloexec(fdt(), fd, false);
	case FIONBIO:
		if (copy_from_user(&v, (void *)arg, sizeof(v)))
			return -EFAULT;
		f->flags = v ? f->flags | O_NONBLOCK : f->flags & ~O_NONBLOCK;
		return 0;
	case FIOASYNC:
		return 0;
	}
	if (f->ops->ioctl)
		return f->ops->ioctl(f, cmd, arg);
	if (cmd == FIONREAD && f->inode && S_ISREG(f->inode->mode)) {
		v = f->pos < (off_t)f->inode->size ? (int)MIN(f->inode->size - f->pos, (uint64_t)INT32_MAX) : 0;
		return copy_to_user((void *)arg, &v, sizeof(v));
	}
	return -ENOTTY;
}

long sys_ioctl(int fd, unsigned long cmd, unsigned long arg)
{
	struct file *f = fd_get(fdt(), fd);
	long r;

	if (!f)
		return -EBADF;
	r = file_ioctl(f, fd, cmd, arg);
	fput(f);
	return r;
}

/* truncate and ftruncate change the size through setattr. */
static long truncate_inode(struct inode *ino, off_t len)
{
	struct iattr a = { .valid = ATTR_SIZE, .size = len };

	return vfs_setattr(ino, &a);
}

long sys_truncate(const char *upath, off_t len)
{
	struct inode *ino;
	char *path;
	long err;

	if (len < 0)
		return -EINVAL;
	err = user_path(upath, false, &path);
	if (err)
		return err;
	err = vfs_lookup(NULL, path, false, &ino);
	if (err)
		goto out;
	err = ino->deny_write > 0 ? -ETXTBSY : seals_check_resize(ino, len);
	if (!err)
		err = truncate_inode(ino, len);
	if (!err)
		fsnotify_path(NULL, path, ino, IN_MODIFY);
	inode_unref(ino);
out:
	kfree(path);
	return err;
}

long sys_ftruncate(int fd, off_t len)
{
	struct file *f = fd_get(fdt(), fd);
	long err;

	if (!f || (f->flags & O_PATH)) {
		err = -EBADF;
		goto out;
	}
	err = -EINVAL;
	if (len < 0 || !f->inode || !S_ISREG(f->inode->mode) || (f->flags & O_ACCMODE) == O_RDONLY)
		goto out;
	err = seals_check_resize(f->inode, len);
	if (!err)
		err = truncate_inode(f->inode, len);
	if (!err)
		fsnotify_file(f, IN_MODIFY);
out:
	fput(f);
	return err;
}

/*
 * fallocate: modes 0, FALLOC_FL_KEEP_SIZE and FALLOC_FL_PUNCH_HOLE go to the
 * file system; other modes are EOPNOTSUPP.  Checks in the order of Linux's
 * vfs_fallocate.
 */
static long file_fallocate(struct file *f, int mode, off_t off, off_t len)
{
	struct inode *ino;

	if (f->flags & O_PATH)
		return -EBADF;
	if (off < 0 || len <= 0)
		return -EINVAL;
	if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE | FALLOC_FL_NO_HIDE_STALE |
		     FALLOC_FL_COLLAPSE_RANGE | FALLOC_FL_ZERO_RANGE | FALLOC_FL_INSERT_RANGE |
		     FALLOC_FL_UNSHARE_RANGE))
		return -EOPNOTSUPP;
	if ((mode & FALLOC_FL_PUNCH_HOLE) && !(mode & FALLOC_FL_KEEP_SIZE))
		return -EOPNOTSUPP;
	if ((f->flags & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	ino = f->inode;
	if (!ino)
		return -ENODEV;
	if (S_ISFIFO(ino->mode))
		return -ESPIPE;
	if (S_ISDIR(ino->mode))
		return -EISDIR;
	if (!S_ISREG(ino->mode))
		return -ENODEV;
	if (off > INT64_MAX - len)
		return -EFBIG;
	if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE))
		return -EOPNOTSUPP;
	return vfs_fallocate(ino, mode, off, len);
}

long sys_fallocate(int fd, int mode, off_t off, off_t len)
{
	struct file *f = fd_get(fdt(), fd);
	long r;

	if (!f)
		return -EBADF;
	r = file_fallocate(f, mode, off, len);
	fput(f);
	return r;
}

/* The file's data (and metadata) reach the device before fsync returns. */
static long fsync_fd(int fd, bool datasync)
{
	struct file *f = fd_get(fdt(), fd);
	long err;

	if (!f || (f->flags & O_PATH))
		err = -EBADF;
	else if (!f->inode || !(S_ISREG(f->inode->mode) || S_ISDIR(f->inode->mode) || S_ISBLK(f->inode->mode)))
		err = -EINVAL;
	else
		err = vfs_fsync(f->inode, datasync);
	fput(f);
	return err;
}

long sys_fsync(int fd)
{
	return fsync_fd(fd, false);
}

long sys_fdatasync(int fd)
{
	return fsync_fd(fd, true);
}

long sys_sync(void)
{
	vfs_syncfs(NULL);
	return 0;
}

long sys_syncfs(int fd)
{
	struct file *f = fd_get(fdt(), fd);
	long err = -EBADF;

	if (f && !(f->flags & O_PATH))
		err = f->inode && f->inode->sb ? vfs_syncfs(f->inode->sb) : 0;
	fput(f);
	return err;
}

long sys_sync_file_range(int fd, off_t off, off_t nbytes, unsigned flags)
{
	struct file *f;
	unsigned mode;

	if (flags & ~(SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER))
		return -EINVAL;
	if (off < 0 || nbytes < 0 || off > INT64_MAX - nbytes)
		return -EINVAL;
	f = fd_peek(fdt(), fd);
	if (!f || (f->flags & O_PATH))
		return -EBADF;
	mode = f->inode ? f->inode->mode : 0;
	if (!S_ISREG(mode) && !S_ISBLK(mode) && !S_ISDIR(mode) && !S_ISLNK(mode))
		return -ESPIPE;
	if ((flags & SYNC_FILE_RANGE_WRITE) && S_ISREG(mode))
		return vfs_fsync(f->inode, true);
	return 0;
}

/* Advice about future access: the data is in memory already, so there is nothing to do beyond checking. */
long sys_fadvise64(int fd, off_t off, off_t len, int advice)
{
	struct file *f = fd_peek(current_proc()->fdt, fd);

	if (!f)
		return -EBADF;
	if (advice < 0 || advice > 5 || len < 0)
		return -EINVAL;
	if (S_ISFIFO(f->inode->mode) || S_ISSOCK(f->inode->mode))
		return -ESPIPE;
	return 0;
}
