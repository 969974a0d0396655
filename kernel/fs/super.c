/* SPDX-License-Identifier: MIT */
/* super.c: superblocks, the mount table, mount/umount, statfs, sync, setattr and the inode cache. */
#include "kernel.h"
#include "blkdev.h"
#include "ktime.h"
#include "sched.h"
#include "vfs.h"
#include "walk.h"
#include <asm/statfs.h>
#include <linux/falloc.h>

/*
 * Every mounted file system has a superblock in the mount table, in mount
 * order (the root first).  A mount point is a directory inode whose
 * `mounted` points at the mounted root; the root's `covered` points back.
 * Both references are held by the table until umount.
 */
static struct list mounts = LIST_INIT(mounts);
/* Unmounted with MNT_DETACH while in use: freed when the last user goes. */
static struct list detached = LIST_INIT(detached);
static uint64_t next_dev = 1;

/* Open files, a cached inode someone holds (a mapping, a cwd) or the cwd keep a file system alive. */
static bool sb_in_use(struct super_block *sb)
{
	if (sb->open_files)
		return true;
	if (current && current_proc()->cwd && current_proc()->cwd->sb == sb)
		return true;
	/* sb->root holds its own reference; more than that is someone's. */
	for (struct list *it = sb->icache.next; it != &sb->icache; it = it->next) {
		struct inode *ino = list_entry(it, struct inode, hash);

		if (ino->refs > (ino == sb->root ? 1 : 0))
			return true;
	}
	return false;
}

static void sb_free(struct super_block *sb)
{
	if (sb->ops && sb->ops->kill)
		sb->ops->kill(sb);
	kfree(sb->mountpoint);
	kfree(sb);
}

void vfs_sb_released(struct super_block *sb)
{
	if (sb->detached && !sb_in_use(sb)) {
		list_del(&sb->link);
		sb_free(sb);
	}
}

struct super_block *sb_alloc(const struct super_ops *ops, const char *type, const char *source,
			     uint32_t magic, unsigned flags)
{
	struct super_block *sb = kzalloc(sizeof(*sb));

	if (!sb)
		return NULL;
	sb->ops = ops;
	sb->type = type;
	strlcpy(sb->source, source ? source : type, sizeof(sb->source));
	sb->magic = magic;
	sb->flags = flags;
	sb->dev = next_dev++;
	list_init(&sb->link);
	list_init(&sb->icache);
	return sb;
}

void inode_set_sb(struct inode *ino, struct super_block *sb)
{
	ino->sb = sb;
	ino->dev = sb ? sb->dev : 0;
}

int vfs_may_write(struct inode *ino)
{
	return ino->sb && (ino->sb->flags & SB_RDONLY) ? -EROFS : 0;
}

int vfs_mount(const char *path, struct super_block *sb)
{
	struct inode *dir = NULL;
	int err;

	if (list_empty(&mounts)) {
		/* The first mount is the root file system. */
		sb->mountpoint = kstrdup("/");
		if (!sb->mountpoint)
			return -ENOMEM;
		list_add_tail(&mounts, &sb->link);
		return 0;
	}
	err = vfs_lookup(NULL, path, false, &dir);
	if (err)
		return err;
	if (!S_ISDIR(dir->mode) || !S_ISDIR(sb->root->mode)) {
		err = -ENOTDIR;
		goto fail;
	}
	if (dir->mounted) {
		err = -EBUSY;
		goto fail;
	}
	/* At boot the kernel names its mount points exactly ("/proc"); a
	 * program's path may hold "..", symlinks or "//": ask the tree. */
	if (!current) {
		sb->mountpoint = kstrdup(path);
	} else {
		sb->mountpoint = kmalloc(PATH_MAX);
		if (sb->mountpoint && vfs_getcwd(dir, sb->mountpoint, PATH_MAX) < 0)
			strlcpy(sb->mountpoint, path, PATH_MAX);
	}
	if (!sb->mountpoint) {
		err = -ENOMEM;
		goto fail;
	}
	/* The table keeps the reference to dir and one to the root. */
	inode_ref(sb->root);
	dir->mounted = sb->root;
	sb->root->covered = dir;
	list_add_tail(&mounts, &sb->link);
	return 0;
fail:
	inode_unref(dir);
	return err;
}

