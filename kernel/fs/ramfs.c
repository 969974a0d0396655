/* SPDX-License-Identifier: MIT */
/* ramfs.c: the in-memory file system for "/": directories, page-backed files that can borrow initrd data, symlinks. */
#include "kernel.h"
#include "mm.h"
#include "vfs.h"
#include <asm/statfs.h>
#include <linux/falloc.h>
#include <linux/fcntl.h>
#include <linux/fs.h>
#include <linux/magic.h>

/*
 * A directory is a list of entries in creation order.  Each entry gets a
 * cookie from a per-directory counter that only grows; readdir positions
 * are cookies, so removing entries never makes a reader skip or repeat one.
 * Entries do not hold inode references: an inode lives while it has links
 * (nlink) or references (refs), and inode_unref() frees it when both are 0.
 *
 * A regular file's data lives in pages[]; a page that was never written
 * reads from rodata (a file unpacked from the initrd points into the
 * archive) up to rosize, and as zeros beyond.  So an initrd file is copied
 * a page at a time, on its first write.  Bytes of an allocated page beyond
 * the file size are always zero, so growing a file needs no clearing.
 */

struct ramfs_dirent {
	struct list link;
	uint64_t cookie;
	struct inode *ino;
	size_t len;
	char name[];
};

struct ramfs_node {
	/* directories */
	struct list entries;
	uint64_t next_cookie;
	struct inode *parent;     /* referenced; NULL for the root */
	/* regular files */
	uint8_t **pages;
	size_t npages;            /* capacity of pages[] */
	const uint8_t *rodata;
	size_t rosize;
	/* symlinks */
	char *target;
};

static const struct inode_ops ramfs_iops;
static const struct super_ops ramfs_sops;
static uint64_t ramfs_pages_used, ramfs_files;
static struct super_block *first_sb;   /* the root file system: memfds live there */

static struct ramfs_node *node(struct inode *ino)
{
	return ino->priv;
}

static struct inode *ramfs_new_inode(struct super_block *sb, unsigned mode)
{
	const struct file_ops *fops = NULL;
	struct inode *ino;
	struct ramfs_node *n;

	if (S_ISDIR(mode))
		fops = &vfs_dir_fops;
	else if (S_ISREG(mode))
		fops = &vfs_reg_fops;
	n = kzalloc(sizeof(*n));
	if (!n)
		return NULL;
	ino = inode_alloc(mode, &ramfs_iops, fops);
	if (!ino) {
		kfree(n);
		return NULL;
	}
	list_init(&n->entries);
	n->next_cookie = 2;
	ino->priv = n;
	inode_set_sb(ino, sb);
	ino->seals = F_SEAL_SEAL;       /* as tmpfs: only a memfd can be sealed */
	ramfs_files++;
	return ino;
}

struct inode *ramfs_create_unlinked(unsigned mode)
{
	return ramfs_new_inode(first_sb, mode);
}

struct super_block *ramfs_create_sb(const char *source, unsigned flags)
{
	struct super_block *sb = sb_alloc(&ramfs_sops, "tmpfs", source, TMPFS_MAGIC, flags);

	if (!sb)
		return NULL;
	sb->root = ramfs_new_inode(sb, S_IFDIR | 01777);
	if (!sb->root) {
		kfree(sb);
		return NULL;
	}
	sb->root->nlink = 2;
	if (!first_sb)
		first_sb = sb;
	return sb;
}

bool ramfs_is_file(struct inode *ino)
{
	return ino->iops == &ramfs_iops && S_ISREG(ino->mode);
}

uint64_t ramfs_limit_bytes(void)
{
	return page_total_bytes() / 2;
}

/* Like tmpfs: at most half of memory (ramfs_limit_bytes), and no more than is free;
 * the counts are of all ramfs instances together. */
static int ramfs_statfs(struct super_block *sb, struct statfs *sf)
{
	uint64_t bytes = ramfs_pages_used * PAGE_SIZE;
	uint64_t room = ramfs_limit_bytes() > bytes ? ramfs_limit_bytes() - bytes : 0;

	sf->f_blocks = ramfs_limit_bytes() / 4096;
	sf->f_bfree = sf->f_bavail = MIN(room, page_free_bytes()) / 4096;
	sf->f_files = ramfs_files + page_free_bytes() / 4096;
	sf->f_ffree = page_free_bytes() / 4096;
	return 0;
}

