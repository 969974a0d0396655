/* SPDX-License-Identifier: MIT */
/* ktime.h: the kernel's clocks (time/clock.c). */
#ifndef KTIME_H
#define KTIME_H

#include "kernel.h"

#define NSEC_PER_SEC 1000000000ULL

void clock_init(void);
/* Nanoseconds since boot; never goes backwards. */
uint64_t clock_monotonic_ns(void);
/* Nanoseconds since the Unix epoch. */
int64_t clock_realtime_ns(void);
void clock_set_realtime_ns(int64_t ns);
/* TSC frequency in Hz (0 if unknown) and conversion of a monotonic time to a TSC value. */
uint64_t clock_tsc_hz(void);
uint64_t clock_ns_to_tsc(uint64_t ns);

/*
 * time/steal.c: steal time.  A platform with its own record calls
 * steal_use_source(read_ns) before clock_init (Xen: platform/xen/runstate.c);
 * otherwise steal_init registers KVM's steal-time record where the
 * hypervisor offers one (KVM_FEATURE_STEAL_TIME).  read_ns returns the
 * steal time so far in ns, never going backwards, and must not sleep.
 * clock_steal_ns is the time so far, in ns, that the hypervisor kept this
 * vCPU from running while it was runnable (host preemption); it never goes
 * backwards, and is 0 where there is no record (QEMU/TCG). CPU-time
 * accounting subtracts it, as Linux does with paravirt steal time, so a
 * busy host does not show up as the program's CPU time.
 */
void steal_use_source(uint64_t (*read_ns)(void));
void steal_init(void);
uint64_t clock_steal_ns(void);
/*
 * clock_monotonic_ns() and, in *steal, clock_steal_ns() at the same
 * instant (no preemption between the two reads), so that the differences
 * of two such pairs agree: CPU time measured from them never runs backwards.
 */
uint64_t clock_now_and_steal(uint64_t *steal);

/*
 * sys/sys_time.c: the CPU-time clocks.  For a clock id that names one
 * (CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID, or Linux's encoding
 * ~pid << 3 | thread flag 4 | type of clock_getcpuclockid and
 * pthread_getcpuclockid), sets *tid to the thread whose time it counts, or
 * to 0 for the calling process's, and returns 0; -EINVAL for any other id,
 * or a thread or process the caller cannot name (other processes).
 */
int cpu_clock_decode(int clk, int *tid);
/* The CPU time (ns) of thread tid of process p, or of p when tid is 0; -1 when the thread is gone. */
struct proc;
int64_t cpu_clock_ns(struct proc *p, int tid);

/* Fills buf with random bytes (RDRAND where available, else a generator seeded from the TSC). */
void random_bytes(void *buf, size_t n);
/* The same into user memory (checked with user_ok): 0 or -EFAULT. */
int random_bytes_user(void *ubuf, size_t n);

#endif
