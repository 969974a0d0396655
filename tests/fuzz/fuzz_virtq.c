/* SPDX-License-Identifier: MIT */
/* fuzz_virtq.c: libFuzzer harness for husk-vmm's virtqueue walking (vmm/virtq.c) over guest memory the input fills. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../vmm/virtq.c"

#define RAM_SIZE (64 * 1024)

/* As vmm/core.c: host pointer for [gpa, gpa + len) or NULL outside RAM. */
void *vmm_gpa_ptr(const struct vmm_mem *mem, uint64_t gpa, uint64_t len)
{
	if (gpa > mem->size || len > mem->size - gpa)
		return NULL;
	return mem->base + gpa;
}

/* What the handler needs: the input's knobs and a bound on the chains it takes. */
struct fuzz_dev {
	const uint8_t *data;
	unsigned rounds;
};

/* The device's work on one chain, as virtio-blk and virtio-net do it: read the out part, fill the in part. */
static int handle(void *opaque, const struct virtq_chain *c, const char **why)
{
	struct fuzz_dev *d = opaque;
	const uint8_t *data = d->data;
	struct iovec iov[VIRTQ_SEGS_MAX];
	uint8_t buf[512];
	size_t got;

	/* The handler's writes reach the rings too: a guest can keep a device busy, not forever here. */
	if (d->rounds++ >= 2 * VIRTQ_NUM_MAX) {
		*why = "fuzz: enough chains";
		return -EINVAL;
	}
	if (c->nout + c->nin > VIRTQ_SEGS_MAX)
		abort();
	got = virtq_chain_read(c, data[10], buf, sizeof(buf));
	if (got > sizeof(buf))
		abort();
	memset(buf, 0xa5, sizeof(buf));
	got = virtq_chain_write(c, data[11], buf, sizeof(buf));
	(void)virtq_chain_slice(c, data[12] & 1, data[13], data[14] * 16u, iov, VIRTQ_SEGS_MAX);
	return (int)got;
}

/*
 * The input: 16 bytes of queue setup (size, ring addresses, event index),
 * then guest RAM (rings, descriptors and buffers; the rest is zero).  The
 * device drains the queue (virtq_drain) with handle, as virtio-blk and
 * virtio-net do, then asks whether to interrupt.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *ram;
	struct vmm_mem mem = { .size = RAM_SIZE };
	struct fuzz_dev dev = { .data = data };
	struct virtq vq;
	const char *why;
	unsigned pushed;
	uint8_t idx[2] = { 0, 0 };

	if (size < 16)
		return 0;
	/* A fresh heap block of exactly RAM_SIZE, so ASan catches any access past it. */
	ram = malloc(RAM_SIZE);
	if (!ram)
		abort();
	memset(ram, 0, RAM_SIZE);
	memcpy(ram, data + 16, size - 16 < RAM_SIZE ? size - 16 : RAM_SIZE);
	mem.base = ram;
	memset(&vq, 0, sizeof(vq));
	vq.num = (uint16_t)(1u << (data[0] % 10));	/* 1..512: also one too big */
	/* Mostly aligned and inside RAM; bit 0 of data[7] lets misaligned ones through. */
	vq.desc_gpa = ((uint64_t)data[1] << 8 | data[2]) % (RAM_SIZE / 16) * 16 + (data[7] & 1 ? data[7] & 15 : 0);
	vq.avail_gpa = ((uint64_t)data[3] << 8 | data[4]) % (RAM_SIZE / 2) * 2;
	vq.used_gpa = ((uint64_t)data[5] << 8 | data[6]) % (RAM_SIZE / 4) * 4;
	vq.event_idx = data[8] & 1;
	if (data[9] == 0xff)
		vq.desc_gpa = (uint64_t)-16;	/* addresses that overflow */
	/* A fresh queue (indexes 0), then the driver publishes what the input says. */
	if (vq.avail_gpa + 4 <= RAM_SIZE && vq.used_gpa + 4 <= RAM_SIZE) {
		memcpy(idx, ram + vq.avail_gpa + 2, 2);
		memset(ram + vq.avail_gpa + 2, 0, 2);
		memset(ram + vq.used_gpa + 2, 0, 2);
	}
	if (virtq_map(&vq, &mem, &why) != 0)
		goto out;
	memcpy(ram + vq.avail_gpa + 2, idx, 2);
	vq.ready = 1;
	if (virtq_drain(&vq, &mem, handle, &dev, &pushed, &why) == 0 && pushed > dev.rounds)
		abort();
	virtq_need_interrupt(&vq);
out:
	free(ram);
	return 0;
}