/* Frees a whole unmounted tree: every entry loses its link. */
static void kill_tree(struct inode *dir)
{
	struct ramfs_node *n = dir->priv;

	while (!list_empty(&n->entries)) {
		struct ramfs_dirent *d = list_entry(n->entries.next, struct ramfs_dirent, link);
		struct inode *ino = d->ino;

		list_del(&d->link);
		kfree(d);
		if (S_ISDIR(ino->mode))
			kill_tree(ino);
		if (S_ISDIR(ino->mode))
			ino->nlink = 0;
		else
			ino->nlink--;
		inode_ref(ino);
		inode_unref(ino);
	}
}

static void ramfs_kill(struct super_block *sb)
{
	struct inode *root = sb->root;

	kill_tree(root);
	root->nlink = 0;
	inode_ref(root);
	inode_unref(root);
}

static const struct super_ops ramfs_sops = {
	.statfs = ramfs_statfs,
	.kill = ramfs_kill,
};

void ramfs_set_fops(struct inode *ino, const struct file_ops *fops)
{
	ino->fops = fops;
}

int ramfs_set_rodata(struct inode *ino, const void *data, size_t len)
{
	struct ramfs_node *n = node(ino);

	if (ino->iops != &ramfs_iops || !S_ISREG(ino->mode) || ino->size || n->npages)
		return -EINVAL;
	n->rodata = data;
	n->rosize = len;
	ino->size = len;
	return 0;
}

/* ---- directories ---- */

static struct ramfs_dirent *dir_find(struct inode *dir, const char *name, size_t len)
{
	struct list *it;

	list_for_each(it, &node(dir)->entries) {
		struct ramfs_dirent *d = list_entry(it, struct ramfs_dirent, link);

		if (d->len == len && memcmp(d->name, name, len) == 0)
			return d;
	}
	return NULL;
}

static struct ramfs_dirent *dirent_alloc(const char *name, size_t len, struct inode *ino)
{
	struct ramfs_dirent *d = kmalloc(sizeof(*d) + len + 1);

	if (!d)
		return NULL;
	memcpy(d->name, name, len);
	d->name[len] = '\0';
	d->len = len;
	d->ino = ino;
	list_init(&d->link);
	return d;
}

static void dir_add(struct inode *dir, struct ramfs_dirent *d)
{
	d->cookie = node(dir)->next_cookie++;
	list_add_tail(&node(dir)->entries, &d->link);
}

/* Drops one link of ino and frees it if nothing else holds it. */
static void drop_link(struct inode *ino)
{
	if (S_ISDIR(ino->mode))
		ino->nlink = 0;
	else
		ino->nlink--;
	inode_ref(ino);
	inode_unref(ino);
}

static void set_parent(struct inode *dir, struct inode *parent)
{
	struct inode *old = node(dir)->parent;

	inode_ref(parent);
	node(dir)->parent = parent;
	if (old)
		inode_unref(old);
}

static int ramfs_lookup(struct inode *dir, const char *name, size_t len, struct inode **out)
{
	struct ramfs_dirent *d;

	if (len == 2 && name[0] == '.' && name[1] == '.') {
		struct inode *p = node(dir)->parent;

		if (dir->nlink == 0)
			return -ENOENT;
		*out = p ? p : dir;
		inode_ref(*out);
		return 0;
	}
	d = dir_find(dir, name, len);
	if (!d)
		return -ENOENT;
	inode_ref(d->ino);
	*out = d->ino;
	return 0;
}

/* Links a new inode into dir under name; returns it referenced. */
static int add_new(struct inode *dir, const char *name, size_t len, struct inode *ino,
		   struct inode **out)
{
	struct ramfs_dirent *d;

