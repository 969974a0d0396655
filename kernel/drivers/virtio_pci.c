// SPDX-License-Identifier: MIT
/* virtio_pci.c: the modern virtio-pci transport (virtio 1.2, 4.1): structures found through vendor capabilities, MSI-X interrupts. */
#include "irq.h"
#include "kernel.h"
#include "mm.h"
#include "pci.h"
#include "platform.h"
#include "virtio.h"

/* Vendor capability (4.1.4): cfg_type and where the structure lives. */
#define CAP_CFG_TYPE 3
#define CAP_BAR      4
#define CAP_OFFSET   8
#define CAP_LENGTH   12
#define CAP_NOTIFY_MULT 16
#define VIRTIO_PCI_CAP_COMMON_CFG 1
#define VIRTIO_PCI_CAP_NOTIFY_CFG 2
#define VIRTIO_PCI_CAP_ISR_CFG    3
#define VIRTIO_PCI_CAP_DEVICE_CFG 4

/* Common configuration structure (4.1.4.3). */
#define CC_DFSELECT     0x00
#define CC_DF           0x04
#define CC_GFSELECT     0x08
#define CC_GF           0x0c
#define CC_MSIX_CONFIG  0x10
#define CC_NUM_QUEUES   0x12
#define CC_STATUS       0x14
#define CC_CFG_GEN      0x15
#define CC_Q_SELECT     0x16
#define CC_Q_SIZE       0x18
#define CC_Q_MSIX       0x1a
#define CC_Q_ENABLE     0x1c
#define CC_Q_NOFF       0x1e
#define CC_Q_DESC       0x20
#define CC_Q_AVAIL      0x28
#define CC_Q_USED       0x30
#define VIRTIO_MSI_NO_VECTOR 0xffff

struct virtio_pci {
	struct virtio_dev dev;
	struct pci_dev pci;
	volatile uint8_t *common, *notify, *isr, *device;
	uint32_t notify_mult;
	uint32_t device_len;
	bool msix;
	unsigned irq_line;
};

#define R8(p, o)  (*(volatile uint8_t *)((p) + (o)))
#define R16(p, o) (*(volatile uint16_t *)((p) + (o)))
#define R32(p, o) (*(volatile uint32_t *)((p) + (o)))

static struct virtio_pci *to_vp(struct virtio_dev *d)
{
	return d->transport;
}

static uint8_t vp_get_status(struct virtio_dev *d)
{
	return R8(to_vp(d)->common, CC_STATUS);
}

static void vp_set_status(struct virtio_dev *d, uint8_t status)
{
	struct virtio_pci *vp = to_vp(d);

	R8(vp->common, CC_STATUS) = status;
	if (status == 0)
		while (R8(vp->common, CC_STATUS) != 0)
			;
}

static uint64_t vp_get_features(struct virtio_dev *d)
{
	struct virtio_pci *vp = to_vp(d);
	uint64_t f;

	R32(vp->common, CC_DFSELECT) = 1;
	f = (uint64_t)R32(vp->common, CC_DF) << 32;
	R32(vp->common, CC_DFSELECT) = 0;
	return f | R32(vp->common, CC_DF);
}

static void vp_set_features(struct virtio_dev *d, uint64_t features)
{
	struct virtio_pci *vp = to_vp(d);

	R32(vp->common, CC_GFSELECT) = 1;
	R32(vp->common, CC_GF) = features >> 32;
	R32(vp->common, CC_GFSELECT) = 0;
	R32(vp->common, CC_GF) = (uint32_t)features;
}

static uint32_t vp_config_generation(struct virtio_dev *d)
{
	return R8(to_vp(d)->common, CC_CFG_GEN);
}

static uint8_t vp_config_read8(struct virtio_dev *d, unsigned off)
{
	struct virtio_pci *vp = to_vp(d);

	return vp->device && off < vp->device_len ? R8(vp->device, off) : 0xff;
}

static void vp_config_write8(struct virtio_dev *d, unsigned off, uint8_t v)
{
	struct virtio_pci *vp = to_vp(d);

	if (vp->device && off < vp->device_len)
		R8(vp->device, off) = v;
}

static unsigned vp_queue_max(struct virtio_dev *d, unsigned index)
{
	struct virtio_pci *vp = to_vp(d);

	if (index >= R16(vp->common, CC_NUM_QUEUES))
		return 0;
	R16(vp->common, CC_Q_SELECT) = index;
	if (R16(vp->common, CC_Q_ENABLE))
		return 0;
	return R16(vp->common, CC_Q_SIZE);
}

static void wr64(volatile uint8_t *p, unsigned off, uint64_t v)
{
	R32(p, off) = (uint32_t)v;
	R32(p, off + 4) = v >> 32;
}

static int vp_queue_enable(struct virtio_dev *d, struct virtqueue *vq)
{
	struct virtio_pci *vp = to_vp(d);
	uint16_t noff;

	R16(vp->common, CC_Q_SELECT) = vq->index;
	R16(vp->common, CC_Q_SIZE) = vq->num;
	if (vp->msix) {
		R16(vp->common, CC_Q_MSIX) = 0;
		if (R16(vp->common, CC_Q_MSIX) != 0)
			return -EIO;   /* the device could not allocate the vector */
	}
	wr64(vp->common, CC_Q_DESC, vq->desc_pa);
	wr64(vp->common, CC_Q_AVAIL, vq->avail_pa);
	wr64(vp->common, CC_Q_USED, vq->used_pa);
	noff = R16(vp->common, CC_Q_NOFF);
	vq->notify_addr = vp->notify + (uint64_t)noff * vp->notify_mult;
	vq->notify_data = vq->index;
	R16(vp->common, CC_Q_ENABLE) = 1;
	return 0;
}

