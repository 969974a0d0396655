/* SPDX-License-Identifier: MIT */
/* syscall.h: the Linux x86-64 system call table and the handlers it lists (sys/table.c). */
#ifndef SYSCALL_H
#define SYSCALL_H

#include "kernel.h"
#include <asm/unistd_64.h>

struct trapframe;

/*
 * Handlers take the Linux arguments with their Linux types and return a
 * result or -errno.  The table stores them as syscall_fn: on x86-64 a call
 * through that type passes the six argument registers unchanged.
 */
typedef long (*syscall_fn)(long, long, long, long, long, long);

struct syscall_entry {
	const char *name;
	syscall_fn fn;
};

#define NR_SYSCALLS 512
extern const struct syscall_entry syscall_table[NR_SYSCALLS];
/* Linux's names for every number, for the one-time ENOSYS message (generated from asm/unistd_64.h). */
extern const char *const syscall_names[NR_SYSCALLS];

/* Runs the system call in tf->rax with tf's argument registers; result in tf->rax. */
void syscall_dispatch(struct trapframe *tf);
/* Logs "husk: syscall NAME not implemented" once per name; returns -ENOSYS. */
long syscall_unimplemented(long nr);

/* fs/: files and directories (sys/sys_file.c, sys/sys_dir.c) */
long sys_read(int fd, void *buf, size_t n);
long sys_write(int fd, const void *buf, size_t n);
long sys_readv(int fd, const void *iov, int iovcnt);
long sys_writev(int fd, const void *iov, int iovcnt);
long sys_pread64(int fd, void *buf, size_t n, off_t off);
long sys_pwrite64(int fd, const void *buf, size_t n, off_t off);
long sys_open(const char *path, int flags, unsigned mode);
long sys_openat(int dirfd, const char *path, int flags, unsigned mode);
long sys_creat(const char *path, unsigned mode);
long sys_close(int fd);
long sys_lseek(int fd, off_t off, int whence);
long sys_fstat(int fd, void *st);
long sys_stat(const char *path, void *st);
long sys_lstat(const char *path, void *st);
long sys_newfstatat(int dirfd, const char *path, void *st, int flags);
long sys_statx(int dirfd, const char *path, int flags, unsigned mask, void *stx);
long sys_getdents64(int fd, void *dirp, size_t n);
long sys_mkdir(const char *path, unsigned mode);
long sys_mkdirat(int dirfd, const char *path, unsigned mode);
long sys_unlink(const char *path);
long sys_unlinkat(int dirfd, const char *path, int flags);
long sys_rename(const char *oldpath, const char *newpath);
long sys_renameat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath);
long sys_renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, unsigned flags);
long sys_rmdir(const char *path);
long sys_dup(int fd);
long sys_dup2(int oldfd, int newfd);
long sys_dup3(int oldfd, int newfd, int flags);
long sys_fcntl(int fd, int cmd, unsigned long arg);
long sys_pipe(int *fds);
long sys_pipe2(int *fds, int flags);
long sys_ioctl(int fd, unsigned long cmd, unsigned long arg);
long sys_access(const char *path, int mode);
long sys_faccessat(int dirfd, const char *path, int mode);
long sys_faccessat2(int dirfd, const char *path, int mode, int flags);
long sys_getcwd(char *buf, size_t size);
long sys_chdir(const char *path);
long sys_fchdir(int fd);
long sys_readlink(const char *path, char *buf, size_t size);
long sys_readlinkat(int dirfd, const char *path, char *buf, size_t size);
long sys_symlink(const char *target, const char *path);
long sys_symlinkat(const char *target, int dirfd, const char *path);
long sys_link(const char *oldpath, const char *newpath);
long sys_linkat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, int flags);
long sys_chmod(const char *path, unsigned mode);
long sys_fchmod(int fd, unsigned mode);
long sys_fchmodat(int dirfd, const char *path, unsigned mode);
long sys_chown(const char *path, unsigned uid, unsigned gid);
long sys_fchown(int fd, unsigned uid, unsigned gid);
long sys_fchownat(int dirfd, const char *path, unsigned uid, unsigned gid, int flags);
long sys_lchown(const char *path, unsigned uid, unsigned gid);
long sys_truncate(const char *path, off_t len);
long sys_ftruncate(int fd, off_t len);
long sys_fsync(int fd);
long sys_fdatasync(int fd);
long sys_fadvise64(int fd, off_t off, off_t len, int advice);
long sys_mknod(const char *path, unsigned mode, unsigned dev);
long sys_mknodat(int dirfd, const char *path, unsigned mode, unsigned dev);
long sys_preadv(int fd, const void *iov, int iovcnt, unsigned long pos_l, unsigned long pos_h);
long sys_pwritev(int fd, const void *iov, int iovcnt, unsigned long pos_l, unsigned long pos_h);
long sys_preadv2(int fd, const void *iov, int iovcnt, unsigned long pos_l, unsigned long pos_h, int flags);
long sys_pwritev2(int fd, const void *iov, int iovcnt, unsigned long pos_l, unsigned long pos_h, int flags);
long sys_readahead(int fd, off_t off, size_t count);
long sys_fallocate(int fd, int mode, off_t off, off_t len);
long sys_sync(void);
long sys_mount(const char *source, const char *target, const char *type, unsigned long flags,
	       const void *data);
