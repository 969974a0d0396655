/* SPDX-License-Identifier: MIT */
/* clock.c: monotonic and real-time clocks from a pvclock (kvmclock, Xen) or a calibrated TSC, and the kernel's random bytes. */
#include "kernel.h"
#include "ktime.h"
#include "mm.h"
#include "pvclock.h"
#define VDSO_KERNEL_SIDE
#include "vdso.h"
#include "../arch/x86_64/x86.h"

#define MSR_KVM_WALL_CLOCK_NEW  0x4b564d00
#define MSR_KVM_SYSTEM_TIME_NEW 0x4b564d01
#define KVM_CPUID_SIGNATURE 0x40000000
#define KVM_CPUID_FEATURES  0x40000001
#define KVM_FEATURE_CLOCKSOURCE2 (1u << 3)

/* Layout from Linux's pvclock-abi.h. */
struct pvclock_wall_clock {
	uint32_t version;
	uint32_t sec;
	uint32_t nsec;
} __packed;

static struct pvclock_vcpu_time_info *kvmclock;   /* in the vDSO's page, which user code reads too */
static struct pvclock_wall_clock kvm_wall;
static const volatile struct pvclock_vcpu_time_info *pvclock;  /* kvmclock or a platform's, or NULL */
static int64_t pvclock_wall_ns;    /* real time at pvclock system time 0 */
static uint64_t tsc_hz;
static uint64_t tsc_base;          /* TSC at clock_init */
static uint64_t scale;             /* 2^64 / tsc_hz: vdso_tsc_time (vdso.h) */
static uint64_t mult_tsc;          /* tsc delta = (ns * mult_tsc) >> 32 */
static int64_t realtime_offset;    /* realtime = monotonic + offset, unless rt_by_origin */
static bool rt_by_origin;          /* TSC: realtime = tsc_ns(rdtsc() - rt_origin), as the vDSO reads it */
static uint64_t rt_origin;
static uint64_t pv_base_ns;        /* pvclock system time at clock_init */

static uint64_t mul_shift32(uint64_t a, uint64_t b)
{
	return (uint64_t)(((unsigned __int128)a * b) >> 32);
}

void clock_use_pvclock(const volatile struct pvclock_vcpu_time_info *ti, int64_t wall_ns)
{
	pvclock = ti;
	pvclock_wall_ns = wall_ns;
}

/* Registers kvmclock when KVM offers it; returns whether it did. */
static bool kvmclock_register(void)
{
	uint32_t a, b, c, d;

	cpuid(KVM_CPUID_SIGNATURE, 0, &a, &b, &c, &d);
	if (b != 0x4b4d564b || a < KVM_CPUID_FEATURES)  /* "KVMK" */
		return false;
	cpuid(KVM_CPUID_FEATURES, 0, &a, &b, &c, &d);
	if (!(a & KVM_FEATURE_CLOCKSOURCE2))
		return false;
	kvmclock = vdso_pvclock();
	wrmsr(MSR_KVM_SYSTEM_TIME_NEW, virt_to_phys(kvmclock) | 1);
	if (kvmclock->tsc_to_system_mul == 0)
		return false;
	wrmsr(MSR_KVM_WALL_CLOCK_NEW, virt_to_phys(&kvm_wall));
	/* The wall clock is the real time at kvmclock system_time 0. */
	clock_use_pvclock(kvmclock, (int64_t)kvm_wall.sec * NSEC_PER_SEC + kvm_wall.nsec);
	return true;
}

/*
 * TSC frequency from CPUID leaf 0x15 (crystal ratio), with the base
 * frequency of leaf 0x16 when 0x15 gives the ratio but not the crystal's
 * frequency (as Linux does: the TSC then runs at the base frequency), or
 * from the hypervisor timing leaf 0x40000010.
 */
static uint64_t tsc_hz_from_cpuid(void)
{
	uint32_t a, b, c, d, max;

	cpuid(0, 0, &max, &b, &c, &d);
	if (max >= 0x15) {
		cpuid(0x15, 0, &a, &b, &c, &d);
		if (a && b && c)
			return (uint64_t)c * b / a;
		if (a && b && max >= 0x16) {
			cpuid(0x16, 0, &a, &b, &c, &d);
			if (a & 0xffff)
				return (uint64_t)(a & 0xffff) * 1000000;
		}
	}
	cpuid(0x40000000, 0, &a, &b, &c, &d);
	if (a >= 0x40000010) {
		cpuid(0x40000010, 0, &a, &b, &c, &d);
		if (a)
			return (uint64_t)a * 1000;
	}
	return 0;
}

