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
	/* The allocation's metadata writes go down together (io.c: held writes). */
	husk_io_hold(ifs(ino)->io);
	e = ext2fs_file_llseek(f, idx * PAGE_SIZE, EXT2_SEEK_SET, NULL);
	if (!e)
		e = ext2fs_file_write(f, page, len, &wrote);
	e2 = ext2fs_file_close(f);
	if (husk_io_release(ifs(ino)->io) && !e2)
		e2 = EXT2_ET_SHORT_WRITE;
	if (!e && wrote != len)
		e = EXT2_ET_SHORT_WRITE;
	return ext2_errno(e ? e : e2);
}

/*
 * Runs of file blocks for read-ahead and write-back.  An extent-mapped file
 * is looked up once per extent through one extent handle (ext2fs_bmap2 per
 * block would open a handle and walk the tree for every block); a
 * block-mapped file goes block by block.
 */
struct blkmap {
	ext2_filsys fs;
	ext2_ino_t ino;
	struct ext2_inode_large *di;
	ext2_extent_handle_t h;       /* NULL: block-mapped */
};

static int blkmap_open(struct blkmap *m, struct inode *ino, struct ext2_inode_large *di)
{
	m->fs = ifs(ino);
	m->ino = ino->ino;
	m->di = di;
	m->h = NULL;
	if (!(di->i_flags & EXT4_EXTENTS_FL))
		return 0;
	return ext2fs_extent_open2(m->fs, m->ino, EXT2_INODE(di), &m->h) ? -EIO : 0;
}

static void blkmap_close(struct blkmap *m)
{
	if (m->h)
		ext2fs_extent_free(m->h);
}

/* The run at file block lblk: its disk block *pblk (0: a hole), *len (1..max)
 * blocks that follow it on the disk, and whether they are unwritten. */
static int blkmap_run(struct blkmap *m, uint64_t lblk, unsigned max, blk64_t *pblk, unsigned *len, bool *uninit)
{
	struct ext2fs_extent ex;
	errcode_t e;
	int flags = 0;

	*len = 1;
	*uninit = false;
	*pblk = 0;
	if (m->h) {
		e = ext2fs_extent_goto2(m->h, 0, lblk);
		if (e == EXT2_ET_EXTENT_NOT_FOUND)
			return 0;
		if (!e)
			e = ext2fs_extent_get(m->h, EXT2_EXTENT_CURRENT, &ex);
		if (e || lblk < ex.e_lblk || lblk - ex.e_lblk >= ex.e_len)
			return -EIO;
		*pblk = ex.e_pblk + (lblk - ex.e_lblk);
		*len = (unsigned)MIN((uint64_t)max, ex.e_lblk + ex.e_len - lblk);
		*uninit = ex.e_flags & EXT2_EXTENT_FLAGS_UNINIT;
		return 0;
	}
	if (ext2fs_bmap2(m->fs, m->ino, EXT2_INODE(m->di), NULL, 0, lblk, &flags, pblk))
		return -EIO;
	while (*pblk && *len < max) {
		blk64_t next = 0;

		if (ext2fs_bmap2(m->fs, m->ino, EXT2_INODE(m->di), NULL, 0, lblk + *len, &flags, &next) ||
		    next != *pblk + *len)
			break;
		(*len)++;
	}
	return 0;
}

/*
 * The on-disk inode of ino, for readpages and writepages, which move whole
 * blocks of at most a page: -EOPNOTSUPP for inline data or larger blocks
 * (the page cache falls back to readpage/writepage for those).
 */
static int pages_disk_inode(struct inode *ino, struct ext2_inode_large *di)
{
	int err = ext2_read_disk(ino, di);

	if (err)
		return err;
	if (di->i_flags & EXT4_INLINE_DATA_FL || ifs(ino)->blocksize > PAGE_SIZE)
		return -EOPNOTSUPP;
	return 0;
}

/*
 * Read-ahead: reads each run of consecutive disk blocks of the pages with
 * one request; holes and unwritten (fallocated) extents read as zeros.
 * Files with inline data use readpage.
 */
