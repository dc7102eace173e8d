/* SPDX-License-Identifier: MIT */
/*
 * The multi-venue-ws converters on crafted lines (shaped on the recordings' own): venue
 * detection, the Binance multi-venue framing (aggTrade, kline skipped, dated futures
 * skipped), Bybit's float sizes and cross_seq, OKX's swaps and contracts, dYdX's offsets and
 * lost message_ids, and the LAST flag on the last message of each venue update.
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

#include "lq/convert.h"

#include "../net/convert_specs.h"

/* The Binance multi-venue recordings' (tests/convert/binance_futures.scn) */
static const struct lq_convert_spec specs_binance_mv[] = {
    {"SUSHIUSDT", LQ_FEED_LINEAR, "USDT", 6, "0.001", "1", ""},
};

#define MSGS_MAX 1024

struct fx {
	struct lq_convert c;
	struct lq_feed_msg msgs[MSGS_MAX];
	uint32_t n;
	uint64_t next_seq;
	void *mem;
};

static int sink(void *ctx, int64_t ts, const void *pkt, size_t len)
{
	struct fx *f = ctx;
	static struct lq_feed_packet p;
	(void)ts;
	assert_int_equal(lq_feed_decode_packet(pkt, len, &p, NULL), LQ_FEED_OK);
	assert_true(p.seq == f->next_seq);
	f->next_seq += p.count;
	assert_true(f->n + p.count <= MSGS_MAX);
	memcpy(&f->msgs[f->n], p.msgs, sizeof(p.msgs[0]) * p.count);
	f->n += p.count;
	return 0;
}

static struct fx *fx_new(enum lq_convert_venue v)
{
	struct fx *f = test_calloc(1, sizeof(*f));
	struct lq_convert_params p;
	lq_convert_params_defaults(&p);
	p.venue = v;
	p.batch_ns = 0; /* a packet per line */
	p.levels_max = 64;
	if (v == LQ_CONVERT_BINANCE)
		TEST_SPECS(&p, specs_binance_mv, "tests/convert/binance_futures.scn");
	else
		test_specs_set(&p);
	size_t size = lq_convert_memsize(&p);
	f->mem = test_malloc(size);
	f->next_seq = 1;
	assert_int_equal(lq_convert_init(&f->c, f->mem, size, &p, sink, f), 0);
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

/* Convert s; the messages it gave (after finishing the packet) from *from on. */
static uint32_t ok(struct fx *f, const char *s, uint32_t *from)
{
	*from = f->n;
	enum lq_convert_status st = line(f, s);
	if (st != LQ_CONVERT_OK)
		fail_msg("line %llu %s: %s", (unsigned long long)f->c.line_no,
			 lq_convert_status_str(st), lq_convert_error(&f->c));
	assert_int_equal(lq_convert_finish(&f->c), LQ_CONVERT_OK);
	return f->n - *from;
}

static void refused(struct fx *f, const char *s, enum lq_convert_status st, const char *words)
{
	uint64_t before = f->c.stats.messages;
	assert_int_equal(line(f, s), st);
	if (!strstr(lq_convert_error(&f->c), words))
		fail_msg("error \"%s\" does not mention \"%s\"", lq_convert_error(&f->c), words);
	assert_int_equal(f->c.stats.messages, before);
}

static void test_detect(void **state)
{
	(void)state;
	static const struct {
		const char *line;
		enum lq_convert_venue v;
	} cases[] = {
	    {"wss://fstream.binance.com/stream?streams=sushiusdt@aggTrade <-> 1626992740.179554",
	     LQ_CONVERT_BINANCE},
	    {"wss://dstream.binance.com/stream?streams=linkusd_perp@depth@100ms <-> 1626916403.1",
	     LQ_CONVERT_BINANCE},
	    {"wss://www.bitmex.com/realtime <-> 1626993369.9", LQ_CONVERT_BITMEX},
	    {"wss://stream.bybit.com/realtime_public <-> 1618677785.4827468", LQ_CONVERT_BYBIT},
	    {"wss://ws.okx.com:8443/ws/v5/public <-> 1652459224.5300605", LQ_CONVERT_OKX},
	    {"wss://api.dydx.exchange/v3/ws <-> 1635444230.6206012", LQ_CONVERT_DYDX},
	    {"1723161255088169167 {\"stream\":\"x\"}", LQ_CONVERT_BINANCE},
	};
	enum lq_convert_venue v;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(lq_convert_venue_detect(cases[i].line, strlen(cases[i].line), &v),
				 0);
		assert_int_equal(v, cases[i].v);
		assert_int_equal(lq_convert_venue_parse(lq_convert_venue_str(v), &v), 0);
		assert_int_equal(v, cases[i].v);
	}
	/* the venue is the host's, not a word of the path */
	const char *x = "wss://example.com/bybit.com <-> 1.5";
	assert_int_equal(lq_convert_venue_detect(x, strlen(x), &v), -EINVAL);
	assert_int_equal(lq_convert_venue_parse("kraken", &v), -EINVAL);
}

