/* SPDX-License-Identifier: MIT */
/*
 * The liqd feed: the wire layout byte for byte, a round trip of every message kind, every
 * refusal with its typed error and counter, every truncation and byte flip of a real packet,
 * and sequence tracking (gaps, duplicates, reordering, overlaps, sessions, heartbeats).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "lq/feed.h"

static struct lq_feed_msg msg(uint8_t type, uint32_t inst, int64_t ts)
{
	struct lq_feed_msg m;
	memset(&m, 0, sizeof(m));
	m.type = type;
	m.instrument = inst;
	m.ts_ns = ts;
	return m;
}

/* One message of every kind, with values at the edges of their ranges. */
static uint32_t all_kinds(struct lq_feed_msg *out)
{
	uint32_t n = 0;
	struct lq_feed_msg m = msg(LQ_FEED_INSTRUMENT, 7, 1723161256299000000);
	strcpy(m.u.def.name, "BTCUSD_PERP_123456789AB"); /* 23 bytes: the longest name */
	strcpy(m.u.def.settle, "BTC");
	m.u.def.kind = LQ_FEED_INVERSE;
	m.u.def.settle_decimals = 8;
	m.u.def.price_decimals = 1;
	m.u.def.qty_decimals = 0;
	m.u.def.contract_decimals = 18;
	m.u.def.tick = 1;
	m.u.def.lot = 1;
	m.u.def.contract = INT64_MAX;
	out[n++] = m;
	m = msg(LQ_FEED_INDEX, 7, 1);
	m.u.px.price = 2816504857143;
	m.u.px.decimals = 8;
	out[n++] = m;
	m = msg(LQ_FEED_MARK, 7, INT64_MAX);
	m.u.px.price = INT64_MAX;
	m.u.px.decimals = 18;
	m.flags = LQ_FEED_F_MASK;
	out[n++] = m;
	m = msg(LQ_FEED_FUNDING, 7, 2);
	m.u.funding.rate_e8 = -100000000;
	m.u.funding.next_funding_ns = 1680681600000000000;
	m.u.funding.kind = LQ_FEED_FUNDING_SETTLED;
	out[n++] = m;
	m = msg(LQ_FEED_BOOK_TOP, 0, 3);
	m.u.top = (struct lq_feed_book_top){618002, 2507, 618003, 0x7fffffff00000001};
	out[n++] = m;
	m = msg(LQ_FEED_BOOK_TOP, 0, 3);
	m.u.top = (struct lq_feed_book_top){0, 0, 618003, 1}; /* an empty bid side */
	out[n++] = m;
	m = msg(LQ_FEED_BOOK_LEVEL, UINT32_MAX - 1, 4);
	m.u.level = (struct lq_feed_level){.price = 1, .qty = 0, .side = LQ_FEED_ASK};
	out[n++] = m;
	m = msg(LQ_FEED_BOOK_CLEAR, 3, 5);
	m.flags = LQ_FEED_F_SNAPSHOT | LQ_FEED_F_VENUE_GAP;
	out[n++] = m;
	m = msg(LQ_FEED_TRADE, 3, 6);
	m.u.trade = (struct lq_feed_trade){.price = 321805,
					   .qty = 900,
					   .trade_id = UINT64_MAX,
					   .aggressor = LQ_FEED_SIDE_UNKNOWN,
					   .kind = LQ_FEED_TRADE_ADL};
	out[n++] = m;
	m = msg(LQ_FEED_DEPOSIT, LQ_FEED_NO_INSTRUMENT, 7);
	m.u.transfer = (struct lq_feed_transfer){.account = UINT64_MAX, .amount = 1, .decimals = 6};
	strcpy(m.u.transfer.asset, "USDT");
	out[n++] = m;
	m = msg(LQ_FEED_WITHDRAWAL, LQ_FEED_NO_INSTRUMENT, 8);
	m.u.transfer = (struct lq_feed_transfer){.account = 1, .amount = INT64_MAX, .decimals = 0};
	strcpy(m.u.transfer.asset, "X");
	out[n++] = m;
	m = msg(LQ_FEED_FILL, 1, 9);
	m.u.fill = (struct lq_feed_fill){.account = 42, .qty = INT64_MIN, .price = 1, .fee = -5};
	out[n++] = m;
	m = msg(LQ_FEED_MARGIN_TRANSFER, 1, 10);
	m.u.margin = (struct lq_feed_margin){.account = 42, .amount = -1};
	out[n++] = m;
	m = msg(LQ_FEED_LIQ_FILL, 1, 11);
	m.u.liq_fill =
	    (struct lq_feed_liq_fill){.order_id = 0, .qty = 1, .price = 2, .leaves_qty = 0};
	out[n++] = m;
	/* engine output */
	m = msg(LQ_FEED_LIQ_ORDER, 0, 12);
	m.u.liq_order = (struct lq_feed_liq_order){.order_id = UINT64_MAX,
						   .account = 1,
						   .qty = -INT64_MAX,
						   .price = INT64_MAX,
						   .filled_qty = INT64_MAX,
						   .avg_price = 1,
						   .fee = INT64_MAX,
						   .kind = LQ_FEED_LIQ_FILLED};
	out[n++] = m;
	m = msg(LQ_FEED_LIQ_ORDER, 63, 13);
	m.u.liq_order = (struct lq_feed_liq_order){.order_id = 1,
						   .account = UINT64_MAX,
						   .qty = 5,
						   .price = 618000,
						   .filled_qty = 4,
						   .avg_price = 617990,
						   .fee = 0,
						   .kind = LQ_FEED_LIQ_PARTIAL};
	out[n++] = m;
	m = msg(LQ_FEED_LIQ_ORDER, 2, 14);
	m.u.liq_order = (struct lq_feed_liq_order){
	    .order_id = 7, .account = 3, .qty = 1, .price = 1, .kind = LQ_FEED_LIQ_UNFILLED};
	out[n++] = m;
	m = msg(LQ_FEED_ADL, 1, 15);
	m.u.adl = (struct lq_feed_adl){
	    .account = UINT64_MAX, .liquidated = 1, .qty = INT64_MIN, .price = INT64_MAX};
	out[n++] = m;
	m = msg(LQ_FEED_TAKEOVER, 1, 16);
	m.u.takeover = (struct lq_feed_takeover){
	    .account = 9, .qty = 1, .price = 2, .fund_delta = INT64_MIN, .fund = UINT32_MAX};
	out[n++] = m;
	m = msg(LQ_FEED_SOCIALIZED_LOSS, 1, 17);
	m.u.loss = (struct lq_feed_loss){.account = 9, .amount = INT64_MAX};
	out[n++] = m;
	m = msg(LQ_FEED_BAD_DEBT, 1, 18);
	m.u.loss = (struct lq_feed_loss){.account = 0, .amount = 1};
	out[n++] = m;
	return n;
}

