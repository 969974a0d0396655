// SPDX-License-Identifier: MIT
/* pci.c: PCI functions on bus 0: enumeration, the driver table, BARs, capabilities and MSI-X. */
#include "kernel.h"
#include "mm.h"
#include "pci.h"
#include "platform.h"

#define PCI_VENDOR_VIRTIO 0x1af4

struct pci_driver {
	uint16_t vendor;
	int (*probe)(const struct pci_dev *d);
};

/* Every PCI driver the kernel has, matched by vendor. */
static const struct pci_driver pci_drivers[] = {
	{ PCI_VENDOR_VIRTIO, virtio_pci_probe },
};

uint32_t pci_read32(const struct pci_dev *d, unsigned off)
{
	return pci_conf_read32(d->bus, d->slot, d->func, off);
}

uint16_t pci_read16(const struct pci_dev *d, unsigned off)
{
	return pci_read32(d, off & ~3u) >> ((off & 2) * 8);
}

uint8_t pci_read8(const struct pci_dev *d, unsigned off)
{
	return pci_read32(d, off & ~3u) >> ((off & 3) * 8);
}

void pci_write32(const struct pci_dev *d, unsigned off, uint32_t v)
{
	pci_conf_write32(d->bus, d->slot, d->func, off, v);
}

void pci_write16(const struct pci_dev *d, unsigned off, uint16_t v)
{
	uint32_t old = pci_read32(d, off & ~3u);
	unsigned sh = (off & 2) * 8;

	/* Writing back the other half is harmless for the registers we touch (command, MSI-X control). */
	pci_write32(d, off & ~3u, (old & ~(0xffffu << sh)) | (uint32_t)v << sh);
}

unsigned pci_find_cap(const struct pci_dev *d, uint8_t id, unsigned from)
{
	unsigned off, guard = 0;

	if (!(pci_read16(d, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return 0;
	off = from ? pci_read8(d, from + 1) : pci_read8(d, PCI_CAP_PTR);
	/* 48 capabilities fit in 192 bytes: more means a loop. */
	while (off >= 0x40 && guard++ < 48) {
		off &= ~3u;
		if (pci_read8(d, off) == id)
			return off;
		off = pci_read8(d, off + 1);
	}
	return 0;
}

int pci_bar(const struct pci_dev *d, unsigned n, uint64_t *pa, uint64_t *size)
{
	unsigned off = 0x10 + 4 * n;
	uint32_t lo, hi = 0, szlo, szhi = 0;
	uint16_t cmd;
	bool is64;

	if (n > 5)
		return -ENODEV;
	lo = pci_read32(d, off);
	if (lo & 1)
		return -ENODEV;   /* I/O space */
	is64 = ((lo >> 1) & 3) == 2;
	if (is64 && n == 5)
		return -ENODEV;
	/* Sizing: write all ones with decoding off, read the mask back, restore. */
	cmd = pci_read16(d, PCI_COMMAND);
	pci_write16(d, PCI_COMMAND, cmd & ~PCI_COMMAND_MEMORY);
	pci_write32(d, off, 0xffffffffu);
	szlo = pci_read32(d, off);
	pci_write32(d, off, lo);
	if (is64) {
		hi = pci_read32(d, off + 4);
		pci_write32(d, off + 4, 0xffffffffu);
		szhi = pci_read32(d, off + 4);
		pci_write32(d, off + 4, hi);
	} else {
		szhi = 0xffffffffu;
	}
	pci_write16(d, PCI_COMMAND, cmd);
	uint64_t mask = ((uint64_t)szhi << 32) | (szlo & ~0xfu);
	if (!(szlo & ~0xfu) && !szhi)
		return -ENODEV;
	*size = ~mask + 1;
	*pa = ((uint64_t)hi << 32) | (lo & ~0xfu);
	if (*pa == 0 || *size == 0)
		return -ENODEV;
	return 0;
}

void pci_enable(const struct pci_dev *d)
{
	uint16_t cmd = pci_read16(d, PCI_COMMAND);

	pci_write16(d, PCI_COMMAND, cmd | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
}

#define MSIX_CTRL 2
#define MSIX_TABLE 4
#define MSIX_CTRL_ENABLE (1u << 15)
#define MSIX_CTRL_FMASK  (1u << 14)

int pci_msix_enable(const struct pci_dev *d, unsigned vector)
{
	unsigned cap = pci_find_cap(d, PCI_CAP_ID_MSIX, 0);
	uint64_t bar_pa, bar_size, addr;
	uint32_t table, data;
	unsigned entries;
	volatile uint32_t *t;
	uint16_t ctrl;

	if (!cap)
		return -ENODEV;
	ctrl = pci_read16(d, cap + MSIX_CTRL);
	entries = (ctrl & 0x7ff) + 1;
	table = pci_read32(d, cap + MSIX_TABLE);
	if (pci_bar(d, table & 7, &bar_pa, &bar_size) || (table & ~7u) + entries * 16 > bar_size)
		return -ENODEV;
	t = kernel_map_mmio(bar_pa + (table & ~7u), entries * 16);
	/* Enabled with the function masked while the table is written. */
	pci_write16(d, cap + MSIX_CTRL, ctrl | MSIX_CTRL_ENABLE | MSIX_CTRL_FMASK);
	plat_msi_message(vector, &addr, &data);
	for (unsigned i = 0; i < entries; i++)
		t[i * 4 + 3] = 1;
	t[0] = (uint32_t)addr;
	t[1] = addr >> 32;
	t[2] = data;
	t[3] = 0;
	pci_write16(d, cap + MSIX_CTRL, (ctrl | MSIX_CTRL_ENABLE) & ~MSIX_CTRL_FMASK);
	/* With MSI-X the legacy INTx line stays quiet. */
	pci_write16(d, PCI_COMMAND, pci_read16(d, PCI_COMMAND) | PCI_COMMAND_INTX_DISABLE);
	return 0;
}

static void probe_function(unsigned slot, unsigned func, uint32_t id)
{
	struct pci_dev d = { 0, slot, func, id & 0xffff, id >> 16, 0, 0 };
	uint32_t class = pci_read32(&d, 0x08);

	d.class_code = class >> 24;
	d.subclass = class >> 16;
	for (size_t i = 0; i < ARRAY_SIZE(pci_drivers); i++)
		if (pci_drivers[i].vendor == d.vendor)
			pci_drivers[i].probe(&d);
}

void pci_probe_all(void)
{
	for (unsigned slot = 0; slot < 32; slot++) {
		uint32_t id = pci_conf_read32(0, slot, 0, 0);
		unsigned nfunc;

		if ((id & 0xffff) == 0xffff)
			continue;
		/* Header type bit 7: a multi-function device. */
		nfunc = (pci_conf_read32(0, slot, 0, 0x0c) >> 16) & 0x80 ? 8 : 1;
		probe_function(slot, 0, id);
		for (unsigned func = 1; func < nfunc; func++) {
			id = pci_conf_read32(0, slot, func, 0);
			if ((id & 0xffff) != 0xffff)
				probe_function(slot, func, id);
		}
	}
}
