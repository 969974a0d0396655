/* SPDX-License-Identifier: MIT */
/* vmm_virtio_harness.h: what husk-vmm's virtio unit tests share: the monitor's virtio sources, stand-ins for its other files, and a guest driver over 1 MiB of RAM. */
#ifndef HUSK_TEST_VMM_VIRTIO_HARNESS_H
#define HUSK_TEST_VMM_VIRTIO_HARNESS_H

#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../vmm/core.c"
#include "../../vmm/virtq.c"
#include "../../vmm/virtio_mmio.c"
#include "../../vmm/virtio_blk.c"
#include "../../vmm/virtio_net.c"

static int failures;

#define CHECK(cond) do { \
	if (!(cond)) { \
		printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); \
		failures++; \
	} \
} while (0)

/* ---- what the monitor's other files provide ---- */

void vmm_serial_flush(void) {}
void vmm_dev_lock(void) {}
void vmm_dev_unlock(void) {}

static int irq_level[32];
static int irq_raises;

void vmm_irq_line(unsigned gsi, int level)
{
	if (gsi >= 32) {
		printf("FAIL: GSI %u\n", gsi);
		exit(1);
	}
	if (level && !irq_level[gsi])
		irq_raises++;
	irq_level[gsi] = level;
}

/* The I/O thread's table, and the eventfds KVM would signal for QueueNotify writes. */
static struct { int fd; vmm_event_fn *fn; void *opaque; uint32_t events; } evs[64];
static unsigned nevs;
static struct { uint64_t addr, datamatch; int fd; } iofds[64];
static unsigned niofds;

int vmm_event_add(int fd, uint32_t events, vmm_event_fn *fn, void *opaque)
{
	if (nevs == 64)
		return -ENOSPC;
	evs[nevs].fd = fd;
	evs[nevs].fn = fn;
	evs[nevs].opaque = opaque;
	evs[nevs].events = events;
	nevs++;
	return 0;
}

int vmm_event_mod(int fd, uint32_t events)
{
	for (unsigned i = 0; i < nevs; i++)
		if (evs[i].fd == fd)
			evs[i].events = events;
	return 0;
}

int vmm_ioeventfd(uint64_t addr, unsigned len, uint64_t datamatch, int fd)
{
	if (len != 4 || niofds == 64)
		return -EINVAL;
	iofds[niofds].addr = addr;
	iofds[niofds].datamatch = datamatch;
	iofds[niofds].fd = fd;
	niofds++;
	return 0;
}

/* What KVM does for a QueueNotify write that has an eventfd: signal it.  Returns 0 if none. */
static int kvm_notify(uint64_t addr, uint64_t q)
{
	uint64_t one = 1;

	for (unsigned i = 0; i < niofds; i++)
		if (iofds[i].addr == addr && iofds[i].datamatch == q)
			return write(iofds[i].fd, &one, sizeof(one)) == sizeof(one);
	return 0;
}

/* One round of the I/O thread: every watched fd that is readable gets its handler. */
static void io_thread_round(void)
{
	for (unsigned i = 0; i < nevs; i++) {
		struct pollfd p = { .fd = evs[i].fd, .events = POLLIN };

		if ((evs[i].events & EPOLLIN) && poll(&p, 1, 0) == 1 && (p.revents & POLLIN))
			evs[i].fn(evs[i].opaque, EPOLLIN);
	}
}

/* The frame back end: records what the guest sent, counts rx_ready calls. */
static uint8_t tx_last[2048];
static size_t tx_last_len;
static int tx_count, rx_ready_count;
static struct virtio_net *test_net;

static void fake_tx(void *be, const void *frame, size_t len)
{
	(void)be;
	tx_count++;
	tx_last_len = len < sizeof(tx_last) ? len : sizeof(tx_last);
	memcpy(tx_last, frame, tx_last_len);
}

static void fake_rx_ready(void *be)
{
	(void)be;
	rx_ready_count++;
}

int net_slirp_create(const struct vmm_net_opts *o, struct virtio_net *n, struct net_backend *out)
{
	(void)o;
	test_net = n;
	out->tx = fake_tx;
	out->rx_ready = fake_rx_ready;
	out->be = NULL;
	return 0;
}

