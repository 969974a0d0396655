/* SPDX-License-Identifier: MIT */
/* sys_file.c: system calls on open files: read/write (vectored, positioned), open/close, lseek, dup, fcntl, pipes, ioctl, truncate, fallocate, sync. */
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
#include <linux/uio.h>

#define MAX_RW_COUNT 0x7ffff000L   /* Linux caps one read or write at this */

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
static struct file *io_file(int fd, bool write, long *err)
{
	struct file *f = fd_get(fdt(), fd);
	unsigned acc;

	*err = -EBADF;
	if (!f)
		return NULL;
	if (f->flags & O_PATH)
		goto err;
	acc = f->flags & O_ACCMODE;
	if (write ? acc == O_RDONLY : acc == O_WRONLY)
		goto err;
	if (write ? !f->ops->write : !f->ops->read) {
		*err = -EINVAL;
		goto err;
	}
	return f;
err:
	fput(f);
	return NULL;
}

static long do_read(struct file *f, void *buf, size_t n, off_t *off)
{
	long r;

	if (n > MAX_RW_COUNT)
		n = MAX_RW_COUNT;
	if (!user_ok(buf, n, true))
		return -EFAULT;
	r = f->ops->read(f, buf, n, off);
	if (r > 0)
		fsnotify_file(f, IN_ACCESS);
	return r;
}

static long do_write(struct file *f, const void *buf, size_t n, off_t *off)
{
	long r;

	if (n > MAX_RW_COUNT)
		n = MAX_RW_COUNT;
	if (!user_ok(buf, n, false))
		return -EFAULT;
	r = f->ops->write(f, buf, n, off);
	if (r > 0)
		fsnotify_file(f, IN_MODIFY);
	return r;
}

long sys_read(int fd, void *buf, size_t n)
{
	long err;
	struct file *f = io_file(fd, false, &err);

	if (!f)
		return err;
	err = do_read(f, buf, n, &f->pos);
	fput(f);
	return err;
}

long sys_write(int fd, const void *buf, size_t n)
{
	long err;
	struct file *f = io_file(fd, true, &err);

	if (!f)
		return err;
	err = do_write(f, buf, n, &f->pos);
	fput(f);
	return err;
}

long sys_pread64(int fd, void *buf, size_t n, off_t off)
{
	long err;
	struct file *f = io_file(fd, false, &err);

	if (!f)
		return err;
	if (!f->ops->seekable)
		err = -ESPIPE;
	else if (off < 0)
		err = -EINVAL;
	else
		err = do_read(f, buf, n, &off);
	fput(f);
	return err;
}

long sys_pwrite64(int fd, const void *buf, size_t n, off_t off)
{
	long err;
	struct file *f = io_file(fd, true, &err);
	unsigned saved;

	if (!f)
		return err;
	if (!f->ops->seekable) {
		err = -ESPIPE;
	} else if (off < 0) {
		err = -EINVAL;
	} else {
		/* POSIX: pwrite writes at off even with O_APPEND (Linux appends, a documented bug). */
		saved = f->flags;
		f->flags &= ~O_APPEND;
		err = do_write(f, buf, n, &off);
		f->flags = saved;
	}
	fput(f);
	return err;
}

/* readv/writev: one call of the file operation per buffer, stopping at the first short one. */
static long iov_rw(struct file *f, const void *uiov, int iovcnt, bool write, off_t *pos)
{
	struct iovec fast[8], *iov = fast;
	long total = 0;
	size_t sum = 0;

	if (iovcnt < 0 || iovcnt > UIO_MAXIOV)
		return -EINVAL;
	/* A kernel copy: the user's array may change or vanish while a buffer blocks. */
	if (iovcnt > (int)ARRAY_SIZE(fast)) {
		iov = kmalloc((size_t)iovcnt * sizeof(*iov));
		if (!iov)
			return -ENOMEM;
	}
	if (copy_from_user(iov, uiov, (size_t)iovcnt * sizeof(*iov))) {
		total = -EFAULT;
		goto out;
	}
	for (int i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > (size_t)MAX_RW_COUNT || sum + iov[i].iov_len > (size_t)INT64_MAX) {
			total = -EINVAL;
			goto out;
		}
		sum += iov[i].iov_len;
	}
	for (int i = 0; i < iovcnt; i++) {
		size_t len = iov[i].iov_len;
		long r;

		if (len == 0)
			continue;
		if (len > (size_t)(MAX_RW_COUNT - total))
			len = MAX_RW_COUNT - total;
		r = write ? do_write(f, iov[i].iov_base, len, pos)
			  : do_read(f, iov[i].iov_base, len, pos);
		if (r < 0) {
			total = total ? total : r;
			break;
		}
		total += r;
		if ((size_t)r < len || total >= MAX_RW_COUNT)
			break;
	}
out:
	if (iov != fast)
		kfree(iov);
	return total;
}

