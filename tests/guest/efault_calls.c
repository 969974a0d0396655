/* SPDX-License-Identifier: MIT */
/* efault_calls.c: every class of system call given bad user memory returns EFAULT (as Linux does) and the program lives on. */
// husk-test: status=0 expect="SUCCESS" expect="efault_calls: 5 kinds of bad pointer" backends=qemu,vmm timeout=240
// husk-test: name=smap status=0 expect="SUCCESS" kexpect="husk: smap on" never="outside the user copies" kopts=smap backends=qemu timeout=240
/*
 * The bad pointers: a MAP_SHARED page past the end of its file (it passes
 * every check against the address space, then faults when touched, which is
 * what a buffer unmapped by another thread mid-call looks like to the
 * kernel), a page just unmapped, a PROT_NONE page, a kernel-half address
 * and a non-canonical one.  Each call is made with each of them, in the
 * place of the one user pointer it tests; the other arguments are good.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <pty.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include "check.h"

#define PAGE 4096

static char *bad;             /* the pointer under test */
static int pipe_r, pipe_w;    /* a pipe with data in it, refilled */
static int unix_a, unix_b;    /* a connected AF_UNIX stream pair */
static int dgram_a, dgram_b;  /* a connected AF_UNIX datagram pair */
static int tcp_a, tcp_b;      /* a TCP connection over loopback */
static int udp_a, udp_b;      /* connected UDP sockets over loopback */
static int efd, epfd, ptm, pts, ifd, regfd, dirfd_;
static char *good_page;      /* a mapped page, for mincore */

/* Queues data for a receive test (every sending end is non-blocking). */
static void refill(int fd, const char *what)
{
	(void)!write(fd, what, strlen(what));
}

static void refill_eventfd(void)
{
	uint64_t one = 1;

	(void)!write(efd, &one, sizeof(one));
}

/* ---- the calls: each uses `bad` where one user pointer goes ---- */

