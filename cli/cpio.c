/* SPDX-License-Identifier: MIT */
/* cpio.c: writes and searches cpio "newc" archives (the Linux initramfs format) for initrds and images. */

/*
 * The format.  Every entry is a 110-byte ASCII header, the name, then the
 * data:
 *
 *   "070701"  magic
 *   13 fields of 8 hex digits: ino, mode, uid, gid, nlink, mtime,
 *             filesize, devmajor, devminor, rdevmajor, rdevminor,
 *             namesize (NUL included), check (0 for newc)
 *   name, NUL-terminated, then zero padding to a multiple of 4 bytes
 *   (counted from the start of the archive)
 *   data (a symlink's data is its target, no NUL), padded to 4 bytes
 *
 * The archive ends with an entry named "TRAILER!!!".  Names carry no
 * leading '/'; the root directory is ".".
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

#define CPIO_HDR_LEN 110
#define CPIO_MAX_FIELD 0xffffffffULL

void cpio_writer_init(struct cpio_writer *w, int fd)
{
	w->fd = fd;
	w->off = 0;
	w->next_ino = 1;
}

static int write_all(struct cpio_writer *w, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(w->fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
		w->off += (uint64_t)n;
	}
	return 0;
}

static int pad4(struct cpio_writer *w)
{
	static const char zeros[4];
	size_t pad = (4 - (w->off & 3)) & 3;

	return write_all(w, zeros, pad);
}

/* Writes the header and the padded name of an entry whose data follows. */
static int write_header(struct cpio_writer *w, const char *name, uint32_t ino, mode_t mode,
			uint32_t nlink, uint32_t mtime, uint64_t filesize)
{
	char hdr[CPIO_HDR_LEN + 1];
	size_t namesize = strlen(name) + 1;
	int err;

	if (filesize > CPIO_MAX_FIELD)
		return -EFBIG;
	if (namesize > CPIO_MAX_FIELD || namesize == 1)
		return -EINVAL;
	snprintf(hdr, sizeof(hdr),
		 "%s%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		 CPIO_NEWC_MAGIC, ino, (unsigned)mode, 0u, 0u, nlink, mtime,
		 (unsigned)filesize, 0u, 0u, 0u, 0u, (unsigned)namesize, 0u);
	err = write_all(w, hdr, CPIO_HDR_LEN);
	if (err)
		return err;
	err = write_all(w, name, namesize);
	if (err)
		return err;
	return pad4(w);
}

int cpio_add_dir(struct cpio_writer *w, const char *name, mode_t mode, uint32_t mtime)
{
	return write_header(w, name, w->next_ino++, S_IFDIR | (mode & 07777), 2, mtime, 0);
}

int cpio_add_data(struct cpio_writer *w, const char *name, mode_t mode, uint32_t mtime,
		  const void *data, size_t size)
{
	int err;

	err = write_header(w, name, w->next_ino++, S_IFREG | (mode & 07777), 1, mtime, size);
	if (err)
		return err;
	err = write_all(w, data, size);
	if (err)
		return err;
	return pad4(w);
}

int cpio_add_fd(struct cpio_writer *w, const char *name, mode_t mode, uint32_t mtime,
		int src_fd, uint64_t size)
{
	char buf[65536];
	uint64_t left = size;
	int err;

	err = write_header(w, name, w->next_ino++, S_IFREG | (mode & 07777), 1, mtime, size);
	if (err)
		return err;
	while (left > 0) {
		size_t want = left < sizeof(buf) ? (size_t)left : sizeof(buf);
		ssize_t n = read(src_fd, buf, want);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		/* The file shrank while we copied it: the header already promised size bytes. */
		if (n == 0)
			return -EIO;
		err = write_all(w, buf, (size_t)n);
		if (err)
			return err;
		left -= (uint64_t)n;
	}
	return pad4(w);
}

int cpio_add_symlink(struct cpio_writer *w, const char *name, const char *target, uint32_t mtime)
{
	size_t len = strlen(target);
	int err;

	err = write_header(w, name, w->next_ino++, S_IFLNK | 0777, 1, mtime, len);
	if (err)
		return err;
	err = write_all(w, target, len);
	if (err)
		return err;
	return pad4(w);
}

int cpio_finish(struct cpio_writer *w)
{
	return write_header(w, CPIO_TRAILER, 0, 0, 1, 0, 0);
}

/* Parses one 8-hex-digit header field. */
static int hex8(const char *p, uint32_t *val)
{
	uint32_t v = 0;

	for (int i = 0; i < 8; i++) {
		char c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else
			return -EINVAL;
	}
	*val = v;
	return 0;
}

static size_t align4(size_t x)
{
	return (x + 3) & ~(size_t)3;
}

/* One member's header at off: its mode, name and data; -EINVAL when it is malformed or overruns the buffer. */
static int member_at(const char *base, size_t len, size_t off, uint32_t *mode, const char **ename,
		     size_t *data_off, uint32_t *filesize)
{
	const char *hdr;
	uint32_t namesize;

	if (off > len || len - off < CPIO_HDR_LEN)
		return -EINVAL;
	hdr = base + off;
	if (memcmp(hdr, CPIO_NEWC_MAGIC, 6) != 0)
		return -EINVAL;
	if (hex8(hdr + 14, mode) || hex8(hdr + 54, filesize) || hex8(hdr + 94, &namesize))
		return -EINVAL;
	*ename = hdr + CPIO_HDR_LEN;
	if (namesize == 0 || namesize > len - off - CPIO_HDR_LEN || (*ename)[namesize - 1] != '\0')
		return -EINVAL;
	*data_off = align4(off + CPIO_HDR_LEN + namesize);
	if (*data_off > len || *filesize > len - *data_off)
		return -EINVAL;
	return 0;
}

int cpio_find(const void *buf, size_t len, const char *name, const void **data, size_t *size)
{
	const char *base = buf;
	size_t off = 0;

	for (;;) {
		uint32_t mode, filesize;
		const char *ename;
		size_t data_off;

		if (member_at(base, len, off, &mode, &ename, &data_off, &filesize))
			return -EINVAL;
		if (strcmp(ename, CPIO_TRAILER) == 0)
			return -ENOENT;
		/* Accept "name", "./name" and "/name" spellings of the same path. */
		if (ename[0] == '.' && ename[1] == '/')
			ename += 2;
		else if (ename[0] == '/')
			ename += 1;
		if (S_ISREG(mode) && strcmp(ename, name) == 0) {
			*data = base + data_off;
			*size = filesize;
			return 0;
		}
		off = align4(data_off + filesize);
	}
}

int cpio_check(const void *buf, size_t len, size_t *bad_off)
{
	size_t off = 0;

	for (;;) {
		uint32_t mode, filesize;
		const char *ename;
		size_t data_off;

		/* A member missing after an unaligned end is missing at the end, not past it. */
		*bad_off = off < len ? off : len;
		if (member_at(buf, len, off, &mode, &ename, &data_off, &filesize))
			return -EINVAL;
		if (strcmp(ename, CPIO_TRAILER) == 0)
			return 0;
		off = align4(data_off + filesize);
	}
}
