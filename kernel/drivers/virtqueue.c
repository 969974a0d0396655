// SPDX-License-Identifier: MIT
/* virtqueue.c: split virtqueues: adding buffer chains, notification and interrupt suppression (event index), harvesting used chains. */
#include "kernel.h"
#include "mm.h"
#include "virtio.h"

/*
 * The device runs concurrently (another thread of the monitor, or the
 * hardware).  Our stores to a descriptor must be visible before its head in
 * the avail ring, and that before avail->idx (release).  Reading used->idx
 * must come before reading the entries it covers (acquire).  Publishing
 * avail->idx and then reading the device's avail_event (or writing
 * used_event and then re-reading used->idx) is a store followed by a load
 * of another location: that needs a full barrier.
 */
#define vq_release() __atomic_thread_fence(__ATOMIC_RELEASE)
#define vq_acquire() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define vq_full()    __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define READ_ONCE16(x) (*(volatile uint16_t *)&(x))
#define WRITE_ONCE16(x, v) (*(volatile uint16_t *)&(x) = (v))

static inline uint16_t *used_event(struct virtqueue *vq)
{
	return &vq->avail->ring[vq->num];
}

static inline uint16_t *avail_event(struct virtqueue *vq)
{
	return (uint16_t *)&vq->used->ring[vq->num];
}

static size_t avail_offset(uint16_t num)
{
	return sizeof(struct virtq_desc) * num;
}

static size_t used_offset(uint16_t num)
{
	/* The used ring must be 4-byte aligned (virtio 1.x); take 64 for the cache line. */
	return ALIGN_UP(avail_offset(num) + sizeof(struct virtq_avail) + sizeof(uint16_t) * (num + 1), 64);
}

size_t virtq_ring_bytes(uint16_t num)
{
	return used_offset(num) + sizeof(struct virtq_used) + sizeof(struct virtq_used_elem) * num +
	       sizeof(uint16_t);
}

void virtq_init(struct virtqueue *vq, uint16_t num, void *mem, uint64_t mem_pa, void **cookies,
		bool event_idx)
{
	char *base = mem;

	vq->num = num;
	vq->event_idx = event_idx;
	vq->broken = false;
	vq->desc = mem;
	vq->avail = (struct virtq_avail *)(base + avail_offset(num));
	vq->used = (struct virtq_used *)(base + used_offset(num));
	vq->desc_pa = mem_pa;
	vq->avail_pa = mem_pa + avail_offset(num);
	vq->used_pa = mem_pa + used_offset(num);
	vq->cookie = cookies;
	for (uint16_t i = 0; i < num; i++) {
		vq->desc[i].next = i + 1;
		cookies[i] = NULL;
	}
	vq->free_head = 0;
	vq->num_free = num;
	vq->avail_idx = vq->kicked_idx = vq->last_used = 0;
	vq->kicks = vq->kicks_suppressed = vq->interrupts = vq->completed = 0;
}

int virtq_add(struct virtqueue *vq, const struct virtq_buf *bufs, unsigned nout, unsigned nin,
	      void *cookie)
{
	unsigned n = nout + nin;
	uint16_t head = vq->free_head, i = head, prev = head;

	if (n == 0 || !cookie)
		return -EINVAL;
	if (n > vq->num_free || vq->broken)
		return -ENOSPC;
	for (unsigned k = 0; k < n; k++) {
		struct virtq_desc *d = &vq->desc[i];
		d->addr = virt_to_phys(bufs[k].addr);
		d->len = bufs[k].len;
		d->flags = (k < nout ? 0 : VIRTQ_DESC_F_WRITE) | (k + 1 < n ? VIRTQ_DESC_F_NEXT : 0);
		prev = i;
		i = d->next;
	}
	/* The last descriptor keeps its free-list link in next; without F_NEXT the device ignores it. */
	vq->free_head = vq->desc[prev].next;
	vq->num_free -= n;
	vq->cookie[head] = cookie;

	vq->avail->ring[vq->avail_idx & (vq->num - 1)] = head;
	vq->avail_idx++;
	vq_release();
	WRITE_ONCE16(vq->avail->idx, vq->avail_idx);
	return 0;
}

/* Whether the other side asked to hear of index `event` when the index moved from old to new (virtio 2.7.10). */
static inline bool need_event(uint16_t event, uint16_t new, uint16_t old)
{
	return (uint16_t)(new - event - 1) < (uint16_t)(new - old);
}

bool virtq_kick_prepare(struct virtqueue *vq)
{
	uint16_t old = vq->kicked_idx, new = vq->avail_idx;
	bool need;

	if (old == new)
		return false;
	vq->kicked_idx = new;
	vq_full();
	if (vq->event_idx)
		need = need_event(READ_ONCE16(*avail_event(vq)), new, old);
	else
		need = !(READ_ONCE16(vq->used->flags) & VIRTQ_USED_F_NO_NOTIFY);
	if (need)
		vq->kicks++;
	else
		vq->kicks_suppressed++;
	return need;
}

void virtq_kick(struct virtqueue *vq)
{
	if (virtq_kick_prepare(vq))
		vq->dev->ops->notify(vq);
}

bool virtq_has_used(const struct virtqueue *vq)
{
	return vq->last_used != READ_ONCE16(vq->used->idx);
}

void *virtq_get_used(struct virtqueue *vq, uint32_t *len)
{
	struct virtq_used_elem *e;
	uint16_t id, i, count = 1;
	void *cookie;

	if (vq->broken || !virtq_has_used(vq))
		return NULL;
	vq_acquire();
	e = &vq->used->ring[vq->last_used & (vq->num - 1)];
	id = e->id;
	if (e->id >= vq->num || !vq->cookie[id]) {
		/* A device that returns what it was never given: stop using the queue rather than corrupt it. */
		printk_err("virtio: %s queue %u: the device returned descriptor %u, which it does not hold\n",
			   vq->dev ? vq->dev->name : "?", vq->index, e->id);
		vq->broken = true;
		return NULL;
	}
	if (len)
		*len = e->len;
	cookie = vq->cookie[id];
	vq->cookie[id] = NULL;
	for (i = id; vq->desc[i].flags & VIRTQ_DESC_F_NEXT; i = vq->desc[i].next)
		count++;
	vq->desc[i].next = vq->free_head;
	vq->free_head = id;
	vq->num_free += count;
	vq->last_used++;
	vq->completed++;
	return cookie;
}

bool virtq_enable_cb(struct virtqueue *vq)
{
	if (vq->event_idx)
		WRITE_ONCE16(*used_event(vq), vq->last_used);
	else
		WRITE_ONCE16(vq->avail->flags, 0);
	vq_full();
	return !virtq_has_used(vq);
}

void virtq_enable_cb_delayed(struct virtqueue *vq, uint16_t after)
{
	if (!vq->event_idx) {
		WRITE_ONCE16(vq->avail->flags, 0);
		return;
	}
	WRITE_ONCE16(*used_event(vq), (uint16_t)(vq->last_used + (after ? after - 1 : 0)));
	vq_full();
}

void virtq_disable_cb(struct virtqueue *vq)
{
	if (vq->event_idx)
		/* An index just behind what we harvested: the device crosses it only after 64k chains. */
		WRITE_ONCE16(*used_event(vq), (uint16_t)(vq->last_used - 1));
	else
		WRITE_ONCE16(vq->avail->flags, VIRTQ_AVAIL_F_NO_INTERRUPT);
}
