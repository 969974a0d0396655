/* SPDX-License-Identifier: MIT */
/* io.c: libext2fs' io_manager over the block layer: a channel is a block device, blocks become requests. */
#include "ext2.h"

/*
 * libext2fs names the device when it opens a channel ("vda", "loop0"); we
 * find it with blkdev_find.  Block numbers are in the channel's block size
 * (1 KiB until libext2fs reads the superblock, then the file system's); a
 * negative count means bytes.  Every write goes straight down: the page
 * cache above libext2fs holds file data.  Single blocks (what libext2fs
 * reads for inode tables, extent and directory blocks, bitmaps) are also
 * kept in a small write-through cache, so the same inode table block is
 * not read from the device for every file operation; writes of several
 * blocks or of bytes drop what they overlap.
 */

#define CACHE_SLOTS 256               /* blocks: 1 MiB with 4 KiB blocks */

struct cache_slot {
	uint64_t block;
	uint8_t *data;                /* NULL: empty */
};

/* A block written while the channel holds writes (husk_io_hold). */
struct held {
	struct list link;             /* in husk_chan.held, oldest last write first */
	uint64_t block;
	uint8_t data[];
};

struct husk_chan {
	struct blkdev *bd;
	struct cache_slot slots[CACHE_SLOTS];   /* direct-mapped by block number */
	bool holding;
	struct list held;
};

static struct cache_slot *cache_find(struct husk_chan *hc, uint64_t block)
{
	struct cache_slot *s = &hc->slots[block % CACHE_SLOTS];

	/* Direct-mapped: one slot per block number modulo the size. */
	return s->data && s->block == block ? s : NULL;
}

static void cache_put(struct husk_chan *hc, uint64_t block, const void *data, size_t bs)
{
	struct cache_slot *s = &hc->slots[block % CACHE_SLOTS];

	if (!s->data) {
		s->data = kmalloc(bs);
		if (!s->data)
			return;
	}
	memcpy(s->data, data, bs);
	s->block = block;
}

static void slot_free(struct cache_slot *s)
{
	kfree(s->data);
	s->data = NULL;
}

/* Forgets cached blocks overlapping [first, first + n). */
static void cache_drop(struct husk_chan *hc, uint64_t first, uint64_t n)
{
	if (n < CACHE_SLOTS) {
		/* Each block can only sit in its own slot. */
		for (uint64_t b = first; b - first < n; b++) {
			struct cache_slot *s = cache_find(hc, b);

			if (s)
				slot_free(s);
		}
		return;
	}
	for (size_t i = 0; i < CACHE_SLOTS; i++) {
		struct cache_slot *s = &hc->slots[i];

		if (s->data && s->block >= first && s->block - first < n)
			slot_free(s);
	}
}

void husk_io_forget(io_channel ch, uint64_t block, uint64_t n)
{
	cache_drop(ch->private_data, block, n);
}

/*
 * Held writes.  libext2fs updates its metadata in several writes that are
 * only consistent together: splitting the root of an extent tree writes the
 * inode once with a depth of 1 and an index not yet set, then again with
 * the index.  A crash between them (no journal here) would leave an inode
 * whose extent tree e2fsck can only throw away, with the data of the file.
 * While the channel holds, a single-block write is kept instead (a second
 * write of the block replaces the first and moves it to the end), reads
 * see the kept copies, and husk_io_release writes each block once, in the
 * order of their last writes: what libext2fs wrote before a block last
 * (a new extent block before the index naming it) is on the disk before it,
 * and no intermediate state of a block reaches the disk at all.
 */
static struct held *held_find(struct husk_chan *hc, uint64_t block)
{
	struct list *it;

	list_for_each(it, &hc->held) {
		struct held *h = list_entry(it, struct held, link);

		if (h->block == block)
			return h;
	}
	return NULL;
}

static int held_flush(io_channel ch)
{
	struct husk_chan *hc = ch->private_data;
	uint32_t per = ch->block_size / BLK_SECTOR;
	int err = 0;

	while (!list_empty(&hc->held)) {
		struct held *h = list_entry(hc->held.next, struct held, link);

		if (!err)
			err = blk_write(hc->bd, h->block * per, h->data, per, false);
		list_del(&h->link);
		kfree(h);
	}
	return err;
}

void husk_io_hold(io_channel ch)
{
	struct husk_chan *hc = ch->private_data;

	hc->holding = true;
}

int husk_io_release(io_channel ch)
{
	struct husk_chan *hc = ch->private_data;

	hc->holding = false;
	return held_flush(ch);
}

static struct struct_io_manager husk_io_manager_s;
io_manager husk_io_manager = &husk_io_manager_s;