int vfs_umount(const char *path, bool detach)
{
	struct super_block *sb;
	struct inode *root, *dir;
	int err = vfs_lookup(NULL, path, false, &root);

	if (err)
		return err;
	sb = root->sb;
	dir = root->covered;
	inode_unref(root);
	if (!sb || sb->root != root || !dir)
		return -EINVAL;      /* not a mount point (or the root) */
	/* The root has two references of its own (sb->root, the table's); more are users. */
	if (!detach && (sb->open_files || root->refs > 2))
		return -EBUSY;
	/* A file system with something mounted inside it stays. */
	for (struct list *it = mounts.next; it != &mounts; it = it->next) {
		struct super_block *o = list_entry(it, struct super_block, link);

		if (o != sb && o->root->covered && o->root->covered->sb == sb)
			return -EBUSY;
	}
	if (current && current_proc()->cwd && current_proc()->cwd->sb == sb && !detach)
		return -EBUSY;
	if (sb->ops && sb->ops->sync)
		sb->ops->sync(sb);
	dir->mounted = NULL;
	root->covered = NULL;
	list_del(&sb->link);
	inode_unref(dir);
	inode_unref(root);
	/* Still in use (MNT_DETACH): it lives on, unreachable, until its last user goes. */
	if (sb_in_use(sb)) {
		sb->detached = true;
		list_add_tail(&detached, &sb->link);
		return 0;
	}
	sb_free(sb);
	return 0;
}

static void opts_string(unsigned flags, char *buf, size_t n)
{
	snprintk(buf, n, "%s%s%s%s%s", flags & SB_RDONLY ? "ro" : "rw",
		 flags & SB_NOSUID ? ",nosuid" : "", flags & SB_NODEV ? ",nodev" : "",
		 flags & SB_NOEXEC ? ",noexec" : "", flags & SB_NOATIME ? ",noatime" : "");
}

void vfs_show_mounts(void (*put)(void *ctx, const char *line), void *ctx)
{
	char *line = kmalloc(PATH_MAX + 256);
	char opts[64];

	if (!line)
		return;
	for (struct list *it = mounts.next; it != &mounts; it = it->next) {
		struct super_block *sb = list_entry(it, struct super_block, link);

		opts_string(sb->flags, opts, sizeof(opts));
		snprintk(line, PATH_MAX + 256, "%s %s %s %s 0 0\n", sb->source, sb->mountpoint,
			 sb->type, opts);
		put(ctx, line);
	}
	kfree(line);
}

/* ---- file system types ---- */

static int tmpfs_mount(const char *source, unsigned flags, const char *data, struct super_block **out)
{
	*out = ramfs_create_sb(source, flags);
	return *out ? 0 : -ENOMEM;
}

static const struct fs_type fs_types[] = {
	{ "tmpfs", false, tmpfs_mount },
	{ "ramfs", false, tmpfs_mount },
	{ "ext4", true, ext2_mount },
	{ "ext3", true, ext2_mount },
	{ "ext2", true, ext2_mount },
};

int vfs_mount_fs(const char *type, const char *source, const char *target, unsigned flags,
		 const char *data)
{
	struct super_block *sb;
	int err;

	for (size_t i = 0; i < ARRAY_SIZE(fs_types); i++) {
		if (strcmp(fs_types[i].name, type) != 0)
			continue;
		err = fs_types[i].mount(source, flags, data, &sb);
		if (err)
			return err;
		err = vfs_mount(target, sb);
		if (err) {
			if (sb->ops && sb->ops->kill)
				sb->ops->kill(sb);
			kfree(sb);
		}
		return err;
	}
	return -ENODEV;
}

int vfs_remount(const char *target, unsigned flags)
{
	struct inode *root;
	struct super_block *sb;
	int err = vfs_lookup(NULL, target, false, &root);

	if (err)
		return err;
	sb = root->sb;
	if (!sb || sb->root != root)
		err = -EINVAL;
	else if (sb->ops && sb->ops->remount)
		err = sb->ops->remount(sb, flags);
	if (!err) {
		/* Going read-only: what is dirty goes down first. */
		if ((flags & SB_RDONLY) && !(sb->flags & SB_RDONLY))
			vfs_syncfs(sb);
		sb->flags = flags;
	}
	inode_unref(root);
	return err;
}

void vfs_show_fstypes(void (*put)(void *ctx, const char *line), void *ctx)
{
	char line[64];

	for (size_t i = 0; i < ARRAY_SIZE(fs_types); i++) {
		snprintk(line, sizeof(line), "%s\t%s\n", fs_types[i].needs_dev ? "" : "nodev",
			 fs_types[i].name);
		put(ctx, line);
	}
}

/* ---- statfs, sync ---- */

int vfs_statfs(struct inode *ino, struct statfs *sf)
{
	struct super_block *sb = ino->sb;
	int err = 0;

	memset(sf, 0, sizeof(*sf));
	sf->f_bsize = 4096;
	sf->f_frsize = 4096;
	sf->f_namelen = NAME_MAX;
	if (!sb)
		return 0;
	sf->f_type = sb->magic;
	sf->f_fsid.val[0] = (int)sb->dev;
	/* ST_* flags share the MS_* numbering; ST_VALID (0x20) says f_flags is filled. */
	sf->f_flags = 0x20 | (sb->flags & (SB_RDONLY | SB_NOSUID | SB_NODEV | SB_NOEXEC | SB_NOATIME));
	if (sb->ops && sb->ops->statfs)
		err = sb->ops->statfs(sb, sf);
	if (!sf->f_frsize)
		sf->f_frsize = sf->f_bsize;
	return err;
}

