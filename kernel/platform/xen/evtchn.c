/* SPDX-License-Identifier: MIT */
/* evtchn.c: Xen event channels (2-level ABI), delivered on one interrupt vector set with HVM_PARAM_CALLBACK_IRQ. */
#include "kernel.h"
#include "irq.h"
#include "xen.h"

#define MAX_PORTS 128

static void (*port_handler[MAX_PORTS])(uint32_t port);
static uint64_t unclaimed_events;

/*
 * The upcall: Xen raises it while vcpu_info.evtchn_upcall_pending is set.
 * Clear that flag first, then take the selector word and the pending bits,
 * so an event signalled meanwhile raises the upcall again.  One pass only:
 * a handler may signal its own port again (the timer, re-armed at a time
 * already past, fires inside the hypercall), and looping here would then
 * never return to the code that makes progress; the vector is raised again
 * after the return instead.
 */
static void xen_upcall(void *arg)
{
	struct vcpu_info *v = &xen_shared->vcpu_info[0];
	uint64_t sel;

	__atomic_store_n(&v->evtchn_upcall_pending, 0, __ATOMIC_SEQ_CST);
	sel = __atomic_exchange_n(&v->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
	while (sel) {
		unsigned w = __builtin_ctzll(sel);
		uint64_t bits;

		sel &= sel - 1;
		bits = __atomic_load_n(&xen_shared->evtchn_pending[w], __ATOMIC_ACQUIRE) &
		       ~__atomic_load_n(&xen_shared->evtchn_mask[w], __ATOMIC_ACQUIRE);
		while (bits) {
			unsigned b = __builtin_ctzll(bits);
			uint32_t port = w * 64 + b;

			bits &= bits - 1;
			__atomic_fetch_and(&xen_shared->evtchn_pending[w], ~(1ULL << b), __ATOMIC_SEQ_CST);
			if (port < MAX_PORTS && port_handler[port])
				port_handler[port](port);
			else
				unclaimed_events++;
		}
	}
}

void xen_evtchn_init(void)
{
	int vec = irq_alloc_vector();
	int err;

	if (vec < 0)
		panic("Xen: no vector for event channels (%d)", vec);
	err = irq_register(vec, xen_upcall, NULL);
	if (err)
		panic("Xen: cannot register the event channel vector %#x (%d)", vec, err);
	xen_shared->vcpu_info[0].evtchn_upcall_mask = 0;
	err = xen_hvm_set_param(HVM_PARAM_CALLBACK_IRQ, (HVM_PARAM_CALLBACK_TYPE_VECTOR << 56) | vec);
	if (err)
		panic("Xen: HVM_PARAM_CALLBACK_IRQ refused the vector callback (%d)", err);
}

int xen_evtchn_bind(uint32_t port, void (*handler)(uint32_t port))
{
	struct evtchn_port_arg unmask = { .port = port };

	if (port >= MAX_PORTS)
		return -ENOSPC;
	if (port_handler[port])
		return -EBUSY;
	port_handler[port] = handler;
	return xen_hypercall(__HYPERVISOR_event_channel_op, EVTCHNOP_unmask, (uint64_t)&unmask, 0);
}

int xen_evtchn_bind_virq(uint32_t virq)
{
	struct evtchn_bind_virq bind = { .virq = virq, .vcpu = 0 };
	long ret = xen_hypercall(__HYPERVISOR_event_channel_op, EVTCHNOP_bind_virq, (uint64_t)&bind, 0);

	return ret ? (int)ret : (int)bind.port;
}

void xen_evtchn_notify(uint32_t port)
{
	struct evtchn_port_arg send = { .port = port };

	xen_hypercall(__HYPERVISOR_event_channel_op, EVTCHNOP_send, (uint64_t)&send, 0);
}

int xen_evtchn_alloc_unbound(uint16_t remote)
{
	struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = remote };
	long ret = xen_hypercall(__HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound, (uint64_t)&a, 0);

	return ret ? (int)ret : (int)a.port;
}

void xen_evtchn_mask(uint32_t port)
{
	__atomic_fetch_or(&xen_shared->evtchn_mask[port / 64], 1ULL << (port % 64), __ATOMIC_SEQ_CST);
}

void xen_evtchn_unmask(uint32_t port)
{
	struct evtchn_port_arg unmask = { .port = port };

	/* Xen clears the mask bit and raises the upcall when the port is pending. */
	xen_hypercall(__HYPERVISOR_event_channel_op, EVTCHNOP_unmask, (uint64_t)&unmask, 0);
}

bool xen_evtchn_clear(uint32_t port)
{
	uint64_t bit = 1ULL << (port % 64);

	return __atomic_fetch_and(&xen_shared->evtchn_pending[port / 64], ~bit, __ATOMIC_SEQ_CST) & bit;
}

void xen_evtchn_poll(uint32_t port, uint64_t deadline_ns)
{
	struct sched_poll p = { .ports = &port, .nr_ports = 1, .timeout = xen_system_time_at(deadline_ns) };

	xen_hypercall(__HYPERVISOR_sched_op, SCHEDOP_poll, (uint64_t)&p, 0);
}

void xen_evtchn_unbind(uint32_t port)
{
	struct evtchn_port_arg close = { .port = port };

	xen_evtchn_mask(port);
	if (port < MAX_PORTS)
		port_handler[port] = NULL;
	xen_hypercall(__HYPERVISOR_event_channel_op, EVTCHNOP_close, (uint64_t)&close, 0);
}
