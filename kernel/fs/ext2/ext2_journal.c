/* SPDX-License-Identifier: MIT */
/* ext2_journal.c: ext3/ext4 journal replay at mount: the buffer heads and journal loading around e2fsprogs' jbd2 recovery (e2fsck/recovery.c, revoke.c), after debugfs/journal.c. */

/*
 * e2fsprogs shares the kernel's jbd2 recovery code (recovery.c, revoke.c)
 * between e2fsck and debugfs; ext2.mk builds both from Debian's source with
 * jbd2_prelude.h.  They need a small "kernel" underneath: buffer heads read
 * and written through the file system's io channel, the journal inode's
 * block map, and a loaded journal_t.  debugfs/journal.c has that glue; this
 * is the part of it a mount needs: internal journals only (an external
 * journal device is refused), no journal writing.
 *
 * The replay runs on a file system opened read-write only for it, because
 * recovery writes blocks behind libext2fs' back (superblock, group
 * descriptors, bitmaps may all be in the journal): afterwards the file
 * system is opened afresh, needs_recovery is cleared, and the mount goes on
 * from a new ext2fs_open.  A journal that cannot be replayed (corrupt
 * superblock, bad checksums, unknown features) refuses the mount with the
 * reason and leaves needs_recovery set, so e2fsck sees it as it was.
 */

#define E2FSCK_INCLUDE_INLINE_FUNCS   /* jfs_user.h's inline helpers get their one definition here */
#include "jfs_user.h"
#include "ext2_journal.h"

/* io.c (declared in ext2.h, which this file cannot include: vfs.h's struct inode is not jbd2's). */
extern io_manager husk_io_manager;

/* ---- the kernel interface recovery.c and revoke.c call ---- */

int jbd2_journal_bmap(journal_t *journal, unsigned long block, unsigned long long *phys)
{
	struct inode *ji = journal->j_inode;
	blk64_t pblk = 0;
	errcode_t e;

	e = ext2fs_bmap2(ji->i_fs, ji->i_ino, &ji->i_ext2, NULL, 0, block, NULL, &pblk);
	*phys = pblk;
	/* A hole in the journal is corruption, not block 0 of the disk. */
	if (!e && !pblk)
		e = EXT2_ET_BAD_BLOCK_NUM;
	return (int)e;
}

struct buffer_head *getblk(kdev_t kdev, unsigned long long blocknr, int blocksize)
{
	struct buffer_head *bh;

	if (ext2fs_get_memzero(sizeof(*bh) + kdev->k_fs->blocksize - sizeof(bh->b_data), &bh))
		return NULL;
	bh->b_fs = kdev->k_fs;
	bh->b_io = kdev->k_fs->io;        /* internal journal: the journal lives on the same channel */
	bh->b_size = blocksize;
	bh->b_blocknr = blocknr;
	return bh;
}

int sync_blockdev(kdev_t kdev)
{
	return io_channel_flush(kdev->k_fs->io) ? EIO : 0;
}

void ll_rw_block(int rw, int op_flags, int nr, struct buffer_head *bhp[])
{
	for (; nr > 0; --nr) {
		struct buffer_head *bh = *bhp++;
		errcode_t e;

		if (rw == REQ_OP_READ && !bh->b_uptodate) {
			e = io_channel_read_blk64(bh->b_io, bh->b_blocknr, 1, bh->b_data);
			if (e) {
				bh->b_err = (int)e;
				continue;
			}
			bh->b_uptodate = 1;
		} else if (rw == REQ_OP_WRITE && bh->b_dirty) {
			e = io_channel_write_blk64(bh->b_io, bh->b_blocknr, 1, bh->b_data);
			if (e) {
				bh->b_err = (int)e;
				continue;
			}
			bh->b_dirty = 0;
			bh->b_uptodate = 1;
		}
	}
}

void mark_buffer_dirty(struct buffer_head *bh)
{
	bh->b_dirty = 1;
}

