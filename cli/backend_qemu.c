/* SPDX-License-Identifier: MIT */
/* backend_qemu.c: boots the VM under qemu-system-x86_64 -M microvm (KVM with VT-x/AMD-V, else TCG). */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

#define QEMU "qemu-system-x86_64"

/*
 * The status channel: the kernel writes its final status in decimal and a
 * newline to the isa-debugcon at HUSK_STATUS_PORT, which QEMU appends to a
 * file.  Returns 0 and sets *status from the last complete line, or -ENODATA
 * if the guest never wrote one.
 */
static int read_status(int fd, int *status)
{
	char buf[4096];
	ssize_t n;
	off_t size;
	char *end, *line;
	long v;

	size = lseek(fd, 0, SEEK_END);
	if (size <= 0)
		return -ENODATA;
	/* Only the tail matters: the status is the last thing written. */
	if (size > (off_t)sizeof(buf) - 1)
		lseek(fd, size - (off_t)sizeof(buf) + 1, SEEK_SET);
	else
		lseek(fd, 0, SEEK_SET);
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return -ENODATA;
	buf[n] = '\0';
	end = strrchr(buf, '\n');
	if (!end)
		return -ENODATA;
	*end = '\0';
	line = strrchr(buf, '\n');
	line = line ? line + 1 : buf;
	errno = 0;
	v = strtol(line, &end, 10);
	if (errno || end == line || *end != '\0' || v < 0 || v > 255)
		return -ENODATA;
	*status = (int)v;
	return 0;
}

/* QEMU's option syntax: a ',' inside a value is written ",,".  Returns a malloc'ed copy. */
static char *qemu_opt_escape(const char *s)
{
	char *out = malloc(2 * strlen(s) + 1), *p = out;

	if (!out)
		return NULL;
	for (; *s; s++) {
		*p++ = *s;
		if (*s == ',')
			*p++ = ',';
	}
	*p = '\0';
	return out;
}

/*
 * For tests of devices: HUSK_QEMU_MACHINE replaces the machine (e.g. "q35",
 * to put devices on PCI) and HUSK_QEMU_ARGS adds options, split at spaces
 * (e.g. "-netdev user,id=n0 -device virtio-net-device,netdev=n0").
 */
static int push_test_args(struct strvec *av)
{
	const char *extra = getenv("HUSK_QEMU_ARGS");
	char *copy, *tok, *save;
	int err = 0;

	if (!extra || !*extra)
		return 0;
	copy = strdup(extra);
	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, " ", &save); tok && !err; tok = strtok_r(NULL, " ", &save))
		err = strvec_push(av, tok);
	free(copy);
	return err;
}

/*
 * microvm's virtio-mmio transports: transport n is at 0xfeb00000 + 512 n
 * on IOAPIC input 5 + n (ACPI and the second IOAPIC off).  Transport 3
 * would share IRQ 8 with the RTC, so devices skip it: device i (the disks
 * in order, then the NIC) goes on QEMU_SLOTS[i].
 */
#define QEMU_VIRTIO_MMIO_BASE 0xfeb00000UL
#define QEMU_VIRTIO_IRQ_BASE  5
static const unsigned qemu_slots[] = { 0, 1, 2, 4, 5, 6, 7 };

_Static_assert(VM_VOL_MAX + 1 <= sizeof(qemu_slots) / sizeof(qemu_slots[0]),
	       "more devices than microvm transports");

/*
 * -netdev/-drive/-device for the volumes and the NIC, each on a chosen
 * transport, and the virtio_mmio.device= options that say where they are
 * (QEMU's own, with auto-kernel-cmdline, would land after "--").
 */
static int qemu_device_args(struct strvec *av, const struct vm_devices *dev,
			    struct strvec *kopts)
{
	char guest_ip[64] = "";
	unsigned ndev = dev->nvol + (dev->net != VM_NET_NONE);
	int err = 0;