static long c_read_zero(void) { int fd = open("/dev/zero", O_RDONLY); long r = syscall(SYS_read, fd, bad, 16); close(fd); return r; }
static long c_read_urandom(void) { int fd = open("/dev/urandom", O_RDONLY); long r = syscall(SYS_read, fd, bad, 16); close(fd); return r; }
static long c_getrandom(void) { return syscall(SYS_getrandom, bad, 16, 0); }
static long c_read_pipe(void) { refill(pipe_w, "data"); return syscall(SYS_read, pipe_r, bad, 4); }
static long c_write_pipe(void) { return syscall(SYS_write, pipe_w, bad, 4); }
static long c_read_file(void) { return syscall(SYS_pread64, regfd, bad, 8, 0); }
static long c_write_file(void) { return syscall(SYS_pwrite64, regfd, bad, 8, 0); }
static long c_write_console(void) { return syscall(SYS_write, 1, bad, 4); }
static long c_readv_array(void) { refill(pipe_w, "data"); return syscall(SYS_readv, pipe_r, bad, 1); }
static long c_writev_array(void) { return syscall(SYS_writev, pipe_w, bad, 1); }
static long c_preadv_array(void) { return syscall(SYS_preadv, regfd, bad, 2, 0, 0); }
static long c_readv_buffer(void)
{
	struct iovec iov[2] = { { bad, 4 }, { bad, 4 } };

	refill(pipe_w, "data");
	return syscall(SYS_readv, pipe_r, iov, 2);
}
static long c_vmsplice_array(void) { return syscall(SYS_vmsplice, pipe_w, bad, 1, 0); }
static long c_poll(void) { return syscall(SYS_poll, bad, 1, 0); }
static long c_ppoll(void) { struct timespec ts = { 0, 0 }; return syscall(SYS_ppoll, bad, 2, &ts, NULL, 8); }
static long c_select(void) { struct timeval tv = { 0, 0 }; return syscall(SYS_select, 8, bad, NULL, NULL, &tv); }
static long c_select_tv(void) { fd_set s; FD_ZERO(&s); FD_SET(pipe_r, &s); return syscall(SYS_select, pipe_r + 1, &s, NULL, NULL, bad); }
static long c_epoll_wait(void) { refill_eventfd(); return syscall(SYS_epoll_wait, epfd, bad, 4, 0); }
static long c_epoll_ctl(void) { return syscall(SYS_epoll_ctl, epfd, EPOLL_CTL_MOD, efd, bad); }
static long c_pipe2(void) { return syscall(SYS_pipe2, bad, 0); }
static long c_socketpair(void) { return syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, bad); }
static long c_eventfd_read(void) { refill_eventfd(); return syscall(SYS_read, efd, bad, 8); }
static long c_eventfd_write(void) { return syscall(SYS_write, efd, bad, 8); }
static long c_timerfd_read(void)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, 0);
	struct itimerspec it = { { 0, 0 }, { 0, 1000 } };
	long r;

	timerfd_settime(fd, 0, &it, NULL);
	usleep(2000);
	r = syscall(SYS_read, fd, bad, 8);
	close(fd);
	return r;
}
static long c_timerfd_settime(void) { int fd = timerfd_create(CLOCK_MONOTONIC, 0); long r = syscall(SYS_timerfd_settime, fd, 0, bad, NULL); close(fd); return r; }
static long c_inotify_read(void)
{
	char path[64];

	snprintf(path, sizeof(path), "/tmp/efault_ino_%d", rand());
	close(open(path, O_CREAT | O_WRONLY, 0644));
	return syscall(SYS_read, ifd, bad, 4096);
}
static long c_proc_read(void) { int fd = open("/proc/self/status", O_RDONLY); long r = syscall(SYS_read, fd, bad, 64); close(fd); return r; }
static long c_getdents(void) { lseek(dirfd_, 0, SEEK_SET); return syscall(SYS_getdents64, dirfd_, bad, 4096); }
static long c_readlink(void) { return syscall(SYS_readlink, "/proc/self/exe", bad, 64); }
static long c_getcwd(void) { return syscall(SYS_getcwd, bad, 64); }
static long c_stat(void) { return syscall(SYS_stat, "/", bad); }
static long c_open_path(void) { return syscall(SYS_open, bad, O_RDONLY); }
static long c_sendto_unix(void) { return syscall(SYS_sendto, dgram_a, bad, 8, 0, NULL, 0); }
static long c_recv_unix_dgram(void) { refill(dgram_b, "dgram"); return syscall(SYS_recvfrom, dgram_a, bad, 8, 0, NULL, NULL); }
static long c_recv_unix_stream(void) { refill(unix_b, "stream"); return syscall(SYS_recvfrom, unix_a, bad, 8, 0, NULL, NULL); }
static long c_send_unix_stream(void) { return syscall(SYS_sendto, unix_a, bad, 8, 0, NULL, 0); }
static long c_sendmsg_hdr(void) { return syscall(SYS_sendmsg, unix_a, bad, 0); }
static long c_recvmsg_hdr(void) { refill(unix_b, "hdr"); return syscall(SYS_recvmsg, unix_a, bad, 0); }
static long c_sendmsg_iov(void)
{
	struct msghdr m = { 0 };

	m.msg_iov = (struct iovec *)bad;
	m.msg_iovlen = 1;
	return syscall(SYS_sendmsg, unix_a, &m, 0);
}
static long c_sendmmsg(void) { return syscall(SYS_sendmmsg, dgram_a, bad, 1, 0); }
static long c_recvmmsg(void) { refill(dgram_b, "mm"); return syscall(SYS_recvmmsg, dgram_a, bad, 1, MSG_DONTWAIT, NULL); }
static long c_send_tcp(void) { return syscall(SYS_sendto, tcp_a, bad, 8, 0, NULL, 0); }
static long c_recv_tcp(void)
{
	struct pollfd p = { tcp_a, POLLIN, 0 };

	refill(tcp_b, "tcp");
	poll(&p, 1, 2000);
	return syscall(SYS_recvfrom, tcp_a, bad, 8, 0, NULL, NULL);
}
static long c_send_udp(void) { return syscall(SYS_sendto, udp_a, bad, 8, 0, NULL, 0); }
static long c_recv_udp(void)
{
	struct pollfd p = { udp_a, POLLIN, 0 };

	refill(udp_b, "udp");
	poll(&p, 1, 2000);
	return syscall(SYS_recvfrom, udp_a, bad, 8, MSG_DONTWAIT, NULL, NULL);
}
static long c_getsockname(void) { socklen_t n = sizeof(struct sockaddr_in); return syscall(SYS_getsockname, tcp_a, bad, &n); }
static long c_getsockopt(void) { socklen_t n = 4; return syscall(SYS_getsockopt, tcp_a, SOL_SOCKET, SO_TYPE, bad, &n); }
static long c_netlink_send(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW, 0);
	long r = syscall(SYS_sendto, fd, bad, 32, 0, NULL, 0);

	close(fd);
	return r;
}
static long c_siocgifconf(void)
{
	struct ifconf c = { .ifc_len = 256, .ifc_buf = bad };

	return syscall(SYS_ioctl, udp_a, SIOCGIFCONF, &c);
}
static long c_siocgifindex(void) { return syscall(SYS_ioctl, udp_a, SIOCGIFINDEX, bad); }
static long c_fionread(void) { return syscall(SYS_ioctl, pipe_r, FIONREAD, bad); }
static long c_pty_write(void) { return syscall(SYS_write, pts, bad, 4); }
static long c_pty_master_write(void) { return syscall(SYS_write, ptm, bad, 4); }
static long c_pty_read(void) { (void)!write(ptm, "x\n", 2); usleep(1000); return syscall(SYS_read, pts, bad, 8); }
static long c_pty_master_read(void) { (void)!write(pts, "y\n", 2); usleep(1000); return syscall(SYS_read, ptm, bad, 8); }
static long c_tiocgwinsz(void) { return syscall(SYS_ioctl, pts, TIOCGWINSZ, bad); }
static long c_tcgets(void) { return syscall(SYS_ioctl, pts, TCGETS, bad); }
static long c_fcntl_getlk(void) { return syscall(SYS_fcntl, regfd, F_GETLK, bad); }
static long c_fcntl_setlk(void) { return syscall(SYS_fcntl, regfd, F_SETLK, bad); }
static long c_sigaltstack(void) { return syscall(SYS_sigaltstack, bad, NULL); }
static long c_sigaltstack_old(void) { return syscall(SYS_sigaltstack, NULL, bad); }
static long c_sigaction(void) { return syscall(SYS_rt_sigaction, SIGUSR2, NULL, bad, 8); }
static long c_sigprocmask(void) { return syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, bad, 8); }
static long c_sigpending(void) { return syscall(SYS_rt_sigpending, bad, 8); }
static long c_getrlimit(void) { return syscall(SYS_getrlimit, RLIMIT_NOFILE, bad); }
static long c_prlimit(void) { return syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, bad, NULL); }
static long c_getrusage(void) { return syscall(SYS_getrusage, RUSAGE_SELF, bad); }
static long c_sysinfo(void) { return syscall(SYS_sysinfo, bad); }
static long c_uname(void) { return syscall(SYS_uname, bad); }
static long c_sched_getaffinity(void) { return syscall(SYS_sched_getaffinity, 0, 128, bad); }
static long c_sched_getparam(void) { return syscall(SYS_sched_getparam, 0, bad); }
static long c_sched_rr(void) { return syscall(SYS_sched_rr_get_interval, 0, bad); }
static long c_clock_gettime(void) { return syscall(SYS_clock_gettime, CLOCK_MONOTONIC, bad); }
static long c_clock_settime(void) { return syscall(SYS_clock_settime, CLOCK_REALTIME, bad); }
static long c_nanosleep(void) { return syscall(SYS_nanosleep, bad, NULL); }
static long c_gettimeofday(void) { return syscall(SYS_gettimeofday, bad, NULL); }
static long c_setitimer(void) { return syscall(SYS_setitimer, ITIMER_REAL, bad, NULL); }
static long c_getitimer(void) { return syscall(SYS_getitimer, ITIMER_REAL, bad); }
static long c_timer_create(void) { return syscall(SYS_timer_create, CLOCK_MONOTONIC, NULL, bad); }
static long c_get_robust_list(void) { size_t len; return syscall(SYS_get_robust_list, 0, bad, &len); }
static long c_futex(void) { return syscall(SYS_futex, (uint32_t *)bad, 0 /* FUTEX_WAIT */, 0, NULL, NULL, 0); }
static long c_mincore(void) { return syscall(SYS_mincore, good_page, PAGE, bad); }
static long c_getresuid(void) { uid_t a; return syscall(SYS_getresuid, bad, &a, &a); }
static long c_setxattr(void) { return syscall(SYS_setxattr, "/tmp/efault_reg", "user.x", bad, 8, 0); }

