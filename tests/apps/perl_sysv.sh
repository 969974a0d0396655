#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/apps/perl_sysv.sh: Debian's perl uses System V IPC in a husk VM (its built-in shmget/shmwrite/shmread, semget/semop, msgsnd/msgrcv across fork), against the same script on the host.
source "$(dirname "$0")/apps.bash"

PERL=/usr/bin/perl
need_file "$PERL" "perl-base is part of every Debian system"

# Numeric constants (IPC_PRIVATE 0, IPC_CREAT 01000, IPC_NOWAIT 04000, IPC_RMID 0,
# GETVAL 12, SETVAL 16): IPC::SysV is in libperl, not in perl-base.
script='
my $shm = shmget(0, 4096, 0600) // die "shmget: $!";
my $sem = semget(0, 1, 0600) // die "semget: $!";
my $msg = msgget(0, 0600) // die "msgget: $!";
semctl($sem, 0, 16, 0) or die "SETVAL: $!";
my $pid = fork();
if ($pid == 0) {
	shmwrite($shm, "hello from the child", 0, 20) or die "shmwrite: $!";
	semop($sem, pack("s!3", 0, 1, 0)) or die "semop: $!";
	my $m;
	msgrcv($msg, $m, 64, 1, 0) or die "msgrcv: $!";
	msgsnd($msg, pack("l! a*", 2, "pong:" . substr($m, 8)), 0) or die "msgsnd: $!";
	exit 0;
}
semop($sem, pack("s!3", 0, -1, 0)) or die "semop wait: $!";
my $buf;
shmread($shm, $buf, 0, 20) or die "shmread: $!";
print "shm: $buf\n";
print "sem: ", semctl($sem, 0, 12, 0), "\n";
msgsnd($msg, pack("l! a*", 1, "ping"), 0) or die "msgsnd: $!";
my $r;
msgrcv($msg, $r, 64, 2, 0) or die "msgrcv: $!";
my ($type, $text) = unpack("l! a*", $r);
print "msg: type $type $text\n";
waitpid($pid, 0);
print "child: $?\n";
print "empty: ", (msgrcv($msg, $r, 64, 0, 04000) ? "no" : "yes"), "\n";
shmctl($shm, 0, 0) or die; semctl($sem, 0, 0, 0) or die; msgctl($msg, 0, 0) or die;
print "removed: ", (defined semctl($sem, 0, 12, 0) ? "no" : "yes"), "\n";
'

want=$("$PERL" -e "$script")
check perl-sysv-ipc 0 "$want" "$PERL" -e "$script"

apps_result