	for (unsigned i = 0; !err && i < ndev; i++)
		err = strvec_pushf(kopts, "virtio_mmio.device=512@0x%lx:%u",
				   QEMU_VIRTIO_MMIO_BASE + 512UL * qemu_slots[i],
				   QEMU_VIRTIO_IRQ_BASE + qemu_slots[i]);
	/* The serial is what husk-vmm's GET_ID answers too, so the guest can tell vda from vdb. */
	for (size_t i = 0; !err && i < dev->nvol; i++) {
		char *file = qemu_opt_escape(dev->vol[i].image);

		if (!file)
			return -ENOMEM;
		err = strvec_push(av, "-drive");
		err = err ?: strvec_pushf(av, "file=%s,if=none,format=raw,id=vd%c%s", file,
					  (char)('a' + i), dev->vol[i].ro ? ",readonly=on" : "");
		err = err ?: strvec_push(av, "-device");
		err = err ?: strvec_pushf(av, "virtio-blk-device,drive=vd%c,serial=husk-vd%c,"
					  "bus=virtio-mmio-bus.%u", (char)('a' + i), (char)('a' + i),
					  qemu_slots[i]);
		free(file);
	}
	if (err || dev->net == VM_NET_NONE)
		return err;
	err = strvec_push(av, "-netdev");
	if (dev->net == VM_NET_TAP) {
		/* vhost=off: the guest's rings stay with QEMU, as husk-vmm keeps them. */
		err = err ?: strvec_pushf(av, "tap,id=net0,ifname=%s,script=no,downscript=no,vhost=off",
					  dev->tap);
	} else {
		struct strvec opt = { 0 };
		size_t len = 0;
		char *line;

		vmopt_guest_ip(dev, guest_ip, sizeof(guest_ip));
		err = err ?: strvec_push(&opt, "user,id=net0");
		for (size_t i = 0; !err && i < dev->nfwd; i++)
			err = strvec_pushf(&opt, ",hostfwd=%s::%u-%s:%u", dev->fwd[i].udp ? "udp" : "tcp",
					   dev->fwd[i].host_port, guest_ip, dev->fwd[i].guest_port);
		for (size_t i = 0; !err && i < opt.n; i++)
			len += strlen(opt.v[i]);
		line = err ? NULL : calloc(1, len + 1);
		for (size_t i = 0; line && i < opt.n; i++)
			strcat(line, opt.v[i]);
		err = err ?: line ? strvec_push(av, line) : -ENOMEM;
		free(line);
		strvec_free(&opt);
	}
	err = err ?: strvec_push(av, "-device");
	err = err ?: strvec_pushf(av, "virtio-net-device,netdev=net0,bus=virtio-mmio-bus.%u",
				  qemu_slots[dev->nvol]);
	return err;
}

/*
 * The bulk stdio channel (proc_run_stdio's socket at STDIO_BULK_FD): a
 * virtio console on it, port 0 (virtconsole takes nr 0), so the relay gets
 * the framed stream without a port exit per byte.  On microvm it goes on
 * the transport after the other devices (slot; -1 for none free), on
 * another machine (HUSK_QEMU_MACHINE, q35) on PCI.
 */
static int qemu_console_args(struct strvec *av, int slot, struct strvec *kopts)
{
	int err = strvec_push(av, "-chardev");

	err = err ?: strvec_pushf(av, "socket,id=husk-bulk,fd=%d", STDIO_BULK_FD);
	err = err ?: strvec_push(av, "-device");
	if (slot < 0) {
		err = err ?: strvec_push(av, "virtio-serial-pci,disable-legacy=on");
	} else {
		err = err ?: strvec_pushf(av, "virtio-serial-device,bus=virtio-mmio-bus.%d", slot);
		err = err ?: strvec_pushf(kopts, "virtio_mmio.device=512@0x%lx:%d",
					  QEMU_VIRTIO_MMIO_BASE + 512UL * (unsigned)slot,
					  QEMU_VIRTIO_IRQ_BASE + slot);
	}
	err = err ?: strvec_push(av, "-device");
	err = err ?: strvec_push(av, "virtconsole,chardev=husk-bulk");
	return err;
}

