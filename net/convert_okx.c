/* SPDX-License-Identifier: MIT */
/*
 * OKX websocket recordings (multi-venue-ws/OKX.ws.*: the v5 public stream, 2022), in the
 * multi-venue-ws framing (convert_mvws.c). Each message names its channel and instrument in
 * "arg":{"channel","instId"}:
 *
 *   books   "action":"snapshot" -> book clear + levels; "update" -> levels (size "0"
 *           removes); levels are ["price","size","0","orders"]
 *   trades  {"px","sz","side","tradeId","ts"}       -> trade (side is the taker's)
 *   tickers {"bidPx","bidSz","askPx","askSz","ts"}  -> book top
 *   {"event":"subscribe",...}                        -> skipped
 *
 * Times are the messages' "ts" (ms). Swap quantities are contracts (UNI-USD-SWAP: 10 USD
 * each, the instrument's contract size), as on the venue. Only swaps ("-SWAP") are
 * perpetuals: spot (BTC-USDT) and dated futures (BTC-USD-220527) are converted if the
 * configuration (the specs) has them, else skipped and counted (stats.not_perpetual).
 *
 * Gaps: OKX numbers no update, but each books message carries a CRC32 of the top 25 levels
 * after it ("bid1px:bid1sz:ask1px:ask1sz:...", the decimals as OKX writes them: no trailing
 * zeros), as a signed 32-bit integer. The converter keeps each instrument's book
 * (levels_max / 32 levels a side: more refuses the line) and checks it; a mismatch sets
 * VENUE_GAP on the message's first book message and counts a venue gap (the book stays
 * wrong until the next snapshot). Every checksum of the recording matches (stats.checksums).
 */
#include "convert_private.h"

#include "lq/assert.h"
#include "lq/num.h"

#include <string.h>
#include <zlib.h>

#define CHECKSUM_DEPTH 25

/* ---- the book, to verify checksums ---- */

static uint32_t side_cap(const struct lq_convert *c)
{
	return c->p.levels_max / (2 * LQ_CONVERT_INSTRUMENTS_MAX);
}

static struct lq_convert_level *side_levels(struct lq_convert *c, uint32_t inst, unsigned side)
{
	return &c->levels[(size_t)(inst * 2 + side) * side_cap(c)];
}

/* Set a level (qty 0 removes it); the caller checked there is room. */
static void side_set(struct lq_convert *c, uint32_t inst, unsigned side, int64_t price, int64_t qty)
{
	struct lq_convert_level *lv = side_levels(c, inst, side);
	uint32_t *n = &c->inst[inst].book_n[side];
	uint32_t lo = 0, hi = *n;
	while (lo < hi) { /* bids descending, asks ascending */
		uint32_t mid = (lo + hi) / 2;
		if (side == 0 ? lv[mid].price > price : lv[mid].price < price)
			lo = mid + 1;
		else
			hi = mid;
	}
	bool found = lo < *n && lv[lo].price == price;
	if (qty == 0) {
		if (found) {
			memmove(&lv[lo], &lv[lo + 1], (*n - lo - 1) * sizeof(*lv));
			(*n)--;
		}
		return;
	}
	if (!found) {
		LQ_ASSERT(*n < side_cap(c));
		memmove(&lv[lo + 1], &lv[lo], (*n - lo) * sizeof(*lv));
		(*n)++;
	}
	lv[lo] = (struct lq_convert_level){.price = price, .qty = qty};
}

/* A decimal as OKX writes it: no trailing zeros, no trailing point. */
static size_t okx_dec(char *buf, size_t cap, int64_t v, unsigned dec)
{
	size_t n = lq_dec_format(buf, cap, v, dec);
	if (dec > 0 && n > 0 && n < cap) {
		while (n > 0 && buf[n - 1] == '0')
			n--;
		if (n > 0 && buf[n - 1] == '.')
			n--;
		buf[n] = '\0';
	}
	return n;
}

static uLong crc_level(uLong crc, const struct lq_feed_instrument_def *d,
		       const struct lq_convert_level *l, bool first)
{
	char buf[96];
	size_t n = 0;
	if (!first)
		buf[n++] = ':';
	n += okx_dec(buf + n, 40, l->price, d->price_decimals);
	buf[n++] = ':';
	n += okx_dec(buf + n, 40, l->qty, d->qty_decimals);
	return crc32(crc, (const Bytef *)buf, (uInt)n);
}

