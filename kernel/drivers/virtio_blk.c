/* SPDX-License-Identifier: MIT */
/* virtio_blk.c: the virtio block device as a struct blkdev: many requests in flight on one queue, FLUSH, DISCARD, read-only devices. */
#include "kernel.h"
#include "blkdev.h"
#include "mm.h"
#include "virtio.h"

/*
 * Devices are named vda, vdb, ... in the order they are found (the order of
 * virtio_mmio.device= options, then PCI slots), which is the order the
 * vol= kernel option counts (include/husk/abi.h).  A request is one chain:
 * a header the device reads, the data split where it is not physically
 * contiguous, and a status byte the device writes.  When the ring is full
 * submit answers -EAGAIN and the block layer waits for a completion.
 */

/* Feature bits (virtio 1.2, 5.2.3). */
#define VIRTIO_BLK_F_SIZE_MAX 1
#define VIRTIO_BLK_F_SEG_MAX  2
#define VIRTIO_BLK_F_RO       5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH    9
#define VIRTIO_BLK_F_DISCARD  13

/* Configuration space offsets. */
#define VBLK_CFG_CAPACITY 0
#define VBLK_CFG_SEG_MAX  12

/* Request types and status. */
#define VIRTIO_BLK_T_IN      0
#define VIRTIO_BLK_T_OUT     1
#define VIRTIO_BLK_T_FLUSH   4
#define VIRTIO_BLK_T_DISCARD 11
#define VIRTIO_BLK_S_OK      0
#define VIRTIO_BLK_S_IOERR   1
#define VIRTIO_BLK_S_UNSUPP  2

#define VBLK_RING 128
#define VBLK_MAJOR 254
#define MAX_SEGS 64          /* data descriptors in one chain */

struct vblk_hdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};

struct vblk_discard {
	uint64_t sector;
	uint32_t num_sectors;
	uint32_t flags;
};

/* One request in flight: what the device reads and writes besides the data. */
struct vblk_req {
	struct vblk_hdr hdr;
	struct vblk_discard discard;
	uint8_t status;
	struct blk_request *rq;
};

struct vblk {
	struct blkdev bd;
	struct virtio_dev *vdev;
	struct virtqueue *vq;
	unsigned seg_max;
};

static int ndevices;

/* Completes every request the device returned. */
static void harvest(struct vblk *v)
{
	struct vblk_req *r;

	while ((r = virtq_get_used(v->vq, NULL))) {
		int status = r->status == VIRTIO_BLK_S_OK ? 0 :
			     r->status == VIRTIO_BLK_S_UNSUPP ? -EOPNOTSUPP : -EIO;
		struct blk_request *rq = r->rq;

		kfree(r);
		blk_complete(&v->bd, rq, status);
	}
}

static void vblk_irq(struct virtqueue *vq)
{
	struct vblk *v = vq->priv;

	do
		harvest(v);
	while (!virtq_enable_cb(vq));
}

static void vblk_poll(struct blkdev *bd)
{
	harvest(bd->priv);
}

/* Splits [buf, buf+len) where it stops being physically contiguous; returns the count or -EINVAL. */
static int segments(void *buf, size_t len, struct virtq_buf *out, unsigned max)
{
	unsigned n = 0;
	char *p = buf;

	while (len) {
		size_t chunk = MIN(len, PAGE_SIZE - ((uintptr_t)p & (PAGE_SIZE - 1)));

		if (n && virt_to_phys(out[n - 1].addr) + out[n - 1].len == virt_to_phys(p)) {
			out[n - 1].len += chunk;
		} else {
			if (n == max)
				return -EINVAL;
			out[n].addr = p;
			out[n].len = chunk;
			n++;
		}
		p += chunk;
		len -= chunk;
	}
	return n;
}

