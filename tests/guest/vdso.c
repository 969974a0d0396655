/* SPDX-License-Identifier: MIT */
/* vdso.c: the vDSO: found through AT_SYSINFO_EHDR, its LINUX_2.6 symbols, each call against the system call, fallbacks, and its pages read-only. */
// husk-test: status=0 expect="SUCCESS" backends=qemu,vmm
#define _GNU_SOURCE
#include <elf.h>
#include <link.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include "check.h"

static const char *strtab;
static const Elf64_Sym *symtab;
static const Elf64_Word *hashtab;
static const Elf64_Half *versym;
static const Elf64_Verdef *verdef;
static uintptr_t base;

/* The ELF walk musl's __vdsosym does: PT_LOAD for the bias, PT_DYNAMIC for the tables. */
static int vdso_open(const Elf64_Ehdr *eh)
{
	const Elf64_Phdr *ph = (const void *)((const char *)eh + eh->e_phoff);
	const Elf64_Dyn *dyn = NULL;
	int has_gnu_hash = 0;

	base = (uintptr_t)-1;
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_LOAD && base == (uintptr_t)-1)
			base = (uintptr_t)eh + ph[i].p_offset - ph[i].p_vaddr;
		else if (ph[i].p_type == PT_DYNAMIC)
			dyn = (const void *)((const char *)eh + ph[i].p_offset);
	}
	CHECK(dyn && base != (uintptr_t)-1, "no PT_LOAD or PT_DYNAMIC in the vDSO");
	if (!dyn || base == (uintptr_t)-1)
		return -1;
	for (; dyn->d_tag != DT_NULL; dyn++) {
		const void *p = (const void *)(base + dyn->d_un.d_ptr);
		switch (dyn->d_tag) {
		case DT_STRTAB: strtab = p; break;
		case DT_SYMTAB: symtab = p; break;
		case DT_HASH: hashtab = p; break;
		case DT_GNU_HASH: has_gnu_hash = 1; break;
		case DT_VERSYM: versym = p; break;
		case DT_VERDEF: verdef = p; break;
		}
	}
	CHECK(strtab && symtab && hashtab, "the vDSO lacks DT_STRTAB, DT_SYMTAB or DT_HASH (musl needs DT_HASH)");
	CHECK(has_gnu_hash, "the vDSO lacks DT_GNU_HASH");
	CHECK(versym && verdef, "the vDSO has no symbol versions");
	return strtab && symtab && hashtab && versym && verdef ? 0 : -1;
}

static int version_is(Elf64_Half ndx, const char *name)
{
	const Elf64_Verdef *d = verdef;

	ndx &= 0x7fff;
	for (;;) {
		if (!(d->vd_flags & VER_FLG_BASE) && d->vd_ndx == ndx) {
			const Elf64_Verdaux *aux = (const void *)((const char *)d + d->vd_aux);
			return strcmp(name, strtab + aux->vda_name) == 0;
		}
		if (!d->vd_next)
			return 0;
		d = (const void *)((const char *)d + d->vd_next);
	}
}

static void *vdso_sym(const char *name)
{
	for (Elf64_Word i = 0; i < hashtab[1]; i++) {
		if (ELF64_ST_TYPE(symtab[i].st_info) != STT_FUNC || !symtab[i].st_shndx)
			continue;
		if (strcmp(name, strtab + symtab[i].st_name) == 0 && version_is(versym[i], "LINUX_2.6"))
			return (void *)(base + symtab[i].st_value);
	}
	return NULL;
}

