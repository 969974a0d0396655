/* SPDX-License-Identifier: MIT */
/* elfdeps.c: resolves a program's interpreter and DT_NEEDED libraries as glibc's or musl's ld.so does. */

/*
 * Nothing here runs the program or its loader (ldd does: it runs ld.so).
 * The search repeats what the loaders document:
 *
 * glibc, for a library NAME needed by object L (ld.so(8)):
 *   1. NAME with a '/' is a path, used as is.
 *   2. If L has no DT_RUNPATH: the DT_RPATH of L, of the object that loaded
 *      L, and so on up to the executable, skipping objects that have a
 *      DT_RUNPATH; then the executable's DT_RPATH.
 *   3. LD_LIBRARY_PATH.
 *   4. L's DT_RUNPATH (only L's own).
 *   5. /etc/ld.so.cache: here the directories of /etc/ld.so.conf.
 *   6. The default directories.
 * Candidates that are not ELF64 x86-64 are skipped.  A name matching an
 * object already loaded (by the name it was loaded as or its DT_SONAME), or
 * a file already loaded, is not loaded again.  The interpreter counts as
 * loaded: libc.so.6's DT_NEEDED ld-linux-x86-64.so.2 is the interpreter.
 *
 * musl (ldso/dynlink.c's documented behaviour): LD_LIBRARY_PATH, then the
 * RUNPATH (or RPATH) of L and of each object up the chain that loaded it,
 * then the lines of /etc/ld-musl-ARCH.path or /lib:/usr/local/lib:/usr/lib.
 * Names libc.*, libpthread.*, librt.*, libm.*, libdl.*, libutil.* and
 * libxnet.* are the loader itself.
 *
 * Search directories are pairs: the host directory where we look, and the
 * guest directory where the guest's loader will look.  They are the same
 * except for $ORIGIN of the program, which lives at /bin/NAME in the guest.
 */

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elfdeps.h"

#define MAX_CONF_DEPTH 8

static const char *const glibc_default_dirs[] = {
	"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
	"/lib64", "/usr/lib64", "/lib", "/usr/lib", NULL,
};

static const char musl_default_path[] = "/lib:/usr/local/lib:/usr/lib";

/* ---- search directories ------------------------------------------------------ */

struct search_dir {
	char *host;
	char *guest;
	int via_cache;
};

struct search_list {
	struct search_dir *d;
	size_t n;
	size_t cap;
};

static int search_add(struct search_list *sl, const char *host, const char *guest, int via_cache)
{
	struct search_dir *d;

	if (sl->n == sl->cap) {
		size_t cap = sl->cap ? sl->cap * 2 : 16;
		struct search_dir *nd = realloc(sl->d, cap * sizeof(*nd));

		if (!nd)
			return -ENOMEM;
		sl->d = nd;
		sl->cap = cap;
	}
	d = &sl->d[sl->n];
	d->host = strdup(host);
	d->guest = strdup(guest);
	d->via_cache = via_cache;
	if (!d->host || !d->guest) {
		free(d->host);
		free(d->guest);
		return -ENOMEM;
	}
	sl->n++;
	return 0;
}

static void search_free(struct search_list *sl)
{
	for (size_t i = 0; i < sl->n; i++) {
		free(sl->d[i].host);
		free(sl->d[i].guest);
	}
	free(sl->d);
	memset(sl, 0, sizeof(*sl));
}

/*
 * Replaces the dynamic string tokens in one path element: $ORIGIN (and
 * ${ORIGIN}) by origin, $LIB and $PLATFORM by Debian's x86-64 values.
 * *out is malloc'ed; NULL when the element names a token we do not know.
 */
static int expand_tokens(const char *elem, size_t len, const char *origin, char **out)
{
	static const struct {
		const char *name;
		const char *value;      /* NULL: the origin */
	} tokens[] = {
		{ "ORIGIN", NULL }, { "LIB", "lib/x86_64-linux-gnu" }, { "PLATFORM", "x86_64" },
	};
	char *buf = NULL;
	size_t size = 0;
	FILE *f;

	*out = NULL;
	f = open_memstream(&buf, &size);
	if (!f)
		return -ENOMEM;
	for (size_t i = 0; i < len;) {
		size_t j, nlen = 0, skip = 0;

		if (elem[i] != '$') {
			fputc(elem[i++], f);
			continue;
		}
		for (j = 0; j < sizeof(tokens) / sizeof(tokens[0]); j++) {
			nlen = strlen(tokens[j].name);
			if (i + 1 + nlen <= len && strncmp(elem + i + 1, tokens[j].name, nlen) == 0 &&
			    (i + 1 + nlen == len || elem[i + 1 + nlen] == '/')) {
				skip = 1 + nlen;
				break;
			}
			if (i + 3 + nlen <= len && elem[i + 1] == '{' &&
			    strncmp(elem + i + 2, tokens[j].name, nlen) == 0 &&
			    elem[i + 2 + nlen] == '}') {
				skip = 3 + nlen;
				break;
			}
		}
		if (j == sizeof(tokens) / sizeof(tokens[0])) {
			fclose(f);
			free(buf);
			return 0;
		}
		fputs(tokens[j].value ? tokens[j].value : origin, f);
		i += skip;
	}
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	*out = buf;
	return 0;
}

