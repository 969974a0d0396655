/* SPDX-License-Identifier: MIT */
/* test_cli_vmopts.c: unit tests for husk run's device options (--net, -p, -v, --ip/--gw/--dns) and what each backend is given (QEMU and husk-vmm arguments, the xl config of a Xen domU). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../cli/strvec.c"
#include "../../cli/cmdline.c"
#include "../../cli/vmopts.c"
#include "../../cli/backend_qemu.c"
#include "../../cli/backend_vmm.c"
#include "../../cli/xl.c"

static int failures;
static char last_err[512];

#define CHECK(cond) do { \
	if (!(cond)) { \
		printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); \
		failures++; \
	} \
} while (0)

/* ---- what the rest of the CLI provides ---- */

void husk_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_err, sizeof(last_err), fmt, ap);
	va_end(ap);
}

int host_has_hw_virt(void) { return 0; }
const char *host_self_dir(void) { return "/opt/husk/bin"; }
int proc_mktemp(const char *what, char **path) { (void)what; (void)path; return -ENOSYS; }
int proc_run(char *const argv[], int *wstatus, int *signo)
{
	(void)argv; (void)wstatus; (void)signo;
	return -ENOSYS;
}
int proc_run_stdio(char *const argv[], unsigned flags, int *wstatus, int *signo)
{
	(void)flags;
	return proc_run(argv, wstatus, signo);
}
void proc_print_argv(char *const argv[]) { (void)argv; }

/* ---- helpers ---- */

static char img[] = "/tmp/husk-test-vmopts-XXXXXX";
static char img2[64];

/* The argv joined with single spaces. */
static char *join(const struct strvec *av)
{
	size_t len = 1;
	char *s;

	for (size_t i = 0; i < av->n; i++)
		len += strlen(av->v[i]) + 1;
	s = calloc(1, len);
	for (size_t i = 0; i < av->n; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, av->v[i]);
	}
	return s;
}

static int has(const struct strvec *sv, const char *s)
{
	for (size_t i = 0; i < sv->n; i++)
		if (!strcmp(sv->v[i], s))
			return 1;
	return 0;
}

/* ---- tests ---- */

static void test_net(void)
{
	struct vm_devices d = { 0 };

	CHECK(d.net == VM_NET_NONE);
	CHECK(vmopt_net(&d, "tap:tap0") == 0 && d.net == VM_NET_TAP && !strcmp(d.tap, "tap0"));
	CHECK(vmopt_net(&d, "none") == 0 && d.net == VM_NET_NONE && d.tap == NULL);
	CHECK(vmopt_net(&d, "user") == 0 && d.net == VM_NET_USER);
	CHECK(vmopt_net(&d, "tap:") == -EINVAL);
	CHECK(vmopt_net(&d, "tap:a-very-long-tap-name") == -EINVAL);
	CHECK(vmopt_net(&d, "bridge") == -EINVAL && strstr(last_err, "--net bridge"));
	CHECK(vmopt_finish(&d) == 0);
	/* A dom0 bridge: Xen's only; tap and user networking are not. */
	CHECK(vmopt_net(&d, "bridge:") == -EINVAL);
	CHECK(vmopt_net(&d, "bridge:a-very-long-bridge") == -EINVAL);
	CHECK(vmopt_net(&d, "bridge:br0,mac=1") == -EINVAL && strstr(last_err, "','"));
	CHECK(vmopt_net(&d, "tap:tap0") == 0);
	CHECK(vmopt_backend(&d, "qemu") == 0 && vmopt_backend(&d, "vmm") == 0);
	CHECK(vmopt_backend(&d, "xen") == -EINVAL && strstr(last_err, "--net bridge:NAME"));
	CHECK(vmopt_net(&d, "bridge:xenbr0") == 0 && d.net == VM_NET_BRIDGE &&
	      !strcmp(d.bridge, "xenbr0") && d.tap == NULL);
	CHECK(vmopt_finish(&d) == 0 && vmopt_backend(&d, "xen") == 0);
	CHECK(vmopt_backend(&d, "qemu") == -EINVAL && strstr(last_err, "--backend xen"));
	CHECK(vmopt_publish(&d, "8080:80") == 0);
	CHECK(vmopt_finish(&d) == -EINVAL && strstr(last_err, "bridge:"));
	CHECK(vmopt_net(&d, "none") == 0 && d.bridge == NULL);
}

