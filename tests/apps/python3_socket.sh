#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/apps/python3_socket.sh: Debian's python3 runs tests/apps/python3/sockets.py (its own socket module: TCP over 127.0.0.1 and ::1, UDP, timeouts) in a VM.
source "$(dirname "$0")/apps.bash"

PY=/usr/bin/python3.11
need_file "$PY" "install python3 (scripts/setup)"
script=tests/apps/python3/sockets.py
want="python3 sockets: tcp 1048576+1048576 bytes echoed, udp, timeouts, getaddrinfo: OK"

# The standard library modules the script loads, found by running it here
# (over this machine's loopback only) and listing sys.modules: husk packs
# the program and its shared libraries, not Python's library directory.
files=$APPS_WORK/files
mkdir -p "$files"
cp "$script" "$files/sockets.py"
"$PY" -S -c '
import runpy, sys
runpy.run_path(sys.argv[1], run_name="__main__")
for m in list(sys.modules.values()):
    f = getattr(m, "__file__", None)
    if f:
        print(f, file=sys.stderr)
' "$script" 2>"$APPS_WORK/modules" >"$APPS_WORK/native" || {
	echo "FAIL: the script fails natively:"; cat "$APPS_WORK/native" "$APPS_WORK/modules"; exit 1; }
# os.py is also the landmark by which python finds its library directory.
for f in $(grep '^/usr/lib/python3' "$APPS_WORK/modules") /usr/lib/python3.11/os.py; do
	mkdir -p "$files$(dirname "$f")"
	cp "$f" "$files$f"
done
stage_libs "$files" "$PY"

check sockets 0 "$want" -m 256M --files "$files" "$PY" -S /sockets.py
apps_result