struct call {
	const char *name;
	long (*fn)(void);
};

#define C(f) { #f, c_##f }
static const struct call calls[] = {
	C(read_zero), C(read_urandom), C(getrandom), C(read_pipe), C(write_pipe), C(read_file),
	C(write_file), C(write_console), C(readv_array), C(writev_array), C(preadv_array),
	C(readv_buffer), C(vmsplice_array), C(poll), C(ppoll), C(select), C(select_tv),
	C(epoll_wait), C(epoll_ctl), C(pipe2), C(socketpair), C(eventfd_read), C(eventfd_write),
	C(timerfd_read), C(timerfd_settime), C(inotify_read), C(proc_read),
	C(getdents), C(readlink), C(getcwd), C(stat), C(open_path), C(sendto_unix),
	C(recv_unix_dgram), C(recv_unix_stream), C(send_unix_stream), C(sendmsg_hdr),
	C(recvmsg_hdr), C(sendmsg_iov), C(sendmmsg), C(recvmmsg),
	C(send_tcp), C(recv_tcp), C(send_udp), C(recv_udp), C(getsockname), C(getsockopt),
	C(netlink_send), C(siocgifconf), C(siocgifindex), C(fionread), C(pty_write),
	C(pty_master_write), C(pty_read), C(pty_master_read), C(tiocgwinsz), C(tcgets),
	C(fcntl_getlk), C(fcntl_setlk), C(sigaltstack), C(sigaltstack_old), C(sigaction),
	C(sigprocmask), C(sigpending), C(getrlimit), C(prlimit), C(getrusage), C(sysinfo),
	C(uname), C(sched_getaffinity), C(sched_getparam), C(sched_rr), C(clock_gettime),
	C(clock_settime), C(nanosleep), C(gettimeofday), C(setitimer), C(getitimer),
	C(timer_create), C(get_robust_list), C(futex), C(mincore), C(getresuid),
	C(setxattr),
};