int vfs_syncfs(struct super_block *sb)
{
	int err = 0, e;

	if (sb)
		return sb->ops && sb->ops->sync ? sb->ops->sync(sb) : 0;
	for (struct list *it = mounts.next; it != &mounts; it = it->next) {
		struct super_block *s = list_entry(it, struct super_block, link);

		if (s->ops && s->ops->sync && !(s->flags & SB_RDONLY)) {
			e = s->ops->sync(s);
			if (e && !err)
				err = e;
		}
	}
	return err;
}

void vfs_shutdown(void)
{
	/* Nothing may sleep now: block I/O polls its devices. */
	blk_poll_only = true;
	for (struct list *it = detached.next; it != &detached; it = it->next) {
		struct super_block *sb = list_entry(it, struct super_block, link);

		if (sb->ops && sb->ops->shutdown && !(sb->flags & SB_RDONLY))
			sb->ops->shutdown(sb);
	}
	for (struct list *it = mounts.prev; it != &mounts; it = it->prev) {
		struct super_block *sb = list_entry(it, struct super_block, link);

		if (sb->ops && sb->ops->shutdown && !(sb->flags & SB_RDONLY))
			sb->ops->shutdown(sb);
	}
}

int vfs_fsync(struct inode *ino, bool datasync)
{
	if (S_ISBLK(ino->mode))
		return blkdev_fsync(ino);
	if (ino->iops && ino->iops->fsync)
		return ino->iops->fsync(ino, datasync);
	return 0;
}

/* ---- attributes ---- */

int vfs_setattr(struct inode *ino, struct iattr *a)
{
	int64_t now = clock_realtime_ns();
	int err = vfs_may_write(ino);

	if (err)
		return err;
	if (a->valid & ATTR_SIZE) {
		err = vfs_truncate(ino, a->size);
		if (err)
			return err;
	}
	if (a->valid & ATTR_MODE)
		ino->mode = (ino->mode & S_IFMT) | (a->mode & 07777);
	if (a->valid & ATTR_UID)
		ino->uid = a->uid;
	if (a->valid & ATTR_GID)
		ino->gid = a->gid;
	if (a->valid & ATTR_ATIME)
		ino->atime_ns = a->atime_ns;
	if (a->valid & ATTR_MTIME)
		ino->mtime_ns = a->mtime_ns;
	if (!(a->valid & ATTR_CTIME)) {
		a->valid |= ATTR_CTIME;
		a->ctime_ns = now;
	}
	ino->ctime_ns = a->ctime_ns;
	if (ino->iops && ino->iops->setattr)
		return ino->iops->setattr(ino, a);
	return 0;
}

int vfs_fallocate(struct inode *ino, int mode, uint64_t off, uint64_t len)
{
	int err = vfs_may_write(ino);

	if (err)
		return err;
	if (!ino->iops || !ino->iops->fallocate)
		return -EOPNOTSUPP;
	return ino->iops->fallocate(ino, mode, off, len);
}

/* ---- the inode cache ---- */

/* Cached inodes nobody references, least recently used first (inode.unused). */
static struct list unused = LIST_INIT(unused);
static size_t nunused;

struct inode *icache_find(struct super_block *sb, uint64_t ino)
{
	for (struct list *it = sb->icache.next; it != &sb->icache; it = it->next) {
		struct inode *i = list_entry(it, struct inode, hash);

		if (i->ino == ino) {
			if (i->refs == 0) {
				list_del(&i->unused);
				nunused--;
			}
			inode_ref(i);
			/* Recently used: to the front, where the next search starts. */
			list_del(&i->hash);
			list_add_head(&sb->icache, &i->hash);
			return i;
		}
	}
	return NULL;
}

void icache_insert(struct inode *ino)
{
	list_add_head(&ino->sb->icache, &ino->hash);
}

void icache_drop(struct inode *ino)
{
	if (!list_empty(&ino->unused)) {
		list_del(&ino->unused);
		nunused--;
	}
	list_del(&ino->hash);
	if (ino->iops && ino->iops->evict)
		ino->iops->evict(ino);
	kfree(ino);
}

size_t icache_shrink(size_t keep)
{
	size_t n = 0;

	while (nunused > keep) {
		icache_drop(list_entry(unused.next, struct inode, unused));
		n++;
	}
	return n;
}

void icache_park(struct inode *ino)
{
	list_add_tail(&unused, &ino->unused);
	nunused++;
	icache_shrink(ICACHE_UNUSED_MAX);
}
