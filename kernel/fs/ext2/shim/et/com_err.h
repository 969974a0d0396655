/* SPDX-License-Identifier: MIT */
/* com_err.h: e2fsprogs' error codes are plain longs; messages come from ext2_err.c (generated from ext2_err.et). */
#ifndef __COM_ERR_H
#define __COM_ERR_H
typedef long errcode_t;
struct error_table {
	char const * const *msgs;
	long base;
	int n_msgs;
};
struct et_list;
/* The message of an ext2 error code or of an errno value. */
const char *error_message(errcode_t code);
void com_err(const char *whoami, errcode_t code, const char *fmt, ...);
int add_error_table(const struct error_table *et);
#endif
