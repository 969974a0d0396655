/* SPDX-License-Identifier: MIT */
/* vdso.c: the vDSO: clock_gettime, gettimeofday, time, getcpu and clock_getres in user mode, from the kernel's read-only clock page. */
/*
 * Built as a position-independent shared object (kernel/vdso/vdso.lds) with
 * no relocations, embedded in the kernel (arch/x86_64/vdso_image.S) and
 * found by libcs through AT_SYSINFO_EHDR.  Clocks it cannot serve, and every
 * clock when the kernel has no TSC parameters, go to the system call.
 */
#include <stddef.h>
#include <stdint.h>
#include <linux/time.h>
#include <linux/time_types.h>
#include <asm/unistd.h>
#include "vdso.h"

/* The data page, one page below the ELF header (vdso.lds). */
extern const struct vdso_data vdso_vvar __attribute__((visibility("hidden")));

#define NSEC_PER_SEC 1000000000ULL   /* unsigned: the times are never negative, and the division is shorter */
#define barrier() __asm__ volatile("" ::: "memory")

static long syscall2(long nr, long a, long b)
{
	long ret;

	__asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b) : "rcx", "r11", "memory");
	return ret;
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline uint64_t mul_shift32(uint64_t a, uint64_t b)
{
	return (uint64_t)(((unsigned __int128)a * b) >> 32);
}

static inline __attribute__((always_inline)) uint64_t pvclock_ns(const volatile struct vdso_pvclock *p)
{
	uint32_t version;
	uint64_t ns;

	do {
		version = p->version;
		barrier();
		uint64_t delta = rdtsc() - p->tsc_timestamp;
		int8_t shift = p->tsc_shift;
		delta = shift >= 0 ? delta << shift : delta >> -shift;
		ns = p->system_time + mul_shift32(delta, p->tsc_to_system_mul);
		barrier();
	} while ((version & 1) || version != p->version);
	return ns;
}

/*
 * Clock clk (below VDSO_NR_CLOCKS) as seconds and nanoseconds; false when
 * only the system call can tell.  vdso.h says why no sequence counter is
 * needed.
 */
static int read_clock(unsigned clk, uint64_t *sec, uint64_t *nsec)
{
	const volatile struct vdso_data *d = &vdso_vvar;
	uint64_t ns;

	if ((d->fast_clocks >> clk) & 1) {
		vdso_tsc_time(rdtsc() - d->tsc_origin[clk], d->scale, sec, nsec);
		return 1;
	}
	if (d->mode != VDSO_MODE_PVCLOCK)
		return 0;
	ns = pvclock_ns(&d->pvti) - d->pv_base_ns + d->clock_offset[clk];
	*sec = ns / NSEC_PER_SEC;
	*nsec = ns % NSEC_PER_SEC;
	return 1;
}

static inline int served(int clk)
{
	return (unsigned)clk < VDSO_NR_CLOCKS && ((VDSO_CLOCK_MASK >> clk) & 1);
}

/* Called (jumped to) from __vdso_clock_gettime's assembly. */
int clock_gettime_slow(int clk, struct __kernel_timespec *ts) __attribute__((used, visibility("hidden")));
int clock_gettime_slow(int clk, struct __kernel_timespec *ts)
{
	uint64_t sec, nsec;

	if (!served(clk) || !read_clock(clk, &sec, &nsec))
		return syscall2(__NR_clock_gettime, clk, (long)ts);
	ts->tv_sec = sec;
	ts->tv_nsec = nsec;
	return 0;
}

_Static_assert(offsetof(struct vdso_data, fast_clocks) == VDSO_DATA_FAST_CLOCKS, "vdso_data layout");
_Static_assert(offsetof(struct vdso_data, scale) == VDSO_DATA_SCALE, "vdso_data layout");
_Static_assert(offsetof(struct vdso_data, tsc_origin) == VDSO_DATA_TSC_ORIGIN, "vdso_data layout");
#define STR_(x) #x
#define STR(x) STR_(x)