static errcode_t husk_open(const char *name, int flags, io_channel *out)
{
	struct blkdev *bd = blkdev_find(name);
	struct husk_chan *hc;
	io_channel ch;

	if (!bd)
		return EXT2_ET_BAD_DEVICE_NAME;
	ch = kzalloc(sizeof(*ch));
	hc = kzalloc(sizeof(*hc));
	if (!ch || !hc) {
		kfree(ch);
		kfree(hc);
		return EXT2_ET_NO_MEMORY;
	}
	ch->name = kstrdup(name);
	if (!ch->name) {
		kfree(ch);
		kfree(hc);
		return EXT2_ET_NO_MEMORY;
	}
	hc->bd = bd;
	list_init(&hc->held);
	ch->magic = EXT2_ET_MAGIC_IO_CHANNEL;
	ch->manager = husk_io_manager;
	ch->block_size = 1024;
	ch->refcount = 1;
	ch->flags = CHANNEL_FLAGS_BLOCK_DEVICE;
	ch->private_data = hc;
	(void)flags;
	*out = ch;
	return 0;
}

static errcode_t husk_close(io_channel ch)
{
	struct husk_chan *hc = ch->private_data;

	if (--ch->refcount > 0)
		return 0;
	held_flush(ch);
	cache_drop(hc, 0, UINT64_MAX);
	kfree(hc);
	kfree(ch->name);
	kfree(ch);
	return 0;
}

static errcode_t husk_set_blksize(io_channel ch, int blksize)
{
	if (blksize < (int)BLK_SECTOR || blksize % BLK_SECTOR)
		return EXT2_ET_INVALID_ARGUMENT;
	/* Cached and held blocks are numbered in the old size. */
	held_flush(ch);
	cache_drop(ch->private_data, 0, UINT64_MAX);
	ch->block_size = blksize;
	return 0;
}

/* Byte range of count blocks (or -count bytes) at block. */
static errcode_t range(io_channel ch, unsigned long long block, int count, uint64_t *off, size_t *len)
{
	*off = block * (uint64_t)ch->block_size;
	*len = count < 0 ? (size_t)-count : (size_t)count * ch->block_size;
	return 0;
}

/*
 * Move len bytes at byte offset off of the device into rbuf or out of wbuf
 * (one of them NULL); *err is blk_read's or blk_write's result.  A range
 * that is not whole sectors goes through the covering sectors (a write
 * reads them first).  Returns EXT2_ET_NO_MEMORY if that buffer cannot be
 * had, else 0.
 */
static errcode_t dev_rw(struct husk_chan *hc, uint64_t off, void *rbuf, const void *wbuf,
			size_t len, int *err)
{
	uint64_t sector = off / BLK_SECTOR;
	size_t span;
	uint8_t *tmp;

	if (off % BLK_SECTOR == 0 && len % BLK_SECTOR == 0) {
		*err = wbuf ? blk_write(hc->bd, sector, wbuf, len / BLK_SECTOR, false) :
			      blk_read(hc->bd, sector, rbuf, len / BLK_SECTOR);
		return 0;
	}
	span = ALIGN_UP(off % BLK_SECTOR + len, BLK_SECTOR);
	tmp = kmalloc(span);
	if (!tmp)
		return EXT2_ET_NO_MEMORY;
	*err = blk_read(hc->bd, sector, tmp, span / BLK_SECTOR);
	if (!*err && wbuf) {
		memcpy(tmp + off % BLK_SECTOR, wbuf, len);
		*err = blk_write(hc->bd, sector, tmp, span / BLK_SECTOR, false);
	} else if (!*err) {
		memcpy(rbuf, tmp + off % BLK_SECTOR, len);
	}
	kfree(tmp);
	return 0;
}

static errcode_t husk_read64(io_channel ch, unsigned long long block, int count, void *data)
{
	struct husk_chan *hc = ch->private_data;
	uint64_t off;
	size_t len;
	errcode_t e;
	int err;

	range(ch, block, count, &off, &len);
	if (!list_empty(&hc->held)) {
		struct held *h = count == 1 ? held_find(hc, block) : NULL;

		if (h) {
			memcpy(data, h->data, len);
			return 0;
		}
		/* A larger read might cover held blocks: they go down first. */
		if (count != 1 && held_flush(ch))
			return EXT2_ET_SHORT_WRITE;
	}
	if (count == 1) {
		struct cache_slot *c = cache_find(hc, block);

		if (c) {
			memcpy(data, c->data, len);
			return 0;
		}
	}
	e = dev_rw(hc, off, data, NULL, len, &err);
	if (e)
		return e;
	if (err) {
		if (ch->read_error)
			return ch->read_error(ch, block, count, data, len, 0, EXT2_ET_SHORT_READ);
		return EXT2_ET_SHORT_READ;
	}
	if (count == 1)
		cache_put(hc, block, data, len);
	return 0;
}

