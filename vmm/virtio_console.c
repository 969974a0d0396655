/* SPDX-License-Identifier: MIT */
/* virtio_console.c: virtio-console (one port, no multiport) over a host descriptor: the bulk channel of husk's stdio relay. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/uio.h>
#include <unistd.h>

#include "virtio.h"

#define VIRTIO_ID_CONSOLE 3
/* Port 0's queues (virtio 1.2, 5.3.2). */
#define RXQ 0
#define TXQ 1

struct virtio_console_config {
	uint16_t cols;
	uint16_t rows;
	uint32_t max_nr_ports;
	uint32_t emerg_wr;
} __attribute__((packed));

/*
 * Nothing is buffered in the monitor.  Input moves from the descriptor
 * straight into the guest's receive buffers, and only while it has some
 * (else the descriptor is not watched, and the relay's writes wait in the
 * socket).  Output goes from the guest's transmit buffers straight to the
 * descriptor; a chain the host cannot take yet stays unreturned, with the
 * descriptor watched for room, so a guest that keeps writing waits for
 * its buffers to come back.
 */
struct vcon {
	struct virtio_dev dev;
	struct virtio_console_config config;
	int fd;
	int rx_stalled;            /* the guest has no receive buffer: the descriptor is not read */
	int rx_eof;                /* the descriptor ended (or failed): no more input */
	int tx_busy;               /* tx is a chain partly written */
	int host_gone;             /* writing failed: output is dropped from now on */
	uint32_t watching;         /* the epoll events asked for */
	size_t tx_off;
	struct virtq_chain tx;
};

static void watch(struct vcon *c)
{
	uint32_t ev = (!c->rx_stalled && !c->rx_eof ? EPOLLIN : 0) | (c->tx_busy ? EPOLLOUT : 0);

	/* The relay is gone both ways: epoll reports a hangup whatever is asked; once is enough. */
	if (c->rx_eof && c->host_gone)
		ev = EPOLLET;

	if (ev != c->watching && vmm_event_mod(c->fd, ev) == 0)
		c->watching = ev;
}

static int dev_live(const struct virtio_dev *d, unsigned q)
{
	return !d->broken && (d->status & VIRTIO_STATUS_DRIVER_OK) && d->vq[q].ready;
}

/* Input: fills receive buffers from the descriptor while both have some. */
static void rx_fill(struct vcon *c)
{
	struct virtio_dev *d = &c->dev;
	struct virtq *vq = &d->vq[RXQ];
	int pushed = 0;

	while (!c->rx_eof) {
		struct virtq_chain ch;
		const char *why;
		ssize_t n;
		int r;

		if (!dev_live(d, RXQ)) {
			c->rx_stalled = 1;
			break;
		}
		r = virtq_pop_or_arm(vq, d->mem, &ch, &why);
		if (r < 0) {
			virtio_dev_fail(d, why);
			break;
		}
		if (r == 0) {
			/* No buffer: the relay's input waits in the socket until the guest gives one. */
			c->rx_stalled = 1;
			break;
		}
		if (ch.nout || !ch.in_len) {
			virtio_dev_fail(d, "receive buffer that is read-only or empty");
			break;
		}
		n = readv(c->fd, ch.iov, (int)ch.nin);
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			virtq_unpop(vq);
			break;
		}
		if (n <= 0) {
			virtq_unpop(vq);
			c->rx_eof = 1;
			break;
		}
		virtq_push(vq, ch.head, (uint32_t)n);
		pushed = 1;
	}
	if (pushed)
		virtio_dev_used(d, RXQ);
	watch(c);
}

/* Writes the rest of the current transmit chain; returns 0 when done, -EAGAIN when the host has no room. */
static int tx_write(struct vcon *c)
{
	while (c->tx_off < c->tx.out_len && !c->host_gone) {
		struct iovec iov[VIRTQ_SEGS_MAX];
		int n = virtq_chain_slice(&c->tx, 0, c->tx_off, c->tx.out_len - c->tx_off, iov,
					  VIRTQ_SEGS_MAX);
		ssize_t w;

		if (n < 0)
			return n;
		w = writev(c->fd, iov, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			return -EAGAIN;
		if (w <= 0) {
			/* The relay is gone (husk killed): nobody can read it; the guest must not hang. */
			c->host_gone = 1;
			break;
		}
		c->tx_off += (size_t)w;
	}
	return 0;
}

/* Output: every transmit chain to the descriptor, in order, as far as the host takes it. */
static void tx_drain(struct vcon *c)
{
	struct virtio_dev *d = &c->dev;
	struct virtq *vq = &d->vq[TXQ];
	int pushed = 0;

	while (dev_live(d, TXQ)) {
		const char *why;
		int r;

		if (!c->tx_busy) {
			r = virtq_pop_or_arm(vq, d->mem, &c->tx, &why);
			if (r < 0) {
				virtio_dev_fail(d, why);
				break;
			}
			if (r == 0)
				break;
			if (c->tx.nin) {
				virtio_dev_fail(d, "transmit buffer that is writable");
				break;
			}
			c->tx_busy = 1;
			c->tx_off = 0;
		}
		r = tx_write(c);
		if (r == -EAGAIN)
			break;
		if (r < 0) {
			virtio_dev_fail(d, "transmit chain that cannot be mapped");
			c->tx_busy = 0;
			break;
		}
		virtq_push(vq, c->tx.head, 0);
		c->tx_busy = 0;
		pushed = 1;
	}
	if (pushed)
		virtio_dev_used(d, TXQ);
	watch(c);
}

/* The I/O thread: the descriptor has input, or room for output. */
static void fd_ready(void *opaque, uint32_t events)
{
	struct vcon *c = opaque;

	if (events & EPOLLHUP) {
		c->rx_eof = 1;
		c->host_gone = 1;
	}
	if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
		tx_drain(c);
	if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
		rx_fill(c);
}

static void con_notify(struct virtio_dev *d, unsigned q)
{
	struct vcon *c = d->opaque;

	if (q == RXQ) {
		c->rx_stalled = 0;
		rx_fill(c);
	} else {
		tx_drain(c);
	}
}

static void con_reset(struct virtio_dev *d)
{
	struct vcon *c = d->opaque;

	/* A chain half written is the old driver's: its rest is dropped with the rings. */
	c->tx_busy = 0;
	c->rx_stalled = 1;
	watch(c);
}

static const struct virtio_dev_ops con_ops = {
	.features = 0,
	.notify = con_notify,
	.reset = con_reset,
};

int virtio_console_create(int fd, const struct vmm_mem *mem, char **devs)
{
	struct vcon *c = calloc(1, sizeof(*c));
	int ret;

	if (!c)
		return -ENOMEM;
	c->fd = fd;
	c->rx_stalled = 1;          /* until the driver gives buffers */
	c->config.max_nr_ports = 1;
	c->dev.name = "virtio-console";
	c->dev.device_id = VIRTIO_ID_CONSOLE;
	c->dev.ops = &con_ops;
	c->dev.opaque = c;
	c->dev.config = &c->config;
	c->dev.config_len = sizeof(c->config);
	c->dev.nqueues = 2;
	ret = vmm_event_add(fd, 0, fd_ready, c);
	if (ret)
		goto err;
	ret = virtio_mmio_add(&c->dev, mem, devs);
	if (ret)
		goto err;
	return 0;
err:
	fprintf(stderr, "husk-vmm: virtio-console: %s\n", strerror(-ret));
	free(c);
	return ret;
}
