/* SPDX-License-Identifier: MIT */
/* clockcost.c: guest instructions per clock_gettime (through the libc and the vDSO) and per clock_gettime system call, for bench/clock.sh. */
/*
 * Under QEMU "-icount shift=0" RDTSC counts guest instructions (see
 * icount.c), so the difference of two RDTSC reads around N calls, less the
 * same loop with no call, divided by N, is the instructions per call,
 * whatever runs underneath (the libc, the vDSO, the kernel).
 */
#include <stdio.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/time.h>

#define N 10000

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

int main(void)
{
	struct timespec ts;
	uint64_t t0, empty, libc, coarse, sys, gtod;
	struct timeval tv;

	t0 = rdtsc();
	for (int i = 0; i < N; i++)
		__asm__ volatile("" : : "r"(&ts) : "memory");
	empty = rdtsc() - t0;
	t0 = rdtsc();
	for (int i = 0; i < N; i++)
		clock_gettime(CLOCK_MONOTONIC, &ts);
	libc = rdtsc() - t0;
	t0 = rdtsc();
	for (int i = 0; i < N; i++)
		clock_gettime(CLOCK_REALTIME_COARSE, &ts);
	coarse = rdtsc() - t0;
	t0 = rdtsc();
	for (int i = 0; i < N; i++)
		gettimeofday(&tv, NULL);
	gtod = rdtsc() - t0;
	t0 = rdtsc();
	for (int i = 0; i < N; i++)
		syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
	sys = rdtsc() - t0;
	printf("clockcost: per call: clock_gettime(MONOTONIC)=%.1f clock_gettime(REALTIME_COARSE)=%.1f "
	       "gettimeofday=%.1f syscall(clock_gettime)=%.1f\n",
	       (double)(libc - empty) / N, (double)(coarse - empty) / N, (double)(gtod - empty) / N,
	       (double)(sys - empty) / N);
	return 0;
}
