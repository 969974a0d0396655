// SPDX-License-Identifier: MIT
/* netif_tso.c: TCP segmentation offload under lwIP: consecutive segments of one connection, as lwIP sends them in a burst, go to the device as one large frame that the device (the host) cuts up again. */
#include "kernel.h"
#include "mm.h"
#include "netdev.h"
#include "lwip/pbuf.h"
#include "lwip/prot/ip.h"
#include "lwip/prot/ip6.h"
#include "lwip/prot/tcp.h"
#include "net/stack.h"

/*
 * lwIP cuts a send into MSS-sized segments and sends them one by one; each
 * frame costs the device (QEMU: its main loop, a write to the tap, the
 * host's stack) about as much as the next whatever its size.  With
 * NETDEV_F_TSO, the segments of a burst that continue each other go to
 * the device as one frame of up to 64 KiB (the first segment's headers,
 * then every segment's payload where lwIP holds it: the pending frame
 * keeps a reference to each segment's pbufs), which the device cuts into
 * the same segments (Linux's GSO rules: lengths, IP ids, sequence numbers,
 * checksums, PSH on the last).  A segment may join the pending frame when
 * it is plain data (ACK, maybe PSH; no options, no IP options or
 * fragments), starts where the frame ends, carries no more than the
 * frame's first segment (the segment size the device cuts at), and has the
 * same headers but for the fields the device rewrites.  A short segment or
 * PSH ends the frame.  The pending frame goes to the device before any
 * other frame (order is kept), at the end of a burst (net_tx_flush, the
 * driver's netdev_rx_done), or when the next segment does not fit.
 */

#define ETH_HLEN 14
#define HDR_MAX (ETH_HLEN + 40 + 20)
#define TSO_FRAGS 96              /* pieces of one large frame: its headers and payloads */
#define TSO_PBUFS 64              /* segments in one large frame */

struct seg {
	uint8_t h[HDR_MAX];       /* the frame's headers */
	size_t hlen;              /* Ethernet + IP + TCP */
	size_t plen;              /* TCP payload bytes */
	size_t tcp;               /* offset of the TCP header */
	uint32_t seq;
	uint8_t flags;
	bool v6;
};

static struct {
	struct netdev *nd;        /* the device of the pending frame; NULL: none */
	size_t len;               /* the frame's length */
	struct seg first;         /* the first segment's headers (the frame's), as parsed */
	struct netdev_frag frags[TSO_FRAGS];
	int nfrags;
	struct pbuf *pbufs[TSO_PBUFS];   /* the segments, referenced */
	unsigned nsegs;
	uint32_t next_seq;
	bool closed;              /* ended by a short segment */
} tso;

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Reads p's headers into s; false when p is not a segment that may join a large frame. */
static bool parse(struct pbuf *p, struct seg *s)
{
	size_t n = MIN((size_t)p->tot_len, (size_t)HDR_MAX);
	const uint8_t *ip = s->h + ETH_HLEN, *tcp;
	uint16_t type;

	if (n < ETH_HLEN + 20 + 20 || pbuf_copy_partial(p, s->h, (u16_t)n, 0) != n)
		return false;
	type = (uint16_t)(s->h[12] << 8 | s->h[13]);
	if (type == 0x0800) {
		size_t tot = (size_t)(ip[2] << 8 | ip[3]);

		/* No IP options, not a fragment (DF may be set). */
		if (ip[0] != 0x45 || ip[9] != IP_PROTO_TCP || (ip[6] & 0xbf) || ip[7] ||
		    ETH_HLEN + tot != p->tot_len)
			return false;
		s->v6 = false;
		tcp = ip + 20;
	} else if (type == 0x86dd) {
		if (n < ETH_HLEN + 40 + 20 || ip[6] != IP6_NEXTH_TCP ||
		    ETH_HLEN + 40 + (size_t)(ip[4] << 8 | ip[5]) != p->tot_len)
			return false;
		s->v6 = true;
		tcp = ip + 40;
	} else {
		return false;
	}
	s->tcp = (size_t)(tcp - s->h);
	s->hlen = s->tcp + 20;
	s->flags = tcp[13];
	if ((tcp[12] >> 4) != 5 || (s->flags & ~(TCP_ACK | TCP_PSH)) || !(s->flags & TCP_ACK) ||
	    p->tot_len <= s->hlen)
		return false;
	s->plen = p->tot_len - s->hlen;
	s->seq = be32(tcp + 4);
	return true;
}

