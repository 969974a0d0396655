/* SPDX-License-Identifier: MIT */
/* cpio_build.h: writes cpio "newc" archives in memory for the unit tests. */
#ifndef CPIO_BUILD_H
#define CPIO_BUILD_H

#include <stdio.h>
#include <string.h>

struct cpio_out {
	unsigned char buf[1 << 16];
	size_t len;
};

static void cpio_pad(struct cpio_out *o)
{
	while (o->len % 4)
		o->buf[o->len++] = 0;
}

/* Appends a member; namesize, if nonzero, overrides strlen(name) + 1. */
static void cpio_add_raw(struct cpio_out *o, const char *name, unsigned mode, const void *data,
			 size_t size, unsigned ino, unsigned nlink, unsigned namesize)
{
	char hdr[111];

	if (!namesize)
		namesize = strlen(name) + 1;
	snprintf(hdr, sizeof(hdr), "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		 ino, mode, 0, 0, nlink, 1600000000u, (unsigned)size, 0, 0, 0, 0, namesize, 0);
	memcpy(o->buf + o->len, hdr, 110);
	o->len += 110;
	memcpy(o->buf + o->len, name, strlen(name) + 1);
	o->len += strlen(name) + 1;
	cpio_pad(o);
	if (size)
		memcpy(o->buf + o->len, data, size);
	o->len += size;
	cpio_pad(o);
}

static void cpio_add(struct cpio_out *o, const char *name, unsigned mode, const char *data)
{
	cpio_add_raw(o, name, mode, data, data ? strlen(data) : 0, 0, 1, 0);
}

static void cpio_trailer(struct cpio_out *o)
{
	cpio_add(o, "TRAILER!!!", 0, NULL);
}

#endif
