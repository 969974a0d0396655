/* SPDX-License-Identifier: MIT */
/* xenbus.c: a xenstore client over the store ring (HVM_PARAM_STORE_PFN/EVTCHN): read, write, directory, watch; one request at a time, polled. */
#include "kernel.h"
#include "ktime.h"
#include "mm.h"
#include "xen.h"

/* How long one request may wait for xenstored's answer. */
#define XS_TIMEOUT_NS (10 * NSEC_PER_SEC)

static struct xenstore_domain_interface *xs;
static uint32_t xs_port;
static uint32_t req_id;

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
	return xs ? 0 : -ENOMEM;
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

static const struct { const char *name; int err; } xs_errors[] = {
	{ "ENOENT", ENOENT }, { "EACCES", EACCES }, { "EINVAL", EINVAL }, { "EEXIST", EEXIST },
	{ "EISDIR", EISDIR }, { "ENOSPC", ENOSPC }, { "EIO", EIO }, { "EAGAIN", EAGAIN },
	{ "EBUSY", EBUSY }, { "EROFS", EROFS }, { "E2BIG", E2BIG }, { "ENOMEM", ENOMEM },
};

/*
 * One request of type with the payload parts (each sent with its NUL when
 * nul[i]); the answer's payload goes to out (up to size bytes, the rest
 * dropped).  Watch events that come first are dropped.  Returns the length
 * of the answer's payload or -errno (xenstored's error, -ETIMEDOUT, ...).
 */
static int xs_request(uint32_t type, const char *const *parts, const bool *nul, int nparts,
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
			ret = ring_get(NULL, rsp.len, deadline);
			if (ret)
				return ret;
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

int xen_xs_watch(const char *path, const char *token)
{
	const char *parts[] = { path, token };
	const bool nul[] = { true, true };
	int n = xs_request(XS_WATCH, parts, nul, 2, NULL, 0);

	return n < 0 ? n : 0;
}

int xen_xs_wait_state(const char *path, int state, unsigned timeout_ms)
{
	uint64_t deadline = clock_monotonic_ns() + (uint64_t)timeout_ms * 1000000;
	uint64_t v = 0;
	int err;

	for (;;) {
		err = xen_xs_read_u64(path, &v);
		if (!err && v >= (uint64_t)state)
			return (int)v;
		if (clock_monotonic_ns() > deadline)
			return err ? err : -ETIMEDOUT;
		xen_yield();
	}
}
