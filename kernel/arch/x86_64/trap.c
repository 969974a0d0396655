/* SPDX-License-Identifier: MIT */
/* trap.c: exceptions, interrupts and system call entry from user mode; register dumps and backtraces. */
#include "kernel.h"
#include "ksyms.h"
#include "mm.h"
#include "platform.h"
#include "sched.h"
#include "signal.h"
#include "syscall.h"
#include "x86.h"
#include "exec.h"
#include "irq.h"
#include "husk/abi.h"

#define VEC_SYSCALL 0x100

static const char *const exception_names[32] = {
	"divide error", "debug", "NMI", "breakpoint", "overflow", "bound range",
	"invalid opcode", "device not available", "double fault", "coprocessor overrun",
	"invalid TSS", "segment not present", "stack fault", "general protection",
	"page fault", "reserved", "x87 FPU error", "alignment check", "machine check",
	"SIMD FP exception", "virtualization", "control protection",
};

static void dump_regs(const struct trapframe *tf)
{
	printk_err("  rip %016lx  rsp %016lx  rflags %08lx  cs %lx ss %lx\n",
		   tf->rip, tf->rsp, tf->rflags, tf->cs, tf->ss);
	printk_err("  rax %016lx  rbx %016lx  rcx %016lx  rdx %016lx\n", tf->rax, tf->rbx, tf->rcx, tf->rdx);
	printk_err("  rsi %016lx  rdi %016lx  rbp %016lx  r8  %016lx\n", tf->rsi, tf->rdi, tf->rbp, tf->r8);
	printk_err("  r9  %016lx  r10 %016lx  r11 %016lx  r12 %016lx\n", tf->r9, tf->r10, tf->r11, tf->r12);
	printk_err("  r13 %016lx  r14 %016lx  r15 %016lx  err %lx  cr2 %016lx\n",
		   tf->r13, tf->r14, tf->r15, tf->error, read_cr2());
}

void backtrace_kernel(uint64_t rbp, uint64_t rip)
{
	char name[128];

	printk_err("backtrace (kernel):\n");
	ksyms_lookup(rip, name, sizeof(name));
	printk_err("  #0 %016lx %s\n", rip, name);
	for (int i = 1; i < 32 && rbp >= KERNEL_VMA && (rbp & 7) == 0; i++) {
		uint64_t *frame = (uint64_t *)rbp;
		uint64_t ret = frame[1];
		if (ret < KERNEL_VMA)
			break;
		ksyms_lookup(ret, name, sizeof(name));
		printk_err("  #%d %016lx %s\n", i, ret, name);
		rbp = frame[0];
	}
}

/*
 * Walks the user stack by frame pointers.  Frames are read with
 * copy_from_user, so a corrupt chain just ends the walk.
 */
static void backtrace_user(const struct trapframe *tf)
{
	char name[128];
	uint64_t rbp = tf->rbp;

	printk_err("backtrace (user):\n");
	exec_symbolize(current_proc(), tf->rip, name, sizeof(name));
	printk_err("  #0 %016lx %s\n", tf->rip, name);
	for (int i = 1; i < 32; i++) {
		uint64_t frame[2];
		if (rbp == 0 || (rbp & 7) || copy_from_user(frame, (void *)rbp, sizeof(frame)) < 0)
			break;
		if (frame[1] == 0)
			break;
		exec_symbolize(current_proc(), frame[1], name, sizeof(name));
		printk_err("  #%d %016lx %s\n", i, frame[1], name);
		if (frame[0] <= rbp)
			break;
		rbp = frame[0];
	}
}

void dump_user_crash(struct trapframe *tf, const char *what)
{
	printk_err("husk: program %s (tid %d): %s at %016lx\n",
		   current_proc()->exe_path ? current_proc()->exe_path : "?", current->tid, what, tf->rip);
	dump_regs(tf);
	backtrace_user(tf);
}

static __noreturn void kernel_fault(struct trapframe *tf)
{
	const char *name = tf->vector < 32 && exception_names[tf->vector] ? exception_names[tf->vector] : "exception";

	printk_err("husk: kernel panic: %s (vector %lu) in kernel mode\n", name, tf->vector);
	dump_regs(tf);
	backtrace_kernel(tf->rbp, tf->rip);
	machine_exit(HUSK_STATUS_CRASH);
}

