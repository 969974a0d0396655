/* SPDX-License-Identifier: MIT */
/*
 * jbd2_prelude.h: included first (-include, ext2.mk) by e2fsprogs' journal
 * recovery (e2fsck/recovery.c, revoke.c) and our glue (ext2_journal.c).
 * Their jfs_user.h defines kmalloc(size, gfp) and kfree over malloc, which
 * would clash with the kernel's own kmalloc(size): the kernel's header comes
 * first, then the journal code's names are moved aside.
 */
#include "config.h"
#define DEBUGFS 1                     /* jfs_user.h: the debugfs flavour (an ext2_filsys, no e2fsck context) */
#define kmalloc husk_jbd_kmalloc
#define kfree husk_jbd_kfree
/* kernel.h's list helpers and container_of: e2fsprogs' kernel-list.h and compiler.h have their own. */
#undef container_of
#undef list_entry
#undef list_for_each
#define list_add_tail husk_jbd_list_add_tail
#define list_del husk_jbd_list_del
#define list_empty husk_jbd_list_empty
