/* SPDX-License-Identifier: MIT */
/* test_virtio_net.c: unit tests for the virtio-net driver (kernel/drivers/virtio_net.c) over real virtqueues and a simulated device. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel.h"
#include "mm.h"
#include "netdev.h"
#include "virtio.h"

static int failures;

#define CHECK(cond) do { \
	if (!(cond)) { \
		printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); \
		failures++; \
	} \
} while (0)

/* ---- what the driver calls: host memory, the virtio core, the netdev list ---- */

uint64_t virt_to_phys(const void *va) { return (uint64_t)(uintptr_t)va; }
void printk(const char *fmt, ...) { (void)fmt; }
void printk_err(const char *fmt, ...) { (void)fmt; }

/* Everything the driver and the fake core allocate, freed at the end (the driver has no remove). */
static void *allocations[256];
static int nalloc;
static void *track(void *p)
{
	if (nalloc < (int)ARRAY_SIZE(allocations))
		allocations[nalloc++] = p;
	return p;
}

void *kzalloc(size_t n) { return track(calloc(1, n)); }
void kfree(void *p) { (void)p; }   /* freed with the rest at the end */

void *page_alloc_n_dirty(size_t n)
{
	void *p = track(aligned_alloc(4096, n * 4096));
	memset(p, 0x5a, n * 4096);
	return p;
}

/* A fast device: it sees everything available the moment it is notified (avail_event catches up). */
static unsigned notifications;
static void fake_notify(struct virtqueue *vq)
{
	notifications++;
	*(uint16_t *)&vq->used->ring[vq->num] = vq->avail->idx;
}
static const struct virtio_transport_ops fake_ops = { .notify = fake_notify };

static uint8_t fake_config[16] = { 0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcc, 1, 0 };
static bool ready;

struct virtqueue *virtio_setup_vq(struct virtio_dev *dev, unsigned index, unsigned max_num,
				  void (*callback)(struct virtqueue *vq))
{
	unsigned num = max_num ? max_num : 256;
	struct virtqueue *vq = kzalloc(sizeof(*vq));
	void *ring = track(aligned_alloc(4096, ALIGN_UP(virtq_ring_bytes(num), 4096)));

	memset(ring, 0, ALIGN_UP(virtq_ring_bytes(num), 4096));
	virtq_init(vq, num, ring, virt_to_phys(ring), kzalloc(num * sizeof(void *)),
		   virtio_has_feature(dev, VIRTIO_F_RING_EVENT_IDX));
	vq->dev = dev;
	vq->index = index;
	vq->callback = callback;
	dev->vqs[index] = vq;
	return vq;
}

void virtio_device_ready(struct virtio_dev *dev) { ready = true; }

void virtio_config_read(struct virtio_dev *dev, unsigned off, void *buf, unsigned len)
{
	memcpy(buf, fake_config + off, len);
}

static struct netdev *registered;
void netdev_register(struct netdev *nd) { registered = nd; }

#include "../../kernel/drivers/virtqueue.c"
#include "../../kernel/drivers/virtio_net.c"

/* ---- the stack's side ---- */

static uint8_t rx_frame[2048];
static size_t rx_len;
static unsigned rx_flags, rx_count, tx_ready_count;
static bool reply;   /* answer every frame, as a stack acknowledges TCP segments */

static void stack_rx(struct netdev *nd, const void *frame, size_t len, unsigned flags)
{
	memcpy(rx_frame, frame, len);
	rx_len = len;
	rx_flags = flags;
	rx_count++;
	if (reply) {
		struct netdev_frag f = { frame, len };
		CHECK(nd->ops->xmit(nd, &f, 1, NULL) == 0);
	}
}

static void stack_tx_ready(struct netdev *nd) { tx_ready_count++; }

/* ---- the device's side of a queue ---- */

struct devq {
	struct virtqueue *vq;
	uint16_t last_avail, used_idx;
};

/* Takes the next available chain; returns its head or -1. */
static int dev_take(struct devq *d)
{
	if (d->last_avail == d->vq->avail->idx)
		return -1;
	return d->vq->avail->ring[d->last_avail++ & (d->vq->num - 1)];
}

static void dev_put(struct devq *d, int head, uint32_t len)
{
	struct virtq_used_elem *e = &d->vq->used->ring[d->used_idx & (d->vq->num - 1)];
	e->id = head;
	e->len = len;
	d->used_idx++;
	d->vq->used->idx = d->used_idx;
}

static struct vnet *probe(uint64_t features)
{
	static struct virtio_dev dev;
	struct vnet *v;

	memset(&dev, 0, sizeof(dev));
	dev.ops = &fake_ops;
	dev.features = features | VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_F_RING_EVENT_IDX);
	registered = NULL;
	ready = false;
	CHECK(vnet_probe(&dev) == 0);
	v = dev.priv;
	CHECK(registered == &v->nd && ready);
	v->nd.rx = stack_rx;
	v->nd.tx_ready = stack_tx_ready;
	return v;
}

