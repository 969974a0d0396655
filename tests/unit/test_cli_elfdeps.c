/* SPDX-License-Identifier: MIT */
/* test_cli_elfdeps.c: host tests of the CLI's ELF dependency resolver (search order, $ORIGIN, wrong class) and host-path mirroring. */

#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../cli/strvec.c"
#include "../../cli/cpio.c"
#include "../../cli/initrd.c"
#include "../../cli/elfread.c"
#include "../../cli/elfdeps.c"

static int failures;

#define CHECK(cond)                                                              \
	do {                                                                     \
		if (!(cond)) {                                                   \
			printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);   \
			failures++;                                              \
		}                                                                \
	} while (0)

void husk_err(const char *fmt, ...)
{
	(void)fmt;
}

#define GLIBC_INTERP "/lib64/ld-linux-x86-64.so.2"
#define MUSL_INTERP  "/lib/ld-musl-x86_64.so.1"

static char tmp[256];

/* tmp + "/" + rel, in a static ring of buffers: short-lived (strdup what a config keeps). */
static const char *at(const char *rel)
{
	static char bufs[8][512];
	static int next;
	char *b = bufs[next++ % 8];

	snprintf(b, sizeof(bufs[0]), "%s/%s", tmp, rel);
	return b;
}

struct fake {
	int elf32;              /* a 32-bit i386 file instead */
	const char *interp;
	const char *soname;
	const char *rpath;
	const char *runpath;
	const char *needed[4];
};

/*
 * Writes a minimal ELF64 shared object: one PT_LOAD covering the whole
 * file at address 0, PT_DYNAMIC, and PT_INTERP if asked, with the strings
 * the dynamic section names.
 */
static void make_elf(const char *path, const struct fake *f)
{
	unsigned char file[2048] = { 0 };
	Elf64_Ehdr *eh = (void *)file;
	Elf64_Phdr *ph = (void *)(file + sizeof(*eh));
	char *str = (char *)file + 512;         /* the string table, 512 bytes */
	Elf64_Dyn *dyn = (void *)(file + 1024);
	size_t strsz = 1, nph = 0, nd = 0;
	FILE *out;

	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = f->elf32 ? ELFCLASS32 : ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_DYN;
	eh->e_machine = f->elf32 ? EM_386 : EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_phoff = sizeof(*eh);
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);

#define STR(s) (strcpy(str + strsz, (s)), strsz += strlen(s) + 1, strsz - strlen(s) - 1)
	for (int i = 0; i < 4 && f->needed[i]; i++)
		dyn[nd++] = (Elf64_Dyn){ .d_tag = DT_NEEDED, .d_un.d_val = STR(f->needed[i]) };
	if (f->soname)
		dyn[nd++] = (Elf64_Dyn){ .d_tag = DT_SONAME, .d_un.d_val = STR(f->soname) };
	if (f->rpath)
		dyn[nd++] = (Elf64_Dyn){ .d_tag = DT_RPATH, .d_un.d_val = STR(f->rpath) };
	if (f->runpath)
		dyn[nd++] = (Elf64_Dyn){ .d_tag = DT_RUNPATH, .d_un.d_val = STR(f->runpath) };
#undef STR
	dyn[nd++] = (Elf64_Dyn){ .d_tag = DT_STRTAB, .d_un.d_ptr = 512 };
	dyn[nd++] = (Elf64_Dyn){ .d_tag = DT_STRSZ, .d_un.d_val = strsz };
	dyn[nd++] = (Elf64_Dyn){ .d_tag = DT_NULL };

	ph[nph++] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R, .p_offset = 0,
				  .p_filesz = sizeof(file), .p_memsz = sizeof(file), .p_align = 4096 };
	ph[nph++] = (Elf64_Phdr){ .p_type = PT_DYNAMIC, .p_flags = PF_R, .p_offset = 1024,
				  .p_vaddr = 1024, .p_filesz = nd * sizeof(*dyn),
				  .p_memsz = nd * sizeof(*dyn), .p_align = 8 };
	if (f->interp) {
		strcpy((char *)file + 400, f->interp);
		ph[nph++] = (Elf64_Phdr){ .p_type = PT_INTERP, .p_flags = PF_R, .p_offset = 400,
					  .p_vaddr = 400, .p_filesz = strlen(f->interp) + 1,
					  .p_memsz = strlen(f->interp) + 1, .p_align = 1 };
	}
	eh->e_phnum = (uint16_t)nph;
	out = fopen(path, "w");
	if (!out) {
		printf("FAIL cannot write %s: %s\n", path, strerror(errno));
		failures++;
		return;
	}
	fwrite(file, 1, f->elf32 ? 52 : sizeof(file), out);
	fclose(out);
}

