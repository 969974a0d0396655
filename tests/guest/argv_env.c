/* SPDX-License-Identifier: MIT */
/* argv_env.c: checks argv, the environment and the auxiliary vector the kernel builds. */
// husk-test: name=plain args="plain alpha beta" env="HUSK_TEST_VAR=forty-two HUSK_EQ=a=b" status=0 expect="SUCCESS" backends=qemu,vmm,xen
// husk-test: name=quoting args="quoting 'two words' '' last" env="HUSK_TEST_VAR=forty-two HUSK_EQ=a=b" status=0 expect="SUCCESS" backends=qemu,xen
#include <elf.h>
#include <link.h>
#include <stdint.h>
#include <sys/auxv.h>
#include "check.h"

extern char _start[];
extern const ElfW(Ehdr) __ehdr_start;
extern char **environ;

#define PROG "/bin/argv_env"

static void check_args(int argc, char **argv, int n, const char *const *want)
{
	CHECK(argc == n, "argc is %d, wanted %d", argc, n);
	for (int i = 0; i < argc && i < n; i++)
		CHECK(strcmp(argv[i], want[i]) == 0, "argv[%d] is \"%s\", wanted \"%s\"",
		      i, argv[i], want[i]);
	CHECK(argv[argc] == NULL, "argv[argc] is not NULL");
}

static void check_env(void)
{
	const char *v = getenv("HUSK_TEST_VAR");
	int seen = 0;

	CHECK(v && strcmp(v, "forty-two") == 0, "HUSK_TEST_VAR is \"%s\", wanted \"forty-two\"",
	      v ? v : "(unset)");
	v = getenv("HUSK_EQ");
	CHECK(v && strcmp(v, "a=b") == 0, "HUSK_EQ is \"%s\", wanted \"a=b\"", v ? v : "(unset)");
	for (char **e = environ; *e; e++) {
		CHECK(strchr(*e, '=') != NULL, "environment entry \"%s\" has no '='", *e);
		if (strncmp(*e, "HUSK_TEST_VAR=", 14) == 0)
			seen++;
	}
	CHECK(seen == 1, "HUSK_TEST_VAR appears %d times in environ, wanted once", seen);
}

static void check_auxv(const char *argv0)
{
	unsigned long pagesz = getauxval(AT_PAGESZ);
	const unsigned char *rnd = (const unsigned char *)getauxval(AT_RANDOM);
	const ElfW(Phdr) *phdr = (const ElfW(Phdr) *)getauxval(AT_PHDR);
	const ElfW(Phdr) *own = (const ElfW(Phdr) *)((const char *)&__ehdr_start + __ehdr_start.e_phoff);
	unsigned long phnum = getauxval(AT_PHNUM);
	const char *execfn = (const char *)getauxval(AT_EXECFN);
	int nonzero = 0;

	CHECK(pagesz == 4096, "AT_PAGESZ is %lu, wanted 4096", pagesz);
	CHECK(rnd != NULL, "AT_RANDOM is missing");
	if (rnd) {
		for (int i = 0; i < 16; i++)
			nonzero |= rnd[i];
		CHECK(nonzero, "the 16 AT_RANDOM bytes are all zero");
	}
	CHECK(phdr == own, "AT_PHDR is %p, but the program headers are at %p", (void *)phdr, (void *)own);
	CHECK(phnum == __ehdr_start.e_phnum, "AT_PHNUM is %lu, the ELF header says %u",
	      phnum, __ehdr_start.e_phnum);
	CHECK(getauxval(AT_PHENT) == sizeof(ElfW(Phdr)), "AT_PHENT is %lu, wanted %zu",
	      getauxval(AT_PHENT), sizeof(ElfW(Phdr)));
	if (phdr == own) {
		int loads = 0;

		for (unsigned long i = 0; i < phnum; i++)
			loads += phdr[i].p_type == PT_LOAD;
		CHECK(loads > 0, "no PT_LOAD among the %lu program headers at AT_PHDR", phnum);
	}
	CHECK(execfn && strcmp(execfn, argv0) == 0, "AT_EXECFN is \"%s\", wanted argv[0] \"%s\"",
	      execfn ? execfn : "(null)", argv0);
	CHECK(getauxval(AT_SECURE) == 0, "AT_SECURE is %lu, wanted 0", getauxval(AT_SECURE));
	CHECK(getauxval(AT_ENTRY) == (unsigned long)_start, "AT_ENTRY is %#lx, _start is at %p",
	      getauxval(AT_ENTRY), (void *)_start);
	/* The stack pointer at entry must leave argv/envp/auxv readable and aligned. */
	CHECK(((uintptr_t)&pagesz & 7) == 0, "stack variable misaligned at %p", (void *)&pagesz);
}

int main(int argc, char **argv)
{
	static const char *const plain[] = { PROG, "plain", "alpha", "beta" };
	static const char *const quoting[] = { PROG, "quoting", "two words", "", "last" };

	if (argc > 1 && strcmp(argv[1], "quoting") == 0)
		check_args(argc, argv, 5, quoting);
	else
		check_args(argc, argv, 4, plain);
	check_env();
	check_auxv(argv[0]);
	return check_finish("argv_env");
}
