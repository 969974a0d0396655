/* SPDX-License-Identifier: MIT */
/* netfront.c: Xen virtual network interfaces (device/vif/N) as struct netdev: the xenbus handshake with netback, tx/rx rings of granted pages, rx by copy (request-rx-copy). */
#include "kernel.h"
#include "mm.h"
#include "netdev.h"
#include "xen.h"

/* io/netif.h */
struct netif_tx_request {
	grant_ref_t gref;
	uint16_t offset, flags, id, size;
};
struct netif_tx_response {
	uint16_t id;
	int16_t status;
};
struct netif_rx_request {
	uint16_t id, pad;
	grant_ref_t gref;
};
struct netif_rx_response {
	uint16_t id, offset, flags;
	int16_t status;   /* the frame's length, or a negative error */
};
union netif_tx_entry {
	struct netif_tx_request req;
	struct netif_tx_response rsp;
};
union netif_rx_entry {
	struct netif_rx_request req;
	struct netif_rx_response rsp;
};
_Static_assert(sizeof(union netif_tx_entry) == 12, "netif tx layout");
_Static_assert(sizeof(union netif_rx_entry) == 8, "netif rx layout");
#define NETRXF_more_data  4
#define NETRXF_extra_info 8

#define TX_RING 256            /* (4096 - 64) / 12 rounded down to a power of two */
#define RX_RING 256            /* (4096 - 64) / 8, likewise */
#define NTX 64                 /* transmit buffers (pages) in flight at most */
#define NRX 64                 /* receive buffers posted */
#define HANDSHAKE_MS 10000

struct netfront {
	struct netdev nd;
	uint16_t backend_id;
	uint32_t port;
	struct xen_sring_hdr *tx_sring, *rx_sring;
	union netif_tx_entry *tx;
	union netif_rx_entry *rx;
	uint32_t tx_prod, tx_cons, rx_prod, rx_cons;
	void *tx_page[NTX], *rx_page[NRX];
	grant_ref_t tx_gref[NTX], rx_gref[NRX];
	uint16_t tx_free[NTX];     /* stack of free transmit buffers */
	unsigned ntx_free;
	bool tx_stopped;
	bool skip_rest;            /* dropping the remaining pieces of a multi-piece frame */
};

static struct netfront *by_port[4];

static void push(struct xen_sring_hdr *s, uint32_t prod, uint32_t port)
{
	__atomic_store_n(&s->req_prod, prod, __ATOMIC_RELEASE);
	xen_evtchn_notify(port);
}

static void post_rx(struct netfront *f, uint16_t id)
{
	struct netif_rx_request *r = &f->rx[f->rx_prod % RX_RING].req;

	r->id = id;
	r->gref = f->rx_gref[id];
	f->rx_prod++;
}

static void harvest(struct netfront *f)
{
	bool reposted = false;

	for (;;) {
		uint32_t prod = __atomic_load_n(&f->tx_sring->rsp_prod, __ATOMIC_ACQUIRE);

		while (f->tx_cons != prod) {
			struct netif_tx_response *r = &f->tx[f->tx_cons++ % TX_RING].rsp;

			if (r->id < NTX)
				f->tx_free[f->ntx_free++] = r->id;
			if (r->status < 0)
				f->nd.tx_errors++;
		}
		__atomic_store_n(&f->tx_sring->rsp_event, f->tx_cons + 1, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&f->tx_sring->rsp_prod, __ATOMIC_SEQ_CST) == f->tx_cons)
			break;
	}
	for (;;) {
		uint32_t prod = __atomic_load_n(&f->rx_sring->rsp_prod, __ATOMIC_ACQUIRE);

		while (f->rx_cons != prod) {
			struct netif_rx_response r = f->rx[f->rx_cons++ % RX_RING].rsp;
			bool first = !f->skip_rest;

			if (r.id >= NRX)
				continue;
			/* Frames come in one piece (no feature-sg); anything else is dropped whole. */
			f->skip_rest = r.flags & NETRXF_more_data;
			if (!first || r.status < 0 || (r.flags & (NETRXF_more_data | NETRXF_extra_info)) ||
			    r.offset + (unsigned)r.status > PAGE_SIZE) {
				f->nd.rx_errors++;
			} else {
				f->nd.rx_packets++;
				f->nd.rx_bytes += r.status;
				netdev_rx(&f->nd, (char *)f->rx_page[r.id] + r.offset, r.status, 0);
			}
			post_rx(f, r.id);
			reposted = true;
		}
		__atomic_store_n(&f->rx_sring->rsp_event, f->rx_cons + 1, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&f->rx_sring->rsp_prod, __ATOMIC_SEQ_CST) == f->rx_cons)
			break;
	}
	if (reposted)
		push(f->rx_sring, f->rx_prod, f->port);
	if (f->tx_stopped && f->ntx_free) {
		f->tx_stopped = false;
		netdev_tx_ready(&f->nd);
	}
}

