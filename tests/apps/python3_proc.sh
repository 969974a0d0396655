#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/apps/python3_proc.sh: Debian's python3 starts processes in a husk VM: subprocess.run, os.fork, os.posix_spawn and multiprocessing.Pool(4).map, against known output.
source "$(dirname "$0")/apps.bash"

PY=/usr/bin/python3.11
need_file "$PY" "install python3 (scripts/setup)"

# The standard library goes in at its host path, without what the test does not need.
files=$APPS_WORK/files
mkdir -p "$files"
tar -C / --exclude='usr/lib/python3.11/test' --exclude=idlelib --exclude=tkinter --exclude=ensurepip \
	--exclude=lib2to3 --exclude=pydoc_data --exclude=site-packages --exclude=dist-packages \
	--exclude=__pycache__ --exclude=turtledemo --exclude='config-3.11-x86_64-linux-gnu' \
	-cf - usr/lib/python3.11 | tar -C "$files" -xf -

cat >"$files/procs.py" <<'PY'
import os, subprocess, sys
r = subprocess.run([sys.executable, "-c", "print('child', 6 * 7)"], capture_output=True, text=True)
print("subprocess.run:", r.returncode, r.stdout.strip())
r = subprocess.run([sys.executable, "-c", "import sys; sys.exit(3)"])
print("subprocess status:", r.returncode)
pid = os.fork()
if pid == 0:
    os._exit(9)
_, st = os.waitpid(pid, 0)
print("os.fork:", os.waitstatus_to_exitcode(st))
pid = os.posix_spawn(sys.executable, [sys.executable, "-c", "import sys; sys.exit(4)"], os.environ)
_, st = os.waitpid(pid, 0)
print("posix_spawn:", os.waitstatus_to_exitcode(st))
p = subprocess.Popen([sys.executable, "-c", "import sys; print(sys.stdin.read().upper())"],
                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
out, _ = p.communicate("through pipes")
print("communicate:", out.strip(), p.returncode)

import multiprocessing

def square(x):
    return x * x

if __name__ == "__main__":
    with multiprocessing.Pool(4) as pool:
        print("Pool.map:", pool.map(square, range(10)))
PY

want=$("$PY" "$files/procs.py")
check python3-processes 0 "$want" -m 512M --files "$files" "$PY" /procs.py

apps_result
