/* SPDX-License-Identifier: MIT */
/* fpu.c: SSE and x87 state (xmm0-15, MXCSR, the x87 control word and stack) survives preemption, thread switches through system calls and the idle loop, and signal handlers that clobber all of it; new threads inherit it. */
// husk-test: status=0 expect="SUCCESS" backends=qemu,vmm
#define _GNU_SOURCE
#include <pthread.h>
#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "check.h"

#define NTHREADS 3
#define ROUNDS 40

struct state {
	uint8_t xmm[16][16];
	uint32_t mxcsr;
	uint16_t fcw;
	double x87;
};

struct worker {
	int id;
	pid_t tid;
	int bad_rounds;
	char what[160];
	volatile int done;
};

static volatile int stop_signals;
static volatile long signals_taken;

/*
 * One round: loads the state into the registers, then spins (mode 0), makes
 * a system call that switches threads (1: sched_yield) or sleeps through
 * the idle loop (2: nanosleep), spins again, and stores the registers.
 * Everything between the load and the store is in one asm block, so only
 * the kernel can change the registers.
 */
static const uint32_t abi_mxcsr = 0x1f80;
static const uint16_t abi_fcw = 0x037f;

static void round_trip(const struct state *in, struct state *out, long spin, int mode)
{
	struct timespec ts = { 0, 500 * 1000 };
	long nr = mode == 1 ? SYS_sched_yield : SYS_nanosleep;
	long s1 = spin, s2 = spin;

	__asm__ volatile(
		"fldcw %c[fcw](%[in])\n\t"
		"ldmxcsr %c[mx](%[in])\n\t"
		"fldl %c[x87](%[in])\n\t"
		"movdqu 0(%[in]), %%xmm0\n\t"
		"movdqu 16(%[in]), %%xmm1\n\t"
		"movdqu 32(%[in]), %%xmm2\n\t"
		"movdqu 48(%[in]), %%xmm3\n\t"
		"movdqu 64(%[in]), %%xmm4\n\t"
		"movdqu 80(%[in]), %%xmm5\n\t"
		"movdqu 96(%[in]), %%xmm6\n\t"
		"movdqu 112(%[in]), %%xmm7\n\t"
		"movdqu 128(%[in]), %%xmm8\n\t"
		"movdqu 144(%[in]), %%xmm9\n\t"
		"movdqu 160(%[in]), %%xmm10\n\t"
		"movdqu 176(%[in]), %%xmm11\n\t"
		"movdqu 192(%[in]), %%xmm12\n\t"
		"movdqu 208(%[in]), %%xmm13\n\t"
		"movdqu 224(%[in]), %%xmm14\n\t"
		"movdqu 240(%[in]), %%xmm15\n\t"
		"1: dec %[s1]\n\t"
		"jnz 1b\n\t"
		"test %[mode], %[mode]\n\t"
		"jz 2f\n\t"
		"mov %[nr], %%rax\n\t"
		"mov %[ts], %%rdi\n\t"
		"xor %%esi, %%esi\n\t"
		"syscall\n\t"
		"2: dec %[s2]\n\t"
		"jnz 2b\n\t"
		"movdqu %%xmm0, 0(%[out])\n\t"
		"movdqu %%xmm1, 16(%[out])\n\t"
		"movdqu %%xmm2, 32(%[out])\n\t"
		"movdqu %%xmm3, 48(%[out])\n\t"
		"movdqu %%xmm4, 64(%[out])\n\t"
		"movdqu %%xmm5, 80(%[out])\n\t"
		"movdqu %%xmm6, 96(%[out])\n\t"
		"movdqu %%xmm7, 112(%[out])\n\t"
		"movdqu %%xmm8, 128(%[out])\n\t"
		"movdqu %%xmm9, 144(%[out])\n\t"
		"movdqu %%xmm10, 160(%[out])\n\t"
		"movdqu %%xmm11, 176(%[out])\n\t"
		"movdqu %%xmm12, 192(%[out])\n\t"
		"movdqu %%xmm13, 208(%[out])\n\t"
		"movdqu %%xmm14, 224(%[out])\n\t"
		"movdqu %%xmm15, 240(%[out])\n\t"
		"fstpl %c[x87](%[out])\n\t"
		"stmxcsr %c[mx](%[out])\n\t"
		"fnstcw %c[fcw](%[out])\n\t"
		/* Back to the ABI's MXCSR and control word for the C code. */
		"ldmxcsr %[abi_mx]\n\t"
		"fldcw %[abi_fcw]\n\t"
		: [s1] "+r"(s1), [s2] "+r"(s2)
		: [in] "r"(in), [out] "r"(out), [mode] "r"((long)mode), [nr] "r"(nr), [ts] "r"(&ts),
		  [abi_mx] "m"(abi_mxcsr), [abi_fcw] "m"(abi_fcw),
		  [fcw] "i"(offsetof(struct state, fcw)), [mx] "i"(offsetof(struct state, mxcsr)),
		  [x87] "i"(offsetof(struct state, x87))
		: "rax", "rdi", "rsi", "rcx", "r11", "memory", "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4",
		  "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
}

static void fill(struct state *s, int id, int round)
{
	for (int r = 0; r < 16; r++)
		for (int b = 0; b < 16; b++)
			s->xmm[r][b] = (uint8_t)(id * 97 + round * 31 + r * 17 + b * 5 + 1);
	/* Rounding control differs per thread (bits 13-14), all exceptions masked. */
	s->mxcsr = 0x1f80 | ((uint32_t)(id & 3) << 13);
	s->fcw = (uint16_t)(0x037f | ((id & 3) << 10));
	s->x87 = 1000.25 * (id + 1) + round;
}

static void *work(void *arg)
{
	struct worker *w = arg;

	w->tid = gettid();
	for (int round = 0; round < ROUNDS; round++) {
		struct state in, out;

		fill(&in, w->id, round);
		memset(&out, 0, sizeof(out));
		round_trip(&in, &out, 200000, (round + w->id) % 3);
		if (memcmp(in.xmm, out.xmm, sizeof(in.xmm)) || in.mxcsr != out.mxcsr || in.fcw != out.fcw ||
		    in.x87 != out.x87) {
			if (!w->bad_rounds++)
				snprintf(w->what, sizeof(w->what),
					 "round %d: xmm %s, mxcsr %#x->%#x, fcw %#x->%#x, x87 %g->%g", round,
					 memcmp(in.xmm, out.xmm, sizeof(in.xmm)) ? "changed" : "kept", in.mxcsr,
					 out.mxcsr, in.fcw, out.fcw, in.x87, out.x87);
		}
	}
	w->done = 1;
	return NULL;
}

/* A handler that clobbers every register the workers check. */
static void clobber(int sig)
{
	static const uint32_t odd_mxcsr = 0x1f80 | (3u << 13) | (1u << 15);   /* round to zero, FTZ */
	static const uint16_t odd_fcw = 0x0c7f;

	(void)sig;
	signals_taken++;
	__asm__ volatile(
		"pcmpeqb %%xmm0, %%xmm0\n\t" "pcmpeqb %%xmm1, %%xmm1\n\t" "pcmpeqb %%xmm2, %%xmm2\n\t"
		"pcmpeqb %%xmm3, %%xmm3\n\t" "pcmpeqb %%xmm4, %%xmm4\n\t" "pcmpeqb %%xmm5, %%xmm5\n\t"
		"pcmpeqb %%xmm6, %%xmm6\n\t" "pcmpeqb %%xmm7, %%xmm7\n\t" "pcmpeqb %%xmm8, %%xmm8\n\t"
		"pcmpeqb %%xmm9, %%xmm9\n\t" "pcmpeqb %%xmm10, %%xmm10\n\t" "pcmpeqb %%xmm11, %%xmm11\n\t"
		"pcmpeqb %%xmm12, %%xmm12\n\t" "pcmpeqb %%xmm13, %%xmm13\n\t" "pcmpeqb %%xmm14, %%xmm14\n\t"
		"pcmpeqb %%xmm15, %%xmm15\n\t"
		"fninit\n\t"
		"fldz\n\t" "fldz\n\t" "fldz\n\t"
		"fldcw %1\n\t"
		"ldmxcsr %0\n\t"
		:
		: "m"(odd_mxcsr), "m"(odd_fcw)
		: "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9",
		  "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "st", "st(1)", "st(2)");
	/* The handler returns with the clobbered state: sigreturn must restore the thread's. */
}

static void *read_control(void *arg)
{
	uint32_t *got = arg;
	uint16_t fcw;

	__asm__ volatile("stmxcsr %0" : "=m"(got[0]));
	__asm__ volatile("fnstcw %0" : "=m"(fcw));
	got[1] = fcw;
	return NULL;
}

/* A new thread starts with its creator's MXCSR and x87 control word (Linux's clone copies the FPU). */
static void inherit(void)
{
	static const uint32_t mx = 0x1f80 | (1u << 13), abi_mx = 0x1f80;   /* round down */
	static const uint16_t cw = 0x037f | (1u << 10), abi_cw = 0x037f;
	uint32_t got[2] = { 0, 0 };
	pthread_t t;

	__asm__ volatile("ldmxcsr %0; fldcw %1" : : "m"(mx), "m"(cw));
	pthread_create(&t, NULL, read_control, got);
	pthread_join(t, NULL);
	__asm__ volatile("ldmxcsr %0; fldcw %1" : : "m"(abi_mx), "m"(abi_cw));
	CHECK(got[0] == mx && got[1] == cw, "new thread's mxcsr %#x fcw %#x, creator's %#x %#x", got[0], got[1], mx,
	      cw);
}

int main(void)
{
	struct worker w[NTHREADS];
	pthread_t t[NTHREADS];
	struct sigaction sa = { 0 };
	int all_done;

	setvbuf(stdout, NULL, _IONBF, 0);
	inherit();
	sa.sa_handler = clobber;
	sigaction(SIGUSR1, &sa, NULL);
	memset(w, 0, sizeof(w));
	for (int i = 0; i < NTHREADS; i++) {
		w[i].id = i + 1;
		pthread_create(&t[i], NULL, work, &w[i]);
	}
	/* Signals land at random points of the rounds; bounded by the workers' end. */
	for (int n = 0; n < 100000; n++) {
		struct timespec ts = { 0, 2 * 1000 * 1000 };

		all_done = 1;
		for (int i = 0; i < NTHREADS; i++) {
			if (w[i].done)
				continue;
			all_done = 0;
			if (w[i].tid)
				syscall(SYS_tgkill, getpid(), w[i].tid, SIGUSR1);
		}
		if (all_done)
			break;
		nanosleep(&ts, NULL);
	}
	for (int i = 0; i < NTHREADS; i++) {
		pthread_join(t[i], NULL);
		CHECK(w[i].bad_rounds == 0, "thread %d: %d of %d rounds lost state; first: %s", w[i].id, w[i].bad_rounds,
		      ROUNDS, w[i].what);
	}
	printf("fpu: %d threads x %d rounds, %ld clobbering signals\n", NTHREADS, ROUNDS, signals_taken);
	CHECK(signals_taken > 0, "no signal reached a worker");
	return check_finish("fpu");
}
