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
/*
 * The deadline the timer is set for (0: none, or it fired).  The scheduler
 * re-arms on every wakeup and switch, mostly for the deadline already set;
 * each write to the timer is an exit to the monitor, so an unchanged one is
 * skipped.
 */
static uint64_t armed_deadline;

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
	armed_deadline = 0;
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

	if (deadline_ns == armed_deadline)
		return;
	armed_deadline = deadline_ns;
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

/* Reads the timer's current count with the TSC before and after; *tsc is their midpoint, *width their distance. */
static inline __attribute__((always_inline)) uint32_t timer_sample(uint64_t *tsc, uint64_t *width)
{
	uint64_t a = rdtsc();
	uint32_t c = apic_read(APIC_TIMER_CUR);
	uint64_t b = rdtsc();

	*tsc = a + (b - a) / 2;
	*width = b - a;
	return c;
}

/*
 * The same, but a read whose bracket is wider than max_width TSC ticks (the
 * virtual CPU stalled inside it, which happens on a loaded host) is taken
 * again, up to 100 times.
 */
static uint32_t timer_sample_narrow(uint64_t *tsc, uint64_t max_width)
{
	uint64_t width;
	uint32_t c;

	for (int tries = 0; tries < 100; tries++) {
		c = timer_sample(tsc, &width);
		if (width <= max_width)
			break;
	}
	return c;
}

/*
 * Counts TSC ticks against the APIC timer to find the TSC frequency.  The
 * window must be long against the cost of one timer read: on QEMU/TCG a read
 * takes about 6 us of host time, and a fixed 5 us window made the clock run
 * 2-4x slow.  So the window is CALIB_READS times the cheapest of a few reads,
 * clamped to [CALIB_MIN_NS, CALIB_MAX_NS].  Each read is bracketed by TSC
 * reads and stamped at their midpoint; the two reads that delimit the window
 * must have brackets at most twice the narrowest seen (plus 1000 ticks:
 * under -icount the TSC moves in steps), so a host stall inside one cannot
 * skew the result (a stall between them is simply measured: the timer
 * counts down from 2^32-1, one-shot, 4.3 s).  Measured error on TCG, with a
 * window of about 1.5 ms: 0.01-0.1% on an idle host, -0.4% to +0.15% with
 * four VMs booting at once on two cores; exact under -icount, where a read
 * costs about 20 ns, the window stays at 5 us and the boot's instruction
 * count barely grows.
 */
#define CALIB_READS  250
#define CALIB_MIN_NS 5000U
#define CALIB_MAX_NS 20000000U

uint64_t apic_calibrate_tsc(void)
{
	uint64_t t0, t1, w0, w1, min_width = UINT64_MAX, unused;
	uint32_t c0, c1, cost = UINT32_MAX, window;

	apic_write(APIC_TIMER_DIV, 0xb);   /* divide by 1 */
	apic_write(APIC_LVT_TIMER, VEC_TIMER | LVT_MASKED);
	apic_write(APIC_TIMER_INIT, 0xffffffffU);
	/* A read's cost, from pairs of back-to-back reads; the cheapest of four pairs. */
	for (int i = 0; i < 4; i++) {
		c0 = timer_sample(&unused, &w0);
		c1 = timer_sample(&unused, &w1);
		cost = MIN(cost, c0 - c1);
		min_width = MIN(min_width, MIN(w0, w1));
	}
	window = cost > CALIB_MAX_NS / CALIB_READS ? CALIB_MAX_NS : MAX(cost * CALIB_READS, CALIB_MIN_NS);
	c0 = timer_sample_narrow(&t0, 2 * min_width + 1000);
	do
		c1 = timer_sample(&t1, &w1);
	while (c0 - c1 < window);
	c1 = timer_sample_narrow(&t1, 2 * min_width + 1000);
	apic_write(APIC_TIMER_INIT, 0);
	/* Split so that no product overflows: the remainder is below 2^32. */
	uint64_t dt = t1 - t0, ticks = c0 - c1;
	return dt / ticks * APIC_TIMER_HZ + dt % ticks * APIC_TIMER_HZ / ticks;
}
