/* SPDX-License-Identifier: MIT */
/*
 * Binance futures websocket recordings in two framings, told apart line by line:
 * binance-ws/ "<receive time us|ns> <JSON>", and multi-venue-ws/BINANCE_FUTURES and
 * BINANCE_DELIVERY "<seconds.fraction>: <JSON>" with "wss://..." connect lines (skipped).
 * The JSON is a combined-stream envelope {"stream": ..., "data": {...}} or a REST depth
 * snapshot {"lastUpdateId": ..., "bids": [...], "asks": [...]}.
 *
 *   bookTicker      -> book top
 *   depthUpdate     -> one book level per changed level; pu != previous u flags a venue gap
 *   trade           -> trade (m: buyer is maker, so the aggressor sold; X: liquidation kinds)
 *   aggTrade        -> trade (id a: the aggregate's; its trades share price and aggressor)
 *   kline           -> nothing, counted (stats.skipped_kind): the candles repeat the trades
 *   markPriceUpdate -> index (i), mark (p), predicted funding (r, next funding time T)
 *   depth snapshot  -> book clear + levels, brought up to date with the buffered diffs that
 *                      are newer than it (the recorder fetched it after the stream started)
 *
 * Message times are the venue's event time E (ms).
 *
 * Dated futures (BTCUSD_211231: an underscore and six digits) are not perpetuals: converted
 * if the configuration (the specs) has them, else skipped and counted
 * (stats.not_perpetual). A perpetual no spec names refuses the line, naming it.
 */
#include "convert_private.h"

#include "lq/assert.h"

#include <string.h>

#define NS_PER_US 1000LL
/* Receive times are ns since the epoch from 10^17 (1973) and us from 10^14 (1973) up. */
#define RECV_NS_MIN 100000000000000000ULL
#define RECV_US_MIN 100000000000000ULL

/* The receive time before the first blank: us (2023 recordings) or ns (2024), by magnitude. */
static enum lq_convert_status recv_time(struct lq_convert *c, const char *line, size_t len,
					size_t *json_at, bool *us)
{
	uint64_t t = 0;
	size_t i = 0;
	for (; i < len && i < 20 && line[i] >= '0' && line[i] <= '9'; i++)
		if (__builtin_mul_overflow(t, 10, &t) ||
		    __builtin_add_overflow(t, (uint64_t)(line[i] - '0'), &t))
			break;
	if (i == 0 || i == len || line[i] != ' ')
		return lq_convert_fail(c, LQ_CONVERT_E_SYNTAX,
				       "expected \"<receive time> <JSON>\" (a Binance recording)");
	if (t >= RECV_NS_MIN && t <= INT64_MAX) {
		c->recv_ns = (int64_t)t;
		*us = false;
	} else if (t >= RECV_US_MIN && t <= INT64_MAX / NS_PER_US) {
		c->recv_ns = (int64_t)t * NS_PER_US;
		*us = true;
	} else {
		return lq_convert_fail(c, LQ_CONVERT_E_SYNTAX,
				       "receive time %.*s is neither us nor ns since 1970", (int)i,
				       line);
	}
	*json_at = i + 1;
	return LQ_CONVERT_OK;
}

/* The instrument of symbol s; dated futures (XXX_YYMMDD) may be skipped, counted. */
static int inst_of(struct lq_convert *c, const struct lq_jscan_val *s, enum lq_convert_status *st)
{
	bool dated = s->type == LQ_JSCAN_STRING && s->len > 7 && s->p[s->len - 7] == '_';
	for (size_t i = s->len - 6; dated && i < s->len; i++)
		dated = s->p[i] >= '0' && s->p[i] <= '9';
	return lq_convert_market(c, s, !dated, st);
}

/* The venue's time: E, else T, else the receive time (flagged). */
static bool venue_time(struct lq_convert *c, const struct lq_jscan_val *E,
		       const struct lq_jscan_val *T, int64_t *ts, uint8_t *flags)
{
	*flags = 0;
	if (E->type != LQ_JSCAN_NONE)
		return lq_convert_ms(c, E, "E", ts);
	if (T->type != LQ_JSCAN_NONE)
		return lq_convert_ms(c, T, "T", ts);
	*ts = c->recv_ns;
	*flags = LQ_FEED_F_TS_LOCAL;
	return true;
}