/* The recovery address of the faulting instruction at rip (__ex_table), or 0. */
static uint64_t extable_fixup(uint64_t rip)
{
	extern const uint64_t __ex_table_start[], __ex_table_end[];

	for (const uint64_t *e = __ex_table_start; e < __ex_table_end; e += 2)
		if (e[0] == rip)
			return e[1];
	return 0;
}

#define RFLAGS_AC (1UL << 18)

/* The function at rip, then its callers by frame pointers, as "fn [caller] < caller < ...". */
static void describe_kernel_site(const struct trapframe *tf, char *line, size_t size)
{
	char name[96];
	uint64_t rbp = tf->rbp, top = *(uint64_t *)tf->rsp;
	size_t len;

	ksyms_lookup(tf->rip, name, sizeof(name));
	snprintk(line, size, "%s", name);
	/* A leaf (memcpy) has no frame of its own: its caller is at the top of the stack. */
	if (top >= KERNEL_VMA) {
		ksyms_lookup(top, name, sizeof(name));
		len = strlen(line);
		snprintk(line + len, size - len, " [%s]", name);
	}
	for (int i = 0; i < 4 && rbp >= KERNEL_VMA && (rbp & 7) == 0; i++) {
		uint64_t *frame = (uint64_t *)rbp;

		if (frame[1] < KERNEL_VMA)
			break;
		ksyms_lookup(frame[1], name, sizeof(name));
		len = strlen(line);
		snprintk(line + len, size - len, " < %s", name);
		rbp = frame[0];
	}
}

/*
 * The "smap" debug option: kernel code touched user memory outside the
 * user-copy helpers (a fault there would kill the program instead of
 * returning EFAULT).  Says where, once per instruction, on one line (quiet
 * mode shows only "husk:" lines), and lets the access through by returning
 * with AC set (the rest of this system call is not checked).
 */
static void smap_report(struct trapframe *tf, uint64_t addr)
{
	static uint64_t seen[64];
	static unsigned nseen;
	char line[256];

	tf->rflags |= RFLAGS_AC;
	for (unsigned i = 0; i < nseen; i++)
		if (seen[i] == tf->rip)
			return;
	if (nseen < ARRAY_SIZE(seen))
		seen[nseen++] = tf->rip;
	describe_kernel_site(tf, line, sizeof(line));
	printk_err("husk: smap: kernel access to user address %016lx outside the user copies: %s\n", addr, line);
}

static void page_fault(struct trapframe *tf)
{
	uint64_t addr = read_cr2();
	bool user = (tf->cs & 3) == 3;
	bool write = tf->error & 2;
	bool exec = tf->error & 16;

	int err;

	if (!user && addr < USER_TOP && smap_enabled && !(tf->rflags & RFLAGS_AC)) {
		smap_report(tf, addr);
		return;
	}
	err = addr < USER_TOP ? vm_fault(current_proc()->vm, addr, write, exec) : -EFAULT;

	if (err == 0)
		return;
	if (err == -ENOMEM) {
		/* As Linux's OOM killer would: the program dies by SIGKILL, and says why. */
		printk_err("husk: out of memory: the VM's %lu MiB are used up (husk run -m gives it more)\n",
			   page_vm_mib());
		proc_kill_self(SIGKILL);
	}
	if (user && err == -ENXIO) {
		/* A file mapping, shared or private, wholly beyond the end of the file. */
		signal_fault(tf, SIGBUS, BUS_ADRERR, addr);
		return;
	}
	if (user) {
		signal_fault(tf, SIGSEGV, vm_find(current_proc()->vm, addr) ? SEGV_ACCERR : SEGV_MAPERR, addr);
		return;
	}
	/* A user copy (usercopy.S) met a bad user address: the copy reports -EFAULT. */
	if (addr < USER_TOP && extable_fixup(tf->rip)) {
		tf->rip = extable_fixup(tf->rip);
		return;
	}
	/* The kernel touched a user address that is not mapped (user_ok raced with munmap). */
	if (addr < USER_TOP && current) {
		printk_err("husk: bad user address %016lx during a system call\n", addr);
		proc_kill_self(SIGSEGV);
	}
	printk_err("husk: page fault at %016lx (%s)\n", addr, write ? "write" : "read");
	kernel_fault(tf);
}

