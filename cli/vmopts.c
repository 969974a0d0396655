/* SPDX-License-Identifier: MIT */
/* vmopts.c: the VM's devices from husk run's options (--net, -p, -v, --ip/--gw/--dns), what each backend accepts, and the kernel options they become. */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

int vmopt_net(struct vm_devices *d, const char *arg)
{
	if (!strcmp(arg, "none")) {
		d->net = VM_NET_NONE;
		d->tap = d->bridge = NULL;
	} else if (!strncmp(arg, "tap:", 4) && arg[4]) {
		if (strlen(arg + 4) > 15) {
			husk_err("--net %s: a tap name has at most 15 characters", arg);
			return -EINVAL;
		}
		d->net = VM_NET_TAP;
		d->tap = arg + 4;
		d->bridge = NULL;
	} else if (!strncmp(arg, "bridge:", 7) && arg[7]) {
		if (strlen(arg + 7) > 15 || strpbrk(arg + 7, ",= \t\"'")) {
			husk_err("--net %s: a bridge name has at most 15 characters, none of them ',', '=', "
				 "quotes or spaces", arg);
			return -EINVAL;
		}
		d->net = VM_NET_BRIDGE;
		d->bridge = arg + 7;
		d->tap = NULL;
	} else if (!strcmp(arg, "user")) {
		d->net = VM_NET_USER;
		d->tap = d->bridge = NULL;
	} else {
		husk_err("--net %s: expected tap:NAME, bridge:NAME, user or none", arg);
		return -EINVAL;
	}
	d->net_given = 1;
	return 0;
}

/* A port number 1..65535 from s[0..end), all digits.  Returns 0 or -EINVAL. */
static int parse_port(const char *s, const char *end, unsigned *port)
{
	unsigned long v = 0;

	if (s == end || end - s > 5)
		return -EINVAL;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (*s - '0');
	}
	if (v == 0 || v > 65535)
		return -EINVAL;
	*port = v;
	return 0;
}

int vmopt_publish(struct vm_devices *d, const char *arg)
{
	const char *colon = strchr(arg, ':'), *slash, *end;
	struct vm_fwd f = { 0 };

	if (d->nfwd == VM_FWD_MAX) {
		husk_err("-p %s: at most %d forwarded ports", arg, VM_FWD_MAX);
		return -EINVAL;
	}
	if (!colon)
		goto bad;
	slash = strchr(colon, '/');
	end = slash ? slash : colon + strlen(colon);
	if (slash && !strcmp(slash, "/udp"))
		f.udp = 1;
	else if (slash && strcmp(slash, "/tcp"))
		goto bad;
	if (parse_port(arg, colon, &f.host_port) || parse_port(colon + 1, end, &f.guest_port))
		goto bad;
	for (size_t i = 0; i < d->nfwd; i++) {
		if (d->fwd[i].host_port == f.host_port && d->fwd[i].udp == f.udp) {
			husk_err("-p %s: host port %u is already forwarded", arg, f.host_port);
			return -EINVAL;
		}
	}
	d->fwd[d->nfwd++] = f;
	return 0;
bad:
	husk_err("-p %s: expected HOSTPORT:GUESTPORT[/udp], ports 1..65535", arg);
	return -EINVAL;
}

