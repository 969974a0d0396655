/* SPDX-License-Identifier: MIT */
/* cpio.c: reads cpio "newc" archives without copying; portable and bounds-checked. */
#include "kernel.h"
#include "cpio.h"

/*
 * The "newc" format: each member is a 110-byte ASCII header
 *
 *   magic "070701", then 13 fields of 8 hex digits: ino, mode, uid, gid,
 *   nlink, mtime, filesize, devmajor, devminor, rdevmajor, rdevminor,
 *   namesize (including the NUL), check
 *
 * followed by the name and its NUL, padding to a multiple of 4 (counted
 * from the start of the archive), the file data, and again padding to a
 * multiple of 4.  The member named "TRAILER!!!" ends the archive.
 */

#define CPIO_HDR_LEN 110
#define CPIO_MAGIC "070701"
#define CPIO_TRAILER "TRAILER!!!"

void cpio_init(struct cpio_reader *r, const void *buf, size_t len)
{
	r->buf = buf;
	r->len = len;
	r->pos = 0;
	r->done = false;
}

/* Parses exactly 8 hex digits; returns 0 or -EINVAL. */
/*
 * Parses exactly 8 hex digits (either case) eight bytes at a time: every
 * entry has 13 such fields, and booting on an emulated CPU pays for each
 * instruction.  Returns 0 or -EINVAL.
 */
static int parse_hex8(const uint8_t *s, uint32_t *out)
{
	const uint64_t L = 0x0101010101010101ULL, H = 0x8080808080808080ULL;
	uint64_t x, lower, digit, alpha, v;

	__builtin_memcpy(&x, s, 8);   /* one load, not a call */
	if (x & H)
		return -EINVAL;
	lower = x | 0x2020202020202020ULL;        /* 'A'..'F' -> 'a'..'f'; digits unchanged */
	/* Per byte, with the top bit set as a borrow guard: b >= c iff ((b|0x80) - c) keeps bit 7. */
	digit = ((lower | H) - 0x30 * L) & ~((lower | H) - 0x3a * L) & H;
	alpha = ((lower | H) - 0x61 * L) & ~((lower | H) - 0x67 * L) & H;
	/* Folding also maps 0x10..0x19 onto the digits: a digit must have had bit 5 already. */
	if ((digit | alpha) != H || ((digit >> 2) & ~x))
		return -EINVAL;
	v = (lower & 0x0f0f0f0f0f0f0f0fULL) + (alpha >> 7) * 9;
	/* s[0] is the most significant digit and the lowest byte: pack pairs, then quads, then halves. */
	v = ((v & 0x000f000f000f000fULL) << 4) | ((v >> 8) & 0x000f000f000f000fULL);
	v = ((v & 0x000000ff000000ffULL) << 8) | ((v >> 16) & 0x000000ff000000ffULL);
	*out = (uint32_t)(((v & 0xffff) << 16) | ((v >> 32) & 0xffff));
	return 0;
}

/* Rounds off up to a multiple of 4, or returns false if that would overflow. */
static bool pad4(size_t off, size_t *out)
{
	if (off > SIZE_MAX - 3)
		return false;
	*out = (off + 3) & ~(size_t)3;
	return true;
}

int cpio_next(struct cpio_reader *r, struct cpio_entry *e)
{
	uint32_t f[13];
	size_t namesize, name_end, data_start, data_end;
	const uint8_t *h;

	memset(e, 0, sizeof(*e));
	e->offset = r->pos;
	if (r->done)
		return 0;
	if (r->pos > r->len || r->len - r->pos < CPIO_HDR_LEN)
		return -EINVAL;
	h = r->buf + r->pos;
	if (memcmp(h, CPIO_MAGIC, 6) != 0)
		return -EINVAL;
	for (int i = 0; i < 13; i++)
		if (parse_hex8(h + 6 + 8 * i, &f[i]) < 0)
			return -EINVAL;

	namesize = f[11];
	if (namesize < 2)       /* an empty name is never valid */
		return -EINVAL;
	if (namesize > r->len - r->pos - CPIO_HDR_LEN)
		return -EINVAL;
	name_end = r->pos + CPIO_HDR_LEN + namesize;
	if (r->buf[name_end - 1] != '\0')
		return -EINVAL;
	e->name = (const char *)h + CPIO_HDR_LEN;
	e->namelen = strlen(e->name);
	if (e->namelen != namesize - 1)  /* a NUL inside the name */
		return -EINVAL;

	if (!pad4(name_end, &data_start))
		return -EINVAL;
	if (data_start > r->len) {
		/* Only an empty member at the very end may lack its padding. */
		if (f[6] != 0)
			return -EINVAL;
		data_start = r->len;
	}
	if (f[6] > r->len - data_start)
		return -EINVAL;
	data_end = data_start + f[6];

	e->ino = f[0];
	e->mode = f[1];
	e->uid = f[2];
	e->gid = f[3];
	e->nlink = f[4];
	e->mtime = f[5];
	e->filesize = f[6];
	e->devmajor = f[7];
	e->devminor = f[8];
	e->rdevmajor = f[9];
	e->rdevminor = f[10];
	e->data = r->buf + data_start;

	if (strcmp(e->name, CPIO_TRAILER) == 0) {
		r->done = true;
		return 0;
	}
	/* The padding after the last member's data may be missing. */
	if (!pad4(data_end, &r->pos) || r->pos > r->len)
		r->pos = r->len;
	return 1;
}
