/* SPDX-License-Identifier: MIT */
/* arpa/inet.h: the byte-order helpers e2fsprogs' journal code (jfs_compat.h) uses, for its build in the kernel (fs/ext2). */
#ifndef HUSK_SHIM_ARPA_INET_H
#define HUSK_SHIM_ARPA_INET_H
#include "husk_libc.h"
#define htonl(x) __builtin_bswap32(x)
#define ntohl(x) __builtin_bswap32(x)
#define htons(x) __builtin_bswap16(x)
#define ntohs(x) __builtin_bswap16(x)
#endif
