/* SPDX-License-Identifier: MIT */
/* hello_dynglibc.c: a dynamically linked glibc program: ld.so with no ld.so.cache, libc's NSS reading husk's default /etc, TLS in a thread. */
// husk-test: status=0 expect="Hello from dynamic glibc" expect="SUCCESS"
#define _GNU_SOURCE
#include <grp.h>
#include <link.h>
#include <netdb.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <time.h>
#include <arpa/inet.h>
#include "check.h"

static __thread int tls = 7;

static void *thread_main(void *arg)
{
	*(int *)arg = tls;      /* a fresh thread sees the initial value */
	return NULL;
}

static int count_object(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	/* The program has an empty name; the libraries are named by path. */
	if (strstr(info->dlpi_name, "libc.so.6"))
		*(int *)data += 1;
	return 0;
}

int main(void)
{
	struct passwd *pw;
	struct group *gr;
	struct hostent *he;
	struct tm tm;
	time_t t = 86400;
	pthread_t th;
	int seen = 0, libc = 0, rc;
	char addr[64] = "";

	printf("Hello from dynamic %s\n", "glibc");
	CHECK(getauxval(AT_BASE) != 0, "AT_BASE is 0: no interpreter was loaded");
	dl_iterate_phdr(count_object, &libc);
	CHECK(libc == 1, "libc.so.6 mapped %d times, wanted once", libc);

	/* /etc/nsswitch.conf and /etc/passwd, /etc/group from husk's defaults. */
	pw = getpwnam("root");
	CHECK(pw && pw->pw_uid == 0 && pw->pw_gid == 0 && strcmp(pw->pw_dir, "/root") == 0,
	      "getpwnam(root): %s", pw ? pw->pw_dir : strerror(errno));
	pw = getpwuid(65534);
	CHECK(pw && strcmp(pw->pw_name, "nobody") == 0, "getpwuid(65534): %s",
	      pw ? pw->pw_name : "not found");
	gr = getgrnam("root");
	CHECK(gr && gr->gr_gid == 0, "getgrnam(root) failed");

	/* /etc/hosts, through NSS "files". */
	he = gethostbyname("husk");
	if (he && he->h_addrtype == AF_INET)
		inet_ntop(AF_INET, he->h_addr_list[0], addr, sizeof(addr));
	CHECK(strcmp(addr, "127.0.1.1") == 0, "gethostbyname(husk) gave \"%s\"", addr);

	/* /etc/localtime is UTC (or absent, which glibc also takes as UTC). */
	CHECK(localtime_r(&t, &tm) && tm.tm_gmtoff == 0 && tm.tm_mday == 2,
	      "localtime: gmtoff %ld, day %d", tm.tm_gmtoff, tm.tm_mday);

	rc = pthread_create(&th, NULL, thread_main, &seen);
	CHECK(rc == 0, "pthread_create: %s", strerror(rc));
	if (rc == 0) {
		pthread_join(th, NULL);
		CHECK(seen == 7, "the thread saw TLS %d, wanted 7", seen);
	}
	return check_finish("hello_dynglibc");
}
