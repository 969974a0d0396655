/* SPDX-License-Identifier: MIT */
/* platform.c: chooses the platform at boot (Xen or plain PVH) and forwards the plat_* calls to it. */
#include "kernel.h"
#include "platform.h"

/*
 * In order of preference; the last one detects nothing and is the fallback.
 * Xen first: a Xen PVH domU also entered through PVH, but has no COM1 or
 * exit port, while a KVM or QEMU machine never shows Xen's CPUID leaves.
 */
static const struct platform *const platforms[] = { &xen_platform, &pvh_platform };

/* Until plat_init() has chosen, output and exits go the pvh way (COM1, port 0xe9). */
static const struct platform *plat = &pvh_platform;

void plat_init(uint64_t start_info_paddr)
{
	for (size_t i = 0; i < ARRAY_SIZE(platforms); i++) {
		if (!platforms[i]->detect || platforms[i]->detect()) {
			plat = platforms[i];
			break;
		}
	}
	plat->init(start_info_paddr);
}

void plat_console_write(const char *buf, size_t n)
{
	plat->console_write(buf, n);
}

int plat_console_getc(void)
{
	return plat->console_getc();
}

int plat_console_irq_init(void (*input)(void))
{
	return plat->console_irq_init ? plat->console_irq_init(input) : -ENODEV;
}

void plat_exit(int status)
{
	plat->exit(status);
}

void plat_timer_init(void)
{
	plat->timer_init();
}

void plat_timer_arm(uint64_t deadline_ns)
{
	plat->timer_arm(deadline_ns);
}

void plat_irq_init(void)
{
	plat->irq_init();
}

void plat_irq_eoi(int vector)
{
	plat->irq_eoi(vector);
}

int plat_irq_route(unsigned line, unsigned vector, bool level)
{
	return plat->irq_route ? plat->irq_route(line, vector, level) : -ENODEV;
}

void plat_irq_mask(unsigned line, bool masked)
{
	if (plat->irq_mask)
		plat->irq_mask(line, masked);
}

void plat_msi_message(unsigned vector, uint64_t *addr, uint32_t *data)
{
	plat->msi_message(vector, addr, data);
}

void plat_devices_probe(void)
{
	if (plat->devices_probe)
		plat->devices_probe();
}
