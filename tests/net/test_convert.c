/* SPDX-License-Identifier: MIT */
/*
 * The converters on crafted lines: every Binance and BitMEX message kind into its feed
 * messages, exact decimals, receive times in us and ns, depth gaps, a late REST snapshot
 * brought up to date (and one that cannot be), refusals naming their line and leaving no
 * trace, instrument selection, packing into packets, and whole files (gzip, lenient).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "convert_specs.h"
#include "lq/convert.h"

#define MSGS_MAX 4096
#define PKTS_MAX 1024

struct cap {
	struct lq_feed_msg msgs[MSGS_MAX];
	uint32_t n;
	int64_t pkt_ts[PKTS_MAX];
	uint16_t pkt_count[PKTS_MAX];
	uint32_t pkts;
	uint64_t next_seq;
	uint64_t session;
};

/* The sink decodes every packet: the converter must only ever produce valid ones. */
static int cap_sink(void *ctx, int64_t ts, const void *pkt, size_t len)
{
	struct cap *c = ctx;
	static struct lq_feed_packet p;
	assert_int_equal(lq_feed_decode_packet(pkt, len, &p, NULL), LQ_FEED_OK);
	assert_true(p.seq == c->next_seq);
	assert_true(p.count > 0);
	if (c->pkts == 0)
		c->session = p.session;
	assert_true(p.session == c->session);
	c->next_seq += p.count;
	assert_true(c->pkts < PKTS_MAX && c->n + p.count <= MSGS_MAX);
	c->pkt_ts[c->pkts] = ts;
	c->pkt_count[c->pkts++] = p.count;
	memcpy(&c->msgs[c->n], p.msgs, sizeof(p.msgs[0]) * p.count);
	c->n += p.count;
	return 0;
}

struct fx {
	struct lq_convert c;
	struct cap cap;
	void *mem;
};

static struct fx *fx_new(enum lq_convert_venue v, const char *inst, uint32_t levels_max,
			 int64_t batch_ns)
{
	struct fx *f = test_calloc(1, sizeof(*f));
	struct lq_convert_params p;
	lq_convert_params_defaults(&p);
	p.venue = v;
	p.batch_ns = batch_ns;
	p.stage_max = 4096;
	p.levels_max = levels_max;
	test_specs_set(&p);
	if (inst) {
		p.instruments[0] = inst;
		p.instrument_count = 1;
	}
	size_t size = lq_convert_memsize(&p);
	f->mem = test_malloc(size);
	f->cap.next_seq = 1;
	assert_int_equal(lq_convert_init(&f->c, f->mem, size, &p, cap_sink, &f->cap), 0);
	return f;
}

static void fx_free(struct fx *f)
{
	test_free(f->mem);
	test_free(f);
}

static enum lq_convert_status line(struct fx *f, const char *s)
{
	return lq_convert_line(&f->c, s, strlen(s));
}

static void finish(struct fx *f)
{
	assert_int_equal(lq_convert_finish(&f->c), LQ_CONVERT_OK);
}

static void refused(struct fx *f, const char *s, enum lq_convert_status st, const char *words)
{
	uint64_t before = f->c.stats.messages;
	assert_int_equal(line(f, s), st);
	const char *e = lq_convert_error(&f->c);
	if (!strstr(e, words))
		fail_msg("error \"%s\" does not mention \"%s\"", e, words);
	char ln[32];
	snprintf(ln, sizeof(ln), "line %llu: ", (unsigned long long)f->c.line_no);
	assert_true(strncmp(e, ln, strlen(ln)) == 0);
	assert_int_equal(f->c.stats.messages, before); /* nothing of it went out */
}

#define BTC_DEPTH(recv, U, u, pu, bids, asks)                                                      \
	recv " {\"stream\":\"btcusdt@depth@0ms\",\"data\":{\"e\":\"depthUpdate\",\"E\":"           \
	     "1723161256299,\"T\":1723161256298,\"s\":\"BTCUSDT\",\"U\":" U ",\"u\":" u            \
	     ",\"pu\":" pu ",\"b\":[" bids "],\"a\":[" asks "]}}"

#define BTC_TICKER                                                                                 \
	"1723161255088169167 {\"stream\":\"btcusdt@bookTicker\",\"data\":{\"e\":\"bookTicker\","   \
	"\"u\":5123107839020,\"s\":\"BTCUSDT\",\"b\":\"61800.20\",\"B\":\"2.507\",\"a\":"          \
	"\"61800.30\",\"A\":\"2.510\",\"T\":1723161256313,\"E\":1723161256314}}"

#define BTC_TRADE(m, x)                                                                            \
	"1723161255088176367 {\"stream\":\"btcusdt@trade\",\"data\":{\"e\":\"trade\",\"E\":"       \
	"1723161256322,\"T\":1723161256321,\"s\":\"BTCUSDT\",\"t\":5266583935,\"p\":\"61800.30\"," \
	"\"q\":\"0.006\",\"X\":\"" x "\",\"m\":" m "}}"

#define BTC_MARK                                                                                   \
	"1680652800091265 "                                                                        \
	"{\"stream\":\"btcusdt@markPrice@1s\",\"data\":{\"e\":\"markPriceUpdate\","                \
	"\"E\":1680652800010,\"s\":\"BTCUSDT\",\"p\":\"28155.10000000\",\"P\":\"28141.47600845\"," \
	"\"i\":\"28165.04857143\",\"r\":\"0.00002760\",\"T\":1680681600000}}"

