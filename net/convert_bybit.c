/* SPDX-License-Identifier: MIT */
/*
 * Bybit websocket recordings (multi-venue-ws/BYBIT.ws.*: the 2021 realtime_public stream of
 * the USDT perpetuals), in the multi-venue-ws framing (convert_mvws.c):
 *
 *   {"topic":"orderBookL2_25.SYM","type":"snapshot","data":{"order_book":[rows]},
 *    "cross_seq":"N","timestamp_e6":"us"}       -> book clear + levels (snapshot)
 *   {"topic":"orderBookL2_25.SYM","type":"delta",
 *    "data":{"delete":[rows],"update":[rows],"insert":[rows]},...}
 *                                               -> levels (deletes with qty 0)
 *   {"topic":"trade.SYM","data":[{"price","size","side","trade_time_ms","trade_id",...}]}
 *                                               -> trades (side is the taker's)
 *   {"success":...,"request":...}               -> skipped (subscription replies)
 *
 * Rows carry their price (ids are price * 10^4), so no id table is kept. Book messages carry
 * timestamp_e6, trades trade_time_ms. cross_seq must grow from one book message of a symbol
 * to the next (else the line is refused); Bybit gives no way to see a lost delta.
 *
 * Sizes are JSON numbers printed from binary floats ("size":29.180002 for 29.18 on a 0.01
 * lot): a size within float precision of the lot grid (|size - nearest| <= max(2^-20 of it,
 * 10^-6)) is rounded to it and counted (stats.qty_rounded); farther off refuses the line.
 * Prices are strings and must lie on the tick exactly.
 */
#include "convert_private.h"

#include "lq/assert.h"
#include "lq/num.h"

#include <string.h>

/* a refused field: the line's error, and false */
#define REFUSE(...) (lq_convert_fail(c, LQ_CONVERT_E_VALUE, __VA_ARGS__), false)

#define QTY_DEC 9 /* sizes are read exactly at 9 decimals, then rounded to the lot */

/* A size on the lot grid, or within float noise of it (*rounded set). */
static bool size_of(struct lq_convert *c, uint32_t inst, const struct lq_jscan_val *v,
		    const char *what, int64_t *out, bool *rounded)
{
	const struct lq_feed_instrument_def *d = &c->inst[inst].def;
	int64_t x, unit = d->lot;
	*rounded = false;
	if (v->type != LQ_JSCAN_NUMBER && v->type != LQ_JSCAN_STRING)
		return REFUSE("%s: missing or not a decimal", what);
	enum lq_dec_status st = lq_dec_parse(v->p, v->len, QTY_DEC, &x);
	for (unsigned k = d->qty_decimals; st == LQ_DEC_OK && k < QTY_DEC; k++)
		if (lq_mul_ovf(unit, 10, &unit))
			st = LQ_DEC_OVERFLOW;
	if (st != LQ_DEC_OK || x <= 0)
		return REFUSE("%s: \"%.*s\": %s (%s)", what, (int)(v->len > 40 ? 40 : v->len), v->p,
			      st != LQ_DEC_OK ? lq_dec_status_str(st) : "not positive", d->name);
	int64_t near = (x + unit / 2) / unit * unit;
	int64_t off = x > near ? x - near : near - x;
	if (near == 0 || (off > 1000 && off > near >> 20))
		return REFUSE("%s: \"%.*s\" is off the lot grid of %s (%s)", what,
			      (int)(v->len > 40 ? 40 : v->len), v->p, d->name,
			      c->inst[inst].spec->lot);
	*rounded = off != 0;
	*out = near / unit * d->lot;
	return true;
}

static bool side_of(struct lq_convert *c, const struct lq_jscan_val *v, const char *what,
		    uint8_t *side)
{
	if (lq_jscan_is(v, "Buy"))
		*side = LQ_FEED_BID;
	else if (lq_jscan_is(v, "Sell"))
		*side = LQ_FEED_ASK;
	else
		return REFUSE("%s: side is neither Buy nor Sell", what);
	return true;
}

/* A symbol's instrument from the text after the topic's dot; USDT perps only. */
static int topic_inst(struct lq_convert *c, const struct lq_jscan_val *topic, size_t prefix,
		      enum lq_convert_status *st)
{
	struct lq_jscan_val sym = {
	    .p = topic->p + prefix, .len = topic->len - prefix, .type = LQ_JSCAN_STRING};
	return lq_convert_market(c, &sym, true, st);
}

static bool same_symbol(const struct lq_convert *c, uint32_t inst, const struct lq_jscan_val *v)
{
	const char *n = c->inst[inst].def.name;
	return v->type == LQ_JSCAN_STRING && v->len == strlen(n) && !memcmp(v->p, n, v->len);
}

