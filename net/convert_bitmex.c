/* SPDX-License-Identifier: MIT */
/*
 * BitMEX websocket recordings (multi-venue-ws/BITMEX.ws.*): "<url> <-> <ts>" (connect) and
 * "<url> <- <ts>: <JSON>" (sent) lines are skipped; "<ts>: <JSON>" lines are received
 * messages {"table": ..., "action": partial|insert|update|delete, "data": [rows]}.
 *
 *   orderBookL2 partial -> book clear + levels (snapshot); rows before it are ignored
 *   orderBookL2 insert  -> level; update -> level (the price comes from the id's insert);
 *                          delete -> level with qty 0
 *   trade               -> trade (side is the taker's); the partial's rows are past trades
 *   quote               -> book top
 *
 * Rows of instruments not converted are skipped. Message times are the rows' "timestamp";
 * orderBookL2 rows carry none, so their messages carry the receive time (LQ_FEED_F_TS_LOCAL).
 */
#include "convert_private.h"

#include "lq/assert.h"
#include "lq/num.h"

#include <string.h>

enum action {
	A_PARTIAL,
	A_INSERT,
	A_UPDATE,
	A_DELETE,
};

/* ---- orderBookL2 ids -> prices: open addressing, linear probing ---- */

static uint32_t id_hash(const struct lq_convert *c, uint64_t id, uint32_t inst)
{
	uint64_t h = (id ^ ((uint64_t)inst << 56)) * 0x9e3779b97f4a7c15ull;
	return (uint32_t)(h >> 32) & (c->p.levels_max - 1);
}

/* The slot holding (id, inst), or the empty slot where it would go. */
static uint32_t id_slot(const struct lq_convert *c, uint64_t id, uint32_t inst)
{
	uint32_t mask = c->p.levels_max - 1;
	uint32_t i = id_hash(c, id, inst);
	/* the table is never more than 3/4 full: an empty slot ends every probe */
	for (uint32_t n = 0; n <= mask; n++, i = (i + 1) & mask) {
		const struct lq_convert_id *e = &c->ids[i];
		if (e->id == 0 || (e->id == id && e->inst == inst))
			return i;
	}
	LQ_ASSERT(!"id table full");
	return 0;
}

static void id_put(struct lq_convert *c, uint64_t id, uint32_t inst, uint8_t side, int64_t price)
{
	struct lq_convert_id *e = &c->ids[id_slot(c, id, inst)];
	if (e->id == 0)
		c->ids_used++;
	LQ_ASSERT(c->ids_used <= c->p.levels_max / 4 * 3);
	*e = (struct lq_convert_id){.id = id, .inst = inst, .side = side, .price = price};
}

/* Remove slot i, shifting later members of its probe run back (no tombstones). */
static void id_del_at(struct lq_convert *c, uint32_t i)
{
	uint32_t mask = c->p.levels_max - 1;
	c->ids[i].id = 0;
	c->ids_used--;
	for (uint32_t j = (i + 1) & mask; c->ids[j].id != 0; j = (j + 1) & mask) {
		uint32_t home = id_hash(c, c->ids[j].id, c->ids[j].inst);
		/* move j into the hole unless its home lies cyclically in (i, j] */
		bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
		if (stays)
			continue;
		c->ids[i] = c->ids[j];
		c->ids[j].id = 0;
		i = j;
	}
}

static void id_del(struct lq_convert *c, uint64_t id, uint32_t inst)
{
	uint32_t i = id_slot(c, id, inst);
	if (c->ids[i].id != 0)
		id_del_at(c, i);
}

/* Forget an instrument's ids before its new partial. */
static void id_del_inst(struct lq_convert *c, uint32_t inst)
{
	for (uint32_t i = 0; i < c->p.levels_max; i++)
		while (c->ids[i].id != 0 && c->ids[i].inst == inst)
			id_del_at(c, i);
}

static const struct lq_convert_id *id_get(const struct lq_convert *c, uint64_t id, uint32_t inst)
{
	const struct lq_convert_id *e = &c->ids[id_slot(c, id, inst)];
	return e->id != 0 ? e : NULL;
}

/* ---- rows ---- */

static bool side_of(struct lq_convert *c, const struct lq_jscan_val *v, const char *what,
		    uint8_t *side)
{
	if (lq_jscan_is(v, "Buy"))
		*side = LQ_FEED_BID;
	else if (lq_jscan_is(v, "Sell"))
		*side = LQ_FEED_ASK;
	else {
		lq_convert_fail(c, LQ_CONVERT_E_VALUE, "%s: side is neither Buy nor Sell", what);
		return false;
	}
	return true;
}

