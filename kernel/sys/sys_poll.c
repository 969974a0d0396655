/* SPDX-License-Identifier: MIT */
/* sys_poll.c: poll, ppoll, select and pselect6 over any open file, waiting on poll_waitq; helpers shared with epoll. */
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
/* SIGKILL and SIGSTOP cannot be blocked. */
#define UNBLOCKABLE ((1ULL << (9 - 1)) | (1ULL << (19 - 1)))

/* ---- helpers shared by poll, select and epoll ---- */

int poll_wait_change(uint64_t deadline, uint64_t recheck_ns)
{
	uint64_t wake = deadline;

	if (recheck_ns) {
		uint64_t soon = clock_monotonic_ns() + recheck_ns;

		if (!wake || soon < wake)
			wake = soon;
	}
	if (waitq_wait(&poll_waitq, wake) == -EINTR)
		return -EINTR;
	if (deadline && clock_monotonic_ns() >= deadline)
		return -ETIMEDOUT;
	return 0;
}

/* A deadline from a relative time in ns: 1 for zero, 0 (never) when too far to matter. */
static uint64_t ns_deadline(uint64_t sec, uint64_t nsec)
{
	if (sec == 0 && nsec == 0)
		return 1;
	if (sec >= (UINT64_MAX / NSEC_PER_SEC) / 2)
		return 0;
	return clock_monotonic_ns() + sec * NSEC_PER_SEC + nsec;
}

int poll_timespec_deadline(const void *uts, uint64_t *deadline)
{
	struct __kernel_timespec ts;

	if (copy_from_user(&ts, uts, sizeof(ts)))
		return -EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= (long long)NSEC_PER_SEC)
		return -EINVAL;
	*deadline = ns_deadline(ts.tv_sec, ts.tv_nsec);
	return 0;
}

int poll_sigmask_begin(const void *umask, size_t size, uint64_t *old)
{
	uint64_t mask;

	*old = current->sigmask;
	if (!umask)
		return 0;
	if (size != sizeof(mask))
		return -EINVAL;
	if (copy_from_user(&mask, umask, sizeof(mask)))
		return -EFAULT;
	current->sigmask = mask & ~UNBLOCKABLE;
	return 0;
}

void poll_sigmask_end(bool set, uint64_t old, long result)
{
	if (!set)
		return;
	if (result == -EINTR) {
		/* The signal that interrupted the wait is delivered under the
		 * temporary mask; its handler's return restores old (as after
		 * sigsuspend). */
		current->saved_sigmask = old;
		current->restore_sigmask = true;
		return;
	}
	current->sigmask = old;
}

/* ---- poll, ppoll ---- */

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
		fput(f);
		fds[i].revents = mask & ((uint16_t)fds[i].events | POLLERR | POLLHUP | POLLNVAL);
		if (fds[i].revents)
			ready++;
	}
	return ready;
}

/*
 * Polls until something is ready or the monotonic deadline (0 = never, 1 =
 * don't wait) passes.  The scans work on a kernel copy of the array; only
 * the revents fields are written back, as on Linux.
 */
static long do_poll(struct pollfd *ufds, unsigned nfds, uint64_t deadline)
{
	struct pollfd *fds = kmalloc(MAX(nfds, 1u) * sizeof(*fds));
	long ready;

	if (!fds)
		return -ENOMEM;
	if (copy_from_user(fds, ufds, nfds * sizeof(*fds))) {
		ready = -EFAULT;
		goto out;
	}
	for (;;) {
		uint64_t recheck;
		int r;

		ready = poll_scan(fds, nfds, &recheck);
		if (ready || deadline == 1)
			break;
		r = poll_wait_change(deadline, recheck);
		if (r == -EINTR) {
			ready = -EINTR;
			goto out;
		}
		if (r == -ETIMEDOUT) {
			ready = poll_scan(fds, nfds, &recheck);
			break;
		}
	}
	for (unsigned i = 0; i < nfds; i++) {
		if (copy_to_user(&ufds[i].revents, &fds[i].revents, sizeof(fds[i].revents))) {
			ready = -EFAULT;
			break;
		}
	}
out:
	kfree(fds);
	return ready;
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
	uint64_t deadline = 0, oldmask;
	long err = check_fds(fds, nfds), r;

	if (err)
		return err;
	if (tsp && (err = poll_timespec_deadline(tsp, &deadline)))
		return err;
	if ((err = poll_sigmask_begin(sigmask, sigsetsize, &oldmask)))
		return err;
	r = do_poll(fds, nfds, deadline);
	poll_sigmask_end(sigmask != NULL, oldmask, r);
	return r;
}

/* ---- select, pselect6 ---- */

#define FDSET_WORDS (FD_MAX / 64)
/* Which poll events make a descriptor readable, writable or exceptional (as Linux). */
#define POLLIN_SET (POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR)
#define POLLOUT_SET (POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR)
#define POLLEX_SET (POLLPRI)

/* The three sets asked for (read, write, except) and the three answered. */
struct fdsets {
	uint64_t in[3][FDSET_WORDS];
	uint64_t out[3][FDSET_WORDS];
};