static void vp_notify(struct virtqueue *vq)
{
	*(volatile uint16_t *)vq->notify_addr = vq->notify_data;
}

static const struct virtio_transport_ops vp_ops = {
	.get_status = vp_get_status,
	.set_status = vp_set_status,
	.get_features = vp_get_features,
	.set_features = vp_set_features,
	.config_generation = vp_config_generation,
	.config_read8 = vp_config_read8,
	.config_write8 = vp_config_write8,
	.queue_max = vp_queue_max,
	.queue_enable = vp_queue_enable,
	.notify = vp_notify,
};

/* MSI-X: one vector for every queue, so any of them may have work. */
static void vp_msix_irq(void *arg)
{
	struct virtio_pci *vp = arg;

	virtio_interrupt(&vp->dev, VIRTIO_ISR_QUEUE);
}

/* INTx: reading the ISR register acknowledges it and lowers the line. */
static void vp_intx_irq(void *arg)
{
	struct virtio_pci *vp = arg;
	uint8_t isr = R8(vp->isr, 0);

	if (isr)
		virtio_interrupt(&vp->dev, isr);
}

/* Maps the structure a vendor capability points at; NULL if it does not fit its BAR. */
static volatile uint8_t *map_cap(const struct pci_dev *pd, unsigned cap, uint32_t *len_out)
{
	uint8_t bar = pci_read8(pd, cap + CAP_BAR);
	uint32_t off = pci_read32(pd, cap + CAP_OFFSET), len = pci_read32(pd, cap + CAP_LENGTH);
	uint64_t pa, size;

	if (pci_bar(pd, bar, &pa, &size) || off > size || len > size - off || len == 0)
		return NULL;
	if (len_out)
		*len_out = len;
	return kernel_map_mmio(pa + off, len);
}

int virtio_pci_probe(const struct pci_dev *pd)
{
	struct virtio_pci *vp;
	uint32_t id;
	int vector, err;

	/* 0x1040 + id: modern; 0x1000-0x103f: transitional, the id in the subsystem id. */
	if (pd->device >= 0x1040 && pd->device <= 0x107f)
		id = pd->device - 0x1040;
	else if (pd->device >= 0x1000 && pd->device <= 0x103f)
		id = pci_read16(pd, 0x2e);
	else
		return -ENODEV;
	vp = kzalloc(sizeof(*vp));
	if (!vp)
		return -ENOMEM;
	vp->pci = *pd;
	snprintk(vp->dev.name, sizeof(vp->dev.name), "virtio-pci@00:%02x.%u", pd->slot, pd->func);
	for (unsigned cap = pci_find_cap(pd, PCI_CAP_ID_VNDR, 0); cap;
	     cap = pci_find_cap(pd, PCI_CAP_ID_VNDR, cap)) {
		switch (pci_read8(pd, cap + CAP_CFG_TYPE)) {
		case VIRTIO_PCI_CAP_COMMON_CFG:
			if (!vp->common)
				vp->common = map_cap(pd, cap, NULL);
			break;
		case VIRTIO_PCI_CAP_NOTIFY_CFG:
			if (!vp->notify) {
				vp->notify = map_cap(pd, cap, NULL);
				vp->notify_mult = pci_read32(pd, cap + CAP_NOTIFY_MULT);
			}
			break;
		case VIRTIO_PCI_CAP_ISR_CFG:
			if (!vp->isr)
				vp->isr = map_cap(pd, cap, NULL);
			break;
		case VIRTIO_PCI_CAP_DEVICE_CFG:
			if (!vp->device)
				vp->device = map_cap(pd, cap, &vp->device_len);
			break;
		}
	}
	if (!vp->common || !vp->notify || !vp->isr) {
		printk_err("%s: no modern virtio-pci structures; husk drives modern devices only\n",
			   vp->dev.name);
		err = -ENODEV;
		goto fail;
	}
	vp->dev.ops = &vp_ops;
	vp->dev.transport = vp;
	vp->dev.device_id = id;
	pci_enable(pd);
	vector = irq_alloc_vector();
	if (vector < 0) {
		err = vector;
		goto fail;
	}
	if (pci_msix_enable(pd, vector) == 0) {
		vp->msix = true;
		R16(vp->common, CC_MSIX_CONFIG) = VIRTIO_MSI_NO_VECTOR;
		err = irq_register(vector, vp_msix_irq, vp);
	} else {
		/* INTx: the line firmware wrote into the interrupt-line register, an I/O APIC pin. */
		vp->irq_line = pci_read8(pd, 0x3c);
		err = irq_register(vector, vp_intx_irq, vp);
		if (!err)
			err = plat_irq_route(vp->irq_line, vector, true);
	}
	if (err) {
		printk_err("%s: cannot set up its interrupt (%d)\n", vp->dev.name, err);
		irq_unregister(vector);
		goto fail;
	}
	return virtio_dev_register(&vp->dev);
fail:
	kfree(vp);
	return err;
}
