/* SPDX-License-Identifier: MIT */
/* test_vmm_virtio_console.c: unit tests for husk-vmm's virtio-console: output and input over a socket, backpressure both ways, hostile chains. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../vmm/core.c"
#include "../../vmm/virtq.c"
#include "../../vmm/virtio_mmio.c"
#include "../../vmm/virtio_console.c"

static int failures;

#define CHECK(cond) do { \
	if (!(cond)) { \
		printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); \
		failures++; \
	} \
} while (0)

/* ---- what the monitor's other files provide ---- */

void vmm_serial_flush(void) {}
void vmm_dev_lock(void) {}
void vmm_dev_unlock(void) {}
void vmm_irq_line(unsigned gsi, int level) { (void)gsi; (void)level; }
int vmm_ioeventfd(uint64_t addr, unsigned len, uint64_t datamatch, int fd)
{
	(void)addr; (void)len; (void)datamatch; (void)fd;
	return -ENOSYS;         /* QueueNotify writes then call the device directly */
}

/* The I/O thread's table: the console's descriptor, its handler and the events the device asked for. */
static vmm_event_fn *ev_fn;
static void *ev_opaque;
static uint32_t ev_events;

static int ev_fd = -1;

/* The console's descriptor is the first added (the transport's notify eventfds come after). */
int vmm_event_add(int fd, uint32_t events, vmm_event_fn *fn, void *opaque)
{
	if (ev_fd >= 0)
		return 0;
	ev_fd = fd;
	ev_fn = fn;
	ev_opaque = opaque;
	ev_events = events;
	return 0;
}

int vmm_event_mod(int fd, uint32_t events)
{
	if (fd != ev_fd)
		return -ENOENT;
	ev_events = events;
	return 0;
}

/* ---- a guest with 1 MiB of RAM ---- */

#define RAM_SIZE  (1u << 20)
#define DESC_GPA  0x1000
#define AVAIL_GPA 0x3000
#define USED_GPA  0x4000
#define BUF_GPA   0x20000
#define QN 16

static struct vmm_mem mem;

static uint32_t rd(struct virtio_dev *d, uint64_t off) { return virtio_mmio_read(d, off, 4); }
static void wr(struct virtio_dev *d, uint64_t off, uint32_t v) { virtio_mmio_write(d, off, 4, v); }

static struct virtq_desc *desc(unsigned q, unsigned i)
{
	return (struct virtq_desc *)(mem.base + DESC_GPA + q * 0x8000 + 16 * i);
}

static uint16_t used_idx(unsigned q)
{
	return *(uint16_t *)(mem.base + USED_GPA + q * 0x8000 + 2);
}

static uint32_t used_len(unsigned q, unsigned i)
{
	return *(uint32_t *)(mem.base + USED_GPA + q * 0x8000 + 4 + 8 * (i % QN) + 4);
}