long sys_umount2(const char *target, int flags);
long sys_syncfs(int fd);
long sys_sync_file_range(int fd, off_t off, off_t nbytes, unsigned flags);
/* fs/flock.c, fs/memfd.c, sys/sys_splice.c */
long sys_flock(int fd, unsigned cmd);
long sys_memfd_create(const char *name, unsigned flags);
long sys_sendfile(int out_fd, int in_fd, off_t *offset, size_t count);
long sys_splice(int fd_in, off_t *off_in, int fd_out, off_t *off_out, size_t len, unsigned flags);
long sys_tee(int fd_in, int fd_out, size_t len, unsigned flags);
long sys_copy_file_range(int fd_in, off_t *off_in, int fd_out, off_t *off_out, size_t len, unsigned flags);
long sys_vmsplice(int fd, const void *iov, unsigned long nr_segs, unsigned flags);
long sys_umask(unsigned mask);
long sys_utimensat(int dirfd, const char *path, const void *times, int flags);
long sys_poll(void *fds, unsigned nfds, int timeout_ms);
long sys_ppoll(void *fds, unsigned nfds, const void *tsp, const void *sigmask, size_t sigsetsize);
long sys_select(int nfds, void *readfds, void *writefds, void *exceptfds, void *timeout);
long sys_pselect6(int nfds, void *readfds, void *writefds, void *exceptfds, void *timeout, const void *sig);
/* sys/sys_poll.c: helpers shared with epoll.  Deadlines are monotonic ns, 0 = never, 1 = don't wait. */
/* Waits on poll_waitq for a change of readiness, at most until deadline and, when recheck_ns is
 * not 0, for that long.  Returns 0 (re-check), -ETIMEDOUT once the deadline has passed, or -EINTR. */
int poll_wait_change(uint64_t deadline, uint64_t recheck_ns);
/* Reads a relative struct __kernel_timespec timeout; 0, -EFAULT or -EINVAL. */
int poll_timespec_deadline(const void *uts, uint64_t *deadline);
/* ppoll/pselect6/epoll_pwait: installs the temporary signal mask at umask (none if NULL); *old gets
 * the mask to restore.  Then poll_sigmask_end restores it, or after -EINTR leaves the temporary
 * mask for the handler and restores old when the handler returns (as sigsuspend). */
int poll_sigmask_begin(const void *umask, size_t size, uint64_t *old);
void poll_sigmask_end(bool set, uint64_t old, long result);
/* fs/eventfd.c, fs/timerfd.c, fs/signalfd.c, fs/epoll.c */
long sys_eventfd(unsigned initval);
long sys_eventfd2(unsigned initval, int flags);
long sys_timerfd_create(int clockid, int flags);
long sys_timerfd_settime(int fd, int flags, const void *new_value, void *old_value);
long sys_timerfd_gettime(int fd, void *cur_value);
long sys_signalfd(int fd, const void *mask, size_t sizemask);
long sys_signalfd4(int fd, const void *mask, size_t sizemask, int flags);
long sys_epoll_create(int size);
long sys_epoll_create1(int flags);
long sys_epoll_ctl(int epfd, int op, int fd, const void *event);
long sys_epoll_wait(int epfd, void *events, int maxevents, int timeout_ms);
long sys_epoll_pwait(int epfd, void *events, int maxevents, int timeout_ms, const void *sigmask,
		     size_t sigsetsize);
long sys_epoll_pwait2(int epfd, void *events, int maxevents, const void *timeout, const void *sigmask,
		      size_t sigsetsize);
long sys_statfs(const char *path, void *buf);
long sys_fstatfs(int fd, void *buf);
/* fs/inotify.c */
long sys_inotify_init(void);
long sys_inotify_init1(int flags);
long sys_inotify_add_watch(int fd, const char *path, uint32_t mask);
long sys_inotify_rm_watch(int fd, int wd);

