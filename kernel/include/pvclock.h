/* SPDX-License-Identifier: MIT */
/* pvclock.h: the paravirtual clock both KVM (kvmclock) and Xen (vcpu_time_info) publish, and its reader. */
#ifndef PVCLOCK_H
#define PVCLOCK_H

#include "kernel.h"

/*
 * Layout from Linux's pvclock-abi.h; Xen's struct vcpu_time_info
 * (xen/include/public/xen.h) is the same 32 bytes.  The hypervisor bumps
 * version to odd before an update and to even after it.
 */
struct pvclock_vcpu_time_info {
	uint32_t version;
	uint32_t pad0;
	uint64_t tsc_timestamp;
	uint64_t system_time;
	uint32_t tsc_to_system_mul;
	int8_t tsc_shift;
	uint8_t flags;
	uint8_t pad[2];
} __packed;

/* The hypervisor's system time in ns: system_time plus the scaled TSC since tsc_timestamp. */
uint64_t pvclock_read(const volatile struct pvclock_vcpu_time_info *ti);
/* The TSC frequency the scale factors stand for; 0 when they are not set yet. */
uint64_t pvclock_tsc_hz(const volatile struct pvclock_vcpu_time_info *ti);

/*
 * time/clock.c: use ti as the monotonic clock from clock_init() on, instead
 * of looking for kvmclock or the TSC; wall_ns is the real time (ns since the
 * epoch) at system time 0.  Called by a platform before clock_init().
 */
void clock_use_pvclock(const volatile struct pvclock_vcpu_time_info *ti, int64_t wall_ns);

#endif
