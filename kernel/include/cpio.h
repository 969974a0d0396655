/* SPDX-License-Identifier: MIT */
/* cpio.h: a portable reader for cpio "newc" archives (the Linux initramfs format). */
#ifndef CPIO_H
#define CPIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * One archive member.  name points into the archive and is NUL-terminated
 * there (namesize counts the NUL); data points into the archive too and is
 * filesize bytes long.  Nothing is copied.
 */
struct cpio_entry {
	const char *name;
	size_t namelen;          /* strlen(name) */
	uint32_t ino, mode, uid, gid, nlink, mtime;
	uint32_t devmajor, devminor, rdevmajor, rdevminor;
	const void *data;
	size_t filesize;
	size_t offset;           /* where the entry's header starts, for messages */
};

struct cpio_reader {
	const uint8_t *buf;
	size_t len;
	size_t pos;              /* offset of the next header */
	bool done;               /* the trailer was seen */
};

/* Starts reading the archive in buf[0..len). */
void cpio_init(struct cpio_reader *r, const void *buf, size_t len);

/*
 * Reads the next entry into *e.  Returns 1 with *e filled, 0 at the
 * "TRAILER!!!" entry (and on every call after it), or -EINVAL when the
 * archive is malformed: a bad magic, a field that is not 8 hex digits, a
 * name without its NUL, an empty name, or a name or data that would extend
 * past the end of the buffer.  After an error, e->offset and (if it could be
 * read) e->name say where.  Never reads outside buf.  Running out of
 * archive without a trailer is an error too.
 */
int cpio_next(struct cpio_reader *r, struct cpio_entry *e);

#endif