static int32_t book_checksum(struct lq_convert *c, uint32_t inst)
{
	const struct lq_feed_instrument_def *d = &c->inst[inst].def;
	const struct lq_convert_level *b = side_levels(c, inst, 0), *a = side_levels(c, inst, 1);
	uint32_t nb = c->inst[inst].book_n[0], na = c->inst[inst].book_n[1];
	uLong crc = crc32(0L, Z_NULL, 0);
	bool first = true;
	for (uint32_t i = 0; i < CHECKSUM_DEPTH && (i < nb || i < na); i++) {
		if (i < nb) {
			crc = crc_level(crc, d, &b[i], first);
			first = false;
		}
		if (i < na) {
			crc = crc_level(crc, d, &a[i], first);
			first = false;
		}
	}
	return (int32_t)(uint32_t)crc;
}

/* The checksum field: a signed 32-bit integer. */
static bool checksum_of(struct lq_convert *c, const struct lq_jscan_val *v, int32_t *out)
{
	struct lq_jscan_val mag = *v;
	uint64_t x = 0;
	bool neg = v->type == LQ_JSCAN_NUMBER && v->len > 0 && v->p[0] == '-';
	if (neg) {
		mag.p++;
		mag.len--;
	}
	if (v->type != LQ_JSCAN_NUMBER || !lq_convert_u64(c, &mag, "books checksum", &x) ||
	    x > (neg ? 2147483648ull : 2147483647ull)) {
		lq_convert_fail(c, LQ_CONVERT_E_VALUE, "books checksum: not a 32-bit integer");
		return false;
	}
	*out = (int32_t)(neg ? -(int64_t)x : (int64_t)x);
	return true;
}

static int inst_of(struct lq_convert *c, const struct lq_jscan_val *id, enum lq_convert_status *st)
{
	bool swap =
	    id->type == LQ_JSCAN_STRING && id->len > 5 && !memcmp(id->p + id->len - 5, "-SWAP", 5);
	return lq_convert_market(c, id, swap, st);
}

/* A row's instId, if it has one, is the arg's. */
static bool same_inst(struct lq_convert *c, uint32_t inst, const struct lq_jscan_val *v)
{
	const char *n = c->inst[inst].def.name;
	if (v->type == LQ_JSCAN_NONE ||
	    (v->type == LQ_JSCAN_STRING && v->len == strlen(n) && !memcmp(v->p, n, v->len)))
		return true;
	lq_convert_fail(c, LQ_CONVERT_E_VALUE, "a row of another instId than the arg's");
	return false;
}

/* Stage one side's [["px","sz","0","orders"], ...]. */
static enum lq_convert_status levels(struct lq_convert *c, uint32_t inst,
				     const struct lq_jscan_val *arr, uint8_t side, int64_t ts,
				     bool snapshot)
{
	const char *what = side == LQ_FEED_BID ? "bids" : "asks";
	struct lq_jscan_iter it, lv;
	struct lq_jscan_val e, p, q;
	int r;
	if (arr->type != LQ_JSCAN_ARRAY)
		return lq_convert_fail(c, LQ_CONVERT_E_VALUE, "%s: missing or not an array", what);
	lq_jscan_iter_init(&it, arr);
	while ((r = lq_jscan_next(&it, NULL, &e)) == 1) {
		int64_t price, qty;
		lq_jscan_iter_init(&lv, &e);
		if (e.type != LQ_JSCAN_ARRAY || lq_jscan_next(&lv, NULL, &p) != 1 ||
		    lq_jscan_next(&lv, NULL, &q) != 1)
			return lq_convert_fail(c, LQ_CONVERT_E_VALUE,
					       "%s: a level is not [\"price\", \"size\", ...]",
					       what);
		if (!lq_convert_price(c, inst, &p, what, &price) ||
		    !lq_convert_qty(c, inst, &q, what, !snapshot, &qty))
			return LQ_CONVERT_E_VALUE;
		struct lq_feed_msg *m = lq_convert_stage(c, LQ_FEED_BOOK_LEVEL, inst, ts,
							 snapshot ? LQ_FEED_F_SNAPSHOT : 0);
		if (!m)
			return LQ_CONVERT_E_LIMIT;
		m->u.level.side = side;
		m->u.level.price = price;
		m->u.level.qty = qty;
	}
	return r == 0 ? LQ_CONVERT_OK
		      : lq_convert_fail(c, LQ_CONVERT_E_VALUE, "%s: bad array", what);
}

