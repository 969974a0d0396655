#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/apps/perl_proc.sh: Debian's perl starts processes in a husk VM (system, backticks, piped open, fork/waitpid), with busybox as /bin/sh, against the same script on the host.
source "$(dirname "$0")/apps.bash"

PERL=/usr/bin/perl
BB=/bin/busybox
need_file "$PERL" "perl-base is part of every Debian system"
need_file "$BB" "install busybox-static (scripts/setup)"

# /bin/sh and the few commands the script runs are busybox applets.
files=$APPS_WORK/files
mkdir -p "$files/bin"
cp "$BB" "$files/bin/busybox"
for a in sh echo tr printf; do
	ln -s busybox "$files/bin/$a"
done

script='
my $o = `echo back tick | tr a-z A-Z`;
print "backticks: $o";
my $r = system("true; exit 3");
print "system: ", $r >> 8, "\n";
system("/bin/sh", "-c", "echo list form");
my @l = `printf "a\nb\nc\n"`;
print "lines: ", scalar(@l), "\n";
open(my $fh, "-|", "echo", "piped open") or die "open: $!";
print "open: ", <$fh>;
close $fh;
my $pid = fork();
if ($pid == 0) { exit 6 }
waitpid($pid, 0);
print "fork: ", $? >> 8, "\n";
print "status: ", system("sh", "-c", "kill -TERM \$\$") & 127, "\n";
'

want=$("$PERL" -e "$script")
check perl-processes 0 "$want" --files "$files" "$PERL" -e "$script"

apps_result
