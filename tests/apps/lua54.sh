#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/apps/lua54.sh: Debian's dynamically linked lua5.4 runs a script (strings, tables, closures, time, /tmp files) in a VM.
source "$(dirname "$0")/apps.bash"

LUA=/usr/bin/lua5.4
need_file "$LUA" "install lua5.4 (scripts/setup)"

files=$APPS_WORK/files
mkdir -p "$files"
cat >"$files/check.lua" <<'LUA'
local words = {}
for w in ("the quick brown fox jumps over the lazy dog"):gmatch("%a+") do
  words[#words + 1] = w:upper()
end
table.sort(words)
local function counter()
  local n = 0
  return function(k) n = n + k; return n end
end
local c = counter()
for i = 1, 10 do c(i) end
local t = os.time()
assert(t > 1600000000, "os.time " .. tostring(t))
local f = assert(io.open("/tmp/lua54.txt", "w"))
f:write(string.format("%s|%d|%.3f|%x\n", table.concat(words, ","), c(0), math.pi, 48879))
f:close()
f = assert(io.open("/tmp/lua54.txt", "r"))
local line = f:read("l")
f:close()
assert(os.remove("/tmp/lua54.txt"))
print("lua54: " .. line .. "|" .. _VERSION .. "|" .. #arg)
os.exit(7)
LUA
stage_libs "$files" "$LUA"

# The script's own status (7) must leave the VM, and its line the console.
check script 7 "lua54: BROWN,DOG,FOX,JUMPS,LAZY,OVER,QUICK,THE,THE|55|3.142|beef|Lua 5.4|2" \
	--files "$files" "$LUA" /check.lua one "two words"
# An error reaches stderr (the console) with the traceback, status 1; husk
# packs the program as /bin/lua5.4, its argv[0].
check error 1 "$(printf '%s\n' "/bin/lua5.4: (command line):1: boom" "stack traceback:" \
	"	[C]: in function 'error'" "	(command line):1: in main chunk" "	[C]: in ?")" \
	"$LUA" -e 'error("boom")'
apps_result
