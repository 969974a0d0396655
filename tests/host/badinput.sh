#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# badinput.sh: the CLI's bad input from the host side: build -o over things that are not regular files, run on a FIFO, too little memory, damaged images.
#
# Each case checks the exit status and the message.  Usage: HUSK=... BUILD=... badinput.sh [BACKEND...]
set -u
HUSK=${HUSK:-build/bin/husk}
BUILD=${BUILD:-build}
HUSK=$(realpath "$HUSK")
HELLO=$(realpath "$BUILD/tests/guest/hello")
T=$(mktemp -d "${TMPDIR:-/tmp}/husk-badinput.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
fail=0

# expect NAME WANT_STATUS WANT_TEXT -- COMMAND...: runs COMMAND (60 s at most) and checks both.
expect() {
	local name=$1 want=$2 text=$3 out status
	shift 4
	out=$(timeout 60 "$@" </dev/null 2>&1)
	status=$?
	if [ "$status" = "$want" ] && grep -qF -- "$text" <<<"$out"; then
		echo "ok   $name (status $status)"
	else
		echo "FAIL $name: status $status (wanted $want), output:"
		printf '%s\n' "$out" | sed 's/^/    | /'
		fail=1
	fi
}

# ---- husk build -o never replaces what is not a regular file ----------------
mkfifo fifo
mkdir dir
mknod dev c 1 7          # a private copy of /dev/full
ln -s /dev/null link-to-device
ln -s missing link-dangling
touch target
ln -s target link-to-file
expect build-o-fifo 125 "a FIFO" -- "$HUSK" build -o fifo "$HELLO"
expect build-o-dir 125 "a directory" -- "$HUSK" build -o dir "$HELLO"
expect build-o-device 125 "a device" -- "$HUSK" build -o dev "$HELLO"
expect build-o-link-to-device 125 "not a regular file" -- "$HUSK" build -o link-to-device "$HELLO"
expect build-o-dangling-link 125 "missing file" -- "$HUSK" build -o link-dangling "$HELLO"
[ -p fifo ] && [ -d dir ] && [ -c dev ] && [ -L link-to-device ] && [ -c /dev/null ] && [ -L link-dangling ] ||
	{ echo "FAIL: husk build -o replaced something it refused"; ls -la; fail=1; }
# A symlink to a regular file: written through, the link stays.
expect build-o-link-to-file 0 "" -- "$HUSK" build -o link-to-file "$HELLO"
[ -L link-to-file ] && [ -s target ] || { echo "FAIL: build -o through a symlink: the link or its target is wrong"; ls -la; fail=1; }
expect build-o-new 0 "" -- "$HUSK" build -o new.img "$HELLO"

# ---- husk run on something that is not a regular file never blocks ---------
expect run-fifo 125 "not a regular file" -- "$HUSK" run fifo
expect run-dir 125 "directory" -- "$HUSK" run dir
# A host directory as a volume: refused with what to do instead (no 9p yet; never a silent copy).
expect run-v-dir 125 "sharing host directories (9p) is not supported yet, and nothing is copied" -- \
	"$HUSK" run -v dir:/mnt "$HELLO"

# ---- too little memory --------------------------------------------------------
# The CLI names the minimum for the image (kernel, image, a floor), on every backend.
expect mem-1M 125 "needs at least" -- "$HUSK" run -m 1 "$HELLO"
head -c 3500000 /dev/urandom >big.bin
mkdir files && mv big.bin files/
"$HUSK" build -o big.img --files files "$HELLO" >/dev/null 2>&1 || { echo "FAIL: husk build of big.img"; fail=1; }
expect mem-image 125 "needs at least" -- "$HUSK" run -m 6 big.img
expect mem-image-enough 0 "Hello from husk" -- "$HUSK" run --backend qemu -m 8 big.img

# ---- damaged images are refused, with the offset where they break -------------
"$HUSK" build -o good.img "$HELLO" >/dev/null 2>&1 || { echo "FAIL: husk build of good.img"; fail=1; }
size=$(stat -c %s good.img)
head -c $((size / 2)) good.img >half.img          # cut inside the program
head -c $((size - 20)) good.img >notrailer.img    # cut inside the trailer
cp good.img badheader.img                          # the second member's magic overwritten
second=$(grep -abo 070701 good.img | sed -n 2p | cut -d: -f1)
printf 'XXXXXX' | dd of=badheader.img bs=1 seek="$second" conv=notrunc status=none
for img in half notrailer badheader; do
	expect "damaged-$img" 125 "breaks at offset" -- "$HUSK" run "$img.img"
done
expect damaged-badheader-offset 125 "breaks at offset $second" -- "$HUSK" run badheader.img
# The kernel refuses them too (QEMU run by hand, past the CLI): status 126, which
# QEMU's isa-debug-exit reports as 126 * 2 + 1.
KERNEL=$(dirname "$HUSK")/../kernel/husk.elf
for img in half notrailer badheader; do
	expect "kernel-damaged-$img" 253 "malformed archive at offset" -- qemu-system-x86_64 -M microvm,x-option-roms=off \
		-accel tcg -cpu max -m 64 -smp 1 -nodefaults -no-user-config -display none -serial stdio -no-reboot \
		-device isa-debug-exit,iobase=0xf4,iosize=4 -kernel "$KERNEL" -initrd "$img.img" -append "quiet -- /bin/hello"
done

exit $fail
