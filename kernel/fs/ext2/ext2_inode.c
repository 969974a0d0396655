/* SPDX-License-Identifier: MIT */
/* ext2_inode.c: the VFS inode operations of ext2/ext3/ext4 volumes on names, directories and attributes, each a few libext2fs calls; ext2_file.c has file data. */
#include "ext2.h"
#include "ktime.h"
#include "sched.h"
#include <linux/fs.h>

/*
 * One cached VFS inode per disk inode (the inode cache of fs/super.c); it
 * is dropped with its last reference, writing back what changed.  The
 * in-memory inode is the truth for size, times, mode and owners while it
 * is cached; ext2_write_vfs_inode stores them.  Directory operations go to
 * the disk at once through libext2fs.  Regular file data goes through the
 * page cache, whose pages are read and written with libext2fs' file I/O.
 * An unlinked file keeps its blocks until its last reference goes (a crash
 * in between leaves an orphan for e2fsck).
 */

static const struct inode_ops ext2_iops;

int ext2_errno(errcode_t e)
{
	switch (e) {
	case 0:
		return 0;
	case EXT2_ET_NO_MEMORY:
		return -ENOMEM;
	case EXT2_ET_RO_FILSYS:
		return -EROFS;
	case EXT2_ET_FILE_NOT_FOUND:
		return -ENOENT;
	case EXT2_ET_BLOCK_ALLOC_FAIL:
	case EXT2_ET_INODE_ALLOC_FAIL:
	case EXT2_ET_DIR_NO_SPACE:
	case EXT2_ET_EA_NO_SPACE:
	case EXT2_ET_RES_GDT_BLOCKS:
		return -ENOSPC;
	case EXT2_ET_FILE_TOO_BIG:
		return -EFBIG;
	case EXT2_ET_DIR_EXISTS:
		return -EEXIST;
	case EXT2_ET_UNIMPLEMENTED:
	case EXT2_ET_OP_NOT_SUPPORTED:
		return -EOPNOTSUPP;
	default:
		printk_err("husk: ext2: %s\n", error_message(e));
		return -EIO;
	}
}

/* ---- disk inode <-> VFS inode ---- */

static bool has_extra_times(ext2_filsys fs, const struct ext2_inode_large *di)
{
	return EXT2_INODE_SIZE(fs->super) > EXT2_GOOD_OLD_INODE_SIZE &&
	       di->i_extra_isize >= offsetof(struct ext2_inode_large, i_crtime) - EXT2_GOOD_OLD_INODE_SIZE;
}

static int64_t get_time(uint32_t sec, uint32_t extra, bool has_extra)
{
	int64_t s = (int32_t)sec;

	if (!has_extra)
		return s * NSEC_PER_SEC;
	s += (int64_t)(extra & EXT4_EPOCH_MASK) << 32;
	return s * NSEC_PER_SEC + (extra >> EXT4_EPOCH_BITS);
}

static void put_time(int64_t ns, uint32_t *sec, uint32_t *extra, bool has_extra)
{
	int64_t s = ns / (int64_t)NSEC_PER_SEC;
	int64_t rem = ns % (int64_t)NSEC_PER_SEC;

	if (rem < 0) {
		rem += NSEC_PER_SEC;
		s--;
	}
	*sec = (uint32_t)s;
	if (has_extra)
		*extra = (uint32_t)(((s - (int32_t)*sec) >> 32) & EXT4_EPOCH_MASK) | ((uint32_t)rem << EXT4_EPOCH_BITS);
}

