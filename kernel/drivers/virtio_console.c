// SPDX-License-Identifier: MIT
/* virtio_console.c: the virtio console (device id 3, one port) as the console's bulk channel: a full receive ring of large buffers, output batched into large transmit buffers. */
#include "kernel.h"
#include "ktime.h"
#include "mm.h"
#include "virtio.h"
#include "console_channel.h"

/* Port 0's queues; without VIRTIO_CONSOLE_F_MULTIPORT there are no others (virtio 1.2, 5.3.2). */
#define VCON_RXQ 0
#define VCON_TXQ 1
#define VCON_BUF_PAGES 4
#define VCON_BUF_SIZE (VCON_BUF_PAGES * PAGE_SIZE)
#define VCON_NRX 4
#define VCON_NTX 4
/* How long a flush waits for the device (at exit and panic): the host's relay may be slow, not gone. */
#define VCON_FLUSH_NS 5000000000ULL

struct vcon {
	struct virtio_dev *vdev;
	struct virtqueue *rx, *tx;
	/* Transmit: the buffers not with the device, and the one being filled. */
	char *tx_free[VCON_NTX];
	unsigned tx_nfree;
	char *tx_cur;
	size_t tx_len;
	/* Receive: buffers the device filled, in arrival order, the first read up to rx_off. */
	struct {
		char *buf;
		uint32_t len;
	} rxq[VCON_NRX];
	unsigned rx_head, rx_count;
	uint32_t rx_off;
};

/* The device carrying the console (the first one found). */
static struct vcon *vcon;

static int rx_post(struct vcon *v, char *buf)
{
	struct virtq_buf b = { buf, VCON_BUF_SIZE };

	return virtq_add(v->rx, &b, 0, 1, buf);
}

/* Moves the chains the device filled into rxq, in order. */
static void rx_harvest(struct vcon *v)
{
	uint32_t len;
	char *buf;

	while (v->rx_count < VCON_NRX && (buf = virtq_get_used(v->rx, &len))) {
		unsigned at = (v->rx_head + v->rx_count) % VCON_NRX;

		v->rxq[at].buf = buf;
		v->rxq[at].len = MIN(len, (uint32_t)VCON_BUF_SIZE);
		v->rx_count++;
	}
}

static void vcon_rx_irq(struct virtqueue *vq)
{
	struct vcon *v = vq->priv;

	do
		rx_harvest(v);
	while (!virtq_enable_cb(vq));
	console_input_arrived();
}

/*
 * Makes rxq[rx_head] a buffer with unread bytes: buffers read to their end
 * go back to the device (which may be waiting for room).  Returns 0, or
 * -1 when nothing has arrived.
 */
static int rx_prepare(struct vcon *v)
{
	for (;;) {
		if (!v->rx_count)
			rx_harvest(v);
		if (!v->rx_count)
			return -1;
		if (v->rx_off < v->rxq[v->rx_head].len)
			return 0;
		rx_post(v, v->rxq[v->rx_head].buf);
		virtq_kick(v->rx);
		v->rx_head = (v->rx_head + 1) % VCON_NRX;
		v->rx_count--;
		v->rx_off = 0;
	}
}

/* The next input byte. */
static int vcon_getc(void)
{
	struct vcon *v = vcon;

	if (rx_prepare(v))
		return -1;
	return (uint8_t)v->rxq[v->rx_head].buf[v->rx_off++];
}

/* The unread rest of the first filled buffer. */
static size_t vcon_peek(const char **p)
{
	struct vcon *v = vcon;

	if (rx_prepare(v))
		return 0;
	*p = v->rxq[v->rx_head].buf + v->rx_off;
	return v->rxq[v->rx_head].len - v->rx_off;
}

static void vcon_consume(size_t n)
{
	vcon->rx_off += (uint32_t)n;
}

static void tx_reap(struct vcon *v)
{
	char *buf;

	while ((buf = virtq_get_used(v->tx, NULL)))
		v->tx_free[v->tx_nfree++] = buf;
}

/*
 * A free transmit buffer.  When all are with the device the host is not
 * reading (its stdout is blocked): waiting is the backpressure, nothing is
 * dropped.  The device returns buffers without our help (QEMU's I/O thread,
 * husk-vmm's loop), so spinning on the used ring with interrupts off is safe.
 */
