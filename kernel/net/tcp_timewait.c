/* SPDX-License-Identifier: MIT */
/* tcp_timewait.c: a new connection's SYN ends the TIME-WAIT of the connection it reuses the addresses and ports of, as on Linux (lwIP's input hook). */
#include "kernel.h"
#include "lwip/ip_addr.h"
#include "lwip/memp.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/priv/tcp_priv.h"

void tcp_free(struct tcp_pcb *pcb);    /* lwIP's tcp.c; not in its headers */

static uint16_t be16(const uint8_t *b) { return (uint16_t)(b[0] << 8 | b[1]); }
static uint32_t be32(const uint8_t *b) { return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3]; }

/*
 * lwIP answers a SYN for a connection in TIME-WAIT with an ACK of the old
 * connection (or a reset), and ignores the peer's reset: the client's
 * connect stalls, its SYN retried after 1 s, 3 s, ..., until TIME-WAIT ends
 * (2 MSL, 2 minutes).  A busy client reuses its ports within seconds (wrk
 * with "Connection: close": the server closes first, so the TIME-WAIT is
 * ours).  RFC 1122 4.2.2.13, as Linux does: a SYN whose sequence number is
 * past the end of the old connection's ends the TIME-WAIT, and the SYN goes
 * on to the listener as a new connection.
 */
int tcp_timewait_syn(struct pbuf *p, int v6)
{
	const uint8_t *ip = p->payload, *th;
	ip_addr_t src, dst;
	size_t hl;

	memset(&src, 0, sizeof(src));      /* IPv6: compared without zones below */
	memset(&dst, 0, sizeof(dst));

	if (v6) {
		if (p->len < 40 + 20 || ip[6] != IP_PROTO_TCP)
			return 0;
		hl = 40;
	} else {
		hl = (size_t)(ip[0] & 0xf) * 4;
		if (p->len < hl + 20 || ip[9] != IP_PROTO_TCP || (be16(ip + 6) & 0x3fff))
			return 0;          /* not TCP, or a fragment */
	}
	th = ip + hl;
	/* SYN alone: neither ACK nor RST nor FIN. */
	if ((th[13] & (TCP_SYN | TCP_ACK | TCP_RST | TCP_FIN)) != TCP_SYN || !tcp_tw_pcbs)
		return 0;
	if (v6) {
		memcpy(&src.u_addr.ip6.addr, ip + 8, 16);
		memcpy(&dst.u_addr.ip6.addr, ip + 24, 16);
		IP_SET_TYPE_VAL(src, IPADDR_TYPE_V6);
		IP_SET_TYPE_VAL(dst, IPADDR_TYPE_V6);
	} else {
		memcpy(&src.u_addr.ip4.addr, ip + 12, 4);
		memcpy(&dst.u_addr.ip4.addr, ip + 16, 4);
		IP_SET_TYPE_VAL(src, IPADDR_TYPE_V4);
		IP_SET_TYPE_VAL(dst, IPADDR_TYPE_V4);
	}
	for (struct tcp_pcb *pcb = tcp_tw_pcbs; pcb; pcb = pcb->next) {
		if (pcb->remote_port != be16(th) || pcb->local_port != be16(th + 2) ||
		    !ip_addr_cmp_zoneless(&pcb->remote_ip, &src) ||
		    !ip_addr_cmp_zoneless(&pcb->local_ip, &dst))
			continue;
		if (TCP_SEQ_GT(be32(th + 4), pcb->rcv_nxt)) {
			tcp_pcb_remove(&tcp_tw_pcbs, pcb);
			tcp_free(pcb);
		}
		break;
	}
	return 0;
}
