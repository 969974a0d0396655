/* SPDX-License-Identifier: MIT */
/* sys_splice.c: copying between files in the kernel: sendfile, splice, tee, copy_file_range. */
#include "kernel.h"
#include "mm.h"
#include "sched.h"
#include "syscall.h"
#include "vfs.h"
#include <linux/fcntl.h>
#include <linux/fs.h>

#define MAX_RW_COUNT 0x7ffff000L   /* Linux caps one transfer at this */
/*
 * 64 KiB less kmalloc's header: the buffer then comes from kmalloc's 64 KiB
 * class, whose page runs are reused.  A 64 KiB buffer was a bare 17-page
 * run, and the page allocator gets runs only from memory never used before
 * (freed pages go back one by one): every sendfile call used up 68 KiB of
 * it until nginx's sendfile of a large file failed with ENOMEM.
 */
#define BOUNCE_SIZE (64 * 1024 - 16)

#define SPLICE_F_MOVE     1
#define SPLICE_F_NONBLOCK 2
#define SPLICE_F_MORE     4
#define SPLICE_F_GIFT     8

/* The file at fd, referenced (fput it), if it is open for reading (or writing), else NULL. */
static struct file *rw_file(int fd, bool write)
{
	struct file *f = fd_get(current_proc()->fdt, fd);
	unsigned acc;

	if (!f)
		return NULL;
	acc = f->flags & O_ACCMODE;
	if ((f->flags & O_PATH) || (write ? acc == O_RDONLY : acc == O_WRONLY)) {
		fput(f);
		return NULL;
	}
	return f;
}

/* Reads an optional user offset; 0, -EFAULT or -EINVAL (negative). */
static int get_off(const off_t *uoff, off_t *off)
{
	if (copy_from_user(off, uoff, sizeof(*off)))
		return -EFAULT;
	return *off < 0 ? -EINVAL : 0;
}

/*
 * Copies up to count bytes from in at *ipos to out at *opos through a
 * kernel buffer.  When out takes fewer bytes than were read, *ipos is moved
 * back so that in's position counts only what was written.  Returns the
 * bytes copied or, when none were, the error.
 */
static long copy_bounce(struct file *in, off_t *ipos, struct file *out, off_t *opos, size_t count)
{
	size_t done = 0;
	long err = 0;
	uint8_t *buf;

	if (count > MAX_RW_COUNT)
		count = MAX_RW_COUNT;
	buf = kmalloc(MIN(count, (size_t)BOUNCE_SIZE));
	if (!buf)
		return -ENOMEM;
	while (done < count) {
		size_t chunk = MIN(count - done, (size_t)BOUNCE_SIZE);
		off_t start = *ipos;
		ssize_t r = in->ops->read(in, buf, chunk, ipos);
		ssize_t w;

		if (r <= 0) {
			err = r;
			break;
		}
		w = out->ops->write(out, buf, r, opos);
		if (w < r)
			*ipos = start + (w > 0 ? w : 0);
		if (w <= 0) {
			err = w;
			break;
		}
		done += w;
		if (w < r || (size_t)r < chunk)
			break;
	}
	kfree(buf);
	return done ? (long)done : err;
}

/* sendfile with both files referenced (out NULL when out_fd is not open for writing). */
static long do_sendfile(struct file *out, struct file *in, off_t *uoff, size_t count)
{
	off_t pos;
	long r;

	if (uoff && !in->ops->seekable)
		return -ESPIPE;
	if (!out)
		return -EBADF;
	if (!in->ops->read || !out->ops->write)
		return -EINVAL;
	/* The input must be a file with pages (Linux: one that can splice_read), not a stream. */
	if (!in->inode || !(S_ISREG(in->inode->mode) || S_ISCHR(in->inode->mode)) || (out->flags & O_APPEND))
		return -EINVAL;
	pos = in->pos;
	if (uoff) {
		r = get_off(uoff, &pos);
		if (r)
			return r;
	}
	if (count == 0)
		return 0;
	if (file_is_pipe(out))
		r = pipe_splice_from_file(out, in, &pos, MIN(count, (size_t)MAX_RW_COUNT),
					  out->flags & O_NONBLOCK);
	else
		r = copy_bounce(in, &pos, out, &out->pos, count);
	if (uoff) {
		if (copy_to_user(uoff, &pos, sizeof(pos)))
			return -EFAULT;
	} else {
		in->pos = pos;
	}
	return r;
}

long sys_sendfile(int out_fd, int in_fd, off_t *uoff, size_t count)
{
	struct file *in = rw_file(in_fd, false), *out;
	long r;

	if (!in)
		return -EBADF;
	out = rw_file(out_fd, true);
	r = do_sendfile(out, in, uoff, count);
	fput(out);
	fput(in);
	return r;
}

/*
 * The checks splice and tee share, in Linux's order: the flags, a length of
 * 0 (nothing to do: returns 0), then both descriptors (in for reading, out
 * for writing).  Returns 1 with both files referenced (fput them), 0, or -errno.
 */
static int splice_args(int fd_in, int fd_out, size_t len, unsigned flags, struct file **in, struct file **out)
{
	if (flags & ~(unsigned)(SPLICE_F_MOVE | SPLICE_F_NONBLOCK | SPLICE_F_MORE | SPLICE_F_GIFT))
		return -EINVAL;
	if (len == 0)
		return 0;
	*in = rw_file(fd_in, false);
	*out = rw_file(fd_out, true);
	if (*in && *out)
		return 1;
	fput(*in);
	fput(*out);
	return -EBADF;
}

