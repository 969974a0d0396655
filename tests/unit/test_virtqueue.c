/* SPDX-License-Identifier: MIT */
/* test_virtqueue.c: unit tests for split virtqueues (kernel/drivers/virtqueue.c) against a simulated device. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel.h"
#include "mm.h"
#include "virtio.h"

static int failures;

#define CHECK(cond) do { \
	if (!(cond)) { \
		printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); \
		failures++; \
	} \
} while (0)

/* Host memory stands for physical memory: a fixed offset, so addresses are checked to be translated. */
#define FAKE_PHYS_OFFSET 0x100000000000ULL
uint64_t virt_to_phys(const void *va)
{
	return (uint64_t)(uintptr_t)va - FAKE_PHYS_OFFSET;
}

static int bad_id_messages;
void printk_err(const char *fmt, ...)
{
	bad_id_messages++;
}

#include "../../kernel/drivers/virtqueue.c"

/* ---- the device side, as the virtio spec describes it ---- */

struct fake_dev {
	struct virtio_dev vdev;
	struct virtqueue *vq;
	uint16_t last_avail;      /* next avail entry the device takes */
	uint16_t used_idx;        /* the device's used->idx */
	unsigned notifications;   /* notify() calls */
	unsigned interrupts;      /* interrupts the device would have raised */
	uint16_t pending[1024];   /* heads taken, not yet returned */
	unsigned npending;
};

static struct fake_dev dev;

static void fake_notify(struct virtqueue *vq)
{
	dev.notifications++;
}

static const struct virtio_transport_ops fake_ops = { .notify = fake_notify };

static void *phys_to_host(uint64_t pa)
{
	return (void *)(uintptr_t)(pa + FAKE_PHYS_OFFSET);
}

/* Takes every available chain; with event index, publishes avail_event as a device does when it has caught up. */
static unsigned dev_take(void)
{
	struct virtqueue *vq = dev.vq;
	unsigned n = 0;

	while (dev.last_avail != vq->avail->idx) {
		dev.pending[dev.npending++] = vq->avail->ring[dev.last_avail & (vq->num - 1)];
		dev.last_avail++;
		n++;
	}
	if (vq->event_idx)
		*(uint16_t *)&vq->used->ring[vq->num] = dev.last_avail;
	return n;
}

/* Returns the oldest pending chain as used with len bytes written, raising an interrupt when the driver asked. */
static void dev_complete(uint32_t len, uint16_t id_override, bool override)
{
	struct virtqueue *vq = dev.vq;
	uint16_t old = dev.used_idx, head = dev.pending[0];
	bool irq;

	memmove(dev.pending, dev.pending + 1, --dev.npending * sizeof(dev.pending[0]));
	vq->used->ring[dev.used_idx & (vq->num - 1)].id = override ? id_override : head;
	vq->used->ring[dev.used_idx & (vq->num - 1)].len = len;
	dev.used_idx++;
	vq->used->idx = dev.used_idx;
	if (vq->event_idx)
		irq = need_event(vq->avail->ring[vq->num], dev.used_idx, old);
	else
		irq = !(vq->avail->flags & VIRTQ_AVAIL_F_NO_INTERRUPT);
	dev.interrupts += irq;
}

static void *ring_mem;
static void *cookies[1024];
static struct virtqueue q;

static void setup(uint16_t num, bool event_idx)
{
	size_t bytes = virtq_ring_bytes(num);

	free(ring_mem);
	ring_mem = aligned_alloc(4096, ALIGN_UP(bytes, 4096));
	memset(ring_mem, 0, ALIGN_UP(bytes, 4096));
	memset(&dev, 0, sizeof(dev));
	memset(&q, 0, sizeof(q));
	dev.vdev.ops = &fake_ops;
	strcpy(dev.vdev.name, "fake");
	dev.vq = &q;
	virtq_init(&q, num, ring_mem, virt_to_phys(ring_mem), cookies, event_idx);
	q.dev = &dev.vdev;
}

static void test_layout(void)
{
	setup(256, true);
	CHECK(q.desc_pa == virt_to_phys(ring_mem));
	CHECK(q.avail_pa == q.desc_pa + 16 * 256);
	CHECK(q.used_pa % 4 == 0);
	CHECK(q.used_pa >= q.avail_pa + 4 + 2 * 256 + 2);
	CHECK(virtq_ring_bytes(256) >= (q.used_pa - q.desc_pa) + 4 + 8 * 256 + 2);
	CHECK(q.num_free == 256);
}

