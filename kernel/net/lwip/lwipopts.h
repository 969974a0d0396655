/* SPDX-License-Identifier: MIT */
/* lwipopts.h: how husk configures lwIP: NO_SYS with the raw API, memory from the kernel heap, IPv4+IPv6, TCP, UDP, DHCP. */
#ifndef HUSK_LWIPOPTS_H
#define HUSK_LWIPOPTS_H

/*
 * The kernel is one CPU with interrupts off inside the kernel, so lwIP runs
 * without threads or locks (NO_SYS): the socket layer (net/inet*.c) calls
 * the raw API from system calls, drivers feed frames from their interrupt
 * handlers, and a kernel timer runs lwIP's timeouts (net/lwip/sys_arch.c).
 */
#define NO_SYS 1
#define SYS_LIGHTWEIGHT_PROT 0
#define LWIP_NETCONN 0
#define LWIP_SOCKET 0
#define LWIP_TIMERS 1

/*
 * Memory: every lwIP allocation (pbufs, PCBs, segments) comes from the
 * kernel heap, so how much the stack can hold grows with the VM's memory
 * instead of fixed pools.  An allocation that fails is dropped traffic or
 * ERR_MEM, which lwIP handles.
 */
#define MEM_LIBC_MALLOC 1
#define MEMP_MEM_MALLOC 1
#define MEM_ALIGNMENT 8
void *kmalloc(unsigned long n);
void *kzalloc(unsigned long n);
void kfree(void *p);
void *husk_lwip_calloc(unsigned long n, unsigned long size);
#define mem_clib_malloc kmalloc
#define mem_clib_free kfree
#define mem_clib_calloc husk_lwip_calloc
#define PBUF_POOL_BUFSIZE 1600
/* Pool sizes only bound counters (MEMP_MEM_MALLOC); they are not reservations. */
#define MEMP_NUM_TCP_PCB 4096
#define MEMP_NUM_TCP_PCB_LISTEN 1024
#define MEMP_NUM_UDP_PCB 1024
#define MEMP_NUM_TCP_SEG 65535
#define MEMP_NUM_PBUF 4096
#define MEMP_NUM_REASSDATA 64
#define MEMP_NUM_FRAG_PBUF 256
#define MEMP_NUM_ARP_QUEUE 64
#define MEMP_NUM_ND6_QUEUE 64
#define PBUF_POOL_SIZE 1024

/* Protocols. */
#define LWIP_IPV4 1
#define LWIP_IPV6 1
#define LWIP_ARP 1
#define LWIP_ETHERNET 1
#define LWIP_ICMP 1
#define LWIP_RAW 0
#define LWIP_UDP 1
#define LWIP_TCP 1
#define LWIP_DHCP 1
#define LWIP_DHCP_DOES_ACD_CHECK 0
#define DHCP_DOES_ARP_CHECK 0
#define LWIP_DHCP_GET_NTP_SRV 0
#define LWIP_DNS 1                    /* keeps the DNS servers DHCP hands out (for /etc/resolv.conf) */
#define DNS_MAX_SERVERS 3
#define LWIP_AUTOIP 0
#define LWIP_IGMP 0
#define LWIP_IPV6_AUTOCONFIG 1
#define LWIP_IPV6_MLD 1
#define LWIP_IPV6_DHCP6 0
#define LWIP_IPV6_SEND_ROUTER_SOLICIT 1
#define LWIP_IPV6_FRAG 1
#define LWIP_IPV6_REASS 1
#define IPV6_FRAG_COPYHEADER 1          /* 64-bit pointers do not fit in the fragment header */
#define LWIP_ND6_ALLOW_RA_UPDATES 1
#define LWIP_IPV6_NUM_ADDRESSES 3
#define IP_REASSEMBLY 1
#define IP_FRAG 1
#define IP_DEFAULT_TTL 64
#define LWIP_IPV4_SRC_ROUTING 0
#define SO_REUSE 1
#define SO_REUSE_RXTOALL 1
#define LWIP_SO_RCVBUF 0

/* TCP: a window of 32 segments scaled, selective acknowledgements sent, keep-alive. */
#define TCP_MSS 1460
#define LWIP_WND_SCALE 1
#define TCP_RCV_SCALE 4
#define TCP_WND (256 * 1024)
#define TCP_SND_BUF (256 * 1024)
#define TCP_SND_QUEUELEN (4 * TCP_SND_BUF / TCP_MSS + 8)
#define TCP_SNDLOWAT (32 * 1024)
#define TCP_OVERSIZE TCP_MSS
#define TCP_LISTEN_BACKLOG 1
#define TCP_DEFAULT_LISTEN_BACKLOG 128
#define LWIP_TCP_SACK_OUT 1
#define LWIP_TCP_MAX_SACK_NUM 4
#define LWIP_TCP_KEEPALIVE 1
#define TCP_QUEUE_OOSEQ 1
#define LWIP_TCP_TIMESTAMPS 0
#define LWIP_CALLBACK_API 1
#define LWIP_EVENT_API 0

/* Interfaces: the loopback one (127.0.0.1, ::1), and one per netdev. */
#define LWIP_HAVE_LOOPIF 1
#define LWIP_NETIF_LOOPBACK 1
#define LWIP_LOOPBACK_MAX_PBUFS 0
#define LWIP_NETIF_STATUS_CALLBACK 1
#define LWIP_NETIF_LINK_CALLBACK 1
#define LWIP_NETIF_HOSTNAME 1
#define LWIP_NUM_NETIF_CLIENT_DATA 1
#define LWIP_CHECKSUM_CTRL_PER_NETIF 1
#define LWIP_CHKSUM_ALGORITHM 3
#define ETHARP_SUPPORT_STATIC_ENTRIES 0
#define ARP_QUEUEING 1
#define ETH_PAD_SIZE 0

/* No statistics or debug output in the kernel. */
#define LWIP_STATS 0
#define LWIP_DEBUG 0
#define LWIP_PERF 0

/* A SYN that reuses the ports of a connection in TIME-WAIT ends that
 * TIME-WAIT when its sequence number is past the old connection's, so it
 * reaches the listener (RFC 1122 4.2.2.13, as Linux; net/tcp_timewait.c).
 * p: a received IPv4 (v6 = 0) or IPv6 packet; never eats it (returns 0). */
struct pbuf;
int tcp_timewait_syn(struct pbuf *p, int v6);
#define LWIP_HOOK_IP4_INPUT(p, inp) tcp_timewait_syn((p), 0)
#define LWIP_HOOK_IP6_INPUT(p, inp) tcp_timewait_syn((p), 1)

#endif
