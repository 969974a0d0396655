// SPDX-License-Identifier: MIT
/* pci_conf.c: PCI configuration space through I/O ports 0xcf8/0xcfc (configuration mechanism #1). */
#include "pci.h"
#include "x86.h"

#define PCI_CONF_ADDR 0xcf8
#define PCI_CONF_DATA 0xcfc

static uint32_t conf_addr(unsigned bus, unsigned slot, unsigned func, unsigned off)
{
	return 0x80000000u | (bus & 0xff) << 16 | (slot & 0x1f) << 11 | (func & 7) << 8 | (off & 0xfc);
}

/* A host bridge latches the address register; where there is none (microvm) it reads back as all ones. */
bool pci_conf_present(void)
{
	outl(PCI_CONF_ADDR, 0x80000000u);
	return inl(PCI_CONF_ADDR) == 0x80000000u;
}

uint32_t pci_conf_read32(unsigned bus, unsigned slot, unsigned func, unsigned off)
{
	outl(PCI_CONF_ADDR, conf_addr(bus, slot, func, off));
	return inl(PCI_CONF_DATA);
}

void pci_conf_write32(unsigned bus, unsigned slot, unsigned func, unsigned off, uint32_t v)
{
	outl(PCI_CONF_ADDR, conf_addr(bus, slot, func, off));
	outl(PCI_CONF_DATA, v);
}
