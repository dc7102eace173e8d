/* SPDX-License-Identifier: MIT */
#ifndef LQ_FUZZ_CONVERT_H
#define LQ_FUZZ_CONVERT_H

/*
 * libFuzzer, shared by the converters' harnesses: the input is a recording (lines). Every
 * packet the converter hands out must decode, continue the sequence, and use only
 * instruments it defined before; every refusal must come with a message. Small tables keep
 * each run cheap and reach their limits.
 */
#include "../net/convert_specs.h"
#include "lq/convert.h"

#include <stdlib.h>
#include <string.h>

struct fuzz_sink {
	uint64_t next_seq;
	uint32_t defined; /* bit per instrument id */
};

static int fuzz_sink(void *ctx, int64_t ts, const void *pkt, size_t len)
{
	static struct lq_feed_packet p;
	struct fuzz_sink *s = ctx;
	(void)ts;
	if (lq_feed_decode_packet(pkt, len, &p, NULL) != LQ_FEED_OK || p.seq != s->next_seq ||
	    p.count == 0)
		abort();
	s->next_seq += p.count;
	for (uint32_t i = 0; i < p.count; i++) {
		const struct lq_feed_msg *m = &p.msgs[i];
		if (m->instrument >= 32)
			abort();
		if (m->type == LQ_FEED_INSTRUMENT)
			s->defined |= 1u << m->instrument;
		else if (!(s->defined & (1u << m->instrument)))
			abort(); /* a message before its instrument's definition */
	}
	return 0;
}

static int fuzz_convert(enum lq_convert_venue venue, const uint8_t *data, size_t size)
{
	static struct lq_convert c;
	static uint8_t mem[1 << 18];
	struct lq_convert_params p;
	struct fuzz_sink s = {.next_seq = 1};
	lq_convert_params_defaults(&p);
	p.venue = venue;
	p.batch_ns = 0;
	p.stage_max = 512;
	p.levels_max = 64;
	test_specs_set(&p);
	if (lq_convert_memsize(&p) > sizeof(mem) ||
	    lq_convert_init(&c, mem, sizeof(mem), &p, fuzz_sink, &s) != 0)
		abort();
	const char *t = (const char *)data, *end = t + size;
	while (t < end) {
		const char *nl = memchr(t, '\n', (size_t)(end - t));
		size_t n = nl ? (size_t)(nl - t) : (size_t)(end - t);
		char *line = malloc(n ? n : 1); /* exact size: ASan sees overreads */
		memcpy(line, t, n);
		enum lq_convert_status st = lq_convert_line(&c, line, n);
		free(line);
		if (st != LQ_CONVERT_OK && st != LQ_CONVERT_SKIPPED && lq_convert_error(&c)[0] == 0)
			abort();
		if (st == LQ_CONVERT_E_SINK)
			abort();
		t += n + 1;
	}
	if (lq_convert_finish(&c) != LQ_CONVERT_OK)
		abort();
	return 0;
}

#endif