/* Stage one array of book rows (delete: no size, qty 0). */
static enum lq_convert_status rows(struct lq_convert *c, uint32_t inst,
				   const struct lq_jscan_val *arr, bool del, int64_t ts,
				   uint8_t flags, uint64_t *rounded)
{
	static const char *const names[] = {"price", "symbol", "side", "size"};
	struct lq_jscan_val f[LQ_ARRAY_SIZE(names)], row;
	struct lq_jscan_iter it;
	int more;
	if (arr->type != LQ_JSCAN_ARRAY)
		return lq_convert_fail(c, LQ_CONVERT_E_VALUE, "book rows are not an array");
	lq_jscan_iter_init(&it, arr);
	while ((more = lq_jscan_next(&it, NULL, &row)) == 1) {
		int64_t price, qty = 0;
		uint8_t side;
		bool r = false;
		if (lq_jscan_fields(&row, names, f, LQ_ARRAY_SIZE(names)) != 0)
			return lq_convert_fail(c, LQ_CONVERT_E_VALUE,
					       "a book row is not an object");
		if (!same_symbol(c, inst, &f[1]))
			return lq_convert_fail(c, LQ_CONVERT_E_VALUE,
					       "a book row of another symbol than the topic's");
		if (!lq_convert_price(c, inst, &f[0], "book price", &price) ||
		    !side_of(c, &f[2], "book row", &side) ||
		    (!del && !size_of(c, inst, &f[3], "book size", &qty, &r)))
			return LQ_CONVERT_E_VALUE;
		*rounded += r;
		struct lq_feed_msg *m = lq_convert_stage(c, LQ_FEED_BOOK_LEVEL, inst, ts, flags);
		if (!m)
			return LQ_CONVERT_E_LIMIT;
		m->u.level.side = side;
		m->u.level.price = price;
		m->u.level.qty = qty;
	}
	return more == 0 ? LQ_CONVERT_OK
			 : lq_convert_fail(c, LQ_CONVERT_E_VALUE, "book rows: bad array");
}

static enum lq_convert_status book(struct lq_convert *c, const struct lq_jscan_val *f)
{
	/* f: topic, type, data, cross_seq, timestamp_e6 */
	static const char *const snap_names[] = {"order_book"};
	static const char *const delta_names[] = {"delete", "update", "insert"};
	enum lq_convert_status st = LQ_CONVERT_OK;
	struct lq_jscan_val d[3];
	uint64_t seq, us, rounded = 0;
	int inst = topic_inst(c, &f[0], strlen("orderBookL2_25."), &st);
	if (inst < 0)
		return st;
	struct lq_convert_inst *in = &c->inst[inst];
	bool snap = lq_jscan_is(&f[1], "snapshot");
	if (!snap && !lq_jscan_is(&f[1], "delta"))
		return lq_convert_fail(c, LQ_CONVERT_E_UNKNOWN,
				       "orderBookL2_25: type is neither snapshot nor delta");
	if (!lq_convert_u64(c, &f[3], "cross_seq", &seq) ||
	    !lq_convert_u64(c, &f[4], "timestamp_e6", &us) ||
	    !lq_convert_seq_grows(c, (uint32_t)inst, seq, "cross_seq"))
		return LQ_CONVERT_E_VALUE;
	if (us > (uint64_t)INT64_MAX / 1000)
		return lq_convert_fail(c, LQ_CONVERT_E_VALUE, "timestamp_e6 is beyond 2262");
	int64_t ts = (int64_t)us * 1000;
	if (f[2].type != LQ_JSCAN_OBJECT ||
	    lq_jscan_fields(&f[2], snap ? snap_names : delta_names, d, snap ? 1 : 3) != 0)
		return lq_convert_fail(c, LQ_CONVERT_E_VALUE, "orderBookL2_25: data is malformed");
	if (snap) {
		if (!lq_convert_stage(c, LQ_FEED_BOOK_CLEAR, (uint32_t)inst, ts,
				      LQ_FEED_F_SNAPSHOT))
			return LQ_CONVERT_E_LIMIT;
		st = rows(c, (uint32_t)inst, &d[0], false, ts, LQ_FEED_F_SNAPSHOT, &rounded);
	} else if (!in->book_synced) {
		in->stats.rows_before_snapshot++; /* a delta before the snapshot: no book yet */
		return LQ_CONVERT_SKIPPED;
	} else if ((st = rows(c, (uint32_t)inst, &d[0], true, ts, 0, &rounded)) == 0 &&
		   (st = rows(c, (uint32_t)inst, &d[1], false, ts, 0, &rounded)) == 0) {
		st = rows(c, (uint32_t)inst, &d[2], false, ts, 0, &rounded);
	}
	if (st != LQ_CONVERT_OK)
		return st;
	/* nothing can fail from here */
	in->book_synced = true;
	in->last_seq = seq;
	in->stats.snapshots += snap;
	in->stats.qty_rounded += rounded;
	return LQ_CONVERT_OK;
}