/* fs/: extended attributes (sys/sys_xattr.c) */
long sys_getxattr(const char *path, const char *name, void *value, size_t size);
long sys_lgetxattr(const char *path, const char *name, void *value, size_t size);
long sys_fgetxattr(int fd, const char *name, void *value, size_t size);
long sys_setxattr(const char *path, const char *name, const void *value, size_t size, int flags);
long sys_lsetxattr(const char *path, const char *name, const void *value, size_t size, int flags);
long sys_fsetxattr(int fd, const char *name, const void *value, size_t size, int flags);
long sys_listxattr(const char *path, char *list, size_t size);
long sys_llistxattr(const char *path, char *list, size_t size);
long sys_flistxattr(int fd, char *list, size_t size);
long sys_removexattr(const char *path, const char *name);
long sys_lremovexattr(const char *path, const char *name);
long sys_fremovexattr(int fd, const char *name);

/* mm/: memory (sys/sys_mm.c) */
long sys_brk(uint64_t addr);
long sys_mmap(uint64_t addr, size_t len, int prot, int flags, int fd, off_t off);
long sys_munmap(uint64_t addr, size_t len);
long sys_mprotect(uint64_t addr, size_t len, int prot);
long sys_madvise(uint64_t addr, size_t len, int advice);
long sys_mremap(uint64_t old, size_t old_len, size_t new_len, int flags, uint64_t new_addr);
long sys_msync(uint64_t addr, size_t len, int flags);
long sys_mlock(uint64_t addr, size_t len);
long sys_mlock2(uint64_t addr, size_t len, int flags);
long sys_munlock(uint64_t addr, size_t len);
long sys_mlockall(int flags);
long sys_munlockall(void);
long sys_mincore(uint64_t addr, size_t len, unsigned char *vec);

/* sched/: processes and threads (sys/sys_proc.c, sys/sys_thread.c) */
long sys_arch_prctl(int code, uint64_t addr);
long sys_set_tid_address(int *tidptr);
long sys_set_robust_list(void *head, size_t len);
long sys_get_robust_list(int pid, void *head, void *len);
long sys_futex(uint32_t *uaddr, int op, uint32_t val, const void *timeout, uint32_t *uaddr2, uint32_t val3);
long sys_clone(unsigned long flags, uint64_t stack, int *ptid, int *ctid, uint64_t tls);
long sys_clone3(void *args, size_t size);
long sys_fork(void);
long sys_vfork(void);
long sys_execve(const char *path, char *const *argv, char *const *envp);
long sys_wait4(int pid, int *status, int options, void *rusage);
long sys_waitid(int idtype, int id, void *uinfo, int options, void *urusage);
long sys_execveat(int dirfd, const char *path, char *const *argv, char *const *envp, int flags);
long sys_setpgid(int pid, int pgid);
long sys_close_range(unsigned first, unsigned last, unsigned flags);
/* ipc/: System V shared memory, semaphores and message queues */
long sys_shmget(int key, size_t size, int flags);
long sys_shmat(int id, uint64_t addr, int flags);
long sys_shmdt(uint64_t addr);
long sys_shmctl(int id, int cmd, void *buf);
long sys_semget(int key, int nsems, int flags);
long sys_semop(int id, const void *sops, unsigned nsops);
long sys_semtimedop(int id, const void *sops, unsigned nsops, const void *timeout);
long sys_semctl(int id, int semnum, int cmd, unsigned long arg);
long sys_msgget(int key, int flags);
long sys_msgsnd(int id, const void *msg, size_t size, int flags);
long sys_msgrcv(int id, void *msg, size_t size, long type, int flags);
long sys_msgctl(int id, int cmd, void *buf);
long sys_pidfd_open(int pid, unsigned flags);
long sys_pidfd_send_signal(int fd, int sig, const void *uinfo, unsigned flags);
long sys_exit(int status);
long sys_exit_group(int status);
long sys_getpid(void);
long sys_gettid(void);
long sys_getppid(void);
long sys_getuid(void);
long sys_geteuid(void);
long sys_getgid(void);
long sys_getegid(void);
long sys_getresuid(unsigned *r, unsigned *e, unsigned *s);
long sys_getresgid(unsigned *r, unsigned *e, unsigned *s);
long sys_getgroups(int size, unsigned *list);
long sys_setgroups(int size, const unsigned *list);
long sys_setuid(unsigned uid);
long sys_setgid(unsigned gid);
long sys_setreuid(unsigned r, unsigned e);
long sys_setregid(unsigned r, unsigned e);
long sys_setresuid(unsigned r, unsigned e, unsigned s);
long sys_setresgid(unsigned r, unsigned e, unsigned s);
long sys_setfsuid(unsigned uid);
long sys_setfsgid(unsigned gid);
long sys_capget(void *hdr, void *data);
long sys_capset(void *hdr, const void *data);
long sys_getpgrp(void);
long sys_getpgid(int pid);
long sys_getsid(int pid);
long sys_setsid(void);
long sys_uname(void *buf);
long sys_sysinfo(void *info);
long sys_prlimit64(int pid, int resource, const void *new_limit, void *old_limit);
long sys_getrlimit(int resource, void *rlim);
long sys_setrlimit(int resource, const void *rlim);
long sys_getrusage(int who, void *usage);
long sys_getrandom(void *buf, size_t n, unsigned flags);
long sys_sched_yield(void);
long sys_sched_getaffinity(int pid, size_t size, void *mask);
long sys_sched_setaffinity(int pid, size_t size, const void *mask);
long sys_sched_get_priority_max(int policy);
long sys_sched_get_priority_min(int policy);
long sys_sched_getscheduler(int pid);
long sys_sched_setscheduler(int pid, int policy, const void *param);
long sys_sched_getparam(int pid, void *param);
long sys_sched_setparam(int pid, const void *param);
long sys_sched_rr_get_interval(int pid, void *ts);
long sys_getcpu(unsigned *cpu, unsigned *node, void *cache);
long sys_getpriority(int which, int who);
long sys_setpriority(int which, int who, int nice);
long sys_rt_sigaction(int sig, const void *act, void *oact, size_t sigsetsize);
long sys_rt_sigprocmask(int how, const void *set, void *oset, size_t sigsetsize);
long sys_sigaltstack(const void *ss, void *oss);
long sys_kill(int pid, int sig);
long sys_tgkill(int tgid, int tid, int sig);
long sys_tkill(int tid, int sig);
long sys_rt_sigreturn(void);
long sys_rt_sigsuspend(const void *mask, size_t sigsetsize);
long sys_rt_sigpending(void *set, size_t sigsetsize);
long sys_rt_sigtimedwait(const void *set, void *info, const void *ts, size_t sigsetsize);
long sys_rt_sigqueueinfo(int tgid, int sig, const void *info);
long sys_rt_tgsigqueueinfo(int tgid, int tid, int sig, const void *info);
long sys_pause(void);
long sys_rseq(void *rseq, uint32_t len, int flags, uint32_t sig);
long sys_prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5);