/* Field by field: padding inside the decoded structs carries nothing. */
static void assert_msg_equal(const struct lq_feed_msg *a, const struct lq_feed_msg *b)
{
	assert_int_equal(a->type, b->type);
	assert_int_equal(a->flags, b->flags);
	assert_int_equal(a->instrument, b->instrument);
	assert_true(a->ts_ns == b->ts_ns);
	switch (a->type) {
	case LQ_FEED_INSTRUMENT:
		assert_string_equal(a->u.def.name, b->u.def.name);
		assert_string_equal(a->u.def.settle, b->u.def.settle);
		assert_int_equal(a->u.def.kind, b->u.def.kind);
		assert_int_equal(a->u.def.settle_decimals, b->u.def.settle_decimals);
		assert_int_equal(a->u.def.price_decimals, b->u.def.price_decimals);
		assert_int_equal(a->u.def.qty_decimals, b->u.def.qty_decimals);
		assert_int_equal(a->u.def.contract_decimals, b->u.def.contract_decimals);
		assert_true(a->u.def.tick == b->u.def.tick && a->u.def.lot == b->u.def.lot &&
			    a->u.def.contract == b->u.def.contract);
		break;
	case LQ_FEED_INDEX:
	case LQ_FEED_MARK:
		assert_true(a->u.px.price == b->u.px.price);
		assert_int_equal(a->u.px.decimals, b->u.px.decimals);
		break;
	case LQ_FEED_FUNDING:
		assert_true(a->u.funding.rate_e8 == b->u.funding.rate_e8);
		assert_true(a->u.funding.next_funding_ns == b->u.funding.next_funding_ns);
		assert_int_equal(a->u.funding.kind, b->u.funding.kind);
		break;
	case LQ_FEED_BOOK_TOP:
		assert_memory_equal(&a->u.top, &b->u.top, sizeof(a->u.top)); /* no padding */
		break;
	case LQ_FEED_BOOK_LEVEL:
		assert_true(a->u.level.price == b->u.level.price);
		assert_true(a->u.level.qty == b->u.level.qty);
		assert_int_equal(a->u.level.side, b->u.level.side);
		break;
	case LQ_FEED_BOOK_CLEAR:
		break;
	case LQ_FEED_TRADE:
		assert_true(a->u.trade.price == b->u.trade.price);
		assert_true(a->u.trade.qty == b->u.trade.qty);
		assert_true(a->u.trade.trade_id == b->u.trade.trade_id);
		assert_int_equal(a->u.trade.aggressor, b->u.trade.aggressor);
		assert_int_equal(a->u.trade.kind, b->u.trade.kind);
		break;
	case LQ_FEED_DEPOSIT:
	case LQ_FEED_WITHDRAWAL:
		assert_true(a->u.transfer.account == b->u.transfer.account);
		assert_true(a->u.transfer.amount == b->u.transfer.amount);
		assert_string_equal(a->u.transfer.asset, b->u.transfer.asset);
		assert_int_equal(a->u.transfer.decimals, b->u.transfer.decimals);
		break;
	case LQ_FEED_FILL:
		assert_memory_equal(&a->u.fill, &b->u.fill, sizeof(a->u.fill)); /* no padding */
		break;
	case LQ_FEED_MARGIN_TRANSFER:
		assert_memory_equal(&a->u.margin, &b->u.margin, sizeof(a->u.margin));
		break;
	case LQ_FEED_LIQ_FILL:
		assert_memory_equal(&a->u.liq_fill, &b->u.liq_fill, sizeof(a->u.liq_fill));
		break;
	case LQ_FEED_LIQ_ORDER:
		assert_true(a->u.liq_order.order_id == b->u.liq_order.order_id);
		assert_true(a->u.liq_order.account == b->u.liq_order.account);
		assert_true(a->u.liq_order.qty == b->u.liq_order.qty);
		assert_true(a->u.liq_order.price == b->u.liq_order.price);
		assert_true(a->u.liq_order.filled_qty == b->u.liq_order.filled_qty);
		assert_true(a->u.liq_order.avg_price == b->u.liq_order.avg_price);
		assert_true(a->u.liq_order.fee == b->u.liq_order.fee);
		assert_int_equal(a->u.liq_order.kind, b->u.liq_order.kind);
		break;
	case LQ_FEED_ADL:
		assert_memory_equal(&a->u.adl, &b->u.adl, sizeof(a->u.adl)); /* no padding */
		break;
	case LQ_FEED_TAKEOVER:
		assert_true(a->u.takeover.account == b->u.takeover.account);
		assert_true(a->u.takeover.qty == b->u.takeover.qty);
		assert_true(a->u.takeover.price == b->u.takeover.price);
		assert_true(a->u.takeover.fund_delta == b->u.takeover.fund_delta);
		assert_int_equal(a->u.takeover.fund, b->u.takeover.fund);
		break;
	case LQ_FEED_SOCIALIZED_LOSS:
	case LQ_FEED_BAD_DEBT:
		assert_memory_equal(&a->u.loss, &b->u.loss, sizeof(a->u.loss));
		break;
	default:
		fail_msg("unexpected type %u", a->type);
	}
}

