/* SPDX-License-Identifier: MIT */
/* inet.h: what the AF_INET/AF_INET6 files share: net/inet.c (sockets, addresses, options), inet_tcp.c and inet_udp.c (lwIP's raw API). */
#ifndef NET_INET_H
#define NET_INET_H

#include "kernel.h"
#include "net.h"
#include "sched.h"
#include "vfs.h"
#include "lwip/ip_addr.h"
#include "net/stack.h"
#include <linux/in.h>
#include <linux/in6.h>

struct tcp_pcb;
struct udp_pcb;
struct pbuf;

/*
 * An AF_INET or AF_INET6 socket over one lwIP PCB.  lwIP calls back into
 * the socket (arg = the isock) from inside the kernel only: from a system
 * call that ran lwIP, from net_kick() delivering looped packets, from a
 * driver's receive interrupt or from the lwIP timer.  Every callback that
 * changes what a reader, writer or poller would see calls isock_changed().
 *
 * An AF_INET6 socket is dual-stack unless IPV6_V6ONLY: its PCB has type
 * IPADDR_TYPE_ANY and IPv4 peers appear as ::ffff:a.b.c.d.
 *
 * Lifetime: the file holds the socket.  A connection that a listener
 * accepted waits in the listener's accept queue without a file until
 * accept() gives it one; closing the listener aborts those.  When the file
 * goes, the PCB is detached (its callbacks cleared) and left to lwIP to
 * finish closing.
 */

enum istate { IS_UNCONNECTED, IS_LISTENING, IS_CONNECTING, IS_CONNECTED, IS_CLOSED };

/* One chunk of received data or one datagram. */
struct irx {
	struct list link;
	struct pbuf *p;
	size_t off;                     /* bytes already read from p */
	ip_addr_t from;                 /* datagrams: sender */
	uint16_t port;
};

struct isock {
	struct socket sock;             /* first: file->priv points here */
	enum istate state;
	union {
		struct tcp_pcb *tcp;
		struct udp_pcb *udp;
		void *any;
	} pcb;                          /* NULL once lwIP dropped it (reset, abort) */
	struct waitq rq, wq;
	struct list rxq;                /* struct irx */
	size_t rx_bytes;
	bool rx_eof;                    /* TCP: the peer sent FIN */
	unsigned shut;                  /* ISHUT_RD | ISHUT_WR */
	bool v6only, nodelay, cork;
	int tos;
	/* Listening: connections waiting for accept(). */
	struct list acceptq;
	int accept_len, backlog;
	struct list accept_link;
	struct isock *listener;         /* while in a listener's acceptq */
	bool connect_pending;           /* TCP: a connect() returned EINPROGRESS or EINTR */
	bool replied;                   /* TCP: data sent since data last arrived (a request/reply exchange) */
};

#define ISHUT_RD 1
#define ISHUT_WR 2

static inline struct isock *isock_of(struct file *f)
{
	return f->priv;
}

/* Wakes the socket's readers and writers and every poller. */
static inline void isock_changed(struct isock *s)
{
	waitq_wake_all(&s->rq);
	waitq_wake_all(&s->wq);
	poll_notify();
}

/* inet.c */
/* A new socket of the family with its lwIP PCB not yet made; NULL when out of memory. */
struct isock *isock_alloc(int family, int type, int protocol, const struct sock_ops *ops);
void isock_free(struct isock *s);
/* The lwIP address type a PCB of this socket uses (V4, V6, or ANY for dual-stack AF_INET6). */
uint8_t isock_iptype(const struct isock *s);
/* A user sockaddr to an lwIP address and port; -EINVAL, -EAFNOSUPPORT as Linux says. */
int isock_addr_in(const struct isock *s, const void *addr, int len, ip_addr_t *ip, uint16_t *port);
/* An lwIP address and port to the socket's family's sockaddr; returns its length. */
int isock_addr_out(const struct isock *s, const ip_addr_t *ip, uint16_t port, void *addr);
/* lwIP's err_t as a Linux errno (negative). */
int lwip_errno(int err);
/* Frees every queued chunk or datagram. */
void isock_purge_rx(struct isock *s);
/* IPPROTO_IP/IPPROTO_IPV6 options every inet socket has (IP_TOS, IPV6_V6ONLY, ...). */
int inet_setsockopt(struct file *f, int level, int name, const void *val, int len);
int inet_getsockopt(struct file *f, int level, int name, void *val, int *len);
/* FIONREAD (the socket core adds the interface ioctls). */
long inet_ioctl(struct file *f, unsigned long cmd, unsigned long arg);

/* inet_tcp.c, inet_udp.c: make the PCB of a new socket. */
int inet_tcp_create(struct isock *s);
int inet_udp_create(struct isock *s);
extern const struct sock_ops inet_tcp_ops, inet_udp_ops;

#endif
