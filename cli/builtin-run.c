/* SPDX-License-Identifier: MIT */
/* builtin-run.c: "husk run": packs a program (or takes a built image), picks a backend and boots the VM. */

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "image.h"

#define DEFAULT_MEM_MIB 64

/*
 * What a VM needs at least, besides the kernel image and the initrd (both
 * loaded whole into its memory): the first MiB, which the kernel never uses
 * (firmware and boot data live there), and a floor for the kernel's own
 * structures and the program (page tables, stacks, heap, the first pages
 * the program touches), with room for where the backend places the initrd.
 * Measured: hello runs in 2 MiB and lua5.4 (a 3.7 MiB image) in 7 MiB,
 * both just above this minimum.
 */
#define MEM_LOW_BYTES   (1UL << 20)
#define MEM_FLOOR_BYTES (3UL << 19)    /* 1.5 MiB */

struct run_opts {
	unsigned long mem_mib;
	const char *backend;
	const char *files_dir;
	const char *kernel;
	int verbose;
	int no_libs;            /* --no-libs */
	struct strvec env;      /* VAR=VAL */
	struct vm_devices dev;  /* --net, -p, -v, --ip, --gw, --dns */
};

static const struct option run_longopts[] = {
	{ "memory", required_argument, NULL, 'm' },
	{ "backend", required_argument, NULL, 'b' },
	{ "env", required_argument, NULL, 'e' },
	{ "files", required_argument, NULL, 'f' },
	{ "kernel", required_argument, NULL, 'k' },
	{ "verbose", no_argument, NULL, 'V' },
	{ "no-libs", no_argument, NULL, 'L' },
	{ "net", required_argument, NULL, 'N' },
	{ "publish", required_argument, NULL, 'p' },
	{ "volume", required_argument, NULL, 'v' },
	{ "ip", required_argument, NULL, 'I' },
	{ "gw", required_argument, NULL, 'G' },
	{ "dns", required_argument, NULL, 'D' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Parses options up to PROGRAM ("+": what follows belongs to the program).  Returns optind or -1. */
static int parse_run_opts(int argc, char **argv, struct run_opts *o)
{
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+m:b:e:f:k:p:v:h", run_longopts, NULL)) != -1) {
		char *assignment;

		switch (c) {
		case 'm':
			if (parse_mem_mib(optarg, &o->mem_mib)) {
				husk_err("-m %s: expected a size like 64M, 1G or 512 (MiB)", optarg);
				return -1;
			}
			break;
		case 'b':
			if (strcmp(optarg, "vmm") && strcmp(optarg, "qemu") && strcmp(optarg, "xen")) {
				husk_err("--backend %s: expected vmm, qemu or xen", optarg);
				return -1;
			}
			o->backend = optarg;
			break;
		case 'e':
			if (cli_env_arg(optarg, &assignment))
				return -1;
			if (strvec_push(&o->env, assignment)) {
				free(assignment);
				return -1;
			}
			free(assignment);
			break;
		case 'f':
			o->files_dir = optarg;
			break;
		case 'k':
			o->kernel = optarg;
			break;
		case 'V':
			o->verbose = 1;
			break;
		case 'N':
			if (vmopt_net(&o->dev, optarg))
				return -1;
			break;
		case 'p':
			if (vmopt_publish(&o->dev, optarg))
				return -1;
			break;
		case 'v':
			if (vmopt_volume(&o->dev, optarg))
				return -1;
			break;
		case 'I':
			if (vmopt_ip(&o->dev, optarg))
				return -1;
			break;
		case 'G':
			if (vmopt_gw(&o->dev, optarg))
				return -1;
			break;
		case 'D':
			if (vmopt_dns(&o->dev, optarg))
				return -1;
			break;
		case 'L':
			o->no_libs = 1;
			break;
		case 'h':
			cmd_help(0, NULL);
			exit(0);
		default:
			return -1;
		}
	}
	if (vmopt_finish(&o->dev))
		return -1;
	if (optind >= argc) {
		husk_err("run: missing PROGRAM (usage: husk run [OPTIONS] PROGRAM|IMAGE [ARGS...])");
		return -1;
	}
	return optind;
}

int cli_find_kernel(const char *opt, char **path)
{
	const char *env = getenv("HUSK_KERNEL");
	const char *dir;
	struct stat st;
	int err = 0;

	if (opt)
		*path = strdup(opt);
	else if (env && *env)
		*path = strdup(env);
	else if ((dir = host_self_dir()) != NULL) {
		if (asprintf(path, "%s/../kernel/husk.elf", dir) < 0)
			*path = NULL;
	} else {
		husk_err("cannot find the guest kernel: use --kernel or $HUSK_KERNEL");
		return -ENOENT;
	}
	if (!*path)
		return -ENOMEM;
	if (stat(*path, &st) < 0)
		err = -errno;
	else if (!S_ISREG(st.st_mode))
		err = -EINVAL;
	if (err) {
		husk_err("guest kernel %s: %s (build it with make, or use --kernel)", *path,
			 err == -EINVAL ? "not a regular file" : strerror(-err));
		free(*path);
		*path = NULL;
		return err;
	}
	return 0;
}

/* The highest physical address the kernel ELF loads to (it runs from the bottom of RAM). */
static int kernel_load_end(const char *kernel, uint64_t *end)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	int fd, err = 0;

	*end = 0;
	fd = open(kernel, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) || eh.e_phentsize != sizeof(ph)) {
		err = -ENOEXEC;
		goto out;
	}
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + (uint64_t)i * sizeof(ph))) != (ssize_t)sizeof(ph)) {
			err = -ENOEXEC;
			goto out;
		}
		if (ph.p_type == PT_LOAD && ph.p_paddr + ph.p_memsz > *end)
			*end = ph.p_paddr + ph.p_memsz;
	}