static void test_binance_kinds(void **state)
{
	(void)state;
	struct fx *f = fx_new(LQ_CONVERT_BINANCE, NULL, 0, 0);
	struct lq_feed_msg *m = f->cap.msgs;
	assert_int_equal(line(f, BTC_DEPTH("1723161255030314667", "100", "110", "90",
					   "[\"61800.20\",\"0.014\"],[\"61800.10\",\"0.000\"]",
					   "[\"61800.30\",\"3.330\"]")),
			 LQ_CONVERT_OK);
	assert_int_equal(line(f, BTC_TICKER), LQ_CONVERT_OK);
	assert_int_equal(line(f, BTC_TRADE("true", "MARKET")), LQ_CONVERT_OK);
	assert_int_equal(line(f, BTC_TRADE("false", "INSURANCE_FUND")), LQ_CONVERT_OK);
	assert_int_equal(line(f, BTC_MARK), LQ_CONVERT_OK);
	finish(f);
	assert_int_equal(f->cap.n, 1 + 3 + 1 + 2 + 3);

	/* the definition comes first: the grid the table's tick and lot text fix */
	assert_int_equal(m[0].type, LQ_FEED_INSTRUMENT);
	assert_int_equal(m[0].instrument, 0);
	assert_string_equal(m[0].u.def.name, "BTCUSDT");
	assert_string_equal(m[0].u.def.settle, "USDT");
	assert_int_equal(m[0].u.def.kind, LQ_FEED_LINEAR);
	assert_int_equal(m[0].u.def.settle_decimals, 6);
	assert_int_equal(m[0].u.def.price_decimals, 1);
	assert_int_equal(m[0].u.def.tick, 1);
	assert_int_equal(m[0].u.def.qty_decimals, 3);
	assert_int_equal(m[0].u.def.lot, 1);
	assert_int_equal(m[0].u.def.contract, 0);
	/* depth: three levels, E as the time, the last one closes the update */
	for (int i = 1; i <= 3; i++) {
		assert_int_equal(m[i].type, LQ_FEED_BOOK_LEVEL);
		assert_true(m[i].ts_ns == 1723161256299000000);
		assert_int_equal(m[i].flags, i == 3 ? LQ_FEED_F_LAST : 0);
	}
	assert_true(m[1].u.level.price == 618002 && m[1].u.level.qty == 14);
	assert_int_equal(m[1].u.level.side, LQ_FEED_BID);
	assert_true(m[2].u.level.price == 618001 && m[2].u.level.qty == 0);
	assert_true(m[3].u.level.price == 618003 && m[3].u.level.qty == 3330);
	assert_int_equal(m[3].u.level.side, LQ_FEED_ASK);
	/* book top */
	assert_int_equal(m[4].type, LQ_FEED_BOOK_TOP);
	assert_true(m[4].ts_ns == 1723161256314000000);
	assert_true(m[4].u.top.bid_price == 618002 && m[4].u.top.bid_qty == 2507);
	assert_true(m[4].u.top.ask_price == 618003 && m[4].u.top.ask_qty == 2510);
	/* trades: buyer is maker -> the seller was the aggressor */
	assert_int_equal(m[5].type, LQ_FEED_TRADE);
	assert_int_equal(m[5].u.trade.aggressor, LQ_FEED_ASK);
	assert_int_equal(m[5].u.trade.kind, LQ_FEED_TRADE_REGULAR);
	assert_true(m[5].u.trade.trade_id == 5266583935);
	assert_true(m[5].u.trade.price == 618003 && m[5].u.trade.qty == 6);
	assert_int_equal(m[6].u.trade.aggressor, LQ_FEED_BID);
	assert_int_equal(m[6].u.trade.kind, LQ_FEED_TRADE_LIQUIDATION);
	/* markPriceUpdate: index at its own 8 decimals, mark without its trailing zeros */
	assert_int_equal(m[7].type, LQ_FEED_INDEX);
	assert_true(m[7].u.px.price == 2816504857143);
	assert_int_equal(m[7].u.px.decimals, 8);
	assert_int_equal(m[8].type, LQ_FEED_MARK);
	assert_true(m[8].u.px.price == 281551);
	assert_int_equal(m[8].u.px.decimals, 1);
	assert_int_equal(m[9].type, LQ_FEED_FUNDING);
	assert_true(m[9].u.funding.rate_e8 == 2760);
	assert_true(m[9].u.funding.next_funding_ns == 1680681600000000000);
	assert_int_equal(m[9].u.funding.kind, LQ_FEED_FUNDING_PREDICTED);
	assert_true(m[9].ts_ns == 1680652800010000000);
	assert_int_equal(m[9].flags, LQ_FEED_F_LAST);
	/* packets carry the receive time: ns as written, the 2023 file's us times x 1000 */
	assert_true(f->cap.pkt_ts[0] == 1723161255030314667);
	assert_true(f->cap.pkt_ts[f->cap.pkts - 1] == 1680652800091265000);
	assert_int_equal(f->c.stats.recv_us_lines, 1);
	assert_int_equal(f->c.stats.recv_ns_lines, 4);
	assert_int_equal(f->c.inst[0].stats.trades, 2);
	fx_free(f);
}

static void test_binance_mark_off_grid(void **state)
{
	(void)state;
	struct fx *f = fx_new(LQ_CONVERT_BINANCE, NULL, 0, 0);
	assert_int_equal(line(f, "1680652801050102 {\"stream\":\"btcusdt@markPrice@1s\",\"data\":{"
				 "\"e\":\"markPriceUpdate\",\"E\":1680652801000,\"s\":\"BTCUSDT\","
				 "\"p\":\"28155.10015873\",\"i\":\"28165\",\"r\":\"-0.00010000\","
				 "\"T\":0}}"),
			 LQ_CONVERT_OK);
	finish(f);
	struct lq_feed_msg *m = f->cap.msgs;
	assert_true(m[1].u.px.price == 281650 && m[1].u.px.decimals == 1); /* up to the grid */
	assert_true(m[2].u.px.price == 2815510015873 && m[2].u.px.decimals == 8);
	assert_true(m[3].u.funding.rate_e8 == -10000);
	assert_true(m[3].u.funding.next_funding_ns == 0);
	fx_free(f);
}

static void test_binance_depth_gaps(void **state)
{
	(void)state;
	struct fx *f = fx_new(LQ_CONVERT_BINANCE, NULL, 0, 0);
	struct lq_feed_msg *m = f->cap.msgs;
	assert_int_equal(line(f, BTC_DEPTH("1723161255030314667", "1", "10", "0",
					   "[\"100.0\","
					   "\"1.000\"]",
					   "")),
			 LQ_CONVERT_OK);
	assert_int_equal(line(f, BTC_DEPTH("1723161255030314668", "11", "20", "10",
					   "[\"100.0\",\"2.000\"]", "")),
			 LQ_CONVERT_OK);
	/* 21..29 lost: pu 30 != u 20 */
	assert_int_equal(line(f, BTC_DEPTH("1723161255030314669", "31", "40", "30",
					   "[\"100.0\",\"3.000\"]", "[\"101.0\",\"1.000\"]")),
			 LQ_CONVERT_OK);
	/* a gap in a diff without levels flags the next level */
	assert_int_equal(line(f, BTC_DEPTH("1723161255030314670", "51", "60", "50", "", "")),
			 LQ_CONVERT_SKIPPED);
	assert_int_equal(line(f, BTC_DEPTH("1723161255030314671", "61", "70", "60",
					   "[\"100.0\",\"4.000\"]", "")),
			 LQ_CONVERT_OK);
	finish(f);
	assert_int_equal(f->cap.n, 1 + 1 + 1 + 2 + 1);
	assert_int_equal(m[1].flags, LQ_FEED_F_LAST);
	assert_int_equal(m[2].flags, LQ_FEED_F_LAST);
	assert_int_equal(m[3].flags, LQ_FEED_F_VENUE_GAP);
	assert_int_equal(m[4].flags, LQ_FEED_F_LAST);
	assert_int_equal(m[5].flags, LQ_FEED_F_VENUE_GAP | LQ_FEED_F_LAST);
	assert_int_equal(f->c.inst[0].stats.venue_gaps, 2);
	fx_free(f);
}

