#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/http.sh: wrk against Debian's nginx serving demo/site/, side by side in one run: natively on this machine, in a Debian-kernel Linux guest and in husk VMs (QEMU TCG, husk-vmm), all inside a private network namespace; requests/s, p99 latency, a connection-rate line (a new connection per request), a 100 MiB bulk transfer, and the ratios husk/Linux guest on QEMU.
#
# Usage: bench/http.sh [-d SECONDS] [-c CONNECTIONS] [-b BACKENDS]
#   as root; default 10 s and 10 connections per figure; BACKENDS a comma
#   list of linux, qemu, vmm (default: all there are; vmm only with a
#   writable /dev/kvm).
# Every VM figure here is emulated (TCG; kvm_pvm emulates husk-vmm's guest
# kernel): compare VM rows with each other, not with the native row.  The
# Linux guest (scripts/linux-guest-run: Debian's kernel, virtio-net on the
# same tap, the same ext4 image on virtio-blk mounted at the web root) runs
# on QEMU TCG as husk's QEMU row does: the husk/Linux ratios compare those two.
set -u
cd "$(dirname "$0")/.." || exit 2
BUILD=${BUILD:-build}
HUSK=${HUSK:-$BUILD/bin/husk}
NGINX=/usr/sbin/nginx
DUR=10
CONNS=10
BACKENDS=linux,qemu,vmm
while getopts d:c:b: o; do
	case $o in
	d) DUR=$OPTARG ;;
	c) CONNS=$OPTARG ;;
	b) BACKENDS=$OPTARG ;;
	*) echo "usage: bench/http.sh [-d SECONDS] [-c CONNECTIONS] [-b linux,qemu,vmm]" >&2; exit 2 ;;
	esac
done
. tests/net/netns.bash
NETNS=husk-bench-$$
why=$(netns_skip_reason)
[ -z "$why" ] || { echo "bench/http.sh: $why" >&2; exit 2; }
for t in wrk curl "$NGINX"; do
	command -v "$t" >/dev/null || { echo "bench/http.sh: no $t (scripts/setup)" >&2; exit 2; }
done
netns_up || exit 1
site=$NETNS_DIR/site
cp -r demo/site "$site" && head -c $((100 << 20)) /dev/urandom >"$site/big.bin" || exit 1
"$HUSK" disk -o "$NETNS_DIR/site.ext4" "$site" >/dev/null || exit 1
files=$NETNS_DIR/files
mkdir -p "$files/etc/nginx" "$files/run" "$files/var/lib/nginx"
cp demo/nginx.conf "$files/etc/nginx/nginx.conf"
# The Linux guest's tree: the same, plus the users nginx looks up as root
# (husk's image has default ones).
lfiles=$NETNS_DIR/lfiles
cp -a "$files" "$lfiles" &&
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$lfiles/etc/passwd" &&
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$lfiles/etc/group" || exit 1
# The native run: the same binary and config, the web root the directory.
sed -e "s|root /srv/www;|root $site;|" -e "s|pid /run/nginx.pid;|pid $NETNS_DIR/nginx.pid;|" \
	demo/nginx.conf >"$NETNS_DIR/native.conf"

printf '%-34s %10s %9s %12s %12s\n' "row (backend)" "req/s" "p99 ms" "new conn/s" "100MiB MB/s"
# measure NAME HOST: one row against nginx at HOST (port 80).
measure() {
	local name=$1 host=$2 out rps p99 cps mbs
	out=$(netns_exec wrk -t 1 -c "$CONNS" -d "${DUR}s" --latency "http://$host/index.html" 2>&1)
	rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' <<<"$out")
	p99=$(awk '$1 == "99%" { v = $2; if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 }
		else if (v ~ /ms$/) sub(/ms$/, "", v); else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 }
		printf "%.2f", v }' <<<"$out")
	out=$(netns_exec wrk -t 1 -c "$CONNS" -d "${DUR}s" -H 'Connection: close' "http://$host/index.html" 2>&1)
	cps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' <<<"$out")
	# curl's own average; "-" unless all 100 MiB arrived within 600 s.
	mbs=$(netns_exec curl -s -m 600 -o /dev/null -w '%{size_download} %{speed_download}' \
		"http://$host/big.bin" | awk '$1 == 104857600 { printf "%.1f", $2 / 1e6; ok = 1 } END { if (!ok) print "-" }')
	printf '%-34s %10s %9s %12s %12s\n' "$name" "${rps:-?}" "${p99:-?}" "${cps:-?}" "$mbs"
	row[$3]="${rps:--} ${p99:--} ${cps:--} $mbs"
}
declare -A row
# ratio A B: A/B to two places, or "-" when either is not a number.
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b > 0) printf "%.2f", a / b; else printf "-" }'
}