void brelse(struct buffer_head *bh)
{
	if (bh->b_dirty)
		ll_rw_block(REQ_OP_WRITE, 0, 1, &bh);
	ext2fs_free_mem(&bh);
}

int buffer_uptodate(struct buffer_head *bh)
{
	return bh->b_uptodate;
}

void mark_buffer_uptodate(struct buffer_head *bh, int val)
{
	bh->b_uptodate = val;
}

void wait_on_buffer(struct buffer_head *bh)
{
	if (!bh->b_uptodate)
		ll_rw_block(REQ_OP_READ, 0, 1, &bh);
}

/* ---- loading the journal ---- */

/* What a journal replay needs besides journal_t; freed by journal_free. */
struct jctx {
	journal_t j;
	struct kdev_s dev;
	struct inode ji;
	struct buffer_head *sb_bh;
};

static void journal_free(struct jctx *c)
{
	if (c->sb_bh)
		brelse(c->sb_bh);
	ext2fs_free_mem(&c);
}

/* Sets *why and returns e: the reasons a journal cannot be used. */
static errcode_t fail(const char **why, const char *msg, errcode_t e)
{
	*why = msg;
	return e;
}

static uint32_t jsb_csum(journal_superblock_t *jsb)
{
	uint32_t old = jsb->s_checksum, crc;

	jsb->s_checksum = 0;
	crc = ext2fs_crc32c_le(~0, (unsigned char *)jsb, sizeof(*jsb));
	jsb->s_checksum = old;
	return crc;
}

static bool uuid_null(const uint8_t *u)
{
	for (int i = 0; i < 16; i++)
		if (u[i])
			return false;
	return true;
}

