#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# stdio.sh: the program's stdin, stdout and stderr and the kernel's messages, as husk's own (cli/stdio.c, husk.mux), on each backend.
#
# Exact checks on each stream apart: stdin's end reaches the program (wc -c
# counts piped bytes, < /dev/null gives 0), piped binary input arrives whole
# (md5sum), stderr is not on stdout, kernel messages (the ENOSYS line, the
# rate-limited mremap messages) are on stderr only, and a program whose
# stdin is a pipe sees no terminal (tests/guest/stdio.c); with a terminal
# as husk's stdin the program has one (stdio_tty.py).
# Usage: HUSK=... BUILD=... stdio.sh [BACKEND...]
set -u
HUSK=${HUSK:-build/bin/husk}
BUILD=${BUILD:-build}
PROG=$BUILD/tests/guest/stdio
BUSYBOX=/bin/busybox
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail=0

bad() {
	echo "FAIL $*"
	fail=1
}

# expect_eq WHAT GOT WANT
expect_eq() {
	if [ "$2" != "$3" ]; then
		bad "$1: got '$2', wanted '$3'"
	else
		echo "ok $1"
	fi
}

# The bulk test's size: 4 MB under QEMU, 384 KiB under husk-vmm (a few seconds on kvm_pvm), each
# more than the guest's buffers and the socket hold, so that both directions wait for the other.
bulk_size() {
	case $1 in
	qemu) echo 4000000 ;;
	*) echo 393216 ;;
	esac
}

check_backend() {
	local b=$1 out rc lines
	echo "--- $b"
	out=$(printf 'abc\n' | timeout 120 "$HUSK" run --backend "$b" "$BUSYBOX" wc -c 2>"$TMP/err")
	expect_eq "$b: wc -c of piped input" "$out" "4"
	out=$(timeout 120 "$HUSK" run --backend "$b" "$BUSYBOX" wc -c </dev/null 2>"$TMP/err")
	expect_eq "$b: wc -c </dev/null" "$out" "0"
	# Every byte value, DLE (0x10, the framing's escape) included, several times over.
	for i in 1 2 3 4; do printf "$(printf '\\%03o' $(seq 0 255))"; done >"$TMP/in"
	head -c 20000 /dev/urandom >>"$TMP/in"
	out=$(timeout 300 "$HUSK" run --backend "$b" "$BUSYBOX" md5sum <"$TMP/in" 2>"$TMP/err")
	expect_eq "$b: md5sum of $(stat -c %s "$TMP/in") piped bytes" "$out" "$(md5sum <"$TMP/in")"
	out=$(timeout 120 "$HUSK" run --backend "$b" "$BUSYBOX" cat <"$TMP/in" 2>"$TMP/err" | md5sum)
	expect_eq "$b: cat of binary input to stdout" "$out" "$(md5sum <"$TMP/in")"
	# Bulk, through the virtio console (kernel/drivers/virtio_console.c): a few MB on QEMU, less on
	# husk-vmm, whose guest kernel runs emulated (kvm_pvm); stdin's end, stdout and stderr apart.
	head -c "$(bulk_size "$b")" /dev/urandom >"$TMP/bulk"
	# The program starts reading late: the input waits (guest ring, monitor, socket, relay), none lost.
	out=$(timeout 600 "$HUSK" run --backend "$b" "$BUSYBOX" sh -c 'sleep 1; md5sum; echo done >&2' \
	      <"$TMP/bulk" 2>"$TMP/err")
	expect_eq "$b: md5sum of $(stat -c %s "$TMP/bulk") bulk bytes" "$out" "$(md5sum <"$TMP/bulk")"
	expect_eq "$b: stderr beside bulk stdin" "$(cat "$TMP/err")" "done"
	# husk's stdout is read late: the guest's output waits, none lost.
	out=$(timeout 600 "$HUSK" run --backend "$b" "$BUSYBOX" cat <"$TMP/bulk" 2>"$TMP/err" | { sleep 1; md5sum; })
	expect_eq "$b: cat of bulk input to stdout" "$out" "$(md5sum <"$TMP/bulk")"
	out=$(timeout 120 "$HUSK" run --backend "$b" "$BUSYBOX" sh -c 'echo out; echo err >&2; exit 3' \
	      </dev/null 2>"$TMP/err")
	rc=$?
	expect_eq "$b: stdout without stderr" "$out" "out"
	expect_eq "$b: stderr" "$(cat "$TMP/err")" "err"
	expect_eq "$b: exit status" "$rc" "3"
	timeout 120 "$HUSK" run --backend "$b" "$PROG" </dev/null >"$TMP/out" 2>"$TMP/err"
	rc=$?
	echo "stdout:"; cat "$TMP/out"; echo "stderr:"; head -5 "$TMP/err"
	expect_eq "$b: guest test status" "$rc" "0"
	grep -q "^SUCCESS" "$TMP/out" || bad "$b: no SUCCESS on stdout"
	grep -q "^stdio: to stdout$" "$TMP/out" || bad "$b: stdout line missing"
	grep -q "stdio: to stderr" "$TMP/out" && bad "$b: stderr line on stdout"
	grep -q "^stdio: to stderr$" "$TMP/err" || bad "$b: stderr line missing"
	grep -q "husk:" "$TMP/out" && bad "$b: kernel message on stdout"
	grep -q "^husk: syscall .*(400) not implemented, returning ENOSYS$" "$TMP/err" ||
		bad "$b: ENOSYS line not on stderr"
	# Shown plus suppressed is all 1000 (the ENOSYS line, never limited, says what was dropped).
	lines=$(grep -c "MREMAP_DONTUNMAP" "$TMP/err")
	dropped=$(awk '/kernel messages suppressed \(rate limit\)/ { n += $2 } END { print n + 0 }' "$TMP/err")
	echo "$b: $lines of 1000 mremap messages shown, $dropped suppressed"
	[ "$lines" -ge 1 ] && [ "$lines" -lt 1000 ] || bad "$b: $lines mremap messages shown (rate limit)"
	expect_eq "$b: shown + suppressed" "$((lines + dropped))" "1000"
}

[ $# -gt 0 ] || set -- qemu vmm
for b in "$@"; do
	check_backend "$b"
	# A terminal as husk's stdin: echo, editing, ^C, ^D, raw mode, window size, stderr (a pty from python3).
	python3 "$(dirname "$0")/stdio_tty.py" "$HUSK" "$b" || fail=1
done
[ "$fail" = 0 ] && echo "stdio: all checks passed"
exit "$fail"
