/* SPDX-License-Identifier: MIT */
/*
 * The feed-side book (net/feedin.c: a tick-indexed ladder with a spill) and the book deltas the
 * stages apply (core/msg.c): against a reference that keeps the whole book as sorted arrays and
 * sends its best levels whole (the full-book path), at the window's edges, with hostile prices,
 * removals of absent levels, crossed books, --shock's clamps, and randomized updates (seeded,
 * bounded). After every venue update the copy built from the deltas must equal the reference's
 * best levels, and a book end must come exactly when the reference's book changed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "lq/feedin.h"
#include "lq/msg.h"

#define REF_CAP 16384

struct ref {
	uint32_t n[2];
	struct lq_book_level lv[2][REF_CAP];
	bool dirty;
};

struct h {
	struct lq_engine *e;
	void *mem;
	struct lq_feedin *f;
	struct lq_scn scn;
	struct lq_book copy; /* built from the deltas, as a stage does */
	uint64_t ends, deltas;
	struct ref *ref;
	int64_t tick, shock_e8, anchor;
	int64_t ts;
};

static void collect(void *ctx, struct lq_msg *m)
{
	struct h *h = ctx;

	if (m->type == LQ_MSG_BOOK_LEVEL)
		fail_msg("a whole book level from the feed adapter");
	if (m->type == LQ_MSG_BOOK_DELTA) {
		assert_int_equal(m->u.delta.instrument, 0);
		assert_true(m->u.delta.n >= 1 && m->u.delta.n <= LQ_MSG_DELTA_LEVELS);
		assert_true(lq_msg_book_delta_apply(&h->copy, m));
		h->deltas++;
	}
	if (m->type == LQ_MSG_BOOK_END) {
		assert_int_equal(m->u.book_end.delta, 1);
		h->ends++;
	}
}

static struct h *h_new(int64_t tick, int64_t shock_e8)
{
	struct h *h = calloc(1, sizeof(*h));
	const struct lq_engine_limits lim = {.accounts_max = 1, .positions_max = 1};
	const size_t sz = lq_engine_memsize(&lim);
	struct lq_instrument proto;

	h->e = calloc(1, sizeof(*h->e));
	h->mem = calloc(1, sz);
	h->f = calloc(1, sizeof(*h->f));
	h->ref = calloc(1, sizeof(*h->ref));
	assert_non_null(h->f);
	assert_int_equal(lq_engine_init(h->e, h->mem, sz, &lim, NULL, NULL), 0);
	assert_int_equal(lq_engine_add_asset(h->e, "USDT", 6), LQ_OK);
	memset(&proto, 0, sizeof(proto));
	strcpy(proto.name, "BTC");
	proto.kind = LQ_INSTRUMENT_LINEAR;
	proto.settle_asset = 0;
	proto.price_decimals = 1;
	proto.qty_decimals = 3;
	proto.tick = tick;
	proto.lot = 1;
	assert_int_equal(lq_engine_add_instrument(h->e, &proto), LQ_OK);
	h->scn.engine = h->e;
	h->scn.emit = collect;
	h->scn.emit_ctx = h;
	h->tick = tick;
	h->shock_e8 = shock_e8;
	lq_feedin_init(h->f, shock_e8);
	struct lq_feed_msg m = {.type = LQ_FEED_INSTRUMENT, .instrument = 3};
	strcpy(m.u.def.name, "BTC");
	strcpy(m.u.def.settle, "USDT");
	m.u.def.price_decimals = 1;
	m.u.def.qty_decimals = 3;
	m.u.def.settle_decimals = 6;
	m.u.def.tick = tick;
	m.u.def.lot = 1;
	lq_feedin_msg(h->f, &h->scn, &m, 1);
	return h;
}

static void h_free(struct h *h)
{
	free(h->e);
	free(h->mem);
	free(h->f);
	free(h->ref);
	free(h);
}

/* --shock as the engine sees it: around the first price, rounded to the tick, >= one tick. */
static int64_t shocked(struct h *h, int64_t p)
{
	if (h->shock_e8 == 0)
		return p;
	if (h->anchor == 0)
		h->anchor = p;
	lq_i128 moved = lq_div128_round((lq_i128)(p - h->anchor) * h->shock_e8, LQ_RATE_ONE);
	lq_i128 s = lq_div128_round(h->anchor + moved, h->tick) * h->tick;
	if (s < h->tick)
		s = h->tick;
	return s > INT64_MAX ? INT64_MAX : (int64_t)s;
}

