/* SPDX-License-Identifier: MIT */
/* test_vmm_virtio.c: unit tests for husk-vmm's virtqueues, virtio-mmio transport, virtio-blk and virtio-net, hostile guests included. */
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

static void test_blk_basics(void)
{
	struct virtio_dev *d = make_blk(0);
	uint8_t *wbuf = mem.base + 0x20000, *rbuf = mem.base + 0x30000;
	uint8_t file[1024];
	int raises;

	CHECK(rd(d, REG_MAGIC) == 0x74726976);
	CHECK(rd(d, REG_VERSION) == 2);
	CHECK(rd(d, REG_DEVICE_ID) == VIRTIO_ID_BLOCK);
	/* A legacy driver (no VERSION_1) is refused. */
	CHECK(driver_init(d, BLK_FEATURES & ~(1ULL << VIRTIO_F_VERSION_1), 1, QN) != 0);
	CHECK(driver_init(d, BLK_FEATURES, 1, QN) == 0);
	/* Config: capacity in sectors (1 MiB image). */
	CHECK(virtio_mmio_read(d, REG_CONFIG, 8) == 2048);
	CHECK(virtio_mmio_read(d, REG_CONFIG + 20, 4) == 512);
	CHECK(virtio_mmio_read(d, REG_CONFIG + 4096, 4) == 0);   /* past the end: 0, no crash */

	/* Three requests in flight at once: write 2 sectors, read them back, flush. */
	for (unsigned i = 0; i < 1024; i++)
		wbuf[i] = (uint8_t)(i * 7 + 1);
	blk_req(0, VIRTIO_BLK_T_OUT, 10, 0x20000, 1024, 0);
	blk_req(3, VIRTIO_BLK_T_IN, 10, 0x30000, 1024, 1);
	blk_req(6, VIRTIO_BLK_T_FLUSH, 0, 0, 0, 0);
	raises = irq_raises;
	wr(d, REG_QUEUE_NOTIFY, 0);
	CHECK(used_idx(0) == 3);
	CHECK(blk_status(0) == VIRTIO_BLK_S_OK);
	CHECK(blk_status(3) == VIRTIO_BLK_S_OK);
	CHECK(blk_status(6) == VIRTIO_BLK_S_OK);
	CHECK(used_len(0, 1, QN) == 1025);
	CHECK(memcmp(wbuf, rbuf, 1024) == 0);
	CHECK(pread(img_fd, file, 1024, 10 * 512) == 1024 && memcmp(file, wbuf, 1024) == 0);
	/* One interrupt for the batch, with the used-buffer bit. */
	CHECK(irq_raises == raises + 1);
	CHECK(rd(d, REG_INTERRUPT_STATUS) == 1);
	ack_irq(d);
	CHECK(irq_level[d->gsi] == 0);

	/* GET_ID, then a read past the end (IOERR), then an unknown type (UNSUPP). */
	blk_req(0, VIRTIO_BLK_T_GET_ID, 0, 0x30000, 20, 1);
	blk_req(3, VIRTIO_BLK_T_IN, 2047, 0x30000, 1024, 1);
	blk_req(6, 99, 0, 0, 0, 0);
	wr(d, REG_QUEUE_NOTIFY, 0);
	CHECK(used_idx(0) == 6);
	CHECK(blk_status(0) == VIRTIO_BLK_S_OK);
	CHECK(memcmp(rbuf, "husk-vda", 9) == 0);
	CHECK(blk_status(3) == VIRTIO_BLK_S_IOERR);
	CHECK(blk_status(6) == VIRTIO_BLK_S_UNSUPP);
	ack_irq(d);

	/* DISCARD punches a hole: the sectors read back as zeros on the host. */
	{
		struct blk_discard_seg *seg = (struct blk_discard_seg *)(mem.base + 0x20000);

		seg->sector = 8;
		seg->num_sectors = 8;
		seg->flags = 0;
		blk_req(0, VIRTIO_BLK_T_DISCARD, 0, 0x20000, sizeof(*seg), 0);
		wr(d, REG_QUEUE_NOTIFY, 0);
		CHECK(blk_status(0) == VIRTIO_BLK_S_OK);
		memset(file, 0xff, sizeof(file));
		CHECK(pread(img_fd, file, 1024, 10 * 512) == 1024);
		CHECK(file[0] == 0 && file[1023] == 0);
		ack_irq(d);
	}

	/* Event index: the driver asks for an interrupt only after 3 more used entries. */
	{
		uint16_t *used_event = &avail(0)[2 + QN];

		*used_event = used_idx(0) + 2;
		raises = irq_raises;
		blk_req(0, VIRTIO_BLK_T_FLUSH, 0, 0, 0, 0);
		wr(d, REG_QUEUE_NOTIFY, 0);
		CHECK(irq_raises == raises);
		blk_req(3, VIRTIO_BLK_T_FLUSH, 0, 0, 0, 0);
		wr(d, REG_QUEUE_NOTIFY, 0);
		CHECK(irq_raises == raises);
		blk_req(6, VIRTIO_BLK_T_FLUSH, 0, 0, 0, 0);
		wr(d, REG_QUEUE_NOTIFY, 0);
		CHECK(irq_raises == raises + 1);
		/* ...and the device asks to be notified at the next avail entry. */
		CHECK(*(uint16_t *)(used(0) + 4 + 8 * QN) == avail(0)[1]);
		ack_irq(d);
	}
	CHECK(!broken(d));

	/*
	 * The same through the eventfd KVM signals for a QueueNotify write: no
	 * MMIO exit, the request is done by the I/O thread.
	 */
	blk_req(0, VIRTIO_BLK_T_IN, 10, 0x30000, 512, 1);
	memset(rbuf, 0, 512);
	{
		uint16_t before = used_idx(0);

		CHECK(kvm_notify(d->base + REG_QUEUE_NOTIFY, 0) == 1);
		CHECK(used_idx(0) == before);      /* nothing until the I/O thread runs */
		io_thread_round();
		CHECK(used_idx(0) == (uint16_t)(before + 1));
		CHECK(blk_status(0) == VIRTIO_BLK_S_OK);
		CHECK(rbuf[0] == 0 && rbuf[511] == 0);   /* sector 10 was discarded above */
	}
	/* A notification for a queue that is not ready does nothing. */
	CHECK(kvm_notify(d->base + REG_QUEUE_NOTIFY, 1) == 0);
	/* A stopped device ignores its eventfd too. */
	d->broken = 1;
	blk_req(3, VIRTIO_BLK_T_FLUSH, 0, 0, 0, 0);
	{
		uint16_t before = used_idx(0);

		kvm_notify(d->base + REG_QUEUE_NOTIFY, 0);
		io_thread_round();
		CHECK(used_idx(0) == before);
	}
	d->broken = 0;
	/* A second writer of the same image is turned away. */
	CHECK(virtio_blk_create(img_path, 0, &mem, &cmdline_dummy) == -EWOULDBLOCK);
}