static void load(struct inode *ino, ext2_filsys fs, const struct ext2_inode_large *di)
{
	bool x = has_extra_times(fs, di);

	ino->mode = di->i_mode;
	ino->uid = inode_uid(*di);
	ino->gid = inode_gid(*di);
	ino->size = EXT2_I_SIZE(di);
	ino->nlink = di->i_links_count;
	ino->atime_ns = get_time(di->i_atime, di->i_atime_extra, x);
	ino->mtime_ns = get_time(di->i_mtime, di->i_mtime_extra, x);
	ino->ctime_ns = get_time(di->i_ctime, di->i_ctime_extra, x);
	if (S_ISCHR(ino->mode) || S_ISBLK(ino->mode)) {
		uint32_t old = di->i_block[0], new = di->i_block[1];

		ino->rdev = old ? vfs_mkdev((old >> 8) & 0xff, old & 0xff)
				: vfs_mkdev((new & 0xfff00) >> 8, (new & 0xff) | ((new >> 12) & 0xfff00));
	}
}

static void store(struct inode *ino, ext2_filsys fs, struct ext2_inode_large *di)
{
	bool x = has_extra_times(fs, di);

	di->i_mode = ino->mode;
	di->i_uid = ino->uid & 0xffff;
	ext2fs_set_i_uid_high(*di, ino->uid >> 16);
	di->i_gid = ino->gid & 0xffff;
	ext2fs_set_i_gid_high(*di, ino->gid >> 16);
	di->i_links_count = ino->nlink;
	put_time(ino->atime_ns, &di->i_atime, &di->i_atime_extra, x);
	put_time(ino->mtime_ns, &di->i_mtime, &di->i_mtime_extra, x);
	put_time(ino->ctime_ns, &di->i_ctime, &di->i_ctime_extra, x);
	if (S_ISREG(ino->mode))
		ext2fs_inode_size_set(fs, EXT2_INODE(di), ino->size);
}

static void remember(struct inode *ino)
{
	struct ext2_disk_state *d = &node(ino)->disk;

	*d = (struct ext2_disk_state){
		.mode = ino->mode, .uid = ino->uid, .gid = ino->gid, .nlink = ino->nlink,
		.size = ino->size, .atime_ns = ino->atime_ns, .mtime_ns = ino->mtime_ns,
		.ctime_ns = ino->ctime_ns,
	};
}

/* Did the VFS change the inode since it was read or written? */
static bool changed(struct inode *ino)
{
	struct ext2_disk_state *d = &node(ino)->disk;

	return node(ino)->dirty_inode || d->mode != ino->mode || d->uid != ino->uid ||
	       d->gid != ino->gid || d->nlink != ino->nlink || d->size != ino->size ||
	       d->atime_ns != ino->atime_ns || d->mtime_ns != ino->mtime_ns || d->ctime_ns != ino->ctime_ns;
}

int ext2_read_disk(struct inode *ino, struct ext2_inode_large *di)
{
	memset(di, 0, sizeof(*di));
	return ext2_errno(ext2fs_read_inode_full(ifs(ino), ino->ino, EXT2_INODE(di), sizeof(*di)));
}

int ext2_write_vfs_inode(struct inode *ino)
{
	struct ext2_inode_large di;
	int err = ext2_read_disk(ino, &di);

	if (err)
		return err;
	/* libext2fs owns a directory's size (it grows directories itself). */
	if (!S_ISREG(ino->mode))
		ino->size = EXT2_I_SIZE(&di);
	store(ino, ifs(ino), &di);
	err = ext2_errno(ext2fs_write_inode_full(ifs(ino), ino->ino, EXT2_INODE(&di), sizeof(di)));
	if (!err) {
		node(ino)->dirty_inode = false;
		remember(ino);
	}
	return err;
}

