#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/apps/husk_disk.sh: "husk disk" makes an ext4 image from a directory; busybox reads and changes it as a volume (husk run -v), and the host finds it fsck-clean.
source "$(dirname "$0")/apps.bash"

BB=/bin/busybox
need_file "$BB" "install busybox-static (scripts/setup)"

tree=$APPS_WORK/tree
mkdir -p "$tree/etc/app" "$tree/var"
printf 'setting=1\n' >"$tree/etc/app/conf"
chmod 0640 "$tree/etc/app/conf"
ln -s app/conf "$tree/etc/link"
img=$APPS_WORK/vol.ext4
if ! "$HUSK" disk -o "$img" -s 24M "$tree" >"$APPS_WORK/out" 2>&1; then
	echo "FAIL husk disk"
	sed 's/^/    | /' "$APPS_WORK/out"
	exit 1
fi
echo "PASS husk disk"
if "$HUSK" disk -o "$APPS_WORK/none.ext4" "$APPS_WORK/missing" >/dev/null 2>&1 || [ -e "$APPS_WORK/none.ext4" ]; then
	echo "FAIL husk disk of a missing directory succeeded"
	apps_failed=$((apps_failed + 1))
else
	echo "PASS husk disk refuses a missing directory"
fi

check cat 0 "setting=1" --backend qemu -v "$img:/vol" "$BB" cat /vol/etc/link
check stat 0 "640 regular file" --backend qemu -v "$img:/vol" "$BB" stat -c '%a %F' /vol/etc/app/conf
check cp 0 "" --backend qemu -v "$img:/vol" "$BB" cp /vol/etc/app/conf /vol/var/copy
if e2fsck -fn "$img" >/dev/null 2>&1 && [ "$(debugfs -R 'cat /var/copy' "$img" 2>/dev/null)" = "setting=1" ]; then
	echo "PASS host"
else
	echo "FAIL host: e2fsck or the copy"
	apps_failed=$((apps_failed + 1))
fi
apps_result