/* Row time: its "timestamp", else the receive time (flagged). */
static bool row_time(struct lq_convert *c, const struct lq_jscan_val *v, const char *what,
		     int64_t *ts, uint8_t *flags)
{
	if (v->type == LQ_JSCAN_NONE) {
		*ts = c->recv_ns;
		*flags |= LQ_FEED_F_TS_LOCAL;
		return true;
	}
	return lq_convert_iso8601(c, v, what, ts);
}

struct l2_row {
	int inst;
	uint64_t id;
	uint8_t side;
	int64_t price;
	int64_t qty;
	int64_t ts;
	uint8_t flags;
};

/* Read one orderBookL2 row; r->inst < 0 for a row of an instrument not converted. */
static enum lq_convert_status l2_row(struct lq_convert *c, const struct lq_jscan_val *row,
				     enum action a, struct l2_row *r)
{
	static const char *const names[] = {"symbol", "id", "side", "size", "price", "timestamp"};
	struct lq_jscan_val f[LQ_ARRAY_SIZE(names)];
	enum lq_convert_status st = LQ_CONVERT_OK;
	memset(r, 0, sizeof(*r));
	if (lq_jscan_fields(row, names, f, LQ_ARRAY_SIZE(names)) != 0)
		return lq_convert_fail(c, LQ_CONVERT_E_VALUE,
				       "orderBookL2: a row is not an object");
	if ((r->inst = lq_convert_inst_get(c, &f[0], false, &st)) < 0)
		return st == LQ_CONVERT_SKIPPED ? LQ_CONVERT_OK : st;
	uint32_t inst = (uint32_t)r->inst;
	if (!lq_convert_u64(c, &f[1], "orderBookL2 id", &r->id) ||
	    !side_of(c, &f[2], "orderBookL2", &r->side) ||
	    !row_time(c, &f[5], "orderBookL2 timestamp", &r->ts, &r->flags))
		return LQ_CONVERT_E_VALUE;
	if (r->id == 0)
		return lq_convert_fail(c, LQ_CONVERT_E_VALUE, "orderBookL2: id 0");
	if (a != A_DELETE && !lq_convert_qty(c, inst, &f[3], "orderBookL2 size", false, &r->qty))
		return LQ_CONVERT_E_VALUE;
	if (a == A_PARTIAL || a == A_INSERT)
		return lq_convert_price(c, inst, &f[4], "orderBookL2 price", &r->price)
			   ? LQ_CONVERT_OK
			   : LQ_CONVERT_E_VALUE;
	/* updates and deletes name the level by id only */
	const struct lq_convert_id *e = id_get(c, r->id, inst);
	if (!e && c->inst[inst].book_synced)
		return lq_convert_fail(c, LQ_CONVERT_E_VALUE,
				       "orderBookL2: %s of id %llu, which no partial or insert "
				       "defined",
				       a == A_UPDATE ? "update" : "delete",
				       (unsigned long long)r->id);
	if (e && e->side != r->side)
		return lq_convert_fail(c, LQ_CONVERT_E_VALUE, "orderBookL2: id %llu changed side",
				       (unsigned long long)r->id);
	r->price = e ? e->price : 0;
	return LQ_CONVERT_OK;
}

/* A partial's clear, once per instrument and line (lines hold at most a few instruments). */
static enum lq_convert_status l2_clear(struct lq_convert *c, uint32_t inst, uint32_t *cleared,
				       int64_t ts, uint8_t flags)
{
	if (*cleared & (1u << inst))
		return LQ_CONVERT_OK;
	*cleared |= 1u << inst;
	return lq_convert_stage(c, LQ_FEED_BOOK_CLEAR, inst, ts, flags | LQ_FEED_F_SNAPSHOT)
		   ? LQ_CONVERT_OK
		   : LQ_CONVERT_E_LIMIT;
}

/* After the whole line was staged: the id table and the venue state. */
static void l2_commit(struct lq_convert *c, const struct lq_jscan_val *data, enum action a,
		      uint32_t cleared, const uint64_t *before_snapshot)
{
	for (uint32_t i = 0; i < c->inst_count; i++) {
		c->inst[i].stats.rows_before_snapshot += before_snapshot[i];
		if (!(cleared & (1u << i)))
			continue;
		id_del_inst(c, i);
		c->inst[i].book_synced = true;
		c->inst[i].stats.snapshots++;
	}
	struct lq_jscan_iter it;
	struct lq_jscan_val row;
	struct l2_row r;
	lq_jscan_iter_init(&it, data);
	while (lq_jscan_next(&it, NULL, &row) == 1) {
		/* every row read back as in the first pass, which accepted them all */
		enum lq_convert_status st = l2_row(c, &row, a, &r);
		LQ_ASSERT(st == LQ_CONVERT_OK);
		if (r.inst < 0 || !c->inst[r.inst].book_synced)
			continue;
		if (a == A_PARTIAL || a == A_INSERT)
			id_put(c, r.id, (uint32_t)r.inst, r.side, r.price);
		else if (a == A_DELETE)
			id_del(c, r.id, (uint32_t)r.inst);
	}
}