int ext2_iget(struct super_block *sb, ext2_ino_t num, struct inode **out)
{
	ext2_filsys fs = vol_fs(sb);
	struct ext2_inode_large di;
	struct ext2_node *n;
	struct inode *ino = icache_find(sb, num);
	const struct file_ops *fops = NULL;
	errcode_t e;

	if (ino) {
		*out = ino;
		return 0;
	}
	if (num < 1 || num > fs->super->s_inodes_count)
		return -EIO;
	memset(&di, 0, sizeof(di));
	e = ext2fs_read_inode_full(fs, num, EXT2_INODE(&di), sizeof(di));
	if (e)
		return ext2_errno(e);
	n = kzalloc(sizeof(*n));
	if (!n)
		return -ENOMEM;
	if (LINUX_S_ISDIR(di.i_mode))
		fops = &vfs_dir_fops;
	else if (LINUX_S_ISREG(di.i_mode))
		fops = &vfs_reg_fops;
	ino = inode_alloc(di.i_mode, &ext2_iops, fops);
	if (!ino) {
		kfree(n);
		return -ENOMEM;
	}
	pcache_init(&n->pc, &ext2_pcops);
	ino->priv = n;
	ino->ino = num;
	inode_set_sb(ino, sb);
	load(ino, fs, &di);
	remember(ino);
	icache_insert(ino);
	*out = ino;
	return 0;
}

/* ---- names ---- */

/* name[0..len) as a C string in buf (NAME_MAX + 1 bytes). */
static const char *cname(char *buf, const char *name, size_t len)
{
	memcpy(buf, name, len);
	buf[len] = '\0';
	return buf;
}

/* Is name[0..len) already in dir?  Fills buf (NAME_MAX + 1 bytes) with it as a C string either way. */
static bool name_taken(struct inode *dir, const char *name, size_t len, char *buf)
{
	ext2_ino_t child;

	cname(buf, name, len);
	return ext2fs_lookup(ifs(dir), dir->ino, name, (int)len, NULL, &child) == 0;
}

static int ext2_lookup(struct inode *dir, const char *name, size_t len, struct inode **out)
{
	ext2_ino_t child;
	errcode_t e = ext2fs_lookup(ifs(dir), dir->ino, name, (int)len, NULL, &child);

	if (e)
		return ext2_errno(e);
	return ext2_iget(dir->sb, child, out);
}

static int file_type(unsigned mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: return EXT2_FT_REG_FILE;
	case S_IFDIR: return EXT2_FT_DIR;
	case S_IFCHR: return EXT2_FT_CHRDEV;
	case S_IFBLK: return EXT2_FT_BLKDEV;
	case S_IFIFO: return EXT2_FT_FIFO;
	case S_IFSOCK: return EXT2_FT_SOCK;
	case S_IFLNK: return EXT2_FT_SYMLINK;
	}
	return EXT2_FT_UNKNOWN;
}

/* ext2fs_link, growing the directory once when it is full. */
static errcode_t link_name(ext2_filsys fs, ext2_ino_t dir, const char *name, ext2_ino_t ino, int ft)
{
	errcode_t e = ext2fs_link(fs, dir, name, ino, ft);

	if (e == EXT2_ET_DIR_NO_SPACE) {
		e = ext2fs_expand_dir(fs, dir);
		if (!e)
			e = ext2fs_link(fs, dir, name, ino, ft);
	}
	return e;
}

static void owner_of_new(struct inode *dir, unsigned *uid, unsigned *gid, unsigned *mode)
{
	*uid = current ? current_proc()->cred.fsuid : 0;
	*gid = current ? current_proc()->cred.fsgid : 0;
	/* A set-group-ID directory gives its group (and, to directories, the bit). */
	if (dir->mode & S_ISGID) {
		*gid = dir->gid;
		if (S_ISDIR(*mode))
			*mode |= S_ISGID;
	}
}

/* Sets owner and mode of a just-made inode (after ext2fs_mkdir / ext2fs_symlink). */
static int finish_new(struct inode *dir, ext2_ino_t child, unsigned mode, struct inode **out)
{
	struct inode *ino;
	unsigned uid, gid;
	int err = ext2_iget(dir->sb, child, &ino);

	if (err)
		return err;
	owner_of_new(dir, &uid, &gid, &mode);
	ino->uid = uid;
	ino->gid = gid;
	if (!S_ISLNK(mode))
		ino->mode = mode;
	err = ext2_write_vfs_inode(ino);
	if (err) {
		inode_unref(ino);
		return err;
	}
	*out = ino;
	return 0;
}