static int ext2_readpages(struct inode *ino, uint64_t idx, unsigned n, void **pages)
{
	ext2_filsys fs = ifs(ino);
	struct ext2_inode_large di;
	struct blkmap m;
	unsigned per = PAGE_SIZE / fs->blocksize, nblocks = n * per;
	uint64_t first = idx * per;
	uint8_t *buf;
	int err = pages_disk_inode(ino, &di);

	if (err)
		return err;
	buf = kmalloc((size_t)nblocks * fs->blocksize);
	if (!buf)
		return -ENOMEM;
	err = blkmap_open(&m, ino, &di);
	for (unsigned i = 0; i < nblocks && !err;) {
		blk64_t pblk;
		unsigned run;
		bool uninit;

		err = blkmap_run(&m, first + i, nblocks - i, &pblk, &run, &uninit);
		if (err)
			break;
		if (!pblk || uninit)
			memset(buf + (size_t)i * fs->blocksize, 0, (size_t)run * fs->blocksize);
		else if (io_channel_read_blk64(fs->io, pblk, run, buf + (size_t)i * fs->blocksize))
			err = -EIO;
		i += run;
	}
	blkmap_close(&m);
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
 * Data writes of a write-back go to the device without waiting, each with a
 * copy of its bytes, so that many are in flight together (the device works
 * while the next run is mapped and copied); ext2_writepages_wait, which
 * pcache_writeback calls before it returns, collects them.  At
 * WB_MAX_BYTES in flight the writer waits for those first.
 */
#define WB_MAX_BYTES (8u << 20)

struct wb_req {
	struct blk_request rq;
	struct list link;             /* in the volume's wb_pending */
	struct thread *owner;         /* who submitted it: only it waits for it and frees it */
	uint8_t data[];
};

static struct ext2_vol *vol(struct inode *ino)
{
	return ino->sb->priv;
}

/*
 * Waits for the calling thread's writes.  Another thread may write back on
 * the same volume while this one sleeps: it never touches this thread's
 * requests, and the list is searched afresh after every sleep.
 */
static int wb_wait(struct ext2_vol *v)
{
	int err = 0;

	for (;;) {
		struct wb_req *w = NULL;
		struct list *it;
		int e;

		list_for_each(it, &v->wb_pending) {
			if (list_entry(it, struct wb_req, link)->owner == current) {
				w = list_entry(it, struct wb_req, link);
				break;
			}
		}
		if (!w)
			return err;
		e = blk_wait_all(v->bd, &w->rq, 1);
		if (e && !err)
			err = e;
		list_del(&w->link);
		v->wb_bytes -= (size_t)w->rq.nsectors * BLK_SECTOR;
		kfree(w);
	}
}

static int ext2_writepages_wait(struct inode *ino)
{
	return wb_wait(vol(ino));
}

/* Copies bytes [off, off + len) of the run held in pages (file bytes up to end; zeros past it). */
static void copy_run(void **pages, size_t off, size_t len, size_t end, uint8_t *dst)
{
	while (len) {
		size_t po = off % PAGE_SIZE, chunk = MIN(len, PAGE_SIZE - po);
		size_t valid = off < end ? MIN(chunk, end - off) : 0;

		memcpy(dst, (uint8_t *)pages[off / PAGE_SIZE] + po, valid);
		memset(dst + valid, 0, chunk - valid);
		dst += chunk;
		off += chunk;
		len -= chunk;
	}
}

/* Starts the write of nblocks disk blocks from pblk with bytes [off, ...) of the run. */
static int wb_submit(struct inode *ino, blk64_t pblk, unsigned nblocks, void **pages, size_t off, size_t end)
{
	ext2_filsys fs = ifs(ino);
	struct ext2_vol *v = vol(ino);
	size_t bytes = (size_t)nblocks * fs->blocksize;
	struct wb_req *w;
	int err;

	if (v->wb_bytes + bytes > WB_MAX_BYTES) {
		err = wb_wait(v);
		if (err)
			return err;
	}
	w = kmalloc(sizeof(*w) + bytes);
	if (!w && !list_empty(&v->wb_pending)) {
		/* Memory is short: what is in flight gives its buffers back first. */
		err = wb_wait(v);
		if (err)
			return err;
		w = kmalloc(sizeof(*w) + bytes);
	}
	if (!w) {
		/* No buffer at all: straight from the cached pages, a page at a time, waiting for each. */
		for (size_t done = 0; done < bytes;) {
			size_t po = (off + done) % PAGE_SIZE, chunk = MIN(bytes - done, PAGE_SIZE - po);
			errcode_t e = io_channel_write_blk64(fs->io, pblk + done / fs->blocksize,
							     (int)(chunk / fs->blocksize),
							     (uint8_t *)pages[(off + done) / PAGE_SIZE] + po);

			if (e)
				return ext2_errno(e);
			done += chunk;
		}
		return 0;
	}
	copy_run(pages, off, bytes, end, w->data);
	/* What libext2fs' channel cached of these blocks (they may have held metadata once) is stale now. */
	husk_io_forget(fs->io, pblk, nblocks);
	w->rq = (struct blk_request){
		.op = BLK_WRITE,
		.sector = pblk * (fs->blocksize / BLK_SECTOR),
		.nsectors = (uint32_t)(bytes / BLK_SECTOR),
		.buf = w->data,
	};
	w->owner = current;
	list_add_tail(&v->wb_pending, &w->link);
	v->wb_bytes += bytes;
	blk_submit(v->bd, &w->rq);
	return 0;
}

/*
 * Write-back of a run of pages: the blocks the run lacks are allocated in
 * one ext2fs_fallocate (contiguous extents where the disk has room, instead
 * of one allocation and inode write per block), and each stretch of
 * consecutive disk blocks goes down as one request (wb_submit).  A run
 * touching an unwritten (fallocated) extent, inline data, or an allocation
 * that fails (a full disk) is left to writepage, page by page, which knows
 * those cases.
 */
static int ext2_writepages(struct inode *ino, uint64_t idx, unsigned n, void **pages, size_t len)
{
	ext2_filsys fs = ifs(ino);
	struct ext2_inode_large di, before;
	struct blkmap m;
	unsigned bs = fs->blocksize, per = PAGE_SIZE / bs;
	unsigned nblocks = (unsigned)ALIGN_UP(len, bs) / bs, nruns = 0;
	uint64_t first = idx * per;
	struct { blk64_t pblk; unsigned i, n; } *runs;
	errcode_t e;
	int err = pages_disk_inode(ino, &di);

	if (err)
		return err;
	before = di;
	/* Its extent-tree updates reach the disk as a whole (io.c: held writes). */
	husk_io_hold(fs->io);
	e = ext2fs_fallocate(fs, EXT2_FALLOCATE_FORCE_INIT | EXT2_FALLOCATE_INIT_BEYOND_EOF, ino->ino,
			     EXT2_INODE(&di), ~0ULL, first, nblocks);
	/* What it did allocate is in di (i_blocks, extents) even when it failed part way. */
	if (memcmp(&before, &di, sizeof(di)))
		err = ext2_errno(ext2fs_write_inode_full(fs, ino->ino, EXT2_INODE(&di), sizeof(di)));
	if (husk_io_release(fs->io) && !err)
		err = -EIO;
	if (err)
		return err;
	if (e)
		return -EOPNOTSUPP;
	runs = kmalloc(nblocks * sizeof(*runs));
	if (!runs)
		return -EOPNOTSUPP;
	err = blkmap_open(&m, ino, &di);
	for (unsigned i = 0; i < nblocks && !err;) {
		blk64_t pblk;
		unsigned run;
		bool uninit;

		err = blkmap_run(&m, first + i, nblocks - i, &pblk, &run, &uninit);
		if (!err && (!pblk || uninit))
			err = -EOPNOTSUPP;
		if (err)
			break;
		if (nruns && runs[nruns - 1].pblk + runs[nruns - 1].n == pblk) {
			runs[nruns - 1].n += run;
		} else {
			runs[nruns].pblk = pblk;
			runs[nruns].i = i;
			runs[nruns++].n = run;
		}
		i += run;
	}
	blkmap_close(&m);
	for (unsigned r = 0; r < nruns && !err; r++)
		err = wb_submit(ino, runs[r].pblk, runs[r].n, pages, (size_t)runs[r].i * bs, len);
	kfree(runs);
	return err;
}

const struct pcache_ops ext2_pcops = {
	.readpage = ext2_readpage,
	.writepage = ext2_writepage,
	.readpages = ext2_readpages,
	.writepages = ext2_writepages,
	.writepages_wait = ext2_writepages_wait,
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
	int err = 0;

	/* Dirty pages past the new end are not written at all.  The disk gets
	 * the size the file had first: libext2fs frees the blocks between the
	 * new size and the one on the disk, and write-back may have allocated
	 * blocks up to the old size without storing it. */
	pcache_truncate(&n->pc, size);
	if (n->dirty_inode)
		err = ext2_write_vfs_inode(ino);
	if (err)
		return err;
	e = ext2fs_file_open2(ifs(ino), ino->ino, NULL, EXT2_FILE_WRITE, &f);
	if (e)
		return ext2_errno(e);
	husk_io_hold(ifs(ino)->io);
	e = ext2fs_file_set_size2(f, size);
	e2 = ext2fs_file_close(f);
	if (husk_io_release(ifs(ino)->io) && !e2)
		e2 = EXT2_ET_SHORT_WRITE;
	if (e || e2)
		return ext2_errno(e ? e : e2);
	ino->size = size;
	/* Dirty data below the new end stays dirty, written back as any other. */
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
		husk_io_hold(fs->io);
		e = ext2fs_punch(fs, ino->ino, EXT2_INODE(&di), NULL, first, last - 1);
		if (!e)
			e = ext2fs_write_inode_full(fs, ino->ino, EXT2_INODE(&di), sizeof(di));
		if (husk_io_release(fs->io) && !e)
			e = EXT2_ET_SHORT_WRITE;
		inode_touch(ino, true, true);
		return ext2_errno(e);
	}
	err = ext2_read_disk(ino, &di);
	if (err)
		return err;
	husk_io_hold(fs->io);
	e = ext2fs_fallocate(fs, EXT2_FALLOCATE_INIT_BEYOND_EOF, ino->ino, EXT2_INODE(&di), ~0ULL,
			     off / bs, ALIGN_UP(end, bs) / bs - off / bs);
	if (!e)
		e = ext2fs_write_inode_full(fs, ino->ino, EXT2_INODE(&di), sizeof(di));
	if (husk_io_release(fs->io) && !e)
		e = EXT2_ET_SHORT_WRITE;
	if (e)
		return ext2_errno(e);
	if (!(mode & FALLOC_FL_KEEP_SIZE) && end > ino->size) {
		ino->size = end;
		node(ino)->dirty_inode = true;
	}
	inode_touch(ino, true, true);
	return ext2_write_vfs_inode(ino);
}