/* One pass: fills sets->out, returns the number of bits set, or -EBADF. */
static int select_scan(struct fdsets *s, int nfds, uint64_t *recheck)
{
	static const unsigned want[3] = { POLLIN_SET, POLLOUT_SET, POLLEX_SET };
	struct fdtable *t = current_proc()->fdt;
	int ready = 0;

	*recheck = 0;
	memset(s->out, 0, sizeof(s->out));
	for (int fd = 0; fd < nfds; fd++) {
		uint64_t bit = 1ULL << (fd % 64);
		int w = fd / 64;
		struct file *f;
		unsigned mask;

		if (!((s->in[0][w] | s->in[1][w] | s->in[2][w]) & bit))
			continue;
		f = fd_get(t, fd);
		if (!f)
			return -EBADF;
		if (f->ops->poll) {
			mask = f->ops->poll(f);
			if (f->ops->poll_recheck_ns && (!*recheck || f->ops->poll_recheck_ns < *recheck))
				*recheck = f->ops->poll_recheck_ns;
		} else {
			mask = DEFAULT_POLLMASK;
		}
		fput(f);
		for (int k = 0; k < 3; k++) {
			if ((s->in[k][w] & bit) && (mask & want[k])) {
				s->out[k][w] |= bit;
				ready++;
			}
		}
	}
	return ready;
}

/*
 * select with a monotonic deadline (0 = never, 1 = don't wait).  The user
 * sets are read and written as nfds bits rounded up to 64-bit words, as
 * Linux does.
 */
static long do_select(int nfds, void *uin, void *uout, void *uex, uint64_t deadline)
{
	void *user[3] = { uin, uout, uex };
	size_t bytes;
	struct fdsets *s;
	long ready;

	if (nfds < 0)
		return -EINVAL;
	if (nfds > FD_MAX)
		nfds = FD_MAX;
	bytes = (size_t)(nfds + 63) / 64 * 8;
	s = kzalloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	for (int k = 0; k < 3; k++) {
		if (user[k] && copy_from_user(s->in[k], user[k], bytes)) {
			ready = -EFAULT;
			goto out;
		}
	}
	for (;;) {
		uint64_t recheck;
		int r;

		ready = select_scan(s, nfds, &recheck);
		if (ready || deadline == 1)
			break;
		r = poll_wait_change(deadline, recheck);
		if (r == -EINTR) {
			ready = -EINTR;
			break;
		}
		if (r == -ETIMEDOUT) {
			ready = select_scan(s, nfds, &recheck);
			break;
		}
	}
	if (ready < 0)
		goto out;
	for (int k = 0; k < 3; k++) {
		if (user[k] && copy_to_user(user[k], s->out[k], bytes)) {
			ready = -EFAULT;
			goto out;
		}
	}
out:
	kfree(s);
	return ready;
}

/* The time left before deadline, for writing back into the caller's timeout. */
static uint64_t time_left(uint64_t deadline)
{
	uint64_t now = clock_monotonic_ns();

	return deadline > now ? deadline - now : 0;
}

long sys_select(int nfds, void *readfds, void *writefds, void *exceptfds, void *utv)
{
	struct __kernel_old_timeval tv;
	uint64_t deadline = 0;
	long r;

	if (utv) {
		if (copy_from_user(&tv, utv, sizeof(tv)))
			return -EFAULT;
		if (tv.tv_sec < 0 || tv.tv_usec < 0)
			return -EINVAL;
		/* Linux carries whole seconds out of tv_usec rather than failing. */
		deadline = ns_deadline(tv.tv_sec + tv.tv_usec / 1000000, tv.tv_usec % 1000000 * 1000);
	}
	r = do_select(nfds, readfds, writefds, exceptfds, deadline);
	/* Linux writes back the time left (a failure to do so is ignored). */
	if (utv && deadline > 1) {
		uint64_t left = time_left(deadline);

		tv.tv_sec = left / NSEC_PER_SEC;
		tv.tv_usec = left % NSEC_PER_SEC / 1000;
		(void)copy_to_user(utv, &tv, sizeof(tv));
	}
	return r;
}

long sys_pselect6(int nfds, void *readfds, void *writefds, void *exceptfds, void *uts, const void *usig)
{
	struct {
		const void *ss;
		size_t ss_len;
	} sig = { NULL, 0 };
	uint64_t deadline = 0, oldmask;
	long r;

	if (uts && (r = poll_timespec_deadline(uts, &deadline)))
		return r;
	if (usig && copy_from_user(&sig, usig, sizeof(sig)))
		return -EFAULT;
	if ((r = poll_sigmask_begin(sig.ss, sig.ss_len, &oldmask)))
		return r;
	r = do_select(nfds, readfds, writefds, exceptfds, deadline);
	poll_sigmask_end(sig.ss != NULL, oldmask, r);
	if (uts && deadline > 1) {
		uint64_t left = time_left(deadline);
		struct __kernel_timespec ts = { left / NSEC_PER_SEC, left % NSEC_PER_SEC };

		(void)copy_to_user(uts, &ts, sizeof(ts));
	}
	return r;
}