static int ext2_create(struct inode *dir, const char *name, size_t len, unsigned mode, struct inode **out)
{
	ext2_filsys fs = ifs(dir);
	char buf[NAME_MAX + 1];
	struct ext2_inode_large di;
	ext2_ino_t child;
	unsigned uid, gid;
	errcode_t e;

	if (name_taken(dir, name, len, buf))
		return -EEXIST;
	if (S_ISDIR(mode)) {
		e = ext2fs_mkdir(fs, dir->ino, 0, buf);
		if (e == EXT2_ET_DIR_NO_SPACE) {
			e = ext2fs_expand_dir(fs, dir->ino);
			if (!e)
				e = ext2fs_mkdir(fs, dir->ino, 0, buf);
		}
		if (!e)
			e = ext2fs_lookup(fs, dir->ino, name, (int)len, NULL, &child);
		if (e)
			return ext2_errno(e);
		dir->nlink++;
		return finish_new(dir, child, mode, out);
	}
	e = ext2fs_new_inode(fs, dir->ino, mode, NULL, &child);
	if (!e)
		e = link_name(fs, dir->ino, buf, child, file_type(mode));
	if (e)
		return ext2_errno(e);
	ext2fs_inode_alloc_stats2(fs, child, 1, 0);
	owner_of_new(dir, &uid, &gid, &mode);
	memset(&di, 0, sizeof(di));
	di.i_mode = mode;
	di.i_links_count = 1;
	di.i_uid = uid & 0xffff;
	ext2fs_set_i_uid_high(di, uid >> 16);
	di.i_gid = gid & 0xffff;
	ext2fs_set_i_gid_high(di, gid >> 16);
	if (EXT2_INODE_SIZE(fs->super) > EXT2_GOOD_OLD_INODE_SIZE)
		di.i_extra_isize = sizeof(struct ext2_inode_large) - EXT2_GOOD_OLD_INODE_SIZE;
	if (S_ISREG(mode) && ext2fs_has_feature_extents(fs->super)) {
		ext2_extent_handle_t h;

		/* Makes an empty extent tree in the inode. */
		e = ext2fs_extent_open2(fs, child, EXT2_INODE(&di), &h);
		if (e)
			return ext2_errno(e);
		ext2fs_extent_free(h);
	}
	e = ext2fs_write_new_inode(fs, child, EXT2_INODE(&di));
	if (e)
		return ext2_errno(e);
	return ext2_iget(dir->sb, child, out);
}

static int ext2_symlink(struct inode *dir, const char *name, size_t len, const char *target,
			struct inode **out)
{
	ext2_filsys fs = ifs(dir);
	char buf[NAME_MAX + 1];
	ext2_ino_t child;
	errcode_t e;

	if (name_taken(dir, name, len, buf))
		return -EEXIST;
	e = ext2fs_symlink(fs, dir->ino, 0, buf, target);
	if (e == EXT2_ET_DIR_NO_SPACE) {
		e = ext2fs_expand_dir(fs, dir->ino);
		if (!e)
			e = ext2fs_symlink(fs, dir->ino, 0, buf, target);
	}
	if (!e)
		e = ext2fs_lookup(fs, dir->ino, name, (int)len, NULL, &child);
	if (e)
		return ext2_errno(e);
	return finish_new(dir, child, S_IFLNK | 0777, out);
}

static int ext2_link(struct inode *dir, const char *name, size_t len, struct inode *target)
{
	ext2_filsys fs = ifs(dir);
	char buf[NAME_MAX + 1];
	errcode_t e;

	if (name_taken(dir, name, len, buf))
		return -EEXIST;
	if (target->nlink >= EXT2_LINK_MAX)
		return -EMLINK;
	e = link_name(fs, dir->ino, buf, target->ino, file_type(target->mode));
	if (e)
		return ext2_errno(e);
	target->nlink++;
	inode_touch(target, false, true);
	return ext2_write_vfs_inode(target);
}

