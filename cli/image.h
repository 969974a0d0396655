/* SPDX-License-Identifier: MIT */
/* image.h: what a subcommand needs to pack a program into an initrd or read back a husk image. */
#ifndef HUSK_CLI_IMAGE_H
#define HUSK_CLI_IMAGE_H

#include "cli.h"

struct pack_spec {
	const char *program;        /* host path of the program */
	const char *files_dir;      /* --files DIR, or NULL */
	const char *stored_cmdline; /* written to .husk/cmdline, or NULL (husk run) */
	const char *ld_library_path; /* the program's LD_LIBRARY_PATH (from -e), or NULL */
	int no_libs;                /* --no-libs: the program alone, no interpreter or libraries */
	int verbose;                /* list the interpreter and libraries packed, on stderr */
};

/* Checks that program is an existing regular file, saying why not on stderr. */
int image_check_program(const char *program);
/* The program's path inside the guest: /bin/<basename>.  *path is malloc'ed. */
int image_guest_path(const char *program, char **path);
/* Writes the initrd for spec to fd.  Returns 0 or -errno (already reported when it names a file). */
int image_pack(const struct pack_spec *spec, int fd);
/*
 * Adds a dynamic program's interpreter and shared libraries (found as
 * elfdeps.h describes) at the paths its loader searches; nothing for a
 * static program.  Returns 0, or -errno after saying what is missing.
 */
int image_add_libs(struct initrd *rd, const struct pack_spec *spec);
/* Adds the default /etc files (passwd, group, nsswitch.conf, hosts, ...) in the lowest layer. */
int image_add_etc_defaults(struct initrd *rd);
/* The value of VAR among args' "env=VAR=VAL" options (the last one), or NULL. */
const char *image_get_env(const struct vm_args *args, const char *var);
/* 1 if the file at path starts with the cpio newc magic. */
int image_is_cpio(const char *path);
/* Reads and parses an image's .husk/cmdline into args (zeroed by the caller). */
int image_load_args(const char *path, struct vm_args *args);
/* Adds "env=VAR=VAL" to args, replacing any earlier value of VAR. */
int image_set_env(struct vm_args *args, const char *assignment);

#endif
