#!/bin/sh
# console-input.sh: runs in the xen-lab's dom0 for the stdio cases of tests/xen/run.py:
# waits for the guest's domain, then types INPUT (a printf format: the bytes
# as cli/stdio.c frames them) into its PV console.  It writes to the
# console's pseudo-terminal (xenstore's console/tty), where xenconsole
# (xl console) writes what it reads: xl console itself needs a terminal as
# its stdin, which this background job has none of.
# Usage: console-input.sh GUEST INPUT
g=$1 input=$2
i=0
while [ $i -lt 600 ] && ! xl domid "$g" > /dev/null 2>&1; do
    sleep 0.5
    i=$((i + 1))
done
id=$(xl domid "$g" 2>&1)
tty=$(xenstore-read "/local/domain/$id/console/tty" 2>&1)
echo "husk-console-input: $g is domain $id, console $tty"
sleep 1
printf "$input" > "$tty"
echo "husk-console-input: wrote to $tty: status $?"
