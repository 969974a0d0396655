/* SPDX-License-Identifier: MIT */
/* eventfd.c: eventfd counters (eventfd2, eventfd), with semaphore mode, blocking and poll support. */
#include "kernel.h"
#include "sched.h"
#include "syscall.h"
#include "vfs.h"
#include <asm-generic/poll.h>
#include <linux/fcntl.h>

/* <sys/eventfd.h> values; the UAPI headers do not carry them. */
#define EFD_SEMAPHORE 1
#define EFD_CLOEXEC O_CLOEXEC
#define EFD_NONBLOCK O_NONBLOCK

/* The counter never reaches UINT64_MAX: a write that would pass this blocks. */
#define EVENTFD_MAX 0xfffffffffffffffeULL

struct eventfd {
	uint64_t count;
	bool semaphore;
	struct waitq wq;           /* readers and writers waiting for the counter to change */
};

static void eventfd_changed(struct eventfd *e)
{
	waitq_wake_all(&e->wq);
	poll_notify();
}

/* Takes the whole counter (or 1 in semaphore mode); waits while it is 0. */
static ssize_t eventfd_read(struct file *f, void *buf, size_t n, off_t *off)
{
	struct eventfd *e = f->priv;
	uint64_t v;

	(void)off;
	if (n < sizeof(v))
		return -EINVAL;
	while (e->count == 0) {
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		if (waitq_wait(&e->wq, 0) == -EINTR)
			return -EINTR;
	}
	v = e->semaphore ? 1 : e->count;
	if (memcpy_user(buf, &v, sizeof(v)))
		return -EFAULT;
	e->count -= v;
	eventfd_changed(e);
	return sizeof(v);
}

/* Adds the 8-byte value; waits while the sum would pass EVENTFD_MAX. */
static ssize_t eventfd_write(struct file *f, const void *buf, size_t n, off_t *off)
{
	struct eventfd *e = f->priv;
	uint64_t v;

	(void)off;
	if (n < sizeof(v))
		return -EINVAL;
	if (memcpy_user(&v, buf, sizeof(v)))
		return -EFAULT;
	if (v == UINT64_MAX)
		return -EINVAL;
	while (EVENTFD_MAX - e->count < v) {
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		if (waitq_wait(&e->wq, 0) == -EINTR)
			return -EINTR;
	}
	e->count += v;
	if (v)
		eventfd_changed(e);
	return sizeof(v);
}

static unsigned eventfd_poll(struct file *f)
{
	struct eventfd *e = f->priv;
	unsigned ev = 0;

	if (e->count > 0)
		ev |= POLLIN | POLLRDNORM;
	if (e->count < EVENTFD_MAX)
		ev |= POLLOUT | POLLWRNORM;
	return ev;
}

static void eventfd_release(struct file *f)
{
	kfree(f->priv);
}

static const struct file_ops eventfd_fops = {
	.read = eventfd_read,
	.write = eventfd_write,
	.poll = eventfd_poll,
	.release = eventfd_release,
};

long sys_eventfd2(unsigned initval, int flags)
{
	struct eventfd *e;

	if (flags & ~(EFD_SEMAPHORE | EFD_CLOEXEC | EFD_NONBLOCK))
		return -EINVAL;
	e = kzalloc(sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->count = initval;
	e->semaphore = flags & EFD_SEMAPHORE;
	waitq_init(&e->wq);
	return anon_fd_install("anon_inode:[eventfd]", &eventfd_fops, e, flags);
}

long sys_eventfd(unsigned initval)
{
	return sys_eventfd2(initval, 0);
}
