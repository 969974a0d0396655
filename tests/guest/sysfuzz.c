/* SPDX-License-Identifier: MIT */
/* sysfuzz.c: a random-syscall fuzzer: threads make random calls with semi-valid arguments while a ticker thread interrupts blocking ones. */
// husk-test: args="20000 1" status=0 expect="sysfuzz: SUCCESS" expect="calls made" backends=qemu,vmm timeout=300
// husk-test: name=smap args="20000 2" status=0 expect="sysfuzz: SUCCESS" kexpect="husk: smap on" never="outside the user copies" kopts=smap backends=qemu timeout=300
/*
 * Usage: sysfuzz CALLS SEED [THREADS]   (SYSFUZZ_TRACE=1 prints each call first)
 *
 * CALLS random system calls are shared among THREADS (default 4) worker
 * threads, each with its own xorshift generator seeded from SEED, so a run is
 * repeatable up to thread interleaving.  Arguments are drawn from pools:
 * descriptors the fuzzer opened (files, pipes, sockets, eventfd, epoll, ...),
 * pointers into a mapped scratch buffer (filled with random bytes and
 * sometimes with iovecs/timespecs pointing back into it) that ends at a
 * PROT_NONE guard page, unmapped and kernel pointers, sizes at page edges, and raw 64-bit
 * values.
 *
 * Calls that end the program legitimately are never made (exit, kill and
 * friends, reboot, execve, clone), and calls that could make the fuzzer harm
 * itself are confined: mm calls to a private arena, signal masks left alone,
 * stdout/stderr never closed, duplicated over or reconfigured.  A ticker
 * thread sends SIGUSR1 to every worker every few milliseconds without
 * SA_RESTART, so a blocking call returns EINTR instead of waiting forever.
 *
 * The fuzzer ends with "sysfuzz: N calls made" and "sysfuzz: SUCCESS", status 0.
 * A kernel panic, a hang or a fault of the fuzzer itself is the finding.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 16
#define NR_MAX 460
#define SCRATCH_SIZE (64 * 1024)
#define ARENA_PAGES 64
#define POOL_FDS 24
#define PAGE 4096UL

struct worker {
	pthread_t thread;
	int id;
	uint64_t rng;
	long calls;	/* calls to draw */
	long made;	/* calls made (some drawn ones are skipped) */
	unsigned char *scratch; /* SCRATCH_SIZE bytes, then a guard page */
	unsigned char *arena;	/* ARENA_PAGES pages only mm calls touch */
	int fds[POOL_FDS];
	volatile int done;
};

static struct worker workers[MAX_THREADS];
static int nthreads = 4;
static volatile int all_done;
/* Set once every buffer and thread exists: a worker that ran earlier could
 * unmap part of its arena, and a later mapping (another worker's scratch, a
 * thread stack) could take that hole, which the worker's next munmap or
 * MAP_FIXED in its arena would then destroy. */
static volatile int all_started;
static int trace; /* SYSFUZZ_TRACE set: print each call before making it */

/* The calls never made: see the comment at the top. */
static const int forbidden[] = {
	SYS_exit, SYS_exit_group, SYS_reboot, SYS_kill, SYS_tkill, SYS_tgkill,
	SYS_rt_sigqueueinfo, SYS_rt_tgsigqueueinfo, SYS_pidfd_send_signal,
	SYS_execve, SYS_execveat, SYS_clone, SYS_clone3, SYS_fork, SYS_vfork,
	SYS_rt_sigaction, SYS_rt_sigprocmask, SYS_rt_sigreturn, SYS_rt_sigsuspend,
	SYS_sigaltstack, SYS_brk, SYS_arch_prctl, SYS_seccomp, SYS_set_tid_address,
	SYS_set_robust_list, SYS_rseq, SYS_setrlimit, SYS_prlimit64, SYS_mlockall,
	SYS_shmat, SYS_timer_create, SYS_mq_notify, SYS_mount, SYS_umount2,
	SYS_pivot_root, SYS_chroot, SYS_kexec_load, SYS_kexec_file_load,
	SYS_process_vm_writev, SYS_ptrace, SYS_exit_group, SYS_swapon, SYS_swapoff,
	SYS_userfaultfd, SYS_modify_ldt, SYS_iopl, SYS_ioperm, SYS_unshare,
	SYS_setns, SYS_vhangup, SYS_setsid, SYS_setpgid,
};
static unsigned char allowed[NR_MAX];

