/* SPDX-License-Identifier: MIT */
/* signalfd.c: reading the calling thread's pending signals as signalfd_siginfo records (signalfd4, signalfd). */
#include "kernel.h"
#include "mm.h"
#include "sched.h"
#include "signal.h"
#include "syscall.h"
#include "vfs.h"
#include <asm-generic/poll.h>
#include <linux/fcntl.h>
#include <linux/signalfd.h>

struct signalfd {
	uint64_t mask;             /* signals this file reads (never SIGKILL or SIGSTOP) */
};

static const struct file_ops signalfd_fops;

static void fill_record(struct signalfd_siginfo *r, int sig, const struct ksiginfo *info)
{
	enum siginfo_layout layout = signal_info_layout(sig, info);

	memset(r, 0, sizeof(*r));
	r->ssi_signo = sig;
	r->ssi_code = info->code;
	if (layout == SIL_FAULT) {
		r->ssi_addr = info->addr;
		return;
	}
	if (layout == SIL_TIMER) {
		r->ssi_tid = info->timerid;
		r->ssi_overrun = info->overrun;
	} else {
		r->ssi_pid = info->pid;
		r->ssi_uid = info->uid;
	}
	r->ssi_int = (int32_t)info->value;
	r->ssi_ptr = info->value;
}

/*
 * Dequeues as many pending signals of the mask as whole records fit in n
 * bytes; waits for the first one unless O_NONBLOCK.  Signals pending for
 * the process but queued on another thread are not seen (husk queues
 * every signal on one thread).
 */
static ssize_t signalfd_read(struct file *f, void *buf, size_t n, off_t *off)
{
	struct signalfd *s = f->priv;
	struct signalfd_siginfo r;
	struct ksiginfo info;
	size_t done = 0;

	(void)off;
	if (n < sizeof(r))
		return -EINVAL;
	while (done + sizeof(r) <= n) {
		int sig = signal_dequeue(s->mask, &info);

		if (!sig) {
			if (done)
				break;
			if (f->flags & O_NONBLOCK)
				return -EAGAIN;
			/* set_pending() calls poll_notify(). */
			if (waitq_wait(&poll_waitq, 0) == -EINTR)
				return -EINTR;
			continue;
		}
		fill_record(&r, sig, &info);
		/* As on Linux, a signal that cannot be copied out is dequeued all the same. */
		if (memcpy_user((char *)buf + done, &r, sizeof(r)))
			return done ? (ssize_t)done : -EFAULT;
		done += sizeof(r);
	}
	return done;
}

static unsigned signalfd_poll(struct file *f)
{
	struct signalfd *s = f->priv;

	return signal_pending_set() & s->mask ? POLLIN | POLLRDNORM : 0;
}

static void signalfd_release(struct file *f)
{
	kfree(f->priv);
}

static const struct file_ops signalfd_fops = {
	.read = signalfd_read,
	.poll = signalfd_poll,
	.release = signalfd_release,
};

long sys_signalfd4(int fd, const void *umask, size_t sizemask, int flags)
{
	struct signalfd *s;
	uint64_t mask;

	if (flags & ~(SFD_NONBLOCK | SFD_CLOEXEC))
		return -EINVAL;
	if (sizemask != sizeof(mask))
		return -EINVAL;
	if (copy_from_user(&mask, umask, sizeof(mask)))
		return -EFAULT;
	mask &= ~(SIGBIT(SIGKILL) | SIGBIT(SIGSTOP));
	if (fd != -1) {
		struct file *f = fd_get(current_proc()->fdt, fd);

		if (!f)
			return -EBADF;
		if (f->ops != &signalfd_fops) {
			fput(f);
			return -EINVAL;
		}
		s = f->priv;
		s->mask = mask;
		poll_notify();
		fput(f);
		return fd;
	}
	s = kzalloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->mask = mask;
	return anon_fd_install("anon_inode:[signalfd]", &signalfd_fops, s, flags);
}

long sys_signalfd(int fd, const void *umask, size_t sizemask)
{
	return sys_signalfd4(fd, umask, sizemask, 0);
}
