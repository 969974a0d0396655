/* SPDX-License-Identifier: MIT */
/* unix.h: what net/unix.c (sockets, names, connections) and net/unix_msg.c (queues, sending, receiving) share. */
#ifndef NET_UNIX_H
#define NET_UNIX_H

#include "kernel.h"
#include "net.h"
#include "sched.h"
#include "vfs.h"
#include <linux/un.h>

/*
 * Every socket has a receive queue of messages (struct skb).  A sender puts
 * a message straight into its peer's queue; a stream reader may take bytes
 * from several messages, a datagram or seqpacket reader takes one message.
 * Descriptors passed with SCM_RIGHTS ride on the message as referenced files.
 *
 * A connect() to a listening socket makes the server side at once: a new
 * socket, connected to the client, waiting in the listener's backlog until
 * accept() gives it a file.  So data can flow before accept, as in Linux.
 *
 * References: a socket's file holds one, a peer pointer holds one, a
 * listener's backlog holds its pending sockets.  When a file is closed the
 * socket is marked dead, drops its peer and its queue; the other side sees
 * the shutdown flags and the dead flag.
 *
 * Blocking: readers and accept wait on the socket's rq; writers wait on the
 * wq of the socket whose queue they fill; connect waits on the listener's wq.
 * Every change wakes both queues of the sockets involved and poll_notify().
 */

#define RCV_SHUTDOWN 1
#define SEND_SHUTDOWN 2
#define SHUTDOWN_MASK 3

#define UNIX_BUF_DEFAULT 212992     /* Linux's default SO_SNDBUF/SO_RCVBUF */

enum ustate { US_UNCONNECTED, US_LISTENING, US_CONNECTED };

struct skb {
	struct list link;
	size_t len, off;                /* unread data is data[off..len) */
	struct file **fds;              /* SCM_RIGHTS in flight, referenced */
	int nfds;
	struct sockaddr_un from;        /* sender's address (datagrams) */
	int fromlen;
	uint8_t data[];
};

struct usock {
	struct socket sock;             /* first: file->priv points here */
	int refs;
	enum ustate state;
	bool dead;                      /* its file is closed */
	struct usock *peer;             /* referenced */
	struct sockaddr_un addr;        /* bound address; addrlen 0 = unbound */
	int addrlen;
	struct inode *bound_ino;        /* the S_IFSOCK node of a path name */
	struct list bound_link;         /* in bound_socks while bound */
	struct list rxq;
	size_t rx_bytes;
	int rx_count;
	unsigned shut;                  /* RCV_SHUTDOWN | SEND_SHUTDOWN */
	struct list backlog;            /* listening: pending server-side sockets */
	int backlog_len, backlog_max;
	struct list backlog_link;
	struct waitq rq, wq;
};

static inline struct usock *usock(struct file *f)
{
	return f->priv;
}

static inline bool connection_based(const struct usock *u)
{
	return u->sock.type != SOCK_DGRAM;
}

/* Wakes everyone who waits on u and every poller. */
static inline void changed(struct usock *u)
{
	waitq_wake_all(&u->rq);
	waitq_wake_all(&u->wq);
	poll_notify();
}

static inline void usock_ref(struct usock *u)
{
	u->refs++;
}

/* unix.c */
/* Drops a reference; the last one frees the socket, which must be closed and unbound by then. */
void usock_unref(struct usock *u);
/* The live socket a user address names: 0, or -EINVAL/-ENOENT/-ECONNREFUSED as Linux says (no reference taken). */
int unix_find_socket(const void *addr, int len, struct usock **out);

/* unix_msg.c */
/* Frees every message in u's receive queue, closing the descriptors they carry. */
void unix_purge_queue(struct usock *u);
/* Whether a message of len bytes fits in to's receive queue now. */
bool unix_has_room(const struct usock *to, size_t len);
ssize_t unix_sendmsg(struct file *f, struct kmsg *m, int flags);
ssize_t unix_recvmsg(struct file *f, struct kmsg *m, int flags);

#endif
