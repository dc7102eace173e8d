/* SPDX-License-Identifier: MIT */
/*
 * Nothing allocates after start-up: jemalloc's per-thread counter (thread.allocated) read on
 * every pipeline thread when it starts its work and when it ends, around a full run of a
 * scenario with liquidations, ADL, socialized losses and queries, for every thread count.
 *
 *   test_noalloc SCENARIO
 */
#include "lq/pipeline.h"

#include <jemalloc/jemalloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct src {
	char *text;
	size_t len, pos;
};

static int next_line(void *ctx, struct lq_scn *scn)
{
	struct src *s = ctx;
	if (s->pos >= s->len)
		return 0;
	char *nl = memchr(s->text + s->pos, '\n', s->len - s->pos);
	size_t n = nl ? (size_t)(nl - (s->text + s->pos)) : s->len - s->pos;
	scn->line++;
	enum lq_scn_result r = lq_scn_line(scn, s->text + s->pos, n);
	s->pos += n + 1;
	return r == LQ_SCN_SYNTAX ? -1 : 1;
}

static uint64_t out_bytes;

static void discard(void *ctx, const char *d, size_t n)
{
	(void)ctx;
	(void)d;
	out_bytes += n;
}

static void *alloc_cb(void *ctx, size_t size)
{
	(void)ctx;
	return mallocx(size ? size : 1, MALLOCX_ALIGN(128) | MALLOCX_ZERO);
}

static void free_cb(void *ctx, void *p)
{
	(void)ctx;
	dallocx(p, 0);
}

static uint64_t allocated_at[LQ_PIPELINE_THREADS_MAX][2];

static void hook(void *ctx, uint32_t thread, bool end)
{
	uint64_t v = 0;
	size_t sz = sizeof(v);
	(void)ctx;
	if (mallctl("thread.allocated", &v, &sz, NULL, 0) != 0) {
		fprintf(stderr, "jemalloc's thread.allocated is not available\n");
		exit(77);
	}
	allocated_at[thread][end] = v;
}

int main(int argc, char **argv)
{
	struct src s = {0};
	FILE *f;
	int fail = 0;

	if (argc != 2 || !(f = fopen(argv[1], "rb"))) {
		fprintf(stderr, "usage: test_noalloc SCENARIO\n");
		return 2;
	}
	s.text = malloc(1 << 24);
	s.len = fread(s.text, 1, 1 << 24, f);
	fclose(f);
	for (uint32_t threads = 1; threads <= LQ_PIPELINE_THREADS_MAX; threads++) {
		struct lq_pipeline_config cfg = {
		    .threads = threads,
		    .ring_slots = threads == 1 ? 8 : 256,
		    .burst = 16,
		    .limits = {.accounts_max = 100000, .positions_max = 400000},
		    .trigger = LQ_TRIGGER_INDEX,
		    .source = next_line,
		    .source_ctx = &s,
		    .write = discard,
		    .alloc = alloc_cb,
		    .free = free_cb,
		    .thread_hook = hook,
		};
		struct lq_pipeline *p;
		for (uint32_t t = 0; t < LQ_PIPELINE_THREADS_MAX; t++)
			cfg.cores[t] = -1;
		s.pos = 0;
		out_bytes = 0;
		memset(allocated_at, 0, sizeof(allocated_at));
		if (lq_pipeline_create(&p, &cfg) != 0 || lq_pipeline_run(p) != 0) {
			fprintf(stderr, "pipeline failed\n");
			return 1;
		}
		for (uint32_t t = 0; t < threads; t++) {
			uint64_t d = allocated_at[t][1] - allocated_at[t][0];
			printf("--threads %u: thread %u allocated %llu bytes during the run\n",
			       threads, t, (unsigned long long)d);
			fail |= d != 0;
		}
		printf("--threads %u: %llu output bytes, %llu engine events\n", threads,
		       (unsigned long long)out_bytes,
		       (unsigned long long)lq_pipeline_engine(p)->stats.events);
		lq_pipeline_destroy(p);
	}
	free(s.text);
	printf(fail ? "FAIL: the hot path allocated\n" : "nothing allocated after start-up\n");
	return fail;
}