static const struct elfdeps_lib *find_lib(const struct elfdeps *d, const char *name)
{
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->libs[i].name, name) == 0)
			return &d->libs[i];
	return NULL;
}

/* Each name once, each file present. */
static int sane(const struct elfdeps *d)
{
	for (size_t i = 0; i < d->n; i++) {
		if (access(d->libs[i].host_path, R_OK) != 0)
			return 0;
		for (size_t j = i + 1; j < d->n; j++)
			if (strcmp(d->libs[i].name, d->libs[j].name) == 0)
				return 0;
	}
	return 1;
}

/* A config that ignores the host's ld.so.conf and looks in no default directory but the real ones. */
static struct elfdeps_config test_cfg(void)
{
	return (struct elfdeps_config){ .guest_origin = "/bin", .ld_so_conf = "/nonexistent" };
}

static void test_bin_ls(void)
{
	struct elfdeps_config cfg = { .guest_origin = "/bin" };
	struct elfdeps d = { 0 };
	const struct elfdeps_lib *l;
	int err;

	err = elfdeps_resolve("/bin/ls", &cfg, &d);
	CHECK(err == 0);
	CHECK(d.interp && strcmp(d.interp, GLIBC_INTERP) == 0);
	CHECK(!d.musl);
	CHECK(d.n >= 3 && strcmp(d.libs[0].name, GLIBC_INTERP) == 0);
	l = find_lib(&d, "libc.so.6");
	CHECK(l && strstr(l->host_path, "/libc.so.6") && strcmp(l->host_path, l->guest_path) == 0);
	l = find_lib(&d, "libselinux.so.1");
	CHECK(l && strcmp(l->needed_by, "/bin/ls") == 0);
	/* libselinux's own dependency, and libc's DT_NEEDED on the interpreter satisfied by it. */
	l = find_lib(&d, "libpcre2-8.so.0");
	CHECK(l && strstr(l->needed_by, "libselinux.so.1"));
	CHECK(!find_lib(&d, "ld-linux-x86-64.so.2"));
	CHECK(sane(&d));
	elfdeps_free(&d);
}

static void test_origin_runpath(void)
{
	struct elfdeps_config cfg = test_cfg();
	struct elfdeps d = { 0 };
	const struct elfdeps_lib *l;

	mkdir(at("o"), 0755);
	mkdir(at("o/lib"), 0755);
	make_elf(at("o/prog"), &(struct fake){ .interp = GLIBC_INTERP, .runpath = "$ORIGIN/lib",
					      .needed = { "libfoo.so.1", "libc.so.6" } });
	make_elf(at("o/lib/libfoo.so.1"), &(struct fake){ .soname = "libfoo.so.1",
							  .needed = { "libc.so.6" } });
	CHECK(elfdeps_resolve(at("o/prog"), &cfg, &d) == 0);
	l = find_lib(&d, "libfoo.so.1");
	CHECK(l && strcmp(l->host_path, at("o/lib/libfoo.so.1")) == 0);
	/* In the guest the program is /bin/prog, so $ORIGIN/lib is /bin/lib. */
	CHECK(l && strcmp(l->guest_path, "/bin/lib/libfoo.so.1") == 0);
	CHECK(find_lib(&d, "libc.so.6") != NULL);
	CHECK(d.n == 3);        /* the interpreter, libfoo, libc */
	CHECK(sane(&d));
	elfdeps_free(&d);

	/* ${ORIGIN} is the same token. */
	make_elf(at("o/prog2"), &(struct fake){ .interp = GLIBC_INTERP, .runpath = "${ORIGIN}/lib",
					       .needed = { "libfoo.so.1" } });
	CHECK(elfdeps_resolve(at("o/prog2"), &cfg, &d) == 0);
	CHECK(find_lib(&d, "libfoo.so.1") != NULL);
	elfdeps_free(&d);
}