# Native, in the namespace over loopback.
netns_spawn "$NETNS_DIR/native.pid" timeout 600 "$NGINX" -e stderr -c "$NETNS_DIR/native.conf" \
	>"$NETNS_DIR/native.log" 2>&1 &
nat=$!
for _ in $(seq 1 50); do netns_exec curl -s -o /dev/null -m 1 http://127.0.0.1/ && break; sleep 0.1; done
measure "native (no VM, loopback)" 127.0.0.1 native
kill -TERM "$(cat "$NETNS_DIR/native.pid")" 2>/dev/null
wait "$nat" 2>/dev/null

for be in ${BACKENDS//,/ }; do
	out=$NETNS_DIR/vm-$be.log
	case $be in
	linux)
		label="Linux guest (QEMU TCG, emulated)"
		# Its console, followed for the address, is --console's file.
		netns_spawn "$NETNS_DIR/vm.pid" scripts/linux-guest-run --timeout 1800 --mem 256M \
			--tap "$NETNS_TAP" --disk "$NETNS_DIR/site.ext4:/srv/www" --files "$lfiles" \
			--console "$out" -- "$NGINX" -e stderr </dev/null >/dev/null 2>&1 &
		addr='s/^linux-guest-run: eth0 \([0-9.]*\)\/[0-9]* by DHCP.*/\1/p' ;;
	qemu | vmm)
		[ "$be" = qemu ] && label="husk (QEMU TCG, emulated)"
		if [ "$be" = vmm ]; then
			label="husk (husk-vmm, kvm_pvm, emulated)"
			[ -x "$BUILD/bin/husk-vmm" ] && [ -w /dev/kvm ] || { echo "$label: no husk-vmm or /dev/kvm"; continue; }
		fi
		netns_spawn "$NETNS_DIR/vm.pid" timeout 1800 "$HUSK" run --backend "$be" --verbose -m 256M \
			--net "tap:$NETNS_TAP" -v "$NETNS_DIR/site.ext4:/srv/www:ro" --files "$files" \
			"$NGINX" -e stderr </dev/null >"$out" 2>&1 &
		addr='s/^husk: eth0: \([0-9.]*\)\/24 by DHCP.*/\1/p' ;;
	*) echo "bench/http.sh: unknown backend $be" >&2; continue ;;
	esac
	vm=$!
	ip=
	for _ in $(seq 1 600); do
		ip=$(tr -d '\r' 2>/dev/null <"$out" | sed -n "$addr" | head -n 1)
		[ -n "$ip" ] && netns_exec curl -s -o /dev/null -m 2 "http://$ip/" && break
		kill -0 "$vm" 2>/dev/null || break
		sleep 0.2
	done
	if [ -n "$ip" ]; then measure "$label" "$ip" "$be"; else echo "$label: nginx did not come up"; fi
	kill -TERM "$(cat "$NETNS_DIR/vm.pid")" 2>/dev/null
	wait "$vm" 2>/dev/null
done

# The comparison on one backend: husk over the Linux guest, both on QEMU TCG
# (above 1 is husk ahead, except for p99 where below 1 is).
if [ -n "${row[qemu]:-}" ] && [ -n "${row[linux]:-}" ]; then
	read -r hr hp hc hm <<<"${row[qemu]}"
	read -r lr lp lc lm <<<"${row[linux]}"
	printf '%-34s %10s %9s %12s %12s\n' "husk/Linux guest (QEMU TCG)" \
		"$(ratio "$hr" "$lr")" "$(ratio "$hp" "$lp")" "$(ratio "$hc" "$lc")" "$(ratio "$hm" "$lm")"
fi
