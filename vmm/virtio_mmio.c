/* SPDX-License-Identifier: MIT */
/* virtio_mmio.c: the virtio-mmio transport, version 2 (modern only): registers, feature negotiation, queue setup, interrupts. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "virtio.h"

#define VIRTIO_MMIO_MAGIC 0x74726976   /* "virt" */
#define VIRTIO_MMIO_VENDOR 0x6b737568  /* "husk" */

/* Register offsets (virtio 1.2, 4.2.2). */
#define REG_MAGIC               0x000
#define REG_VERSION             0x004
#define REG_DEVICE_ID           0x008
#define REG_VENDOR_ID           0x00c
#define REG_DEVICE_FEATURES     0x010
#define REG_DEVICE_FEATURES_SEL 0x014
#define REG_DRIVER_FEATURES     0x020
#define REG_DRIVER_FEATURES_SEL 0x024
#define REG_QUEUE_SEL           0x030
#define REG_QUEUE_NUM_MAX       0x034
#define REG_QUEUE_NUM           0x038
#define REG_QUEUE_READY         0x044
#define REG_QUEUE_NOTIFY        0x050
#define REG_INTERRUPT_STATUS    0x060
#define REG_INTERRUPT_ACK       0x064
#define REG_STATUS              0x070
#define REG_QUEUE_DESC_LOW      0x080
#define REG_QUEUE_DESC_HIGH     0x084
#define REG_QUEUE_DRIVER_LOW    0x090
#define REG_QUEUE_DRIVER_HIGH   0x094
#define REG_QUEUE_DEVICE_LOW    0x0a0
#define REG_QUEUE_DEVICE_HIGH   0x0a4
#define REG_CONFIG_GENERATION   0x0fc
#define REG_CONFIG              0x100

#define INT_USED   1
#define INT_CONFIG 2

static unsigned ndevs;

static uint64_t offered(const struct virtio_dev *d)
{
	return d->ops->features | (1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_F_RING_EVENT_IDX);
}

/*
 * The line is level-triggered in spirit: high while InterruptStatus has a
 * bit set.  A driver that programs the IOAPIC pin edge-triggered still sees
 * a new edge for every interrupt after its InterruptACK.
 */
static void update_irq(struct virtio_dev *d)
{
	int level = d->interrupt_status != 0;

	if (level != d->irq_asserted) {
		d->irq_asserted = level;
		vmm_irq_line(d->gsi, level);
	}
}

static void raise_irq(struct virtio_dev *d, uint32_t why)
{
	d->interrupt_status |= why;
	update_irq(d);
}

void virtio_dev_fail(struct virtio_dev *d, const char *why)
{
	if (d->broken)
		return;
	fprintf(stderr, "husk-vmm: %s: guest error: %s; device stopped until reset\n",
		d->name, why);
	d->broken = 1;
	d->broken_why = why;
	d->status |= VIRTIO_STATUS_NEEDS_RESET;
	if (d->status & VIRTIO_STATUS_DRIVER_OK)
		raise_irq(d, INT_CONFIG);
}

void virtio_dev_used(struct virtio_dev *d, unsigned q)
{
	if (virtq_need_interrupt(&d->vq[q]))
		raise_irq(d, INT_USED);
}

void virtio_dev_drain(struct virtio_dev *d, unsigned q, virtq_handle_fn *handle, void *opaque)
{
	const char *why;
	unsigned pushed;

	if (virtq_drain(&d->vq[q], d->mem, handle, opaque, &pushed, &why) < 0)
		virtio_dev_fail(d, why);
	if (pushed)
		virtio_dev_used(d, q);
}

static void dev_reset(struct virtio_dev *d)
{
	unsigned q;

	if (d->ops->reset)
		d->ops->reset(d);
	d->status = 0;
	d->dev_features_sel = d->drv_features_sel = d->queue_sel = 0;
	d->driver_features = 0;
	d->interrupt_status = 0;
	d->broken = 0;
	d->broken_why = NULL;
	for (q = 0; q < d->nqueues; q++)
		memset(&d->vq[q], 0, sizeof(d->vq[q]));
	update_irq(d);
}

static struct virtq *cur_queue(struct virtio_dev *d)
{
	return d->queue_sel < d->nqueues ? &d->vq[d->queue_sel] : NULL;
}

