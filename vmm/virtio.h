/* SPDX-License-Identifier: MIT */
/* virtio.h: husk-vmm's virtio devices: split virtqueues, the virtio-mmio (version 2) transport, net, blk and console. */
#ifndef HUSK_VMM_VIRTIO_H
#define HUSK_VMM_VIRTIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "vmm.h"

/* Feature bits this monitor knows (virtio 1.2, section 6 and the device sections). */
#define VIRTIO_F_RING_EVENT_IDX   29
#define VIRTIO_F_VERSION_1        32

/* Device status bits. */
#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER      2
#define VIRTIO_STATUS_DRIVER_OK   4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_NEEDS_RESET 64
#define VIRTIO_STATUS_FAILED      128

#define VIRTQ_DESC_F_NEXT     1
#define VIRTQ_DESC_F_WRITE    2
#define VIRTQ_DESC_F_INDIRECT 4

/* Largest queue a device offers, and the most segments one chain may have. */
#define VIRTQ_NUM_MAX  256
#define VIRTQ_SEGS_MAX 64

/* Guest-visible ring layouts (little-endian; x86 hosts only). */
struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

/*
 * One split virtqueue.  The three rings are checked against guest RAM once,
 * when the driver sets QueueReady; every descriptor is checked when it is
 * walked.  All fields the guest can change are read once into locals.
 */
struct virtq {
	uint16_t num;              /* QueueNum: a power of two, <= VIRTQ_NUM_MAX */
	int ready;
	int event_idx;             /* VIRTIO_F_RING_EVENT_IDX negotiated */
	uint64_t desc_gpa, avail_gpa, used_gpa;
	volatile struct virtq_desc *desc;
	volatile uint8_t *avail;   /* u16 flags, idx, ring[num], used_event */
	volatile uint8_t *used;    /* u16 flags, idx, then {u32 id, u32 len}[num], u16 avail_event */
	uint16_t last_avail;       /* next avail entry the device will take */
	uint16_t used_idx;         /* next used entry the device will fill */
	uint16_t signalled_used;   /* used_idx at the last interrupt */
	int signalled_valid;
};

/* One descriptor chain taken from the avail ring. */
struct virtq_chain {
	uint16_t head;
	unsigned nout, nin;            /* device-readable, then device-writable segments */
	uint64_t out_len, in_len;      /* their total lengths */
	struct iovec iov[VIRTQ_SEGS_MAX];  /* out segments first, then in segments */
};

/*
 * Check and map the rings of vq (desc_gpa, avail_gpa, used_gpa, num set).
 * Returns 0, or -EINVAL with *why saying what is wrong.
 */
int virtq_map(struct virtq *vq, const struct vmm_mem *mem, const char **why);

/*
 * Take the next chain from the avail ring.  Returns 1 with *c filled, 0 when
 * the ring is empty, or -EINVAL when the guest broke a rule (an index or an
 * address out of range, a loop, a chain longer than the queue or than
 * VIRTQ_SEGS_MAX, a readable segment after a writable one, an indirect
 * descriptor, which is not offered); *why then says which.  The device
 * must then stop using the queue (virtio_dev_fail).
 */
int virtq_pop(struct virtq *vq, const struct vmm_mem *mem, struct virtq_chain *c,
	      const char **why);

/*
 * virtq_pop, and when the ring is empty, ask the driver for a notification
 * (virtq_want_notify) and look once more: a chain added before the request
 * was seen would otherwise wait for the driver's next one.  Same returns as
 * virtq_pop; 0 means empty with the notification asked for.
 */
int virtq_pop_or_arm(struct virtq *vq, const struct vmm_mem *mem, struct virtq_chain *c,
		     const char **why);

/* Are there avail entries the device has not taken? */
int virtq_pending(struct virtq *vq);

/* Give back the chain virtq_pop just returned, unused (it will be popped again). */
void virtq_unpop(struct virtq *vq);

/* Put head back on the used ring with written bytes. */
void virtq_push(struct virtq *vq, uint16_t head, uint32_t written);

