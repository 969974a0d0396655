/* SPDX-License-Identifier: MIT */
/* test_cpio.c: the cpio "newc" reader on good and malformed archives. */
#include "kshim.h"
#include "../../kernel/lib/cpio.c"
#include "kshim.c"
#include "cpio_build.h"

/* Counts the entries of an archive; returns the error if it ends in one. */
static int count_entries(const void *buf, size_t len, int *n)
{
	struct cpio_reader r;
	struct cpio_entry e;
	int ret;

	*n = 0;
	cpio_init(&r, buf, len);
	while ((ret = cpio_next(&r, &e)) > 0)
		(*n)++;
	return ret;
}

static void test_good(void)
{
	static struct cpio_out o;
	struct cpio_reader r;
	struct cpio_entry e;

	o.len = 0;
	cpio_add(&o, ".", 040755, NULL);
	cpio_add(&o, "bin", 040755, NULL);
	cpio_add(&o, "bin/hello", 0100755, "hello, world\n");
	cpio_add(&o, "lib", 0120777, "usr/lib");
	cpio_trailer(&o);

	cpio_init(&r, o.buf, o.len);
	CHECK_EQ(cpio_next(&r, &e), 1);
	CHECK(strcmp(e.name, ".") == 0);
	CHECK_EQ(cpio_next(&r, &e), 1);
	CHECK(strcmp(e.name, "bin") == 0);
	CHECK_EQ(e.mode, 040755);
	CHECK_EQ(cpio_next(&r, &e), 1);
	CHECK(strcmp(e.name, "bin/hello") == 0);
	CHECK_EQ(e.namelen, 9);
	CHECK_EQ(e.filesize, 13);
	CHECK(memcmp(e.data, "hello, world\n", 13) == 0);
	CHECK_EQ(e.mtime, 1600000000u);
	CHECK_EQ(e.nlink, 1);
	CHECK_EQ(cpio_next(&r, &e), 1);
	CHECK_EQ(e.mode, 0120777);
	CHECK(memcmp(e.data, "usr/lib", 7) == 0);
	CHECK_EQ(cpio_next(&r, &e), 0);
	CHECK_EQ(cpio_next(&r, &e), 0);   /* stays at the end */

	/* Data after the trailer (padding, a second archive) is not read. */
	memset(o.buf + o.len, 'x', 100);
	int n;
	CHECK_EQ(count_entries(o.buf, o.len + 100, &n), 0);
	CHECK_EQ(n, 4);
	/* The trailer's own padding may be missing. */
	CHECK_EQ(count_entries(o.buf, o.len - 2, &n), 0);
}

static void test_malformed(void)
{
	static struct cpio_out o, bad;
	struct cpio_reader r;
	struct cpio_entry e;
	int n;

	o.len = 0;
	cpio_add(&o, "file", 0100644, "abcdefgh");
	cpio_trailer(&o);

	/* Empty buffer and every truncation: an error, never a crash (ASan checks the reads). */
	CHECK_EQ(count_entries(o.buf, 0, &n), -EINVAL);
	for (size_t len = 0; len < o.len - 3; len++) {
		unsigned char *copy = malloc(len ? len : 1);

		memcpy(copy, o.buf, len);
		CHECK_EQ(count_entries(copy, len, &n), -EINVAL);
		free(copy);
	}

	/* Bad magic. */
	bad = o;
	bad.buf[5] = '2';
	CHECK_EQ(count_entries(bad.buf, bad.len, &n), -EINVAL);

	/* A field that is not hex. */
	bad = o;
	bad.buf[6 + 8 * 6 + 3] = 'g';       /* filesize */
	CHECK_EQ(count_entries(bad.buf, bad.len, &n), -EINVAL);
	bad = o;
	bad.buf[6 + 8 * 1] = ' ';           /* mode */
	CHECK_EQ(count_entries(bad.buf, bad.len, &n), -EINVAL);

	/* Huge filesize. */
	bad = o;
	memcpy(bad.buf + 6 + 8 * 6, "FFFFFFFF", 8);
	CHECK_EQ(count_entries(bad.buf, bad.len, &n), -EINVAL);

	/* Name past the end of the archive. */
	bad.len = 0;
	cpio_add_raw(&bad, "x", 0100644, NULL, 0, 0, 1, 0xffff);
	CHECK_EQ(count_entries(bad.buf, bad.len, &n), -EINVAL);
	bad.len = 0;
	cpio_add_raw(&bad, "x", 0100644, NULL, 0, 0, 1, 0xffffffff);
	CHECK_EQ(count_entries(bad.buf, bad.len, &n), -EINVAL);

	/* Empty name (namesize 0 or 1), and a name whose NUL is not where namesize says. */
	bad.len = 0;
	cpio_add_raw(&bad, "", 0100644, NULL, 0, 0, 1, 1);
	cpio_trailer(&bad);
	CHECK_EQ(count_entries(bad.buf, bad.len, &n), -EINVAL);
	bad.len = 0;
	cpio_add_raw(&bad, "abc", 0100644, NULL, 0, 0, 1, 3);   /* no NUL inside namesize */
	cpio_trailer(&bad);
	CHECK_EQ(count_entries(bad.buf, bad.len, &n), -EINVAL);
	bad.len = 0;
	cpio_add_raw(&bad, "ab", 0100644, NULL, 0, 0, 1, 5);    /* NUL inside the name */
	cpio_trailer(&bad);
	CHECK_EQ(count_entries(bad.buf, bad.len, &n), -EINVAL);

	/* No trailer. */
	bad.len = 0;
	cpio_add(&bad, "file", 0100644, "abc");
	CHECK_EQ(count_entries(bad.buf, bad.len, &n), -EINVAL);
	CHECK_EQ(n, 1);

	/* The error names the entry. */
	bad = o;
	memcpy(bad.buf + 6 + 8 * 6, "FFFFFFFF", 8);
	cpio_init(&r, bad.buf, bad.len);
	CHECK_EQ(cpio_next(&r, &e), -EINVAL);
	CHECK(e.name && strcmp(e.name, "file") == 0);
	CHECK_EQ(e.offset, 0);
}

int main(void)
{
	test_good();
	test_malformed();
	return shim_failures != 0;
}