#define SNAP(recv, L, bids, asks)                                                                  \
	recv " {\"lastUpdateId\":" L ",\"E\":1723161256501,\"T\":1723161256493,\"bids\":[" bids    \
	     "],\"asks\":[" asks "]}"

/* Find a level among the snapshot's messages. */
static int64_t level_qty(const struct fx *f, uint32_t from, uint32_t to, uint8_t side,
			 int64_t price)
{
	for (uint32_t i = from; i < to; i++)
		if (f->cap.msgs[i].type == LQ_FEED_BOOK_LEVEL &&
		    f->cap.msgs[i].u.level.side == side && f->cap.msgs[i].u.level.price == price)
			return f->cap.msgs[i].u.level.qty;
	return -1;
}

static void test_binance_snapshot_merge(void **state)
{
	(void)state;
	struct fx *f = fx_new(LQ_CONVERT_BINANCE, NULL, 0, 0);
	struct lq_feed_msg *m = f->cap.msgs;
	assert_int_equal(line(f, BTC_DEPTH("1723161255030314667", "95", "100", "90",
					   "[\"100.0\",\"1.000\"]", "")),
			 LQ_CONVERT_OK);
	assert_int_equal(line(f, BTC_DEPTH("1723161255030314668", "101", "120", "100",
					   "[\"100.0\",\"0\"],[\"99.0\",\"5.000\"]", "")),
			 LQ_CONVERT_OK);
	assert_int_equal(line(f, BTC_DEPTH("1723161255030314669", "121", "130", "120", "",
					   "[\"101.0\",\"2.000\"]")),
			 LQ_CONVERT_OK);
	uint32_t before = 1 + 1 + 2 + 1;
	/* fetched at update 110, received after 130: 120 and 130 are merged into it */
	assert_int_equal(
	    line(f, SNAP("1723161255030314670", "110", "[\"100.0\",\"1.000\"],[\"98.0\",\"3.000\"]",
			 "[\"101.0\",\"1.000\"],[\"102.0\",\"4.000\"]")),
	    LQ_CONVERT_OK);
	assert_int_equal(line(f, BTC_DEPTH("1723161255030314671", "131", "140", "130",
					   "[\"97.0\",\"1.000\"]", "")),
			 LQ_CONVERT_OK);
	finish(f);
	assert_int_equal(f->cap.n, before + 1 + 4 + 1);
	const struct lq_feed_msg *clear = &m[before];
	assert_int_equal(clear->type, LQ_FEED_BOOK_CLEAR);
	assert_int_equal(clear->flags, LQ_FEED_F_SNAPSHOT);
	assert_int_equal(level_qty(f, before + 1, before + 5, LQ_FEED_BID, 1000), -1); /* gone */
	assert_int_equal(level_qty(f, before + 1, before + 5, LQ_FEED_BID, 990), 5000);
	assert_int_equal(level_qty(f, before + 1, before + 5, LQ_FEED_BID, 980), 3000);
	assert_int_equal(level_qty(f, before + 1, before + 5, LQ_FEED_ASK, 1010), 2000);
	assert_int_equal(level_qty(f, before + 1, before + 5, LQ_FEED_ASK, 1020), 4000);
	for (uint32_t i = before + 1; i < before + 5; i++)
		assert_true(m[i].flags & LQ_FEED_F_SNAPSHOT);
	assert_true(m[before + 4].flags & LQ_FEED_F_LAST);
	assert_int_equal(m[before + 5].flags, LQ_FEED_F_LAST); /* the chain goes on: no gap */
	const struct lq_convert_inst_stats *s = &f->c.inst[0].stats;
	assert_int_equal(s->snapshots, 1);
	assert_int_equal(s->snapshot_replayed, 2);
	assert_int_equal(s->snapshot_incomplete, 0);

	/* a snapshot newer than the stream: diffs inside it are dropped, the straddling one
	 * applies */
	assert_int_equal(line(f, SNAP("1723161255030314672", "200", "[\"90.0\",\"1.000\"]",
				      "[\"110.0\",\"1.000\"]")),
			 LQ_CONVERT_OK);
	assert_int_equal(line(f, BTC_DEPTH("1723161255030314673", "141", "150", "140",
					   "[\"91.0\",\"1.000\"]", "")),
			 LQ_CONVERT_SKIPPED);
	assert_int_equal(line(f, BTC_DEPTH("1723161255030314674", "151", "210", "150",
					   "[\"92.0\",\"1.000\"]", "")),
			 LQ_CONVERT_OK);
	finish(f);
	assert_int_equal(s->depth_dropped, 1);
	assert_int_equal(s->snapshots, 2);
	assert_int_equal(s->venue_gaps, 0);
	assert_true(m[f->cap.n - 1].u.level.price == 920);
	fx_free(f);
}

static void test_binance_snapshot_incomplete(void **state)
{
	(void)state;
	/* 8 buffered levels and a single diff record: the diffs after L are gone */
	struct fx *f = fx_new(LQ_CONVERT_BINANCE, NULL, 8, 0);
	assert_int_equal(line(f, BTC_DEPTH("1723161255030314667", "101", "120", "100",
					   "[\"99.0\",\"5.000\"]", "")),
			 LQ_CONVERT_OK);
	assert_int_equal(line(f, BTC_DEPTH("1723161255030314669", "121", "130", "120", "",
					   "[\"101.0\",\"2.000\"]")),
			 LQ_CONVERT_OK);
	assert_int_equal(line(f, SNAP("1723161255030314670", "110", "[\"98.0\",\"3.000\"]",
				      "[\"102.0\",\"4.000\"]")),
			 LQ_CONVERT_OK);
	finish(f);
	const struct lq_feed_msg *clear = &f->cap.msgs[3];
	assert_int_equal(clear->type, LQ_FEED_BOOK_CLEAR);
	assert_int_equal(clear->flags, LQ_FEED_F_SNAPSHOT | LQ_FEED_F_VENUE_GAP);
	assert_int_equal(f->c.inst[0].stats.snapshot_incomplete, 1);
	fx_free(f);
}

