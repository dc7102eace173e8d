/* SPDX-License-Identifier: MIT */
/*
 * dYdX v3 websocket recordings (multi-venue-ws/DYDX.ws.*, 2021), in the multi-venue-ws
 * framing (convert_mvws.c). Messages {"type", "message_id", "channel", "id", "contents"}:
 *
 *   subscribed  v3_orderbook {"bids":[{"price","offset","size"}],"asks":[...]}
 *                                   -> book clear + levels (size "0" levels left out)
 *   channel_data v3_orderbook {"offset","bids":[["price","size"]],"asks":[...]}
 *                                   -> levels (size "0" removes)
 *   subscribed / channel_data v3_trades {"trades":[{"side","size","price","createdAt"}]}
 *                                   -> trades, oldest first (side is the taker's); the
 *                                      subscription's are past trades (SNAPSHOT)
 *   connected                       -> skipped
 *
 * Times: trades carry createdAt; book messages carry none, so they carry the receive time
 * and TS_LOCAL. Gaps: message_id numbers every message of the connection, but the recording
 * holds them slightly reordered (ids 11-20, the trade subscriptions, come after 31): an id
 * still missing once 64 later ones arrived is lost, and sets VENUE_GAP on the next book
 * message of every instrument; an id seen twice refuses the line. Offsets: every level of the
 * snapshot carries the offset of its last change, and updates do not arrive in offset order:
 * an update (one offset for all its levels) changes a level only if its offset is newer than
 * the level's last change. The converter keeps each level's offset (levels_max of them for
 * all markets: more refuses the line) and counts the level changes it leaves
 * (stale_levels).
 */
#include "convert_private.h"

#include "lq/assert.h"

#include <string.h>

/* ---- each price level's offset: open addressing on (inst, price), linear probing ---- */

static uint32_t off_slot(const struct lq_convert *c, uint32_t inst, int64_t price)
{
	uint32_t mask = c->p.levels_max - 1;
	uint64_t h = ((uint64_t)price ^ ((uint64_t)inst << 56)) * 0x9e3779b97f4a7c15ull;
	uint32_t i = (uint32_t)(h >> 32) & mask;
	/* never more than 3/4 full: an empty slot ends every probe */
	for (uint32_t n = 0; n <= mask; n++, i = (i + 1) & mask) {
		const struct lq_convert_offset *e = &c->offsets[i];
		if (e->price == 0 || (e->price == price && e->inst == inst))
			return i;
	}
	LQ_ASSERT(!"offset table full");
	return 0;
}

/* The offset of the level's last change; 0 if none seen. */
static uint64_t off_get(const struct lq_convert *c, uint32_t inst, int64_t price)
{
	const struct lq_convert_offset *e = &c->offsets[off_slot(c, inst, price)];
	return e->price ? e->offset : 0;
}

static void off_put(struct lq_convert *c, uint32_t inst, int64_t price, uint64_t offset)
{
	struct lq_convert_offset *e = &c->offsets[off_slot(c, inst, price)];
	if (e->price == 0)
		c->offsets_used++;
	LQ_ASSERT(c->offsets_used <= c->p.levels_max / 4 * 3);
	*e = (struct lq_convert_offset){.price = price, .offset = offset, .inst = inst};
}

/* One level: {"price","offset","size"} in a snapshot, ["price","size"] in an update. */
static bool level(struct lq_convert *c, uint32_t inst, const struct lq_jscan_val *e, bool snapshot,
		  const char *what, int64_t *price, int64_t *qty, uint64_t *off)
{
	static const char *const names[] = {"price", "size", "offset"};
	struct lq_jscan_iter lv;
	struct lq_jscan_val f[3], extra;
	if (snapshot) {
		if (lq_jscan_fields(e, names, f, 3) != 0) {
			lq_convert_fail(c, LQ_CONVERT_E_VALUE,
					"%s: a level is not {price, offset, size}", what);
			return false;
		}
		if (!lq_convert_u64(c, &f[2], "offset", off))
			return false;
	} else {
		lq_jscan_iter_init(&lv, e);
		if (e->type != LQ_JSCAN_ARRAY || lq_jscan_next(&lv, NULL, &f[0]) != 1 ||
		    lq_jscan_next(&lv, NULL, &f[1]) != 1 || lq_jscan_next(&lv, NULL, &extra) != 0) {
			lq_convert_fail(c, LQ_CONVERT_E_VALUE,
					"%s: a level is not [\"price\", \"size\"]", what);
			return false;
		}
	}
	return lq_convert_price(c, inst, &f[0], what, price) &&
	       lq_convert_qty(c, inst, &f[1], what, true, qty);
}

