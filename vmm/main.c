/* SPDX-License-Identifier: MIT */
/* main.c: husk-vmm's options and top level: load the kernel and initrd, build the PVH handover, run. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <husk/abi.h>
#include "virtio.h"
#include "vmm.h"

#define MEM_DEFAULT (64ULL << 20)
#define DISKS_MAX   (VIRTIO_MMIO_MAX - 1)

static void usage(FILE *f)
{
	fprintf(f,
		"usage: husk-vmm [-m MEM] [-i INITRD] [-a CMDLINE] [--entry=pvh|64] [-v]\n"
		"                [--net tap:NAME|user] [--fwd HOST:GUEST[/udp]]... [--guest-ip ADDR]\n"
		"                [--disk FILE]... [--disk-ro FILE]... [--console-fd FD] KERNEL.elf\n"
		"  -m MEM      guest RAM: 64M, 1G, or a plain number of MiB (default 64M,\n"
		"              at least 16M, at most 3G)\n"
		"  -i INITRD   module 0, placed page-aligned at the top of RAM\n"
		"  -a CMDLINE  the kernel command line\n"
		"  --entry=E   pvh: the 32-bit PVH entry; 64: the Husk 64-bit entry\n"
		"              (default: pvh when the kernel has it, else 64)\n"
		"  -v          debug messages and a description of KVM on stderr\n"
		"  --net tap:NAME  virtio-net over the host tap device NAME\n"
		"  --net user  virtio-net over libslirp (user-mode networking, no privilege)\n"
		"  --fwd HOST:GUEST[/udp]  user networking: forward host port HOST to\n"
		"              the guest's port GUEST (TCP unless /udp; implies --net user)\n"
		"  --guest-ip ADDR  user networking: the guest address forwards go to\n"
		"              (default 10.0.2.15, the first DHCP lease)\n"
		"  --disk FILE, --disk-ro FILE  virtio-blk over FILE (vda, vdb, ... in order)\n"
		"  --console-fd FD  virtio-console over the open descriptor FD (husk's stdio relay)\n"
		"Each device adds virtio_mmio.device=SIZE@BASE:GSI to the command line.\n"
		"Exit status: the guest's, %d if the guest crashed, %d on a host error.\n",
		HUSK_STATUS_CRASH, HUSK_STATUS_HOST);
}

/* "64M", "1G", "512" (MiB).  Returns 0 or -EINVAL. */
static int parse_mem(const char *s, uint64_t *bytes)
{
	unsigned long long n;
	char *end;
	unsigned shift = 20;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	if (*end == 'M' || *end == 'm')
		end++;
	else if (*end == 'G' || *end == 'g') {
		shift = 30;
		end++;
	}
	if (*end != '\0' || n > (~0ULL >> shift))
		return -EINVAL;
	*bytes = (uint64_t)n << shift;
	return 0;
}

/* "8080:80", "53:53/udp", "1:2/tcp".  Returns 0 or -EINVAL. */
static int parse_fwd(const char *s, struct vmm_fwd *f)
{
	unsigned long h, g;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	h = strtoul(s, &end, 10);
	if (*end != ':' || end[1] < '0' || end[1] > '9')
		return -EINVAL;
	g = strtoul(end + 1, &end, 10);
	f->udp = 0;
	if (!strcmp(end, "/udp"))
		f->udp = 1;
	else if (*end && strcmp(end, "/tcp"))
		return -EINVAL;
	if (h == 0 || h > 65535 || g == 0 || g > 65535)
		return -EINVAL;
	f->host_port = h;
	f->guest_port = g;
	return 0;
}

/* Map a whole file read-only.  Returns 0 or -errno; an empty file maps to (NULL, 0). */
static int map_file(const char *path, const uint8_t **data, size_t *size)
{
	struct stat st;
	void *p;
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = -EINVAL;
		goto out;
	}
	*data = NULL;
	*size = st.st_size;
	if (st.st_size == 0)
		goto out;
	p = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED) {
		ret = -errno;
		goto out;
	}
	*data = p;
out:
	close(fd);
	return ret;
}

/*
 * Put the initrd page-aligned at the top of RAM, above the kernel.
 * Returns 0, -E2BIG when it does not fit, or -errno from reading it.
 */