static const char *const paths[] = {
	"/tmp/fz/a", "/tmp/fz/b", "/tmp/fz/d", "/tmp/fz/d/x", "/tmp/fz", "/tmp/fz/l",
	"/dev/null", "/dev/zero", "/dev/urandom", "/dev/ptmx", "/proc/self/maps",
	"/proc/self/status", "/proc/self/fd", "/proc/meminfo", "/", ".", "..", "",
	"/nonexistent/x", "/tmp/fz/a/../b",
};
#define NPATHS (sizeof(paths) / sizeof(paths[0]))

static uint64_t rnd(struct worker *w)
{
	uint64_t x = w->rng;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return w->rng = x;
}

static uint64_t pick(struct worker *w, uint64_t n)
{
	return rnd(w) % n;
}

static const uint64_t edges[] = {
	0, 3, 4, 7, 8, 15, 16, 31, 32, 63, 64, 127, 128, 255, 256, 511, 512,
	1023, 1024, 4095, 4096, 4097, 8191, 8192, 65535, 65536, 65537,
	0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ULL, 0x7fffffffffffffffULL,
	0x8000000000000000ULL, (uint64_t)-1, (uint64_t)-2, (uint64_t)-4096,
};
#define NEDGES (sizeof(edges) / sizeof(edges[0]))

static uint64_t any_fd(struct worker *w)
{
	int fd = w->fds[pick(w, POOL_FDS)];

	return fd >= 3 ? (uint64_t)fd : 3 + pick(w, 60);
}

static uint64_t scratch_ptr(struct worker *w)
{
	/* Near the end sometimes, so long accesses run into the guard page. */
	if (pick(w, 4) == 0)
		return (uint64_t)(w->scratch + SCRATCH_SIZE - pick(w, 64));
	return (uint64_t)(w->scratch + (pick(w, 8) ? pick(w, 256) * 8 : pick(w, SCRATCH_SIZE)));
}

/* One argument: a descriptor, pointer, size, flag word or raw value. */
static uint64_t gen_arg(struct worker *w)
{
	uint64_t v;

	switch (pick(w, 14)) {
	case 0:
	case 1:
	case 2:
		return any_fd(w);
	case 3:
	case 4:
	case 5:
		return scratch_ptr(w);
	case 6:
		return (uint64_t)paths[pick(w, NPATHS)];
	case 7:
		return (uint64_t)(w->arena + pick(w, ARENA_PAGES) * PAGE);
	case 8: {
		static const uint64_t bad[] = {
			0, 8, 0x1000, 0x800000000000ULL, 0x7ffffffffff8ULL + 0x10,
			0xffff800000000000ULL, 0xffffffff80000000ULL, 0xdead000000000000ULL,
		};
		return bad[pick(w, sizeof(bad) / sizeof(bad[0]))];
	}
	case 9:
	case 10:
		v = edges[pick(w, NEDGES)];
		break;
	case 11:
		v = 1ULL << pick(w, 64);
		break;
	case 12:
		v = pick(w, 256);
		break;
	default:
		v = rnd(w);
		break;
	}
	/* Never stdout or stderr: the marker must reach the console. */
	return v == 1 || v == 2 ? 0 : v;
}

/* Random bytes in the scratch buffer, sometimes with valid iovecs/timespecs in front. */
static void fill_scratch(struct worker *w)
{
	uint64_t *q = (uint64_t *)w->scratch;
	int i;

	for (i = 0; i < 512; i++)
		q[i] = rnd(w);
	switch (pick(w, 4)) {
	case 0: /* iovecs into the buffer */
		for (i = 0; i < 8; i++) {
			q[2 * i] = (uint64_t)(w->scratch + 4096 + pick(w, 8192));
			q[2 * i + 1] = pick(w, 4097);
		}
		break;
	case 1: /* short timespecs/timevals */
		for (i = 0; i < 8; i++) {
			q[2 * i] = 0;
			q[2 * i + 1] = pick(w, 2000000);
		}
		break;
	case 2:
		memset(w->scratch, 0, 256);
		break;
	}
}

