/* SPDX-License-Identifier: MIT */
/* event.c: the I/O thread: one epoll set for device descriptors, poll hooks for libslirp, and the device lock. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "vmm.h"

#define EVENT_HANDLERS_MAX 32
#define EVENT_HOOKS_MAX    4
/* libslirp has a socket per guest connection: room for thousands. */
#define POLLFDS_MAX        8192

struct handler {
	int fd;
	vmm_event_fn *fn;
	void *opaque;
};

static pthread_mutex_t dev_lock = PTHREAD_MUTEX_INITIALIZER;
static int epfd = -1;
static int wake_fd = -1;
static struct handler handlers[EVENT_HANDLERS_MAX];
static unsigned nhandlers;
static struct vmm_poll_hook hooks[EVENT_HOOKS_MAX];
static unsigned nhooks;

void vmm_dev_lock(void)
{
	pthread_mutex_lock(&dev_lock);
}

void vmm_dev_unlock(void)
{
	pthread_mutex_unlock(&dev_lock);
}

static void wake_drain(void *opaque, uint32_t events)
{
	uint64_t v;

	(void)opaque;
	(void)events;
	if (read(wake_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		vmm_die("I/O thread: eventfd: %s", strerror(errno));
}

static int ensure_epoll(void)
{
	struct epoll_event ev = { .events = EPOLLIN };

	if (epfd >= 0)
		return 0;
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0)
		return -errno;
	wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (wake_fd < 0)
		return -errno;
	handlers[0].fd = wake_fd;
	handlers[0].fn = wake_drain;
	ev.data.ptr = &handlers[0];
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, wake_fd, &ev) < 0)
		return -errno;
	nhandlers = 1;
	return 0;
}

void vmm_event_wake(void)
{
	uint64_t one = 1;

	if (wake_fd >= 0 && write(wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		vmm_die("I/O thread: eventfd: %s", strerror(errno));
}

int vmm_event_add(int fd, uint32_t events, vmm_event_fn *fn, void *opaque)
{
	struct epoll_event ev = { .events = events };
	struct handler *h;
	int ret = ensure_epoll();

	if (ret)
		return ret;
	if (nhandlers == EVENT_HANDLERS_MAX)
		return -ENOSPC;
	h = &handlers[nhandlers];
	h->fd = fd;
	h->fn = fn;
	h->opaque = opaque;
	ev.data.ptr = h;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	nhandlers++;
	return 0;
}

int vmm_event_mod(int fd, uint32_t events)
{
	for (unsigned i = 0; i < nhandlers; i++) {
		struct epoll_event ev = { .events = events, .data.ptr = &handlers[i] };

		if (handlers[i].fd != fd)
			continue;
		return epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev) < 0 ? -errno : 0;
	}
	return -ENOENT;
}

int vmm_event_add_hook(const struct vmm_poll_hook *hook)
{
	if (nhooks == EVENT_HOOKS_MAX)
		return -ENOSPC;
	hooks[nhooks++] = *hook;
	return 0;
}

static void *io_thread(void *arg)
{
	static struct pollfd fds[POLLFDS_MAX];
	unsigned first[EVENT_HOOKS_MAX + 1];

	(void)arg;
	for (;;) {
		struct epoll_event evs[16];
		unsigned n = 1, i;
		int timeout = -1, r, err;

		fds[0].fd = epfd;
		fds[0].events = POLLIN;
		vmm_dev_lock();
		for (i = 0; i < nhooks; i++) {
			first[i] = n;
			hooks[i].fill(hooks[i].opaque, fds, &n, POLLFDS_MAX, &timeout);
		}
		first[nhooks] = n;
		vmm_dev_unlock();

		r = poll(fds, n, timeout);
		err = r < 0 && errno != EINTR;
		if (r < 0 && !err)
			continue;

		vmm_dev_lock();
		if (!err && (fds[0].revents & POLLIN)) {
			int k = epoll_wait(epfd, evs, 16, 0);

			for (int j = 0; j < k; j++) {
				struct handler *h = evs[j].data.ptr;

				h->fn(h->opaque, evs[j].events);
			}
		}
		for (i = 0; i < nhooks; i++)
			hooks[i].dispatch(hooks[i].opaque, fds + first[i], first[i + 1] - first[i], err);
		vmm_dev_unlock();
		if (err)
			vmm_die("I/O thread: poll: %s", strerror(errno));
	}
	return NULL;
}

int vmm_event_start(void)
{
	sigset_t all, old;
	pthread_t t;
	int ret;

	if (nhandlers <= 1 && nhooks == 0)
		return 0;   /* no device: no thread */
	ret = ensure_epoll();
	if (ret)
		return ret;
	/* Signals go to the vCPU thread, which owns the process's exit. */
	sigfillset(&all);
	/* But SIGSYS: the seccomp filter's report of a forbidden call (seccomp.c). */
	sigdelset(&all, SIGSYS);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = -pthread_create(&t, NULL, io_thread, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret)
		return ret;
	pthread_detach(t);
	return 0;
}
