/* SPDX-License-Identifier: MIT */
/* vmm.h: internal declarations shared by the husk-vmm source files. */
#ifndef HUSK_VMM_H
#define HUSK_VMM_H

#include <stddef.h>
#include <stdint.h>
#include <poll.h>

/*
 * Guest physical layout below 1 MiB, set up by the monitor.  The kernel
 * never allocates memory below 1 MiB, so none of this is overwritten before
 * the kernel has read it.
 */
#define VMM_GDT_GPA        0x0500ULL   /* GDT for the 64-bit entry */
#define VMM_PML4_GPA       0x1000ULL   /* page tables for the 64-bit entry: */
#define VMM_PDPT_GPA       0x2000ULL   /*   first GiB identity-mapped */
#define VMM_PD_GPA         0x3000ULL   /*   with 2 MiB pages */
#define VMM_START_INFO_GPA 0x6000ULL   /* struct hvm_start_info */
#define VMM_MODLIST_GPA    0x6040ULL   /* struct hvm_modlist_entry[1] */
#define VMM_MEMMAP_GPA     0x6080ULL   /* struct hvm_memmap_table_entry[] */
#define VMM_MEMMAP_MAX     8
#define VMM_CMDLINE_GPA    0x7000ULL   /* NUL-terminated command line */
#define VMM_CMDLINE_END    0x80000ULL  /* ...which must end below this */
#define VMM_KERNEL_MIN_GPA 0x100000ULL /* kernel segments start at 1 MiB or above */

#define VMM_MEM_MIN        (16ULL << 20)
/* RAM stays below the 32-bit MMIO hole (LAPIC, IOAPIC, virtio-mmio). */
#define VMM_MEM_MAX        (3ULL << 30)

#define VMM_PAGE_SIZE      4096ULL

/* ------------------------------------------------------------ core.c */

extern int vmm_verbose;

/*
 * Stop the monitor because the guest misbehaved or crashed: prints
 * "husk-vmm: guest crashed: FILE:LINE: <reason>", a register dump when a
 * vCPU exists, flushes the console and exits with HUSK_STATUS_CRASH.
 */
#define vmm_crash(...) vmm_crash_at(__FILE__, __LINE__, __VA_ARGS__)
void vmm_crash_at(const char *file, int line, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 3, 4)));

/* Stop the monitor with a host-side error: "husk-vmm: <message>", HUSK_STATUS_HOST. */
void vmm_die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* Flush the console and exit the monitor with the guest's status. */
void vmm_exit(int status) __attribute__((noreturn));

/* Debug message, printed only with -v. */
void vmm_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Guest RAM: host mapping of guest physical [0, size). */
struct vmm_mem {
	uint8_t *base;
	uint64_t size;
};

/*
 * Host pointer for guest physical [gpa, gpa + len), or NULL if any part of
 * it lies outside guest RAM.  Every guest-supplied address goes through
 * this (or vmm_gpa_checked) before the monitor touches it.
 */
void *vmm_gpa_ptr(const struct vmm_mem *mem, uint64_t gpa, uint64_t len);

/* As vmm_gpa_ptr, but an out-of-range access by the guest stops the monitor. */
#define vmm_gpa_checked(mem, gpa, len) \
	vmm_gpa_checked_at(__FILE__, __LINE__, (mem), (gpa), (len))
void *vmm_gpa_checked_at(const char *file, int line, const struct vmm_mem *mem,
			 uint64_t gpa, uint64_t len);

/*
 * Devices.  Port I/O and MMIO exits are dispatched through two tables; a
 * device registers a range and handlers.  Sizes are 1, 2, 4 (and 8 for
 * MMIO), already checked by the dispatcher; offsets are relative to base
 * and inside the registered range.  Handlers return 0 or -errno; they stop
 * the monitor themselves (vmm_crash) when the guest breaks a rule.
 */
struct vmm_pio_dev {
	const char *name;
	uint16_t base;
	uint16_t len;
	uint32_t (*in)(void *opaque, uint16_t off, unsigned size);
	void (*out)(void *opaque, uint16_t off, unsigned size, uint32_t val);
	void *opaque;
};

struct vmm_mmio_dev {
	const char *name;
	uint64_t base;
	uint64_t len;
	uint64_t (*read)(void *opaque, uint64_t off, unsigned size);
	void (*write)(void *opaque, uint64_t off, unsigned size, uint64_t val);
	void *opaque;
};

int vmm_pio_register(const struct vmm_pio_dev *dev);
int vmm_mmio_register(const struct vmm_mmio_dev *dev);
/* Dispatch one access; unclaimed ports read all ones and ignore writes. */
uint32_t vmm_pio_in(uint16_t port, unsigned size);
void vmm_pio_out(uint16_t port, unsigned size, uint32_t val);
/* Dispatch one access; an unclaimed address stops the monitor. */
uint64_t vmm_mmio_read(uint64_t addr, unsigned size);
void vmm_mmio_write(uint64_t addr, unsigned size, uint64_t val);

/* Hook the register dump of the running vCPU into vmm_crash. */
void vmm_set_crash_dump(void (*dump)(void *opaque), void *opaque);

/* ------------------------------------------------------------ elf.c */

