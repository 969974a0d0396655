#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run.sh: runs husk's tests (unit, guest on QEMU, bad ELFs, guest on husk-vmm, the test network, apps) and ends with "N passed, N failed".
#
# Usage: tests/run.sh [-k PATTERN] [--native] [--list]
#   -k PATTERN   run only the cases whose id matches the extended regex PATTERN
#   --native     run the guest programs natively in a chroot instead of in a
#                VM (checks the tests themselves; needs root).  Kernel console
#                expectations (kexpect, once) are skipped, HUSK_NATIVE=1 is set.
#   --list       print the case ids and exit
# Environment: HUSK_TEST_JOBS (parallel guest cases, default 2), BUILD (build).
#
# Guest tests declare their cases in header lines of tests/guest/NAME.c:
#   // husk-test: KEY=VALUE KEY="VALUE WITH SPACES" ...
# one line per case.  Keys:
#   name=ID        case name (id NAME-ID; default NAME, or NAME-2, NAME-3, ...)
#   args="..."     program arguments, split as xargs splits ('single quotes'
#                  group words, '' is an empty argument)
#   env="A=1 B=2"  variables passed with -e, split at spaces
#   files=DIR      passed as --files DIR (relative to the repository)
#   mem=SIZE       passed as -m SIZE
#   opts="..."     extra husk run options, split at spaces (e.g. --verbose)
#   status=N       wanted exit status (default 0)
#   expect="..."   a string the output must contain (repeatable)
#   kexpect="..."  the same, but printed by the kernel, so not checked --native
#   once="..."     a kernel string that must appear exactly once (not --native)
#   never="..."    a kernel string that must not appear (not --native)
#   kopts="..."    extra kernel options (HUSK_KERNEL_OPTS), e.g. smap
#   backends=LIST  qemu,vmm: where the case runs (default qemu)
#   qemu="..."     extra QEMU options (HUSK_QEMU_ARGS), e.g. a NIC
#   machine=NAME   QEMU machine instead of microvm (HUSK_QEMU_MACHINE), e.g. q35
#   stdin="..."    console input (printf %b: \n is a newline), sent once the
#                  output shows "waiting for input" (so it arrives while the
#                  program waits); default none
#   vol=IMG:/MNT[:ro]  a copy of build/tests/ext2vol/IMG as a volume the
#                  kernel mounts at /MNT (husk run -v; any backend)
#   disk=IMG[:ro]  a copy of build/tests/ext2vol/IMG as the next virtio-blk
#                  device, not mounted (QEMU only; PCI with machine=), read-only with :ro; the
#                  devices are vda, vdb, ... in the order of vol= then disk=
#   killon="..."   stop the VM (SIGTERM to husk) as soon as the output holds
#                  this string, as a crash would
#   after="CMD"    a host command run after the VM (bash -c), with the disk
#                  copies in $DISK_vda, $DISK_vdb, ...; it must exit 0
#   timeout=SECS   default 120
#   vif=1          Xen only (tests/xen/run.py): a network interface on the
#                  xen-lab's bridge, with DHCP from dom0
# A case passes when the exit status matches and every expected string is in
# the output (husk's stdout and stderr, kept in build/tests/log/ID.log).

set -u
cd "$(dirname "$0")/.." || exit 2

BUILD=${BUILD:-build}
HUSK=$BUILD/bin/husk
GUESTBIN=$BUILD/tests/guest
LOGDIR=$BUILD/tests/log
RESDIR=$BUILD/tests/results
JOBS=${HUSK_TEST_JOBS:-2}
PATTERN=
NATIVE=0
LIST=0

while [ $# -gt 0 ]; do
	case $1 in
	-k) PATTERN=${2:?-k needs a pattern}; shift 2 ;;
	--native) NATIVE=1; shift ;;
	--list) LIST=1; shift ;;
	-h|--help) sed -n '4,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
[[ $JOBS =~ ^[1-9][0-9]*$ ]] || JOBS=2