static void test_blk_ro(void)
{
	struct virtio_dev *d = make_blk(1);
	struct blk_discard_seg *seg = (struct blk_discard_seg *)(mem.base + 0x20000);

	CHECK(driver_init(d, BLK_FEATURES | (1ULL << VIRTIO_BLK_F_RO), 1, QN) == 0);
	CHECK(d->driver_features & (1ULL << VIRTIO_BLK_F_RO));
	CHECK(!(d->driver_features & (1ULL << VIRTIO_BLK_F_DISCARD)));
	blk_req(0, VIRTIO_BLK_T_OUT, 0, 0x20000, 512, 0);
	blk_req(3, VIRTIO_BLK_T_IN, 0, 0x30000, 512, 1);
	seg->sector = 0;
	seg->num_sectors = 1;
	seg->flags = 0;
	blk_req(6, VIRTIO_BLK_T_DISCARD, 0, 0x20000, sizeof(*seg), 0);
	wr(d, REG_QUEUE_NOTIFY, 0);
	CHECK(blk_status(0) == VIRTIO_BLK_S_IOERR);
	CHECK(blk_status(3) == VIRTIO_BLK_S_OK);
	CHECK(blk_status(6) == VIRTIO_BLK_S_IOERR);
	CHECK(!broken(d));
}

