/* SPDX-License-Identifier: MIT */
/* config.h: what configure would say about husk's kernel to e2fsprogs' libext2fs (little-endian, no threads, no MMP). */
#define HAVE_ERRNO_H 1
#define HAVE_POSIX_MEMALIGN 1
#define HAVE_STRNLEN 1
#define HAVE_LINUX_TYPES_H 1
#define HAVE_SYS_TYPES_H 1
#define HAVE_SYS_STAT_H 1
#define HAVE_UNISTD_H 1
#define HAVE_INTTYPES_H 1
#define HAVE_STDINT_H 1
#define SIZEOF_SHORT 2
#define SIZEOF_INT 4
#define SIZEOF_LONG 8
#define SIZEOF_LONG_LONG 8
#define SIZEOF_OFF_T 8
#define SIZEOF_TIME_T 8
#define ENABLE_NLS 0
#include "husk_libc.h"
