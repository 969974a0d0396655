/* SPDX-License-Identifier: MIT */
/* elfread.c: reads what a dynamic loader needs from an ELF file (PT_INTERP, DT_NEEDED, DT_SONAME, DT_RPATH, DT_RUNPATH) without mapping it. */

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elfdeps.h"

/* The gABI's value; the unit tests' include path gives <linux/elf.h>, which lacks it. */
#ifndef DT_RUNPATH
#define DT_RUNPATH 29
#endif

/* Limits far above any real file's, so a corrupt one cannot make us allocate much. */
#define MAX_PHNUM      1024
#define MAX_DYNAMIC    (1u << 20)
#define MAX_STRTAB     (64u << 20)

/* Reads exactly len bytes at off; a file too short is malformed. */
static int pread_all(int fd, void *buf, size_t len, uint64_t off)
{
	char *p = buf;

	while (len > 0) {
		ssize_t n = pread(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ENOEXEC;
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

/* Is [off, off + len) inside a file of size bytes? */
static int in_file(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

/* Maps a virtual address range to a file offset through the PT_LOAD segments. */
static int vaddr_to_off(const Elf64_Phdr *ph, size_t phnum, uint64_t vaddr, uint64_t len,
			uint64_t *off)
{
	for (size_t i = 0; i < phnum; i++) {
		if (ph[i].p_type != PT_LOAD || vaddr < ph[i].p_vaddr)
			continue;
		if (vaddr - ph[i].p_vaddr >= ph[i].p_filesz ||
		    len > ph[i].p_filesz - (vaddr - ph[i].p_vaddr))
			continue;
		*off = ph[i].p_offset + (vaddr - ph[i].p_vaddr);
		return 0;
	}
	return -ENOEXEC;
}

/* A copy of the string at strtab[off], which must end inside the table. */
static int dup_str(const char *strtab, uint64_t strsz, uint64_t off, char **out)
{
	if (off >= strsz || !memchr(strtab + off, '\0', strsz - off))
		return -ENOEXEC;
	*out = strdup(strtab + off);
	return *out ? 0 : -ENOMEM;
}

/* Reads the dynamic section and the strings it names. */
static int read_dynamic(int fd, uint64_t size, const Elf64_Phdr *ph, size_t phnum,
			const Elf64_Phdr *dyn_ph, struct elf_dyninfo *info)
{
	uint64_t strtab_vaddr = 0, strsz = 0, stroff;
	Elf64_Dyn *dyn = NULL;
	char *strtab = NULL;
	size_t ndyn;
	int have_strtab = 0, err;

	info->dynamic = 1;
	if (dyn_ph->p_filesz > MAX_DYNAMIC || !in_file(dyn_ph->p_offset, dyn_ph->p_filesz, size))
		return -ENOEXEC;
	ndyn = dyn_ph->p_filesz / sizeof(Elf64_Dyn);
	if (ndyn == 0)
		return 0;
	dyn = malloc(ndyn * sizeof(*dyn));
	if (!dyn)
		return -ENOMEM;
	err = pread_all(fd, dyn, ndyn * sizeof(*dyn), dyn_ph->p_offset);
	if (err)
		goto out;
	for (size_t i = 0; i < ndyn && dyn[i].d_tag != DT_NULL; i++) {
		if (dyn[i].d_tag == DT_STRTAB) {
			strtab_vaddr = dyn[i].d_un.d_ptr;
			have_strtab = 1;
		} else if (dyn[i].d_tag == DT_STRSZ) {
			strsz = dyn[i].d_un.d_val;
		}
	}
	if (!have_strtab || strsz == 0 || strsz > MAX_STRTAB) {
		/* No strings: nothing can be needed. */
		err = have_strtab ? -ENOEXEC : 0;
		goto out;
	}
	err = vaddr_to_off(ph, phnum, strtab_vaddr, strsz, &stroff);
	if (err || !in_file(stroff, strsz, size)) {
		err = -ENOEXEC;
		goto out;
	}
	strtab = malloc(strsz);
	if (!strtab) {
		err = -ENOMEM;
		goto out;
	}
	err = pread_all(fd, strtab, strsz, stroff);
	for (size_t i = 0; !err && i < ndyn && dyn[i].d_tag != DT_NULL; i++) {
		uint64_t v = dyn[i].d_un.d_val;
		char *s = NULL;

		switch (dyn[i].d_tag) {
		case DT_NEEDED:
			err = dup_str(strtab, strsz, v, &s);
			if (!err)
				err = strvec_push(&info->needed, s);
			free(s);
			break;
		case DT_SONAME:
			free(info->soname);
			err = dup_str(strtab, strsz, v, &info->soname);
			break;
		case DT_RPATH:
			free(info->rpath);
			err = dup_str(strtab, strsz, v, &info->rpath);
			break;
		case DT_RUNPATH:
			free(info->runpath);
			err = dup_str(strtab, strsz, v, &info->runpath);
			break;
		}
	}
out:
	free(strtab);
	free(dyn);
	return err;
}

static int read_dyninfo_fd(int fd, struct elf_dyninfo *info)
{
	unsigned char ident[EI_NIDENT + 4];
	const Elf64_Phdr *dyn_ph = NULL;
	Elf64_Phdr *ph = NULL;
	Elf64_Ehdr eh;
	struct stat st;
	uint16_t machine;
	int err;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -ENOEXEC;
	/* e_ident, e_type and e_machine sit at the same offsets in ELF32 and ELF64. */
	if (st.st_size < (off_t)sizeof(ident))
		return -ENOEXEC;
	err = pread_all(fd, ident, sizeof(ident), 0);
	if (err)
		return err;
	if (memcmp(ident, ELFMAG, SELFMAG) != 0)
		return -ENOEXEC;
	memcpy(&machine, ident + EI_NIDENT + 2, sizeof(machine));
	if (ident[EI_CLASS] != ELFCLASS64 || ident[EI_DATA] != ELFDATA2LSB || machine != EM_X86_64)
		return -ELIBBAD;
	err = pread_all(fd, &eh, sizeof(eh), 0);
	if (err)
		return err;
	if ((eh.e_type != ET_EXEC && eh.e_type != ET_DYN) || eh.e_phentsize != sizeof(Elf64_Phdr) ||
	    eh.e_phnum == 0 || eh.e_phnum > MAX_PHNUM ||
	    !in_file(eh.e_phoff, (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr), (uint64_t)st.st_size))
		return -ENOEXEC;
	ph = calloc(eh.e_phnum, sizeof(*ph));
	if (!ph)
		return -ENOMEM;
	err = pread_all(fd, ph, eh.e_phnum * sizeof(*ph), eh.e_phoff);
	for (size_t i = 0; !err && i < eh.e_phnum; i++) {
		if (ph[i].p_type == PT_DYNAMIC) {
			dyn_ph = &ph[i];
		} else if (ph[i].p_type == PT_INTERP && !info->interp) {
			char buf[PATH_MAX];
			uint64_t len = ph[i].p_filesz;

			if (len < 2 || len > sizeof(buf) ||
			    !in_file(ph[i].p_offset, len, (uint64_t)st.st_size)) {
				err = -ENOEXEC;
				break;
			}
			err = pread_all(fd, buf, len, ph[i].p_offset);
			if (err)
				break;
			if (!memchr(buf, '\0', len) || buf[0] == '\0') {
				err = -ENOEXEC;
				break;
			}
			info->interp = strdup(buf);
			if (!info->interp)
				err = -ENOMEM;
		}
	}
	if (!err && dyn_ph)
		err = read_dynamic(fd, (uint64_t)st.st_size, ph, eh.e_phnum, dyn_ph, info);
	free(ph);
	return err;
}

int elf_read_dyninfo(const char *path, struct elf_dyninfo *info)
{
	int fd, err;

	memset(info, 0, sizeof(*info));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = read_dyninfo_fd(fd, info);
	close(fd);
	if (err)
		elf_dyninfo_free(info);
	return err;
}

void elf_dyninfo_free(struct elf_dyninfo *info)
{
	free(info->interp);
	free(info->soname);
	free(info->rpath);
	free(info->runpath);
	strvec_free(&info->needed);
	memset(info, 0, sizeof(*info));
}
