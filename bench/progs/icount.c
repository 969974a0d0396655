/* SPDX-License-Identifier: MIT */
/* icount.c: hello that reports the guest clocks at main() entry and before exit, for instruction-count benchmarks. */
/*
 * Under QEMU "-icount shift=0", guest virtual time advances one nanosecond
 * per guest instruction, and the TSC QEMU emulates is that virtual clock.
 * So RDTSC read here is (instructions executed since the machine started,
 * plus idle time the guest spent halted), whatever kernel is underneath,
 * and CLOCK_MONOTONIC / CLOCK_BOOTTIME are the same count measured from
 * when that kernel started its clock.  bench/boot.sh parses the lines.
 */
#include <stdio.h>
#include <stdint.h>
#include <time.h>

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static long long clock_ns(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) != 0)
		return -1;
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void report(const char *where)
{
	/* Read every clock before printing, so printing does not count. */
	uint64_t tsc = rdtsc();
	long long mono = clock_ns(CLOCK_MONOTONIC);
	long long boot = clock_ns(CLOCK_BOOTTIME);

	printf("icount: %s tsc=%llu monotonic_ns=%lld boottime_ns=%lld\n",
	       where, (unsigned long long)tsc, mono, boot);
}

int main(void)
{
	report("main");
	printf("Hello from husk!\n");
	report("exit");
	fflush(stdout);
	return 0;
}
