/* SPDX-License-Identifier: MIT */
#ifndef LQ_NETINFO_H
#define LQ_NETINFO_H

/*
 * What the I/O libraries behind net/ are and whether they work here. The receivers, egress and
 * the journal build on these libraries; this module reports their versions and probes
 * io_uring so that a user sees at once why a receiver could not start.
 */
#include <stddef.h>

struct lq_netinfo {
	char uring_version[32]; /* of the liburing liqd was built with */
	int uring_probe;	/* 0 usable, else -errno from io_uring_queue_init */
	char dpdk_version[64];
};

void lq_netinfo_get(struct lq_netinfo *ni);
/* A sentence on the likely cause of an io_uring set-up failure. */
const char *lq_netinfo_uring_hint(int err);

#endif
