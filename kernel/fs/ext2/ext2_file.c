/* SPDX-License-Identifier: MIT */
/* ext2_file.c: file data of ext2/ext3/ext4 volumes: the page cache's page I/O through libext2fs (with read-ahead), truncate, fsync, fallocate. */
#include "ext2.h"
#include "ktime.h"
#include <linux/falloc.h>

static int ext2_readpage(struct inode *ino, uint64_t idx, void *page)
{
	ext2_file_t f;
	unsigned got = 0;
	errcode_t e = ext2fs_file_open2(ifs(ino), ino->ino, NULL, 0, &f);

	if (e)
		return ext2_errno(e);
	e = ext2fs_file_llseek(f, idx * PAGE_SIZE, EXT2_SEEK_SET, NULL);
	if (!e)
		e = ext2fs_file_read(f, page, PAGE_SIZE, &got);
	ext2fs_file_close(f);
	if (e)
		return ext2_errno(e);
	memset((char *)page + got, 0, PAGE_SIZE - got);
	return 0;
}

static int ext2_writepage(struct inode *ino, uint64_t idx, const void *page, size_t len)
{
	ext2_file_t f;
	unsigned wrote = 0;
	errcode_t e = ext2fs_file_open2(ifs(ino), ino->ino, NULL, EXT2_FILE_WRITE, &f), e2;

	if (e)
		return ext2_errno(e);
	e = ext2fs_file_llseek(f, idx * PAGE_SIZE, EXT2_SEEK_SET, NULL);
	if (!e)
		e = ext2fs_file_write(f, page, len, &wrote);
	e2 = ext2fs_file_close(f);
	if (!e && wrote != len)
		e = EXT2_ET_SHORT_WRITE;
	return ext2_errno(e ? e : e2);
}

/*
 * Read-ahead: maps each block of the pages with ext2fs_bmap2 and reads runs
 * of consecutive disk blocks with one request each; holes and unwritten
 * (fallocated) extents read as zeros.  Files with inline data use readpage.
 */
static int ext2_readpages(struct inode *ino, uint64_t idx, unsigned n, void **pages)
{
	ext2_filsys fs = ifs(ino);
	struct ext2_inode_large di;
	unsigned per = PAGE_SIZE / fs->blocksize, nblocks = n * per;
	uint64_t first = idx * per;
	uint8_t *buf;
	int err = ext2_read_disk(ino, &di);

	if (err)
		return err;
	if (di.i_flags & EXT4_INLINE_DATA_FL || fs->blocksize > PAGE_SIZE)
		return -EOPNOTSUPP;
	buf = kmalloc((size_t)nblocks * fs->blocksize);
	if (!buf)
		return -ENOMEM;
	for (unsigned i = 0; i < nblocks && !err;) {
		blk64_t pblk = 0, next = 0;
		int flags = 0;
		unsigned run = 1;

		if (ext2fs_bmap2(fs, ino->ino, EXT2_INODE(&di), NULL, 0, first + i, &flags, &pblk)) {
			err = -EIO;
			break;
		}
		if (!pblk || (flags & BMAP_RET_UNINIT)) {
			memset(buf + (size_t)i * fs->blocksize, 0, fs->blocksize);
			i++;
			continue;
		}
		while (i + run < nblocks) {
			flags = 0;
			if (ext2fs_bmap2(fs, ino->ino, EXT2_INODE(&di), NULL, 0, first + i + run, &flags, &next) ||
			    next != pblk + run || (flags & BMAP_RET_UNINIT))
				break;
			run++;
		}
		if (io_channel_read_blk64(fs->io, pblk, run, buf + (size_t)i * fs->blocksize))
			err = -EIO;
		i += run;
	}
	for (unsigned k = 0; k < n && !err; k++) {
		uint64_t start = (idx + k) * PAGE_SIZE;

		memcpy(pages[k], buf + (size_t)k * PAGE_SIZE, PAGE_SIZE);
		/* Bytes past the end of the file read as zeros. */
		if (start + PAGE_SIZE > ino->size)
			memset((char *)pages[k] + (ino->size - start), 0, start + PAGE_SIZE - ino->size);
	}
	kfree(buf);
	return err;
}