/* The full-book path: sorted arrays keyed by the engine's price, the best levels sent whole. */
static void ref_set(struct ref *r, unsigned side, int64_t price, int64_t qty)
{
	struct lq_book_level *lv = r->lv[side];
	uint32_t lo = 0, hi = r->n[side];

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (side == 0 ? lv[mid].price > price : lv[mid].price < price)
			lo = mid + 1;
		else
			hi = mid;
	}
	const bool found = lo < r->n[side] && lv[lo].price == price;
	if (qty == 0) {
		if (found) {
			memmove(&lv[lo], &lv[lo + 1], sizeof(*lv) * (r->n[side] - lo - 1));
			r->n[side]--;
			r->dirty = true;
		}
		return;
	}
	if (found) {
		lv[lo].qty = qty;
	} else {
		assert_true(r->n[side] < REF_CAP);
		memmove(&lv[lo + 1], &lv[lo], sizeof(*lv) * (r->n[side] - lo));
		lv[lo] = (struct lq_book_level){.price = price, .qty = qty};
		r->n[side]++;
	}
	r->dirty = true;
}

static void check_view(struct h *h)
{
	for (unsigned side = 0; side < 2; side++) {
		const uint32_t n =
		    h->ref->n[side] < LQ_BOOK_LEVELS_MAX ? h->ref->n[side] : LQ_BOOK_LEVELS_MAX;
		const uint32_t got = side ? h->copy.ask_count : h->copy.bid_count;
		const struct lq_book_level *lv = side ? h->copy.asks : h->copy.bids;
		assert_int_equal(got, n);
		for (uint32_t i = 0; i < n; i++) {
			assert_int_equal(lv[i].price, h->ref->lv[side][i].price);
			assert_int_equal(lv[i].qty, h->ref->lv[side][i].qty);
		}
	}
}

/* One level of the feed (price in feed units, on the tick); last ends the venue update. */
static void level(struct h *h, unsigned side, int64_t price, int64_t qty, bool last)
{
	struct lq_feed_msg m = {.type = LQ_FEED_BOOK_LEVEL, .instrument = 3, .ts_ns = ++h->ts};

	m.flags = last ? LQ_FEED_F_LAST : 0;
	m.u.level.side = (uint8_t)side;
	m.u.level.price = price;
	m.u.level.qty = qty;
	const uint64_t ends = h->ends;
	lq_feedin_msg(h->f, &h->scn, &m, 1);
	ref_set(h->ref, side, shocked(h, price), qty);
	if (!last) {
		assert_int_equal(h->ends, ends);
		return;
	}
	/* a book end exactly when the full-book path would have sent the book */
	assert_int_equal(h->ends, ends + (h->ref->dirty ? 1 : 0));
	h->ref->dirty = false;
	check_view(h);
}

static void clear(struct h *h, bool last)
{
	struct lq_feed_msg m = {.type = LQ_FEED_BOOK_CLEAR, .instrument = 3, .ts_ns = ++h->ts};

	m.flags = last ? LQ_FEED_F_LAST : 0;
	lq_feedin_msg(h->f, &h->scn, &m, 1);
	h->ref->n[0] = h->ref->n[1] = 0;
	h->ref->dirty = true;
	if (last) {
		h->ref->dirty = false;
		check_view(h);
	}
}