static void nf_event(uint32_t port)
{
	for (size_t i = 0; i < ARRAY_SIZE(by_port); i++)
		if (by_port[i] && by_port[i]->port == port) {
			by_port[i]->nd.interrupts++;
			harvest(by_port[i]);
		}
}

static int nf_xmit(struct netdev *nd, const struct netdev_frag *frags, int nfrags,
		   const struct netdev_csum *csum)
{
	struct netfront *f = nd->priv;
	struct netif_tx_request *r;
	size_t len = 0;
	uint16_t id;

	if (!f->ntx_free)
		harvest(f);
	if (!f->ntx_free) {
		f->tx_stopped = true;
		return -EAGAIN;
	}
	for (int i = 0; i < nfrags; i++)
		len += frags[i].len;
	if (len > PAGE_SIZE) {
		nd->tx_errors++;
		return 0;   /* cannot happen with a 1500-byte MTU: dropped */
	}
	id = f->tx_free[--f->ntx_free];
	len = 0;
	for (int i = 0; i < nfrags; i++) {
		memcpy((char *)f->tx_page[id] + len, frags[i].data, frags[i].len);
		len += frags[i].len;
	}
	r = &f->tx[f->tx_prod % TX_RING].req;
	r->gref = f->tx_gref[id];
	r->offset = 0;
	r->flags = 0;
	r->id = id;
	r->size = len;
	f->tx_prod++;
	nd->tx_packets++;
	nd->tx_bytes += len;
	nd->notifies++;
	push(f->tx_sring, f->tx_prod, f->port);
	return 0;
}

static const struct netdev_ops nf_ops = {
	.xmit = nf_xmit,
};

/* "00:16:3e:12:34:56" into mac; 0 or -EINVAL. */
static int parse_mac(const char *s, uint8_t mac[6])
{
	for (int i = 0; i < 6; i++) {
		unsigned v = 0;

		for (int j = 0; j < 2; j++) {
			char c = *s++;

			v = v * 16 + (c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
				      c >= 'A' && c <= 'F' ? c - 'A' + 10 : 256);
		}
		if (v > 255 || (i < 5 && *s++ != ':'))
			return -EINVAL;
		mac[i] = v;
	}
	return *s ? -EINVAL : 0;
}

static int grant_pages(struct netfront *f, void **pages, grant_ref_t *grefs, int n, bool readonly)
{
	for (int i = 0; i < n; i++) {
		int ref;

		pages[i] = page_alloc();
		if (!pages[i])
			return -ENOMEM;
		ref = xen_gnttab_grant(f->backend_id, virt_to_phys(pages[i]), readonly);
		if (ref < 0)
			return ref;
		grefs[i] = ref;
	}
	return 0;
}

static int setup_rings(struct netfront *f, int *tx_ref, int *rx_ref)
{
	int err;

	f->tx_sring = page_alloc();
	f->rx_sring = page_alloc();
	if (!f->tx_sring || !f->rx_sring)
		return -ENOMEM;
	f->tx_sring->req_event = f->tx_sring->rsp_event = 1;
	f->rx_sring->req_event = f->rx_sring->rsp_event = 1;
	f->tx = (union netif_tx_entry *)(f->tx_sring + 1);
	f->rx = (union netif_rx_entry *)(f->rx_sring + 1);
	*tx_ref = xen_gnttab_grant(f->backend_id, virt_to_phys(f->tx_sring), false);
	*rx_ref = xen_gnttab_grant(f->backend_id, virt_to_phys(f->rx_sring), false);
	if (*tx_ref < 0 || *rx_ref < 0)
		return -ENOSPC;
	err = grant_pages(f, f->tx_page, f->tx_gref, NTX, true);
	if (!err)
		err = grant_pages(f, f->rx_page, f->rx_gref, NRX, false);
	if (err)
		return err;
	for (int i = 0; i < NTX; i++)
		f->tx_free[f->ntx_free++] = i;
	for (int i = 0; i < NRX; i++)
		post_rx(f, i);
	__atomic_store_n(&f->rx_sring->req_prod, f->rx_prod, __ATOMIC_RELEASE);
	err = xen_evtchn_alloc_unbound(f->backend_id);
	if (err < 0)
		return err;
	f->port = err;
	return 0;
}

