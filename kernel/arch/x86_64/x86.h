/* SPDX-License-Identifier: MIT */
/* x86.h: inline wrappers for x86-64 instructions, control registers and MSRs. */
#ifndef X86_H
#define X86_H

#include "kernel.h"

struct trapframe;

#define KERNEL_CS 0x08
#define KERNEL_DS 0x10
#define USER_DS   0x1b
#define USER_CS   0x23
#define TSS_SEL   0x28

#define MSR_EFER          0xc0000080
#define MSR_STAR          0xc0000081
#define MSR_LSTAR         0xc0000082
#define MSR_FMASK         0xc0000084
#define MSR_FS_BASE       0xc0000100
#define MSR_GS_BASE       0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102
#define MSR_APIC_BASE     0x1b
#define MSR_TSC_DEADLINE  0x6e0
#define EFER_SCE (1u << 0)
#define EFER_NXE (1u << 11)

#define RFLAGS_IF (1u << 9)
/* Flags a user program may set: CF PF AF ZF SF TF DF OF AC ID. */
#define USER_RFLAGS_MASK 0x240dd5UL

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline uint32_t inl(uint16_t port)
{
	uint32_t v;
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}
static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}
static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}
static inline uint64_t read_cr2(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}
static inline uint64_t read_cr3(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}
static inline void write_cr3(uint64_t v) { __asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory"); }
static inline uint64_t read_cr0(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}
static inline void write_cr0(uint64_t v) { __asm__ volatile("mov %0, %%cr0" : : "r"(v)); }
static inline uint64_t read_cr4(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}
static inline void write_cr4(uint64_t v) { __asm__ volatile("mov %0, %%cr4" : : "r"(v)); }
static inline void invlpg(uint64_t va) { __asm__ volatile("invlpg (%0)" : : "r"(va) : "memory"); }
static inline void cli(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void sti_hlt(void) { __asm__ volatile("sti; hlt; cli" ::: "memory"); }
static inline void fxsave(void *area) { __asm__ volatile("fxsave64 (%0)" : : "r"(area) : "memory"); }
static inline void fxrstor(const void *area) { __asm__ volatile("fxrstor64 (%0)" : : "r"(area) : "memory"); }

/* arch/x86_64/cpu.c */
void cpu_init(void);
void cpu_set_kernel_stack(uint64_t top);
extern bool cpu_has_tsc_deadline;
extern bool cpu_has_rdrand;
/* Set once the "smap" debug option turned SMAP on (usercopy.S tests it). */
extern bool smap_enabled;
/* MXCSR bits FXRSTOR accepts on this CPU (a user-supplied MXCSR is masked with it). */
extern uint32_t cpu_mxcsr_mask;

/* arch/x86_64/entry.S */
void syscall_entry(void);
void syscall_entry_ring0(void);
extern char syscall_reentry_ud2[];
void trap_return(void);
extern char trap_return_iret[];   /* the iretq of trap_return */
/* Saves callee-saved registers on the current stack, stores rsp in *old_ksp, switches to new_ksp. */
void context_switch(uint64_t *old_ksp, uint64_t new_ksp);
void thread_entry_user(void);
extern uint64_t syscall_kstack_top;
extern char vectors[];       /* 256 entry stubs, 16 bytes apart */

/* arch/x86_64/cpu.c: installs the IDT gate of an interrupt vector (irq_register does). */
void cpu_set_irq_gate(unsigned vec);

/* arch/x86_64/trap.c */
void trap(struct trapframe *tf);
void dump_user_crash(struct trapframe *tf, const char *what);
void backtrace_kernel(uint64_t rbp, uint64_t rip);

/* arch/x86_64/apic.c */
void apic_init(void);
void apic_eoi(void);
void apic_timer_init(void);
/* Arms the one-shot timer at a monotonic time in ns (0 disarms): TSC deadline or counts. */
void apic_timer_arm(uint64_t deadline_ns);
/* The TSC frequency measured against the APIC timer (which runs at APIC_TIMER_HZ), over a window scaled to the cost of reading it. */
uint64_t apic_calibrate_tsc(void);
/* This CPU's APIC ID, the destination of routed interrupts and MSI messages. */
uint32_t apic_id(void);

/* arch/x86_64/ioapic.c: ioapic_init masks the 8259 PICs; line is a GSI; returns 0, -ENODEV (no I/O APIC pin) or -EINVAL. */
void ioapic_init(void);
int ioapic_route(unsigned line, unsigned vector, bool level, unsigned apic_id);
void ioapic_mask(unsigned line, bool masked);
#define VEC_TIMER   0x20
#define VEC_SPURIOUS 0xff

#endif
