/* SPDX-License-Identifier: MIT */
/* ports.c: the exit port (the guest's final status) and the status port (ignored, as a debug console). */
#include <husk/abi.h>
#include "vmm.h"

static void exit_out(void *opaque, uint16_t off, unsigned size, uint32_t val)
{
	(void)opaque;
	(void)off;
	(void)size;
	if (val > 255)
		vmm_crash("exit port: status %u is not in 0..255", val);
	vmm_debug("guest exited with status %u", val);
	vmm_exit((int)val);
}

static uint32_t status_in(void *opaque, uint16_t off, unsigned size)
{
	(void)opaque;
	(void)off;
	(void)size;
	/* QEMU's isa-debugcon answers its own port number; a probe can rely on it. */
	return HUSK_STATUS_PORT;
}

static void status_out(void *opaque, uint16_t off, unsigned size, uint32_t val)
{
	(void)opaque;
	(void)off;
	(void)size;
	(void)val;
	/* The exit port carries the status itself; this copy is for QEMU's benefit. */
}

int vmm_ports_init(void)
{
	static const struct vmm_pio_dev devs[] = {
		{ .name = "exit", .base = HUSK_EXIT_PORT, .len = 4, .out = exit_out },
		{ .name = "status", .base = HUSK_STATUS_PORT, .len = 1,
		  .in = status_in, .out = status_out },
	};
	unsigned i;
	int ret;

	for (i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
		ret = vmm_pio_register(&devs[i]);
		if (ret)
			return ret;
	}
	return 0;
}