static enum lq_convert_status book_ticker(struct lq_convert *c, const struct lq_jscan_val *d)
{
	static const char *const names[] = {"s", "E", "T", "b", "B", "a", "A"};
	struct lq_jscan_val f[LQ_ARRAY_SIZE(names)];
	enum lq_convert_status st = LQ_CONVERT_OK;
	int64_t ts;
	uint8_t flags;
	struct lq_feed_book_top top;
	if (lq_jscan_fields(d, names, f, LQ_ARRAY_SIZE(names)) != 0)
		return lq_convert_fail(c, LQ_CONVERT_E_VALUE, "bookTicker: duplicate fields");
	int inst = inst_of(c, &f[0], &st);
	if (inst < 0)
		return st;
	if (!venue_time(c, &f[1], &f[2], &ts, &flags) ||
	    !lq_convert_price(c, (uint32_t)inst, &f[3], "bookTicker b", &top.bid_price) ||
	    !lq_convert_qty(c, (uint32_t)inst, &f[4], "bookTicker B", false, &top.bid_qty) ||
	    !lq_convert_price(c, (uint32_t)inst, &f[5], "bookTicker a", &top.ask_price) ||
	    !lq_convert_qty(c, (uint32_t)inst, &f[6], "bookTicker A", false, &top.ask_qty))
		return LQ_CONVERT_E_VALUE;
	struct lq_feed_msg *m = lq_convert_stage(c, LQ_FEED_BOOK_TOP, (uint32_t)inst, ts, flags);
	if (!m)
		return LQ_CONVERT_E_LIMIT;
	m->u.top = top;
	return LQ_CONVERT_OK;
}

static bool trade_kind(struct lq_convert *c, const struct lq_jscan_val *x, uint8_t *kind)
{
	if (x->type == LQ_JSCAN_NONE || lq_jscan_is(x, "MARKET") || lq_jscan_is(x, "NA"))
		*kind = LQ_FEED_TRADE_REGULAR;
	else if (lq_jscan_is(x, "INSURANCE_FUND") || lq_jscan_is(x, "LIQUIDATION"))
		*kind = LQ_FEED_TRADE_LIQUIDATION;
	else if (lq_jscan_is(x, "ADL"))
		*kind = LQ_FEED_TRADE_ADL;
	else {
		lq_convert_fail(c, LQ_CONVERT_E_VALUE, "trade: unknown X (order type)");
		return false;
	}
	return true;
}

/* trade, or aggTrade (agg: its id is "a") */
static enum lq_convert_status trade(struct lq_convert *c, const struct lq_jscan_val *d, bool agg)
{
	static const char *const names[] = {"s", "E", "T", "t", "p", "q", "m", "X"};
	static const char *const agg_names[] = {"s", "E", "T", "a", "p", "q", "m", "X"};
	struct lq_jscan_val f[LQ_ARRAY_SIZE(names)];
	enum lq_convert_status st = LQ_CONVERT_OK;
	int64_t ts;
	uint8_t flags;
	struct lq_feed_trade t = {0};
	if (lq_jscan_fields(d, agg ? agg_names : names, f, LQ_ARRAY_SIZE(names)) != 0)
		return lq_convert_fail(c, LQ_CONVERT_E_VALUE, "trade: duplicate fields");
	int inst = inst_of(c, &f[0], &st);
	if (inst < 0)
		return st;
	if (!venue_time(c, &f[1], &f[2], &ts, &flags) ||
	    !lq_convert_u64(c, &f[3], agg ? "aggTrade a" : "trade t", &t.trade_id) ||
	    !lq_convert_price(c, (uint32_t)inst, &f[4], "trade p", &t.price) ||
	    !lq_convert_qty(c, (uint32_t)inst, &f[5], "trade q", false, &t.qty) ||
	    !trade_kind(c, &f[7], &t.kind))
		return LQ_CONVERT_E_VALUE;
	if (f[6].type != LQ_JSCAN_TRUE && f[6].type != LQ_JSCAN_FALSE)
		return lq_convert_fail(c, LQ_CONVERT_E_VALUE, "trade: m is not a boolean");
	/* the buyer was the maker: the seller took liquidity */
	t.aggressor = f[6].type == LQ_JSCAN_TRUE ? LQ_FEED_ASK : LQ_FEED_BID;
	struct lq_feed_msg *m = lq_convert_stage(c, LQ_FEED_TRADE, (uint32_t)inst, ts, flags);
	if (!m)
		return LQ_CONVERT_E_LIMIT;
	m->u.trade = t;
	return LQ_CONVERT_OK;
}