#define BN_AGG(s, p)                                                                               \
	"1626992741.5: "                                                                           \
	"{\"stream\":\"x@aggTrade\",\"data\":{\"e\":\"aggTrade\",\"E\":1626992741575,"             \
	"\"a\":97551234,\"s\":\"" s "\",\"p\":\"" p "\",\"q\":\"12\",\"f\":1,\"l\":2,"             \
	"\"T\":1626992741574,\"m\":true}}"

static void test_binance_mvws(void **state)
{
	(void)state;
	struct fx *f = fx_new(LQ_CONVERT_BINANCE);
	uint32_t at;
	assert_int_equal(line(f, "wss://fstream.binance.com/stream?streams=x <-> 1626992740.1"),
			 LQ_CONVERT_SKIPPED);
	assert_int_equal(ok(f, BN_AGG("SUSHIUSDT", "7.6120"), &at), 2);
	const struct lq_feed_msg *m = &f->msgs[at + 1];
	assert_int_equal(f->msgs[at].type, LQ_FEED_INSTRUMENT);
	assert_int_equal(m->type, LQ_FEED_TRADE);
	assert_int_equal(m->u.trade.price, 7612);
	assert_int_equal(m->u.trade.qty, 12);
	assert_int_equal(m->u.trade.trade_id, 97551234);
	assert_int_equal(m->u.trade.aggressor, LQ_FEED_ASK); /* the buyer was the maker */
	assert_true(m->ts_ns == 1626992741575000000LL);
	assert_true(m->flags & LQ_FEED_F_LAST);
	assert_int_equal(f->c.stats.recv_s_lines, 1);
	/* klines: skipped, counted; dated futures the table lacks: skipped, counted */
	assert_int_equal(line(f, "1626992741.6: {\"stream\":\"x@kline_1m\",\"data\":{\"e\":"
				 "\"kline\",\"E\":1,\"s\":\"SUSHIUSDT\",\"k\":{}}}"),
			 LQ_CONVERT_SKIPPED);
	assert_int_equal(f->c.stats.skipped_kind, 1);
	assert_int_equal(line(f, BN_AGG("BTCUSD_211231", "32000.1")), LQ_CONVERT_SKIPPED);
	assert_int_equal(f->c.stats.not_perpetual, 1);
	/* a perpetual the table lacks is named */
	refused(f, BN_AGG("DOGEUSDT", "0.2"), LQ_CONVERT_E_UNKNOWN, "DOGEUSDT is not in");
	/* the two framings' receive times */
	refused(f, "1626992741.x: {}", LQ_CONVERT_E_SYNTAX, "multi-venue-ws");
	fx_free(f);
}

#define BY_SNAP                                                                                    \
	"1618677787.1: {\"topic\":\"orderBookL2_25.ETHUSDT\",\"type\":\"snapshot\",\"data\":{"     \
	"\"order_book\":[{\"price\":\"2362.65\",\"symbol\":\"ETHUSDT\",\"id\":\"23626500\","       \
	"\"side\":\"Buy\",\"size\":29.180002},{\"price\":\"2363.00\",\"symbol\":\"ETHUSDT\","      \
	"\"id\":\"23630000\",\"side\":\"Sell\",\"size\":1}]},\"cross_seq\":\"1800545970\","        \
	"\"timestamp_e6\":\"1618677785648000\"}"
