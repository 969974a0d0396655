# SPDX-License-Identifier: MIT
# netns.bash: the test network, sourced by tests/net/*.sh: a private network namespace holding a tap device and dnsmasq as its DHCP server.
#
# netns_up: creates namespace $NETNS with loopback, the tap $NETNS_TAP at
# $NETNS_HOST_IP/24 and dnsmasq (no DNS, leases $NETNS_RANGE) serving DHCP on
# it; waits until dnsmasq listens.  Everything a test starts that sends
# traffic runs inside it (netns_exec), so no frame leaves the namespace.
# netns_down: stops dnsmasq and removes the namespace (and so the tap).
# Needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN), iproute2 and dnsmasq-base.

NETNS=husk-test-$$
NETNS_TAP=htap0
NETNS_HOST_IP=10.99.0.1
NETNS_RANGE_START=10.99.0.50
NETNS_RANGE_END=10.99.0.99
NETNS_DIR=
NETNS_DNSMASQ_PID=

netns_exec() {
	ip netns exec "$NETNS" "$@"
}

netns_down() {
	local pid
	if [ -n "$NETNS_DNSMASQ_PID" ]; then
		# The pid file's is dnsmasq itself, whatever ip netns exec did.
		pid=$(cat "$NETNS_DIR/dnsmasq.pid" 2>/dev/null)
		kill "$NETNS_DNSMASQ_PID" $pid 2>/dev/null
		wait "$NETNS_DNSMASQ_PID" 2>/dev/null
		NETNS_DNSMASQ_PID=
	fi
	ip netns del "$NETNS" 2>/dev/null
	[ -n "$NETNS_DIR" ] && rm -rf "$NETNS_DIR"
	NETNS_DIR=
}

# netns_skip_reason: prints why the test network cannot be made here, or nothing.
netns_skip_reason() {
	[ "$(id -u)" = 0 ] || { echo "needs root for a network namespace"; return; }
	command -v ip >/dev/null || { echo "no ip (iproute2; run scripts/setup)"; return; }
	command -v dnsmasq >/dev/null || [ -x /usr/sbin/dnsmasq ] ||
		{ echo "no dnsmasq (dnsmasq-base; run scripts/setup)"; return; }
	[ -c /dev/net/tun ] || echo "no /dev/net/tun"
}

netns_up() {
	local i dnsmasq
	dnsmasq=$(command -v dnsmasq || echo /usr/sbin/dnsmasq)
	NETNS_DIR=$(mktemp -d "${TMPDIR:-/tmp}/husk-netns.XXXXXX") || return 1
	trap netns_down EXIT
	ip netns add "$NETNS" || return 1
	netns_exec ip link set lo up || return 1
	netns_exec ip tuntap add dev "$NETNS_TAP" mode tap || return 1
	netns_exec ip addr add "$NETNS_HOST_IP/24" dev "$NETNS_TAP" || return 1
	netns_exec ip link set "$NETNS_TAP" up || return 1
	# --port=0: DHCP only; --no-ping: offer at once instead of probing first.
	ip netns exec "$NETNS" "$dnsmasq" --keep-in-foreground --conf-file=/dev/null --port=0 \
		--interface="$NETNS_TAP" --bind-interfaces --no-ping \
		--dhcp-range="$NETNS_RANGE_START,$NETNS_RANGE_END,255.255.255.0,1h" \
		--dhcp-leasefile="$NETNS_DIR/leases" --pid-file="$NETNS_DIR/dnsmasq.pid" \
		--log-facility="$NETNS_DIR/dnsmasq.log" --log-dhcp &
	NETNS_DNSMASQ_PID=$!
	for i in $(seq 50); do
		netns_exec ss -Hlun 2>/dev/null | grep -q ':67\b' && return 0
		kill -0 "$NETNS_DNSMASQ_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "dnsmasq did not start:" >&2
	cat "$NETNS_DIR/dnsmasq.log" >&2 2>/dev/null
	return 1
}

# netns_spawn PIDFILE CMD...: netns_exec CMD with CMD's own pid written to
# PIDFILE.  ip netns exec forks and waits, so killing the pid of
# "netns_exec CMD &" would leave CMD running: stop CMD by PIDFILE's pid.
netns_spawn() {
	local pidfile=$1
	shift
	netns_exec sh -c 'echo $$ >"$0"; exec "$@"' "$pidfile" "$@"
}

# netns_guest_ll6 IPV4: prints the guest's IPv6 link-local address, the one
# lwIP forms from its MAC (EUI-64), that MAC taken from the namespace's ARP
# entry for the guest's IPV4 (so: after some IPv4 traffic with it).  Waits
# (at most 10 s) for the tap's own link-local address to leave DAD first.
netns_guest_ll6() {
	local mac i a b c d e f
	for i in $(seq 1 100); do
		netns_exec ip -6 addr show dev "$NETNS_TAP" scope link | grep -q inet6 &&
			! netns_exec ip -6 addr show dev "$NETNS_TAP" | grep -q tentative && break
		sleep 0.1
	done
	mac=$(netns_exec ip neigh show "$1" dev "$NETNS_TAP" | sed -n 's/.*lladdr \([0-9a-f:]*\).*/\1/p')
	[ -n "$mac" ] || return 1
	IFS=: read -r a b c d e f <<<"$mac"
	printf 'fe80::%x:%x:%x:%x\n' $(((0x$a ^ 2) << 8 | 0x$b)) $((0x$c << 8 | 0xff)) \
		$((0xfe << 8 | 0x$d)) $((0x$e << 8 | 0x$f))
}
