/* SPDX-License-Identifier: MIT */
/* console.c: the Xen PV console ring (HVM_PARAM_CONSOLE_PFN/EVTCHN), with port 0xe9 before it is mapped. */
#include "kernel.h"
#include "mm.h"
#include "xen.h"
#include "husk/abi.h"
#include "../../arch/x86_64/x86.h"

/* How many times a writer yields to dom0 waiting for room before it drops output. */
#define CONSOLE_WAIT_YIELDS 100000

static struct xencons_interface *ring;
static uint32_t ring_port;
/* devfs's receive handler, called from the console's event channel (xen_console_irq_init). */
static void (*console_input)(void);

static void xen_yield(void)
{
	xen_hypercall(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0);
}

void xen_console_init(void)
{
	uint64_t pfn, port;

	if (xen_hvm_get_param(HVM_PARAM_CONSOLE_PFN, &pfn) || !pfn ||
	    xen_hvm_get_param(HVM_PARAM_CONSOLE_EVTCHN, &port)) {
		printk("husk: Xen gives no PV console; output stays on port 0xe9\n");
		return;
	}
	ring_port = port;
	ring = kernel_map_mmio(pfn << PAGE_SHIFT, PAGE_SIZE);
}

void xen_console_write(const char *buf, size_t n)
{
	if (!ring) {
		for (size_t i = 0; i < n; i++)
			outb(HUSK_STATUS_PORT, buf[i]);
		return;
	}
	while (n) {
		uint32_t cons = __atomic_load_n(&ring->out_cons, __ATOMIC_ACQUIRE);
		uint32_t prod = ring->out_prod;
		int waits = 0;

		while (prod - cons >= sizeof(ring->out)) {
			xen_evtchn_notify(ring_port);
			if (++waits > CONSOLE_WAIT_YIELDS)
				return;   /* nobody reads the console: drop the rest */
			xen_yield();
			cons = __atomic_load_n(&ring->out_cons, __ATOMIC_ACQUIRE);
		}
		while (n && prod - cons < sizeof(ring->out)) {
			ring->out[prod % sizeof(ring->out)] = *buf++;
			prod++;
			n--;
		}
		__atomic_store_n(&ring->out_prod, prod, __ATOMIC_RELEASE);
		xen_evtchn_notify(ring_port);
	}
}

/*
 * The port is signalled by xenconsoled both when input arrives and when it
 * took output; the handler takes whatever is in the ring (maybe nothing).
 */
static void console_event(uint32_t port)
{
	(void)port;
	console_input();
}

int xen_console_irq_init(void (*input)(void))
{
	int err;

	if (!ring)
		return -ENODEV;
	console_input = input;
	err = xen_evtchn_bind(ring_port, console_event);
	if (err)
		return err;
	/* Input that came before the binding raised no upcall for us: take it now. */
	input();
	return 0;
}

int xen_console_getc(void)
{
	uint32_t cons, prod;
	int c;

	if (!ring)
		return -1;
	cons = ring->in_cons;
	prod = __atomic_load_n(&ring->in_prod, __ATOMIC_ACQUIRE);
	if (cons == prod)
		return -1;
	c = (unsigned char)ring->in[cons % sizeof(ring->in)];
	__atomic_store_n(&ring->in_cons, cons + 1, __ATOMIC_RELEASE);
	xen_evtchn_notify(ring_port);
	return c;
}

void xen_console_flush(void)
{
	for (int i = 0; ring && i < CONSOLE_WAIT_YIELDS; i++) {
		if (__atomic_load_n(&ring->out_cons, __ATOMIC_ACQUIRE) == ring->out_prod)
			return;
		xen_evtchn_notify(ring_port);
		xen_yield();
	}
}
