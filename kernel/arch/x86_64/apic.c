/* SPDX-License-Identifier: MIT */
/* apic.c: the local APIC: interrupt acknowledgement and the one-shot timer (the pvh platform's timer). */
#include "kernel.h"
#include "irq.h"
#include "ktime.h"
#include "sched.h"
#include "mm.h"
#include "platform.h"
#include "x86.h"

#define APIC_ID       0x020
#define APIC_EOI      0x0b0
#define APIC_SVR      0x0f0
#define APIC_LVT_TIMER 0x320
#define APIC_TIMER_INIT 0x380
#define APIC_TIMER_CUR  0x390
#define APIC_TIMER_DIV  0x3e0
#define LVT_MASKED    (1u << 16)
#define LVT_TSC_DEADLINE (2u << 17)

/*
 * The timer counts at the APIC bus frequency, which QEMU and KVM both
 * emulate at 1 GHz (one count per nanosecond with divide-by-1).
 */
#define APIC_TIMER_HZ 1000000000ULL

static bool x2apic;
static volatile uint32_t *xapic;   /* MMIO window when not in x2APIC mode */
static bool use_deadline;

static uint32_t apic_read(unsigned reg)
{
	if (x2apic)
		return rdmsr(0x800 + (reg >> 4));
	return xapic[reg / 4];
}

static void apic_write(unsigned reg, uint32_t v)
{
	if (x2apic)
		wrmsr(0x800 + (reg >> 4), v);
	else
		xapic[reg / 4] = v;
}

void apic_eoi(void)
{
	apic_write(APIC_EOI, 0);
}

uint32_t apic_id(void)
{
	return x2apic ? apic_read(APIC_ID) : apic_read(APIC_ID) >> 24;
}

void apic_init(void)
{
	uint32_t a, b, c, d;
	uint64_t base = rdmsr(MSR_APIC_BASE);

	cpuid(1, 0, &a, &b, &c, &d);
	x2apic = c & (1u << 21);
	if (x2apic) {
		wrmsr(MSR_APIC_BASE, base | (1u << 11) | (1u << 10));
	} else {
		wrmsr(MSR_APIC_BASE, base | (1u << 11));
		xapic = kernel_map_mmio(base & ~0xfffUL, PAGE_SIZE);
	}
	apic_write(APIC_SVR, 0x100 | VEC_SPURIOUS);
}

/* Chooses TSC-deadline mode when the CPU has it and the TSC frequency is known, else one-shot counts. */
static void apic_timer_irq(void *arg)
{
	sched_tick();
}

void apic_timer_init(void)
{
	if (irq_register(VEC_TIMER, apic_timer_irq, NULL) < 0)
		panic("apic: timer vector %#x already taken", VEC_TIMER);
	use_deadline = cpu_has_tsc_deadline && clock_tsc_hz() != 0;
	if (use_deadline) {
		apic_write(APIC_LVT_TIMER, VEC_TIMER | LVT_TSC_DEADLINE);
	} else {
		apic_write(APIC_TIMER_DIV, 0xb);   /* divide by 1 */
		apic_write(APIC_LVT_TIMER, VEC_TIMER);
	}
}

void apic_timer_arm(uint64_t deadline_ns)
{
	uint64_t now;

	if (use_deadline) {
		wrmsr(MSR_TSC_DEADLINE, deadline_ns ? clock_ns_to_tsc(deadline_ns) : 0);
		return;
	}
	if (!deadline_ns) {
		apic_write(APIC_TIMER_INIT, 0);
		return;
	}
	now = clock_monotonic_ns();
	uint64_t delta = deadline_ns > now ? deadline_ns - now : 1;
	uint64_t count = delta * (APIC_TIMER_HZ / NSEC_PER_SEC);
	apic_write(APIC_TIMER_INIT, count > 0xffffffffULL ? 0xffffffffU : (uint32_t)MAX(count, 1));
}

/* Counts APIC timer ticks against the TSC for about 5 us, to find the TSC frequency. */
uint64_t apic_calibrate_tsc(void)
{
	const uint32_t ticks = 5000;
	uint64_t t0, t1;

	apic_write(APIC_TIMER_DIV, 0xb);
	apic_write(APIC_LVT_TIMER, VEC_TIMER | LVT_MASKED);
	apic_write(APIC_TIMER_INIT, 0xffffffffU);
	t0 = rdtsc();
	while (0xffffffffU - apic_read(APIC_TIMER_CUR) < ticks)
		;
	t1 = rdtsc();
	apic_write(APIC_TIMER_INIT, 0);
	return (t1 - t0) * (APIC_TIMER_HZ / ticks);
}
