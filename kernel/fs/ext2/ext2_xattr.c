/* SPDX-License-Identifier: MIT */
/* ext2_xattr.c: extended attributes of ext2/ext3/ext4 files through libext2fs' xattr handles (in-inode and block attributes). */
#include "ext2.h"
#include <linux/xattr.h>

/* Opens and reads the attributes of ino; 0 or -errno. */
static int open_attrs(struct inode *ino, struct ext2_xattr_handle **h)
{
	errcode_t e = ext2fs_xattrs_open(ifs(ino), ino->ino, h);

	if (e)
		return e == EXT2_ET_MISSING_EA_FEATURE ? -EOPNOTSUPP : ext2_errno(e);
	e = ext2fs_xattrs_read(*h);
	if (e) {
		ext2fs_xattrs_close(h);
		return ext2_errno(e);
	}
	return 0;
}

ssize_t ext2_getxattr(struct inode *ino, const char *name, void *buf, size_t n)
{
	struct ext2_xattr_handle *h;
	void *val = NULL;
	size_t len = 0;
	errcode_t e;
	ssize_t r = open_attrs(ino, &h);

	if (r)
		return r;
	e = ext2fs_xattr_get(h, name, &val, &len);
	if (e == EXT2_ET_EA_KEY_NOT_FOUND)
		r = -ENODATA;
	else if (e)
		r = ext2_errno(e);
	else if (n && len > n)
		r = -ERANGE;
	else {
		if (n)
			memcpy(buf, val, len);
		r = len;
	}
	ext2fs_free_mem(&val);
	ext2fs_xattrs_close(&h);
	return r;
}

struct list_ctx {
	char *buf;
	size_t n, len;
};

static int add_name(char *name, char *value, size_t value_len, void *data)
{
	struct list_ctx *c = data;
	size_t l = strlen(name) + 1;

	if (c->n && c->len + l <= c->n)
		memcpy(c->buf + c->len, name, l);
	c->len += l;
	return 0;
}

ssize_t ext2_listxattr(struct inode *ino, char *buf, size_t n)
{
	struct ext2_xattr_handle *h;
	struct list_ctx c = { buf, n, 0 };
	errcode_t e;
	ssize_t r = open_attrs(ino, &h);

	if (r)
		return r;
	e = ext2fs_xattrs_iterate(h, add_name, &c);
	ext2fs_xattrs_close(&h);
	if (e)
		return ext2_errno(e);
	if (n && c.len > n)
		return -ERANGE;
	return c.len;
}

/* Is name set on the open handle h?  1 or 0, or -errno. */
static int attr_exists(struct ext2_xattr_handle *h, const char *name)
{
	void *val = NULL;
	size_t len;
	errcode_t e = ext2fs_xattr_get(h, name, &val, &len);

	ext2fs_free_mem(&val);
	if (e == EXT2_ET_EA_KEY_NOT_FOUND)
		return 0;
	return e ? ext2_errno(e) : 1;
}

int ext2_setxattr(struct inode *ino, const char *name, const void *val, size_t n, int flags)
{
	struct ext2_xattr_handle *h;
	errcode_t e;
	int err = open_attrs(ino, &h);

	if (err)
		return err;
	err = attr_exists(h, name);
	if (err == 1 && (flags & XATTR_CREATE))
		err = -EEXIST;
	else if (err == 0 && (flags & XATTR_REPLACE))
		err = -ENODATA;
	if (err >= 0) {
		/* libext2fs writes the attributes (inode and block) as it sets them. */
		e = ext2fs_xattr_set(h, name, val, n);
		err = e == EXT2_ET_EA_BAD_NAME_LEN || e == EXT2_ET_EA_BAD_VALUE_SIZE ? -ERANGE :
		      e == EXT2_ET_EA_NO_SPACE ? -ENOSPC : ext2_errno(e);
	}
	ext2fs_xattrs_close(&h);
	return err;
}

int ext2_removexattr(struct inode *ino, const char *name)
{
	struct ext2_xattr_handle *h;
	int err = open_attrs(ino, &h);

	if (err)
		return err;
	err = attr_exists(h, name);
	if (err == 0)
		err = -ENODATA;
	else if (err == 1)
		err = ext2_errno(ext2fs_xattr_remove(h, name));
	ext2fs_xattrs_close(&h);
	return err;
}
