/* SPDX-License-Identifier: MIT */
/* sysmisc.c: uname, sysinfo, getrandom, ids, prlimit, and an unimplemented system call (-ENOSYS, named once on the console). */
// husk-test: opts="--verbose" status=0 expect="SUCCESS" once="io_pgetevents"
#define _GNU_SOURCE
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "check.h"

/* io_pgetevents: Linux AIO, which husk does not implement. */
#define UNIMPLEMENTED_NR 333

static void check_uname(void)
{
	struct utsname u;

	CHECK(uname(&u) == 0, "uname failed: %s", strerror(errno));
	CHECK(strcmp(u.sysname, "Linux") == 0, "sysname is \"%s\", wanted \"Linux\"", u.sysname);
	CHECK(strcmp(u.machine, "x86_64") == 0, "machine is \"%s\", wanted \"x86_64\"", u.machine);
	/* libcs parse the release as a version: it must start with a digit. */
	CHECK(u.release[0] >= '1' && u.release[0] <= '9', "release \"%s\" does not start with a version",
	      u.release);
	CHECK(u.nodename[0] != 0, "nodename is empty");
}

static void check_sysinfo(void)
{
	struct sysinfo si;
	unsigned long long total, freemem;

	CHECK(sysinfo(&si) == 0, "sysinfo failed: %s", strerror(errno));
	total = (unsigned long long)si.totalram * si.mem_unit;
	freemem = (unsigned long long)si.freeram * si.mem_unit;
	CHECK(si.mem_unit >= 1, "mem_unit is %u", si.mem_unit);
	CHECK(total >= (16ULL << 20), "totalram is %llu bytes, under 16 MiB", total);
	CHECK(freemem > 0 && freemem <= total, "freeram %llu bytes, totalram %llu", freemem, total);
	CHECK(si.uptime >= 0, "uptime is %ld", si.uptime);
	CHECK(si.procs >= 1, "procs is %u", si.procs);
	CHECK(sysconf(_SC_NPROCESSORS_ONLN) >= 1, "sysconf(_SC_NPROCESSORS_ONLN) is %ld",
	      sysconf(_SC_NPROCESSORS_ONLN));
}

static void check_random(void)
{
	unsigned char a[32] = { 0 }, b[32] = { 0 };
	int any = 0;

	CHECK(getrandom(a, sizeof(a), 0) == sizeof(a), "getrandom(32) failed: %s", strerror(errno));
	CHECK(getrandom(b, sizeof(b), GRND_NONBLOCK) == sizeof(b), "getrandom(32, NONBLOCK) failed");
	for (size_t i = 0; i < sizeof(a); i++)
		any |= a[i];
	CHECK(any, "getrandom returned 32 zero bytes");
	CHECK(memcmp(a, b, sizeof(a)) != 0, "two getrandom calls returned the same 32 bytes");
}

static void check_ids(void)
{
	pid_t pid = getpid();
	struct rlimit rl = { 0, 0 }, nl;

	CHECK(pid > 0, "getpid is %d", pid);
	CHECK(syscall(SYS_gettid) == pid, "main thread's tid %ld differs from pid %d", syscall(SYS_gettid), pid);
	CHECK(getppid() >= 0, "getppid is %d", getppid());
	CHECK(getuid() == geteuid() && getgid() == getegid(), "real and effective ids differ");

	CHECK(prlimit(0, RLIMIT_STACK, NULL, &rl) == 0, "prlimit(RLIMIT_STACK) failed: %s", strerror(errno));
	CHECK(rl.rlim_cur >= 64 * 1024, "RLIMIT_STACK soft limit is %llu", (unsigned long long)rl.rlim_cur);
	CHECK(prlimit(0, RLIMIT_NOFILE, NULL, &rl) == 0, "prlimit(RLIMIT_NOFILE) failed: %s", strerror(errno));
	CHECK(rl.rlim_cur >= 64 && rl.rlim_cur <= rl.rlim_max, "RLIMIT_NOFILE is %llu/%llu",
	      (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max);
	/* Lowering the soft limit is always allowed and must be seen by the next query. */
	nl = (struct rlimit){ 32, rl.rlim_max };
	CHECK(prlimit(0, RLIMIT_NOFILE, &nl, NULL) == 0, "setting RLIMIT_NOFILE to 32 failed: %s",
	      strerror(errno));
	CHECK(getrlimit(RLIMIT_NOFILE, &nl) == 0 && nl.rlim_cur == 32, "RLIMIT_NOFILE reads back %llu",
	      (unsigned long long)nl.rlim_cur);
	setrlimit(RLIMIT_NOFILE, &rl);
}

static void check_enosys(void)
{
	for (int i = 0; i < 2; i++) {
		long r;

		errno = 0;
		r = syscall(UNIMPLEMENTED_NR, 0L, 0L, 0L, 0L, 0L, 0L);
		/* Natively Linux implements it and rejects the zero arguments; husk must say ENOSYS. */
		if (check_native())
			CHECK(r == -1, "syscall %d returned %ld", UNIMPLEMENTED_NR, r);
		else
			CHECK(r == -1 && errno == ENOSYS, "syscall %d returned %ld, errno %d (%s), wanted ENOSYS",
			      UNIMPLEMENTED_NR, r, errno, strerror(errno));
	}
	errno = 0;
	CHECK(syscall(100000L) == -1 && errno == ENOSYS, "syscall 100000 (out of table) gave errno %d, wanted ENOSYS",
	      errno);
}

int main(void)
{
	check_uname();
	check_sysinfo();
	check_random();
	check_ids();
	check_enosys();
	return check_finish("sysmisc");
}
