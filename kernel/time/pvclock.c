/* SPDX-License-Identifier: MIT */
/* pvclock.c: reads a paravirtual clock (kvmclock or Xen's vcpu_time_info) consistently. */
#include "pvclock.h"
#include "../arch/x86_64/x86.h"

static uint64_t mul_shift32(uint64_t a, uint64_t b)
{
	return (uint64_t)(((unsigned __int128)a * b) >> 32);
}

uint64_t pvclock_read(const volatile struct pvclock_vcpu_time_info *ti)
{
	uint32_t version;
	uint64_t ns;

	do {
		version = ti->version;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		uint64_t delta = rdtsc() - ti->tsc_timestamp;
		int shift = ti->tsc_shift;
		if (shift >= 0)
			delta <<= shift;
		else
			delta >>= -shift;
		ns = ti->system_time + mul_shift32(delta, ti->tsc_to_system_mul);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	} while ((version & 1) || version != ti->version);
	return ns;
}

uint64_t pvclock_tsc_hz(const volatile struct pvclock_vcpu_time_info *ti)
{
	uint64_t hz;

	if (ti->tsc_to_system_mul == 0)
		return 0;
	/* tsc_hz = 2^32 * 1e9 / mul, undone by the shift. */
	hz = (1000000000ULL << 32) / ti->tsc_to_system_mul;
	if (ti->tsc_shift > 0)
		hz >>= ti->tsc_shift;
	else
		hz <<= -ti->tsc_shift;
	return hz;
}
