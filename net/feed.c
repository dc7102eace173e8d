/* SPDX-License-Identifier: MIT */
/* The liqd feed (net/FEED.md): encoder, validating decoder, sequence tracking. */
#include "lq/le.h"
#include "lq/feed.h"

#include "lq/assert.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#define RATE_ONE 100000000LL /* funding rates are parts per 10^8 (LQ_RATE_ONE) */

/* Offsets within a wire struct, as the code's only source of layout. */
#define OFF(type, field) offsetof(struct lq_feed_wire_##type, field)

static inline void st8(uint8_t *p, uint8_t v)
{
	p[0] = v;
}
static inline int64_t ldi64(const uint8_t *p)
{
	return (int64_t)lq_get64(p);
}

const char *lq_feed_err_str(enum lq_feed_err err)
{
	switch (err) {
	case LQ_FEED_OK:
		return "ok";
	case LQ_FEED_E_TRUNCATED:
		return "truncated packet";
	case LQ_FEED_E_OVERSIZE:
		return "packet longer than 1472 bytes";
	case LQ_FEED_E_MAGIC:
		return "bad magic (not a liqd feed packet)";
	case LQ_FEED_E_VERSION:
		return "unknown format version";
	case LQ_FEED_E_HEADER:
		return "bad packet header (flags, sequence number)";
	case LQ_FEED_E_COUNT:
		return "message count does not match the packet";
	case LQ_FEED_E_LENGTH:
		return "message length does not match its type";
	case LQ_FEED_E_TYPE:
		return "unknown message type";
	case LQ_FEED_E_FLAGS:
		return "unknown message flags";
	case LQ_FEED_E_FIELD:
		return "field out of range";
	}
	return "?";
}

const char *lq_feed_type_str(unsigned type)
{
	switch (type) {
	case LQ_FEED_INSTRUMENT:
		return "instrument";
	case LQ_FEED_INDEX:
		return "index";
	case LQ_FEED_MARK:
		return "mark";
	case LQ_FEED_FUNDING:
		return "funding";
	case LQ_FEED_BOOK_TOP:
		return "book_top";
	case LQ_FEED_BOOK_LEVEL:
		return "book_level";
	case LQ_FEED_BOOK_CLEAR:
		return "book_clear";
	case LQ_FEED_TRADE:
		return "trade";
	case LQ_FEED_DEPOSIT:
		return "deposit";
	case LQ_FEED_WITHDRAWAL:
		return "withdrawal";
	case LQ_FEED_FILL:
		return "fill";
	case LQ_FEED_MARGIN_TRANSFER:
		return "margin_transfer";
	case LQ_FEED_LIQ_FILL:
		return "liq_fill";
	case LQ_FEED_LIQ_ORDER:
		return "liq_order";
	case LQ_FEED_ADL:
		return "adl";
	case LQ_FEED_TAKEOVER:
		return "takeover";
	case LQ_FEED_SOCIALIZED_LOSS:
		return "socialized_loss";
	case LQ_FEED_BAD_DEBT:
		return "bad_debt";
	}
	return "?";
}

size_t lq_feed_msg_size(unsigned type)
{
	switch (type) {
	case LQ_FEED_INSTRUMENT:
		return sizeof(struct lq_feed_wire_instrument);
	case LQ_FEED_INDEX:
	case LQ_FEED_MARK:
		return sizeof(struct lq_feed_wire_price_ext);
	case LQ_FEED_FUNDING:
		return sizeof(struct lq_feed_wire_funding);
	case LQ_FEED_BOOK_TOP:
		return sizeof(struct lq_feed_wire_book_top);
	case LQ_FEED_BOOK_LEVEL:
		return sizeof(struct lq_feed_wire_level);
	case LQ_FEED_BOOK_CLEAR:
		return sizeof(struct lq_feed_wire_msg);
	case LQ_FEED_TRADE:
		return sizeof(struct lq_feed_wire_trade);
	case LQ_FEED_DEPOSIT:
	case LQ_FEED_WITHDRAWAL:
		return sizeof(struct lq_feed_wire_transfer);
	case LQ_FEED_FILL:
		return sizeof(struct lq_feed_wire_fill);
	case LQ_FEED_MARGIN_TRANSFER:
		return sizeof(struct lq_feed_wire_margin);
	case LQ_FEED_LIQ_FILL:
		return sizeof(struct lq_feed_wire_liq_fill);
	case LQ_FEED_LIQ_ORDER:
		return sizeof(struct lq_feed_wire_liq_order);
	case LQ_FEED_ADL:
		return sizeof(struct lq_feed_wire_adl);
	case LQ_FEED_TAKEOVER:
		return sizeof(struct lq_feed_wire_takeover);
	case LQ_FEED_SOCIALIZED_LOSS:
	case LQ_FEED_BAD_DEBT:
		return sizeof(struct lq_feed_wire_loss);
	}
	return 0;
}

