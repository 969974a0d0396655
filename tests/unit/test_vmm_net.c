/* SPDX-License-Identifier: MIT */
/* test_vmm_net.c: unit tests for husk-vmm's virtio-net over the frame back end and over a tap (a socket pair). */
#include "vmm_virtio_harness.h"

/* ---- virtio-net over the frame back end ---- */

#define NET_FEATURES ((1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_F_RING_EVENT_IDX) | \
		      (1ULL << VIRTIO_NET_F_MAC) | (1ULL << VIRTIO_NET_F_STATUS) | \
		      (1ULL << VIRTIO_NET_F_CSUM))

static void test_virtio_net(void)
{
	struct vmm_net_opts o = { 0 };
	char *cmdline = strdup("virtio_mmio.device=512@0xfeb00000:16");
	struct virtio_dev *d;
	uint8_t frame[60];
	int raises;

	CHECK(virtio_net_create(&o, &mem, &cmdline) == 0);
	/* Appended to the list, in order. */
	CHECK(strncmp(cmdline, "virtio_mmio.device=512@0xfeb00000:16 virtio_mmio.device=512@0xfeb00", 67) == 0);
	free(cmdline);
	d = last_dev();
	CHECK(rd(d, REG_DEVICE_ID) == VIRTIO_ID_NET);
	CHECK(driver_init(d, NET_FEATURES, 2, QN) == 0);
	/* No checksum offload over the frame back end: CSUM was not offered. */
	CHECK(!(d->driver_features & (1ULL << VIRTIO_NET_F_CSUM)));
	CHECK(virtio_mmio_read(d, REG_CONFIG, 1) == 0x52);
	CHECK(virtio_mmio_read(d, REG_CONFIG + 6, 2) == VIRTIO_NET_S_LINK_UP);

	/* Transmit: header and frame in two descriptors. */
	memset(mem.base + BUF_GPA, 0, 12);
	for (unsigned i = 0; i < 60; i++)
		mem.base[BUF_GPA + 0x100 + i] = (uint8_t)i;
	set_desc(TXQ, 0, BUF_GPA, 12, VIRTQ_DESC_F_NEXT, 1);
	set_desc(TXQ, 1, BUF_GPA + 0x100, 60, 0, 0);
	offer(TXQ, QN, 0);
	wr(d, REG_QUEUE_NOTIFY, TXQ);
	CHECK(tx_count == 1 && tx_last_len == 60 && tx_last[59] == 59);
	CHECK(used_idx(TXQ) == 1);
	ack_irq(d);

	/* Receive with no buffer: refused, and the device asks to be notified. */
	for (unsigned i = 0; i < 60; i++)
		frame[i] = (uint8_t)(100 + i);
	CHECK(virtio_net_rx(test_net, frame, 60) == 0);
	CHECK(*(uint16_t *)(used(RXQ) + 4 + 8 * QN) == avail(RXQ)[1]);
	/* The driver adds a buffer and notifies: the back end hears of it. */
	set_desc(RXQ, 0, BUF_GPA + 0x1000, 1526, VIRTQ_DESC_F_WRITE, 0);
	offer(RXQ, QN, 0);
	wr(d, REG_QUEUE_NOTIFY, RXQ);
	CHECK(rx_ready_count == 1);
	raises = irq_raises;
	CHECK(virtio_net_rx(test_net, frame, 60) == 1);
	virtio_net_rx_done(test_net);
	CHECK(irq_raises == raises + 1);
	CHECK(used_idx(RXQ) == 1 && used_len(RXQ, 0, QN) == 72);
	CHECK(*(uint16_t *)(mem.base + BUF_GPA + 0x1000 + 10) == 1);   /* num_buffers */
	CHECK(mem.base[BUF_GPA + 0x1000 + 12] == 100);
	ack_irq(d);

	/* Hostile: a read-only receive buffer stops the device. */
	set_desc(RXQ, 1, BUF_GPA + 0x1000, 1526, 0, 0);
	offer(RXQ, QN, 1);
	CHECK(virtio_net_rx(test_net, frame, 60) == -1);
	CHECK(broken(d));
	/* Hostile: a writable transmit buffer, after a reset. */
	CHECK(driver_init(d, NET_FEATURES, 2, QN) == 0);
	set_desc(TXQ, 0, BUF_GPA, 12, VIRTQ_DESC_F_WRITE, 0);
	offer(TXQ, QN, 0);
	wr(d, REG_QUEUE_NOTIFY, TXQ);
	CHECK(broken(d));
}

/*
 * The tap path, with a datagram socket pair standing in for the tap: each
 * datagram is one frame with its virtio header in front, as IFF_VNET_HDR
 * gives them.
 */
static uint32_t evs_events_of(int fd)
{
	for (unsigned i = 0; i < nevs; i++)
		if (evs[i].fd == fd)
			return evs[i].events;
	return 0xffffffff;
}