static void test_chain(void)
{
	char out1[10], out2[20], in1[30];
	struct virtq_buf b[3] = { { out1, 10 }, { out2, 20 }, { in1, 30 } };
	uint32_t len = 0;

	setup(8, false);
	CHECK(virtq_add(&q, b, 2, 1, out1) == 0);
	CHECK(q.num_free == 5);
	CHECK(q.avail->idx == 1);
	uint16_t head = q.avail->ring[0];
	struct virtq_desc *d0 = &q.desc[head], *d1 = &q.desc[d0->next], *d2 = &q.desc[d1->next];
	CHECK(phys_to_host(d0->addr) == out1 && d0->len == 10 && d0->flags == VIRTQ_DESC_F_NEXT);
	CHECK(phys_to_host(d1->addr) == out2 && d1->len == 20 && d1->flags == VIRTQ_DESC_F_NEXT);
	CHECK(phys_to_host(d2->addr) == in1 && d2->len == 30 && d2->flags == VIRTQ_DESC_F_WRITE);
	CHECK(virtq_get_used(&q, &len) == NULL);

	/* Errors: an empty chain, no cookie, more than is free. */
	CHECK(virtq_add(&q, b, 0, 0, out1) == -EINVAL);
	CHECK(virtq_add(&q, b, 1, 0, NULL) == -EINVAL);
	CHECK(virtq_add(&q, b, 2, 1, out2) == 0);
	CHECK(q.num_free == 2);
	CHECK(virtq_add(&q, b, 2, 1, in1) == -ENOSPC);

	CHECK(dev_take() == 2);
	dev_complete(30, 0, false);
	CHECK(virtq_has_used(&q));
	CHECK(virtq_get_used(&q, &len) == out1 && len == 30);
	CHECK(q.num_free == 5);
	CHECK(!virtq_has_used(&q));
	dev_complete(7, 0, false);
	CHECK(virtq_get_used(&q, &len) == out2 && len == 7);
	CHECK(q.num_free == 8);

	/* Every descriptor is reusable: fill the ring with single buffers. */
	for (int i = 0; i < 8; i++)
		CHECK(virtq_add(&q, b, 1, 0, &cookies[100 + i]) == 0);
	CHECK(virtq_add(&q, b, 1, 0, out1) == -ENOSPC);
}

/* Event index: one notification per batch, none while the device has not caught up. */
static void test_kick_event_idx(void)
{
	char buf[64];
	struct virtq_buf b = { buf, sizeof(buf) };

	setup(16, true);
	for (int i = 0; i < 4; i++)
		CHECK(virtq_add(&q, &b, 0, 1, &cookies[200 + i]) == 0);
	virtq_kick(&q);
	CHECK(dev.notifications == 1);     /* avail_event 0: the first buffer is wanted */
	virtq_kick(&q);
	CHECK(dev.notifications == 1);     /* nothing new */
	/* The device has not looked yet (avail_event still 0): more buffers need no notification. */
	CHECK(virtq_add(&q, &b, 0, 1, &cookies[210]) == 0);
	virtq_kick(&q);
	CHECK(dev.notifications == 1);
	CHECK(q.kicks == 1 && q.kicks_suppressed == 1);
	/* The device caught up and asks for the next one. */
	CHECK(dev_take() == 5);
	CHECK(virtq_add(&q, &b, 0, 1, &cookies[211]) == 0);
	CHECK(virtq_add(&q, &b, 0, 1, &cookies[212]) == 0);
	virtq_kick(&q);
	CHECK(dev.notifications == 2);
}

static void test_kick_flags(void)
{
	char buf[64];
	struct virtq_buf b = { buf, sizeof(buf) };

	setup(16, false);
	CHECK(virtq_add(&q, &b, 0, 1, &cookies[300]) == 0);
	virtq_kick(&q);
	CHECK(dev.notifications == 1);
	q.used->flags = VIRTQ_USED_F_NO_NOTIFY;
	CHECK(virtq_add(&q, &b, 0, 1, &cookies[301]) == 0);
	virtq_kick(&q);
	CHECK(dev.notifications == 1);
	q.used->flags = 0;
	CHECK(virtq_add(&q, &b, 0, 1, &cookies[302]) == 0);
	virtq_kick(&q);
	CHECK(dev.notifications == 2);
}