/* A name: 1..23 printable ASCII bytes (no blanks) then NULs up to the field's end. */
static bool name_ok(const char *s)
{
	size_t n = 0;
	while (n < LQ_FEED_NAME_MAX && s[n] != '\0') {
		if (s[n] <= ' ' || s[n] > '~')
			return false;
		n++;
	}
	return n > 0 && n < LQ_FEED_NAME_MAX;
}

/* A liquidation order: the kind says how much of it the book simulation filled. */
static bool liq_order_ok(const struct lq_feed_liq_order *o)
{
	if (o->account == 0 || o->qty == 0 || o->qty == INT64_MIN || o->price <= 0 || o->fee < 0)
		return false;
	const int64_t q = o->qty < 0 ? -o->qty : o->qty;
	if (o->filled_qty < 0 || o->filled_qty > q)
		return false;
	if ((o->filled_qty == 0) != (o->avg_price == 0) || o->avg_price < 0)
		return false;
	switch (o->kind) {
	case LQ_FEED_LIQ_FILLED:
		return o->filled_qty == q;
	case LQ_FEED_LIQ_PARTIAL:
		return o->filled_qty > 0 && o->filled_qty < q;
	case LQ_FEED_LIQ_UNFILLED:
		return o->filled_qty == 0;
	}
	return false;
}

static bool body_ok(const struct lq_feed_msg *m)
{
	switch (m->type) {
	case LQ_FEED_INSTRUMENT: {
		const struct lq_feed_instrument_def *d = &m->u.def;
		if (!name_ok(d->name) || !name_ok(d->settle) || d->kind > LQ_FEED_INVERSE)
			return false;
		if (d->settle_decimals > LQ_FEED_DECIMALS_MAX ||
		    d->price_decimals > LQ_FEED_DECIMALS_MAX ||
		    d->qty_decimals > LQ_FEED_DECIMALS_MAX ||
		    d->contract_decimals > LQ_FEED_DECIMALS_MAX)
			return false;
		if (d->tick <= 0 || d->lot <= 0)
			return false;
		if (d->kind == LQ_FEED_INVERSE)
			return d->contract > 0;
		return d->contract == 0 && d->contract_decimals == 0;
	}
	case LQ_FEED_INDEX:
	case LQ_FEED_MARK:
		return m->u.px.price > 0 && m->u.px.decimals <= LQ_FEED_DECIMALS_MAX;
	case LQ_FEED_FUNDING:
		return m->u.funding.rate_e8 >= -RATE_ONE && m->u.funding.rate_e8 <= RATE_ONE &&
		       m->u.funding.next_funding_ns >= 0 &&
		       m->u.funding.kind <= LQ_FEED_FUNDING_SETTLED;
	case LQ_FEED_BOOK_TOP: {
		const struct lq_feed_book_top *t = &m->u.top;
		if (t->bid_price < 0 || t->bid_qty < 0 || t->ask_price < 0 || t->ask_qty < 0)
			return false;
		/* an empty side is price 0 and qty 0, never one of them alone */
		return (t->bid_price == 0) == (t->bid_qty == 0) &&
		       (t->ask_price == 0) == (t->ask_qty == 0);
	}
	case LQ_FEED_BOOK_LEVEL:
		return m->u.level.price > 0 && m->u.level.qty >= 0 &&
		       m->u.level.side <= LQ_FEED_ASK;
	case LQ_FEED_BOOK_CLEAR:
		return true;
	case LQ_FEED_TRADE:
		return m->u.trade.price > 0 && m->u.trade.qty > 0 &&
		       m->u.trade.aggressor <= LQ_FEED_SIDE_UNKNOWN &&
		       m->u.trade.kind <= LQ_FEED_TRADE_ADL;
	case LQ_FEED_DEPOSIT:
	case LQ_FEED_WITHDRAWAL:
		return m->u.transfer.account > 0 && m->u.transfer.amount > 0 &&
		       name_ok(m->u.transfer.asset) &&
		       m->u.transfer.decimals <= LQ_FEED_DECIMALS_MAX;
	case LQ_FEED_FILL:
		return m->u.fill.account > 0 && m->u.fill.qty != 0 && m->u.fill.price > 0;
	case LQ_FEED_MARGIN_TRANSFER:
		return m->u.margin.account > 0 && m->u.margin.amount != 0;
	case LQ_FEED_LIQ_FILL:
		return m->u.liq_fill.qty > 0 && m->u.liq_fill.price > 0 &&
		       m->u.liq_fill.leaves_qty >= 0;
	case LQ_FEED_LIQ_ORDER:
		return liq_order_ok(&m->u.liq_order);
	case LQ_FEED_ADL:
		return m->u.adl.account > 0 && m->u.adl.liquidated > 0 && m->u.adl.qty != 0 &&
		       m->u.adl.price > 0;
	case LQ_FEED_TAKEOVER:
		return m->u.takeover.account > 0 && m->u.takeover.qty != 0 &&
		       m->u.takeover.price > 0;
	case LQ_FEED_SOCIALIZED_LOSS:
		return m->u.loss.account > 0 && m->u.loss.amount > 0;
	case LQ_FEED_BAD_DEBT:
		return m->u.loss.account == 0 && m->u.loss.amount > 0;
	}
	return false;
}