/* Finds and checks the internal journal of fs, as ext2fs_get_journal and ext2fs_journal_load do. */
static errcode_t journal_load(ext2_filsys fs, struct jctx **out, const char **why)
{
	struct ext2_super_block *sb = fs->super;
	journal_superblock_t *jsb;
	unsigned long long start;
	struct jctx *c;
	journal_t *j;
	errcode_t e;

	if (!uuid_null(sb->s_journal_uuid) || !sb->s_journal_inum)
		return fail(why, "the journal is on another device (external journals are not supported)",
			    EXT2_ET_LOAD_EXT_JOURNAL);
	e = ext2fs_get_memzero(sizeof(*c), &c);
	if (e)
		return fail(why, "out of memory", e);
	j = &c->j;
	c->dev.k_fs = fs;
	c->dev.k_dev = K_DEV_JOURNAL;
	j->j_dev = j->j_fs_dev = &c->dev;
	j->j_blocksize = fs->blocksize;
	c->ji.i_fs = fs;
	c->ji.i_ino = sb->s_journal_inum;
	j->j_inode = &c->ji;
	e = ext2fs_read_inode(fs, sb->s_journal_inum, &c->ji.i_ext2);
	if (e || !c->ji.i_ext2.i_links_count || !LINUX_S_ISREG(c->ji.i_ext2.i_mode)) {
		e = fail(why, "the journal inode is not a journal", e ? e : EXT2_ET_NO_JOURNAL);
		goto err;
	}
	if (EXT2_I_SIZE(&c->ji.i_ext2) / fs->blocksize < JBD2_MIN_JOURNAL_BLOCKS) {
		e = fail(why, "the journal is too small", EXT2_ET_JOURNAL_TOO_SMALL);
		goto err;
	}
	j->j_total_len = EXT2_I_SIZE(&c->ji.i_ext2) / fs->blocksize;
	e = jbd2_journal_bmap(j, 0, &start);
	if (e) {
		e = fail(why, "the journal's first block is not mapped", e);
		goto err;
	}
	c->sb_bh = getblk(&c->dev, start, fs->blocksize);
	if (!c->sb_bh) {
		e = fail(why, "out of memory", EXT2_ET_NO_MEMORY);
		goto err;
	}
	j->j_sb_buffer = c->sb_bh;
	j->j_superblock = jsb = (journal_superblock_t *)c->sb_bh->b_data;
	ll_rw_block(REQ_OP_READ, 0, 1, &c->sb_bh);
	if (c->sb_bh->b_err) {
		e = fail(why, "the journal superblock cannot be read", c->sb_bh->b_err);
		goto err;
	}
	if (jsb->s_header.h_magic != htonl(JBD2_MAGIC_NUMBER)) {
		e = fail(why, "the journal superblock is corrupt (bad magic number)", EXT2_ET_CORRUPT_JOURNAL_SB);
		goto err;
	}
	switch (ntohl(jsb->s_header.h_blocktype)) {
	case JBD2_SUPERBLOCK_V1:
		j->j_format_version = 1;
		break;
	case JBD2_SUPERBLOCK_V2:
		j->j_format_version = 2;
		if (ntohl(jsb->s_nr_users) > 1) {
			e = fail(why, "the journal is shared by several file systems", EXT2_ET_JOURNAL_UNSUPP_VERSION);
			goto err;
		}
		break;
	default:
		e = fail(why, "the journal superblock is corrupt (unknown block type)", EXT2_ET_CORRUPT_JOURNAL_SB);
		goto err;
	}
	if (JBD2_HAS_INCOMPAT_FEATURE(j, ~JBD2_KNOWN_INCOMPAT_FEATURES) ||
	    JBD2_HAS_RO_COMPAT_FEATURE(j, ~JBD2_KNOWN_ROCOMPAT_FEATURES)) {
		e = fail(why, "the journal has features husk does not know", EXT2_ET_UNSUPP_FEATURE);
		goto err;
	}
	/* Fast-commit blocks are replayed by a file-system callback only e2fsck and Linux have. */
	if (jbd2_has_feature_fast_commit(j)) {
		e = fail(why, "the journal has fast commits (not replayed here)", EXT2_ET_UNSUPP_FEATURE);
		goto err;
	}
	if ((jbd2_has_feature_csum2(j) && jbd2_has_feature_csum3(j)) ||
	    (jbd2_journal_has_csum_v2or3(j) && jbd2_has_feature_checksum(j)) ||
	    (jbd2_journal_has_csum_v2or3(j) &&
	     (jsb->s_checksum_type != JBD2_CRC32C_CHKSUM || ntohl(jsb->s_checksum) != jsb_csum(jsb)))) {
		e = fail(why, "the journal superblock is corrupt (checksum)", EXT2_ET_CORRUPT_JOURNAL_SB);
		goto err;
	}
	if (jbd2_journal_has_csum_v2or3(j))
		j->j_csum_seed = jbd2_chksum(j, ~0, jsb->s_uuid, sizeof(jsb->s_uuid));
	if (ntohl(jsb->s_blocksize) != (uint32_t)j->j_blocksize || ntohl(jsb->s_maxlen) > j->j_total_len ||
	    ntohl(jsb->s_first) == 0 || ntohl(jsb->s_first) >= ntohl(jsb->s_maxlen) ||
	    ntohl(jsb->s_start) >= ntohl(jsb->s_maxlen)) {
		e = fail(why, "the journal superblock is corrupt (sizes)", EXT2_ET_CORRUPT_JOURNAL_SB);
		goto err;
	}
	j->j_total_len = ntohl(jsb->s_maxlen);
	j->j_tail_sequence = ntohl(jsb->s_sequence);
	j->j_transaction_sequence = j->j_tail_sequence;
	j->j_tail = ntohl(jsb->s_start);
	j->j_first = ntohl(jsb->s_first);
	j->j_last = ntohl(jsb->s_maxlen);
	*out = c;
	return 0;
err:
	journal_free(c);
	return e;
}

