/* SPDX-License-Identifier: MIT */
/* net.h: sockets: the Linux socket ABI the kernel needs and the contract between the socket core (net/socket.c) and a family (net/unix.c, ...). */
#ifndef NET_H
#define NET_H

#include "kernel.h"
#include <asm-generic/socket.h>   /* SOL_SOCKET, SO_* */
#include <linux/socket.h>
#include <linux/uio.h>

struct file;
struct sock_ops;
struct waitq;

/* Linux values that have no UAPI header (they live in the C library's <sys/socket.h>). */
#define AF_UNSPEC 0
#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define AF_NETLINK 16

#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define SOCK_RAW 3
#define SOCK_SEQPACKET 5
#define SOCK_TYPE_MASK 0xf
/* SOCK_NONBLOCK and SOCK_CLOEXEC are O_NONBLOCK and O_CLOEXEC. */

#define MSG_OOB 0x1
#define MSG_PEEK 0x2
#define MSG_CTRUNC 0x8
#define MSG_TRUNC 0x20
#define MSG_DONTWAIT 0x40
#define MSG_EOR 0x80
#define MSG_WAITALL 0x100
#define MSG_NOSIGNAL 0x4000
#define MSG_MORE 0x8000
#define MSG_CMSG_CLOEXEC 0x40000000

#define SHUT_RD 0
#define SHUT_WR 1
#define SHUT_RDWR 2

#define SCM_RIGHTS 1
#define SCM_CREDENTIALS 2
#define SCM_MAX_FD 253            /* descriptors in one SCM_RIGHTS message */

/* struct msghdr as user space passes it. */
struct user_msghdr {
	void *msg_name;
	int msg_namelen;
	struct iovec *msg_iov;
	size_t msg_iovlen;
	void *msg_control;
	size_t msg_controllen;
	unsigned msg_flags;
};

struct cmsghdr {
	size_t cmsg_len;
	int cmsg_level;
	int cmsg_type;
};
#define CMSG_ALIGN(len) ALIGN_UP((len), sizeof(size_t))
#define CMSG_SPACE(len) (sizeof(struct cmsghdr) + CMSG_ALIGN(len))
#define CMSG_LEN(len) (sizeof(struct cmsghdr) + (len))

struct ucred {
	int pid;
	unsigned uid, gid;
};

#define SOCKADDR_MAX ((int)sizeof(struct __kernel_sockaddr_storage))

/*
 * One message on its way through a family.  The data buffers are user
 * pointers the system call layer checked (or kernel pointers); the family
 * moves data with kmsg_copy_in/kmsg_copy_out, which advance a cursor.
 * addr/addrlen: the destination on send (addrlen 0 = none), the source on
 * receive (the family sets addrlen, 0 = unnamed).  control: a kernel copy of
 * the ancillary data on send; on receive a kernel buffer of controllen bytes
 * that the family fills, setting controllen to what it used.
 */
struct kmsg {
	const struct iovec *iov;
	int iovcnt;
	int cur_iov;                 /* cursor: buffer and offset in it */
	size_t cur_off;
	struct __kernel_sockaddr_storage addr;
	int addrlen;
	void *control;
	size_t controllen;
	unsigned out_flags;          /* msg_flags on receive: MSG_TRUNC, MSG_CTRUNC */
};

/* Bytes left between the cursor and the end of the message's buffers. */
size_t kmsg_remaining(const struct kmsg *m);
/*
 * Copy between the buffers at the cursor and dst/src through the user-copy
 * helpers; return the bytes moved, fewer than n (up to the cursor's end) only
 * when a user buffer faulted: then the cursor stops there.
 */
size_t kmsg_copy_in(struct kmsg *m, void *dst, size_t n);
size_t kmsg_copy_out(struct kmsg *m, const void *src, size_t n);

struct linger {
	int l_onoff;
	int l_linger;
};

/*
 * What every socket's file->priv starts with.  The options that SOL_SOCKET
 * stores are kept here by the socket core (net/socket.c); the family reads
 * them (and hears of a change through sock_ops.sockopt_changed).
 */
struct socket {
	const struct sock_ops *ops;
	int family, type, protocol;
	bool listening;              /* SO_ACCEPTCONN */
	int error;                   /* pending SO_ERROR, cleared when read */
	int sndbuf, rcvbuf;          /* bytes, as getsockopt reports them */
	bool reuseaddr, reuseport, keepalive, passcred, broadcast;
	struct linger linger;
	uint64_t rcvtimeo_ns, sndtimeo_ns;   /* SO_RCVTIMEO, SO_SNDTIMEO; 0 = none */
};