enum lq_feed_err lq_feed_msg_check(const struct lq_feed_msg *m)
{
	if (lq_feed_msg_size(m->type) == 0)
		return LQ_FEED_E_TYPE;
	if (m->flags & ~LQ_FEED_F_MASK)
		return LQ_FEED_E_FLAGS;
	if (m->ts_ns < 0)
		return LQ_FEED_E_FIELD;
	/* only account-level money movements concern no instrument */
	bool no_instrument = m->type == LQ_FEED_DEPOSIT || m->type == LQ_FEED_WITHDRAWAL;
	if (no_instrument != (m->instrument == LQ_FEED_NO_INSTRUMENT))
		return LQ_FEED_E_FIELD;
	return body_ok(m) ? LQ_FEED_OK : LQ_FEED_E_FIELD;
}

/* ---- encoding ---- */

static void put_name(uint8_t *p, const char *s)
{
	size_t n = strnlen(s, LQ_FEED_NAME_MAX);
	memset(p, 0, LQ_FEED_NAME_MAX);
	memcpy(p, s, n);
}

/* Write the body of a checked message; p is the message's first byte (its header). */
static void put_body(uint8_t *p, const struct lq_feed_msg *m)
{
	switch (m->type) {
	case LQ_FEED_INSTRUMENT: {
		const struct lq_feed_instrument_def *d = &m->u.def;
		put_name(p + OFF(instrument, name), d->name);
		put_name(p + OFF(instrument, settle), d->settle);
		st8(p + OFF(instrument, kind), d->kind);
		st8(p + OFF(instrument, settle_decimals), d->settle_decimals);
		st8(p + OFF(instrument, price_decimals), d->price_decimals);
		st8(p + OFF(instrument, qty_decimals), d->qty_decimals);
		st8(p + OFF(instrument, contract_decimals), d->contract_decimals);
		lq_put64(p + OFF(instrument, tick), (uint64_t)d->tick);
		lq_put64(p + OFF(instrument, lot), (uint64_t)d->lot);
		lq_put64(p + OFF(instrument, contract), (uint64_t)d->contract);
		break;
	}
	case LQ_FEED_INDEX:
	case LQ_FEED_MARK:
		lq_put64(p + OFF(price_ext, price), (uint64_t)m->u.px.price);
		st8(p + OFF(price_ext, decimals), m->u.px.decimals);
		break;
	case LQ_FEED_FUNDING:
		lq_put64(p + OFF(funding, rate_e8), (uint64_t)m->u.funding.rate_e8);
		lq_put64(p + OFF(funding, next_funding_ns), (uint64_t)m->u.funding.next_funding_ns);
		st8(p + OFF(funding, kind), m->u.funding.kind);
		break;
	case LQ_FEED_BOOK_TOP:
		lq_put64(p + OFF(book_top, bid_price), (uint64_t)m->u.top.bid_price);
		lq_put64(p + OFF(book_top, bid_qty), (uint64_t)m->u.top.bid_qty);
		lq_put64(p + OFF(book_top, ask_price), (uint64_t)m->u.top.ask_price);
		lq_put64(p + OFF(book_top, ask_qty), (uint64_t)m->u.top.ask_qty);
		break;
	case LQ_FEED_BOOK_LEVEL:
		lq_put64(p + OFF(level, price), (uint64_t)m->u.level.price);
		lq_put64(p + OFF(level, qty), (uint64_t)m->u.level.qty);
		st8(p + OFF(level, side), m->u.level.side);
		break;
	case LQ_FEED_BOOK_CLEAR:
		break;
	case LQ_FEED_TRADE:
		lq_put64(p + OFF(trade, price), (uint64_t)m->u.trade.price);
		lq_put64(p + OFF(trade, qty), (uint64_t)m->u.trade.qty);
		lq_put64(p + OFF(trade, trade_id), m->u.trade.trade_id);
		st8(p + OFF(trade, aggressor), m->u.trade.aggressor);
		st8(p + OFF(trade, kind), m->u.trade.kind);
		break;
	case LQ_FEED_DEPOSIT:
	case LQ_FEED_WITHDRAWAL:
		lq_put64(p + OFF(transfer, account), m->u.transfer.account);
		lq_put64(p + OFF(transfer, amount), (uint64_t)m->u.transfer.amount);
		put_name(p + OFF(transfer, asset), m->u.transfer.asset);
		st8(p + OFF(transfer, decimals), m->u.transfer.decimals);
		break;
	case LQ_FEED_FILL:
		lq_put64(p + OFF(fill, account), m->u.fill.account);
		lq_put64(p + OFF(fill, qty), (uint64_t)m->u.fill.qty);
		lq_put64(p + OFF(fill, price), (uint64_t)m->u.fill.price);
		lq_put64(p + OFF(fill, fee), (uint64_t)m->u.fill.fee);
		break;
	case LQ_FEED_MARGIN_TRANSFER:
		lq_put64(p + OFF(margin, account), m->u.margin.account);
		lq_put64(p + OFF(margin, amount), (uint64_t)m->u.margin.amount);
		break;
	case LQ_FEED_LIQ_FILL:
		lq_put64(p + OFF(liq_fill, order_id), m->u.liq_fill.order_id);
		lq_put64(p + OFF(liq_fill, qty), (uint64_t)m->u.liq_fill.qty);
		lq_put64(p + OFF(liq_fill, price), (uint64_t)m->u.liq_fill.price);
		lq_put64(p + OFF(liq_fill, leaves_qty), (uint64_t)m->u.liq_fill.leaves_qty);
		break;
	case LQ_FEED_LIQ_ORDER: {
		const struct lq_feed_liq_order *o = &m->u.liq_order;
		lq_put64(p + OFF(liq_order, order_id), o->order_id);
		lq_put64(p + OFF(liq_order, account), o->account);
		lq_put64(p + OFF(liq_order, qty), (uint64_t)o->qty);
		lq_put64(p + OFF(liq_order, price), (uint64_t)o->price);
		lq_put64(p + OFF(liq_order, filled_qty), (uint64_t)o->filled_qty);
		lq_put64(p + OFF(liq_order, avg_price), (uint64_t)o->avg_price);
		lq_put64(p + OFF(liq_order, fee), (uint64_t)o->fee);
		st8(p + OFF(liq_order, kind), o->kind);
		break;
	}
	case LQ_FEED_ADL:
		lq_put64(p + OFF(adl, account), m->u.adl.account);
		lq_put64(p + OFF(adl, liquidated), m->u.adl.liquidated);
		lq_put64(p + OFF(adl, qty), (uint64_t)m->u.adl.qty);
		lq_put64(p + OFF(adl, price), (uint64_t)m->u.adl.price);
		break;
	case LQ_FEED_TAKEOVER:
		lq_put64(p + OFF(takeover, account), m->u.takeover.account);
		lq_put64(p + OFF(takeover, qty), (uint64_t)m->u.takeover.qty);
		lq_put64(p + OFF(takeover, price), (uint64_t)m->u.takeover.price);
		lq_put64(p + OFF(takeover, fund_delta), (uint64_t)m->u.takeover.fund_delta);
		lq_put32(p + OFF(takeover, fund), m->u.takeover.fund);
		break;
	case LQ_FEED_SOCIALIZED_LOSS:
	case LQ_FEED_BAD_DEBT:
		lq_put64(p + OFF(loss, account), m->u.loss.account);
		lq_put64(p + OFF(loss, amount), (uint64_t)m->u.loss.amount);
		break;
	}
}

