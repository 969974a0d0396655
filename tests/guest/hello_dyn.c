/* SPDX-License-Identifier: MIT */
/* hello_dyn.c: a dynamically linked musl program: husk packs /lib/ld-musl-x86_64.so.1, which loads and relocates it. */
// husk-test: status=0 expect="Hello from dynamic musl" expect="SUCCESS" backends=qemu,xen
// husk-test: name=verbose opts="--verbose" status=0 expect="interpreter /lib/ld-musl-x86_64.so.1" expect="SUCCESS"
// husk-test: name=nolibs opts="--no-libs" status=127 kexpect="interpreter /lib/ld-musl-x86_64.so.1 not found"
#define _GNU_SOURCE
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include "check.h"

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Counts the objects the dynamic loader mapped: the program and musl's libc (the loader itself). */
static int count_object(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)info;
	(void)size;
	(*(int *)data)++;
	return 0;
}

int main(void)
{
	int v[] = { 5, 3, 9, 1 };
	char buf[64];
	int objects = 0;

	printf("Hello from dynamic %s\n", "musl");
	/* The kernel loaded an interpreter: AT_BASE is where. */
	CHECK(getauxval(AT_BASE) != 0, "AT_BASE is 0: no interpreter was loaded");
	dl_iterate_phdr(count_object, &objects);
	CHECK(objects >= 2, "dl_iterate_phdr saw %d objects, wanted the program and libc", objects);
	/* Calls through the PLT into the shared libc. */
	qsort(v, 4, sizeof(v[0]), cmp_int);
	CHECK(v[0] == 1 && v[3] == 9, "qsort gave %d %d %d %d", v[0], v[1], v[2], v[3]);
	snprintf(buf, sizeof(buf), "%ld-%s", strtol("0x2a", NULL, 16), "x");
	CHECK(strcmp(buf, "42-x") == 0, "snprintf/strtol gave \"%s\"", buf);
	CHECK(getenv("PATH") == NULL || strlen(getenv("PATH")) > 0, "empty PATH");
	return check_finish("hello_dyn");
}
