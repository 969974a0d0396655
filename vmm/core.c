/* SPDX-License-Identifier: MIT */
/* core.c: device dispatch tables, guest-memory bounds checks, and the ways the monitor stops. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <husk/abi.h>
#include "vmm.h"

int vmm_verbose;

#define PIO_DEVS_MAX  16
#define MMIO_DEVS_MAX 32

static struct vmm_pio_dev pio_devs[PIO_DEVS_MAX];
static unsigned pio_ndevs;
static struct vmm_mmio_dev mmio_devs[MMIO_DEVS_MAX];
static unsigned mmio_ndevs;

static void (*crash_dump)(void *opaque);
static void *crash_dump_opaque;

void vmm_set_crash_dump(void (*dump)(void *opaque), void *opaque)
{
	crash_dump = dump;
	crash_dump_opaque = opaque;
}

void vmm_exit(int status)
{
	vmm_serial_flush();
	fflush(stdout);
	exit(status);
}

void vmm_crash_at(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	vmm_serial_flush();
	fflush(stdout);
	fprintf(stderr, "husk-vmm: guest crashed: %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (crash_dump) {
		void (*dump)(void *) = crash_dump;

		/* A fault while dumping must not recurse. */
		crash_dump = NULL;
		dump(crash_dump_opaque);
	}
	exit(HUSK_STATUS_CRASH);
}

void vmm_die(const char *fmt, ...)
{
	va_list ap;

	vmm_serial_flush();
	fflush(stdout);
	fputs("husk-vmm: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(HUSK_STATUS_HOST);
}

void vmm_debug(const char *fmt, ...)
{
	va_list ap;

	if (!vmm_verbose)
		return;
	fputs("husk-vmm: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void *vmm_gpa_ptr(const struct vmm_mem *mem, uint64_t gpa, uint64_t len)
{
	if (gpa > mem->size || len > mem->size - gpa)
		return NULL;
	return mem->base + gpa;
}

void *vmm_gpa_checked_at(const char *file, int line, const struct vmm_mem *mem,
			 uint64_t gpa, uint64_t len)
{
	void *p = vmm_gpa_ptr(mem, gpa, len);

	if (!p)
		vmm_crash_at(file, line, "guest address 0x%llx+0x%llx is outside guest RAM",
			     (unsigned long long)gpa, (unsigned long long)len);
	return p;
}

int vmm_pio_register(const struct vmm_pio_dev *dev)
{
	unsigned i;

	if (dev->len == 0 || (uint32_t)dev->base + dev->len > 0x10000)
		return -EINVAL;
	for (i = 0; i < pio_ndevs; i++)
		if (dev->base < pio_devs[i].base + pio_devs[i].len &&
		    pio_devs[i].base < dev->base + dev->len)
			return -EBUSY;
	if (pio_ndevs == PIO_DEVS_MAX)
		return -ENOSPC;
	pio_devs[pio_ndevs++] = *dev;
	return 0;
}

int vmm_mmio_register(const struct vmm_mmio_dev *dev)
{
	unsigned i;

	if (dev->len == 0 || dev->base + dev->len < dev->base)
		return -EINVAL;
	for (i = 0; i < mmio_ndevs; i++)
		if (dev->base < mmio_devs[i].base + mmio_devs[i].len &&
		    mmio_devs[i].base < dev->base + dev->len)
			return -EBUSY;
	if (mmio_ndevs == MMIO_DEVS_MAX)
		return -ENOSPC;
	mmio_devs[mmio_ndevs++] = *dev;
	return 0;
}

/* The device whose range holds all of [port, port + size), or NULL. */
static const struct vmm_pio_dev *pio_find(uint16_t port, unsigned size)
{
	unsigned i;

	for (i = 0; i < pio_ndevs; i++) {
		const struct vmm_pio_dev *d = &pio_devs[i];

		if (port >= d->base && (uint32_t)port + size <= (uint32_t)d->base + d->len)
			return d;
	}
	return NULL;
}

uint32_t vmm_pio_in(uint16_t port, unsigned size)
{
	const struct vmm_pio_dev *d = pio_find(port, size);

	if (size != 1 && size != 2 && size != 4)
		vmm_crash("port 0x%x: bad access size %u", port, size);
	if (!d || !d->in) {
		vmm_debug("in%c from unclaimed port 0x%x", "bw?l"[size - 1], port);
		return size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
	}
	return d->in(d->opaque, port - d->base, size);
}

void vmm_pio_out(uint16_t port, unsigned size, uint32_t val)
{
	const struct vmm_pio_dev *d = pio_find(port, size);

	if (size != 1 && size != 2 && size != 4)
		vmm_crash("port 0x%x: bad access size %u", port, size);
	if (!d || !d->out) {
		vmm_debug("out%c 0x%x to unclaimed port 0x%x", "bw?l"[size - 1], val, port);
		return;
	}
	d->out(d->opaque, port - d->base, size, val);
}

static const struct vmm_mmio_dev *mmio_find(uint64_t addr, unsigned size)
{
	unsigned i;

	for (i = 0; i < mmio_ndevs; i++) {
		const struct vmm_mmio_dev *d = &mmio_devs[i];

		if (addr >= d->base && addr - d->base < d->len &&
		    size <= d->len - (addr - d->base))
			return d;
	}
	return NULL;
}

static int mmio_size_ok(unsigned size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

uint64_t vmm_mmio_read(uint64_t addr, unsigned size)
{
	const struct vmm_mmio_dev *d = mmio_find(addr, size);

	if (!mmio_size_ok(size))
		vmm_crash("MMIO read at 0x%llx: bad size %u", (unsigned long long)addr, size);
	if (!d || !d->read)
		vmm_crash("unexpected MMIO read of %u bytes at 0x%llx", size,
			  (unsigned long long)addr);
	return d->read(d->opaque, addr - d->base, size);
}

void vmm_mmio_write(uint64_t addr, unsigned size, uint64_t val)
{
	const struct vmm_mmio_dev *d = mmio_find(addr, size);

	if (!mmio_size_ok(size))
		vmm_crash("MMIO write at 0x%llx: bad size %u", (unsigned long long)addr, size);
	if (!d || !d->write)
		vmm_crash("unexpected MMIO write of %u bytes (0x%llx) at 0x%llx", size,
			  (unsigned long long)val, (unsigned long long)addr);
	d->write(d->opaque, addr - d->base, size, val);
}