static void test_publish(void)
{
	struct vm_devices d = { 0 };
	static const char *bad[] = { "80", "80:", ":80", "0:80", "80:0", "65536:80", "80:80/sctp",
				     "a:80", "80:8x", "80:80/", "-1:80", "123456:1", "" };

	CHECK(vmopt_publish(&d, "8080:80") == 0);
	CHECK(vmopt_publish(&d, "5353:53/udp") == 0);
	CHECK(vmopt_publish(&d, "2222:22/tcp") == 0);
	CHECK(vmopt_publish(&d, "5353:53") == 0);          /* same port, other protocol */
	CHECK(d.nfwd == 4);
	CHECK(d.fwd[0].host_port == 8080 && d.fwd[0].guest_port == 80 && !d.fwd[0].udp);
	CHECK(d.fwd[1].host_port == 5353 && d.fwd[1].guest_port == 53 && d.fwd[1].udp);
	CHECK(vmopt_publish(&d, "8080:81") == -EINVAL && strstr(last_err, "already"));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		last_err[0] = '\0';
		if (vmopt_publish(&d, bad[i]) != -EINVAL || !strstr(last_err, "-p")) {
			printf("FAIL: -p %s accepted\n", bad[i]);
			failures++;
		}
	}
	CHECK(d.nfwd == 4);
	/* -p implies user networking... */
	CHECK(vmopt_finish(&d) == 0 && d.net == VM_NET_USER);
	/* ...and does not go with an explicit tap or none. */
	CHECK(vmopt_net(&d, "tap:tap0") == 0);
	CHECK(vmopt_finish(&d) == -EINVAL && strstr(last_err, "-p"));
	CHECK(vmopt_net(&d, "none") == 0);
	CHECK(vmopt_finish(&d) == -EINVAL);
	CHECK(vmopt_net(&d, "user") == 0);
	CHECK(vmopt_finish(&d) == 0);
}

static void test_volume(void)
{
	struct vm_devices d = { 0 };
	struct strvec opts = { 0 };
	char arg[256];

	snprintf(arg, sizeof(arg), "%s:/data", img);
	CHECK(vmopt_volume(&d, arg) == 0);
	CHECK(!strcmp(d.vol[0].image, img) && !strcmp(d.vol[0].mountpoint, "/data") && !d.vol[0].ro);
	snprintf(arg, sizeof(arg), "%s:/srv/www:ro", img2);
	CHECK(vmopt_volume(&d, arg) == 0);
	CHECK(!strcmp(d.vol[1].image, img2) && !strcmp(d.vol[1].mountpoint, "/srv/www") && d.vol[1].ro);
	snprintf(arg, sizeof(arg), "%s:/data2:rw", img);
	CHECK(vmopt_volume(&d, arg) == 0 && !d.vol[2].ro);
	CHECK(d.nvol == 3);

	/* Refused, each with a message naming -v. */
	snprintf(arg, sizeof(arg), "%s:/data", img);
	CHECK(vmopt_volume(&d, arg) == -EINVAL && strstr(last_err, "already a mount point"));
	snprintf(arg, sizeof(arg), "%s", img);
	CHECK(vmopt_volume(&d, arg) == -EINVAL && strstr(last_err, "IMAGE:/MOUNTPOINT"));
	snprintf(arg, sizeof(arg), "%s:data", img);
	CHECK(vmopt_volume(&d, arg) == -EINVAL);
	snprintf(arg, sizeof(arg), "%s:/", img);
	CHECK(vmopt_volume(&d, arg) == -EINVAL && strstr(last_err, "root"));
	snprintf(arg, sizeof(arg), "%s:/a b", img);
	CHECK(vmopt_volume(&d, arg) == -EINVAL);
	CHECK(vmopt_volume(&d, "/nonexistent/disk.img:/mnt") == -EINVAL &&
	      strstr(last_err, "No such file"));
	CHECK(vmopt_volume(&d, "/tmp:/mnt") == -EINVAL && strstr(last_err, "directory"));
	CHECK(vmopt_volume(&d, "/dev/null:/mnt") == -EINVAL);
	CHECK(vmopt_volume(&d, ":/mnt") == -EINVAL);
	CHECK(d.nvol == 3);

	/* The kernel is told vda, vdb, ... in order. */
	CHECK(vmopt_kernel_args(&d, "vd", &opts) == 0);
	CHECK(opts.n == 3);
	CHECK(has(&opts, "vol=vda:/data") && has(&opts, "vol=vdb:/srv/www:ro") &&
	      has(&opts, "vol=vdc:/data2"));
	strvec_free(&opts);
	vm_devices_free(&d);
}

