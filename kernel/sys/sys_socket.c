/* SPDX-License-Identifier: MIT */
/* sys_socket.c: the socket system calls: user memory and descriptors; the socket core and the families do the rest (net/). */
#include "kernel.h"
#include "mm.h"
#include "net.h"
#include "sched.h"
#include "syscall.h"
#include "vfs.h"
#include <linux/fcntl.h>

#define CONTROL_MAX (64 * 1024)       /* ancillary data in one message (Linux: optmem_max) */
#define OPTVAL_MAX 256                /* bytes of one option value */

/* ---- socket files ---- */

static struct socket *sock_of(struct file *f)
{
	return f->priv;
}

/* The socket at fd with a reference held across a call that may block (fput it). */
static struct file *sock_get(int fd, long *err)
{
	struct file *f = fd_get(current_proc()->fdt, fd);

	if (!f) {
		*err = -EBADF;
		return NULL;
	}
	if (f->ops != &socket_fops) {
		*err = -ENOTSOCK;
		fput(f);
		return NULL;
	}
	return f;
}

static int nonblock_flags(struct file *f, int flags)
{
	return (f->flags & O_NONBLOCK) ? flags | MSG_DONTWAIT : flags;
}

/* ---- addresses ---- */

static int addr_in(const void *uaddr, int len, struct __kernel_sockaddr_storage *k)
{
	if (len < 0 || len > SOCKADDR_MAX)
		return -EINVAL;
	memset(k, 0, sizeof(*k));
	return copy_from_user(k, uaddr, len);
}

/* Copies a kernel address out to (uaddr, *ulen) the way accept/getsockname/recvfrom do. */
static int addr_out(void *uaddr, int *ulen, const void *kaddr, int klen)
{
	int len;

	if (!uaddr || !ulen)
		return 0;
	if (copy_from_user(&len, ulen, sizeof(len)))
		return -EFAULT;
	if (len < 0)
		return -EINVAL;
	if (copy_to_user(uaddr, kaddr, MIN(len, klen)))
		return -EFAULT;
	return copy_to_user(ulen, &klen, sizeof(klen));
}

/* ---- creating and connecting ---- */

static int split_type(int *type, unsigned *fflags)
{
	*fflags = *type & (O_NONBLOCK | O_CLOEXEC);
	*type &= ~(O_NONBLOCK | O_CLOEXEC);
	return (*type & ~SOCK_TYPE_MASK) ? -EINVAL : 0;
}

static long unsupported_family(int family)
{
	static uint64_t reported[2];

	if (family >= 0 && family < 128 && !(reported[family / 64] & (1ULL << (family % 64)))) {
		reported[family / 64] |= 1ULL << (family % 64);
		printk_err("husk: socket family %d not supported yet\n", family);
	}
	return -EAFNOSUPPORT;
}

long sys_socket(int family, int type, int protocol)
{
	const struct net_family *fam = net_family_find(family);
	struct file *f;
	unsigned fflags;
	long err = split_type(&type, &fflags);
	int fd;

	if (err)
		return err;
	if (!fam)
		return unsupported_family(family);
	err = fam->create(type, protocol, fflags, &f);
	if (err)
		return err;
	fd = fd_install(current_proc()->fdt, f, 0, fflags & O_CLOEXEC);
	if (fd < 0)
		file_unref(f);
	return fd;
}

long sys_socketpair(int family, int type, int protocol, int *usv)
{
	const struct net_family *fam = net_family_find(family);
	struct file *a, *b;
	unsigned fflags;
	long err = split_type(&type, &fflags);
	int sv[2];

	if (err)
		return err;
	if (!fam)
		return unsupported_family(family);
	if (!fam->socketpair)
		return -EOPNOTSUPP;
	if (!user_ok(usv, sizeof(sv), true))
		return -EFAULT;
	err = fam->socketpair(type, protocol, fflags, &a, &b);
	if (err)
		return err;
	sv[0] = fd_install(current_proc()->fdt, a, 0, fflags & O_CLOEXEC);
	if (sv[0] < 0) {
		err = sv[0];
		goto err_a;
	}
	sv[1] = fd_install(current_proc()->fdt, b, 0, fflags & O_CLOEXEC);
	if (sv[1] < 0) {
		err = sv[1];
		fd_close(current_proc()->fdt, sv[0]);
		goto err_b;
	}
	return copy_to_user(usv, sv, sizeof(sv));
err_a:
	file_unref(a);
err_b:
	file_unref(b);
	return err;
}