static void test_binance_refusals(void **state)
{
	(void)state;
	struct fx *f = fx_new(LQ_CONVERT_BINANCE, NULL, 0, 0);
	/* a refused first line does not even define its instrument */
	refused(f,
		BTC_DEPTH("1723161255030314667", "1", "10", "0",
			  "[\"100.0\",\"1.000\"],[\"100.0\",\"1.0001\"]", ""),
		LQ_CONVERT_E_VALUE, "more decimals than the grid allows");
	assert_int_equal(f->c.inst_count, 0);
	assert_int_equal(f->c.inst[0].have_u, false);
	refused(f,
		"1723161255030314667 {\"stream\":\"btcusdt@forceOrder\",\"data\":{\"e\":"
		"\"forceOrder\"}}",
		LQ_CONVERT_E_UNKNOWN, "forceOrder");
	refused(f, BTC_DEPTH("1723161255030314667", "1", "10", "0", "[\"61800.25\",\"1.000\"]", ""),
		LQ_CONVERT_E_VALUE, "\"61800.25\": more decimals than the grid allows (BTCUSDT)");
	refused(f, BTC_DEPTH("1723161255030314667", "1", "10", "0", "[\"-61800.2\",\"1.000\"]", ""),
		LQ_CONVERT_E_VALUE, "not positive");
	refused(f, BTC_DEPTH("1723161255030314667", "1", "10", "0", "[\"1e5\",\"1.000\"]", ""),
		LQ_CONVERT_E_VALUE, "not a decimal");
	refused(f, BTC_DEPTH("1723161255030314667", "1", "10", "0", "[\"100.0\"]", ""),
		LQ_CONVERT_E_VALUE, "not [\"price\", \"qty\"]");
	refused(f, BTC_DEPTH("1723161255030314667", "20", "10", "0", "", ""), LQ_CONVERT_E_VALUE,
		"U > u");
	refused(f, "1723161255030314667 {\"stream\":\"x\",\"data\":{\"e\":\"trade\"",
		LQ_CONVERT_E_SYNTAX, "not JSON");
	refused(f, "1723161255030314667 {\"a\":1} x", LQ_CONVERT_E_SYNTAX, "not JSON");
	refused(f, "1723161256299 {\"a\":1}", LQ_CONVERT_E_SYNTAX, "neither us nor ns");
	refused(f, "{\"a\":1}", LQ_CONVERT_E_SYNTAX, "<receive time> <JSON>");
	refused(f, "1723161255030314667 [1,2]", LQ_CONVERT_E_SYNTAX, "not a JSON object");
	refused(f, "1723161255030314667 {\"a\":1}", LQ_CONVERT_E_UNKNOWN, "neither a stream");
	refused(
	    f,
	    "1723161255030314667 {\"stream\":\"x\",\"data\":{\"e\":\"trade\",\"s\":\"DOGEUSDT\"}}",
	    LQ_CONVERT_E_UNKNOWN,
	    "DOGEUSDT is not in presets binance-coinm, binance-usdm: add a line such as "
	    "\"instrument DOGEUSDT linear settle=USDT tick=... lot=...\" to a --config file");
	refused(f, BTC_TRADE("1", "MARKET"), LQ_CONVERT_E_VALUE, "not a boolean");
	refused(f, BTC_TRADE("true", "WASH"), LQ_CONVERT_E_VALUE, "unknown X");
	refused(f,
		"1723161255030314667 {\"stream\":\"x\",\"data\":{\"e\":\"trade\",\"e\":\"trade\"}}",
		LQ_CONVERT_E_VALUE, "not an object");
	refused(f, SNAP("1723161255030314670", "110", "", ""), LQ_CONVERT_E_VALUE,
		"without a symbol, and 0 instruments");
	assert_int_equal(f->c.stats.converted, 0);
	/* and the line after them all converts, its definition first */
	assert_int_equal(line(f, BTC_TICKER), LQ_CONVERT_OK);
	finish(f);
	assert_int_equal(f->cap.n, 2);
	assert_int_equal(f->cap.msgs[0].type, LQ_FEED_INSTRUMENT);
	assert_int_equal(f->c.stats.lines, 19);
	fx_free(f);
}

/* A refused depth line leaves the sequence state as it was: the next diff has no gap. */
static void test_refusal_leaves_no_state(void **state)
{
	(void)state;
	struct fx *f = fx_new(LQ_CONVERT_BINANCE, NULL, 0, 0);
	assert_int_equal(
	    line(f, BTC_DEPTH("1723161255030314667", "1", "10", "0", "[\"100.0\",\"1.000\"]", "")),
	    LQ_CONVERT_OK);
	refused(f,
		BTC_DEPTH("1723161255030314668", "11", "20", "10", "[\"100.0\",\"2.000\"]",
			  "[\"x\",\"1\"]"),
		LQ_CONVERT_E_VALUE, "not a decimal");
	assert_true(f->c.inst[0].last_u == 10);
	assert_int_equal(line(f, BTC_DEPTH("1723161255030314669", "11", "20", "10",
					   "[\"100.0\",\"2.000\"]", "")),
			 LQ_CONVERT_OK);
	finish(f);
	assert_int_equal(f->cap.n, 3);
	assert_int_equal(f->cap.msgs[2].flags, LQ_FEED_F_LAST);
	assert_int_equal(f->c.inst[0].stats.venue_gaps, 0);
	fx_free(f);
}