static void test_ip(void)
{
	struct vm_devices d = { 0 };
	struct strvec opts = { 0 };
	char ip[64];

	CHECK(vmopt_ip(&d, "10.0.0.2") == -EINVAL);        /* no prefix */
	CHECK(vmopt_ip(&d, "10.0.0.2/33") == -EINVAL);
	CHECK(vmopt_ip(&d, "10.0.0.256/24") == -EINVAL);
	CHECK(vmopt_ip(&d, "fe80::1/64") == -EINVAL);
	CHECK(vmopt_gw(&d, "10.0.0.1/24") == -EINVAL);
	CHECK(vmopt_dns(&d, "dns.example") == -EINVAL);
	CHECK(vmopt_ip(&d, "10.0.0.2/0") == 0);
	CHECK(vmopt_ip(&d, "10.0.0.2/24") == 0);
	CHECK(vmopt_gw(&d, "10.0.0.1") == 0);
	CHECK(vmopt_dns(&d, "2001:db8::53") == 0);
	/* Addresses without a network are refused. */
	CHECK(vmopt_finish(&d) == -EINVAL && strstr(last_err, "needs a network"));
	CHECK(vmopt_net(&d, "tap:tap0") == 0);
	CHECK(vmopt_finish(&d) == 0);
	CHECK(vmopt_guest_ip(&d, ip, sizeof(ip)) == 0 && !strcmp(ip, "10.0.0.2"));
	CHECK(vmopt_kernel_args(&d, "vd", &opts) == 0);
	CHECK(has(&opts, "net.ip=10.0.0.2/24") && has(&opts, "net.gw=10.0.0.1") &&
	      has(&opts, "net.dns=2001:db8::53") && opts.n == 3);
	strvec_free(&opts);

	/* --gw without --ip: refused; DHCP gives everything or nothing. */
	d.ip = NULL;
	CHECK(vmopt_finish(&d) == -EINVAL && strstr(last_err, "--gw needs --ip"));
	d.gw = d.dns = NULL;
	CHECK(vmopt_guest_ip(&d, ip, sizeof(ip)) == -ENOENT);
	CHECK(vmopt_kernel_args(&d, "vd", &opts) == 0 && opts.n == 1 && has(&opts, "net.ip=dhcp"));
	strvec_free(&opts);

	/* No network: no net.* options at all. */
	memset(&d, 0, sizeof(d));
	CHECK(vmopt_kernel_args(&d, "vd", &opts) == 0 && opts.n == 0);
}

