/* SPDX-License-Identifier: MIT */
/* sigreturn.c: rt_sigreturn with a forged ucontext (non-canonical rip or rsp, a kernel rip, hostile flags and segments) ends in SIGSEGV or a sane user state, never a kernel crash. */
// husk-test: status=0 expect="SUCCESS" backends=qemu,vmm
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <ucontext.h>
#include <unistd.h>
#include "check.h"

static sigjmp_buf env;
static volatile sig_atomic_t segv_code, segv_count, segv_signo;
static volatile uint64_t segv_addr;
static volatile uint64_t landed_flags, landed_cs;

/* What the forged context says; set before each raise(SIGUSR1). */
static struct {
	int set_rip, set_rsp, set_flags, set_cs;
	uint64_t rip, rsp, flags, cs;
} forge;

static uint64_t landing_stack[2048] __attribute__((aligned(16)));

/* Where a forged rip leads: records the state it arrived with and goes home. */
static void landing(void)
{
	uint64_t f, cs;

	__asm__ volatile("pushfq; popq %0" : "=r"(f));
	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	landed_flags = f;
	landed_cs = cs;
	/* Leave with the direction flag clear whatever came in, for the C library. */
	__asm__ volatile("cld");
	siglongjmp(env, 2);
}

static void on_usr1(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;

	(void)sig;
	(void)si;
	if (forge.set_rip)
		uc->uc_mcontext.gregs[REG_RIP] = (greg_t)forge.rip;
	if (forge.set_rsp)
		uc->uc_mcontext.gregs[REG_RSP] = (greg_t)forge.rsp;
	if (forge.set_flags)
		uc->uc_mcontext.gregs[REG_EFL] = (greg_t)forge.flags;
	if (forge.set_cs)
		uc->uc_mcontext.gregs[REG_CSGSFS] = (greg_t)forge.cs;
}

static void on_segv(int sig, siginfo_t *si, void *ucv)
{
	(void)ucv;
	segv_signo = sig;
	segv_count++;
	segv_code = si->si_code;
	segv_addr = (uint64_t)si->si_addr;
	siglongjmp(env, 1);
}

/* Raises SIGUSR1 with the forge settings; returns 1 for SIGSEGV, 2 for landing. */
static int attempt(void)
{
	int r;

	segv_count = 0;
	landed_flags = landed_cs = 0;
	r = sigsetjmp(env, 1);
	if (r)
		return r;
	raise(SIGUSR1);
	return 0;   /* returned to raise's caller: nothing was forged */
}

int main(void)
{
	struct sigaction sa = { 0 };
	stack_t ss;
	static char altstack[65536];
	int r;

	setvbuf(stdout, NULL, _IONBF, 0);
	sa.sa_sigaction = on_usr1;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	/* A forged rsp leaves no stack for the SIGSEGV handler but this one. */
	ss.ss_sp = altstack;
	ss.ss_size = sizeof(altstack);
	ss.ss_flags = 0;
	sigaltstack(&ss, NULL);

	/* Nothing forged: an ordinary return. */
	CHECK(attempt() == 0, "plain sigreturn");

	/* A non-canonical rip: SIGSEGV (Linux: the failed iret, si_code SI_KERNEL). */
	forge.set_rip = 1;
	forge.rip = 0x8000000000001000ULL;
	r = attempt();
	CHECK(r == 1 && segv_signo == SIGSEGV && segv_code == SI_KERNEL, "non-canonical rip: %d, signal %d, si_code %d",
	      r, (int)segv_signo, (int)segv_code);

	/* A kernel rip: canonical, so the return happens and the fetch faults. */
	forge.rip = 0xffffffff80100000ULL;
	r = attempt();
	CHECK(r == 1 && segv_signo == SIGSEGV, "kernel rip: %d, signal %d", r, (int)segv_signo);
	printf("kernel rip: SIGSEGV si_code %d addr %#lx\n", (int)segv_code, (unsigned long)segv_addr);

	/* A non-canonical rsp with a good rip: SIGBUS (Linux: the iret's stack fault). */
	forge.rip = (uint64_t)landing;
	forge.set_rsp = 1;
	forge.rsp = 0x8000000000002000ULL;
	r = attempt();
	CHECK(r == 1 && segv_signo == SIGBUS && segv_code == SI_KERNEL, "non-canonical rsp: %d, signal %d, si_code %d",
	      r, (int)segv_signo, (int)segv_code);

	/* Hostile flags: IOPL 3, NT, VM, IF clear...; the kept ones arrive, the rest not. */
	forge.rsp = (uint64_t)&landing_stack[2048 - 1];   /* 16n+8, as after a call */
	forge.set_flags = 1;
	forge.flags = 0xffffffffULL & ~(0x100ULL | 0x400ULL | 0x40000ULL) & ~0x200ULL;  /* not TF, DF, AC; IF clear */
	r = attempt();
	CHECK(r == 2, "weird flags: %d", r);
	CHECK((landed_flags & 0x3000) == 0, "IOPL %lu after sigreturn", (unsigned long)(landed_flags >> 12) & 3);
	CHECK(landed_flags & 0x200, "IF clear after sigreturn (flags %#lx)", (unsigned long)landed_flags);
	CHECK(!(landed_flags & (0x4000 | 0x20000)), "NT or VM set after sigreturn (flags %#lx)",
	      (unsigned long)landed_flags);
	CHECK((landed_flags & 0x8d5) == 0x8d5, "arithmetic flags lost (flags %#lx)", (unsigned long)landed_flags);
	CHECK((landed_cs & 3) == 3, "cs %#lx", (unsigned long)landed_cs);

	/* A kernel code segment: never ring 0 (Linux: SIGSEGV; husk forces the user's). */
	forge.set_flags = 0;
	forge.set_cs = 1;
	forge.cs = 0x08;
	r = attempt();
	CHECK(r == 1 || (r == 2 && (landed_cs & 3) == 3), "cs 0x08: %d, cs %#lx", r, (unsigned long)landed_cs);
	forge.set_cs = 0;

	/* A handler at a non-canonical address: the return to user mode that
	 * would enter it fails, and that is a SIGSEGV for the program too. */
	{
		struct sigaction bad = { 0 };

		bad.sa_handler = (void (*)(int))0x8000000000003000ULL;
		sigaction(SIGUSR2, &bad, NULL);
		segv_count = 0;
		r = sigsetjmp(env, 1);
		if (r == 0)
			raise(SIGUSR2);
		CHECK(r == 1 && segv_signo == SIGSEGV, "non-canonical handler: %d, signal %d", r, (int)segv_signo);
	}

	/* Still alive and sane: an ordinary signal round trip. */
	forge.set_rip = forge.set_rsp = 0;
	CHECK(attempt() == 0, "plain sigreturn at the end");
	return check_finish("sigreturn");
}