static void test_selection(void **state)
{
	(void)state;
	struct fx *f = fx_new(LQ_CONVERT_BINANCE, "ETHUSDT", 0, 0);
	assert_int_equal(line(f, BTC_TICKER), LQ_CONVERT_SKIPPED);
	assert_int_equal(line(f, "1723161255088165267 {\"stream\":\"ethusdt@bookTicker\",\"data\":{"
				 "\"e\":\"bookTicker\",\"u\":5123107838717,\"s\":\"ETHUSDT\",\"b\":"
				 "\"2681.62\",\"B\":\"1.165\",\"a\":\"2681.63\",\"A\":\"73.077\","
				 "\"T\":1723161256310,\"E\":1723161256311}}"),
			 LQ_CONVERT_OK);
	/* an unknown symbol among selected ones is not this conversion's business */
	assert_int_equal(line(f, "1723161255030314667 {\"stream\":\"x\",\"data\":{\"e\":\"trade\","
				 "\"s\":\"DOGEUSDT\"}}"),
			 LQ_CONVERT_SKIPPED);
	finish(f);
	assert_int_equal(f->cap.n, 2);
	assert_string_equal(f->cap.msgs[0].u.def.name, "ETHUSDT");
	assert_int_equal(f->cap.msgs[0].u.def.price_decimals, 2);
	assert_true(f->cap.msgs[1].u.top.bid_price == 268162);
	assert_int_equal(f->c.stats.skipped, 2);
	fx_free(f);

	struct lq_convert c;
	struct lq_convert_params p;
	static uint8_t mem[1];
	lq_convert_params_defaults(&p);
	test_specs_set(&p);
	p.instruments[0] = "DOGEUSDT";
	p.instrument_count = 1;
	assert_int_equal(lq_convert_init(&c, mem, sizeof(mem), &p, cap_sink, NULL), -EINVAL);
	size_t size = lq_convert_memsize(&p);
	void *big = test_malloc(size);
	assert_int_equal(lq_convert_init(&c, big, size, &p, cap_sink, NULL), -ENOENT);
	p.instruments[0] = p.instruments[1] = "BTCUSDT";
	p.instrument_count = 2;
	assert_int_equal(lq_convert_init(&c, big, size, &p, cap_sink, NULL), -EINVAL);
	p.instruments[0] = "XBTUSD"; /* a BitMEX instrument, not Binance's */
	p.instrument_count = 1;
	assert_int_equal(lq_convert_init(&c, big, size, &p, cap_sink, NULL), -ENOENT);
	p.instrument_count = 0;
	p.levels_max = 1000; /* not a power of two */
	assert_int_equal(lq_convert_init(&c, big, size, &p, cap_sink, NULL), -EINVAL);
	test_free(big);
}

static void test_packets(void **state)
{
	(void)state;
	/* batch 0: lines share a packet only when received at the same nanosecond */
	struct fx *f = fx_new(LQ_CONVERT_BINANCE, NULL, 0, 0);
	char bids[8192] = "";
	for (int i = 0; i < 100; i++)
		snprintf(bids + strlen(bids), sizeof(bids) - strlen(bids), "%s[\"%d.0\",\"1.000\"]",
			 i ? "," : "", 100 + i);
	char big[9000];
	snprintf(big, sizeof(big),
		 "1723161255000000000 {\"stream\":\"btcusdt@depth@0ms\",\"data\":{\"e\":"
		 "\"depthUpdate\",\"E\":1723161256299,\"s\":\"BTCUSDT\",\"U\":1,\"u\":10,\"pu\":0,"
		 "\"b\":[%s],\"a\":[]}}",
		 bids);
	assert_int_equal(line(f, big), LQ_CONVERT_OK);
	assert_int_equal(line(f, BTC_TRADE("true", "MARKET")), LQ_CONVERT_OK);
	assert_int_equal(line(f, BTC_TRADE("true", "MARKET")), LQ_CONVERT_OK);
	assert_int_equal(line(f, BTC_TICKER), LQ_CONVERT_OK);
	finish(f);
	/* 96 + 100 x 40 bytes cannot fit 1448: three packets, then the trades share one */
	uint32_t per = (LQ_FEED_PACKET_MAX - LQ_FEED_HEADER_SIZE) / 40;
	assert_int_equal(f->cap.pkts, 5);
	assert_int_equal(f->cap.pkt_count[0], 1 + (per * 40 - 96) / 40);
	assert_int_equal(f->cap.pkt_count[3], 2);
	assert_int_equal(f->cap.pkt_count[4], 1);
	assert_true(f->cap.pkt_ts[3] == 1723161255088176367);
	assert_true(f->cap.next_seq == 1 + 1 + 100 + 3);
	assert_true(f->cap.session == 1723161255);
	fx_free(f);

	/* batch 100 us: the trades and the ticker (7 us earlier) share one */
	f = fx_new(LQ_CONVERT_BINANCE, NULL, 0, 100000);
	assert_int_equal(line(f, BTC_TICKER), LQ_CONVERT_OK);
	assert_int_equal(line(f, BTC_TRADE("true", "MARKET")), LQ_CONVERT_OK);
	assert_int_equal(line(f, BTC_TRADE("false", "MARKET")), LQ_CONVERT_OK);
	finish(f);
	assert_int_equal(f->cap.pkts, 1);
	assert_int_equal(f->cap.pkt_count[0], 4);
	assert_true(f->cap.pkt_ts[0] == 1723161255088176367); /* the last line's receive time */
	fx_free(f);
}

/* ---- BitMEX ---- */

#define BM_L2(ts, action, rows)                                                                    \
	ts ": {\"table\":\"orderBookL2\",\"action\":\"" action "\",\"data\":[" rows "]}"
#define XBT_ROW(id, side, size)                                                                    \
	"{\"symbol\":\"XBTUSD\",\"id\":" id ",\"side\":\"" side "\",\"size\":" size
#define XBT_ROWP(id, side, size, price) XBT_ROW(id, side, size) ",\"price\":" price "}"