/*
 * Does the driver want an interrupt for what was pushed since the last one?
 * With event index: only when used_event was passed; else unless
 * VIRTQ_AVAIL_F_NO_INTERRUPT is set.
 */
int virtq_need_interrupt(struct virtq *vq);

/*
 * Tell the driver to notify the device on its next avail entry (event index:
 * avail_event = last_avail).  Call before re-checking the ring and sleeping.
 */
void virtq_want_notify(struct virtq *vq);

/*
 * What virtq_drain does with one chain: returns the bytes it wrote into the
 * chain's device-writable segments, or -EINVAL with *why set when the chain
 * breaks the device's rules.
 */
typedef int virtq_handle_fn(void *opaque, const struct virtq_chain *c, const char **why);

/*
 * Pop every available chain, pass each to handle and push it back with the
 * bytes handle wrote, until the ring stays empty after virtq_want_notify
 * (so a chain added meanwhile is not missed).  *pushed counts the chains
 * pushed.  Returns 0, or -EINVAL with *why from virtq_pop or handle: the
 * failing chain is not pushed, those before it are, and the device must
 * stop using the queue (virtio_dev_fail).
 */
int virtq_drain(struct virtq *vq, const struct vmm_mem *mem, virtq_handle_fn *handle,
		void *opaque, unsigned *pushed, const char **why);

/* Copy len bytes at offset off of the chain's out (or in) segments.  Returns the bytes copied. */
size_t virtq_chain_read(const struct virtq_chain *c, size_t off, void *buf, size_t len);
size_t virtq_chain_write(const struct virtq_chain *c, size_t off, const void *buf, size_t len);
/*
 * Fill iov (at most max entries) with [off, off + len) of the chain's in
 * (write != 0) or out segments.  Returns the count, or -EINVAL if the range
 * is not all there or needs more than max entries.
 */
int virtq_chain_slice(const struct virtq_chain *c, int write, size_t off, size_t len,
		      struct iovec *iov, int max);

/* ---------------------------------------------------------------- transport */

struct virtio_dev;

struct virtio_dev_ops {
	/* Feature bits offered in addition to VERSION_1 and RING_EVENT_IDX. */
	uint64_t features;
	/* The driver set FEATURES_OK with d->driver_features; return -errno to refuse. */
	int (*features_ok)(struct virtio_dev *d);
	/* The driver wrote queue q to QueueNotify (a ready queue). */
	void (*notify)(struct virtio_dev *d, unsigned q);
	/* The driver reset the device (Status = 0). */
	void (*reset)(struct virtio_dev *d);
};

/*
 * A virtio-mmio device.  Its state is guarded by the device lock
 * (vmm_dev_lock): MMIO accesses come from the vCPU thread and back-end
 * events from the I/O thread.
 */
struct virtio_dev {
	const char *name;          /* "virtio-net", "virtio-blk vda", ... for messages */
	uint32_t device_id;
	uint64_t base;             /* MMIO base */
	unsigned gsi;              /* IOAPIC input */
	const struct virtio_dev_ops *ops;
	void *opaque;              /* the device model's state */
	const void *config;        /* device config space (read-only to the driver) */
	uint32_t config_len;
	const struct vmm_mem *mem;
	unsigned nqueues;
	struct virtq vq[2];
	/* Transport registers. */
	uint32_t status;
	uint32_t dev_features_sel, drv_features_sel, queue_sel;
	uint64_t driver_features;
	uint32_t interrupt_status;
	int irq_asserted;          /* the level last given to vmm_irq_line */
	uint32_t config_generation;
	int broken;                /* stopped after a guest error until reset */
	const char *broken_why;    /* ...and the error */
};

#define VIRTIO_MMIO_SIZE  0x200
/* Where husk-vmm puts its virtio-mmio devices: device i at BASE + i * SIZE, on GSI GSI_BASE + i. */
#define VIRTIO_MMIO_BASE     0xfeb00000ULL
#define VIRTIO_MMIO_GSI_BASE 16
#define VIRTIO_MMIO_MAX      8