static size_t encode(uint8_t *buf, size_t cap, const struct lq_feed_msg *m, uint32_t n,
		     uint64_t seq)
{
	struct lq_feed_builder b;
	assert_int_equal(lq_feed_encode_begin(&b, buf, cap, 0x1122334455667788ull, seq, 0), 0);
	for (uint32_t i = 0; i < n; i++)
		assert_int_equal(lq_feed_encode_msg(&b, &m[i]), 0);
	return lq_feed_encode_end(&b);
}

static void test_round_trip_every_kind(void **state)
{
	(void)state;
	struct lq_feed_msg in[24];
	uint32_t n = all_kinds(in);
	uint8_t buf[LQ_FEED_PACKET_MAX];
	size_t len = encode(buf, sizeof(buf), in, n, 5);
	static struct lq_feed_packet p;
	struct lq_feed_stats st = {0};
	assert_int_equal(lq_feed_decode_packet(buf, len, &p, &st), LQ_FEED_OK);
	assert_int_equal(p.count, n);
	assert_int_equal(p.seq, 5);
	assert_true(p.session == 0x1122334455667788ull);
	for (uint32_t i = 0; i < n; i++) {
		assert_msg_equal(&p.msgs[i], &in[i]);
	}
	assert_int_equal(st.packets, 1);
	assert_int_equal(st.messages, n);
	assert_int_equal(st.by_type[LQ_FEED_BOOK_TOP], 2);
	assert_int_equal(st.by_type[LQ_FEED_TRADE], 1);
	assert_int_equal(st.by_type[LQ_FEED_LIQ_ORDER], 3);
	assert_int_equal(st.by_type[LQ_FEED_BAD_DEBT], 1);
	/* the sizes FEED.md gives */
	size_t want = LQ_FEED_HEADER_SIZE;
	for (uint32_t i = 0; i < n; i++)
		want += lq_feed_msg_size(in[i].type);
	assert_int_equal(len, want);
}

/* The layout of FEED.md, byte for byte: a packet with one trade. */
static void test_wire_bytes(void **state)
{
	(void)state;
	struct lq_feed_msg m = msg(LQ_FEED_TRADE, 0x01020304, 0x0807060504030201);
	m.flags = LQ_FEED_F_LAST;
	m.u.trade = (struct lq_feed_trade){.price = 0x1112131415161718,
					   .qty = 0x21,
					   .trade_id = 0x31,
					   .aggressor = LQ_FEED_ASK,
					   .kind = LQ_FEED_TRADE_LIQUIDATION};
	uint8_t buf[128];
	size_t len = encode(buf, sizeof(buf), &m, 1, 0x4142434445464748);
	static const uint8_t want[24 + 48] = {
	    'L',
	    'Q',
	    'F',
	    'D',
	    1,
	    0,
	    1,
	    0, /* magic, version, flags, count */
	    0x88,
	    0x77,
	    0x66,
	    0x55,
	    0x44,
	    0x33,
	    0x22,
	    0x11, /* session */
	    0x48,
	    0x47,
	    0x46,
	    0x45,
	    0x44,
	    0x43,
	    0x42,
	    0x41, /* seq */
	    48,
	    0,
	    LQ_FEED_TRADE,
	    LQ_FEED_F_LAST,
	    4,
	    3,
	    2,
	    1, /* length, type, flags, inst */
	    1,
	    2,
	    3,
	    4,
	    5,
	    6,
	    7,
	    8, /* ts */
	    0x18,
	    0x17,
	    0x16,
	    0x15,
	    0x14,
	    0x13,
	    0x12,
	    0x11, /* price */
	    0x21,
	    0,
	    0,
	    0,
	    0,
	    0,
	    0,
	    0, /* qty */
	    0x31,
	    0,
	    0,
	    0,
	    0,
	    0,
	    0,
	    0, /* trade id */
	    LQ_FEED_ASK,
	    LQ_FEED_TRADE_LIQUIDATION,
	    0,
	    0,
	    0,
	    0,
	    0,
	    0, /* side, kind, reserved */
	};
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
}

static void test_fill_packet(void **state)
{
	(void)state;
	uint8_t buf[2048];
	struct lq_feed_builder b;
	struct lq_feed_msg m = msg(LQ_FEED_BOOK_CLEAR, 1, 1);
	assert_int_equal(lq_feed_encode_begin(&b, buf, sizeof(buf), 1, 1, 0), 0);
	uint32_t n = 0;
	while (lq_feed_encode_msg(&b, &m) == 0)
		n++;
	assert_int_equal(n, LQ_FEED_MSGS_MAX);
	assert_false(lq_feed_encode_fits(&b, LQ_FEED_BOOK_CLEAR));
	size_t len = lq_feed_encode_end(&b);
	assert_true(len <= LQ_FEED_PACKET_MAX);
	static struct lq_feed_packet p;
	assert_int_equal(lq_feed_decode_packet(buf, len, &p, NULL), LQ_FEED_OK);
	assert_int_equal(p.count, LQ_FEED_MSGS_MAX);

	/* larger messages stop at 1472 bytes */
	m = msg(LQ_FEED_INSTRUMENT, 1, 1);
	strcpy(m.u.def.name, "A");
	strcpy(m.u.def.settle, "B");
	m.u.def.tick = m.u.def.lot = 1;
	assert_int_equal(lq_feed_encode_begin(&b, buf, sizeof(buf), 1, 1, 0), 0);
	for (n = 0; lq_feed_encode_msg(&b, &m) == 0;)
		n++;
	assert_int_equal(n, (LQ_FEED_PACKET_MAX - LQ_FEED_HEADER_SIZE) / 96);
	assert_int_equal(lq_feed_encode_msg(&b, &m), -ENOSPC);
	assert_int_equal(b.count, n); /* a refused message leaves the packet as it was */
}