static int probe_one(const char *id, int index)
{
	struct netfront *f = kzalloc(sizeof(*f));
	char node[48], backend[128], path[192], val[32];
	uint64_t v;
	int err, state, tx_ref, rx_ref;

	if (!f)
		return -ENOMEM;
	snprintk(node, sizeof(node), "device/vif/%s", id);
#define XS_PATH(base, leaf) (snprintk(path, sizeof(path), "%s/%s", base, leaf), path)
	err = xen_xs_read(XS_PATH(node, "backend"), backend, sizeof(backend));
	if (err < 0 || (err = xen_xs_read_u64(XS_PATH(node, "backend-id"), &v)))
		goto fail;
	f->backend_id = v;
	err = xen_xs_read(XS_PATH(node, "mac"), val, sizeof(val));
	if (err < 0 || (err = parse_mac(val, f->nd.mac)))
		goto fail;
	state = xen_xs_wait_state(XS_PATH(backend, "state"), XenbusStateInitWait, HANDSHAKE_MS);
	if (state < 0 || state > XenbusStateConnected) {
		err = state < 0 ? state : -EIO;
		goto fail;
	}
	err = setup_rings(f, &tx_ref, &rx_ref);
	if (err)
		goto fail;
	f->nd.ops = &nf_ops;
	f->nd.priv = f;
	f->nd.mtu = 1500;
	by_port[index] = f;
	err = xen_evtchn_bind(f->port, nf_event);
	if (err)
		goto fail;
	snprintk(val, sizeof(val), "%d", tx_ref);
	if ((err = xen_xs_write(XS_PATH(node, "tx-ring-ref"), val)))
		goto fail;
	snprintk(val, sizeof(val), "%d", rx_ref);
	if ((err = xen_xs_write(XS_PATH(node, "rx-ring-ref"), val)))
		goto fail;
	snprintk(val, sizeof(val), "%u", f->port);
	/* Received frames copied into our pages, checksums complete (no offload either way). */
	if ((err = xen_xs_write(XS_PATH(node, "event-channel"), val)) ||
	    (err = xen_xs_write(XS_PATH(node, "request-rx-copy"), "1")) ||
	    (err = xen_xs_write(XS_PATH(node, "feature-rx-notify"), "1")) ||
	    (err = xen_xs_write(XS_PATH(node, "feature-no-csum-offload"), "1")) ||
	    (err = xen_xs_write(XS_PATH(node, "feature-sg"), "0")) ||
	    (err = xen_xs_write(XS_PATH(node, "state"), "4")))
		goto fail;
	state = xen_xs_wait_state(XS_PATH(backend, "state"), XenbusStateConnected, HANDSHAKE_MS);
	if (state != XenbusStateConnected) {
		err = state < 0 ? state : -EIO;
		goto fail;
	}
	f->nd.link_up = true;
	netdev_register(&f->nd);
	printk("%s: Xen netfront (vif %s, backend domain %u), mac %02x:%02x:%02x:%02x:%02x:%02x\n",
	       f->nd.name, id, f->backend_id, f->nd.mac[0], f->nd.mac[1], f->nd.mac[2], f->nd.mac[3],
	       f->nd.mac[4], f->nd.mac[5]);
	return 0;
#undef XS_PATH
fail:
	/* The pages and grants stay: the backend may have mapped them already. */
	by_port[index] = NULL;
	printk_err("husk: Xen vif %s: cannot connect to its backend (%d)\n", id, err);
	return err;
}

void xen_netfront_probe(void)
{
	char list[256];
	int n = xen_xs_directory("device/vif", list, sizeof(list)), index = 0;

	if (n <= 0)
		return;   /* -ENOENT: no network interfaces */
	for (int i = 0; i < n && index < (int)ARRAY_SIZE(by_port); i += strlen(list + i) + 1)
		if (!probe_one(list + i, index))
			index++;
}