int vmopt_volume(struct vm_devices *d, const char *arg)
{
	struct vm_volume *v;
	char *spec, *mnt, *opt;
	struct stat st;
	size_t len;

	if (d->nvol == VM_VOL_MAX) {
		husk_err("-v %s: at most %d volumes", arg, VM_VOL_MAX);
		return -EINVAL;
	}
	spec = strdup(arg);
	if (!spec)
		return -ENOMEM;
	v = &d->vol[d->nvol];
	memset(v, 0, sizeof(*v));
	/* IMAGE:/MOUNTPOINT[:ro|:rw], split from the right so IMAGE may hold ':'. */
	len = strlen(spec);
	if (len > 3 && !strcmp(spec + len - 3, ":ro")) {
		v->ro = 1;
		spec[len - 3] = '\0';
	} else if (len > 3 && !strcmp(spec + len - 3, ":rw")) {
		spec[len - 3] = '\0';
	}
	mnt = strrchr(spec, ':');
	if (!mnt || mnt == spec || mnt[1] != '/') {
		husk_err("-v %s: expected IMAGE:/MOUNTPOINT[:ro]", arg);
		goto err;
	}
	*mnt++ = '\0';
	if (!strcmp(mnt, "/")) {
		husk_err("-v %s: a volume cannot be mounted over the root", arg);
		goto err;
	}
	for (opt = mnt; *opt; opt++) {
		if (*opt == ':' || *opt == ' ' || *opt == ',' || *opt < ' ') {
			husk_err("-v %s: the mount point may not contain ':', ',', spaces or control characters",
				 arg);
			goto err;
		}
	}
	for (size_t i = 0; i < d->nvol; i++) {
		if (!strcmp(d->vol[i].mountpoint, mnt)) {
			husk_err("-v %s: %s is already a mount point", arg, mnt);
			goto err;
		}
	}
	if (stat(spec, &st) < 0) {
		husk_err("-v %s: %s: %s", arg, spec, strerror(errno));
		goto err;
	}
	if (S_ISDIR(st.st_mode)) {
		husk_err("-v %s: %s is a directory; sharing host directories (9p) is not supported yet, "
			 "and nothing is copied: make an image of it with 'husk disk -o IMAGE %s' and use "
			 "-v IMAGE:MOUNTPOINT", arg, spec, spec);
		goto err;
	}
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		husk_err("-v %s: %s is not a file or a block device", arg, spec);
		goto err;
	}
	v->image = spec;
	v->mountpoint = mnt;
	d->nvol++;
	return 0;
err:
	free(spec);
	return -EINVAL;
}

/* Is arg an IPv4 ADDR (with_prefix 0) or ADDR/PREFIX (1)?  Returns 0, or -EINVAL after saying why. */
static int check_ipv4(const char *opt, const char *arg, int with_prefix)
{
	char buf[INET_ADDRSTRLEN + 4];
	struct in_addr a;
	char *slash;
	unsigned port;

	if (strlen(arg) >= sizeof(buf))
		goto bad;
	strcpy(buf, arg);
	slash = strchr(buf, '/');
	if (with_prefix != (slash != NULL))
		goto bad;
	if (slash) {
		*slash = '\0';
		/* 0..32; parse_port's 1..65535 check does the digits, 0 is spelled out. */
		if (strcmp(slash + 1, "0") &&
		    (parse_port(slash + 1, slash + 1 + strlen(slash + 1), &port) || port > 32))
			goto bad;
	}
	if (inet_pton(AF_INET, buf, &a) != 1)
		goto bad;
	return 0;
bad:
	husk_err("%s %s: expected %s", opt, arg,
		 with_prefix ? "an IPv4 address and prefix length, like 10.0.0.2/24"
			     : "an IPv4 address, like 10.0.0.1");
	return -EINVAL;
}

int vmopt_ip(struct vm_devices *d, const char *arg)
{
	if (check_ipv4("--ip", arg, 1))
		return -EINVAL;
	d->ip = arg;
	return 0;
}

int vmopt_gw(struct vm_devices *d, const char *arg)
{
	if (check_ipv4("--gw", arg, 0))
		return -EINVAL;
	d->gw = arg;
	return 0;
}

int vmopt_dns(struct vm_devices *d, const char *arg)
{
	struct in6_addr a6;
	struct in_addr a;

	if (inet_pton(AF_INET, arg, &a) != 1 && inet_pton(AF_INET6, arg, &a6) != 1) {
		husk_err("--dns %s: expected an IPv4 or IPv6 address", arg);
		return -EINVAL;
	}
	d->dns = arg;
	return 0;
}

