/* SPDX-License-Identifier: MIT */
/* abi.h: the contract between the husk kernel and its hosts (husk-vmm, QEMU, the husk CLI). */
#ifndef HUSK_ABI_H
#define HUSK_ABI_H

/*
 * Bump HUSK_ABI_VERSION whenever anything below changes meaning.
 *
 * Boot.  The kernel is an ELF64 file.  Its PT_LOAD segments are loaded at
 * their physical addresses (p_paddr).  Two entry points are advertised by
 * ELF notes:
 *   - XEN_ELFNOTE_PHYS32_ENTRY (name "Xen", type 18): the PVH entry.  32-bit
 *     protected mode, paging off, flat CS/DS, EBX = physical address of a
 *     struct hvm_start_info (Xen's public/arch-x86/hvm/start_info.h).
 *   - HUSK_ELFNOTE_ENTRY64 (name "Husk", type 1): the same kernel entered in
 *     64-bit long mode, for monitors that prefer to start there.  Paging on,
 *     with the first GiB of physical memory identity-mapped; interrupts off;
 *     RBX = physical address of the struct hvm_start_info.
 *   A third note, HUSK_ELFNOTE_ABI (name "Husk", type 2, a 32-bit
 *   descriptor), holds the HUSK_ABI_VERSION the kernel was built for;
 *   husk-vmm refuses a kernel without it or with another version, as
 *   Solo5's tenders check their bindings' ABI note.
 *   The start info, its memory map and the command line live below 1 MiB;
 *   module 0 (the initrd, a cpio "newc" archive) lives above the kernel,
 *   page-aligned.  The kernel never allocates memory below 1 MiB.
 *
 * Command line.  "OPTIONS -- ARGV...".  Tokens are separated by spaces; a
 * token may contain double-quoted parts, inside which \" and \\ stand for
 * " and \.  Options are "key" or "key=value":
 *     env=NAME=VALUE   add an environment variable (repeatable)
 *     quiet            no kernel messages on the console, but errors
 *     virtio_mmio.device=SIZE@BASE:IRQ   as Linux reads it: a virtio-mmio
 *                      (version 2) device of SIZE bytes at BASE on IOAPIC
 *                      input IRQ; one per device, in the order the host
 *                      added them (disks first, then the NIC).  husk-vmm
 *                      uses 0xfeb00000 + 0x200 n on GSI 16 + n; QEMU's
 *                      microvm 0xfeb00000 + 0x200 k on IRQ 5 + k
 *     net.ip=dhcp      configure the NIC by DHCP (given whenever there is
 *                      one; also the kernel's default for eth0).  The
 *                      kernel waits for the lease before starting the
 *                      program: no answer within net.dhcp_wait seconds
 *                      (default 10) ends the VM with HUSK_STATUS_NONET
 *     net.ip=ADDR/PREFIX  static IPv4 address instead, with
 *     net.gw=ADDR      the default gateway, and
 *     net.dns=ADDR     the name server for /etc/resolv.conf (IPv4 or IPv6;
 *                      else DHCP's)
 *     net.dhcp_wait=SECONDS   see net.ip=dhcp
 *     vol=vdX:/MOUNTPOINT[:ro]  mount block device vdX there (read-only
 *                      with :ro).  vda, vdb, ... are the block devices in
 *                      the order given; each one's serial (virtio-blk
 *                      GET_ID) is "husk-vda", "husk-vdb", ... on both
 *                      husk-vmm and QEMU, so the kernel can match on it.
 *                      The kernel names them in the order it finds them
 *                      (virtio_mmio.device= options, then PCI slots) and
 *                      mounts the ext2/3/4 file system before the program
 *                      starts, making a missing mount point; a volume that
 *                      cannot be mounted ends the VM with HUSK_STATUS_VOLUME
 *   No option appears after "--"; a host that adds its own must put them
 *   in front.
 *   After "--": argv[0] is the path of the program inside the initrd,
 *   followed by its arguments.
 *
 * Exit.  The kernel writes the final status as a 32-bit value to
 * HUSK_EXIT_PORT (QEMU's isa-debug-exit, iosize=4).  Because QEMU turns
 * status s into (s << 1) | 1 and truncates to 8 bits, the kernel first writes
 * the status in decimal followed by '\n' to HUSK_STATUS_PORT (an
 * isa-debugcon under QEMU); the husk CLI reads that.  husk-vmm exits with the
 * value written to HUSK_EXIT_PORT.
 */
#define HUSK_ABI_VERSION 1

#define HUSK_ELFNOTE_NAME     "Husk"
#define HUSK_ELFNOTE_ENTRY64  1
#define HUSK_ELFNOTE_ABI      2

#define HUSK_EXIT_PORT   0xf4
#define HUSK_STATUS_PORT 0xe9
#define HUSK_COM1_PORT   0x3f8

/* Exit statuses, as seen by whoever ran husk / husk-vmm. */
#define HUSK_STATUS_NONET   69  /* no DHCP answer within net.dhcp_wait (EX_UNAVAILABLE) */
#define HUSK_STATUS_CRASH   70  /* guest kernel panic, triple fault, guest misbehaving (EX_SOFTWARE) */
#define HUSK_STATUS_VOLUME  74  /* a vol= volume could not be mounted: missing, corrupt, unclean (EX_IOERR) */
#define HUSK_STATUS_HOST    125 /* the host side failed: no KVM, bad kernel file, bad options */
#define HUSK_STATUS_NOEXEC  126 /* the program is not a valid x86-64 ELF (as a shell says) */
#define HUSK_STATUS_NOENT   127 /* the program is not in the initrd */
/* 128 + n: the program was killed by signal n (a segfault is 139), as a shell reports it. */
#define HUSK_STATUS_SIGNAL_BASE 128

/* Where a cpio image made by "husk build" keeps its default command line. */
#define HUSK_IMAGE_CMDLINE_PATH ".husk/cmdline"

#endif
