/* SPDX-License-Identifier: MIT */
/* blkfront.c: Xen virtual block devices (device/vbd/N) as block devices xvda, xvdb, ...: the xenbus handshake with blkback, one shared ring, persistently granted bounce pages. */
#include "blkdev.h"
#include "kernel.h"
#include "mm.h"
#include "xen.h"

/* io/blkif.h */
#define BLKIF_OP_READ            0
#define BLKIF_OP_WRITE           1
#define BLKIF_OP_WRITE_BARRIER   2
#define BLKIF_OP_FLUSH_DISKCACHE 3
#define BLKIF_MAX_SEGS 11
#define BLKIF_RSP_OKAY 0
#define BLKIF_RSP_EOPNOTSUPP (-2)
#define VDISK_READONLY 4
struct blkif_segment {
	grant_ref_t gref;
	uint8_t first_sect, last_sect;
	uint16_t pad;
};
struct blkif_request {
	uint8_t operation;
	uint8_t nr_segments;
	uint16_t handle;
	uint64_t id;
	uint64_t sector_number;
	struct blkif_segment seg[BLKIF_MAX_SEGS];
};
struct blkif_response {
	uint64_t id;
	uint8_t operation;
	int16_t status;
};
union blkif_entry {
	struct blkif_request req;
	struct blkif_response rsp;
};
_Static_assert(sizeof(struct blkif_request) == 112, "blkif_request layout");
_Static_assert(sizeof(struct blkif_response) == 16, "blkif_response layout");

#define RING_SIZE 32           /* (4096 - 64) / 112 rounded down to a power of two */
#define SLOT_PAGES 8           /* bounce pages per ring slot: 32 KiB per ring request */
#define XVD_MAJOR 202          /* Linux's xvd major */
#define HANDSHAKE_MS 10000

struct bf_req {                /* a request of the layer, issued in ring-sized pieces */
	struct list link;
	struct blk_request *rq;
	uint32_t issued;           /* bytes handed to the ring so far */
	unsigned outstanding;      /* ring requests not answered yet */
	bool flushing;             /* FUA write: the trailing flush is issued */
	int status;
};

struct bf_slot {
	struct bf_req *r;          /* NULL: free */
	uint32_t offset, len;
	void *page[SLOT_PAGES];
	grant_ref_t gref[SLOT_PAGES];
};

struct blkfront {
	struct blkdev bd;
	uint16_t handle, backend_id;
	uint32_t port;
	struct xen_sring_hdr *sring;
	union blkif_entry *ring;
	uint32_t req_prod_pvt, rsp_cons;
	uint8_t flush_op;
	struct bf_slot slot[RING_SIZE];
	struct list queue;         /* bf_reqs with pieces left to issue, oldest first */
};

static int ndevices;

static void complete(struct blkfront *f, struct bf_req *r)
{
	struct blk_request *rq = r->rq;
	int status = r->status;

	kfree(r);
	blk_complete(&f->bd, rq, status);
}

static int free_slot(struct blkfront *f)
{
	for (int i = 0; i < RING_SIZE; i++)
		if (!f->slot[i].r)
			return i;
	return -1;
}

/* Issues the pieces of queued requests while ring slots are free. */
static void pump(struct blkfront *f)
{
	bool pushed = false;

	while (!list_empty(&f->queue)) {
		struct bf_req *r = list_entry(f->queue.next, struct bf_req, link);
		struct blk_request *rq = r->rq;
		int s = free_slot(f);
		struct bf_slot *sl;
		struct blkif_request *req;
		bool flush = rq->op == BLK_FLUSH || r->flushing;

		if (s < 0)
			break;
		sl = &f->slot[s];
		req = &f->ring[f->req_prod_pvt % RING_SIZE].req;
		memset(req, 0, sizeof(*req));
		req->id = s;
		req->handle = f->handle;
		sl->r = r;
		if (flush) {
			req->operation = f->flush_op;
			sl->len = 0;
			list_del(&r->link);
		} else {
			uint32_t total = rq->nsectors * BLK_SECTOR;

			sl->offset = r->issued;
			sl->len = MIN(total - r->issued, (uint32_t)(SLOT_PAGES * PAGE_SIZE));
			req->operation = rq->op == BLK_READ ? BLKIF_OP_READ : BLKIF_OP_WRITE;
			req->sector_number = rq->sector + sl->offset / BLK_SECTOR;
			req->nr_segments = (sl->len + PAGE_SIZE - 1) / PAGE_SIZE;
			for (unsigned i = 0; i < req->nr_segments; i++) {
				uint32_t n = MIN(sl->len - i * PAGE_SIZE, (uint32_t)PAGE_SIZE);

				req->seg[i].gref = sl->gref[i];
				req->seg[i].first_sect = 0;
				req->seg[i].last_sect = n / BLK_SECTOR - 1;
				if (rq->op == BLK_WRITE)
					memcpy(sl->page[i], (char *)rq->buf + sl->offset + i * PAGE_SIZE, n);
			}
			r->issued += sl->len;
			if (r->issued == total)
				list_del(&r->link);
		}
		r->outstanding++;
		f->req_prod_pvt++;
		pushed = true;
	}
	if (pushed) {
		__atomic_store_n(&f->sring->req_prod, f->req_prod_pvt, __ATOMIC_RELEASE);
		xen_evtchn_notify(f->port);
	}
}