mkdir -p "$LOGDIR" "$RESDIR"
rm -f "$RESDIR"/*.result "$RESDIR"/*.report

selected() {
	[ -z "$PATTERN" ] || [[ $1 =~ $PATTERN ]]
}

# ---- reporting --------------------------------------------------------------

# report ID STATUS WANT LOG [MISSING...]: prints PASS/FAIL for one case and
# leaves the verdict in $RESDIR/ID.result.
report() {
	local id=$1 status=$2 want=$3 log=$4 why="" m
	shift 4
	if [ "$status" = "$want" ] && [ $# -eq 0 ]; then
		echo "PASS $id"
		echo pass >"$RESDIR/$id.result"
		return
	fi
	why="status $status, wanted $want"
	[ "$status" = 124 ] && why="$why (timed out)"
	for m in "$@"; do
		why="$why; missing \"$m\""
	done
	echo "FAIL $id ($why; log: $log)"
	if [ -f "$log" ]; then
		tail -n 20 "$log" | sed 's/^/    | /'
	fi
	echo fail >"$RESDIR/$id.result"
}

# ---- a small job pool, so parallel cases still print one block each --------

running=0
declare -A job_id=()

pool_wait_one() {
	local pid
	wait -n -p pid
	cat "$RESDIR/${job_id[$pid]}.report"
	unset "job_id[$pid]"
	running=$((running - 1))
}

# pool_run ID FUNCTION ARGS...: runs FUNCTION in the background, its output
# held back until it is done.
pool_run() {
	local id=$1
	shift
	while [ "$running" -ge "$JOBS" ]; do
		pool_wait_one
	done
	"$@" >"$RESDIR/$id.report" 2>&1 &
	job_id[$!]=$id
	running=$((running + 1))
}

pool_drain() {
	while [ "$running" -gt 0 ]; do
		pool_wait_one
	done
}

# ---- running one guest case --------------------------------------------------

# native_run LOG TIMEOUT PROG FILES ARGS...: the program in a throwaway chroot
# laid out like husk's root (FILES tree, /bin/NAME, /tmp, /dev, /proc).
native_run() {
	local log=$1 tmo=$2 prog=$3 files=$4 root rc
	shift 4
	root=$(mktemp -d "${TMPDIR:-/tmp}/husk-native.XXXXXX") || return 125
	[ -n "$files" ] && cp -a "$files/." "$root/"
	mkdir -p "$root/bin" "$root/tmp" "$root/dev" "$root/proc"
	cp "$prog" "$root/bin/"
	mknod -m 666 "$root/dev/null" c 1 3
	mknod -m 666 "$root/dev/zero" c 1 5
	mknod -m 666 "$root/dev/urandom" c 1 9
	# A private mount namespace, so /proc goes away with the run.  The inner
	# sh turns a death by signal into status 128+n, as husk reports it.
	unshare --mount --propagation private -- sh -c \
		'mount -t proc proc "$1/proc" 2>/dev/null; shift; "$@"; exit $?' sh "$root" \
		env -i HUSK_NATIVE=1 "${native_env[@]}" \
		timeout "$tmo" /usr/sbin/chroot "$root" "/bin/$(basename "$prog")" "$@" >"$log" 2>&1
	rc=$?
	rm -rf "$root"
	return $rc
}

# disk_args ID: fresh copies of the case's disk images next to its log, as
# QEMU options (c_diskargs) and as variables for the after command (c_diskenv).
disk_args() {
	local id=$1 d img ro n=0 copy letter dev letters=(a b c d e f g h)
	c_diskargs="" c_diskenv=() c_volopts=()
	# vol=IMG:/MNT[:ro]: husk run -v with a fresh copy (any backend).
	for d in "${c_vols[@]}"; do
		img=${d%%:*}
		letter=${letters[n]}
		copy="$LOGDIR/$id.vd$letter.img"
		cp "$BUILD/tests/ext2vol/$img" "$copy"
		c_volopts+=(-v "$copy:${d#*:}")
		c_diskenv+=("DISK_vd$letter=$copy")
		n=$((n + 1))
	done
	for d in "${c_disks[@]}"; do
		img=${d%%:*} ro=""
		[ "$img" != "$d" ] && ro=",readonly=on"
		letter=${letters[n]}
		copy="$LOGDIR/$id.vd$letter.img"
		cp "$BUILD/tests/ext2vol/$img" "$copy"
		# On a PCI machine (machine=q35) the disk is a virtio-blk PCI function.
		dev=virtio-blk-device
		[ -n "$c_machine" ] && dev=virtio-blk-pci
		c_diskargs+=" -drive file=$copy,if=none,format=raw,id=vd$letter$ro -device $dev,drive=vd$letter"
		c_diskenv+=("DISK_vd$letter=$copy")
		n=$((n + 1))
	done
}

# feed_stdin LOG TIMEOUT: prints $c_stdin once LOG shows "waiting for input"
# (checked every 0.1 s, for at most TIMEOUT seconds); nothing without c_stdin.
feed_stdin() {
	local i
	[ -n "$c_stdin" ] || return 0
	for ((i = 0; i < $2 * 10; i++)); do
		grep -qF "waiting for input" "$1" 2>/dev/null && break
		sleep 0.1
	done
	printf '%b' "$c_stdin"
}

# guest_case ID PROG BACKEND: runs one parsed case (the c_* variables).
guest_case() {
	local id=$1 prog=$2 backend=$3 log="$LOGDIR/$1.log" status s n pid
	local -a cmd missing=() argv=() envopts=()
	native_env=()
	if [ -n "$c_args" ]; then
		mapfile -d '' argv < <(printf '%s' "$c_args" | xargs -r printf '%s\0')
	fi
	for s in $c_env; do
		envopts+=(-e "$s")
		native_env+=("$s")
	done
	if [ ! -x "$prog" ]; then
		echo "not built: $prog" >"$log"
		report "$id" 127 "$c_status" "$log" "(program not built)"
		return
	fi
	if [ "$NATIVE" = 1 ]; then
		native_run "$log" "$c_timeout" "$prog" "$c_files" "${argv[@]}" < <(printf '%b' "$c_stdin")
		status=$?
	else
		cmd=("$HUSK" run --backend "$backend")
		[ -n "$c_mem" ] && cmd+=(-m "$c_mem")
		cmd+=("${envopts[@]}")
		[ -n "$c_files" ] && cmd+=(--files "$c_files")
		# shellcheck disable=SC2206
		[ -n "$c_opts" ] && cmd+=($c_opts)
		disk_args "$id"
		cmd+=("${c_volopts[@]}")
		cmd+=("$prog" "${argv[@]}")
		printf '$ %q' "${cmd[@]}" >"$log"
		echo >>"$log"
		# feed_stdin only watches the log for the moment to send the input.
		# shellcheck disable=SC2094
		HUSK_QEMU_ARGS="$c_qemu$c_diskargs" HUSK_QEMU_MACHINE=$c_machine HUSK_KERNEL_OPTS=$c_kopts \
			timeout "$c_timeout" "${cmd[@]}" < <(feed_stdin "$log" "$c_timeout") >>"$log" 2>&1 &
		pid=$!
		if [ -n "$c_killon" ]; then
			# Stop the VM abruptly once the program said so: husk passes SIGTERM to
			# QEMU, which ends without letting the guest run again.
			while kill -0 "$pid" 2>/dev/null && ! grep -qF -- "$c_killon" "$log"; do
				sleep 0.2
			done
			kill -TERM "$pid" 2>/dev/null
		fi
		wait "$pid"
		status=$?
		if [ -n "$c_after" ]; then
			echo "\$ $c_after" >>"$log"
			env "${c_diskenv[@]}" bash -c "$c_after" >>"$log" 2>&1 || missing+=("(host check: $c_after)")
		fi
	fi
	for s in "${c_expect[@]}"; do
		grep -qF -- "$s" "$log" || missing+=("$s")
	done
	if [ "$NATIVE" = 0 ]; then
		for s in "${c_kexpect[@]}"; do
			grep -qF -- "$s" "$log" || missing+=("$s")
		done
		for s in "${c_once[@]}"; do
			n=$(grep -oF -- "$s" "$log" | wc -l)
			[ "$n" = 1 ] || missing+=("$s (exactly once; seen $n times)")
		done
		for s in "${c_never[@]}"; do
			! grep -qF -- "$s" "$log" || missing+=("$s (must not appear)")
		done
	fi
	report "$id" "$status" "$c_status" "$log" "${missing[@]}"
}

# parse_case LINE: sets the c_* variables from one husk-test line; returns 1
# (with a message in c_error) on a syntax error.
parse_case() {
	local rest=$1 key val
	c_name="" c_args="" c_env="" c_files="" c_mem="" c_opts="" c_status=0
	c_backends=qemu c_timeout=120 c_error="" c_qemu="" c_machine="" c_stdin="" c_after=""
	c_killon="" c_expect=() c_kexpect=() c_once=() c_never=() c_kopts="" c_disks=() c_vols=()
	local re='^[[:space:]]*([a-z]+)=("([^"]*)"|([^[:space:]"]*))(.*)$'
	while [[ $rest =~ [^[:space:]] ]]; do
		if ! [[ $rest =~ $re ]]; then
			c_error="cannot parse \"$rest\""
			return 1
		fi
		key=${BASH_REMATCH[1]}
		val=${BASH_REMATCH[3]}${BASH_REMATCH[4]}
		rest=${BASH_REMATCH[5]}
		case $key in
		name) c_name=$val ;;
		args) c_args=$val ;;
		env) c_env=$val ;;
		files) c_files=$val ;;
		mem) c_mem=$val ;;
		opts) c_opts=$val ;;
		status) c_status=$val ;;
		expect) c_expect+=("$val") ;;
		kexpect) c_kexpect+=("$val") ;;
		once) c_once+=("$val") ;;
		never) c_never+=("$val") ;;
		kopts) c_kopts=$val ;;
		backends) c_backends=$val ;;
		timeout) c_timeout=$val ;;
		qemu) c_qemu=$val ;;
		machine) c_machine=$val ;;
		disk) c_disks+=("$val") ;;
		vol) c_vols+=("$val") ;;
		after) c_after=$val ;;
		killon) c_killon=$val ;;
		stdin) c_stdin=$val ;;
		vif) ;;   # Xen only: tests/xen/run.py
		*) c_error="unknown key \"$key\""; return 1 ;;
		esac
	done
	[[ $c_status =~ ^[0-9]+$ ]] || { c_error="status \"$c_status\" is not a number"; return 1; }
	return 0
}

# guest_tests BACKEND: every case of every tests/guest/*.c that runs on BACKEND.
guest_tests() {
	local backend=$1 src name line n id suffix
	[ "$backend" = qemu ] && suffix="" || suffix="@$backend"
	for src in tests/guest/*.c; do
		[ -e "$src" ] || continue
		name=$(basename "$src" .c)
		n=0
		while IFS= read -r line; do
			n=$((n + 1))
			if ! parse_case "${line#*husk-test:}"; then
				id="$name-$n$suffix"
				selected "$id" || continue
				[ "$LIST" = 1 ] && { echo "$id"; continue; }
				echo "parse error in $src: $c_error" >"$LOGDIR/$id.log"
				report "$id" "-" "$c_status" "$LOGDIR/$id.log" "(a valid husk-test line)"
				continue
			fi
			[[ ,$c_backends, == *,$backend,* ]] || continue
			if [ -n "$c_name" ]; then
				id="$name-$c_name"
			elif [ "$n" = 1 ]; then
				id=$name
			else
				id="$name-$n"
			fi
			id=$id$suffix
			selected "$id" || continue
			[ "$LIST" = 1 ] && { echo "$id"; continue; }
			pool_run "$id" guest_case "$id" "$GUESTBIN/$name" "$backend"
		done < <(grep -E '^// husk-test:' "$src")
	done
	pool_drain
}

# ---- bad ELF files, made at test time from hello ---------------------------

make_bad_elves() {
	local hello=$GUESTBIN/hello
	[ -f "$hello" ] || return 1
	head -c 100 "$hello" >"$GUESTBIN/bad_truncated"
	cp "$hello" "$GUESTBIN/bad_class"
	printf '\001' | dd of="$GUESTBIN/bad_class" bs=1 seek=4 conv=notrunc status=none	# ELFCLASS32
	cp "$hello" "$GUESTBIN/bad_machine"
	printf '\267\000' | dd of="$GUESTBIN/bad_machine" bs=1 seek=18 conv=notrunc status=none	# EM_AARCH64
	printf 'this is not an ELF file\n' >"$GUESTBIN/bad_text"
	chmod +x "$GUESTBIN"/bad_*
}

bad_elf_tests() {
	local backend=$1 suffix bad id
	local -a bads=(bad_truncated bad_class bad_machine bad_text)
	[ "$backend" = qemu ] && suffix="" || { suffix="@$backend"; bads=(bad_truncated); }
	make_bad_elves
	for bad in "${bads[@]}"; do
		id=bad_elf-${bad#bad_}$suffix
		selected "$id" || continue
		[ "$LIST" = 1 ] && { echo "$id"; continue; }
		c_args="" c_env="" c_files="" c_mem="" c_opts="" c_status=126 c_timeout=120 c_qemu="" c_machine="" c_stdin=""
		c_after="" c_killon="" c_expect=() c_kexpect=(ELF) c_once=() c_never=() c_kopts="" c_disks=() c_vols=()
		pool_run "$id" guest_case "$id" "$GUESTBIN/$bad" "$backend"
	done
	pool_drain
	id=host-missing-program$suffix
	if [ "$NATIVE" = 0 ] && selected "$id"; then
		[ "$LIST" = 1 ] && { echo "$id"; return; }
		timeout 60 "$HUSK" run --backend "$backend" /nonexistent/program >"$LOGDIR/$id.log" 2>&1
		bad=$?
		if grep -qF "/nonexistent/program" "$LOGDIR/$id.log"; then
			report "$id" "$bad" 125 "$LOGDIR/$id.log"
		else
			report "$id" "$bad" 125 "$LOGDIR/$id.log" "/nonexistent/program"
		fi
	fi
}

# ---- Xen tooling on the host (the domUs themselves: make test-xen) -----------

# xen_cli_case ID WANT EXPECT... -- COMMAND...: runs COMMAND, checks its status and output.
xen_cli_case() {
	local id=$1 want=$2 got m
	local -a expect=() missing=()
	shift 2
	while [ "$1" != -- ]; do expect+=("$1"); shift; done
	shift
	selected "$id" || return 0
	[ "$LIST" = 1 ] && { echo "$id"; return 0; }
	timeout 60 "$@" </dev/null >"$LOGDIR/$id.log" 2>&1
	got=$?
	for m in "${expect[@]}"; do
		grep -qF -- "$m" "$LOGDIR/$id.log" || missing+=("$m")
	done
	report "$id" "$got" "$want" "$LOGDIR/$id.log" "${missing[@]}"
}

xen_cli_tests() {
	local img=$LOGDIR/xen-hello.img kernel
	kernel=$(realpath "$BUILD/kernel/husk.elf")
	"$HUSK" build -o "$img" "$GUESTBIN/hello" >"$LOGDIR/xen-build.log" 2>&1
	xen_cli_case xen-config 0 'type = "pvh"' "kernel = \"$kernel\"" "ramdisk = \"$(realpath "$img")\"" \
		'cmdline = "quiet -- /bin/hello"' 'memory = 32' 'name = "xen-hello"' \
		'vif = [ "bridge=xenbr0" ]' 'disk = [ "phy:/dev/vg/x,xvda,w" ]' 'on_crash = "destroy"' -- \
		"$HUSK" xen-config -m 32M --vif bridge=xenbr0 --disk phy:/dev/vg/x,xvda,w "$img"
	xen_cli_case xen-config-not-an-image 125 "not an image made by husk build" -- \
		"$HUSK" xen-config "$GUESTBIN/hello"
	# husk run's device options: vbds named as the kernel is told, a vif on a dom0 bridge.
	xen_cli_case xen-config-devices 0 \
		'cmdline = "quiet net.ip=192.168.100.20/24 net.gw=192.168.100.1 net.dns=192.168.100.1 vol=xvda:/data vol=xvdb:/www:ro -- /bin/hello"' \
		'vif = [ "bridge=xenbr0" ]' \
		"disk = [ \"format=raw,vdev=xvda,access=rw,target=$(realpath "$img")\", \"format=raw,vdev=xvdb,access=ro,target=$(realpath "$LOGDIR/xen-build.log")\" ]" -- \
		"$HUSK" xen-config --net bridge:xenbr0 --ip 192.168.100.20/24 --gw 192.168.100.1 \
		--dns 192.168.100.1 -v "$img:/data" -v "$LOGDIR/xen-build.log:/www:ro" "$img"
	xen_cli_case xen-config-tap 125 "use --net bridge:NAME" -- \
		"$HUSK" xen-config --net tap:tap0 "$img"
	xen_cli_case run-bridge-not-xen 125 "is for --backend xen" -- \
		"$HUSK" run --backend qemu --net bridge:xenbr0 "$GUESTBIN/hello"
	if ! PATH=$PATH:/usr/sbin:/sbin command -v xl >/dev/null; then
		xen_cli_case xen-run-no-toolstack 125 "needs the Xen toolstack" -- \
			"$HUSK" run --backend xen "$GUESTBIN/hello"
	fi
}

# ---- unit and app tests -------------------------------------------------------

unit_tests() {
	local t id
	for t in "$BUILD"/tests/unit/test_*; do
		[ -x "$t" ] && [ -f "$t" ] || continue
		case $t in *.d|*.o) continue ;; esac
		id=unit-$(basename "$t")
		selected "$id" || continue
		[ "$LIST" = 1 ] && { echo "$id"; continue; }
		timeout 120 "$t" >"$LOGDIR/$id.log" 2>&1
		report "$id" $? 0 "$LOGDIR/$id.log"
	done
}

# docs/syscalls.md must list every call the table has, each with a status.
doc_tests() {
	local id=doc-syscalls
	selected "$id" || return 0
	[ "$LIST" = 1 ] && { echo "$id"; return 0; }
	python3 scripts/syscalls-doc --check >"$LOGDIR/$id.log" 2>&1
	report "$id" $? 0 "$LOGDIR/$id.log"
}

app_tests() {
	local t id
	for t in tests/apps/*.sh; do
		[ -f "$t" ] || continue
		id=app-$(basename "$t" .sh)
		selected "$id" || continue
		[ "$LIST" = 1 ] && { echo "$id"; continue; }
		HUSK=$HUSK BUILD=$BUILD timeout 600 bash "$t" </dev/null >"$LOGDIR/$id.log" 2>&1
		report "$id" $? 0 "$LOGDIR/$id.log"
	done
}

# Host-side checks (tests/host/*.sh): each gets HUSK, BUILD and the backends
# to try, and passes with status 0.
host_tests() {
	local t id
	for t in tests/host/*.sh; do
		[ -f "$t" ] || continue
		id=host-$(basename "$t" .sh)
		selected "$id" || continue
		[ "$LIST" = 1 ] && { echo "$id"; continue; }
		HUSK=$HUSK BUILD=$BUILD timeout 600 bash "$t" "$@" </dev/null >"$LOGDIR/$id.log" 2>&1
		report "$id" $? 0 "$LOGDIR/$id.log"
	done
}

# monitor_case ID WANT EXPECT -- HUSK-VMM ARGS...: runs husk-vmm itself (no
# kernel: the tiny fixture guests of tests/fixtures) and checks status and
# output.  A command in the array monitor_wrap, if set, runs it; its stdin
# is the file monitor_stdin (default /dev/null), or a pipe carrying the line
# monitor_input when that is set.
monitor_wrap=()
monitor_stdin=/dev/null
monitor_input=
monitor_case() {
	local id=$1 want=$2 expect=$3 got
	shift 4
	selected "$id" || return 0
	[ "$LIST" = 1 ] && { echo "$id"; return 0; }
	if [ -n "$monitor_input" ]; then
		timeout 60 "${monitor_wrap[@]}" "$BUILD/bin/husk-vmm" "$@" \
			< <(printf '%s\n' "$monitor_input") >"$LOGDIR/$id.log" 2>&1
	else
		timeout 60 "${monitor_wrap[@]}" "$BUILD/bin/husk-vmm" "$@" \
			<"$monitor_stdin" >"$LOGDIR/$id.log" 2>&1
	fi
	got=$?
	if grep -qF -- "$expect" "$LOGDIR/$id.log"; then
		report "$id" "$got" "$want" "$LOGDIR/$id.log"
	else
		report "$id" "$got" "$want" "$LOGDIR/$id.log" "$expect"
	fi
}

# The monitor on its own: a guest that behaves, one that triple-faults, one
# that writes nonsense to the exit port, one that touches unclaimed MMIO, and
# bad input on the host side (statuses from include/husk/abi.h).
monitor_tests() {
	local fx=$BUILD/tests/fixtures
	head -c 1000 /dev/urandom >"$LOGDIR/garbage.elf"
	monitor_case vmm-fixture-pvh 42 SUCCESS -- "$fx/pvh-tiny.elf"
	monitor_case vmm-fixture-entry64 42 SUCCESS -- --entry=64 "$fx/pvh-tiny.elf"
	monitor_case vmm-triple-fault 70 "guest crashed" -- "$fx/pvh-tiny-triple.elf"
	monitor_case vmm-bad-exit-value 70 "husk-vmm" -- "$fx/pvh-tiny-bad-exit.elf"
	monitor_case vmm-unclaimed-mmio 70 "MMIO" -- "$fx/pvh-tiny-mmio.elf"
	monitor_case vmm-missing-kernel 125 "No such file" -- /nonexistent/kernel.elf
	monitor_case vmm-garbage-kernel 125 "not a valid x86-64 kernel ELF" -- "$LOGDIR/garbage.elf"
	monitor_case vmm-memory-too-small 125 "too small" -- -m 1M "$fx/pvh-tiny.elf"
	monitor_case vmm-wrong-abi 125 "built for husk ABI version 1001, but this husk-vmm speaks version 1" -- "$fx/pvh-tiny-bad-abi.elf"
	# Devices: a virtio-blk driven by the fixture through GET_ID and an
	# IOAPIC interrupt; a buffer outside RAM stops the device, not the
	# monitor; host-side errors name what failed.
	truncate -s 1M "$LOGDIR/vmm-disk.img"
	monitor_case vmm-virtio-blk 42 "virtio-blk id=husk-vda" -- \
		--disk "$LOGDIR/vmm-disk.img" "$fx/pvh-tiny-virtio.elf"
	monitor_case vmm-virtio-bad-buffer 42 "virtio-blk stopped on a bad buffer" -- \
		--disk "$LOGDIR/vmm-disk.img" "$fx/pvh-tiny-virtio-bad.elf"
	monitor_case vmm-disk-missing 125 "disk /nonexistent/disk.img: No such file" -- \
		--disk /nonexistent/disk.img "$fx/pvh-tiny.elf"
	monitor_case vmm-net-user 42 "virtio-net DHCP offer yiaddr=000000000a00020f" -- \
		--net user "$fx/pvh-tiny-virtio-net.elf"
	monitor_case vmm-bad-fwd 125 "--fwd 80:0" -- --fwd 80:0 "$fx/pvh-tiny.elf"
	# A forward whose host port is taken (by a listener held here) is refused.
	if [ "$LIST" = 1 ]; then
		monitor_case vmm-fwd-port-taken 125 "" -- /dev/null
	elif selected vmm-fwd-port-taken; then
		local port
		coproc HOLD { exec python3 -c 'import socket, sys
s = socket.socket(); s.bind(("0.0.0.0", 0)); s.listen()
print(s.getsockname()[1], flush=True); sys.stdin.read()'; }
		read -r port <&"${HOLD[0]}"
		monitor_case vmm-fwd-port-taken 125 "cannot listen on host port $port (in use" -- \
			--fwd "$port:80" "$fx/pvh-tiny.elf"
		kill "$HOLD_PID" 2>/dev/null
		wait "$HOLD_PID" 2>/dev/null
	fi
	# A tap the monitor may not open (root gives up CAP_NET_ADMIN for it).
	[ "$(id -u)" = 0 ] && monitor_wrap=(setpriv --bounding-set -net_admin --inh-caps -net_admin)
	monitor_case vmm-tap-denied 125 "tap husk-notap0: cannot open: Operation not permitted (it needs CAP_NET_ADMIN" -- \
		--net tap:husk-notap0 "$fx/pvh-tiny.elf"
	# The seccomp filter: a forbidden call (execve, made on purpose through a
	# test-only variable) after setup is reported and kills the monitor by SIGSYS.
	monitor_wrap=(env HUSK_VMM_SECCOMP_SELFTEST=1)
	monitor_case vmm-seccomp-kill 159 "forbidden system call 59 (execve) after the seccomp filter" -- \
		"$fx/pvh-tiny.elf"
	monitor_wrap=()
	# The console: input by polling and by interrupt (IRQ 4), from a pipe
	# and from a file, which epoll cannot watch.
	monitor_input="echo by polling"
	monitor_case vmm-console-poll 42 "echo by polling" -- "$fx/pvh-tiny-echo.elf"
	monitor_input="echo by interrupt"
	monitor_case vmm-console-irq 42 "echo by interrupt" -- "$fx/pvh-tiny-echo-irq.elf"
	monitor_input=
	printf 'echo from a file\n' >"$LOGDIR/vmm-console.in"
	monitor_stdin=$LOGDIR/vmm-console.in
	monitor_case vmm-console-irq-file 42 "echo from a file" -- "$fx/pvh-tiny-echo-irq.elf"
	monitor_stdin=/dev/null
}

# tests/net/*.sh: the test network (a private namespace with a tap and
# dnsmasq, tests/net/netns.bash).  Exit 0 passes, 77 skips (no root).
net_tests() {
	local t id rc
	for t in tests/net/*.sh; do
		[ -f "$t" ] || continue
		id=net-$(basename "$t" .sh)
		selected "$id" || continue
		[ "$LIST" = 1 ] && { echo "$id"; continue; }
		BUILD=$BUILD timeout 300 bash "$t" </dev/null >"$LOGDIR/$id.log" 2>&1
		rc=$?
		if [ "$rc" = 77 ]; then
			echo "SKIP $id ($(head -n 1 "$LOGDIR/$id.log"))"
			continue
		fi
		report "$id" "$rc" 0 "$LOGDIR/$id.log"
	done
}

# husk run with a volume and a NIC: what the kernel is told (its command
# line, printed with --verbose) must list the devices where this backend put
# them, before "--", the kernel must find the NIC there, and the program
# must still run.
device_cli_tests() {
	local backend=$1 id=husk-devices@$1 gsi0=16 gsi1=17 gsi2=18 log status
	[ "$backend" = qemu ] && { id=husk-devices; gsi0=5; gsi1=6; gsi2=7; }
	selected "$id" || return 0
	[ "$LIST" = 1 ] && { echo "$id"; return 0; }
	log=$LOGDIR/$id.log
	# A real (empty) file system: the kernel mounts it before the program runs.
	mke2fs -q -F -t ext2 "$LOGDIR/$id.img" 1M >/dev/null
	timeout 120 "$HUSK" run --backend "$backend" --verbose --net user \
		-v "$LOGDIR/$id.img:/data:ro" "$GUESTBIN/hello" </dev/null >"$log" 2>&1
	status=$?
	# The third is the virtio console of the stdio relay, after the disk and the NIC.
	local want="command line: virtio_mmio.device=512@0xfeb00000:$gsi0 virtio_mmio.device=512@0xfeb00200:$gsi1 virtio_mmio.device=512@0xfeb00400:$gsi2 husk.mux husk.notty net.ip=dhcp vol=vda:/data:ro -- /bin/hello"
	local -a missing=()
	grep -qF -- "$want" "$log" || missing+=("$want")
	grep -qF -- "Hello" "$log" || missing+=("Hello")
	# The kernel's virtio-net found the NIC where the options say (after the disk).
	grep -qF -- "eth0: 52:54:00:" "$log" || missing+=("eth0: 52:54:00:")
	report "$id" "$status" 0 "$log" "${missing[@]}"
}

# A tap husk may not open: one clear message naming it and the permission,
# on either backend (root gives up CAP_NET_ADMIN for it).
tap_denied_test() {
	local backend=$1 id=husk-tap-denied@$1 log status want
	local -a missing=()
	[ "$backend" = qemu ] && id=husk-tap-denied
	selected "$id" || return 0
	[ "$LIST" = 1 ] && { echo "$id"; return 0; }
	log=$LOGDIR/$id.log
	local -a wrap=()
	[ "$(id -u)" = 0 ] && wrap=(setpriv --bounding-set -net_admin --inh-caps -net_admin)
	timeout 120 "${wrap[@]}" "$HUSK" run --backend "$backend" --net tap:husk-notap0 \
		"$GUESTBIN/hello" </dev/null >"$log" 2>&1
	status=$?
	want="tap husk-notap0: cannot open: Operation not permitted (it needs CAP_NET_ADMIN"
	[ "$backend" = qemu ] && want="--net tap:husk-notap0: cannot open the tap: Operation not permitted (it needs CAP_NET_ADMIN"
	grep -qF -- "$want" "$log" || missing+=("$want")
	report "$id" "$status" 125 "$log" "${missing[@]}"
}

vmm_usable() {
	[ -x "$BUILD/bin/husk-vmm" ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]
}

# ---- main ----------------------------------------------------------------------

if [ "$NATIVE" = 1 ]; then
	# Bad ELFs test husk's loader; Linux's differs (it runs ELFCLASS32 x86-64).
	guest_tests qemu
else
	unit_tests
	doc_tests
	guest_tests qemu
	bad_elf_tests qemu
	device_cli_tests qemu
	tap_denied_test qemu
	xen_cli_tests
	if vmm_usable; then
		monitor_tests
		guest_tests vmm
		bad_elf_tests vmm
		device_cli_tests vmm
		tap_denied_test vmm
		net_tests
	elif [ "$LIST" = 0 ]; then
		echo "SKIP vmm cases (no $BUILD/bin/husk-vmm or no usable /dev/kvm)"
	fi
	if vmm_usable; then host_tests qemu vmm; else host_tests qemu; fi
	app_tests
fi
[ "$LIST" = 1 ] && exit 0

shopt -s nullglob
results=("$RESDIR"/*.result)
passed=0 failed=0
for r in "${results[@]}"; do
	if [ "$(cat "$r")" = pass ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