static int load_initrd(const char *path, const struct vmm_mem *mem, uint64_t kernel_end,
		       uint64_t *gpa, uint64_t *size)
{
	const uint8_t *data;
	size_t len;
	uint64_t at;
	int ret;

	ret = map_file(path, &data, &len);
	if (ret)
		return ret;
	kernel_end = (kernel_end + VMM_PAGE_SIZE - 1) & ~(VMM_PAGE_SIZE - 1);
	if (len > mem->size - kernel_end) {
		ret = -E2BIG;
		goto out;
	}
	at = (mem->size - len) & ~(VMM_PAGE_SIZE - 1);
	memcpy(mem->base + at, data, len);
	*gpa = at;
	*size = len;
out:
	if (len)
		munmap((void *)data, len);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "entry", required_argument, NULL, 'e' },
		{ "net", required_argument, NULL, 'N' },
		{ "fwd", required_argument, NULL, 'F' },
		{ "guest-ip", required_argument, NULL, 'G' },
		{ "disk", required_argument, NULL, 'D' },
		{ "disk-ro", required_argument, NULL, 'R' },
		{ "console-fd", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t mem_size = MEM_DEFAULT, initrd_gpa = 0, initrd_size = 0, rip;
	const char *initrd = NULL, *kernel_path, *why = NULL;
	const char *disks[DISKS_MAX];
	int disk_ro[DISKS_MAX];
	unsigned ndisks = 0;
	struct vmm_net_opts net = { 0 };
	int have_net = 0, console_fd = -1;
	char *cmdline = strdup(""), *devs = NULL;
	enum vmm_entry entry = VMM_ENTRY_AUTO;
	struct vmm_kernel kernel;
	struct vmm_kvm *kvm;
	struct vmm_mem mem;
	const uint8_t *image;
	size_t image_size;
	int c, ret;

	while ((c = getopt_long(argc, argv, "m:i:a:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (parse_mem(optarg, &mem_size))
				vmm_die("-m %s: not a memory size (like 64M, 1G, or MiB)", optarg);
			break;
		case 'i':
			initrd = optarg;
			break;
		case 'a':
			free(cmdline);
			cmdline = strdup(optarg);
			break;
		case 'N':
			if (!strncmp(optarg, "tap:", 4) && optarg[4]) {
				net.tap = optarg + 4;
			} else if (!strcmp(optarg, "user")) {
				net.tap = NULL;
			} else {
				vmm_die("--net %s: expected tap:NAME or user", optarg);
			}
			have_net = 1;
			break;
		case 'F':
			if (net.nfwd == sizeof(net.fwd) / sizeof(net.fwd[0]))
				vmm_die("--fwd: at most %zu forwards", sizeof(net.fwd) / sizeof(net.fwd[0]));
			if (parse_fwd(optarg, &net.fwd[net.nfwd]))
				vmm_die("--fwd %s: expected HOSTPORT:GUESTPORT[/udp], ports 1..65535",
					optarg);
			net.nfwd++;
			have_net = 1;
			break;
		case 'G':
			net.guest_ip = optarg;
			break;
		case 'C': {
			char *end;
			long v = strtol(optarg, &end, 10);

			if (*optarg == '\0' || *end || v < 3 || v > 1023 || fcntl((int)v, F_GETFD) < 0)
				vmm_die("--console-fd %s: expected an open descriptor number above 2", optarg);
			console_fd = (int)v;
			break;
		}
		case 'D':
		case 'R':
			if (ndisks == DISKS_MAX)
				vmm_die("--disk: at most %d disks", DISKS_MAX);
			disk_ro[ndisks] = c == 'R';
			disks[ndisks++] = optarg;
			break;
		case 'e':
			if (!strcmp(optarg, "pvh"))
				entry = VMM_ENTRY_PVH;
			else if (!strcmp(optarg, "64"))
				entry = VMM_ENTRY_64;
			else
				vmm_die("--entry=%s: expected pvh or 64", optarg);
			break;
		case 'v':
			vmm_verbose = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return HUSK_STATUS_HOST;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return HUSK_STATUS_HOST;
	}
	kernel_path = argv[optind];
	if (!cmdline)
		vmm_die("out of memory");
	if (net.tap && net.nfwd)
		vmm_die("--fwd forwards host ports into user networking; it does not work with --net tap:");
	if (mem_size < VMM_MEM_MIN)
		vmm_die("-m: %lluM is too small, the minimum is %lluM",
			(unsigned long long)(mem_size >> 20), VMM_MEM_MIN >> 20);
	if (mem_size > VMM_MEM_MAX)
		vmm_die("-m: %lluM is too big, the maximum is %lluM",
			(unsigned long long)(mem_size >> 20), VMM_MEM_MAX >> 20);
	mem_size &= ~(VMM_PAGE_SIZE - 1);

	ret = map_file(kernel_path, &image, &image_size);
	if (ret)
		vmm_die("%s: %s", kernel_path, strerror(-ret));
	/* Check the image before touching KVM, so a bad file is reported as such everywhere. */
	if (vmm_elf_load(image, image_size, NULL, &kernel, &why))
		vmm_die("%s: not a valid x86-64 kernel ELF: %s", kernel_path, why);
	if (kernel.end > mem_size)
		vmm_die("%s: kernel needs %lluM of RAM, -m gives %lluM", kernel_path,
			(unsigned long long)((kernel.end + (1 << 20) - 1) >> 20),
			(unsigned long long)(mem_size >> 20));

	/*
	 * Entry choice.  The default is PVH's 32-bit entry: it is the standard
	 * every other host of this kernel uses (QEMU, Firecracker, Xen), so
	 * husk-vmm exercises the same path, and it is measured to work both on
	 * hardware-style KVM and on this project's kvm_pvm hosts (the fixture
	 * tests/fixtures/pvh-tiny.S boots either way).  --entry=64 starts the
	 * Husk 64-bit entry in long mode set up here, for hosts where 32-bit
	 * protected mode cannot run; a kernel with only that note gets it.
	 */
	if (entry == VMM_ENTRY_AUTO)
		entry = kernel.has_entry32 ? VMM_ENTRY_PVH : VMM_ENTRY_64;
	if (entry == VMM_ENTRY_64 && !kernel.has_entry64)
		vmm_die("%s: --entry=64 but the kernel has no Husk 64-bit entry note", kernel_path);
	if (entry == VMM_ENTRY_PVH && !kernel.has_entry32)
		vmm_die("%s: --entry=pvh but the kernel has no PVH entry note", kernel_path);
	rip = entry == VMM_ENTRY_64 ? kernel.entry64 : kernel.entry32;

	ret = vmm_kvm_create(mem_size, &kvm, &mem);
	if (ret)
		return HUSK_STATUS_HOST;
	if (vmm_elf_load(image, image_size, &mem, &kernel, &why))
		vmm_die("%s: not a valid x86-64 kernel ELF: %s", kernel_path, why);
	munmap((void *)image, image_size);

	if (initrd) {
		ret = load_initrd(initrd, &mem, kernel.end, &initrd_gpa, &initrd_size);
		if (ret == -E2BIG)
			vmm_die("%s: does not fit in guest RAM above the kernel (try a larger -m)",
				initrd);
		if (ret)
			vmm_die("%s: %s", initrd, strerror(-ret));
	}
	/* Devices before the handover: each adds its virtio_mmio.device= to the command line. */
	for (unsigned i = 0; i < ndisks; i++)
		if (virtio_blk_create(disks[i], disk_ro[i], &mem, &devs))
			return HUSK_STATUS_HOST;
	if (have_net && virtio_net_create(&net, &mem, &devs))
		return HUSK_STATUS_HOST;
	if (console_fd >= 0) {
		fcntl(console_fd, F_SETFL, fcntl(console_fd, F_GETFL) | O_NONBLOCK);
		fcntl(console_fd, F_SETFD, FD_CLOEXEC);
		if (virtio_console_create(console_fd, &mem, &devs))
			return HUSK_STATUS_HOST;
	}
	if (devs) {
		/* In front, with the other options: everything after "--" is the program's. */
		char *line;

		if (asprintf(&line, "%s%s%s", devs, *cmdline ? " " : "", cmdline) < 0)
			vmm_die("out of memory");
		free(cmdline);
		cmdline = line;
	}
	if (vmm_pvh_setup(&mem, cmdline, initrd_gpa, initrd_size, initrd != NULL))
		vmm_die("-a: command line longer than %llu bytes",
			VMM_CMDLINE_END - VMM_CMDLINE_GPA - 1);

	ret = vmm_serial_init();
	if (!ret)
		ret = vmm_ports_init();
	if (ret)
		vmm_die("registering devices: %s", strerror(-ret));
	if (vmm_kvm_setup_vcpu(kvm, entry, rip, VMM_START_INFO_GPA))
		return HUSK_STATUS_HOST;
	ret = vmm_event_start();
	if (ret)
		vmm_die("starting the I/O thread: %s", strerror(-ret));
	if (vmm_verbose)
		vmm_kvm_describe(kvm);
	vmm_debug("entering the guest at 0x%llx (%s entry), start info at 0x%llx",
		  (unsigned long long)rip, entry == VMM_ENTRY_64 ? "64-bit" : "PVH 32-bit",
		  VMM_START_INFO_GPA);

	ret = vmm_seccomp_install();
	if (ret)
		vmm_die("installing the seccomp filter: %s", strerror(-ret));
	/* For the test that a forbidden call kills the monitor (tests/run.sh, vmm-seccomp-kill). */
	if (getenv("HUSK_VMM_SECCOMP_SELFTEST"))
		execl("/bin/true", "true", (char *)NULL);

	vmm_kvm_run(kvm);
	return HUSK_STATUS_HOST;
}
