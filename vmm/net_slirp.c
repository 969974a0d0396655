/* SPDX-License-Identifier: MIT */
/* net_slirp.c: user-mode networking for virtio-net through Debian's libslirp (DHCP, DNS, NAT, host forwards). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <slirp/libslirp.h>

#include "virtio.h"

/* Frames kept while the guest has no receive buffer; more are dropped (TCP resends). */
#define BACKLOG_MAX 256
#define TIMERS_MAX  16

struct slirp_timer {
	int used;
	int armed;
	int64_t expire_ms;
	SlirpTimerCb cb;
	void *cb_opaque;
};

struct frame {
	size_t len;
	uint8_t data[];
};

struct net_slirp {
	Slirp *slirp;
	struct virtio_net *net;
	struct slirp_timer timers[TIMERS_MAX];
	struct frame *backlog[BACKLOG_MAX];
	unsigned head, count;
	/* Per poll round: where this back end's pollfds start. */
	struct pollfd *fds;
	unsigned nfds, max;
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t cb_clock_get_ns(void *opaque)
{
	(void)opaque;
	return now_ns();
}

static void backlog_flush(struct net_slirp *s)
{
	int sent = 0;

	while (s->count) {
		struct frame *f = s->backlog[s->head];
		int r = virtio_net_rx(s->net, f->data, f->len);

		if (r == 0)
			break;
		free(f);
		s->head = (s->head + 1) % BACKLOG_MAX;
		s->count--;
		sent |= r > 0;
	}
	if (sent)
		virtio_net_rx_done(s->net);
}

/* libslirp has a frame for the guest. */
static ssize_t cb_send_packet(const void *buf, size_t len, void *opaque)
{
	struct net_slirp *s = opaque;
	struct frame *f;
	int r = s->count ? 0 : virtio_net_rx(s->net, buf, len);

	if (r != 0) {
		if (r > 0)
			virtio_net_rx_done(s->net);
		return len;
	}
	if (s->count == BACKLOG_MAX)
		return len;
	f = malloc(sizeof(*f) + len);
	if (!f)
		return len;
	f->len = len;
	memcpy(f->data, buf, len);
	s->backlog[(s->head + s->count) % BACKLOG_MAX] = f;
	s->count++;
	return len;
}

static void cb_guest_error(const char *msg, void *opaque)
{
	(void)opaque;
	fprintf(stderr, "husk-vmm: virtio-net (user networking): guest error: %s\n", msg);
}

static void *cb_timer_new(SlirpTimerCb cb, void *cb_opaque, void *opaque)
{
	struct net_slirp *s = opaque;

	for (unsigned i = 0; i < TIMERS_MAX; i++) {
		struct slirp_timer *t = &s->timers[i];

		if (t->used)
			continue;
		memset(t, 0, sizeof(*t));
		t->used = 1;
		t->cb = cb;
		t->cb_opaque = cb_opaque;
		return t;
	}
	vmm_die("user networking: more than %d libslirp timers", TIMERS_MAX);
}

static void cb_timer_free(void *timer, void *opaque)
{
	(void)opaque;
	memset(timer, 0, sizeof(struct slirp_timer));
}

static void cb_timer_mod(void *timer, int64_t expire_ms, void *opaque)
{
	struct slirp_timer *t = timer;

	(void)opaque;
	t->armed = 1;
	t->expire_ms = expire_ms;
}

static void cb_register_poll_fd(int fd, void *opaque)
{
	(void)fd;
	(void)opaque;
}

static void cb_notify(void *opaque)
{
	/* libslirp has new sockets or timers: the I/O thread must poll again. */
	(void)opaque;
	vmm_event_wake();
}

static const SlirpCb callbacks = {
	.send_packet = cb_send_packet,
	.guest_error = cb_guest_error,
	.clock_get_ns = cb_clock_get_ns,
	.timer_new = cb_timer_new,
	.timer_free = cb_timer_free,
	.timer_mod = cb_timer_mod,
	.register_poll_fd = cb_register_poll_fd,
	.unregister_poll_fd = cb_register_poll_fd,
	.notify = cb_notify,
};

static int add_poll(int fd, int events, void *opaque)
{
	struct net_slirp *s = opaque;
	struct pollfd *p;

	if (s->nfds == s->max)
		vmm_die("user networking: more than %u open sockets", s->max);
	p = &s->fds[s->nfds];
	p->fd = fd;
	p->events = 0;
	if (events & SLIRP_POLL_IN)
		p->events |= POLLIN;
	if (events & SLIRP_POLL_OUT)
		p->events |= POLLOUT;
	if (events & SLIRP_POLL_PRI)
		p->events |= POLLPRI;
	p->revents = 0;
	return s->nfds++;
}

static int get_revents(int idx, void *opaque)
{
	struct net_slirp *s = opaque;
	int r = 0, ev;

	if (idx < 0 || (unsigned)idx >= s->nfds)
		return 0;
	ev = s->fds[idx].revents;
	if (ev & POLLIN)
		r |= SLIRP_POLL_IN;
	if (ev & POLLOUT)
		r |= SLIRP_POLL_OUT;
	if (ev & POLLPRI)
		r |= SLIRP_POLL_PRI;
	if (ev & (POLLERR | POLLNVAL))
		r |= SLIRP_POLL_ERR;
	if (ev & POLLHUP)
		r |= SLIRP_POLL_HUP;
	return r;
}

static void hook_fill(void *opaque, struct pollfd *fds, unsigned *n, unsigned max,
		      int *timeout_ms)
{
	struct net_slirp *s = opaque;
	uint32_t timeout = *timeout_ms < 0 ? UINT32_MAX : (uint32_t)*timeout_ms;
	int64_t now = now_ns() / 1000000;

	s->fds = fds + *n;
	s->nfds = 0;
	s->max = max - *n;
	slirp_pollfds_fill(s->slirp, &timeout, add_poll, s);
	for (unsigned i = 0; i < TIMERS_MAX; i++) {
		const struct slirp_timer *t = &s->timers[i];
		int64_t left;

		if (!t->used || !t->armed)
			continue;
		left = t->expire_ms - now;
		if (left < 0)
			left = 0;
		if ((uint64_t)left < timeout)
			timeout = left;
	}
	*n += s->nfds;
	*timeout_ms = timeout == UINT32_MAX ? -1 : (int)(timeout > 3600000 ? 3600000 : timeout);
}

static void hook_dispatch(void *opaque, struct pollfd *fds, unsigned n, int error)
{
	struct net_slirp *s = opaque;
	int64_t now;

	s->fds = fds;
	s->nfds = n;
	slirp_pollfds_poll(s->slirp, error, get_revents, s);
	now = now_ns() / 1000000;
	for (unsigned i = 0; i < TIMERS_MAX; i++) {
		struct slirp_timer *t = &s->timers[i];

		if (t->used && t->armed && t->expire_ms <= now) {
			t->armed = 0;
			t->cb(t->cb_opaque);
		}
	}
}

static void be_tx(void *be, const void *frame, size_t len)
{
	struct net_slirp *s = be;

	slirp_input(s->slirp, frame, len);
	/* The frame may have opened a socket the I/O thread's poll does not see yet. */
	vmm_event_wake();
}

static void be_rx_ready(void *be)
{
	backlog_flush(be);
}

/*
 * Every connection the guest makes through libslirp is a host socket:
 * allow as many as the I/O thread polls (the hard limit permitting), not
 * the usual 1024.
 */
static void raise_nofile(void)
{
	struct rlimit r;

	if (getrlimit(RLIMIT_NOFILE, &r) < 0 || r.rlim_cur >= 8000)
		return;
	r.rlim_cur = r.rlim_max < 8000 ? r.rlim_max : 8000;
	if (setrlimit(RLIMIT_NOFILE, &r) < 0)
		vmm_debug("user networking: RLIMIT_NOFILE: %s", strerror(errno));
}

int net_slirp_create(const struct vmm_net_opts *o, struct virtio_net *n, struct net_backend *out)
{
	struct vmm_poll_hook hook = { .fill = hook_fill, .dispatch = hook_dispatch };
	struct in_addr guest, any = { .s_addr = INADDR_ANY };
	const char *guest_ip = o->guest_ip ? o->guest_ip : "10.0.2.15";
	struct net_slirp *s;
	SlirpConfig cfg;
	int ret;

	if (!inet_aton(guest_ip, &guest)) {
		fprintf(stderr, "husk-vmm: user networking: guest address %s is not IPv4\n", guest_ip);
		return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->net = n;
	raise_nofile();
	/* QEMU's defaults, so guides written for -netdev user apply. */
	memset(&cfg, 0, sizeof(cfg));
	cfg.version = 1;
	cfg.in_enabled = true;
	inet_aton("10.0.2.0", &cfg.vnetwork);
	inet_aton("255.255.255.0", &cfg.vnetmask);
	inet_aton("10.0.2.2", &cfg.vhost);
	inet_aton("10.0.2.15", &cfg.vdhcp_start);
	inet_aton("10.0.2.3", &cfg.vnameserver);
	cfg.in6_enabled = true;
	inet_pton(AF_INET6, "fec0::", &cfg.vprefix_addr6);
	cfg.vprefix_len = 64;
	inet_pton(AF_INET6, "fec0::2", &cfg.vhost6);
	inet_pton(AF_INET6, "fec0::3", &cfg.vnameserver6);
	cfg.vhostname = "husk";
	s->slirp = slirp_new(&cfg, &callbacks, s);
	if (!s->slirp) {
		fprintf(stderr, "husk-vmm: user networking: libslirp would not start\n");
		ret = -ENOMEM;
		goto err_free;
	}
	for (unsigned i = 0; i < o->nfwd; i++) {
		const struct vmm_fwd *f = &o->fwd[i];

		if (slirp_add_hostfwd(s->slirp, f->udp, any, f->host_port, guest, f->guest_port) < 0) {
			fprintf(stderr, "husk-vmm: forwarding host port %u%s to the guest's %u: cannot "
				"listen on host port %u (in use, or below 1024 without privilege)\n",
				f->host_port, f->udp ? "/udp" : "", f->guest_port, f->host_port);
			ret = -EADDRINUSE;
			goto err_cleanup;
		}
		vmm_debug("user networking: host %s port %u -> guest %s:%u", f->udp ? "UDP" : "TCP",
			  f->host_port, guest_ip, f->guest_port);
	}
	hook.opaque = s;
	ret = vmm_event_add_hook(&hook);
	if (ret)
		goto err_cleanup;
	out->tx = be_tx;
	out->rx_ready = be_rx_ready;
	out->be = s;
	return 0;

err_cleanup:
	slirp_cleanup(s->slirp);
err_free:
	free(s);
	return ret;
}
