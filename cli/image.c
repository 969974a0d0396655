/* SPDX-License-Identifier: MIT */
/* image.c: packs a program and a --files tree into an initrd, and reads a husk image's stored command line. */

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image.h"

int image_check_program(const char *program)
{
	struct stat st;

	if (stat(program, &st) < 0) {
		int err = -errno;

		husk_err("%s: %s", program, strerror(errno));
		return err;
	}
	if (!S_ISREG(st.st_mode)) {
		husk_err("%s: %s", program, S_ISDIR(st.st_mode) ? "Is a directory" :
			 "not a regular file");
		return -EINVAL;
	}
	return 0;
}

int image_guest_path(const char *program, char **path)
{
	char *copy = strdup(program);
	int err = 0;

	if (!copy)
		return -ENOMEM;
	if (asprintf(path, "/bin/%s", basename(copy)) < 0)
		err = -ENOMEM;
	free(copy);
	return err;
}

int image_pack(const struct pack_spec *spec, int fd)
{
	struct initrd rd;
	char *guest = NULL;
	int err;

	err = initrd_init(&rd);
	if (err)
		return err;
	err = image_add_etc_defaults(&rd);
	if (err)
		goto out;
	if (spec->files_dir) {
		err = initrd_add_tree(&rd, INITRD_LAYER_FILES, spec->files_dir);
		if (err) {
			husk_err("--files %s: %s", spec->files_dir, strerror(-err));
			goto out;
		}
	}
	err = image_guest_path(spec->program, &guest);
	if (err)
		goto out;
	err = initrd_add_host_file(&rd, INITRD_LAYER_PROGRAM, guest, spec->program, 0755);
	if (err) {
		husk_err("%s: %s", spec->program, strerror(-err));
		goto out;
	}
	if (!spec->no_libs) {
		err = image_add_libs(&rd, spec);
		if (err)
			goto out;
	}
	if (spec->stored_cmdline) {
		err = initrd_add_dir(&rd, INITRD_LAYER_HUSK, "/.husk", 0755);
		err = err ?: initrd_add_data(&rd, INITRD_LAYER_HUSK, "/" HUSK_IMAGE_CMDLINE_PATH,
					     spec->stored_cmdline, strlen(spec->stored_cmdline),
					     0644);
		if (err)
			goto out;
	}
	err = initrd_write(&rd, fd);
out:
	free(guest);
	initrd_free(&rd);
	return err;
}

int image_is_cpio(const char *path)
{
	char magic[6];
	struct stat st;
	ssize_t n;
	int fd;

	/*
	 * Only a regular file can be an image.  The type is checked before
	 * opening (opening a FIFO would block), and the open cannot block
	 * either, should the path change meanwhile.
	 */
	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return 0;
	}
	n = read(fd, magic, sizeof(magic));
	close(fd);
	return n == (ssize_t)sizeof(magic) && memcmp(magic, CPIO_NEWC_MAGIC, 6) == 0;
}

int image_load_args(const char *path, struct vm_args *args)
{
	const void *data;
	struct stat st;
	char *line = NULL;
	size_t size, bad_off;
	void *map;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		err = -errno;
		goto err_close;
	}
	if (!S_ISREG(st.st_mode)) {
		husk_err("%s: not a regular file", path);
		err = -EINVAL;
		goto err_close;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		err = -errno;
		goto err_close;
	}
	/* A truncated or corrupt image is refused here, not run with what could be read of it. */
	err = cpio_check(map, (size_t)st.st_size, &bad_off);
	if (err) {
		husk_err("%s: a damaged image: the cpio archive breaks at offset %zu (of %zu bytes)", path, bad_off,
			 (size_t)st.st_size);
		err = -ENOEXEC;
		goto err_unmap;
	}
	err = cpio_find(map, (size_t)st.st_size, HUSK_IMAGE_CMDLINE_PATH, &data, &size);
	if (err) {
		husk_err("%s: %s", path, err == -ENOENT ?
			 "a cpio archive without " HUSK_IMAGE_CMDLINE_PATH " (not made by husk build)" :
			 "malformed cpio archive");
		goto err_unmap;
	}
	line = strndup(data, size);
	if (!line) {
		err = -ENOMEM;
		goto err_unmap;
	}
	/* A trailing newline (from a hand-edited file) is not part of the command line. */
	line[strcspn(line, "\n")] = '\0';
	err = cmdline_parse(line, args);
	if (err)
		husk_err("%s: bad %s: \"%s\"", path, HUSK_IMAGE_CMDLINE_PATH, line);
	free(line);
err_unmap:
	munmap(map, (size_t)st.st_size);
err_close:
	close(fd);
	return err;
}

const char *image_get_env(const struct vm_args *args, const char *var)
{
	size_t len = strlen(var);
	const char *val = NULL;

	for (size_t i = 0; i < args->options.n; i++) {
		const char *o = args->options.v[i];

		if (strncmp(o, "env=", 4) == 0 && strncmp(o + 4, var, len) == 0 && o[4 + len] == '=')
			val = o + 4 + len + 1;
	}
	return val;
}

int image_set_env(struct vm_args *args, const char *assignment)
{
	size_t namelen = strcspn(assignment, "=");
	size_t out = 0;

	/* A later -e VAR=... replaces an earlier (or stored) one. */
	for (size_t i = 0; i < args->options.n; i++) {
		const char *o = args->options.v[i];

		if (strncmp(o, "env=", 4) == 0 && strncmp(o + 4, assignment, namelen + 1) == 0) {
			free(args->options.v[i]);
			continue;
		}
		args->options.v[out++] = args->options.v[i];
	}
	args->options.n = out;
	if (args->options.v)
		args->options.v[out] = NULL;
	return strvec_pushf(&args->options, "env=%s", assignment);
}