/*
 * Stage one side. An update (offset O) changes a level only if O is newer than the level's
 * last change (*stale counts those it leaves); *count counts the levels for the table.
 */
static enum lq_convert_status levels(struct lq_convert *c, uint32_t inst,
				     const struct lq_jscan_val *arr, uint8_t side, bool snapshot,
				     uint64_t O, uint32_t *count, uint64_t *stale)
{
	const char *what = side == LQ_FEED_BID ? "bids" : "asks";
	struct lq_jscan_iter it;
	struct lq_jscan_val e;
	int r;
	if (arr->type != LQ_JSCAN_ARRAY)
		return lq_convert_fail(c, LQ_CONVERT_E_VALUE, "%s: missing or not an array", what);
	lq_jscan_iter_init(&it, arr);
	while ((r = lq_jscan_next(&it, NULL, &e)) == 1) {
		int64_t price, qty;
		uint64_t off = O;
		if (!level(c, inst, &e, snapshot, what, &price, &qty, &off))
			return LQ_CONVERT_E_VALUE;
		(*count)++;
		if (!snapshot && off_get(c, inst, price) >= O) {
			(*stale)++; /* the book already holds a newer state of this level */
			continue;
		}
		if (snapshot && qty == 0)
			continue; /* after the clear, an empty level is already absent */
		struct lq_feed_msg *m =
		    lq_convert_stage(c, LQ_FEED_BOOK_LEVEL, inst, c->recv_ns,
				     LQ_FEED_F_TS_LOCAL | (snapshot ? LQ_FEED_F_SNAPSHOT : 0));
		if (!m)
			return LQ_CONVERT_E_LIMIT;
		m->u.level.side = side;
		m->u.level.price = price;
		m->u.level.qty = qty;
	}
	return r == 0 ? LQ_CONVERT_OK
		      : lq_convert_fail(c, LQ_CONVERT_E_VALUE, "%s: bad array", what);
}

/* After the line was accepted: the levels' offsets (read again; they all parsed). */
static void offsets_commit(struct lq_convert *c, uint32_t inst, const struct lq_jscan_val *arr,
			   bool snapshot, uint64_t O)
{
	struct lq_jscan_iter it;
	struct lq_jscan_val e;
	lq_jscan_iter_init(&it, arr);
	while (lq_jscan_next(&it, NULL, &e) == 1) {
		int64_t price, qty;
		uint64_t off = O;
		bool ok = level(c, inst, &e, snapshot, "", &price, &qty, &off);
		LQ_ASSERT(ok);
		if (snapshot || off_get(c, inst, price) < O)
			off_put(c, inst, price, off);
	}
}

static enum lq_convert_status book(struct lq_convert *c, uint32_t inst,
				   const struct lq_jscan_val *contents, bool snap)
{
	static const char *const names[] = {"bids", "asks", "offset"};
	struct lq_jscan_val f[3];
	struct lq_convert_inst *in = &c->inst[inst];
	enum lq_convert_status st;
	uint64_t O = 0, stale = 0;
	uint32_t count = 0;
	if (lq_jscan_fields(contents, names, f, 3) != 0)
		return lq_convert_fail(c, LQ_CONVERT_E_VALUE, "v3_orderbook: contents malformed");
	if (!snap && !lq_convert_u64(c, &f[2], "v3_orderbook offset", &O))
		return LQ_CONVERT_E_VALUE;
	if (!snap && !in->book_synced) {
		in->stats.rows_before_snapshot++;
		return LQ_CONVERT_SKIPPED;
	}
	if (snap && !lq_convert_stage(c, LQ_FEED_BOOK_CLEAR, inst, c->recv_ns,
				      LQ_FEED_F_TS_LOCAL | LQ_FEED_F_SNAPSHOT))
		return LQ_CONVERT_E_LIMIT;
	if ((st = levels(c, inst, &f[0], LQ_FEED_BID, snap, O, &count, &stale)) != 0 ||
	    (st = levels(c, inst, &f[1], LQ_FEED_ASK, snap, O, &count, &stale)) != 0)
		return st;
	if (c->offsets_used + count > c->p.levels_max / 4 * 3)
		return lq_convert_fail(c, LQ_CONVERT_E_LIMIT,
				       "more than %u dYdX price levels (--levels-max)",
				       c->p.levels_max / 4 * 3);
	/* nothing can fail from here */
	offsets_commit(c, inst, &f[0], snap, O);
	offsets_commit(c, inst, &f[1], snap, O);
	in->book_synced = true;
	in->stats.snapshots += snap;
	in->stats.stale_levels += stale;
	return LQ_CONVERT_OK;
}

