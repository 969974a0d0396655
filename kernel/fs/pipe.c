/* SPDX-License-Identifier: MIT */
/* pipe.c: pipes and named FIFOs with a ring buffer (64 KiB, F_SETPIPE_SZ changes it), blocking or not, poll support, and splice/tee through the buffer. */
#include "kernel.h"
#include "sched.h"
#include "vfs.h"
#include <asm-generic/ioctls.h>
#include <asm-generic/poll.h>
#include <linux/fcntl.h>
#include <linux/limits.h>

/* From signal.h, which the host unit tests cannot include (asm/signal.h clashes with libc). */
extern void signal_send_self(int sig);
#define SIGPIPE_NR 13

#define PIPE_SIZE (64 * 1024)        /* a new pipe's capacity, as Linux's 16 pages */
#define PIPE_MAX_SIZE (1024 * 1024)  /* F_SETPIPE_SZ's limit: Linux's /proc/sys/fs/pipe-max-size */

struct pipe {
	uint8_t *buf;
	size_t size;             /* capacity: a power of two, PAGE_SIZE .. PIPE_MAX_SIZE */
	size_t head, len;        /* data is buf[head .. head+len) modulo size */
	int readers, writers;    /* open files on each end (an O_RDWR file counts on both) */
	unsigned r_opens, w_opens; /* opens of each end so far: a FIFO open waits for a change */
	struct inode *inode;     /* the FIFO inode whose ->fifo points here */
	/*
	 * A splice that blocks in the other file's read or write while it uses
	 * the buffer in place: other readers (reading) or writers (writing) wait.
	 */
	bool reading, writing;
	struct waitq rq, wq;
};

static const struct file_ops pipe_fops;

static bool end_reads(struct file *f) { return (f->flags & O_ACCMODE) != O_WRONLY; }
static bool end_writes(struct file *f) { return (f->flags & O_ACCMODE) != O_RDONLY; }

static void pipe_changed(struct pipe *p)
{
	waitq_wake_all(&p->rq);
	waitq_wake_all(&p->wq);
	poll_notify();
}

/* Data came in: readers (and pollers) may go on.  Once per write, not per chunk copied. */
static void pipe_filled(struct pipe *p)
{
	waitq_wake_all(&p->rq);
	poll_notify();
}

/* Space came free: writers (and pollers) may go on. */
static void pipe_drained(struct pipe *p)
{
	waitq_wake_all(&p->wq);
	poll_notify();
}

static ssize_t pipe_read(struct file *f, void *buf, size_t n, off_t *off)
{
	struct pipe *p = f->priv;
	uint8_t *dst = buf;
	size_t done = 0;

	(void)off;
	if (n == 0)
		return 0;
	while (p->len == 0 || p->reading) {
		if (p->len == 0 && p->writers == 0)
			return 0;
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		if (waitq_wait(&p->rq, 0) == -EINTR)
			return -EINTR;
	}
	while (done < n && p->len > 0) {
		size_t chunk = MIN(n - done, MIN(p->len, p->size - p->head));

		/* The buffer may have been unmapped while this thread slept. */
		if (memcpy_user(dst + done, p->buf + p->head, chunk))
			break;
		p->head = (p->head + chunk) % p->size;
		p->len -= chunk;
		done += chunk;
	}
	if (p->len == 0 && !p->writing)
		p->head = 0;
	if (done)
		pipe_drained(p);
	return done ? (ssize_t)done : -EFAULT;
}

static ssize_t pipe_write(struct file *f, const void *buf, size_t n, off_t *off)
{
	struct pipe *p = f->priv;
	const uint8_t *src = buf;
	size_t done = 0;
	ssize_t err = 0;
	bool unwoken = false;    /* data copied that readers have not been told of */

	(void)off;
	while (done < n) {
		size_t space, chunk, tail;

		if (p->readers == 0) {
			signal_send_self(SIGPIPE_NR);
			err = -EPIPE;
			break;
		}
		space = p->size - p->len;
		/* Writes of at most PIPE_BUF bytes are atomic: all or nothing. */
		if (space == 0 || p->writing || (n - done <= PIPE_BUF && space < n - done)) {
			if (f->flags & O_NONBLOCK) {
				err = -EAGAIN;
				break;
			}
			/* Full: the readers empty it while this writer sleeps. */
			if (unwoken)
				pipe_filled(p);
			unwoken = false;
			if (waitq_wait(&p->wq, 0) == -EINTR) {
				err = -EINTR;
				break;
			}
			continue;
		}
		tail = (p->head + p->len) % p->size;
		chunk = MIN(n - done, MIN(space, p->size - tail));
		if (memcpy_user(p->buf + tail, src + done, chunk)) {
			err = -EFAULT;
			break;
		}
		p->len += chunk;
		done += chunk;
		unwoken = true;
	}
	if (unwoken)
		pipe_filled(p);
	return done ? (ssize_t)done : err;
}