/* trade_id is a GUID: its first 16 hex digits make a stable 64-bit id. */
static bool guid_id(struct lq_convert *c, const struct lq_jscan_val *v, uint64_t *id)
{
	uint64_t x = 0;
	unsigned n = 0;
	for (size_t i = 0; v->type == LQ_JSCAN_STRING && i < v->len && n < 16; i++) {
		char ch = v->p[i];
		unsigned d;
		if (ch == '-')
			continue;
		if (ch >= '0' && ch <= '9')
			d = (unsigned)(ch - '0');
		else if (ch >= 'a' && ch <= 'f')
			d = (unsigned)(ch - 'a' + 10);
		else
			break;
		x = x << 4 | d;
		n++;
	}
	if (n < 16)
		return REFUSE("trade: trade_id is not a GUID");
	*id = x;
	return true;
}

static enum lq_convert_status trades(struct lq_convert *c, const struct lq_jscan_val *f)
{
	static const char *const names[] = {"symbol", "price",	  "size",
					    "side",   "trade_id", "trade_time_ms"};
	struct lq_jscan_val t[LQ_ARRAY_SIZE(names)], row;
	struct lq_jscan_iter it;
	enum lq_convert_status st = LQ_CONVERT_OK;
	uint64_t rounded = 0;
	int more;
	int inst = topic_inst(c, &f[0], strlen("trade."), &st);
	if (inst < 0)
		return st;
	if (f[2].type != LQ_JSCAN_ARRAY)
		return lq_convert_fail(c, LQ_CONVERT_E_VALUE, "trade: data is not an array");
	lq_jscan_iter_init(&it, &f[2]);
	while ((more = lq_jscan_next(&it, NULL, &row)) == 1) {
		struct lq_feed_trade tr = {0};
		int64_t ts;
		bool r = false;
		if (lq_jscan_fields(&row, names, t, LQ_ARRAY_SIZE(names)) != 0)
			return lq_convert_fail(c, LQ_CONVERT_E_VALUE, "trade: a row is malformed");
		if (!same_symbol(c, (uint32_t)inst, &t[0]))
			return lq_convert_fail(c, LQ_CONVERT_E_VALUE,
					       "trade: a row of another symbol than the topic's");
		if (!lq_convert_price(c, (uint32_t)inst, &t[1], "trade price", &tr.price) ||
		    !size_of(c, (uint32_t)inst, &t[2], "trade size", &tr.qty, &r) ||
		    !side_of(c, &t[3], "trade", &tr.aggressor) ||
		    !guid_id(c, &t[4], &tr.trade_id) ||
		    !lq_convert_ms(c, &t[5], "trade_time_ms", &ts))
			return LQ_CONVERT_E_VALUE;
		rounded += r;
		struct lq_feed_msg *m = lq_convert_stage(c, LQ_FEED_TRADE, (uint32_t)inst, ts, 0);
		if (!m)
			return LQ_CONVERT_E_LIMIT;
		m->u.trade = tr;
	}
	if (more != 0)
		return lq_convert_fail(c, LQ_CONVERT_E_VALUE, "trade: data is not an array");
	c->inst[inst].stats.qty_rounded += rounded;
	return LQ_CONVERT_OK;
}

enum lq_convert_status lq_convert_bybit_line(struct lq_convert *c, const char *line, size_t len)
{
	static const char *const names[] = {"topic",	    "type",    "data",	 "cross_seq",
					    "timestamp_e6", "success", "request"};
	struct lq_jscan_val root, f[LQ_ARRAY_SIZE(names)];
	enum lq_convert_status st = lq_convert_mvws(c, line, len, &root);
	if (st != LQ_CONVERT_OK)
		return st;
	if (lq_jscan_fields(&root, names, f, LQ_ARRAY_SIZE(names)) != 0)
		return lq_convert_fail(c, LQ_CONVERT_E_SYNTAX, "duplicate fields");
	if (f[0].type == LQ_JSCAN_NONE) {
		if (f[5].type == LQ_JSCAN_TRUE)
			return LQ_CONVERT_SKIPPED; /* a subscription's reply */
		return lq_convert_fail(c, LQ_CONVERT_E_UNKNOWN,
				       "neither a topic message nor a successful reply");
	}
	if (f[0].type == LQ_JSCAN_STRING && f[0].len > 15 && !memcmp(f[0].p, "orderBookL2_25.", 15))
		return book(c, f);
	if (f[0].type == LQ_JSCAN_STRING && f[0].len > 6 && !memcmp(f[0].p, "trade.", 6))
		return trades(c, f);
	return lq_convert_fail(c, LQ_CONVERT_E_UNKNOWN,
			       "topic \"%.*s\" is not converted (orderBookL2_25, trade are)",
			       (int)(f[0].len > 40 ? 40 : f[0].len), f[0].p);
}
