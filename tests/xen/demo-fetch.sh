#!/bin/sh
# demo-fetch.sh: runs in the xen-lab's dom0 for the nginx demo of tests/xen/run.py:
# waits for the guest's web server on the bridge, fetches its page with
# busybox wget, prints it, then asks the guest to shut down with
# "xl shutdown" (husk turns it into SIGTERM for nginx, which then exits 0).
# Usage: demo-fetch.sh GUEST ADDRESS
# The wait is a ping per half second, which costs dom0 (which also serves
# the other guests' disks and consoles) far less than xl or wget would.
# Busybox 1.35's wget (Debian 12) dies of a segfault when given -T: the
# time limit comes from the timeout applet instead.
g=$1 addr=$2
i=0
while [ $i -lt 600 ]; do
    if ping -c 1 -W 1 "$addr" > /dev/null 2>&1 &&
       timeout 10 wget -q -O /run/husk-demo.page "http://$addr/" 2> /dev/null; then
        echo "husk-demo: fetched http://$addr/: $(cat /run/husk-demo.page)"
        sleep 1     # the guest's access log line reaches the console
        echo "husk-demo: xl shutdown $g: $(xl shutdown "$g" 2>&1 | tr '\n' ' ')status $?"
        exit 0
    fi
    if [ $((i % 40)) = 20 ]; then   # progress, for the serial log
        echo "husk-demo: waiting: xl domid $(xl domid "$g" 2>&1 | head -n 1);" \
            "ping: $(ping -c 1 -W 1 "$addr" 2>&1 | grep -c 'bytes from')"
    fi
    sleep 0.5
    i=$((i + 1))
done
echo "husk-demo: no page from http://$addr/"
