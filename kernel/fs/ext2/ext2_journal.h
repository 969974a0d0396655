/* SPDX-License-Identifier: MIT */
/* ext2_journal.h: journal replay at mount (ext2_journal.c), apart from ext2.h because jbd2's struct inode and list helpers clash with vfs.h's. */
#ifndef FS_EXT2_JOURNAL_H
#define FS_EXT2_JOURNAL_H

/*
 * Replays the journal of the device named dev ("vda") whose superblock says
 * it needs recovery, opening it read-write for that alone; source names it
 * in messages.  Returns 0 (needs_recovery is then clear on the disk), or
 * -EUCLEAN with the reason on the console when the journal cannot be
 * replayed (the image is left for e2fsck: needs_recovery still set),
 * -ENOMEM, -EIO or -EINVAL.
 */
int ext2_journal_replay(const char *dev, const char *source);

#endif
