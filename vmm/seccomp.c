/* SPDX-License-Identifier: MIT */
/* seccomp.c: confines husk-vmm, once the VM is set up, to the system calls its vCPU loop and I/O thread need (libseccomp). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <linux/if_tun.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "husk/abi.h"
#include "vmm.h"

/*
 * What the monitor may still do, found with strace -f over the husk-vmm
 * tests (console, disks, slirp and tap networking, crash dumps):
 * - the guest: KVM_RUN and the few vCPU/VM ioctls listed below, on the
 *   descriptors it already holds;
 * - devices: read/write/pread/pwrite/fsync on descriptors it already holds
 *   (disk images, the tap, stdin/stdout/stderr), eventfds for queue
 *   notifications, epoll and poll in the I/O thread;
 * - slirp (--net user): the sockets it makes for the guest's connections
 *   (socket, connect, bind, listen, accept, send/recv, options), and
 *   reading files (host DNS from /etc/resolv.conf): open is read-only;
 * - memory (malloc), futexes, clocks, signals for itself, exit.
 * Not allowed, among everything else: execve, fork/clone of processes,
 * opening a file for writing, creating or removing files, ptrace, mount,
 * kill of another process, new KVM VMs.  A forbidden call is reported on
 * stderr and the monitor dies by SIGSYS.
 */
static const int allowed[] = {
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev),
	SCMP_SYS(pread64), SCMP_SYS(pwrite64), SCMP_SYS(preadv), SCMP_SYS(pwritev),
	SCMP_SYS(preadv2), SCMP_SYS(pwritev2), SCMP_SYS(lseek), SCMP_SYS(fsync),
	SCMP_SYS(fdatasync), SCMP_SYS(fallocate), SCMP_SYS(close), SCMP_SYS(fstat),
	SCMP_SYS(newfstatat), SCMP_SYS(stat), SCMP_SYS(statx), SCMP_SYS(fcntl),
	SCMP_SYS(dup), SCMP_SYS(poll), SCMP_SYS(ppoll), SCMP_SYS(select),
	SCMP_SYS(pselect6), SCMP_SYS(epoll_wait), SCMP_SYS(epoll_pwait),
	SCMP_SYS(epoll_ctl), SCMP_SYS(eventfd2), SCMP_SYS(pipe2),
	SCMP_SYS(socket), SCMP_SYS(connect), SCMP_SYS(bind), SCMP_SYS(listen),
	SCMP_SYS(accept), SCMP_SYS(accept4), SCMP_SYS(sendto), SCMP_SYS(recvfrom),
	SCMP_SYS(sendmsg), SCMP_SYS(recvmsg), SCMP_SYS(shutdown),
	SCMP_SYS(setsockopt), SCMP_SYS(getsockopt), SCMP_SYS(getsockname),
	SCMP_SYS(getpeername),
	SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mprotect), SCMP_SYS(mremap),
	SCMP_SYS(madvise), SCMP_SYS(brk),
	SCMP_SYS(futex), SCMP_SYS(sched_yield), SCMP_SYS(nanosleep),
	SCMP_SYS(clock_nanosleep), SCMP_SYS(clock_gettime), SCMP_SYS(gettimeofday),
	SCMP_SYS(getrandom), SCMP_SYS(getpid), SCMP_SYS(gettid),
	SCMP_SYS(rt_sigaction), SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigreturn),
	SCMP_SYS(restart_syscall), SCMP_SYS(exit), SCMP_SYS(exit_group),
	/* A thread's start in glibc (the I/O thread may still be starting). */
	SCMP_SYS(rseq), SCMP_SYS(set_robust_list), SCMP_SYS(sigaltstack),
};

/* ioctls on descriptors the monitor holds: the vCPU loop, interrupts, crash dumps, the tap, the console. */
static const unsigned long allowed_ioctls[] = {
	KVM_RUN, KVM_IRQ_LINE, KVM_IOEVENTFD, KVM_GET_REGS, KVM_GET_SREGS,
	KVM_TRANSLATE, TUNSETOFFLOAD, TCGETS, TIOCGWINSZ, FIONBIO, FIONREAD,
};

/*
 * The filter traps instead of killing at once, so the monitor can say what
 * it tried.  The handler then restores SIGSYS's default action and makes
 * the same call again, which the kernel now ends with SIGSYS.
 */
static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	char msg[160];
	char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, si->si_syscall);
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	int n;

	(void)uc;
	/* snprintf and the resolver's malloc are not async-signal-safe; this handler never returns. */
	n = snprintf(msg, sizeof(msg),
		     "husk-vmm: forbidden system call %d (%s) after the seccomp filter; stopping the monitor\n",
		     si->si_syscall, name ? name : "?");
	if (n > 0)
		(void)!write(2, msg, (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1);
	sigaction(sig, &dfl, NULL);
	syscall(si->si_syscall, 0, 0, 0, 0, 0, 0);
	_exit(HUSK_STATUS_HOST);	/* not reached */
}

int vmm_seccomp_install(void)
{
	struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };
	scmp_filter_ctx ctx;
	unsigned i;
	int ret;

	if (sigaction(SIGSYS, &sa, NULL) < 0)
		return -errno;
	ctx = seccomp_init(SCMP_ACT_TRAP);
	if (!ctx)
		return -ENOMEM;
	/* Every thread: the I/O thread already runs. */
	ret = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	for (i = 0; !ret && i < sizeof(allowed) / sizeof(allowed[0]); i++)
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0);
	/* open/openat only for reading. */
	if (!ret)
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1,
				       SCMP_A2(SCMP_CMP_MASKED_EQ, O_ACCMODE | O_CREAT | O_TRUNC, O_RDONLY));
	if (!ret)
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(open), 1,
				       SCMP_A1(SCMP_CMP_MASKED_EQ, O_ACCMODE | O_CREAT | O_TRUNC, O_RDONLY));
	for (i = 0; !ret && i < sizeof(allowed_ioctls) / sizeof(allowed_ioctls[0]); i++)
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
				       SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, allowed_ioctls[i]));
	/* Signals only to itself (abort, pthread_kill). */
	if (!ret)
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
				       SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid()));
	/* Threads (no new processes): the flags pthread_create passes include CLONE_THREAD. */
	if (!ret)
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
				       SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
	/* glibc tries clone3 first and falls back to clone on ENOSYS. */
	if (!ret)
		ret = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	if (!ret)
		ret = seccomp_load(ctx);
	seccomp_release(ctx);
	return ret;
}
