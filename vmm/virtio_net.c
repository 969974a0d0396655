/* SPDX-License-Identifier: MIT */
/* virtio_net.c: virtio-net (one queue pair) over a host tap device, or over a frame back end (libslirp). */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <linux/if_tun.h>

#include "virtio.h"
#include "husk/virtio_net.h"

#define VIRTIO_ID_NET 1

#define VIRTIO_NET_F_CSUM       0
#define VIRTIO_NET_F_GUEST_CSUM 1
#define VIRTIO_NET_F_MAC        5
#define VIRTIO_NET_F_STATUS     16

#define VIRTIO_NET_S_LINK_UP 1

#define RXQ 0
#define TXQ 1
/* Frames moved per I/O-thread wake-up, so a flood cannot starve the other devices. */
#define RX_BATCH 64

/* The header in front of every frame (virtio 1.x: num_buffers is always there). */
struct virtio_net_config {
	uint8_t mac[6];
	uint16_t status;
} __attribute__((packed));

struct virtio_net {
	struct virtio_dev dev;
	struct virtio_net_config config;
	int tap_fd;                 /* -1 with a frame back end */
	const char *tap_name;
	int rx_stalled;             /* the tap is unwatched until the guest gives rx buffers */
	struct net_backend be;      /* the frame back end, when tap_fd < 0 */
	uint64_t tx_dropped;
};

/* ---------------------------------------------------------------- receive */

int virtio_net_rx(struct virtio_net *n, const void *frame, size_t len)
{
	struct virtio_dev *d = &n->dev;
	struct virtq *vq = &d->vq[RXQ];
	struct virtio_net_hdr hdr = { .num_buffers = 1 };
	struct virtq_chain c;
	const char *why;
	int r;

	if (d->broken || !(d->status & VIRTIO_STATUS_DRIVER_OK) || !vq->ready)
		return -1;
	r = virtq_pop_or_arm(vq, d->mem, &c, &why);
	if (r < 0) {
		virtio_dev_fail(d, why);
		return -1;
	}
	if (r == 0)
		return 0;
	if (c.nout || c.in_len < sizeof(hdr)) {
		virtio_dev_fail(d, "receive buffer that is read-only or shorter than the header");
		return -1;
	}
	/* A frame longer than the buffer is cut, as a NIC with a short descriptor would. */
	virtq_chain_write(&c, 0, &hdr, sizeof(hdr));
	len = virtq_chain_write(&c, sizeof(hdr), frame, len);
	virtq_push(vq, c.head, sizeof(hdr) + len);
	return 1;
}

void virtio_net_rx_done(struct virtio_net *n)
{
	virtio_dev_used(&n->dev, RXQ);
}

/* The tap is readable: move up to RX_BATCH frames straight into receive buffers. */
static void tap_readable(void *opaque, uint32_t events)
{
	struct virtio_net *n = opaque;
	struct virtio_dev *d = &n->dev;
	struct virtq *vq = &d->vq[RXQ];
	int i, pushed = 0;

	(void)events;
	for (i = 0; i < RX_BATCH; i++) {
		struct virtq_chain c;
		const char *why;
		ssize_t len;
		uint16_t one = 1;
		int r;

		if (d->broken || !(d->status & VIRTIO_STATUS_DRIVER_OK) || !vq->ready) {
			/* Nobody to give frames to: drop one so the tap does not spin us. */
			char drop[64];

			if (read(n->tap_fd, drop, sizeof(drop)) < 0)
				break;
			continue;
		}
		r = virtq_pop_or_arm(vq, d->mem, &c, &why);
		if (r < 0) {
			virtio_dev_fail(d, why);
			break;
		}
		if (r == 0) {
			/* No buffers: stop watching the tap until the guest adds some. */
			n->rx_stalled = 1;
			vmm_event_mod(n->tap_fd, 0);
			break;
		}
		if (c.nout || c.in_len < sizeof(struct virtio_net_hdr)) {
			virtio_dev_fail(d, "receive buffer that is read-only or shorter than the header");
			break;
		}
		/* IFF_VNET_HDR: the tap writes the virtio header and the frame in one go. */
		len = readv(n->tap_fd, c.iov, c.nin);
		if (len < (ssize_t)sizeof(struct virtio_net_hdr)) {
			virtq_unpop(vq);
			break;
		}
		virtq_chain_write(&c, offsetof(struct virtio_net_hdr, num_buffers), &one, 2);
		virtq_push(vq, c.head, len);
		pushed = 1;
	}
	if (pushed)
		virtio_dev_used(d, RXQ);
}

/* ---------------------------------------------------------------- transmit */

/* One transmit chain (a virtq_handle_fn): a virtio header, then the frame. */
static int tx_frame(void *opaque, const struct virtq_chain *c, const char **why)
{
	static uint8_t buf[65536 + sizeof(struct virtio_net_hdr)];
	struct virtio_net *n = opaque;
	size_t len;

	if (c->nin || c->out_len < sizeof(struct virtio_net_hdr)) {
		*why = "transmit buffer that is writable or shorter than the header";
		return -EINVAL;
	}
	if (n->tap_fd >= 0) {
		/* The guest's virtio header is the tap's: hand the chain over as it is. */
		if (writev(n->tap_fd, c->iov, c->nout) < 0)
			n->tx_dropped++;
		return 0;
	}
	if (c->out_len > sizeof(buf)) {
		n->tx_dropped++;
		return 0;
	}
	len = virtq_chain_read(c, 0, buf, sizeof(buf));
	n->be.tx(n->be.be, buf + sizeof(struct virtio_net_hdr), len - sizeof(struct virtio_net_hdr));
	return 0;
}

