// SPDX-License-Identifier: MIT
/* devices.c: device discovery on PVH machines: virtio-mmio devices named on the command line, then PCI. */
#include "kernel.h"
#include "pci.h"
#include "platform.h"
#include "virtio.h"

#define MMIO_OPT "virtio_mmio.device="

/* Parses a number with an optional K/M/G suffix (Linux's memparse) up to the end of s. */
static int parse_size(char *s, uint64_t *out)
{
	size_t n = strlen(s);
	unsigned shift = 0;

	if (n && (s[n - 1] == 'K' || s[n - 1] == 'k'))
		shift = 10;
	else if (n && (s[n - 1] == 'M' || s[n - 1] == 'm'))
		shift = 20;
	else if (n && (s[n - 1] == 'G' || s[n - 1] == 'g'))
		shift = 30;
	if (shift)
		s[n - 1] = 0;
	if (kstrtou64(s, out))
		return -EINVAL;
	*out <<= shift;
	return 0;
}

/* SIZE@BASE:IRQ[:ID] (the device id part is Linux's platform-device numbering and is ignored). */
static int parse_mmio_device(const char *spec, uint64_t *base, uint64_t *size, unsigned *irq)
{
	char buf[96], *at, *colon, *colon2;
	uint64_t line;

	if (strlcpy(buf, spec, sizeof(buf)) >= sizeof(buf))
		return -EINVAL;
	at = strchr(buf, '@');
	if (!at)
		return -EINVAL;
	*at++ = 0;
	colon = strchr(at, ':');
	if (!colon)
		return -EINVAL;
	*colon++ = 0;
	colon2 = strchr(colon, ':');
	if (colon2)
		*colon2 = 0;
	if (parse_size(buf, size) || kstrtou64(at, base) || kstrtou64(colon, &line))
		return -EINVAL;
	if (*size == 0 || *base + *size < *base || line > 255)
		return -EINVAL;
	*irq = line;
	return 0;
}

static bool is_mmio_opt(const char *w, size_t n)
{
	return n > strlen(MMIO_OPT) && !strncmp(w, MMIO_OPT, strlen(MMIO_OPT));
}

/* Bases already probed: a monitor may name a device before "--" and QEMU again after it. */
static uint64_t probed[16];
static unsigned nprobed;

static void probe_one(const char *w, size_t n)
{
	char spec[96];
	uint64_t base, size;
	unsigned irq;

	n = MIN(n - strlen(MMIO_OPT), sizeof(spec) - 1);
	memcpy(spec, w + strlen(MMIO_OPT), n);
	spec[n] = 0;
	if (parse_mmio_device(spec, &base, &size, &irq))
		printk_err("virtio-mmio: cannot parse \"%s\" (expected SIZE@BASE:IRQ)\n", spec);
	else {
		for (unsigned i = 0; i < nprobed; i++)
			if (probed[i] == base)
				return;
		if (nprobed < ARRAY_SIZE(probed))
			probed[nprobed++] = base;
		virtio_mmio_probe(base, size, irq);
	}
}

/*
 * The options before "--", and the run of virtio_mmio.device= words that
 * ends the line: QEMU microvm appends its devices after the program's
 * arguments (kmain drops them from argv).
 */
static void probe_cmdline(void)
{
	const char *s = boot_info.cmdline, *tail = NULL;
	bool in_argv = false;

	while (*s) {
		const char *w = s, *e;

		while (*w == ' ')
			w++;
		if (!*w)
			break;
		e = strchr(w, ' ');
		if (!e)
			e = w + strlen(w);
		if (!in_argv && e - w == 2 && w[0] == '-' && w[1] == '-')
			in_argv = true;
		else if (!in_argv && is_mmio_opt(w, e - w))
			probe_one(w, e - w);
		else if (in_argv)
			tail = is_mmio_opt(w, e - w) ? (tail ? tail : w) : NULL;
		s = e;
	}
	for (s = tail; s && *s;) {
		const char *e = strchr(s, ' ');
		if (!e)
			e = s + strlen(s);
		probe_one(s, e - s);
		while (*e == ' ')
			e++;
		s = e;
	}
}

void pvh_devices_probe(void)
{
	probe_cmdline();
	if (pci_conf_present())
		pci_probe_all();
}