int vmopt_finish(struct vm_devices *d)
{
	if (d->nfwd) {
		if (d->net_given && d->net != VM_NET_USER) {
			husk_err("-p forwards host ports with user networking; it does not go with --net %s",
				 d->net == VM_NET_TAP ? "tap:" : d->net == VM_NET_BRIDGE ? "bridge:" : "none");
			return -EINVAL;
		}
		d->net = VM_NET_USER;
	}
	if (d->net == VM_NET_NONE && (d->ip || d->gw || d->dns)) {
		husk_err("%s needs a network: add --net tap:NAME, --net bridge:NAME (Xen) or -p",
			 d->ip ? "--ip" : d->gw ? "--gw" : "--dns");
		return -EINVAL;
	}
	if ((d->gw || d->dns) && !d->ip) {
		husk_err("%s needs --ip (without it the VM asks DHCP for everything)",
			 d->gw ? "--gw" : "--dns");
		return -EINVAL;
	}
	return 0;
}

int vmopt_backend(const struct vm_devices *d, const char *backend)
{
	int xen = !strcmp(backend, "xen");

	if (xen && (d->net == VM_NET_TAP || d->net == VM_NET_USER)) {
		husk_err("--backend xen: the vif joins a bridge in dom0: use --net bridge:NAME%s",
			 d->nfwd ? " (and no -p: Xen has no user networking)" : "");
		return -EINVAL;
	}
	if (!xen && d->net == VM_NET_BRIDGE) {
		husk_err("--net bridge:%s is for --backend xen (a vif in a Xen dom0); here use --net tap:NAME "
			 "on that bridge", d->bridge);
		return -EINVAL;
	}
	return 0;
}

int vmopt_guest_ip(const struct vm_devices *d, char *buf, size_t size)
{
	const char *slash;

	if (!d->ip)
		return -ENOENT;
	slash = strchr(d->ip, '/');
	if ((size_t)(slash - d->ip) >= size)
		return -E2BIG;
	memcpy(buf, d->ip, slash - d->ip);
	buf[slash - d->ip] = '\0';
	return 0;
}

int vmopt_kernel_args(const struct vm_devices *d, const char *disk_prefix, struct strvec *options)
{
	int err = 0;

	if (d->net != VM_NET_NONE) {
		if (d->ip)
			err = strvec_pushf(options, "net.ip=%s", d->ip);
		else
			err = strvec_push(options, "net.ip=dhcp");
		if (!err && d->gw)
			err = strvec_pushf(options, "net.gw=%s", d->gw);
		if (!err && d->dns)
			err = strvec_pushf(options, "net.dns=%s", d->dns);
	}
	for (size_t i = 0; !err && i < d->nvol; i++)
		err = strvec_pushf(options, "vol=%s%c:%s%s", disk_prefix, (char)('a' + i), d->vol[i].mountpoint,
				   d->vol[i].ro ? ":ro" : "");
	return err;
}

int vmopt_check_tap(const char *name)
{
	struct ifreq ifr;
	int fd, err = 0;

	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		husk_err("--net tap:%s: /dev/net/tun: %s", name, strerror(errno));
		return err;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		err = -errno;
		if (errno == EPERM)
			husk_err("--net tap:%s: cannot open the tap: %s (it needs CAP_NET_ADMIN, or a "
				 "tap owned by you: ip tuntap add %s mode tap user $USER)", name,
				 strerror(errno), name);
		else
			husk_err("--net tap:%s: cannot open the tap: %s", name, strerror(errno));
	}
	close(fd);
	return err;
}

void vm_devices_free(struct vm_devices *d)
{
	for (size_t i = 0; i < d->nvol; i++)
		free(d->vol[i].image);   /* mountpoint points into the same allocation */
	d->nvol = 0;
}