static int in_arena(struct worker *w, uint64_t a)
{
	return a >= (uint64_t)w->arena && a < (uint64_t)w->arena + ARENA_PAGES * PAGE;
}

/* Confine the calls that could make the fuzzer harm itself; 0 to skip the call. */
static int sanitize(struct worker *w, long nr, uint64_t *a)
{
	uint64_t span = ARENA_PAGES * PAGE;

	switch (nr) {
	case SYS_mmap:
		a[1] &= 0xffffff; /* at most 16 MiB, and it is unmapped at once */
		if (a[3] & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
			/* A fixed mapping replaces what is there: inside the arena only. */
			a[0] = (uint64_t)w->arena + pick(w, ARENA_PAGES) * PAGE;
			if (a[1] > (uint64_t)w->arena + span - a[0])
				a[1] = (uint64_t)w->arena + span - a[0];
		}
		a[3] &= ~(uint64_t)(MAP_GROWSDOWN);
		break;
	case SYS_munmap:
	case SYS_mprotect:
	case SYS_madvise:
	case SYS_mlock:
	case SYS_mlock2:
	case SYS_munlock:
	case SYS_msync:
	case SYS_mincore:
	case SYS_pkey_mprotect:
	case SYS_remap_file_pages:
	case SYS_process_madvise:
		if (nr == SYS_process_madvise)
			return 0;
		if (!in_arena(w, a[0]))
			a[0] = (uint64_t)w->arena + pick(w, ARENA_PAGES) * PAGE;
		if (a[1] > (uint64_t)w->arena + span - a[0])
			a[1] = (uint64_t)w->arena + span - a[0];
		break;
	case SYS_mremap:
		if (!in_arena(w, a[0]))
			a[0] = (uint64_t)w->arena + pick(w, ARENA_PAGES) * PAGE;
		if (a[1] > (uint64_t)w->arena + span - a[0])
			a[1] = (uint64_t)w->arena + span - a[0];
		a[2] &= 0xffffff;
		if (a[3] & MREMAP_FIXED) {
			/* The new place is replaced too: inside the arena only. */
			a[4] = (uint64_t)w->arena + pick(w, ARENA_PAGES) * PAGE;
			if (a[2] > (uint64_t)w->arena + span - a[4])
				a[2] = (uint64_t)w->arena + span - a[4];
		}
		break;
	case SYS_close:
	case SYS_ioctl:
	case SYS_fcntl:
	case SYS_dup2:
	case SYS_dup3:
	case SYS_close_range:
		/* The kernel takes descriptors as 32-bit ints: compare what it sees. */
		if ((uint32_t)a[0] <= 2)
			a[0] = any_fd(w);
		if ((nr == SYS_dup2 || nr == SYS_dup3) && (uint32_t)a[1] <= 2)
			a[1] = any_fd(w);
		if (nr == SYS_close_range && (uint32_t)a[1] < 3)
			a[1] = 3;
		if (nr == SYS_fcntl && a[1] == F_SETSIG)
			a[2] = SIGUSR2;
		break;
	case SYS_pselect6:
		a[5] = 0; /* a signal mask could block the ticker's signal */
		break;
	case SYS_ppoll:
		a[3] = 0;
		break;
	case SYS_epoll_pwait:
	case SYS_epoll_pwait2:
		a[4] = 0;
		break;
	case SYS_io_pgetevents:
		a[5] = 0;
		break;
	case SYS_prctl:
		/* PR_SET_SECCOMP, PR_SET_TSC, PR_SET_MM, PR_SET_SYSCALL_USER_DISPATCH */
		if (a[0] == 22 || a[0] == 26 || a[0] == 35 || a[0] == 59)
			return 0;
		break;
	case SYS_write:
	case SYS_pwrite64:
	case SYS_writev:
	case SYS_pwritev:
	case SYS_pwritev2:
	case SYS_ftruncate:
	case SYS_truncate:
	case SYS_fallocate:
	case SYS_sendfile:
	case SYS_copy_file_range:
	case SYS_splice:
	case SYS_tee:
		/* Keep files small: the VM's memory is the ramfs's disk. */
		if (nr == SYS_ftruncate || nr == SYS_truncate)
			a[1] &= 0xfffff;
		else if (nr == SYS_fallocate)
			a[2] &= 0xfffff, a[3] &= 0xfffff;
		else if (nr == SYS_pwrite64)
			a[3] &= 0xfffff;
		break;
	}
	return 1;
}