static long long ns_of(const struct timespec *ts)
{
	return ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

static long long sys_ns(clockid_t clk)
{
	struct timespec ts;

	CHECK(syscall(SYS_clock_gettime, clk, &ts) == 0, "clock_gettime(%d) system call: %s", (int)clk,
	      strerror(errno));
	return ns_of(&ts);
}

typedef int (*cgt_fn)(clockid_t, struct timespec *);

static void check_clock_gettime(cgt_fn cgt)
{
	static const clockid_t clocks[] = { CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_MONOTONIC_RAW,
					    CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE, CLOCK_BOOTTIME };
	struct timespec ts;

	for (unsigned i = 0; i < sizeof(clocks) / sizeof(clocks[0]); i++) {
		clockid_t clk = clocks[i];
		/* Coarse clocks may lag by a tick on Linux (--native); husk serves them exactly. */
		long long slack = clk == CLOCK_REALTIME_COARSE || clk == CLOCK_MONOTONIC_COARSE ? 20000000 : 0;
		long long a = sys_ns(clk);
		int r = cgt(clk, &ts);
		long long b = sys_ns(clk);
		CHECK(r == 0, "vDSO clock_gettime(%d) returned %d", (int)clk, r);
		CHECK(ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000L, "clock %d: tv_nsec %ld", (int)clk, ts.tv_nsec);
		CHECK(ns_of(&ts) >= a - slack && ns_of(&ts) <= b, "clock %d: vDSO %lld not between system calls %lld and %lld",
		      (int)clk, ns_of(&ts), a, b);
	}
	/* CPU-time clocks are the system call's (the vDSO falls back to it). */
	CHECK(cgt(CLOCK_PROCESS_CPUTIME_ID, &ts) == 0 && ns_of(&ts) > 0, "CLOCK_PROCESS_CPUTIME_ID through the vDSO");
	CHECK(cgt(CLOCK_THREAD_CPUTIME_ID, &ts) == 0 && ns_of(&ts) > 0, "CLOCK_THREAD_CPUTIME_ID through the vDSO");
	/* The raw entry point returns -errno, as the system call does. */
	CHECK(cgt(12345, &ts) == -EINVAL, "an unknown clock gives -EINVAL");

	long long prev = 0;
	int backwards = 0;
	for (int i = 0; i < 100000; i++) {
		cgt(CLOCK_MONOTONIC, &ts);
		if (ns_of(&ts) < prev)
			backwards++;
		prev = ns_of(&ts);
	}
	CHECK(backwards == 0, "CLOCK_MONOTONIC went backwards %d times in 100000 vDSO reads", backwards);
}

static void check_others(void)
{
	int (*gtod)(struct timeval *, struct timezone *) = vdso_sym("__vdso_gettimeofday");
	time_t (*vtime)(time_t *) = vdso_sym("__vdso_time");
	long (*getcpu)(unsigned *, unsigned *, void *) = vdso_sym("__vdso_getcpu");
	int (*getres)(clockid_t, struct timespec *) = vdso_sym("__vdso_clock_getres");
	struct timeval tv;
	struct timezone tz = { 99, 99 };
	struct timespec ts;

	CHECK(gtod && vtime && getcpu && getres, "a __vdso_ symbol of version LINUX_2.6 is missing");
	if (!gtod || !vtime || !getcpu || !getres)
		return;
	long long a = sys_ns(CLOCK_REALTIME) / 1000;
	CHECK(gtod(&tv, &tz) == 0, "vDSO gettimeofday failed");
	long long b = sys_ns(CLOCK_REALTIME) / 1000;
	long long us = tv.tv_sec * 1000000LL + tv.tv_usec;
	CHECK(us >= a && us <= b, "vDSO gettimeofday %lld us not between %lld and %lld", us, a, b);
	CHECK(tz.tz_minuteswest == 0 && tz.tz_dsttime == 0, "vDSO gettimeofday timezone %d/%d", tz.tz_minuteswest,
	      tz.tz_dsttime);
	CHECK(gtod(NULL, NULL) == 0, "vDSO gettimeofday(NULL, NULL)");

	time_t t0 = syscall(SYS_time, NULL), t1, t2;
	t1 = vtime(&t2);
	CHECK(t1 == t2 && t1 >= t0 && t1 <= syscall(SYS_time, NULL), "vDSO time %ld (stored %ld), system call %ld",
	      (long)t1, (long)t2, (long)t0);

	unsigned cpu = 99, node = 99;
	CHECK(getcpu(&cpu, &node, NULL) == 0, "vDSO getcpu failed");
	if (!check_native())
		CHECK(cpu == 0 && node == 0, "vDSO getcpu: cpu %u node %u on a one-CPU VM", cpu, node);

	CHECK(getres(CLOCK_MONOTONIC, &ts) == 0 && ts.tv_sec == 0 && ts.tv_nsec == 1, "vDSO clock_getres(MONOTONIC) %ld.%09ld",
	      (long)ts.tv_sec, ts.tv_nsec);
	CHECK(getres(CLOCK_PROCESS_CPUTIME_ID, &ts) == 0, "vDSO clock_getres(CLOCK_PROCESS_CPUTIME_ID) falls back");
	CHECK(getres(12345, &ts) == -EINVAL, "vDSO clock_getres of an unknown clock gives -EINVAL");

	/* And through the libc, which found the vDSO at start-up. */
	CHECK(clock_gettime(CLOCK_MONOTONIC, &ts) == 0 && gettimeofday(&tv, NULL) == 0 && time(NULL) > 0,
	      "libc time calls");
}

/* Setting the time moves the vDSO's real-time clocks (not the monotonic ones) at once. */
static void check_settime(cgt_fn cgt)
{
	time_t (*vtime)(time_t *) = vdso_sym("__vdso_time");
	struct timespec rt0, mono0, ts;
	const long long jump = 1000LL * 1000000000LL;

	if (!vtime)
		return;
	cgt(CLOCK_REALTIME, &rt0);
	cgt(CLOCK_MONOTONIC, &mono0);
	ts = rt0;
	ts.tv_sec += 1000;
	CHECK(clock_settime(CLOCK_REALTIME, &ts) == 0, "clock_settime: %s", strerror(errno));
	cgt(CLOCK_REALTIME, &ts);
	long long d = ns_of(&ts) - ns_of(&rt0);
	CHECK(d >= jump && d < jump + 5000000000LL, "vDSO CLOCK_REALTIME moved %lld ns after setting it 1000 s ahead", d);
	cgt(CLOCK_REALTIME_COARSE, &ts);
	CHECK(ns_of(&ts) - ns_of(&rt0) >= jump - 20000000, "vDSO CLOCK_REALTIME_COARSE did not move");
	CHECK(vtime(NULL) >= rt0.tv_sec + 1000, "vDSO time() did not move");
	cgt(CLOCK_MONOTONIC, &ts);
	CHECK(ns_of(&ts) - ns_of(&mono0) < 5000000000LL, "CLOCK_MONOTONIC jumped with the real time");
	/* And back, through settimeofday. */
	struct timeval tv = { rt0.tv_sec, rt0.tv_nsec / 1000 };
	CHECK(settimeofday(&tv, NULL) == 0, "settimeofday: %s", strerror(errno));
	cgt(CLOCK_REALTIME, &ts);
	d = ns_of(&ts) - ns_of(&rt0);
	CHECK(d >= 0 && d < 5000000000LL, "vDSO CLOCK_REALTIME is %lld ns from where it was set back", d);
}

static sigjmp_buf fault_jmp;

static void on_segv(int sig)
{
	siglongjmp(fault_jmp, 1);
}

/* Writing the vDSO's code or its data page (one page below) must fault. */
static void check_read_only(const char *where, volatile char *p)
{
	struct sigaction sa = { .sa_handler = on_segv }, old;
	volatile int wrote = 0;

	sigaction(SIGSEGV, &sa, &old);
	if (sigsetjmp(fault_jmp, 1) == 0) {
		*p = *p;
		wrote = 1;
	}
	sigaction(SIGSEGV, &old, NULL);
	CHECK(!wrote, "writing the vDSO's %s did not fault", where);
}

/* /proc/self/maps lists the vDSO where AT_SYSINFO_EHDR points, as Linux does. */
static void check_maps(const void *eh)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	int found = 0;

	CHECK(f != NULL, "/proc/self/maps: %s", strerror(errno));
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned long start;
		if (strstr(line, "[vdso]") && sscanf(line, "%lx-", &start) == 1 && start == (uintptr_t)eh)
			found = 1;
	}
	fclose(f);
	CHECK(found, "/proc/self/maps has no [vdso] line starting at %p", eh);
}

