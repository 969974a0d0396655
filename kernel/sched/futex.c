/* SPDX-License-Identifier: MIT */
/* futex.c: futex wait/wake/requeue over user addresses of the one address space. */
#include "kernel.h"
#include "ktime.h"
#include "mm.h"
#include "sched.h"
#include "syscall.h"
#include <linux/futex.h>
#include <linux/time_types.h>

/*
 * All waiters sit on one queue; each records the address and bitset it waits
 * for.  With one process and a handful of threads a scan is cheaper than a
 * hash table.
 */
struct futex_waiter {
	struct list link;
	uint32_t *uaddr;
	uint32_t bitset;
	struct thread *t;
};
static struct list waiters = LIST_INIT(waiters);
static struct waitq futex_q = WAITQ_INIT(futex_q);

long futex_wake(uint32_t *uaddr, int n, uint32_t bitset)
{
	struct list *it, *tmp;
	int woken = 0;

	list_for_each_safe(it, tmp, &waiters) {
		struct futex_waiter *w = list_entry(it, struct futex_waiter, link);
		if (woken >= n)
			break;
		if (w->uaddr != uaddr || !(w->bitset & bitset))
			continue;
		list_del(&w->link);
		sched_wakeup(w->t, 0);
		woken++;
	}
	return woken;
}

static long futex_wait(uint32_t *uaddr, uint32_t val, uint64_t deadline, uint32_t bitset)
{
	struct futex_waiter w;
	uint32_t cur;
	int r;

	if (copy_from_user(&cur, uaddr, sizeof(cur)) < 0)
		return -EFAULT;
	if (cur != val)
		return -EAGAIN;
	w.uaddr = uaddr;
	w.bitset = bitset;
	w.t = current;
	list_add_tail(&waiters, &w.link);
	r = waitq_wait(&futex_q, deadline);
	/* Woken by futex_wake, the waiter is already off the list. */
	if (r != 0 || w.link.next != &w.link)
		list_del(&w.link);
	return r == -ETIMEDOUT ? -ETIMEDOUT : r == -EINTR ? -EINTR : 0;
}

static long futex_requeue(uint32_t *uaddr, int nwake, int nrequeue, uint32_t *uaddr2)
{
	struct list *it, *tmp;
	long done = futex_wake(uaddr, nwake, ~0u);

	list_for_each_safe(it, tmp, &waiters) {
		struct futex_waiter *w = list_entry(it, struct futex_waiter, link);
		if (nrequeue <= 0)
			break;
		if (w->uaddr != uaddr)
			continue;
		w->uaddr = uaddr2;
		nrequeue--;
		done++;
	}
	return done;
}

long sys_futex(uint32_t *uaddr, int op, uint32_t val, const void *timeout, uint32_t *uaddr2, uint32_t val3)
{
	int cmd = op & FUTEX_CMD_MASK;
	uint64_t deadline = 0;

	if ((uint64_t)uaddr & 3)
		return -EINVAL;
	if ((cmd == FUTEX_WAIT || cmd == FUTEX_WAIT_BITSET) && timeout) {
		struct __kernel_timespec ts;
		if (copy_from_user(&ts, timeout, sizeof(ts)) < 0)
			return -EFAULT;
		if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= (long)NSEC_PER_SEC)
			return -EINVAL;
		uint64_t ns = ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
		if (cmd == FUTEX_WAIT) {
			deadline = clock_monotonic_ns() + ns;
		} else if (op & FUTEX_CLOCK_REALTIME) {
			int64_t delta = (int64_t)ns - clock_realtime_ns();
			deadline = clock_monotonic_ns() + (delta > 0 ? delta : 0);
		} else {
			deadline = ns;
		}
		if (deadline == 0)
			deadline = 1;
	}
	switch (cmd) {
	case FUTEX_WAIT:
		return futex_wait(uaddr, val, deadline, ~0u);
	case FUTEX_WAIT_BITSET:
		if (!val3)
			return -EINVAL;
		return futex_wait(uaddr, val, deadline, val3);
	case FUTEX_WAKE:
		return futex_wake(uaddr, val, ~0u);
	case FUTEX_WAKE_BITSET:
		if (!val3)
			return -EINVAL;
		return futex_wake(uaddr, val, val3);
	case FUTEX_REQUEUE:
		return futex_requeue(uaddr, val, (int)(uint64_t)timeout, uaddr2);
	case FUTEX_CMP_REQUEUE: {
		uint32_t cur;
		if (copy_from_user(&cur, uaddr, sizeof(cur)) < 0)
			return -EFAULT;
		if (cur != val3)
			return -EAGAIN;
		return futex_requeue(uaddr, val, (int)(uint64_t)timeout, uaddr2);
	}
	default:
		printk_err("husk: futex op %d not implemented\n", cmd);
		return -ENOSYS;
	}
}
