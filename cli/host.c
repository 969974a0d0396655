/* SPDX-License-Identifier: MIT */
/* host.c: facts about the host: hardware virtualization, where husk lives, memory sizes. */

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* Looks for the word vmx or svm on a "flags" line of /proc/cpuinfo. */
static int cpu_has_vmx_or_svm(void)
{
	char *line = NULL;
	size_t cap = 0;
	int found = 0;
	FILE *f;

	f = fopen("/proc/cpuinfo", "re");
	if (!f)
		return 0;
	while (!found && getline(&line, &cap, f) > 0) {
		char *tok, *save;

		if (strncmp(line, "flags", 5) != 0)
			continue;
		for (tok = strtok_r(line, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save)) {
			if (strcmp(tok, "vmx") == 0 || strcmp(tok, "svm") == 0) {
				found = 1;
				break;
			}
		}
		/* Every CPU lists the same flags: the first flags line decides. */
		break;
	}
	free(line);
	fclose(f);
	return found;
}

int host_has_hw_virt(void)
{
	int fd;

	/*
	 * Both are needed: a /dev/kvm without VT-x/AMD-V (e.g. a software
	 * hypervisor module) emulates guest ring 0 far too slowly to be the
	 * default.
	 */
	if (!cpu_has_vmx_or_svm())
		return 0;
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

const char *host_self_dir(void)
{
	static char dir[PATH_MAX];
	ssize_t n;
	char *slash;

	if (dir[0])
		return dir;
	n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
	if (n <= 0)
		return NULL;
	dir[n] = '\0';
	slash = strrchr(dir, '/');
	if (!slash) {
		dir[0] = '\0';
		return NULL;
	}
	*slash = '\0';
	if (dir[0] == '\0')
		strcpy(dir, "/");
	return dir;
}

int parse_mem_mib(const char *s, unsigned long *mib)
{
	unsigned long long v;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	if (*end == 'G' || *end == 'g') {
		if (v > ULONG_MAX / 1024)
			return -EINVAL;
		v *= 1024;
		end++;
	} else if (*end == 'M' || *end == 'm') {
		end++;
	}
	/* Accept "64M", "64MiB", "64MB", "1G", "1GiB"; anything else is a typo. */
	if (strcmp(end, "iB") == 0 || strcmp(end, "B") == 0)
		end += strlen(end);
	if (*end != '\0' || v == 0 || v > ULONG_MAX)
		return -EINVAL;
	*mib = (unsigned long)v;
	return 0;
}