static void test_missing(void)
{
	struct elfdeps_config cfg = test_cfg();
	struct elfdeps d = { 0 };

	mkdir(at("m"), 0755);
	make_elf(at("m/prog"), &(struct fake){ .interp = GLIBC_INTERP,
					      .needed = { "libc.so.6", "libnothere.so.7" } });
	CHECK(elfdeps_resolve(at("m/prog"), &cfg, &d) == -ENOENT);
	CHECK(d.missing && strcmp(d.missing, "libnothere.so.7") == 0);
	CHECK(d.missing_by && strcmp(d.missing_by, at("m/prog")) == 0);
	elfdeps_free(&d);

	/* A missing interpreter is named too. */
	make_elf(at("m/prog2"), &(struct fake){ .interp = "/nonexistent/ld.so.1" });
	CHECK(elfdeps_resolve(at("m/prog2"), &cfg, &d) == -ENOENT);
	CHECK(d.missing && strcmp(d.missing, "/nonexistent/ld.so.1") == 0);
	elfdeps_free(&d);
}

static void test_wrong_class(void)
{
	struct elfdeps_config cfg = test_cfg();
	struct elfdeps d = { 0 };
	const struct elfdeps_lib *l;

	mkdir(at("w"), 0755);
	mkdir(at("w/lib32"), 0755);
	mkdir(at("w/lib"), 0755);
	make_elf(at("w/lib32/libfoo.so.1"), &(struct fake){ .elf32 = 1 });
	make_elf(at("w/lib/libfoo.so.1"), &(struct fake){ .soname = "libfoo.so.1" });
	make_elf(at("w/prog"), &(struct fake){ .interp = GLIBC_INTERP,
					      .runpath = "$ORIGIN/lib32:$ORIGIN/lib",
					      .needed = { "libfoo.so.1" } });
	CHECK(elfdeps_resolve(at("w/prog"), &cfg, &d) == 0);
	l = find_lib(&d, "libfoo.so.1");
	CHECK(l && strcmp(l->host_path, at("w/lib/libfoo.so.1")) == 0);
	elfdeps_free(&d);

	/* Only the 32-bit one: not found, and the skipped file is named. */
	make_elf(at("w/prog32"), &(struct fake){ .interp = GLIBC_INTERP, .runpath = "$ORIGIN/lib32",
						.needed = { "libfoo.so.1" } });
	CHECK(elfdeps_resolve(at("w/prog32"), &cfg, &d) == -ENOENT);
	CHECK(d.skipped && strcmp(d.skipped, at("w/lib32/libfoo.so.1")) == 0);
	elfdeps_free(&d);
}

/* glibc: a library with no DT_RUNPATH searches the RPATH of whoever loaded it; one with a RUNPATH does not. */
static void test_rpath_chain(void)
{
	struct elfdeps_config cfg = test_cfg();
	struct elfdeps d = { 0 };
	const struct elfdeps_lib *l;

	mkdir(at("r"), 0755);
	mkdir(at("r/a"), 0755);
	make_elf(at("r/a/libone.so"), &(struct fake){ .needed = { "libtwo.so" } });
	make_elf(at("r/a/libtwo.so"), &(struct fake){ .soname = "libtwo.so" });
	make_elf(at("r/prog"), &(struct fake){ .interp = GLIBC_INTERP, .rpath = "$ORIGIN/a",
					      .needed = { "libone.so" } });
	CHECK(elfdeps_resolve(at("r/prog"), &cfg, &d) == 0);
	l = find_lib(&d, "libtwo.so");
	CHECK(l && strcmp(l->host_path, at("r/a/libtwo.so")) == 0);
	CHECK(l && strcmp(l->needed_by, at("r/a/libone.so")) == 0);
	elfdeps_free(&d);

	mkdir(at("r/b"), 0755);
	make_elf(at("r/b/libone.so"), &(struct fake){ .runpath = "/nonexistent",
						     .needed = { "libtwo.so" } });
	make_elf(at("r/b/libtwo.so"), &(struct fake){ 0 });
	make_elf(at("r/progb"), &(struct fake){ .interp = GLIBC_INTERP, .rpath = "$ORIGIN/b",
					       .needed = { "libone.so" } });
	CHECK(elfdeps_resolve(at("r/progb"), &cfg, &d) == -ENOENT);
	CHECK(d.missing && strcmp(d.missing, "libtwo.so") == 0);
	elfdeps_free(&d);

	/* The executable's DT_RPATH is ignored when it has a DT_RUNPATH too. */
	make_elf(at("r/progc"), &(struct fake){ .interp = GLIBC_INTERP, .rpath = "$ORIGIN/a",
					       .runpath = "/nonexistent", .needed = { "libone.so" } });
	CHECK(elfdeps_resolve(at("r/progc"), &cfg, &d) == -ENOENT);
	elfdeps_free(&d);
}

