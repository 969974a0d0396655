/* SPDX-License-Identifier: MIT */
/* timer.c: the Xen platform's timer: VCPUOP_set_singleshot_timer, signalled on the VIRQ_TIMER event channel. */
#include "kernel.h"
#include "ktime.h"
#include "sched.h"
#include "xen.h"

static void timer_event(uint32_t port)
{
	sched_tick();
}

void xen_timer_init(void)
{
	int port = xen_evtchn_bind_virq(VIRQ_TIMER);
	int err;

	if (port < 0)
		panic("Xen: cannot bind VIRQ_TIMER (%d)", port);
	err = xen_evtchn_bind(port, timer_event);
	if (err)
		panic("Xen: cannot take the timer's event channel %d (%d)", port, err);
	/* Only the one-shot timer: no periodic ticks. */
	xen_hypercall(__HYPERVISOR_vcpu_op, VCPUOP_stop_periodic_timer, 0, 0);
}

uint64_t xen_system_time_at(uint64_t deadline_ns)
{
	/* Monotonic time counts from clock_init; Xen's timeouts want its system time. */
	uint64_t sys = pvclock_read(&xen_shared->vcpu_info[0].time);
	uint64_t now = clock_monotonic_ns();

	return sys + (deadline_ns > now ? deadline_ns - now : 1);
}

void xen_timer_arm(uint64_t deadline_ns)
{
	struct vcpu_set_singleshot_timer t = { 0 };

	if (!deadline_ns) {
		xen_hypercall(__HYPERVISOR_vcpu_op, VCPUOP_stop_singleshot_timer, 0, 0);
		return;
	}
	t.timeout_abs_ns = xen_system_time_at(deadline_ns);
	/* Without VCPU_SSHOTTMR_future a deadline already past fires at once. */
	xen_hypercall(__HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 0, (uint64_t)&t);
}
