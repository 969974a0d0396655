/* SPDX-License-Identifier: MIT */
/* walk.h: path walking, shared by vfs.c (lookup) and namei.c (operations that change names); private to fs/. */
#ifndef FS_WALK_H
#define FS_WALK_H

#include "vfs.h"

/* The result of walking a path up to its last component. */
struct walk {
	struct inode *dir;        /* parent of the last component (referenced) */
	struct inode *ino;        /* the last component, or NULL if it does not exist */
	char last[NAME_MAX + 1];
	size_t lastlen;
	bool dot;                 /* the path ends in ".", ".." or "/" */
	bool slash;               /* the last component had a trailing slash */
};

/*
 * Walks path from base (NULL = cwd).  Every symlink before the last
 * component is followed; the last one only if follow or the path has a
 * trailing slash.  On success the caller must walk_done(w).
 */
int walk_path(struct inode *base, const char *path, bool follow, struct walk *w);
void walk_done(struct walk *w);
/* One component name[0..len) of dir, crossing mounts; a referenced inode in *out or -errno. */
int lookup_one(struct inode *dir, const char *name, size_t len, struct inode **out);

#endif
