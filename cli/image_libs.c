/* SPDX-License-Identifier: MIT */
/* image_libs.c: puts a dynamic program's interpreter and shared libraries into the initrd where its loader will look. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elfdeps.h"
#include "image.h"

/* Where a library found through ld.so.conf gets a link, since the guest has no ld.so.cache. */
#define GLIBC_FIRST_DEFAULT_DIR "/lib/x86_64-linux-gnu"

/* Adds the directories above guest path (not path itself), like mkdir -p. */
static int add_parents(struct initrd *rd, const char *path)
{
	char *dir = strdup(path);
	int err = 0;

	if (!dir)
		return -ENOMEM;
	for (char *p = strchr(dir + 1, '/'); !err && p; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (initrd_lookup(rd, dir) == 0)
			err = initrd_add_dir(rd, INITRD_LAYER_PROGRAM, dir, 0755);
		*p = '/';
	}
	free(dir);
	return err;
}

/*
 * glibc's ld.so found this library through its cache; in the guest, with no
 * cache, it searches the default directories next, so a link there finds it.
 */
static int add_cache_link(struct initrd *rd, const struct elfdeps_lib *lib, const char *real,
			  int verbose)
{
	char *dir = NULL, *link = NULL;
	int err;

	err = initrd_add_host_path(rd, INITRD_LAYER_PROGRAM, GLIBC_FIRST_DEFAULT_DIR, &dir);
	if (err)
		return err;
	if (asprintf(&link, "%s/%s", dir, lib->name) < 0) {
		err = -ENOMEM;
		goto out;
	}
	if (initrd_lookup(rd, link) == 0) {
		err = initrd_add_symlink(rd, INITRD_LAYER_PROGRAM, link, real);
		if (!err && verbose)
			fprintf(stderr, "husk:   link %s -> %s (no ld.so.cache in the guest)\n", link,
				real);
	}
out:
	free(link);
	free(dir);
	return err;
}

static int add_lib(struct initrd *rd, const struct elfdeps_lib *lib, int verbose)
{
	char *real = NULL;
	int err;

	if (verbose)
		fprintf(stderr, "husk: %s %s: %s%s%s (needed by %s)\n",
			lib->name[0] == '/' ? "interpreter" : "library", lib->name, lib->host_path,
			strcmp(lib->host_path, lib->guest_path) ? " as " : "",
			strcmp(lib->host_path, lib->guest_path) ? lib->guest_path : "",
			lib->needed_by);
	if (strcmp(lib->host_path, lib->guest_path) == 0) {
		err = initrd_add_host_path(rd, INITRD_LAYER_PROGRAM, lib->host_path, &real);
	} else {
		/* Relative to the program's $ORIGIN, which is /bin in the guest: a plain copy. */
		err = add_parents(rd, lib->guest_path);
		err = err ?: initrd_add_host_file(rd, INITRD_LAYER_PROGRAM, lib->guest_path,
						  lib->host_path, 0755);
	}
	if (err) {
		husk_err("%s: %s", lib->host_path, strerror(-err));
		goto out;
	}
	if (lib->via_cache)
		err = add_cache_link(rd, lib, real ? real : lib->guest_path, verbose);
out:
	free(real);
	return err;
}

int image_add_libs(struct initrd *rd, const struct pack_spec *spec)
{
	struct elfdeps_config cfg = {
		.ld_library_path = spec->ld_library_path,
		.guest_origin = "/bin",
	};
	struct elfdeps deps = { 0 };
	int err;

	err = elfdeps_resolve(spec->program, &cfg, &deps);
	if (err == -ENOENT && deps.missing && deps.missing[0] == '/') {
		husk_err("%s: interpreter %s not found", spec->program, deps.missing);
	} else if (err == -ENOENT) {
		husk_err("%s: library %s not found (needed by %s)", spec->program, deps.missing,
			 deps.missing_by);
		if (deps.skipped)
			husk_err("%s: skipped %s: not an ELF64 x86-64 file", spec->program,
				 deps.skipped);
	} else if (err == -ELIBBAD) {
		husk_err("%s: interpreter %s is not an ELF64 x86-64 file", spec->program,
			 deps.missing);
	} else if (err) {
		husk_err("%s: finding its libraries: %s", spec->program, strerror(-err));
	}
	if (err) {
		/* Already reported: the caller need not name a file again. */
		err = -ENOENT;
		goto out;
	}
	for (size_t i = 0; !err && i < deps.n; i++)
		err = add_lib(rd, &deps.libs[i], spec->verbose);
	for (size_t i = 0; !err && i < deps.loader_files.n; i++) {
		if (spec->verbose)
			fprintf(stderr, "husk: loader file %s\n", deps.loader_files.v[i]);
		err = initrd_add_host_path(rd, INITRD_LAYER_PROGRAM, deps.loader_files.v[i], NULL);
		if (err)
			husk_err("%s: %s", deps.loader_files.v[i], strerror(-err));
	}
out:
	elfdeps_free(&deps);
	return err;
}