#define BY_DELTA(seq, size)                                                                        \
	"1618677787.2: {\"topic\":\"orderBookL2_25.ETHUSDT\",\"type\":\"delta\",\"data\":{"        \
	"\"delete\":[{\"price\":\"2363.00\",\"symbol\":\"ETHUSDT\",\"id\":\"23630000\","           \
	"\"side\":\"Sell\"}],\"update\":[],\"insert\":[{\"price\":\"2363.05\",\"symbol\":"         \
	"\"ETHUSDT\",\"id\":\"23630500\",\"side\":\"Sell\",\"size\":" size                         \
	"}]},\"cross_seq\":\"" seq "\",\"timestamp_e6\":\"1618677785648989\"}"

static void test_bybit(void **state)
{
	(void)state;
	struct fx *f = fx_new(LQ_CONVERT_BYBIT);
	uint32_t at;
	/* a delta before the snapshot has no book to change */
	assert_int_equal(line(f, BY_DELTA("1800545969", "2")), LQ_CONVERT_SKIPPED);
	assert_int_equal(ok(f, BY_SNAP, &at), 4); /* definition, clear, 2 levels */
	const struct lq_feed_msg *m = &f->msgs[at + 1];
	assert_int_equal(m[0].type, LQ_FEED_BOOK_CLEAR);
	assert_true(m[0].flags & LQ_FEED_F_SNAPSHOT);
	assert_int_equal(m[1].u.level.qty, 2918); /* 29.180002: float noise off 29.18 */
	assert_int_equal(m[1].u.level.price, 236265);
	assert_false(m[1].flags & LQ_FEED_F_LAST);
	assert_true(m[2].flags & LQ_FEED_F_LAST); /* the book is whole after the last */
	assert_true(m[2].ts_ns == 1618677785648000000LL);
	assert_int_equal(f->c.inst[0].stats.qty_rounded, 1);
	/* farther off the lot than float noise; cross_seq not growing */
	refused(f, BY_DELTA("1800545971", "29.185"), LQ_CONVERT_E_VALUE, "off the lot grid");
	refused(f, BY_DELTA("1800545970", "2"), LQ_CONVERT_E_VALUE, "cross_seq 1800545970");
	assert_int_equal(ok(f, BY_DELTA("1800545971", "2"), &at), 2);
	assert_int_equal(f->msgs[at].u.level.qty, 0); /* the delete */
	assert_false(f->msgs[at].flags & LQ_FEED_F_LAST);
	assert_true(f->msgs[at + 1].flags & LQ_FEED_F_LAST);
	refused(f,
		"1618677787.3: {\"topic\":\"instrument_info.100ms.ETHUSDT\",\"type\":\"snapshot\","
		"\"data\":{}}",
		LQ_CONVERT_E_UNKNOWN, "is not converted");
	assert_int_equal(line(f, "1618677786.8: {\"success\":true,\"ret_msg\":\"\",\"conn_id\":"
				 "\"x\",\"request\":{\"op\":\"subscribe\"}}"),
			 LQ_CONVERT_SKIPPED);
	fx_free(f);
}

#define OKX_TRADE(inst, sz)                                                                        \
	"1652459225.507172: {\"arg\":{\"channel\":\"trades\",\"instId\":\"" inst "\"},\"data\":[{" \
	"\"instId\":\"" inst "\",\"tradeId\":\"12883020\",\"px\":\"5.123\",\"sz\":\"" sz "\","     \
	"\"side\":\"sell\",\"ts\":\"1652459215150\"}]}"

