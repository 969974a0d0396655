#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# husk_tap_nic.sh: husk run --net tap:NAME on each backend, inside the test namespace: the guest kernel finds eth0 on the tap, and is told to use DHCP.
set -u
cd "$(dirname "$0")/../.." || exit 2
BUILD=${BUILD:-build}
HUSK=${HUSK:-$BUILD/bin/husk}
. tests/net/netns.bash

why=$(netns_skip_reason)
if [ -n "$why" ]; then
	echo "SKIP: $why"
	exit 77
fi
netns_up || exit 1
backends=(qemu)
[ -x "$BUILD/bin/husk-vmm" ] && [ -w /dev/kvm ] && backends+=(vmm)
fail=0
for be in "${backends[@]}"; do
	out=$(netns_exec timeout 120 "$HUSK" run --backend "$be" --verbose --net "tap:$NETNS_TAP" \
		"$BUILD/tests/guest/nic" eth0 </dev/null 2>&1)
	status=$?
	echo "--- $be (status $status):"
	echo "$out"
	[ "$status" = 0 ] || { echo "FAIL: $be: status $status"; fail=1; }
	for want in "eth0: 52:54:00:" "husk: eth0: 10.99.0." "command line: virtio_mmio.device=512@0xfeb00000:" \
		"net.ip=dhcp -- /bin/nic eth0" "nic: all checks passed"; do
		grep -qF -- "$want" <<<"$out" || { echo "FAIL: $be: no \"$want\""; fail=1; }
	done
done
[ "$fail" = 0 ] && echo PASS
exit "$fail"
