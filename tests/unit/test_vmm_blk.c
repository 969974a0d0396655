/* SPDX-License-Identifier: MIT */
/* test_vmm_blk.c: unit tests for husk-vmm's virtio-blk: reads, writes, flush, discard, ids, read-only images and image locking. */
#include "vmm_virtio_harness.h"

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

int main(void)
{
	harness_start();
	test_blk_basics();
	test_blk_ro();
	return harness_end("test_vmm_blk");
}