static void test_encoder_refuses(void **state)
{
	(void)state;
	uint8_t buf[256];
	struct lq_feed_builder b;
	assert_int_equal(lq_feed_encode_begin(&b, buf, sizeof(buf), 1, 0, 0), -EINVAL);
	assert_int_equal(lq_feed_encode_begin(&b, buf, 23, 1, 1, 0), -EINVAL);
	assert_int_equal(lq_feed_encode_begin(&b, buf, sizeof(buf), 1, 1, 0x80), -EINVAL);
	assert_int_equal(lq_feed_encode_begin(&b, buf, sizeof(buf), 1, UINT64_MAX, 0), 0);
	struct lq_feed_msg m = msg(LQ_FEED_BOOK_CLEAR, 1, 1);
	assert_int_equal(lq_feed_encode_msg(&b, &m), -EINVAL); /* seq would wrap */
	assert_int_equal(lq_feed_encode_begin(&b, buf, sizeof(buf), 1, 1, 0), 0);
	m = msg(LQ_FEED_TRADE, 1, 1); /* price 0 */
	assert_int_equal(lq_feed_encode_msg(&b, &m), -EINVAL);
	m = msg(99, 1, 1);
	assert_int_equal(lq_feed_encode_msg(&b, &m), -EINVAL);
	m = msg(LQ_FEED_BOOK_CLEAR, 1, -1);
	assert_int_equal(lq_feed_encode_msg(&b, &m), -EINVAL);
	assert_int_equal(b.count, 0);
}

/* ---- refusals ---- */

struct pkt {
	uint8_t b[LQ_FEED_PACKET_MAX + 64];
	size_t len;
};

/* A valid packet: a level then a trade. */
static void base(struct pkt *p)
{
	struct lq_feed_msg m[2];
	m[0] = msg(LQ_FEED_BOOK_LEVEL, 1, 1);
	m[0].u.level = (struct lq_feed_level){.price = 10, .qty = 2, .side = LQ_FEED_BID};
	m[1] = msg(LQ_FEED_TRADE, 1, 2);
	m[1].u.trade = (struct lq_feed_trade){.price = 10, .qty = 1};
	memset(p, 0, sizeof(*p));
	p->len = encode(p->b, sizeof(p->b), m, 2, 100);
	assert_int_equal(p->len, 24 + 40 + 48);
}

static void expect(const struct pkt *p, enum lq_feed_err err, struct lq_feed_stats *st)
{
	static struct lq_feed_packet out;
	uint64_t before = st->errors[err];
	assert_int_equal(lq_feed_decode_packet(p->b, p->len, &out, st), err);
	assert_int_equal(out.count, 0);
	assert_int_equal(st->errors[err], before + 1);
}

static void put64(uint8_t *b, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
}

static void test_header_errors(void **state)
{
	(void)state;
	struct lq_feed_stats st = {0};
	struct pkt p;
	base(&p);
	p.len = 23;
	expect(&p, LQ_FEED_E_TRUNCATED, &st);
	p.len = 0;
	expect(&p, LQ_FEED_E_TRUNCATED, &st);
	base(&p);
	p.len = LQ_FEED_PACKET_MAX + 1;
	expect(&p, LQ_FEED_E_OVERSIZE, &st);
	base(&p);
	p.b[3] = 'X';
	expect(&p, LQ_FEED_E_MAGIC, &st);
	base(&p);
	p.b[4] = 2;
	expect(&p, LQ_FEED_E_VERSION, &st);
	base(&p);
	p.b[5] = 0x02; /* unknown packet flag */
	expect(&p, LQ_FEED_E_HEADER, &st);
	base(&p);
	put64(p.b + 16, 0); /* seq 0 */
	expect(&p, LQ_FEED_E_HEADER, &st);
	base(&p);
	put64(p.b + 16, UINT64_MAX); /* seq + 2 wraps */
	expect(&p, LQ_FEED_E_HEADER, &st);
	base(&p);
	p.b[6] = 1; /* count 1, two messages: trailing bytes */
	expect(&p, LQ_FEED_E_COUNT, &st);
	base(&p);
	p.b[6] = 3; /* count 3, two messages: the third header is missing */
	expect(&p, LQ_FEED_E_TRUNCATED, &st);
	base(&p);
	p.b[6] = LQ_FEED_MSGS_MAX + 1;
	expect(&p, LQ_FEED_E_COUNT, &st);
	base(&p);
	p.b[p.len++] = 0; /* one byte too many */
	expect(&p, LQ_FEED_E_COUNT, &st);
	base(&p);
	p.len -= 1; /* the trade is cut */
	expect(&p, LQ_FEED_E_TRUNCATED, &st);
	base(&p);
	p.b[6] = 0; /* a heartbeat with bytes after it */
	expect(&p, LQ_FEED_E_COUNT, &st);
	base(&p);
	p.b[6] = 0;
	p.len = 24; /* a real heartbeat */
	static struct lq_feed_packet out;
	assert_int_equal(lq_feed_decode_packet(p.b, p.len, &out, &st), LQ_FEED_OK);
	assert_int_equal(st.heartbeats, 1);
	assert_int_equal(st.errors[LQ_FEED_OK], 0);
}

static void test_message_errors(void **state)
{
	(void)state;
	struct lq_feed_stats st = {0};
	struct pkt p;
	const size_t m0 = 24, m1 = 24 + 40; /* offsets of the level and the trade */
	base(&p);
	p.b[m0] = 15; /* shorter than a message header */
	expect(&p, LQ_FEED_E_LENGTH, &st);
	base(&p);
	p.b[m0] = 48; /* a level is 40 bytes */
	expect(&p, LQ_FEED_E_LENGTH, &st);
	base(&p);
	p.b[m1] = 200; /* past the packet's end */
	expect(&p, LQ_FEED_E_TRUNCATED, &st);
	uint8_t bad_types[] = {0, 9, 15, 21, 31, 37, 47, 255};
	for (size_t i = 0; i < sizeof(bad_types); i++) {
		base(&p);
		p.b[m0 + 2] = bad_types[i];
		expect(&p, LQ_FEED_E_TYPE, &st);
	}
	base(&p);
	p.b[m1 + 3] = 0x10; /* an unknown message flag */
	expect(&p, LQ_FEED_E_FLAGS, &st);
	base(&p);
	p.b[m1 + 15] = 0x80; /* ts > INT64_MAX */
	expect(&p, LQ_FEED_E_FIELD, &st);
	base(&p);
	memset(p.b + m0 + 4, 0xff, 4); /* a level of no instrument */
	expect(&p, LQ_FEED_E_FIELD, &st);
	base(&p);
	p.b[m0 + 32] = 2; /* side */
	expect(&p, LQ_FEED_E_FIELD, &st);
	base(&p);
	p.b[m0 + 33] = 1; /* a reserved byte */
	expect(&p, LQ_FEED_E_FIELD, &st);
	base(&p);
	p.b[m0 + 23] = 0x80; /* negative price */
	expect(&p, LQ_FEED_E_FIELD, &st);
	base(&p);
	memset(p.b + m1 + 24, 0, 8); /* trade qty 0 */
	expect(&p, LQ_FEED_E_FIELD, &st);
	base(&p);
	p.b[m1 + 41] = 3; /* trade kind */
	expect(&p, LQ_FEED_E_FIELD, &st);
	base(&p);
	p.b[m1 + 47] = 1; /* the trade's last reserved byte */
	expect(&p, LQ_FEED_E_FIELD, &st);
}

