/* SPDX-License-Identifier: MIT */
/* epoll.c: epoll instances (epoll_create1, epoll_ctl, epoll_wait/pwait/pwait2) over the files' poll operations. */
#include "kernel.h"
#include "ktime.h"
#include "mm.h"
#include "sched.h"
#include "syscall.h"
#include "vfs.h"
#include <asm-generic/poll.h>
#include <linux/eventpoll.h>
#include <linux/fcntl.h>
#include <linux/time_types.h>

/*
 * There are no per-file wakeup callbacks: epoll_wait re-polls every
 * registered file (file_ops->poll) after each poll_notify(), like poll(2).
 *
 * Level-triggered items are reported while ready.  Edge-triggered items
 * are reported when a requested event appears that was not there at the
 * previous check of that item, or when it is still there but some file's
 * state changed since (poll_generation moved).  Linux reports on every
 * wakeup of the file itself; husk cannot tell which file woke, so it may
 * report an edge Linux would not (a spurious wakeup, which edge-triggered
 * programs handle with EAGAIN) but never misses one.
 *
 * As on Linux, an item belongs to the open file description, not to the
 * descriptor: it holds no reference, and a hook on the file removes it
 * when the last descriptor for that file is closed.
 */

/* Nesting depth of epoll instances inside each other (Linux's EP_MAX_NESTS). */
#define EP_MAX_NESTS 4
/* Bits of epoll_event.events that are flags, not events. */
#define EP_FLAGS (EPOLLET | EPOLLONESHOT | EPOLLWAKEUP | EPOLLEXCLUSIVE)
#define EP_MAX_EVENTS (INT32_MAX / (int)sizeof(struct epoll_event))
#define EP_BATCH 1024

struct epoll {
	struct list items;         /* struct epitem, in report order (reported ones move to the tail) */
};

struct epitem {
	struct list link;          /* in epoll->items */
	struct file_hook hook;     /* in file->release_hooks */
	struct file *file;         /* no reference: the hook removes the item first */
	int fd;                    /* with file, the key (as on Linux) */
	uint32_t events;           /* requested events and EP_FLAGS; EPOLLERR and EPOLLHUP always */
	uint64_t data;
	unsigned last;             /* EPOLLET: requested events ready at the previous check */
	uint64_t last_gen;         /* EPOLLET: poll_generation at that check */
	bool disabled;             /* EPOLLONESHOT item that reported; EPOLL_CTL_MOD re-arms it */
};

static const struct file_ops epoll_fops;

static void item_free(struct epitem *it)
{
	list_del(&it->link);
	list_del(&it->hook.link);
	kfree(it);
}

/* The item's file is going away (last close): forget it. */
static void item_file_released(struct file_hook *h, struct file *f)
{
	struct epitem *it = container_of(h, struct epitem, hook);

	(void)f;
	item_free(it);
}

/* The requested events the item's file has now; the shortest re-check interval goes to *recheck. */
static unsigned item_poll(const struct epitem *it, uint64_t *recheck)
{
	const struct file_ops *ops = it->file->ops;

	if (recheck && ops->poll_recheck_ns && (!*recheck || ops->poll_recheck_ns < *recheck))
		*recheck = ops->poll_recheck_ns;
	return ops->poll(it->file) & (it->events & ~EP_FLAGS);
}

/* Would a check report the item now?  (No side effects: for polling the epoll file itself.) */
static bool item_would_report(const struct epitem *it)
{
	unsigned mask;

	if (it->disabled)
		return false;
	mask = item_poll(it, NULL);
	if (it->events & EPOLLET)
		return (mask & ~it->last) != 0 || (mask != 0 && it->last_gen != poll_generation);
	return mask != 0;
}

/*
 * One pass over the items: writes up to max events to out (a checked user
 * array), updates edge-triggered and one-shot state, and moves reported
 * items to the tail so that a small max does not starve the later ones.
 */