static enum lq_convert_status mark_price(struct lq_convert *c, const struct lq_jscan_val *d)
{
	static const char *const names[] = {"s", "E", "p", "i", "r", "T"};
	struct lq_jscan_val f[LQ_ARRAY_SIZE(names)];
	enum lq_convert_status st = LQ_CONVERT_OK;
	struct lq_jscan_val none = {0};
	int64_t ts, rate = 0, next_ns = 0;
	uint8_t flags;
	struct lq_feed_price_ext mark, index = {0};
	if (lq_jscan_fields(d, names, f, LQ_ARRAY_SIZE(names)) != 0)
		return lq_convert_fail(c, LQ_CONVERT_E_VALUE, "markPriceUpdate: duplicate fields");
	int inst = inst_of(c, &f[0], &st);
	if (inst < 0)
		return st;
	/* T is the next funding time here, not the event's */
	bool has_index = f[3].type != LQ_JSCAN_NONE;
	bool has_rate = f[4].type != LQ_JSCAN_NONE && !lq_jscan_is(&f[4], "");
	if (!venue_time(c, &f[1], &none, &ts, &flags) ||
	    !lq_convert_price_ext(c, (uint32_t)inst, &f[2], "markPriceUpdate p", &mark) ||
	    (has_index &&
	     !lq_convert_price_ext(c, (uint32_t)inst, &f[3], "markPriceUpdate i", &index)) ||
	    (has_rate && !lq_convert_rate_e8(c, &f[4], "markPriceUpdate r", &rate)) ||
	    (has_rate && f[5].type != LQ_JSCAN_NONE &&
	     !lq_convert_ms(c, &f[5], "markPriceUpdate T", &next_ns)))
		return LQ_CONVERT_E_VALUE;
	struct lq_feed_msg *m;
	if (has_index) {
		if (!(m = lq_convert_stage(c, LQ_FEED_INDEX, (uint32_t)inst, ts, flags)))
			return LQ_CONVERT_E_LIMIT;
		m->u.px = index;
	}
	if (!(m = lq_convert_stage(c, LQ_FEED_MARK, (uint32_t)inst, ts, flags)))
		return LQ_CONVERT_E_LIMIT;
	m->u.px = mark;
	if (has_rate) {
		if (!(m = lq_convert_stage(c, LQ_FEED_FUNDING, (uint32_t)inst, ts, flags)))
			return LQ_CONVERT_E_LIMIT;
		m->u.funding.rate_e8 = rate;
		m->u.funding.next_funding_ns = next_ns;
		m->u.funding.kind = LQ_FEED_FUNDING_PREDICTED;
	}
	return LQ_CONVERT_OK;
}

/* Stage one side's [["price","qty"], ...] as book levels. */
static enum lq_convert_status levels(struct lq_convert *c, uint32_t inst,
				     const struct lq_jscan_val *arr, uint8_t side, int64_t ts,
				     uint8_t flags, bool snapshot)
{
	const char *what = side == LQ_FEED_BID ? "bids" : "asks";
	if (arr->type != LQ_JSCAN_ARRAY)
		return lq_convert_fail(c, LQ_CONVERT_E_VALUE, "%s: missing or not an array", what);
	struct lq_jscan_iter it, lv;
	struct lq_jscan_val e, p, q, extra;
	int r;
	lq_jscan_iter_init(&it, arr);
	while ((r = lq_jscan_next(&it, NULL, &e)) == 1) {
		lq_jscan_iter_init(&lv, &e);
		if (e.type != LQ_JSCAN_ARRAY || lq_jscan_next(&lv, NULL, &p) != 1 ||
		    lq_jscan_next(&lv, NULL, &q) != 1 || lq_jscan_next(&lv, NULL, &extra) != 0)
			return lq_convert_fail(c, LQ_CONVERT_E_VALUE,
					       "%s: a level is not [\"price\", \"qty\"]", what);
		int64_t price, qty;
		if (!lq_convert_price(c, inst, &p, what, &price) ||
		    !lq_convert_qty(c, inst, &q, what, true, &qty))
			return LQ_CONVERT_E_VALUE;
		if (snapshot && qty == 0)
			continue; /* after a clear, an absent level is already empty */
		struct lq_feed_msg *m = lq_convert_stage(c, LQ_FEED_BOOK_LEVEL, inst, ts, flags);
		if (!m)
			return LQ_CONVERT_E_LIMIT;
		m->u.level.price = price;
		m->u.level.qty = qty;
		m->u.level.side = side;
	}
	return r == 0 ? LQ_CONVERT_OK
		      : lq_convert_fail(c, LQ_CONVERT_E_VALUE, "%s: bad array", what);
}