/* Replays the journal on an open read-write fs; the journal is marked empty after. */
static errcode_t replay(ext2_filsys fs, tid_t *failed, const char **why)
{
	struct jctx *c;
	journal_superblock_t *jsb;
	errcode_t e;
	int r;

	e = journal_load(fs, &c, why);
	if (e)
		return e;
	e = jbd2_journal_init_revoke_record_cache();
	if (!e)
		e = jbd2_journal_init_revoke_table_cache();
	if (!e)
		e = jbd2_journal_init_revoke(&c->j, 1024);
	if (e) {
		e = fail(why, "out of memory", EXT2_ET_NO_MEMORY);
		goto out;
	}
	/* Writes every replayed block and flushes the device before it returns. */
	r = jbd2_journal_recover(&c->j);
	if (r) {
		e = fail(why, "the journal is corrupt (recovery failed)", r < 0 ? (errcode_t)-r : (errcode_t)r);
		goto out;
	}
	*failed = c->j.j_failed_commit;
	/* Now the journal is empty: the next transaction number, start 0. */
	jsb = c->j.j_superblock;
	jsb->s_sequence = htonl(c->j.j_transaction_sequence);
	jsb->s_start = 0;
	if (c->j.j_failed_commit)
		jsb->s_errno = htonl((uint32_t)-EINVAL);
	if (jbd2_journal_has_csum_v2or3(&c->j))
		jsb->s_checksum = htonl(jsb_csum(jsb));
	mark_buffer_dirty(c->sb_bh);
	ll_rw_block(REQ_OP_WRITE, 0, 1, &c->sb_bh);
	e = c->sb_bh->b_err;
	if (!e)
		e = io_channel_flush(fs->io);
	if (e)
		fail(why, "the emptied journal superblock cannot be written", e);
out:
	jbd2_journal_destroy_revoke(&c->j);
	jbd2_journal_destroy_revoke_record_cache();
	jbd2_journal_destroy_revoke_table_cache();
	journal_free(c);
	return e;
}

int ext2_journal_replay(const char *dev, const char *source)
{
	ext2_filsys fs;
	const char *why = "";
	tid_t failed = 0;
	errcode_t e;

	e = ext2fs_open2(dev, NULL, EXT2_FLAG_RW | EXT2_FLAG_64BITS, 0, 0, husk_io_manager, &fs);
	if (e) {
		printk_err("husk: cannot mount %s: %s\n", source, error_message(e));
		return -EINVAL;
	}
	e = replay(fs, &failed, &why);
	/* What libext2fs holds in memory may be older than what the journal wrote: drop it unwritten. */
	ext2fs_free(fs);
	if (e) {
		printk_err("husk: cannot mount %s: %s: %s (run e2fsck on the image)\n", source, why,
			   error_message(e));
		return e == EXT2_ET_NO_MEMORY ? -ENOMEM : -EUCLEAN;
	}
	e = ext2fs_open2(dev, NULL, EXT2_FLAG_RW | EXT2_FLAG_64BITS, 0, 0, husk_io_manager, &fs);
	if (e) {
		printk_err("husk: cannot mount %s after its journal replay: %s\n", source, error_message(e));
		return -EINVAL;
	}
	ext2fs_clear_feature_journal_needs_recovery(fs->super);
	/* A commit that failed its checksum ended the replay there: the file system needs e2fsck. */
	if (failed)
		fs->super->s_state |= EXT2_ERROR_FS;
	if (fs->super->s_lastcheck >= fs->super->s_mtime)
		fs->super->s_lastcheck = fs->super->s_mtime - 1;
	ext2fs_mark_super_dirty(fs);
	e = ext2fs_close2(fs, 0);
	if (e) {
		printk_err("husk: cannot mount %s: writing the superblock after the journal replay: %s\n", source,
			   error_message(e));
		return -EIO;
	}
	if (failed)
		printk_err("husk: %s: journal transaction %u failed its checksum; replayed up to it, "
			   "file system marked with errors\n", source, failed);
	else
		printk("husk: %s: journal replayed\n", source);
	return 0;
}
