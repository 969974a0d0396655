/* SPDX-License-Identifier: MIT */
/* clockcost_glibc.c: clockcost.c linked with glibc. */
#include "clockcost.c"