static void net_notify(struct virtio_dev *d, unsigned q)
{
	struct virtio_net *n = d->opaque;

	if (q == RXQ) {
		if (n->tap_fd >= 0 && n->rx_stalled) {
			n->rx_stalled = 0;
			vmm_event_mod(n->tap_fd, EPOLLIN);
		} else if (n->tap_fd < 0) {
			n->be.rx_ready(n->be.be);
		}
		return;
	}
	virtio_dev_drain(d, q, tx_frame, n);
}

static int net_features_ok(struct virtio_dev *d)
{
	struct virtio_net *n = d->opaque;
	unsigned off = 0;

	if (n->tap_fd < 0)
		return 0;
	/* The guest takes partial checksums only if it said so: the tap must finish them otherwise. */
	if (virtio_has(d, VIRTIO_NET_F_GUEST_CSUM))
		off = TUN_F_CSUM;
	if (ioctl(n->tap_fd, TUNSETOFFLOAD, off) < 0)
		vmm_debug("tap %s: TUNSETOFFLOAD: %s", n->tap_name, strerror(errno));
	return 0;
}

static void net_reset(struct virtio_dev *d)
{
	struct virtio_net *n = d->opaque;

	if (n->tap_fd >= 0 && n->rx_stalled) {
		n->rx_stalled = 0;
		vmm_event_mod(n->tap_fd, EPOLLIN);
	}
}

static const struct virtio_dev_ops net_tap_ops = {
	.features = (1ULL << VIRTIO_NET_F_CSUM) | (1ULL << VIRTIO_NET_F_GUEST_CSUM) |
		    (1ULL << VIRTIO_NET_F_MAC) | (1ULL << VIRTIO_NET_F_STATUS),
	.features_ok = net_features_ok,
	.notify = net_notify,
	.reset = net_reset,
};

/* libslirp wants whole frames with correct checksums: no offloads. */
static const struct virtio_dev_ops net_frame_ops = {
	.features = (1ULL << VIRTIO_NET_F_MAC) | (1ULL << VIRTIO_NET_F_STATUS),
	.features_ok = net_features_ok,
	.notify = net_notify,
	.reset = net_reset,
};

/* ---------------------------------------------------------------- set-up */

static int tap_open(const char *name)
{
	struct ifreq ifr;
	int fd, hdr = sizeof(struct virtio_net_hdr), err;

	if (strlen(name) >= IFNAMSIZ) {
		fprintf(stderr, "husk-vmm: tap %s: name longer than %d characters\n", name,
			IFNAMSIZ - 1);
		return -EINVAL;
	}
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		fprintf(stderr, "husk-vmm: tap %s: /dev/net/tun: %s\n", name, strerror(errno));
		return err;
	}
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, name);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		err = -errno;
		if (errno == EPERM)
			fprintf(stderr, "husk-vmm: tap %s: cannot open: %s (it needs CAP_NET_ADMIN, "
				"or a tap owned by you: ip tuntap add %s mode tap user $USER)\n",
				name, strerror(errno), name);
		else
			fprintf(stderr, "husk-vmm: tap %s: cannot open: %s\n", name, strerror(errno));
		goto err_close;
	}
	if (ioctl(fd, TUNSETVNETHDRSZ, &hdr) < 0 || ioctl(fd, TUNSETOFFLOAD, 0) < 0) {
		err = -errno;
		fprintf(stderr, "husk-vmm: tap %s: virtio headers: %s\n", name, strerror(errno));
		goto err_close;
	}
	return fd;

err_close:
	close(fd);
	return err;
}

int virtio_net_create(const struct vmm_net_opts *o, const struct vmm_mem *mem, char **devs)
{
	struct virtio_net *n;
	pid_t pid = getpid();
	int ret;

	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->tap_fd = -1;
	/* A locally administered address, different for each monitor on the host. */
	n->config.mac[0] = 0x52;
	n->config.mac[1] = 0x54;
	n->config.mac[2] = 0x00;
	n->config.mac[3] = pid >> 16;
	n->config.mac[4] = pid >> 8;
	n->config.mac[5] = pid;
	n->config.status = VIRTIO_NET_S_LINK_UP;

	n->dev.name = "virtio-net";
	n->dev.device_id = VIRTIO_ID_NET;
	n->dev.opaque = n;
	n->dev.config = &n->config;
	n->dev.config_len = sizeof(n->config);
	n->dev.nqueues = 2;
	if (o->tap) {
		n->tap_name = o->tap;
		n->tap_fd = tap_open(o->tap);
		if (n->tap_fd < 0) {
			ret = n->tap_fd;
			goto err_free;
		}
		n->dev.ops = &net_tap_ops;
		ret = vmm_event_add(n->tap_fd, EPOLLIN, tap_readable, n);
		if (ret) {
			fprintf(stderr, "husk-vmm: tap %s: %s\n", o->tap, strerror(-ret));
			goto err_close;
		}
	} else {
		n->dev.ops = &net_frame_ops;
		ret = net_slirp_create(o, n, &n->be);
		if (ret)
			goto err_free;
	}
	ret = virtio_mmio_add(&n->dev, mem, devs);
	if (ret) {
		fprintf(stderr, "husk-vmm: virtio-net: %s\n", strerror(-ret));
		goto err_close;
	}
	vmm_debug("virtio-net: %s%s, MAC 52:54:00:%02x:%02x:%02x", o->tap ? "tap " : "user networking",
		  o->tap ? o->tap : "", n->config.mac[3], n->config.mac[4], n->config.mac[5]);
	return 0;

err_close:
	if (n->tap_fd >= 0)
		close(n->tap_fd);
err_free:
	free(n);
	return ret;
}