/*
 * Hostile chains.  Each must stop the device (NEEDS_RESET, a message on
 * stderr) without touching memory outside guest RAM (ASan watches); a reset
 * brings the device back.
 */
static struct virtio_dev *hostile_dev;

static void hostile_start(void)
{
	if (driver_init(hostile_dev, BLK_FEATURES, 1, QN)) {
		printf("FAIL: driver_init\n");
		exit(1);
	}
}

static void hostile_end(int line, const char *reason)
{
	wr(hostile_dev, REG_QUEUE_NOTIFY, 0);
	if (!broken(hostile_dev)) {
		printf("FAIL %s:%d: hostile chain did not stop the device\n", __FILE__, line);
		failures++;
	} else if (!strstr(hostile_dev->broken_why, reason)) {
		printf("FAIL %s:%d: stopped for \"%s\", wanted \"%s\"\n", __FILE__, line,
		       hostile_dev->broken_why, reason);
		failures++;
	}
	/* Once stopped, notifications are ignored. */
	wr(hostile_dev, REG_QUEUE_NOTIFY, 0);
}

static void test_hostile(void)
{
	struct virtio_dev *d = hostile_dev = make_blk(0);
	uint16_t *a;

	/* A buffer past the end of RAM. */
	hostile_start();
	set_desc(0, 0, BUF_GPA, 16, VIRTQ_DESC_F_NEXT, 1);
	set_desc(0, 1, RAM_SIZE - 8, 16, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2);
	set_desc(0, 2, BUF_GPA + 16, 1, VIRTQ_DESC_F_WRITE, 0);
	offer(0, QN, 0);
	hostile_end(__LINE__, "outside guest RAM");

	/* An address that wraps around 2^64. */
	hostile_start();
	set_desc(0, 0, 0xffffffffffffff00ULL, 0x200, 0, 0);
	offer(0, QN, 0);
	hostile_end(__LINE__, "outside guest RAM");

	/* A length of 4 GiB - 1 at a valid address. */
	hostile_start();
	set_desc(0, 0, BUF_GPA, 0xffffffffu, 0, 0);
	offer(0, QN, 0);
	hostile_end(__LINE__, "outside guest RAM");

	/* A loop: 0 -> 1 -> 0. */
	hostile_start();
	set_desc(0, 0, BUF_GPA, 16, VIRTQ_DESC_F_NEXT, 1);
	set_desc(0, 1, BUF_GPA, 16, VIRTQ_DESC_F_NEXT, 0);
	offer(0, QN, 0);
	hostile_end(__LINE__, "loops");

	/* A self-loop of zero-length descriptors. */
	hostile_start();
	set_desc(0, 5, BUF_GPA, 0, VIRTQ_DESC_F_NEXT, 5);
	offer(0, QN, 5);
	hostile_end(__LINE__, "loops");

	/* next out of range. */
	hostile_start();
	set_desc(0, 0, BUF_GPA, 16, VIRTQ_DESC_F_NEXT, 200);
	offer(0, QN, 0);
	hostile_end(__LINE__, "next index out of range");

	/* An avail entry that is not a descriptor index. */
	hostile_start();
	offer(0, QN, 999);
	hostile_end(__LINE__, "not a descriptor index");

	/* The avail index jumps by more than the queue size. */
	hostile_start();
	a = avail(0);
	a[1] = QN + 5;
	hostile_end(__LINE__, "more than the queue size");

	/* A readable buffer after a writable one. */
	hostile_start();
	set_desc(0, 0, BUF_GPA, 16, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 1);
	set_desc(0, 1, BUF_GPA + 16, 16, 0, 0);
	offer(0, QN, 0);
	hostile_end(__LINE__, "readable descriptor after");

	/* An indirect descriptor (never offered). */
	hostile_start();
	set_desc(0, 0, BUF_GPA, 16, VIRTQ_DESC_F_INDIRECT, 0);
	offer(0, QN, 0);
	hostile_end(__LINE__, "indirect");

	/* A request with a short header (bad lengths). */
	hostile_start();
	set_desc(0, 0, BUF_GPA, 8, VIRTQ_DESC_F_NEXT, 1);
	set_desc(0, 1, BUF_GPA + 16, 1, VIRTQ_DESC_F_WRITE, 0);
	offer(0, QN, 0);
	hostile_end(__LINE__, "without a header");

	/* A request with no status byte. */
	hostile_start();
	set_desc(0, 0, BUF_GPA, 16, 0, 0);
	offer(0, QN, 0);
	hostile_end(__LINE__, "without a header");

	/* More segments than a chain may have, in a queue large enough to hold them. */
	{
		unsigned num = 128;

		if (driver_init(d, BLK_FEATURES, 1, num)) {
			printf("FAIL: driver_init 128\n");
			exit(1);
		}
		for (unsigned i = 0; i < 100; i++)
			set_desc(0, i, BUF_GPA + i, 1, VIRTQ_DESC_F_NEXT, i + 1);
		set_desc(0, 100, BUF_GPA + 200, 1, VIRTQ_DESC_F_WRITE, 0);
		offer(0, num, 0);
		hostile_end(__LINE__, "too many segments");
	}

	/* Rings outside RAM: QueueReady does not stick and the device stops. */
	memset(mem.base, 0, RAM_SIZE);
	wr(d, REG_STATUS, 0);
	wr(d, REG_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	wr(d, REG_DRIVER_FEATURES_SEL, 1);
	wr(d, REG_DRIVER_FEATURES, 1);
	wr(d, REG_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
	   VIRTIO_STATUS_FEATURES_OK);
	wr(d, REG_QUEUE_SEL, 0);
	wr(d, REG_QUEUE_NUM, QN);
	wr(d, REG_QUEUE_DESC_LOW, 0xfffff000);
	wr(d, REG_QUEUE_DESC_HIGH, 0xffffffff);
	wr(d, REG_QUEUE_DRIVER_LOW, AVAIL_GPA);
	wr(d, REG_QUEUE_DEVICE_LOW, USED_GPA);
	wr(d, REG_QUEUE_READY, 1);
	CHECK(rd(d, REG_QUEUE_READY) == 0);
	CHECK(broken(d));

	/* A queue size that is not a power of two. */
	wr(d, REG_STATUS, 0);
	wr(d, REG_QUEUE_SEL, 0);
	wr(d, REG_QUEUE_NUM, 3);
	wr(d, REG_QUEUE_DESC_LOW, DESC_GPA);
	wr(d, REG_QUEUE_DRIVER_LOW, AVAIL_GPA);
	wr(d, REG_QUEUE_DEVICE_LOW, USED_GPA);
	wr(d, REG_QUEUE_READY, 1);
	CHECK(rd(d, REG_QUEUE_READY) == 0);

	/* Register accesses the transport does not allow: a narrow register read, a bad queue. */
	CHECK(driver_init(d, BLK_FEATURES, 1, QN) == 0);
	wr(d, REG_QUEUE_SEL, 7);
	CHECK(rd(d, REG_QUEUE_NUM_MAX) == 0);
	wr(d, REG_QUEUE_READY, 1);
	wr(d, REG_QUEUE_NOTIFY, 7);
	CHECK(!broken(d));
	(void)virtio_mmio_read(d, REG_STATUS, 2);
	CHECK(broken(d));

	/* After all that, a reset gives a working device. */
	CHECK(driver_init(d, BLK_FEATURES, 1, QN) == 0);
	CHECK(!broken(d));
	blk_req(0, VIRTIO_BLK_T_FLUSH, 0, 0, 0, 0);
	wr(d, REG_QUEUE_NOTIFY, 0);
	CHECK(used_idx(0) == 1 && blk_status(0) == VIRTIO_BLK_S_OK);
}

/*
 * Random descriptor tables and avail rings, from a fixed seed: addresses in
 * RAM, at its end or anywhere, lengths from 0 to 4 GiB, any flags, any next
 * index, avail indices that jump, random request headers.  ASan and UBSan
 * watch every access; the device must either complete what was offered
 * (used index moves by exactly that much, each written length within the
 * chain) or stop with a reason, and a reset must always bring it back.
 */
static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uint64_t rnd_addr(void)
{
	switch (rnd() % 4) {
	case 0:
		return rnd();                            /* anywhere */
	case 1:
		return RAM_SIZE - (rnd() % 64);          /* across the end */
	default:
		return BUF_GPA + rnd() % 0x20000;        /* in RAM */
	}
}

static uint32_t rnd_len(void)
{
	switch (rnd() % 4) {
	case 0:
		return (uint32_t)rnd();
	case 1:
		return 0;
	default:
		return 1 + rnd() % 2048;
	}
}

static void test_fuzz(void)
{
	struct virtio_dev *d = make_blk(0);
	unsigned stopped = 0, completed = 0;

	for (unsigned round = 0; round < 3000; round++) {
		uint16_t *a = avail(0), before, offered;

		/* Reset and set up as a driver would, clearing only the rings. */
		memset(mem.base + DESC_GPA, 0, 16 * QN);
		memset(mem.base + AVAIL_GPA, 0, 6 + 2 * QN);
		memset(mem.base + USED_GPA, 0, 6 + 8 * QN);
		wr(d, REG_STATUS, 0);
		wr(d, REG_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
		wr(d, REG_DRIVER_FEATURES_SEL, 1);
		wr(d, REG_DRIVER_FEATURES, 1);
		wr(d, REG_DRIVER_FEATURES_SEL, 0);
		wr(d, REG_DRIVER_FEATURES, (uint32_t)(BLK_FEATURES & rnd()));
		wr(d, REG_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
		   VIRTIO_STATUS_FEATURES_OK);
		wr(d, REG_QUEUE_SEL, 0);
		wr(d, REG_QUEUE_NUM, QN);
		wr(d, REG_QUEUE_DESC_LOW, DESC_GPA);
		wr(d, REG_QUEUE_DRIVER_LOW, AVAIL_GPA);
		wr(d, REG_QUEUE_DEVICE_LOW, USED_GPA);
		wr(d, REG_QUEUE_READY, 1);
		wr(d, REG_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
		   VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
		if (broken(d) || rd(d, REG_QUEUE_READY) != 1) {
			printf("FAIL: fuzz round %u: the device did not come back after a reset\n", round);
			failures++;
			return;
		}
		if (round % 2) {
			/* Anything at all. */
			for (unsigned i = 0; i < QN; i++)
				set_desc(0, i, rnd_addr(), rnd_len(), rnd() % 8,
					 rnd() % 4 ? (i + 1) % QN : rnd() % 64);
			offered = rnd() % 8 ? 1 + rnd() % QN : (uint16_t)rnd();
			for (unsigned i = 0; i < QN; i++)
				a[2 + i] = rnd() % 8 ? rnd() % QN : (uint16_t)rnd();
		} else {
			/* Well-formed requests of random types, then one random change, half the time. */
			static const uint32_t types[] = { 0, 1, 4, 8, 11, 13, 99 };
			unsigned n = 1 + rnd() % 5;

			for (unsigned k = 0; k < n; k++) {
				uint32_t type = types[rnd() % 7];
				uint64_t sector = rnd() % 4 ? rnd() % 2100 : rnd();

				if (type == 4)
					blk_req(3 * k, type, sector, 0, 0, 0);
				else
					blk_req(3 * k, type, sector, 0x20000 + 0x1000 * k,
						type == 11 || type == 13 ? 16 : 512 * (1 + rnd() % 4),
						type == 0 || type == 8);
			}
			a[1] = 0;	/* blk_req offered them; offered is set below */
			offered = n;
			if (rnd() % 2) {
				struct virtq_desc *dd = desc(0, rnd() % (3 * n));

				switch (rnd() % 5) {
				case 0: dd->addr = rnd_addr(); break;
				case 1: dd->len = rnd_len(); break;
				case 2: dd->flags = rnd() % 8; break;
				case 3: dd->next = rnd() % 64; break;
				default: a[2 + rnd() % n] = (uint16_t)rnd(); break;
				}
			}
		}
		a[2 + QN] = (uint16_t)rnd();	/* used_event */
		before = used_idx(0);
		a[1] = offered;
		wr(d, REG_QUEUE_NOTIFY, 0);
		if (broken(d)) {
			stopped++;
			if (!d->broken_why) {
				printf("FAIL: fuzz round %u: stopped without a reason\n", round);
				failures++;
			}
			continue;
		}
		completed++;
		if ((uint16_t)(used_idx(0) - before) != offered) {
			printf("FAIL: fuzz round %u: %u offered, %u completed\n", round, offered,
			       (uint16_t)(used_idx(0) - before));
			failures++;
		}
	}
	/* Both outcomes must have happened, or the fuzz tested less than it claims. */
	CHECK(stopped > 100 && completed > 100);
	printf("fuzz: %u rounds stopped the device, %u completed\n", stopped, completed);
}

static void test_chain_helpers(void)
{
	struct virtq_chain c = { 0 };
	uint8_t a[3] = { 1, 2, 3 }, b[5] = { 4, 5, 6, 7, 8 }, w1[2], w2[4], out[8];
	struct iovec iov[4];
	int n;

	c.nout = 2;
	c.nin = 2;
	c.iov[0] = (struct iovec){ a, 3 };
	c.iov[1] = (struct iovec){ b, 5 };
	c.iov[2] = (struct iovec){ w1, 2 };
	c.iov[3] = (struct iovec){ w2, 4 };
	c.out_len = 8;
	c.in_len = 6;
	CHECK(virtq_chain_read(&c, 2, out, 4) == 4);
	CHECK(out[0] == 3 && out[1] == 4 && out[3] == 6);
	CHECK(virtq_chain_read(&c, 6, out, 8) == 2);
	CHECK(virtq_chain_write(&c, 1, "xyz", 3) == 3);
	CHECK(w1[1] == 'x' && w2[0] == 'y' && w2[1] == 'z');
	n = virtq_chain_slice(&c, 0, 2, 6, iov, 4);
	CHECK(n == 2 && iov[0].iov_len == 1 && iov[1].iov_len == 5);
	CHECK(virtq_chain_slice(&c, 1, 0, 7, iov, 4) == -EINVAL);   /* more than there is */
	CHECK(virtq_chain_slice(&c, 1, 0, 6, iov, 1) == -EINVAL);   /* more than max entries */
}

/*
 * virtq_drain on a bare queue: each chain goes to the handler in ring
 * order and back to the used ring with the length the handler gave; the
 * driver is asked for its next notification; a handler's error or a broken
 * chain stops the drain there, with the chains before it pushed.
 */
struct drain_log {
	unsigned calls;
	uint16_t heads[8];
};

static int drain_handle(void *opaque, const struct virtq_chain *c, const char **why)
{
	struct drain_log *log = opaque;
	uint8_t tag = 0;

	if (log->calls < 8)
		log->heads[log->calls] = c->head;
	log->calls++;
	virtq_chain_read(c, 0, &tag, 1);
	if (tag == 0xff) {
		*why = "test: refused chain";
		return -EINVAL;
	}
	virtq_chain_write(c, 0, &tag, 1);
	return 1 + tag;
}

/* A two-descriptor chain at desc 2 * i: one readable tag byte, 64 writable bytes. */
static void drain_offer(unsigned i, uint8_t tag)
{
	set_desc(0, 2 * i, BUF_GPA + 0x100 * i, 1, VIRTQ_DESC_F_NEXT, 2 * i + 1);
	set_desc(0, 2 * i + 1, BUF_GPA + 0x100 * i + 0x10, 64, VIRTQ_DESC_F_WRITE, 0);
	mem.base[BUF_GPA + 0x100 * i] = tag;
	offer(0, QN, 2 * i);
}

static uint32_t used_id(unsigned q, unsigned i, unsigned num)
{
	return *(uint32_t *)(used(q) + 4 + 8 * (i % num));
}

static void test_drain(void)
{
	struct virtq vq = { .num = QN, .event_idx = 1, .desc_gpa = DESC_GPA,
			    .avail_gpa = AVAIL_GPA, .used_gpa = USED_GPA };
	struct drain_log log = { 0 };
	const char *why = NULL;
	unsigned pushed = 99;

	memset(mem.base, 0, RAM_SIZE);
	CHECK(virtq_map(&vq, &mem, &why) == 0);
	for (unsigned i = 0; i < 3; i++)
		drain_offer(i, 10 + i);
	CHECK(virtq_drain(&vq, &mem, drain_handle, &log, &pushed, &why) == 0);
	CHECK(pushed == 3 && log.calls == 3);
	CHECK(log.heads[0] == 0 && log.heads[1] == 2 && log.heads[2] == 4);
	CHECK(used_idx(0) == 3);
	for (unsigned i = 0; i < 3; i++) {
		CHECK(used_id(0, i, QN) == 2 * i);
		CHECK(used_len(0, i, QN) == 11 + i);
		CHECK(mem.base[BUF_GPA + 0x100 * i + 0x10] == 10 + i);
	}
	/* With event index, avail_event now asks for a notification at the next entry. */
	CHECK(*(uint16_t *)(used(0) + 4 + 8 * QN) == 3);

	/* An empty ring: nothing handled, nothing pushed, no error. */
	CHECK(virtq_drain(&vq, &mem, drain_handle, &log, &pushed, &why) == 0);
	CHECK(pushed == 0 && log.calls == 3 && used_idx(0) == 3);

	/* The handler refuses the second chain: the first is pushed, the third is not taken. */
	drain_offer(3, 1);
	drain_offer(4, 0xff);
	drain_offer(5, 2);
	why = NULL;
	CHECK(virtq_drain(&vq, &mem, drain_handle, &log, &pushed, &why) == -EINVAL);
	CHECK(pushed == 1 && log.calls == 5 && used_idx(0) == 4);
	CHECK(why && strcmp(why, "test: refused chain") == 0);

	/* A chain virtq_pop refuses (a head past the table): -EINVAL with its reason, nothing handled. */
	memset(mem.base, 0, RAM_SIZE);
	CHECK(virtq_map(&vq, &mem, &why) == 0);
	log.calls = 0;
	offer(0, QN, QN + 1);
	why = NULL;
	CHECK(virtq_drain(&vq, &mem, drain_handle, &log, &pushed, &why) == -EINVAL);
	CHECK(pushed == 0 && log.calls == 0 && why != NULL);
}

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
	mem.size = RAM_SIZE;
	mem.base = aligned_alloc(4096, RAM_SIZE);
	if (!mem.base) {
		printf("FAIL: set-up\n");
		return 1;
	}
	test_chain_helpers();
	test_drain();
	test_blk_basics();
	test_blk_ro();
	test_hostile();
	test_fuzz();
	test_virtio_net();
	test_net_tap_path();
	for (unsigned i = 0; i < nimgs; i++)
		unlink(img_paths[i]);
	free(mem.base);
	free(cmdline_dummy);
	if (failures) {
		printf("%d failures\n", failures);
		return 1;
	}
	printf("test_vmm_virtio: all passed\n");
	return 0;
}