#ifdef __GLIBC__
static int found_in_phdrs;

static int phdr_cb(struct dl_phdr_info *info, size_t size, void *ehdr)
{
	if (info->dlpi_addr == (uintptr_t)ehdr)
		found_in_phdrs = 1;
	return 0;
}
#endif

int main(void)
{
	const Elf64_Ehdr *eh = (const void *)getauxval(AT_SYSINFO_EHDR);

	CHECK(eh != NULL, "AT_SYSINFO_EHDR is 0: no vDSO");
	if (!eh)
		return check_finish("vdso");
	CHECK(memcmp(eh->e_ident, ELFMAG, SELFMAG) == 0 && eh->e_ident[EI_CLASS] == ELFCLASS64 && eh->e_type == ET_DYN &&
	      eh->e_machine == EM_X86_64, "the vDSO is not an x86-64 ELF shared object");
	if (vdso_open(eh) == 0) {
		cgt_fn cgt = (cgt_fn)vdso_sym("__vdso_clock_gettime");
		CHECK(cgt != NULL, "no __vdso_clock_gettime@LINUX_2.6");
		CHECK(vdso_sym("clock_gettime") == (void *)cgt, "clock_gettime is not an alias of __vdso_clock_gettime");
		if (cgt)
			check_clock_gettime(cgt);
		/* Not natively: that would set the host's clock. */
		if (cgt && !check_native())
			check_settime(cgt);
		check_others();
	}
	check_maps(eh);
#ifdef __GLIBC__
	dl_iterate_phdr(phdr_cb, (void *)eh);
	CHECK(found_in_phdrs, "glibc did not register the vDSO (dl_iterate_phdr does not list it)");
#endif
	if (!check_native()) {
		check_read_only("code", (volatile char *)eh);
		check_read_only("data page", (volatile char *)eh - 4096);
	}
	return check_finish("vdso");
}