static enum lq_convert_status trades(struct lq_convert *c, uint32_t inst,
				     const struct lq_jscan_val *contents, bool snap)
{
	static const char *const names[] = {"trades"};
	static const char *const tnames[] = {"side", "size", "price", "createdAt", "liquidation"};
	struct lq_jscan_val arr, f[LQ_ARRAY_SIZE(tnames)], row;
	struct lq_jscan_iter it;
	int more;
	if (lq_jscan_fields(contents, names, &arr, 1) != 0 || arr.type != LQ_JSCAN_ARRAY)
		return lq_convert_fail(c, LQ_CONVERT_E_VALUE, "v3_trades: no trades array");
	uint32_t first = c->stage_count;
	lq_jscan_iter_init(&it, &arr);
	while ((more = lq_jscan_next(&it, NULL, &row)) == 1) {
		struct lq_feed_trade t = {0};
		int64_t ts;
		if (lq_jscan_fields(&row, tnames, f, LQ_ARRAY_SIZE(tnames)) != 0)
			return lq_convert_fail(c, LQ_CONVERT_E_VALUE,
					       "v3_trades: a row is malformed");
		if (lq_jscan_is(&f[0], "BUY"))
			t.aggressor = LQ_FEED_BID;
		else if (lq_jscan_is(&f[0], "SELL"))
			t.aggressor = LQ_FEED_ASK;
		else
			return lq_convert_fail(c, LQ_CONVERT_E_VALUE,
					       "v3_trades: side is neither BUY nor SELL");
		if (!lq_convert_qty(c, inst, &f[1], "trade size", false, &t.qty) ||
		    !lq_convert_price(c, inst, &f[2], "trade price", &t.price) ||
		    !lq_convert_iso8601(c, &f[3], "trade createdAt", &ts))
			return LQ_CONVERT_E_VALUE;
		if (f[4].type == LQ_JSCAN_TRUE)
			t.kind = LQ_FEED_TRADE_LIQUIDATION;
		struct lq_feed_msg *m =
		    lq_convert_stage(c, LQ_FEED_TRADE, inst, ts, snap ? LQ_FEED_F_SNAPSHOT : 0);
		if (!m)
			return LQ_CONVERT_E_LIMIT;
		m->u.trade = t;
	}
	if (more != 0)
		return lq_convert_fail(c, LQ_CONVERT_E_VALUE, "v3_trades: bad array");
	/* dYdX lists the newest first: the feed's order is the venue's time */
	for (uint32_t i = first, j = c->stage_count; i + 1 < j; i++, j--) {
		struct lq_feed_msg tmp = c->stage[i];
		c->stage[i] = c->stage[j - 1];
		c->stage[j - 1] = tmp;
	}
	return LQ_CONVERT_OK;
}

/* After a line was converted: a message_id jump flags the next book message of each
 * instrument (the lost message could be any market's). */
static void gaps(struct lq_convert *c, bool id_gap)
{
	uint32_t flagged = 0;
	for (uint32_t i = 0; i < c->stage_count; i++) {
		struct lq_feed_msg *m = &c->stage[i];
		struct lq_convert_inst *in = &c->inst[m->instrument];
		bool book = m->type == LQ_FEED_BOOK_LEVEL || m->type == LQ_FEED_BOOK_CLEAR;
		if (!book || (flagged & (1u << m->instrument)))
			continue;
		flagged |= 1u << m->instrument;
		if ((id_gap || in->gap_pending) && !(m->flags & LQ_FEED_F_SNAPSHOT)) {
			m->flags |= LQ_FEED_F_VENUE_GAP;
			in->stats.venue_gaps++;
		}
		in->gap_pending = false;
	}
	for (uint32_t i = 0; id_gap && i < c->inst_count; i++)
		if (!(flagged & (1u << i)))
			c->inst[i].gap_pending = true;
}