static unsigned pipe_poll(struct file *f)
{
	struct pipe *p = f->priv;
	unsigned ev = 0;

	if (end_reads(f)) {
		if (p->len > 0)
			ev |= POLLIN | POLLRDNORM;
		if (p->writers == 0)
			ev |= POLLHUP;
	}
	if (end_writes(f)) {
		if (p->len < p->size)
			ev |= POLLOUT | POLLWRNORM;
		if (p->readers == 0)
			ev |= POLLERR;
	}
	return ev;
}

static long pipe_ioctl(struct file *f, unsigned long cmd, unsigned long arg)
{
	struct pipe *p = f->priv;
	int v;

	if (cmd != FIONREAD)
		return -ENOTTY;
	v = (int)p->len;
	return copy_to_user((void *)arg, &v, sizeof(v));
}

static void pipe_free(struct pipe *p)
{
	if (p->inode)
		p->inode->fifo = NULL;
	kfree(p->buf);
	kfree(p);
}

static void pipe_release(struct file *f)
{
	struct pipe *p = f->priv;

	if (!p)
		return;
	if (end_reads(f))
		p->readers--;
	if (end_writes(f))
		p->writers--;
	pipe_changed(p);
	/* A FIFO's data goes with its last opener, as on Linux. */
	if (p->readers == 0 && p->writers == 0)
		pipe_free(p);
}

static const struct file_ops pipe_fops = {
	.read = pipe_read,
	.write = pipe_write,
	.poll = pipe_poll,
	.ioctl = pipe_ioctl,
	.release = pipe_release,
};

static struct pipe *pipe_alloc(struct inode *ino)
{
	struct pipe *p = kzalloc(sizeof(*p));

	if (!p)
		return NULL;
	p->buf = kmalloc(PIPE_SIZE);
	if (!p->buf) {
		kfree(p);
		return NULL;
	}
	p->size = PIPE_SIZE;
	waitq_init(&p->rq);
	waitq_init(&p->wq);
	p->inode = ino;
	return p;
}

int pipe_create(unsigned flags, struct file **rd, struct file **wr)
{
	struct inode *ino = inode_alloc(S_IFIFO | 0600, NULL, &pipe_fops);
	struct pipe *p = NULL;

	if (!ino)
		return -ENFILE;
	p = pipe_alloc(ino);
	if (!p)
		goto err;
	/* Reopening the pipe through /proc/self/fd finds it here. */
	ino->fifo = p;
	p->readers = p->writers = 1;
	p->r_opens = p->w_opens = 1;
	*rd = file_alloc(ino, &pipe_fops, O_RDONLY | (flags & O_NONBLOCK));
	if (!*rd)
		goto err;
	(*rd)->priv = p;
	*wr = file_alloc(ino, &pipe_fops, O_WRONLY | (flags & O_NONBLOCK));
	if (!*wr) {
		p->writers = 0;
		file_unref(*rd);      /* its release frees p */
		inode_unref(ino);
		return -ENFILE;
	}
	(*wr)->priv = p;
	inode_unref(ino);
	return 0;
err:
	if (p)
		pipe_free(p);
	inode_unref(ino);
	return -ENFILE;
}

/* ---- named FIFOs ---- */

int fifo_open(struct inode *ino, unsigned flags, struct file **out)
{
	unsigned acc = flags & O_ACCMODE;
	struct pipe *p = ino->fifo;
	struct file *f;
	unsigned seen;
	int err = 0;

	if (!p) {
		p = pipe_alloc(ino);
		if (!p)
			return -ENOMEM;
		ino->fifo = p;
	}
	if (acc == O_WRONLY && (flags & O_NONBLOCK) && p->readers == 0) {
		err = -ENXIO;
		goto err_unused;
	}
	f = file_alloc(ino, &pipe_fops, flags);
	if (!f) {
		err = -ENOMEM;
		goto err_unused;
	}
	f->priv = p;
	if (end_reads(f)) {
		p->readers++;
		p->r_opens++;
	}
	if (end_writes(f)) {
		p->writers++;
		p->w_opens++;
	}
	pipe_changed(p);
	/* Wait for the other end, or at least for someone to have opened it meanwhile. */
	if (acc == O_RDONLY && !(flags & O_NONBLOCK)) {
		seen = p->w_opens;
		while (p->writers == 0 && p->w_opens == seen && !err)
			err = waitq_wait(&p->rq, 0);
	} else if (acc == O_WRONLY) {
		seen = p->r_opens;
		while (p->readers == 0 && p->r_opens == seen && !err)
			err = waitq_wait(&p->wq, 0);
	}
	if (err) {
		file_unref(f);        /* its release frees p if nobody else has it */
		return err;
	}
	*out = f;
	return 0;
err_unused:
	if (p->readers == 0 && p->writers == 0)
		pipe_free(p);
	return err;
}

bool file_is_pipe(struct file *f)
{
	return f->ops == &pipe_fops && f->priv;
}

/* ---- splice and tee ---- */