static uint8_t cmos_read(uint8_t reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

static int bcd(int v) { return (v & 15) + (v >> 4) * 10; }

/* The RTC's time registers, read once the update-in-progress flag is clear (bounded, should it stick). */
static void cmos_snapshot(uint8_t r[6])
{
	static const uint8_t regs[6] = { 0x00, 0x02, 0x04, 0x07, 0x08, 0x09 };   /* sec min hour day mon year */

	for (int i = 0; i < 100000 && (cmos_read(0x0a) & 0x80); i++)
		;
	for (int i = 0; i < 6; i++)
		r[i] = cmos_read(regs[i]);
}

/*
 * Seconds since the epoch from the CMOS clock (which QEMU keeps in UTC), or
 * 0 when there is none.  The registers are read until two snapshots agree,
 * so an update (or a host stall) between two reads cannot mix two seconds.
 */
static int64_t cmos_time(void)
{
	int sec, min, hour, day, mon, year;
	uint8_t r[6], again[6], b;
	static const int mdays[] = { 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334 };

	if (cmos_read(0x0a) == 0xff)
		return 0;
	cmos_snapshot(r);
	for (int i = 0; i < 5; i++) {
		cmos_snapshot(again);
		if (!memcmp(r, again, sizeof(r)))
			break;
		memcpy(r, again, sizeof(r));
	}
	b = cmos_read(0x0b);
	bool pm = !(b & 2) && (r[2] & 0x80);   /* 12-hour mode: bit 7 of the hour is PM */
	sec = r[0], min = r[1], hour = r[2] & 0x7f, day = r[3], mon = r[4], year = r[5];
	if (!(b & 4)) {
		sec = bcd(sec), min = bcd(min), hour = bcd(hour);
		day = bcd(day), mon = bcd(mon), year = bcd(year);
	}
	if (!(b & 2))
		hour = hour % 12 + (pm ? 12 : 0);
	if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 59)
		return 0;
	year += 2000;
	int64_t days = (year - 1970) * 365 + (year - 1969) / 4 + mdays[mon - 1] + day - 1;
	if (mon > 2 && year % 4 == 0)
		days++;
	return days * 86400 + hour * 3600 + min * 60 + sec;
}

extern uint64_t boot_tsc[];   /* boot.S: TSC at the kernel's first instruction (a physical address) */

void clock_init(void)
{
	/* Monotonic time starts at the kernel's entry, so it includes the boot. */
	tsc_base = *(uint64_t *)phys_to_virt((uint64_t)boot_tsc);
	if (!tsc_base)
		tsc_base = rdtsc();
	steal_init();
	if (pvclock || kvmclock_register()) {
		tsc_hz = pvclock_tsc_hz(pvclock);
		if (!tsc_hz)
			panic("clock: the pvclock has no TSC scale");
		pv_base_ns = pvclock_read(pvclock);
		realtime_offset = pvclock_wall_ns + (int64_t)pv_base_ns;
		mult_tsc = ((tsc_hz << 22) / NSEC_PER_SEC) << 10;
		/* The vDSO reads kvmclock in its own page; another platform's pvclock is not mapped for it. */
		if (pvclock == kvmclock)
			vdso_publish_pvclock(pv_base_ns, realtime_offset);
		return;
	}
	tsc_hz = tsc_hz_from_cpuid();
	if (!tsc_hz)
		tsc_hz = apic_calibrate_tsc();
	if (!tsc_hz)
		panic("clock: cannot determine the TSC frequency");
	/* floor(2^64 / tsc_hz) without 128-bit division. */
	scale = UINT64_MAX / tsc_hz + (UINT64_MAX % tsc_hz == tsc_hz - 1);
	/* 2^32 * tsc_hz / 1e9 without 128-bit division; good to a part per million. */
	mult_tsc = ((tsc_hz << 22) / NSEC_PER_SEC) << 10;
	vdso_publish_tsc(tsc_base, scale);
	clock_set_realtime_ns(cmos_time() * (int64_t)NSEC_PER_SEC + (int64_t)clock_monotonic_ns());
}

/* ns after `ticks` TSC ticks, exactly as the vDSO computes its timespec. */
static uint64_t tsc_ns(uint64_t ticks)
{
	uint64_t sec, nsec;

	vdso_tsc_time(ticks, scale, &sec, &nsec);
	return sec * NSEC_PER_SEC + nsec;
}

uint64_t clock_monotonic_ns(void)
{
	if (pvclock)
		return pvclock_read(pvclock) - pv_base_ns;
	return tsc_ns(rdtsc() - tsc_base);
}

int64_t clock_realtime_ns(void)
{
	if (rt_by_origin)
		return (int64_t)tsc_ns(rdtsc() - rt_origin);
	return (int64_t)clock_monotonic_ns() + realtime_offset;
}