/* Remember a committed diff's changes (its staged levels) for a later snapshot. */
static void diff_remember(struct lq_convert *c, uint32_t inst, uint64_t pu, uint64_t u, int64_t ts,
			  uint32_t first_stage)
{
	uint32_t cap = c->p.levels_max;
	struct lq_convert_diff *d = &c->diffs[c->diffs_head % c->diffs_cap];
	d->inst = inst;
	d->pu = pu;
	d->u = u;
	d->ts_ns = ts;
	d->first = c->changes_head;
	d->count = c->stage_count - first_stage;
	for (uint32_t i = first_stage; i < c->stage_count; i++) {
		const struct lq_feed_msg *m = &c->stage[i];
		struct lq_convert_change *ch = &c->changes[c->changes_head++ % cap];
		ch->inst = inst;
		ch->side = m->u.level.side;
		ch->price = m->u.level.price;
		ch->qty = m->u.level.qty;
	}
	c->diffs_head++;
}

static enum lq_convert_status depth_update(struct lq_convert *c, const struct lq_jscan_val *d)
{
	static const char *const names[] = {"s", "E", "T", "U", "u", "pu", "b", "a"};
	struct lq_jscan_val f[LQ_ARRAY_SIZE(names)];
	enum lq_convert_status st = LQ_CONVERT_OK;
	int64_t ts;
	uint8_t flags;
	uint64_t U, u, pu;
	if (lq_jscan_fields(d, names, f, LQ_ARRAY_SIZE(names)) != 0)
		return lq_convert_fail(c, LQ_CONVERT_E_VALUE, "depthUpdate: duplicate fields");
	int inst = inst_of(c, &f[0], &st);
	if (inst < 0)
		return st;
	struct lq_convert_inst *in = &c->inst[inst];
	if (!venue_time(c, &f[1], &f[2], &ts, &flags) ||
	    !lq_convert_u64(c, &f[3], "depthUpdate U", &U) ||
	    !lq_convert_u64(c, &f[4], "depthUpdate u", &u) ||
	    !lq_convert_u64(c, &f[5], "depthUpdate pu", &pu))
		return LQ_CONVERT_E_VALUE;
	if (U > u)
		return lq_convert_fail(c, LQ_CONVERT_E_VALUE, "depthUpdate: U > u");
	bool gap = (in->have_u && pu != in->last_u) || in->gap_pending;
	/* inside the last snapshot already: applying it again would undo later changes */
	bool drop = u <= in->drop_until;
	uint32_t first = c->stage_count;
	if (!drop) {
		if ((st = levels(c, (uint32_t)inst, &f[6], LQ_FEED_BID, ts, flags, false)) != 0 ||
		    (st = levels(c, (uint32_t)inst, &f[7], LQ_FEED_ASK, ts, flags, false)) != 0)
			return st;
	}
	/* nothing can fail from here: update the venue state */
	in->stats.venue_gaps += in->have_u && pu != in->last_u;
	in->stats.depth_dropped += drop;
	/* a gap before a diff the snapshot covers does not matter */
	in->gap_pending = gap && !drop && c->stage_count == first;
	if (gap && c->stage_count > first)
		c->stage[first].flags |= LQ_FEED_F_VENUE_GAP;
	in->have_u = true;
	in->last_u = u;
	if (!drop)
		diff_remember(c, (uint32_t)inst, pu, u, ts, first);
	return LQ_CONVERT_OK;
}

/* In the staged snapshot levels [from, stage_count), set side/price to qty. */
static enum lq_convert_status snapshot_apply(struct lq_convert *c, uint32_t inst, uint32_t from,
					     const struct lq_convert_change *ch, int64_t ts)
{
	for (uint32_t i = from; i < c->stage_count; i++) {
		struct lq_feed_msg *m = &c->stage[i];
		if (m->u.level.side == ch->side && m->u.level.price == ch->price) {
			m->u.level.qty = ch->qty;
			return LQ_CONVERT_OK;
		}
	}
	if (ch->qty == 0)
		return LQ_CONVERT_OK;
	struct lq_feed_msg *m =
	    lq_convert_stage(c, LQ_FEED_BOOK_LEVEL, inst, ts, LQ_FEED_F_SNAPSHOT);
	if (!m)
		return LQ_CONVERT_E_LIMIT;
	m->u.level.side = ch->side;
	m->u.level.price = ch->price;
	m->u.level.qty = ch->qty;
	return LQ_CONVERT_OK;
}

