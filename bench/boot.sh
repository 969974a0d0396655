#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# boot.sh: boot-time benchmark: hello under husk (each backend), natively, and as /init of a Debian Linux guest, side by side.
#
# Usage: bench/boot.sh [-n RUNS]        (default 10 runs; medians are reported)
# Needs: make (build/bin/husk, build/kernel/husk.elf, build/tests/guest/hello,
# build/bench/progs/icount), qemu-system-x86_64, cpio, a Debian kernel in
# /boot/vmlinuz-* (package linux-image-amd64).
#
# Two kinds of figures:
#  - wall time (ms, median of RUNS).  On this machine every VM figure is
#    emulated: QEMU runs on TCG, and /dev/kvm is kvm_pvm, which emulates
#    guest ring-0 code (~1M instructions/s).  None of them is a hardware-KVM
#    figure.
#  - guest instructions (deterministic), from QEMU "-icount shift=0,sleep=off":
#    guest virtual time advances 1 ns per instruction, and the TSC QEMU
#    emulates is that clock, so bench/progs/icount prints RDTSC at main()
#    entry and before exit = instructions since the machine started (firmware
#    included, plus any time the guest spent halted, which sleep=off makes
#    jump to the next timer).  It also prints CLOCK_MONOTONIC/CLOCK_BOOTTIME,
#    which count from when each kernel started its clock.

set -u
cd "$(dirname "$0")/.." || exit 2

RUNS=10
while [ $# -gt 0 ]; do
	case $1 in
	-n) RUNS=${2:?-n needs a number}; shift 2 ;;
	-h|--help) sed -n '4,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "boot.sh: unknown option $1" >&2; exit 2 ;;
	esac
done

BUILD=${BUILD:-build}
HUSK=$BUILD/bin/husk
KERNEL=$BUILD/kernel/husk.elf
HELLO=$BUILD/tests/guest/hello
ICOUNT=$BUILD/bench/progs/icount
QEMU=qemu-system-x86_64
VMLINUZ=$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1)
MARK="Hello from husk"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/husk-bench.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT

now_ns() { date +%s%N; }

