/* SPDX-License-Identifier: MIT */
#include "lq/app.h"

#include "lq/netinfo.h"

#include <jemalloc/jemalloc.h>
#include <stdio.h>
#include <string.h>

#ifndef LQ_VERSION
#define LQ_VERSION "unknown"
#endif

int lq_cmd_version(int argc, char **argv)
{
	struct lq_netinfo ni;
	const char *je = "unknown";
	size_t sz = sizeof(je);

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		puts("usage: liqd version\n\nPrints liqd's version, the versions of liburing, DPDK "
		     "and jemalloc it was built with, and whether io_uring can be set up here.");
		return LQ_EXIT_OK;
	}
	if (argc > 1) {
		fprintf(stderr,
			"liqd version: unexpected argument '%s' (see liqd version --help)\n",
			argv[1]);
		return LQ_EXIT_USAGE;
	}
	lq_netinfo_get(&ni);
	mallctl("version", &je, &sz, NULL, 0);
	printf("liqd %s\n", LQ_VERSION);
	printf("liburing %s\n", ni.uring_version);
	printf("%s\n", ni.dpdk_version);
	printf("jemalloc %s\n", je);
	printf("io_uring: %s\n", lq_netinfo_uring_hint(ni.uring_probe));
	return LQ_EXIT_OK;
}