/* Takes every answer blkback has written, completes finished requests, issues more. */
static void harvest(struct blkfront *f)
{
	for (;;) {
		uint32_t prod = __atomic_load_n(&f->sring->rsp_prod, __ATOMIC_ACQUIRE);

		while (f->rsp_cons != prod) {
			struct blkif_response *rsp = &f->ring[f->rsp_cons % RING_SIZE].rsp;
			struct bf_slot *sl;
			struct bf_req *r;

			f->rsp_cons++;
			if (rsp->id >= RING_SIZE || !f->slot[rsp->id].r) {
				printk_err("%s: blkback answered an unknown request %lu\n", f->bd.name,
					   (unsigned long)rsp->id);
				continue;
			}
			sl = &f->slot[rsp->id];
			r = sl->r;
			sl->r = NULL;
			if (rsp->status != BLKIF_RSP_OKAY && !r->status)
				r->status = rsp->status == BLKIF_RSP_EOPNOTSUPP ? -EOPNOTSUPP : -EIO;
			if (!rsp->status && r->rq->op == BLK_READ)
				for (uint32_t i = 0; i * PAGE_SIZE < sl->len; i++)
					memcpy((char *)r->rq->buf + sl->offset + i * PAGE_SIZE, sl->page[i],
					       MIN(sl->len - i * PAGE_SIZE, (uint32_t)PAGE_SIZE));
			if (--r->outstanding || r->issued < r->rq->nsectors * BLK_SECTOR)
				continue;
			if (r->rq->op == BLK_WRITE && r->rq->fua && f->flush_op && !r->flushing && !r->status) {
				r->flushing = true;   /* after the data: the flush that makes it stable */
				list_add_head(&f->queue, &r->link);
				continue;
			}
			complete(f, r);
		}
		/* Ask for an event at the next answer, then look again (RING_FINAL_CHECK_FOR_RESPONSES). */
		__atomic_store_n(&f->sring->rsp_event, f->rsp_cons + 1, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&f->sring->rsp_prod, __ATOMIC_SEQ_CST) == f->rsp_cons)
			break;
	}
	pump(f);
}

static struct blkfront *by_port[8];

static void bf_event(uint32_t port)
{
	for (size_t i = 0; i < ARRAY_SIZE(by_port); i++)
		if (by_port[i] && by_port[i]->port == port)
			harvest(by_port[i]);
}

static void bf_poll(struct blkdev *bd)
{
	harvest(bd->priv);
}

static int bf_submit(struct blkdev *bd, struct blk_request *rq)
{
	struct blkfront *f = bd->priv;
	struct bf_req *r;

	if (rq->op == BLK_DISCARD)
		return blk_complete(bd, rq, -EOPNOTSUPP), 0;
	if (rq->op == BLK_FLUSH && !f->flush_op)
		return blk_complete(bd, rq, 0), 0;
	r = kzalloc(sizeof(*r));
	if (!r)
		return -EAGAIN;       /* the layer retries after the next completion */
	r->rq = rq;
	list_add_tail(&f->queue, &r->link);
	pump(f);
	return 0;
}

static const struct blkdev_ops bf_ops = {
	.submit = bf_submit,
	.poll = bf_poll,
};

/* Ring page, bounce pages and event channel, granted to the backend; 0 or -errno. */
static int setup_ring(struct blkfront *f)
{
	int ref, port;

	f->sring = page_alloc();
	if (!f->sring)
		return -ENOMEM;
	f->sring->req_event = f->sring->rsp_event = 1;
	f->ring = (union blkif_entry *)(f->sring + 1);
	for (int s = 0; s < RING_SIZE; s++)
		for (int i = 0; i < SLOT_PAGES; i++) {
			f->slot[s].page[i] = page_alloc();
			if (!f->slot[s].page[i])
				return -ENOMEM;
			ref = xen_gnttab_grant(f->backend_id, virt_to_phys(f->slot[s].page[i]), false);
			if (ref < 0)
				return ref;
			f->slot[s].gref[i] = ref;
		}
	port = xen_evtchn_alloc_unbound(f->backend_id);
	if (port < 0)
		return port;
	f->port = port;
	return 0;
}

