/* SPDX-License-Identifier: MIT */
#ifndef LQ_FUZZ_PIPELINE_H
#define LQ_FUZZ_PIPELINE_H

/*
 * libFuzzer, shared by the harnesses that run a pipeline (fuzz_scn, fuzz_snapshot): the
 * pipeline's output is discarded, its memory comes from the heap, 128-byte aligned and zeroed
 * as lq_pipeline_config asks.
 */
#include "lq/pipeline.h"

#include <stdlib.h>
#include <string.h>

static void discard(void *ctx, const char *d, size_t n)
{
	(void)ctx;
	(void)d;
	(void)n;
}

static void *alloc_cb(void *ctx, size_t n)
{
	(void)ctx;
	size_t sz = (n + 127) & ~(size_t)127;
	void *p = aligned_alloc(128, sz);
	if (p)
		memset(p, 0, sz);
	return p;
}

static void free_cb(void *ctx, void *p)
{
	(void)ctx;
	free(p);
}

#endif