	if (dir_find(dir, name, len)) {
		inode_unref(ino);
		return -EEXIST;
	}
	d = dirent_alloc(name, len, ino);
	if (!d) {
		inode_unref(ino);
		return -ENOSPC;
	}
	dir_add(dir, d);
	if (S_ISDIR(ino->mode)) {
		ino->nlink = 2;
		dir->nlink++;
		set_parent(ino, dir);
	} else {
		ino->nlink = 1;
	}
	*out = ino;
	return 0;
}

static int ramfs_create(struct inode *dir, const char *name, size_t len, unsigned mode,
			struct inode **out)
{
	struct inode *ino;

	if (dir_find(dir, name, len))
		return -EEXIST;
	ino = ramfs_new_inode(dir->sb, mode);
	if (!ino)
		return -ENOSPC;
	return add_new(dir, name, len, ino, out);
}

static int ramfs_symlink(struct inode *dir, const char *name, size_t len, const char *target,
			 struct inode **out)
{
	struct inode *ino;

	if (dir_find(dir, name, len))
		return -EEXIST;
	ino = ramfs_new_inode(dir->sb, S_IFLNK | 0777);
	if (!ino)
		return -ENOSPC;
	node(ino)->target = kstrdup(target);
	if (!node(ino)->target) {
		inode_unref(ino);
		return -ENOSPC;
	}
	ino->size = strlen(target);
	return add_new(dir, name, len, ino, out);
}

static int ramfs_link(struct inode *dir, const char *name, size_t len, struct inode *target)
{
	struct ramfs_dirent *d;

	if (dir_find(dir, name, len))
		return -EEXIST;
	d = dirent_alloc(name, len, target);
	if (!d)
		return -ENOSPC;
	dir_add(dir, d);
	target->nlink++;
	return 0;
}

static int ramfs_unlink(struct inode *dir, const char *name, size_t len, bool is_rmdir)
{
	struct ramfs_dirent *d = dir_find(dir, name, len);
	struct inode *ino;

	if (!d)
		return -ENOENT;
	ino = d->ino;
	if (is_rmdir != !!S_ISDIR(ino->mode))
		return is_rmdir ? -ENOTDIR : -EISDIR;
	if (is_rmdir && !list_empty(&node(ino)->entries))
		return -ENOTEMPTY;
	list_del(&d->link);
	kfree(d);
	if (is_rmdir)
		dir->nlink--;
	drop_link(ino);
	return 0;
}

static int ramfs_rename(struct inode *olddir, const char *oldname, size_t oldlen,
			struct inode *newdir, const char *newname, size_t newlen, unsigned flags)
{
	struct ramfs_dirent *od = dir_find(olddir, oldname, oldlen);
	struct ramfs_dirent *nd = dir_find(newdir, newname, newlen);
	struct inode *ino, *victim = NULL;

	if (!od)
		return -ENOENT;
	ino = od->ino;
	if (nd) {
		if (flags & RENAME_NOREPLACE)
			return -EEXIST;
		victim = nd->ino;
		if (S_ISDIR(victim->mode) && !list_empty(&node(victim)->entries))
			return -ENOTEMPTY;
		nd->ino = ino;
	} else {
		nd = dirent_alloc(newname, newlen, ino);
		if (!nd)
			return -ENOSPC;
		dir_add(newdir, nd);
	}
	list_del(&od->link);
	kfree(od);
	if (S_ISDIR(ino->mode) && olddir != newdir) {
		olddir->nlink--;
		newdir->nlink++;
		set_parent(ino, newdir);
	}
	if (victim) {
		if (S_ISDIR(victim->mode))
			newdir->nlink--;
		drop_link(victim);
	}
	return 0;
}

static int ramfs_readdir(struct inode *dir, uint64_t *pos, filldir_fn fill, void *ctx)
{
	struct ramfs_node *n = node(dir);
	struct list *it;

	if (*pos == 0) {
		if (fill(ctx, ".", 1, dir->ino, DT_DIR, 1))
			return 0;
		*pos = 1;
	}
	if (*pos == 1) {
		struct inode *up = n->parent ? n->parent : dir;

		if (fill(ctx, "..", 2, up->ino, DT_DIR, 2))
			return 0;
		*pos = 2;
	}
	list_for_each(it, &n->entries) {
		struct ramfs_dirent *d = list_entry(it, struct ramfs_dirent, link);

		if (d->cookie < *pos)
			continue;
		if (fill(ctx, d->name, d->len, d->ino->ino, mode_to_dtype(d->ino->mode), d->cookie + 1))
			return 0;
		*pos = d->cookie + 1;
	}
	return 0;
}

