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

/* How the vDSO reads CLOCK_MONOTONIC. */
#define VDSO_MODE_SYSCALL 0   /* it cannot: every call is a system call */
#define VDSO_MODE_TSC     1   /* ns = ((rdtsc - tsc_base) * mult) >> 32 */
#define VDSO_MODE_PVCLOCK 2   /* ns = pvclock(pvti) - pv_base_ns */

/* Clocks the vDSO serves (bit n for clock id n, all below VDSO_NR_CLOCKS); the others are system calls. */
#define VDSO_NR_CLOCKS 12
#define VDSO_CLOCK_MASK ((1u << 0) | (1u << 1) | (1u << 4) | (1u << 5) | (1u << 6) | (1u << 7) | (1u << 11))
/* REALTIME 0, MONOTONIC 1, MONOTONIC_RAW 4, REALTIME_COARSE 5, MONOTONIC_COARSE 6, BOOTTIME 7, TAI 11. */

/*
 * The first page of the vDSO mapping (the vDSO's code links it at its own
 * address minus one page).  Each clock the vDSO serves is CLOCK_MONOTONIC
 * plus clock_offset[id] (CLOCK_REALTIME's offset for the real-time clocks,
 * 0 for the others).  No sequence counter is needed: mode, tsc_base, mult,
 * pv_base_ns and tsc_clock are written once at boot, before any user code
 * runs, and what changes later (clock_offset, by settimeofday and
 * clock_settime) is one aligned 64-bit word per clock, which a reader sees
 * whole, old or new.  pvti is written by the hypervisor (kvmclock) when mode
 * is VDSO_MODE_PVCLOCK, with its own version counter.
 */
struct vdso_data {
	struct vdso_pvclock pvti;
	uint32_t mode;
	uint64_t tsc_base;
	uint64_t mult;
	uint64_t pv_base_ns;
	int64_t clock_offset[VDSO_NR_CLOCKS];
	/* 1 for the clocks of VDSO_CLOCK_MASK in VDSO_MODE_TSC: one test for clock_gettime's fast path. */
	uint8_t tsc_clock[VDSO_NR_CLOCKS];
};

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
void vdso_publish_tsc(uint64_t tsc_base, uint64_t mult, int64_t realtime_offset);
void vdso_publish_pvclock(uint64_t base_ns, int64_t realtime_offset);
void vdso_publish_realtime(int64_t realtime_offset);
/* The user address of the vDSO's ELF header, for AT_SYSINFO_EHDR; the data page is the page below. */
uint64_t vdso_base(void);
/* The size of the vDSO's image in bytes (whole pages). */
uint64_t vdso_size(void);
#endif

#endif
