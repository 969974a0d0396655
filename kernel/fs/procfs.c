/* SPDX-License-Identifier: MIT */
/* procfs.c: the machinery of /proc and /sys: generated-file buffers, inodes for table entries, lookup, read, readdir. */
#include "kernel.h"
#include "mm.h"
#include "sched.h"
#include "vfs.h"
#include "procfs.h"
#include <linux/magic.h>

/* ---- file buffers ---- */

void pbuf_write(struct pbuf *b, const void *data, size_t n)
{
	if (b->err)
		return;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *p;

		while (cap < b->len + n)
			cap *= 2;
		p = krealloc(b->buf, cap);
		if (!p) {
			b->err = -ENOMEM;
			return;
		}
		b->buf = p;
		b->cap = cap;
	}
	memcpy(b->buf + b->len, data, n);
	b->len += n;
}

void pbuf_printf(struct pbuf *b, const char *fmt, ...)
{
	char small[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintk(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		pbuf_write(b, small, n);
		return;
	}
	char *big = kmalloc(n + 1);
	if (!big) {
		b->err = -ENOMEM;
		return;
	}
	va_start(ap, fmt);
	vsnprintk(big, n + 1, fmt, ap);
	va_end(ap);
	pbuf_write(b, big, n);
	kfree(big);
}

/* ---- inodes ---- */

enum pkind { P_DIR = 1, P_FDLINK, P_ENTRY };

struct pnode {
	enum pkind kind;
	int arg;                          /* pid (in a pid's tree) or fd */
	int pid;                          /* P_FDLINK: whose descriptor */
	const struct proc_entry *ent;     /* the file or directory, for P_DIR and P_ENTRY */
};

static const struct inode_ops proc_iops;

/* A stable inode number for what an inode names: entries are static, so their address is stable. */
static uint64_t proc_ino(enum pkind kind, int arg, const struct proc_entry *ent)
{
	uint64_t e = ent ? (uint64_t)((uintptr_t)ent - KERNEL_VMA) & 0xffffffff : 0;

	return (1ULL << 60) | ((uint64_t)kind << 56) | ((uint64_t)(unsigned)arg << 32) | e;
}

static struct inode *proc_inode(enum pkind kind, int arg, const struct proc_entry *ent, unsigned mode)
{
	struct pnode *pn = kzalloc(sizeof(*pn));
	struct inode *ino;

	if (!pn)
		return NULL;
	ino = inode_alloc(mode, &proc_iops, S_ISDIR(mode) ? &vfs_dir_fops : &vfs_reg_fops);
	if (!ino) {
		kfree(pn);
		return NULL;
	}
	pn->kind = kind;
	pn->arg = arg;
	pn->ent = ent;
	ino->priv = pn;
	ino->ino = proc_ino(kind, arg, ent);
	return ino;
}

/* The mounted roots: ".." from a top-level directory returns them, so getcwd finds the mount. */
static struct inode *proc_root_inode, *sys_root_inode;

static struct super_block *make_sb(const struct proc_entry *root, const char *type, uint32_t magic,
				   unsigned flags, struct inode **rootp)
{
	struct super_block *sb = sb_alloc(NULL, type, type, magic, flags);
	struct inode *ino;

	if (!sb)
		return NULL;
	ino = proc_inode(P_DIR, 0, root, S_IFDIR | 0555);
	if (!ino) {
		kfree(sb);
		return NULL;
	}
	ino->nlink = 2;   /* never freed */
	inode_set_sb(ino, sb);
	sb->root = ino;
	*rootp = ino;
	return sb;
}

struct super_block *procfs_create_sb(void)
{
	return make_sb(&procfs_root, "proc", PROC_SUPER_MAGIC, SB_NOSUID | SB_NODEV | SB_NOEXEC,
		       &proc_root_inode);
}

struct super_block *sysfs_create_sb(void)
{
	return make_sb(&sysfs_root, "sysfs", SYSFS_MAGIC, SB_RDONLY | SB_NOSUID | SB_NODEV | SB_NOEXEC,
		       &sys_root_inode);
}

static struct pnode *pnode(struct inode *ino)
{
	return ino->priv;
}

/* The descriptor table a <pid>/fd directory lists: that process's (NULL once it exited). */
static struct fdtable *fd_dir_table(int pid)
{
	struct proc *p = pid > 0 ? proc_find(pid) : current_proc();

	return p && !p->zombie ? p->fdt : NULL;
}

/* An fd link's inode number: the pid in place of an entry, so each process's links differ. */
static uint64_t fdlink_ino(int pid, int fd)
{
	return (1ULL << 60) | ((uint64_t)P_FDLINK << 56) | ((uint64_t)(unsigned)fd << 32) | (unsigned)pid;
}

/* Parses a decimal number with no sign or leading zeros; -1 if name is not one. */
static int parse_num(const char *name, size_t len)
{
	int v = 0;

	if (len == 0 || len > 9 || (len > 1 && name[0] == '0'))
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (name[i] < '0' || name[i] > '9')
			return -1;
		v = v * 10 + (name[i] - '0');
	}
	return v;
}

