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

/*
 * Pre-fault: a large table comes from fresh zeroed pages the kernel maps only on their first
 * touch, which would then land in the middle of a cascade (a page fault per 4 KiB, charged to
 * the decision that first writes there). Writing a zero to every page at start takes that
 * cost here, where nothing is being decided; the memory is then resident from the start.
 */
static void prefault(void *p, size_t size)
{
	volatile unsigned char *b = p;

	for (size_t o = 0; o < size; o += 4096)
		b[o] = 0;
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
	prefault(p, size);
	return p;
}

void *lq_startup_alloc_lazy(size_t size, const char *what)
{
	void *p = mallocx(size == 0 ? 1 : size, MALLOCX_ALIGN(64) | MALLOCX_ZERO);

	if (!p) {
		fprintf(stderr,
			"liqd: cannot allocate %zu bytes for %s: lower the limits "
			"(see --help)\n",
			size, what);
		exit(LQ_EXIT_FAIL);
	}
	return p;
}

/* What lq_startup_free hands back to the system at once rather than keep for reuse. */
#define STARTUP_RETURN_BYTES (1u << 20)

void lq_startup_free(void *p)
{
	if (!p)
		return;
	const size_t size = sallocx(p, 0);
	dallocx(p, 0);
	/*
	 * jemalloc keeps freed pages resident for a while (decay) to reuse them; a scratch table
	 * the size of the engine's would then count twice in the process's peak.
	 */
	if (size >= STARTUP_RETURN_BYTES) {
		char name[64];
		snprintf(name, sizeof(name), "arena.%u.purge", (unsigned)MALLCTL_ARENAS_ALL);
		(void)mallctl(name, NULL, NULL, NULL, 0);
	}
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

void *lq_startup_pipeline_alloc_lazy(void *ctx, size_t size)
{
	(void)ctx;
	return lq_startup_alloc_lazy(size, "the pipeline");
}

void lq_startup_pipeline_free(void *ctx, void *p)
{
	(void)ctx;
	lq_startup_free(p);
}