/* A packet with one message m, then check that the decoder refuses it as a field error. */
static void expect_field(const struct lq_feed_msg *m, void (*corrupt)(uint8_t *))
{
	struct lq_feed_msg ok = *m;
	struct pkt p;
	struct lq_feed_stats st = {0};
	memset(&p, 0, sizeof(p));
	p.len = encode(p.b, sizeof(p.b), &ok, 1, 1);
	corrupt(p.b + 24);
	expect(&p, LQ_FEED_E_FIELD, &st);
}

static void name_no_nul(uint8_t *m)
{
	memset(m + 16, 'A', 24);
}
static void name_garbage(uint8_t *m)
{
	m[16 + 20] = 'Z'; /* after the NUL of "BTCUSDT" */
}
static void name_empty(uint8_t *m)
{
	memset(m + 40, 0, 24); /* settle asset */
}
static void name_blank(uint8_t *m)
{
	m[16] = ' ';
}
static void kind_2(uint8_t *m)
{
	m[64] = 2;
}
static void decimals_19(uint8_t *m)
{
	m[66] = 19;
}
static void linear_contract(uint8_t *m)
{
	m[88] = 1;
}
static void tick_0(uint8_t *m)
{
	memset(m + 72, 0, 8);
}
static void instrument_none(uint8_t *m)
{
	memset(m + 4, 0xff, 4);
}
static void rate_big(uint8_t *m)
{
	put64(m + 16, 100000001);
}
static void deposit_inst(uint8_t *m)
{
	memset(m + 4, 0, 4);
}
static void top_qty_no_price(uint8_t *m)
{
	memset(m + 16, 0, 8); /* bid price 0, bid qty 2 */
}

static void test_field_ranges(void **state)
{
	(void)state;
	struct lq_feed_msg m = msg(LQ_FEED_INSTRUMENT, 1, 1);
	strcpy(m.u.def.name, "BTCUSDT");
	strcpy(m.u.def.settle, "USDT");
	m.u.def.tick = 1;
	m.u.def.lot = 1;
	m.u.def.price_decimals = 1;
	m.u.def.qty_decimals = 3;
	expect_field(&m, name_no_nul);
	expect_field(&m, name_garbage);
	expect_field(&m, name_empty);
	expect_field(&m, name_blank);
	expect_field(&m, kind_2);
	expect_field(&m, decimals_19);
	expect_field(&m, linear_contract);
	expect_field(&m, tick_0);
	expect_field(&m, instrument_none);
	m = msg(LQ_FEED_FUNDING, 1, 1);
	expect_field(&m, rate_big);
	m = msg(LQ_FEED_DEPOSIT, LQ_FEED_NO_INSTRUMENT, 1);
	m.u.transfer = (struct lq_feed_transfer){.account = 1, .amount = 1};
	strcpy(m.u.transfer.asset, "USDT");
	expect_field(&m, deposit_inst);
	m = msg(LQ_FEED_BOOK_TOP, 1, 1);
	m.u.top = (struct lq_feed_book_top){1, 2, 3, 4};
	expect_field(&m, top_qty_no_price);

	/* and lq_feed_msg_check directly, for what a corrupt byte cannot express */
	m = msg(LQ_FEED_FILL, 1, 1);
	m.u.fill = (struct lq_feed_fill){.account = 0, .qty = 1, .price = 1};
	assert_int_equal(lq_feed_msg_check(&m), LQ_FEED_E_FIELD);
	m.u.fill.account = 1;
	assert_int_equal(lq_feed_msg_check(&m), LQ_FEED_OK);
	m.u.fill.qty = 0;
	assert_int_equal(lq_feed_msg_check(&m), LQ_FEED_E_FIELD);
	m = msg(LQ_FEED_MARGIN_TRANSFER, 1, 1);
	m.u.margin.account = 1;
	assert_int_equal(lq_feed_msg_check(&m), LQ_FEED_E_FIELD); /* amount 0 */
	m = msg(LQ_FEED_LIQ_FILL, 1, 1);
	m.u.liq_fill = (struct lq_feed_liq_fill){.qty = 1, .price = 1, .leaves_qty = -1};
	assert_int_equal(lq_feed_msg_check(&m), LQ_FEED_E_FIELD);
	m = msg(LQ_FEED_INSTRUMENT, 1, 1);
	strcpy(m.u.def.name, "X");
	strcpy(m.u.def.settle, "Y");
	m.u.def.kind = LQ_FEED_INVERSE;
	m.u.def.tick = m.u.def.lot = 1;
	assert_int_equal(lq_feed_msg_check(&m), LQ_FEED_E_FIELD); /* inverse without contract */
	m.u.def.contract = 100;
	assert_int_equal(lq_feed_msg_check(&m), LQ_FEED_OK);
	m.flags = 0x10;
	assert_int_equal(lq_feed_msg_check(&m), LQ_FEED_E_FLAGS);
}

/* Every prefix and every byte flip of a packet of all kinds: refused or decoded, never read
 * out of bounds (ASan), and a packet that still decodes re-encodes to the same bytes. */
