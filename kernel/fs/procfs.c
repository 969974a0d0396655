/* SPDX-License-Identifier: MIT */
/* procfs.c: a minimal /proc: self, <pid>/{exe,cwd,cmdline,fd/N} and a table of generated files. */
#include "kernel.h"
#include "sched.h"
#include "vfs.h"
#include <linux/magic.h>

/*
 * Every file is generated when it is read: a generator writes the whole
 * contents (or a symlink's target) into a growable buffer.  To add a file,
 * write a generator and add a line to root_entries or pid_entries.
 * Inodes are made on lookup and freed when the last reference goes (nlink
 * 0); their numbers are derived from what they name, so they are stable.
 */

struct pbuf {
	char *buf;
	size_t len, cap;
	int err;
};

static void pbuf_write(struct pbuf *b, const void *data, size_t n)
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

static void __printf(2, 3) pbuf_printf(struct pbuf *b, const char *fmt, ...)
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

/* ---- generators ---- */

struct proc_entry {
	const char *name;
	unsigned mode;                              /* S_IFREG or S_IFLNK, with permissions */
	void (*gen)(struct pbuf *b);
};

static void gen_self(struct pbuf *b)
{
	pbuf_printf(b, "%d", current_proc()->pid);
}

static void gen_mounts(struct pbuf *b)
{
	pbuf_printf(b, "rootfs / tmpfs rw 0 0\nproc /proc proc rw 0 0\n");
}

static void gen_exe(struct pbuf *b)
{
	const char *p = current_proc()->exe_path;

	if (!p) {
		b->err = -ENOENT;
		return;
	}
	pbuf_write(b, p, strlen(p));
}

static void gen_cwd(struct pbuf *b)
{
	char *tmp = kmalloc(PATH_MAX);
	ssize_t n;

	if (!tmp) {
		b->err = -ENOMEM;
		return;
	}
	n = vfs_getcwd(current_proc()->cwd ? current_proc()->cwd : vfs_root(), tmp, PATH_MAX);
	if (n < 0)
		b->err = (int)n;
	else
		pbuf_write(b, tmp, n - 1);
	kfree(tmp);
}

static void gen_cmdline(struct pbuf *b)
{
	struct proc *p = current_proc();

	if (p->cmdline)
		pbuf_write(b, p->cmdline, p->cmdline_len);
}

static const struct proc_entry root_entries[] = {
	{ "self", S_IFLNK | 0777, gen_self },
	{ "mounts", S_IFREG | 0444, gen_mounts },
};

static const struct proc_entry pid_entries[] = {
	{ "exe", S_IFLNK | 0777, gen_exe },
	{ "cwd", S_IFLNK | 0777, gen_cwd },
	{ "cmdline", S_IFREG | 0444, gen_cmdline },
};

/* What /proc/self/fd/N points to. */
static void gen_fd_link(struct pbuf *b, int fd)
{
	struct file *f = fd_get(current_proc()->fdt, fd);
	struct inode *ino;

	if (!f || !f->inode) {
		b->err = -ENOENT;
		return;
	}
	ino = f->inode;
	if (f->path)
		pbuf_write(b, f->path, strlen(f->path));
	else if (S_ISFIFO(ino->mode))
		pbuf_printf(b, "pipe:[%lu]", (unsigned long)ino->ino);
	else if (S_ISSOCK(ino->mode))
		pbuf_printf(b, "socket:[%lu]", (unsigned long)ino->ino);
	else if (S_ISCHR(ino->mode))
		pbuf_printf(b, "/dev/console");
	else
		pbuf_printf(b, "anon_inode:[%lu]", (unsigned long)ino->ino);
}

/* ---- inodes ---- */

enum pkind { P_ROOT = 1, P_PIDDIR, P_FDDIR, P_FDLINK, P_ENTRY };

struct pnode {
	enum pkind kind;
	int arg;                          /* pid or fd */
	const struct proc_entry *ent;     /* for P_ENTRY */
};

static const struct inode_ops proc_iops;

/* A stable inode number for what an inode names. */
static uint64_t proc_ino(enum pkind kind, int arg, const struct proc_entry *ent)
{
	uint64_t e = 0;

	if (ent && ent >= root_entries && ent < root_entries + ARRAY_SIZE(root_entries))
		e = 1 + (ent - root_entries);
	else if (ent)
		e = 1 + ARRAY_SIZE(root_entries) + (ent - pid_entries);
	return (1ULL << 40) | ((uint64_t)kind << 36) | ((uint64_t)(unsigned)arg << 8) | e;
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
	ino->dev = 3;
	ino->fs_magic = PROC_SUPER_MAGIC;
	ino->ino = proc_ino(kind, arg, ent);
	return ino;
}