struct empty_ctx {
	int entries;
};

static int count_entry(struct ext2_dir_entry *de, int off, int bs, char *buf, void *priv)
{
	struct empty_ctx *c = priv;
	int len = ext2fs_dirent_name_len(de);

	if (de->inode && !(len == 1 && de->name[0] == '.') &&
	    !(len == 2 && de->name[0] == '.' && de->name[1] == '.')) {
		c->entries++;
		return DIRENT_ABORT;
	}
	return 0;
}

static int dir_is_empty(ext2_filsys fs, ext2_ino_t dir, bool *empty)
{
	struct empty_ctx c = { 0 };
	errcode_t e = ext2fs_dir_iterate(fs, dir, 0, NULL, count_entry, &c);

	*empty = c.entries == 0;
	return ext2_errno(e);
}

/* Takes name (naming child) out of dir; child loses a link. */
static int remove_entry(struct inode *dir, const char *cn, struct inode *child)
{
	ext2_filsys fs = ifs(dir);
	errcode_t e = ext2fs_unlink(fs, dir->ino, cn, child->ino, 0);
	int err;

	if (e)
		return ext2_errno(e);
	if (S_ISDIR(child->mode)) {
		child->nlink = 0;
		if (dir->nlink > 2)
			dir->nlink--;
	} else if (child->nlink) {
		child->nlink--;
	}
	inode_touch(child, false, true);
	inode_touch(dir, true, true);
	err = ext2_write_vfs_inode(child);
	if (!err)
		err = ext2_write_vfs_inode(dir);
	return err;
}

static int ext2_unlink(struct inode *dir, const char *name, size_t len, bool is_rmdir)
{
	char buf[NAME_MAX + 1];
	struct inode *child;
	bool empty;
	int err = ext2_lookup(dir, name, len, &child);

	if (err)
		return err;
	if (is_rmdir != !!S_ISDIR(child->mode)) {
		err = is_rmdir ? -ENOTDIR : -EISDIR;
		goto out;
	}
	if (is_rmdir) {
		err = dir_is_empty(ifs(dir), child->ino, &empty);
		if (!err && !empty)
			err = -ENOTEMPTY;
		if (err)
			goto out;
	}
	err = remove_entry(dir, cname(buf, name, len), child);
out:
	inode_unref(child);
	return err;
}

struct dotdot_ctx {
	ext2_ino_t parent;
};

static int set_dotdot(struct ext2_dir_entry *de, int off, int bs, char *buf, void *priv)
{
	struct dotdot_ctx *c = priv;

	if (ext2fs_dirent_name_len(de) == 2 && de->name[0] == '.' && de->name[1] == '.') {
		de->inode = c->parent;
		return DIRENT_CHANGED | DIRENT_ABORT;
	}
	return 0;
}

static int ext2_rename(struct inode *olddir, const char *oldname, size_t oldlen,
		       struct inode *newdir, const char *newname, size_t newlen, unsigned flags)
{
	ext2_filsys fs = ifs(olddir);
	char ob[NAME_MAX + 1], nb[NAME_MAX + 1];
	struct inode *src, *victim = NULL;
	errcode_t e;
	bool empty;
	int err = ext2_lookup(olddir, oldname, oldlen, &src);