static void test_okx(void **state)
{
	(void)state;
	struct fx *f = fx_new(LQ_CONVERT_OKX);
	uint32_t at;
	assert_int_equal(ok(f, OKX_TRADE("UNI-USD-SWAP", "100"), &at), 2);
	assert_int_equal(f->msgs[at].type, LQ_FEED_INSTRUMENT);
	/* contracts of 10 USD, an inverse swap settled in UNI */
	assert_int_equal(f->msgs[at].u.def.kind, LQ_FEED_INVERSE);
	assert_int_equal(f->msgs[at].u.def.contract, 10);
	assert_int_equal(f->msgs[at + 1].u.trade.qty, 100);
	assert_int_equal(f->msgs[at + 1].u.trade.aggressor, LQ_FEED_ASK);
	/* spot and dated futures: skipped, counted; a swap the table lacks is named */
	assert_int_equal(line(f, OKX_TRADE("BTC-USDT", "0.1")), LQ_CONVERT_SKIPPED);
	assert_int_equal(line(f, OKX_TRADE("BTC-USD-220527", "1")), LQ_CONVERT_SKIPPED);
	assert_int_equal(f->c.stats.not_perpetual, 2);
	refused(f, OKX_TRADE("BTC-USDT-SWAP", "1"), LQ_CONVERT_E_UNKNOWN, "BTC-USDT-SWAP");
	refused(f, OKX_TRADE("UNI-USD-SWAP", "0.5"), LQ_CONVERT_E_VALUE, "sz");
	/* books: an update before the snapshot is skipped; size "0" removes a level */
	const char *upd =
	    "1652459225.70: {\"arg\":{\"channel\":\"books\",\"instId\":\"UNI-USD-SWAP\"},"
	    "\"action\":\"update\",\"data\":[{\"asks\":[[\"5.158\",\"0\",\"0\",\"0\"]],"
	    "\"bids\":[],\"ts\":\"1652459225464\",\"checksum\":1364965224}]}";
	assert_int_equal(line(f, upd), LQ_CONVERT_SKIPPED);
	assert_int_equal(
	    ok(f,
	       "1652459225.69: {\"arg\":{\"channel\":\"books\",\"instId\":\"UNI-USD-SWAP\"},"
	       "\"action\":\"snapshot\",\"data\":[{\"asks\":[[\"5.158\",\"60\",\"0\",\"1\"]],"
	       "\"bids\":[[\"5.14\",\"96\",\"0\",\"4\"]],\"ts\":\"1652459225464\",\"checksum\":-"
	       "948950776}]"
	       "}",
	       &at),
	    3);
	assert_int_equal(ok(f, upd, &at), 1);
	assert_int_equal(f->msgs[at].u.level.qty, 0);
	assert_true(f->msgs[at].flags & LQ_FEED_F_LAST);
	/* the checksums: "5.14:96:5.158:60" after the snapshot, "5.14:96" after the update */
	assert_int_equal(f->c.inst[0].stats.checksums, 2);
	assert_int_equal(f->c.inst[0].stats.venue_gaps, 0);
	const char *bad = "1652459225.71: {\"arg\":{\"channel\":\"books\",\"instId\":"
			  "\"UNI-USD-SWAP\"},\"action\":\"update\",\"data\":[{\"asks\":[],"
			  "\"bids\":[[\"5.13\",\"7\",\"0\",\"1\"]],\"ts\":\"1652459225465\","
			  "\"checksum\":12345}]}";
	assert_int_equal(ok(f, bad, &at), 1);
	assert_true(f->msgs[at].flags & LQ_FEED_F_VENUE_GAP);
	assert_int_equal(f->c.inst[0].stats.venue_gaps, 1);
	refused(f,
		"1652459225.72: {\"arg\":{\"channel\":\"books\",\"instId\":\"UNI-USD-SWAP\"},"
		"\"action\":\"update\",\"data\":[{\"asks\":[],\"bids\":[],\"ts\":\"1\","
		"\"checksum\":4294967296}]}",
		LQ_CONVERT_E_VALUE, "not a 32-bit integer");
	refused(f,
		"1652459225.8: {\"arg\":{\"channel\":\"mark-price\",\"instId\":\"UNI-USD-SWAP\"},"
		"\"data\":[]}",
		LQ_CONVERT_E_UNKNOWN, "mark-price");
	fx_free(f);
}

#define DY_SNAP                                                                                    \
	"1635444230.84: {\"type\":\"subscribed\",\"message_id\":1,\"channel\":\"v3_orderbook\","   \
	"\"id\":\"ETH-USD\",\"contents\":{\"bids\":[{\"price\":\"4215.5\",\"offset\":\"50\","      \
	"\"size\":\"1\"},{\"price\":\"4215.4\",\"offset\":\"30\",\"size\":\"0\"}],\"asks\":[{"     \
	"\"price\":\"4215.6\",\"offset\":\"20\",\"size\":\"2.5\"}]}}"

