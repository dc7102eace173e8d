/* SPDX-License-Identifier: MIT */
/*
 * The books the feed builds from a multi-venue-ws recording: converts it, decodes every
 * packet, keeps each instrument's book (book_clear, book_level) and prints, per instrument,
 * the best bid and ask after its first and its last complete venue update (a LAST-flagged
 * book message after a snapshot), how often the book was crossed there, and the first and
 * last book_top. convert_books.sh compares this with books.expected, which reference.py
 * computed from the recordings with its own JSON and decimal reading.
 *
 * usage: test_convert_books VENUE FILE CONFIG   (CONFIG: the instruments, a tests/convert scn file)
 */
#include "lq/convert.h"
#include "lq/num.h"
#include "lq/preset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIDE_MAX 16384

struct side {
	uint32_t n;
	int64_t px[SIDE_MAX]; /* bids descending, asks ascending */
};

struct inst {
	struct lq_feed_instrument_def def;
	struct side bids, asks;
	bool synced;
	uint64_t updates, crossed;
	int64_t first[2], last[2];
	uint64_t tops;
	int64_t top_first[2], top_last[2];
};

static struct inst insts[LQ_CONVERT_INSTRUMENTS_MAX];
static uint64_t next_seq = 1;
static int failed;

static void side_set(struct side *s, bool bid, int64_t px, bool present)
{
	uint32_t lo = 0, hi = s->n;
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		if (bid ? s->px[mid] > px : s->px[mid] < px)
			lo = mid + 1;
		else
			hi = mid;
	}
	bool found = lo < s->n && s->px[lo] == px;
	if (!present && found)
		memmove(&s->px[lo], &s->px[lo + 1], (s->n-- - lo - 1) * sizeof(s->px[0]));
	if (present && !found) {
		if (s->n == SIDE_MAX) {
			fprintf(stderr, "more than %d levels on a side\n", SIDE_MAX);
			exit(1);
		}
		memmove(&s->px[lo + 1], &s->px[lo], (s->n++ - lo) * sizeof(s->px[0]));
		s->px[lo] = px;
	}
}

static void msg(const struct lq_feed_msg *m)
{
	struct inst *in = &insts[m->instrument];
	switch (m->type) {
	case LQ_FEED_INSTRUMENT:
		in->def = m->u.def;
		return;
	case LQ_FEED_BOOK_TOP:
		if (in->tops++ == 0) {
			in->top_first[0] = m->u.top.bid_price;
			in->top_first[1] = m->u.top.ask_price;
		}
		in->top_last[0] = m->u.top.bid_price;
		in->top_last[1] = m->u.top.ask_price;
		return;
	case LQ_FEED_BOOK_CLEAR:
		in->bids.n = in->asks.n = 0;
		in->synced = true;
		break;
	case LQ_FEED_BOOK_LEVEL: {
		bool bid = m->u.level.side == LQ_FEED_BID;
		side_set(bid ? &in->bids : &in->asks, bid, m->u.level.price, m->u.level.qty != 0);
		break;
	}
	default:
		return;
	}
	if (!(m->flags & LQ_FEED_F_LAST) || !in->synced)
		return;
	int64_t b = in->bids.n ? in->bids.px[0] : 0, a = in->asks.n ? in->asks.px[0] : 0;
	if (in->updates++ == 0) {
		in->first[0] = b;
		in->first[1] = a;
	}
	in->last[0] = b;
	in->last[1] = a;
	in->crossed += b && a && b >= a;
}

static int sink(void *ctx, int64_t ts, const void *pkt, size_t len)
{
	static struct lq_feed_packet p;
	(void)ctx;
	(void)ts;
	if (lq_feed_decode_packet(pkt, len, &p, NULL) != LQ_FEED_OK || p.seq != next_seq) {
		fprintf(stderr, "packet %llu does not decode or is out of sequence\n",
			(unsigned long long)next_seq);
		failed = 1;
		return 0;
	}
	next_seq += p.count;
	for (uint32_t i = 0; i < p.count; i++)
		msg(&p.msgs[i]);
	return 0;
}

static const char *px(char *buf, size_t cap, const struct inst *in, int64_t v)
{
	if (v == 0)
		snprintf(buf, cap, "-");
	else
		lq_dec_format(buf, cap, v, in->def.price_decimals);
	return buf;
}

int main(int argc, char **argv)
{
	static struct lq_convert c;
	struct lq_convert_params p;
	char a[4][32];
	static struct lq_convert_spec specs[LQ_INSTRUMENTS_MAX];
	struct lq_config_sources src = {.file = NULL};
	struct lq_engine *defs = NULL;
	if (argc != 4) {
		fprintf(stderr, "usage: test_convert_books VENUE FILE CONFIG\n");
		return 2;
	}
	lq_convert_params_defaults(&p);
	if (lq_convert_venue_parse(argv[1], &p.venue) != 0)
		return 2;
	src.file = argv[3];
	if (lq_config_load("test_convert_books", &src, false, &defs) != 0)
		return 2;
	p.specs = specs;
	p.spec_count = lq_config_specs(defs, specs, LQ_INSTRUMENTS_MAX);
	p.specs_from = argv[3];
	lq_config_free(defs);
	size_t size = lq_convert_memsize(&p);
	void *mem = malloc(size);
	if (!mem || lq_convert_init(&c, mem, size, &p, sink, NULL) != 0)
		return 1;
	if (lq_convert_file(&c, argv[2]) != LQ_CONVERT_OK) {
		fprintf(stderr, "%s\n", lq_convert_error(&c));
		return 1;
	}
	for (uint32_t i = 0; i < c.inst_count; i++) {
		const struct inst *in = &insts[i];
		if (in->updates)
			printf("%s book first %s/%s last %s/%s crossed %llu\n", in->def.name,
			       px(a[0], 32, in, in->first[0]), px(a[1], 32, in, in->first[1]),
			       px(a[2], 32, in, in->last[0]), px(a[3], 32, in, in->last[1]),
			       (unsigned long long)in->crossed);
		if (in->tops)
			printf(
			    "%s top first %s/%s last %s/%s\n", in->def.name,
			    px(a[0], 32, in, in->top_first[0]), px(a[1], 32, in, in->top_first[1]),
			    px(a[2], 32, in, in->top_last[0]), px(a[3], 32, in, in->top_last[1]));
	}
	free(mem);
	return failed;
}
