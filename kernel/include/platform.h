/* SPDX-License-Identifier: MIT */
/* platform.h: what the kernel needs from the machine it runs on; one implementation per platform (platform/pvh, platform/xen), chosen at boot. */
#ifndef PLATFORM_H
#define PLATFORM_H

#include "kernel.h"

struct boot_module {
	uint64_t paddr;
	uint64_t size;
};

struct mem_range {
	uint64_t base;
	uint64_t size;
};

#define PLAT_MAX_MEM_RANGES 32

/* Filled in by the platform entry code before kmain(). */
struct boot_info {
	char cmdline[4096];
	struct mem_range ram[PLAT_MAX_MEM_RANGES];
	int nr_ram;
	struct boot_module initrd;  /* size 0 if none */
};
extern struct boot_info boot_info;

/*
 * Early setup: picks the platform the kernel runs on (Xen when CPUID says so,
 * else pvh) and lets it parse the boot information handed over by the
 * hypervisor.  Everything below goes to the chosen platform.
 */
void plat_init(uint64_t start_info_paddr);
/* Console output (serial port, Xen console ring, ...). */
void plat_console_write(const char *buf, size_t n);
/* Returns a received console byte or -1 if none is waiting. */
int plat_console_getc(void);
/* Stops the machine; status as in include/husk/abi.h. */
void plat_exit(int status) __noreturn;
/* Timer: set up after clock_init(); its interrupt calls sched_tick(). */
void plat_timer_init(void);
/* Timer: arm a one-shot interrupt at the given monotonic time (ns); 0 disarms. */
void plat_timer_arm(uint64_t deadline_ns);
/* Interrupt controller setup and end-of-interrupt. */
void plat_irq_init(void);
void plat_irq_eoi(int vector);

/* One platform: what plat_* calls once plat_init() has chosen it. */
struct platform {
	const char *name;
	bool (*detect)(void);            /* true when the kernel runs on this platform */
	void (*init)(uint64_t start_info_paddr);
	void (*console_write)(const char *buf, size_t n);
	int (*console_getc)(void);
	void (*exit)(int status) __noreturn;
	void (*timer_init)(void);
	void (*timer_arm)(uint64_t deadline_ns);
	void (*irq_init)(void);
	void (*irq_eoi)(int vector);
};
extern const struct platform pvh_platform;  /* platform/pvh: KVM, QEMU, Firecracker */
extern const struct platform xen_platform;  /* platform/xen: Xen PVH domU */

/*
 * platform/hvm_start.c: fills boot_info (command line, initrd, RAM ranges)
 * from the struct hvm_start_info at start_info_paddr (include/husk/pvh.h);
 * panics, naming the platform, when it is missing or has no memory map.
 */
void hvm_start_parse(uint64_t start_info_paddr, const char *platform_name);

/* platform/pvh/uart.c */
void uart_init(void);
void uart_write(const char *buf, size_t n);
int uart_getc(void);

#endif
