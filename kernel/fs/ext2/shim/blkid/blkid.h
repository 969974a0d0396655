/* SPDX-License-Identifier: MIT */
/* blkid/blkid.h: e2fsprogs' jfs_user.h includes it; the kernel's journal replay (ext2_journal.c) has no external journals, so nothing of libblkid is used. */
#include "husk_libc.h"