static int driver_init(struct virtio_dev *d)
{
	memset(mem.base, 0, RAM_SIZE);
	wr(d, REG_STATUS, 0);
	wr(d, REG_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	wr(d, REG_DRIVER_FEATURES_SEL, 0);
	wr(d, REG_DRIVER_FEATURES, 0);
	wr(d, REG_DRIVER_FEATURES_SEL, 1);
	wr(d, REG_DRIVER_FEATURES, 1);      /* VERSION_1 */
	wr(d, REG_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	if (!(rd(d, REG_STATUS) & VIRTIO_STATUS_FEATURES_OK))
		return -1;
	for (unsigned q = 0; q < 2; q++) {
		wr(d, REG_QUEUE_SEL, q);
		wr(d, REG_QUEUE_NUM, QN);
		wr(d, REG_QUEUE_DESC_LOW, DESC_GPA + q * 0x8000);
		wr(d, REG_QUEUE_DRIVER_LOW, AVAIL_GPA + q * 0x8000);
		wr(d, REG_QUEUE_DEVICE_LOW, USED_GPA + q * 0x8000);
		wr(d, REG_QUEUE_READY, 1);
	}
	wr(d, REG_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
	   VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
	return 0;
}

static void set_desc(unsigned q, unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	struct virtq_desc *dd = desc(q, i);

	dd->addr = addr;
	dd->len = len;
	dd->flags = flags;
	dd->next = next;
}

static void offer(unsigned q, uint16_t head)
{
	uint16_t *a = (uint16_t *)(mem.base + AVAIL_GPA + q * 0x8000);

	a[2 + a[1] % QN] = head;
	a[1]++;
}

static int broken(struct virtio_dev *d)
{
	return (rd(d, REG_STATUS) & VIRTIO_STATUS_NEEDS_RESET) != 0;
}

static int pending(int fd)
{
	int n = 0;

	return ioctl(fd, FIONREAD, &n) < 0 ? -1 : n;
}

static struct virtio_dev *dev;
static int host;                 /* the relay's end of the socket pair */

static void make_console(void)
{
	int sv[2];
	char *devs = NULL;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) < 0 ||
	    virtio_console_create(sv[1], &mem, &devs)) {
		printf("FAIL: set-up\n");
		exit(1);
	}
	CHECK(devs && strstr(devs, "virtio_mmio.device=512@0xfeb") != NULL);
	free(devs);
	host = sv[0];
	dev = mmio_devs[mmio_ndevs - 1].opaque;
	CHECK(rd(dev, REG_DEVICE_ID) == VIRTIO_ID_CONSOLE);
	CHECK(ev_events == 0);   /* nothing read before the driver gives buffers */
}

/* Output: a chain of two pieces reaches the host in order, and comes back used. */
static void test_output(void)
{
	char got[64] = "";

	CHECK(driver_init(dev) == 0);
	memcpy(mem.base + BUF_GPA, "hello, ", 7);
	memcpy(mem.base + BUF_GPA + 0x100, "world\n", 6);
	set_desc(1, 0, BUF_GPA, 7, VIRTQ_DESC_F_NEXT, 1);
	set_desc(1, 1, BUF_GPA + 0x100, 6, 0, 0);
	offer(1, 0);
	wr(dev, REG_QUEUE_NOTIFY, 1);
	CHECK(used_idx(1) == 1);
	CHECK(read(host, got, sizeof(got)) == 13 && !memcmp(got, "hello, world\n", 13));
	CHECK(!broken(dev));
}

/* Output the host does not read: the chain stays with the device, nothing is lost. */
static void test_output_backpressure(void)
{
	size_t big = 512 * 1024, total = 0;
	uint8_t *src = mem.base + BUF_GPA, *back = malloc(big);
	int ok = 1;

	CHECK(driver_init(dev) == 0);
	for (size_t i = 0; i < big; i++)
		src[i] = (uint8_t)(i * 7 + i / 251);
	set_desc(1, 0, BUF_GPA, (uint32_t)big, 0, 0);
	offer(1, 0);
	wr(dev, REG_QUEUE_NOTIFY, 1);
	/* More than a socket holds: partly written, not returned, the descriptor watched for room. */
	CHECK(used_idx(1) == 0);
	CHECK(ev_events & EPOLLOUT);
	for (int round = 0; round < 1000 && total < big; round++) {
		ssize_t n = read(host, back + total, big - total);

		if (n > 0)
			total += (size_t)n;
		if (ev_events & EPOLLOUT)
			ev_fn(ev_opaque, EPOLLOUT);
	}
	CHECK(total == big);
	for (size_t i = 0; i < total && ok; i++)
		ok = back[i] == (uint8_t)(i * 7 + i / 251);
	CHECK(ok);
	CHECK(used_idx(1) == 1);
	CHECK(!(ev_events & EPOLLOUT));
	free(back);
}

/* Input: read only into buffers the guest gave; without one it waits in the socket. */
static void test_input(void)
{
	char msg[] = "input bytes";

	CHECK(driver_init(dev) == 0);
	CHECK(write(host, msg, sizeof(msg) - 1) == (ssize_t)sizeof(msg) - 1);
	/* No buffer yet: not watched, not read. */
	CHECK(!(ev_events & EPOLLIN));
	CHECK(pending(dev == NULL ? -1 : ((struct vcon *)dev->opaque)->fd) == (int)sizeof(msg) - 1);
	set_desc(0, 0, BUF_GPA, 4, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	set_desc(0, 1, BUF_GPA + 0x100, 64, VIRTQ_DESC_F_WRITE, 0);
	offer(0, 0);
	wr(dev, REG_QUEUE_NOTIFY, 0);
	CHECK(used_idx(0) == 1);
	CHECK(used_len(0, 0) == sizeof(msg) - 1);
	CHECK(!memcmp(mem.base + BUF_GPA, "inpu", 4) && !memcmp(mem.base + BUF_GPA + 0x100, "t bytes", 7));
	/* The ring is empty again: more input stays in the socket. */
	CHECK(write(host, "more", 4) == 4);
	if (ev_events & EPOLLIN)
		ev_fn(ev_opaque, EPOLLIN);
	CHECK(used_idx(0) == 1);
	CHECK(!(ev_events & EPOLLIN));
	CHECK(pending(((struct vcon *)dev->opaque)->fd) == 4);
	set_desc(0, 2, BUF_GPA + 0x200, 64, VIRTQ_DESC_F_WRITE, 0);
	offer(0, 2);
	wr(dev, REG_QUEUE_NOTIFY, 0);
	CHECK(used_idx(0) == 2 && used_len(0, 1) == 4 && !memcmp(mem.base + BUF_GPA + 0x200, "more", 4));
	CHECK(!broken(dev));
}

/* Chains the spec forbids stop the device (until reset), without touching host memory. */
static void test_hostile(void)
{
	CHECK(driver_init(dev) == 0);
	CHECK(write(host, "x", 1) == 1);
	set_desc(0, 0, BUF_GPA, 64, 0, 0);              /* a receive buffer the device may not write */
	offer(0, 0);
	wr(dev, REG_QUEUE_NOTIFY, 0);
	CHECK(broken(dev) && used_idx(0) == 0);

	CHECK(driver_init(dev) == 0);
	set_desc(1, 0, BUF_GPA, 64, VIRTQ_DESC_F_WRITE, 0);   /* a writable transmit buffer */
	offer(1, 0);
	wr(dev, REG_QUEUE_NOTIFY, 1);
	CHECK(broken(dev) && used_idx(1) == 0);

	CHECK(driver_init(dev) == 0);
	set_desc(1, 0, RAM_SIZE - 16, 64, 0, 0);        /* past the end of guest RAM */
	offer(1, 0);
	wr(dev, REG_QUEUE_NOTIFY, 1);
	CHECK(broken(dev) && used_idx(1) == 0);

	CHECK(driver_init(dev) == 0);
	set_desc(0, 0, BUF_GPA, 64, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 0);   /* a loop */
	offer(0, 0);
	wr(dev, REG_QUEUE_NOTIFY, 0);
	CHECK(broken(dev) && used_idx(0) == 0);
	/* The byte is still there for a sane driver after the reset. */
	CHECK(driver_init(dev) == 0);
	set_desc(0, 0, BUF_GPA, 64, VIRTQ_DESC_F_WRITE, 0);
	offer(0, 0);
	wr(dev, REG_QUEUE_NOTIFY, 0);
	CHECK(!broken(dev) && used_idx(0) == 1 && used_len(0, 0) == 1 && mem.base[BUF_GPA] == 'x');
}

/* The relay went away: output is dropped rather than the guest kept waiting. */
static void test_host_gone(void)
{
	CHECK(driver_init(dev) == 0);
	close(host);
	set_desc(1, 0, BUF_GPA, 64, 0, 0);
	offer(1, 0);
	wr(dev, REG_QUEUE_NOTIFY, 1);
	CHECK(used_idx(1) == 1);
	ev_fn(ev_opaque, EPOLLHUP);
	CHECK(ev_events == EPOLLET);
}

int main(void)
{
	/* As husk-vmm does (serial.c): a closed relay is an error from write, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	mem.size = RAM_SIZE;
	mem.base = aligned_alloc(4096, RAM_SIZE);
	if (!mem.base) {
		printf("FAIL: set-up\n");
		return 1;
	}
	make_console();
	test_output();
	test_output_backpressure();
	test_input();
	test_hostile();
	test_host_gone();
	free(mem.base);
	if (failures) {
		printf("%d failures\n", failures);
		return 1;
	}
	printf("test_vmm_virtio_console: all passed\n");
	return 0;
}