static int ep_scan(struct epoll *ep, struct epoll_event *out, int max, uint64_t *recheck)
{
	struct list reported = LIST_INIT(reported), *pos, *tmp;
	int n = 0;

	*recheck = 0;
	list_for_each_safe(pos, tmp, &ep->items) {
		struct epitem *it = list_entry(pos, struct epitem, link);
		struct epoll_event ev;
		unsigned mask;

		if (n == max)
			break;
		if (it->disabled)
			continue;
		mask = item_poll(it, recheck);
		if (it->events & EPOLLET) {
			bool fresh = (mask & ~it->last) != 0 || (mask != 0 && it->last_gen != poll_generation);

			it->last = mask;
			it->last_gen = poll_generation;
			if (!fresh)
				continue;
		}
		if (!mask)
			continue;
		ev.events = mask;
		ev.data = it->data;
		memcpy(&out[n++], &ev, sizeof(ev));
		if (it->events & EPOLLONESHOT)
			it->disabled = true;
		list_del(&it->link);
		list_add_tail(&reported, &it->link);
	}
	while (!list_empty(&reported)) {
		pos = reported.next;
		list_del(pos);
		list_add_tail(&ep->items, pos);
	}
	return n;
}

static unsigned epoll_poll(struct file *f)
{
	struct epoll *ep = f->priv;
	struct list *pos;

	list_for_each(pos, &ep->items)
		if (item_would_report(list_entry(pos, struct epitem, link)))
			return POLLIN | POLLRDNORM;
	return 0;
}

static void epoll_release(struct file *f)
{
	struct epoll *ep = f->priv;

	while (!list_empty(&ep->items))
		item_free(list_entry(ep->items.next, struct epitem, link));
	kfree(ep);
}

static const struct file_ops epoll_fops = {
	.poll = epoll_poll,
	.release = epoll_release,
};

long sys_epoll_create1(int flags)
{
	struct epoll *ep;

	if (flags & ~EPOLL_CLOEXEC)
		return -EINVAL;
	ep = kzalloc(sizeof(*ep));
	if (!ep)
		return -ENOMEM;
	list_init(&ep->items);
	return anon_fd_install("anon_inode:[eventpoll]", &epoll_fops, ep, flags);
}

long sys_epoll_create(int size)
{
	if (size <= 0)
		return -EINVAL;
	return sys_epoll_create1(0);
}

static struct epitem *ep_find(struct epoll *ep, struct file *f, int fd)
{
	struct list *pos;

	list_for_each(pos, &ep->items) {
		struct epitem *it = list_entry(pos, struct epitem, link);

		if (it->file == f && it->fd == fd)
			return it;
	}
	return NULL;
}

/* Is target reachable from ep through nested epoll items, or is the nesting too deep? */
static bool ep_loops(struct epoll *ep, struct epoll *target, int depth)
{
	struct list *pos;

	if (ep == target || depth > EP_MAX_NESTS)
		return true;
	list_for_each(pos, &ep->items) {
		struct epitem *it = list_entry(pos, struct epitem, link);

		if (it->file->ops == &epoll_fops && ep_loops(it->file->priv, target, depth + 1))
			return true;
	}
	return false;
}

static int ep_add(struct epoll *ep, struct file *f, int fd, const struct epoll_event *ev)
{
	struct epitem *it;

	if (ep_find(ep, f, fd))
		return -EEXIST;
	if (f->ops == &epoll_fops && ep_loops(f->priv, ep, 1))
		return -ELOOP;
	it = kzalloc(sizeof(*it));
	if (!it)
		return -ENOMEM;
	it->file = f;
	it->fd = fd;
	it->events = ev->events | EPOLLERR | EPOLLHUP;
	it->data = ev->data;
	it->hook.fn = item_file_released;
	list_add_tail(&ep->items, &it->link);
	list_add_tail(&f->release_hooks, &it->hook.link);
	return 0;
}

static long epoll_ctl(struct file *ef, int op, struct file *f, int fd, struct epoll_event ev)
{
	struct epoll *ep;
	struct epitem *it;

	if (!f->ops || !f->ops->poll)
		return -EPERM;        /* regular files and directories, as on Linux */
	if (ef->ops != &epoll_fops || ef == f)
		return -EINVAL;
	ep = ef->priv;
	/* EPOLLEXCLUSIVE (wake one waiter) changes nothing here; Linux allows it
	 * only with ADD and only with plain events. */
	if ((ev.events & EPOLLEXCLUSIVE) &&
	    (op == EPOLL_CTL_MOD || (ev.events & ~(EPOLLEXCLUSIVE | EPOLLIN | EPOLLOUT | EPOLLERR |
						   EPOLLHUP | EPOLLWAKEUP | EPOLLET))))
		return -EINVAL;
	it = ep_find(ep, f, fd);
	switch (op) {
	case EPOLL_CTL_ADD: {
		int err = ep_add(ep, f, fd, &ev);

		if (err)
			return err;
		break;
	}
	case EPOLL_CTL_MOD:
		if (!it)
			return -ENOENT;
		if (it->events & EPOLLEXCLUSIVE)
			return -EINVAL;
		it->events = ev.events | EPOLLERR | EPOLLHUP;
		it->data = ev.data;
		it->last = 0;         /* as Linux re-polls on MOD: a ready file reports again */
		it->disabled = false;
		break;
	case EPOLL_CTL_DEL:
		if (!it)
			return -ENOENT;
		item_free(it);
		break;
	default:
		return -EINVAL;
	}
	/* Waiters in epoll_wait (and pollers of this epoll) re-check. */
	poll_notify();
	return 0;
}

