// SPDX-License-Identifier: MIT
/* virtio_net.c: the virtio network device as a struct netdev: a full receive ring, lazily reaped transmits, checksum and TCP segmentation offload. */
#include "kernel.h"
#include "mm.h"
#include "netdev.h"
#include "virtio.h"
#include "husk/virtio_net.h"

/* Feature bits (virtio 1.2, 5.1.3). */
#define VIRTIO_NET_F_CSUM       0
#define VIRTIO_NET_F_GUEST_CSUM 1
#define VIRTIO_NET_F_MTU        3
#define VIRTIO_NET_F_MAC        5
#define VIRTIO_NET_F_HOST_TSO4  11
#define VIRTIO_NET_F_HOST_TSO6  12
#define VIRTIO_NET_F_STATUS     16

/* Configuration space. */
#define VNET_CFG_MAC    0
#define VNET_CFG_STATUS 6
#define VNET_CFG_MTU    10
#define VIRTIO_NET_S_LINK_UP 1

#define VIRTIO_NET_HDR_F_NEEDS_CSUM 1
#define VIRTIO_NET_HDR_F_DATA_VALID 2
#define VIRTIO_NET_HDR_GSO_NONE 0
#define VIRTIO_NET_HDR_GSO_TCPV4 1
#define VIRTIO_NET_HDR_GSO_TCPV6 4

/* The header in front of every frame; with VERSION_1 it always has num_buffers. */
#define VNET_RXQ 0
#define VNET_TXQ 1
/* One buffer holds the header and a whole frame (no GSO, no mergeable buffers): 12 + 1514 (+ VLAN tag). */
#define VNET_BUF_SIZE 2048
#define VNET_RING 128
/* A long burst (a bulk send) is announced every this many frames, so that the device works while the kernel queues more. */
#define VNET_TX_BURST 32
/*
 * Frames longer than VNET_BUF_SIZE (segmentation offload) take one of
 * VNET_TSO_BUFS larger buffers: a TCP send buffer (256 KiB) is 4 of them.
 */
#define VNET_TSO_BUFS 8
#define VNET_TSO_BUF_SIZE ALIGN_UP(sizeof(struct virtio_net_hdr) + NETDEV_TSO_MAX, PAGE_SIZE)
#define ETH_HLEN 14

struct vnet {
	struct netdev nd;
	struct virtio_dev *vdev;
	struct virtqueue *rx, *tx;
	char *rx_bufs, *tx_bufs;       /* ring-sized arrays of VNET_BUF_SIZE buffers */
	char **tx_free;                /* stack of free transmit buffers */
	unsigned tx_nfree;
	char *tso_bufs;                /* VNET_TSO_BUFS buffers of VNET_TSO_BUF_SIZE, with TSO */
	char *tso_free[VNET_TSO_BUFS];
	unsigned tso_nfree;
	bool tx_stopped;               /* xmit said -EAGAIN: tell the stack when there is room */
	/*
	 * Frames the stack sends while it handles received ones (ACKs, replies)
	 * are announced to the device once, when the receive handler is done;
	 * with a batching stack (nd.tx_batched), at its netdev_tx_flush.
	 */
	bool in_rx;
	bool tx_kick_pending;
	unsigned tx_unannounced;       /* frames queued since the device was last told */
};

static void tx_announce(struct vnet *v)
{
	v->tx_kick_pending = false;
	v->tx_unannounced = 0;
	virtq_kick(v->tx);
}

/* The queues' notification counters, as the netdev reports them. */
static void count_kicks(struct vnet *v)
{
	v->nd.notifies = v->rx->kicks + v->tx->kicks;
	v->nd.notifies_suppressed = v->rx->kicks_suppressed + v->tx->kicks_suppressed;
}

