/* SPDX-License-Identifier: MIT */
/*
 * Nothing allocates after start-up: jemalloc's per-thread counter (thread.allocated) read on
 * every pipeline thread when it starts its work and when it ends, around a full run of a
 * scenario with liquidations, ADL, socialized losses and queries, for every thread count,
 * with the latency probe and the on_event hook on. The probe changes no output byte: every
 * run's output hash equals a run without it, and the publish stage's latency histogram
 * holds exactly one sample per output event.
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

static uint64_t events_seen;

static void on_event(void *ctx, const struct lq_msg *m)
{
	(void)ctx;
	(void)m;
	events_seen++;
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
	uint64_t ref_hash = 0;
	for (uint32_t threads = 0; threads <= LQ_PIPELINE_THREADS_MAX; threads++) {
		/* threads = 0: the reference run, one thread, no probe, no hook */
		struct lq_pipeline_config cfg = {
		    .threads = threads ? threads : 1,
		    .latency = threads != 0,
		    .on_event = threads ? on_event : NULL,
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
		events_seen = 0;
		memset(allocated_at, 0, sizeof(allocated_at));
		if (lq_pipeline_create(&p, &cfg) != 0 || lq_pipeline_run(p) != 0) {
			fprintf(stderr, "pipeline failed\n");
			return 1;
		}
		if (threads == 0) {
			ref_hash = lq_pipeline_hash(p);
			lq_pipeline_destroy(p);
			continue;
		}
		const struct lq_hist *lat = lq_pipeline_latency(p, LQ_STAGE_PUBLISH);
		if (lq_pipeline_hash(p) != ref_hash || !lat || lat->count != events_seen ||
		    events_seen == 0 ||
		    lq_hist_quantile(lat, 500000) > lq_hist_quantile(lat, 990000)) {
			printf("--threads %u: FAIL: hash %016llx (reference %016llx), %llu events, "
			       "%llu latency samples\n",
			       threads, (unsigned long long)lq_pipeline_hash(p),
			       (unsigned long long)ref_hash, (unsigned long long)events_seen,
			       (unsigned long long)(lat ? lat->count : 0));
			fail = 1;
		}
		if (lat)
			printf("--threads %u: decision latency p50 %llu p99 %llu max %llu cycles\n",
			       threads, (unsigned long long)lq_hist_quantile(lat, 500000),
			       (unsigned long long)lq_hist_quantile(lat, 990000),
			       (unsigned long long)lat->max);
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