static void reset_fds(struct worker *w)
{
	int i, p[2], s[2];
	char name[32];

	for (i = 0; i < POOL_FDS; i++)
		if (w->fds[i] > 2)
			close(w->fds[i]);
	snprintf(name, sizeof(name), "/tmp/fz/f%d", w->id);
	unlink(name);
	i = 0;
	w->fds[i++] = open(name, O_RDWR | O_CREAT | O_TRUNC, 0644);
	w->fds[i++] = open("/tmp/fz/a", O_RDWR | O_CREAT, 0644);
	w->fds[i++] = open("/dev/null", O_RDWR);
	w->fds[i++] = open("/dev/zero", O_RDONLY);
	w->fds[i++] = open("/tmp/fz", O_RDONLY | O_DIRECTORY);
	w->fds[i++] = open("/proc/self/status", O_RDONLY);
	if (pipe2(p, O_CLOEXEC) == 0) {
		w->fds[i++] = p[0];
		w->fds[i++] = p[1];
	}
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, s) == 0) {
		w->fds[i++] = s[0];
		w->fds[i++] = s[1];
	}
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, s) == 0) {
		w->fds[i++] = s[0];
		w->fds[i++] = s[1];
	}
	w->fds[i++] = socket(AF_INET, SOCK_STREAM, 0);
	w->fds[i++] = socket(AF_INET, SOCK_DGRAM, 0);
	w->fds[i++] = socket(AF_INET6, SOCK_DGRAM, 0);
	w->fds[i++] = eventfd(0, 0);
	w->fds[i++] = epoll_create1(0);
	w->fds[i++] = open("/dev/ptmx", O_RDWR | O_NOCTTY);
	w->fds[i++] = memfd_create("fz", 0);
	w->fds[i++] = inotify_init1(0);
	while (i < POOL_FDS)
		w->fds[i++] = -1;
}

/* Remove what the calls made under /tmp/fz, so memory use stays bounded. */
static void tidy(struct worker *w)
{
	if (w->id != 0)
		return;
	unlink("/tmp/fz/b");
	unlink("/tmp/fz/l");
	unlink("/tmp/fz/d/x");
	rmdir("/tmp/fz/d/x");
	rmdir("/tmp/fz/d");
	truncate("/tmp/fz/a", 0);
}

static void *work(void *arg)
{
	struct worker *w = arg;
	long n = w->calls, i;
	uint64_t a[6];
	long nr, ret;
	int j;

	while (!all_started)
		sched_yield();
	reset_fds(w);
	for (i = 0; i < n; i++) {
		if (i % 64 == 0)
			fill_scratch(w);
		if (i % 2048 == 2047) {
			reset_fds(w);
			tidy(w);
		}
		do
			nr = pick(w, NR_MAX);
		while (!allowed[nr]);
		for (j = 0; j < 6; j++)
			a[j] = gen_arg(w);
		if (!sanitize(w, nr, a))
			continue;
		if (trace)
			printf("sysfuzz: t%d %ld(%llx, %llx, %llx, %llx, %llx, %llx)\n", w->id, nr,
			       (unsigned long long)a[0], (unsigned long long)a[1], (unsigned long long)a[2],
			       (unsigned long long)a[3], (unsigned long long)a[4], (unsigned long long)a[5]);
		ret = syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
		w->made++;
		if (nr == SYS_mmap && ret > 0 && !in_arena(w, ret))
			munmap((void *)ret, a[1]);
		if (nr == SYS_mremap && ret > 0 && !in_arena(w, ret))
			munmap((void *)ret, a[2]);
	}
	w->done = 1;
	return NULL;
}

static void on_signal(int sig)
{
	(void)sig;
}

/* Sends SIGUSR1 to every worker every few milliseconds until all are done. */
static void *tick(void *arg)
{
	struct timespec ts = { 0, 5 * 1000 * 1000 };
	int i;

	(void)arg;
	while (!all_done) {
		for (i = 0; i < nthreads; i++)
			if (!workers[i].done)
				pthread_kill(workers[i].thread, SIGUSR1);
		nanosleep(&ts, NULL);
	}
	return NULL;
}