/*
 * Adds the elements of a colon-separated path list, with tokens expanded
 * for an object whose directory is host_origin (guest_origin in the guest).
 * Empty and relative elements mean the current directory, which differs
 * between host and guest: they are left out.
 */
static int search_add_list(struct search_list *sl, const char *list, const char *seps,
			   const char *host_origin, const char *guest_origin, int via_cache)
{
	while (list && *list) {
		size_t len = strcspn(list, seps);
		char *host = NULL, *guest = NULL;
		int err;

		err = expand_tokens(list, len, host_origin, &host);
		if (!err && host)
			err = expand_tokens(list, len, guest_origin, &guest);
		if (!err && host && guest && host[0] == '/')
			err = search_add(sl, host, guest, via_cache);
		free(host);
		free(guest);
		if (err)
			return err;
		list += len;
		list += strspn(list, seps);
	}
	return 0;
}

/* ---- /etc/ld.so.conf ---------------------------------------------------------- */

static int conf_read(struct search_list *sl, const char *path, int depth);

/* "include PATTERN": a glob, relative to the including file's directory. */
static int conf_include(struct search_list *sl, const char *conf, const char *pattern, int depth)
{
	char *full = NULL;
	glob_t g;
	int err = 0;

	if (pattern[0] == '/') {
		full = strdup(pattern);
	} else {
		const char *slash = strrchr(conf, '/');
		int dirlen = slash ? (int)(slash - conf) : 1;

		if (asprintf(&full, "%.*s/%s", dirlen, slash ? conf : ".", pattern) < 0)
			full = NULL;
	}
	if (!full)
		return -ENOMEM;
	if (glob(full, 0, NULL, &g) == 0) {
		for (size_t i = 0; !err && i < g.gl_pathc; i++)
			err = conf_read(sl, g.gl_pathv[i], depth + 1);
		globfree(&g);
	}
	free(full);
	return err;
}

/* Adds the directories listed in an ld.so.conf file; an unreadable file adds nothing, as for ldconfig. */
static int conf_read(struct search_list *sl, const char *path, int depth)
{
	char *line = NULL;
	size_t cap = 0;
	int err = 0;
	FILE *f;

	if (depth > MAX_CONF_DEPTH)
		return 0;
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (!err && getline(&line, &cap, f) > 0) {
		char *p = line, *word;

		p[strcspn(p, "#\n")] = '\0';
		p += strspn(p, " \t");
		if (strncmp(p, "include", 7) == 0 && (p[7] == ' ' || p[7] == '\t')) {
			char *save;

			for (word = strtok_r(p + 8, " \t", &save); !err && word;
			     word = strtok_r(NULL, " \t", &save))
				err = conf_include(sl, path, word, depth);
			continue;
		}
		if (strncmp(p, "hwcap", 5) == 0 && (p[5] == ' ' || p[5] == '\t'))
			continue;
		/* ldconfig also accepts "DIR=TYPE" and several directories a line. */
		for (char *q = p; *q; q++)
			if (*q == '=')
				*q = ' ';
		err = search_add_list(sl, p, ": \t,", "", "", 1);
	}
	free(line);
	fclose(f);
	return err;
}

/* ---- the objects a program loads --------------------------------------------- */

struct object {
	char *host_path;        /* as found, symlinks not followed */
	char *real_path;        /* realpath(host_path), to spot a file loaded twice */
	char *guest_path;
	char *host_origin;      /* $ORIGIN on the host and in the guest */
	char *guest_origin;
	struct strvec names;    /* the names it answers to: DT_NEEDED strings, its soname */
	struct elf_dyninfo info;
	long loader;            /* index of the object that first needed it; -1: none */
};