out:
	close(fd);
	return err;
}

/*
 * Refuses a memory size the VM cannot start in: the kernel image, the
 * initrd and MEM_FLOOR_BYTES above the first MiB.  (With less, the backend
 * either refuses the initrd or loads it over the kernel, and the VM hangs.)
 */
static int check_memory(const char *kernel, const char *initrd, unsigned long mem_mib)
{
	uint64_t kend, need;
	struct stat st;

	if (kernel_load_end(kernel, &kend) < 0 || stat(initrd, &st) < 0)
		return 0;   /* the backend reports a bad kernel or image itself */
	need = (kend > MEM_LOW_BYTES ? kend : MEM_LOW_BYTES) + (uint64_t)st.st_size + MEM_FLOOR_BYTES;
	need = (need + (1UL << 20) - 1) >> 20;
	if (mem_mib >= need)
		return 0;
	husk_err("-m %luM is too small for this image: it needs at least %luM (the kernel, the %.2f MiB image "
		 "and a floor for the program)", mem_mib, (unsigned long)need, st.st_size / 1048576.0);
	return -EINVAL;
}

static const struct backend *pick_backend(const char *name)
{
	if (!name)
		name = host_has_hw_virt() ? "vmm" : "qemu";
	if (strcmp(name, "xen") == 0)
		return &backend_xen;
	return strcmp(name, "vmm") == 0 ? &backend_vmm : &backend_qemu;
}

/* Builds the VM's arguments from a husk image: stored command line, then -e, then ARGS. */
static int args_from_image(const char *image, struct run_opts *o, int nargs, char **extra,
			   struct vm_args *args)
{
	int err;

	if (o->files_dir || o->no_libs) {
		husk_err("%s cannot be changed in an image at run time; pass it to husk build",
			 o->files_dir ? "--files" : "--no-libs");
		return -EINVAL;
	}
	err = image_load_args(image, args);
	if (err)
		return err;
	for (size_t i = 0; i < o->env.n; i++) {
		err = image_set_env(args, o->env.v[i]);
		if (err)
			return err;
	}
	if (nargs > 0) {
		/* ARGS replace the stored arguments; argv[0] (the program) stays. */
		while (args->argv.n > 1)
			free(args->argv.v[--args->argv.n]);
		args->argv.v[1] = NULL;
		for (int i = 0; i < nargs; i++) {
			err = strvec_push(&args->argv, extra[i]);
			if (err)
				return err;
		}
	}
	return 0;
}

/* Packs the program into a temp initrd; *initrd gets its path. */
static int args_from_program(const char *program, struct run_opts *o, int nargs, char **extra,
			     struct vm_args *args, char **initrd)
{
	struct pack_spec spec = { .program = program, .files_dir = o->files_dir,
				  .no_libs = o->no_libs, .verbose = o->verbose };
	char *guest = NULL;
	int fd, err;