static char *tx_get(struct vcon *v)
{
	for (;;) {
		tx_reap(v);
		if (v->tx_nfree)
			return v->tx_free[--v->tx_nfree];
		if (v->tx->broken)
			return NULL;
		__asm__ volatile("pause");
	}
}

static void vcon_push(void)
{
	struct vcon *v = vcon;
	struct virtq_buf b;

	if (!v->tx_cur || !v->tx_len)
		return;
	b.addr = v->tx_cur;
	b.len = (uint32_t)v->tx_len;
	/* The ring has more descriptors than there are buffers: this cannot fail for room. */
	if (virtq_add(v->tx, &b, 1, 0, v->tx_cur) == 0)
		virtq_kick(v->tx);
	else
		v->tx_free[v->tx_nfree++] = v->tx_cur;
	v->tx_cur = NULL;
	v->tx_len = 0;
}

static void vcon_write(const char *buf, size_t n)
{
	struct vcon *v = vcon;

	while (n) {
		size_t k;

		if (!v->tx_cur) {
			v->tx_cur = tx_get(v);
			if (!v->tx_cur)
				return;         /* a broken device: the output is lost, as on a dead UART */
		}
		k = MIN(n, VCON_BUF_SIZE - v->tx_len);
		memcpy(v->tx_cur + v->tx_len, buf, k);
		v->tx_len += k;
		buf += k;
		n -= k;
		if (v->tx_len == VCON_BUF_SIZE)
			vcon_push();
	}
}

static void vcon_flush(void)
{
	struct vcon *v = vcon;
	uint64_t deadline;

	vcon_push();
	deadline = clock_monotonic_ns() + VCON_FLUSH_NS;
	while (v->tx_nfree + (v->tx_cur != NULL) < VCON_NTX && !v->tx->broken &&
	       clock_monotonic_ns() < deadline) {
		tx_reap(v);
		__asm__ volatile("pause");
	}
}

static void vcon_tx_irq(struct virtqueue *vq)
{
	tx_reap(vq->priv);
}

static const struct console_channel vcon_channel = {
	.write = vcon_write,
	.push = vcon_push,
	.flush = vcon_flush,
	.getc = vcon_getc,
	.peek = vcon_peek,
	.consume = vcon_consume,
};

static int vcon_probe(struct virtio_dev *dev)
{
	struct vcon *v;
	char *bufs;

	if (vcon)
		return -EBUSY;          /* one console is enough */
	v = kzalloc(sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->vdev = dev;
	dev->priv = v;
	v->rx = virtio_setup_vq(dev, VCON_RXQ, 16, vcon_rx_irq);
	v->tx = virtio_setup_vq(dev, VCON_TXQ, 16, vcon_tx_irq);
	if (!v->rx || !v->tx || v->rx->num < VCON_NRX || v->tx->num < VCON_NTX)
		return -ENOMEM;
	v->rx->priv = v->tx->priv = v;
	bufs = page_alloc_n_dirty((VCON_NRX + VCON_NTX) * VCON_BUF_PAGES);
	if (!bufs)
		return -ENOMEM;
	for (unsigned i = 0; i < VCON_NTX; i++)
		v->tx_free[v->tx_nfree++] = bufs + (size_t)(VCON_NRX + i) * VCON_BUF_SIZE;
	virtio_device_ready(dev);
	for (unsigned i = 0; i < VCON_NRX; i++)
		rx_post(v, bufs + (size_t)i * VCON_BUF_SIZE);
	virtq_enable_cb(v->rx);
	/* Transmit completions are reaped when a buffer is needed: no interrupt for them. */
	virtq_disable_cb(v->tx);
	virtq_kick(v->rx);
	vcon = v;
	/* The framed stream (husk.mux) moves here; without the relay the device stays unused. */
	if (console_mux)
		console_channel_set(&vcon_channel);
	return 0;
}

const struct virtio_driver virtio_console_driver = {
	.name = "virtio-console",
	.device_id = VIRTIO_ID_CONSOLE,
	.features = 0,
	.probe = vcon_probe,
};
