/* SPDX-License-Identifier: MIT */
/* elfdeps.h: what an ELF file asks of its loader (elfread.c) and the libraries a program needs, found as ld.so finds them (elfdeps.c). */
#ifndef HUSK_CLI_ELFDEPS_H
#define HUSK_CLI_ELFDEPS_H

#include "cli.h"

/* What the dynamic loader reads from one ELF file. */
struct elf_dyninfo {
	char *interp;           /* PT_INTERP, or NULL */
	char *soname;           /* DT_SONAME, or NULL */
	char *rpath;            /* DT_RPATH as written ("$ORIGIN/../lib:/opt/x"), or NULL */
	char *runpath;          /* DT_RUNPATH, or NULL */
	struct strvec needed;   /* DT_NEEDED, in order */
	int dynamic;            /* has a PT_DYNAMIC segment */
};

/*
 * Reads path's program headers and dynamic section, without running or
 * mapping anything.  Returns 0; -ELIBBAD when path is an ELF file of another
 * class, byte order or machine than ELF64 little-endian x86-64 (what ld.so
 * skips as "wrong ELF class"); -ENOEXEC when it is not an ELF executable or
 * shared object or is malformed; or -errno from opening it.  On success
 * free info with elf_dyninfo_free().
 */
int elf_read_dyninfo(const char *path, struct elf_dyninfo *info);
void elf_dyninfo_free(struct elf_dyninfo *info);

/* Where the program's loader should come from. */
struct elfdeps_config {
	const char *ld_library_path;    /* LD_LIBRARY_PATH given to the program, or NULL */
	const char *guest_origin;       /* $ORIGIN of the program inside the guest ("/bin") */
	/* For tests; NULL means the host's real ones. */
	const char *ld_so_conf;         /* glibc: default "/etc/ld.so.conf" */
	const char *musl_etc;           /* musl: directory of ld-musl-ARCH.path, default "/etc" */
	const char *const *default_dirs;  /* glibc's last resort, NULL-terminated */
};

/* One file the program needs at run time: the interpreter or a library. */
struct elfdeps_lib {
	char *name;             /* the DT_NEEDED string, or the PT_INTERP path */
	char *host_path;        /* the file found on the host (maybe a symlink) */
	char *guest_path;       /* where the guest's loader will look for it */
	char *needed_by;        /* host path of the object that first needed it */
	/*
	 * Found only through the ld.so.conf directories, which glibc reads from
	 * /etc/ld.so.cache: the guest has no cache, so the image must also make
	 * the library visible in a default directory.
	 */
	int via_cache;
};

struct elfdeps {
	char *interp;           /* PT_INTERP, or NULL for a static program */
	int musl;               /* the interpreter is musl's (ld-musl-*) */
	struct elfdeps_lib *libs;       /* the interpreter first, then libraries in load order */
	size_t n;
	size_t cap;
	/* Extra files the guest's loader reads (musl's ld-musl-ARCH.path). */
	struct strvec loader_files;
	/* Set when elfdeps_resolve() returns -ENOENT or -ELIBBAD. */
	char *missing;          /* the library name or interpreter path not found */
	char *missing_by;       /* who needed it */
	char *skipped;          /* a candidate skipped for its ELF class, or NULL */
};

/*
 * Finds everything the program at host path `program` needs before main():
 * its PT_INTERP and, recursively, the DT_NEEDED libraries, each once, as the
 * interpreter would (glibc: DT_RPATH chain, LD_LIBRARY_PATH, DT_RUNPATH,
 * ld.so.conf, default directories; musl: LD_LIBRARY_PATH, RPATH/RUNPATH
 * chain, ld-musl-ARCH.path or /lib:/usr/local/lib:/usr/lib).  A program
 * that is static, or not an ELF64 x86-64 file at all, needs nothing (the
 * guest kernel judges it).  Returns 0; -ENOENT with out->missing and
 * out->missing_by set when something is not found; -ELIBBAD when the
 * interpreter has the wrong class; -ENOMEM.  Free out with elfdeps_free()
 * either way; it must start zeroed.
 */
int elfdeps_resolve(const char *program, const struct elfdeps_config *cfg, struct elfdeps *out);
void elfdeps_free(struct elfdeps *deps);

#endif