static void test_backends(void)
{
	struct vm_devices d = { 0 };
	struct vm_config cfg = { .kernel = "k.elf", .initrd = "rd.cpio", .cmdline = "-- /bin/x",
				 .mem_mib = 64, .dev = &d };
	struct strvec av = { 0 };
	char arg[256], *s;

	/* No devices: neither backend gets device options. */
	unsetenv("HUSK_QEMU_MACHINE");
	unsetenv("HUSK_QEMU_ARGS");
	CHECK(build_argv(&av, &cfg, "/tmp/st") == 0);
	s = join(&av);
	CHECK(!strstr(s, "-netdev") && !strstr(s, "-drive") && !strstr(s, "auto-kernel-cmdline=off"));
	CHECK(strstr(s, "-M microvm,x-option-roms=off -accel") != NULL);
	CHECK(strlen(s) > 17 && !strcmp(s + strlen(s) - 17, "-append -- /bin/x"));
	free(s);
	strvec_free(&av);
	/* Devices from HUSK_QEMU_ARGS (tests) need microvm's own list: no ACPI. */
	setenv("HUSK_QEMU_ARGS", "-netdev user,id=n0", 1);
	CHECK(build_argv(&av, &cfg, "/tmp/st") == 0);
	s = join(&av);
	CHECK(strstr(s, "-M microvm,x-option-roms=off,acpi=off -accel") != NULL);
	CHECK(strlen(s) > 18 && !strcmp(s + strlen(s) - 18, "-netdev user,id=n0"));
	free(s);
	strvec_free(&av);
	unsetenv("HUSK_QEMU_ARGS");
	CHECK(vmm_device_args(&av, &d) == 0 && av.n == 0);

	/* Two volumes (one read-only, one with a comma in its name) and forwards. */
	snprintf(arg, sizeof(arg), "%s:/data", img);
	CHECK(vmopt_volume(&d, arg) == 0);
	snprintf(arg, sizeof(arg), "%s:/www:ro", img2);
	CHECK(vmopt_volume(&d, arg) == 0);
	CHECK(vmopt_publish(&d, "8080:80") == 0);
	CHECK(vmopt_publish(&d, "5353:53/udp") == 0);
	CHECK(vmopt_finish(&d) == 0);

	CHECK(build_argv(&av, &cfg, "/tmp/st") == 0);
	s = join(&av);
	CHECK(strstr(s, "-M microvm,x-option-roms=off,acpi=off,ioapic2=off,auto-kernel-cmdline=off ")
	      != NULL);
	snprintf(arg, sizeof(arg), "-drive file=%s,if=none,format=raw,id=vda -device "
		 "virtio-blk-device,drive=vda,serial=husk-vda,bus=virtio-mmio-bus.0", img);
	CHECK(strstr(s, arg) != NULL);
	CHECK(strstr(s, ",,b,if=none,format=raw,id=vdb,readonly=on -device "
		      "virtio-blk-device,drive=vdb,serial=husk-vdb,bus=virtio-mmio-bus.1") != NULL);
	CHECK(strstr(s, "-netdev user,id=net0,hostfwd=tcp::8080-:80,hostfwd=udp::5353-:53 "
		      "-device virtio-net-device,netdev=net0,bus=virtio-mmio-bus.2") != NULL);
	/* Where the devices are, before "--" (QEMU's own list would come after it). */
	CHECK(strstr(s, "-append virtio_mmio.device=512@0xfeb00000:5 virtio_mmio.device=512@0xfeb00200:6 "
		      "virtio_mmio.device=512@0xfeb00400:7 -- /bin/x ") != NULL);
	free(s);
	strvec_free(&av);

	CHECK(vmm_device_args(&av, &d) == 0);
	s = join(&av);
	snprintf(arg, sizeof(arg), "--disk %s --disk-ro %s --net user --fwd 8080:80 --fwd 5353:53/udp",
		 img, img2);
	CHECK(!strcmp(s, arg));
	free(s);
	strvec_free(&av);

	/* A static address: forwards go to it. */
	CHECK(vmopt_ip(&d, "10.0.2.20/24") == 0);
	CHECK(build_argv(&av, &cfg, "/tmp/st") == 0);
	s = join(&av);
	CHECK(strstr(s, "hostfwd=tcp::8080-10.0.2.20:80") != NULL);
	free(s);
	strvec_free(&av);
	CHECK(vmm_device_args(&av, &d) == 0);
	s = join(&av);
	CHECK(strstr(s, "--guest-ip 10.0.2.20") != NULL);
	free(s);
	strvec_free(&av);

	/* A tap. */
	d.nfwd = 0;
	d.ip = NULL;
	vm_devices_free(&d);
	CHECK(vmopt_net(&d, "tap:tap7") == 0);
	CHECK(build_argv(&av, &cfg, "/tmp/st") == 0);
	s = join(&av);
	CHECK(strstr(s, "-netdev tap,id=net0,ifname=tap7,script=no,downscript=no") != NULL);
	CHECK(strstr(s, "-device virtio-net-device,netdev=net0,bus=virtio-mmio-bus.0") != NULL);
	CHECK(strstr(s, "-append virtio_mmio.device=512@0xfeb00000:5 -- /bin/x ") != NULL);
	free(s);
	strvec_free(&av);
	CHECK(vmm_device_args(&av, &d) == 0);
	s = join(&av);
	CHECK(!strcmp(s, "--net tap:tap7"));
	free(s);
	strvec_free(&av);
}