/*
 * splice between pipe and the file f, into f when to_file: at f's position,
 * or at the offset uoff points to (then updated) when uoff is not NULL.
 */
static long splice_file(struct file *pipe, struct file *f, off_t *uoff, size_t len, bool nonblock, bool to_file)
{
	off_t off, *pos = &f->pos;
	long r;

	if (uoff) {
		if (!f->ops->seekable)
			return -EINVAL;
		r = get_off(uoff, &off);
		if (r)
			return r;
		pos = &off;
	}
	nonblock = nonblock || (f->flags & O_NONBLOCK);
	if (to_file)
		r = pipe_splice_to_file(pipe, f, pos, len, nonblock);
	else
		r = pipe_splice_from_file(pipe, f, pos, len, nonblock);
	if (uoff && copy_to_user(uoff, &off, sizeof(off)))
		return -EFAULT;
	return r;
}

/*
 * splice: one end must be a pipe.  The offset of the other end, when given,
 * is used and updated instead of its file position; a pipe takes none.
 */
static long do_splice(struct file *in, off_t *uoff_in, struct file *out, off_t *uoff_out, size_t len,
		      unsigned flags)
{
	bool ipipe, opipe, nonblock;

	ipipe = file_is_pipe(in);
	opipe = file_is_pipe(out);
	nonblock = flags & SPLICE_F_NONBLOCK;
	len = MIN(len, (size_t)MAX_RW_COUNT);
	if (ipipe && opipe) {
		if (uoff_in || uoff_out)
			return -ESPIPE;
		return pipe_splice_pipe(in, out, len, nonblock || ((in->flags | out->flags) & O_NONBLOCK), false);
	}
	if (ipipe) {
		if (uoff_in)
			return -ESPIPE;
		if (!out->ops->write || (out->flags & O_APPEND))
			return -EINVAL;
		return splice_file(in, out, uoff_out, len, nonblock, true);
	}
	if (opipe) {
		if (uoff_out)
			return -ESPIPE;
		if (!in->ops->read)
			return -EINVAL;
		return splice_file(out, in, uoff_in, len, nonblock, false);
	}
	return -EINVAL;
}

long sys_splice(int fd_in, off_t *uoff_in, int fd_out, off_t *uoff_out, size_t len, unsigned flags)
{
	struct file *in, *out;
	long r = splice_args(fd_in, fd_out, len, flags, &in, &out);

	if (r <= 0)
		return r;
	r = do_splice(in, uoff_in, out, uoff_out, len, flags);
	fput(out);
	fput(in);
	return r;
}

/* tee: copies between two pipes without consuming the input. */
long sys_tee(int fd_in, int fd_out, size_t len, unsigned flags)
{
	struct file *in, *out;
	long r = splice_args(fd_in, fd_out, len, flags, &in, &out);

	if (r <= 0)
		return r;
	if (!file_is_pipe(in) || !file_is_pipe(out))
		r = -EINVAL;
	else
		r = pipe_splice_pipe(in, out, MIN(len, (size_t)MAX_RW_COUNT), flags & SPLICE_F_NONBLOCK, true);
	fput(out);
	fput(in);
	return r;
}

/* copy_file_range on two referenced files. */
static long do_copy_file_range(struct file *in, off_t *uoff_in, struct file *out, off_t *uoff_out, size_t len)
{
	off_t ipos, opos;
	long r;

	if (!in->inode || !out->inode)
		return -EINVAL;
	if (S_ISDIR(in->inode->mode) || S_ISDIR(out->inode->mode))
		return -EISDIR;
	if (!S_ISREG(in->inode->mode) || !S_ISREG(out->inode->mode))
		return -EINVAL;
	if (out->flags & O_APPEND)
		return -EBADF;
	ipos = in->pos;
	opos = out->pos;
	if (uoff_in && (r = get_off(uoff_in, &ipos)))
		return r;
	if (uoff_out && (r = get_off(uoff_out, &opos)))
		return r;
	len = MIN(len, (size_t)MAX_RW_COUNT);
	if ((off_t)len > INT64_MAX - ipos || (off_t)len > INT64_MAX - opos)
		return -EOVERFLOW;
	if (in->inode == out->inode && ipos < opos + (off_t)len && opos < ipos + (off_t)len)
		return -EINVAL;
	if (len == 0)
		return 0;
	r = copy_bounce(in, &ipos, out, &opos, len);
	if (uoff_in) {
		if (copy_to_user(uoff_in, &ipos, sizeof(ipos)))
			return -EFAULT;
	} else {
		in->pos = ipos;
	}
	if (uoff_out) {
		if (copy_to_user(uoff_out, &opos, sizeof(opos)))
			return -EFAULT;
	} else {
		out->pos = opos;
	}
	return r;
}

/* copy_file_range: between regular files; the ranges of one file may not overlap. */
long sys_copy_file_range(int fd_in, off_t *uoff_in, int fd_out, off_t *uoff_out, size_t len,
			 unsigned flags)
{
	struct file *in, *out;
	long r = -EBADF;

	if (flags)
		return -EINVAL;
	in = rw_file(fd_in, false);
	out = rw_file(fd_out, true);
	if (in && out)
		r = do_copy_file_range(in, uoff_in, out, uoff_out, len);
	fput(out);
	fput(in);
	return r;
}
