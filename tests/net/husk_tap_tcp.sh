#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# husk_tap_tcp.sh: the husk kernel's TCP/IP over a tap in the test namespace: DHCP from dnsmasq, ping from the namespace (lwIP answers ICMP echo), a TCP client in the namespace talking to busybox nc in the VM, on each backend.
set -u
cd "$(dirname "$0")/../.." || exit 2
BUILD=${BUILD:-build}
HUSK=${HUSK:-$BUILD/bin/husk}
BB=/bin/busybox
PY=/usr/bin/python3
. tests/net/netns.bash

why=$(netns_skip_reason)
if [ -n "$why" ]; then
	echo "SKIP: $why"
	exit 77
fi
[ -x "$BB" ] && [ -x "$PY" ] || { echo "FAIL: needs busybox-static and python3 (scripts/setup)"; exit 1; }
netns_up || exit 1
backends=(qemu)
[ -x "$BUILD/bin/husk-vmm" ] && [ -w /dev/kvm ] && backends+=(vmm)
fail=0
for be in "${backends[@]}"; do
	out=$NETNS_DIR/out-$be
	line="hello over the tap on $be"
	# nc greets the client with its input, prints the client's line, exits 0.
	printf 'ready\n' | netns_exec timeout 120 "$HUSK" run --backend "$be" --verbose --net "tap:$NETNS_TAP" \
		"$BB" nc -l -p 7000 >"$out" 2>&1 &
	vm=$!
	ip=
	for _ in $(seq 1 600); do
		ip=$(sed -n 's/^husk: eth0: \([0-9.]*\)\/24 by DHCP.*/\1/p' "$out" | head -n 1)
		[ -n "$ip" ] && break
		sleep 0.1
	done
	if [ -z "$ip" ]; then
		echo "FAIL: $be: no DHCP lease"; fail=1
	else
		echo "--- $be: guest at $ip"
		netns_exec "$BB" ping -c 3 -W 5 "$ip" || { echo "FAIL: $be: no ping answer"; fail=1; }
		netns_exec "$PY" - "$ip" "$line" <<'PY' || { echo "FAIL: $be: TCP"; fail=1; }
import socket, sys, time
ip, line = sys.argv[1], sys.argv[2].encode() + b"\n"
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    try:
        s = socket.create_connection((ip, 7000), timeout=5)
        if s.recv(16).startswith(b"ready"):
            s.sendall(line)
            s.close()
            sys.exit(0)
    except OSError:
        pass
    time.sleep(0.5)
sys.exit("no TCP answer from %s:7000" % ip)
PY
	fi
	status=0
	wait "$vm" || status=$?
	cat "$out"
	[ "$status" = 0 ] || { echo "FAIL: $be: status $status"; fail=1; }
	grep -qxF -- "$line" "$out" || { echo "FAIL: $be: the VM did not print the client's line"; fail=1; }
done
[ "$fail" = 0 ] && echo PASS
exit "$fail"
