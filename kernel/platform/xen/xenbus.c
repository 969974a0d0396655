/* SPDX-License-Identifier: MIT */
/* xenbus.c: a xenstore client over the store ring (HVM_PARAM_STORE_PFN/EVTCHN): read, write, directory; one request at a time, polled; watches whose events call back. */
#include "kernel.h"
#include "ktime.h"
#include "mm.h"
#include "xen.h"

/* How long one request may wait for xenstored's answer. */
#define XS_TIMEOUT_NS (10 * NSEC_PER_SEC)

#define MAX_WATCHES 8

static struct xenstore_domain_interface *xs;
static uint32_t xs_port;
static uint32_t req_id;

/*
 * Watches: the token is "hN", N the index here.  An event only marks its
 * watch fired (events coalesce: the callbacks read the state again); the
 * callbacks run from dispatch(), outside any request.
 */
static struct xs_watch {
	bool used, fired;
	char path[96];
	void (*fn)(const char *path);
} watches[MAX_WATCHES];
static bool in_request, dispatching;

static void dispatch(void);
static void xs_event(uint32_t port);

static void xen_yield(void)
{
	xen_hypercall(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0);
}

int xen_xs_init(void)
{
	uint64_t pfn, port;

	if (xen_hvm_get_param(HVM_PARAM_STORE_PFN, &pfn) || !pfn ||
	    xen_hvm_get_param(HVM_PARAM_STORE_EVTCHN, &port)) {
		printk_err("husk: Xen gives no xenstore ring\n");
		return -ENODEV;
	}
	xs_port = port;
	xs = kernel_map_mmio(pfn << PAGE_SHIFT, PAGE_SIZE);
	if (!xs)
		return -ENOMEM;
	return xen_evtchn_bind(xs_port, xs_event);
}

/* Copies n bytes into the request ring, waiting for room; 0 or -ETIMEDOUT. */
static int ring_put(const void *data, size_t n, uint64_t deadline)
{
	const char *p = data;

	while (n) {
		uint32_t cons = __atomic_load_n(&xs->req_cons, __ATOMIC_ACQUIRE);
		uint32_t prod = xs->req_prod;
		size_t room = XENSTORE_RING_SIZE - (prod - cons), chunk;

		if (!room) {
			xen_evtchn_notify(xs_port);
			if (clock_monotonic_ns() > deadline)
				return -ETIMEDOUT;
			xen_yield();
			continue;
		}
		chunk = MIN(n, room);
		chunk = MIN(chunk, XENSTORE_RING_SIZE - (prod % XENSTORE_RING_SIZE));
		memcpy(xs->req + prod % XENSTORE_RING_SIZE, p, chunk);
		__atomic_store_n(&xs->req_prod, prod + chunk, __ATOMIC_RELEASE);
		p += chunk;
		n -= chunk;
	}
	xen_evtchn_notify(xs_port);
	return 0;
}

/* Copies n bytes out of the response ring (into NULL: drops them), waiting for them; 0 or -ETIMEDOUT. */
static int ring_get(void *data, size_t n, uint64_t deadline)
{
	char *p = data;

	while (n) {
		uint32_t prod = __atomic_load_n(&xs->rsp_prod, __ATOMIC_ACQUIRE);
		uint32_t cons = xs->rsp_cons;
		size_t avail = prod - cons, chunk;

		if (!avail) {
			if (clock_monotonic_ns() > deadline)
				return -ETIMEDOUT;
			xen_yield();
			continue;
		}
		chunk = MIN(n, avail);
		chunk = MIN(chunk, XENSTORE_RING_SIZE - (cons % XENSTORE_RING_SIZE));
		if (p) {
			memcpy(p, xs->rsp + cons % XENSTORE_RING_SIZE, chunk);
			p += chunk;
		}
		__atomic_store_n(&xs->rsp_cons, cons + chunk, __ATOMIC_RELEASE);
		n -= chunk;
	}
	xen_evtchn_notify(xs_port);
	return 0;
}

/* A watch event's payload, "PATH\0hN\0": marks watch N fired. */
static void note_event(const char *payload, size_t len)
{
	size_t plen = strnlen(payload, len);
	const char *token = payload + plen + 1;
	uint64_t n;

	if (plen + 3 > len || token[0] != 'h' || kstrtou64(token + 1, &n) || n >= MAX_WATCHES ||
	    !watches[n].used)
		return;   /* a watch already dropped, or not ours */
	watches[n].fired = true;
}

/*
 * Outside a request: takes the whole messages waiting in the response ring
 * (watch events; a late answer to a request that timed out is dropped)
 * without waiting for more.
 */