static enum lq_convert_status l2(struct lq_convert *c, const struct lq_jscan_val *data,
				 const struct lq_jscan_val *filter, enum action a)
{
	uint32_t cleared = 0, inserts = 0;
	uint64_t before_snapshot[LQ_CONVERT_INSTRUMENTS_MAX] = {0};
	enum lq_convert_status st = LQ_CONVERT_OK;
	if (a == A_PARTIAL && filter->type == LQ_JSCAN_OBJECT) {
		static const char *const names[] = {"symbol"};
		struct lq_jscan_val sym;
		if (lq_jscan_fields(filter, names, &sym, 1) != 0)
			return lq_convert_fail(c, LQ_CONVERT_E_VALUE, "filter is malformed");
		int inst =
		    sym.type == LQ_JSCAN_NONE ? -1 : lq_convert_inst_get(c, &sym, false, &st);
		if (inst < 0 && st != LQ_CONVERT_OK && st != LQ_CONVERT_SKIPPED)
			return st;
		/* a partial of an empty book still clears it */
		if (inst >= 0 && (st = l2_clear(c, (uint32_t)inst, &cleared, c->recv_ns,
						LQ_FEED_F_TS_LOCAL)) != LQ_CONVERT_OK)
			return st;
	}
	struct lq_jscan_iter it;
	struct lq_jscan_val row;
	struct l2_row r;
	int more;
	lq_jscan_iter_init(&it, data);
	while ((more = lq_jscan_next(&it, NULL, &row)) == 1) {
		if ((st = l2_row(c, &row, a, &r)) != LQ_CONVERT_OK)
			return st;
		if (r.inst < 0)
			continue;
		uint32_t inst = (uint32_t)r.inst;
		uint8_t flags = r.flags;
		if (a == A_PARTIAL) {
			flags |= LQ_FEED_F_SNAPSHOT;
			if ((st = l2_clear(c, inst, &cleared, r.ts, r.flags)) != LQ_CONVERT_OK)
				return st;
		} else if (!c->inst[inst].book_synced) {
			before_snapshot[inst]++; /* BitMEX: discard what precedes the partial */
			continue;
		}
		inserts += a == A_PARTIAL || a == A_INSERT;
		struct lq_feed_msg *m = lq_convert_stage(c, LQ_FEED_BOOK_LEVEL, inst, r.ts, flags);
		if (!m)
			return LQ_CONVERT_E_LIMIT;
		m->u.level.side = r.side;
		m->u.level.price = r.price;
		m->u.level.qty = a == A_DELETE ? 0 : r.qty;
	}
	if (more != 0)
		return lq_convert_fail(c, LQ_CONVERT_E_VALUE, "data is not an array of rows");
	/* a partial replaces its instruments' ids; be conservative and count them as kept */
	if (c->ids_used + inserts > c->p.levels_max / 4 * 3)
		return lq_convert_fail(c, LQ_CONVERT_E_LIMIT,
				       "more than %u orderBookL2 ids (--levels-max)",
				       c->p.levels_max / 4 * 3);
	l2_commit(c, data, a, cleared, before_snapshot);
	return LQ_CONVERT_OK;
}

static bool match_id(struct lq_convert *c, const struct lq_jscan_val *v, uint64_t *id)
{
	/* trdMatchID is a GUID: its first 16 hex digits make a stable 64-bit id */
	uint64_t x = 0;
	unsigned n = 0;
	*id = 0;
	if (v->type == LQ_JSCAN_NONE)
		return true;
	for (size_t i = 0; v->type == LQ_JSCAN_STRING && i < v->len && n < 16; i++) {
		char ch = v->p[i];
		unsigned d;
		if (ch == '-')
			continue;
		if (ch >= '0' && ch <= '9')
			d = (unsigned)(ch - '0');
		else if (ch >= 'a' && ch <= 'f')
			d = (unsigned)(ch - 'a' + 10);
		else if (ch >= 'A' && ch <= 'F')
			d = (unsigned)(ch - 'A' + 10);
		else
			break;
		x = x << 4 | d;
		n++;
	}
	if (n < 16) {
		lq_convert_fail(c, LQ_CONVERT_E_VALUE, "trade: trdMatchID is not a GUID");
		return false;
	}
	*id = x;
	return true;
}

