/* SPDX-License-Identifier: MIT */
/* ext2_super.c: mounting ext2/ext3/ext4 volumes with libext2fs: checks that refuse unclean or corrupt images, statfs, sync, umount. */
#include "ext2.h"
#include <asm/statfs.h>

/*
 * A volume is opened with ext2fs_open2 on the block device.  A journal that
 * needs recovery is replayed first (ext2_journal.c, e2fsprogs' jbd2
 * recovery), for read-only mounts too, as Linux does; one that cannot be
 * replayed refuses the mount.  Before it is used we refuse what we cannot
 * use safely, with a message on the console: a file system not cleanly
 * unmounted or with errors recorded (read-write; read-only mounts are
 * allowed), unknown features (libext2fs refuses those itself).
 *
 * We write no journal (libext2fs has no transactions): metadata goes to its
 * home location directly, and needs_recovery is never set by us.  Instead a
 * read-write mount clears EXT2_VALID_FS on the disk and a clean umount sets
 * it again (as Linux does without a journal), so after a crash the image is
 * marked not clean and e2fsck -fy checks it in full; the journal itself stays
 * empty, so the image is still a valid ext3/ext4 for Linux and e2fsck.
 */

static const struct super_ops ext2_sops;

int ext2_sync_fs(struct super_block *sb)
{
	struct ext2_vol *v = sb->priv;
	errcode_t e;
	int err = 0;

	if (sb->flags & SB_RDONLY)
		return 0;
	for (struct list *it = sb->icache.next; it != &sb->icache; it = it->next) {
		struct inode *ino = list_entry(it, struct inode, hash);
		struct ext2_node *n = ino->priv;
		int r = S_ISREG(ino->mode) ? pcache_writeback(&n->pc, ino) : 0;

		if (!r && n->dirty_inode)
			r = ext2_write_vfs_inode(ino);
		if (r && !err)
			err = r;
	}
	e = ext2fs_flush2(v->fs, 0);
	if (e && !err)
		err = ext2_errno(e);
	/* The write cache of the device (the host's page cache) too. */
	if (blk_flush(v->bd) && !err)
		err = -EIO;
	return err;
}

static int ext2_statfs(struct super_block *sb, struct statfs *sf)
{
	ext2_filsys fs = vol_fs(sb);
	uint64_t blocks = ext2fs_blocks_count(fs->super);
	uint64_t bfree = ext2fs_free_blocks_count(fs->super);
	uint64_t reserved = ext2fs_r_blocks_count(fs->super);

	sf->f_bsize = fs->blocksize;
	sf->f_frsize = fs->blocksize;
	sf->f_blocks = blocks;
	sf->f_bfree = bfree;
	sf->f_bavail = bfree > reserved ? bfree - reserved : 0;
	sf->f_files = fs->super->s_inodes_count;
	sf->f_ffree = fs->super->s_free_inodes_count;
	sf->f_namelen = EXT2_NAME_LEN;
	return 0;
}

static int mark_mounted(struct ext2_vol *v, bool mounting)
{
	ext2_filsys fs = v->fs;

	if (mounting) {
		fs->super->s_state &= ~EXT2_VALID_FS;
		fs->super->s_mnt_count++;
		fs->super->s_mtime = fs->now ? fs->now : time(NULL);
	} else if (v->was_clean) {
		fs->super->s_state |= EXT2_VALID_FS;
	}
	ext2fs_mark_super_dirty(fs);
	return ext2_errno(ext2fs_flush2(fs, 0));
}

static int ext2_remount(struct super_block *sb, unsigned flags)
{
	struct ext2_vol *v = sb->priv;

	/* Going between read-only and read-write would need the checks of a new mount. */
	if ((flags & SB_RDONLY) != (sb->flags & SB_RDONLY))
		return -EBUSY;
	(void)v;
	return 0;
}

