/* SPDX-License-Identifier: MIT */
/* cpu.c: GDT with the TSS, IDT, SYSCALL MSRs and FPU setup for the one CPU. */
#include "kernel.h"
#include "mm.h"
#include "sched.h"
#include "x86.h"

struct tss {
	uint32_t reserved0;
	uint64_t rsp0, rsp1, rsp2;
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3, iomap_base;
} __packed;

struct idt_gate {
	uint16_t off0;
	uint16_t sel;
	uint8_t ist;
	uint8_t type;
	uint16_t off1;
	uint32_t off2;
	uint32_t reserved;
} __packed;

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __packed;

extern uint64_t gdt[];   /* boot.S, linked at its physical address */
static struct tss tss;
static struct idt_gate idt[256];
/* Double faults run on their own stack, so that a kernel stack overflow still gets reported. */
static uint8_t df_stack[8192] __attribute__((aligned(16)));
bool cpu_has_tsc_deadline;
bool cpu_has_rdrand;
uint32_t cpu_mxcsr_mask = 0xffbf;

static void set_gate(int vec, uint64_t handler, int dpl, int ist)
{
	struct idt_gate *g = &idt[vec];
	g->off0 = handler & 0xffff;
	g->sel = KERNEL_CS;
	g->ist = ist;
	g->type = 0x8e | (dpl << 5);  /* present, interrupt gate */
	g->off1 = (handler >> 16) & 0xffff;
	g->off2 = handler >> 32;
	g->reserved = 0;
}

void cpu_set_irq_gate(unsigned vec)
{
	set_gate(vec, (uint64_t)vectors + 16 * vec, 0, 0);
}

void cpu_set_kernel_stack(uint64_t top)
{
	tss.rsp0 = top;
	syscall_kstack_top = top;
}

void cpu_init(void)
{
	uint64_t *g = phys_to_virt((uint64_t)gdt);
	uint64_t base = (uint64_t)&tss;
	uint64_t limit = sizeof(tss) - 1;
	struct desc_ptr gdtr = { 7 * 8 - 1, (uint64_t)g };
	struct desc_ptr idtr = { sizeof(idt) - 1, (uint64_t)idt };
	uint32_t a, b, c, d;

	tss.iomap_base = sizeof(tss);
	tss.ist[0] = (uint64_t)df_stack + sizeof(df_stack);
	g[5] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ULL << 40) |
		 (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	g[6] = base >> 32;
	__asm__ volatile("lgdt %0" : : "m"(gdtr));
	__asm__ volatile("ltr %w0" : : "r"(TSS_SEL));

	/*
	 * Exceptions and the vectors the kernel programs (timer, devices, spurious).
	 * The rest stay not-present: setting all 256 costs thousands of
	 * instructions at boot on hosts that emulate ring 0.
	 */
	for (int v = 0; v < 64; v++)
		set_gate(v, (uint64_t)vectors + 16 * v, 0, v == 8 ? 1 : 0);
	set_gate(VEC_SPURIOUS, (uint64_t)vectors + 16 * VEC_SPURIOUS, 0, 0);
	/* int3 may be used from user mode. */
	set_gate(3, (uint64_t)vectors + 16 * 3, 3, 0);
	__asm__ volatile("lidt %0" : : "m"(idtr));

	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE | EFER_NXE);
	wrmsr(MSR_STAR, ((uint64_t)(USER_DS - 8) << 48) | ((uint64_t)KERNEL_CS << 32));
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	/* Clear IF, TF, DF, AC and NT on entry. */
	wrmsr(MSR_FMASK, 0x47700);

	/* SSE for user programs: FXSAVE/FXRSTOR only (xrstor cannot run on every host we support). */
	write_cr0((read_cr0() & ~(1UL << 2)) | (1UL << 1) | (1UL << 5));  /* -EM +MP +NE */
	write_cr4(read_cr4() | (1UL << 9) | (1UL << 10));                  /* OSFXSR, OSXMMEXCPT */
	{
		/* The MXCSR bits this CPU accepts (0: the architectural default, 0xffbf). */
		static uint8_t area[512] __attribute__((aligned(16)));
		uint32_t mask;

		fxsave(area);
		memcpy(&mask, area + 28, sizeof(mask));
		if (mask)
			cpu_mxcsr_mask = mask;
	}

	cpuid(1, 0, &a, &b, &c, &d);
	cpu_has_tsc_deadline = c & (1u << 24);
	cpu_has_rdrand = c & (1u << 30);
}

bool smap_enabled;

bool user_access_checks_enable(void)
{
	uint32_t a, b, c, d;

	cpuid(0, 0, &a, &b, &c, &d);
	if (a < 7)
		return false;
	cpuid(7, 0, &a, &b, &c, &d);
	if (!(b & (1u << 20)))
		return false;
	write_cr4(read_cr4() | (1UL << 21));
	/*
	 * syscall_entry reads a word of its user-visible page before it knows
	 * it runs in ring 0: with SMAP that faults on the user's stack.  A CPU
	 * that runs this option enters SYSCALL in ring 0 (QEMU TCG; not kvm_pvm).
	 */
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry_ring0);
	smap_enabled = true;
	return true;
}
