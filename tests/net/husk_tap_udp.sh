#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# husk_tap_udp.sh: UDP echo over the test namespace's tap: tests/guest/udp_echo in the VM (address by DHCP) echoes a client's datagram over IPv4 and over IPv6 (the guest's link-local address), on each backend.
set -u
cd "$(dirname "$0")/../.." || exit 2
BUILD=${BUILD:-build}
HUSK=${HUSK:-$BUILD/bin/husk}
PY=/usr/bin/python3
ECHO=$BUILD/tests/guest/udp_echo
. tests/net/netns.bash

why=$(netns_skip_reason)
if [ -n "$why" ]; then
	echo "SKIP: $why"
	exit 77
fi
[ -x "$ECHO" ] && [ -x "$PY" ] || { echo "FAIL: needs $ECHO (make all) and python3 (scripts/setup)"; exit 1; }
netns_up || exit 1
# udp_client ADDR LINE: sends LINE to ADDR port 7001 every 0.5 s until the
# same datagram comes back; at most 60 s.
udp_client() {
	netns_exec "$PY" - "$1" "$2" "$NETNS_TAP" <<'PY'
import socket, sys, time
addr, line, dev = sys.argv[1], sys.argv[2].encode() + b"\n", sys.argv[3]
if ":" in addr:
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    dst = (addr, 7001, 0, socket.if_nametoindex(dev))
else:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    dst = (addr, 7001)
s.settimeout(0.5)
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    s.sendto(line, dst)
    try:
        data, src = s.recvfrom(2048)
    except socket.timeout:
        continue
    if data == line:
        print("echo from %s: %r" % (src[0], data))
        sys.exit(0)
sys.exit("no UDP echo from %s" % addr)
PY
}
backends=(qemu)
[ -x "$BUILD/bin/husk-vmm" ] && [ -w /dev/kvm ] && backends+=(vmm)
fail=0
for be in "${backends[@]}"; do
	out=$NETNS_DIR/out-$be
	netns_spawn "$NETNS_DIR/vm.pid" timeout 120 "$HUSK" run --backend "$be" --verbose \
		--net "tap:$NETNS_TAP" "$ECHO" </dev/null >"$out" 2>&1 &
	vm=$!
	ip=
	for _ in $(seq 1 600); do
		ip=$(sed -n 's/^husk: eth0: \([0-9.]*\)\/24 by DHCP.*/\1/p' "$out" | head -n 1)
		[ -n "$ip" ] && grep -q '^udp_echo: listening' "$out" && break
		kill -0 "$vm" 2>/dev/null || break
		sleep 0.1
	done
	if [ -z "$ip" ]; then
		echo "FAIL: $be: no DHCP lease"; fail=1
	else
		udp_client "$ip" "datagram over IPv4 on $be" || { echo "FAIL: $be: IPv4"; fail=1; }
		ll6=$(netns_guest_ll6 "$ip")
		if [ -z "$ll6" ]; then
			echo "FAIL: $be: no ARP entry for the guest, so no IPv6 address"; fail=1
		else
			udp_client "$ll6" "datagram over IPv6 on $be" || { echo "FAIL: $be: IPv6"; fail=1; }
		fi
	fi
	status=0
	wait "$vm" || status=$?
	[ "$status" = 0 ] || { kill -TERM "$(cat "$NETNS_DIR/vm.pid")" 2>/dev/null; wait "$vm" 2>/dev/null; }
	grep -v '^husk: ' "$out"
	[ "$status" = 0 ] || { echo "FAIL: $be: status $status"; fail=1; }
	grep -qxF "udp_echo: IPv4: datagram over IPv4 on $be" "$out" &&
		grep -qxF "udp_echo: IPv6: datagram over IPv6 on $be" "$out" ||
		{ echo "FAIL: $be: the VM did not print both datagrams"; fail=1; }
done
[ "$fail" = 0 ] && echo PASS
exit "$fail"