static enum lq_convert_status book(struct lq_convert *c, uint32_t inst,
				   const struct lq_jscan_val *row,
				   const struct lq_jscan_val *action)
{
	static const char *const names[] = {"asks", "bids", "ts", "checksum", "instId"};
	struct lq_jscan_val f[LQ_ARRAY_SIZE(names)];
	enum lq_convert_status st;
	struct lq_convert_inst *in = &c->inst[inst];
	int64_t ts;
	bool snap = lq_jscan_is(action, "snapshot");
	if (!snap && !lq_jscan_is(action, "update"))
		return lq_convert_fail(c, LQ_CONVERT_E_UNKNOWN,
				       "books: action is neither snapshot nor update");
	if (lq_jscan_fields(row, names, f, LQ_ARRAY_SIZE(names)) != 0)
		return lq_convert_fail(c, LQ_CONVERT_E_VALUE, "books: data is malformed");
	if (!same_inst(c, inst, &f[4]) || !lq_convert_ms(c, &f[2], "books ts", &ts))
		return LQ_CONVERT_E_VALUE;
	if (!snap && !in->book_synced) {
		in->stats.rows_before_snapshot++; /* an update before the snapshot: no book yet */
		return LQ_CONVERT_SKIPPED;
	}
	int32_t sum = 0;
	bool has_sum = f[3].type != LQ_JSCAN_NONE;
	if (has_sum && !checksum_of(c, &f[3], &sum))
		return LQ_CONVERT_E_VALUE;
	if (snap && !lq_convert_stage(c, LQ_FEED_BOOK_CLEAR, inst, ts, LQ_FEED_F_SNAPSHOT))
		return LQ_CONVERT_E_LIMIT;
	uint32_t first = c->stage_count;
	if ((st = levels(c, inst, &f[1], LQ_FEED_BID, ts, snap)) != LQ_CONVERT_OK ||
	    (st = levels(c, inst, &f[0], LQ_FEED_ASK, ts, snap)) != LQ_CONVERT_OK)
		return st;
	/* room for every level the message could add */
	uint32_t add[2] = {snap ? 0 : in->book_n[0], snap ? 0 : in->book_n[1]};
	for (uint32_t i = first; i < c->stage_count; i++)
		add[c->stage[i].u.level.side == LQ_FEED_BID ? 0 : 1]++;
	if (add[0] > side_cap(c) || add[1] > side_cap(c))
		return lq_convert_fail(c, LQ_CONVERT_E_LIMIT,
				       "more than %u book levels a side (--levels-max / 32)",
				       side_cap(c));
	/* nothing can fail from here: the book, then its checksum */
	if (snap)
		in->book_n[0] = in->book_n[1] = 0;
	for (uint32_t i = first; i < c->stage_count; i++) {
		const struct lq_feed_msg *m = &c->stage[i];
		side_set(c, inst, m->u.level.side == LQ_FEED_BID ? 0 : 1, m->u.level.price,
			 m->u.level.qty);
	}
	bool gap = in->gap_pending || (has_sum && book_checksum(c, inst) != sum);
	in->stats.venue_gaps += has_sum && book_checksum(c, inst) != sum;
	/* on the message's first book message; a message without levels passes it on */
	uint32_t flag_at = snap ? first - 1 : first;
	if (gap && flag_at < c->stage_count)
		c->stage[flag_at].flags |= LQ_FEED_F_VENUE_GAP;
	in->gap_pending = gap && flag_at >= c->stage_count;
	in->stats.checksums += has_sum;
	in->book_synced = true;
	in->stats.snapshots += snap;
	return LQ_CONVERT_OK;
}

static enum lq_convert_status trade(struct lq_convert *c, uint32_t inst,
				    const struct lq_jscan_val *row)
{
	static const char *const names[] = {"px", "sz", "side", "tradeId", "ts", "instId"};
	struct lq_jscan_val f[LQ_ARRAY_SIZE(names)];
	struct lq_feed_trade t = {0};
	int64_t ts;
	if (lq_jscan_fields(row, names, f, LQ_ARRAY_SIZE(names)) != 0)
		return lq_convert_fail(c, LQ_CONVERT_E_VALUE, "trades: data is malformed");
	if (!same_inst(c, inst, &f[5]) || !lq_convert_price(c, inst, &f[0], "trade px", &t.price) ||
	    !lq_convert_qty(c, inst, &f[1], "trade sz", false, &t.qty) ||
	    !lq_convert_u64(c, &f[3], "tradeId", &t.trade_id) ||
	    !lq_convert_ms(c, &f[4], "trade ts", &ts))
		return LQ_CONVERT_E_VALUE;
	if (lq_jscan_is(&f[2], "buy"))
		t.aggressor = LQ_FEED_BID;
	else if (lq_jscan_is(&f[2], "sell"))
		t.aggressor = LQ_FEED_ASK;
	else
		return lq_convert_fail(c, LQ_CONVERT_E_VALUE,
				       "trade: side is neither buy nor sell");
	struct lq_feed_msg *m = lq_convert_stage(c, LQ_FEED_TRADE, inst, ts, 0);
	if (!m)
		return LQ_CONVERT_E_LIMIT;
	m->u.trade = t;
	return LQ_CONVERT_OK;
}