static void drain(void)
{
	for (;;) {
		uint32_t prod = __atomic_load_n(&xs->rsp_prod, __ATOMIC_ACQUIRE);
		uint32_t cons = xs->rsp_cons;
		struct xsd_sockmsg hdr;
		char payload[160];
		size_t keep;

		if (prod - cons < sizeof(hdr))
			return;
		for (size_t i = 0; i < sizeof(hdr); i++)
			((char *)&hdr)[i] = xs->rsp[(cons + i) % XENSTORE_RING_SIZE];
		if (hdr.len > XENSTORE_PAYLOAD_MAX || prod - cons < sizeof(hdr) + hdr.len)
			return;   /* not all there yet (or out of step: the next request says so) */
		keep = MIN(hdr.len, sizeof(payload) - 1);
		for (size_t i = 0; i < keep; i++)
			payload[i] = xs->rsp[(cons + sizeof(hdr) + i) % XENSTORE_RING_SIZE];
		payload[keep] = 0;
		__atomic_store_n(&xs->rsp_cons, cons + sizeof(hdr) + hdr.len, __ATOMIC_RELEASE);
		xen_evtchn_notify(xs_port);
		if (hdr.type == XS_WATCH_EVENT)
			note_event(payload, keep + 1);
	}
}

/* The store's event channel: watch events that came between requests. */
static void xs_event(uint32_t port)
{
	(void)port;
	if (in_request)
		return;   /* cannot happen (interrupts are off in requests); the request takes them */
	drain();
	dispatch();
}

static void dispatch(void)
{
	bool again = true;

	if (dispatching)
		return;   /* a callback's own request: the loop below sees what it marked */
	dispatching = true;
	while (again) {
		again = false;
		for (int i = 0; i < MAX_WATCHES; i++) {
			if (!watches[i].used || !watches[i].fired || !watches[i].fn)
				continue;
			watches[i].fired = false;
			watches[i].fn(watches[i].path);
			again = true;
		}
	}
	dispatching = false;
}

static const struct { const char *name; int err; } xs_errors[] = {
	{ "ENOENT", ENOENT }, { "EACCES", EACCES }, { "EINVAL", EINVAL }, { "EEXIST", EEXIST },
	{ "EISDIR", EISDIR }, { "ENOSPC", ENOSPC }, { "EIO", EIO }, { "EAGAIN", EAGAIN },
	{ "EBUSY", EBUSY }, { "EROFS", EROFS }, { "E2BIG", E2BIG }, { "ENOMEM", ENOMEM },
};

/*
 * One request of type with the payload parts (each sent with its NUL when
 * nul[i]); the answer's payload goes to out (up to size bytes, the rest
 * dropped).  Watch events that come first mark their watches.  Returns
 * the length of the answer's payload or -errno (xenstored's error,
 * -ETIMEDOUT, ...).
 */
static int do_request(uint32_t type, const char *const *parts, const bool *nul, int nparts,
		      char *out, size_t size)
{
	uint64_t deadline = clock_monotonic_ns() + XS_TIMEOUT_NS;
	struct xsd_sockmsg msg = { .type = type, .req_id = ++req_id };
	char err[16];
	int ret;

	if (!xs)
		return -ENODEV;
	for (int i = 0; i < nparts; i++)
		msg.len += strlen(parts[i]) + nul[i];
	if (msg.len > XENSTORE_PAYLOAD_MAX)
		return -E2BIG;
	ret = ring_put(&msg, sizeof(msg), deadline);
	for (int i = 0; !ret && i < nparts; i++)
		ret = ring_put(parts[i], strlen(parts[i]) + nul[i], deadline);
	if (ret)
		return ret;
	for (;;) {
		struct xsd_sockmsg rsp;
		size_t keep;

		ret = ring_get(&rsp, sizeof(rsp), deadline);
		if (ret)
			return ret;
		if (rsp.len > XENSTORE_PAYLOAD_MAX)
			return -EIO;   /* the ring is out of step: nothing can be trusted */
		if (rsp.type == XS_WATCH_EVENT || rsp.req_id != msg.req_id) {
			char payload[160];

			keep = MIN(rsp.len, sizeof(payload) - 1);
			ret = ring_get(payload, keep, deadline) ?: ring_get(NULL, rsp.len - keep, deadline);
			if (ret)
				return ret;
			payload[keep] = 0;
			if (rsp.type == XS_WATCH_EVENT)
				note_event(payload, keep + 1);
			continue;
		}
		if (rsp.type == XS_ERROR) {
			keep = MIN(rsp.len, sizeof(err) - 1);
			ret = ring_get(err, keep, deadline) ?: ring_get(NULL, rsp.len - keep, deadline);
			if (ret)
				return ret;
			err[keep] = 0;
			for (size_t i = 0; i < ARRAY_SIZE(xs_errors); i++)
				if (!strcmp(err, xs_errors[i].name))
					return -xs_errors[i].err;
			return -EIO;
		}
		keep = out ? MIN(rsp.len, size) : 0;
		ret = ring_get(out, keep, deadline) ?: ring_get(NULL, rsp.len - keep, deadline);
		return ret ? ret : (int)rsp.len;
	}
}

