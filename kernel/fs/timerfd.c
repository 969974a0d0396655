/* SPDX-License-Identifier: MIT */
/* timerfd.c: timers read as files (timerfd_create/settime/gettime), counting expirations with a kernel timer. */
#include "kernel.h"
#include "ktime.h"
#include "mm.h"
#include "sched.h"
#include "syscall.h"
#include "vfs.h"
#include <asm-generic/poll.h>
#include <linux/fcntl.h>
#include <linux/time.h>
#include <linux/time_types.h>
#include <linux/timerfd.h>

struct timerfd {
	struct ktimer kt;
	int clock;
	int64_t expires;           /* monotonic ns of the next expiration (may be in the past) */
	bool armed;
	uint64_t interval;         /* ns, 0 = one-shot */
	uint64_t ticks;            /* expirations not yet read */
	struct waitq wq;
};

static const struct file_ops timerfd_fops;

static void timerfd_changed(struct timerfd *t)
{
	waitq_wake_all(&t->wq);
	poll_notify();
}

/* The kernel timer expired (interrupt context): count, re-arm a periodic timer, wake readers. */
static void timerfd_fire(struct ktimer *kt)
{
	struct timerfd *t = container_of(kt, struct timerfd, kt);
	int64_t now = (int64_t)clock_monotonic_ns();

	if (!t->armed)
		return;
	if (t->interval) {
		/* Periods missed while the timer was late count too, as on Linux. */
		uint64_t n = now > t->expires ? (uint64_t)(now - t->expires) / t->interval + 1 : 1;

		t->ticks += n;
		t->expires += (int64_t)(n * t->interval);
		ktimer_add(&t->kt, (uint64_t)t->expires);
	} else {
		t->ticks++;
		t->armed = false;
	}
	timerfd_changed(t);
}

static ssize_t timerfd_read(struct file *f, void *buf, size_t n, off_t *off)
{
	struct timerfd *t = f->priv;
	uint64_t v;

	(void)off;
	if (n < sizeof(v))
		return -EINVAL;
	while (t->ticks == 0) {
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		if (waitq_wait(&t->wq, 0) == -EINTR)
			return -EINTR;
	}
	v = t->ticks;
	if (memcpy_user(buf, &v, sizeof(v)))
		return -EFAULT;
	t->ticks = 0;
	poll_notify();
	return sizeof(v);
}

static unsigned timerfd_poll(struct file *f)
{
	struct timerfd *t = f->priv;

	return t->ticks ? POLLIN | POLLRDNORM : 0;
}

/* TFD_IOC_SET_TICKS (checkpoint/restore): sets the expiration count. */
static long timerfd_ioctl(struct file *f, unsigned long cmd, unsigned long arg)
{
	struct timerfd *t = f->priv;
	uint64_t v;

	if (cmd != TFD_IOC_SET_TICKS)
		return -ENOTTY;
	if (copy_from_user(&v, (void *)arg, sizeof(v)))
		return -EFAULT;
	if (v == 0)
		return -EINVAL;
	t->ticks = v;
	timerfd_changed(t);
	return 0;
}

static void timerfd_release(struct file *f)
{
	struct timerfd *t = f->priv;

	ktimer_cancel(&t->kt);
	kfree(t);
}

static const struct file_ops timerfd_fops = {
	.read = timerfd_read,
	.poll = timerfd_poll,
	.ioctl = timerfd_ioctl,
	.release = timerfd_release,
};

long sys_timerfd_create(int clockid, int flags)
{
	struct timerfd *t;

	if (clockid != CLOCK_REALTIME && clockid != CLOCK_MONOTONIC && clockid != CLOCK_BOOTTIME)
		return -EINVAL;
	if (flags & ~(TFD_NONBLOCK | TFD_CLOEXEC))
		return -EINVAL;
	t = kzalloc(sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->clock = clockid;
	t->kt.fn = timerfd_fire;
	waitq_init(&t->wq);
	return anon_fd_install("anon_inode:[timerfd]", &timerfd_fops, t, flags);
}

/* The timerfd open at fd, or NULL with *err set (EBADF, or EINVAL for another
 * kind of file).  No reference: settime and gettime never sleep. */
static struct timerfd *timerfd_get(int fd, long *err)
{
	struct file *f = fd_peek(current_proc()->fdt, fd);

	*err = f ? -EINVAL : -EBADF;
	return f && f->ops == &timerfd_fops ? f->priv : NULL;
}

static bool timespec_ok(const struct __kernel_timespec *ts)
{
	return ts->tv_sec >= 0 && ts->tv_nsec >= 0 && ts->tv_nsec < (long long)NSEC_PER_SEC;
}

/* Nanoseconds, capped at about 146 years so that sums cannot overflow. */
static int64_t timespec_ns(const struct __kernel_timespec *ts)
{
	const int64_t max_sec = INT64_MAX / (int64_t)NSEC_PER_SEC / 2;

	if (ts->tv_sec >= max_sec)
		return max_sec * (int64_t)NSEC_PER_SEC;
	return ts->tv_sec * (int64_t)NSEC_PER_SEC + ts->tv_nsec;
}

static struct __kernel_timespec ns_to_timespec(uint64_t ns)
{
	return (struct __kernel_timespec){ ns / NSEC_PER_SEC, ns % NSEC_PER_SEC };
}

/* The current setting: time to the next expiration (relative) and the period. */
static void timerfd_value(const struct timerfd *t, struct __kernel_itimerspec *v)
{
	int64_t now = (int64_t)clock_monotonic_ns();
	uint64_t left = 0;

	if (t->armed)
		left = t->expires > now ? (uint64_t)(t->expires - now) : 1;
	v->it_value = ns_to_timespec(left);
	v->it_interval = ns_to_timespec(t->interval);
}

long sys_timerfd_settime(int fd, int flags, const void *unew, void *uold)
{
	struct __kernel_itimerspec v, old;
	struct timerfd *t;
	int64_t value;
	long err;

	if (flags & ~(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET))
		return -EINVAL;
	if (copy_from_user(&v, unew, sizeof(v)))
		return -EFAULT;
	if (!timespec_ok(&v.it_value) || !timespec_ok(&v.it_interval))
		return -EINVAL;
	t = timerfd_get(fd, &err);
	if (!t)
		return err;
	timerfd_value(t, &old);
	ktimer_cancel(&t->kt);
	t->armed = false;
	t->ticks = 0;
	t->interval = (uint64_t)timespec_ns(&v.it_interval);
	value = timespec_ns(&v.it_value);
	if (value) {
		int64_t now = (int64_t)clock_monotonic_ns();

		/* An absolute time on the wall clock becomes a monotonic one now:
		 * later changes of the wall clock do not move the timer. */
		if (!(flags & TFD_TIMER_ABSTIME))
			t->expires = now + value;
		else if (t->clock == CLOCK_REALTIME)
			t->expires = now + (value - clock_realtime_ns());
		else
			t->expires = value;
		t->armed = true;
		/* A time already past expires now, so that a read right after sees it. */
		if (t->expires <= now)
			timerfd_fire(&t->kt);
		else
			ktimer_add(&t->kt, (uint64_t)t->expires);
	}
	if (uold && copy_to_user(uold, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

long sys_timerfd_gettime(int fd, void *ucur)
{
	struct __kernel_itimerspec v;
	struct timerfd *t;
	long err;

	t = timerfd_get(fd, &err);
	if (!t)
		return err;
	timerfd_value(t, &v);
	return copy_to_user(ucur, &v, sizeof(v));
}