static void ext2_kill(struct super_block *sb)
{
	struct ext2_vol *v = sb->priv;

	if (!(sb->flags & SB_RDONLY)) {
		if (ext2_sync_fs(sb) == 0)
			mark_mounted(v, false);
		blk_flush(v->bd);
	}
	/* Inodes still cached belong to files nobody references any more. */
	while (!list_empty(&sb->icache))
		icache_drop(list_entry(sb->icache.next, struct inode, hash));
	ext2fs_close2(v->fs, EXT2_FLAG_FLUSH_NO_SYNC);
	v->bd->mounted--;
	kfree(v);
}

/* The VM ends while mounted: as a clean umount, without freeing anything. */
static void ext2_shutdown(struct super_block *sb)
{
	struct ext2_vol *v = sb->priv;

	if (ext2_sync_fs(sb) == 0)
		mark_mounted(v, false);
	blk_flush(v->bd);
}

static const struct super_ops ext2_sops = {
	.shutdown = ext2_shutdown,
	.statfs = ext2_statfs,
	.sync = ext2_sync_fs,
	.remount = ext2_remount,
	.kill = ext2_kill,
};

/* Prints why source cannot be mounted; returns err. */
static int refuse(const char *source, const char *why, int err)
{
	printk_err("husk: cannot mount %s: %s\n", source, why);
	return err;
}

/*
 * The orphan list (s_last_orphan, chained through i_dtime): inodes Linux
 * was deleting or truncating when it stopped, which its next mount (or
 * e2fsck) finishes.  A read-write mount does it here, as e2fsck's
 * release_orphan_inodes does: an inode without links loses its blocks,
 * extended attributes and itself; one with links is cut to its size.
 * 0, or -EUCLEAN when the list is broken (left for e2fsck).
 */
static int release_orphans(ext2_filsys fs, const char *source)
{
	ext2_ino_t ino = fs->super->s_last_orphan;
	unsigned done = 0;

	if (ext2fs_has_feature_orphan_present(fs->super))
		return refuse(source, "its orphan file lists inodes to release (run e2fsck on the image)", -EUCLEAN);
	while (ino) {
		struct ext2_inode_large di;
		errcode_t e;

		if (ino < EXT2_FIRST_INODE(fs->super) || ino > fs->super->s_inodes_count ||
		    done++ > fs->super->s_inodes_count)
			return refuse(source, "its orphan list is corrupt (run e2fsck on the image)", -EUCLEAN);
		memset(&di, 0, sizeof(di));
		e = ext2fs_read_inode_full(fs, ino, EXT2_INODE(&di), sizeof(di));
		if (!e && di.i_links_count == 0) {
			ext2_ino_t next = di.i_dtime;

			e = ext2fs_free_ext_attr(fs, ino, &di);
			if (!e && ext2fs_inode_has_valid_blocks2(fs, EXT2_INODE(&di)))
				e = ext2fs_punch(fs, ino, EXT2_INODE(&di), NULL, 0, ~0ULL);
			di.i_dtime = fs->now ? fs->now : time(NULL);
			if (!e)
				e = ext2fs_write_inode_full(fs, ino, EXT2_INODE(&di), sizeof(di));
			if (!e)
				ext2fs_inode_alloc_stats2(fs, ino, -1, LINUX_S_ISDIR(di.i_mode));
			ino = next;
		} else if (!e) {
			ext2_ino_t next = di.i_dtime;
			uint64_t keep = (EXT2_I_SIZE(&di) + fs->blocksize - 1) / fs->blocksize;

			if (LINUX_S_ISREG(di.i_mode) && ext2fs_inode_has_valid_blocks2(fs, EXT2_INODE(&di)))
				e = ext2fs_punch(fs, ino, EXT2_INODE(&di), NULL, keep, ~0ULL);
			di.i_dtime = 0;
			if (!e)
				e = ext2fs_write_inode_full(fs, ino, EXT2_INODE(&di), sizeof(di));
			ino = next;
		}
		if (e) {
			printk_err("husk: cannot mount %s: releasing orphan inode %u: %s (run e2fsck on the image)\n",
				   source, ino, error_message(e));
			return -EUCLEAN;
		}
	}
	if (done) {
		fs->super->s_last_orphan = 0;
		ext2fs_mark_super_dirty(fs);
		printk("husk: %s: %u orphan inode(s) released\n", source, done);
	}
	return 0;
}