/* One's-complement sum over a buffer, as a receiver verifies a checksum (0xffff when it is right). */
static uint16_t sum16(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s;
}

static void test_probe_and_rx(void)
{
	uint64_t f = VIRTIO_BIT(VIRTIO_NET_F_MAC) | VIRTIO_BIT(VIRTIO_NET_F_STATUS) |
		     VIRTIO_BIT(VIRTIO_NET_F_CSUM) | VIRTIO_BIT(VIRTIO_NET_F_GUEST_CSUM);
	struct vnet *v;
	struct devq rx;
	int head;

	notifications = 0;
	v = probe(f);
	CHECK(memcmp(v->nd.mac, fake_config, 6) == 0);
	CHECK(v->nd.link_up);
	CHECK(v->nd.features == (NETDEV_F_TX_CSUM | NETDEV_F_RX_CSUM));
	/* The receive ring is full of device-writable buffers, and the device was told once. */
	CHECK(v->rx->num_free == 0);
	CHECK(v->rx->avail->idx == v->rx->num);
	CHECK(v->rx->desc[0].flags == VIRTQ_DESC_F_WRITE && v->rx->desc[0].len == VNET_BUF_SIZE);
	CHECK(notifications == 1);

	rx = (struct devq){ v->rx, 0, 0 };
	/* A plain frame. */
	head = dev_take(&rx);
	uint8_t *buf = (uint8_t *)(uintptr_t)v->rx->desc[head].addr;
	memset(buf, 0, 12);
	for (int i = 0; i < 60; i++)
		buf[12 + i] = i;
	dev_put(&rx, head, 12 + 60);
	/* A frame whose checksum the device already verified. */
	head = dev_take(&rx);
	buf = (uint8_t *)(uintptr_t)v->rx->desc[head].addr;
	memset(buf, 0, 12);
	buf[0] = VIRTIO_NET_HDR_F_DATA_VALID;
	dev_put(&rx, head, 12 + 64);
	rx_count = 0;
	vnet_rx_irq(v->rx);
	CHECK(rx_count == 2);        /* both frames of one interrupt */
	CHECK(rx_len == 64 && rx_flags == NETDEV_RX_CSUM_OK);
	CHECK(v->nd.rx_packets == 2 && v->nd.rx_bytes == 124 && v->nd.interrupts == 1);
	CHECK(v->rx->num_free == 0);  /* both buffers went back */
	CHECK(v->rx->avail->idx == (uint16_t)(v->rx->num + 2));
	CHECK(*(uint16_t *)&v->rx->avail->ring[v->rx->num] == 2);  /* used_event: interrupt at the next one */

	/* A frame with its checksum left to us: pseudo-header sum at start + offset. */
	head = dev_take(&rx);
	buf = (uint8_t *)(uintptr_t)v->rx->desc[head].addr;
	memset(buf, 0, 12);
	buf[0] = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	*(uint16_t *)(buf + 6) = 34;  /* csum_start: after Ethernet and IPv4 headers */
	*(uint16_t *)(buf + 8) = 6;   /* csum_offset: the UDP checksum */
	uint8_t *fr = buf + 12;
	for (int i = 0; i < 100; i++)
		fr[i] = (uint8_t)(i * 13 + 1);
	fr[34 + 6] = 0x12;
	fr[34 + 7] = 0x34;             /* stands for the pseudo-header sum */
	dev_put(&rx, head, 12 + 100);
	vnet_rx_irq(v->rx);
	CHECK(rx_count == 3 && rx_len == 100 && rx_flags == NETDEV_RX_CSUM_OK);
	/* The field must now be ~(S + P): S the segment's sum with the field zero, P the pseudo-header sum. */
	uint8_t seg[66];
	uint32_t sum;
	memcpy(seg, rx_frame + 34, 66);
	seg[6] = seg[7] = 0;
	sum = sum16(seg, 66) + 0x1234;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	CHECK(((rx_frame[40] << 8) | rx_frame[41]) == (uint16_t)~sum);
	/* Which is what a receiver verifies: the whole segment plus P sums to 0xffff. */
	sum = sum16(rx_frame + 34, 66) + 0x1234;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	CHECK(sum == 0xffff);

	/* Replies sent while the frames of one interrupt are handled: one notification for all. */
	struct devq tx = { v->tx, 0, 0 };
	uint64_t tx_kicks = v->tx->kicks;
	for (int i = 0; i < 3; i++) {
		head = dev_take(&rx);
		buf = (uint8_t *)(uintptr_t)v->rx->desc[head].addr;
		memset(buf, 0, 12);
		dev_put(&rx, head, 12 + 60);
	}
	reply = true;
	vnet_rx_irq(v->rx);
	reply = false;
	CHECK(rx_count == 6 && v->nd.tx_packets == 3);
	CHECK(v->tx->kicks == tx_kicks + 1);
	CHECK(dev_take(&tx) >= 0 && dev_take(&tx) >= 0 && dev_take(&tx) >= 0 && dev_take(&tx) < 0);

	/* Too short for a header and an Ethernet header: an error, not a frame. */
	head = dev_take(&rx);
	dev_put(&rx, head, 20);
	vnet_rx_irq(v->rx);
	CHECK(rx_count == 6 && v->nd.rx_errors == 1);
	CHECK(v->rx->num_free == 0);
}

