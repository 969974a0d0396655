#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# vmm_tap_dhcp.sh: husk-vmm's virtio-net over a tap: a fixture guest's DHCPDISCOVER reaches dnsmasq in a private namespace and the offer comes back by interrupt.
set -u
cd "$(dirname "$0")/../.." || exit 2
BUILD=${BUILD:-build}
# VMM_DEBUG=-v: husk-vmm's debug messages in the output.
. tests/net/netns.bash

why=$(netns_skip_reason)
if [ -n "$why" ]; then
	echo "SKIP: $why"
	exit 77
fi
netns_up || exit 1
# The guest asks for a lease; the offer must be inside dnsmasq's range
# (10.99.0.50-99: yiaddr 0a630032 .. 0a630063).
out=$(netns_exec timeout 60 "$BUILD/bin/husk-vmm" ${VMM_DEBUG:-} --net "tap:$NETNS_TAP" \
	"$BUILD/tests/fixtures/pvh-tiny-virtio-net.elf" </dev/null 2>&1)
status=$?
echo "$out"
echo "--- dnsmasq:"
cat "$NETNS_DIR/dnsmasq.log" 2>/dev/null
[ "$status" = 42 ] || { echo "FAIL: status $status, wanted 42"; exit 1; }
echo "$out" | grep -qE 'virtio-net DHCP offer yiaddr=000000000a6300(3[2-9a-f]|[45][0-9a-f]|6[0-3])$' ||
	{ echo "FAIL: no offer from dnsmasq's range"; exit 1; }
grep -q DHCPDISCOVER "$NETNS_DIR/dnsmasq.log" || { echo "FAIL: dnsmasq saw no DISCOVER"; exit 1; }
echo PASS