/* ---- a guest: 1 MiB of RAM and a driver written the way the spec says ---- */

#define RAM_SIZE  (1u << 20)
#define DESC_GPA  0x1000
#define AVAIL_GPA 0x3000
#define USED_GPA  0x4000
#define BUF_GPA   0x10000

static struct vmm_mem mem;

static struct virtio_dev *last_dev(void)
{
	/* The MMIO table keeps the device as its opaque pointer. */
	return mmio_devs[mmio_ndevs - 1].opaque;
}

static uint32_t rd(struct virtio_dev *d, uint64_t off)
{
	return virtio_mmio_read(d, off, 4);
}

static void wr(struct virtio_dev *d, uint64_t off, uint32_t v)
{
	virtio_mmio_write(d, off, 4, v);
}

static struct virtq_desc *desc(unsigned q, unsigned i)
{
	return (struct virtq_desc *)(mem.base + DESC_GPA + q * 0x8000 + 16 * i);
}

static uint16_t *avail(unsigned q)
{
	return (uint16_t *)(mem.base + AVAIL_GPA + q * 0x8000);
}

static uint8_t *used(unsigned q)
{
	return mem.base + USED_GPA + q * 0x8000;
}

static uint16_t used_idx(unsigned q)
{
	return *(uint16_t *)(used(q) + 2);
}

static uint32_t used_len(unsigned q, unsigned i, unsigned num)
{
	return *(uint32_t *)(used(q) + 4 + 8 * (i % num) + 4);
}

