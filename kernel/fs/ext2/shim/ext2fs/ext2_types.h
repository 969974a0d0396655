/* SPDX-License-Identifier: MIT */
/* ext2_types.h: the fixed-size types libext2fs uses, from the Linux UAPI (what configure generates from ext2_types.h.in). */
#ifndef _EXT2_TYPES_H
#define _EXT2_TYPES_H
#include <linux/types.h>
#ifndef __force
#define __force
#endif
#ifndef __bitwise
#define __bitwise
#endif
#endif