int lq_feed_encode_begin(struct lq_feed_builder *b, void *buf, size_t cap, uint64_t session,
			 uint64_t seq, uint8_t flags)
{
	LQ_ASSERT(b != NULL);
	LQ_ASSERT(buf != NULL);
	if (cap < LQ_FEED_HEADER_SIZE || seq == 0 || (flags & ~LQ_FEED_PF_MASK))
		return -EINVAL;
	b->buf = buf;
	b->cap = cap < LQ_FEED_PACKET_MAX ? cap : LQ_FEED_PACKET_MAX;
	b->len = LQ_FEED_HEADER_SIZE;
	b->count = 0;
	memset(b->buf, 0, LQ_FEED_HEADER_SIZE);
	lq_put32(b->buf + offsetof(struct lq_feed_wire_header, magic), LQ_FEED_MAGIC);
	st8(b->buf + offsetof(struct lq_feed_wire_header, version), LQ_FEED_VERSION);
	st8(b->buf + offsetof(struct lq_feed_wire_header, flags), flags);
	lq_put64(b->buf + offsetof(struct lq_feed_wire_header, session), session);
	lq_put64(b->buf + offsetof(struct lq_feed_wire_header, seq), seq);
	return 0;
}

bool lq_feed_encode_fits(const struct lq_feed_builder *b, unsigned type)
{
	size_t size = lq_feed_msg_size(type);
	return size != 0 && b->count < LQ_FEED_MSGS_MAX && b->len + size <= b->cap;
}

