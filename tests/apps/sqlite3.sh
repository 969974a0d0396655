#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/apps/sqlite3.sh: Debian's sqlite3 makes a database on an ext4 volume (husk run -v: virtio-blk); on the host the image is fsck-clean and PRAGMA integrity_check says ok.
source "$(dirname "$0")/apps.bash"

SQLITE=/usr/bin/sqlite3
need_file "$SQLITE" "install sqlite3 (scripts/setup)"

img=$APPS_WORK/data.ext4
mke2fs -q -F -t ext4 "$img" 32M >/dev/null
files=$APPS_WORK/files
mkdir -p "$files"
{
	echo "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, blob BLOB);"
	echo "CREATE INDEX t_name ON t(name);"
	echo "BEGIN;"
	for i in $(seq 1 2000); do
		echo "INSERT INTO t (name, blob) VALUES ('name-$i', randomblob($((i % 700))));"
	done
	echo "COMMIT;"
	echo "DELETE FROM t WHERE id % 3 = 0;"
	echo "UPDATE t SET name = name || '-x' WHERE id % 5 = 0;"
	echo "SELECT count(*) FROM t;"
} >"$files/script.sql"
stage_libs "$files" "$SQLITE"

# The database lives on the volume; its journal too (rollback journal, fsync'ed).
# stdin is /dev/null, no terminal: sqlite3 is not interactive and, as on
# Linux, does not announce "-- Loading resources from /script.sql".
check create 0 "1334" \
	--backend qemu -m 256M -v "$img:/data" --files "$files" "$SQLITE" -init /script.sql /data/test.db .quit

# The host's tools on the image the guest left.
if ! e2fsck -fn "$img" >"$APPS_WORK/fsck" 2>&1; then
	echo "FAIL fsck: e2fsck -fn found problems"
	sed 's/^/    | /' "$APPS_WORK/fsck"
	apps_failed=$((apps_failed + 1))
else
	echo "PASS fsck"
fi
debugfs -R "dump /test.db $APPS_WORK/test.db" "$img" 2>/dev/null
got=$(sqlite3 "$APPS_WORK/test.db" "PRAGMA integrity_check; SELECT count(*) FROM t; SELECT count(*) FROM t WHERE name LIKE '%-x';" 2>&1 || true)
want=$(printf '%s\n' ok 1334 267)
if [ "$got" = "$want" ]; then
	echo "PASS integrity"
else
	echo "FAIL integrity: got"
	printf '%s\n' "$got" | sed 's/^/    | /'
	apps_failed=$((apps_failed + 1))
fi
apps_result