static void *map_guarded(size_t size)
{
	unsigned char *p = mmap(NULL, size + PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	/* PROT_NONE, not unmapped: a hole could be filled by a thread's stack. */
	mprotect(p + size, PAGE, PROT_NONE);
	return p;
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	pthread_t ticker;
	long calls, total = 0;
	uint64_t seed;
	int i, sig;

	if (argc < 3) {
		fprintf(stderr, "usage: sysfuzz CALLS SEED [THREADS]\n");
		return 2;
	}
	calls = strtol(argv[1], NULL, 0);
	seed = strtoull(argv[2], NULL, 0);
	if (argc > 3)
		nthreads = atoi(argv[3]);
	if (nthreads < 1 || nthreads > MAX_THREADS || calls < 0) {
		fprintf(stderr, "sysfuzz: bad arguments\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	/*
	 * Descriptor 0 is the only low one the calls can reach (1 and 2 are never
	 * drawn): make it /dev/null, so no call can reconfigure the console
	 * (through a dup of it: TIOCSPGRP, TCSETS with TOSTOP) and lose the marker.
	 */
	i = open("/dev/null", O_RDWR);
	if (i > 0) {
		dup2(i, 0);
		close(i);
	}
	trace = getenv("SYSFUZZ_TRACE") != NULL;

	/*
	 * Every catchable signal gets a handler that returns, without
	 * SA_RESTART: a fuzzed call may raise SIGPIPE, SIGALRM, SIGTTOU...  The
	 * synchronous faults keep their default so a fault of the fuzzer shows.
	 */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	for (sig = 1; sig < 65; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP || sig == SIGSEGV || sig == SIGBUS ||
		    sig == SIGILL || sig == SIGFPE || sig == SIGTRAP || sig == SIGSYS)
			continue;
		if (sig >= 32 && sig < SIGRTMIN)
			continue; /* musl's internal signals */
		sigaction(sig, &sa, NULL);
	}

	for (i = 0; i < NR_MAX; i++)
		allowed[i] = 1;
	for (i = 0; i < (int)(sizeof(forbidden) / sizeof(forbidden[0])); i++)
		allowed[forbidden[i]] = 0;
	mkdir("/tmp", 0777);
	mkdir("/tmp/fz", 0777);

	printf("sysfuzz: %ld calls, seed %llu, %d threads\n", calls,
	       (unsigned long long)seed, nthreads);
	for (i = 0; i < nthreads; i++) {
		struct worker *w = &workers[i];

		w->id = i;
		w->rng = seed * 0x9e3779b97f4a7c15ULL + (uint64_t)(i + 1) * 0xbf58476d1ce4e5b9ULL;
		if (w->rng == 0)
			w->rng = 1;
		w->calls = calls / nthreads + (i < calls % nthreads);
		w->scratch = map_guarded(SCRATCH_SIZE);
		w->arena = map_guarded(ARENA_PAGES * PAGE);
		if (!w->scratch || !w->arena) {
			printf("sysfuzz: cannot map the scratch buffers\n");
			return 1;
		}
		if (pthread_create(&w->thread, NULL, work, w) != 0) {
			printf("sysfuzz: pthread_create failed\n");
			return 1;
		}
	}
	if (pthread_create(&ticker, NULL, tick, NULL) != 0) {
		printf("sysfuzz: pthread_create (ticker) failed\n");
		return 1;
	}
	all_started = 1;
	/* The ticker signals workers until all are done; a worker is joined (its
	 * stack unmapped) only after the ticker stopped, else pthread_kill could
	 * touch a freed thread between its done check and the kill. */
	for (i = 0; i < nthreads; i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		while (!workers[i].done)
			nanosleep(&ts, NULL);
	}
	all_done = 1;
	pthread_join(ticker, NULL);
	for (i = 0; i < nthreads; i++) {
		pthread_join(workers[i].thread, NULL);
		total += workers[i].made;
	}
	printf("sysfuzz: %ld calls made\n", total);
	printf("sysfuzz: SUCCESS\n");
	return 0;
}
