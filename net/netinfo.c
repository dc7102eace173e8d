/* SPDX-License-Identifier: MIT */
#include "lq/netinfo.h"

#include <errno.h>
#include <liburing.h>
#include <rte_version.h>
#include <stdio.h>
#include <string.h>

#ifndef LQ_URING_VERSION
#define LQ_URING_VERSION "unknown"
#endif

void lq_netinfo_get(struct lq_netinfo *ni)
{
	struct io_uring ring;

	memset(ni, 0, sizeof(*ni));
	snprintf(ni->uring_version, sizeof(ni->uring_version), "%s", LQ_URING_VERSION);
	ni->uring_probe = io_uring_queue_init(4, &ring, 0);
	if (ni->uring_probe == 0)
		io_uring_queue_exit(&ring);
	snprintf(ni->dpdk_version, sizeof(ni->dpdk_version), "%s", rte_version());
}

const char *lq_netinfo_uring_hint(int err)
{
	switch (-err) {
	case 0:
		return "io_uring is usable";
	case EPERM:
		return "io_uring is disabled: check /proc/sys/kernel/io_uring_disabled or the "
		       "container's seccomp profile";
	case ENOSYS:
		return "the kernel has no io_uring (Linux 5.1 or later is needed)";
	case ENOMEM:
		return "not enough locked memory for io_uring: raise RLIMIT_MEMLOCK (ulimit -l)";
	default:
		return "io_uring could not be set up";
	}
}
