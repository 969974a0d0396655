/* SPDX-License-Identifier: MIT */
/* builtin-disk.c: "husk disk": makes an ext4 volume image from a directory with e2fsprogs' mke2fs -d. */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

static const struct option disk_longopts[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "size", required_argument, NULL, 's' },
	{ "type", required_argument, NULL, 't' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* mke2fs wants its size as a block count or with a unit: "64M", "1G", or plain bytes. */
static int run_mke2fs(const char *type, const char *dir, const char *output, const char *size)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		/* -F: a regular file, not a device; -q: errors only; -d: the tree, with its owners and modes. */
		execlp("mke2fs", "mke2fs", "-q", "-F", "-t", type, "-d", dir, output, size, (char *)NULL);
		execl("/sbin/mke2fs", "mke2fs", "-q", "-F", "-t", type, "-d", dir, output, size, (char *)NULL);
		fprintf(stderr, "husk: mke2fs: %s (install e2fsprogs)\n", strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -EIO;
	return 0;
}

/*
 * Without --size the image holds the tree with room to spare: twice what
 * du reports, plus 16 MiB for the journal and metadata.
 */
static int default_size(const char *dir, char *buf, size_t n)
{
	char *cmd = NULL;
	unsigned long long kib = 0;
	FILE *p;

	if (asprintf(&cmd, "du -sk --apparent-size -- '%s'", dir) < 0)
		return -ENOMEM;
	p = strchr(dir, '\'') ? NULL : popen(cmd, "r");
	free(cmd);
	if (!p || fscanf(p, "%llu", &kib) != 1) {
		if (p)
			pclose(p);
		return -EINVAL;
	}
	pclose(p);
	snprintf(buf, n, "%lluk", kib * 2 + 16384);
	return 0;
}

int cmd_disk(int argc, char **argv)
{
	const char *output = NULL, *size = NULL, *type = "ext4";
	char sizebuf[32];
	struct stat st;
	int c, err;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+o:s:t:h", disk_longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			output = optarg;
			break;
		case 's':
			size = optarg;
			break;
		case 't':
			if (strcmp(optarg, "ext2") && strcmp(optarg, "ext3") && strcmp(optarg, "ext4")) {
				husk_err("disk: --type %s: expected ext2, ext3 or ext4", optarg);
				return HUSK_STATUS_HOST;
			}
			type = optarg;
			break;
		case 'h':
			cmd_help(0, NULL);
			return 0;
		default:
			return HUSK_STATUS_HOST;
		}
	}
	if (optind != argc - 1 || !output) {
		husk_err("disk: usage: husk disk -o IMAGE [--size SIZE] [--type ext2|ext3|ext4] DIR");
		return HUSK_STATUS_HOST;
	}
	if (stat(argv[optind], &st) < 0 || !S_ISDIR(st.st_mode)) {
		husk_err("disk: %s: not a directory", argv[optind]);
		return HUSK_STATUS_HOST;
	}
	if (!size) {
		err = default_size(argv[optind], sizebuf, sizeof(sizebuf));
		if (err) {
			husk_err("disk: cannot measure %s; give --size", argv[optind]);
			return HUSK_STATUS_HOST;
		}
		size = sizebuf;
	}
	err = run_mke2fs(type, argv[optind], output, size);
	if (err) {
		husk_err("disk: mke2fs could not make %s from %s", output, argv[optind]);
		unlink(output);
		return HUSK_STATUS_HOST;
	}
	return 0;
}
