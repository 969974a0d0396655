/* SPDX-License-Identifier: MIT */
/* virtio_blk.c: virtio-blk over a host file: read, write, flush (fdatasync), discard (punch hole), write zeroes, GET_ID, read-only. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "virtio.h"

#define VIRTIO_ID_BLOCK 2

#define VIRTIO_BLK_F_SEG_MAX      2
#define VIRTIO_BLK_F_RO           5
#define VIRTIO_BLK_F_BLK_SIZE     6
#define VIRTIO_BLK_F_FLUSH        9
#define VIRTIO_BLK_F_DISCARD      13
#define VIRTIO_BLK_F_WRITE_ZEROES 14

#define VIRTIO_BLK_T_IN           0
#define VIRTIO_BLK_T_OUT          1
#define VIRTIO_BLK_T_FLUSH        4
#define VIRTIO_BLK_T_GET_ID       8
#define VIRTIO_BLK_T_DISCARD      11
#define VIRTIO_BLK_T_WRITE_ZEROES 13

#define VIRTIO_BLK_S_OK     0
#define VIRTIO_BLK_S_IOERR  1
#define VIRTIO_BLK_S_UNSUPP 2

#define VIRTIO_BLK_ID_BYTES 20
#define SECTOR 512ULL
#define DISCARD_SEGS_MAX 16
#define WRITE_ZEROES_FLAG_UNMAP 1

struct virtio_blk_config {
	uint64_t capacity;
	uint32_t size_max;
	uint32_t seg_max;
	struct { uint16_t cylinders; uint8_t heads, sectors; } geometry;
	uint32_t blk_size;
	struct { uint8_t physical_block_exp, alignment_offset; uint16_t min_io_size;
		 uint32_t opt_io_size; } topology;
	uint8_t writeback;
	uint8_t unused0;
	uint16_t num_queues;
	uint32_t max_discard_sectors;
	uint32_t max_discard_seg;
	uint32_t discard_sector_alignment;
	uint32_t max_write_zeroes_sectors;
	uint32_t max_write_zeroes_seg;
	uint8_t write_zeroes_may_unmap;
	uint8_t unused1[3];
} __attribute__((packed));

_Static_assert(sizeof(struct virtio_blk_config) == 60, "virtio_blk_config layout");

struct blk_req_hdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};

struct blk_discard_seg {
	uint64_t sector;
	uint32_t num_sectors;
	uint32_t flags;
};

struct blk {
	struct virtio_dev dev;
	struct virtio_blk_config config;
	int fd;
	int ro;
	uint64_t sectors;
	char id[VIRTIO_BLK_ID_BYTES];
	char name[32];
};

static unsigned nblks;

/* Whole-range preadv/pwritev: 0, or -errno (-EIO for a read past the end of the file). */
static int rw_all(int fd, int write, struct iovec *iov, int n, uint64_t off)
{
	while (n > 0) {
		ssize_t r = write ? pwritev(fd, iov, n, off) : preadv(fd, iov, n, off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -EIO;
		off += r;
		while (n > 0 && (size_t)r >= iov->iov_len) {
			r -= iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + r;
			iov->iov_len -= r;
		}
	}
	return 0;
}

static int range_ok(const struct blk *b, uint64_t sector, uint64_t count)
{
	return sector <= b->sectors && count <= b->sectors - sector;
}

static uint8_t do_rw(struct blk *b, const struct virtq_chain *c, const struct blk_req_hdr *h,
		     uint32_t *written)
{
	struct iovec iov[VIRTQ_SEGS_MAX];
	int write = h->type == VIRTIO_BLK_T_OUT;
	uint64_t len = write ? c->out_len - sizeof(*h) : c->in_len - 1;
	int n, err;

	if (write && b->ro)
		return VIRTIO_BLK_S_IOERR;
	if (len % SECTOR || !range_ok(b, h->sector, len / SECTOR))
		return VIRTIO_BLK_S_IOERR;
	/* The device-writable data of a read ends just before the status byte. */
	n = write ? virtq_chain_slice(c, 0, sizeof(*h), len, iov, VIRTQ_SEGS_MAX)
		  : virtq_chain_slice(c, 1, 0, len, iov, VIRTQ_SEGS_MAX);
	if (n < 0)
		return VIRTIO_BLK_S_IOERR;
	err = rw_all(b->fd, write, iov, n, h->sector * SECTOR);
	if (err) {
		vmm_debug("%s: %s of %llu bytes at sector %llu: %s", b->name,
			  write ? "write" : "read", (unsigned long long)len,
			  (unsigned long long)h->sector, strerror(-err));
		return VIRTIO_BLK_S_IOERR;
	}
	if (!write)
		*written += len;
	return VIRTIO_BLK_S_OK;
}

static uint8_t do_discard(struct blk *b, const struct virtq_chain *c, uint32_t type)
{
	struct blk_discard_seg seg;
	uint64_t len = c->out_len - sizeof(struct blk_req_hdr);
	unsigned i, n = len / sizeof(seg);

	if (b->ro)
		return VIRTIO_BLK_S_IOERR;
	if (len % sizeof(seg) || n == 0 || n > DISCARD_SEGS_MAX)
		return VIRTIO_BLK_S_UNSUPP;
	for (i = 0; i < n; i++) {
		int mode;

		virtq_chain_read(c, sizeof(struct blk_req_hdr) + i * sizeof(seg), &seg, sizeof(seg));
		if (!range_ok(b, seg.sector, seg.num_sectors))
			return VIRTIO_BLK_S_IOERR;
		if (type == VIRTIO_BLK_T_DISCARD || (seg.flags & WRITE_ZEROES_FLAG_UNMAP))
			mode = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;
		else
			mode = FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE;
		if (seg.num_sectors &&
		    fallocate(b->fd, mode, seg.sector * SECTOR, seg.num_sectors * SECTOR) < 0) {
			vmm_debug("%s: fallocate: %s", b->name, strerror(errno));
			return VIRTIO_BLK_S_IOERR;
		}
	}
	return VIRTIO_BLK_S_OK;
}

/* One request (a virtq_handle_fn).  Returns the bytes written into the chain, or -EINVAL for a malformed chain. */
static int blk_request(void *opaque, const struct virtq_chain *c, const char **why)
{
	struct blk *b = opaque;
	struct blk_req_hdr h;
	uint32_t written = 0;
	uint8_t status;

	if (c->out_len < sizeof(h) || c->in_len < 1) {
		*why = "request without a header or a status byte";
		return -EINVAL;
	}
	virtq_chain_read(c, 0, &h, sizeof(h));
	switch (h.type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT:
		status = do_rw(b, c, &h, &written);
		break;
	case VIRTIO_BLK_T_FLUSH:
		status = fdatasync(b->fd) < 0 ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK;
		break;
	case VIRTIO_BLK_T_GET_ID: {
		size_t n = c->in_len - 1 < VIRTIO_BLK_ID_BYTES ? c->in_len - 1 : VIRTIO_BLK_ID_BYTES;

		written = virtq_chain_write(c, 0, b->id, n);
		status = VIRTIO_BLK_S_OK;
		break;
	}
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		status = do_discard(b, c, h.type);
		break;
	default:
		status = VIRTIO_BLK_S_UNSUPP;
		break;
	}
	/* The status is the chain's last device-writable byte. */
	virtq_chain_write(c, c->in_len - 1, &status, 1);
	return written + 1;
}

/*
 * Every request in the ring is done, in the order the driver queued them,
 * by the thread that saw the notification (the I/O thread, or the vCPU
 * thread where KVM has no ioeventfd); the driver may keep the whole queue
 * in flight, and gets one interrupt per batch.
 */
static void blk_notify(struct virtio_dev *d, unsigned q)
{
	virtio_dev_drain(d, q, blk_request, d->opaque);
}

static const struct virtio_dev_ops blk_ops_rw = {
	.features = (1ULL << VIRTIO_BLK_F_SEG_MAX) | (1ULL << VIRTIO_BLK_F_BLK_SIZE) |
		    (1ULL << VIRTIO_BLK_F_FLUSH) | (1ULL << VIRTIO_BLK_F_DISCARD) |
		    (1ULL << VIRTIO_BLK_F_WRITE_ZEROES),
	.notify = blk_notify,
};

static const struct virtio_dev_ops blk_ops_ro = {
	.features = (1ULL << VIRTIO_BLK_F_SEG_MAX) | (1ULL << VIRTIO_BLK_F_BLK_SIZE) |
		    (1ULL << VIRTIO_BLK_F_FLUSH) | (1ULL << VIRTIO_BLK_F_RO),
	.notify = blk_notify,
};

int virtio_blk_create(const char *path, int ro, const struct vmm_mem *mem, char **devs)
{
	struct blk *b;
	struct stat st;
	off_t size;
	int ret;

	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->ro = ro;
	b->fd = open(path, (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (b->fd < 0) {
		ret = -errno;
		fprintf(stderr, "husk-vmm: disk %s: %s\n", path, strerror(errno));
		goto err_free;
	}
	if (fstat(b->fd, &st) < 0 || (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))) {
		ret = -EINVAL;
		fprintf(stderr, "husk-vmm: disk %s: not a regular file or a block device\n", path);
		goto err_close;
	}
	/* Two VMs writing one image corrupt it: writers take it exclusively. */
	if (flock(b->fd, (ro ? LOCK_SH : LOCK_EX) | LOCK_NB) < 0) {
		ret = -errno;
		fprintf(stderr, "husk-vmm: disk %s: in use by another VM (%s)\n", path,
			strerror(errno));
		goto err_close;
	}
	size = lseek(b->fd, 0, SEEK_END);
	if (size < 0) {
		ret = -errno;
		fprintf(stderr, "husk-vmm: disk %s: %s\n", path, strerror(errno));
		goto err_close;
	}
	if ((uint64_t)size % SECTOR)
		fprintf(stderr, "husk-vmm: disk %s: the last %llu bytes (not a whole sector) are not used\n",
			path, (unsigned long long)((uint64_t)size % SECTOR));
	b->sectors = (uint64_t)size / SECTOR;
	snprintf(b->name, sizeof(b->name), "virtio-blk vd%c", 'a' + nblks);
	/* The serial the guest reads with GET_ID: "husk-vda", ... (not NUL-terminated at 20). */
	snprintf(b->id, sizeof(b->id), "husk-vd%c", 'a' + nblks);

	b->config.capacity = b->sectors;
	b->config.seg_max = VIRTQ_SEGS_MAX - 2;   /* room for the header and the status */
	b->config.blk_size = SECTOR;
	b->config.num_queues = 1;
	b->config.max_discard_sectors = 0xffffffffu;
	b->config.max_discard_seg = DISCARD_SEGS_MAX;
	b->config.discard_sector_alignment = 1;
	b->config.max_write_zeroes_sectors = 0xffffffffu;
	b->config.max_write_zeroes_seg = DISCARD_SEGS_MAX;
	b->config.write_zeroes_may_unmap = 1;

	b->dev.name = b->name;
	b->dev.device_id = VIRTIO_ID_BLOCK;
	b->dev.ops = ro ? &blk_ops_ro : &blk_ops_rw;
	b->dev.opaque = b;
	b->dev.config = &b->config;
	b->dev.config_len = sizeof(b->config);
	b->dev.nqueues = 1;
	ret = virtio_mmio_add(&b->dev, mem, devs);
	if (ret) {
		fprintf(stderr, "husk-vmm: disk %s: %s\n", path,
			ret == -ENOSPC ? "too many devices" : strerror(-ret));
		goto err_close;
	}
	nblks++;
	vmm_debug("%s: %s, %llu sectors%s", b->name, path, (unsigned long long)b->sectors,
		  ro ? ", read-only" : "");
	return 0;

err_close:
	close(b->fd);
err_free:
	free(b);
	return ret;
}
