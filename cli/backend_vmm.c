/* SPDX-License-Identifier: MIT */
/* backend_vmm.c: boots the VM under husk-vmm, the project's own KVM monitor, found next to husk. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

/* --disk/--disk-ro, --net, --fwd, --guest-ip: husk-vmm's spelling of the devices. */
static int vmm_device_args(struct strvec *av, const struct vm_devices *dev)
{
	char guest_ip[64];
	int err = 0;

	for (size_t i = 0; !err && i < dev->nvol; i++) {
		err = strvec_push(av, dev->vol[i].ro ? "--disk-ro" : "--disk");
		err = err ?: strvec_push(av, dev->vol[i].image);
	}
	if (err || dev->net == VM_NET_NONE)
		return err;
	err = strvec_push(av, "--net");
	if (dev->net == VM_NET_TAP)
		return err ?: strvec_pushf(av, "tap:%s", dev->tap);
	err = err ?: strvec_push(av, "user");
	for (size_t i = 0; !err && i < dev->nfwd; i++) {
		err = strvec_push(av, "--fwd");
		err = err ?: strvec_pushf(av, "%u:%u%s", dev->fwd[i].host_port,
					  dev->fwd[i].guest_port, dev->fwd[i].udp ? "/udp" : "");
	}
	if (!err && vmopt_guest_ip(dev, guest_ip, sizeof(guest_ip)) == 0) {
		err = strvec_push(av, "--guest-ip");
		err = err ?: strvec_push(av, guest_ip);
	}
	return err;
}

static int vmm_run(const struct vm_config *cfg)
{
	struct strvec av = { 0 };
	const char *dir = host_self_dir();
	int err, wstatus, signo, status = HUSK_STATUS_HOST;

	if (!dir) {
		husk_err("cannot find husk's own directory (to locate husk-vmm)");
		return HUSK_STATUS_HOST;
	}
	err = strvec_pushf(&av, "%s/husk-vmm", dir);
	err = err ?: strvec_push(&av, "-m");
	err = err ?: strvec_pushf(&av, "%luM", cfg->mem_mib);
	err = err ?: strvec_push(&av, "-i");
	err = err ?: strvec_push(&av, cfg->initrd);
	err = err ?: strvec_push(&av, "-a");
	err = err ?: strvec_push(&av, cfg->cmdline);
	err = err ?: vmm_device_args(&av, cfg->dev);
	/* The bulk stdio channel: a virtio console on proc_run_stdio's socket. */
	if (cfg->stdio_mux) {
		err = err ?: strvec_push(&av, "--console-fd");
		err = err ?: strvec_pushf(&av, "%d", STDIO_BULK_FD);
	}
	err = err ?: strvec_push(&av, cfg->kernel);
	if (err) {
		husk_err("%s", strerror(-err));
		goto out;
	}
	if (cfg->verbose)
		proc_print_argv(av.v);
	err = cfg->stdio_mux ? proc_run_stdio(av.v, STDIO_BULK, &wstatus, &signo)
			       : proc_run(av.v, &wstatus, &signo);
	if (err) {
		husk_err("cannot run %s: %s", av.v[0], strerror(-err));
		goto out;
	}
	if (signo)
		status = HUSK_STATUS_SIGNAL_BASE + signo;
	else if (WIFEXITED(wstatus))
		status = WEXITSTATUS(wstatus);   /* husk-vmm exits with the guest's status */
	else
		status = HUSK_STATUS_HOST;       /* husk-vmm itself died */
out:
	strvec_free(&av);
	return status;
}

const struct backend backend_vmm = {
	.name = "vmm",
	.disk_prefix = "vd",
	.run = vmm_run,
};