static int xs_request(uint32_t type, const char *const *parts, const bool *nul, int nparts,
		      char *out, size_t size)
{
	int ret;

	in_request = true;
	ret = do_request(type, parts, nul, nparts, out, size);
	in_request = false;
	/* Events taken while waiting for the answer: their callbacks, now that no request runs. */
	dispatch();
	return ret;
}

int xen_xs_read(const char *path, char *buf, size_t size)
{
	const char *parts[] = { path };
	const bool nul[] = { true };
	int n;

	if (!size)
		return -EINVAL;
	n = xs_request(XS_READ, parts, nul, 1, buf, size - 1);
	if (n < 0)
		return n;
	n = MIN((size_t)n, size - 1);
	buf[n] = 0;
	return n;
}

int xen_xs_read_u64(const char *path, uint64_t *val)
{
	char buf[32];
	int n = xen_xs_read(path, buf, sizeof(buf));

	if (n < 0)
		return n;
	return kstrtou64(buf, val);
}

int xen_xs_write(const char *path, const char *value)
{
	const char *parts[] = { path, value };
	const bool nul[] = { true, false };
	int n = xs_request(XS_WRITE, parts, nul, 2, NULL, 0);

	return n < 0 ? n : 0;
}

int xen_xs_directory(const char *path, char *buf, size_t size)
{
	const char *parts[] = { path };
	const bool nul[] = { true };
	int n = xs_request(XS_DIRECTORY, parts, nul, 1, buf, size);

	if (n > (int)size)
		return -E2BIG;
	return n;
}

/* XS_WATCH or XS_UNWATCH of watch n. */
static int watch_op(uint32_t type, int n)
{
	char token[8];
	const char *parts[] = { watches[n].path, token };
	const bool nul[] = { true, true };

	snprintk(token, sizeof(token), "h%d", n);
	return xs_request(type, parts, nul, 2, NULL, 0);
}

int xen_xs_watch(const char *path, void (*fn)(const char *path))
{
	int n, err;

	if (strlen(path) >= sizeof(watches[0].path))
		return -ENAMETOOLONG;
	for (n = 0; n < MAX_WATCHES && watches[n].used; n++)
		;
	if (n == MAX_WATCHES)
		return -ENOSPC;
	watches[n] = (struct xs_watch){ .used = true, .fn = fn };
	memcpy(watches[n].path, path, strlen(path) + 1);
	err = watch_op(XS_WATCH, n);
	if (err < 0) {
		watches[n].used = false;
		return err;
	}
	return n;
}

void xen_xs_unwatch(int n)
{
	if (n < 0 || n >= MAX_WATCHES || !watches[n].used)
		return;
	watch_op(XS_UNWATCH, n);
	watches[n].used = false;
}

/* Sleeps until watch n fires or deadline passes (or, without a watch, yields once). */
static void wait_watch(int n, uint64_t deadline)
{
	if (n < 0) {
		xen_yield();
		return;
	}
	while (!watches[n].fired && clock_monotonic_ns() < deadline) {
		/* Clear first: an event after the drain leaves the port pending and the poll returns. */
		xen_evtchn_clear(xs_port);
		drain();
		if (watches[n].fired)
			break;
		xen_evtchn_poll(xs_port, deadline);
	}
}

int xen_xs_wait_state(const char *path, int state, unsigned timeout_ms)
{
	uint64_t deadline = clock_monotonic_ns() + (uint64_t)timeout_ms * 1000000;
	int watch = xen_xs_watch(path, NULL), ret;
	uint64_t v = 0;

	for (;;) {
		if (watch >= 0)
			watches[watch].fired = false;
		ret = xen_xs_read_u64(path, &v);
		if (!ret && v >= (uint64_t)state) {
			ret = (int)v;
			break;
		}
		if (clock_monotonic_ns() > deadline) {
			ret = ret ? ret : -ETIMEDOUT;
			break;
		}
		wait_watch(watch, deadline);
	}
	xen_xs_unwatch(watch);
	return ret;
}
