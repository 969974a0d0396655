/* SPDX-License-Identifier: MIT */
/* e2p.h: the one e2p function libext2fs calls (a checksum error message). */
const char *e2p_uuid2str(void *uu);
