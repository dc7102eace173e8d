/* SPDX-License-Identifier: MIT */
/*
 * The two vocabularies of docs/schema.md, walked row by row: every engine event type
 * (lq/event_schema.h) and every feed message type (lq/feed_schema.h) has a unique id and a
 * unique name, and everything generated from its row works for it. Nothing here lists the
 * types by hand: a new row is tested as soon as it is added.
 *
 * Events: the name (JSON "type", journal dump), a JSON line that is valid JSON beginning
 * with {"type":"<name>", the egress mapping (a message that passes the feed's checks, or
 * none).
 * Feed messages: the name and wire size, a sample of each type (the table's sample column)
 * that passes the checks and is the identity through encode and decode, a packet cut
 * anywhere short that is refused, and every field rule refusing a value outside it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "lq/egress.h"
#include "lq/feed.h"
#include "lq/json.h"

/* ---- a small strict JSON checker (RFC 8259 grammar; strings as test_json checks them) ---- */

static const char *ws(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	return s;
}

static const char *value(const char *s, int depth);

static const char *string(const char *s)
{
	if (*s++ != '"')
		return NULL;
	while (*s != '"') {
		if ((unsigned char)*s < 0x20)
			return NULL;
		if (*s == '\\') {
			s++;
			if (*s == 'u') {
				for (int i = 1; i <= 4; i++)
					if (!strchr("0123456789abcdefABCDEF", s[i]) || !s[i])
						return NULL;
				s += 4;
			} else if (!*s || !strchr("\"\\/bfnrt", *s)) {
				return NULL;
			}
		}
		s++;
	}
	return s + 1;
}

