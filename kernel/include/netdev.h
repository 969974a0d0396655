/* SPDX-License-Identifier: MIT */
/* netdev.h: network devices (virtio-net, later Xen netfront) as the network stack sees them: frames out, frames in. */
#ifndef NETDEV_H
#define NETDEV_H

#include "kernel.h"

struct netdev;

/* One piece of an outgoing frame (kernel memory). */
struct netdev_frag {
	const void *data;
	size_t len;
};

/*
 * Checksum offload for an outgoing frame (NETDEV_F_TX_CSUM): the device
 * computes the Internet checksum from byte `start` of the frame to its end
 * and stores it at `start + offset`; the stack has put the pseudo-header sum
 * there (as virtio's VIRTIO_NET_HDR_F_NEEDS_CSUM expects).
 */
struct netdev_csum {
	uint16_t start;
	uint16_t offset;
	/*
	 * Segmentation offload (NETDEV_F_TSO): gso_size is not 0 for a TCP
	 * frame longer than the MTU (up to NETDEV_TSO_MAX bytes), which the
	 * device cuts into segments of gso_size payload bytes, each with the
	 * headers (hdr_len bytes: Ethernet, IP, TCP) adjusted as Linux's GSO
	 * does (lengths, IP id and checksum, sequence numbers, PSH on the last).
	 */
	uint16_t gso_size;
	uint16_t hdr_len;
	bool gso_v6;                /* TCP over IPv6, else over IPv4 */
};

#define NETDEV_F_TX_CSUM (1u << 0)   /* xmit takes a struct netdev_csum */
#define NETDEV_F_RX_CSUM (1u << 1)   /* received frames may come with NETDEV_RX_CSUM_OK */
#define NETDEV_F_TSO     (1u << 2)   /* xmit takes TCP frames with gso_size (IPv4 and IPv6) */
#define NETDEV_TSO_MAX   (14 + 65535) /* the longest frame xmit takes with NETDEV_F_TSO */

#define NETDEV_RX_CSUM_OK (1u << 0)  /* the device checked the frame's TCP/UDP checksum */

struct netdev_ops {
	/*
	 * Queues one Ethernet frame (no FCS), given as nfrags pieces, which the
	 * driver copies or has sent before it returns.  csum is NULL when the
	 * frame is complete.  Returns 0, or -EAGAIN when the device's ring is
	 * full (the driver calls netdev_tx_ready() when it has room again).
	 */
	int (*xmit)(struct netdev *nd, const struct netdev_frag *frags, int nfrags,
		    const struct netdev_csum *csum);
	/*
	 * Optional: has the device see every frame xmit queued.  A stack that
	 * calls netdev_tx_flush() after each burst of xmit sets tx_batched; the
	 * driver may then tell the device once per burst instead of once per
	 * frame (each telling is an exit to the monitor).  A burst may span
	 * system calls: husk's stack flushes when the sending thread leaves the
	 * CPU, at the end of an interrupt's run of the stack, and within 2 ms
	 * (net/netif.c, "Transmit batching").  A driver may still tell the
	 * device earlier (a full ring, a long burst).
	 */
	void (*flush)(struct netdev *nd);
};

struct netdev {
	char name[16];                  /* "eth0", set by netdev_register */
	uint8_t mac[6];
	unsigned mtu;                   /* payload bytes, 1500 unless the device says */
	unsigned features;              /* NETDEV_F_* */
	bool link_up;
	const struct netdev_ops *ops;
	void *priv;                     /* the driver's */

	/* Set by the network stack when it attaches the device (netdev_attach_all). */
	void (*rx)(struct netdev *nd, const void *frame, size_t len, unsigned flags);
	void (*tx_ready)(struct netdev *nd);
	void (*rx_done)(struct netdev *nd);
	void *stack;
	bool tx_batched;                /* the stack calls netdev_tx_flush after each burst */

	uint64_t rx_dropped;            /* frames that arrived with no stack attached */
	/* Counters the driver keeps, for /proc/net/dev and the exit report. */
	uint64_t rx_packets, rx_bytes, rx_errors;
	uint64_t tx_packets, tx_bytes, tx_errors;
	uint64_t interrupts;            /* device interrupts taken */
	uint64_t notifies;              /* times the driver notified the device */
	uint64_t notifies_suppressed;   /* times it did not need to (event index) */
	struct list link;
};

/* Driver side: adds a probed device (named eth0, eth1, ... in order). */
void netdev_register(struct netdev *nd);

/* From the driver's interrupt handler: one received frame, copied by the stack before this returns. */
static inline void netdev_rx(struct netdev *nd, const void *frame, size_t len, unsigned flags)
{
	if (nd->rx)
		nd->rx(nd, frame, len, flags);
	else
		nd->rx_dropped++;
}

/*
 * From the driver's interrupt handler, after the last netdev_rx of a run:
 * the stack hands over what it held back while the frames came in (xmit
 * may be called from here).
 */
static inline void netdev_rx_done(struct netdev *nd)
{
	if (nd->rx_done)
		nd->rx_done(nd);
}

/* From the driver: the transmit ring has room again after xmit said -EAGAIN. */
static inline void netdev_tx_ready(struct netdev *nd)
{
	if (nd->tx_ready)
		nd->tx_ready(nd);
}

/* Prints each device's counters on the console (frames per interrupt, notifications saved). */
void netdev_report(void);

/* From the stack, after a burst of xmit calls when it set tx_batched. */
static inline void netdev_tx_flush(struct netdev *nd)
{
	if (nd->ops->flush)
		nd->ops->flush(nd);
}

/* Stack side: every registered device, in registration order. */
extern struct list netdev_list;

#endif
