/* SPDX-License-Identifier: MIT */
/* vdso.c: the kernel's side of the vDSO: publishing clock parameters in its data page, and its address for the auxv. */
#include "kernel.h"
#include "mm.h"
#include "pvclock.h"
#define VDSO_KERNEL_SIDE
#include "vdso.h"
#include <linux/time.h>

extern char vdso_page[], vdso_image[];   /* arch/x86_64/vdso_image.S */
extern char _vdso_end[];                 /* linker.ld */

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

/* Each offset is one aligned 64-bit store, which a concurrent reader sees whole. */
static void set_realtime(struct vdso_data *d, int64_t realtime_offset)
{
	__atomic_store_n(&d->clock_offset[CLOCK_REALTIME], realtime_offset, __ATOMIC_RELAXED);
	__atomic_store_n(&d->clock_offset[CLOCK_REALTIME_COARSE], realtime_offset, __ATOMIC_RELAXED);
	__atomic_store_n(&d->clock_offset[CLOCK_TAI], realtime_offset, __ATOMIC_RELAXED);
}

#define REALTIME_CLOCKS ((1u << CLOCK_REALTIME) | (1u << CLOCK_REALTIME_COARSE) | (1u << CLOCK_TAI))

void vdso_publish_tsc(uint64_t tsc_base, uint64_t scale)
{
	struct vdso_data *d = data();

	d->scale = scale;
	for (int clk = 0; clk < VDSO_NR_CLOCKS; clk++)
		d->tsc_origin[clk] = tsc_base;
	d->mode = VDSO_MODE_TSC;
	d->fast_clocks = VDSO_CLOCK_MASK & ~REALTIME_CLOCKS;
}

/*
 * One CPU: a reader is a user thread this code interrupted, so it sees each
 * word old or new, and the real-time bits clear while their origin changes
 * meaning.
 */
void vdso_publish_tsc_realtime(uint64_t rt_origin, bool served)
{
	struct vdso_data *d = data();

	__atomic_store_n(&d->fast_clocks, VDSO_CLOCK_MASK & ~REALTIME_CLOCKS, __ATOMIC_RELEASE);
	if (!served)
		return;
	__atomic_store_n(&d->tsc_origin[CLOCK_REALTIME], rt_origin, __ATOMIC_RELEASE);
	__atomic_store_n(&d->tsc_origin[CLOCK_REALTIME_COARSE], rt_origin, __ATOMIC_RELEASE);
	__atomic_store_n(&d->tsc_origin[CLOCK_TAI], rt_origin, __ATOMIC_RELEASE);
	__atomic_store_n(&d->fast_clocks, VDSO_CLOCK_MASK, __ATOMIC_RELEASE);
}

void vdso_publish_pvclock(uint64_t base_ns, int64_t realtime_offset)
{
	struct vdso_data *d = data();

	d->pv_base_ns = base_ns;
	set_realtime(d, realtime_offset);
	d->mode = VDSO_MODE_PVCLOCK;
}

void vdso_publish_realtime(int64_t realtime_offset)
{
	struct vdso_data *d = data();

	set_realtime(d, realtime_offset);
}

uint64_t vdso_base(void)
{
	return (uint64_t)vdso_image;
}

uint64_t vdso_size(void)
{
	return (uint64_t)(_vdso_end - vdso_image);
}