static const char *number(const char *s)
{
	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (*s >= '1' && *s <= '9')
		while (*s >= '0' && *s <= '9')
			s++;
	else
		return NULL;
	if (*s == '.') {
		if (!(*++s >= '0' && *s <= '9'))
			return NULL;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return s;
}

static const char *members(const char *s, int depth, char close, bool keyed)
{
	s = ws(s + 1);
	if (*s == close)
		return s + 1;
	for (;;) {
		if (keyed) {
			if (!(s = string(ws(s))))
				return NULL;
			if (*(s = ws(s)) != ':')
				return NULL;
			s++;
		}
		if (!(s = value(s, depth + 1)))
			return NULL;
		s = ws(s);
		if (*s == close)
			return s + 1;
		if (*s != ',')
			return NULL;
		s++;
	}
}

static const char *value(const char *s, int depth)
{
	if (depth > 16)
		return NULL;
	s = ws(s);
	switch (*s) {
	case '{':
		return members(s, depth, '}', true);
	case '[':
		return members(s, depth, ']', false);
	case '"':
		return string(s);
	case 't':
		return strncmp(s, "true", 4) == 0 ? s + 4 : NULL;
	case 'f':
		return strncmp(s, "false", 5) == 0 ? s + 5 : NULL;
	case 'n':
		return strncmp(s, "null", 4) == 0 ? s + 4 : NULL;
	default:
		return number(s);
	}
}

/* One JSON object on one line, ending in a newline. */
static bool json_line_ok(const char *s)
{
	const char *end = value(s, 0);
	return end != NULL && *s == '{' && strcmp(end, "\n") == 0;
}

/* ---- output capture ---- */

static char got[4096];
static size_t got_len;

static void capture(void *ctx, const char *data, size_t len)
{
	(void)ctx;
	assert_true(got_len + len < sizeof(got));
	memcpy(got + got_len, data, len);
	got_len += len;
	got[got_len] = '\0';
}

/* ---- events ---- */

struct event_row {
	unsigned id;
	const char *name;
	bool instrument;
	const char *stat;
	bool fund;
	unsigned egress; /* feed type, 0: none */
};

enum { EGRESS_NONE = 0 };
#define FEED_TYPE_ID(NAME, id, ...) EGRESS_##NAME = id,
enum { LQ_FEED_TYPES(FEED_TYPE_ID) };
#undef FEED_TYPE_ID

static const struct event_row events[] = {
#define EVENT_ROW(NAME, id, name, ins, stat, fund, egress)                                         \
	{id, name, ins, stat, fund, EGRESS_##egress},
    LQ_EVENT_TYPES(EVENT_ROW)
#undef EVENT_ROW
};
#define EVENTS (sizeof(events) / sizeof(events[0]))

static struct lq_engine eng;
static struct lq_instrument eng_ins[1];

static void engine_stub(void)
{
	memset(&eng, 0, sizeof(eng));
	memset(eng_ins, 0, sizeof(eng_ins));
	strcpy(eng_ins[0].name, "BTC\"USDT"); /* a quote: names are escaped */
	eng_ins[0].asset_decimals = 6;
	eng_ins[0].price_decimals = 2;
	eng_ins[0].qty_decimals = 3;
	eng.instruments = eng_ins;
	eng.instrument_count = 1;
	strcpy(eng.assets[0].name, "USDT");
	eng.assets[0].decimals = 6;
	eng.asset_count = 1;
	strcpy(eng.funds[0].name, "main");
	eng.funds[0].defined = true;
	eng.fund_count = 1;
}

/* An event of every field filled with a value in range for any type. */
static struct lq_event sample_event(unsigned type)
{
	struct lq_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.type = (enum lq_event_type)type;
	ev.instrument = 0;
	ev.fund = 0;
	ev.asset = 0;
	ev.status = LQ_E_UNKNOWN_ACCOUNT;
	ev.cmd_type = 0;
	ev.flag = true;
	ev.other_account = 41; /* also `line` */
	ev.account = 42;
	ev.amount_units = 2250;
	ev.fund_delta_units = -125000;
	ev.pnl_units = -3000;
	ev.qty = -1500;
	ev.price = 5980000;
	ev.filled_qty = 700;
	ev.avg_price = 5981500;
	return ev;
}

static const char *print_event(const struct lq_event *ev)
{
	struct lq_out o;
	got_len = 0;
	got[0] = '\0';
	lq_out_init(&o, capture, NULL);
	lq_json_event(&o, &eng, ev);
	lq_out_flush(&o);
	return got;
}

static void event_ids_and_names(void **state)
{
	(void)state;
	assert_true(EVENTS >= 1);
	for (size_t i = 0; i < EVENTS; i++) {
		assert_in_range(events[i].id, 1, LQ_EV_TYPE_MAX);
		assert_non_null(events[i].name);
		assert_true(strspn(events[i].name, "abcdefghijklmnopqrstuvwxyz_") ==
			    strlen(events[i].name));
		/* the JSON "type" and the journal dump's name */
		assert_string_equal(lq_event_type_str(events[i].id), events[i].name);
		assert_true(lq_event_type_stat(events[i].id) == events[i].stat);
		assert_int_equal(lq_event_type_moves_fund(events[i].id), events[i].fund);
		for (size_t j = 0; j < i; j++) {
			assert_int_not_equal(events[i].id, events[j].id);
			assert_string_not_equal(events[i].name, events[j].name);
			if (events[i].stat && events[j].stat)
				assert_string_not_equal(events[i].stat, events[j].stat);
		}
	}
	assert_null(lq_event_type_str(0));
	assert_null(lq_event_type_str(LQ_EV_TYPE_MAX + 1));
}

static void event_json(void **state)
{
	(void)state;
	/* the checker itself refuses what is not one JSON line */
	assert_true(json_line_ok("{\"a\":[1,-2.5,\"x\\\"\",null,true,{}]}\n"));
	assert_false(json_line_ok("{\"a\":}\n"));
	assert_false(json_line_ok("{\"a\":1,}\n"));
	assert_false(json_line_ok("{\"a\":01}\n"));
	assert_false(json_line_ok("{\"a\":\"x}\n"));
	assert_false(json_line_ok("{\"a\":1}"));
	assert_false(json_line_ok("{\"a\":1}\n{}\n"));
	engine_stub();
	for (size_t i = 0; i < EVENTS; i++) {
		const struct lq_event ev = sample_event(events[i].id);
		char head[64];
		const char *line = print_event(&ev);
		snprintf(head, sizeof(head), "{\"type\":\"%s\"", events[i].name);
		if (!json_line_ok(line) || strncmp(line, head, strlen(head)) != 0)
			fail_msg("%s: %s", events[i].name, line);
		/* a price of 0 prints null, a fund-less fund_trade names no fund: still JSON */
		struct lq_event zero = ev;
		zero.price = 0;
		zero.avg_price = 0;
		zero.filled_qty = 0;
		zero.fund = LQ_NIL;
		zero.fund_delta_units = 0;
		zero.qty = 1;
		if (events[i].id == LQ_EV_TAKEOVER)
			zero.fund = 0; /* a takeover always names its fund */
		line = print_event(&zero);
		if (!json_line_ok(line) || strncmp(line, head, strlen(head)) != 0)
			fail_msg("%s: %s", events[i].name, line);
	}
	/* the one case outside the table: bad debt of no instrument, in an asset */
	struct lq_event ev = sample_event(LQ_EV_BAD_DEBT);
	ev.instrument = LQ_NIL;
	assert_string_equal(print_event(&ev), "{\"type\":\"bad_debt\",\"instrument\":null,"
					      "\"asset\":\"USDT\",\"account\":42,"
					      "\"amount\":\"0.002250\",\"fund\":null}\n");
}

/* Exact bytes, worked out by hand from the decimals of engine_stub. */
static void event_json_bytes(void **state)
{
	(void)state;
	engine_stub();
	struct lq_event ev = sample_event(LQ_EV_LIQUIDATION);
	ev.order_id = 0; /* the engine's own IOC: no order */
	assert_string_equal(
	    print_event(&ev),
	    "{\"type\":\"liquidation\",\"account\":42,\"instrument\":\"BTC\\\"USDT\","
	    "\"side\":\"sell\",\"qty\":\"1.500\",\"bankruptcy_price\":\"59800.00\","
	    "\"filled_qty\":\"0.700\",\"avg_price\":\"59815.00\","
	    "\"fee\":\"0.002250\",\"fund_delta\":\"-0.125000\","
	    "\"pnl\":\"-0.003000\"}\n");
	/* an external venue's order, ended by its fill_timeout */
	ev.order_id = 7;
	ev.status = LQ_LIQ_END_EXPIRED;
	assert_string_equal(
	    print_event(&ev),
	    "{\"type\":\"liquidation\",\"account\":42,\"instrument\":\"BTC\\\"USDT\","
	    "\"side\":\"sell\",\"qty\":\"1.500\",\"bankruptcy_price\":\"59800.00\","
	    "\"filled_qty\":\"0.700\",\"avg_price\":\"59815.00\","
	    "\"fee\":\"0.002250\",\"fund_delta\":\"-0.125000\","
	    "\"pnl\":\"-0.003000\",\"order_id\":7,\"status\":\"expired\"}\n");
	ev = sample_event(LQ_EV_FUND_TRADE);
	ev.fund = LQ_NIL;
	ev.status = LQ_FUND_TRADE_NETTING;
	assert_string_equal(print_event(&ev),
			    "{\"type\":\"fund_trade\",\"fund\":null,\"instrument\":\"BTC\\\"USDT\","
			    "\"side\":\"sell\",\"qty\":\"1.500\",\"price\":\"59800.00\","
			    "\"pnl\":\"-0.003000\",\"at\":\"netting\"}\n");
	ev = sample_event(LQ_EV_REJECTED);
	assert_string_equal(
	    print_event(&ev),
	    "{\"type\":\"rejected\",\"line\":41,\"reason\":\"unknown account: 42\"}\n");
}

static void event_egress(void **state)
{
	(void)state;
	for (size_t i = 0; i < EVENTS; i++) {
		struct lq_event ev = sample_event(events[i].id);
		struct lq_feed_msg m;
		if (events[i].id == LQ_EV_LIQ_ORDER) {
			/* an order sent carries no fill (core/liq.c order_send) */
			ev.filled_qty = 0;
			ev.avg_price = 0;
			ev.amount_units = 0;
		}
		const bool sent = lq_egress_msg(&ev, 9, 1700000000000000000LL, &m);
		assert_int_equal(sent, events[i].egress != EGRESS_NONE);
		if (!sent)
			continue;
		assert_int_equal(m.type, events[i].egress);
		assert_in_range(m.type, LQ_FEED_EGRESS_FIRST, LQ_FEED_EGRESS_LAST);
		if (lq_feed_msg_check(&m) != LQ_FEED_OK)
			fail_msg("%s: its egress message %s fails the feed's checks",
				 events[i].name, lq_feed_type_str(m.type));
	}
}

/* ---- feed messages ---- */

struct feed_row {
	unsigned id;
	const char *name;
	size_t size;
	bool no_instrument;
};

static const struct feed_row feeds[] = {
#define FEED_ROW(NAME, id, name, wire, member, no_ins, ...)                                        \
	{id, name, sizeof(struct lq_feed_wire_##wire), no_ins},
    LQ_FEED_TYPES(FEED_ROW)
#undef FEED_ROW
};
#define FEEDS (sizeof(feeds) / sizeof(feeds[0]))

#define SET_I64(dst, v)	 ((dst) = (v))
#define SET_U64(dst, v)	 ((dst) = (v))
#define SET_U32(dst, v)	 ((dst) = (v))
#define SET_U8(dst, v)	 ((dst) = (v))
#define SET_NAME(dst, v) snprintf((dst), LQ_FEED_NAME_MAX, "%s", (v))

/* The table's sample of every field of the type. */
static struct lq_feed_msg sample_msg(unsigned type)
{
	struct lq_feed_msg m;
	memset(&m, 0, sizeof(m));
	m.type = (uint8_t)type;
	m.flags = LQ_FEED_F_LAST;
	m.instrument = 3;
	m.ts_ns = 1723161256299000000;
	switch (type) {
#define SAMPLE_FIELD(wire, field, rule, json, names, sample) SET_##wire(b->field, sample);
#define SAMPLE_TYPE(NAME, id, name, wire, member, no_ins, ...)                                     \
	case LQ_FEED_##NAME: {                                                                     \
		__typeof__(m.u.member) *b = &m.u.member;                                           \
		(void)b;                                                                           \
		if (no_ins)                                                                        \
			m.instrument = LQ_FEED_NO_INSTRUMENT;                                      \
		LQ_FEED_FIELDS_##NAME(SAMPLE_FIELD) break;                                         \
	}
		LQ_FEED_TYPES(SAMPLE_TYPE)
#undef SAMPLE_TYPE
#undef SAMPLE_FIELD
	}
	return m;
}

static void feed_ids_and_names(void **state)
{
	(void)state;
	for (size_t i = 0; i < FEEDS; i++) {
		assert_in_range(feeds[i].id, 1, LQ_FEED_TYPE_MAX);
		assert_string_equal(lq_feed_type_str(feeds[i].id), feeds[i].name);
		assert_int_equal(lq_feed_msg_size(feeds[i].id), feeds[i].size);
		assert_true(feeds[i].size >= LQ_FEED_MSG_HEADER_SIZE);
		assert_true(feeds[i].size % 8 == 0);
		for (size_t j = 0; j < i; j++) {
			assert_int_not_equal(feeds[i].id, feeds[j].id);
			assert_string_not_equal(feeds[i].name, feeds[j].name);
		}
	}
	assert_string_equal(lq_feed_type_str(0), "?");
	assert_int_equal(lq_feed_msg_size(0), 0);
}

static size_t encode_one(uint8_t *buf, const struct lq_feed_msg *m)
{
	struct lq_feed_builder b;
	assert_int_equal(lq_feed_encode_begin(&b, buf, LQ_FEED_PACKET_MAX, 5, 100, 0), 0);
	assert_int_equal(lq_feed_encode_msg(&b, m), 0);
	return lq_feed_encode_end(&b);
}

static void feed_round_trip(void **state)
{
	static struct lq_feed_packet pkt;
	(void)state;
	for (size_t i = 0; i < FEEDS; i++) {
		const struct lq_feed_msg m = sample_msg(feeds[i].id);
		uint8_t buf[LQ_FEED_PACKET_MAX];
		if (lq_feed_msg_check(&m) != LQ_FEED_OK)
			fail_msg("%s: the table's sample fails the checks: %s", feeds[i].name,
				 lq_feed_err_str(lq_feed_msg_check(&m)));
		const size_t len = encode_one(buf, &m);
		assert_int_equal(len, LQ_FEED_HEADER_SIZE + feeds[i].size);
		assert_int_equal(lq_feed_decode_packet(buf, len, &pkt, NULL), LQ_FEED_OK);
		assert_int_equal(pkt.count, 1);
		/* both sides start from zeroed memory: the whole decoded message is the identity */
		if (memcmp(&pkt.msgs[0], &m, sizeof(m)) != 0)
			fail_msg("%s: decode(encode(m)) != m", feeds[i].name);
		/* validate refuses every truncation, never reading past the end */
		for (size_t cut = 0; cut < len; cut++)
			if (lq_feed_decode_packet(buf, cut, &pkt, NULL) == LQ_FEED_OK)
				fail_msg("%s: a packet cut to %zu of %zu bytes decodes",
					 feeds[i].name, cut, len);
	}
}

/* A value outside each rule; ANY has none. */
#define BAD_ANY(wire, dst, names)     false
#define BAD_POS(wire, dst, names)     (SET_##wire(dst, 0), true)
#define BAD_NONNEG(wire, dst, names)  (SET_##wire(dst, -1), true)
#define BAD_NONZERO(wire, dst, names) (SET_##wire(dst, 0), true)
#define BAD_ZERO(wire, dst, names)    (SET_##wire(dst, 1), true)
#define BAD_RATE(wire, dst, names)    (SET_##wire(dst, 100000001), true)
#define BAD_DEC(wire, dst, names)     (SET_##wire(dst, LQ_FEED_DECIMALS_MAX + 1), true)
#define BAD_NAME(wire, dst, names)    (SET_##wire(dst, "A B"), true)
#define BAD_ENUM(wire, dst, names)    (SET_##wire(dst, LQ_FEED_NAMES_COUNT(names)), true)

static void feed_field_rules(void **state)
{
	(void)state;
	unsigned checked = 0;
	for (size_t i = 0; i < FEEDS; i++) {
		const struct lq_feed_msg good = sample_msg(feeds[i].id);
		struct lq_feed_msg m;
		switch (feeds[i].id) {
#define BAD_FIELD(wire, field, rule, json, names, sample)                                          \
	m = good;                                                                                  \
	if (BAD_##rule(wire, b->field, names)) {                                                   \
		checked++;                                                                         \
		if (lq_feed_msg_check(&m) != LQ_FEED_E_FIELD)                                      \
			fail_msg("%s.%s: a value outside " #rule " passes", feeds[i].name,         \
				 #field);                                                          \
	}
#define BAD_TYPE(NAME, id, name, wire, member, ...)                                                \
	case LQ_FEED_##NAME: {                                                                     \
		__typeof__(m.u.member) *b = &m.u.member;                                           \
		(void)b;                                                                           \
		LQ_FEED_FIELDS_##NAME(BAD_FIELD) break;                                            \
	}
			LQ_FEED_TYPES(BAD_TYPE)
#undef BAD_TYPE
#undef BAD_FIELD
		}
		/* the instrument rule: only the no_instrument rows concern none */
		m = good;
		m.instrument = feeds[i].no_instrument ? 3 : LQ_FEED_NO_INSTRUMENT;
		assert_int_equal(lq_feed_msg_check(&m), LQ_FEED_E_FIELD);
	}
	assert_true(checked > FEEDS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(event_ids_and_names), cmocka_unit_test(event_json),
	    cmocka_unit_test(event_json_bytes),	   cmocka_unit_test(event_egress),
	    cmocka_unit_test(feed_ids_and_names),  cmocka_unit_test(feed_round_trip),
	    cmocka_unit_test(feed_field_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