struct resolver {
	const struct elfdeps_config *cfg;
	struct elfdeps *out;
	struct object *obj;
	size_t n;
	size_t cap;
	struct search_list conf;        /* glibc: ld.so.conf directories */
	struct search_list sys;         /* default directories (musl: its path file) */
};

static void object_free(struct object *o)
{
	free(o->host_path);
	free(o->real_path);
	free(o->guest_path);
	free(o->host_origin);
	free(o->guest_origin);
	strvec_free(&o->names);
	elf_dyninfo_free(&o->info);
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

/* Adds an object whose info has been read; takes ownership of *info. */
static int object_add(struct resolver *r, const char *host_path, const char *guest_path,
		      const char *guest_origin, struct elf_dyninfo *info, long loader)
{
	struct object *o;
	char real[PATH_MAX];

	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct object *no = realloc(r->obj, cap * sizeof(*no));

		if (!no)
			return -ENOMEM;
		r->obj = no;
		r->cap = cap;
	}
	o = &r->obj[r->n];
	memset(o, 0, sizeof(*o));
	o->loader = loader;
	o->host_path = strdup(host_path);
	o->real_path = strdup(realpath(host_path, real) ? real : host_path);
	o->guest_path = strdup(guest_path);
	o->host_origin = dir_of(host_path);
	o->guest_origin = guest_origin ? strdup(guest_origin) : dir_of(guest_path);
	if (!o->host_path || !o->real_path || !o->guest_path || !o->host_origin ||
	    !o->guest_origin || (info->soname && strvec_push(&o->names, info->soname))) {
		object_free(o);
		return -ENOMEM;
	}
	o->info = *info;
	memset(info, 0, sizeof(*info));
	r->n++;
	return 0;
}

static long find_by_name(const struct resolver *r, const char *name)
{
	for (size_t i = 0; i < r->n; i++)
		for (size_t j = 0; j < r->obj[i].names.n; j++)
			if (strcmp(r->obj[i].names.v[j], name) == 0)
				return (long)i;
	return -1;
}

static long find_by_file(const struct resolver *r, const char *host_path)
{
	char real[PATH_MAX];

	if (!realpath(host_path, real))
		return -1;
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->obj[i].real_path, real) == 0)
			return (long)i;
	return -1;
}

static int out_add(struct elfdeps *out, const char *name, const struct object *o,
		   const char *needed_by, int via_cache)
{
	struct elfdeps_lib *l;

	if (out->n == out->cap) {
		size_t cap = out->cap ? out->cap * 2 : 16;
		struct elfdeps_lib *nl = realloc(out->libs, cap * sizeof(*nl));

		if (!nl)
			return -ENOMEM;
		out->libs = nl;
		out->cap = cap;
	}
	l = &out->libs[out->n];
	l->name = strdup(name);
	l->host_path = strdup(o->host_path);
	l->guest_path = strdup(o->guest_path);
	l->needed_by = strdup(needed_by);
	l->via_cache = via_cache;
	if (!l->name || !l->host_path || !l->guest_path || !l->needed_by) {
		free(l->name);
		free(l->host_path);
		free(l->guest_path);
		free(l->needed_by);
		return -ENOMEM;
	}
	out->n++;
	return 0;
}

/* Is name one of the names musl's loader answers for itself? */
static int musl_reserved(const char *name)
{
	static const char *const self[] = { "c", "pthread", "rt", "m", "dl", "util", "xnet" };

	if (strncmp(name, "lib", 3) != 0)
		return 0;
	for (size_t i = 0; i < sizeof(self) / sizeof(self[0]); i++) {
		size_t len = strlen(self[i]);

		if (strncmp(name + 3, self[i], len) == 0 && name[3 + len] == '.')
			return 1;
	}
	return 0;
}

