/* SPDX-License-Identifier: MIT */
/* nic.c: the network devices the kernel found, as /proc/net/dev lists them (virtio-net over mmio and PCI, or none; legacy devices are refused). */
// husk-test: name=mmio args="eth0" opts="--verbose" qemu="-netdev user,id=n0 -device virtio-net-device,netdev=n0,mac=52:54:00:12:34:56" expect="SUCCESS" kexpect="eth0: 52:54:00:12:34:56, mtu 1500" kexpect="eth0: rx "
// husk-test: name=pci args="eth0" opts="--verbose" machine=q35 qemu="-netdev user,id=n0 -device virtio-net-pci,netdev=n0,mac=52:54:00:12:34:57" expect="SUCCESS" kexpect="eth0: 52:54:00:12:34:57, mtu 1500"
// husk-test: name=pci-intx args="eth0" opts="--verbose" machine=q35 qemu="-netdev user,id=n0 -device virtio-net-pci,netdev=n0,mac=52:54:00:12:34:58,vectors=0" expect="SUCCESS" kexpect="eth0: 52:54:00:12:34:58, mtu 1500"
// husk-test: name=net-user args="eth0" opts="--verbose --net user" expect="SUCCESS" kexpect=", mtu 1500" kexpect="husk: eth0: 10.0.2.15/24 by DHCP" backends=qemu,vmm
// husk-test: name=none expect="SUCCESS"
// husk-test: name=legacy-mmio qemu="-global virtio-mmio.force-legacy=true -netdev user,id=n0 -device virtio-net-device,netdev=n0" expect="SUCCESS" kexpect="virtio-mmio version 1; husk drives version 2 (modern) only"
// husk-test: name=legacy-pci machine=q35 qemu="-netdev user,id=n0 -device virtio-net-pci,netdev=n0,disable-modern=on" expect="SUCCESS" kexpect="no modern virtio-pci structures; husk drives modern devices only"
// husk-test: name=user args="eth0" opts="--verbose --net user" backends=qemu,vmm expect="SUCCESS" kexpect="eth0: 52:54:00:"
#include <fcntl.h>
#include <unistd.h>

#include "check.h"

static char buf[8192];

int main(int argc, char **argv)
{
	const char *want = argc > 1 ? argv[1] : NULL;
	int fd = open("/proc/net/dev", O_RDONLY);
	ssize_t n = 0, r;
	int devices = 0;
	char *line, *save;

	CHECK(fd >= 0, "open /proc/net/dev: %s\n", strerror(errno));
	while (fd >= 0 && (r = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0)
		n += r;
	buf[n] = 0;
	if (fd >= 0)
		close(fd);
	CHECK(strncmp(buf, "Inter-|   Receive", 17) == 0, "header: %.40s\n", buf);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[32];
		unsigned long rx_bytes, rx_packets;
		if (sscanf(line, " %31[^:]: %lu %lu", name, &rx_bytes, &rx_packets) != 3)
			continue;
		printf("nic: %s, %lu bytes and %lu frames received\n", name, rx_bytes, rx_packets);
		if (strcmp(name, "lo"))
			devices++;
		if (want && !strcmp(name, want))
			want = NULL;
	}
	CHECK(want == NULL, "no %s in /proc/net/dev\n", want);
	/* Without a NIC on the machine the kernel must not invent one (not checked natively: the host has its own). */
	if (argc == 1 && !getenv("HUSK_NATIVE"))
		CHECK(devices == 0, "%d network devices on a machine without one\n", devices);
	return check_finish("nic");
}