static ssize_t ramfs_readlink(struct inode *ino, char *buf, size_t n)
{
	size_t len = ino->size;

	if (len > n)
		len = n;
	memcpy(buf, node(ino)->target, len);
	return len;
}

/* ---- regular file data ---- */

static ssize_t ramfs_read(struct inode *ino, void *buf, size_t n, off_t off)
{
	struct ramfs_node *rn = node(ino);
	uint8_t *dst = buf;
	uint64_t pos = off;
	size_t done = 0;

	if (pos >= ino->size)
		return 0;
	if (n > ino->size - pos)
		n = ino->size - pos;
	while (done < n) {
		size_t idx = pos / PAGE_SIZE, po = pos % PAGE_SIZE;
		size_t chunk = MIN(PAGE_SIZE - po, n - done);

		/* buf may be user memory: a fault ends the read (-EFAULT if nothing was read). */
		if (idx < rn->npages && rn->pages[idx]) {
			if (memcpy_user(dst + done, rn->pages[idx] + po, chunk))
				break;
		} else {
			size_t ro = 0;

			if (pos < rn->rosize)
				ro = MIN(chunk, rn->rosize - pos);
			if (memcpy_user(dst + done, rn->rodata + pos, ro) ||
			    memzero_user(dst + done + ro, chunk - ro))
				break;
		}
		done += chunk;
		pos += chunk;
	}
	if (done < n)
		return done ? (ssize_t)done : -EFAULT;
	return done;
}

/* Makes pages[] hold at least want entries. */
static int grow_pages(struct ramfs_node *rn, size_t want)
{
	size_t cap = rn->npages ? rn->npages : 16;
	uint8_t **p;

	if (want <= rn->npages)
		return 0;
	while (cap < want)
		cap *= 2;
	p = krealloc(rn->pages, cap * sizeof(*p));
	if (!p)
		return -ENOSPC;
	memset(p + rn->npages, 0, (cap - rn->npages) * sizeof(*p));
	rn->pages = p;
	rn->npages = cap;
	return 0;
}

/* Returns the writable page idx, copying it from rodata if it was never written. */
static uint8_t *page_for_write(struct ramfs_node *rn, size_t idx)
{
	uint8_t *pg;
	uint64_t start = (uint64_t)idx * PAGE_SIZE;

	if (grow_pages(rn, idx + 1))
		return NULL;
	if (rn->pages[idx])
		return rn->pages[idx];
	/* Like tmpfs, files may fill half of memory: the program keeps room to run (ENOSPC, not OOM). */
	if ((ramfs_pages_used + 1) * PAGE_SIZE > ramfs_limit_bytes())
		return NULL;
	pg = page_alloc();
	if (!pg)
		return NULL;
	if (start < rn->rosize)
		memcpy(pg, rn->rodata + start, MIN(PAGE_SIZE, rn->rosize - start));
	rn->pages[idx] = pg;
	ramfs_pages_used++;
	return pg;
}

static ssize_t ramfs_write(struct inode *ino, const void *buf, size_t n, off_t off)
{
	struct ramfs_node *rn = node(ino);
	const uint8_t *src = buf;
	uint64_t pos = off;
	size_t done = 0;

	if (off < 0)
		return -EINVAL;
	if (n > (uint64_t)INT64_MAX - pos)
		return -EFBIG;
	while (done < n) {
		size_t idx = pos / PAGE_SIZE, po = pos % PAGE_SIZE;
		size_t chunk = MIN(PAGE_SIZE - po, n - done);
		uint8_t *pg = page_for_write(rn, idx);

		if (!pg)
			break;
		/* buf may be user memory, e.g. a shared mapping past the end of a file. */
		if (memcpy_user(pg + po, src + done, chunk))
			return done ? (ssize_t)done : -EFAULT;
		done += chunk;
		pos += chunk;
		if (pos > ino->size)
			ino->size = pos;
	}
	if (done == 0)
		return -ENOSPC;
	return done;
}

