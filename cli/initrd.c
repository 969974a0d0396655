/* SPDX-License-Identifier: MIT */
/* initrd.c: collects the guest's root file system (skeleton, --files tree, program) and writes it as a cpio archive. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

enum entry_kind { ENTRY_DIR, ENTRY_HOST_FILE, ENTRY_DATA, ENTRY_SYMLINK };

struct initrd_entry {
	char *path;             /* absolute, no trailing '/', root is "/" */
	enum initrd_layer layer;
	size_t seq;             /* order of addition: breaks ties within a layer */
	enum entry_kind kind;
	mode_t mode;            /* permission bits only */
	uint32_t mtime;
	char *src;              /* host path (HOST_FILE) or link target (SYMLINK) */
	void *data;             /* DATA */
	size_t size;            /* DATA */
};

/* Every guest has these, whatever --files brings. */
static const struct {
	const char *path;
	mode_t mode;
} skeleton[] = {
	{ "/", 0755 },
	{ "/bin", 0755 },
	{ "/dev", 0755 },
	{ "/etc", 0755 },
	{ "/proc", 0555 },
	{ "/tmp", 01777 },
};

static int add_entry(struct initrd *rd, const struct initrd_entry *proto)
{
	struct initrd_entry *e;

	if (proto->path[0] != '/')
		return -EINVAL;
	if (rd->n == rd->cap) {
		size_t cap = rd->cap ? rd->cap * 2 : 64;
		struct initrd_entry *ne = realloc(rd->e, cap * sizeof(*ne));

		if (!ne)
			return -ENOMEM;
		rd->e = ne;
		rd->cap = cap;
	}
	e = &rd->e[rd->n];
	*e = *proto;
	e->seq = rd->n;
	e->path = strdup(proto->path);
	e->src = proto->src ? strdup(proto->src) : NULL;
	if (!e->path || (proto->src && !e->src))
		goto err_nomem;
	/* Strip trailing slashes, except for the root. */
	for (size_t l = strlen(e->path); l > 1 && e->path[l - 1] == '/'; l--)
		e->path[l - 1] = '\0';
	if (proto->data) {
		e->data = malloc(proto->size ? proto->size : 1);
		if (!e->data)
			goto err_nomem;
		memcpy(e->data, proto->data, proto->size);
	}
	rd->n++;
	return 0;

err_nomem:
	free(e->path);
	free(e->src);
	return -ENOMEM;
}

int initrd_init(struct initrd *rd)
{
	rd->e = NULL;
	rd->n = 0;
	rd->cap = 0;
	for (size_t i = 0; i < sizeof(skeleton) / sizeof(skeleton[0]); i++) {
		int err = initrd_add_dir(rd, INITRD_LAYER_DEFAULT, skeleton[i].path, skeleton[i].mode);

		if (err) {
			initrd_free(rd);
			return err;
		}
	}
	return 0;
}

void initrd_free(struct initrd *rd)
{
	for (size_t i = 0; i < rd->n; i++) {
		free(rd->e[i].path);
		free(rd->e[i].src);
		free(rd->e[i].data);
	}
	free(rd->e);
	rd->e = NULL;
	rd->n = rd->cap = 0;
}

int initrd_add_dir(struct initrd *rd, enum initrd_layer layer, const char *path, mode_t mode)
{
	struct initrd_entry e = { .path = (char *)path, .layer = layer, .kind = ENTRY_DIR,
				  .mode = mode & 07777 };

	return add_entry(rd, &e);
}

