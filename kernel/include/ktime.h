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

/* Fills buf with random bytes (RDRAND where available, else a generator seeded from the TSC). */
void random_bytes(void *buf, size_t n);

#endif