static void test_bitmex(void **state)
{
	(void)state;
	/* XBTUSD selected: the other symbols' rows are skipped and counted */
	struct fx *f = fx_new(LQ_CONVERT_BITMEX, "XBTUSD", 0, 0);
	struct lq_feed_msg *m = f->cap.msgs;
	assert_int_equal(line(f, "wss://www.bitmex.com/realtime <-> 1626993367.388005"),
			 LQ_CONVERT_SKIPPED);
	assert_int_equal(line(f, "wss://www.bitmex.com/realtime <- 1626993367.874177: "
				 "{\"op\":\"subscribe\",\"args\":[\"orderBookL2:XBTUSD\"]}"),
			 LQ_CONVERT_SKIPPED);
	assert_int_equal(line(f, "1626993367.875267: {\"info\":\"Welcome to the BitMEX Realtime "
				 "API.\",\"version\":\"2021-07-14T01:26:29.000Z\"}"),
			 LQ_CONVERT_SKIPPED);
	assert_int_equal(line(f, "1626993368.001705: {\"success\":true,\"subscribe\":"
				 "\"orderBookL2:XBTUSD\"}"),
			 LQ_CONVERT_SKIPPED);
	/* before the partial: discarded, counted */
	assert_int_equal(
	    line(f, BM_L2("1626993368.1", "update", XBT_ROW("8796766500", "Sell", "100") "}")),
	    LQ_CONVERT_SKIPPED);
	assert_int_equal(
	    line(f, "1626993370.4318001: {\"table\":\"orderBookL2\",\"action\":\"partial\","
		    "\"keys\":[\"symbol\",\"id\",\"side\"],\"filter\":{\"symbol\":\"XBTUSD\"},"
		    "\"data\":[" XBT_ROWP("8796765400", "Sell", "21200", "32346") "," XBT_ROWP(
			"8796794450", "Buy", "15900",
			"32055.5") ",{\"symbol\":\"ADAUSDT\",\"id\":1,\"side\":\"Buy\",\"size\":1,"
				   "\"price\":1e-05}]}"),
	    LQ_CONVERT_OK);
	assert_int_equal(
	    line(f, BM_L2("1626993370.5", "insert", XBT_ROWP("8796800000", "Buy", "100", "32000"))),
	    LQ_CONVERT_OK);
	assert_int_equal(
	    line(f, BM_L2("1626993370.6", "update", XBT_ROW("8796794450", "Buy", "20500") "}")),
	    LQ_CONVERT_OK);
	assert_int_equal(
	    line(f, BM_L2("1626993370.7", "delete",
			  "{\"symbol\":\"XBTUSD\",\"id\":8796765400,\"side\":\"Sell\"}")),
	    LQ_CONVERT_OK);
	refused(f,
		BM_L2("1626993370.8", "delete",
		      "{\"symbol\":\"XBTUSD\",\"id\":8796765400,\"side\":\"Sell\"}"),
		LQ_CONVERT_E_VALUE, "which no partial or insert defined");
	refused(f, BM_L2("1626993370.8", "update", XBT_ROW("8796794450", "Sell", "100") "}"),
		LQ_CONVERT_E_VALUE, "changed side");
	refused(f, BM_L2("1626993370.8", "insert", XBT_ROWP("8796800001", "Buy", "150", "32000")),
		LQ_CONVERT_E_VALUE, "off the lot grid");
	refused(f, BM_L2("1626993370.8", "insert", XBT_ROWP("8796800001", "Buy", "100", "32000.2")),
		LQ_CONVERT_E_VALUE, "off the tick grid");
	assert_int_equal(
	    line(f,
		 "1626993370.9: {\"table\":\"trade\",\"action\":\"partial\",\"data\":[{"
		 "\"timestamp\":\"2021-07-22T22:35:59.790Z\",\"symbol\":\"XBTUSD\",\"side\":"
		 "\"Buy\",\"size\":1000,\"price\":32175,\"trdMatchID\":\"a36d1fb8-ff0c-d428-cde7-"
		 "d166a181c1d2\"}]}"),
	    LQ_CONVERT_OK);
	assert_int_equal(
	    line(f, "1626993371.0192971: {\"table\":\"quote\",\"action\":\"insert\",\"data\":[{"
		    "\"timestamp\":\"2021-07-22T22:36:10.087Z\",\"symbol\":\"XBTUSD\",\"bidSize\":"
		    "null,\"bidPrice\":null,\"askPrice\":32180.5,\"askSize\":161000}]}"),
	    LQ_CONVERT_OK);
	refused(f, "1626993371.1: {\"table\":\"instrument\",\"action\":\"update\",\"data\":[]}",
		LQ_CONVERT_E_UNKNOWN, "table \"instrument\"");
	refused(f, "1626993371.1: {\"status\":400,\"error\":\"Unknown table: foo\"}",
		LQ_CONVERT_E_UNKNOWN, "the venue reported an error");
	refused(f, "1626993371.1 {\"a\":1}", LQ_CONVERT_E_SYNTAX, "<seconds since 1970>: <JSON>");
	refused(f,
		"1626993371.1: {\"table\":\"trade\",\"action\":\"insert\",\"data\":[{"
		"\"timestamp\":\"2021-07-22 22:35:59Z\",\"symbol\":\"XBTUSD\"}]}",
		LQ_CONVERT_E_VALUE, "not a UTC time");
	refused(f,
		"1626993371.1: {\"table\":\"trade\",\"action\":\"insert\",\"data\":[{"
		"\"timestamp\":\"4042-07-22T22:35:59.790Z\",\"symbol\":\"XBTUSD\"}]}",
		LQ_CONVERT_E_VALUE, "beyond 2262"); /* found by fuzz_convert_bitmex */
	finish(f);

	assert_int_equal(m[0].type, LQ_FEED_INSTRUMENT);
	assert_string_equal(m[0].u.def.name, "XBTUSD");
	assert_int_equal(m[0].u.def.kind, LQ_FEED_INVERSE);
	assert_string_equal(m[0].u.def.settle, "XBT");
	assert_true(m[0].u.def.tick == 5 && m[0].u.def.price_decimals == 1);
	assert_true(m[0].u.def.lot == 100 && m[0].u.def.qty_decimals == 0);
	assert_true(m[0].u.def.contract == 1 && m[0].u.def.contract_decimals == 0);
	/* the partial: clear, two levels, the receive time (flagged) */
	const uint8_t snap = LQ_FEED_F_SNAPSHOT | LQ_FEED_F_TS_LOCAL;
	assert_int_equal(m[1].type, LQ_FEED_BOOK_CLEAR);
	assert_int_equal(m[1].flags, snap);
	assert_true(m[1].ts_ns == 1626993370431800100);
	assert_int_equal(m[2].flags, snap);
	assert_true(m[2].u.level.price == 323460 && m[2].u.level.qty == 21200);
	assert_int_equal(m[2].u.level.side, LQ_FEED_ASK);
	assert_int_equal(m[3].flags, snap | LQ_FEED_F_LAST);
	assert_true(m[3].u.level.price == 320555 && m[3].u.level.qty == 15900);
	/* insert, update (price from the id), delete (qty 0) */
	assert_true(m[4].u.level.price == 320000 && m[4].u.level.qty == 100);
	assert_int_equal(m[4].flags, LQ_FEED_F_TS_LOCAL | LQ_FEED_F_LAST);
	assert_true(m[5].u.level.price == 320555 && m[5].u.level.qty == 20500);
	assert_true(m[6].u.level.price == 323460 && m[6].u.level.qty == 0);
	assert_int_equal(m[6].u.level.side, LQ_FEED_ASK);
	/* the trade partial: a past trade, at its own time */
	assert_int_equal(m[7].type, LQ_FEED_TRADE);
	assert_int_equal(m[7].flags, LQ_FEED_F_SNAPSHOT | LQ_FEED_F_LAST);
	assert_true(m[7].ts_ns == 1626993359790000000);
	assert_true(m[7].u.trade.price == 321750 && m[7].u.trade.qty == 1000);
	assert_int_equal(m[7].u.trade.aggressor, LQ_FEED_BID);
	assert_true(m[7].u.trade.trade_id == 0xa36d1fb8ff0cd428ull);
	/* a quote with an empty bid */
	assert_int_equal(m[8].type, LQ_FEED_BOOK_TOP);
	assert_true(m[8].u.top.bid_price == 0 && m[8].u.top.bid_qty == 0);
	assert_true(m[8].u.top.ask_price == 321805 && m[8].u.top.ask_qty == 161000);
	assert_true(m[8].ts_ns == 1626993370087000000);
	assert_int_equal(f->cap.n, 9);
	const struct lq_convert_inst_stats *s = &f->c.inst[0].stats;
	assert_int_equal(s->rows_before_snapshot, 1);
	assert_int_equal(s->snapshots, 1);
	assert_int_equal(f->c.ids_used, 2);
	assert_int_equal(f->c.stats.unknown_count, 1);
	assert_string_equal(f->c.stats.unknown[0].name, "ADAUSDT");
	assert_false(f->c.stats.unknown[0].known);
	assert_int_equal(f->c.stats.unknown[0].lines, 1);
	fx_free(f);
}

