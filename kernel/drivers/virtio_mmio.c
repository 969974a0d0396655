// SPDX-License-Identifier: MIT
/* virtio_mmio.c: the virtio-mmio transport, version 2 (virtio 1.2, 4.2): registers, queues, the level-triggered interrupt. */
#include "irq.h"
#include "kernel.h"
#include "mm.h"
#include "platform.h"
#include "virtio.h"

#define VM_MAGIC            0x000
#define VM_VERSION          0x004
#define VM_DEVICE_ID        0x008
#define VM_DEVICE_FEATURES  0x010
#define VM_DEVICE_FEATURES_SEL 0x014
#define VM_DRIVER_FEATURES  0x020
#define VM_DRIVER_FEATURES_SEL 0x024
#define VM_QUEUE_SEL        0x030
#define VM_QUEUE_NUM_MAX    0x034
#define VM_QUEUE_NUM        0x038
#define VM_QUEUE_READY      0x044
#define VM_QUEUE_NOTIFY     0x050
#define VM_INTERRUPT_STATUS 0x060
#define VM_INTERRUPT_ACK    0x064
#define VM_STATUS           0x070
#define VM_QUEUE_DESC_LOW   0x080
#define VM_QUEUE_DESC_HIGH  0x084
#define VM_QUEUE_DRIVER_LOW 0x090
#define VM_QUEUE_DRIVER_HIGH 0x094
#define VM_QUEUE_DEVICE_LOW 0x0a0
#define VM_QUEUE_DEVICE_HIGH 0x0a4
#define VM_CONFIG_GENERATION 0x0fc
#define VM_CONFIG           0x100

#define VIRTIO_MMIO_MAGIC 0x74726976   /* "virt" */

struct virtio_mmio {
	struct virtio_dev dev;
	volatile uint8_t *regs;
	uint64_t size;
	unsigned irq;
};

static inline uint32_t rd(struct virtio_mmio *m, unsigned off)
{
	return *(volatile uint32_t *)(m->regs + off);
}

static inline void wr(struct virtio_mmio *m, unsigned off, uint32_t v)
{
	*(volatile uint32_t *)(m->regs + off) = v;
}

static struct virtio_mmio *to_mmio(struct virtio_dev *d)
{
	return d->transport;
}

static uint8_t mmio_get_status(struct virtio_dev *d)
{
	return rd(to_mmio(d), VM_STATUS);
}

static void mmio_set_status(struct virtio_dev *d, uint8_t status)
{
	wr(to_mmio(d), VM_STATUS, status);
	/* A reset completes when the status reads back 0 (4.2.3.1). */
	if (status == 0)
		while (rd(to_mmio(d), VM_STATUS) != 0)
			;
}

static uint64_t mmio_get_features(struct virtio_dev *d)
{
	struct virtio_mmio *m = to_mmio(d);
	uint64_t f;

	wr(m, VM_DEVICE_FEATURES_SEL, 1);
	f = (uint64_t)rd(m, VM_DEVICE_FEATURES) << 32;
	wr(m, VM_DEVICE_FEATURES_SEL, 0);
	return f | rd(m, VM_DEVICE_FEATURES);
}

static void mmio_set_features(struct virtio_dev *d, uint64_t features)
{
	struct virtio_mmio *m = to_mmio(d);

	wr(m, VM_DRIVER_FEATURES_SEL, 1);
	wr(m, VM_DRIVER_FEATURES, features >> 32);
	wr(m, VM_DRIVER_FEATURES_SEL, 0);
	wr(m, VM_DRIVER_FEATURES, (uint32_t)features);
}

static uint32_t mmio_config_generation(struct virtio_dev *d)
{
	return rd(to_mmio(d), VM_CONFIG_GENERATION);
}

static uint8_t mmio_config_read8(struct virtio_dev *d, unsigned off)
{
	struct virtio_mmio *m = to_mmio(d);

	if (VM_CONFIG + off >= m->size)
		return 0xff;
	return *(volatile uint8_t *)(m->regs + VM_CONFIG + off);
}

static void mmio_config_write8(struct virtio_dev *d, unsigned off, uint8_t v)
{
	struct virtio_mmio *m = to_mmio(d);

	if (VM_CONFIG + off < m->size)
		*(volatile uint8_t *)(m->regs + VM_CONFIG + off) = v;
}