static int vblk_submit(struct blkdev *bd, struct blk_request *rq)
{
	struct vblk *v = bd->priv;
	struct virtq_buf bufs[MAX_SEGS + 2];
	struct vblk_req *r = kzalloc(sizeof(*r));
	unsigned nout = 1, nin = 0;
	int n, err;

	if (!r)
		return -EAGAIN;       /* retried after the next completion */
	r->rq = rq;
	r->hdr.sector = rq->sector;
	bufs[0] = (struct virtq_buf){ &r->hdr, sizeof(r->hdr) };
	switch (rq->op) {
	case BLK_READ:
	case BLK_WRITE:
		r->hdr.type = rq->op == BLK_READ ? VIRTIO_BLK_T_IN : VIRTIO_BLK_T_OUT;
		n = segments(rq->buf, (size_t)rq->nsectors * BLK_SECTOR, bufs + 1, v->seg_max);
		if (n < 0) {
			kfree(r);
			blk_complete(bd, rq, -EIO);
			return 0;
		}
		if (rq->op == BLK_READ)
			nin = n;
		else
			nout += n;
		break;
	case BLK_FLUSH:
		r->hdr.type = VIRTIO_BLK_T_FLUSH;
		r->hdr.sector = 0;
		break;
	case BLK_DISCARD:
		r->hdr.type = VIRTIO_BLK_T_DISCARD;
		r->hdr.sector = 0;
		r->discard.sector = rq->sector;
		r->discard.num_sectors = rq->nsectors;
		bufs[1] = (struct virtq_buf){ &r->discard, sizeof(r->discard) };
		nout = 2;
		break;
	}
	bufs[nout + nin] = (struct virtq_buf){ &r->status, 1 };
	nin++;
	err = virtq_add(v->vq, bufs, nout, nin, r);
	if (err) {
		kfree(r);
		return -EAGAIN;
	}
	virtq_kick(v->vq);
	return 0;
}

static const struct blkdev_ops vblk_ops = {
	.submit = vblk_submit,
	.poll = vblk_poll,
};

static int vblk_probe(struct virtio_dev *dev)
{
	struct vblk *v = kzalloc(sizeof(*v));
	uint64_t capacity;
	uint32_t seg_max = MAX_SEGS;
	int err;

	if (!v)
		return -ENOMEM;
	v->vdev = dev;
	v->vq = virtio_setup_vq(dev, 0, VBLK_RING, vblk_irq);
	if (!v->vq) {
		kfree(v);
		return -ENOMEM;
	}
	v->vq->priv = v;
	virtio_config_read(dev, VBLK_CFG_CAPACITY, &capacity, sizeof(capacity));
	if (virtio_has_feature(dev, VIRTIO_BLK_F_SEG_MAX)) {
		virtio_config_read(dev, VBLK_CFG_SEG_MAX, &seg_max, sizeof(seg_max));
		if (seg_max == 0 || seg_max > MAX_SEGS)
			seg_max = MAX_SEGS;
	}
	v->seg_max = seg_max;
	snprintk(v->bd.name, sizeof(v->bd.name), "vd%c", 'a' + ndevices);
	v->bd.nsectors = capacity;
	v->bd.ro = virtio_has_feature(dev, VIRTIO_BLK_F_RO);
	v->bd.can_flush = virtio_has_feature(dev, VIRTIO_BLK_F_FLUSH);
	v->bd.can_discard = virtio_has_feature(dev, VIRTIO_BLK_F_DISCARD);
	v->bd.major = VBLK_MAJOR;
	v->bd.minor = ndevices * 16;
	v->bd.ops = &vblk_ops;
	v->bd.priv = v;
	virtio_device_ready(dev);
	virtq_enable_cb(v->vq);
	err = blkdev_register(&v->bd);
	if (err)
		return err;
	ndevices++;
	printk("%s: %s, %lu MiB%s%s%s\n", v->bd.name, dev->name, (unsigned long)(capacity >> 11),
	       v->bd.ro ? ", read-only" : "", v->bd.can_flush ? ", flush" : "",
	       v->bd.can_discard ? ", discard" : "");
	return 0;
}

const struct virtio_driver virtio_blk_driver = {
	.name = "virtio-blk",
	.device_id = VIRTIO_ID_BLOCK,
	.features = VIRTIO_BIT(VIRTIO_BLK_F_SEG_MAX) | VIRTIO_BIT(VIRTIO_BLK_F_RO) |
		    VIRTIO_BIT(VIRTIO_BLK_F_BLK_SIZE) | VIRTIO_BIT(VIRTIO_BLK_F_FLUSH) |
		    VIRTIO_BIT(VIRTIO_BLK_F_DISCARD),
	.probe = vblk_probe,
};
