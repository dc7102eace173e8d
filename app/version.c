/* SPDX-License-Identifier: MIT */
#include "lq/app.h"
#include "lq/cmd.h"

#include "lq/netinfo.h"

#include <jemalloc/jemalloc.h>
#include <stdio.h>
#include <string.h>

#ifndef LQ_VERSION
#define LQ_VERSION "unknown"
#endif

int lq_app_version(void)
{
	struct lq_netinfo ni;
	const char *je = "unknown";
	size_t sz = sizeof(je);

	lq_netinfo_get(&ni);
	mallctl("version", &je, &sz, NULL, 0);
	printf("liqd %s\n", LQ_VERSION);
	printf("liburing %s\n", ni.uring_version);
	printf("%s\n", ni.dpdk_version);
	printf("jemalloc %s\n", je);
	printf("io_uring: %s\n", lq_netinfo_uring_hint(ni.uring_probe));
	return LQ_EXIT_OK;
}
