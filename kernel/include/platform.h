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
/*
 * Calls input() from the console's receive interrupt, with interrupts off;
 * input() takes the bytes with plat_console_getc() until it returns -1
 * (until then no further interrupt may come).  Returns 0, or -errno when
 * the console cannot interrupt.
 */
int plat_console_irq_init(void (*input)(void));
/* Stops the machine; status as in include/husk/abi.h. */
void plat_exit(int status) __noreturn;
/* Timer: set up after clock_init(); its interrupt calls sched_tick(). */
void plat_timer_init(void);
/* Timer: arm a one-shot interrupt at the given monotonic time (ns); 0 disarms. */
void plat_timer_arm(uint64_t deadline_ns);
/* Interrupt controller setup and end-of-interrupt. */
void plat_irq_init(void);
void plat_irq_eoi(int vector);
/*
 * Routes device interrupt line `line` (on PVH: an I/O APIC GSI; ISA IRQ n
 * is GSI n except the timer) to `vector` of this CPU and unmasks it.
 * Level-triggered lines are active high and stay asserted until the driver
 * acknowledges the device in its handler; plat_irq_eoi() after the handler
 * also ends the line's interrupt at the I/O APIC.  Returns 0, -ENODEV when
 * the platform has no such line, or -EINVAL.
 */
int plat_irq_route(unsigned line, unsigned vector, bool level);
void plat_irq_mask(unsigned line, bool masked);
/* The address/data pair with which a PCI device's MSI or MSI-X raises vector on this CPU. */
void plat_msi_message(unsigned vector, uint64_t *addr, uint32_t *data);
/*
 * Finds the machine's devices and starts their drivers: every
 * virtio_mmio.device=SIZE@BASE:IRQ on the command line (the form Linux
 * reads, which QEMU microvm and husk-vmm add) and the virtio functions on
 * PCI bus 0.  Called once from kmain after vfs_init.
 */
void plat_devices_probe(void);

/* One platform: what plat_* calls once plat_init() has chosen it. */
struct platform {
	const char *name;
	bool (*detect)(void);            /* true when the kernel runs on this platform */
	void (*init)(uint64_t start_info_paddr);
	void (*console_write)(const char *buf, size_t n);
	int (*console_getc)(void);
	int (*console_irq_init)(void (*input)(void));   /* optional: -ENODEV without */
	void (*exit)(int status) __noreturn;
	void (*timer_init)(void);
	void (*timer_arm)(uint64_t deadline_ns);
	void (*irq_init)(void);
	void (*irq_eoi)(int vector);
	int (*irq_route)(unsigned line, unsigned vector, bool level);
	void (*irq_mask)(unsigned line, bool masked);
	void (*msi_message)(unsigned vector, uint64_t *addr, uint32_t *data);
	void (*devices_probe)(void);
};
extern const struct platform pvh_platform;  /* platform/pvh: KVM, QEMU, Firecracker */
extern const struct platform xen_platform;  /* platform/xen: Xen PVH domU */

/*
 * platform/hvm_start.c: fills boot_info (command line, initrd, RAM ranges)
 * from the struct hvm_start_info at start_info_paddr (include/husk/pvh.h);
 * panics, naming the platform, when it is missing or has no memory map.
 */
void hvm_start_parse(uint64_t start_info_paddr, const char *platform_name);

/* platform/pvh/devices.c: the pvh platform's devices_probe. */
void pvh_devices_probe(void);

/* platform/pvh/uart.c */
void uart_init(void);
void uart_write(const char *buf, size_t n);
int uart_getc(void);
/* Raises the UART's interrupt line (ISA IRQ 4) while received data waits. */
void uart_enable_rx_irq(void);
#define UART_IRQ_LINE 4

#endif
