/* SPDX-License-Identifier: MIT */
/* creds.c: user and group ids change by Linux's rules; capabilities follow root; scheduling and priority calls. */
// husk-test: status=0 expect="SUCCESS" backends=qemu,vmm
#define _GNU_SOURCE
#include <grp.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <stdint.h>
#include <unistd.h>

#include "check.h"

/* From linux/capability.h, which musl-gcc does not see. */
#define _LINUX_CAPABILITY_VERSION_3 0x20080522
#define CAP_SETUID 7
struct __user_cap_header_struct { uint32_t version; int pid; };
struct __user_cap_data_struct { uint32_t effective, permitted, inheritable; };

int main(void)
{
	uid_t r, e, s;
	gid_t groups[4] = { 10, 20 }, got[8];
	struct __user_cap_header_struct hdr = { 0, 0 };
	struct __user_cap_data_struct data[2];
	struct sched_param sp;
	cpu_set_t set;

	CHECK(getuid() == 0 && geteuid() == 0, "not root at start");
	CHECK(setgroups(2, groups) == 0, "setgroups: %s", strerror(errno));
	CHECK(getgroups(8, got) == 2 && got[0] == 10 && got[1] == 20, "getgroups");

	/* capget with version 0 answers with the preferred version. */
	CHECK(syscall(SYS_capget, &hdr, NULL) == 0 && hdr.version == _LINUX_CAPABILITY_VERSION_3,
	      "capget version %#x", hdr.version);
	CHECK(syscall(SYS_capget, &hdr, data) == 0 && (data[0].effective & (1u << CAP_SETUID)), "root lacks CAP_SETUID");

	/* Scheduling: policies, priorities, affinity.  musl's wrappers refuse (its threads
	 * cannot share one policy), so the calls are made directly. */
#define sched_getscheduler(pid) syscall(SYS_sched_getscheduler, pid)
#define sched_setscheduler(pid, pol, p) syscall(SYS_sched_setscheduler, pid, pol, p)
#define sched_getparam(pid, p) syscall(SYS_sched_getparam, pid, p)
	CHECK(sched_getscheduler(0) == SCHED_OTHER, "policy %d", sched_getscheduler(0));
	CHECK(sched_get_priority_min(SCHED_FIFO) == 1 && sched_get_priority_max(SCHED_FIFO) == 99, "FIFO range");
	CHECK(sched_get_priority_max(SCHED_OTHER) == 0, "OTHER max");
	sp.sched_priority = 10;
	CHECK(sched_setscheduler(0, SCHED_FIFO, &sp) == 0, "sched_setscheduler FIFO: %s", strerror(errno));
	CHECK(sched_getscheduler(0) == SCHED_FIFO, "policy after set %d", sched_getscheduler(0));
	CHECK(sched_getparam(0, &sp) == 0 && sp.sched_priority == 10, "priority %d", sp.sched_priority);
	sp.sched_priority = 0;
	CHECK(sched_setscheduler(0, SCHED_OTHER, &sp) == 0, "back to OTHER");
	sp.sched_priority = 5;
	CHECK(sched_setscheduler(0, SCHED_OTHER, &sp) == -1 && errno == EINVAL, "OTHER with priority 5 accepted");
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	CHECK(sched_setaffinity(0, sizeof(set), &set) == 0, "affinity to CPU 0: %s", strerror(errno));
	CPU_ZERO(&set);
	CPU_SET(3, &set);
	CHECK(sched_setaffinity(0, sizeof(set), &set) == -1 && errno == EINVAL, "affinity to a missing CPU");
	struct timespec ts;
	CHECK(sched_rr_get_interval(0, &ts) == 0 && ts.tv_sec >= 0 && ts.tv_nsec < 1000000000L, "rr interval");  /* Linux may say 0 for SCHED_OTHER */
	unsigned cpu = 99;
	CHECK(syscall(SYS_getcpu, &cpu, NULL, NULL) == 0 && cpu == 0, "getcpu %u", cpu);

	/* Nice values. */
	errno = 0;
	CHECK(getpriority(PRIO_PROCESS, 0) == 0 && errno == 0, "initial nice");
	CHECK(setpriority(PRIO_PROCESS, 0, 5) == 0 && getpriority(PRIO_PROCESS, 0) == 5, "nice 5");
	CHECK(nice(2) == 7, "nice(2)");

	/* Drop root, keeping it as the saved uid: then switch back. */
	CHECK(setresuid(1000, 1000, 0) == 0, "setresuid: %s", strerror(errno));
	getresuid(&r, &e, &s);
	CHECK(r == 1000 && e == 1000 && s == 0, "ids %u %u %u", r, e, s);
	CHECK(setgroups(0, NULL) == -1 && errno == EPERM, "setgroups without root");
	CHECK(setpriority(PRIO_PROCESS, 0, 1) == 0 || errno == EACCES, "lowering nice");
	CHECK(seteuid(0) == 0 && geteuid() == 0, "back to euid 0 through the saved uid: %s", strerror(errno));
	/* Now drop everything: no way back. */
	CHECK(setuid(1000) == 0, "setuid(1000): %s", strerror(errno));
	getresuid(&r, &e, &s);
	CHECK(r == 1000 && e == 1000 && s == 1000, "after setuid %u %u %u", r, e, s);
	CHECK(setuid(0) == -1 && errno == EPERM, "regained root");
	CHECK(setreuid(-1, 0) == -1 && errno == EPERM, "setreuid to root");
	CHECK(syscall(SYS_capget, &hdr, data) == 0 && data[0].effective == 0, "capabilities kept after dropping root");
	CHECK(setgid(5) == -1 && errno == EPERM, "setgid without root");

	return check_finish("creds");
}
