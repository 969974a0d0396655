/* SPDX-License-Identifier: MIT */
/* virtio_net.h: the header before each frame on a virtio-net queue (virtio 1.x, 5.1.6), shared by the kernel's driver and husk-vmm's device. */
#ifndef HUSK_VIRTIO_NET_H
#define HUSK_VIRTIO_NET_H

#include <stdint.h>

/* With VIRTIO_F_VERSION_1 the header is always 12 bytes, num_buffers included
 * (used only with VIRTIO_NET_F_MRG_RXBUF).  Fields are little-endian. */
struct virtio_net_hdr {
	uint8_t flags;          /* VIRTIO_NET_HDR_F_NEEDS_CSUM, _DATA_VALID */
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers;
};

_Static_assert(sizeof(struct virtio_net_hdr) == 12, "virtio-net header is 12 bytes");

#endif
