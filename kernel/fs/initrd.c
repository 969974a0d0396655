/* SPDX-License-Identifier: MIT */
/* initrd.c: unpacks the boot cpio archive into the root file system, pointing file data into the archive. */
#include "kernel.h"
#include "cpio.h"
#include "vfs.h"

/* Regular files with nlink > 1 already unpacked, so that later names become hard links. */
struct hardlink {
	struct hardlink *next;
	uint32_t ino, devmajor, devminor;
	struct inode *inode;
};

/* Creates every missing directory above path (which is relative to /). */
static int make_parents(char *path)
{
	char *slash = strrchr(path, '/');
	struct inode *dir;

	/* Archives list directories before their contents: usually the parent is there already. */
	if (!slash)
		return 0;
	*slash = '\0';
	int found = vfs_lookup(vfs_root(), path, false, &dir);
	*slash = '/';
	if (found == 0) {
		bool is_dir = S_ISDIR(dir->mode);
		inode_unref(dir);
		if (is_dir)
			return 0;
	}
	for (char *p = path; (p = strchr(p, '/')) != NULL; p++) {
		int err;

		*p = '\0';
		err = p == path ? 0 : vfs_mkdir(vfs_root(), path, 0755);
		*p = '/';
		if (err && err != -EEXIST)
			return err;
	}
	return 0;
}

/* Gives a freshly unpacked inode the archive's metadata. */
static void set_meta(struct inode *ino, const struct cpio_entry *e)
{
	ino->mode = e->mode;
	ino->uid = e->uid;
	ino->gid = e->gid;
	ino->mtime_ns = ino->ctime_ns = ino->atime_ns = (int64_t)e->mtime * 1000000000LL;
}

static struct hardlink *find_hardlink(struct hardlink *list, const struct cpio_entry *e)
{
	for (; list; list = list->next)
		if (list->ino == e->ino && list->devmajor == e->devmajor && list->devminor == e->devminor)
			return list;
	return NULL;
}

static int unpack_file(char *path, const struct cpio_entry *e, struct hardlink **links)
{
	struct hardlink *hl = e->nlink > 1 ? find_hardlink(*links, e) : NULL;
	struct inode *ino;
	int err;

	if (hl) {
		/* A later entry replaces an earlier one of the same name, as Linux's initramfs does. */
		err = vfs_unlink(vfs_root(), path, false);
		if (err && err != -ENOENT)
			return err;
		/* newc stores a hard-linked file's data with the last of its names. */
		err = vfs_link_inode(hl->inode, vfs_root(), path);
		if (!err && e->filesize)
			err = ramfs_set_rodata(hl->inode, e->data, e->filesize);
		return err;
	}
	err = vfs_mknod(vfs_root(), path, S_IFREG | 0600, &ino);
	if (err == -EEXIST) {
		/* A later entry replaces an earlier one of the same name, as Linux's initramfs does. */
		err = vfs_unlink(vfs_root(), path, false);
		if (!err)
			err = vfs_mknod(vfs_root(), path, S_IFREG | 0600, &ino);
	}
	if (err)
		return err;
	set_meta(ino, e);
	err = ramfs_set_rodata(ino, e->data, e->filesize);
	if (!err && e->nlink > 1) {
		hl = kzalloc(sizeof(*hl));
		if (!hl) {
			err = -ENOMEM;
		} else {
			hl->ino = e->ino;
			hl->devmajor = e->devmajor;
			hl->devminor = e->devminor;
			hl->inode = ino;
			inode_ref(ino);
			hl->next = *links;
			*links = hl;
		}
	}
	inode_unref(ino);
	return err;
}

static int unpack_dir(const char *path, const struct cpio_entry *e)
{
	struct inode *ino;
	int err = vfs_mknod(vfs_root(), path, S_IFDIR | 0755, &ino);

	if (err == -EEXIST)
		err = vfs_lookup(vfs_root(), path, true, &ino);
	if (err)
		return err;
	if (!S_ISDIR(ino->mode)) {
		inode_unref(ino);
		return -EEXIST;
	}
	set_meta(ino, e);
	inode_unref(ino);
	return 0;
}

static int unpack_symlink(const char *path, const struct cpio_entry *e)
{
	struct inode *ino;
	char *target;
	int err;

	if (e->filesize == 0 || e->filesize >= PATH_MAX)
		return -EINVAL;
	target = kmalloc(e->filesize + 1);
	if (!target)
		return -ENOMEM;
	memcpy(target, e->data, e->filesize);
	target[e->filesize] = '\0';
	err = vfs_unlink(vfs_root(), path, false);
	if (err == 0 || err == -ENOENT)
		err = vfs_symlink(target, vfs_root(), path);
	kfree(target);
	if (err)
		return err;
	err = vfs_lookup(vfs_root(), path, true, &ino);
	if (err)
		return err;
	ino->uid = e->uid;
	ino->gid = e->gid;
	ino->mtime_ns = ino->ctime_ns = (int64_t)e->mtime * 1000000000LL;
	inode_unref(ino);
	return 0;
}

/* Unpacks one archive member; path is a writable copy of its name. */
static int unpack_entry(char *path, const struct cpio_entry *e, struct hardlink **links)
{
	int err;

	/* Names are relative to /, usually "bin/x" or "./bin/x"; "." is the root itself. */
	while (path[0] == '.' && path[1] == '/')
		path += 2;
	while (path[0] == '/')
		path++;
	if (path[0] == '\0' || strcmp(path, ".") == 0)
		return 0;
	/* .husk/ holds an image's metadata for the host (include/husk/abi.h), not guest files. */
	if (!strncmp(path, ".husk", 5) && (path[5] == '/' || path[5] == '\0'))
		return 0;
	err = make_parents(path);
	if (err)
		return err;
	switch (e->mode & S_IFMT) {
	case S_IFDIR:
		return unpack_dir(path, e);
	case S_IFREG:
		return unpack_file(path, e, links);
	case S_IFLNK:
		return unpack_symlink(path, e);
	default:
		/* Device nodes, FIFOs and sockets: /dev is ours. */
		printk("initrd: skipping special file %s\n", e->name);
		return 0;
	}
}

int initrd_unpack(const void *data, size_t len)
{
	struct cpio_reader r;
	struct cpio_entry e;
	struct hardlink *links = NULL;
	char *path = kmalloc(PATH_MAX);
	int ret;

	if (!path)
		return -ENOMEM;
	cpio_init(&r, data, len);
	while ((ret = cpio_next(&r, &e)) > 0) {
		if (e.namelen >= PATH_MAX) {
			printk_err("initrd: name too long at offset %lu\n", (unsigned long)e.offset);
			ret = -EINVAL;
			goto out;
		}
		memcpy(path, e.name, e.namelen + 1);
		ret = unpack_entry(path, &e, &links);
		if (ret == -ENOMEM)
			goto out;
		if (ret) {
			printk_err("initrd: cannot unpack \"%s\" (offset %lu): error %d\n", e.name,
				   (unsigned long)e.offset, -ret);
			ret = -EINVAL;
			goto out;
		}
	}
	if (ret < 0)
		printk_err("initrd: malformed archive at offset %lu, entry \"%s\"\n",
			   (unsigned long)e.offset, e.name ? e.name : "(unreadable header)");

out:
	while (links) {
		struct hardlink *next = links->next;

		inode_unref(links->inode);
		kfree(links);
		links = next;
	}
	kfree(path);
	return ret == -ENOMEM ? -ENOMEM : ret < 0 ? -EINVAL : 0;
}