/*
 * Write-back of a run of pages: the blocks the run lacks are allocated in
 * one ext2fs_fallocate (contiguous extents where the disk has room, instead
 * of one allocation and inode write per block), the run is copied into one
 * buffer and each stretch of consecutive disk blocks goes down as one
 * request.  A run touching an unwritten (fallocated) extent, inline data, or
 * an allocation that fails (a full disk) is left to writepage, page by page,
 * which knows those cases.
 */
static int ext2_writepages(struct inode *ino, uint64_t idx, unsigned n, void **pages, size_t len)
{
	ext2_filsys fs = ifs(ino);
	struct ext2_inode_large di;
	unsigned bs = fs->blocksize, per = PAGE_SIZE / bs;
	unsigned nblocks = (unsigned)ALIGN_UP(len, bs) / bs;
	uint64_t first = idx * per;
	blk64_t *map;
	uint8_t *buf;
	errcode_t e;
	int err = ext2_read_disk(ino, &di);

	if (err)
		return err;
	if (di.i_flags & EXT4_INLINE_DATA_FL || bs > PAGE_SIZE)
		return -EOPNOTSUPP;
	e = ext2fs_fallocate(fs, EXT2_FALLOCATE_FORCE_INIT | EXT2_FALLOCATE_INIT_BEYOND_EOF, ino->ino,
			     EXT2_INODE(&di), ~0ULL, first, nblocks);
	/* What it did allocate is in di (i_blocks) even when it failed part way. */
	err = ext2_errno(ext2fs_write_inode_full(fs, ino->ino, EXT2_INODE(&di), sizeof(di)));
	if (err)
		return err;
	if (e)
		return -EOPNOTSUPP;
	map = kmalloc(nblocks * sizeof(*map));
	buf = kmalloc((size_t)nblocks * bs);
	if (!map || !buf) {
		err = -EOPNOTSUPP;
		goto out;
	}
	for (unsigned i = 0; i < nblocks; i++) {
		int flags = 0;

		map[i] = 0;
		if (ext2fs_bmap2(fs, ino->ino, EXT2_INODE(&di), NULL, 0, first + i, &flags, &map[i]) ||
		    !map[i] || (flags & BMAP_RET_UNINIT)) {
			err = -EOPNOTSUPP;
			goto out;
		}
	}
	for (unsigned k = 0; k < n; k++)
		memcpy(buf + (size_t)k * PAGE_SIZE, pages[k], MIN(PAGE_SIZE, len - (size_t)k * PAGE_SIZE));
	/* The tail of the last block, past the end of the file, reads as zeros. */
	memset(buf + len, 0, (size_t)nblocks * bs - len);
	for (unsigned i = 0; i < nblocks;) {
		unsigned run = 1;

		while (i + run < nblocks && map[i + run] == map[i] + run)
			run++;
		e = io_channel_write_blk64(fs->io, map[i], run, buf + (size_t)i * bs);
		if (e) {
			err = ext2_errno(e);
			break;
		}
		i += run;
	}
out:
	kfree(map);
	kfree(buf);
	return err;
}

const struct pcache_ops ext2_pcops = {
	.readpage = ext2_readpage,
	.writepage = ext2_writepage,
	.readpages = ext2_readpages,
	.writepages = ext2_writepages,
};

ssize_t ext2_read(struct inode *ino, void *buf, size_t n, off_t off)
{
	return pcache_read(&node(ino)->pc, ino, buf, n, off);
}

ssize_t ext2_write(struct inode *ino, const void *buf, size_t n, off_t off)
{
	ssize_t r;

	if (off < 0)
		return -EINVAL;
	if (vfs_may_write(ino))
		return -EROFS;
	r = pcache_write(&node(ino)->pc, ino, buf, n, off);
	if (r > 0)
		node(ino)->dirty_inode = true;
	return r;
}

void *ext2_get_page(struct inode *ino, uint64_t idx)
{
	if (!(ino->sb->flags & SB_RDONLY))
		node(ino)->dirty_inode = true;
	return pcache_get_page(&node(ino)->pc, ino, idx);
}