static int probe_one(const char *id)
{
	struct blkfront *f = kzalloc(sizeof(*f));
	char node[48], backend[128], path[192], val[32];
	uint64_t v, sectors, secsize = 512, info = 0, flush = 0, barrier = 0;
	int ref, err, state;

	if (!f)
		return -ENOMEM;
	list_init(&f->queue);
	snprintk(node, sizeof(node), "device/vbd/%s", id);
	err = kstrtou64(id, &v);
	if (err)
		goto fail;
	f->handle = v;
#define XS_PATH(base, leaf) (snprintk(path, sizeof(path), "%s/%s", base, leaf), path)
	err = xen_xs_read(XS_PATH(node, "backend"), backend, sizeof(backend));
	if (err < 0 || (err = xen_xs_read_u64(XS_PATH(node, "backend-id"), &v)))
		goto fail;
	f->backend_id = v;
	state = xen_xs_wait_state(XS_PATH(backend, "state"), XenbusStateInitWait, HANDSHAKE_MS);
	if (state < 0 || state > XenbusStateConnected) {
		err = state < 0 ? state : -EIO;
		goto fail;
	}
	err = setup_ring(f);
	if (err)
		goto fail;
	ref = xen_gnttab_grant(f->backend_id, virt_to_phys(f->sring), false);
	if (ref < 0) {
		err = ref;
		goto fail;
	}
	snprintk(val, sizeof(val), "%d", ref);
	if ((err = xen_xs_write(XS_PATH(node, "ring-ref"), val)))
		goto fail;
	snprintk(val, sizeof(val), "%u", f->port);
	if ((err = xen_xs_write(XS_PATH(node, "event-channel"), val)) ||
	    (err = xen_xs_write(XS_PATH(node, "protocol"), "x86_64-abi")) ||
	    (err = xen_xs_write(XS_PATH(node, "state"), "3")))
		goto fail;
	state = xen_xs_wait_state(XS_PATH(backend, "state"), XenbusStateConnected, HANDSHAKE_MS);
	if (state != XenbusStateConnected) {
		err = state < 0 ? state : -EIO;
		goto fail;
	}
	if ((err = xen_xs_read_u64(XS_PATH(backend, "sectors"), &sectors)))
		goto fail;
	xen_xs_read_u64(XS_PATH(backend, "sector-size"), &secsize);
	xen_xs_read_u64(XS_PATH(backend, "info"), &info);
	xen_xs_read_u64(XS_PATH(backend, "feature-flush-cache"), &flush);
	xen_xs_read_u64(XS_PATH(backend, "feature-barrier"), &barrier);
	if (secsize != 512)
		printk("husk: Xen vbd %s: sector size %lu; requests stay in 512-byte units\n", id,
		       (unsigned long)secsize);
	/* "sectors" counts sector-size units; the ring always speaks 512-byte sectors. */
	f->bd.nsectors = sectors * (secsize / 512);
	f->bd.ro = info & VDISK_READONLY;
	f->flush_op = flush ? BLKIF_OP_FLUSH_DISKCACHE : barrier ? BLKIF_OP_WRITE_BARRIER : 0;
	f->bd.can_flush = f->flush_op != 0;
	f->bd.ops = &bf_ops;
	f->bd.priv = f;
	f->bd.major = XVD_MAJOR;
	f->bd.minor = ndevices * 16;
	snprintk(f->bd.name, sizeof(f->bd.name), "xvd%c", 'a' + ndevices);
	if (ndevices >= (int)ARRAY_SIZE(by_port)) {
		err = -ENOSPC;
		goto fail;
	}
	by_port[ndevices] = f;
	err = xen_evtchn_bind(f->port, bf_event);
	if (err)
		goto fail;
	if ((err = xen_xs_write(XS_PATH(node, "state"), "4")))
		goto fail;
	err = blkdev_register(&f->bd);
	if (err)
		goto fail;
	ndevices++;
	printk("%s: Xen blkfront (vbd %s, backend domain %u), %lu MiB%s%s\n", f->bd.name, id,
	       f->backend_id, (unsigned long)(f->bd.nsectors >> 11), f->bd.ro ? ", read-only" : "",
	       f->flush_op == BLKIF_OP_FLUSH_DISKCACHE ? ", flush" : f->flush_op ? ", barrier" : "");
	return 0;
#undef XS_PATH
fail:
	/* The pages and grants stay: the backend may have mapped them already. */
	by_port[ndevices] = NULL;
	printk_err("husk: Xen vbd %s: cannot connect to its backend (%d)\n", id, err);
	return err;
}

void xen_blkfront_probe(void)
{
	char list[512];
	int n = xen_xs_directory("device/vbd", list, sizeof(list));

	if (n <= 0)
		return;   /* -ENOENT: no disks */
	for (int i = 0; i < n; i += strlen(list + i) + 1)
		probe_one(list + i);
}