	err = image_check_program(program);
	if (err)
		return err;
	err = image_guest_path(program, &guest);
	err = err ?: strvec_push(&args->argv, guest);
	free(guest);
	for (int i = 0; !err && i < nargs; i++)
		err = strvec_push(&args->argv, extra[i]);
	for (size_t i = 0; !err && i < o->env.n; i++)
		err = image_set_env(args, o->env.v[i]);
	if (err)
		return err;
	spec.ld_library_path = image_get_env(args, "LD_LIBRARY_PATH");
	fd = proc_mktemp("initrd", initrd);
	if (fd < 0)
		return fd;
	err = image_pack(&spec, fd);
	if (err == -ENOSPC || err == -EIO || err == -EDQUOT)
		husk_err("writing the initrd %s: %s", *initrd, strerror(-err));
	close(fd);
	return err;
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o = { .mem_mib = DEFAULT_MEM_MIB };
	struct vm_args args = { 0 };
	struct vm_config cfg = { 0 };
	const struct backend *be;
	char *kernel = NULL, *program = NULL, *initrd = NULL, *cmdline = NULL;
	int first, err, status = HUSK_STATUS_HOST;

	first = parse_run_opts(argc, argv, &o);
	if (first < 0)
		goto out;
	err = cli_find_kernel(o.kernel, &kernel);
	if (err)
		goto out;
	err = cli_find_program(argv[first], &program);
	if (err)
		goto err_report;
	if (image_is_cpio(program)) {
		err = args_from_image(program, &o, argc - first - 1, argv + first + 1, &args);
		cfg.initrd = program;
	} else {
		err = args_from_program(program, &o, argc - first - 1, argv + first + 1, &args,
					&initrd);
		cfg.initrd = initrd;
	}
	if (err)
		goto err_report;
	if (check_memory(kernel, cfg.initrd, o.mem_mib))
		goto out;
	args.quiet = !o.verbose;
	be = pick_backend(o.backend);
	if (vmopt_backend(&o.dev, be->name))
		goto out;
	/*
	 * The console carries the program's stdout, its stderr and the
	 * kernel's messages multiplexed, and stdin with its end (cli/stdio.c):
	 * over COM1 and a virtio console on QEMU and husk-vmm, over the PV
	 * console (through xl console) on Xen.
	 */
	cfg.stdio_mux = 1;
	err = cfg.stdio_mux ? strvec_push(&args.options, "husk.mux") : 0;
	/* As `docker run` without -t: no terminal inside unless husk's stdin is one. */
	if (!err && cfg.stdio_mux && !isatty(STDIN_FILENO)) {
		err = strvec_push(&args.options, "husk.notty");
	} else if (!err && cfg.stdio_mux) {
		struct winsize ws;

		/* The host terminal's size, for TIOCGWINSZ (changes later are not passed on). */
		if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col)
			err = strvec_pushf(&args.options, "husk.winsize=%ux%u", ws.ws_row, ws.ws_col);
	}
	err = err ?: vmopt_kernel_args(&o.dev, be->disk_prefix, &args.options);
	/* For tests and debugging: HUSK_KERNEL_OPTS adds kernel options (e.g. "smap"), split at spaces. */
	if (!err && getenv("HUSK_KERNEL_OPTS")) {
		char *copy = strdup(getenv("HUSK_KERNEL_OPTS")), *save = NULL;

		err = copy ? 0 : -ENOMEM;
		for (char *w = copy ? strtok_r(copy, " ", &save) : NULL; !err && w; w = strtok_r(NULL, " ", &save))
			err = strvec_push(&args.options, w);
		free(copy);
	}
	if (err)
		goto err_report;
	err = cmdline_format(&args, &cmdline);
	/* Either backend puts a virtio_mmio.device= option (under 48 bytes) in front per device. */
	if (!err && strlen(cmdline) + 48 * (o.dev.nvol + (o.dev.net != VM_NET_NONE)) >= CMDLINE_MAX)
		err = -E2BIG;
	if (err == -E2BIG) {
		husk_err("the command line is too long for the kernel (4 KiB)");
		goto out;
	}
	if (err)
		goto err_report;
	cfg.kernel = kernel;
	cfg.cmdline = cmdline;
	cfg.mem_mib = o.mem_mib;
	cfg.verbose = o.verbose;
	cfg.dev = &o.dev;
	status = be->run(&cfg);
	goto out;

err_report:
	/* Errors that name a file have been reported where they happened. */
	if (err == -ENOMEM)
		husk_err("out of memory");
out:
	proc_cleanup();
	free(cmdline);
	free(initrd);
	free(program);
	free(kernel);
	vm_args_free(&args);
	strvec_free(&o.env);
	vm_devices_free(&o.dev);
	return status;
}