/* The directories to search for a library needed by object `by`, in the loader's order. */
static int search_for(struct resolver *r, size_t by, struct search_list *sl)
{
	const struct object *req = &r->obj[by];
	const struct object *prog = &r->obj[0];
	const char *llp = r->cfg->ld_library_path;
	int err = 0, saw_prog = 0;

	if (r->out->musl) {
		err = search_add_list(sl, llp, ":\n", prog->host_origin, prog->guest_origin, 0);
		for (long i = (long)by; !err && i >= 0; i = r->obj[i].loader) {
			const struct object *o = &r->obj[i];
			const char *rp = o->info.runpath ? o->info.runpath : o->info.rpath;

			err = search_add_list(sl, rp, ":", o->host_origin, o->guest_origin, 0);
		}
	} else {
		if (!req->info.runpath) {
			for (long i = (long)by; !err && i >= 0; i = r->obj[i].loader) {
				const struct object *o = &r->obj[i];

				saw_prog |= i == 0;
				if (!o->info.runpath)
					err = search_add_list(sl, o->info.rpath, ":", o->host_origin,
							      o->guest_origin, 0);
			}
			if (!err && !saw_prog && !prog->info.runpath)
				err = search_add_list(sl, prog->info.rpath, ":", prog->host_origin,
						      prog->guest_origin, 0);
		}
		if (!err)
			err = search_add_list(sl, llp, ":;", prog->host_origin, prog->guest_origin, 0);
		if (!err)
			err = search_add_list(sl, req->info.runpath, ":", req->host_origin,
					      req->guest_origin, 0);
		for (size_t i = 0; !err && i < r->conf.n; i++)
			err = search_add(sl, r->conf.d[i].host, r->conf.d[i].guest, 1);
	}
	for (size_t i = 0; !err && i < r->sys.n; i++)
		err = search_add(sl, r->sys.d[i].host, r->sys.d[i].guest, 0);
	return err;
}

