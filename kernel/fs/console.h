/* SPDX-License-Identifier: MIT */
/* console.h: what the console's files (devfs.c) and its terminal line discipline (console_tty.c) share. */
#ifndef FS_CONSOLE_H
#define FS_CONSOLE_H

#include "kernel.h"
#include "vfs.h"
#include <asm-generic/termbits.h>
#include <asm-generic/termios.h>

/*
 * Input from the host's relay (husk.mux, cli/stdio.c) is framed with DLE:
 *   DLE DLE            one data byte 0x10
 *   DLE ']'            one data byte 0x1d (from the Xen relay: xl console's escape character)
 *   DLE 'e'            husk's stdin has ended
 *   DLE 'w' R 'x' C ';' the host terminal is now R rows by C columns (decimal)
 */

/* devfs.c: the next data byte from the console's input, the framing undone; -1 when none has arrived. */
int console_in_getc(void);
/* devfs.c: the relay said husk's stdin has ended. */
bool console_in_ended(void);
/* devfs.c: the window size husk.winsize= gave (24x80 otherwise). */
void console_initial_winsize(struct winsize *ws);

/*
 * console_tty.c: the console as a terminal, used when husk's stdin is one
 * (husk.mux without husk.notty).  The bytes the host terminal sends (raw:
 * the CLI puts it in raw mode) go through the line discipline of fs/pty_ldisc.c
 * (canonical editing, echo, ^C as SIGINT to the foreground group, ICRNL),
 * the program's output through its OPOST processing (ONLCR), so the program
 * sees what a Linux program sees on a terminal.  console_tty_init() returns
 * 0 when the terminal is set up; devfs.c then hands every console file
 * operation to the functions below.
 */
int console_tty_init(void);
/* From the console's interrupt: takes the input that arrived. */
void console_tty_input(void);
ssize_t console_tty_read(struct file *f, void *buf, size_t n);
ssize_t console_tty_write(enum console_stream s, const void *buf, size_t n);
unsigned console_tty_poll(void);
long console_tty_ioctl(unsigned long cmd, unsigned long arg);
/* The relay sent the host terminal's new size: TIOCGWINSZ gives it, the foreground group gets SIGWINCH. */
void console_tty_resize(unsigned rows, unsigned cols);

#endif
