#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# xen_cli.sh: husk run --backend xen's host half (cli/backend_xen.c, cli/stdio.c) against a stand-in xl (xl_standin.py).
#
# No Xen here: a stand-in xl, first in PATH, plays the PV console of a
# guest in the kernel's husk.mux framing and the status line of xl dmesg.
# Checks: husk's stdout and stderr get exactly their streams' bytes (the
# framing's DLE and ^] included), kernel lines go to stderr, the exit status
# is the status line's (70 without one), the domain was created paused with
# "husk.mux" on its command line, and xl console received husk's stdin
# escaped (^] as DLE ']', DLE doubled) then the end-of-input frame, on a
# stdin that is a terminal (xenconsole ignores any other) and open until
# then.  Quick: no VM runs.
# Usage: HUSK=... BUILD=... xen_cli.sh [BACKEND...] (the backends are ignored)
set -u
HUSK=${HUSK:-build/bin/husk}
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail=0

bad() {
	echo "FAIL $*"
	fail=1
}

ok() {
	echo "ok $*"
}

mkdir "$TMP/bin"
ln -s "$HERE/xl_standin.py" "$TMP/bin/xl"

# xen_run CASE STATUS: husk run --backend xen with the stand-in; its state in $TMP/CASE.
xen_run() {
	local d=$TMP/$1
	mkdir "$d"
	XL_STANDIN_DIR=$d XL_STANDIN_STATUS=$2 PATH="$TMP/bin:$PATH" \
		timeout 120 "$HUSK" run --backend xen /bin/busybox true <"$TMP/in" >"$d/stdout" 2>"$d/stderr"
	echo $? >"$d/rc"
}

# The host's input: text, ^] (xenconsole's escape) and DLE (the framing's), alone and in runs.
printf 'line one\n\035\020x\020\020\035\035]\nlast' >"$TMP/in"
head -c 3000 /dev/urandom >>"$TMP/in"
# What xl console must receive: the same, escaped as cli/stdio.c does (STDIO_ESCAPE_GS), then DLE 'e'.
python3 - "$TMP/in" "$TMP/want.input" <<'EOF'
import sys
raw = open(sys.argv[1], "rb").read()
out = bytearray()
for c in raw:
    out += b"\x10]" if c == 0x1d else b"\x10\x10" if c == 0x10 else bytes([c])
open(sys.argv[2], "wb").write(bytes(out) + b"\x10e")
EOF

# 1. A run that ends with status 3.
xen_run status 3
d=$TMP/status
echo "--- husk's stderr:"; cat -v "$d/stderr"; echo "--- xl calls:"; cat "$d/calls"
[ -s "$d/problems" ] && bad "the stand-in saw: $(cat "$d/problems")"
[ "$(cat "$d/rc")" = 3 ] && ok "exit status from the status line" || bad "exit status $(cat "$d/rc"), wanted 3"
[ -s "$d/expect.stdout" ] || bad "the stand-in's console did not run to the end"
cmp "$d/stdout" "$d/expect.stdout" && ok "stdout exactly the program's bytes" ||
	bad "stdout differs from the stream's bytes"
cmp "$d/stderr" "$d/expect.stderr" && ok "stderr exactly the program's stderr and the kernel's lines" ||
	bad "stderr differs from the streams' bytes"
grep -aq "husk:" "$d/stdout" && bad "kernel line on stdout"
grep -aq "^husk: syscall foo (400) not implemented" "$d/stderr" && ok "kernel line on stderr" ||
	bad "kernel line missing from stderr"
cmp "$d/input" "$TMP/want.input" && ok "xl console's input: husk's stdin escaped, then DLE 'e'" ||
	bad "xl console's input differs (got $(od -c "$d/input" | head -3))"
grep -q '^cmdline = ".*husk\.mux' "$d/config" && ok "husk.mux on the domain's command line" ||
	bad "no husk.mux in the config: $(grep cmdline "$d/config")"
grep -q '^cmdline = ".*husk\.notty' "$d/config" && ok "husk.notty (stdin is a file)" ||
	bad "no husk.notty in the config"
want_calls="create -p -q CFG
domid NAME
unpause NAME
console NAME
dmesg"
got_calls=$(sed -e 's/^create -p -q .*/create -p -q CFG/' -e 's/ husk-[0-9]*$/ NAME/' "$d/calls")
[ "$got_calls" = "$want_calls" ] && ok "xl calls in order" || bad "xl calls: $got_calls"

# 2. No status line in xl dmesg: the guest crashed (HUSK_STATUS_CRASH, 70), and husk says so.
xen_run nostatus none
d=$TMP/nostatus
[ "$(cat "$d/rc")" = 70 ] && ok "no status line: exit 70" || bad "no status line: exit $(cat "$d/rc")"
grep -q "left no exit status line" "$d/stderr" && ok "no status line: said so" ||
	bad "no status line: no message on stderr"

[ "$fail" = 0 ] && echo "xen_cli: all checks passed"
exit "$fail"
