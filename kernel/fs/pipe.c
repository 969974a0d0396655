/* SPDX-License-Identifier: MIT */
/* pipe.c: pipes with a 64 KiB ring buffer, blocking or not, and poll support. */
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

#define PIPE_SIZE (64 * 1024)

struct pipe {
	uint8_t *buf;
	size_t head, len;        /* data is buf[head .. head+len) modulo PIPE_SIZE */
	int readers, writers;    /* open files on each end */
	struct waitq rq, wq;
};

static void pipe_changed(struct pipe *p)
{
	waitq_wake_all(&p->rq);
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
	while (p->len == 0) {
		if (p->writers == 0)
			return 0;
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		if (waitq_wait(&p->rq, 0) == -EINTR)
			return -EINTR;
	}
	while (done < n && p->len > 0) {
		size_t chunk = MIN(n - done, MIN(p->len, PIPE_SIZE - p->head));

		memcpy(dst + done, p->buf + p->head, chunk);
		p->head = (p->head + chunk) % PIPE_SIZE;
		p->len -= chunk;
		done += chunk;
	}
	if (p->len == 0)
		p->head = 0;
	pipe_changed(p);
	return done;
}

static ssize_t pipe_write(struct file *f, const void *buf, size_t n, off_t *off)
{
	struct pipe *p = f->priv;
	const uint8_t *src = buf;
	size_t done = 0;

	(void)off;
	while (done < n) {
		size_t space, chunk, tail;

		if (p->readers == 0) {
			signal_send_self(SIGPIPE_NR);
			return done ? (ssize_t)done : -EPIPE;
		}
		space = PIPE_SIZE - p->len;
		/* Writes of at most PIPE_BUF bytes are atomic: all or nothing. */
		if (space == 0 || (n - done <= PIPE_BUF && space < n - done)) {
			if (f->flags & O_NONBLOCK)
				return done ? (ssize_t)done : -EAGAIN;
			if (waitq_wait(&p->wq, 0) == -EINTR)
				return done ? (ssize_t)done : -EINTR;
			continue;
		}
		tail = (p->head + p->len) % PIPE_SIZE;
		chunk = MIN(n - done, MIN(space, PIPE_SIZE - tail));
		memcpy(p->buf + tail, src + done, chunk);
		p->len += chunk;
		done += chunk;
		pipe_changed(p);
	}
	return done;
}

static unsigned pipe_poll(struct file *f)
{
	struct pipe *p = f->priv;
	unsigned ev = 0;

	if ((f->flags & O_ACCMODE) == O_RDONLY) {
		if (p->len > 0)
			ev |= POLLIN | POLLRDNORM;
		if (p->writers == 0)
			ev |= POLLHUP;
	} else {
		if (p->len < PIPE_SIZE)
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

static void pipe_release(struct file *f)
{
	struct pipe *p = f->priv;

	if ((f->flags & O_ACCMODE) == O_RDONLY)
		p->readers--;
	else
		p->writers--;
	pipe_changed(p);
	if (p->readers == 0 && p->writers == 0) {
		kfree(p->buf);
		kfree(p);
	}
}

static const struct file_ops pipe_fops = {
	.read = pipe_read,
	.write = pipe_write,
	.poll = pipe_poll,
	.ioctl = pipe_ioctl,
	.release = pipe_release,
};

int pipe_create(unsigned flags, struct file **rd, struct file **wr)
{
	struct pipe *p = kzalloc(sizeof(*p));
	struct inode *ino = NULL;

	if (!p)
		return -ENFILE;
	p->buf = kmalloc(PIPE_SIZE);
	ino = inode_alloc(S_IFIFO | 0600, NULL, &pipe_fops);
	if (!p->buf || !ino)
		goto err;
	waitq_init(&p->rq);
	waitq_init(&p->wq);
	p->readers = p->writers = 1;
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
	if (ino)
		inode_unref(ino);
	kfree(p->buf);
	kfree(p);
	return -ENFILE;
}
