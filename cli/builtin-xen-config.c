/* SPDX-License-Identifier: MIT */
/* builtin-xen-config.c: "husk xen-config": writes the xl domain configuration that runs a husk image on Xen. */

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "image.h"

static const struct option xen_config_longopts[] = {
	{ "memory", required_argument, NULL, 'm' },
	{ "kernel", required_argument, NULL, 'k' },
	{ "output", required_argument, NULL, 'o' },
	{ "name", required_argument, NULL, 'n' },
	{ "vif", required_argument, NULL, 'V' },
	{ "disk", required_argument, NULL, 'D' },
	{ "volume", required_argument, NULL, 'v' },
	{ "net", required_argument, NULL, 'N' },
	{ "ip", required_argument, NULL, 'I' },
	{ "gw", required_argument, NULL, 'G' },
	{ "dns", required_argument, NULL, 'S' },
	{ "verbose", no_argument, NULL, 'B' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *f)
{
	fputs("usage: husk xen-config [-m MEM] [-k KERNEL] [-o FILE] [--name NAME] [--verbose]\n"
	      "                        [-v IMAGE:/MNT[:ro]]... [--net bridge:NAME]\n"
	      "                        [--ip ADDR/PREFIX [--gw ADDR] [--dns ADDR]]\n"
	      "                        [--vif SPEC]... [--disk SPEC]... IMAGE\n"
	      "Writes the xl config of a Xen PVH domU that runs IMAGE (made by husk build):\n"
	      "kernel, ramdisk, memory and the image's command line.  -v, --net, --ip,\n"
	      "--gw and --dns are husk run's: each volume becomes a vbd (xvda, xvdb, ...)\n"
	      "mounted at MNT, --net bridge:NAME a vif on that dom0 bridge (DHCP unless\n"
	      "--ip).  --vif and --disk add raw xl specs (\"bridge=xenbr0\",\n"
	      "\"phy:/dev/vg/x,xvda,w\") that the kernel is not told about.  --verbose:\n"
	      "the kernel's messages on the console too (no \"quiet\").\n"
	      "Then: xl create -c FILE\n", f);
}

int cmd_xen_config(int argc, char **argv)
{
	struct xl_domain d = { .mem_mib = 64 };
	struct vm_args args = { 0 };
	struct vm_devices dev = { 0 };
	const char *kernel_opt = NULL, *out = NULL;
	char *kernel = NULL, *cmdline = NULL, *name = NULL;
	char kernel_abs[PATH_MAX], image_abs[PATH_MAX];
	int c, err, verbose = 0, status = HUSK_STATUS_HOST;
	FILE *f = stdout;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+m:k:o:v:h", xen_config_longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (parse_mem_mib(optarg, &d.mem_mib)) {
				husk_err("-m %s: expected a size like 64M, 1G or 512 (MiB)", optarg);
				goto out;
			}
			break;
		case 'k': kernel_opt = optarg; break;
		case 'o': out = optarg; break;
		case 'n': d.name = optarg; break;
		case 'V':
		case 'D':
			if (strvec_push(c == 'V' ? &d.vifs : &d.disks, optarg))
				goto out;
			break;
		case 'B':
			verbose = 1;
			break;
		case 'v':
			if (vmopt_volume(&dev, optarg))
				goto out;
			break;
		case 'N':
			if (vmopt_net(&dev, optarg))
				goto out;
			break;
		case 'I':
			if (vmopt_ip(&dev, optarg))
				goto out;
			break;
		case 'G':
			if (vmopt_gw(&dev, optarg))
				goto out;
			break;
		case 'S':
			if (vmopt_dns(&dev, optarg))
				goto out;
			break;
		case 'h':
			usage(stdout);
			status = 0;
			goto out;
		default:
			usage(stderr);
			goto out;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		goto out;
	}
	if (vmopt_finish(&dev) || vmopt_backend(&dev, "xen"))
		goto out;
	err = cli_find_kernel(kernel_opt, &kernel);
	if (err)
		goto out;
	if (!image_is_cpio(argv[optind])) {
		husk_err("%s: not an image made by husk build", argv[optind]);
		goto out;
	}
	if (image_load_args(argv[optind], &args))
		goto out;
	args.quiet = !verbose;
	err = vmopt_kernel_args(&dev, backend_xen.disk_prefix, &args.options);
	err = err ?: xl_domain_add_devices(&d, &dev);
	if (err) {
		husk_err("%s", strerror(-err));
		goto out;
	}
	err = cmdline_format(&args, &cmdline);
	if (err) {
		husk_err("the command line does not fit the kernel's (4 KiB)");
		goto out;
	}
	if (!realpath(kernel, kernel_abs) || !realpath(argv[optind], image_abs)) {
		husk_err("%s: %s", argv[optind], strerror(errno));
		goto out;
	}
	if (!d.name) {
		/* The image's file name, without its extension. */
		const char *base = strrchr(image_abs, '/') + 1;
		name = strndup(base, strcspn(base, "."));
		d.name = name && *name ? name : "husk";
	}
	d.kernel = kernel_abs;
	d.ramdisk = image_abs;
	d.cmdline = cmdline;
	if (out && !(f = fopen(out, "w"))) {
		husk_err("%s: %s", out, strerror(errno));
		goto out;
	}
	if (xl_config_write(f, &d) == 0 && (f == stdout ? fflush(f) : fclose(f)) == 0)
		status = 0;
	else
		husk_err("%s: write error", out ? out : "stdout");
out:
	free(name);
	free(cmdline);
	free(kernel);
	vm_args_free(&args);
	vm_devices_free(&dev);
	strvec_free(&d.vifs);
	strvec_free(&d.disks);
	return status;
}
