#!/bin/sh
# SPDX-License-Identifier: MIT
# ksyms.sh: turns "nm -n" output of a kernel link into the .ksyms section (assembly) used for backtraces.
# usage: ksyms.sh KERNEL.elf > ksyms.S   (with no argument: an empty table, for the first link)
set -e
echo '	.section .ksyms, "a"'
echo '	.balign 8'
echo "	.section .note.GNU-stack, \"\", @progbits"; echo "	.section .ksyms, \"a\""
if [ -z "$1" ]; then
	printf '	.globl ksyms_count\nksyms_count: .quad 0\n	.globl ksyms_addrs\nksyms_addrs:\n	.globl ksyms_name_offs\nksyms_name_offs:\n	.globl ksyms_names\nksyms_names: .byte 0\n'
	exit 0
fi
nm -n "$1" | awk 'BEGIN { n = 0 }
$2 ~ /^[tTwW]$/ && $1 ~ /^ffffffff8/ { addr[n] = $1; name[n] = $3; n++ }
END {
	printf "\t.globl ksyms_count\nksyms_count: .quad %d\n", n
	printf "\t.globl ksyms_addrs\nksyms_addrs:\n"
	for (i = 0; i < n; i++) printf "\t.quad 0x%s\n", addr[i]
	printf "\t.globl ksyms_name_offs\nksyms_name_offs:\n"
	off = 0
	for (i = 0; i < n; i++) { printf "\t.long %d\n", off; off += length(name[i]) + 1 }
	printf "\t.globl ksyms_names\nksyms_names:\n"
	for (i = 0; i < n; i++) printf "\t.asciz \"%s\"\n", name[i]
}'