static void test_llp_conf_once(void)
{
	struct elfdeps_config cfg = test_cfg();
	struct elfdeps d = { 0 };
	char *conf, *llp;
	const struct elfdeps_lib *l;
	FILE *f;

	mkdir(at("c"), 0755);
	mkdir(at("c/llp"), 0755);
	mkdir(at("c/cache"), 0755);
	mkdir(at("c/conf.d"), 0755);
	make_elf(at("c/llp/libl.so.1"), &(struct fake){ .needed = { "libk.so.2" } });
	make_elf(at("c/cache/libk.so.2"), &(struct fake){ .soname = "libk.so.2" });
	/* libk2 is another name of the same file: loaded once, under both names. */
	symlink("libk.so.2", at("c/cache/libk2.so"));
	make_elf(at("c/prog"), &(struct fake){ .interp = GLIBC_INTERP,
					      .needed = { "libl.so.1", "libk.so.2", "libk2.so" } });
	f = fopen(at("c/ld.so.conf"), "w");
	if (f) {
		fprintf(f, "# comment\ninclude conf.d/*.conf\n");
		fclose(f);
	}
	f = fopen(at("c/conf.d/x.conf"), "w");
	if (f) {
		fprintf(f, "%s  # trailing comment\n", at("c/cache"));
		fclose(f);
	}
	cfg.ld_so_conf = conf = strdup(at("c/ld.so.conf"));
	cfg.ld_library_path = llp = strdup(at("c/nothere:c/relative-skipped"));
	CHECK(elfdeps_resolve(at("c/prog"), &cfg, &d) == -ENOENT);
	CHECK(d.missing && strcmp(d.missing, "libl.so.1") == 0);
	elfdeps_free(&d);

	free(llp);
	cfg.ld_library_path = llp = strdup(at("c/llp"));
	CHECK(elfdeps_resolve(at("c/prog"), &cfg, &d) == 0);
	l = find_lib(&d, "libl.so.1");
	CHECK(l && !l->via_cache && strcmp(l->host_path, at("c/llp/libl.so.1")) == 0);
	l = find_lib(&d, "libk.so.2");
	CHECK(l && l->via_cache && strcmp(l->host_path, at("c/cache/libk.so.2")) == 0);
	CHECK(!find_lib(&d, "libk2.so"));
	CHECK(d.n == 3);
	CHECK(sane(&d));
	elfdeps_free(&d);
	free(conf);
	free(llp);
}

static void test_musl(void)
{
	struct elfdeps_config cfg = test_cfg();
	struct elfdeps d = { 0 };
	char *etc = NULL;
	const struct elfdeps_lib *l;
	FILE *f;

	if (access(MUSL_INTERP, R_OK) != 0) {
		printf("skip: no %s (apt-get install musl)\n", MUSL_INTERP);
		return;
	}
	mkdir(at("u"), 0755);
	mkdir(at("u/etc"), 0755);
	mkdir(at("u/mlib"), 0755);
	/* No ld-musl-x86_64.path in u/etc (Debian's /etc has one). */
	cfg.musl_etc = etc = strdup(at("u/etc"));
	/* libc.so and libpthread.so.0 are musl's loader itself. */
	make_elf(at("u/prog"), &(struct fake){ .interp = MUSL_INTERP,
					      .needed = { "libc.so", "libpthread.so.0" } });
	CHECK(elfdeps_resolve(at("u/prog"), &cfg, &d) == 0);
	CHECK(d.musl && d.n == 1 && strcmp(d.libs[0].host_path, MUSL_INTERP) == 0);
	CHECK(d.loader_files.n == 0);
	elfdeps_free(&d);

	make_elf(at("u/mlib/libz.so.1"), &(struct fake){ .needed = { "libc.so" } });
	make_elf(at("u/progz"), &(struct fake){ .interp = MUSL_INTERP,
					       .needed = { "libz.so.1", "libc.so" } });
	CHECK(elfdeps_resolve(at("u/progz"), &cfg, &d) == -ENOENT);
	elfdeps_free(&d);
	f = fopen(at("u/etc/ld-musl-x86_64.path"), "w");
	if (f) {
		fprintf(f, "/nonexistent\n%s\n", at("u/mlib"));
		fclose(f);
	}
	CHECK(elfdeps_resolve(at("u/progz"), &cfg, &d) == 0);
	l = find_lib(&d, "libz.so.1");
	CHECK(l && strcmp(l->host_path, at("u/mlib/libz.so.1")) == 0);
	CHECK(d.loader_files.n == 1 &&
	      strcmp(d.loader_files.v[0], at("u/etc/ld-musl-x86_64.path")) == 0);
	elfdeps_free(&d);
	free(etc);
}