struct vmm_kernel {
	uint64_t entry32;	/* XEN_ELFNOTE_PHYS32_ENTRY, if has_entry32 */
	uint64_t entry64;	/* HUSK_ELFNOTE_ENTRY64, if has_entry64 */
	int has_entry32;
	int has_entry64;
	uint32_t abi_version;	/* HUSK_ELFNOTE_ABI, if has_abi */
	int has_abi;
	uint64_t end;		/* first byte after the highest segment */
};

/*
 * Check the kernel ELF image file[0, size) and, when mem is not NULL, load
 * its PT_LOAD segments at p_paddr into guest RAM.  Returns 0, or -ENOEXEC
 * with *why naming the first problem found; nothing is loaded then.
 */
int vmm_elf_load(const uint8_t *file, size_t size, const struct vmm_mem *mem,
		 struct vmm_kernel *kernel, const char **why);

/* ------------------------------------------------------------ pvh.c */

/*
 * Write struct hvm_start_info, its memory map, the command line and the
 * module list (module 0 = the initrd, already placed at initrd_gpa) into
 * guest RAM.  Returns 0, or -E2BIG if the command line does not fit.
 */
int vmm_pvh_setup(const struct vmm_mem *mem, const char *cmdline,
		  uint64_t initrd_gpa, uint64_t initrd_size, int have_initrd);

/* Build the GDT and identity page tables (first GiB) for the 64-bit entry. */
void vmm_pvh_setup_long_mode(const struct vmm_mem *mem);

/* ------------------------------------------------------------ serial.c */

/* Register the 16550 at HUSK_COM1_PORT: output to stdout, input from stdin. */
int vmm_serial_init(void);
/* Write out any buffered console output. */
void vmm_serial_flush(void);

/* ------------------------------------------------------------ ports.c */

/* Register the exit port and the status (debug console) port. */
int vmm_ports_init(void);

/* ------------------------------------------------------------ event.c */

/*
 * The I/O thread.  Devices live on two threads: the vCPU thread calls their
 * MMIO handlers, the I/O thread their back-end events (a tap or a socket
 * became readable, a timer expired).  One lock, taken by both around any
 * device state, keeps them apart; it is not held while the vCPU runs the
 * guest or while the I/O thread sleeps in poll.
 */
void vmm_dev_lock(void);
void vmm_dev_unlock(void);

/* Called on the I/O thread, with the device lock held, with the epoll events that fired. */
typedef void vmm_event_fn(void *opaque, uint32_t events);

/* Watch fd for events (EPOLLIN, EPOLLOUT; level-triggered).  Returns 0 or -errno. */
int vmm_event_add(int fd, uint32_t events, vmm_event_fn *fn, void *opaque);
/* Change the events watched on fd (0: none for now).  Returns 0 or -errno. */
int vmm_event_mod(int fd, uint32_t events);

/*
 * A back end whose descriptors change at every turn (libslirp): before each
 * poll, fill() appends up to max pollfds at fds[*n] and may lower
 * *timeout_ms; after it, dispatch() sees them again with revents set
 * (error != 0 when poll itself failed).  Both run with the device lock held.
 */
struct vmm_poll_hook {
	void (*fill)(void *opaque, struct pollfd *fds, unsigned *n, unsigned max, int *timeout_ms);
	void (*dispatch)(void *opaque, struct pollfd *fds, unsigned n, int error);
	void *opaque;
};
int vmm_event_add_hook(const struct vmm_poll_hook *hook);

/* Make the I/O thread go round its loop again (a hook's descriptors changed).  Any thread. */
void vmm_event_wake(void);

/* Start the I/O thread (once every device is set up).  Returns 0 or -errno. */
int vmm_event_start(void);

/* ------------------------------------------------------------ seccomp.c */

/*
 * Confine the monitor (every thread) to what the running VM needs; called
 * once everything is set up, just before the vCPU loop.  A forbidden call
 * afterwards prints what it was and kills the monitor with SIGSYS.
 * Returns 0 or -errno.
 */
int vmm_seccomp_install(void);

/* ------------------------------------------------------------ kvm_x86_64.c */

/* Set IOAPIC input gsi to level (1 asserted, 0 not).  Safe from any thread. */
void vmm_irq_line(unsigned gsi, int level);
/*
 * Have KVM signal eventfd fd, instead of exiting to the vCPU thread, when
 * the guest writes datamatch (len bytes) to MMIO address addr.  Returns 0
 * or -errno (the write then exits as before).
 */
int vmm_ioeventfd(uint64_t addr, unsigned len, uint64_t datamatch, int fd);


enum vmm_entry { VMM_ENTRY_AUTO, VMM_ENTRY_PVH, VMM_ENTRY_64 };

struct vmm_kvm;

/*
 * Open /dev/kvm and create a VM with mem_size bytes of RAM mapped at 0.
 * Failures print their own message (they are host errors) and return -errno.
 */
int vmm_kvm_create(uint64_t mem_size, struct vmm_kvm **kvmp, struct vmm_mem *mem);
/* Create the vCPU and set its state for the chosen entry. */
int vmm_kvm_setup_vcpu(struct vmm_kvm *kvm, enum vmm_entry entry, uint64_t rip,
		       uint64_t start_info);
/* Run until the guest exits (never returns) or a host error (-errno). */
int vmm_kvm_run(struct vmm_kvm *kvm);
/* Print what KVM offers the guest (CPUID leaves, capabilities) for -v. */
void vmm_kvm_describe(struct vmm_kvm *kvm);

#endif