int ext2_mount(const char *source, unsigned flags, const char *data, struct super_block **out)
{
	struct blkdev *bd;
	struct ext2_vol *v;
	struct super_block *sb;
	ext2_filsys fs;
	errcode_t e;
	int err, oflags = EXT2_FLAG_64BITS;
	bool replayed = false;

	err = blkdev_lookup(source, &bd);
	if (err)
		return err;
	if (bd->ro)
		flags |= SB_RDONLY;
	if (!(flags & SB_RDONLY))
		oflags |= EXT2_FLAG_RW;
reopen:
	e = ext2fs_open2(bd->name, NULL, oflags, 0, 0, husk_io_manager, &fs);
	if (e) {
		printk_err("husk: cannot mount %s: %s\n", source, error_message(e));
		return e == EXT2_ET_NO_MEMORY ? -ENOMEM : -EINVAL;
	}
	if (ext2fs_blocks_count(fs->super) > bd->nsectors / (fs->blocksize / BLK_SECTOR)) {
		err = refuse(source, "the file system is larger than the device (a truncated image?)", -EINVAL);
		goto fail_close;
	}
	if (ext2fs_has_feature_journal_needs_recovery(fs->super)) {
		/* As Linux does, also for a read-only mount: the device must take the writes. */
		if (bd->ro || replayed) {
			err = refuse(source, bd->ro ? "the journal needs recovery and the device is read-only "
					 "(run e2fsck on the image)" : "the journal still needs recovery after its replay",
				     bd->ro ? -EROFS : -EUCLEAN);
			goto fail_close;
		}
		/* Nothing was written through this fs: drop it, replay, and open it again. */
		ext2fs_free(fs);
		err = ext2_journal_replay(bd->name, source);
		if (err)
			return err;
		replayed = true;
		goto reopen;
	}
	if (!(flags & SB_RDONLY) && (!(fs->super->s_state & EXT2_VALID_FS) ||
				      (fs->super->s_state & EXT2_ERROR_FS))) {
		err = refuse(source, "not cleanly unmounted or has errors (run e2fsck on the image)", -EUCLEAN);
		goto fail_close;
	}
	if (!(flags & SB_RDONLY)) {
		e = ext2fs_read_bitmaps(fs);
		if (e) {
			printk_err("husk: cannot mount %s: bitmaps: %s\n", source, error_message(e));
			err = -EINVAL;
			goto fail_close;
		}
		err = release_orphans(fs, source);
		if (err)
			goto fail_close;
	}
	v = kzalloc(sizeof(*v));
	sb = sb_alloc(&ext2_sops, ext2fs_has_feature_extents(fs->super) ? "ext4" :
		      ext2fs_has_feature_journal(fs->super) ? "ext3" : "ext2",
		      source, EXT2_SUPER_MAGIC, flags);
	if (!v || !sb) {
		kfree(v);
		kfree(sb);
		err = -ENOMEM;
		goto fail_close;
	}
	v->fs = fs;
	v->bd = bd;
	v->was_clean = fs->super->s_state & EXT2_VALID_FS;
	list_init(&v->wb_pending);
	sb->priv = v;
	err = ext2_iget(sb, EXT2_ROOT_INO, &sb->root);
	if (!err && !S_ISDIR(sb->root->mode)) {
		inode_unref(sb->root);
		err = refuse(source, "the root inode is not a directory", -EINVAL);
	}
	if (err) {
		kfree(v);
		kfree(sb);
		goto fail_close;
	}
	if (!(flags & SB_RDONLY)) {
		err = mark_mounted(v, true);
		if (err) {
			inode_unref(sb->root);
			kfree(v);
			kfree(sb);
			goto fail_close;
		}
	}
	bd->mounted++;
	(void)data;
	*out = sb;
	return 0;
fail_close:
	ext2fs_close2(fs, EXT2_FLAG_FLUSH_NO_SYNC);
	return err;
}