static void test_every_cut_and_flip(void **state)
{
	(void)state;
	struct lq_feed_msg in[24];
	uint32_t n = all_kinds(in);
	uint8_t buf[LQ_FEED_PACKET_MAX], copy[LQ_FEED_PACKET_MAX], again[LQ_FEED_PACKET_MAX];
	size_t len = encode(buf, sizeof(buf), in, n, 9);
	static struct lq_feed_packet p;
	uint64_t ok = 0;
	for (size_t cut = 0; cut < len; cut++) {
		/* a copy of exactly `cut` bytes in its own allocation: ASan sees any overread */
		uint8_t *h = test_malloc(cut ? cut : 1);
		memcpy(h, buf, cut);
		assert_int_not_equal(lq_feed_decode_packet(h, cut, &p, NULL), LQ_FEED_OK);
		test_free(h);
	}
	static const uint8_t xors[] = {0x01, 0x80, 0xff, 0x10};
	for (size_t i = 0; i < len; i++) {
		for (size_t k = 0; k < sizeof(xors); k++) {
			memcpy(copy, buf, len);
			copy[i] ^= xors[k];
			if (lq_feed_decode_packet(copy, len, &p, NULL) != LQ_FEED_OK)
				continue;
			ok++;
			struct lq_feed_builder b;
			assert_int_equal(lq_feed_encode_begin(&b, again, sizeof(again), p.session,
							      p.seq, p.flags),
					 0);
			for (uint32_t j = 0; j < p.count; j++)
				assert_int_equal(lq_feed_encode_msg(&b, &p.msgs[j]), 0);
			assert_int_equal(lq_feed_encode_end(&b), len);
			assert_memory_equal(again, copy, len);
		}
	}
	assert_true(ok > 0); /* flips of values inside their ranges still decode */
}

/* ---- engine output (egress) ---- */

static uint64_t get64(const uint8_t *b)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | b[i];
	return v;
}

/* Encode m (then a bad debt after it), overwrite n bytes at off of m, expect err. */
static void expect_patch(const struct lq_feed_msg *m, size_t off, const void *bytes, size_t n,
			 enum lq_feed_err err)
{
	struct lq_feed_msg two[2] = {*m, msg(LQ_FEED_BAD_DEBT, 1, 1)};
	two[1].u.loss.amount = 1;
	struct pkt p;
	struct lq_feed_stats st = {0};
	memset(&p, 0, sizeof(p));
	p.len = encode(p.b, sizeof(p.b), two, 2, 1);
	static struct lq_feed_packet out;
	assert_int_equal(lq_feed_decode_packet(p.b, p.len, &out, NULL), LQ_FEED_OK);
	memcpy(p.b + 24 + off, bytes, n);
	expect(&p, err, &st);
}

static void expect_patch64(const struct lq_feed_msg *m, size_t off, int64_t v)
{
	uint8_t b[8];
	put64(b, (uint64_t)v);
	expect_patch(m, off, b, 8, LQ_FEED_E_FIELD);
}

static void expect_patch8(const struct lq_feed_msg *m, size_t off, uint8_t v)
{
	expect_patch(m, off, &v, 1, LQ_FEED_E_FIELD);
}

static void expect_length(const struct lq_feed_msg *m, uint16_t length)
{
	uint8_t b[2] = {(uint8_t)length, (uint8_t)(length >> 8)};
	expect_patch(m, 0, b, 2, LQ_FEED_E_LENGTH);
}

/* The offsets of FEED.md's egress tables, read back from encoded messages. */
static void test_egress_wire(void **state)
{
	(void)state;
	struct lq_feed_msg m[4];
	m[0] = msg(LQ_FEED_LIQ_ORDER, 5, 6);
	m[0].u.liq_order = (struct lq_feed_liq_order){.order_id = 0x11,
						      .account = 0x12,
						      .qty = -3,
						      .price = 0x14,
						      .filled_qty = 2,
						      .avg_price = 0x16,
						      .fee = 0x17,
						      .kind = LQ_FEED_LIQ_PARTIAL};
	m[1] = msg(LQ_FEED_ADL, 5, 6);
	m[1].u.adl =
	    (struct lq_feed_adl){.account = 0x21, .liquidated = 0x22, .qty = -0x23, .price = 0x24};
	m[2] = msg(LQ_FEED_TAKEOVER, 5, 6);
	m[2].u.takeover = (struct lq_feed_takeover){
	    .account = 0x31, .qty = 0x32, .price = 0x33, .fund_delta = -0x34, .fund = 0x35};
	m[3] = msg(LQ_FEED_SOCIALIZED_LOSS, 5, 6);
	m[3].u.loss = (struct lq_feed_loss){.account = 0x41, .amount = 0x42};
	uint8_t buf[LQ_FEED_PACKET_MAX];
	size_t len = encode(buf, sizeof(buf), m, 4, 1);
	assert_int_equal(len, 24 + 80 + 48 + 56 + 32);
	const uint8_t *o = buf + 24;
	assert_int_equal(o[0], 80);
	assert_int_equal(o[2], 32);
	assert_true(get64(o + 16) == 0x11 && get64(o + 24) == 0x12);
	assert_true((int64_t)get64(o + 32) == -3 && get64(o + 40) == 0x14);
	assert_true(get64(o + 48) == 2 && get64(o + 56) == 0x16 && get64(o + 64) == 0x17);
	assert_int_equal(o[72], LQ_FEED_LIQ_PARTIAL);
	for (int i = 73; i < 80; i++)
		assert_int_equal(o[i], 0);
	o += 80;
	assert_int_equal(o[0], 48);
	assert_int_equal(o[2], 33);
	assert_true(get64(o + 16) == 0x21 && get64(o + 24) == 0x22);
	assert_true((int64_t)get64(o + 32) == -0x23 && get64(o + 40) == 0x24);
	o += 48;
	assert_int_equal(o[0], 56);
	assert_int_equal(o[2], 34);
	assert_true(get64(o + 16) == 0x31 && get64(o + 24) == 0x32 && get64(o + 32) == 0x33);
	assert_true((int64_t)get64(o + 40) == -0x34);
	assert_int_equal(o[48], 0x35);
	for (int i = 49; i < 56; i++)
		assert_int_equal(o[i], 0);
	o += 56;
	assert_int_equal(o[0], 32);
	assert_int_equal(o[2], 35);
	assert_true(get64(o + 16) == 0x41 && get64(o + 24) == 0x42);
	assert_string_equal(lq_feed_type_str(LQ_FEED_LIQ_ORDER), "liq_order");
	assert_string_equal(lq_feed_type_str(LQ_FEED_BAD_DEBT), "bad_debt");
	assert_string_equal(lq_feed_type_str(LQ_FEED_TYPE_MAX + 1), "?");
	assert_int_equal(lq_feed_msg_size(LQ_FEED_EGRESS_LAST), 0);
	for (unsigned t = LQ_FEED_EGRESS_FIRST; t <= LQ_FEED_TYPE_MAX; t++)
		assert_int_equal(lq_feed_msg_size(t) % 8, 0);
}

