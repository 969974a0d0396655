#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# xen.sh: husk vs Debian's Linux as Xen PVH domUs, side by side in one xen-lab boot: xl create -> main and -> poweroff, and each domU's memory in xl list.
#
# Usage: bench/xen.sh [-n ROUNDS]   (after make; XEN_LAB as for make test-xen)
#        HUSK_MB, LINUX_MB: each guest's memory= (default 256 both)
#
# Both guests run build/tests/guest/hello (static musl): husk with its
# image from husk build; Linux (the lab's dom0 kernel, which has a PVH
# entry) with an initramfs whose /init is busybox sh running hello, then
# poweroff -f.  Each round boots the lab once and runs the two guests, husk
# created first.  Figures, per guest:
#   create->end   dom0's clock, from before "xl create" to the shutdown
#                 being seen (the lab's own timing; polled every 0.2 s)
#   create->main  host clock on the serial log, from the lab's "created"
#                 line (xl create -p has built the paused domain; it is
#                 unpaused next) to hello's line on the guest's console; the
#                 console is polled by dom0 (0.2 s), so this is an upper bound
#   xl list MiB   the domain's memory as "xl list" shows it (Xen's pages of
#                 the domain), read by a job in dom0 once the domain has been
#                 unpaused (a finished domain stays listed until the lab
#                 reads its end)
# Both get 256 MiB by default (Linux's 58 MB kernel does not load into 64).
# Xen gives a PVH domain all of its memory= when it builds it, so "xl list"
# shows the configured size (plus what Xen adds), whatever the guest uses:
# HUSK_MB=16 shows husk running in a domain that small.  Everything here is
# emulated: Xen and dom0 run under QEMU TCG.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=1
HUSK_MB=${HUSK_MB:-256}
LINUX_MB=${LINUX_MB:-256}
[ "${1:-}" = -n ] && rounds=${2:?-n needs a number}
LAB_SRC=${XEN_LAB:-../shared/xen-lab}
CACHE=${XENLAB_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/xen-lab}
[ -x "$LAB_SRC/run" ] || { echo "xen.sh: no xen-lab at $LAB_SRC (set XEN_LAB)" >&2; exit 1; }
[ -f "$CACHE/setup.done" ] || "$LAB_SRC/setup.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

build/bin/husk build -o "$tmp/husk.img" build/tests/guest/hello
cp build/kernel/husk.elf "$tmp/husk.elf"
cp "$CACHE/vmlinux" "$tmp/linux.elf"
T=$tmp/tree
mkdir -p "$T/bin" "$T/proc" "$T/dev"
cp "$CACHE/root/bin/busybox" "$T/bin/"
ln -s busybox "$T/bin/sh"
cp build/tests/guest/hello "$T/bin/hello"
printf '#!/bin/sh\n/bin/hello\n/bin/busybox poweroff -f\n' > "$T/init"
chmod +x "$T/init"
(cd "$T" && find . | "$CACHE/root/bin/busybox" cpio -o -H newc 2>/dev/null) > "$tmp/linux.img"
husk_cmdline=$(cd "$tmp" && cpio -i --to-stdout .husk/cmdline < husk.img 2>/dev/null)
# dom0's job: each guest's memory in "xl list" once, when it has been
# unpaused (while xl create builds the domain, paused, the figure is still
# growing from 0).
cat > "$tmp/mem.sh" <<'EOS'
#!/bin/sh
seen=
i=0
while [ $i -lt 300 ] && [ "$seen" != " husk linux" ] && [ "$seen" != " linux husk" ]; do
	for g in husk linux; do
		case "$seen" in *" $g"*) continue ;; esac
		# Name ID Mem VCPUs State Time(s)
		set -- $(xl list "$g" 2>/dev/null | sed -n 2p)
		case "${5:-p}" in *p*) continue ;; esac
		echo "husk-bench: xl list $g $3"
		seen="$seen $g"
	done
	sleep 0.5
	i=$((i + 1))
done
EOS
cat > "$tmp/spec.json" <<EOS
{"timeout": 120, "dom0_job": ["$tmp/mem.sh"], "guests": [
 {"elf": "$tmp/husk.elf", "ramdisk": "$tmp/husk.img", "cmdline": "$husk_cmdline", "memory": $HUSK_MB},
 {"elf": "$tmp/linux.elf", "ramdisk": "$tmp/linux.img", "cmdline": "console=hvc0 quiet panic=-1 rdinit=/init", "memory": $LINUX_MB}]}
EOS

printf '%-6s %-6s %14s %14s %12s\n' round guest 'create->main' 'create->end' 'xl list MiB'
for r in $(seq 1 "$rounds"); do
	XEN_LAB=$LAB_SRC python3 tests/xen/run.py --lab-child "$tmp/spec.json" > "$tmp/out" 2>&1 || true
	log=$CACHE/last-run.log
	for g in husk linux; do
		end=$(sed -n "s/.*timings:.* $g create->end \([0-9.]*\) s.*/\1/p" "$tmp/out")
		main=$(awk -v g="$g" '
			function stamp(l) { sub(/^\[ */, "", l); sub(/\].*/, "", l); return l + 0 }
			$0 ~ "@@xenlab created " g " " { t0 = stamp($0) }
			t0 != "" && $0 ~ "@@xenlab con " g " Hello from husk" && !done { printf "%.2f", stamp($0) - t0; done = 1 }
			' "$log")
		mem=$(sed -n "s/.*husk-bench: xl list $g \([0-9]*\).*/\1/p" "$log" | head -n 1)
		grep -q "xen-lab: $g exited: poweroff" "$tmp/out" || end="$end (did not power off)"
		printf '%-6s %-6s %13ss %13ss %12s\n' "$r" "$g" "${main:-?}" "${end:-?}" "${mem:-?}"
	done
done
grep 'timings:' "$tmp/out" | sed 's/^/# /'