static void test_window_edges(void **state)
{
	(void)state;
	struct h *h = h_new(1, 0);
	const int64_t b = 1000000, w = LQ_FEEDIN_LADDER;

	/* the first bid puts the window's better edge a quarter window above it */
	level(h, 0, b, 5, true);
	level(h, 0, b - (w - w / 4), 1, false);	    /* the window's first key */
	level(h, 0, b - (w - w / 4) - 1, 2, false); /* just below: the spill */
	level(h, 0, b + w / 4 - 1, 3, true);	    /* the window's last key */
	level(h, 0, b + w / 4, 4, true);	    /* just above: the window moves up */
	level(h, 0, b + 10 * w, 7, true);	    /* far above: everything else spills */
	for (int64_t k = 1; k <= 100; k++)
		level(h, 0, b - 3 * w - k, k, k == 100); /* deep, into the spill */
	/* remove the best ones: the window empties and moves down onto the spill's best */
	level(h, 0, b + 10 * w, 0, true);
	level(h, 0, b + w / 4, 0, false);
	level(h, 0, b + w / 4 - 1, 0, false);
	level(h, 0, b, 0, true);
	level(h, 0, b - (w - w / 4), 0, true);
	level(h, 0, b - (w - w / 4) - 1, 0, true);
	/* asks mirror it: the better edge is the lower one */
	level(h, 1, b, 5, true);
	level(h, 1, b - w / 4, 1, false);
	level(h, 1, b - w / 4 - 1, 2, true);
	level(h, 1, b + w * 3, 3, true);
	level(h, 1, b - w / 4 - 1, 0, true);
	level(h, 1, b - w / 4, 0, false);
	level(h, 1, b, 0, true);
	assert_int_equal(h->f->book_outside, 0);
	h_free(h);
}

static void test_hostile_prices(void **state)
{
	(void)state;
	struct h *h = h_new(1, 0);

	/* the marker refuses such books; the adapter keeps them exactly, whatever the distance */
	level(h, 0, 0, 1, false);
	level(h, 0, -5, 2, false);
	level(h, 0, INT64_MAX, 3, false);
	level(h, 0, INT64_MIN + 1, 4, false);
	level(h, 1, INT64_MAX - 1, -7, false);
	level(h, 1, INT64_MIN, 1, true);
	level(h, 0, INT64_MAX - 2, 9, true);
	level(h, 0, INT64_MAX, 0, false);
	level(h, 0, INT64_MIN + 1, 0, true);
	level(h, 1, INT64_MIN, 0, false);
	level(h, 1, INT64_MAX - 1, 0, true);
	level(h, 0, -5, 0, true);
	level(h, 0, 0, 0, true);
	level(h, 0, INT64_MAX - 2, 0, true);
	assert_int_equal(h->copy.bid_count + h->copy.ask_count, 0);
	assert_int_equal(h->f->book_outside, 0);
	h_free(h);
}

static void test_delete_absent(void **state)
{
	(void)state;
	struct h *h = h_new(5, 0);

	/* nothing held: no book end, as the full-book path sends none */
	level(h, 0, 1000, 0, true);
	level(h, 1, 1005, 0, true);
	level(h, 0, 1000, 10, true);
	level(h, 0, 995, 0, true);	       /* absent in the window */
	level(h, 0, 1000 - 5 * 5000, 0, true); /* absent below it */
	level(h, 0, 1000 + 5 * 5000, 0, true); /* absent above it */
	level(h, 1, 1000, 0, true);	       /* the other side's price */
	assert_int_equal(h->ends, 1);
	h_free(h);
}

static void test_crossed(void **state)
{
	(void)state;
	struct h *h = h_new(1, 0);

	level(h, 0, 100, 1, false);
	level(h, 1, 101, 1, true);
	level(h, 0, 105, 2, false); /* bids above the asks */
	level(h, 1, 99, 3, false);
	level(h, 1, 100, 4, true); /* an ask at a bid's price */
	assert_int_equal(h->copy.bids[0].price, 105);
	assert_int_equal(h->copy.asks[0].price, 99);
	clear(h, false);
	level(h, 1, 50, 1, true);
	h_free(h);
}

