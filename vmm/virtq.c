/* SPDX-License-Identifier: MIT */
/* virtq.c: split virtqueues walked defensively: every index, address and length the guest gives is checked. */
#include <errno.h>
#include <string.h>

#include "virtio.h"

#define VIRTQ_AVAIL_F_NO_INTERRUPT 1
#define VIRTQ_USED_F_NO_NOTIFY     1

/*
 * The guest writes the rings while we read them, so each field is loaded
 * exactly once (volatile) and the copy is what gets checked and used.
 */
static uint16_t ld16(volatile uint8_t *p)
{
	return *(volatile uint16_t *)p;
}

static void st16(volatile uint8_t *p, uint16_t v)
{
	*(volatile uint16_t *)p = v;
}

static void st32(volatile uint8_t *p, uint32_t v)
{
	*(volatile uint32_t *)p = v;
}

static void mb(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

int virtq_map(struct virtq *vq, const struct vmm_mem *mem, const char **why)
{
	uint64_t n = vq->num;

	if (n == 0 || n > VIRTQ_NUM_MAX || (n & (n - 1))) {
		*why = "queue size is not a power of two up to the maximum";
		return -EINVAL;
	}
	/* Alignments from the spec: descriptors 16, driver area 2, device area 4. */
	if ((vq->desc_gpa & 15) || (vq->avail_gpa & 1) || (vq->used_gpa & 3)) {
		*why = "misaligned ring address";
		return -EINVAL;
	}
	vq->desc = vmm_gpa_ptr(mem, vq->desc_gpa, 16 * n);
	vq->avail = vmm_gpa_ptr(mem, vq->avail_gpa, 6 + 2 * n);
	vq->used = vmm_gpa_ptr(mem, vq->used_gpa, 6 + 8 * n);
	if (!vq->desc || !vq->avail || !vq->used) {
		vq->desc = NULL;
		vq->avail = vq->used = NULL;
		*why = "ring outside guest RAM";
		return -EINVAL;
	}
	vq->last_avail = ld16(vq->avail + 2);
	vq->used_idx = ld16(vq->used + 2);
	/* A fresh queue starts at 0 on both sides; anything else is the guest's business. */
	vq->signalled_valid = 0;
	return 0;
}

int virtq_pop(struct virtq *vq, const struct vmm_mem *mem, struct virtq_chain *c,
	      const char **why)
{
	uint16_t avail_idx, head, i;
	unsigned n = 0, seg = 0;
	int seen_write = 0;

	avail_idx = ld16(vq->avail + 2);
	if ((uint16_t)(avail_idx - vq->last_avail) > vq->num) {
		*why = "avail index moved by more than the queue size";
		return -EINVAL;
	}
	if (avail_idx == vq->last_avail)
		return 0;
	/* Read the ring entry only after the index that published it. */
	mb();
	head = ld16(vq->avail + 4 + 2 * (vq->last_avail & (vq->num - 1)));
	if (head >= vq->num) {
		*why = "avail ring entry is not a descriptor index";
		return -EINVAL;
	}
	memset(c, 0, offsetof(struct virtq_chain, iov));
	c->head = head;
	i = head;
	for (;;) {
		struct virtq_desc d;
		void *p;

		d.addr = vq->desc[i].addr;
		d.len = vq->desc[i].len;
		d.flags = vq->desc[i].flags;
		d.next = vq->desc[i].next;
		if (++n > vq->num) {
			*why = "descriptor chain loops (longer than the queue)";
			return -EINVAL;
		}
		if (d.flags & VIRTQ_DESC_F_INDIRECT) {
			*why = "indirect descriptor (not offered)";
			return -EINVAL;
		}
		if (d.len) {
			if (seg == VIRTQ_SEGS_MAX) {
				*why = "descriptor chain has too many segments";
				return -EINVAL;
			}
			p = vmm_gpa_ptr(mem, d.addr, d.len);
			if (!p) {
				*why = "descriptor buffer outside guest RAM";
				return -EINVAL;
			}
			if (d.flags & VIRTQ_DESC_F_WRITE) {
				seen_write = 1;
				c->nin++;
				c->in_len += d.len;
			} else {
				if (seen_write) {
					*why = "device-readable descriptor after a writable one";
					return -EINVAL;
				}
				c->nout++;
				c->out_len += d.len;
			}
			c->iov[seg].iov_base = p;
			c->iov[seg].iov_len = d.len;
			seg++;
		}
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			break;
		if (d.next >= vq->num) {
			*why = "descriptor next index out of range";
			return -EINVAL;
		}
		i = d.next;
	}
	vq->last_avail++;
	return 1;
}

int virtq_pending(struct virtq *vq)
{
	return ld16(vq->avail + 2) != vq->last_avail;
}

void virtq_unpop(struct virtq *vq)
{
	vq->last_avail--;
}

void virtq_push(struct virtq *vq, uint16_t head, uint32_t written)
{
	volatile uint8_t *e = vq->used + 4 + 8 * (vq->used_idx & (vq->num - 1));

	st32(e, head);
	st32(e + 4, written);
	/* The entry must be visible before the index that publishes it. */
	mb();
	vq->used_idx++;
	st16(vq->used + 2, vq->used_idx);
}

int virtq_pop_or_arm(struct virtq *vq, const struct vmm_mem *mem, struct virtq_chain *c,
		     const char **why)
{
	int r = virtq_pop(vq, mem, c, why);

	if (r != 0)
		return r;
	virtq_want_notify(vq);
	return virtq_pending(vq) ? virtq_pop(vq, mem, c, why) : 0;
}

int virtq_drain(struct virtq *vq, const struct vmm_mem *mem, virtq_handle_fn *handle,
		void *opaque, unsigned *pushed, const char **why)
{
	struct virtq_chain c;
	int r;

	*pushed = 0;
	while ((r = virtq_pop_or_arm(vq, mem, &c, why)) == 1) {
		int written = handle(opaque, &c, why);

		if (written < 0)
			return -EINVAL;
		virtq_push(vq, c.head, written);
		(*pushed)++;
	}
	return r;
}

int virtq_need_interrupt(struct virtq *vq)
{
	uint16_t old, new, event;
	int valid;

	/* The used index must be visible before we read what the driver wants. */
	mb();
	if (!vq->event_idx)
		return !(ld16(vq->avail) & VIRTQ_AVAIL_F_NO_INTERRUPT);
	old = vq->signalled_used;
	new = vq->used_idx;
	valid = vq->signalled_valid;
	vq->signalled_used = new;
	vq->signalled_valid = 1;
	if (!valid)
		return 1;
	event = ld16(vq->avail + 4 + 2 * vq->num);
	/* vring_need_event: did new pass event since old? */
	return (uint16_t)(new - event - 1) < (uint16_t)(new - old);
}

void virtq_want_notify(struct virtq *vq)
{
	if (vq->event_idx)
		st16(vq->used + 4 + 8 * vq->num, vq->last_avail);
	else
		st16(vq->used, 0);
	/* Publish before the caller re-reads the avail index. */
	mb();
}

size_t virtq_chain_read(const struct virtq_chain *c, size_t off, void *buf, size_t len)
{
	size_t done = 0;

	for (unsigned i = 0; i < c->nout && done < len; i++) {
		size_t l = c->iov[i].iov_len;

		if (off >= l) {
			off -= l;
			continue;
		}
		l -= off;
		if (l > len - done)
			l = len - done;
		memcpy((char *)buf + done, (char *)c->iov[i].iov_base + off, l);
		done += l;
		off = 0;
	}
	return done;
}

size_t virtq_chain_write(const struct virtq_chain *c, size_t off, const void *buf, size_t len)
{
	size_t done = 0;

	for (unsigned i = c->nout; i < c->nout + c->nin && done < len; i++) {
		size_t l = c->iov[i].iov_len;

		if (off >= l) {
			off -= l;
			continue;
		}
		l -= off;
		if (l > len - done)
			l = len - done;
		memcpy((char *)c->iov[i].iov_base + off, (const char *)buf + done, l);
		done += l;
		off = 0;
	}
	return done;
}

int virtq_chain_slice(const struct virtq_chain *c, int write, size_t off, size_t len,
		      struct iovec *iov, int max)
{
	unsigned first = write ? c->nout : 0, end = write ? c->nout + c->nin : c->nout;
	int n = 0;

	for (unsigned i = first; i < end && len > 0; i++) {
		size_t l = c->iov[i].iov_len;

		if (off >= l) {
			off -= l;
			continue;
		}
		l -= off;
		if (l > len)
			l = len;
		if (n == max)
			return -EINVAL;
		iov[n].iov_base = (char *)c->iov[i].iov_base + off;
		iov[n].iov_len = l;
		n++;
		len -= l;
		off = 0;
	}
	return len ? -EINVAL : n;
}
