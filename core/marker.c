/* SPDX-License-Identifier: MIT */
/*
 * The marker (DESIGN 1.4): market data in, marks and staleness out. It writes only the
 * marker-owned fields of struct lq_mark_state and announces what the engine must apply, so
 * that the same code serves the engine's direct API and the pipeline's mark stage.
 *
 * The mark methods compute in int64_t (instrument.c): the basis sample is
 * top_bid + top_ask - 2 x index, median3 rounds the time up to the next funding time, the
 * sampler floors the time to whole seconds. Inputs that would take those beyond int64_t are
 * refused here with LQ_E_OVERFLOW (a book whose best bid + best ask does not fit, an index
 * above INT64_MAX / 2, a time within a second of INT64_MIN), so no sample can wrap; a mark
 * that the time cannot round up to a funding time (a funding interval changed afterwards)
 * is not derived, and an input's age that does not fit is stale.
 */
#include "lq/assert.h"
#include "lq/engine.h"

bool lq_marker_is_market(enum lq_cmd_type t)
{
	return t == LQ_CMD_BOOK || t == LQ_CMD_INDEX || t == LQ_CMD_MARK || t == LQ_CMD_TRADE ||
	       t == LQ_CMD_TIME;
}

void lq_marker_init(struct lq_marker *mk, struct lq_engine *defs)
{
	LQ_ASSERT(defs != NULL);
	LQ_ASSERT(defs->instrument_count <= LQ_INSTRUMENTS_MAX);
	mk->defs = defs;
	mk->now_ns = 0;
	mk->time_set = false;
}

static enum lq_status check_side(const struct lq_instrument *ins, const struct lq_book_level *lv,
				 uint32_t n, bool bids)
{
	/* the grid checks divide by them: lq_instrument_setup refused any other */
	LQ_ASSERT(ins->tick > 0);
	LQ_ASSERT(ins->lot > 0);
	if (n > LQ_BOOK_LEVELS_MAX)
		return LQ_E_LIMIT;
	for (uint32_t i = 0; i < n; i++) {
		if (lv[i].price <= 0 || lv[i].qty <= 0)
			return LQ_E_BAD_VALUE;
		if (!lq_instrument_on_tick(ins, lv[i].price))
			return LQ_E_OFF_GRID_PRICE;
		if (!lq_instrument_on_lot(ins, lv[i].qty))
			return LQ_E_OFF_GRID_QTY;
		/* strictly better first: bids descending, asks ascending */
		if (i > 0 &&
		    (bids ? lv[i].price >= lv[i - 1].price : lv[i].price <= lv[i - 1].price))
			return LQ_E_BAD_VALUE;
	}
	return LQ_OK;
}

enum lq_status lq_marker_book_check(const struct lq_instrument *ins, const struct lq_book *b)
{
	enum lq_status st = check_side(ins, b->bids, b->bid_count, true);

	if (st == LQ_OK)
		st = check_side(ins, b->asks, b->ask_count, false);
	/* a book accepted fits its tables, its best levels priced */
	LQ_ASSERT(st != LQ_OK || b->bid_count <= LQ_BOOK_LEVELS_MAX);
	LQ_ASSERT(st != LQ_OK || b->ask_count <= LQ_BOOK_LEVELS_MAX);
	return st;
}

/* Highest index the basis sample (2 x index) takes; earliest time the sampler floors. */
#define PRICE_INDEX_MAX (INT64_MAX / 2)
#define TIME_MIN_NS	(-INT64_MAX + LQ_NS_PER_S)

/* The basis sample adds the best bid and the best ask: refuse a book where that overflows. */
static bool mid_fits(const struct lq_book *b)
{
	int64_t sum;

	if (b->bid_count == 0 || b->ask_count == 0)
		return true;
	/* lq_marker_book_check passed: both best prices are positive */
	LQ_ASSERT(b->bids[0].price > 0);
	LQ_ASSERT(b->asks[0].price > 0);
	return !lq_add_ovf(b->bids[0].price, b->asks[0].price, &sum);
}

static void announce_mark(struct lq_marker *mk, uint32_t i, int64_t m, lq_marker_emit emit,
			  void *ctx)
{
	LQ_ASSERT(i < mk->defs->instrument_count);
	struct lq_mark_state *ms = &mk->defs->instruments[i].ms;

	if (m <= 0 || m == ms->mark_emitted)
		return;
	/* every method and the clamp give a mark on the grid */
	LQ_ASSERT(m % mk->defs->instruments[i].tick == 0);
	ms->mark_emitted = m;
	struct lq_cmd d = {.type = LQ_CMD_MARK_SET, .instrument = i, .price = m};
	emit(ctx, &d);
}