static errcode_t husk_write64(io_channel ch, unsigned long long block, int count, const void *data)
{
	struct husk_chan *hc = ch->private_data;
	uint64_t off;
	size_t len;
	errcode_t e;
	int err;

	range(ch, block, count, &off, &len);
	if (hc->holding && count == 1) {
		struct held *h = held_find(hc, block);

		if (h) {
			list_del(&h->link);
		} else {
			h = kmalloc(sizeof(*h) + len);
			if (!h)
				goto write_through;
			h->block = block;
		}
		memcpy(h->data, data, len);
		list_add_tail(&hc->held, &h->link);
		cache_drop(hc, block, 1);
		return 0;
	}
write_through:
	/* Anything else keeps its order after what is held. */
	if (!list_empty(&hc->held) && held_flush(ch))
		return EXT2_ET_SHORT_WRITE;
	/* Write-through: what the write overlaps is dropped, a single block is cached once written. */
	cache_drop(hc, off / ch->block_size, (ALIGN_UP(off + len, ch->block_size) - ALIGN_DOWN(off, ch->block_size)) /
		   ch->block_size);
	e = dev_rw(hc, off, NULL, data, len, &err);
	if (e)
		return e;
	if (err == -EROFS)
		return EXT2_ET_RO_FILSYS;
	if (err) {
		if (ch->write_error)
			return ch->write_error(ch, block, count, data, len, 0, EXT2_ET_SHORT_WRITE);
		return EXT2_ET_SHORT_WRITE;
	}
	if (count == 1)
		cache_put(hc, block, data, len);
	return 0;
}

static errcode_t husk_read(io_channel ch, unsigned long block, int count, void *data)
{
	return husk_read64(ch, block, count, data);
}

static errcode_t husk_write(io_channel ch, unsigned long block, int count, const void *data)
{
	return husk_write64(ch, block, count, data);
}

static errcode_t husk_write_byte(io_channel ch, unsigned long offset, int count, const void *data)
{
	unsigned long long block = offset / ch->block_size;
	int bs = ch->block_size;

	/* Whole blocks around the bytes: read, patch, write. */
	size_t span = ALIGN_UP(offset % bs + count, bs);
	uint8_t *tmp = kmalloc(span);
	errcode_t e;

	if (!tmp)
		return EXT2_ET_NO_MEMORY;
	e = husk_read64(ch, block, span / bs, tmp);
	if (!e) {
		memcpy(tmp + offset % bs, data, count);
		e = husk_write64(ch, block, span / bs, tmp);
	}
	kfree(tmp);
	return e;
}

static errcode_t husk_flush(io_channel ch)
{
	struct husk_chan *hc = ch->private_data;

	if (held_flush(ch))
		return EXT2_ET_SHORT_WRITE;
	return blk_flush(hc->bd) ? EXT2_ET_SHORT_WRITE : 0;
}

static errcode_t husk_discard(io_channel ch, unsigned long long block, unsigned long long count)
{
	struct husk_chan *hc = ch->private_data;
	uint64_t per = ch->block_size / BLK_SECTOR;

	return blk_discard(hc->bd, block * per, count * per) ? EXT2_ET_UNIMPLEMENTED : 0;
}

static errcode_t husk_set_option(io_channel ch, const char *option, const char *arg)
{
	return EXT2_ET_INVALID_ARGUMENT;
}

static struct struct_io_manager husk_io_manager_s = {
	.magic = EXT2_ET_MAGIC_IO_MANAGER,
	.name = "husk block layer",
	.open = husk_open,
	.close = husk_close,
	.set_blksize = husk_set_blksize,
	.read_blk = husk_read,
	.write_blk = husk_write,
	.flush = husk_flush,
	.write_byte = husk_write_byte,
	.set_option = husk_set_option,
	.read_blk64 = husk_read64,
	.write_blk64 = husk_write64,
	.discard = husk_discard,
};

/*
 * libext2fs' mkjournal.c (left out: it writes journals, which we never
 * make) holds this helper the allocator calls: zero num blocks from blk.
 * With fs NULL it frees its buffer, as the original does.
 */
errcode_t ext2fs_zero_blocks2(ext2_filsys fs, blk64_t blk, int num, blk64_t *ret_blk, int *ret_count)
{
	static uint8_t *zero;
	errcode_t e = 0;
	int chunk;

	if (!fs) {
		kfree(zero);
		zero = NULL;
		return 0;
	}
	if (!zero) {
		zero = kzalloc(65536);
		if (!zero)
			return EXT2_ET_NO_MEMORY;
	}
	chunk = 65536 / fs->blocksize;
	for (int done = 0; done < num; done += chunk) {
		int n = MIN(chunk, num - done);

		e = io_channel_write_blk64(fs->io, blk + done, n, zero);
		if (e) {
			if (ret_blk)
				*ret_blk = blk + done;
			if (ret_count)
				*ret_count = n;
			return e;
		}
	}
	return 0;
}