static const struct proc_entry *find_entry(const struct proc_entry *dir, const char *name, size_t len)
{
	for (size_t i = 0; i < dir->nchildren; i++)
		if (strlen(dir->children[i].name) == len && memcmp(dir->children[i].name, name, len) == 0)
			return &dir->children[i];
	return NULL;
}

/* The directory that lists ent, searching from dir (NULL if none). */
static const struct proc_entry *find_parent(const struct proc_entry *dir, const struct proc_entry *ent)
{
	for (size_t i = 0; i < dir->nchildren; i++) {
		const struct proc_entry *c = &dir->children[i], *p;

		if (c == ent)
			return dir;
		if (c->children && (p = find_parent(c, ent)))
			return p;
	}
	if (dir->flags & PE_PIDS)
		return ent == &procfs_pid_dir ? dir : find_parent(&procfs_pid_dir, ent);
	return NULL;
}

static struct inode *entry_inode(const struct proc_entry *e, int arg)
{
	return proc_inode(S_ISDIR(e->mode) ? P_DIR : P_ENTRY, arg, e, e->mode);
}

static int proc_lookup(struct inode *dir, const char *name, size_t len, struct inode **out)
{
	struct pnode *pn = pnode(dir);
	const struct proc_entry *d = pn->ent, *e;
	int num = parse_num(name, len);

	if (pn->kind != P_DIR)
		return -ENOTDIR;
	if (len == 2 && name[0] == '.' && name[1] == '.') {
		e = find_parent(&procfs_root, d);
		if (!e)
			e = find_parent(&sysfs_root, d);
		if (!e)
			return -ENOENT;
		if ((e == &procfs_root && proc_root_inode) || (e == &sysfs_root && sys_root_inode)) {
			*out = e == &procfs_root ? proc_root_inode : sys_root_inode;
			inode_ref(*out);
			return 0;
		}
		*out = entry_inode(e, pn->arg);
	} else if ((d->flags & PE_PIDS) && proc_find(num)) {
		*out = entry_inode(&procfs_pid_dir, num);
	} else if (d->flags & PE_FDS) {
		struct fdtable *fdt = fd_dir_table(pn->arg);

		if (num < 0 || !fdt || !fd_peek(fdt, num))
			return -ENOENT;
		*out = proc_inode(P_FDLINK, num, NULL, S_IFLNK | 0700);
		if (*out) {
			pnode(*out)->pid = pn->arg;
			(*out)->ino = fdlink_ino(pn->arg, num);
		}
	} else {
		e = find_entry(d, name, len);
		if (!e)
			return -ENOENT;
		*out = entry_inode(e, pn->arg);
	}
	if (!*out)
		return -ENOMEM;
	if (!(*out)->sb)
		inode_set_sb(*out, dir->sb);
	return 0;
}

