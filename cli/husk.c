/* SPDX-License-Identifier: MIT */
/* husk.c: the husk command's entry point, its table of subcommands, usage, and helpers the subcommands share. */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

struct subcommand {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct subcommand subcommands[] = {
	{ "run", cmd_run, "boot a program or an image as its own VM" },
	{ "build", cmd_build, "pack a program and its files into an image" },
	{ "disk", cmd_disk, "make an ext4 volume image from a directory (mke2fs -d)" },
	{ "xen-config", cmd_xen_config, "write the xl config that runs an image on Xen" },
	{ "help", cmd_help, "show this help" },
};

#define NR_SUBCOMMANDS (sizeof(subcommands) / sizeof(subcommands[0]))

void husk_err(const char *fmt, ...)
{
	va_list ap;

	fputs("husk: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_env_arg(const char *arg, char **assignment)
{
	const char *eq = strchr(arg, '=');

	if (eq == arg || *arg == '\0') {
		husk_err("-e %s: expected VAR=VALUE or VAR", arg);
		return -EINVAL;
	}
	if (eq) {
		*assignment = strdup(arg);
	} else {
		/* -e VAR passes the host's value along, as docker run -e does. */
		const char *val = getenv(arg);

		if (!val) {
			husk_err("-e %s: not set in husk's environment", arg);
			return -EINVAL;
		}
		if (asprintf(assignment, "%s=%s", arg, val) < 0)
			*assignment = NULL;
	}
	return *assignment ? 0 : -ENOMEM;
}

int cli_find_program(const char *name, char **path)
{
	const char *p = getenv("PATH");
	struct stat st;

	/* A path, or a file in the current directory, is taken as is; other bare names come from $PATH. */
	if (strchr(name, '/') || stat(name, &st) == 0 || !p) {
		*path = strdup(name);
		return *path ? 0 : -ENOMEM;
	}
	while (*p) {
		size_t len = strcspn(p, ":");
		char *cand;

		if (asprintf(&cand, "%.*s/%s", (int)len, len ? p : ".", name) < 0)
			return -ENOMEM;
		if (stat(cand, &st) == 0 && S_ISREG(st.st_mode)) {
			*path = cand;
			return 0;
		}
		free(cand);
		p += len;
		if (*p == ':')
			p++;
	}
	*path = strdup(name);
	return *path ? 0 : -ENOMEM;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: husk COMMAND [OPTIONS] ...\n"
		"\n"
		"Runs one unmodified Linux x86-64 program as its own small VM.\n"
		"\n"
		"Commands:\n");
	for (size_t i = 0; i < NR_SUBCOMMANDS; i++)
		fprintf(f, "  %-10s %s\n", subcommands[i].name, subcommands[i].summary);
	fprintf(f,
		"\n"
		"  husk run [-m MEM] [--backend vmm|qemu|xen] [-e VAR=VAL]... [--files DIR]\n"
		"           [--kernel FILE] [--no-libs] [--verbose]\n"
		"           [--net tap:NAME|bridge:NAME|user|none] [-p HOST:GUEST[/udp]]...\n"
		"           [--ip ADDR/PREFIX [--gw ADDR] [--dns ADDR]]\n"
		"           [-v IMAGE:/MOUNTPOINT[:ro]]... PROGRAM|IMAGE [ARGS...]\n"
		"  husk build -o IMAGE [-e VAR=VAL]... [--files DIR] [--no-libs] [--verbose]\n"
		"           PROGRAM [ARGS...]\n"
		"  husk disk -o IMAGE [-s SIZE] [-t ext2|ext3|ext4] DIR\n"
		"  husk xen-config [-m MEM] [-k KERNEL] [-o FILE] [--name NAME] [--verbose]\n"
		"           [--net bridge:NAME] [--ip ADDR/PREFIX [--gw ADDR] [--dns ADDR]]\n"
		"           [-v IMAGE:/MOUNTPOINT[:ro]]... [--vif SPEC]... [--disk SPEC]... IMAGE\n"
		"\n"
		"Options:\n"
		"  -m, --memory MEM      guest memory: 64M (default), 1G, or plain MiB\n"
		"  -b, --backend NAME    vmm (husk-vmm, needs VT-x/AMD-V), qemu, or xen (xl,\n"
		"                        in a Xen dom0); default: vmm with hardware\n"
		"                        virtualization, else qemu\n"
		"  -e, --env VAR=VAL     set an environment variable (VAR alone: husk's value)\n"
		"  -f, --files DIR       add DIR's tree at the guest's root (DIR/etc/x -> /etc/x)\n"
		"  -k, --kernel FILE     guest kernel (default: $HUSK_KERNEL, else\n"
		"                        <husk's dir>/../kernel/husk.elf)\n"
		"  -o, --output IMAGE    (build, disk) where to write the image\n"
		"  -s, --size SIZE       (disk) image size as mke2fs takes it (64M, 1G);\n"
		"                        default: twice the tree plus 16 MiB\n"
		"  -t, --type TYPE       (disk) ext4 (default), ext3 or ext2\n"
		"      --no-libs         pack the program alone, without its ELF interpreter\n"
		"                        and shared libraries\n"
		"      --verbose         list the libraries packed; show the kernel's messages\n"
		"                        and the VM command line\n"
		"      --net tap:NAME    (run) a NIC on the host tap device NAME (needs\n"
		"                        CAP_NET_ADMIN, or a tap you own)\n"
		"      --net bridge:NAME (run --backend xen, xen-config) a vif on the dom0\n"
		"                        bridge NAME\n"
		"      --net user        (run) a NIC with user-mode networking (no privilege)\n"
		"      --net none        (run) loopback only: the default without -p\n"
		"  -p, --publish H:G[/udp]  (run) forward host port H to the guest's port G\n"
		"                        (TCP unless /udp; implies --net user; repeatable)\n"
		"      --ip ADDR/PREFIX  (run) static address instead of DHCP, with --gw ADDR\n"
		"                        and --dns ADDR\n"
		"  -v, --volume IMAGE:/MOUNTPOINT[:ro]  (run, xen-config) a disk image mounted\n"
		"                        in the guest (virtio-blk vda, vdb, ..., on Xen the\n"
		"                        vbds xvda, xvdb, ...; in order; repeatable)\n"
		"\n"
		"husk run exits with the program's status; 70: guest crash, 125: host-side\n"
		"failure, 126: not an x86-64 ELF, 127: program not found in the guest,\n"
		"128+n: killed by signal n.\n");
}

int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	usage(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return HUSK_STATUS_HOST;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return cmd_help(argc - 1, argv + 1);
	for (size_t i = 0; i < NR_SUBCOMMANDS; i++) {
		if (strcmp(argv[1], subcommands[i].name) == 0) {
			int status = subcommands[i].fn(argc - 1, argv + 1);

			fflush(stdout);
			return status;
		}
	}
	husk_err("unknown command '%s' (try husk help)", argv[1]);
	return HUSK_STATUS_HOST;
}
