/* SPDX-License-Identifier: MIT */
/* steal.c: steal time, the time the hypervisor kept this vCPU from running while it had work (KVM's steal-time record, or a platform's source), which CPU-time clocks leave out. */
#include "kernel.h"
#include "ktime.h"
#include "mm.h"
#include "../arch/x86_64/x86.h"

#define MSR_KVM_STEAL_TIME     0x4b564d03
#define KVM_MSR_ENABLED        1
#define KVM_CPUID_SIGNATURE    0x40000000
#define KVM_CPUID_FEATURES     0x40000001
#define KVM_FEATURE_STEAL_TIME (1u << 5)

/* Layout from Linux's asm/kvm_para.h: 64 bytes, 64-byte aligned. */
struct kvm_steal_time {
	uint64_t steal;            /* ns the vCPU was runnable on the host but not running */
	uint32_t version;          /* odd while the host updates the record */
	uint32_t flags;
	uint8_t preempted;
	uint8_t pad8[3];
	uint32_t pad[11];
} __attribute__((aligned(64)));

static struct kvm_steal_time steal_rec;
static uint64_t (*steal_source)(void);    /* NULL: no steal time */
static uint64_t steal_base;               /* the source's value at clock_init: steal counts from there, as monotonic time */

void steal_use_source(uint64_t (*read_ns)(void))
{
	steal_source = read_ns;
}

static uint64_t kvm_steal_ns(void)
{
	volatile struct kvm_steal_time *st = &steal_rec;
	uint32_t v;
	uint64_t ns;

	/* The host writes the record between our instructions only on a vCPU entry; retry a torn read. */
	do {
		v = st->version;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		ns = st->steal;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	} while ((v & 1) || v != st->version);
	return ns;
}

void steal_init(void)
{
	uint32_t a, b, c, d;

	if (steal_source) {  /* the platform's own (Xen's runstate area) */
		steal_base = steal_source();
		return;
	}
	cpuid(KVM_CPUID_SIGNATURE, 0, &a, &b, &c, &d);
	if (b != 0x4b4d564b || a < KVM_CPUID_FEATURES)  /* "KVMK" */
		return;
	cpuid(KVM_CPUID_FEATURES, 0, &a, &b, &c, &d);
	if (!(a & KVM_FEATURE_STEAL_TIME))
		return;
	wrmsr(MSR_KVM_STEAL_TIME, virt_to_phys(&steal_rec) | KVM_MSR_ENABLED);
	steal_source = kvm_steal_ns;
	steal_base = kvm_steal_ns();
}

uint64_t clock_steal_ns(void)
{
	return steal_source ? steal_source() - steal_base : 0;
}

uint64_t clock_now_and_steal(uint64_t *steal)
{
	uint64_t s, now;

	/* Steal only grows at a vCPU entry, so an unchanged value brackets a preemption-free read of the clock. */
	do {
		s = clock_steal_ns();
		now = clock_monotonic_ns();
	} while (clock_steal_ns() != s);
	*steal = s;
	return now;
}
