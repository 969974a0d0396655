/* SPDX-License-Identifier: MIT */
/* sys_rw.c: the data system calls on open files: read and write, positioned (pread/pwrite), vectored (readv/writev, preadv2/pwritev2 with their flags), vmsplice, readahead. */
#include "kernel.h"
#include "sched.h"
#include "syscall.h"
#include "vfs.h"
#include <linux/fcntl.h>
#include <linux/fs.h>
#include <linux/inotify.h>
#include <linux/uio.h>

#define MAX_RW_COUNT 0x7ffff000L   /* Linux caps one read or write at this */

static struct file *io_file(int fd, bool write, long *err)
{
	struct file *f = fd_get(current_proc()->fdt, fd);
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
	f = fd_get(current_proc()->fdt, fd);
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
	struct file *f = fd_get(current_proc()->fdt, fd);
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
