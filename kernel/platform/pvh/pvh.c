/* SPDX-License-Identifier: MIT */
/* pvh.c: the PVH platform (KVM, QEMU, Firecracker): COM1 console, exit ports, local APIC interrupts and timer. */
#include "irq.h"
#include "kernel.h"
#include "platform.h"
#include "husk/abi.h"
#include "../../arch/x86_64/x86.h"

static void pvh_init(uint64_t start_info_paddr)
{
	uart_init();
	hvm_start_parse(start_info_paddr, "PVH");
}

static __noreturn void pvh_exit(int status)
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

static void pvh_irq_init(void)
{
	ioapic_init();
	apic_init();
}

static void pvh_irq_eoi(int vector)
{
	(void)vector;
	apic_eoi();
}

static int pvh_irq_route(unsigned line, unsigned vector, bool level)
{
	return ioapic_route(line, vector, level, apic_id());
}

static void pvh_msi_message(unsigned vector, uint64_t *addr, uint32_t *data)
{
	/* Fixed delivery, edge, physical destination: this CPU. */
	*addr = 0xfee00000u | (uint64_t)(apic_id() & 0xff) << 12;
	*data = vector & 0xff;
}

static void (*console_input)(void);

static void uart_irq(void *arg)
{
	console_input();
}

static int pvh_console_irq_init(void (*input)(void))
{
	int vector = irq_alloc_vector(), err;

	if (vector < 0)
		return vector;
	console_input = input;
	err = irq_register(vector, uart_irq, NULL);
	/* ISA IRQ 4 is GSI 4 on every PC machine (only IRQ 0 is overridden); edge-triggered. */
	if (!err)
		err = pvh_irq_route(UART_IRQ_LINE, vector, false);
	if (err) {
		irq_unregister(vector);
		return err;
	}
	uart_enable_rx_irq();
	return 0;
}

const struct platform pvh_platform = {
	.name = "pvh",
	.detect = NULL,              /* the fallback: any machine that entered through PVH */
	.init = pvh_init,
	.console_write = uart_write,
	.console_getc = uart_getc,
	.console_irq_init = pvh_console_irq_init,
	.exit = pvh_exit,
	.timer_init = apic_timer_init,
	.timer_arm = apic_timer_arm,
	.irq_init = pvh_irq_init,
	.irq_eoi = pvh_irq_eoi,
	.irq_route = pvh_irq_route,
	.irq_mask = ioapic_mask,
	.msi_message = pvh_msi_message,
	.devices_probe = pvh_devices_probe,
};
