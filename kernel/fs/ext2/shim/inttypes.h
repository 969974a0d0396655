/* SPDX-License-Identifier: MIT */
/* inttypes.h: for libext2fs in the kernel (fs/ext2): printf formats of the fixed-size types. */
#include "husk_libc.h"
#include <stdint.h>
#define PRIu64 "lu"
#define PRId64 "ld"
#define PRIx64 "lx"
#define PRIu32 "u"
#define PRId32 "d"
#define PRIx32 "x"
#define PRIu16 "u"
#define PRIu8 "u"
#define PRIi64 "li"