/* (hi:lo) / d by the CPU's 128-by-64 division; the caller makes sure hi < d. */
static uint64_t div128(uint64_t hi, uint64_t lo, uint64_t d)
{
	uint64_t q, r;

	__asm__("divq %4" : "=a"(q), "=d"(r) : "a"(lo), "d"(hi), "rm"(d));
	return q;
}

/*
 * The TSC ticks t for which tsc_ns(t) is ns (ns >= 0) to within a tick, or 0
 * when they pass 2^62 (the origin needs room to run).  t comes from
 * dividing by scale, not multiplying by tsc_hz: t * scale must be right for
 * a real time of 1.7e9 s, where scale's rounding, times tsc_hz * 1.7e9,
 * would be tens of milliseconds.
 */
static uint64_t ns_to_ticks(uint64_t ns)
{
	uint64_t sec = ns / NSEC_PER_SEC, frac, ticks;

	if (sec >= scale)
		return 0;
	frac = div128(ns % NSEC_PER_SEC, 0, NSEC_PER_SEC);   /* the fraction of a second, in 2^-64 s */
	ticks = div128(sec, frac, scale);
	return ticks < (1ULL << 62) ? ticks : 0;
}

void clock_set_realtime_ns(int64_t ns)
{
	uint64_t ticks;

	realtime_offset = ns - (int64_t)clock_monotonic_ns();
	if (pvclock) {
		vdso_publish_realtime(realtime_offset);
		return;
	}
	/*
	 * With the TSC, real time counts from its own origin, the TSC value
	 * at which it read 0, so the vDSO reads it in one step; a time too far
	 * out for that (past 2^62 ticks) is mono + offset, and a system call.
	 */
	ticks = ns > 0 ? ns_to_ticks((uint64_t)ns) : 0;
	rt_by_origin = ticks != 0;
	rt_origin = rdtsc() - ticks;
	vdso_publish_tsc_realtime(rt_origin, rt_by_origin);
}

uint64_t clock_tsc_hz(void)
{
	return tsc_hz;
}

/*
 * The TSC value at monotonic time ns, for the TSC-deadline timer.  With a
 * pvclock the origin is its (tsc_timestamp, system_time) pair, read as one
 * snapshot: the hypervisor moves it forward whenever it updates the clock
 * (on a loaded host, often), so a deadline may already lie before it.  Such a
 * deadline is due now; the subtraction must not wrap into a TSC value
 * centuries away, which left the idle loop waiting forever.  Never returns 0,
 * which would disarm the timer.
 */
uint64_t clock_ns_to_tsc(uint64_t ns)
{
	uint64_t origin_tsc = tsc_base, tsc;
	int64_t delta = (int64_t)ns;

	if (pvclock) {
		uint32_t version;
		uint64_t system_time;

		do {
			version = pvclock->version;
			__atomic_thread_fence(__ATOMIC_ACQUIRE);
			origin_tsc = pvclock->tsc_timestamp;
			system_time = pvclock->system_time;
			__atomic_thread_fence(__ATOMIC_ACQUIRE);
		} while ((version & 1) || version != pvclock->version);
		delta = (int64_t)(ns + pv_base_ns - system_time);
	}
	tsc = origin_tsc + (delta > 0 ? mul_shift32((uint64_t)delta, mult_tsc) : 0);
	return tsc ? tsc : 1;
}

/* xorshift128+ seeded from RDRAND or the TSC; used when RDRAND is missing. */
static uint64_t rng_s[2];

static uint64_t rng_next(void)
{
	uint64_t x = rng_s[0], y = rng_s[1];
	rng_s[0] = y;
	x ^= x << 23;
	rng_s[1] = x ^ y ^ (x >> 17) ^ (y >> 26);
	return rng_s[1] + y;
}

static bool rdrand64(uint64_t *v)
{
	unsigned char ok;
	for (int i = 0; i < 10; i++) {
		__asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok));
		if (ok)
			return true;
	}
	return false;
}

void random_bytes(void *buf, size_t n)
{
	unsigned char *p = buf;

	if (!rng_s[0] && !rng_s[1]) {
		rng_s[0] = rdtsc() ^ 0x9e3779b97f4a7c15ULL;
		rng_s[1] = (uint64_t)clock_realtime_ns() ^ 0xbf58476d1ce4e5b9ULL;
	}
	while (n) {
		uint64_t v;
		if (!cpu_has_rdrand || !rdrand64(&v))
			v = rng_next();
		size_t k = MIN(n, sizeof(v));
		memcpy(p, &v, k);
		p += k;
		n -= k;
	}
}

int random_bytes_user(void *ubuf, size_t n)
{
	uint64_t k[8];

	for (size_t done = 0; done < n; done += sizeof(k)) {
		size_t chunk = MIN(n - done, sizeof(k));

		random_bytes(k, chunk);
		if (memcpy_user((char *)ubuf + done, k, chunk))
			return -EFAULT;
	}
	return 0;
}