static unsigned mmio_queue_max(struct virtio_dev *d, unsigned index)
{
	struct virtio_mmio *m = to_mmio(d);

	wr(m, VM_QUEUE_SEL, index);
	if (rd(m, VM_QUEUE_READY))
		return 0;
	return rd(m, VM_QUEUE_NUM_MAX);
}

static int mmio_queue_enable(struct virtio_dev *d, struct virtqueue *vq)
{
	struct virtio_mmio *m = to_mmio(d);

	wr(m, VM_QUEUE_SEL, vq->index);
	wr(m, VM_QUEUE_NUM, vq->num);
	wr(m, VM_QUEUE_DESC_LOW, (uint32_t)vq->desc_pa);
	wr(m, VM_QUEUE_DESC_HIGH, vq->desc_pa >> 32);
	wr(m, VM_QUEUE_DRIVER_LOW, (uint32_t)vq->avail_pa);
	wr(m, VM_QUEUE_DRIVER_HIGH, vq->avail_pa >> 32);
	wr(m, VM_QUEUE_DEVICE_LOW, (uint32_t)vq->used_pa);
	wr(m, VM_QUEUE_DEVICE_HIGH, vq->used_pa >> 32);
	wr(m, VM_QUEUE_READY, 1);
	vq->notify_addr = m->regs + VM_QUEUE_NOTIFY;
	vq->notify_data = vq->index;
	return 0;
}

static void mmio_notify(struct virtqueue *vq)
{
	*(volatile uint32_t *)vq->notify_addr = vq->notify_data;
}

static const struct virtio_transport_ops mmio_ops = {
	.get_status = mmio_get_status,
	.set_status = mmio_set_status,
	.get_features = mmio_get_features,
	.set_features = mmio_set_features,
	.config_generation = mmio_config_generation,
	.config_read8 = mmio_config_read8,
	.config_write8 = mmio_config_write8,
	.queue_max = mmio_queue_max,
	.queue_enable = mmio_queue_enable,
	.notify = mmio_notify,
};

/* The line stays asserted while InterruptStatus is non-zero: acknowledge, then run the queues. */
static void mmio_irq(void *arg)
{
	struct virtio_mmio *m = arg;
	uint32_t isr = rd(m, VM_INTERRUPT_STATUS);

	if (!isr)
		return;
	wr(m, VM_INTERRUPT_ACK, isr);
	virtio_interrupt(&m->dev, isr);
}

int virtio_mmio_probe(uint64_t base, uint64_t size, unsigned irq)
{
	struct virtio_mmio *m;
	uint32_t magic, version, id;
	int vector, err;

	if (size < VM_CONFIG)
		return -EINVAL;
	m = kzalloc(sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->regs = kernel_map_mmio(base, size);
	m->size = size;
	m->irq = irq;
	snprintk(m->dev.name, sizeof(m->dev.name), "virtio-mmio@0x%lx", base);
	magic = rd(m, VM_MAGIC);
	version = rd(m, VM_VERSION);
	id = rd(m, VM_DEVICE_ID);
	if (magic != VIRTIO_MMIO_MAGIC) {
		printk_err("%s: no virtio-mmio device here (magic 0x%x)\n", m->dev.name, magic);
		err = -ENODEV;
		goto fail;
	}
	if (id == 0) {
		/* A transport with nothing plugged in. */
		err = -ENODEV;
		goto fail;
	}
	if (version != 2) {
		printk_err("%s: virtio-mmio version %u; husk drives version 2 (modern) only\n",
			   m->dev.name, version);
		err = -ENODEV;
		goto fail;
	}
	m->dev.ops = &mmio_ops;
	m->dev.transport = m;
	m->dev.device_id = id;
	vector = irq_alloc_vector();
	if (vector < 0) {
		err = vector;
		goto fail;
	}
	err = irq_register(vector, mmio_irq, m);
	if (!err)
		err = plat_irq_route(irq, vector, true);
	if (err) {
		printk_err("%s: cannot route interrupt line %u (%d)\n", m->dev.name, irq, err);
		irq_unregister(vector);
		goto fail;
	}
	err = virtio_dev_register(&m->dev);
	if (err) {
		plat_irq_mask(irq, true);
		irq_unregister(vector);
		/* The device keeps its mapping and memory: it may still hold our rings after FAILED. */
		return err;
	}
	return 0;
fail:
	kfree(m);
	return err;
}