/*
 * int __vdso_clock_gettime(int clk, struct __kernel_timespec *ts)
 *
 * This is the whole cost of a clock_gettime, so the common case (a clock
 * whose fast_clocks bit is set) is 16 instructions of assembly: the
 * compiler's version of the same C took 23.  It is vdso_tsc_time (vdso.h)
 * on rdtsc() - tsc_origin[clk].  Everything else (kvmclock, other clocks,
 * a real time read by system call) goes to clock_gettime_slow.  The clock
 * id is compared as the whole register: an int whose upper half is not zero
 * (the ABI leaves it undefined) just takes the slow path, which reads it as
 * an int.
 */
__asm__(
	"	.text\n"
	"	.globl __vdso_clock_gettime\n"
	"	.type __vdso_clock_gettime, @function\n"
	"	.balign 16\n"
	"__vdso_clock_gettime:\n"
	"	cmp $" STR(VDSO_NR_CLOCKS) " - 1, %rdi\n"
	"	ja clock_gettime_slow\n"
	"	bt %edi, vdso_vvar + " STR(VDSO_DATA_FAST_CLOCKS) "(%rip)\n"
	"	jnc clock_gettime_slow\n"
	"	lea vdso_vvar(%rip), %rcx\n"
	"	rdtsc\n"
	"	shl $32, %rdx\n"
	"	or %rdx, %rax\n"
	"	sub " STR(VDSO_DATA_TSC_ORIGIN) "(%rcx, %rdi, 8), %rax\n"
	"	mulq vdso_vvar + " STR(VDSO_DATA_SCALE) "(%rip)\n"   /* rdx:rax = seconds in 64.64 */
	"	mov %rdx, (%rsi)\n"
	"	mov $1000000000, %edx\n"
	"	mul %rdx\n"                                          /* rdx = the fraction in ns */
	"	mov %rdx, 8(%rsi)\n"
	"	xor %eax, %eax\n"
	"	ret\n"
	"	.size __vdso_clock_gettime, . - __vdso_clock_gettime\n");

int __vdso_gettimeofday(struct __kernel_old_timeval *tv, struct timezone *tz)
{
	uint64_t sec, nsec;

	if (!read_clock(CLOCK_REALTIME, &sec, &nsec))
		return syscall2(__NR_gettimeofday, (long)tv, (long)tz);
	if (tv) {
		tv->tv_sec = sec;
		tv->tv_usec = nsec / 1000;
	}
	if (tz) {
		tz->tz_minuteswest = 0;
		tz->tz_dsttime = 0;
	}
	return 0;
}

long __vdso_time(long *t)
{
	uint64_t sec, nsec;
	long s;

	if (!read_clock(CLOCK_REALTIME, &sec, &nsec))
		return syscall2(__NR_time, (long)t, 0);
	s = sec;
	if (t)
		*t = s;
	return s;
}

/* One CPU, one NUMA node. */
long __vdso_getcpu(unsigned *cpu, unsigned *node, void *cache __attribute__((unused)))
{
	if (cpu)
		*cpu = 0;
	if (node)
		*node = 0;
	return 0;
}

int __vdso_clock_getres(int clk, struct __kernel_timespec *res)
{
	if (!served(clk))
		return syscall2(__NR_clock_getres, clk, (long)res);
	if (res) {
		res->tv_sec = 0;
		res->tv_nsec = 1;
	}
	return 0;
}

__asm__(".weak clock_gettime\n.set clock_gettime, __vdso_clock_gettime");
int gettimeofday(struct __kernel_old_timeval *, struct timezone *) __attribute__((weak, alias("__vdso_gettimeofday")));
long time(long *) __attribute__((weak, alias("__vdso_time")));
long getcpu(unsigned *, unsigned *, void *) __attribute__((weak, alias("__vdso_getcpu")));
int clock_getres(int, struct __kernel_timespec *) __attribute__((weak, alias("__vdso_clock_getres")));