enum lq_convert_status lq_convert_dydx_line(struct lq_convert *c, const char *line, size_t len)
{
	static const char *const names[] = {"type",	"message_id",	 "channel", "id",
					    "contents", "connection_id", "message"};
	struct lq_jscan_val root, f[LQ_ARRAY_SIZE(names)];
	enum lq_convert_status st = lq_convert_mvws(c, line, len, &root);
	uint64_t msg_id;
	if (st != LQ_CONVERT_OK)
		return st;
	if (lq_jscan_fields(&root, names, f, LQ_ARRAY_SIZE(names)) != 0)
		return lq_convert_fail(c, LQ_CONVERT_E_SYNTAX, "duplicate fields");
	if (lq_jscan_is(&f[0], "error"))
		return lq_convert_fail(c, LQ_CONVERT_E_UNKNOWN, "the venue reported an error: %.*s",
				       (int)(f[6].len > 80 ? 80 : f[6].len), f[6].p);
	if (!lq_convert_u64(c, &f[1], "message_id", &msg_id))
		return LQ_CONVERT_E_VALUE;
	bool connected = lq_jscan_is(&f[0], "connected"); /* a connection numbers from 0 */
	uint64_t next = c->msg_next, seen = c->msg_seen, lost = 0;
	if (!c->have_msg_id || connected) {
		next = msg_id;
		seen = 0;
	}
	if (msg_id < next || (msg_id - next < 64 && (seen >> (msg_id - next) & 1)))
		return lq_convert_fail(c, LQ_CONVERT_E_VALUE, "message_id %llu seen twice",
				       (unsigned long long)msg_id);
	if (msg_id - next >= 64) { /* the window moves: ids falling out of it are lost */
		uint64_t shift = msg_id - next - 63;
		if (shift >= 64) {
			lost = (uint64_t)(64 - __builtin_popcountll(seen)) + (shift - 64);
			seen = 0;
		} else {
			lost = (uint64_t)__builtin_popcountll(~seen & ((1ull << shift) - 1));
			seen >>= shift;
		}
		next += shift;
	}
	seen |= 1ull << (msg_id - next);
	while (seen & 1) {
		seen >>= 1;
		next++;
	}
	bool id_gap = lost > 0;
	if (connected) {
		st = LQ_CONVERT_SKIPPED;
	} else {
		bool snap = lq_jscan_is(&f[0], "subscribed");
		if (!snap && !lq_jscan_is(&f[0], "channel_data"))
			return lq_convert_fail(c, LQ_CONVERT_E_UNKNOWN,
					       "type \"%.*s\" is not converted (connected, "
					       "subscribed, channel_data are)",
					       (int)(f[0].len > 32 ? 32 : f[0].len), f[0].p);
		bool ob = lq_jscan_is(&f[2], "v3_orderbook");
		if (!ob && !lq_jscan_is(&f[2], "v3_trades"))
			return lq_convert_fail(c, LQ_CONVERT_E_UNKNOWN,
					       "channel \"%.*s\" is not converted (v3_orderbook, "
					       "v3_trades are)",
					       (int)(f[2].len > 32 ? 32 : f[2].len), f[2].p);
		int inst = lq_convert_market(c, &f[3], true, &st);
		if (inst < 0 && st != LQ_CONVERT_SKIPPED)
			return st;
		if (inst >= 0 && f[4].type != LQ_JSCAN_OBJECT)
			return lq_convert_fail(c, LQ_CONVERT_E_VALUE, "contents is not an object");
		if (inst >= 0)
			st = ob ? book(c, (uint32_t)inst, &f[4], snap)
				: trades(c, (uint32_t)inst, &f[4], snap);
		if (st != LQ_CONVERT_OK && st != LQ_CONVERT_SKIPPED)
			return st;
	}
	/* nothing can fail from here */
	c->have_msg_id = true;
	c->msg_next = next;
	c->msg_seen = seen;
	gaps(c, id_gap);
	return st;
}
