/* SPDX-License-Identifier: MIT */
/* virtio.h: virtio 1.x (modern only): devices, their transports (mmio, pci), drivers and split virtqueues. */
#ifndef VIRTIO_H
#define VIRTIO_H

#include "kernel.h"

/* Device status (virtio 1.2, 2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE 0x01
#define VIRTIO_STATUS_DRIVER      0x02
#define VIRTIO_STATUS_DRIVER_OK   0x04
#define VIRTIO_STATUS_FEATURES_OK 0x08
#define VIRTIO_STATUS_NEEDS_RESET 0x40
#define VIRTIO_STATUS_FAILED      0x80

/* Transport-independent feature bits (6). */
#define VIRTIO_F_INDIRECT_DESC    28
#define VIRTIO_F_RING_EVENT_IDX   29
#define VIRTIO_F_VERSION_1        32
#define VIRTIO_F_ACCESS_PLATFORM  33
#define VIRTIO_BIT(f) (1ULL << (f))

/* Interrupt causes, as the ISR status register reports them. */
#define VIRTIO_ISR_QUEUE  0x1
#define VIRTIO_ISR_CONFIG 0x2

/* Device ids (5). */
#define VIRTIO_ID_NET   1
#define VIRTIO_ID_BLOCK 2
#define VIRTIO_ID_CONSOLE 3

/* ---- split virtqueues (2.7): the layout the device reads, little-endian ---- */

#define VIRTQ_DESC_F_NEXT     1
#define VIRTQ_DESC_F_WRITE    2
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1
#define VIRTQ_USED_F_NO_NOTIFY     1

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct virtq_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];     /* num entries, then used_event */
};

struct virtq_used_elem {
	uint32_t id;
	uint32_t len;
};

struct virtq_used {
	uint16_t flags;
	uint16_t idx;
	struct virtq_used_elem ring[];   /* num entries, then avail_event */
};

/* One buffer of a chain: kernel memory (direct map or kernel image), physically contiguous. */
struct virtq_buf {
	void *addr;
	uint32_t len;
};

struct virtio_dev;

struct virtqueue {
	struct virtio_dev *dev;
	unsigned index;
	uint16_t num;                /* ring size, a power of two */
	bool event_idx;              /* VIRTIO_F_RING_EVENT_IDX negotiated */
	bool broken;                 /* the device returned a bad descriptor id */
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	struct virtq_used *used;
	uint64_t desc_pa, avail_pa, used_pa;
	uint16_t free_head;          /* first free descriptor; free ones are chained by next */
	uint16_t num_free;
	uint16_t avail_idx;          /* our copy of avail->idx */
	uint16_t kicked_idx;         /* avail->idx when we last decided whether to notify */
	uint16_t last_used;          /* next used->ring entry to harvest */
	void **cookie;               /* per chain head: what virtq_add was given */

	/* Called from the device's interrupt when this queue may have used buffers. */
	void (*callback)(struct virtqueue *vq);
	void *priv;                  /* the driver's */

	/* The transport's notification target (mmio: the QueueNotify register; pci: the notify address). */
	volatile void *notify_addr;
	uint32_t notify_data;

	/* Statistics: notifications sent and suppressed, interrupts taken, buffers harvested. */
	uint64_t kicks, kicks_suppressed, interrupts, completed;
};

/*
 * kernel/drivers/virtqueue.c: the ring logic, independent of transports
 * (unit-tested on the host).  The kernel runs on one CPU with interrupts off
 * in kernel code, so a queue needs no lock; the barriers order our accesses
 * against the device.
 */

/* Bytes of ring memory for a queue of num entries (descriptors, avail ring, used ring). */
size_t virtq_ring_bytes(uint16_t num);
/*
 * Lays out a queue of num (a power of two) entries in mem (zeroed,
 * virtq_ring_bytes(num) bytes, physically contiguous at mem_pa); cookies
 * has num slots.
 */
void virtq_init(struct virtqueue *vq, uint16_t num, void *mem, uint64_t mem_pa, void **cookies,
		bool event_idx);
/*
 * Queues a chain of nout device-readable buffers followed by nin
 * device-writable ones, identified by cookie (not NULL) when it comes back.
 * Publishes it in the avail ring but does not notify: call virtq_kick.
 * Returns 0, -ENOSPC when fewer than nout + nin descriptors are free, or
 * -EINVAL for an empty chain.
 */
int virtq_add(struct virtqueue *vq, const struct virtq_buf *bufs, unsigned nout, unsigned nin,
	      void *cookie);
/*
 * Whether the device wants a notification for what was added since the last
 * call: with event index only when avail->idx passed the device's
 * avail_event, else unless the device set VIRTQ_USED_F_NO_NOTIFY.
 */