static void test_tx(void)
{
	struct vnet *v = probe(VIRTIO_BIT(VIRTIO_NET_F_CSUM));
	struct devq tx = { v->tx, 0, 0 };
	uint8_t a[14] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0x08, 0x00 }, b[50];
	struct netdev_frag frags[2] = { { a, sizeof(a) }, { b, sizeof(b) } };
	struct netdev_csum cs = { 34, 6 };
	int head, sent = 0, err;

	CHECK(v->nd.features == NETDEV_F_TX_CSUM);
	for (int i = 0; i < 50; i++)
		b[i] = i;
	CHECK(vnet_xmit(&v->nd, frags, 2, NULL) == 0);
	head = dev_take(&tx);
	CHECK(head >= 0);
	struct virtq_desc *d = &v->tx->desc[head];
	uint8_t *buf = (uint8_t *)(uintptr_t)d->addr;
	CHECK(d->len == 12 + 64 && d->flags == 0);
	CHECK(buf[0] == 0 && memcmp(buf + 12, a, 14) == 0 && memcmp(buf + 26, b, 50) == 0);
	/* Offload: the header asks the device. */
	CHECK(vnet_xmit(&v->nd, frags, 2, &cs) == 0);
	head = dev_take(&tx);
	buf = (uint8_t *)(uintptr_t)v->tx->desc[head].addr;
	CHECK(buf[0] == VIRTIO_NET_HDR_F_NEEDS_CSUM);
	CHECK(*(uint16_t *)(buf + 6) == 34 && *(uint16_t *)(buf + 8) == 6);
	CHECK(v->nd.tx_packets == 2 && v->nd.tx_bytes == 128);
	/* Bad sizes. */
	struct netdev_frag tiny = { a, 10 };
	CHECK(vnet_xmit(&v->nd, &tiny, 1, NULL) == -EINVAL && v->nd.tx_errors == 1);

	/* Fill the ring without completions: -EAGAIN, then tx_ready once the device gives one back. */
	while ((err = vnet_xmit(&v->nd, frags, 2, NULL)) == 0)
		sent++;
	CHECK(err == -EAGAIN && sent + 2 == v->tx->num && v->tx_stopped);
	head = dev_take(&tx);
	tx_ready_count = 0;
	dev_put(&tx, 0, 0);      /* the first chain (head 0) */
	vnet_tx_irq(v->tx);
	CHECK(tx_ready_count == 1 && !v->tx_stopped);
	CHECK(vnet_xmit(&v->nd, frags, 2, NULL) == 0);
	(void)head;

	/* A batching stack: frames wait for netdev_tx_flush, which tells the device once. */
	v = probe(0);
	tx = (struct devq){ v->tx, 0, 0 };
	v->nd.tx_batched = true;
	uint64_t kicks = v->tx->kicks;
	for (int i = 0; i < 5; i++)
		CHECK(vnet_xmit(&v->nd, frags, 2, NULL) == 0);
	CHECK(v->tx->kicks == kicks && v->tx->avail->idx == 5);
	netdev_tx_flush(&v->nd);
	CHECK(v->tx->kicks == kicks + 1);
	netdev_tx_flush(&v->nd);
	CHECK(v->tx->kicks == kicks + 1);   /* nothing new: nothing to tell */

	/* Without device offload the driver computes the checksum itself. */
	v = probe(0);
	CHECK(v->nd.features == 0);
	tx = (struct devq){ v->tx, 0, 0 };
	uint8_t frame[100];
	for (int i = 0; i < 100; i++)
		frame[i] = (uint8_t)(i * 5 + 3);
	frame[40] = 0x12;
	frame[41] = 0x34;
	struct netdev_frag one = { frame, 100 };
	CHECK(vnet_xmit(&v->nd, &one, 1, &cs) == 0);
	head = dev_take(&tx);
	buf = (uint8_t *)(uintptr_t)v->tx->desc[head].addr;
	CHECK(buf[0] == 0);
	frame[40] = frame[41] = 0;
	uint32_t s = sum16(frame + 34, 66) + 0x1234;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	CHECK(((buf[12 + 40] << 8) | buf[12 + 41]) == (uint16_t)~s);
	/* A checksum position outside the frame is refused. */
	struct netdev_csum bad = { 98, 6 };
	CHECK(vnet_xmit(&v->nd, &one, 1, &bad) == -EINVAL);
}

int main(void)
{
	test_probe_and_rx();
	test_tx();
	for (int i = 0; i < nalloc; i++)
		free(allocations[i]);
	if (failures) {
		printf("%d checks failed\n", failures);
		return 1;
	}
	printf("virtio_net: all checks passed\n");
	return 0;
}
