// SPDX-License-Identifier: MIT
/* virtio.c: the virtio device core: driver table, status handshake, feature negotiation, queue setup, interrupt fan-out. */
#include "kernel.h"
#include "mm.h"
#include "virtio.h"

extern const struct virtio_driver virtio_net_driver;
extern const struct virtio_driver virtio_blk_driver;
extern const struct virtio_driver virtio_console_driver;

/* Every virtio driver the kernel has, matched by device id. */
static const struct virtio_driver *const virtio_drivers[] = {
	&virtio_net_driver,
	&virtio_blk_driver,
	&virtio_console_driver,
};

/* Feature bits the core itself handles for every driver. */
#define CORE_FEATURES (VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_F_RING_EVENT_IDX))

static const struct virtio_driver *find_driver(uint32_t id)
{
	for (size_t i = 0; i < ARRAY_SIZE(virtio_drivers); i++)
		if (virtio_drivers[i]->device_id == id)
			return virtio_drivers[i];
	return NULL;
}

static void add_status(struct virtio_dev *dev, uint8_t bits)
{
	dev->ops->set_status(dev, dev->ops->get_status(dev) | bits);
}

int virtio_dev_register(struct virtio_dev *dev)
{
	const struct virtio_driver *drv = find_driver(dev->device_id);
	uint64_t offered;
	int err;

	dev->ops->set_status(dev, 0);
	add_status(dev, VIRTIO_STATUS_ACKNOWLEDGE);
	if (!drv) {
		printk("%s: virtio device id %u: no driver\n", dev->name, dev->device_id);
		return -ENODEV;
	}
	add_status(dev, VIRTIO_STATUS_DRIVER);
	offered = dev->ops->get_features(dev);
	if (!(offered & VIRTIO_BIT(VIRTIO_F_VERSION_1))) {
		printk_err("%s: a legacy virtio device (no VERSION_1); husk drives modern devices only\n",
			   dev->name);
		err = -ENODEV;
		goto fail;
	}
	dev->features = offered & (drv->features | CORE_FEATURES);
	dev->ops->set_features(dev, dev->features);
	add_status(dev, VIRTIO_STATUS_FEATURES_OK);
	if (!(dev->ops->get_status(dev) & VIRTIO_STATUS_FEATURES_OK)) {
		printk_err("%s: the device refused features 0x%lx\n", dev->name, dev->features);
		err = -EIO;
		goto fail;
	}
	dev->driver = drv;
	err = drv->probe(dev);
	if (err) {
		printk_err("%s: %s: setup failed (%d)\n", dev->name, drv->name, err);
		dev->driver = NULL;
		goto fail;
	}
	virtio_device_ready(dev);
	return 0;
fail:
	add_status(dev, VIRTIO_STATUS_FAILED);
	return err;
}

void virtio_device_ready(struct virtio_dev *dev)
{
	uint8_t s = dev->ops->get_status(dev);

	if (!(s & VIRTIO_STATUS_DRIVER_OK))
		dev->ops->set_status(dev, s | VIRTIO_STATUS_DRIVER_OK);
}

void virtio_interrupt(struct virtio_dev *dev, unsigned isr)
{
	dev->interrupts++;
	if ((isr & VIRTIO_ISR_CONFIG) && dev->driver && dev->driver->config_changed)
		dev->driver->config_changed(dev);
	if (!(isr & VIRTIO_ISR_QUEUE))
		return;
	for (unsigned i = 0; i < VIRTIO_MAX_QUEUES; i++) {
		struct virtqueue *vq = dev->vqs[i];
		if (vq && vq->callback) {
			vq->interrupts++;
			vq->callback(vq);
		}
	}
}

struct virtqueue *virtio_setup_vq(struct virtio_dev *dev, unsigned index, unsigned max_num,
				  void (*callback)(struct virtqueue *vq))
{
	unsigned num = dev->ops->queue_max(dev, index), pages;
	struct virtqueue *vq;
	void *ring;
	void **cookies;

	if (index >= VIRTIO_MAX_QUEUES || num == 0 || dev->vqs[index])
		return NULL;
	num = MIN(num, max_num ? max_num : 256u);
	num = MIN(num, 32768u);
	/* Split rings need a power of two. */
	while (num & (num - 1))
		num &= num - 1;
	pages = ALIGN_UP(virtq_ring_bytes(num), PAGE_SIZE) / PAGE_SIZE;
	vq = kzalloc(sizeof(*vq));
	cookies = kzalloc(num * sizeof(*cookies));
	ring = page_alloc_n(pages);
	if (!vq || !cookies || !ring)
		goto fail;
	virtq_init(vq, num, ring, virt_to_phys(ring), cookies,
		   virtio_has_feature(dev, VIRTIO_F_RING_EVENT_IDX));
	vq->dev = dev;
	vq->index = index;
	vq->callback = callback;
	if (dev->ops->queue_enable(dev, vq))
		goto fail;
	dev->vqs[index] = vq;
	return vq;
fail:
	if (ring)
		for (unsigned i = 0; i < pages; i++)
			page_free((char *)ring + i * PAGE_SIZE);
	kfree(cookies);
	kfree(vq);
	return NULL;
}

void virtio_config_read(struct virtio_dev *dev, unsigned off, void *buf, unsigned len)
{
	uint8_t *p = buf;
	uint32_t gen;

	/* A field wider than the device's atomic access may change under us: retry until the generation holds. */
	do {
		gen = dev->ops->config_generation(dev);
		for (unsigned i = 0; i < len; i++)
			p[i] = dev->ops->config_read8(dev, off + i);
	} while (gen != dev->ops->config_generation(dev));
}

void virtio_config_write(struct virtio_dev *dev, unsigned off, const void *buf, unsigned len)
{
	const uint8_t *p = buf;

	for (unsigned i = 0; i < len; i++)
		dev->ops->config_write8(dev, off + i, p[i]);
}