static uint64_t mmio_read_locked(struct virtio_dev *d, uint64_t off, unsigned size)
{
	struct virtq *vq = cur_queue(d);
	uint64_t v = 0;

	if (off >= REG_CONFIG) {
		off -= REG_CONFIG;
		if (off < d->config_len && size <= d->config_len - off)
			memcpy(&v, (const uint8_t *)d->config + off, size);
		return v;
	}
	if (size != 4 || (off & 3)) {
		virtio_dev_fail(d, "register access that is not 32-bit and aligned");
		return 0;
	}
	switch (off) {
	case REG_MAGIC:
		return VIRTIO_MMIO_MAGIC;
	case REG_VERSION:
		return 2;
	case REG_DEVICE_ID:
		return d->device_id;
	case REG_VENDOR_ID:
		return VIRTIO_MMIO_VENDOR;
	case REG_DEVICE_FEATURES:
		if (d->dev_features_sel > 1)
			return 0;
		return (uint32_t)(offered(d) >> (32 * d->dev_features_sel));
	case REG_QUEUE_NUM_MAX:
		return vq ? VIRTQ_NUM_MAX : 0;
	case REG_QUEUE_READY:
		return vq ? vq->ready : 0;
	case REG_INTERRUPT_STATUS:
		return d->interrupt_status;
	case REG_STATUS:
		return d->status;
	case REG_CONFIG_GENERATION:
		return d->config_generation;
	default:
		return 0;
	}
}

static void set_addr(struct virtq *vq, uint64_t *field, int high, uint32_t v)
{
	if (!vq || vq->ready)
		return;   /* the spec forbids writing a live queue's address; ignore it */
	if (high)
		*field = (*field & 0xffffffffULL) | ((uint64_t)v << 32);
	else
		*field = (*field & ~0xffffffffULL) | v;
}

static void set_status(struct virtio_dev *d, uint32_t v)
{
	if (v == 0) {
		dev_reset(d);
		return;
	}
	if ((v & VIRTIO_STATUS_FEATURES_OK) && !(d->status & VIRTIO_STATUS_FEATURES_OK)) {
		/* Modern only: a driver that did not take VERSION_1 is refused. */
		if (!virtio_has(d, VIRTIO_F_VERSION_1) ||
		    (d->ops->features_ok && d->ops->features_ok(d)))
			v &= ~VIRTIO_STATUS_FEATURES_OK;
	}
	d->status = v | (d->status & VIRTIO_STATUS_NEEDS_RESET);
}

static void queue_ready(struct virtio_dev *d, struct virtq *vq, uint32_t v)
{
	const char *why;

	if (!vq)
		return;
	if (!v) {
		vq->ready = 0;
		return;
	}
	if (vq->ready)
		return;
	vq->event_idx = virtio_has(d, VIRTIO_F_RING_EVENT_IDX);
	if (virtq_map(vq, d->mem, &why)) {
		virtio_dev_fail(d, why);
		return;
	}
	vq->ready = 1;
}

static void mmio_write_locked(struct virtio_dev *d, uint64_t off, unsigned size, uint32_t v)
{
	struct virtq *vq = cur_queue(d);

	if (off >= REG_CONFIG)
		return;   /* no device here has a writable config field */
	if (size != 4 || (off & 3)) {
		virtio_dev_fail(d, "register access that is not 32-bit and aligned");
		return;
	}
	switch (off) {
	case REG_DEVICE_FEATURES_SEL:
		d->dev_features_sel = v;
		break;
	case REG_DRIVER_FEATURES_SEL:
		d->drv_features_sel = v;
		break;
	case REG_DRIVER_FEATURES:
		if (d->drv_features_sel > 1 || (d->status & VIRTIO_STATUS_FEATURES_OK))
			break;
		if (d->drv_features_sel)
			d->driver_features = (d->driver_features & 0xffffffffULL) | ((uint64_t)v << 32);
		else
			d->driver_features = (d->driver_features & ~0xffffffffULL) | v;
		/* Only what was offered can be taken. */
		d->driver_features &= offered(d);
		break;
	case REG_QUEUE_SEL:
		d->queue_sel = v;
		break;
	case REG_QUEUE_NUM:
		if (vq && !vq->ready)
			vq->num = v > 0xffff ? 0 : v;
		break;
	case REG_QUEUE_READY:
		queue_ready(d, vq, v);
		break;
	case REG_QUEUE_NOTIFY:
		if (d->broken || !(d->status & VIRTIO_STATUS_DRIVER_OK))
			break;
		if (v < d->nqueues && d->vq[v].ready)
			d->ops->notify(d, v);
		break;
	case REG_INTERRUPT_ACK:
		d->interrupt_status &= ~v;
		update_irq(d);
		break;
	case REG_STATUS:
		set_status(d, v);
		break;
	case REG_QUEUE_DESC_LOW:
	case REG_QUEUE_DESC_HIGH:
		set_addr(vq, vq ? &vq->desc_gpa : NULL, off == REG_QUEUE_DESC_HIGH, v);
		break;
	case REG_QUEUE_DRIVER_LOW:
	case REG_QUEUE_DRIVER_HIGH:
		set_addr(vq, vq ? &vq->avail_gpa : NULL, off == REG_QUEUE_DRIVER_HIGH, v);
		break;
	case REG_QUEUE_DEVICE_LOW:
	case REG_QUEUE_DEVICE_HIGH:
		set_addr(vq, vq ? &vq->used_gpa : NULL, off == REG_QUEUE_DEVICE_HIGH, v);
		break;
	default:
		/* Read-only and reserved registers: writes are ignored, as on hardware. */
		break;
	}
}