static void test_net_tap_path(void)
{
	struct vmm_net_opts o = { 0 };
	char *devs = NULL;
	struct virtio_net *n;
	struct virtio_dev *d;
	uint8_t pkt[200], got[300];
	int sv[2];

	CHECK(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv) == 0);
	CHECK(virtio_net_create(&o, &mem, &devs) == 0);
	free(devs);
	n = test_net;
	d = &n->dev;
	/* What virtio_net_create does for a tap, with the socket as the tap. */
	n->tap_fd = sv[0];
	n->tap_name = "test";
	d->ops = &net_tap_ops;
	CHECK(vmm_event_add(sv[0], EPOLLIN, tap_readable, n) == 0);
	CHECK(driver_init(d, NET_FEATURES | (1ULL << VIRTIO_NET_F_GUEST_CSUM), 2, QN) == 0);
	CHECK(d->driver_features & (1ULL << VIRTIO_NET_F_CSUM));   /* offered over a tap */

	/* Two receive buffers, three frames waiting. */
	set_desc(RXQ, 0, BUF_GPA + 0x1000, 1526, VIRTQ_DESC_F_WRITE, 0);
	set_desc(RXQ, 1, BUF_GPA + 0x2000, 1526, VIRTQ_DESC_F_WRITE, 0);
	offer(RXQ, QN, 0);
	offer(RXQ, QN, 1);
	for (int k = 0; k < 3; k++) {
		memset(pkt, 0, 12);
		for (unsigned i = 12; i < sizeof(pkt); i++)
			pkt[i] = (uint8_t)(i + k);
		CHECK(send(sv[1], pkt, 100 + 10 * k, 0) == 100 + 10 * k);
	}
	io_thread_round();
	CHECK(used_idx(RXQ) == 2);
	CHECK(used_len(RXQ, 0, QN) == 100 && used_len(RXQ, 1, QN) == 110);
	CHECK(*(uint16_t *)(mem.base + BUF_GPA + 0x1000 + 10) == 1);   /* num_buffers */
	CHECK(mem.base[BUF_GPA + 0x2000 + 12] == 13);
	/* Out of buffers: the tap is not watched until the driver gives more... */
	CHECK(n->rx_stalled && evs_events_of(sv[0]) == 0);
	CHECK(*(uint16_t *)(used(RXQ) + 4 + 8 * QN) == avail(RXQ)[1]);   /* avail_event */
	ack_irq(d);
	/* ...which it does. */
	set_desc(RXQ, 2, BUF_GPA + 0x3000, 1526, VIRTQ_DESC_F_WRITE, 0);
	offer(RXQ, QN, 2);
	CHECK(kvm_notify(d->base + REG_QUEUE_NOTIFY, RXQ) == 1);
	io_thread_round();   /* the notification re-arms the tap, and the frame comes in */
	CHECK(used_idx(RXQ) == 3 && used_len(RXQ, 2, QN) == 120);
	CHECK(mem.base[BUF_GPA + 0x3000 + 12] == 14);

	/* Transmit: the chain goes to the tap as one datagram, header included. */
	for (unsigned i = 0; i < 12; i++)
		mem.base[BUF_GPA + i] = (uint8_t)i;
	for (unsigned i = 0; i < 64; i++)
		mem.base[BUF_GPA + 0x100 + i] = (uint8_t)(0x80 + i);
	set_desc(TXQ, 0, BUF_GPA, 12, VIRTQ_DESC_F_NEXT, 1);
	set_desc(TXQ, 1, BUF_GPA + 0x100, 64, 0, 0);
	offer(TXQ, QN, 0);
	CHECK(kvm_notify(d->base + REG_QUEUE_NOTIFY, TXQ) == 1);
	io_thread_round();
	CHECK(used_idx(TXQ) == 1);
	CHECK(recv(sv[1], got, sizeof(got), 0) == 76);
	CHECK(memcmp(got, mem.base + BUF_GPA, 12) == 0 && got[12] == 0x80 && got[75] == 0x80 + 63);

	/* A receive chain with a read-only buffer stops the device; the frame stays for later. */
	set_desc(RXQ, 3, BUF_GPA + 0x3000, 1526, 0, 0);
	offer(RXQ, QN, 3);
	CHECK(send(sv[1], pkt, 100, 0) == 100);
	CHECK(kvm_notify(d->base + REG_QUEUE_NOTIFY, RXQ) == 1);
	io_thread_round();
	CHECK(broken(d) && strstr(d->broken_why, "receive buffer"));
	/* Stopped: frames are drained and dropped, not spun on. */
	io_thread_round();
	CHECK(recv(sv[1], got, sizeof(got), MSG_DONTWAIT) < 0);
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	harness_start();
	test_virtio_net();
	test_net_tap_path();
	return harness_end("test_vmm_net");
}