int initrd_add_host_file(struct initrd *rd, enum initrd_layer layer, const char *path,
			 const char *host_path, mode_t mode)
{
	struct initrd_entry e = { .path = (char *)path, .layer = layer, .kind = ENTRY_HOST_FILE,
				  .mode = mode & 07777, .src = (char *)host_path };
	struct stat st;

	/* Fail now, with the host path in hand, rather than while writing. */
	if (stat(host_path, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EISDIR;
	e.mtime = (uint32_t)st.st_mtime;
	return add_entry(rd, &e);
}

int initrd_add_data(struct initrd *rd, enum initrd_layer layer, const char *path,
		    const void *data, size_t size, mode_t mode)
{
	struct initrd_entry e = { .path = (char *)path, .layer = layer, .kind = ENTRY_DATA,
				  .mode = mode & 07777, .data = (void *)data, .size = size };
	static const char empty[1];

	if (!e.data)
		e.data = (void *)empty;
	return add_entry(rd, &e);
}

int initrd_add_symlink(struct initrd *rd, enum initrd_layer layer, const char *path,
		       const char *target)
{
	struct initrd_entry e = { .path = (char *)path, .layer = layer, .kind = ENTRY_SYMLINK,
				  .mode = 0777, .src = (char *)target };

	return add_entry(rd, &e);
}

/* Adds the contents of host directory `host` (not the directory itself) under guest path `guest`. */
static int add_tree(struct initrd *rd, enum initrd_layer layer, const char *host,
		    const char *guest)
{
	struct dirent *de;
	DIR *d;
	int err = 0;

	d = opendir(host);
	if (!d)
		return -errno;
	while ((de = readdir(d)) != NULL) {
		char *hp = NULL, *gp = NULL;
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (asprintf(&hp, "%s/%s", host, de->d_name) < 0) {
			err = -ENOMEM;
			break;
		}
		if (asprintf(&gp, "%s/%s", strcmp(guest, "/") ? guest : "", de->d_name) < 0) {
			free(hp);
			err = -ENOMEM;
			break;
		}
		if (lstat(hp, &st) < 0) {
			err = -errno;
			husk_err("%s: %s", hp, strerror(errno));
		} else if (S_ISDIR(st.st_mode)) {
			struct initrd_entry e = { .path = gp, .layer = layer, .kind = ENTRY_DIR,
						  .mode = st.st_mode & 07777,
						  .mtime = (uint32_t)st.st_mtime };

			err = add_entry(rd, &e);
			if (!err)
				err = add_tree(rd, layer, hp, gp);
		} else if (S_ISREG(st.st_mode)) {
			struct initrd_entry e = { .path = gp, .layer = layer, .kind = ENTRY_HOST_FILE,
						  .mode = st.st_mode & 07777, .src = hp,
						  .mtime = (uint32_t)st.st_mtime };

			err = add_entry(rd, &e);
		} else if (S_ISLNK(st.st_mode)) {
			char target[4096];
			ssize_t n = readlink(hp, target, sizeof(target) - 1);

			if (n < 0) {
				err = -errno;
				husk_err("%s: %s", hp, strerror(errno));
			} else {
				struct initrd_entry e = { .path = gp, .layer = layer,
							  .kind = ENTRY_SYMLINK, .mode = 0777,
							  .src = target,
							  .mtime = (uint32_t)st.st_mtime };

				target[n] = '\0';
				err = add_entry(rd, &e);
			}
		} else {
			husk_err("%s: skipped: not a regular file, directory or symlink", hp);
		}
		free(hp);
		free(gp);
		if (err)
			break;
	}
	closedir(d);
	return err;
}

int initrd_add_tree(struct initrd *rd, enum initrd_layer layer, const char *dir)
{
	struct stat st;

	if (stat(dir, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	return add_tree(rd, layer, dir, "/");
}

mode_t initrd_lookup(const struct initrd *rd, const char *path)
{
	const struct initrd_entry *win = NULL;

	for (size_t i = 0; i < rd->n; i++) {
		const struct initrd_entry *e = &rd->e[i];

		if (strcmp(e->path, path) != 0)
			continue;
		if (!win || e->layer > win->layer || (e->layer == win->layer && e->seq > win->seq))
			win = e;
	}
	if (!win)
		return 0;
	switch (win->kind) {
	case ENTRY_DIR:
		return S_IFDIR;
	case ENTRY_SYMLINK:
		return S_IFLNK;
	default:
		return S_IFREG;
	}
}

/* Appends component c (len bytes) to the guest path being built in buf. */
static int path_push(char *buf, size_t size, const char *c, size_t len)
{
	size_t at = strlen(buf);

	if (at == 1)
		at = 0;         /* "/" + "x" is "/x" */
	if (at + 1 + len + 1 > size)
		return -ENAMETOOLONG;
	buf[at] = '/';
	memcpy(buf + at + 1, c, len);
	buf[at + 1 + len] = '\0';
	return 0;
}

static void path_pop(char *buf)
{
	char *slash = strrchr(buf, '/');

	if (slash == buf)
		buf[1] = '\0';
	else if (slash)
		*slash = '\0';
}

#define MAX_SYMLINKS 40

int initrd_add_host_path(struct initrd *rd, enum initrd_layer layer, const char *host_path,
			 char **real)
{
	char done[4096] = "/";          /* the part resolved so far, guest == host */
	char *todo = NULL;              /* what is left to walk, as a path */
	int links = 0, err = 0;

	if (host_path[0] != '/')
		return -EINVAL;
	todo = strdup(host_path);
	if (!todo)
		return -ENOMEM;
	while (!err) {
		char *p = todo + strspn(todo, "/");
		size_t len = strcspn(p, "/");
		int last = p[len + strspn(p + len, "/")] == '\0';
		struct stat st;
		mode_t have;

		if (len == 0)
			break;
		if (len == 1 && p[0] == '.') {
			memmove(todo, p + len, strlen(p + len) + 1);
			continue;
		}
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			path_pop(done);
			memmove(todo, p + len, strlen(p + len) + 1);
			continue;
		}
		err = path_push(done, sizeof(done), p, len);
		if (err)
			break;
		memmove(todo, p + len, strlen(p + len) + 1);
		if (lstat(done, &st) < 0) {
			err = -errno;
			break;
		}
		have = initrd_lookup(rd, done);
		if (S_ISLNK(st.st_mode) && have != S_IFDIR) {
			char target[4096], *rest;
			ssize_t n = readlink(done, target, sizeof(target) - 1);

			if (n < 0) {
				err = -errno;
				break;
			}
			target[n] = '\0';
			if (++links > MAX_SYMLINKS) {
				err = -ELOOP;
				break;
			}
			if (have != S_IFLNK)
				err = initrd_add_symlink(rd, layer, done, target);
			/* Walk on through the target: the guest resolves the same link. */
			if (!err && asprintf(&rest, "%s/%s", target, todo) < 0)
				err = -ENOMEM;
			if (err)
				break;
			free(todo);
			todo = rest;
			if (target[0] == '/')
				strcpy(done, "/");
			else
				path_pop(done);
		} else if (S_ISLNK(st.st_mode) || S_ISDIR(st.st_mode)) {
			/* A directory (or a guest directory where the host has a link). */
			if (have != S_IFDIR)
				err = initrd_add_dir(rd, layer, done,
						     S_ISDIR(st.st_mode) ? st.st_mode : 0755);
		} else if (S_ISREG(st.st_mode) && last) {
			err = initrd_add_host_file(rd, layer, done, done, st.st_mode);
		} else {
			err = S_ISREG(st.st_mode) ? -ENOTDIR : -EINVAL;
		}
	}
	free(todo);
	if (!err && real) {
		*real = strdup(done);
		if (!*real)
			err = -ENOMEM;
	}
	return err;
}

/*
 * Orders paths so that a directory comes right before its contents: compare
 * byte by byte, but let '/' sort before every other byte ("a" < "a/b" <
 * "a-b").
 */
static int path_cmp(const char *a, const char *b)
{
	const unsigned char *x = (const unsigned char *)a;
	const unsigned char *y = (const unsigned char *)b;
	unsigned cx, cy;

	while (*x && *x == *y) {
		x++;
		y++;
	}
	if (*x == *y)
		return 0;
	cx = *x == '/' ? 1 : (*x ? (unsigned)*x + 1 : 0);
	cy = *y == '/' ? 1 : (*y ? (unsigned)*y + 1 : 0);
	return cx < cy ? -1 : 1;
}

/* Within one path, the winning entry (highest layer, then latest added) sorts last. */
static int entry_cmp(const void *pa, const void *pb)
{
	const struct initrd_entry *a = pa, *b = pb;
	int c = path_cmp(a->path, b->path);

	if (c)
		return c;
	if (a->layer != b->layer)
		return a->layer < b->layer ? -1 : 1;
	return a->seq < b->seq ? -1 : (a->seq > b->seq);
}

static int key_cmp(const void *key, const void *elem)
{
	return path_cmp(key, ((const struct initrd_entry *)elem)->path);
}

/* The parent directory entry of path in the sorted, deduplicated list, or NULL. */
static const struct initrd_entry *find_parent(const struct initrd *rd, const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t plen = slash == path ? 1 : (size_t)(slash - path);   /* "/x" -> "/" */
	const struct initrd_entry *e;
	char *parent;

	parent = strndup(path, plen);
	if (!parent)
		return NULL;
	e = bsearch(parent, rd->e, rd->n, sizeof(rd->e[0]), key_cmp);
	free(parent);
	return e;
}

/* Sorts the entries and drops every entry that a higher layer overrides. */
static void resolve(struct initrd *rd)
{
	size_t out = 0;

	qsort(rd->e, rd->n, sizeof(rd->e[0]), entry_cmp);
	for (size_t i = 0; i < rd->n; i++) {
		if (i + 1 < rd->n && strcmp(rd->e[i].path, rd->e[i + 1].path) == 0) {
			free(rd->e[i].path);
			free(rd->e[i].src);
			free(rd->e[i].data);
			continue;
		}
		rd->e[out++] = rd->e[i];
	}
	rd->n = out;
}

static int write_entry(struct cpio_writer *w, const struct initrd_entry *e)
{
	/* cpio names have no leading '/', and the root is "." */
	const char *name = strcmp(e->path, "/") == 0 ? "." : e->path + 1;
	int fd, err;

	switch (e->kind) {
	case ENTRY_DIR:
		return cpio_add_dir(w, name, e->mode, e->mtime);
	case ENTRY_DATA:
		return cpio_add_data(w, name, e->mode, e->mtime, e->data, e->size);
	case ENTRY_SYMLINK:
		return cpio_add_symlink(w, name, e->src, e->mtime);
	case ENTRY_HOST_FILE: {
		struct stat st;

		/* It was a regular file when added; if it changed since, do not block on it. */
		fd = open(e->src, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0) {
			err = -errno;
			husk_err("%s: %s", e->src, strerror(errno));
			return err;
		}
		if (fstat(fd, &st) < 0) {
			err = -errno;
		} else if (!S_ISREG(st.st_mode)) {
			err = -EINVAL;
			husk_err("%s: no longer a regular file", e->src);
		} else {
			err = cpio_add_fd(w, name, e->mode, e->mtime, fd, (uint64_t)st.st_size);
			if (err)
				husk_err("%s: %s", e->src, strerror(-err));
		}
		close(fd);
		return err;
	}
	}
	return -EINVAL;
}

int initrd_write(struct initrd *rd, int fd)
{
	struct cpio_writer w;
	int err;

	resolve(rd);
	for (size_t i = 0; i < rd->n; i++) {
		const struct initrd_entry *parent;

		if (strcmp(rd->e[i].path, "/") == 0)
			continue;
		parent = find_parent(rd, rd->e[i].path);
		if (!parent || parent->kind != ENTRY_DIR) {
			husk_err("initrd: %s: parent is %s", rd->e[i].path,
				 parent ? "not a directory" : "missing");
			return -ENOTDIR;
		}
	}
	cpio_writer_init(&w, fd);
	for (size_t i = 0; i < rd->n; i++) {
		err = write_entry(&w, &rd->e[i]);
		if (err)
			return err;
	}
	return cpio_finish(&w);
}
