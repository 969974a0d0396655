/* SPDX-License-Identifier: MIT */
/* builtin-build.c: "husk build": packs a program, its files and its command line into a bootable image. */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image.h"

static const struct option build_longopts[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "env", required_argument, NULL, 'e' },
	{ "files", required_argument, NULL, 'f' },
	{ "no-libs", no_argument, NULL, 'L' },
	{ "verbose", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/*
 * Where -o PATH writes: PATH itself when it does not exist or is a regular
 * file; through a symlink to its target, as cp does (the link stays); never
 * over anything else (a directory, a device, a FIFO, a socket), which
 * renaming a new file over it would destroy.  *target is malloc'ed.
 */
static int output_target(const char *output, char **target)
{
	struct stat st;

	if (lstat(output, &st) < 0) {
		if (errno != ENOENT) {
			husk_err("%s: %s", output, strerror(errno));
			return -errno;
		}
		*target = strdup(output);
		return *target ? 0 : -ENOMEM;
	}
	if (S_ISLNK(st.st_mode)) {
		*target = realpath(output, NULL);
		if (!*target) {
			husk_err("%s: a symbolic link to a missing file (%s); not replacing it", output,
				 strerror(errno));
			return -EINVAL;
		}
		if (stat(*target, &st) < 0 || !S_ISREG(st.st_mode)) {
			husk_err("%s: a symbolic link to %s, which is not a regular file; not replacing it",
				 output, *target);
			free(*target);
			*target = NULL;
			return -EINVAL;
		}
		return 0;
	}
	if (!S_ISREG(st.st_mode)) {
		husk_err("%s: %s; husk build only replaces regular files", output,
			 S_ISDIR(st.st_mode) ? "a directory" :
			 S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device" :
			 S_ISFIFO(st.st_mode) ? "a FIFO" : S_ISSOCK(st.st_mode) ? "a socket" :
			 "not a regular file");
		return -EINVAL;
	}
	*target = strdup(output);
	return *target ? 0 : -ENOMEM;
}

/* Writes the image next to its final name, then renames it: no half-written image survives. */
static int write_image(const char *output, const struct pack_spec *spec)
{
	char *tmp = NULL, *target = NULL;
	int fd, err;

	err = output_target(output, &target);
	if (err)
		return err;
	output = target;
	if (asprintf(&tmp, "%s.tmp-XXXXXX", output) < 0) {
		free(target);
		return -ENOMEM;
	}
	fd = mkstemp(tmp);
	if (fd < 0) {
		err = -errno;
		husk_err("%s: %s", output, strerror(errno));
		goto out;
	}
	err = image_pack(spec, fd);
	if (!err && fchmod(fd, 0644) < 0)
		err = -errno;
	if (close(fd) < 0 && !err)
		err = -errno;
	if (!err && rename(tmp, output) < 0) {
		err = -errno;
		husk_err("%s: %s", output, strerror(errno));
	} else if (err == -ENOSPC || err == -EIO || err == -EDQUOT) {
		husk_err("%s: %s", output, strerror(-err));
	}
	if (err)
		unlink(tmp);
out:
	free(tmp);
	free(target);
	return err;
}

int cmd_build(int argc, char **argv)
{
	struct pack_spec spec = { 0 };
	struct vm_args args = { 0 };
	const char *output = NULL;
	char *program = NULL, *guest = NULL, *cmdline = NULL;
	int c, err;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+o:e:f:h", build_longopts, NULL)) != -1) {
		char *assignment;

		switch (c) {
		case 'o':
			output = optarg;
			break;
		case 'e':
			if (cli_env_arg(optarg, &assignment))
				goto err;
			err = image_set_env(&args, assignment);
			free(assignment);
			if (err)
				goto err;
			break;
		case 'f':
			spec.files_dir = optarg;
			break;
		case 'L':
			spec.no_libs = 1;
			break;
		case 'V':
			spec.verbose = 1;
			break;
		case 'h':
			cmd_help(0, NULL);
			return 0;
		default:
			goto err;
		}
	}
	if (!output || optind >= argc) {
		husk_err("build: usage: husk build -o IMAGE [-e VAR=VAL]... [--files DIR] [--no-libs] [-v] PROGRAM [ARGS...]");
		goto err;
	}
	if (cli_find_program(argv[optind], &program))
		goto err;
	if (image_check_program(program))
		goto err;
	if (image_guest_path(program, &guest) || strvec_push(&args.argv, guest))
		goto err;
	for (int i = optind + 1; i < argc; i++)
		if (strvec_push(&args.argv, argv[i]))
			goto err;
	/* Stored with "quiet" so the line boots as is; husk run decides quiet again. */
	args.quiet = 1;
	err = cmdline_format(&args, &cmdline);
	if (err) {
		husk_err("%s", err == -E2BIG ? "the command line is too long for the kernel (4 KiB)" :
			 strerror(-err));
		goto err;
	}
	spec.program = program;
	spec.stored_cmdline = cmdline;
	spec.ld_library_path = image_get_env(&args, "LD_LIBRARY_PATH");
	if (write_image(output, &spec))
		goto err;
	free(cmdline);
	free(guest);
	free(program);
	vm_args_free(&args);
	return 0;

err:
	free(cmdline);
	free(guest);
	free(program);
	vm_args_free(&args);
	return HUSK_STATUS_HOST;
}
