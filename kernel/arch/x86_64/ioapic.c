// SPDX-License-Identifier: MIT
/* ioapic.c: the I/O APIC(s): routing a device's interrupt line (GSI) to a vector of this CPU, masking it. */
#include "kernel.h"
#include "mm.h"
#include "x86.h"

#define IOREGSEL 0x00
#define IOWIN    0x10
#define IOAPIC_VER 0x01
#define IOREDTBL(n) (0x10 + 2 * (n))

#define RTE_LEVEL  (1u << 15)
#define RTE_MASKED (1u << 16)

/*
 * Without firmware tables the I/O APICs sit where every machine we boot on
 * puts them: the first at 0xfec00000 with GSIs 0-23 (microvm, q35, pc and
 * KVM's in-kernel irqchip), the second at 0xfec10000 with GSIs 24-47
 * (microvm's "ioapic2", where it puts its virtio-mmio lines).  A chip is
 * mapped the first time one of its lines is routed.
 */
struct ioapic {
	uint64_t paddr;
	unsigned gsi_base;
	unsigned nr_lines;         /* 0 until probed */
	volatile uint32_t *regs;
};

static struct ioapic ioapics[] = {
	{ 0xfec00000, 0, 0, NULL },
	{ 0xfec10000, 24, 0, NULL },
};

static uint32_t ioapic_read(struct ioapic *io, unsigned reg)
{
	io->regs[IOREGSEL / 4] = reg;
	return io->regs[IOWIN / 4];
}

static void ioapic_write(struct ioapic *io, unsigned reg, uint32_t v)
{
	io->regs[IOREGSEL / 4] = reg;
	io->regs[IOWIN / 4] = v;
}

/* Returns the chip that serves line and sets *pin, or NULL when no chip answers for it. */
static struct ioapic *ioapic_for(unsigned line, unsigned *pin)
{
	for (size_t i = 0; i < ARRAY_SIZE(ioapics); i++) {
		struct ioapic *io = &ioapics[i];
		if (line < io->gsi_base || line >= io->gsi_base + 24)
			continue;
		if (!io->regs) {
			uint32_t ver;
			io->regs = kernel_map_mmio(io->paddr, PAGE_SIZE);
			ver = ioapic_read(io, IOAPIC_VER);
			/* Absent chips read as all ones (or zeros under some monitors). */
			if (ver == 0xffffffffu || ver == 0)
				io->nr_lines = 0;
			else
				io->nr_lines = ((ver >> 16) & 0xff) + 1;
			for (unsigned p = 0; p < io->nr_lines; p++)
				ioapic_write(io, IOREDTBL(p), RTE_MASKED);
		}
		if (line - io->gsi_base >= io->nr_lines)
			return NULL;
		*pin = line - io->gsi_base;
		return io;
	}
	return NULL;
}

/*
 * The I/O APIC takes over from the two 8259 PICs, which firmware (SeaBIOS
 * on q35) leaves programmed with IRQ 0 on vector 8: reprogram them onto
 * vectors 0xf8-0xff and mask every line.  Only a spurious IRQ 7 or 15 can
 * still come from them, and it lands on 0xff, the spurious vector.
 */
void ioapic_init(void)
{
	outb(0x20, 0x11);   /* ICW1: initialize, ICW4 follows */
	outb(0xa0, 0x11);
	outb(0x21, 0xf8);   /* ICW2: vector base */
	outb(0xa1, 0xf8);
	outb(0x21, 0x04);   /* ICW3: slave on IRQ 2 */
	outb(0xa1, 0x02);
	outb(0x21, 0x01);   /* ICW4: 8086 mode */
	outb(0xa1, 0x01);
	outb(0x21, 0xff);   /* mask everything */
	outb(0xa1, 0xff);
}

int ioapic_route(unsigned line, unsigned vector, bool level, unsigned apic_id)
{
	unsigned pin;
	struct ioapic *io = ioapic_for(line, &pin);

	if (!io)
		return -ENODEV;
	if (vector < 0x20 || vector > 0xfe)
		return -EINVAL;
	/* Fixed delivery, physical destination, active high (QEMU and KVM signal PCI INTx so too). */
	ioapic_write(io, IOREDTBL(pin) + 1, apic_id << 24);
	ioapic_write(io, IOREDTBL(pin), vector | (level ? RTE_LEVEL : 0));
	return 0;
}

void ioapic_mask(unsigned line, bool masked)
{
	unsigned pin;
	struct ioapic *io = ioapic_for(line, &pin);
	uint32_t lo;

	if (!io)
		return;
	lo = ioapic_read(io, IOREDTBL(pin));
	ioapic_write(io, IOREDTBL(pin), masked ? lo | RTE_MASKED : lo & ~RTE_MASKED);
}