/* Generates the contents of a file or the target of a link. */
static int generate(struct inode *ino, struct pbuf *b)
{
	struct pnode *pn = pnode(ino);

	memset(b, 0, sizeof(*b));
	if (pn->kind == P_FDLINK) {
		procfs_target = NULL;
		if (pn->pid > 0 && !(procfs_target = proc_find(pn->pid)))
			return -ESRCH;
		if (procfs_target && procfs_target->zombie) {
			procfs_target = NULL;
			return -ENOENT;
		}
		procfs_fd_link(b, pn->arg);
		procfs_target = NULL;
	} else if (pn->kind == P_ENTRY) {
		/* Files below <pid>/ carry the pid; the process may have gone since. */
		procfs_target = NULL;
		if (pn->arg > 0 && !(procfs_target = proc_find(pn->arg)))
			return -ESRCH;
		pn->ent->gen(b);
		procfs_target = NULL;
	} else {
		return -EINVAL;
	}
	if (b->err) {
		kfree(b->buf);
		return b->err;
	}
	return 0;
}

static ssize_t proc_readlink(struct inode *ino, char *buf, size_t n)
{
	struct pbuf b;
	int err = generate(ino, &b);

	if (err)
		return err;
	n = MIN(n, b.len);
	memcpy(buf, b.buf, n);
	kfree(b.buf);
	return n;
}

static ssize_t proc_read(struct inode *ino, void *buf, size_t n, off_t off)
{
	struct pbuf b;
	int err = generate(ino, &b);

	if (err)
		return err;
	if ((uint64_t)off >= b.len)
		n = 0;
	else
		n = MIN(n, b.len - off);
	err = memcpy_user(buf, b.buf + off, n);
	kfree(b.buf);
	return err ? err : (ssize_t)n;
}

static int proc_readdir(struct inode *dir, uint64_t *pos, filldir_fn fill, void *ctx)
{
	struct pnode *pn = pnode(dir);
	const struct proc_entry *d = pn->ent;
	char name[16];

	if (pn->kind != P_DIR)
		return -ENOTDIR;
	for (;;) {
		uint64_t p = *pos;
		int len;

		if (p == 0) {
			if (fill(ctx, ".", 1, dir->ino, DT_DIR, 1))
				return 0;
		} else if (p == 1) {
			if (fill(ctx, "..", 2, dir->ino, DT_DIR, 2))
				return 0;
		} else if (d->flags & PE_FDS) {
			struct fdtable *fdt = fd_dir_table(pn->arg);
			int fd = (int)(p - 2);

			while (fdt && fd < FD_MAX && !fd_peek(fdt, fd))
				fd++;
			if (!fdt || fd >= FD_MAX)
				return 0;
			len = snprintk(name, sizeof(name), "%d", fd);
			if (fill(ctx, name, len, fdlink_ino(pn->arg, fd), DT_LNK, fd + 3))
				return 0;
			p = fd + 2;
		} else if (p - 2 < d->nchildren) {
			const struct proc_entry *e = &d->children[p - 2];

			if (fill(ctx, e->name, strlen(e->name),
				 proc_ino(S_ISDIR(e->mode) ? P_DIR : P_ENTRY, pn->arg, e),
				 mode_to_dtype(e->mode), p + 1))
				return 0;
		} else if ((d->flags & PE_PIDS) && proc_nth(p - 2 - d->nchildren)) {
			int pid = proc_nth(p - 2 - d->nchildren)->pid;

			len = snprintk(name, sizeof(name), "%d", pid);
			if (fill(ctx, name, len, proc_ino(P_DIR, pid, &procfs_pid_dir), DT_DIR, p + 1))
				return 0;
		} else {
			return 0;
		}
		*pos = p + 1;
	}
}

static void proc_evict(struct inode *ino)
{
	kfree(ino->priv);
}

static const struct inode_ops proc_iops = {
	.lookup = proc_lookup,
	.readlink = proc_readlink,
	.read = proc_read,
	.readdir = proc_readdir,
	.evict = proc_evict,
};