	if (err)
		return err;
	cname(ob, oldname, oldlen);
	cname(nb, newname, newlen);
	err = ext2_lookup(newdir, newname, newlen, &victim);
	if (err == -ENOENT) {
		victim = NULL;
		err = 0;
	}
	if (err)
		goto out;
	if (victim) {
		if (flags & RENAME_NOREPLACE) {
			err = -EEXIST;
			goto out;
		}
		if (S_ISDIR(victim->mode)) {
			err = dir_is_empty(fs, victim->ino, &empty);
			if (!err && !empty)
				err = -ENOTEMPTY;
			if (err)
				goto out;
		}
		err = remove_entry(newdir, nb, victim);
		if (err)
			goto out;
	}
	/* The new name first: a crash in between leaves two names, not none. */
	e = link_name(fs, newdir->ino, nb, src->ino, file_type(src->mode));
	if (!e)
		e = ext2fs_unlink(fs, olddir->ino, ob, src->ino, 0);
	if (e) {
		err = ext2_errno(e);
		goto out;
	}
	if (S_ISDIR(src->mode) && olddir != newdir) {
		struct dotdot_ctx c = { newdir->ino };

		e = ext2fs_dir_iterate(fs, src->ino, 0, NULL, set_dotdot, &c);
		if (e) {
			err = ext2_errno(e);
			goto out;
		}
		olddir->nlink--;
		newdir->nlink++;
	}
	inode_touch(src, false, true);
	inode_touch(olddir, true, true);
	inode_touch(newdir, true, true);
	err = ext2_write_vfs_inode(src);
	if (!err)
		err = ext2_write_vfs_inode(olddir);
	if (!err && newdir != olddir)
		err = ext2_write_vfs_inode(newdir);
out:
	if (victim)
		inode_unref(victim);
	inode_unref(src);
	return err;
}

/* ---- directories ---- */

struct readdir_ctx {
	uint64_t index, skip;
	filldir_fn fill;
	void *ctx;
	bool stop;
};

static unsigned dtype_of(int ft)
{
	static const unsigned map[] = {
		[EXT2_FT_REG_FILE] = DT_REG, [EXT2_FT_DIR] = DT_DIR, [EXT2_FT_CHRDEV] = DT_CHR,
		[EXT2_FT_BLKDEV] = DT_BLK, [EXT2_FT_FIFO] = DT_FIFO, [EXT2_FT_SOCK] = DT_SOCK,
		[EXT2_FT_SYMLINK] = DT_LNK,
	};

	return ft > 0 && ft < (int)ARRAY_SIZE(map) ? map[ft] : DT_UNKNOWN;
}

static int readdir_entry(struct ext2_dir_entry *de, int off, int bs, char *buf, void *priv)
{
	struct readdir_ctx *c = priv;
	int len = ext2fs_dirent_name_len(de);

	if (!de->inode)
		return 0;
	if (c->index++ < c->skip)
		return 0;
	if (c->fill(c->ctx, de->name, len, de->inode, dtype_of(ext2fs_dirent_file_type(de)), c->index)) {
		c->stop = true;
		return DIRENT_ABORT;
	}
	c->skip = c->index;
	return 0;
}

/* Positions count live entries ("." is 0, ".." 1, as on disk). */
static int ext2_readdir(struct inode *dir, uint64_t *pos, filldir_fn fill, void *ctx)
{
	struct readdir_ctx c = { .skip = *pos, .fill = fill, .ctx = ctx };
	errcode_t e = ext2fs_dir_iterate(ifs(dir), dir->ino, 0, NULL, readdir_entry, &c);

	*pos = c.skip;
	return ext2_errno(e);
}