/* "OPT OPT ... " + cmdline, the options quoted as abi.h says.  *out is malloc'ed. */
static int prepend_options(const struct strvec *kopts, const char *cmdline, char **out)
{
	size_t size = strlen(cmdline) + 2, len = 0;
	char *buf;
	int err = 0;

	for (size_t i = 0; i < kopts->n; i++)
		size += 2 * strlen(kopts->v[i]) + 3;
	buf = malloc(size);
	if (!buf)
		return -ENOMEM;
	buf[0] = '\0';
	for (size_t i = 0; !err && i < kopts->n; i++)
		err = cmdline_append_token(buf, size, &len, kopts->v[i]);
	if (!err && len + 1 + strlen(cmdline) + 1 > CMDLINE_MAX)
		err = -E2BIG;
	if (err) {
		free(buf);
		return err;
	}
	if (len)
		buf[len++] = ' ';
	strcpy(buf + len, cmdline);
	*out = buf;
	return 0;
}

static int build_argv(struct strvec *av, const struct vm_config *cfg, const char *status_path)
{
	unsigned ndev = cfg->dev->nvol + (cfg->dev->net != VM_NET_NONE);
	struct strvec devargs = { 0 }, kopts = { 0 };
	char *escaped_path = qemu_opt_escape(status_path), *cmdline = NULL;
	const char *machine = getenv("HUSK_QEMU_MACHINE");
	const char *test_args = getenv("HUSK_QEMU_ARGS");
	int other_machine = machine && *machine;
	/*
	 * The bulk stdio channel on microvm needs a free transport, and none of
	 * HUSK_QEMU_ARGS's devices (QEMU would name them all on the command
	 * line, the console too, which would then be probed twice).
	 */
	int vcon = cfg->stdio_mux && (other_machine ||
				      (ndev < sizeof(qemu_slots) / sizeof(qemu_slots[0]) && !(test_args && *test_args)));
	int devices = ndev || (vcon && !other_machine);
	int hw = host_has_hw_virt();
	int err = escaped_path ? 0 : -ENOMEM;

	/*
	 * microvm: no PCI, no option ROMs, no ACPI tables (without them QEMU
	 * names its virtio-mmio devices on the command line, as
	 * virtio_mmio.device=, which is how the kernel finds them); QEMU loads a PVH
	 * ELF given with -kernel directly (fw_cfg + qboot's PVH path) and hands
	 * the initrd over as module 0.  pic/pit/rtc are left on: the kernel may
	 * use the PIT or the CMOS clock, and turning them off saves no measurable
	 * boot time.
	 */
	err = err ?: strvec_push(av, QEMU);
	err = err ?: strvec_push(av, "-M");
	/* With devices: the fixed transport layout qemu_device_args relies on. */
	/*
	 * Devices added by HUSK_QEMU_ARGS rely on QEMU's own virtio_mmio.device=
	 * options, which microvm adds only without ACPI.
	 */
	err = err ?: strvec_push(av, other_machine ? machine :
				 devices ? "microvm,x-option-roms=off,acpi=off,ioapic2=off,auto-kernel-cmdline=off"
				 : test_args && *test_args ? "microvm,x-option-roms=off,acpi=off"
				 : "microvm,x-option-roms=off");
	err = err ?: strvec_push(av, "-accel");
	err = err ?: strvec_push(av, hw ? "kvm" : "tcg");
	/*
	 * The kernel needs a LAPIC timer: "max" gives every feature the accelerator
	 * has (QEMU 7.2's TCG has an xAPIC but no x2APIC).
	 */
	err = err ?: strvec_push(av, "-cpu");
	err = err ?: strvec_push(av, "max");
	err = err ?: strvec_push(av, "-m");
	err = err ?: strvec_pushf(av, "%lu", cfg->mem_mib);
	err = err ?: strvec_push(av, "-smp");
	err = err ?: strvec_push(av, "1");
	err = err ?: strvec_push(av, "-nodefaults");
	err = err ?: strvec_push(av, "-no-user-config");
	err = err ?: strvec_push(av, "-display");
	err = err ?: strvec_push(av, "none");
	/*
	 * COM1 on husk's stdin/stdout.  Not -nographic, and no "mon:": nothing
	 * is multiplexed onto stdio, so Ctrl-A is an ordinary byte for the guest
	 * and QEMU prints no monitor banner.
	 */
	err = err ?: strvec_push(av, "-serial");
	err = err ?: strvec_push(av, "stdio");
	err = err ?: strvec_push(av, "-no-reboot");
	/* virtio-mmio devices as virtio 1.x (QEMU's default is the legacy interface, which husk does not drive). */
	err = err ?: strvec_push(av, "-global");
	err = err ?: strvec_push(av, "virtio-mmio.force-legacy=false");
	err = err ?: strvec_push(av, "-device");
	err = err ?: strvec_pushf(av, "isa-debug-exit,iobase=0x%x,iosize=4", HUSK_EXIT_PORT);
	err = err ?: strvec_push(av, "-chardev");
	err = err ?: strvec_pushf(av, "file,id=husk-status,path=%s", escaped_path);
	err = err ?: strvec_push(av, "-device");
	err = err ?: strvec_pushf(av, "isa-debugcon,iobase=0x%x,chardev=husk-status",
				  HUSK_STATUS_PORT);
	err = err ?: strvec_push(av, "-kernel");
	err = err ?: strvec_push(av, cfg->kernel);
	err = err ?: strvec_push(av, "-initrd");
	err = err ?: strvec_push(av, cfg->initrd);
	err = err ?: qemu_device_args(&devargs, cfg->dev, &kopts);
	if (vcon)
		err = err ?: qemu_console_args(&devargs, other_machine ? -1 : (int)qemu_slots[ndev], &kopts);
	err = err ?: prepend_options(&kopts, cfg->cmdline, &cmdline);
	err = err ?: strvec_push(av, "-append");
	err = err ?: strvec_push(av, cmdline);
	for (size_t i = 0; !err && i < devargs.n; i++)
		err = strvec_push(av, devargs.v[i]);
	err = err ?: push_test_args(av);
	free(cmdline);
	strvec_free(&devargs);
	strvec_free(&kopts);
	free(escaped_path);
	return err;
}