/* Reset, negotiate (features = the driver's wish), set up nq queues of num entries, DRIVER_OK. */
static int driver_init(struct virtio_dev *d, uint64_t features, unsigned nq, unsigned num)
{
	uint64_t offered;

	memset(mem.base, 0, RAM_SIZE);
	wr(d, REG_STATUS, 0);
	wr(d, REG_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	wr(d, REG_DEVICE_FEATURES_SEL, 0);
	offered = rd(d, REG_DEVICE_FEATURES);
	wr(d, REG_DEVICE_FEATURES_SEL, 1);
	offered |= (uint64_t)rd(d, REG_DEVICE_FEATURES) << 32;
	features &= offered;
	wr(d, REG_DRIVER_FEATURES_SEL, 0);
	wr(d, REG_DRIVER_FEATURES, (uint32_t)features);
	wr(d, REG_DRIVER_FEATURES_SEL, 1);
	wr(d, REG_DRIVER_FEATURES, features >> 32);
	wr(d, REG_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
	   VIRTIO_STATUS_FEATURES_OK);
	if (!(rd(d, REG_STATUS) & VIRTIO_STATUS_FEATURES_OK))
		return -1;
	for (unsigned q = 0; q < nq; q++) {
		wr(d, REG_QUEUE_SEL, q);
		if (rd(d, REG_QUEUE_NUM_MAX) < num)
			return -1;
		wr(d, REG_QUEUE_NUM, num);
		wr(d, REG_QUEUE_DESC_LOW, DESC_GPA + q * 0x8000);
		wr(d, REG_QUEUE_DESC_HIGH, 0);
		wr(d, REG_QUEUE_DRIVER_LOW, AVAIL_GPA + q * 0x8000);
		wr(d, REG_QUEUE_DRIVER_HIGH, 0);
		wr(d, REG_QUEUE_DEVICE_LOW, USED_GPA + q * 0x8000);
		wr(d, REG_QUEUE_DEVICE_HIGH, 0);
		wr(d, REG_QUEUE_READY, 1);
		if (rd(d, REG_QUEUE_READY) != 1)
			return -1;
	}
	wr(d, REG_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
	   VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
	return 0;
}

static void set_desc(unsigned q, unsigned i, uint64_t addr, uint32_t len, uint16_t flags,
		     uint16_t next)
{
	struct virtq_desc *dd = desc(q, i);

	dd->addr = addr;
	dd->len = len;
	dd->flags = flags;
	dd->next = next;
}

/* Put head on queue q's avail ring (num entries); the index is published at once. */
static void offer(unsigned q, unsigned num, uint16_t head)
{
	uint16_t *a = avail(q);

	a[2 + a[1] % num] = head;
	a[1]++;
}

static void ack_irq(struct virtio_dev *d)
{
	wr(d, REG_INTERRUPT_ACK, rd(d, REG_INTERRUPT_STATUS));
}

static int broken(struct virtio_dev *d)
{
	return (rd(d, REG_STATUS) & VIRTIO_STATUS_NEEDS_RESET) != 0;
}

/* ---- virtio-blk ---- */

#define BLK_FEATURES ((1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_F_RING_EVENT_IDX) | \
		      (1ULL << VIRTIO_BLK_F_FLUSH) | (1ULL << VIRTIO_BLK_F_DISCARD) | \
		      (1ULL << VIRTIO_BLK_F_BLK_SIZE) | (1ULL << VIRTIO_BLK_F_SEG_MAX) | \
		      (1ULL << VIRTIO_BLK_F_WRITE_ZEROES))
#define QN 16

/*
 * A request as three descriptors starting at desc index i: header at BUF
 * (+0x100 * i), data (out or in) at data_gpa, status byte after the header.
 */
static void blk_req(unsigned i, uint32_t type, uint64_t sector, uint64_t data_gpa, uint32_t len,
		    int data_in)
{
	uint64_t hdr_gpa = BUF_GPA + 0x100 * i;
	struct blk_req_hdr *h = (struct blk_req_hdr *)(mem.base + hdr_gpa);

	h->type = type;
	h->reserved = 0;
	h->sector = sector;
	mem.base[hdr_gpa + 16] = 0xee;
	if (len) {
		set_desc(0, i, hdr_gpa, 16, VIRTQ_DESC_F_NEXT, i + 1);
		set_desc(0, i + 1, data_gpa, len, VIRTQ_DESC_F_NEXT | (data_in ? VIRTQ_DESC_F_WRITE : 0),
			 i + 2);
		set_desc(0, i + 2, hdr_gpa + 16, 1, VIRTQ_DESC_F_WRITE, 0);
	} else {
		set_desc(0, i, hdr_gpa, 16, VIRTQ_DESC_F_NEXT, i + 1);
		set_desc(0, i + 1, hdr_gpa + 16, 1, VIRTQ_DESC_F_WRITE, 0);
	}
	offer(0, QN, i);
}

static uint8_t blk_status(unsigned i)
{
	return mem.base[BUF_GPA + 0x100 * i + 16];
}

/* One image per device: a writer locks its image. */
static char img_paths[4][40];
static char *img_path;
static int img_fd = -1;
static unsigned nimgs;

static struct virtio_dev *make_blk(int ro)
{
	char *cmdline = NULL;

	strcpy(img_paths[nimgs], "/tmp/husk-test-vmm-virtio-XXXXXX");
	img_path = img_paths[nimgs++];
	if (img_fd >= 0)
		close(img_fd);
	img_fd = mkstemp(img_path);
	if (img_fd < 0 || ftruncate(img_fd, 1 << 20) < 0) {
		printf("FAIL: image\n");
		exit(1);
	}
	if (virtio_blk_create(img_path, ro, &mem, &cmdline)) {
		printf("FAIL: virtio_blk_create\n");
		exit(1);
	}
	CHECK(cmdline && strstr(cmdline, "virtio_mmio.device=512@0xfeb") != NULL);
	free(cmdline);
	return last_dev();
}

static char *cmdline_dummy;

/* Allocate the guest's RAM; exits on failure. */
static void harness_start(void)
{
	mem.size = RAM_SIZE;
	mem.base = aligned_alloc(4096, RAM_SIZE);
	if (!mem.base) {
		printf("FAIL: set-up\n");
		exit(1);
	}
}

/* Remove the images, free the RAM, and say how it went.  Returns main's exit status. */
static int harness_end(const char *name)
{
	for (unsigned i = 0; i < nimgs; i++)
		unlink(img_paths[i]);
	free(mem.base);
	free(cmdline_dummy);
	if (failures) {
		printf("%d failures\n", failures);
		return 1;
	}
	printf("%s: all passed\n", name);
	return 0;
}

#endif