/* bind and connect: the socket at fd and an address copied in from user space. */
static long with_addr(int fd, const void *uaddr, int len, bool connect)
{
	struct __kernel_sockaddr_storage k;
	const struct sock_ops *ops;
	long err;
	struct file *f = sock_get(fd, &err);

	if (!f)
		return err;
	ops = sock_of(f)->ops;
	err = addr_in(uaddr, len, &k);
	if (!err)
		err = connect ? ops->connect(f, &k, len) : ops->bind(f, &k, len);
	file_unref(f);
	return err;
}

long sys_bind(int fd, const void *uaddr, int len)
{
	return with_addr(fd, uaddr, len, false);
}

long sys_listen(int fd, int backlog)
{
	long err;
	struct file *f = sock_get(fd, &err);

	if (!f)
		return err;
	err = sock_of(f)->ops->listen ? sock_of(f)->ops->listen(f, backlog) : -EOPNOTSUPP;
	file_unref(f);
	return err;
}

long sys_connect(int fd, const void *uaddr, int len)
{
	return with_addr(fd, uaddr, len, true);
}

long sys_accept4(int fd, void *uaddr, int *ulen, int flags)
{
	struct __kernel_sockaddr_storage k;
	struct file *f, *nf = NULL;
	long err;
	int klen, nfd;

	if (flags & ~(O_NONBLOCK | O_CLOEXEC))
		return -EINVAL;
	f = sock_get(fd, &err);
	if (!f)
		return err;
	if (uaddr && !user_ok(ulen, sizeof(int), true)) {
		err = -EFAULT;
		goto out;
	}
	err = sock_of(f)->ops->accept ? sock_of(f)->ops->accept(f, flags, &nf) : -EOPNOTSUPP;
	if (err)
		goto out;
	err = sock_of(nf)->ops->getname(nf, &k, &klen, true);
	if (err == -ENOTCONN) {        /* the peer is already gone: an unnamed address */
		k.ss_family = sock_of(nf)->family;
		klen = sizeof(k.ss_family);
	}
	err = addr_out(uaddr, ulen, &k, klen);
	if (err)
		goto err_nf;
	nfd = fd_install(current_proc()->fdt, nf, 0, flags & O_CLOEXEC);
	if (nfd < 0) {
		err = nfd;
		goto err_nf;
	}
	file_unref(f);
	return nfd;
err_nf:
	file_unref(nf);
out:
	file_unref(f);
	return err;
}

long sys_accept(int fd, void *uaddr, int *ulen)
{
	return sys_accept4(fd, uaddr, ulen, 0);
}

static long getname(int fd, void *uaddr, int *ulen, bool peer)
{
	struct __kernel_sockaddr_storage k;
	long err;
	struct file *f = sock_get(fd, &err);
	int klen;

	if (!f)
		return err;
	err = sock_of(f)->ops->getname(f, &k, &klen, peer);
	if (!err)
		err = ulen ? addr_out(uaddr, ulen, &k, klen) : -EFAULT;
	file_unref(f);
	return err;
}

long sys_getsockname(int fd, void *uaddr, int *ulen)
{
	return getname(fd, uaddr, ulen, false);
}

long sys_getpeername(int fd, void *uaddr, int *ulen)
{
	return getname(fd, uaddr, ulen, true);
}

long sys_shutdown(int fd, int how)
{
	long err;
	struct file *f = sock_get(fd, &err);

	if (!f)
		return err;
	err = sock_of(f)->ops->shutdown(f, how);
	file_unref(f);
	return err;
}

/* ---- data ---- */

/* Checks the user's buffers and fills a kmsg for them; iov is a kernel copy. */
static long iov_check(const struct iovec *iov, size_t n, bool write)
{
	size_t total = 0;

	for (size_t i = 0; i < n; i++) {
		if (iov[i].iov_len > (size_t)INT32_MAX || total + iov[i].iov_len > (size_t)INT32_MAX)
			return -EINVAL;
		if (!user_ok(iov[i].iov_base, iov[i].iov_len, write))
			return -EFAULT;
		total += iov[i].iov_len;
	}
	return 0;
}

long sys_sendto(int fd, const void *buf, size_t len, int flags, const void *uaddr, int alen)
{
	struct iovec iov = { (void *)buf, MIN(len, (size_t)INT32_MAX) };
	struct kmsg m = { .iov = &iov, .iovcnt = 1 };
	long err;
	struct file *f = sock_get(fd, &err);

	if (!f)
		return err;
	err = iov_check(&iov, 1, false);
	if (!err && uaddr && alen) {
		err = addr_in(uaddr, alen, &m.addr);
		m.addrlen = alen;
	}
	if (!err)
		err = sock_of(f)->ops->sendmsg(f, &m, nonblock_flags(f, flags));
	file_unref(f);
	return err;
}