/* The Internet checksum of buf, folded, added to sum (which the device put the pseudo-header into). */
static uint16_t inet_csum(const uint8_t *buf, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)buf[i] << 8 | buf[i + 1];
	if (len & 1)
		sum += (uint32_t)buf[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

/*
 * Completes a checksum the sender left partial (start/offset as in
 * NETDEV_F_TX_CSUM: the field holds the pseudo-header sum).  Returns false
 * when start/offset do not fit the frame.
 */
static bool csum_complete(uint8_t *frame, size_t len, unsigned start, unsigned offset)
{
	uint16_t c;

	if (start >= len || offset + 2 > len - start)
		return false;
	c = inet_csum(frame + start, len - start, 0);
	frame[start + offset] = c >> 8;
	frame[start + offset + 1] = c & 0xff;
	return true;
}

static int rx_post(struct vnet *v, char *buf)
{
	struct virtq_buf b = { buf, VNET_BUF_SIZE };
	return virtq_add(v->rx, &b, 0, 1, buf);
}

/* Receives every frame the device has returned, refills the ring, and re-arms the interrupt. */
static void vnet_rx_irq(struct virtqueue *vq)
{
	struct vnet *v = vq->priv;
	uint32_t len;
	char *buf;

	/* Every interrupt of the device runs this callback once. */
	v->nd.interrupts++;
	v->in_rx = true;
	do {
		while ((buf = virtq_get_used(vq, &len))) {
			struct virtio_net_hdr *h = (struct virtio_net_hdr *)buf;
			uint8_t *frame = (uint8_t *)buf + sizeof(*h);
			unsigned flags = 0;

			if (len < sizeof(*h) + ETH_HLEN || len > VNET_BUF_SIZE) {
				v->nd.rx_errors++;
			} else {
				size_t flen = len - sizeof(*h);
				bool ok = true;
				if (h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
					/* A frame from another guest on the host with its checksum left to us. */
					ok = csum_complete(frame, flen, h->csum_start, h->csum_offset);
					flags |= NETDEV_RX_CSUM_OK;
				} else if (h->flags & VIRTIO_NET_HDR_F_DATA_VALID) {
					flags |= NETDEV_RX_CSUM_OK;
				}
				if (ok) {
					v->nd.rx_packets++;
					v->nd.rx_bytes += flen;
					netdev_rx(&v->nd, frame, flen, flags);
				} else {
					v->nd.rx_errors++;
				}
			}
			rx_post(v, buf);
		}
		virtq_kick(vq);
	} while (!virtq_enable_cb(vq));
	netdev_rx_done(&v->nd);
	v->in_rx = false;
	if (v->tx_kick_pending)
		tx_announce(v);
	count_kicks(v);
}

/* Takes back the transmit buffers the device is done with. */
static bool is_tso_buf(struct vnet *v, const char *buf)
{
	return v->tso_bufs && buf >= v->tso_bufs && buf < v->tso_bufs + VNET_TSO_BUFS * VNET_TSO_BUF_SIZE;
}

static void tx_put(struct vnet *v, char *buf)
{
	if (is_tso_buf(v, buf))
		v->tso_free[v->tso_nfree++] = buf;
	else
		v->tx_free[v->tx_nfree++] = buf;
}

static void tx_reap(struct vnet *v)
{
	char *buf;

	while ((buf = virtq_get_used(v->tx, NULL)))
		tx_put(v, buf);
}

static void vnet_tx_irq(struct virtqueue *vq)
{
	struct vnet *v = vq->priv;

	tx_reap(v);
	if (v->tx_stopped && v->tx_nfree) {
		v->tx_stopped = false;
		virtq_disable_cb(vq);
		netdev_tx_ready(&v->nd);
	}
}

static int vnet_xmit(struct netdev *nd, const struct netdev_frag *frags, int nfrags,
		     const struct netdev_csum *csum)
{
	struct vnet *v = nd->priv;
	struct virtio_net_hdr *h;
	size_t len = 0;
	char *buf;
	struct virtq_buf b;
	bool gso = csum && csum->gso_size;

	for (int i = 0; i < nfrags; i++)
		len += frags[i].len;
	if (len < ETH_HLEN || len > (gso ? NETDEV_TSO_MAX : VNET_BUF_SIZE - sizeof(*h)) ||
	    (gso && !v->tso_bufs)) {
		v->nd.tx_errors++;
		return -EINVAL;
	}
	/* Completions are reaped here, not by interrupt: the device interrupts only when the ring ran dry. */
	if (v->tx_nfree < 2 || (gso && !v->tso_nfree))
		tx_reap(v);
	if (gso && !v->tso_nfree) {
		/* Like a full ring, below; a large frame is seldom alone. */
		if (v->tx_kick_pending)
			tx_announce(v);
		v->tx_stopped = true;
		if (!virtq_enable_cb(v->tx))
			tx_reap(v);
		if (!v->tso_nfree)
			return -EAGAIN;
		v->tx_stopped = false;
		virtq_disable_cb(v->tx);
	}
	if (!v->tx_nfree) {
		/* What is queued but not yet announced must reach the device, or nothing frees. */
		if (v->tx_kick_pending)
			tx_announce(v);
		v->tx_stopped = true;
		if (!virtq_enable_cb(v->tx))
			tx_reap(v);
		if (!v->tx_nfree)
			return -EAGAIN;
		v->tx_stopped = false;
		virtq_disable_cb(v->tx);
	}
	buf = gso ? v->tso_free[--v->tso_nfree] : v->tx_free[--v->tx_nfree];
	h = (struct virtio_net_hdr *)buf;
	memset(h, 0, sizeof(*h));
	len = 0;
	for (int i = 0; i < nfrags; i++) {
		memcpy(buf + sizeof(*h) + len, frags[i].data, frags[i].len);
		len += frags[i].len;
	}
	if (csum) {
		if (virtio_has_feature(v->vdev, VIRTIO_NET_F_CSUM)) {
			h->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
			h->csum_start = csum->start;
			h->csum_offset = csum->offset;
			if (gso) {
				h->gso_type = csum->gso_v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4;
				h->gso_size = csum->gso_size;
				h->hdr_len = csum->hdr_len;
			}
		} else if (gso || !csum_complete((uint8_t *)buf + sizeof(*h), len, csum->start, csum->offset)) {
			tx_put(v, buf);
			v->nd.tx_errors++;
			return -EINVAL;
		}
	}
	b.addr = buf;
	b.len = sizeof(*h) + len;
	if (virtq_add(v->tx, &b, 1, 0, buf)) {
		tx_put(v, buf);
		return -EAGAIN;
	}
	v->nd.tx_packets++;
	v->nd.tx_bytes += len;
	if ((v->in_rx || v->nd.tx_batched) && ++v->tx_unannounced < VNET_TX_BURST) {
		v->tx_kick_pending = true;
		return 0;
	}
	tx_announce(v);
	count_kicks(v);
	return 0;
}

static void vnet_flush(struct netdev *nd)
{
	struct vnet *v = nd->priv;

	if (v->tx_kick_pending && !v->in_rx) {
		tx_announce(v);
		count_kicks(v);
	}
}

static const struct netdev_ops vnet_ops = {
	.xmit = vnet_xmit,
	.flush = vnet_flush,
};

static void vnet_read_link(struct vnet *v)
{
	uint16_t status = VIRTIO_NET_S_LINK_UP;

	if (virtio_has_feature(v->vdev, VIRTIO_NET_F_STATUS))
		virtio_config_read(v->vdev, VNET_CFG_STATUS, &status, sizeof(status));
	v->nd.link_up = status & VIRTIO_NET_S_LINK_UP;
}

static void vnet_config_changed(struct virtio_dev *dev)
{
	vnet_read_link(dev->priv);
}

static int vnet_probe(struct virtio_dev *dev)
{
	struct vnet *v = kzalloc(sizeof(*v));
	unsigned nrx, ntx;

	if (!v)
		return -ENOMEM;
	v->vdev = dev;
	dev->priv = v;
	v->rx = virtio_setup_vq(dev, VNET_RXQ, VNET_RING, vnet_rx_irq);
	v->tx = virtio_setup_vq(dev, VNET_TXQ, VNET_RING, vnet_tx_irq);
	if (!v->rx || !v->tx)
		return -ENOMEM;
	v->rx->priv = v->tx->priv = v;
	nrx = v->rx->num;
	ntx = v->tx->num;
	v->rx_bufs = page_alloc_n_dirty(ALIGN_UP((size_t)nrx * VNET_BUF_SIZE, PAGE_SIZE) / PAGE_SIZE);
	v->tx_bufs = page_alloc_n_dirty(ALIGN_UP((size_t)ntx * VNET_BUF_SIZE, PAGE_SIZE) / PAGE_SIZE);
	v->tx_free = kzalloc(ntx * sizeof(*v->tx_free));
	if (!v->rx_bufs || !v->tx_bufs || !v->tx_free)
		return -ENOMEM;
	for (unsigned i = 0; i < ntx; i++)
		v->tx_free[v->tx_nfree++] = v->tx_bufs + (size_t)i * VNET_BUF_SIZE;

	if (virtio_has_feature(dev, VIRTIO_NET_F_MAC)) {
		virtio_config_read(dev, VNET_CFG_MAC, v->nd.mac, 6);
	} else {
		/* A locally administered address (QEMU's prefix), as Linux makes a random one. */
		static const uint8_t def[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
		memcpy(v->nd.mac, def, 6);
	}
	if (virtio_has_feature(dev, VIRTIO_NET_F_MTU)) {
		uint16_t mtu;
		virtio_config_read(dev, VNET_CFG_MTU, &mtu, sizeof(mtu));
		if (mtu >= 68 && mtu <= 1500)
			v->nd.mtu = mtu;
	}
	if (virtio_has_feature(dev, VIRTIO_NET_F_CSUM))
		v->nd.features |= NETDEV_F_TX_CSUM;
	if (virtio_has_feature(dev, VIRTIO_NET_F_GUEST_CSUM))
		v->nd.features |= NETDEV_F_RX_CSUM;
	/* Segmentation offload needs checksum offload, and both TCP families (the stack does not ask which). */
	if (virtio_has_feature(dev, VIRTIO_NET_F_CSUM) && virtio_has_feature(dev, VIRTIO_NET_F_HOST_TSO4) &&
	    virtio_has_feature(dev, VIRTIO_NET_F_HOST_TSO6)) {
		v->tso_bufs = page_alloc_n_dirty(VNET_TSO_BUFS * VNET_TSO_BUF_SIZE / PAGE_SIZE);
		if (v->tso_bufs) {
			for (unsigned i = 0; i < VNET_TSO_BUFS; i++)
				v->tso_free[v->tso_nfree++] = v->tso_bufs + (size_t)i * VNET_TSO_BUF_SIZE;
			v->nd.features |= NETDEV_F_TSO;
		}
	}
	vnet_read_link(v);
	v->nd.ops = &vnet_ops;
	v->nd.priv = v;

	virtio_device_ready(dev);
	for (unsigned i = 0; i < nrx; i++)
		if (rx_post(v, v->rx_bufs + (size_t)i * VNET_BUF_SIZE))
			break;
	virtq_enable_cb(v->rx);
	virtq_disable_cb(v->tx);
	virtq_kick(v->rx);
	count_kicks(v);
	netdev_register(&v->nd);
	return 0;
}

const struct virtio_driver virtio_net_driver = {
	.name = "virtio-net",
	.device_id = VIRTIO_ID_NET,
	.features = VIRTIO_BIT(VIRTIO_NET_F_CSUM) | VIRTIO_BIT(VIRTIO_NET_F_GUEST_CSUM) |
		    VIRTIO_BIT(VIRTIO_NET_F_HOST_TSO4) | VIRTIO_BIT(VIRTIO_NET_F_HOST_TSO6) |
		    VIRTIO_BIT(VIRTIO_NET_F_MTU) | VIRTIO_BIT(VIRTIO_NET_F_MAC) |
		    VIRTIO_BIT(VIRTIO_NET_F_STATUS),
	.probe = vnet_probe,
	.config_changed = vnet_config_changed,
};