static ssize_t ext2_readlink(struct inode *ino, char *buf, size_t n)
{
	ext2_filsys fs = ifs(ino);
	struct ext2_inode_large di;
	ext2_file_t f;
	unsigned got = 0;
	size_t len = ino->size;
	errcode_t e;
	int err = ext2_read_disk(ino, &di);

	if (err)
		return err;
	len = MIN(len, n);
	if (ext2fs_is_fast_symlink(EXT2_INODE(&di))) {
		memcpy(buf, (char *)di.i_block, MIN(len, sizeof(di.i_block)));
		return MIN(len, sizeof(di.i_block));
	}
	if (di.i_flags & EXT4_INLINE_DATA_FL) {
		char *tmp = kmalloc(ino->size + 1);
		size_t sz = ino->size;

		if (!tmp)
			return -ENOMEM;
		e = ext2fs_inline_data_get(fs, ino->ino, EXT2_INODE(&di), tmp, &sz);
		if (!e)
			memcpy(buf, tmp, MIN(len, sz));
		kfree(tmp);
		return e ? ext2_errno(e) : (ssize_t)MIN(len, sz);
	}
	e = ext2fs_file_open2(fs, ino->ino, EXT2_INODE(&di), 0, &f);
	if (e)
		return ext2_errno(e);
	e = ext2fs_file_read(f, buf, len, &got);
	ext2fs_file_close(f);
	return e ? ext2_errno(e) : (ssize_t)got;
}

static int ext2_setattr(struct inode *ino, const struct iattr *a)
{
	return ext2_write_vfs_inode(ino);
}

/* The last reference is gone and the inode stays cached: its data and attributes go to the disk, as they did when it was evicted at close. */
static int ext2_release(struct inode *ino)
{
	int err = 0;

	if (ino->sb->flags & SB_RDONLY)
		return 0;
	if (S_ISREG(ino->mode))
		err = pcache_writeback(&node(ino)->pc, ino);
	if (!err && changed(ino))
		err = ext2_write_vfs_inode(ino);
	return err;
}

/* The last reference is gone: write back, or free a file with no links left. */
static void ext2_evict(struct inode *ino)
{
	struct ext2_node *n = node(ino);
	ext2_filsys fs = ifs(ino);
	struct ext2_inode_large di;
	bool rw = !(ino->sb->flags & SB_RDONLY);
	errcode_t e = 0;
	int err = 0;

	if (rw && ino->nlink > 0) {
		if (S_ISREG(ino->mode))
			err = pcache_writeback(&n->pc, ino);
		if (!err && changed(ino))
			err = ext2_write_vfs_inode(ino);
	} else if (rw && ext2_read_disk(ino, &di) == 0 && di.i_links_count == 0) {
		di.i_dtime = fs->now ? fs->now : time(NULL);
		e = ext2fs_free_ext_attr(fs, ino->ino, &di);
		if (!e && ext2fs_inode_has_valid_blocks2(fs, EXT2_INODE(&di)))
			e = ext2fs_punch(fs, ino->ino, EXT2_INODE(&di), NULL, 0, ~0ULL);
		if (!e)
			e = ext2fs_write_inode_full(fs, ino->ino, EXT2_INODE(&di), sizeof(di));
		if (!e)
			ext2fs_inode_alloc_stats2(fs, ino->ino, -1, LINUX_S_ISDIR(di.i_mode));
	}
	if (err || e)
		printk_err("husk: ext2: inode %lu: could not write it back (%d, %s)\n",
			   (unsigned long)ino->ino, err, e ? error_message(e) : "");
	pcache_release(&n->pc);
	kfree(n);
}

static const struct inode_ops ext2_iops = {
	.lookup = ext2_lookup,
	.create = ext2_create,
	.symlink = ext2_symlink,
	.link = ext2_link,
	.unlink = ext2_unlink,
	.rename = ext2_rename,
	.readlink = ext2_readlink,
	.read = ext2_read,
	.write = ext2_write,
	.truncate = ext2_truncate,
	.readdir = ext2_readdir,
	.evict = ext2_evict,
	.release = ext2_release,
	.get_page = ext2_get_page,
	.setattr = ext2_setattr,
	.fsync = ext2_fsync,
	.fallocate = ext2_fallocate,
	.getxattr = ext2_getxattr,
	.listxattr = ext2_listxattr,
	.setxattr = ext2_setxattr,
	.removexattr = ext2_removexattr,
};