/* Sets the disk size (freeing blocks past it) and the cache's. */
static int set_size(struct inode *ino, uint64_t size)
{
	struct ext2_node *n = node(ino);
	ext2_file_t f;
	errcode_t e, e2;
	int err;

	/* Dirty data below the new end goes down first: it must survive. */
	err = pcache_writeback(&n->pc, ino);
	if (err)
		return err;
	pcache_truncate(&n->pc, size);
	e = ext2fs_file_open2(ifs(ino), ino->ino, NULL, EXT2_FILE_WRITE, &f);
	if (e)
		return ext2_errno(e);
	e = ext2fs_file_set_size2(f, size);
	e2 = ext2fs_file_close(f);
	if (e || e2)
		return ext2_errno(e ? e : e2);
	ino->size = size;
	return 0;
}

int ext2_truncate(struct inode *ino, uint64_t size)
{
	int err = set_size(ino, size);

	if (err)
		return err;
	inode_touch(ino, true, true);
	return ext2_write_vfs_inode(ino);
}

int ext2_fsync(struct inode *ino, bool datasync)
{
	struct super_block *sb = ino->sb;
	int err = 0;

	if (sb->flags & SB_RDONLY)
		return 0;
	if (S_ISREG(ino->mode))
		err = pcache_writeback(&node(ino)->pc, ino);
	if (!err)
		err = ext2_write_vfs_inode(ino);
	/* Blocks and inodes the file took are in the bitmaps and group counts. */
	if (!err)
		err = ext2_errno(ext2fs_flush2(vol_fs(sb), 0));
	if (!err && blk_flush(((struct ext2_vol *)sb->priv)->bd))
		err = -EIO;
	return err;
}

int ext2_fallocate(struct inode *ino, int mode, uint64_t off, uint64_t len)
{
	ext2_filsys fs = ifs(ino);
	struct ext2_inode_large di;
	uint64_t bs = fs->blocksize, end = off + len;
	errcode_t e;
	int err;

	if (mode & FALLOC_FL_PUNCH_HOLE) {
		uint64_t first = ALIGN_UP(off, bs) / bs, last = end / bs;   /* whole blocks [first, last) */
		static const uint8_t zeros[512];

		if (end > ino->size)
			end = ino->size;
		/* The cache goes down first; then partial blocks get zeros, whole ones are freed. */
		err = pcache_writeback(&node(ino)->pc, ino);
		if (err)
			return err;
		for (uint64_t p = off; p < end;) {
			size_t chunk = MIN(sizeof(zeros), end - p);

			if (p / bs >= first && p / bs < last) {
				p = last * bs;
				continue;
			}
			chunk = MIN(chunk, bs - p % bs);
			if (pcache_write(&node(ino)->pc, ino, zeros, chunk, p) != (ssize_t)chunk)
				return -EIO;
			p += chunk;
		}
		err = pcache_writeback(&node(ino)->pc, ino);
		if (err || first >= last)
			return err;
		pcache_release(&node(ino)->pc);
		err = ext2_read_disk(ino, &di);
		if (err)
			return err;
		e = ext2fs_punch(fs, ino->ino, EXT2_INODE(&di), NULL, first, last - 1);
		if (!e)
			e = ext2fs_write_inode_full(fs, ino->ino, EXT2_INODE(&di), sizeof(di));
		inode_touch(ino, true, true);
		return ext2_errno(e);
	}
	err = ext2_read_disk(ino, &di);
	if (err)
		return err;
	e = ext2fs_fallocate(fs, EXT2_FALLOCATE_INIT_BEYOND_EOF, ino->ino, EXT2_INODE(&di), ~0ULL,
			     off / bs, ALIGN_UP(end, bs) / bs - off / bs);
	if (!e)
		e = ext2fs_write_inode_full(fs, ino->ino, EXT2_INODE(&di), sizeof(di));
	if (e)
		return ext2_errno(e);
	if (!(mode & FALLOC_FL_KEEP_SIZE) && end > ino->size) {
		ino->size = end;
		node(ino)->dirty_inode = true;
	}
	inode_touch(ino, true, true);
	return ext2_write_vfs_inode(ino);
}