median() {
	sort -n | awk '{ a[NR] = $1 } END {
		if (NR == 0) print "";
		else if (NR % 2) print a[(NR + 1) / 2];
		else printf "%.1f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# timed_runs CMD...: runs CMD RUNS times; prints the median wall time in ms,
# or "failed" when a run did not exit 0 with the greeting on its output.
timed_runs() {
	local i t0 t1 out
	for ((i = 0; i < RUNS; i++)); do
		t0=$(now_ns)
		out=$(timeout 300 "$@" 2>&1 </dev/null)
		local rc=$?
		t1=$(now_ns)
		if [ $rc -ne 0 ] || [[ $out != *"$MARK"* ]]; then
			echo "failed (status $rc)" >&2
			printf '%s\n' "$out" | tail -n 5 >&2
			echo failed
			return
		fi
		echo $(((t1 - t0) / 1000)) >>"$TMP/samples"
	done
	awk '{ printf "%.1f\n", $1 / 1000 }' "$TMP/samples" | median
	rm -f "$TMP/samples"
}

# initramfs PROG OUT: a newc cpio holding PROG as /init.
initramfs() {
	mkdir -p "$TMP/root"
	cp "$1" "$TMP/root/init"
	(cd "$TMP/root" && echo init | cpio -o -H newc --quiet) >"$2"
	rm -rf "$TMP/root"
}

# Linux guest: Debian's kernel on microvm (8250 UART built in, no PCI
# needed); if hello's greeting does not show, fall back to q35.  When init
# exits Linux panics; panic=-1 reboots at once and reboot=t makes that a
# triple fault (the default methods wait on timers and can hang on a loaded
# TCG host), which -no-reboot turns into QEMU's exit.  tsc_early_khz skips
# TSC calibration against the PIT, which fails on a loaded TCG host and then
# hangs the boot; 1 GHz is exact under -icount shift=0.
LINUX_MACHINE=microvm
linux_cmd() {	# linux_cmd INITRAMFS [QEMU OPTIONS...]: sets CMD
	local initrd=$1
	shift
	CMD=("$QEMU" -M "$LINUX_MACHINE" -accel tcg -cpu max -m 256M -smp 1 "$@" \
		-nographic -nodefaults -no-user-config -no-reboot -serial stdio \
		-kernel "$VMLINUZ" -initrd "$initrd" \
		-append "console=ttyS0 quiet panic=-1 reboot=t tsc_early_khz=1000000 rdinit=/init")
}

# husk on QEMU, built by hand so -icount can be added: the same machine the
# CLI's qemu backend uses, the kernel, and an image made by "husk build".
# shellcheck disable=SC2054
husk_qemu_cmd() {	# husk_qemu_cmd IMAGE PROGNAME [QEMU OPTIONS...]: sets CMD
	local image=$1 prog=$2
	shift 2
	CMD=("$QEMU" -M "microvm,x-option-roms=off,acpi=off" -global virtio-mmio.force-legacy=false -accel tcg -cpu max -m 64 -smp 1 "$@" \
		-nodefaults -no-user-config -display none -serial stdio -no-reboot \
		-device isa-debug-exit,iobase=0xf4,iosize=4 \
		-kernel "$KERNEL" -initrd "$image" -append "quiet -- /bin/$prog")
}

# icount_of OUTPUT WHERE FIELD: a number from bench/progs/icount's report.
icount_of() {
	printf '%s\n' "$1" | sed -n "s/.*icount: $2 .*$3=\([0-9-]*\).*/\1/p" | head -n 1
}

ratio() {	# ratio A B: A/B with 1 decimal, or "-"
	awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.1fx", a / b; else print "-" }'
}

echo "husk boot benchmark: $RUNS runs each, medians; $(date -u +%Y-%m-%dT%H:%MZ), $(uname -r), $(nproc) CPUs"
echo

# ---- wall time -----------------------------------------------------------------

declare -A ms=() label=()
order=(native)
label[native]="native exec (host Linux)"
if [ -x "$HELLO" ]; then
	ms[native]=$(timed_runs "$HELLO")
else
	ms[native]="not built"
fi

if [ -x "$HUSK" ] && [ -f "$KERNEL" ]; then
	order+=(husk-qemu)
	label[husk-qemu]="husk run --backend qemu (TCG, emulated)"
	ms[husk-qemu]=$(timed_runs "$HUSK" run --backend qemu "$HELLO")
	if [ -x "$BUILD/bin/husk-vmm" ] && [ -w /dev/kvm ]; then
		order+=(husk-vmm)
		label[husk-vmm]="husk run --backend vmm (kvm_pvm, ring 0 emulated)"
		ms[husk-vmm]=$(timed_runs "$HUSK" run --backend vmm "$HELLO")
	fi
else
	echo "note: $HUSK or $KERNEL missing: husk rows not measured (run make)"
fi

if [ -n "$VMLINUZ" ] && [ -x "$HELLO" ]; then
	initramfs "$HELLO" "$TMP/hello.cpio"
	linux_cmd "$TMP/hello.cpio"
	if ! timeout 120 "${CMD[@]}" 2>&1 </dev/null | grep -qF "$MARK"; then
		echo "note: Debian's kernel showed no output on microvm; using q35"
		LINUX_MACHINE=q35
		linux_cmd "$TMP/hello.cpio"
	fi
	order+=(linux)
	label[linux]="Linux guest $(basename "$VMLINUZ") on $LINUX_MACHINE (TCG, emulated)"
	ms[linux]=$(timed_runs "${CMD[@]}")
else
	echo "note: no /boot/vmlinuz-* (apt-get install linux-image-amd64): Linux guest not measured"
fi

printf '%-58s %12s %14s\n' "wall time: hello" "median ms" "vs native"
for k in "${order[@]}"; do
	printf '%-58s %12s %14s\n' "${label[$k]}" "${ms[$k]}" "$(ratio "${ms[$k]}" "${ms[native]}")"
done
echo

# ---- deterministic instruction counts ---------------------------------------------

ICOUNT_OPTS=(-icount "shift=0,sleep=off")
declare -A main_i=() exit_i=() mono_i=()
if [ -x "$ICOUNT" ]; then
	if [ -x "$HUSK" ] && [ -f "$KERNEL" ] &&
	   "$HUSK" build -o "$TMP/icount.img" "$ICOUNT" >"$TMP/build.log" 2>&1; then
		husk_qemu_cmd "$TMP/icount.img" icount "${ICOUNT_OPTS[@]}"
		out=$(timeout 300 "${CMD[@]}" 2>&1 </dev/null)
		main_i[husk]=$(icount_of "$out" main tsc)
		exit_i[husk]=$(icount_of "$out" exit tsc)
		mono_i[husk]=$(icount_of "$out" main monotonic_ns)
		[ -n "${main_i[husk]}" ] || { echo "note: husk icount run printed no count:"; printf '%s\n' "$out" | tail -n 5; }
	else
		echo "note: husk not built or husk build failed: husk instruction counts not measured"
	fi
	if [ -n "$VMLINUZ" ]; then
		initramfs "$ICOUNT" "$TMP/icount.cpio"
		linux_cmd "$TMP/icount.cpio" "${ICOUNT_OPTS[@]}"
		out=$(timeout 300 "${CMD[@]}" 2>&1 </dev/null)
		main_i[linux]=$(icount_of "$out" main tsc)
		exit_i[linux]=$(icount_of "$out" exit tsc)
		mono_i[linux]=$(icount_of "$out" main monotonic_ns)
	fi
fi

printf '%-40s %16s %16s %22s\n' "guest instructions (icount shift=0)" "to main()" "to exit" "main, kernel clock"
for k in husk linux; do
	case $k in
	husk) l="husk (microvm, TCG icount)" ;;
	linux) l="Linux $(basename "$VMLINUZ") ($LINUX_MACHINE, icount)" ;;
	esac
	printf '%-40s %16s %16s %22s\n' "$l" "${main_i[$k]:-not measured}" "${exit_i[$k]:-not measured}" \
		"${mono_i[$k]:-not measured}"
done
printf '%-40s %16s %16s\n' "Linux / husk" "$(ratio "${main_i[linux]:-}" "${main_i[husk]:-}")" \
	"$(ratio "${exit_i[linux]:-}" "${exit_i[husk]:-}")"
# The target counts from husk's own first instruction: husk's CLOCK_MONOTONIC
# starts at the kernel's entry (boot.S reads the TSC there), so under icount
# it is the kernel's instruction count, without QEMU's qboot firmware.
if [ -n "${mono_i[husk]:-}" ]; then
	if [ "${mono_i[husk]}" -le 100000 ]; then
		echo "target: husk reaches main() within 100,000 instructions of its entry: met (${mono_i[husk]})"
	else
		echo "target: husk reaches main() within 100,000 instructions of its entry: NOT met (${mono_i[husk]})"
	fi
fi
echo "(counts include firmware and halted time; the last column is CLOCK_MONOTONIC at main(),"
echo " counted from when that kernel started its clock: husk's at its first instruction,"
echo " Linux's at timekeeping init, well after its entry)"
