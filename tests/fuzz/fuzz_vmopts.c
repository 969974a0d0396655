/* SPDX-License-Identifier: MIT */
/* fuzz_vmopts.c: libFuzzer harness for husk run's device options (cli/vmopts.c) and the kernel arguments they become. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../cli/strvec.c"
#include "../../cli/cmdline.c"
#include "../../cli/vmopts.c"

void husk_err(const char *fmt, ...)
{
	(void)fmt;
}

/*
 * The input is a list of options separated by NUL bytes; each begins with a
 * byte choosing the option (--net, -p, -v, --ip, --gw, --dns).
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vm_devices d;
	struct strvec opts = { 0 };
	char *buf, *arg, *end, ip[64];

	buf = malloc(size + 1);
	if (!buf)
		abort();
	memcpy(buf, data, size);
	buf[size] = 0;
	memset(&d, 0, sizeof(d));
	for (arg = buf; arg < buf + size; arg = end + 1) {
		end = arg + strlen(arg);
		if (arg == end)
			continue;
		switch ((unsigned char)arg[0] % 6) {
		case 0: vmopt_net(&d, arg + 1); break;
		case 1: vmopt_publish(&d, arg + 1); break;
		case 2: vmopt_volume(&d, arg + 1); break;
		case 3: vmopt_ip(&d, arg + 1); break;
		case 4: vmopt_gw(&d, arg + 1); break;
		case 5: vmopt_dns(&d, arg + 1); break;
		}
	}
	if (vmopt_finish(&d) == 0) {
		vmopt_guest_ip(&d, ip, sizeof(ip));
		vmopt_kernel_args(&d, "vd", &opts);
	}
	strvec_free(&opts);
	vm_devices_free(&d);
	free(buf);
	return 0;
}