/*
 * Register d (name, device_id, ops, opaque, nqueues set) as the next
 * virtio-mmio device: sets base and gsi and appends
 * "virtio_mmio.device=512@BASE:GSI" to *devs (a malloc'ed,
 * space-separated list, or NULL).  Returns 0 or -errno.
 */
int virtio_mmio_add(struct virtio_dev *d, const struct vmm_mem *mem, char **devs);

/* The register handlers, for tests: off and size as the MMIO table passes them. */
uint64_t virtio_mmio_read(void *opaque, uint64_t off, unsigned size);
void virtio_mmio_write(void *opaque, uint64_t off, unsigned size, uint64_t val);

/* Was feature bit f negotiated? */
static inline int virtio_has(const struct virtio_dev *d, unsigned f)
{
	return (d->driver_features >> f) & 1;
}

/*
 * The guest broke a rule on this device: print "husk-vmm: NAME: WHY" once,
 * set NEEDS_RESET, tell the driver (config interrupt), and ignore the
 * queues until the driver resets the device.
 */
void virtio_dev_fail(struct virtio_dev *d, const char *why);

/* Used buffers were pushed to queue q: interrupt the driver if it wants one. */
void virtio_dev_used(struct virtio_dev *d, unsigned q);

/*
 * A device's notify for a queue whose chains are handled one by one, in
 * order: virtq_drain on queue q, then virtio_dev_fail on a guest error, and
 * one interrupt for the batch (virtio_dev_used) if anything was pushed.
 */
void virtio_dev_drain(struct virtio_dev *d, unsigned q, virtq_handle_fn *handle, void *opaque);

/* ---------------------------------------------------------------- devices */

/* virtio-blk over the file at path (read-only if ro); adds to *devs as virtio_mmio_add.  Prints its own errors; returns 0 or -errno. */
int virtio_blk_create(const char *path, int ro, const struct vmm_mem *mem, char **devs);

struct vmm_net_opts {
	const char *tap;           /* tap interface name, or NULL for user networking */
	const char *guest_ip;      /* user networking: the guest's address for forwards (default 10.0.2.15) */
	unsigned nfwd;
	struct vmm_fwd {
		int udp;
		uint16_t host_port, guest_port;
	} fwd[32];
};

/* virtio-net over a tap or over libslirp.  Prints its own errors; returns 0 or -errno. */
int virtio_net_create(const struct vmm_net_opts *o, const struct vmm_mem *mem, char **devs);

/*
 * Between virtio-net and a back end that handles whole frames (libslirp).
 * Everything runs with the device lock held.
 */
struct virtio_net;

struct net_backend {
	/* A frame from the guest (Ethernet header on, virtio header off). */
	void (*tx)(void *be, const void *frame, size_t len);
	/* The guest gave receive buffers after virtio_net_rx had found none. */
	void (*rx_ready)(void *be);
	void *be;
};

/*
 * Hand a frame to the guest.  Returns 1 when it is in a receive buffer, 0
 * when the guest has none (the back end keeps the frame and waits for
 * rx_ready), -1 when the device is stopped (drop it).  Call
 * virtio_net_rx_done after a batch: it sends one interrupt.
 */
int virtio_net_rx(struct virtio_net *n, const void *frame, size_t len);
void virtio_net_rx_done(struct virtio_net *n);

/*
 * virtio-console, one port, over fd (a socket or pipe pair end, made
 * non-blocking): the guest's output written to it, its input read from it,
 * with nothing buffered in between (backpressure both ways).  Prints its own
 * errors; returns 0 or -errno.
 */
int virtio_console_create(int fd, const struct vmm_mem *mem, char **devs);

/* The libslirp back end (net_slirp.c): user-mode networking with host forwards. */
int net_slirp_create(const struct vmm_net_opts *o, struct virtio_net *n, struct net_backend *out);

#endif