/*
 * Bring the staged snapshot (levels from `from` on) up to date with the buffered diffs newer
 * than L, oldest first. Sets *complete to whether every diff after L was still buffered.
 */
static enum lq_convert_status snapshot_merge(struct lq_convert *c, uint32_t inst, uint32_t from,
					     uint64_t L, bool *complete, uint64_t *replayed,
					     int64_t *ts)
{
	uint64_t oldest_change =
	    c->changes_head > c->p.levels_max ? c->changes_head - c->p.levels_max : 0;
	uint64_t d0 = c->diffs_head > c->diffs_cap ? c->diffs_head - c->diffs_cap : 0;
	bool found = false;
	*complete = true;
	*replayed = 0;
	for (uint64_t k = d0; k < c->diffs_head; k++) {
		const struct lq_convert_diff *d = &c->diffs[k % c->diffs_cap];
		if (d->inst != inst || d->u <= L)
			continue;
		if (!found && d->pu > L)
			*complete = false; /* the diff right after L is gone from the buffer */
		found = true;
		if (d->first < oldest_change) {
			*complete = false;
			continue;
		}
		for (uint32_t j = 0; j < d->count; j++) {
			const struct lq_convert_change *ch =
			    &c->changes[(d->first + j) % c->p.levels_max];
			enum lq_convert_status st = snapshot_apply(c, inst, from, ch, *ts);
			if (st != LQ_CONVERT_OK)
				return st;
		}
		(*replayed)++;
		if (d->ts_ns > *ts)
			*ts = d->ts_ns;
	}
	if (!found && c->inst[inst].have_u && c->inst[inst].last_u > L)
		*complete = false;
	/* levels a diff emptied are simply absent after the clear */
	uint32_t n = from;
	for (uint32_t i = from; i < c->stage_count; i++)
		if (c->stage[i].u.level.qty != 0)
			c->stage[n++] = c->stage[i];
	c->stage_count = n;
	for (uint32_t i = from; i < c->stage_count; i++)
		c->stage[i].ts_ns = *ts; /* the merged book is the state as of the newest diff */
	return LQ_CONVERT_OK;
}

static enum lq_convert_status snapshot(struct lq_convert *c, const struct lq_jscan_val *root)
{
	static const char *const names[] = {"lastUpdateId", "E", "T", "symbol", "bids", "asks"};
	struct lq_jscan_val f[LQ_ARRAY_SIZE(names)];
	enum lq_convert_status st = LQ_CONVERT_OK;
	int64_t ts;
	uint8_t flags;
	uint64_t L;
	int inst;
	if (lq_jscan_fields(root, names, f, LQ_ARRAY_SIZE(names)) != 0)
		return lq_convert_fail(c, LQ_CONVERT_E_VALUE, "depth snapshot: duplicate fields");
	if (f[3].type != LQ_JSCAN_NONE) {
		if ((inst = inst_of(c, &f[3], &st)) < 0)
			return st;
	} else if (c->inst_count == 1) {
		inst = 0; /* USD-M snapshots name no symbol: the recording's only instrument */
	} else {
		return lq_convert_fail(c, LQ_CONVERT_E_VALUE,
				       "a depth snapshot without a symbol, and %u instruments met",
				       c->inst_count);
	}
	if (!venue_time(c, &f[1], &f[2], &ts, &flags) ||
	    !lq_convert_u64(c, &f[0], "lastUpdateId", &L))
		return LQ_CONVERT_E_VALUE;
	flags |= LQ_FEED_F_SNAPSHOT;
	struct lq_feed_msg *clear =
	    lq_convert_stage(c, LQ_FEED_BOOK_CLEAR, (uint32_t)inst, ts, flags);
	if (!clear)
		return LQ_CONVERT_E_LIMIT;
	uint32_t from = c->stage_count;
	if ((st = levels(c, (uint32_t)inst, &f[4], LQ_FEED_BID, ts, flags, true)) != 0 ||
	    (st = levels(c, (uint32_t)inst, &f[5], LQ_FEED_ASK, ts, flags, true)) != 0)
		return st;
	bool complete;
	uint64_t replayed;
	int64_t merged_ts = ts;
	st = snapshot_merge(c, (uint32_t)inst, from, L, &complete, &replayed, &merged_ts);
	if (st != LQ_CONVERT_OK)
		return st;
	c->stage[from - 1].ts_ns = merged_ts;
	/* nothing can fail from here */
	struct lq_convert_inst *in = &c->inst[inst];
	if (!complete)
		c->stage[from - 1].flags |= LQ_FEED_F_VENUE_GAP;
	in->stats.snapshots++;
	in->stats.snapshot_replayed += replayed;
	in->stats.snapshot_incomplete += !complete;
	if (L > in->drop_until)
		in->drop_until = L;
	in->gap_pending = false;
	return LQ_CONVERT_OK;
}