struct inode *procfs_create_root(void)
{
	struct inode *root = proc_inode(P_ROOT, 0, NULL, S_IFDIR | 0555);

	if (root)
		root->nlink = 2;   /* never freed */
	return root;
}

static struct pnode *pnode(struct inode *ino)
{
	return ino->priv;
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

static const struct proc_entry *find_entry(const struct proc_entry *t, size_t n, const char *name,
					   size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(t[i].name) == len && memcmp(t[i].name, name, len) == 0)
			return &t[i];
	return NULL;
}

static int proc_lookup(struct inode *dir, const char *name, size_t len, struct inode **out)
{
	struct pnode *pn = pnode(dir);
	const struct proc_entry *e = NULL;
	int pid = current_proc()->pid;
	int num = parse_num(name, len);
	bool dotdot = len == 2 && name[0] == '.' && name[1] == '.';

	switch (pn->kind) {
	case P_ROOT:
		if (num == pid) {
			*out = proc_inode(P_PIDDIR, pid, NULL, S_IFDIR | 0555);
			return *out ? 0 : -ENOMEM;
		}
		e = find_entry(root_entries, ARRAY_SIZE(root_entries), name, len);
		break;
	case P_PIDDIR:
		if (dotdot)
			return vfs_lookup(vfs_root(), "/proc", false, out);
		if (len == 2 && memcmp(name, "fd", 2) == 0) {
			*out = proc_inode(P_FDDIR, pn->arg, NULL, S_IFDIR | 0500);
			return *out ? 0 : -ENOMEM;
		}
		e = find_entry(pid_entries, ARRAY_SIZE(pid_entries), name, len);
		break;
	case P_FDDIR:
		if (dotdot) {
			*out = proc_inode(P_PIDDIR, pn->arg, NULL, S_IFDIR | 0555);
			return *out ? 0 : -ENOMEM;
		}
		if (num < 0 || !fd_get(current_proc()->fdt, num))
			return -ENOENT;
		*out = proc_inode(P_FDLINK, num, NULL, S_IFLNK | 0700);
		return *out ? 0 : -ENOMEM;
	default:
		return -ENOTDIR;
	}
	if (!e)
		return -ENOENT;
	*out = proc_inode(P_ENTRY, pn->arg, e, e->mode);
	return *out ? 0 : -ENOMEM;
}

/* Generates the contents of a file or the target of a link. */
static int generate(struct inode *ino, struct pbuf *b)
{
	struct pnode *pn = pnode(ino);

	memset(b, 0, sizeof(*b));
	if (pn->kind == P_FDLINK)
		gen_fd_link(b, pn->arg);
	else if (pn->kind == P_ENTRY)
		pn->ent->gen(b);
	else
		return -EINVAL;
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
	memcpy(buf, b.buf + off, n);
	kfree(b.buf);
	return n;
}

static int proc_readdir(struct inode *dir, uint64_t *pos, filldir_fn fill, void *ctx)
{
	struct pnode *pn = pnode(dir);
	const struct proc_entry *t = pn->kind == P_ROOT ? root_entries : pid_entries;
	size_t nt = pn->kind == P_ROOT ? ARRAY_SIZE(root_entries) : ARRAY_SIZE(pid_entries);
	char name[16];

	for (;;) {
		uint64_t p = *pos;
		int len;

		if (p == 0) {
			if (fill(ctx, ".", 1, dir->ino, DT_DIR, 1))
				return 0;
		} else if (p == 1) {
			if (fill(ctx, "..", 2, dir->ino, DT_DIR, 2))
				return 0;
		} else if (pn->kind == P_FDDIR) {
			int fd = (int)(p - 2);

			while (fd < FD_MAX && !fd_get(current_proc()->fdt, fd))
				fd++;
			if (fd >= FD_MAX)
				return 0;
			len = snprintk(name, sizeof(name), "%d", fd);
			if (fill(ctx, name, len, proc_ino(P_FDLINK, fd, NULL), DT_LNK, fd + 3))
				return 0;
			p = fd + 2;
		} else if (p - 2 < nt) {
			const struct proc_entry *e = &t[p - 2];

			if (fill(ctx, e->name, strlen(e->name), proc_ino(P_ENTRY, pn->arg, e),
				 mode_to_dtype(e->mode), p + 1))
				return 0;
		} else if (pn->kind == P_ROOT && p - 2 == nt) {
			len = snprintk(name, sizeof(name), "%d", current_proc()->pid);
			if (fill(ctx, name, len, proc_ino(P_PIDDIR, current_proc()->pid, NULL), DT_DIR, p + 1))
				return 0;
		} else if (pn->kind == P_PIDDIR && p - 2 == nt) {
			if (fill(ctx, "fd", 2, proc_ino(P_FDDIR, pn->arg, NULL), DT_DIR, p + 1))
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
