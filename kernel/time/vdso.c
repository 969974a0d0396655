/* SPDX-License-Identifier: MIT */
/* vdso.c: the kernel's side of the vDSO: publishing clock parameters in its data page, and its address for the auxv. */
#include "kernel.h"
#include "mm.h"
#include "pvclock.h"
#define VDSO_KERNEL_SIDE
#include "vdso.h"
#include <linux/time.h>

extern char vdso_page[], vdso_image[];   /* arch/x86_64/vdso_image.S */

/* The page is read-only where user code sees it; the kernel writes it through the direct map. */
static struct vdso_data *data(void)
{
	return phys_to_virt(virt_to_phys(vdso_page));
}

_Static_assert(sizeof(struct vdso_pvclock) == sizeof(struct pvclock_vcpu_time_info), "pvclock layouts differ");

struct pvclock_vcpu_time_info *vdso_pvclock(void)
{
	return (struct pvclock_vcpu_time_info *)&data()->pvti;
}

/* Brackets a change: seq moves, which makes a reader that was preempted meanwhile retry. */
static void begin(struct vdso_data *d)
{
	__atomic_store_n(&d->seq, d->seq + 1, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static void end(struct vdso_data *d)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&d->seq, d->seq + 1, __ATOMIC_RELEASE);
}

static void set_realtime(struct vdso_data *d, int64_t realtime_offset)
{
	d->clock_offset[CLOCK_REALTIME] = realtime_offset;
	d->clock_offset[CLOCK_REALTIME_COARSE] = realtime_offset;
	d->clock_offset[CLOCK_TAI] = realtime_offset;
}

void vdso_publish_tsc(uint64_t tsc_base, uint64_t mult, int64_t realtime_offset)
{
	struct vdso_data *d = data();

	begin(d);
	d->tsc_base = tsc_base;
	d->mult = mult;
	set_realtime(d, realtime_offset);
	d->mode = VDSO_MODE_TSC;
	for (int clk = 0; clk < VDSO_NR_CLOCKS; clk++)
		d->tsc_clock[clk] = (VDSO_CLOCK_MASK >> clk) & 1;
	end(d);
}

void vdso_publish_pvclock(uint64_t base_ns, int64_t realtime_offset)
{
	struct vdso_data *d = data();

	begin(d);
	d->pv_base_ns = base_ns;
	set_realtime(d, realtime_offset);
	d->mode = VDSO_MODE_PVCLOCK;
	end(d);
}

void vdso_publish_realtime(int64_t realtime_offset)
{
	struct vdso_data *d = data();

	begin(d);
	set_realtime(d, realtime_offset);
	end(d);
}

uint64_t vdso_base(void)
{
	return (uint64_t)vdso_image;
}