static void test_egress_ranges(void **state)
{
	(void)state;
	struct lq_feed_msg m = msg(LQ_FEED_LIQ_ORDER, 1, 1);
	m.u.liq_order = (struct lq_feed_liq_order){.order_id = 1,
						   .account = 7,
						   .qty = -5,
						   .price = 618000,
						   .filled_qty = 4,
						   .avg_price = 617990,
						   .fee = 12,
						   .kind = LQ_FEED_LIQ_PARTIAL};
	assert_int_equal(lq_feed_msg_check(&m), LQ_FEED_OK);
	expect_patch64(&m, 24, 0);	   /* account 0 */
	expect_patch64(&m, 32, 0);	   /* qty 0 */
	expect_patch64(&m, 32, INT64_MIN); /* |qty| does not exist */
	expect_patch64(&m, 40, 0);	   /* price 0 */
	expect_patch64(&m, 40, -1);
	expect_patch64(&m, 48, 6);  /* filled more than the order */
	expect_patch64(&m, 48, -1); /* filled negative */
	expect_patch64(&m, 56, 0);  /* filled without an average price */
	expect_patch64(&m, 56, -1);
	expect_patch64(&m, 64, -1);		     /* fee < 0 */
	expect_patch8(&m, 72, 3);		     /* unknown kind */
	expect_patch8(&m, 72, LQ_FEED_LIQ_FILLED);   /* 4 of 5 is not all of it */
	expect_patch8(&m, 72, LQ_FEED_LIQ_UNFILLED); /* nor nothing */
	for (size_t off = 73; off < 80; off++)
		expect_patch8(&m, off, 1);			     /* reserved */
	expect_patch(&m, 4, "\xff\xff\xff\xff", 4, LQ_FEED_E_FIELD); /* no instrument */
	expect_length(&m, 72);
	expect_length(&m, 88);
	/* the kinds at their edges, through the checker */
	m.u.liq_order.filled_qty = 5;
	assert_int_equal(lq_feed_msg_check(&m), LQ_FEED_E_FIELD);
	m.u.liq_order.kind = LQ_FEED_LIQ_FILLED;
	assert_int_equal(lq_feed_msg_check(&m), LQ_FEED_OK);
	m.u.liq_order.filled_qty = 0;
	m.u.liq_order.avg_price = 0;
	assert_int_equal(lq_feed_msg_check(&m), LQ_FEED_E_FIELD);
	m.u.liq_order.kind = LQ_FEED_LIQ_UNFILLED;
	assert_int_equal(lq_feed_msg_check(&m), LQ_FEED_OK);
	m.u.liq_order.avg_price = 617990; /* a price for nothing filled */
	assert_int_equal(lq_feed_msg_check(&m), LQ_FEED_E_FIELD);

	m = msg(LQ_FEED_ADL, 1, 1);
	m.u.adl = (struct lq_feed_adl){.account = 3, .liquidated = 4, .qty = 2, .price = 10};
	assert_int_equal(lq_feed_msg_check(&m), LQ_FEED_OK);
	expect_patch64(&m, 16, 0);
	expect_patch64(&m, 24, 0);
	expect_patch64(&m, 32, 0);
	expect_patch64(&m, 40, 0);
	expect_length(&m, 40);
	expect_length(&m, 56);

	m = msg(LQ_FEED_TAKEOVER, 1, 1);
	m.u.takeover = (struct lq_feed_takeover){
	    .account = 3, .qty = -2, .price = 10, .fund_delta = -7, .fund = 1};
	assert_int_equal(lq_feed_msg_check(&m), LQ_FEED_OK);
	expect_patch64(&m, 16, 0);
	expect_patch64(&m, 24, 0);
	expect_patch64(&m, 32, -10);
	for (size_t off = 52; off < 56; off++)
		expect_patch8(&m, off, 0x80); /* reserved */
	expect_length(&m, 48);

	m = msg(LQ_FEED_SOCIALIZED_LOSS, 1, 1);
	m.u.loss = (struct lq_feed_loss){.account = 3, .amount = 10};
	assert_int_equal(lq_feed_msg_check(&m), LQ_FEED_OK);
	expect_patch64(&m, 16, 0);
	expect_patch64(&m, 24, 0);
	expect_patch64(&m, 24, -10);
	expect_length(&m, 40);
	m.type = LQ_FEED_BAD_DEBT; /* a bad debt names no account */
	assert_int_equal(lq_feed_msg_check(&m), LQ_FEED_E_FIELD);
	m.u.loss.account = 0;
	assert_int_equal(lq_feed_msg_check(&m), LQ_FEED_OK);
	expect_patch64(&m, 16, 1);
	expect_patch64(&m, 24, 0);
	m.instrument = LQ_FEED_NO_INSTRUMENT;
	assert_int_equal(lq_feed_msg_check(&m), LQ_FEED_E_FIELD);
}

/* ---- sequence tracking ---- */

static enum lq_feed_seq_status seq(struct lq_feed_seq *s, uint64_t first, uint16_t count,
				   struct lq_feed_seq_result *r)
{
	return lq_feed_seq_check(s, 77, first, count, 0, r);
}

