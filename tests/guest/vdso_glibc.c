/* SPDX-License-Identifier: MIT */
/* vdso_glibc.c: the vDSO checks of vdso.c, linked with glibc, which must also have registered the vDSO. */
// husk-test: status=0 expect="SUCCESS" backends=qemu,vmm
#include "vdso.c"