static void setup(void)
{
	int p[2], s[2];
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int l, one = 1;
	struct epoll_event ev = { .events = EPOLLIN };

	CHECK(pipe(p) == 0, "pipe");
	pipe_r = p[0];
	pipe_w = p[1];
	refill(pipe_w, "pipe data");
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, s) == 0, "socketpair stream");
	unix_a = s[0];
	unix_b = s[1];
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, s) == 0, "socketpair dgram");
	dgram_a = s[0];
	dgram_b = s[1];
	fcntl(unix_a, F_SETFL, O_NONBLOCK);
	fcntl(unix_b, F_SETFL, O_NONBLOCK);
	fcntl(dgram_a, F_SETFL, O_NONBLOCK);
	fcntl(dgram_b, F_SETFL, O_NONBLOCK);
	fcntl(pipe_w, F_SETFL, O_NONBLOCK);

	l = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	CHECK(bind(l, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(l, 1) == 0, "listen: %s", strerror(errno));
	getsockname(l, (struct sockaddr *)&a, &alen);
	tcp_a = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(connect(tcp_a, (struct sockaddr *)&a, sizeof(a)) == 0, "connect: %s", strerror(errno));
	tcp_b = accept(l, NULL, NULL);
	CHECK(tcp_b >= 0, "accept: %s", strerror(errno));
	close(l);
	fcntl(tcp_a, F_SETFL, O_NONBLOCK);
	fcntl(tcp_b, F_SETFL, O_NONBLOCK);

	udp_a = socket(AF_INET, SOCK_DGRAM, 0);
	udp_b = socket(AF_INET, SOCK_DGRAM, 0);
	a.sin_port = 0;
	bind(udp_a, (struct sockaddr *)&a, sizeof(a));
	bind(udp_b, (struct sockaddr *)&a, sizeof(a));
	alen = sizeof(a);
	getsockname(udp_b, (struct sockaddr *)&a, &alen);
	connect(udp_a, (struct sockaddr *)&a, sizeof(a));
	alen = sizeof(a);
	getsockname(udp_a, (struct sockaddr *)&a, &alen);
	connect(udp_b, (struct sockaddr *)&a, sizeof(a));

	efd = eventfd(3, EFD_NONBLOCK);
	epfd = epoll_create1(0);
	CHECK(epoll_ctl(epfd, EPOLL_CTL_ADD, efd, &ev) == 0, "epoll_ctl");
	CHECK(openpty(&ptm, &pts, NULL, NULL, NULL) == 0, "openpty: %s", strerror(errno));
	ifd = inotify_init1(0);
	inotify_add_watch(ifd, "/tmp", IN_CREATE);
	regfd = open("/tmp/efault_reg", O_CREAT | O_RDWR | O_TRUNC, 0644);
	CHECK(regfd >= 0 && write(regfd, "0123456789abcdef", 16) == 16, "regular file");
	dirfd_ = open("/", O_RDONLY | O_DIRECTORY);
}