static void test_shock_clamp(void **state)
{
	(void)state;
	struct h *h = h_new(1, 3 * LQ_RATE_ONE);

	level(h, 0, 1000, 1, true); /* the anchor */
	/* far below: every such price is one tick, one level (the last set) */
	level(h, 0, 400, 2, false);
	level(h, 0, 300, 3, true);
	assert_int_equal(h->copy.bids[h->copy.bid_count - 1].price, 1);
	assert_int_equal(h->copy.bids[h->copy.bid_count - 1].qty, 3);
	level(h, 0, 200, 4, true);
	level(h, 0, 400, 0, true); /* a removal at any of those prices removes it */
	level(h, 0, 300, 0, true); /* and then there is nothing to remove */
	level(h, 0, 500, 5, false);
	level(h, 0, 600, 6, true); /* distinct ticks stay distinct */
	h_free(h);
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Randomized updates against the full-book path: seeded, a bounded number of messages. */
static void random_run(int64_t shock_e8, uint64_t seed)
{
	struct h *h = h_new(1, shock_e8);
	uint64_t s = seed;

	for (uint32_t phase = 0; phase < 4; phase++) {
		const int64_t mid = 200000 + (int64_t)phase * 37000;
		for (uint32_t i = 0; i < 6000; i++) {
			const uint64_t r = rnd(&s);
			const unsigned side = r & 1u;
			int64_t off = (int64_t)((r >> 8) % 3000);
			if ((r >> 40) % 100 == 0)
				off = (int64_t)((r >> 20) % 50) * 4000; /* far: moves the window */
			const int64_t price = side == 0 ? mid - off : mid + 1 + off;
			const int64_t qty = (r >> 48) % 10 < 3 ? 0 : (int64_t)((r >> 52) % 100) + 1;
			level(h, side, price, qty, (r >> 32) % 5 == 0);
		}
		level(h, 0, mid, 1, true);
		if (phase == 1)
			clear(h, true);
	}
	assert_int_equal(h->f->book_outside, 0);
	assert_true(h->deltas > 0);
	h_free(h);
}

static void test_random(void **state)
{
	(void)state;
	random_run(0, 0x9e3779b97f4a7c15ull);
	random_run(0, 12345);
	random_run(2 * LQ_RATE_ONE, 777);
}

/*
 * The stages' view found from the changes recorded since the last update (feedin.c view_fast,
 * without --shock): a dense top of book where updates set, remove and resize levels at and
 * around the view's worst level (levels enter and leave it), some with more changes than the
 * record holds (a walk then). Each update against the full-book path; debug builds also check
 * every such view against the walk.
 */
static void test_view_changes(void **state)
{
	(void)state;
	struct h *h = h_new(1, 0);
	const int64_t mid = 500000;
	uint64_t s = 4242;

	for (int64_t k = 0; k < 150; k++) {
		level(h, 0, mid - k, k + 1, false);
		level(h, 1, mid + 1 + k, k + 1, false);
	}
	level(h, 0, mid, 1, true);
	for (uint32_t u = 0; u < 3000; u++) {
		const uint32_t n = 1 + (uint32_t)(rnd(&s) % (u % 10 == 0 ? 3 * LQ_FEEDIN_PEND : 8));
		for (uint32_t i = 0; i < n; i++) {
			const uint64_t r = rnd(&s);
			const unsigned side = r & 1u;
			const int64_t off =
			    (int64_t)((r >> 8) % 120); /* the view's worst is near 100 */
			const int64_t price = side == 0 ? mid - off : mid + 1 + off;
			const int64_t qty = (r >> 48) % 10 < 4 ? 0 : (int64_t)((r >> 52) % 50) + 1;
			level(h, side, price, qty, i + 1 == n);
		}
	}
	assert_true(h->f->views_fast > 3000);
	assert_int_equal(h->f->book_outside, 0);
	h_free(h);
}

/*
 * The whole feed-side book of a side, best first (the window's levels, then the spill's blocks),
 * keys as prices (tick 1, no --shock), checking the spill's block layout on the way: every block
 * before spill_nb holds 1 to LQ_FEEDIN_SPILL_BLOCK levels, none after it, spill_n in all.
 */
static uint32_t book_all(const struct lq_feedin_side *s, unsigned side, struct lq_book_level *out)
{
	uint32_t n = 0, spilled = 0;

	for (uint32_t i = 0; i < LQ_FEEDIN_LADDER; i++) {
		const uint32_t k = side == 0 ? LQ_FEEDIN_LADDER - 1 - i : i;
		if ((s->occ[k / 64] >> (k % 64)) & 1u) {
			assert_int_equal(s->lv[k].price, s->base + (int64_t)k);
			out[n++] = (struct lq_book_level){.price = s->base + (int64_t)k,
							  .qty = s->lv[k].qty};
		}
	}
	assert_int_equal(n, s->count);
	assert_true(s->spill_nb <= LQ_FEEDIN_SPILL_BLOCKS);
	for (uint32_t b = 0; b < LQ_FEEDIN_SPILL_BLOCKS; b++) {
		if (b >= s->spill_nb) {
			assert_int_equal(s->spill_bn[b], 0);
			continue;
		}
		assert_true(s->spill_bn[b] >= 1 && s->spill_bn[b] <= LQ_FEEDIN_SPILL_BLOCK);
		for (uint32_t i = 0; i < s->spill_bn[b]; i++) {
			const struct lq_feedin_spill_level *l =
			    &s->spill[b * LQ_FEEDIN_SPILL_BLOCK + i];
			out[n++] = (struct lq_book_level){.price = l->key, .qty = l->qty};
		}
		spilled += s->spill_bn[b];
	}
	assert_int_equal(spilled, s->spill_n);
	return n;
}

/* Both sides of the whole book equal the reference's, level for level. */
static void check_whole(struct h *h, struct lq_book_level *buf)
{
	assert_null(lq_feedin_check(h->f)); /* what a restore checks holds all along */
	for (unsigned side = 0; side < 2; side++) {
		const uint32_t n = book_all(&h->f->ins[3].book.side[side], side, buf);
		assert_int_equal(n, h->ref->n[side]);
		for (uint32_t i = 0; i < n; i++) {
			assert_int_equal(buf[i].price, h->ref->lv[side][i].price);
			assert_int_equal(buf[i].qty, h->ref->lv[side][i].qty);
		}
	}
}

/*
 * The spill's blocks against the plain sorted reference, whole book: seeded updates mostly
 * deeper than the window, in phases that fill blocks (mostly new levels), empty them (mostly
 * removals) and mix both with moves of the window (a far better price, the best levels
 * removed), so that blocks fill, empty and the spill re-spreads many times.
 */
static void test_spill_blocks(void **state)
{
	(void)state;
	struct h *h = h_new(1, 0);
	struct lq_book_level *buf = calloc(REF_CAP, sizeof(*buf));
	const int64_t mid = 1000000, w = LQ_FEEDIN_LADDER;
	uint64_t s = 0x5eedb10cull;
	uint32_t most = 0, most_nb = 0, checks = 0;

	assert_non_null(buf);
	level(h, 0, mid, 1, false);
	level(h, 1, mid + 1, 1, true);
	for (uint32_t phase = 0; phase < 6; phase++) {
		const unsigned rem_pct = phase % 3 == 0 ? 10 : phase % 3 == 1 ? 80 : 40;
		for (uint32_t i = 0; i < 5000; i++) {
			const uint64_t r = rnd(&s);
			const unsigned side = r & 1u;
			/* deep: below the window (which starts w - w/4 from the best) */
			int64_t off = w + (int64_t)((r >> 8) % 5000);
			if ((r >> 24) % 10 == 0)
				off = (int64_t)((r >> 28) % (uint64_t)w); /* in the window */
			const int64_t price = side == 0 ? mid - off : mid + 1 + off;
			const int64_t qty =
			    (r >> 40) % 100 < rem_pct ? 0 : (int64_t)((r >> 48) % 100) + 1;
			const bool last = (r >> 36) % 4 == 0;
			level(h, side, price, qty, last);
			if (last && (r >> 56) % 4 == 0) {
				check_whole(h, buf);
				checks++;
			}
		}
		for (unsigned side = 0; side < 2; side++) {
			const struct lq_feedin_side *sd = &h->f->ins[3].book.side[side];
			most = sd->spill_n > most ? sd->spill_n : most;
			most_nb = sd->spill_nb > most_nb ? sd->spill_nb : most_nb;
		}
		if (phase == 2) { /* far better prices: the window moves up, its levels spill */
			level(h, 0, mid + 3 * w, 5, false);
			level(h, 1, mid + 1 - 3 * w / 2, 5, true);
			check_whole(h, buf);
			level(h, 0, mid + 3 * w, 0, false); /* and back: the window refills */
			level(h, 1, mid + 1 - 3 * w / 2, 0, true);
			check_whole(h, buf);
		}
	}
	/* remove every level, deepest last: each block empties in turn */
	for (unsigned side = 0; side < 2; side++) {
		while (h->ref->n[side] > 0) {
			const struct lq_book_level l = h->ref->lv[side][0];
			level(h, side, l.price, 0, h->ref->n[side] % 64 == 1);
			if (h->ref->n[side] % 512 == 0)
				check_whole(h, buf);
		}
	}
	check_whole(h, buf);
	assert_true(most > 1000 && most < LQ_FEEDIN_SPILL); /* many blocks, none dropped */
	assert_true(most_nb >= 20);
	assert_true(checks > 100);
	assert_int_equal(h->f->book_outside, 0);
	/* what a restore refuses, on the emptied side: each corruption alone */
	struct lq_feedin_side *sd = &h->f->ins[3].book.side[0];
	assert_int_equal(sd->spill_nb, 0);
	const struct lq_feedin_side keep = *sd;
	sd->spill_nb = LQ_FEEDIN_SPILL_BLOCKS + 1;
	assert_non_null(lq_feedin_check(h->f));
	*sd = keep;
	sd->spill_nb = 1; /* an empty block in use */
	assert_non_null(lq_feedin_check(h->f));
	*sd = keep;
	sd->spill_nb = 1;
	sd->spill_n = LQ_FEEDIN_SPILL_BLOCK + 1;
	sd->spill_bn[0] = LQ_FEEDIN_SPILL_BLOCK + 1; /* a block past its size */
	assert_non_null(lq_feedin_check(h->f));
	*sd = keep;
	sd->spill_bn[0] = 1; /* an empty spill whose first block counts a level */
	assert_non_null(lq_feedin_check(h->f));
	*sd = keep;
	sd->spill_n = 1; /* miscounted */
	assert_non_null(lq_feedin_check(h->f));
	*sd = keep;
	sd->count = LQ_FEEDIN_LADDER + 1;
	assert_non_null(lq_feedin_check(h->f));
	*sd = keep;
	assert_null(lq_feedin_check(h->f));
	free(buf);
	h_free(h);
}

/* A full spill drops its deepest levels: counted, the copy still a valid best-first book. */
static void test_drop_counted(void **state)
{
	(void)state;
	struct h *h = h_new(1, 0);
	const int64_t top = 10000000;

	level(h, 0, top, 1, true);
	for (int64_t k = 0; k < LQ_FEEDIN_SPILL + 100; k++)
		level(h, 0, top - LQ_FEEDIN_LADDER - 10 * k, 1, false);
	level(h, 0, top, 2, true);
	assert_int_equal(h->f->book_outside, 100);
	/* the engine's view is the best levels: unaffected here */
	assert_int_equal(h->copy.bid_count, LQ_BOOK_LEVELS_MAX);
	h_free(h);
}

/* A stage's copy refuses what it cannot hold; the sender and it would disagree. */
static void test_copy_refuses(void **state)
{
	(void)state;
	struct lq_book b;

	memset(&b, 0, sizeof(b));
	assert_false(lq_msg_book_set(&b, 0, 100, 0));
	for (int64_t i = 0; i < LQ_BOOK_LEVELS_MAX; i++)
		assert_true(lq_msg_book_set(&b, 1, 100 + i, 1));
	assert_false(lq_msg_book_set(&b, 1, 50, 1));
	assert_true(lq_msg_book_set(&b, 1, 100, 9)); /* a level held: replaced */
	assert_int_equal(b.asks[0].qty, 9);
	assert_true(lq_msg_book_set(&b, 1, 100, 0));
	assert_int_equal(b.ask_count, LQ_BOOK_LEVELS_MAX - 1);
	assert_int_equal(b.asks[0].price, 101);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_window_edges),  cmocka_unit_test(test_hostile_prices),
	    cmocka_unit_test(test_delete_absent), cmocka_unit_test(test_crossed),
	    cmocka_unit_test(test_shock_clamp),	  cmocka_unit_test(test_random),
	    cmocka_unit_test(test_view_changes),  cmocka_unit_test(test_spill_blocks),
	    cmocka_unit_test(test_drop_counted),  cmocka_unit_test(test_copy_refuses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