static int ramfs_truncate(struct inode *ino, uint64_t size)
{
	struct ramfs_node *rn = node(ino);

	if (size < ino->size) {
		size_t keep = ALIGN_UP(size, PAGE_SIZE) / PAGE_SIZE;

		for (size_t i = keep; i < rn->npages; i++) {
			if (rn->pages[i]) {
				page_free(rn->pages[i]);
				rn->pages[i] = NULL;
				ramfs_pages_used--;
			}
		}
		if (size % PAGE_SIZE && keep - 1 < rn->npages && rn->pages[keep - 1])
			memset(rn->pages[keep - 1] + size % PAGE_SIZE, 0, PAGE_SIZE - size % PAGE_SIZE);
		if (rn->rosize > size)
			rn->rosize = size;
	}
	ino->size = size;
	inode_touch(ino, true, true);
	return 0;
}

/*
 * Makes bytes [off, off+len) read as zeros without changing the size
 * (FALLOC_FL_PUNCH_HOLE).  Pages are zeroed, not freed: a shared mapping
 * may hold them.
 */
static int punch_hole(struct inode *ino, uint64_t off, uint64_t len)
{
	struct ramfs_node *rn = node(ino);
	uint64_t end;

	/* Bytes past the end of the file read as zeros already. */
	end = len > ino->size - MIN(off, ino->size) ? ino->size : off + len;
	while (off < end) {
		size_t idx = off / PAGE_SIZE, po = off % PAGE_SIZE;
		size_t chunk = MIN(PAGE_SIZE - po, end - off);
		bool present = idx < rn->npages && rn->pages[idx];
		uint8_t *pg;

		/* A page never written and beyond the initrd data is a hole already. */
		if (present || off < rn->rosize) {
			pg = page_for_write(rn, idx);
			if (!pg)
				return -ENOSPC;
			memset(pg + po, 0, chunk);
		}
		off += chunk;
	}
	inode_touch(ino, true, true);
	return 0;
}

/*
 * Mode 0 grows the file (the new bytes read as zeros); KEEP_SIZE succeeds
 * without reserving anything, since ramfs takes pages when data is written
 * (a later write can still fail with ENOSPC); PUNCH_HOLE zeroes a range.
 */
static int ramfs_fallocate(struct inode *ino, int mode, uint64_t off, uint64_t len)
{
	int err;

	if (mode & FALLOC_FL_PUNCH_HOLE) {
		if (ino->seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE))
			return -EPERM;
		return punch_hole(ino, off, len);
	}
	if ((mode & FALLOC_FL_KEEP_SIZE) || off + len <= ino->size)
		return 0;
	err = seals_check_resize(ino, off + len);
	return err ? err : vfs_truncate(ino, off + len);
}

static void ramfs_evict(struct inode *ino)
{
	struct ramfs_node *rn = node(ino);

	for (size_t i = 0; i < rn->npages; i++) {
		if (rn->pages[i]) {
			page_free(rn->pages[i]);
			ramfs_pages_used--;
		}
	}
	kfree(rn->pages);
	kfree(rn->target);
	if (rn->parent)
		inode_unref(rn->parent);
	kfree(rn);
	ramfs_files--;
}

static void *ramfs_get_page(struct inode *ino, uint64_t idx)
{
	return page_for_write(node(ino), idx);
}

static const struct inode_ops ramfs_iops = {
	.lookup = ramfs_lookup,
	.create = ramfs_create,
	.symlink = ramfs_symlink,
	.link = ramfs_link,
	.unlink = ramfs_unlink,
	.rename = ramfs_rename,
	.readlink = ramfs_readlink,
	.read = ramfs_read,
	.write = ramfs_write,
	.truncate = ramfs_truncate,
	.readdir = ramfs_readdir,
	.evict = ramfs_evict,
	.get_page = ramfs_get_page,
	.fallocate = ramfs_fallocate,
};