ssize_t pipe_splice_to_file(struct file *pf, struct file *out, off_t *off, size_t n, bool nonblock)
{
	struct pipe *p = pf->priv;
	size_t done = 0;
	ssize_t err = 0;

	while (p->len == 0 || p->reading) {
		if (p->len == 0 && p->writers == 0)
			return 0;
		if (nonblock)
			return -EAGAIN;
		if (waitq_wait(&p->rq, 0) == -EINTR)
			return -EINTR;
	}
	/* out's write may block (a socket): nobody else reads this buffer meanwhile. */
	p->reading = true;
	while (done < n && p->len > 0) {
		size_t chunk = MIN(n - done, MIN(p->len, p->size - p->head));
		ssize_t w = out->ops->write(out, p->buf + p->head, chunk, off);

		if (w <= 0) {
			err = w;
			break;
		}
		p->head = (p->head + w) % p->size;
		p->len -= w;
		done += w;
		if ((size_t)w < chunk)
			break;
	}
	p->reading = false;
	if (p->len == 0 && !p->writing)
		p->head = 0;
	pipe_changed(p);
	return done ? (ssize_t)done : err;
}

ssize_t pipe_splice_from_file(struct file *pf, struct file *in, off_t *off, size_t n, bool nonblock)
{
	struct pipe *p = pf->priv;
	size_t done = 0;
	ssize_t err = 0;

	for (;;) {
		if (p->readers == 0) {
			signal_send_self(SIGPIPE_NR);
			return -EPIPE;
		}
		if (p->len < p->size && !p->writing)
			break;
		if (nonblock)
			return -EAGAIN;
		if (waitq_wait(&p->wq, 0) == -EINTR)
			return -EINTR;
	}
	/* in's read may block: nobody else writes into the free space meanwhile. */
	p->writing = true;
	while (done < n && p->len < p->size) {
		size_t tail = (p->head + p->len) % p->size;
		size_t chunk = MIN(n - done, MIN(p->size - p->len, p->size - tail));
		ssize_t r = in->ops->read(in, p->buf + tail, chunk, off);

		if (r <= 0) {
			err = r;
			break;
		}
		p->len += r;
		done += r;
		if ((size_t)r < chunk)
			break;
	}
	p->writing = false;
	pipe_changed(p);
	return done ? (ssize_t)done : err;
}

ssize_t pipe_splice_pipe(struct file *in, struct file *out, size_t n, bool nonblock, bool tee)
{
	struct pipe *ip = in->priv, *op = out->priv;
	size_t done = 0, from, to;

	if (ip == op)
		return -EINVAL;
	for (;;) {
		bool data = ip->len > 0 && !ip->reading, space = op->len < op->size && !op->writing;

		if (ip->len == 0 && ip->writers == 0)
			return 0;
		if (op->readers == 0) {
			signal_send_self(SIGPIPE_NR);
			return -EPIPE;
		}
		if (data && space)
			break;
		if (nonblock)
			return -EAGAIN;
		if (waitq_wait(data ? &op->wq : &ip->rq, 0) == -EINTR)
			return -EINTR;
	}
	n = MIN(n, MIN(ip->len, op->size - op->len));
	from = ip->head;
	to = (op->head + op->len) % op->size;
	while (done < n) {
		size_t chunk = MIN(n - done, MIN(ip->size - from, op->size - to));

		memcpy(op->buf + to, ip->buf + from, chunk);
		from = (from + chunk) % ip->size;
		to = (to + chunk) % op->size;
		done += chunk;
	}
	op->len += done;
	if (!tee) {
		ip->head = from;
		ip->len -= done;
		if (ip->len == 0 && !ip->writing)
			ip->head = 0;
	}
	pipe_changed(ip);
	pipe_changed(op);
	return done;
}

/* ---- capacity ---- */

long pipe_set_size(struct file *f, unsigned long want)
{
	struct pipe *p = f->priv;
	size_t size = PAGE_SIZE;
	uint8_t *buf;

	if (want > (1UL << 31))
		return -EINVAL;
	if (want > PIPE_MAX_SIZE)
		return -EPERM;
	while (size < want)
		size <<= 1;
	if (size < p->len)
		return -EBUSY;
	/* A splice is using the buffer in place while it sleeps. */
	if (p->reading || p->writing)
		return -EBUSY;
	if (size == p->size)
		return size;
	buf = kmalloc(size);
	if (!buf)
		return -ENOMEM;
	/* The data moves to the start of the new ring, in order. */
	for (size_t done = 0; done < p->len;) {
		size_t chunk = MIN(p->len - done, p->size - (p->head + done) % p->size);

		memcpy(buf + done, p->buf + (p->head + done) % p->size, chunk);
		done += chunk;
	}
	kfree(p->buf);
	p->buf = buf;
	p->head = 0;
	p->size = size;
	/* More room: writers waiting for it may go on. */
	pipe_drained(p);
	return size;
}

long pipe_get_size(struct file *f)
{
	struct pipe *p = f->priv;

	return p->size;
}
