/* SPDX-License-Identifier: MIT */
/* pvh.c: the PVH platform: boot information from struct hvm_start_info, console, exit and timer. */
#include "irq.h"
#include "kernel.h"
#include "mm.h"
#include "platform.h"
#include "husk/abi.h"
#include "husk/pvh.h"
#include "../../arch/x86_64/x86.h"

struct boot_info boot_info;

/* Boot data lives in the first GiB, which the boot page tables map at the direct map. */
static const void *early_ptr(uint64_t pa, uint64_t len)
{
	if (pa == 0 || pa + len < pa || pa + len > (1UL << 30))
		return NULL;
	return phys_to_virt(pa);
}

void plat_init(uint64_t start_info_paddr)
{
	const struct hvm_start_info *si = early_ptr(start_info_paddr, sizeof(*si));

	uart_init();
	if (!si || si->magic != HVM_START_MAGIC_VALUE)
		panic("PVH: no valid hvm_start_info at %lx", start_info_paddr);
	if (si->cmdline_paddr) {
		const char *cl = early_ptr(si->cmdline_paddr, 1);
		if (cl)
			strlcpy(boot_info.cmdline, cl, sizeof(boot_info.cmdline));
	}
	if (si->nr_modules > 0) {
		const struct hvm_modlist_entry *m = early_ptr(si->modlist_paddr, sizeof(*m));
		if (m) {
			boot_info.initrd.paddr = m->paddr;
			boot_info.initrd.size = m->size;
		}
	}
	if (si->version >= 1 && si->memmap_entries > 0) {
		const struct hvm_memmap_table_entry *e =
			early_ptr(si->memmap_paddr, si->memmap_entries * sizeof(*e));
		for (uint32_t i = 0; e && i < si->memmap_entries && boot_info.nr_ram < PLAT_MAX_MEM_RANGES; i++) {
			if (e[i].type != HVM_MEMMAP_TYPE_RAM)
				continue;
			boot_info.ram[boot_info.nr_ram].base = e[i].addr;
			boot_info.ram[boot_info.nr_ram].size = e[i].size;
			boot_info.nr_ram++;
		}
	}
	if (boot_info.nr_ram == 0)
		panic("PVH: no memory map in hvm_start_info (version %u)", si->version);
}

void plat_exit(int status)
{
	char buf[16];
	int n = snprintk(buf, sizeof(buf), "%d\n", status);

	/* The decimal status for the husk CLI (QEMU's exit code only keeps 7 bits of it)... */
	for (int i = 0; i < n; i++)
		outb(HUSK_STATUS_PORT, buf[i]);
	/* ...then the exit itself. */
	outl(HUSK_EXIT_PORT, status);
	for (;;)
		__asm__ volatile("cli; hlt");
}

void plat_console_write(const char *buf, size_t n)
{
	uart_write(buf, n);
}

int plat_console_getc(void)
{
	return uart_getc();
}

static void (*console_input)(void);

static void uart_irq(void *arg)
{
	console_input();
}

int plat_console_irq_init(void (*input)(void))
{
	int vector = irq_alloc_vector(), err;

	if (vector < 0)
		return vector;
	console_input = input;
	err = irq_register(vector, uart_irq, NULL);
	/* ISA IRQ 4 is GSI 4 on every PC machine (only IRQ 0 is overridden); edge-triggered. */
	if (!err)
		err = plat_irq_route(UART_IRQ_LINE, vector, false);
	if (err) {
		irq_unregister(vector);
		return err;
	}
	uart_enable_rx_irq();
	return 0;
}

void plat_irq_init(void)
{
	ioapic_init();
	apic_init();
}

void plat_irq_eoi(int vector)
{
	(void)vector;
	apic_eoi();
}

int plat_irq_route(unsigned line, unsigned vector, bool level)
{
	return ioapic_route(line, vector, level, apic_id());
}

void plat_irq_mask(unsigned line, bool masked)
{
	ioapic_mask(line, masked);
}

void plat_msi_message(unsigned vector, uint64_t *addr, uint32_t *data)
{
	/* Fixed delivery, edge, physical destination: this CPU. */
	*addr = 0xfee00000u | (uint64_t)(apic_id() & 0xff) << 12;
	*data = vector & 0xff;
}