bool virtq_kick_prepare(struct virtqueue *vq);
/* virtq_kick_prepare, then the transport's notification when it said so. */
void virtq_kick(struct virtqueue *vq);
/*
 * Takes the next used chain: frees its descriptors, returns its cookie and
 * stores in *len the bytes the device wrote.  NULL when there is none.
 */
void *virtq_get_used(struct virtqueue *vq, uint32_t *len);
/* Whether the device has returned chains not yet taken. */
bool virtq_has_used(const struct virtqueue *vq);
/*
 * Asks for an interrupt at the next used chain and returns true, or returns
 * false when chains arrived meanwhile (the caller harvests them and calls
 * again; otherwise their interrupt could be lost).
 */
bool virtq_enable_cb(struct virtqueue *vq);
/* Asks for an interrupt only after `after` more chains were used (event index; else like virtq_enable_cb). */
void virtq_enable_cb_delayed(struct virtqueue *vq, uint16_t after);
/* Asks for no interrupts (a hint the device may ignore). */
void virtq_disable_cb(struct virtqueue *vq);

/* ---- devices, transports, drivers (kernel/drivers/virtio.c) ---- */

struct virtio_transport_ops {
	uint8_t (*get_status)(struct virtio_dev *d);
	/* Writing 0 resets the device and returns when the reset is done. */
	void (*set_status)(struct virtio_dev *d, uint8_t status);
	uint64_t (*get_features)(struct virtio_dev *d);
	void (*set_features)(struct virtio_dev *d, uint64_t features);
	uint32_t (*config_generation)(struct virtio_dev *d);
	uint8_t (*config_read8)(struct virtio_dev *d, unsigned off);
	void (*config_write8)(struct virtio_dev *d, unsigned off, uint8_t v);
	/* The largest size of queue index, 0 when the device has no such queue. */
	unsigned (*queue_max)(struct virtio_dev *d, unsigned index);
	/* Tells the device a queue's size and ring addresses and enables it; sets vq->notify_*. */
	int (*queue_enable)(struct virtio_dev *d, struct virtqueue *vq);
	/* Tells the device that vq has new buffers. */
	void (*notify)(struct virtqueue *vq);
};

#define VIRTIO_MAX_QUEUES 8

struct virtio_driver;

struct virtio_dev {
	char name[32];                   /* "virtio-mmio@0xfeb00e00", for messages */
	const struct virtio_transport_ops *ops;
	void *transport;                 /* the transport's state */
	uint32_t device_id;
	uint64_t features;               /* negotiated */
	const struct virtio_driver *driver;
	void *priv;                      /* the driver's */
	struct virtqueue *vqs[VIRTIO_MAX_QUEUES];
	uint64_t interrupts;
};

struct virtio_driver {
	const char *name;
	uint32_t device_id;
	/* Device feature bits the driver understands; the core adds VERSION_1 and RING_EVENT_IDX. */
	uint64_t features;
	/*
	 * Called with the features negotiated (dev->features) and the status at
	 * FEATURES_OK: sets up the queues (virtio_setup_vq) and the driver's
	 * state, may call virtio_device_ready before it fills queues.
	 * Returns 0 or -errno (the device is then marked FAILED).
	 */
	int (*probe)(struct virtio_dev *dev);
	/* The device's configuration changed (optional). */
	void (*config_changed)(struct virtio_dev *dev);
};

/*
 * Transport side: a device was found with its interrupt already routed to
 * virtio_interrupt.  Resets it, finds the driver for its id, negotiates
 * features (VERSION_1 is required) and runs the driver's probe.  Returns 0,
 * -ENODEV when no driver matches, or the error that stopped it.
 */
int virtio_dev_register(struct virtio_dev *dev);
/* From the transport's interrupt handler, with the cause (VIRTIO_ISR_*): runs the queues' callbacks. */
void virtio_interrupt(struct virtio_dev *dev, unsigned isr);

/*
 * Driver side: creates queue index with at most max_num entries (0: the
 * device's maximum, capped at 256) and callback for its interrupts.
 * Returns the queue or NULL (no such queue, or out of memory).
 */
struct virtqueue *virtio_setup_vq(struct virtio_dev *dev, unsigned index, unsigned max_num,
				  void (*callback)(struct virtqueue *vq));
/* Sets DRIVER_OK: from here the driver may notify the device. */
void virtio_device_ready(struct virtio_dev *dev);
static inline bool virtio_has_feature(const struct virtio_dev *dev, unsigned bit)
{
	return dev->features & VIRTIO_BIT(bit);
}
/* Reads len bytes of the device-specific configuration at off, consistently (generation checked). */
void virtio_config_read(struct virtio_dev *dev, unsigned off, void *buf, unsigned len);
void virtio_config_write(struct virtio_dev *dev, unsigned off, const void *buf, unsigned len);

/* Transports: kernel/drivers/virtio_mmio.c (virtio_pci_probe is in pci.h). */
int virtio_mmio_probe(uint64_t base, uint64_t size, unsigned irq);

#endif