int lq_feed_encode_msg(struct lq_feed_builder *b, const struct lq_feed_msg *m)
{
	LQ_ASSERT(b->len >= LQ_FEED_HEADER_SIZE);
	LQ_ASSERT(b->len <= b->cap);
	if (lq_feed_msg_check(m) != LQ_FEED_OK)
		return -EINVAL;
	uint64_t seq = lq_get64(b->buf + offsetof(struct lq_feed_wire_header, seq));
	if (seq + b->count + 1 < seq) /* the packet's last sequence number would wrap */
		return -EINVAL;
	if (!lq_feed_encode_fits(b, m->type))
		return -ENOSPC;
	size_t size = lq_feed_msg_size(m->type);
	uint8_t *p = b->buf + b->len;
	memset(p, 0, size); /* reserved bytes and name padding are zero */
	lq_put16(p + OFF(msg, length), (uint16_t)size);
	st8(p + OFF(msg, type), m->type);
	st8(p + OFF(msg, flags), m->flags);
	lq_put32(p + OFF(msg, instrument), m->instrument);
	lq_put64(p + OFF(msg, ts_ns), (uint64_t)m->ts_ns);
	put_body(p, m);
	b->len += size;
	b->count++;
	return 0;
}

size_t lq_feed_encode_end(struct lq_feed_builder *b)
{
	LQ_ASSERT(b->count <= LQ_FEED_MSGS_MAX);
	LQ_ASSERT(b->len <= LQ_FEED_PACKET_MAX);
	lq_put16(b->buf + offsetof(struct lq_feed_wire_header, count), b->count);
	return b->len;
}

/* ---- decoding ---- */

static bool zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0)
			return false;
	return true;
}

/* A wire name: the bytes after the first NUL must be NUL too (one encoding per name). */
static bool get_name(char *dst, const uint8_t *p)
{
	size_t n = 0;
	while (n < LQ_FEED_NAME_MAX && p[n] != 0)
		n++;
	if (n == LQ_FEED_NAME_MAX || !zero(p + n, LQ_FEED_NAME_MAX - n))
		return false;
	memcpy(dst, p, LQ_FEED_NAME_MAX);
	return true;
}