/*
 * A family's operations; f->priv is its struct socket.  Addresses are kernel
 * copies.  Flags carry MSG_*; the system call layer adds MSG_DONTWAIT when
 * the file is O_NONBLOCK.  All return 0, a count, or -errno.
 */
struct sock_ops {
	int (*bind)(struct file *f, const void *addr, int len);
	/* listen and accept: NULL for a connectionless socket (EOPNOTSUPP). */
	int (*listen)(struct file *f, int backlog);
	/* A new connected file with file flags (O_NONBLOCK) in *out. */
	int (*accept)(struct file *f, unsigned fflags, struct file **out);
	int (*connect)(struct file *f, const void *addr, int len);
	/* Writes the local (or the peer's) address; *len is its length. */
	int (*getname)(struct file *f, void *addr, int *len, bool peer);
	ssize_t (*sendmsg)(struct file *f, struct kmsg *m, int flags);
	ssize_t (*recvmsg)(struct file *f, struct kmsg *m, int flags);
	int (*shutdown)(struct file *f, int how);
	unsigned (*poll)(struct file *f);
	long (*ioctl)(struct file *f, unsigned long cmd, unsigned long arg);
	void (*release)(struct file *f);
	/*
	 * Options of the family's own levels (anything but SOL_SOCKET); val is
	 * a kernel copy of len bytes.  getsockopt writes at most *len bytes and
	 * sets *len.  0 or -errno (-ENOPROTOOPT for an unknown option).  NULL:
	 * the family has no options of its own.
	 */
	int (*setsockopt)(struct file *f, int level, int name, const void *val, int len);
	int (*getsockopt)(struct file *f, int level, int name, void *val, int *len);
	/* A SOL_SOCKET option the core keeps in struct socket changed (SO_KEEPALIVE, ...); NULL: nothing to do. */
	void (*sockopt_changed)(struct file *f, int name);
};

/*
 * An address family: an entry in the family table of net/socket.c.  create
 * checks type (ESOCKTNOSUPPORT) and protocol (EPROTONOSUPPORT) and returns a
 * new socket file in *out with file flags fflags (O_NONBLOCK).  socketpair
 * is NULL when the family has none (EOPNOTSUPP).
 */
struct net_family {
	int family;
	int (*create)(int type, int protocol, unsigned fflags, struct file **out);
	int (*socketpair)(int type, int protocol, unsigned fflags, struct file **a, struct file **b);
};

/* net/socket.c: the socket core. */
/* The file operations every socket file uses (read is recvmsg, ...). */
extern const struct file_ops socket_fops;
/* The family registered for family (AF_*), or NULL: the caller returns -EAFNOSUPPORT. */
const struct net_family *net_family_find(int family);
/* A new socket file whose priv is s (which starts with struct socket); NULL when out of memory. */
struct file *socket_file_alloc(struct socket *s, unsigned fflags);
/* SOL_SOCKET options and the family's own; val/len are kernel copies (see sock_ops.setsockopt). */
int socket_setsockopt(struct file *f, int level, int name, const void *val, int len);
int socket_getsockopt(struct file *f, int level, int name, void *val, int *len);
/*
 * Blocks on q for a receive (send = false: SO_RCVTIMEO) or a send
 * (SO_SNDTIMEO).  *deadline starts at 0 in the caller and is set by the
 * first wait, so the timeout covers the whole call.  Returns 0 when woken,
 * -EINTR, or -EAGAIN when the timeout passed (as Linux reports it).
 */
int socket_wait(struct socket *s, struct waitq *q, bool send, uint64_t *deadline);
/* Socket defaults every family starts from (buffers, options). */
void socket_init(struct socket *s, const struct sock_ops *ops, int family, int type, int protocol);

/* net/netif.c: the SIOCGIF* interface ioctls on any socket; -ENOTTY when cmd is not one. */
long net_ifioctl(unsigned long cmd, unsigned long arg);
/* net/netif.c: at boot; starts the network stack when a network device exists (else the first socket that needs it does). */
void net_init(void);
/*
 * net/inet_tcp.c: the CPU is about to idle (schedule() found nothing to
 * run): acknowledgements TCP held back, hoping to carry them on a reply,
 * are sent now.  Called with interrupts off, outside the stack.
 */
void net_idle(void);
/*
 * net/netif.c: tells the network devices about the frames queued since the
 * last time (see "Transmit batching" there).  schedule() calls it before
 * the CPU goes to another thread or idles; cheap when nothing is queued.
 */
void net_tx_flush(void);

/* The families. */
extern const struct net_family unix_family, inet_family, inet6_family, netlink_family;

#endif