static int qemu_run(const struct vm_config *cfg)
{
	struct strvec av = { 0 };
	char *status_path = NULL;
	int fd, err, wstatus, signo, status = HUSK_STATUS_HOST;

	/* QEMU's own message for a tap it may not open does not say what would help. */
	if (cfg->dev->net == VM_NET_TAP && vmopt_check_tap(cfg->dev->tap))
		return HUSK_STATUS_HOST;
	fd = proc_mktemp("status", &status_path);
	if (fd < 0)
		return HUSK_STATUS_HOST;
	err = build_argv(&av, cfg, status_path);
	if (err) {
		husk_err("%s", strerror(-err));
		goto out;
	}
	if (cfg->verbose)
		proc_print_argv(av.v);
	err = cfg->stdio_mux ? proc_run_stdio(av.v, STDIO_BULK, &wstatus, &signo)
			       : proc_run(av.v, &wstatus, &signo);
	if (err) {
		husk_err("cannot run %s: %s", QEMU,
			 err == -ENOENT ? "not found (run scripts/setup)" : strerror(-err));
		goto out;
	}
	if (signo) {
		status = HUSK_STATUS_SIGNAL_BASE + signo;
		goto out;
	}
	if (read_status(fd, &status) == 0)
		goto out;
	/*
	 * No status.  QEMU exits 0 when the guest resets or triple-faults
	 * (-no-reboot), or dies of a signal: the guest crashed.  Any other exit
	 * means QEMU itself failed (bad kernel file, bad options) and has said
	 * why on stderr.
	 */
	if ((WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0) || WIFSIGNALED(wstatus)) {
		husk_err("the VM stopped without reporting a status (guest crash)");
		status = HUSK_STATUS_CRASH;
	} else if (WIFEXITED(wstatus) && (WEXITSTATUS(wstatus) & 1) && WEXITSTATUS(wstatus) > 1) {
		/* The guest used the exit port but skipped the status port. */
		husk_err("the VM exited (code %d) without reporting a status (guest crash)",
			 WEXITSTATUS(wstatus) >> 1);
		status = HUSK_STATUS_CRASH;
	} else {
		husk_err("%s failed (exit status %d)", QEMU, WEXITSTATUS(wstatus));
		status = HUSK_STATUS_HOST;
	}
out:
	close(fd);
	free(status_path);
	strvec_free(&av);
	return status;
}

const struct backend backend_qemu = {
	.name = "qemu",
	.disk_prefix = "vd",
	.run = qemu_run,
};