static void user_exception(struct trapframe *tf)
{
	switch (tf->vector) {
	case 0:  /* divide error */
		signal_fault(tf, SIGFPE, FPE_INTDIV, tf->rip);
		break;
	case 16:
	case 19:
		signal_fault(tf, SIGFPE, FPE_FLTINV, tf->rip);
		break;
	case 6:
		signal_fault(tf, SIGILL, ILL_ILLOPN, tf->rip);
		break;
	case 1:
	case 3:
		signal_fault(tf, SIGTRAP, TRAP_BRKPT, tf->rip);
		break;
	case 17:
		signal_fault(tf, SIGBUS, BUS_ADRALN, tf->rip);
		break;
	default:  /* #GP, #SS, #NP, ...: Linux reports these as SI_KERNEL */
		signal_fault(tf, SIGSEGV, SI_KERNEL, 0);
		break;
	}
}

/*
 * The iretq of trap_return faulted (#GP, #SS, #NP): the frame it was taking
 * to user mode was bad (a non-canonical rip or rsp that a user-controlled
 * path let through).  The general registers still hold the user's values
 * (tf has them) and the iret frame is at the faulting rsp: rebuild the
 * user's state in tf and make the fault a SIGSEGV for the program, as
 * Linux's bad-iret fixup does.  Returns false for any other fault.
 */
static bool iret_fault(struct trapframe *tf)
{
	const uint64_t *frame = (const uint64_t *)tf->rsp;   /* rip, cs, rflags, rsp, ss */

	if ((tf->cs & 3) || tf->rip != (uint64_t)trap_return_iret || !current ||
	    (tf->vector != 11 && tf->vector != 12 && tf->vector != 13))
		return false;
	tf->rip = frame[0];
	tf->rflags = (frame[2] & USER_RFLAGS_MASK) | RFLAGS_IF | 2;
	tf->rsp = frame[3];
	tf->cs = USER_CS;
	tf->ss = USER_DS;
	/* Linux: a stack fault (a bad rsp) is SIGBUS, the rest SIGSEGV. */
	signal_fault(tf, tf->vector == 12 ? SIGBUS : SIGSEGV, SI_KERNEL, 0);
	return true;
}

/* Work to do before returning to user mode: signals, rescheduling, exit. */
/*
 * preempted: the thread lost the CPU on its way here.  Only then (or when a
 * signal handler is about to run) must an rseq critical section restart,
 * as on Linux; a plain interrupt return does not touch user memory.
 */
static void return_to_user(struct trapframe *tf, bool preempted)
{
	for (;;) {
		if (current_proc()->exiting)
			thread_exit(0);
		if (need_resched) {
			need_resched = false;
			schedule();
			preempted = true;
			continue;
		}
		if (signal_pending_deliverable()) {
			/* The handler frame must hold the restarted rip, so fix up first. */
			if (current->rseq && !rseq_fixup(tf))
				signal_fault(tf, SIGSEGV, SI_KERNEL, 0);
			signal_deliver(tf);
			continue;
		}
		break;
	}
	if (preempted && current->rseq && !rseq_fixup(tf))
		signal_fault(tf, SIGSEGV, SI_KERNEL, 0);
}

void trap(struct trapframe *tf)
{
	uint64_t v = tf->vector;

	if (v == VEC_SYSCALL || (v == 6 && tf->rip == (uint64_t)syscall_reentry_ud2)) {
		if (v != VEC_SYSCALL) {
			/* A SYSCALL that arrived in ring 3 and re-entered through #UD (entry.S). */
			tf->rip = tf->rcx;
			/* The user chose r11 freely here: never let it raise IOPL or clear IF. */
			tf->rflags = (tf->r11 & USER_RFLAGS_MASK) | RFLAGS_IF | 2;
			tf->cs = USER_CS;
			tf->ss = USER_DS;
		}
		current->tf = tf;
		syscall_dispatch(tf);
		return_to_user(tf, false);
		current->syscall_nr = -1;   /* only signals met on this return may restart it */
		return;
	}
	if (v >= 32) {
		/* The spurious vector must not be acknowledged. */
		if (v != VEC_SPURIOUS)
			irq_dispatch(v);
		if ((tf->cs & 3) == 3)
			return_to_user(tf, false);
		return;
	}
	if (v == 14) {
		page_fault(tf);
	} else if ((tf->cs & 3) == 3) {
		user_exception(tf);
	} else if (!iret_fault(tf)) {
		kernel_fault(tf);
	}
	if ((tf->cs & 3) == 3)
		return_to_user(tf, false);
}