static enum lq_convert_status trades(struct lq_convert *c, const struct lq_jscan_val *data,
				     enum action a)
{
	static const char *const names[] = {"symbol", "timestamp", "side",
					    "size",   "price",	   "trdMatchID"};
	struct lq_jscan_val f[LQ_ARRAY_SIZE(names)], row;
	struct lq_jscan_iter it;
	enum lq_convert_status st = LQ_CONVERT_OK;
	int more;
	if (a == A_UPDATE || a == A_DELETE)
		return lq_convert_fail(c, LQ_CONVERT_E_UNKNOWN, "trade: unexpected action");
	lq_jscan_iter_init(&it, data);
	while ((more = lq_jscan_next(&it, NULL, &row)) == 1) {
		struct lq_feed_trade t = {0};
		uint8_t flags = a == A_PARTIAL ? LQ_FEED_F_SNAPSHOT : 0;
		int64_t ts;
		if (lq_jscan_fields(&row, names, f, LQ_ARRAY_SIZE(names)) != 0)
			return lq_convert_fail(c, LQ_CONVERT_E_VALUE,
					       "trade: a row is not an object");
		int inst = lq_convert_inst_get(c, &f[0], false, &st);
		if (inst < 0 && st != LQ_CONVERT_SKIPPED)
			return st;
		if (inst < 0)
			continue;
		if (!lq_convert_iso8601(c, &f[1], "trade timestamp", &ts) ||
		    !side_of(c, &f[2], "trade", &t.aggressor) ||
		    !lq_convert_qty(c, (uint32_t)inst, &f[3], "trade size", false, &t.qty) ||
		    !lq_convert_price(c, (uint32_t)inst, &f[4], "trade price", &t.price) ||
		    !match_id(c, &f[5], &t.trade_id))
			return LQ_CONVERT_E_VALUE;
		struct lq_feed_msg *m =
		    lq_convert_stage(c, LQ_FEED_TRADE, (uint32_t)inst, ts, flags);
		if (!m)
			return LQ_CONVERT_E_LIMIT;
		m->u.trade = t;
	}
	return more == 0 ? LQ_CONVERT_OK
			 : lq_convert_fail(c, LQ_CONVERT_E_VALUE, "data is not an array of rows");
}

/* One side of a quote: an empty side (null price) is price 0, qty 0. */
static bool quote_side(struct lq_convert *c, uint32_t inst, const struct lq_jscan_val *price,
		       const struct lq_jscan_val *size, const char *what, int64_t *p, int64_t *q)
{
	if (price->type == LQ_JSCAN_NULL || price->type == LQ_JSCAN_NONE) {
		*p = 0;
		*q = 0;
		return true;
	}
	return lq_convert_price(c, inst, price, what, p) &&
	       lq_convert_qty(c, inst, size, what, false, q);
}

static enum lq_convert_status quotes(struct lq_convert *c, const struct lq_jscan_val *data,
				     enum action a)
{
	static const char *const names[] = {"symbol",	"timestamp", "bidSize",
					    "bidPrice", "askPrice",  "askSize"};
	struct lq_jscan_val f[LQ_ARRAY_SIZE(names)], row;
	struct lq_jscan_iter it;
	enum lq_convert_status st = LQ_CONVERT_OK;
	int more;
	if (a == A_UPDATE || a == A_DELETE)
		return lq_convert_fail(c, LQ_CONVERT_E_UNKNOWN, "quote: unexpected action");
	lq_jscan_iter_init(&it, data);
	while ((more = lq_jscan_next(&it, NULL, &row)) == 1) {
		struct lq_feed_book_top top;
		uint8_t flags = a == A_PARTIAL ? LQ_FEED_F_SNAPSHOT : 0;
		int64_t ts;
		if (lq_jscan_fields(&row, names, f, LQ_ARRAY_SIZE(names)) != 0)
			return lq_convert_fail(c, LQ_CONVERT_E_VALUE,
					       "quote: a row is not an object");
		int inst = lq_convert_inst_get(c, &f[0], false, &st);
		if (inst < 0 && st != LQ_CONVERT_SKIPPED)
			return st;
		if (inst < 0)
			continue;
		if (!lq_convert_iso8601(c, &f[1], "quote timestamp", &ts) ||
		    !quote_side(c, (uint32_t)inst, &f[3], &f[2], "quote bid", &top.bid_price,
				&top.bid_qty) ||
		    !quote_side(c, (uint32_t)inst, &f[4], &f[5], "quote ask", &top.ask_price,
				&top.ask_qty))
			return LQ_CONVERT_E_VALUE;
		struct lq_feed_msg *m =
		    lq_convert_stage(c, LQ_FEED_BOOK_TOP, (uint32_t)inst, ts, flags);
		if (!m)
			return LQ_CONVERT_E_LIMIT;
		m->u.top = top;
	}
	return more == 0 ? LQ_CONVERT_OK
			 : lq_convert_fail(c, LQ_CONVERT_E_VALUE, "data is not an array of rows");
}