long sys_epoll_ctl(int epfd, int op, int fd, const void *uevent)
{
	struct fdtable *t = current_proc()->fdt;
	struct epoll_event ev = { 0 };
	struct file *ef, *f;
	long err = -EBADF;

	if (op != EPOLL_CTL_DEL && copy_from_user(&ev, uevent, sizeof(ev)))
		return -EFAULT;
	ef = fd_get(t, epfd);
	f = fd_get(t, fd);
	if (ef && f)
		err = epoll_ctl(ef, op, f, fd, ev);
	fput(f);
	fput(ef);
	return err;
}

/* epoll_wait with a monotonic deadline (0 = never, 1 = don't wait). */
static long ep_wait(int epfd, void *uevents, int maxevents, uint64_t deadline)
{
	struct file *f = fd_get(current_proc()->fdt, epfd);
	struct epoll_event *kev = NULL;
	long n;

	if (!f)
		return -EBADF;
	n = -EINVAL;
	if (f->ops != &epoll_fops || maxevents <= 0 || maxevents > EP_MAX_EVENTS)
		goto out;
	n = -EFAULT;
	if (!user_ok(uevents, (size_t)maxevents * sizeof(struct epoll_event), true))
		goto out;
	/*
	 * Scanned into the kernel: a fault on user memory may sleep, which the
	 * item list must not see.  At most EP_BATCH events a call (fewer than
	 * maxevents is allowed; the rest come at the next call).
	 */
	maxevents = MIN(maxevents, EP_BATCH);
	n = -ENOMEM;
	kev = kmalloc((size_t)maxevents * sizeof(*kev));
	if (!kev)
		goto out;
	/* fd_get's reference keeps the instance if another thread closes epfd. */
	for (;;) {
		uint64_t recheck;
		int r;

		n = ep_scan(f->priv, kev, maxevents, &recheck);
		if (n || deadline == 1)
			break;
		r = poll_wait_change(deadline, recheck);
		if (r == -EINTR) {
			n = -EINTR;
			break;
		}
		if (r == -ETIMEDOUT) {
			n = ep_scan(f->priv, kev, maxevents, &recheck);
			break;
		}
	}
	if (n > 0 && copy_to_user(uevents, kev, (size_t)n * sizeof(*kev)))
		n = -EFAULT;
out:
	kfree(kev);
	fput(f);
	return n;
}

static uint64_t ms_deadline(int timeout_ms)
{
	if (timeout_ms < 0)
		return 0;
	if (timeout_ms == 0)
		return 1;
	return clock_monotonic_ns() + (uint64_t)timeout_ms * 1000000ULL;
}

long sys_epoll_wait(int epfd, void *events, int maxevents, int timeout_ms)
{
	return ep_wait(epfd, events, maxevents, ms_deadline(timeout_ms));
}

long sys_epoll_pwait(int epfd, void *events, int maxevents, int timeout_ms, const void *sigmask,
		     size_t sigsetsize)
{
	uint64_t old;
	long r = poll_sigmask_begin(sigmask, sigsetsize, &old);

	if (r)
		return r;
	r = ep_wait(epfd, events, maxevents, ms_deadline(timeout_ms));
	poll_sigmask_end(sigmask != NULL, old, r);
	return r;
}

long sys_epoll_pwait2(int epfd, void *events, int maxevents, const void *utimeout, const void *sigmask,
		      size_t sigsetsize)
{
	uint64_t deadline = 0, old;
	long r;

	if (utimeout) {
		r = poll_timespec_deadline(utimeout, &deadline);
		if (r)
			return r;
	}
	r = poll_sigmask_begin(sigmask, sigsetsize, &old);
	if (r)
		return r;
	r = ep_wait(epfd, events, maxevents, deadline);
	poll_sigmask_end(sigmask != NULL, old, r);
	return r;
}
