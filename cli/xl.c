/* SPDX-License-Identifier: MIT */
/* xl.c: writes the xl domain configuration of a husk VM (Xen PVH domU), for husk xen-config and the xen backend. */

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* An xl string: double-quoted, with '\' and '"' escaped. */
static void put_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void put_list(FILE *f, const char *key, const struct strvec *items)
{
	if (items->n == 0)
		return;
	fprintf(f, "%s = [ ", key);
	for (size_t i = 0; i < items->n; i++) {
		if (i)
			fputs(", ", f);
		put_string(f, items->v[i]);
	}
	fputs(" ]\n", f);
}

int xl_domain_add_devices(struct xl_domain *d, const struct vm_devices *dev)
{
	char path[PATH_MAX];
	int err = 0;

	if (dev->net == VM_NET_BRIDGE)
		err = strvec_pushf(&d->vifs, "bridge=%s", dev->bridge);
	for (size_t i = 0; !err && i < dev->nvol; i++) {
		if (!realpath(dev->vol[i].image, path))
			return -errno;
		/* target= goes last: xl takes the rest of the spec, commas included, as the path. */
		err = strvec_pushf(&d->disks, "format=raw,vdev=xvd%c,access=%s,target=%s", (char)('a' + i),
				   dev->vol[i].ro ? "ro" : "rw", path);
	}
	return err;
}

int xl_config_write(FILE *f, const struct xl_domain *d)
{
	fputs("# xl domain configuration of a husk VM (written by husk)\n", f);
	fputs("name = ", f);
	put_string(f, d->name);
	fputs("\ntype = \"pvh\"\nkernel = ", f);
	put_string(f, d->kernel);
	fputs("\nramdisk = ", f);
	put_string(f, d->ramdisk);
	fputs("\ncmdline = ", f);
	put_string(f, d->cmdline);
	fprintf(f, "\nmemory = %lu\nvcpus = 1\n", d->mem_mib);
	/* The kernel reads the TSC directly; emulated TSC reads would only cost time. */
	fputs("tsc_mode = \"native\"\n", f);
	fprintf(f, "on_poweroff = \"%s\"\non_crash = \"%s\"\non_reboot = \"destroy\"\n",
		d->preserve ? "preserve" : "destroy", d->preserve ? "preserve" : "destroy");
	put_list(f, "vif", &d->vifs);
	put_list(f, "disk", &d->disks);
	return ferror(f) ? -EIO : 0;
}
