/* SPDX-License-Identifier: MIT */
/* sys_poll.c: poll and ppoll over any open file, waiting on poll_waitq. */
#include "kernel.h"
#include "ktime.h"
#include "mm.h"
#include "sched.h"
#include "syscall.h"
#include "vfs.h"
#include <asm-generic/poll.h>
#include <linux/time_types.h>

/* What a file without a poll operation reports (Linux's DEFAULT_POLLMASK). */
#define DEFAULT_POLLMASK (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM)

/* One pass over fds: fills revents, returns how many are ready, and the
 * shortest re-check interval any polled file asks for (0 = none). */
static int poll_scan(struct pollfd *fds, unsigned nfds, uint64_t *recheck)
{
	struct fdtable *t = current_proc()->fdt;
	int ready = 0;

	*recheck = 0;
	for (unsigned i = 0; i < nfds; i++) {
		struct file *f;
		unsigned mask;

		fds[i].revents = 0;
		if (fds[i].fd < 0)
			continue;
		f = fd_get(t, fds[i].fd);
		if (!f) {
			mask = POLLNVAL;
		} else if (f->ops->poll) {
			mask = f->ops->poll(f);
			if (f->ops->poll_recheck_ns && (!*recheck || f->ops->poll_recheck_ns < *recheck))
				*recheck = f->ops->poll_recheck_ns;
		} else {
			mask = DEFAULT_POLLMASK;
		}
		fds[i].revents = mask & ((uint16_t)fds[i].events | POLLERR | POLLHUP | POLLNVAL);
		if (fds[i].revents)
			ready++;
	}
	return ready;
}

/* Polls until something is ready or the monotonic deadline (0 = never, 1 = don't wait) passes. */
static long do_poll(struct pollfd *ufds, unsigned nfds, uint64_t deadline)
{
	for (;;) {
		uint64_t recheck, wake;
		int ready = poll_scan(ufds, nfds, &recheck), r;

		if (ready || deadline == 1)
			return ready;
		wake = deadline;
		if (recheck) {
			uint64_t soon = clock_monotonic_ns() + recheck;

			if (!wake || soon < wake)
				wake = soon;
		}
		r = waitq_wait(&poll_waitq, wake);
		if (r == -EINTR)
			return -EINTR;
		if (deadline && clock_monotonic_ns() >= deadline)
			return poll_scan(ufds, nfds, &recheck);
	}
}

static long check_fds(void *fds, unsigned nfds)
{
	if (nfds > FD_MAX)
		return -EINVAL;
	if (!user_ok(fds, (size_t)nfds * sizeof(struct pollfd), true))
		return -EFAULT;
	return 0;
}

long sys_poll(void *fds, unsigned nfds, int timeout_ms)
{
	uint64_t deadline = 0;
	long err = check_fds(fds, nfds);

	if (err)
		return err;
	if (timeout_ms == 0)
		deadline = 1;
	else if (timeout_ms > 0)
		deadline = clock_monotonic_ns() + (uint64_t)timeout_ms * 1000000ULL;
	return do_poll(fds, nfds, deadline);
}

long sys_ppoll(void *fds, unsigned nfds, const void *tsp, const void *sigmask, size_t sigsetsize)
{
	struct __kernel_timespec ts;
	uint64_t deadline = 0, newmask, oldmask = current->sigmask;
	long err = check_fds(fds, nfds), r;

	if (err)
		return err;
	if (tsp) {
		if (copy_from_user(&ts, tsp, sizeof(ts)))
			return -EFAULT;
		if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= (long long)NSEC_PER_SEC)
			return -EINVAL;
		if (ts.tv_sec == 0 && ts.tv_nsec == 0)
			deadline = 1;
		else if ((uint64_t)ts.tv_sec < (UINT64_MAX / NSEC_PER_SEC) / 2)
			deadline = clock_monotonic_ns() + (uint64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
	}
	if (sigmask) {
		if (sigsetsize != sizeof(newmask))
			return -EINVAL;
		if (copy_from_user(&newmask, sigmask, sizeof(newmask)))
			return -EFAULT;
		/* SIGKILL and SIGSTOP cannot be blocked. */
		current->sigmask = newmask & ~((1ULL << (9 - 1)) | (1ULL << (19 - 1)));
	}
	r = do_poll(fds, nfds, deadline);
	/* TODO(signals): Linux restores the mask only after delivering the
	 * signal that interrupted the wait; the signal code should do that. */
	current->sigmask = oldmask;
	return r;
}