/*
 * A symbol no spec names: strict, the line is refused and the message says which line to
 * add; lenient, a row among others is skipped (the line's other rows convert) and a line
 * about that symbol only is refused, both counted by symbol. Specs are checked at set-up.
 */
static void test_unknown_symbol(void **state)
{
	(void)state;
	const char *mixed =
	    "1626993370.4: {\"table\":\"orderBookL2\",\"action\":\"partial\",\"keys\":[\"symbol\","
	    "\"id\",\"side\"],\"data\":[" XBT_ROWP("8796765400", "Sell", "21200",
						   "32346") ",{\"symbol\":\"ADAUSDT\",\"id\":1,"
							    "\"side\":\"Buy\",\"size\":1,"
							    "\"price\":1e-05}]}";
	struct fx *f = fx_new(LQ_CONVERT_BITMEX, NULL, 0, 0);
	refused(f, mixed, LQ_CONVERT_E_UNKNOWN,
		"ADAUSDT is not in preset bitmex: add a line such as \"instrument ADAUSDT linear "
		"settle=USDT tick=... lot=...\" to a --config file");
	assert_int_equal(f->c.inst_count, 0); /* not even XBTUSD, met first on that line */
	fx_free(f);

	f = fx_new(LQ_CONVERT_BITMEX, NULL, 0, 0);
	f->c.p.lenient = true;
	assert_int_equal(line(f, mixed), LQ_CONVERT_OK);
	assert_int_equal(line(f, mixed), LQ_CONVERT_OK);
	finish(f);
	assert_int_equal(f->c.inst_count, 1);
	assert_int_equal(f->c.stats.unknown_count, 1);
	assert_string_equal(f->c.stats.unknown[0].name, "ADAUSDT");
	assert_int_equal(f->c.stats.unknown[0].lines, 2);
	fx_free(f);

	f = fx_new(LQ_CONVERT_BINANCE, NULL, 0, 0);
	f->c.p.lenient = true;
	refused(f,
		"1723161255030314667 {\"stream\":\"x\",\"data\":{\"e\":\"trade\",\"s\":\"XRPUSD_"
		"PERP\"}}",
		LQ_CONVERT_E_UNKNOWN,
		"\"instrument XRPUSD_PERP inverse settle=XRP tick=... lot=... contract=...\"");
	assert_int_equal(f->c.stats.unknown_count, 1);
	assert_string_equal(f->c.stats.unknown[0].name, "XRPUSD_PERP");
	fx_free(f);

	/* specs: each a valid definition, none named twice */
	struct lq_convert c;
	struct lq_convert_params p;
	struct lq_convert_spec bad[2] = {
	    {"BTCUSDT", LQ_FEED_LINEAR, "USDT", 6, "0.1", "0.001", ""},
	    {"BTCUSDT", LQ_FEED_LINEAR, "USDT", 6, "0.1", "0.001", ""},
	};
	lq_convert_params_defaults(&p);
	p.specs = bad;
	p.spec_count = 2;
	size_t size = lq_convert_memsize(&p);
	void *mem = test_malloc(size);
	assert_int_equal(lq_convert_init(&c, mem, size, &p, cap_sink, NULL), -EINVAL);
	p.spec_count = 1;
	assert_int_equal(lq_convert_init(&c, mem, size, &p, cap_sink, NULL), 0);
	snprintf(bad[0].contract, sizeof(bad[0].contract), "100"); /* linear with a contract */
	assert_int_equal(lq_convert_init(&c, mem, size, &p, cap_sink, NULL), -EINVAL);
	bad[0].contract[0] = '\0';
	snprintf(bad[0].tick, sizeof(bad[0].tick), "0.x");
	assert_int_equal(lq_convert_init(&c, mem, size, &p, cap_sink, NULL), -EINVAL);
	test_free(mem);
}

/* Many ids in a small table: inserts and deletes keep every probe chain intact. */
static void test_bitmex_id_table(void **state)
{
	(void)state;
	struct fx *f = fx_new(LQ_CONVERT_BITMEX, "XBTUSD", 64, 0);
	char buf[256];
	assert_int_equal(line(f, "1.1: {\"table\":\"orderBookL2\",\"action\":\"partial\","
				 "\"filter\":{\"symbol\":\"XBTUSD\"},\"data\":[]}"),
			 LQ_CONVERT_OK);
	for (int round = 0; round < 20; round++) {
		for (int i = 0; i < 40; i++) {
			int id = 1000 + (i * 7919 + round * 31) % 4096;
			snprintf(buf, sizeof(buf),
				 BM_L2("1.2", "insert",
				       "{\"symbol\":\"XBTUSD\",\"id\":%d,\"side\":"
				       "\"Buy\",\"size\":100,\"price\":%d}"),
				 id, id);
			assert_int_equal(line(f, buf), LQ_CONVERT_OK);
		}
		assert_int_equal(f->c.ids_used, 40);
		for (int i = 39; i >= 0; i--) {
			int id = 1000 + (i * 7919 + round * 31) % 4096;
			snprintf(buf, sizeof(buf),
				 BM_L2("1.3", "delete",
				       "{\"symbol\":\"XBTUSD\",\"id\":%d,\"side\":\"Buy\"}"),
				 id);
			assert_int_equal(line(f, buf), LQ_CONVERT_OK); /* found, so deleted */
		}
		assert_int_equal(f->c.ids_used, 0);
	}
	/* past 3/4 of the table: refused as a limit, not a crash */
	for (int i = 0; i < 48; i++) {
		snprintf(buf, sizeof(buf),
			 BM_L2("1.4", "insert",
			       "{\"symbol\":\"XBTUSD\",\"id\":%d,\"side\":\"Buy\","
			       "\"size\":100,\"price\":%d}"),
			 i + 1, i + 1);
		assert_int_equal(line(f, buf), LQ_CONVERT_OK);
	}
	snprintf(buf, sizeof(buf),
		 BM_L2("1.5", "insert",
		       "{\"symbol\":\"XBTUSD\",\"id\":99,\"side\":\"Buy\","
		       "\"size\":100,\"price\":99}"));
	refused(f, buf, LQ_CONVERT_E_LIMIT, "orderBookL2 ids");
	finish(f);
	fx_free(f);
}

