# SPDX-License-Identifier: MIT
# ext2.mk: builds e2fsprogs' libext2fs (Debian's source in build/src, fetched by scripts/setup) into the kernel, with the C library shim of kernel/fs/ext2/shim.

E2FS_DIR := $(firstword $(wildcard $(BUILD)/src/e2fsprogs-*))
ifeq ($(E2FS_DIR),)
$(error e2fsprogs source missing in $(BUILD)/src: run scripts/setup)
endif
EXT2_GEN := $(KERNEL_OUT)/ext2gen

# The library's parts a mounted file system uses (no journal writer, no
# undo/unix/test I/O managers, no image or bad-block file tools).
EXT2_LIB_NAMES := alloc alloc_sb alloc_stats alloc_tables badblocks bitmaps bitops blkmap64_ba \
	blkmap64_rb blknum block bmap check_desc closefs crc16 crc32c csum dblist dblist_dir \
	dir_iterate dirblock dirhash expanddir ext_attr extent fallocate fileio freefs gen_bitmap \
	gen_bitmap64 get_num_dirs i_block ind_block inline inline_data inode io_manager link \
	lookup mkdir namei newdir openfs punch rbtree read_bb rw_bitmaps symlink unlink valid_blk \
	hashmap mmp nls_utf8 sha512
EXT2_LIB_OBJS := $(patsubst %,$(KERNEL_OUT)/obj/ext2lib/%.o,$(EXT2_LIB_NAMES)) \
	$(KERNEL_OUT)/obj/ext2lib/ext2_err.o $(KERNEL_OUT)/obj/ext2lib/recovery.o \
	$(KERNEL_OUT)/obj/ext2lib/revoke.o

# Shim headers first, so <stdio.h> and friends are ours, not glibc's.
EXT2_LIB_CFLAGS := -Ikernel/fs/ext2/shim -I$(EXT2_GEN) -I$(EXT2_GEN)/ext2fs -I$(E2FS_DIR)/lib \
	-I$(E2FS_DIR)/lib/ext2fs $(KERNEL_CFLAGS) -w
# Our own files in fs/ext2 see libext2fs' headers the same way, and need the
# generated ext2_err.h first (explicit targets: a pattern rule without a
# recipe would cancel the implicit rule instead of adding a prerequisite).
EXT2_OWN_OBJS := $(filter $(KERNEL_OUT)/obj/fs/ext2/%,$(KERNEL_OBJS))
$(EXT2_OWN_OBJS): KERNEL_CFLAGS := -Ikernel/fs/ext2/shim -I$(EXT2_GEN) -I$(E2FS_DIR)/lib $(KERNEL_CFLAGS)
$(EXT2_OWN_OBJS): | $(EXT2_GEN)/ext2fs/ext2_err.h

$(EXT2_GEN)/ext2fs/ext2_err.h $(EXT2_GEN)/ext2fs/ext2_err.c: $(E2FS_DIR)/lib/ext2fs/ext2_err.et.in
	@mkdir -p $(EXT2_GEN)/ext2fs
	cp $< $(EXT2_GEN)/ext2fs/ext2_err.et
	cd $(EXT2_GEN)/ext2fs && awk -f $(abspath $(E2FS_DIR))/lib/et/et_h.awk outfile=ext2_err.h outfn=ext2_err.h ext2_err.et
	cd $(EXT2_GEN)/ext2fs && awk -f $(abspath $(E2FS_DIR))/lib/et/et_c.awk outfile=ext2_err.c outfn=ext2_err.c ext2_err.et

$(EXT2_GEN)/crc32c_table.h: $(E2FS_DIR)/lib/ext2fs/gen_crc32ctable.c
	@mkdir -p $(EXT2_GEN)
	$(CC) -I$(E2FS_DIR)/lib/ext2fs -o $(EXT2_GEN)/gen_crc32ctable $<
	$(EXT2_GEN)/gen_crc32ctable > $@

$(KERNEL_OUT)/obj/ext2lib/%.o: $(E2FS_DIR)/lib/ext2fs/%.c $(EXT2_GEN)/ext2fs/ext2_err.h $(EXT2_GEN)/crc32c_table.h
	@mkdir -p $(dir $@)
	$(CC) $(EXT2_LIB_CFLAGS) -c $< -o $@

# Journal replay: the kernel's jbd2 recovery as e2fsprogs carries it for
# e2fsck and debugfs (e2fsck/recovery.c, revoke.c), in its debugfs flavour,
# with jbd2_prelude.h first (see there); fs/ext2/ext2_journal.c is the glue.
EXT2_JBD2_CFLAGS := -include kernel/fs/ext2/jbd2_prelude.h -I$(E2FS_DIR)/e2fsck -I$(E2FS_DIR)/lib/ext2fs
$(KERNEL_OUT)/obj/ext2lib/recovery.o $(KERNEL_OUT)/obj/ext2lib/revoke.o: \
		$(KERNEL_OUT)/obj/ext2lib/%.o: $(E2FS_DIR)/e2fsck/%.c kernel/fs/ext2/jbd2_prelude.h \
		$(EXT2_GEN)/ext2fs/ext2_err.h $(EXT2_GEN)/crc32c_table.h
	@mkdir -p $(dir $@)
	$(CC) $(EXT2_LIB_CFLAGS) $(EXT2_JBD2_CFLAGS) -c $< -o $@
$(KERNEL_OUT)/obj/fs/ext2/ext2_journal.c.o: KERNEL_CFLAGS += $(EXT2_JBD2_CFLAGS)

$(KERNEL_OUT)/obj/ext2lib/ext2_err.o: $(EXT2_GEN)/ext2fs/ext2_err.c
	@mkdir -p $(dir $@)
	$(CC) $(EXT2_LIB_CFLAGS) -c $< -o $@

# libext2fs 1.47.0 refuses to free an extent that ends at the last block of
# the file system (punch.c: ">=" where upstream later has ">"), so a file
# that filled the disk could not be deleted or truncated.  We compile a
# copy with that one comparison fixed, and fail if the line is not there.
EXT2_PUNCH_OLD := (free_start + free_count) >= ext2fs_blocks_count(fs->super)
EXT2_PUNCH_NEW := (free_start + free_count) > ext2fs_blocks_count(fs->super)
$(EXT2_GEN)/punch.c: $(E2FS_DIR)/lib/ext2fs/punch.c
	@mkdir -p $(@D)
	grep -qF '$(EXT2_PUNCH_OLD)' $< || { echo "ext2.mk: punch.c changed; check the last-block fix"; exit 1; }
	sed 's/(free_start + free_count) >= ext2fs_blocks_count/(free_start + free_count) > ext2fs_blocks_count/' $< > $@

$(KERNEL_OUT)/obj/ext2lib/punch.o: $(EXT2_GEN)/punch.c $(EXT2_GEN)/ext2fs/ext2_err.h $(EXT2_GEN)/crc32c_table.h
	@mkdir -p $(dir $@)
	$(CC) $(EXT2_LIB_CFLAGS) -c $< -o $@