long sys_recvfrom(int fd, void *buf, size_t len, int flags, void *uaddr, int *ulen)
{
	struct iovec iov = { buf, MIN(len, (size_t)INT32_MAX) };
	struct kmsg m = { .iov = &iov, .iovcnt = 1 };
	long err, r;
	struct file *f = sock_get(fd, &err);

	if (!f)
		return err;
	r = iov_check(&iov, 1, true);
	if (!r)
		r = sock_of(f)->ops->recvmsg(f, &m, nonblock_flags(f, flags));
	if (r >= 0 && uaddr) {
		if (m.addrlen == 0) {          /* an unnamed sender */
			m.addr.ss_family = sock_of(f)->family;
			m.addrlen = sizeof(m.addr.ss_family);
		}
		err = addr_out(uaddr, ulen, &m.addr, m.addrlen);
		if (err)
			r = err;
	}
	file_unref(f);
	return r;
}

/* Reads a user msghdr and its iovec array (kfree *iovp). */
static long msg_in(const void *umsg, struct user_msghdr *h, struct iovec **iovp, bool write)
{
	struct iovec *iov;
	long err;

	if (copy_from_user(h, umsg, sizeof(*h)))
		return -EFAULT;
	if (h->msg_iovlen > UIO_MAXIOV)
		return -EMSGSIZE;
	iov = kmalloc(MAX(h->msg_iovlen, 1) * sizeof(*iov));
	if (!iov)
		return -ENOMEM;
	err = copy_from_user(iov, h->msg_iov, h->msg_iovlen * sizeof(*iov));
	if (!err)
		err = iov_check(iov, h->msg_iovlen, write);
	if (err) {
		kfree(iov);
		return err;
	}
	*iovp = iov;
	return 0;
}

static long sendmsg_file(struct file *f, const void *umsg, int flags)
{
	struct user_msghdr h;
	struct iovec *iov = NULL;
	struct kmsg m = { 0 };
	long err;

	err = msg_in(umsg, &h, &iov, false);
	if (err)
		goto out;
	m.iov = iov;
	m.iovcnt = h.msg_iovlen;
	if (h.msg_name && h.msg_namelen) {
		err = addr_in(h.msg_name, h.msg_namelen, &m.addr);
		if (err)
			goto out;
		m.addrlen = h.msg_namelen;
	}
	if (h.msg_controllen) {
		if (h.msg_controllen > CONTROL_MAX) {
			err = -ENOBUFS;
			goto out;
		}
		m.control = kmalloc(h.msg_controllen);
		if (!m.control) {
			err = -ENOMEM;
			goto out;
		}
		m.controllen = h.msg_controllen;
		if (copy_from_user(m.control, h.msg_control, h.msg_controllen)) {
			err = -EFAULT;
			goto out;
		}
	}
	err = sock_of(f)->ops->sendmsg(f, &m, nonblock_flags(f, flags));
out:
	kfree(m.control);
	kfree(iov);
	return err;
}

long sys_sendmsg(int fd, const void *umsg, int flags)
{
	long err;
	struct file *f = sock_get(fd, &err);

	if (!f)
		return err;
	err = sendmsg_file(f, umsg, flags);
	file_unref(f);
	return err;
}

static long recvmsg_file(struct file *f, void *umsg, int flags)
{
	struct user_msghdr h;
	struct user_msghdr *uh = umsg;
	struct iovec *iov = NULL;
	struct kmsg m = { 0 };
	long r;

	r = msg_in(umsg, &h, &iov, true);
	if (r)
		goto out;
	if (!user_ok(uh, sizeof(*uh), true)) {
		r = -EFAULT;
		goto out;
	}
	m.iov = iov;
	m.iovcnt = h.msg_iovlen;
	if (h.msg_control && h.msg_controllen) {
		m.controllen = MIN(h.msg_controllen, (size_t)CONTROL_MAX);
		m.control = kzalloc(m.controllen);
		if (!m.control || !user_ok(h.msg_control, m.controllen, true)) {
			r = m.control ? -EFAULT : -ENOMEM;
			goto out;
		}
	}
	r = sock_of(f)->ops->recvmsg(f, &m, nonblock_flags(f, flags));
	if (r < 0)
		goto out;
	if (h.msg_name) {
		int len = MIN(h.msg_namelen < 0 ? 0 : h.msg_namelen, m.addrlen);

		if (copy_to_user(h.msg_name, &m.addr, len)) {
			r = -EFAULT;
			goto out;
		}
		h.msg_namelen = m.addrlen;
	} else {
		h.msg_namelen = 0;
	}
	if (m.control && copy_to_user(h.msg_control, m.control, m.controllen)) {
		r = -EFAULT;
		goto out;
	}
	h.msg_controllen = m.control ? m.controllen : 0;
	h.msg_flags = m.out_flags;
	if (copy_to_user(&uh->msg_namelen, &h.msg_namelen, sizeof(h.msg_namelen)) ||
	    copy_to_user(&uh->msg_controllen, &h.msg_controllen, sizeof(h.msg_controllen)) ||
	    copy_to_user(&uh->msg_flags, &h.msg_flags, sizeof(h.msg_flags)))
		r = -EFAULT;
out:
	kfree(m.control);
	kfree(iov);
	return r;
}

