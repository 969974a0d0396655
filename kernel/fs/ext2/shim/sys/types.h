/* SPDX-License-Identifier: MIT */
/* sys/types.h: for libext2fs in the kernel (fs/ext2): the declarations are in husk_libc.h. */
#include "husk_libc.h"