static void test_not_dynamic(void)
{
	struct elfdeps_config cfg = test_cfg();
	struct elf_dyninfo info;
	struct elfdeps d = { 0 };
	FILE *f;

	/* Text, an empty file and a 32-bit program: no libraries, the guest kernel judges. */
	f = fopen(at("text"), "w");
	if (f) {
		fputs("#!/bin/sh\necho not an ELF file\n", f);
		fclose(f);
	}
	CHECK(elf_read_dyninfo(at("text"), &info) == -ENOEXEC);
	CHECK(elfdeps_resolve(at("text"), &cfg, &d) == 0 && d.n == 0 && !d.interp);
	elfdeps_free(&d);
	make_elf(at("prog32"), &(struct fake){ .elf32 = 1 });
	CHECK(elf_read_dyninfo(at("prog32"), &info) == -ELIBBAD);
	CHECK(elf_read_dyninfo(at("does-not-exist"), &info) == -ENOENT);

	/* A program without PT_INTERP needs nothing. */
	make_elf(at("noint"), &(struct fake){ .needed = { "libc.so.6" } });
	CHECK(elf_read_dyninfo(at("noint"), &info) == 0);
	CHECK(info.needed.n == 1 && strcmp(info.needed.v[0], "libc.so.6") == 0 && !info.interp);
	elf_dyninfo_free(&info);
	CHECK(elfdeps_resolve(at("noint"), &cfg, &d) == 0 && d.n == 0);
	elfdeps_free(&d);

	/* A truncated ELF header is malformed. */
	if (truncate(at("noint"), 40) == 0)
		CHECK(elf_read_dyninfo(at("noint"), &info) == -ENOEXEC);
}

/* On a merged-/usr host, /lib/x86_64-linux-gnu/libc.so.6 is packed as the link /lib and the real file. */
static void test_host_path(void)
{
	struct initrd rd;
	struct stat st;
	char *real = NULL;
	const char *libc = "/lib/x86_64-linux-gnu/libc.so.6";

	CHECK(initrd_init(&rd) == 0);
	CHECK(initrd_add_host_path(&rd, INITRD_LAYER_PROGRAM, libc, &real) == 0);
	if (lstat("/lib", &st) == 0 && S_ISLNK(st.st_mode)) {
		CHECK(initrd_lookup(&rd, "/lib") == S_IFLNK);
		CHECK(real && strcmp(real, "/usr/lib/x86_64-linux-gnu/libc.so.6") == 0);
		CHECK(initrd_lookup(&rd, "/usr/lib/x86_64-linux-gnu") == S_IFDIR);
	}
	CHECK(real && initrd_lookup(&rd, real) == S_IFREG);
	free(real);
	real = NULL;

	/* The interpreter: /lib64 (link on merged /usr), then an absolute link to /lib/... */
	CHECK(initrd_add_host_path(&rd, INITRD_LAYER_PROGRAM, GLIBC_INTERP, &real) == 0);
	if (lstat(GLIBC_INTERP, &st) == 0 && S_ISLNK(st.st_mode))
		CHECK(real && strcmp(real, GLIBC_INTERP) != 0 && initrd_lookup(&rd, real) == S_IFREG);

	/* The skeleton's /bin stays a directory even where the host has /bin -> usr/bin. */
	CHECK(initrd_add_host_path(&rd, INITRD_LAYER_PROGRAM, "/bin/sh", NULL) == 0);
	CHECK(initrd_lookup(&rd, "/bin") == S_IFDIR);
	CHECK(initrd_lookup(&rd, "/bin/sh") != 0);
	CHECK(initrd_add_host_path(&rd, INITRD_LAYER_PROGRAM, "/nonexistent/x", NULL) == -ENOENT);
	CHECK(initrd_add_host_path(&rd, INITRD_LAYER_PROGRAM, "relative", NULL) == -EINVAL);
	free(real);
	initrd_free(&rd);
}

int main(void)
{
	char cmd[300];

	snprintf(tmp, sizeof(tmp), "%s/husk-elfdeps-XXXXXX", getenv("TMPDIR") ?: "/tmp");
	if (!mkdtemp(tmp)) {
		printf("FAIL mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	test_bin_ls();
	test_origin_runpath();
	test_missing();
	test_wrong_class();
	test_rpath_chain();
	test_llp_conf_once();
	test_musl();
	test_not_dynamic();
	test_host_path();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		printf("warning: could not remove %s\n", tmp);
	if (failures)
		printf("%d check(s) failed\n", failures);
	return failures ? 1 : 0;
}