static enum lq_convert_status ticker(struct lq_convert *c, uint32_t inst,
				     const struct lq_jscan_val *row)
{
	static const char *const names[] = {"bidPx", "bidSz", "askPx", "askSz", "ts", "instId"};
	struct lq_jscan_val f[LQ_ARRAY_SIZE(names)];
	struct lq_feed_book_top top;
	int64_t ts;
	if (lq_jscan_fields(row, names, f, LQ_ARRAY_SIZE(names)) != 0)
		return lq_convert_fail(c, LQ_CONVERT_E_VALUE, "tickers: data is malformed");
	if (!same_inst(c, inst, &f[5]) ||
	    !lq_convert_price(c, inst, &f[0], "tickers bidPx", &top.bid_price) ||
	    !lq_convert_qty(c, inst, &f[1], "tickers bidSz", false, &top.bid_qty) ||
	    !lq_convert_price(c, inst, &f[2], "tickers askPx", &top.ask_price) ||
	    !lq_convert_qty(c, inst, &f[3], "tickers askSz", false, &top.ask_qty) ||
	    !lq_convert_ms(c, &f[4], "tickers ts", &ts))
		return LQ_CONVERT_E_VALUE;
	struct lq_feed_msg *m = lq_convert_stage(c, LQ_FEED_BOOK_TOP, inst, ts, 0);
	if (!m)
		return LQ_CONVERT_E_LIMIT;
	m->u.top = top;
	return LQ_CONVERT_OK;
}

/* f: arg, action, data */
static enum lq_convert_status channel(struct lq_convert *c, const struct lq_jscan_val *f)
{
	static const char *const names[] = {"channel", "instId"};
	struct lq_jscan_val a[2], row;
	struct lq_jscan_iter it;
	enum lq_convert_status st = LQ_CONVERT_OK;
	int more;
	if (f[0].type != LQ_JSCAN_OBJECT || lq_jscan_fields(&f[0], names, a, 2) != 0)
		return lq_convert_fail(c, LQ_CONVERT_E_VALUE, "arg is malformed");
	enum { BOOKS, TRADES, TICKERS } ch;
	if (lq_jscan_is(&a[0], "books"))
		ch = BOOKS;
	else if (lq_jscan_is(&a[0], "trades"))
		ch = TRADES;
	else if (lq_jscan_is(&a[0], "tickers"))
		ch = TICKERS;
	else
		return lq_convert_fail(c, LQ_CONVERT_E_UNKNOWN,
				       "channel \"%.*s\" is not converted (books, trades, tickers "
				       "are)",
				       (int)(a[0].len > 32 ? 32 : a[0].len), a[0].p);
	int inst = inst_of(c, &a[1], &st);
	if (inst < 0)
		return st;
	if (f[2].type != LQ_JSCAN_ARRAY)
		return lq_convert_fail(c, LQ_CONVERT_E_VALUE, "data is not an array");
	lq_jscan_iter_init(&it, &f[2]);
	while ((more = lq_jscan_next(&it, NULL, &row)) == 1) {
		if (ch == BOOKS)
			st = book(c, (uint32_t)inst, &row, &f[1]);
		else if (ch == TRADES)
			st = trade(c, (uint32_t)inst, &row);
		else
			st = ticker(c, (uint32_t)inst, &row);
		if (st != LQ_CONVERT_OK)
			return st;
	}
	return more == 0 ? LQ_CONVERT_OK
			 : lq_convert_fail(c, LQ_CONVERT_E_VALUE, "data is not an array");
}

enum lq_convert_status lq_convert_okx_line(struct lq_convert *c, const char *line, size_t len)
{
	static const char *const names[] = {"arg", "action", "data", "event", "msg"};
	struct lq_jscan_val root, f[LQ_ARRAY_SIZE(names)];
	enum lq_convert_status st = lq_convert_mvws(c, line, len, &root);
	if (st != LQ_CONVERT_OK)
		return st;
	if (lq_jscan_fields(&root, names, f, LQ_ARRAY_SIZE(names)) != 0)
		return lq_convert_fail(c, LQ_CONVERT_E_SYNTAX, "duplicate fields");
	if (lq_jscan_is(&f[3], "subscribe"))
		return LQ_CONVERT_SKIPPED; /* a subscription's reply */
	if (f[3].type != LQ_JSCAN_NONE)
		return lq_convert_fail(c, LQ_CONVERT_E_UNKNOWN, "the venue reported \"%.*s\": %.*s",
				       (int)(f[3].len > 20 ? 20 : f[3].len), f[3].p,
				       (int)(f[4].len > 80 ? 80 : f[4].len), f[4].p);
	if (f[0].type == LQ_JSCAN_NONE)
		return lq_convert_fail(c, LQ_CONVERT_E_UNKNOWN,
				       "neither a channel message nor an event");
	return channel(c, f);
}