/* Interrupt suppression: the device interrupts only as asked. */
static void test_interrupts(void)
{
	char buf[64];
	struct virtq_buf b = { buf, sizeof(buf) };

	setup(16, true);
	for (int i = 0; i < 10; i++)
		CHECK(virtq_add(&q, &b, 0, 1, &cookies[400 + i]) == 0);
	dev_take();
	CHECK(virtq_enable_cb(&q));          /* nothing used yet: safe to wait */
	dev_complete(1, 0, false);
	dev_complete(1, 0, false);
	CHECK(dev.interrupts == 1);          /* the first one crossed used_event, the second did not */
	CHECK(!virtq_enable_cb(&q));         /* two are waiting: harvest first */
	CHECK(virtq_get_used(&q, NULL) == &cookies[400]);
	CHECK(virtq_get_used(&q, NULL) == &cookies[401]);
	CHECK(virtq_enable_cb(&q));
	virtq_disable_cb(&q);
	dev_complete(1, 0, false);
	dev_complete(1, 0, false);
	CHECK(dev.interrupts == 1);
	CHECK(virtq_get_used(&q, NULL) == &cookies[402]);
	CHECK(virtq_get_used(&q, NULL) == &cookies[403]);
	/* Delayed: only the third completion from now interrupts. */
	virtq_enable_cb_delayed(&q, 3);
	dev_complete(1, 0, false);
	dev_complete(1, 0, false);
	CHECK(dev.interrupts == 1);
	dev_complete(1, 0, false);
	CHECK(dev.interrupts == 2);
	dev_complete(1, 0, false);
	CHECK(dev.interrupts == 2);

	/* Without event index: the NO_INTERRUPT flag. */
	setup(16, false);
	for (int i = 0; i < 4; i++)
		CHECK(virtq_add(&q, &b, 0, 1, &cookies[420 + i]) == 0);
	dev_take();
	virtq_disable_cb(&q);
	dev_complete(1, 0, false);
	CHECK(dev.interrupts == 0);
	CHECK(!virtq_enable_cb(&q));
	dev_complete(1, 0, false);
	CHECK(dev.interrupts == 1);
}

/* 16-bit indices wrap many times: batches of varying size, chains of varying length. */
static void test_wrap(void)
{
	char bufs[4][32];
	struct virtq_buf b[4] = { { bufs[0], 32 }, { bufs[1], 32 }, { bufs[2], 32 }, { bufs[3], 32 } };
	unsigned added = 0, done = 0, seed = 1;
	static uintptr_t expect[1 << 20];

	setup(64, true);
	while (done < 300000) {
		unsigned batch = 1 + (seed = seed * 1103515245 + 12345) % 20;
		for (unsigned i = 0; i < batch; i++) {
			unsigned len = 1 + (seed >> 8) % 4, nout = (seed >> 12) % (len + 1);
			seed = seed * 1103515245 + 12345;
			if (q.num_free < len)
				break;
			CHECK(virtq_add(&q, b, nout, len - nout, (void *)(uintptr_t)(added + 1)) == 0);
			expect[added % (1 << 20)] = added + 1;
			added++;
		}
		unsigned kicks_before = dev.notifications;
		virtq_kick(&q);
		unsigned took = dev_take();
		/* With the device caught up after every batch, every batch is worth one notification. */
		CHECK(!took || dev.notifications == kicks_before + 1);
		while (dev.npending) {
			dev_complete(5, 0, false);
			void *c = virtq_get_used(&q, NULL);
			CHECK(c == (void *)expect[done % (1 << 20)]);
			done++;
		}
		CHECK(q.num_free == q.num);
	}
	CHECK(q.avail_idx == (uint16_t)added);
	CHECK(q.last_used == (uint16_t)done);
	CHECK(q.completed == done);
}

static void test_bad_device(void)
{
	char buf[8];
	struct virtq_buf b = { buf, sizeof(buf) };

	setup(8, true);
	CHECK(virtq_add(&q, &b, 1, 0, buf) == 0);
	dev_take();
	dev_complete(0, 5, true);      /* descriptor 5 was never given */
	CHECK(virtq_get_used(&q, NULL) == NULL);
	CHECK(q.broken && bad_id_messages == 1);
	CHECK(virtq_add(&q, &b, 1, 0, buf) == -ENOSPC);
	setup(8, true);
	CHECK(virtq_add(&q, &b, 1, 0, buf) == 0);
	dev_take();
	dev_complete(0, 60000, true);  /* out of range */
	CHECK(virtq_get_used(&q, NULL) == NULL && q.broken);
}

int main(void)
{
	test_layout();
	test_chain();
	test_kick_event_idx();
	test_kick_flags();
	test_interrupts();
	test_wrap();
	test_bad_device();
	free(ring_mem);
	if (failures) {
		printf("%d checks failed\n", failures);
		return 1;
	}
	printf("virtqueue: all checks passed\n");
	return 0;
}