static void derive_mark(struct lq_marker *mk, uint32_t i, lq_marker_emit emit, void *ctx)
{
	LQ_ASSERT(i < mk->defs->instrument_count);
	struct lq_instrument *ins = &mk->defs->instruments[i];

	if (ins->params.mark_method == LQ_MARK_EXTERNAL)
		return;
	/* median3 rounds the time up to the next funding time: it must fit */
	const int64_t interval =
	    ins->params.funding_interval_ns > 0 ? ins->params.funding_interval_ns : 1;
	LQ_ASSERT(interval > 0);
	if (ins->params.mark_method == LQ_MARK_MEDIAN3 && mk->now_ns > INT64_MAX - interval)
		return;
	announce_mark(mk, i, lq_instrument_mark_compute(ins, mk->now_ns), emit, ctx);
}

/* Methods whose marks (and staleness) come from trades and the book, not the index. */
static bool book_input(const struct lq_instrument *ins)
{
	const enum lq_mark_method m = ins->params.mark_method;

	return m == LQ_MARK_LAST || m == LQ_MARK_MID || m == LQ_MARK_BOOK3;
}

/* Announce instrument i's staleness if it changed. */
static void derive_stale_one(struct lq_marker *mk, uint32_t i, lq_marker_emit emit, void *ctx)
{
	LQ_ASSERT(i < mk->defs->instrument_count);
	struct lq_instrument *ins = &mk->defs->instruments[i];
	const bool s = lq_instrument_mark_is_stale(ins, mk->now_ns);

	if (s == ins->ms.stale_emitted)
		return;
	ins->ms.stale_emitted = s;
	ins->ms.stale_transitions++;
	struct lq_cmd d = {.type = LQ_CMD_STALE, .instrument = i, .flag = s};
	emit(ctx, &d);
}

/* Staleness can change when time moves or an input of a method arrives (index: every method's;
 * trade and book: those of last, mid and book3, see book_input). */
static void derive_staleness(struct lq_marker *mk, lq_marker_emit emit, void *ctx)
{
	LQ_ASSERT(mk->defs->instrument_count <= LQ_INSTRUMENTS_MAX);
	for (uint32_t i = 0; i < mk->defs->instrument_count; i++)
		derive_stale_one(mk, i, emit, ctx);
}

/*
 * A trade is priced on the tick and sized on the lot. One flagged is a venue's own liquidation
 * print: checked like any trade, shown by the replay's report, never a market trade the mark
 * could come from (the caller leaves the last trade price alone).
 */
static enum lq_status check_trade(const struct lq_instrument *ins, const struct lq_cmd *c)
{
	if (c->price <= 0 || c->qty <= 0)
		return LQ_E_BAD_VALUE;
	if (!lq_instrument_on_tick(ins, c->price))
		return LQ_E_OFF_GRID_PRICE;
	if (!lq_instrument_on_lot(ins, c->qty))
		return LQ_E_OFF_GRID_QTY;
	return LQ_OK;
}

/* A book lq_marker_book_check() passed: the best prices, the book's time, staleness. */
static enum lq_status apply_book(struct lq_marker *mk, const struct lq_cmd *c,
				 struct lq_instrument *ins, lq_marker_emit emit, void *ctx)
{
	LQ_DASSERT(lq_marker_book_check(ins, c->book) == LQ_OK);
	if (!mid_fits(c->book))
		return LQ_E_OVERFLOW;
	ins->ms.top_bid = c->book->bid_count > 0 ? c->book->bids[0].price : 0;
	ins->ms.top_ask = c->book->ask_count > 0 ? c->book->asks[0].price : 0;
	LQ_ASSERT(ins->ms.top_bid >= 0); /* 0: none */
	LQ_ASSERT(ins->ms.top_ask >= 0);
	/* mid and book3 need both sides: a one-sided book does not refresh them */
	if (ins->ms.top_bid != 0 && ins->ms.top_ask != 0)
		ins->ms.book_time_ns = mk->now_ns;
	if (book_input(ins))
		derive_stale_one(mk, c->instrument, emit, ctx);
	return LQ_OK;
}