/* time/ (sys/sys_time.c) */
long sys_clock_gettime(int clk, void *ts);
long sys_clock_getres(int clk, void *ts);
long sys_gettimeofday(void *tv, void *tz);
long sys_time(int64_t *t);
long sys_nanosleep(const void *req, void *rem);
long sys_clock_nanosleep(int clk, int flags, const void *req, void *rem);
long sys_clock_settime(int clk, const void *ts);
long sys_settimeofday(const void *tv, const void *tz);
long sys_adjtimex(void *buf);
long sys_clock_adjtime(int clk, void *buf);
long sys_syslog(int type, char *buf, int len);
long sys_alarm(unsigned seconds);
long sys_setitimer(int which, const void *value, void *ovalue);
long sys_getitimer(int which, void *value);
long sys_timer_create(int clk, void *sevp, int *timerid);
long sys_timer_settime(int timerid, int flags, const void *value, void *ovalue);
long sys_timer_gettime(int timerid, void *value);
long sys_timer_getoverrun(int timerid);
long sys_timer_delete(int timerid);

/* net/: sockets (sys/sys_socket.c) */
long sys_socket(int family, int type, int protocol);
long sys_socketpair(int family, int type, int protocol, int *sv);
long sys_bind(int fd, const void *addr, int len);
long sys_listen(int fd, int backlog);
long sys_accept(int fd, void *addr, int *len);
long sys_accept4(int fd, void *addr, int *len, int flags);
long sys_connect(int fd, const void *addr, int len);
long sys_getsockname(int fd, void *addr, int *len);
long sys_getpeername(int fd, void *addr, int *len);
long sys_sendto(int fd, const void *buf, size_t len, int flags, const void *addr, int alen);
long sys_recvfrom(int fd, void *buf, size_t len, int flags, void *addr, int *alen);
long sys_sendmsg(int fd, const void *msg, int flags);
long sys_recvmsg(int fd, void *msg, int flags);
long sys_sendmmsg(int fd, void *vec, unsigned vlen, int flags);
long sys_recvmmsg(int fd, void *vec, unsigned vlen, int flags, void *timeout);
long sys_shutdown(int fd, int how);
long sys_setsockopt(int fd, int level, int name, const void *val, int len);
long sys_getsockopt(int fd, int level, int name, void *val, int *len);

#endif
