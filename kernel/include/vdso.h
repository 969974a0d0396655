/* SPDX-License-Identifier: MIT */
/* vdso.h: the page of clock parameters the kernel shares read-only with the vDSO (kernel/vdso/), and the kernel's side of it. */
#ifndef VDSO_H
#define VDSO_H

#include <stdint.h>

/*
 * Linux's pvclock_vcpu_time_info (pvclock-abi.h), which kvmclock writes;
 * the kernel knows it as struct pvclock_vcpu_time_info (pvclock.h), which
 * the vDSO cannot include.
 */
struct vdso_pvclock {
	uint32_t version;
	uint32_t pad0;
	uint64_t tsc_timestamp;
	uint64_t system_time;
	uint32_t tsc_to_system_mul;
	int8_t tsc_shift;
	uint8_t flags;
	uint8_t pad[2];
} __attribute__((packed));

/* How the vDSO reads its clocks. */
#define VDSO_MODE_SYSCALL 0   /* it cannot: every call is a system call */
#define VDSO_MODE_TSC     1   /* clock n = vdso_tsc_time(rdtsc - tsc_origin[n], scale) */
#define VDSO_MODE_PVCLOCK 2   /* ns = pvclock(pvti) - pv_base_ns + clock_offset[n] */

/* Clocks the vDSO serves (bit n for clock id n, all below VDSO_NR_CLOCKS); the others are system calls. */
#define VDSO_NR_CLOCKS 12
#define VDSO_CLOCK_MASK ((1u << 0) | (1u << 1) | (1u << 4) | (1u << 5) | (1u << 6) | (1u << 7) | (1u << 11))
/* REALTIME 0, MONOTONIC 1, MONOTONIC_RAW 4, REALTIME_COARSE 5, MONOTONIC_COARSE 6, BOOTTIME 7, TAI 11. */

/*
 * The first page of the vDSO mapping (the vDSO's code links it at its own
 * address minus one page).
 *
 * VDSO_MODE_TSC: clock n reads vdso_tsc_time(rdtsc() - tsc_origin[n]),
 * tsc_origin[n] being the TSC value (mod 2^64) at which the clock read 0:
 * the TSC at boot for the monotonic clocks, earlier by the real time at
 * boot in TSC ticks for the real-time ones.  scale is 2^64 / TSC Hz, so
 * ticks * scale is the time in seconds as a 64.64 fixed-point number: the
 * upper half is tv_sec, the lower half times 10^9 (upper half again) is
 * tv_nsec.  No division, no carry, and no overflow: the 128-bit product
 * holds any 64-bit tick count (a TSC wraps after a century or more).  The
 * kernel's own clocks use the same arithmetic (time/clock.c), so both
 * agree to the nanosecond.  fast_clocks has bit n set when clock n reads
 * this way; a clock without it (a real time too far out for 64 bits of
 * ticks, a clock the vDSO does not serve) is a system call.
 *
 * VDSO_MODE_PVCLOCK (kvmclock): clock n is pvclock(pvti) - pv_base_ns +
 * clock_offset[n]; pvti is written by the hypervisor with its own version
 * counter.
 *
 * No sequence counter is needed: mode, scale and pv_base_ns are written
 * once at boot, before any user code runs; what changes later (settimeofday
 * and clock_settime) is tsc_origin[n] or clock_offset[n], one aligned
 * 64-bit word per clock, which a reader sees whole, old or new, and
 * fast_clocks, cleared before and set after an origin changes meaning.
 */
struct vdso_data {
	struct vdso_pvclock pvti;
	uint32_t mode;
	uint32_t fast_clocks;
	uint64_t scale;
	uint64_t tsc_origin[VDSO_NR_CLOCKS];
	uint64_t pv_base_ns;
	int64_t clock_offset[VDSO_NR_CLOCKS];
};
/* Offsets the vDSO's assembly fast path uses (checked in vdso/vdso.c). */
#define VDSO_DATA_FAST_CLOCKS 36
#define VDSO_DATA_SCALE 40
#define VDSO_DATA_TSC_ORIGIN 48

/* Seconds and nanoseconds after `ticks` TSC ticks at `scale` (2^64 / TSC Hz). */
static inline __attribute__((always_inline)) void vdso_tsc_time(uint64_t ticks, uint64_t scale,
								 uint64_t *sec, uint64_t *nsec)
{
	unsigned __int128 t = (unsigned __int128)ticks * scale;

	*sec = (uint64_t)(t >> 64);
	*nsec = (uint64_t)(((unsigned __int128)(uint64_t)t * 1000000000u) >> 64);
}

#ifdef VDSO_KERNEL_SIDE
/*
 * Kernel side (kernel/time/vdso.c).  The page is mapped read-only for user
 * code in every address space (kernel half, see paging.c), so the kernel
 * writes it through the direct map: vdso_pvclock() is where the
 * hypervisor's kvmclock structure goes (its physical address is given to
 * the hypervisor).
 */
struct pvclock_vcpu_time_info;
struct pvclock_vcpu_time_info *vdso_pvclock(void);
/* TSC mode: the monotonic clocks' origin and the scale, once at boot. */
void vdso_publish_tsc(uint64_t tsc_base, uint64_t scale);
/* TSC mode: the real-time clocks' origin, or (served false) that they are system calls. */
void vdso_publish_tsc_realtime(uint64_t rt_origin, bool served);
void vdso_publish_pvclock(uint64_t base_ns, int64_t realtime_offset);
void vdso_publish_realtime(int64_t realtime_offset);
/* The user address of the vDSO's ELF header, for AT_SYSINFO_EHDR; the data page is the page below. */
uint64_t vdso_base(void);
/* The size of the vDSO's image in bytes (whole pages). */
uint64_t vdso_size(void);
#endif

#endif