static void test_seq_gap_duplicate_reorder(void **state)
{
	(void)state;
	struct lq_feed_seq s;
	struct lq_feed_seq_result r;
	lq_feed_seq_init(&s, 77, 1);
	assert_int_equal(seq(&s, 1, 3, &r), LQ_FEED_SEQ_OK); /* 1..3 */
	assert_int_equal(seq(&s, 4, 2, &r), LQ_FEED_SEQ_OK); /* 4..5 */
	/* 6..9 lost: 10..11 arrives */
	assert_int_equal(seq(&s, 10, 2, &r), LQ_FEED_SEQ_GAP);
	assert_int_equal(r.gap_first, 6);
	assert_int_equal(r.gap_count, 4);
	assert_int_equal(s.hole_count, 1);
	/* the same packet again */
	assert_int_equal(seq(&s, 10, 2, &r), LQ_FEED_SEQ_DUPLICATE);
	assert_int_equal(r.skip, 2);
	/* 6..7 arrives late (reordered) */
	assert_int_equal(seq(&s, 6, 2, &r), LQ_FEED_SEQ_LATE);
	assert_int_equal(r.late, 2);
	assert_int_equal(s.hole_count, 1); /* 8..9 still missing */
	assert_int_equal(s.holes[0].first, 8);
	assert_int_equal(s.holes[0].end, 10);
	/* 6..7 again: now a duplicate */
	assert_int_equal(seq(&s, 6, 2, &r), LQ_FEED_SEQ_DUPLICATE);
	/* 9..13: 9 is late, 10..11 duplicates, 12..13 new */
	assert_int_equal(seq(&s, 9, 5, &r), LQ_FEED_SEQ_OVERLAP);
	assert_int_equal(r.skip, 3);
	assert_int_equal(r.late, 1);
	assert_int_equal(s.next, 14);
	assert_int_equal(s.hole_count, 1); /* 8 */
	/* a heartbeat announcing 16: 14..15 lost */
	assert_int_equal(seq(&s, 16, 0, &r), LQ_FEED_SEQ_GAP);
	assert_int_equal(r.gap_first, 14);
	assert_int_equal(r.gap_count, 2);
	assert_int_equal(seq(&s, 16, 0, &r), LQ_FEED_SEQ_OK); /* heartbeat in order */
	assert_int_equal(seq(&s, 3, 0, &r), LQ_FEED_SEQ_DUPLICATE);
	/* another session */
	assert_int_equal(lq_feed_seq_check(&s, 78, 16, 1, 0, &r), LQ_FEED_SEQ_SESSION);
	assert_int_equal(s.next, 16);
	/* end of session */
	assert_false(s.ended);
	assert_int_equal(lq_feed_seq_check(&s, 77, 16, 1, LQ_FEED_PF_END_OF_SESSION, &r),
			 LQ_FEED_SEQ_OK);
	assert_true(s.ended);

	const struct lq_feed_seq_stats *t = &s.stats;
	assert_int_equal(t->gaps, 2);
	assert_int_equal(t->gap_messages, 6);
	assert_int_equal(t->duplicates, 3);
	assert_int_equal(t->late, 1);
	assert_int_equal(t->late_messages, 3);
	assert_int_equal(t->overlaps, 1);
	assert_int_equal(t->other_session, 1);
	assert_int_equal(t->messages, 3 + 2 + 2 + 2 + 1);
}

static void test_seq_adopt_and_holes_bound(void **state)
{
	(void)state;
	struct lq_feed_seq s;
	struct lq_feed_seq_result r;
	lq_feed_seq_init(&s, 77, 0); /* join late: adopt the first packet's number */
	assert_int_equal(seq(&s, 1000, 1, &r), LQ_FEED_SEQ_OK);
	lq_feed_seq_init(&s, 77, 1); /* whole session: the same packet is a gap */
	assert_int_equal(seq(&s, 1000, 1, &r), LQ_FEED_SEQ_GAP);
	assert_int_equal(r.gap_first, 1);
	assert_int_equal(r.gap_count, 999);
	/* more holes than can be remembered: the oldest are forgotten, counted */
	uint64_t next = 1001;
	for (int i = 0; i < LQ_FEED_SEQ_HOLES_MAX + 5; i++) {
		assert_int_equal(seq(&s, next + 1, 1, &r), LQ_FEED_SEQ_GAP);
		next += 2;
	}
	assert_int_equal(s.hole_count, LQ_FEED_SEQ_HOLES_MAX);
	assert_int_equal(s.stats.holes_forgotten, 6);
	/* a packet in a forgotten hole is only a duplicate; one in a kept hole is late */
	assert_int_equal(seq(&s, 1, 1, &r), LQ_FEED_SEQ_DUPLICATE);
	assert_int_equal(seq(&s, next - 2, 1, &r), LQ_FEED_SEQ_LATE);
	/* splitting a hole in the middle when the list is full forgets one more */
	lq_feed_seq_init(&s, 77, 1);
	next = 1;
	for (int i = 0; i < LQ_FEED_SEQ_HOLES_MAX; i++) {
		assert_int_equal(seq(&s, next + 3, 1, &r), LQ_FEED_SEQ_GAP); /* hole of 3 */
		next += 4;
	}
	assert_int_equal(seq(&s, 2, 1, &r), LQ_FEED_SEQ_LATE); /* 1 and 3 stay missing */
	assert_int_equal(s.hole_count, LQ_FEED_SEQ_HOLES_MAX);
	assert_int_equal(s.stats.holes_forgotten, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip_every_kind),
	    cmocka_unit_test(test_wire_bytes),
	    cmocka_unit_test(test_fill_packet),
	    cmocka_unit_test(test_encoder_refuses),
	    cmocka_unit_test(test_header_errors),
	    cmocka_unit_test(test_message_errors),
	    cmocka_unit_test(test_field_ranges),
	    cmocka_unit_test(test_egress_wire),
	    cmocka_unit_test(test_egress_ranges),
	    cmocka_unit_test(test_every_cut_and_flip),
	    cmocka_unit_test(test_seq_gap_duplicate_reorder),
	    cmocka_unit_test(test_seq_adopt_and_holes_bound),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
