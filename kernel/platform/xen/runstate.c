/* SPDX-License-Identifier: MIT */
/* runstate.c: Xen's steal time: the vCPU's runstate area (VCPUOP_register_runstate_memory_area), runnable plus offline time, as time/steal.c's source. */
#include "kernel.h"
#include "ktime.h"
#include "xen.h"

static struct vcpu_runstate_info runstate __attribute__((aligned(64)));

/*
 * The time Xen kept vCPU 0 from running while it could run: runnable
 * (another vCPU had the CPU) and offline, as Linux's xen_steal_clock.  Xen
 * rewrites the area when it switches to this vCPU, so an unchanged entry
 * time around the copy means the copy is whole.
 */
static uint64_t xen_steal_ns(void)
{
	volatile struct vcpu_runstate_info *rs = &runstate;
	uint64_t entry, runnable, offline;

	do {
		entry = rs->state_entry_time;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		runnable = rs->time[RUNSTATE_runnable];
		offline = rs->time[RUNSTATE_offline];
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	} while ((entry & XEN_RUNSTATE_UPDATE) || entry != rs->state_entry_time);
	return runnable + offline;
}

void xen_runstate_init(void)
{
	struct vcpu_register_runstate_memory_area area = { .addr = (uint64_t)&runstate };
	long err = xen_hypercall(__HYPERVISOR_vcpu_op, VCPUOP_register_runstate_memory_area, 0, (uint64_t)&area);

	if (err) {
		/* CPU clocks then count the time Xen ran something else, as without steal time. */
		printk("husk: Xen: no runstate area (%ld): CPU time includes steal time\n", err);
		return;
	}
	steal_use_source(xen_steal_ns);
}