static const char *dy_update(char *buf, size_t cap, unsigned id, unsigned offset, const char *px)
{
	snprintf(
	    buf, cap,
	    "1635444231.%u: {\"type\":\"channel_data\",\"message_id\":%u,\"channel\":"
	    "\"v3_orderbook\",\"id\":\"ETH-USD\",\"contents\":{\"offset\":\"%u\",\"bids\":[[\"%s\","
	    "\"3\"]],\"asks\":[]}}",
	    id, id, offset, px);
	return buf;
}

static void test_dydx(void **state)
{
	(void)state;
	struct fx *f = fx_new(LQ_CONVERT_DYDX);
	char b[512];
	uint32_t at;
	assert_int_equal(line(f, "1635444230.75: {\"type\":\"connected\",\"message_id\":0}"),
			 LQ_CONVERT_SKIPPED);
	assert_int_equal(ok(f, DY_SNAP, &at), 4); /* definition, clear, 2 levels (not size 0) */
	assert_true(f->msgs[at + 1].flags & LQ_FEED_F_TS_LOCAL);
	/* offset 40 is older than the level's 50: left, counted; 60 is newer */
	assert_int_equal(line(f, dy_update(b, sizeof(b), 2, 40, "4215.5")), LQ_CONVERT_SKIPPED);
	assert_int_equal(f->c.inst[0].stats.stale_levels, 1);
	assert_int_equal(ok(f, dy_update(b, sizeof(b), 3, 60, "4215.5"), &at), 1);
	assert_int_equal(f->msgs[at].u.level.qty, 3000);
	/* the level emptied in the snapshot (offset 30) takes an update of 35 */
	assert_int_equal(ok(f, dy_update(b, sizeof(b), 4, 35, "4215.4"), &at), 1);
	/* message 5 never comes: once 64 later ones came it is lost, the next book message
	 * says so */
	for (unsigned id = 6; id < 69; id++)
		assert_int_equal(ok(f, dy_update(b, sizeof(b), id, 100 + id, "4215.3"), &at), 1);
	assert_false(f->msgs[at].flags & LQ_FEED_F_VENUE_GAP); /* 68: still within the window */
	assert_int_equal(ok(f, dy_update(b, sizeof(b), 69, 169, "4215.3"), &at), 1);
	assert_true(f->msgs[at].flags & LQ_FEED_F_VENUE_GAP);
	assert_int_equal(f->c.inst[0].stats.venue_gaps, 1);
	/* reordered ids are no loss; a repeated one is refused */
	assert_int_equal(ok(f, dy_update(b, sizeof(b), 71, 171, "4215.3"), &at), 1);
	assert_int_equal(ok(f, dy_update(b, sizeof(b), 70, 170, "4215.2"), &at), 1);
	assert_false(f->msgs[at].flags & LQ_FEED_F_VENUE_GAP);
	refused(f, dy_update(b, sizeof(b), 70, 172, "4215.3"), LQ_CONVERT_E_VALUE,
		"message_id 70 seen twice");
	refused(f, dy_update(b, sizeof(b), 72, 172, "4215.35"), LQ_CONVERT_E_VALUE, "4215.35");
	/* trades come newest first; the feed has them oldest first */
	assert_int_equal(
	    ok(f,
	       "1635444232.0: "
	       "{\"type\":\"channel_data\",\"message_id\":72,\"channel\":\"v3_trades\","
	       "\"id\":\"ETH-USD\",\"contents\":{\"trades\":[{\"side\":\"BUY\",\"size\":\"0.1\","
	       "\"price\":\"4215.6\",\"createdAt\":\"2021-10-28T18:03:51.833Z\"},{\"side\":"
	       "\"SELL\","
	       "\"size\":\"0.2\",\"price\":\"4215.5\",\"createdAt\":\"2021-10-28T18:03:50.076Z\"}]}"
	       "}",
	       &at),
	    2);
	assert_int_equal(f->msgs[at].u.trade.price, 42155);
	assert_int_equal(f->msgs[at].u.trade.aggressor, LQ_FEED_ASK);
	assert_int_equal(f->msgs[at + 1].u.trade.price, 42156);
	assert_true(f->msgs[at + 1].flags & LQ_FEED_F_LAST);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_detect), cmocka_unit_test(test_binance_mvws),
	    cmocka_unit_test(test_bybit),  cmocka_unit_test(test_okx),
	    cmocka_unit_test(test_dydx),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
