#!/bin/sh
# console-input.sh: runs in the xen-lab's dom0 for the stdio cases of tests/xen/run.py:
# waits for the guest's domain, then types INPUT (a printf format: the bytes
# as cli/stdio.c frames them) into its PV console through "xl console", as
# husk run --backend xen does, and keeps xl console's stdin open (it leaves
# at the end of its stdin) until the domain is gone.
# With "pty" as HOW, the input is written to the console's pty instead
# (xenstore's console/tty), which xenconsoled relays as it relays xl console's.
# Usage: console-input.sh GUEST INPUT [HOW]
g=$1 input=$2 how=${3:-xl}
i=0
while [ $i -lt 600 ] && ! xl domid "$g" > /dev/null 2>&1; do
    sleep 0.5
    i=$((i + 1))
done
echo "husk-console-input: $g is domain $(xl domid "$g" 2>&1)"
if [ "$how" = pty ]; then
    tty=$(xenstore-read "/local/domain/$(xl domid "$g")/console/tty" 2>&1)
    sleep 1
    printf "$input" > "$tty"
    echo "husk-console-input: wrote to $tty: status $?"
    exit 0
fi
# The domain's end ends xl console; sleep only holds its stdin open until then.
{ printf "$input"; sleep 300; } | xl console "$g" > /dev/null 2>&1
echo "husk-console-input: xl console $g: status $?"