static long do_iov(int fd, const void *uiov, int iovcnt, bool write)
{
	long err;
	struct file *f = io_file(fd, write, &err);

	if (!f)
		return err;
	err = iov_rw(f, uiov, iovcnt, write, &f->pos);
	fput(f);
	return err;
}

long sys_readv(int fd, const void *iov, int iovcnt)
{
	return do_iov(fd, iov, iovcnt, false);
}

long sys_writev(int fd, const void *iov, int iovcnt)
{
	return do_iov(fd, iov, iovcnt, true);
}

/*
 * vmsplice: user memory into a pipe's write end (copied, as if by writev:
 * SPLICE_F_GIFT gives nothing to gain), or from its read end into user
 * memory.  SPLICE_F_NONBLOCK makes this one call non-blocking.
 */
long sys_vmsplice(int fd, const void *uiov, unsigned long nr_segs, unsigned flags)
{
	struct file *f;
	unsigned saved;
	bool write;
	long r;

	if (flags & ~0xfu)                    /* SPLICE_F_MOVE, NONBLOCK, MORE, GIFT */
		return -EINVAL;
	f = fd_get(fdt(), fd);
	if (!f || (f->flags & O_PATH) || !file_is_pipe(f)) {
		r = -EBADF;
		goto out;
	}
	if (nr_segs > UIO_MAXIOV) {
		r = -EINVAL;
		goto out;
	}
	write = (f->flags & O_ACCMODE) != O_RDONLY;
	saved = f->flags;
	if (flags & 2)                        /* SPLICE_F_NONBLOCK */
		f->flags |= O_NONBLOCK;
	r = iov_rw(f, uiov, (int)nr_segs, write, &f->pos);
	f->flags = (f->flags & ~O_NONBLOCK) | (saved & O_NONBLOCK);
out:
	fput(f);
	return r;
}

/*
 * preadv/pwritev and their *2 forms.  Flags: RWF_HIPRI (polling: nothing to
 * poll), RWF_DSYNC/RWF_SYNC (data is in memory: durable at once), RWF_APPEND
 * (write at the end), RWF_NOWAIT (regular files never wait; other files do
 * not support it).  In the *2 forms, offset -1 means the file position.
 */
static long do_piov(int fd, const void *uiov, int iovcnt, off_t pos, int flags, bool write)
{
	const int known = RWF_HIPRI | RWF_DSYNC | RWF_SYNC | RWF_NOWAIT | RWF_APPEND;
	struct file *f;
	unsigned saved;
	long err;

	if (pos < -1)
		return -EINVAL;
	f = io_file(fd, write, &err);
	if (!f)
		return err;
	if (flags & ~known) {
		err = -EOPNOTSUPP;
	} else if ((flags & RWF_NOWAIT) && !(f->inode && S_ISREG(f->inode->mode))) {
		err = -EOPNOTSUPP;
	} else if (pos != -1 && !f->ops->seekable) {
		err = -ESPIPE;
	} else {
		/* A positioned write ignores O_APPEND, as pwrite64 does, unless RWF_APPEND asks. */
		saved = f->flags;
		if (write && pos != -1)
			f->flags &= ~O_APPEND;
		if (write && (flags & RWF_APPEND))
			f->flags |= O_APPEND;
		err = iov_rw(f, uiov, iovcnt, write, pos == -1 ? &f->pos : &pos);
		f->flags = saved;
	}
	fput(f);
	return err;
}

long sys_preadv(int fd, const void *iov, int iovcnt, unsigned long pos_l, unsigned long pos_h)
{
	(void)pos_h;                 /* 64-bit: the offset is all in pos_l */
	if ((off_t)pos_l < 0)
		return -EINVAL;
	return do_piov(fd, iov, iovcnt, (off_t)pos_l, 0, false);
}

long sys_pwritev(int fd, const void *iov, int iovcnt, unsigned long pos_l, unsigned long pos_h)
{
	(void)pos_h;
	if ((off_t)pos_l < 0)
		return -EINVAL;
	return do_piov(fd, iov, iovcnt, (off_t)pos_l, 0, true);
}

long sys_preadv2(int fd, const void *iov, int iovcnt, unsigned long pos_l, unsigned long pos_h, int flags)
{
	(void)pos_h;
	return do_piov(fd, iov, iovcnt, (off_t)pos_l, flags, false);
}

long sys_pwritev2(int fd, const void *iov, int iovcnt, unsigned long pos_l, unsigned long pos_h, int flags)
{
	(void)pos_h;
	return do_piov(fd, iov, iovcnt, (off_t)pos_l, flags, true);
}

/* Files are in memory already: readahead only checks its arguments. */
long sys_readahead(int fd, off_t off, size_t count)
{
	struct file *f = fd_get(fdt(), fd);
	long err = 0;

	(void)off;
	(void)count;
	if (!f || (f->flags & O_PATH) || (f->flags & O_ACCMODE) == O_WRONLY)
		err = -EBADF;
	else if (!f->inode || !S_ISREG(f->inode->mode))
		err = -EINVAL;
	fput(f);
	return err;
}

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