static char *join(const char *dir, const char *name)
{
	char *s;

	if (asprintf(&s, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", name) < 0)
		return NULL;
	return s;
}

static int set_missing(struct elfdeps *out, const char *what, const char *by)
{
	out->missing = strdup(what);
	out->missing_by = strdup(by);
	return out->missing && out->missing_by ? 0 : -ENOMEM;
}

/* Remembers the first candidate ld.so would skip, to explain a miss. */
static int note_skipped(struct elfdeps *out, const char *path)
{
	if (out->skipped)
		return 0;
	out->skipped = strdup(path);
	return out->skipped ? 0 : -ENOMEM;
}

/* Finds library `name` needed by object `by`, adding it unless it is loaded already. */
static int load_needed(struct resolver *r, size_t by, const char *name)
{
	struct search_list sl = { 0 };
	struct elf_dyninfo info;
	long have;
	int err;

	if (find_by_name(r, name) >= 0)
		return 0;
	if (r->out->musl && musl_reserved(name))
		return 0;
	if (strchr(name, '/')) {
		/* A path: relative ones depend on the working directory, which the guest's differs from. */
		err = name[0] == '/' ? search_add(&sl, "/", "/", 0) : 0;
		name = name[0] == '/' ? name + 1 : name;
	} else {
		err = search_for(r, by, &sl);
	}
	for (size_t i = 0; !err && i < sl.n; i++) {
		char *host = join(sl.d[i].host, name);
		char *guest = join(sl.d[i].guest, name);

		if (!host || !guest) {
			err = -ENOMEM;
		} else if ((have = find_by_file(r, host)) >= 0) {
			/* The same file under another name: one more name for it. */
			err = strvec_push(&r->obj[have].names, name);
			free(host);
			free(guest);
			search_free(&sl);
			return err;
		} else {
			int rc = elf_read_dyninfo(host, &info);

			if (rc == 0) {
				err = object_add(r, host, guest, NULL, &info, (long)by);
				elf_dyninfo_free(&info);
				if (!err)
					err = strvec_push(&r->obj[r->n - 1].names, name);
				if (!err)
					err = out_add(r->out, name, &r->obj[r->n - 1],
						      r->obj[by].host_path, sl.d[i].via_cache);
				free(host);
				free(guest);
				search_free(&sl);
				return err;
			}
			if (rc == -ELIBBAD || rc == -ENOEXEC)
				err = note_skipped(r->out, host);
			else if (rc == -ENOMEM)
				err = rc;
		}
		free(host);
		free(guest);
	}
	search_free(&sl);
	if (err)
		return err;
	err = set_missing(r->out, name, r->obj[by].host_path);
	return err ? err : -ENOENT;
}

/* The system path of musl's loader: ld-musl-ARCH.path next to /etc, else the built-in one. */
static int musl_sys_path(struct resolver *r, const char *interp)
{
	const char *etc = r->cfg->musl_etc ? r->cfg->musl_etc : "/etc";
	const char *base = strrchr(interp, '/') ? strrchr(interp, '/') + 1 : interp;
	size_t archlen = strcspn(base + 8, ".");    /* "ld-musl-" ARCH ".so.1" */
	char *path = NULL, *text = NULL;
	size_t cap = 0;
	ssize_t len;
	int err;
	FILE *f;

	if (asprintf(&path, "%s/ld-musl-%.*s.path", etc, (int)archlen, base + 8) < 0)
		return -ENOMEM;
	f = fopen(path, "re");
	if (!f) {
		free(path);
		return search_add_list(&r->sys, musl_default_path, ":", "", "", 0);
	}
	len = getdelim(&text, &cap, '\0', f);
	fclose(f);
	err = search_add_list(&r->sys, len > 0 ? text : "", ":\n", "", "", 0);
	/* The guest's loader reads the same file. */
	if (!err)
		err = strvec_push(&r->out->loader_files, path);
	free(text);
	free(path);
	return err;
}

/* Adds the interpreter as the first loaded object after the program. */
static int load_interp(struct resolver *r, const char *interp)
{
	struct elf_dyninfo info;
	const char *base = strrchr(interp, '/') ? strrchr(interp, '/') + 1 : interp;
	int err;

	r->out->interp = strdup(interp);
	if (!r->out->interp)
		return -ENOMEM;
	r->out->musl = strncmp(base, "ld-musl-", 8) == 0;
	err = elf_read_dyninfo(interp, &info);
	if (err) {
		if (err == -ELIBBAD)
			err = note_skipped(r->out, interp) ?: -ELIBBAD;
		else if (err != -ENOMEM)
			err = -ENOENT;
		if (err != -ENOMEM && set_missing(r->out, interp, r->obj[0].host_path))
			err = -ENOMEM;
		return err;
	}
	err = object_add(r, interp, interp, NULL, &info, -1);
	elf_dyninfo_free(&info);
	err = err ?: strvec_push(&r->obj[r->n - 1].names, interp);
	return err ?: out_add(r->out, interp, &r->obj[r->n - 1], r->obj[0].host_path, 0);
}

int elfdeps_resolve(const char *program, const struct elfdeps_config *cfg, struct elfdeps *out)
{
	struct resolver r = { .cfg = cfg, .out = out };
	const char *const *dirs = cfg->default_dirs ? cfg->default_dirs : glibc_default_dirs;
	struct elf_dyninfo info;
	int err;

	err = elf_read_dyninfo(program, &info);
	if (err == -ENOEXEC || err == -ELIBBAD)
		return 0;       /* not ours to judge: the guest kernel says why */
	if (err)
		return err;
	if (!info.interp) {
		elf_dyninfo_free(&info);
		return 0;       /* static (or static-pie): nothing to load */
	}
	/* Only the program's $ORIGIN matters in the guest, not its path there. */
	err = object_add(&r, program, program, cfg->guest_origin ? cfg->guest_origin : "/bin",
			 &info, -1);
	elf_dyninfo_free(&info);
	if (err)
		goto out;
	/* The kernel gives ld.so the program's resolved path (/proc/self/exe). */
	free(r.obj[0].host_origin);
	r.obj[0].host_origin = dir_of(r.obj[0].real_path);
	if (!r.obj[0].host_origin) {
		err = -ENOMEM;
		goto out;
	}
	err = load_interp(&r, r.obj[0].info.interp);
	if (err)
		goto out;
	if (out->musl) {
		err = musl_sys_path(&r, out->interp);
	} else {
		err = conf_read(&r.conf, cfg->ld_so_conf ? cfg->ld_so_conf : "/etc/ld.so.conf", 0);
		for (size_t i = 0; !err && dirs[i]; i++)
			err = search_add(&r.sys, dirs[i], dirs[i], 0);
	}
	/* Breadth first, as ld.so maps them: each object's DT_NEEDED in order. */
	for (size_t i = 0; !err && i < r.n; i++)
		for (size_t j = 0; !err && j < r.obj[i].info.needed.n; j++)
			err = load_needed(&r, i, r.obj[i].info.needed.v[j]);
out:
	for (size_t i = 0; i < r.n; i++)
		object_free(&r.obj[i]);
	free(r.obj);
	search_free(&r.conf);
	search_free(&r.sys);
	return err;
}

void elfdeps_free(struct elfdeps *deps)
{
	for (size_t i = 0; i < deps->n; i++) {
		free(deps->libs[i].name);
		free(deps->libs[i].host_path);
		free(deps->libs[i].guest_path);
		free(deps->libs[i].needed_by);
	}
	free(deps->libs);
	free(deps->interp);
	free(deps->missing);
	free(deps->missing_by);
	free(deps->skipped);
	strvec_free(&deps->loader_files);
	memset(deps, 0, sizeof(*deps));
}
