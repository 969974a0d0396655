/* SPDX-License-Identifier: MIT */
/* futex.c: futex wait/wake/requeue, keyed by address space and address, or by file page for shared memory. */
#include "kernel.h"
#include "ktime.h"
#include "mm.h"
#include "sched.h"
#include "syscall.h"
#include <linux/futex.h>
#include <linux/time_types.h>

/*
 * A futex is named by a key: the address space and the address for private
 * memory, the file (shared anonymous memory is an unnamed file too) and the
 * offset for a shared mapping, so that processes sharing a page meet on it
 * and processes that merely use the same address do not.
 */
struct futex_key {
	const void *obj;
	uint64_t off;
};

/*
 * All waiters sit on one queue; each records the key and bitset it waits
 * for.  With a handful of waiting threads a scan is cheaper than a hash
 * table.
 */
struct futex_waiter {
	struct list link;
	struct futex_key key;
	uint32_t bitset;
	struct thread *t;
};
static struct list waiters = LIST_INIT(waiters);
static struct waitq futex_q = WAITQ_INIT(futex_q);

static struct futex_key key_of(uint32_t *uaddr, bool private)
{
	struct vm *vm = current_proc()->vm;
	struct vma *v = private ? NULL : vm_find(vm, (uint64_t)uaddr);

	if (v && (v->flags & VM_SHARED) && v->file)
		return (struct futex_key){ v->file, v->file_off + ((uint64_t)uaddr - v->start) };
	return (struct futex_key){ vm, (uint64_t)uaddr };
}

static bool same_key(const struct futex_key *a, const struct futex_key *b)
{
	return a->obj == b->obj && a->off == b->off;
}

static long wake_key(const struct futex_key *key, int n, uint32_t bitset)
{
	struct list *it, *tmp;
	int woken = 0;

	list_for_each_safe(it, tmp, &waiters) {
		struct futex_waiter *w = list_entry(it, struct futex_waiter, link);
		if (woken >= n)
			break;
		if (!same_key(&w->key, key) || !(w->bitset & bitset))
			continue;
		list_del(&w->link);
		sched_wakeup(w->t, 0);
		woken++;
	}
	return woken;
}

long futex_wake(uint32_t *uaddr, int n, uint32_t bitset)
{
	struct futex_key key = key_of(uaddr, false);

	return wake_key(&key, n, bitset);
}

static long futex_wait(uint32_t *uaddr, bool private, uint32_t val, uint64_t deadline, uint32_t bitset)
{
	struct futex_waiter w;
	uint32_t cur;
	int r;

	if (copy_from_user(&cur, uaddr, sizeof(cur)) < 0)
		return -EFAULT;
	if (cur != val)
		return -EAGAIN;
	w.key = key_of(uaddr, private);
	w.bitset = bitset;
	w.t = current;
	list_add_tail(&waiters, &w.link);
	r = waitq_wait(&futex_q, deadline);
	/* Woken by futex_wake, the waiter is already off the list. */
	if (r != 0 || w.link.next != &w.link)
		list_del(&w.link);
	return r == -ETIMEDOUT ? -ETIMEDOUT : r == -EINTR ? -EINTR : 0;
}

static long futex_requeue(uint32_t *uaddr, bool private, int nwake, int nrequeue, uint32_t *uaddr2)
{
	struct list *it, *tmp;
	struct futex_key key = key_of(uaddr, private), key2 = key_of(uaddr2, private);
	long done = wake_key(&key, nwake, ~0u);

	list_for_each_safe(it, tmp, &waiters) {
		struct futex_waiter *w = list_entry(it, struct futex_waiter, link);
		if (nrequeue <= 0)
			break;
		if (!same_key(&w->key, &key))
			continue;
		w->key = key2;
		nrequeue--;
		done++;
	}
	return done;
}

long sys_futex(uint32_t *uaddr, int op, uint32_t val, const void *timeout, uint32_t *uaddr2, uint32_t val3)
{
	int cmd = op & FUTEX_CMD_MASK;
	bool private = op & FUTEX_PRIVATE_FLAG;
	uint64_t deadline = 0;
	struct futex_key key;

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
		return futex_wait(uaddr, private, val, deadline, ~0u);
	case FUTEX_WAIT_BITSET:
		if (!val3)
			return -EINVAL;
		return futex_wait(uaddr, private, val, deadline, val3);
	case FUTEX_WAKE:
		key = key_of(uaddr, private);
		return wake_key(&key, val, ~0u);
	case FUTEX_WAKE_BITSET:
		if (!val3)
			return -EINVAL;
		key = key_of(uaddr, private);
		return wake_key(&key, val, val3);
	case FUTEX_REQUEUE:
		return futex_requeue(uaddr, private, val, (int)(uint64_t)timeout, uaddr2);
	case FUTEX_CMP_REQUEUE: {
		uint32_t cur;
		if (copy_from_user(&cur, uaddr, sizeof(cur)) < 0)
			return -EFAULT;
		if (cur != val3)
			return -EAGAIN;
		return futex_requeue(uaddr, private, val, (int)(uint64_t)timeout, uaddr2);
	}
	default:
		printk_err("husk: futex op %d not implemented\n", cmd);
		return -ENOSYS;
	}
}
