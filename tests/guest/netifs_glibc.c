/* SPDX-License-Identifier: MIT */
/* netifs_glibc.c: netifs.c linked against static glibc, whose getifaddrs and if_nameindex speak netlink differently from musl's (sequence numbers, port ids). */
// husk-test: status=0 expect="SUCCESS"
#include "netifs.c"
