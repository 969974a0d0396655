/* SPDX-License-Identifier: MIT */
/* pci.h: PCI functions as drivers see them: configuration space, BARs, capabilities, MSI-X. */
#ifndef PCI_H
#define PCI_H

#include "kernel.h"

struct pci_dev {
	uint8_t bus, slot, func;
	uint16_t vendor, device;
	uint8_t class_code, subclass;
};

#define PCI_COMMAND        0x04
#define PCI_STATUS         0x06
#define PCI_CAP_PTR        0x34
#define PCI_COMMAND_MEMORY (1u << 1)
#define PCI_COMMAND_MASTER (1u << 2)
#define PCI_COMMAND_INTX_DISABLE (1u << 10)
#define PCI_STATUS_CAP_LIST (1u << 4)
#define PCI_CAP_ID_MSIX    0x11
#define PCI_CAP_ID_VNDR    0x09

/*
 * Configuration space through the platform's mechanism (arch/x86_64/pci_conf.c:
 * ports 0xcf8/0xcfc).  pci_conf_present() says whether there is a PCI host
 * bridge at all; the others are undefined without one.  off is aligned to
 * the access size.
 */
bool pci_conf_present(void);
uint32_t pci_conf_read32(unsigned bus, unsigned slot, unsigned func, unsigned off);
void pci_conf_write32(unsigned bus, unsigned slot, unsigned func, unsigned off, uint32_t v);

/* drivers/pci.c: byte/word/dword access to a function's configuration space. */
uint8_t pci_read8(const struct pci_dev *d, unsigned off);
uint16_t pci_read16(const struct pci_dev *d, unsigned off);
uint32_t pci_read32(const struct pci_dev *d, unsigned off);
void pci_write16(const struct pci_dev *d, unsigned off, uint16_t v);
void pci_write32(const struct pci_dev *d, unsigned off, uint32_t v);

/* Offset of the first capability with id at or after offset `from` in the list (0: from the start), or 0. */
unsigned pci_find_cap(const struct pci_dev *d, uint8_t id, unsigned from);
/* The physical address and size of memory BAR n (64-bit BARs take two slots); -ENODEV for an I/O or empty BAR. */
int pci_bar(const struct pci_dev *d, unsigned n, uint64_t *pa, uint64_t *size);
/* Turns on memory decoding and bus mastering (DMA). */
void pci_enable(const struct pci_dev *d);
/*
 * Points entry 0 of the function's MSI-X table at vector (through the
 * platform's plat_msi_message) and enables MSI-X with every other entry
 * masked.  Returns 0 or -ENODEV when the function has no MSI-X.
 */
int pci_msix_enable(const struct pci_dev *d, unsigned vector);

/* Calls each PCI driver's probe (drivers/pci.c table) for the functions on bus 0 that it matches. */
void pci_probe_all(void);

/* Drivers: drivers/virtio_pci.c */
int virtio_pci_probe(const struct pci_dev *d);

#endif
