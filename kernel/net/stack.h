/* SPDX-License-Identifier: MIT */
/* stack.h: what the kernel's lwIP-based network code shares: starting the stack, running it, its interfaces. */
#ifndef NET_STACK_H
#define NET_STACK_H

#include "kernel.h"
#include "lwip/ip4_addr.h"

struct netif;

/* <linux/if.h> and <linux/if_arp.h> pull in the C library's socket headers: their values instead. */
#define IFF_UP 0x1
#define IFF_BROADCAST 0x2
#define IFF_LOOPBACK 0x8
#define IFF_RUNNING 0x40
#define IFF_MULTICAST 0x1000
#define IFF_LOWER_UP 0x10000
#define IF_OPER_UNKNOWN 0
#define IF_OPER_DOWN 2
#define IF_OPER_UP 6
#define ARPHRD_ETHER 1
#define ARPHRD_LOOPBACK 772

/*
 * lwIP runs only inside the kernel (system calls, the timer, drivers'
 * interrupt handlers), never concurrently.  After calling into lwIP, code
 * calls net_kick(): it delivers packets sent to local addresses (they wait
 * on their interface's loop queue) and re-arms the kernel timer that runs
 * lwIP's timeouts (TCP retransmission, ARP, DHCP, ND).
 */
void net_kick(void);
/* netif.c: delivers the packets waiting on every interface's loop queue (net_kick's helper). */
void net_poll_loopback(void);

/*
 * Starts lwIP and the loopback interface the first time it is called (at
 * boot when a netdev exists, else on the first AF_INET, AF_INET6 or
 * AF_NETLINK socket, so programs without networking pay nothing).
 */
void net_stack_start(void);

struct netdev;
struct netdev_csum;
struct pbuf;
/*
 * netif.c: prepares checksum offload for the TCP frame f (len bytes, the
 * first hlen of them at f): puts the pseudo-header sum in the TCP checksum
 * field and fills c's start and offset.  False when f is not TCP over IPv4
 * or IPv6 (nothing to offload).
 */
bool net_tcp_csum_prepare(uint8_t *f, size_t hlen, size_t len, struct netdev_csum *c);
/*
 * netif_tso.c (NETDEV_F_TSO): offers frame p, about to go to nd, to the
 * pending large frame.  Returns 1 when it took p (a copy), 0 when p is to
 * be sent as it is (the pending frame went to its device first), -EAGAIN
 * when the device had no room for the pending frame (p was not taken).
 */
int net_tso_output(struct netdev *nd, struct pbuf *p);
/* Hands the pending large frame to its device: 0, or -EAGAIN when the device had no room (it stays pending). */
int net_tso_flush(void);
/* netif.c: a frame went to nd without telling it (tx_batched): net_tx_flush() will, within 2 ms. */
void net_tx_queued(struct netdev *nd);

/* The interface with lwIP index idx (1 = lo), or NULL. */
struct netif *net_netif_by_index(int idx);
/* The Linux name of an interface: "lo", "eth0", ... */
void net_netif_name(const struct netif *n, char *buf, size_t size);
/* The prefix length of an IPv4 netmask (255.255.255.0: 24). */
int net_prefix_len4(const ip4_addr_t *mask);
/* Its Linux flags (IFF_UP, IFF_RUNNING, IFF_LOOPBACK, ...). */
unsigned net_netif_flags(const struct netif *n);

#endif
