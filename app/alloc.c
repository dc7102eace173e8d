/* SPDX-License-Identifier: MIT */
#include "lq/app.h"

#include <errno.h>
#include <jemalloc/jemalloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *lq_startup_alloc(size_t size, const char *what)
{
	return lq_startup_alloc_aligned(size, 64, what);
}

void *lq_startup_alloc_aligned(size_t size, size_t align, const char *what)
{
	void *p = mallocx(size == 0 ? 1 : size, MALLOCX_ALIGN(align) | MALLOCX_ZERO);

	if (!p) {
		fprintf(stderr,
			"liqd: cannot allocate %zu bytes for %s: lower the limits "
			"(see --help)\n",
			size, what);
		exit(LQ_EXIT_FAIL);
	}
	return p;
}

void lq_startup_free(void *p)
{
	if (p)
		dallocx(p, 0);
}

uint64_t lq_thread_allocated(void)
{
	uint64_t v = 0;
	size_t sz = sizeof(v);

	if (mallctl("thread.allocated", &v, &sz, NULL, 0) != 0)
		return 0;
	return v;
}

void *lq_startup_pipeline_alloc(void *ctx, size_t size)
{
	(void)ctx;
	return lq_startup_alloc_aligned(size, 128, "the pipeline");
}

void lq_startup_pipeline_free(void *ctx, void *p)
{
	(void)ctx;
	lq_startup_free(p);
}