static enum lq_status apply_instrument(struct lq_marker *mk, const struct lq_cmd *c,
				       lq_marker_emit emit, void *ctx)
{
	struct lq_instrument *ins;
	enum lq_status st;

	if (c->instrument >= mk->defs->instrument_count)
		return LQ_E_UNKNOWN_INSTRUMENT;
	ins = &mk->defs->instruments[c->instrument];
	switch (c->type) {
	case LQ_CMD_BOOK:
		st = lq_marker_book_check(ins, c->book);
		if (st != LQ_OK)
			return st;
		st = apply_book(mk, c, ins, emit, ctx);
		if (st != LQ_OK)
			return st;
		break;
	case LQ_CMD_INDEX:
		if (c->price <= 0)
			return LQ_E_BAD_VALUE;
		if (!lq_instrument_on_tick(ins, c->price))
			return LQ_E_OFF_GRID_PRICE;
		if (c->price > PRICE_INDEX_MAX)
			return LQ_E_OVERFLOW;
		ins->ms.index = c->price;
		/* the basis sample doubles it: 2 x index fits */
		LQ_ASSERT(ins->ms.index > 0);
		LQ_ASSERT(ins->ms.index <= PRICE_INDEX_MAX);
		ins->ms.index_time_ns = mk->now_ns;
		if (c->has_rate)
			ins->ms.funding_rate_e8 = c->rate_e8;
		derive_staleness(mk, emit, ctx);
		break;
	case LQ_CMD_MARK:
		if (ins->params.mark_method != LQ_MARK_EXTERNAL)
			return LQ_E_MARK_METHOD;
		if (c->price <= 0)
			return LQ_E_BAD_VALUE;
		if (!lq_instrument_on_tick(ins, c->price))
			return LQ_E_OFF_GRID_PRICE;
		announce_mark(mk, c->instrument, lq_instrument_mark_clamp(ins, c->price), emit,
			      ctx);
		return LQ_OK;
	case LQ_CMD_TRADE:
		st = check_trade(ins, c);
		if (st != LQ_OK || c->flag)
			return st;
		ins->ms.last_trade = c->price;
		ins->ms.trade_time_ns = mk->now_ns;
		LQ_ASSERT(ins->ms.last_trade > 0);
		if (book_input(ins))
			derive_stale_one(mk, c->instrument, emit, ctx);
		break;
	default:
		LQ_ASSERT(0);
	}
	derive_mark(mk, c->instrument, emit, ctx);
	return LQ_OK;
}

bool lq_marker_level_ok(const struct lq_instrument *ins, const struct lq_book_level *lv)
{
	return lv->price > 0 && lv->qty > 0 && lq_instrument_on_tick(ins, lv->price) &&
	       lq_instrument_on_lot(ins, lv->qty);
}

enum lq_status lq_marker_apply_book(struct lq_marker *mk, const struct lq_cmd *c, bool checked,
				    lq_marker_emit emit, void *ctx)
{
	LQ_ASSERT(c->type == LQ_CMD_BOOK);
	if (!checked || c->instrument >= mk->defs->instrument_count)
		return apply_instrument(mk, c, emit, ctx);
	struct lq_instrument *ins = &mk->defs->instruments[c->instrument];
	const enum lq_status st = apply_book(mk, c, ins, emit, ctx);
	if (st != LQ_OK)
		return st;
	derive_mark(mk, c->instrument, emit, ctx);
	return LQ_OK;
}

enum lq_status lq_marker_apply(struct lq_marker *mk, const struct lq_cmd *c, lq_marker_emit emit,
			       void *ctx)
{
	LQ_ASSERT(lq_marker_is_market(c->type));
	if (c->type != LQ_CMD_TIME)
		return apply_instrument(mk, c, emit, ctx);
	if (mk->time_set && c->time_ns < mk->now_ns)
		return LQ_E_TIME_BACKWARDS;
	if (c->time_ns < TIME_MIN_NS)
		return LQ_E_OVERFLOW;
	LQ_ASSERT(!mk->time_set || c->time_ns >= mk->now_ns); /* time only moves forward */
	/* Samples between the last event and now see the state before this event. */
	for (uint32_t i = 0; i < mk->defs->instrument_count; i++)
		lq_instrument_mark_sample(&mk->defs->instruments[i], c->time_ns);
	mk->now_ns = c->time_ns;
	mk->time_set = true;
	/* the sampler floors the time to whole seconds without wrapping */
	LQ_ASSERT(mk->now_ns >= TIME_MIN_NS);
	for (uint32_t i = 0; i < mk->defs->instrument_count; i++)
		derive_mark(mk, i, emit, ctx);
	derive_staleness(mk, emit, ctx);
	return LQ_OK;
}