static enum lq_convert_status event(struct lq_convert *c, const struct lq_jscan_val *data)
{
	static const char *const names[] = {"e"};
	struct lq_jscan_val e;
	if (data->type != LQ_JSCAN_OBJECT || lq_jscan_fields(data, names, &e, 1) != 0)
		return lq_convert_fail(c, LQ_CONVERT_E_VALUE, "data is not an object");
	if (lq_jscan_is(&e, "bookTicker"))
		return book_ticker(c, data);
	if (lq_jscan_is(&e, "trade"))
		return trade(c, data, false);
	if (lq_jscan_is(&e, "aggTrade"))
		return trade(c, data, true);
	if (lq_jscan_is(&e, "kline")) {
		c->stats.skipped_kind++;
		return LQ_CONVERT_SKIPPED;
	}
	if (lq_jscan_is(&e, "depthUpdate"))
		return depth_update(c, data);
	if (lq_jscan_is(&e, "markPriceUpdate"))
		return mark_price(c, data);
	if (e.type != LQ_JSCAN_STRING)
		return lq_convert_fail(c, LQ_CONVERT_E_UNKNOWN, "data has no event type e");
	return lq_convert_fail(c, LQ_CONVERT_E_UNKNOWN,
			       "event \"%.*s\" is not converted (bookTicker, trade, aggTrade, "
			       "depthUpdate, markPriceUpdate are; kline is skipped)",
			       (int)(e.len > 32 ? 32 : e.len), e.p);
}

/* multi-venue-ws: a connect line, or the receive time in seconds with a fraction */
static bool mvws_line(const char *line, size_t len)
{
	size_t i = 0;
	while (i < len && line[i] >= '0' && line[i] <= '9')
		i++;
	return (len >= 6 && !memcmp(line, "wss://", 6)) ||
	       (i > 0 && i < len && (line[i] == '.' || line[i] == ':'));
}

enum lq_convert_status lq_convert_binance_line(struct lq_convert *c, const char *line, size_t len)
{
	static const char *const names[] = {"stream", "data", "lastUpdateId", "result", "id"};
	struct lq_jscan_val root, f[LQ_ARRAY_SIZE(names)];
	size_t at = 0;
	bool us = false, mv = mvws_line(line, len);
	enum lq_convert_status st =
	    mv ? lq_convert_mvws(c, line, len, &root) : recv_time(c, line, len, &at, &us);
	if (st != LQ_CONVERT_OK)
		return st;
	if (!mv && lq_jscan_parse(line + at, len - at, &root) != 0)
		return lq_convert_fail(c, LQ_CONVERT_E_SYNTAX, "not JSON");
	if (lq_jscan_fields(&root, names, f, LQ_ARRAY_SIZE(names)) != 0)
		return lq_convert_fail(c, LQ_CONVERT_E_SYNTAX,
				       "not a JSON object, or duplicate "
				       "fields");
	if (f[1].type != LQ_JSCAN_NONE)
		st = event(c, &f[1]);
	else if (f[2].type != LQ_JSCAN_NONE)
		st = snapshot(c, &root);
	else if (f[3].type != LQ_JSCAN_NONE && f[4].type != LQ_JSCAN_NONE)
		st = LQ_CONVERT_SKIPPED; /* the reply to a subscription */
	else
		st = lq_convert_fail(c, LQ_CONVERT_E_UNKNOWN,
				     "neither a stream message nor a "
				     "depth snapshot");
	if (st == LQ_CONVERT_OK) {
		c->stats.recv_us_lines += !mv && us;
		c->stats.recv_ns_lines += !mv && !us;
		c->stats.recv_s_lines += mv;
	}
	return st;
}