/* Queue notifications that KVM turned into eventfd signals, one per queue. */
struct notify_fd {
	struct virtio_dev *d;
	unsigned q;
	int fd;
};

/* I/O thread, device lock held: the driver wrote q to QueueNotify. */
static void notify_fd_ready(void *opaque, uint32_t events)
{
	struct notify_fd *n = opaque;
	struct virtio_dev *d = n->d;
	uint64_t v;

	(void)events;
	if (read(n->fd, &v, sizeof(v)) < 0)
		return;
	if (!d->broken && (d->status & VIRTIO_STATUS_DRIVER_OK) && d->vq[n->q].ready)
		d->ops->notify(d, n->q);
}

/*
 * Route QueueNotify writes through eventfds to the I/O thread, so a
 * notification neither exits to the monitor's vCPU thread nor waits for the
 * device's work (a blk request, a tx frame).  Where KVM cannot, the MMIO
 * write path does it all.
 */
static void setup_notify_fds(struct virtio_dev *d)
{
	for (unsigned q = 0; q < d->nqueues; q++) {
		struct notify_fd *n = calloc(1, sizeof(*n));
		int ret = -ENOMEM;

		if (n) {
			n->d = d;
			n->q = q;
			n->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
			ret = n->fd < 0 ? -errno : vmm_event_add(n->fd, EPOLLIN, notify_fd_ready, n);
			if (!ret)
				ret = vmm_ioeventfd(d->base + REG_QUEUE_NOTIFY, 4, q, n->fd);
		}
		if (ret) {
			/* Only the fd is left to undo; a stray epoll entry never fires. */
			vmm_debug("%s: queue %u notifications by MMIO exit (%s)", d->name, q,
				  strerror(-ret));
			if (n && n->fd >= 0)
				close(n->fd);
			free(n);
			return;
		}
	}
}

uint64_t virtio_mmio_read(void *opaque, uint64_t off, unsigned size)
{
	uint64_t v;

	vmm_dev_lock();
	v = mmio_read_locked(opaque, off, size);
	vmm_dev_unlock();
	return v;
}

void virtio_mmio_write(void *opaque, uint64_t off, unsigned size, uint64_t val)
{
	vmm_dev_lock();
	mmio_write_locked(opaque, off, size, (uint32_t)val);
	vmm_dev_unlock();
}

int virtio_mmio_add(struct virtio_dev *d, const struct vmm_mem *mem, char **devs)
{
	struct vmm_mmio_dev m;
	char *line;
	int ret;

	if (ndevs == VIRTIO_MMIO_MAX)
		return -ENOSPC;
	d->base = VIRTIO_MMIO_BASE + ndevs * VIRTIO_MMIO_SIZE;
	d->gsi = VIRTIO_MMIO_GSI_BASE + ndevs;
	d->mem = mem;
	memset(&m, 0, sizeof(m));
	m.name = d->name;
	m.base = d->base;
	m.len = VIRTIO_MMIO_SIZE;
	m.read = virtio_mmio_read;
	m.write = virtio_mmio_write;
	m.opaque = d;
	ret = vmm_mmio_register(&m);
	if (ret)
		return ret;
	if (asprintf(&line, "%s%svirtio_mmio.device=%u@0x%" PRIx64 ":%u", *devs ? *devs : "",
		     *devs ? " " : "", VIRTIO_MMIO_SIZE, d->base, d->gsi) < 0)
		return -ENOMEM;
	free(*devs);
	*devs = line;
	ndevs++;
	setup_notify_fds(d);
	vmm_debug("%s at 0x%" PRIx64 ", GSI %u", d->name, d->base, d->gsi);
	return 0;
}