#define RESERVED_ZERO(p, type)                                                                     \
	zero((p) + OFF(type, reserved), sizeof(((struct lq_feed_wire_##type *)0)->reserved))

/* Read the body of a message whose length matches its type; false if reserved bytes are set. */
static bool get_body(const uint8_t *p, struct lq_feed_msg *m)
{
	switch (m->type) {
	case LQ_FEED_INSTRUMENT: {
		struct lq_feed_instrument_def *d = &m->u.def;
		if (!get_name(d->name, p + OFF(instrument, name)) ||
		    !get_name(d->settle, p + OFF(instrument, settle)))
			return false;
		d->kind = p[OFF(instrument, kind)];
		d->settle_decimals = p[OFF(instrument, settle_decimals)];
		d->price_decimals = p[OFF(instrument, price_decimals)];
		d->qty_decimals = p[OFF(instrument, qty_decimals)];
		d->contract_decimals = p[OFF(instrument, contract_decimals)];
		d->tick = ldi64(p + OFF(instrument, tick));
		d->lot = ldi64(p + OFF(instrument, lot));
		d->contract = ldi64(p + OFF(instrument, contract));
		return RESERVED_ZERO(p, instrument);
	}
	case LQ_FEED_INDEX:
	case LQ_FEED_MARK:
		m->u.px.price = ldi64(p + OFF(price_ext, price));
		m->u.px.decimals = p[OFF(price_ext, decimals)];
		return RESERVED_ZERO(p, price_ext);
	case LQ_FEED_FUNDING:
		m->u.funding.rate_e8 = ldi64(p + OFF(funding, rate_e8));
		m->u.funding.next_funding_ns = ldi64(p + OFF(funding, next_funding_ns));
		m->u.funding.kind = p[OFF(funding, kind)];
		return RESERVED_ZERO(p, funding);
	case LQ_FEED_BOOK_TOP:
		m->u.top.bid_price = ldi64(p + OFF(book_top, bid_price));
		m->u.top.bid_qty = ldi64(p + OFF(book_top, bid_qty));
		m->u.top.ask_price = ldi64(p + OFF(book_top, ask_price));
		m->u.top.ask_qty = ldi64(p + OFF(book_top, ask_qty));
		return true;
	case LQ_FEED_BOOK_LEVEL:
		m->u.level.price = ldi64(p + OFF(level, price));
		m->u.level.qty = ldi64(p + OFF(level, qty));
		m->u.level.side = p[OFF(level, side)];
		return RESERVED_ZERO(p, level);
	case LQ_FEED_BOOK_CLEAR:
		return true;
	case LQ_FEED_TRADE:
		m->u.trade.price = ldi64(p + OFF(trade, price));
		m->u.trade.qty = ldi64(p + OFF(trade, qty));
		m->u.trade.trade_id = lq_get64(p + OFF(trade, trade_id));
		m->u.trade.aggressor = p[OFF(trade, aggressor)];
		m->u.trade.kind = p[OFF(trade, kind)];
		return RESERVED_ZERO(p, trade);
	case LQ_FEED_DEPOSIT:
	case LQ_FEED_WITHDRAWAL:
		m->u.transfer.account = lq_get64(p + OFF(transfer, account));
		m->u.transfer.amount = ldi64(p + OFF(transfer, amount));
		m->u.transfer.decimals = p[OFF(transfer, decimals)];
		return get_name(m->u.transfer.asset, p + OFF(transfer, asset)) &&
		       RESERVED_ZERO(p, transfer);
	case LQ_FEED_FILL:
		m->u.fill.account = lq_get64(p + OFF(fill, account));
		m->u.fill.qty = ldi64(p + OFF(fill, qty));
		m->u.fill.price = ldi64(p + OFF(fill, price));
		m->u.fill.fee = ldi64(p + OFF(fill, fee));
		return true;
	case LQ_FEED_MARGIN_TRANSFER:
		m->u.margin.account = lq_get64(p + OFF(margin, account));
		m->u.margin.amount = ldi64(p + OFF(margin, amount));
		return true;
	case LQ_FEED_LIQ_FILL:
		m->u.liq_fill.order_id = lq_get64(p + OFF(liq_fill, order_id));
		m->u.liq_fill.qty = ldi64(p + OFF(liq_fill, qty));
		m->u.liq_fill.price = ldi64(p + OFF(liq_fill, price));
		m->u.liq_fill.leaves_qty = ldi64(p + OFF(liq_fill, leaves_qty));
		return true;
	case LQ_FEED_LIQ_ORDER: {
		struct lq_feed_liq_order *o = &m->u.liq_order;
		o->order_id = lq_get64(p + OFF(liq_order, order_id));
		o->account = lq_get64(p + OFF(liq_order, account));
		o->qty = ldi64(p + OFF(liq_order, qty));
		o->price = ldi64(p + OFF(liq_order, price));
		o->filled_qty = ldi64(p + OFF(liq_order, filled_qty));
		o->avg_price = ldi64(p + OFF(liq_order, avg_price));
		o->fee = ldi64(p + OFF(liq_order, fee));
		o->kind = p[OFF(liq_order, kind)];
		return RESERVED_ZERO(p, liq_order);
	}
	case LQ_FEED_ADL:
		m->u.adl.account = lq_get64(p + OFF(adl, account));
		m->u.adl.liquidated = lq_get64(p + OFF(adl, liquidated));
		m->u.adl.qty = ldi64(p + OFF(adl, qty));
		m->u.adl.price = ldi64(p + OFF(adl, price));
		return true;
	case LQ_FEED_TAKEOVER:
		m->u.takeover.account = lq_get64(p + OFF(takeover, account));
		m->u.takeover.qty = ldi64(p + OFF(takeover, qty));
		m->u.takeover.price = ldi64(p + OFF(takeover, price));
		m->u.takeover.fund_delta = ldi64(p + OFF(takeover, fund_delta));
		m->u.takeover.fund = lq_get32(p + OFF(takeover, fund));
		return RESERVED_ZERO(p, takeover);
	case LQ_FEED_SOCIALIZED_LOSS:
	case LQ_FEED_BAD_DEBT:
		m->u.loss.account = lq_get64(p + OFF(loss, account));
		m->u.loss.amount = ldi64(p + OFF(loss, amount));
		return true;
	}
	return false;
}

/* Decode the message at p (avail bytes left in the packet). */
static enum lq_feed_err decode_msg(const uint8_t *p, size_t avail, struct lq_feed_msg *m,
				   size_t *size)
{
	if (avail < LQ_FEED_MSG_HEADER_SIZE)
		return LQ_FEED_E_TRUNCATED;
	size_t length = lq_get16(p + OFF(msg, length));
	if (length < LQ_FEED_MSG_HEADER_SIZE)
		return LQ_FEED_E_LENGTH;
	if (length > avail)
		return LQ_FEED_E_TRUNCATED;
	memset(m, 0, sizeof(*m));
	m->type = p[OFF(msg, type)];
	m->flags = p[OFF(msg, flags)];
	m->instrument = lq_get32(p + OFF(msg, instrument));
	uint64_t ts = lq_get64(p + OFF(msg, ts_ns));
	size_t want = lq_feed_msg_size(m->type);
	if (want == 0)
		return LQ_FEED_E_TYPE;
	if (length != want)
		return LQ_FEED_E_LENGTH;
	if (m->flags & ~LQ_FEED_F_MASK)
		return LQ_FEED_E_FLAGS;
	if (ts > INT64_MAX)
		return LQ_FEED_E_FIELD;
	m->ts_ns = (int64_t)ts;
	if (!get_body(p, m))
		return LQ_FEED_E_FIELD;
	*size = length;
	return lq_feed_msg_check(m);
}

static enum lq_feed_err decode(const uint8_t *p, size_t len, struct lq_feed_packet *out)
{
	if (len > LQ_FEED_PACKET_MAX)
		return LQ_FEED_E_OVERSIZE;
	if (len < LQ_FEED_HEADER_SIZE)
		return LQ_FEED_E_TRUNCATED;
	if (lq_get32(p + offsetof(struct lq_feed_wire_header, magic)) != LQ_FEED_MAGIC)
		return LQ_FEED_E_MAGIC;
	if (p[offsetof(struct lq_feed_wire_header, version)] != LQ_FEED_VERSION)
		return LQ_FEED_E_VERSION;
	out->flags = p[offsetof(struct lq_feed_wire_header, flags)];
	out->count = lq_get16(p + offsetof(struct lq_feed_wire_header, count));
	out->session = lq_get64(p + offsetof(struct lq_feed_wire_header, session));
	out->seq = lq_get64(p + offsetof(struct lq_feed_wire_header, seq));
	if ((out->flags & ~LQ_FEED_PF_MASK) || out->seq == 0 || out->seq + out->count < out->seq)
		return LQ_FEED_E_HEADER;
	if (out->count > LQ_FEED_MSGS_MAX)
		return LQ_FEED_E_COUNT;
	size_t off = LQ_FEED_HEADER_SIZE;
	for (uint32_t i = 0; i < out->count; i++) {
		size_t size = 0;
		enum lq_feed_err err = decode_msg(p + off, len - off, &out->msgs[i], &size);
		if (err != LQ_FEED_OK)
			return err;
		LQ_DASSERT(size >= LQ_FEED_MSG_HEADER_SIZE && size <= len - off);
		off += size;
	}
	return off == len ? LQ_FEED_OK : LQ_FEED_E_COUNT;
}

enum lq_feed_err lq_feed_decode_packet(const void *buf, size_t len, struct lq_feed_packet *out,
				       struct lq_feed_stats *stats)
{
	LQ_ASSERT(out != NULL);
	LQ_ASSERT(buf != NULL || len == 0);
	enum lq_feed_err err = decode(buf, len, out);
	if (err != LQ_FEED_OK) {
		out->count = 0; /* nothing of a refused packet may be used */
		if (stats)
			stats->errors[err]++;
		return err;
	}
	if (stats) {
		stats->packets++;
		stats->heartbeats += out->count == 0;
		stats->messages += out->count;
		for (uint32_t i = 0; i < out->count; i++)
			stats->by_type[out->msgs[i].type]++;
	}
	return LQ_FEED_OK;
}

/* ---- sequence tracking ---- */

const char *lq_feed_seq_status_str(enum lq_feed_seq_status st)
{
	switch (st) {
	case LQ_FEED_SEQ_OK:
		return "ok";
	case LQ_FEED_SEQ_GAP:
		return "gap";
	case LQ_FEED_SEQ_DUPLICATE:
		return "duplicate";
	case LQ_FEED_SEQ_LATE:
		return "late";
	case LQ_FEED_SEQ_OVERLAP:
		return "overlap";
	case LQ_FEED_SEQ_SESSION:
		return "other session";
	}
	return "?";
}

void lq_feed_seq_init(struct lq_feed_seq *s, uint64_t session, uint64_t first_seq)
{
	memset(s, 0, sizeof(*s));
	s->session = session;
	s->next = first_seq;
}

static void hole_push(struct lq_feed_seq *s, uint64_t first, uint64_t end)
{
	LQ_ASSERT(first < end);
	if (s->hole_count == LQ_FEED_SEQ_HOLES_MAX) {
		/* the oldest hole is the least likely to be filled: forget it */
		memmove(&s->holes[0], &s->holes[1], sizeof(s->holes[0]) * (s->hole_count - 1));
		s->hole_count--;
		s->stats.holes_forgotten++;
	}
	s->holes[s->hole_count].first = first;
	s->holes[s->hole_count].end = end;
	s->hole_count++;
}

/* Remove [first, end) from the holes; returns how many lost messages it covers. */
static uint64_t holes_fill(struct lq_feed_seq *s, uint64_t first, uint64_t end)
{
	struct lq_feed_seq_hole kept[2 * LQ_FEED_SEQ_HOLES_MAX];
	uint32_t n = 0;
	uint64_t filled = 0;
	for (uint32_t i = 0; i < s->hole_count; i++) {
		struct lq_feed_seq_hole h = s->holes[i];
		uint64_t lo = h.first > first ? h.first : first;
		uint64_t hi = h.end < end ? h.end : end;
		if (lo >= hi) {
			kept[n++] = h;
			continue;
		}
		filled += hi - lo;
		if (h.first < lo)
			kept[n++] = (struct lq_feed_seq_hole){h.first, lo};
		if (hi < h.end)
			kept[n++] = (struct lq_feed_seq_hole){hi, h.end};
	}
	/* a split can add one hole: keep the newest LQ_FEED_SEQ_HOLES_MAX */
	uint32_t drop = n > LQ_FEED_SEQ_HOLES_MAX ? n - LQ_FEED_SEQ_HOLES_MAX : 0;
	s->stats.holes_forgotten += drop;
	s->hole_count = n - drop;
	memcpy(s->holes, kept + drop, sizeof(kept[0]) * s->hole_count);
	return filled;
}

/* A packet that starts before the next expected number. */
static enum lq_feed_seq_status seq_old(struct lq_feed_seq *s, uint64_t seq, uint64_t end,
				       struct lq_feed_seq_result *r)
{
	uint64_t old_end = end < s->next ? end : s->next;
	uint64_t late = seq < old_end ? holes_fill(s, seq, old_end) : 0;
	r->late = (uint32_t)late;
	r->skip = (uint32_t)(old_end - seq);
	s->stats.late_messages += late;
	if (end > s->next) {
		s->stats.overlaps++;
		s->stats.messages += end - s->next;
		s->next = end;
		return LQ_FEED_SEQ_OVERLAP;
	}
	if (late > 0) {
		s->stats.late++;
		return LQ_FEED_SEQ_LATE;
	}
	s->stats.duplicates++;
	s->stats.duplicate_messages += end - seq;
	return LQ_FEED_SEQ_DUPLICATE;
}

enum lq_feed_seq_status lq_feed_seq_check(struct lq_feed_seq *s, uint64_t session, uint64_t seq,
					  uint16_t count, uint8_t flags,
					  struct lq_feed_seq_result *r)
{
	LQ_ASSERT(r != NULL);
	LQ_ASSERT(seq + count >= seq); /* lq_feed_decode_packet refuses a wrapping packet */
	memset(r, 0, sizeof(*r));
	s->stats.packets++;
	if (session != s->session) {
		s->stats.other_session++;
		r->status = LQ_FEED_SEQ_SESSION;
		return r->status;
	}
	if (s->next == 0)
		s->next = seq;
	uint64_t end = seq + count;
	if (seq < s->next) {
		r->status = seq_old(s, seq, end, r);
	} else if (seq > s->next) {
		r->status = LQ_FEED_SEQ_GAP;
		r->gap_first = s->next;
		r->gap_count = seq - s->next;
		hole_push(s, s->next, seq);
		s->stats.gaps++;
		s->stats.gap_messages += r->gap_count;
		s->stats.messages += count;
		s->next = end;
	} else {
		r->status = LQ_FEED_SEQ_OK;
		s->stats.messages += count;
		s->next = end;
	}
	if ((flags & LQ_FEED_PF_END_OF_SESSION) && r->status != LQ_FEED_SEQ_DUPLICATE)
		s->ended = true;
	LQ_ASSERT(s->hole_count <= LQ_FEED_SEQ_HOLES_MAX);
	return r->status;
}
