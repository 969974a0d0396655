/* SPDX-License-Identifier: MIT */
/* test_vmm_virtq.c: unit tests for husk-vmm's split virtqueues and virtio-mmio transport: chain helpers, virtq_drain, hostile and random rings (through a virtio-blk device). */
#include "vmm_virtio_harness.h"

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

int main(void)
{
	harness_start();
	test_chain_helpers();
	test_drain();
	test_hostile();
	test_fuzz();
	return harness_end("test_vmm_virtq");
}