/* Whether s's headers equal the pending frame's but for what the device sets in each segment. */
static bool same_headers(const struct seg *s)
{
	uint8_t a[HDR_MAX], b[HDR_MAX];
	const struct seg *f = &tso.first;

	if (s->v6 != f->v6 || s->hlen != f->hlen)
		return false;
	memcpy(a, f->h, f->hlen);
	memcpy(b, s->h, s->hlen);
	for (uint8_t *h = a; h; h = h == a ? b : NULL) {
		uint8_t *ip = h + ETH_HLEN, *tcp = h + s->tcp;

		if (s->v6) {
			memset(ip + 4, 0, 2);              /* payload length */
		} else {
			memset(ip + 2, 0, 4);              /* total length, id */
			memset(ip + 10, 0, 2);             /* header checksum */
		}
		memset(tcp + 4, 0, 4);                 /* sequence number */
		tcp[13] &= (uint8_t)~TCP_PSH;
		memset(tcp + 16, 0, 2);                /* checksum */
	}
	return memcmp(a, b, s->hlen) == 0;
}

/* The IPv4 header checksum of h (20 bytes, its checksum field 0). */
static uint16_t ip4_csum(const uint8_t *h)
{
	uint32_t sum = 0;

	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)(h[i] << 8 | h[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Whether p's payload fits in the pending frame's pieces. */
static bool room(struct pbuf *p)
{
	return tso.nsegs < TSO_PBUFS && tso.nfrags + pbuf_clen(p) <= TSO_FRAGS;
}

/* Adds p's payload (from byte off) to the frame's pieces and keeps p. */
static void add_payload(struct pbuf *p, size_t off)
{
	for (struct pbuf *q = p; q; q = q->next) {
		if (off >= q->len) {
			off -= q->len;
			continue;
		}
		tso.frags[tso.nfrags].data = (const uint8_t *)q->payload + off;
		tso.frags[tso.nfrags++].len = q->len - off;
		tso.len += q->len - off;
		off = 0;
	}
	pbuf_ref(p);
	tso.pbufs[tso.nsegs++] = p;
}

int net_tso_flush(void)
{
	struct netdev *nd = tso.nd;
	struct netdev_csum c = { 0 };
	struct seg *f = &tso.first;
	uint8_t *ip = f->h + ETH_HLEN;
	int err;

	if (!nd)
		return 0;
	if (f->v6) {
		size_t pl = tso.len - ETH_HLEN - 40;

		ip[4] = (uint8_t)(pl >> 8);
		ip[5] = (uint8_t)pl;
	} else {
		size_t tot = tso.len - ETH_HLEN;
		uint16_t sum;

		ip[2] = (uint8_t)(tot >> 8);
		ip[3] = (uint8_t)tot;
		ip[10] = ip[11] = 0;
		sum = ip4_csum(ip);
		ip[10] = (uint8_t)(sum >> 8);
		ip[11] = (uint8_t)sum;
	}
	if (!net_tcp_csum_prepare(f->h, f->hlen, tso.len, &c)) {
		/* parse() saw a TCP segment: this cannot be. */
		panic("netif_tso: pending frame is not TCP");
	}
	if (tso.nsegs > 1) {
		c.gso_size = (uint16_t)f->plen;
		c.hdr_len = (uint16_t)f->hlen;
		c.gso_v6 = f->v6;
	}
	err = nd->ops->xmit(nd, tso.frags, tso.nfrags, &c);
	if (err == -EAGAIN)
		return err;             /* kept: tx_ready sends it */
	if (!err)
		net_tx_queued(nd);
	/* Any other error drops it, as a loss on the wire: TCP retransmits. */
	for (unsigned i = 0; i < tso.nsegs; i++)
		pbuf_free(tso.pbufs[i]);
	tso.nd = NULL;
	return 0;
}

int net_tso_output(struct netdev *nd, struct pbuf *p)
{
	struct seg s;

	if (!parse(p, &s)) {
		if (tso.nd && net_tso_flush())
			return -EAGAIN;
		return 0;
	}
	if (tso.nd) {
		if (tso.nd == nd && !tso.closed && s.seq == tso.next_seq && s.plen <= tso.first.plen &&
		    tso.len + s.plen <= NETDEV_TSO_MAX && room(p) && same_headers(&s)) {
			add_payload(p, s.hlen);
			tso.next_seq += (uint32_t)s.plen;
			if (s.flags & TCP_PSH)
				tso.first.h[s.tcp + 13] |= TCP_PSH;
			tso.closed = s.plen < tso.first.plen || (s.flags & TCP_PSH);
			return 1;
		}
		if (net_tso_flush())
			return -EAGAIN;
	}
	/* A segment that ends a frame (PSH) is as well sent alone. */
	if (s.flags & TCP_PSH)
		return 0;
	if (pbuf_clen(p) >= TSO_FRAGS)
		return 0;
	/* The headers are copied: lwIP rewrites a segment's headers when it sends it again. */
	tso.first = s;
	tso.frags[0].data = tso.first.h;
	tso.frags[0].len = s.hlen;
	tso.nfrags = 1;
	tso.len = s.hlen;
	tso.nsegs = 0;
	add_payload(p, s.hlen);
	tso.next_seq = s.seq + (uint32_t)s.plen;
	tso.closed = false;
	tso.nd = nd;
	return 1;
}