int main(void)
{
	int fd = open("/tmp/efault_map", O_CREAT | O_RDWR | O_TRUNC, 0644);
	char *map, *none, *gone;
	struct {
		const char *what;
		char *p;
	} kinds[5];

	setvbuf(stdout, NULL, _IONBF, 0);
	CHECK(fd >= 0 && write(fd, "x", 1) == 1, "map file");
	map = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	none = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	gone = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(map != MAP_FAILED && none != MAP_FAILED && gone != MAP_FAILED, "mmap");
	munmap(gone, PAGE);
	good_page = map;
	kinds[0].what = "shared page past EOF";
	kinds[0].p = map + PAGE;
	kinds[1].what = "unmapped page";
	kinds[1].p = gone;
	kinds[2].what = "PROT_NONE page";
	kinds[2].p = none;
	kinds[3].what = "kernel half";
	kinds[3].p = (char *)0xffff888000001000UL;
	kinds[4].what = "non-canonical";
	kinds[4].p = (char *)0x0000800000000000UL;
	setup();

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		bad = kinds[k].p;
		for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
			long r;

			errno = 0;
			r = calls[i].fn();
			CHECK(r == -1 && errno == EFAULT, "%s with a %s: %ld (%s)", calls[i].name, kinds[k].what, r,
			      strerror(errno));
		}
		printf("efault_calls: %zu calls with a %s\n", sizeof(calls) / sizeof(calls[0]), kinds[k].what);
	}
	printf("efault_calls: %zu kinds of bad pointer\n", sizeof(kinds) / sizeof(kinds[0]));
	return check_finish("efault_calls");
}
