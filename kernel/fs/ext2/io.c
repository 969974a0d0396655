/* SPDX-License-Identifier: MIT */
/* io.c: libext2fs' io_manager over the block layer: a channel is a block device, blocks become requests. */
#include "ext2.h"

/*
 * libext2fs names the device when it opens a channel ("vda", "loop0"); we
 * find it with blkdev_find.  Block numbers are in the channel's block size
 * (1 KiB until libext2fs reads the superblock, then the file system's); a
 * negative count means bytes.  Every write goes straight down: the page
 * cache above libext2fs holds file data, and libext2fs' own metadata is
 * written through (CHANNEL_FLAGS_WRITETHROUGH's meaning, without a cache).
 */

struct husk_chan {
	struct blkdev *bd;
	uint8_t *bounce;              /* one sector, for byte writes */
};

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
	if (--ch->refcount > 0)
		return 0;
	kfree(((struct husk_chan *)ch->private_data)->bounce);
	kfree(ch->private_data);
	kfree(ch->name);
	kfree(ch);
	return 0;
}

static errcode_t husk_set_blksize(io_channel ch, int blksize)
{
	if (blksize < (int)BLK_SECTOR || blksize % BLK_SECTOR)
		return EXT2_ET_INVALID_ARGUMENT;
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

static errcode_t husk_read64(io_channel ch, unsigned long long block, int count, void *data)
{
	struct husk_chan *hc = ch->private_data;
	uint64_t off;
	size_t len;
	int err;

	range(ch, block, count, &off, &len);
	if (off % BLK_SECTOR || len % BLK_SECTOR) {
		/* A byte count that is not whole sectors: read the covering sectors. */
		size_t span = ALIGN_UP(off % BLK_SECTOR + len, BLK_SECTOR);
		uint8_t *tmp = kmalloc(span);

		if (!tmp)
			return EXT2_ET_NO_MEMORY;
		err = blk_read(hc->bd, off / BLK_SECTOR, tmp, span / BLK_SECTOR);
		if (!err)
			memcpy(data, tmp + off % BLK_SECTOR, len);
		kfree(tmp);
	} else {
		err = blk_read(hc->bd, off / BLK_SECTOR, data, len / BLK_SECTOR);
	}
	if (err) {
		if (ch->read_error)
			return ch->read_error(ch, block, count, data, len, 0, EXT2_ET_SHORT_READ);
		return EXT2_ET_SHORT_READ;
	}
	return 0;
}

static errcode_t husk_write64(io_channel ch, unsigned long long block, int count, const void *data)
{
	struct husk_chan *hc = ch->private_data;
	uint64_t off;
	size_t len;
	int err;

	range(ch, block, count, &off, &len);
	if (off % BLK_SECTOR || len % BLK_SECTOR) {
		size_t span = ALIGN_UP(off % BLK_SECTOR + len, BLK_SECTOR);
		uint8_t *tmp = kmalloc(span);

		if (!tmp)
			return EXT2_ET_NO_MEMORY;
		err = blk_read(hc->bd, off / BLK_SECTOR, tmp, span / BLK_SECTOR);
		if (!err) {
			memcpy(tmp + off % BLK_SECTOR, data, len);
			err = blk_write(hc->bd, off / BLK_SECTOR, tmp, span / BLK_SECTOR, false);
		}
		kfree(tmp);
	} else {
		err = blk_write(hc->bd, off / BLK_SECTOR, data, len / BLK_SECTOR, false);
	}
	if (err == -EROFS)
		return EXT2_ET_RO_FILSYS;
	if (err) {
		if (ch->write_error)
			return ch->write_error(ch, block, count, data, len, 0, EXT2_ET_SHORT_WRITE);
		return EXT2_ET_SHORT_WRITE;
	}
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