/* "<seconds>.<fraction>: " to ns; *json_at is where the JSON starts. */
static enum lq_convert_status recv_time(struct lq_convert *c, const char *line, size_t len,
					size_t *json_at)
{
	size_t i = 0;
	while (i < len && i < 32 && line[i] != ':')
		i++;
	int64_t ns;
	if (i == 0 || i + 1 >= len || line[i] != ':' || line[i + 1] != ' ' ||
	    lq_dec_parse(line, i, 9, &ns) != LQ_DEC_OK || ns <= 0)
		return lq_convert_fail(c, LQ_CONVERT_E_SYNTAX,
				       "expected \"<seconds since 1970>: <JSON>\" (a multi-venue "
				       "recording)");
	c->recv_ns = ns;
	*json_at = i + 2;
	return LQ_CONVERT_OK;
}

static enum lq_convert_status table(struct lq_convert *c, const struct lq_jscan_val *f)
{
	/* f: table, action, data, filter */
	static const char *const actions[] = {"partial", "insert", "update", "delete"};
	enum action a = A_PARTIAL;
	size_t k = 0;
	for (; k < LQ_ARRAY_SIZE(actions) && !lq_jscan_is(&f[1], actions[k]); k++)
		;
	if (k == LQ_ARRAY_SIZE(actions))
		return lq_convert_fail(c, LQ_CONVERT_E_UNKNOWN, "unknown action");
	a = (enum action)k;
	if (f[2].type != LQ_JSCAN_ARRAY)
		return lq_convert_fail(c, LQ_CONVERT_E_VALUE, "data is not an array of rows");
	if (lq_jscan_is(&f[0], "orderBookL2") || lq_jscan_is(&f[0], "orderBookL2_25"))
		return l2(c, &f[2], &f[3], a);
	if (lq_jscan_is(&f[0], "trade"))
		return trades(c, &f[2], a);
	if (lq_jscan_is(&f[0], "quote"))
		return quotes(c, &f[2], a);
	return lq_convert_fail(c, LQ_CONVERT_E_UNKNOWN,
			       "table \"%.*s\" is not converted (orderBookL2, trade, quote are)",
			       (int)(f[0].len > 32 ? 32 : f[0].len), f[0].p);
}

enum lq_convert_status lq_convert_bitmex_line(struct lq_convert *c, const char *line, size_t len)
{
	static const char *const names[] = {"table", "action",	"data", "filter",
					    "info",  "success", "error"};
	struct lq_jscan_val root, f[LQ_ARRAY_SIZE(names)];
	size_t at = 0;
	if (len >= 6 && !memcmp(line, "wss://", 6))
		return LQ_CONVERT_SKIPPED; /* the recorder's connect and subscribe lines */
	enum lq_convert_status st = recv_time(c, line, len, &at);
	if (st != LQ_CONVERT_OK)
		return st;
	if (lq_jscan_parse(line + at, len - at, &root) != 0)
		return lq_convert_fail(c, LQ_CONVERT_E_SYNTAX, "not JSON");
	if (lq_jscan_fields(&root, names, f, LQ_ARRAY_SIZE(names)) != 0)
		return lq_convert_fail(c, LQ_CONVERT_E_SYNTAX,
				       "not a JSON object, or duplicate fields");
	if (f[0].type != LQ_JSCAN_NONE)
		return table(c, f);
	if (f[4].type != LQ_JSCAN_NONE || f[5].type != LQ_JSCAN_NONE)
		return LQ_CONVERT_SKIPPED; /* welcome and subscription replies */
	if (f[6].type != LQ_JSCAN_NONE)
		return lq_convert_fail(c, LQ_CONVERT_E_UNKNOWN, "the venue reported an error: %.*s",
				       (int)(f[6].len > 80 ? 80 : f[6].len), f[6].p);
	return lq_convert_fail(c, LQ_CONVERT_E_UNKNOWN, "neither a table message nor a reply");
}
