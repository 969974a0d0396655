/* SPDX-License-Identifier: MIT */
/* control.c: the toolstack's requests under control/ in xenstore: "xl shutdown" (poweroff, halt, reboot) sends SIGTERM to the program. */
#include "kernel.h"
#include "sched.h"
#include "signal.h"
#include "xen.h"

/*
 * control/shutdown holds the request ("poweroff", "reboot", "suspend", ...)
 * until the guest answers by writing "" back.  husk has no init to run a
 * shutdown sequence: the program (pid 1) gets SIGTERM, as from "docker
 * stop", and the VM ends with its exit status.  A reboot ends it likewise
 * (xl restarts the domain when its config says so); suspend is refused.
 */
static void shutdown_requested(const char *path)
{
	char req[32];
	struct ksiginfo info = { .code = SI_KERNEL };
	struct proc *init;

	if (xen_xs_read(path, req, sizeof(req)) <= 0)
		return;   /* nothing asked, or our own acknowledgement */
	xen_xs_write(path, "");
	if (strcmp(req, "poweroff") && strcmp(req, "halt") && strcmp(req, "reboot")) {
		printk_err("husk: Xen asks for \"%s\", which husk does not do\n", req);
		return;
	}
	init = proc_find(1);
	if (!init) {
		printk_err("husk: Xen asks for %s before the program runs: ignored\n", req);
		return;
	}
	printk_err("husk: Xen asks for %s: SIGTERM to the program\n", req);
	signal_send_proc(init, SIGTERM, &info);
}

void xen_control_init(void)
{
	int err = xen_xs_watch("control/shutdown", shutdown_requested);

	if (err < 0) {
		printk_err("husk: cannot watch xenstore's control/shutdown (%d): xl shutdown will not work\n", err);
		return;
	}
	/* Tell the toolstack that "xl shutdown" is understood (Linux writes the same key). */
	xen_xs_write("control/feature-poweroff", "1");
}
