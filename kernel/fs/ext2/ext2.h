/* SPDX-License-Identifier: MIT */
/* ext2.h: ext2/ext3/ext4 volumes through libext2fs: private to kernel/fs/ext2. */
#ifndef FS_EXT2_H
#define FS_EXT2_H

/* libext2fs' headers first: they bring the C library shim (shim/husk_libc.h). */
#include <ext2fs/ext2_fs.h>
#include <ext2fs/ext2fs.h>
#include "blkdev.h"
#include "ext2_journal.h"
#include "pagecache.h"
#include "vfs.h"

/* io.c: the io_manager over the block layer; channels are named by device ("vda"). */
extern io_manager husk_io_manager;
/* Forgets what the channel caches of blocks [block, block + n): they are being written around it. */
void husk_io_forget(io_channel ch, uint64_t block, uint64_t n);
/* Holds single-block writes until husk_io_release (0 or -errno), which writes
 * each held block once, in the order of their last writes (see io.c): around
 * a libext2fs call whose intermediate states must not reach the disk. */
void husk_io_hold(io_channel ch);
int husk_io_release(io_channel ch);

/* One mounted volume (super_block.priv). */
struct ext2_vol {
	ext2_filsys fs;
	struct blkdev *bd;
	bool was_clean;               /* EXT2_VALID_FS when mounted: restored at umount */
	/* Data writes of the write-back in progress (ext2_file.c), all in flight together. */
	struct list wb_pending;
	size_t wb_bytes;
};

/* What the disk inode holds of the VFS inode's fields, as last read or written. */
struct ext2_disk_state {
	unsigned mode, uid, gid, nlink;
	uint64_t size;
	int64_t atime_ns, mtime_ns, ctime_ns;
};

/* One cached inode (inode.priv). */
struct ext2_node {
	struct pcache pc;             /* regular files' data */
	bool dirty_inode;             /* size or times changed since the disk inode was written */
	struct ext2_disk_state disk;  /* to tell whether the inode needs writing */
};

static inline ext2_filsys vol_fs(struct super_block *sb)
{
	return ((struct ext2_vol *)sb->priv)->fs;
}

/* The file system and the cached-inode data of a VFS inode of a volume. */
static inline ext2_filsys ifs(struct inode *ino)
{
	return vol_fs(ino->sb);
}

static inline struct ext2_node *node(struct inode *ino)
{
	return ino->priv;
}

/* ext2_inode.c */
/* The inode numbered ino of the volume, from the inode cache or the disk; 0 or -errno. */
int ext2_iget(struct super_block *sb, ext2_ino_t ino, struct inode **out);
/* Writes the in-memory inode's size, times, mode and owners to the disk inode. */
int ext2_write_vfs_inode(struct inode *ino);
/* Reads the disk inode of ino. */
int ext2_read_disk(struct inode *ino, struct ext2_inode_large *di);

/* ext2_file.c: file data, for the inode operations of ext2_inode.c. */
extern const struct pcache_ops ext2_pcops;
ssize_t ext2_read(struct inode *ino, void *buf, size_t n, off_t off);
ssize_t ext2_write(struct inode *ino, const void *buf, size_t n, off_t off);
void *ext2_get_page(struct inode *ino, uint64_t idx);
int ext2_truncate(struct inode *ino, uint64_t size);
int ext2_fsync(struct inode *ino, bool datasync);
int ext2_fallocate(struct inode *ino, int mode, uint64_t off, uint64_t len);
/* libext2fs error code -> -errno. */
int ext2_errno(errcode_t e);

/* ext2_xattr.c: the inode_ops xattr operations (see vfs.h). */
ssize_t ext2_getxattr(struct inode *ino, const char *name, void *buf, size_t n);
ssize_t ext2_listxattr(struct inode *ino, char *buf, size_t n);
int ext2_setxattr(struct inode *ino, const char *name, const void *val, size_t n, int flags);
int ext2_removexattr(struct inode *ino, const char *name);

/* ext2_super.c: mount(2) of "ext2", "ext3", "ext4". */
int ext2_mount(const char *source, unsigned flags, const char *data, struct super_block **out);
int ext2_sync_fs(struct super_block *sb);

#endif