long sys_recvmsg(int fd, void *umsg, int flags)
{
	long err;
	struct file *f = sock_get(fd, &err);

	if (!f)
		return err;
	err = recvmsg_file(f, umsg, flags);
	file_unref(f);
	return err;
}

/* struct mmsghdr: one message of sendmmsg/recvmmsg and the bytes it moved. */
struct user_mmsghdr {
	struct user_msghdr msg_hdr;
	unsigned msg_len;
};

#define MSG_WAITFORONE 0x10000

/*
 * sendmmsg and recvmmsg: up to vlen messages (at most UIO_MAXIOV), stopping
 * at the first error, which is returned only when no message moved (as on
 * Linux).  recvmmsg's timeout is not implemented: it is checked to be
 * readable and otherwise ignored; MSG_WAITFORONE makes every receive after
 * the first non-blocking.
 */
static long mmsg(int fd, struct user_mmsghdr *vec, unsigned vlen, int flags, bool send)
{
	long err, r = 0;
	struct file *f = sock_get(fd, &err);
	unsigned i, len;

	if (!f)
		return err;
	vlen = MIN(vlen, (unsigned)UIO_MAXIOV);
	for (i = 0; i < vlen; i++) {
		if (!user_ok(&vec[i], sizeof(vec[i]), true)) {
			r = -EFAULT;
			break;
		}
		r = send ? sendmsg_file(f, &vec[i].msg_hdr, flags) :
			recvmsg_file(f, &vec[i].msg_hdr, flags & ~MSG_WAITFORONE);
		if (r < 0)
			break;
		len = (unsigned)r;
		if (copy_to_user(&vec[i].msg_len, &len, sizeof(len))) {
			r = -EFAULT;
			break;
		}
		if (!send && (flags & MSG_WAITFORONE))
			flags |= MSG_DONTWAIT;
	}
	file_unref(f);
	return i ? (long)i : r;
}

long sys_sendmmsg(int fd, void *vec, unsigned vlen, int flags)
{
	return mmsg(fd, vec, vlen, flags, true);
}

long sys_recvmmsg(int fd, void *vec, unsigned vlen, int flags, void *timeout)
{
	if (timeout && !user_ok(timeout, 16, false))
		return -EFAULT;
	return mmsg(fd, vec, vlen, flags, false);
}

/* ---- options ---- */

long sys_setsockopt(int fd, int level, int name, const void *uval, int len)
{
	char kval[OPTVAL_MAX];
	long err;
	struct file *f = sock_get(fd, &err);

	if (!f)
		return err;
	err = -EINVAL;
	if (len < 0)
		goto out;
	len = MIN(len, OPTVAL_MAX);
	err = -EFAULT;
	if (copy_from_user(kval, uval, len))
		goto out;
	err = socket_setsockopt(f, level, name, kval, len);
out:
	file_unref(f);
	return err;
}

long sys_getsockopt(int fd, int level, int name, void *uval, int *ulen)
{
	char kval[OPTVAL_MAX];
	long err;
	struct file *f = sock_get(fd, &err);
	int len;

	if (!f)
		return err;
	err = -EFAULT;
	if (copy_from_user(&len, ulen, sizeof(len)))
		goto out;
	err = -EINVAL;
	if (len < 0)
		goto out;
	len = MIN(len, OPTVAL_MAX);
	err = socket_getsockopt(f, level, name, kval, &len);
	if (err)
		goto out;
	err = -EFAULT;
	if (copy_to_user(uval, kval, len) || copy_to_user(ulen, &len, sizeof(len)))
		goto out;
	err = 0;
out:
	file_unref(f);
	return err;
}