/* ---- whole files ---- */

static void write_gz(const char *path, const char *text, bool plain)
{
	if (plain) {
		FILE *fp = fopen(path, "w");
		assert_non_null(fp);
		fputs(text, fp);
		fclose(fp);
		return;
	}
	gzFile g = gzopen(path, "wb");
	assert_non_null(g);
	assert_int_equal(gzputs(g, text), (int)strlen(text));
	assert_int_equal(gzclose(g), Z_OK);
}

static void test_file_strict_lenient(void **state)
{
	(void)state;
	char path[] = "/tmp/lq_test_convert_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	static const char text[] = BTC_TICKER "\n" BTC_TRADE("true", "WASH") "\n\n" BTC_TRADE(
	    "true", "MARKET") "\r\n1723161255030314667 {oops\n" BTC_TICKER; /* no final newline */
	for (int plain = 0; plain < 2; plain++) {
		write_gz(path, text, plain);
		struct fx *f = fx_new(LQ_CONVERT_BINANCE, NULL, 0, 0);
		assert_int_equal(lq_convert_file(&f->c, path), LQ_CONVERT_E_VALUE);
		assert_non_null(strstr(lq_convert_error(&f->c), "line 2: "));
		fx_free(f);

		f = fx_new(LQ_CONVERT_BINANCE, NULL, 0, 0);
		f->c.p.lenient = true;
		assert_int_equal(lq_convert_file(&f->c, path), LQ_CONVERT_OK);
		assert_int_equal(f->c.stats.lines, 6);
		assert_int_equal(f->c.stats.refused[LQ_CONVERT_E_VALUE], 1);
		assert_int_equal(f->c.stats.refused[LQ_CONVERT_E_SYNTAX], 1);
		assert_int_equal(f->c.stats.skipped, 1); /* the empty line */
		assert_non_null(strstr(f->c.first_err, "line 2: "));
		assert_int_equal(f->cap.n, 1 + 3);
		assert_int_equal(f->cap.msgs[3].type, LQ_FEED_BOOK_TOP);
		fx_free(f);
	}
	/* a gzip stream cut short is unusable input (exit 2), not a quiet end nor an I/O error */
	write_gz(path, text, false);
	FILE *fp = fopen(path, "r+");
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	long n = ftell(fp);
	fclose(fp);
	assert_int_equal(truncate(path, n - 12), 0);
	struct fx *f = fx_new(LQ_CONVERT_BINANCE, NULL, 0, 0);
	f->c.p.lenient = true;
	assert_int_equal(lq_convert_file(&f->c, path), LQ_CONVERT_E_CORRUPT);
	fx_free(f);
	unlink(path);
	f = fx_new(LQ_CONVERT_BINANCE, NULL, 0, 0);
	assert_int_equal(lq_convert_file(&f->c, "/nonexistent/x.gz"), LQ_CONVERT_E_IO);
	assert_non_null(strstr(lq_convert_error(&f->c), "cannot open"));
	fx_free(f);
}

static void test_venue_detect(void **state)
{
	(void)state;
	enum lq_convert_venue v;
	const char *b = "1680652800005184 {\"stream\":1}";
	const char *x = "wss://www.bitmex.com/realtime <-> 1626993367.388005";
	assert_int_equal(lq_convert_venue_detect(b, strlen(b), &v), 0);
	assert_int_equal(v, LQ_CONVERT_BINANCE);
	assert_int_equal(lq_convert_venue_detect(x, strlen(x), &v), 0);
	assert_int_equal(v, LQ_CONVERT_BITMEX);
	const char *o = "wss://ws.example.com:8443/ws/v5/public <-> 1.0";
	assert_int_equal(lq_convert_venue_detect(o, strlen(o), &v), -EINVAL);
	assert_int_equal(lq_convert_venue_detect("", 0, &v), -EINVAL);
}

static void test_jscan(void **state)
{
	(void)state;
	static const char *const good[] = {
	    "{}",
	    "[]",
	    " {\"a\" : [1, -0.5e+3, true, false, null, \"x\\u00e9\\n\"]} ",
	    "0",
	    "\"\"",
	    "[[[[]]]]",
	    "{\"a\":{\"b\":{}}}",
	};
	static const char *const bad[] = {
	    "",	     "{",	   "}",	 "[1,]",    "{\"a\"}",	   "{\"a\":}", "01",
	    "1.",    "-",	   "1e", "\"\\x\"", "\"\t\"",	   "tru",      "{} {}",
	    "[1 2]", "{\"a\":1,}", "\"", "nul",	    "[\"\\u12\"]",
	};
	struct lq_jscan_val v;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(lq_jscan_parse(good[i], strlen(good[i]), &v), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (lq_jscan_parse(bad[i], strlen(bad[i]), &v) == 0)
			fail_msg("accepted \"%s\"", bad[i]);
	char deep[80];
	memset(deep, '[', 40);
	memset(deep + 40, ']', 40);
	assert_int_equal(lq_jscan_parse(deep, 80, &v), -EINVAL); /* deeper than 32 */
	assert_int_equal(lq_jscan_parse(deep + 9, 62, &v), 0);	 /* 31 deep */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_binance_kinds),
	    cmocka_unit_test(test_binance_mark_off_grid),
	    cmocka_unit_test(test_binance_depth_gaps),
	    cmocka_unit_test(test_binance_snapshot_merge),
	    cmocka_unit_test(test_binance_snapshot_incomplete),
	    cmocka_unit_test(test_binance_refusals),
	    cmocka_unit_test(test_refusal_leaves_no_state),
	    cmocka_unit_test(test_selection),
	    cmocka_unit_test(test_packets),
	    cmocka_unit_test(test_bitmex),
	    cmocka_unit_test(test_unknown_symbol),
	    cmocka_unit_test(test_bitmex_id_table),
	    cmocka_unit_test(test_file_strict_lenient),
	    cmocka_unit_test(test_venue_detect),
	    cmocka_unit_test(test_jscan),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