/* The xl config of a domU with two volumes and a vif, as husk xen-config and the xen backend write it. */
static void test_xl(void)
{
	struct vm_devices d = { 0 };
	struct vm_args args = { 0 };
	struct xl_domain x = { .name = "web", .kernel = "/k/husk.elf", .ramdisk = "/i/web.img", .mem_mib = 96 };
	char arg[256], *text = NULL, *cmdline = NULL, want[1024];
	size_t len = 0;
	FILE *f;

	snprintf(arg, sizeof(arg), "%s:/data", img);
	CHECK(vmopt_volume(&d, arg) == 0);
	snprintf(arg, sizeof(arg), "%s:/srv/www:ro", img2);
	CHECK(vmopt_volume(&d, arg) == 0);
	CHECK(vmopt_net(&d, "bridge:xenbr0") == 0);
	CHECK(vmopt_ip(&d, "192.168.100.20/24") == 0 && vmopt_gw(&d, "192.168.100.1") == 0);
	CHECK(vmopt_finish(&d) == 0 && vmopt_backend(&d, "xen") == 0);
	/* The kernel is told the Xen names of the volumes, in the order of the disk list. */
	CHECK(strvec_push(&args.argv, "/bin/nginx") == 0);
	args.quiet = 1;
	CHECK(vmopt_kernel_args(&d, "xvd", &args.options) == 0);
	CHECK(cmdline_format(&args, &cmdline) == 0);
	CHECK(cmdline && !strcmp(cmdline, "quiet net.ip=192.168.100.20/24 net.gw=192.168.100.1 "
				"vol=xvda:/data vol=xvdb:/srv/www:ro -- /bin/nginx"));
	x.cmdline = cmdline;
	CHECK(xl_domain_add_devices(&x, &d) == 0);
	f = open_memstream(&text, &len);
	CHECK(f && xl_config_write(f, &x) == 0);
	fclose(f);
	CHECK(strstr(text, "name = \"web\"\ntype = \"pvh\"\nkernel = \"/k/husk.elf\"\n"
		      "ramdisk = \"/i/web.img\"\n") != NULL);
	CHECK(strstr(text, "\nmemory = 96\nvcpus = 1\n") != NULL);
	CHECK(strstr(text, "\ncmdline = \"quiet net.ip=192.168.100.20/24 net.gw=192.168.100.1 "
		      "vol=xvda:/data vol=xvdb:/srv/www:ro -- /bin/nginx\"\n") != NULL);
	CHECK(strstr(text, "\nvif = [ \"bridge=xenbr0\" ]\n") != NULL);
	/* Absolute paths, target= last (the second image's name holds a comma). */
	snprintf(want, sizeof(want), "\ndisk = [ \"format=raw,vdev=xvda,access=rw,target=%s\", "
		 "\"format=raw,vdev=xvdb,access=ro,target=%s\" ]\n", img, img2);
	CHECK(strstr(text, want) != NULL);
	CHECK(strstr(text, "on_poweroff = \"destroy\"") != NULL);
	free(text);
	free(cmdline);
	strvec_free(&x.vifs);
	strvec_free(&x.disks);
	vm_args_free(&args);
	vm_devices_free(&d);

	/* Without devices: no vif or disk lines at all. */
	memset(&d, 0, sizeof(d));
	memset(&x, 0, sizeof(x));
	x.name = x.kernel = x.ramdisk = x.cmdline = "x";
	CHECK(xl_domain_add_devices(&x, &d) == 0 && x.vifs.n == 0 && x.disks.n == 0);
	text = NULL;
	f = open_memstream(&text, &len);
	CHECK(f && xl_config_write(f, &x) == 0);
	fclose(f);
	CHECK(!strstr(text, "\nvif") && !strstr(text, "\ndisk"));
	free(text);
}

int main(void)
{
	int fd = mkstemp(img), fd2;

	/* A second image whose name has a comma, which QEMU must see doubled. */
	snprintf(img2, sizeof(img2), "%s,b", img);
	fd2 = open(img2, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	if (fd < 0 || fd2 < 0) {
		printf("FAIL: set-up\n");
		return 1;
	}
	close(fd);
	close(fd2);
	test_net();
	test_publish();
	test_volume();
	test_ip();
	test_backends();
	test_xl();
	unlink(img);
	unlink(img2);
	if (failures) {
		printf("%d failures\n", failures);
		return 1;
	}
	printf("test_cli_vmopts: all passed\n");
	return 0;
}
