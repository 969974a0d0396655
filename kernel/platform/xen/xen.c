/* SPDX-License-Identifier: MIT */
/* xen.c: the Xen PVH platform: detection by CPUID, hypercall page, shared_info, the pvclock and exit by SCHEDOP_shutdown. */
#include "kernel.h"
#include "ktime.h"
#include "mm.h"
#include "platform.h"
#include "pvclock.h"
#include "husk/abi.h"
#include "xen.h"
#include "../../arch/x86_64/x86.h"

struct shared_info *xen_shared;
/* Xen maps shared_info over this page of the kernel image (XENMAPSPACE_shared_info). */
static uint8_t shared_info_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static uint32_t cpuid_base;

/* Xen's leaves sit at 0x40000000 or, next to Viridian's, a multiple of 0x100 above. */
static bool xen_detect(void)
{
	for (uint32_t base = 0x40000000; base < 0x40010000; base += 0x100) {
		uint32_t a, b, c, d;

		cpuid(base, 0, &a, &b, &c, &d);
		if (b == 0x566e6558 && c == 0x65584d4d && d == 0x4d4d566e && a >= base + 2) {  /* "XenVMMXenVMM" */
			cpuid_base = base;
			return true;
		}
	}
	return false;
}

int xen_hvm_get_param(uint32_t index, uint64_t *value)
{
	struct xen_hvm_param p = { .domid = DOMID_SELF, .index = index };
	long ret = xen_hypercall(__HYPERVISOR_hvm_op, HVMOP_get_param, (uint64_t)&p, 0);

	*value = p.value;
	return ret;
}

int xen_hvm_set_param(uint32_t index, uint64_t value)
{
	struct xen_hvm_param p = { .domid = DOMID_SELF, .index = index, .value = value };

	return xen_hypercall(__HYPERVISOR_hvm_op, HVMOP_set_param, (uint64_t)&p, 0);
}

/* Real time (ns since the epoch) at Xen system time 0, read consistently. */
static int64_t wall_clock_ns(void)
{
	uint32_t v, sec, sec_hi, nsec;

	do {
		v = __atomic_load_n(&xen_shared->wc_version, __ATOMIC_ACQUIRE);
		sec = xen_shared->wc_sec;
		sec_hi = xen_shared->wc_sec_hi;
		nsec = xen_shared->wc_nsec;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	} while ((v & 1) || v != __atomic_load_n(&xen_shared->wc_version, __ATOMIC_ACQUIRE));
	return (int64_t)(((uint64_t)sec_hi << 32) | sec) * NSEC_PER_SEC + nsec;
}

static void xen_init(uint64_t start_info_paddr)
{
	uint32_t a, b, c, d;
	long ret;

	/* Output goes to port 0xe9 until the console ring is mapped (xen_irq_init). */
	hvm_start_parse(start_info_paddr, "Xen");
	cpuid(cpuid_base + 2, 0, &a, &b, &c, &d);
	wrmsr(b, virt_to_phys(xen_hypercall_page));

	struct xen_add_to_physmap xatp = {
		.domid = DOMID_SELF,
		.space = XENMAPSPACE_shared_info,
		.idx = 0,
		.gpfn = virt_to_phys(shared_info_page) >> PAGE_SHIFT,
	};
	ret = xen_hypercall(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, (uint64_t)&xatp, 0);
	if (ret)
		panic("Xen: cannot map shared_info (%ld)", ret);
	xen_shared = (struct shared_info *)shared_info_page;
	clock_use_pvclock(&xen_shared->vcpu_info[0].time, wall_clock_ns());
	xen_runstate_init();
}

/* After page_init: event channels, then the console ring (its page is mapped like MMIO). */
static void xen_irq_init(void)
{
	xen_evtchn_init();
	xen_console_init();
}

/* The split drivers' common parts, then the devices xenstore lists. */
static void xen_devices_probe(void)
{
	if (xen_gnttab_init() || xen_xs_init())
		return;
	xen_control_init();
	xen_blkfront_probe();
	xen_netfront_probe();
}

static void xen_irq_eoi(int vector)
{
	/* The upcall vector bypasses the local APIC: nothing to acknowledge. */
	(void)vector;
}

static __noreturn void xen_exit(int status)
{
	char buf[16];
	int n = snprintk(buf, sizeof(buf), "%d\n", status);
	struct sched_shutdown sd = { .reason = status == 0 ? SHUTDOWN_poweroff : SHUTDOWN_crash };

	xen_console_flush();
	/* The decimal status on port 0xe9 as on the pvh platform: Xen logs it as "(dN) STATUS". */
	for (int i = 0; i < n; i++)
		outb(HUSK_STATUS_PORT, buf[i]);
	for (;;) {
		xen_hypercall(__HYPERVISOR_sched_op, SCHEDOP_shutdown, (uint64_t)&sd, 0);
		/* Not reached; a "cli; hlt" here would read as a poweroff, so crash instead. */
		sd.reason = SHUTDOWN_crash;
	}
}

const struct platform xen_platform = {
	.name = "xen",
	.detect = xen_detect,
	.init = xen_init,
	.console_write = xen_console_write,
	.console_getc = xen_console_getc,
	.console_irq_init = xen_console_irq_init,
	.exit = xen_exit,
	.timer_init = xen_timer_init,
	.timer_arm = xen_timer_arm,
	.irq_init = xen_irq_init,
	.irq_eoi = xen_irq_eoi,
	.devices_probe = xen_devices_probe,
};
