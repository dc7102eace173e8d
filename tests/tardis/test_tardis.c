/* SPDX-License-Identifier: MIT */
/*
 * Tardis.dev CSV files into the feed: small files written here from the published column
 * schemas (docs.tardis.dev, "Downloadable CSV files: data types"), plain and gzip, converted
 * and decoded back: each data type's messages and flags, an incremental_book_L2 snapshot then
 * deltas, empty fields, exponent notation, the merge of several files by timestamp, and
 * hostile rows (wrong column count, bad decimal, off-grid price, unknown exchange, timestamps
 * going back) refused with file:line or counted.
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

#include "lq/convert.h"

#define ARRAY_SIZE(a) ((uint32_t)(sizeof(a) / sizeof((a)[0])))

#define MSGS_MAX 1024

static char dir[64];

struct cap {
	struct lq_feed_msg msgs[MSGS_MAX];
	int64_t pkt_ts[MSGS_MAX];
	uint32_t n, pkts;
	uint64_t next_seq;
};

/* Every packet must decode and continue the sequence. */
static int cap_sink(void *ctx, int64_t ts, const void *pkt, size_t len)
{
	struct cap *c = ctx;
	static struct lq_feed_packet p;
	assert_int_equal(lq_feed_decode_packet(pkt, len, &p, NULL), LQ_FEED_OK);
	assert_true(p.seq == c->next_seq);
	c->next_seq += p.count;
	assert_true(c->n + p.count <= MSGS_MAX);
	if (c->pkts > 0)
		assert_true(ts >= c->pkt_ts[c->pkts - 1]); /* packet times never go back */
	c->pkt_ts[c->pkts++] = ts;
	memcpy(&c->msgs[c->n], p.msgs, sizeof(p.msgs[0]) * p.count);
	c->n += p.count;
	return 0;
}

struct run {
	struct lq_convert c;
	struct cap cap;
	struct lq_tardis_input in[LQ_TARDIS_INPUTS_MAX];
	enum lq_convert_status st;
	void *mem;
};

static const char *path_of(const char *name)
{
	static char buf[8][256];
	static unsigned k;
	char *p = buf[k++ % 8];
	snprintf(p, 256, "%s/%s", dir, name);
	return p;
}

/* Write a file, gzip-compressed when its name ends in .gz. */
static const char *put(const char *name, const char *text)
{
	const char *p = path_of(name);
	size_t n = strlen(name);
	if (n > 3 && !strcmp(name + n - 3, ".gz")) {
		gzFile f = gzopen(p, "wb");
		assert_non_null(f);
		assert_int_equal(gzwrite(f, text, (unsigned)strlen(text)), (int)strlen(text));
		assert_int_equal(gzclose(f), Z_OK);
	} else {
		FILE *f = fopen(p, "w");
		assert_non_null(f);
		fputs(text, f);
		assert_int_equal(fclose(f), 0);
	}
	return p;
}

/* The instruments, as a venue preset or a configuration gives them (names: the symbols). */
static const struct lq_convert_spec specs[] = {
    {.name = "BTCUSDT",
     .kind = LQ_FEED_LINEAR,
     .settle = "USDT",
     .settle_decimals = 6,
     .tick = "0.1",
     .lot = "0.001"},
    {.name = "ETHUSDT",
     .kind = LQ_FEED_LINEAR,
     .settle = "USDT",
     .settle_decimals = 6,
     .tick = "0.01",
     .lot = "0.001"},
    {.name = "XBTUSD",
     .kind = LQ_FEED_INVERSE,
     .settle = "XBT",
     .settle_decimals = 8,
     .tick = "0.5",
     .lot = "100",
     .contract = "1"},
};

static struct run *convert(bool lenient, uint32_t n, ...)
{
	struct run *r = test_calloc(1, sizeof(*r));
	struct lq_convert_params p;
	va_list ap;
	lq_convert_params_defaults(&p);
	p.venue = LQ_CONVERT_TARDIS;
	p.lenient = lenient;
	p.batch_ns = 0; /* a packet per row: packet times show the merge's order */
	p.specs = specs;
	p.spec_count = ARRAY_SIZE(specs);
	p.specs_from = "the test's instruments";
	size_t size = lq_convert_memsize(&p);
	r->mem = test_malloc(size);
	r->cap.next_seq = 1;
	assert_int_equal(lq_convert_init(&r->c, r->mem, size, &p, cap_sink, &r->cap), 0);
	va_start(ap, n);
	for (uint32_t i = 0; i < n; i++)
		r->in[i].path = va_arg(ap, const char *);
	va_end(ap);
	r->st = lq_convert_tardis(&r->c, r->in, n);
	return r;
}

static void done(struct run *r)
{
	test_free(r->mem);
	test_free(r);
}

/* The refusal names the file and the line. */
static void refused(struct run *r, enum lq_convert_status st, const char *file, unsigned line,
		    const char *words)
{
	char where[300];
	const char *e = lq_convert_error(&r->c);
	assert_int_equal(r->st, st);
	snprintf(where, sizeof(where), "%s:%u: ", file, line);
	if (strncmp(e, where, strlen(where)) != 0 || !strstr(e, words))
		fail_msg("error \"%s\" is not \"%s...%s\"", e, where, words);
}

#define HDR   "exchange,symbol,timestamp,local_timestamp,"
#define TRADE HDR "id,side,price,amount\n"
#define L2    HDR "is_snapshot,side,price,amount\n"
#define QUOTE HDR "ask_amount,ask_price,bid_price,bid_amount\n"
#define DERIV                                                                                      \
	HDR "funding_timestamp,funding_rate,predicted_funding_rate,open_interest,last_price,"      \
	    "index_price,mark_price\n"
#define BF "binance-futures,BTCUSDT,"
#define T0 1723161600000000LL /* 2024-08-09T00:00:00Z in us */

static void test_trades(void **state)
{
	(void)state;
	const char *f = put("binance-futures_trades_2024-08-09_BTCUSDT.csv.gz",
			    TRADE BF "1723161600100000,1723161600101000,5001,buy,61800.1,0.010\n" BF
				     "1723161600300000,1723161600301000,5002,sell,61799.9,0.5\n" BF
				     "1723161600500000,,abc-1,unknown,61800,1e-3\n");
	struct run *r = convert(false, 1, f);
	assert_int_equal(r->st, LQ_CONVERT_OK);
	assert_int_equal(r->in[0].type, LQ_TARDIS_TRADES);
	assert_string_equal(r->in[0].exchange, "binance-futures");
	assert_int_equal(r->in[0].rows, 3);
	struct lq_feed_msg *m = r->cap.msgs;
	assert_int_equal(r->cap.n, 4);
	assert_int_equal(m[0].type, LQ_FEED_INSTRUMENT);
	assert_string_equal(m[0].u.def.name, "BTCUSDT");
	assert_int_equal(m[1].type, LQ_FEED_TRADE);
	assert_true(m[1].ts_ns == T0 * 1000 + 100000000LL); /* the venue's time, us -> ns */
	assert_int_equal(m[1].flags, LQ_FEED_F_LAST);
	assert_int_equal(m[1].u.trade.price, 618001);
	assert_int_equal(m[1].u.trade.qty, 10);
	assert_int_equal(m[1].u.trade.trade_id, 5001);
	assert_int_equal(m[1].u.trade.aggressor, LQ_FEED_BID);
	assert_int_equal(m[1].u.trade.kind, LQ_FEED_TRADE_REGULAR);
	assert_int_equal(m[2].u.trade.aggressor, LQ_FEED_ASK);
	assert_int_equal(m[2].u.trade.qty, 500);
	assert_int_equal(m[3].u.trade.aggressor, LQ_FEED_SIDE_UNKNOWN);
	assert_int_equal(m[3].u.trade.trade_id, 0); /* not a number: not carried */
	assert_int_equal(m[3].u.trade.qty, 1);	    /* 1e-3 written out exactly */
	assert_int_equal(m[3].u.trade.price, 618000);
	done(r);
}

static void test_liquidations(void **state)
{
	(void)state;
	/* the same columns as trades: told by the file's name */
	const char *f = put("binance-futures_liquidations_2024-08-09_BTCUSDT.csv",
			    TRADE BF "1723161600100000,1723161600101000,,sell,61500.0,0.25\n");
	struct run *r = convert(false, 1, f);
	assert_int_equal(r->st, LQ_CONVERT_OK);
	assert_int_equal(r->in[0].type, LQ_TARDIS_LIQUIDATIONS);
	assert_int_equal(r->cap.n, 2);
	assert_int_equal(r->cap.msgs[1].type, LQ_FEED_TRADE);
	assert_int_equal(r->cap.msgs[1].u.trade.kind, LQ_FEED_TRADE_LIQUIDATION);
	assert_int_equal(r->cap.msgs[1].u.trade.aggressor, LQ_FEED_ASK); /* a long liquidated */
	done(r);
}

/* A snapshot then deltas: the clear, the flags, one LAST per venue update. */
static void test_book_l2(void **state)
{
	(void)state;
	const char *f = put("book.csv.gz", L2 BF
			    "1723161599000000,1723161599000500,false,bid,61700.0,1.0\n"	    /* 2 */
			    BF "1723161600000000,1723161600000500,true,ask,61800.2,1.5\n"   /* 3 */
			    BF "1723161600000000,1723161600000500,true,bid,61800.0,2.0\n"   /* 4 */
			    BF "1723161600000000,1723161600000500,true,bid,61799.9,3.0\n"   /* 5 */
			    BF "1723161600200000,1723161600200500,false,bid,61800.0,0\n"    /* 6 */
			    BF "1723161600200000,1723161600200500,false,ask,61800.1,0.2\n"  /* 7 */
			    BF "1723161600400000,1723161600400500,false,ask,61800.2,0\n"    /* 8 */
			    BF "1723161600500000,1723161600500500,true,bid,61790.0,1.0\n"   /* 9 */
			    BF "1723161600500000,1723161600500500,true,ask,61790.1,1.0\n"); /* 10 */
	struct run *r = convert(false, 1, f);
	assert_int_equal(r->st, LQ_CONVERT_OK);
	assert_int_equal(r->in[0].type, LQ_TARDIS_BOOK_L2);
	assert_int_equal(r->in[0].before_snapshot, 1); /* row 2: before the first snapshot */
	const uint8_t S = LQ_FEED_F_SNAPSHOT, L = LQ_FEED_F_LAST;
	static const struct {
		uint8_t type, flags, side;
		int64_t price, qty;
	} want[] = {
	    {LQ_FEED_INSTRUMENT, 0, 0, 0, 0},
	    {LQ_FEED_BOOK_CLEAR, S, 0, 0, 0},
	    {LQ_FEED_BOOK_LEVEL, S, LQ_FEED_ASK, 618002, 1500},
	    {LQ_FEED_BOOK_LEVEL, S, LQ_FEED_BID, 618000, 2000},
	    {LQ_FEED_BOOK_LEVEL, S | L, LQ_FEED_BID, 617999, 3000},
	    {LQ_FEED_BOOK_LEVEL, 0, LQ_FEED_BID, 618000, 0},
	    {LQ_FEED_BOOK_LEVEL, L, LQ_FEED_ASK, 618001, 200},
	    {LQ_FEED_BOOK_LEVEL, L, LQ_FEED_ASK, 618002, 0},
	    {LQ_FEED_BOOK_CLEAR, S, 0, 0, 0}, /* a snapshot after deltas replaces the book */
	    {LQ_FEED_BOOK_LEVEL, S, LQ_FEED_BID, 617900, 1000},
	    {LQ_FEED_BOOK_LEVEL, S | L, LQ_FEED_ASK, 617901, 1000},
	};
	assert_int_equal(r->cap.n, ARRAY_SIZE(want));
	for (uint32_t i = 0; i < ARRAY_SIZE(want); i++) {
		const struct lq_feed_msg *m = &r->cap.msgs[i];
		assert_int_equal(m->type, want[i].type);
		assert_int_equal(m->flags, want[i].flags);
		if (m->type == LQ_FEED_BOOK_LEVEL) {
			assert_int_equal(m->u.level.side, want[i].side);
			assert_int_equal(m->u.level.price, want[i].price);
			assert_int_equal(m->u.level.qty, want[i].qty);
		}
	}
	assert_int_equal(r->c.inst[0].stats.snapshots, 2);
	done(r);
}

static void test_book_snapshot_5(void **state)
{
	(void)state;
	char hdr[1024] = HDR, row[2200];
	for (int k = 0; k < 5; k++) {
		char col[160];
		snprintf(col, sizeof(col),
			 "asks[%d].price,asks[%d].amount,bids[%d].price,bids[%d].amount%s", k, k, k,
			 k, k < 4 ? "," : "\n");
		strcat(hdr, col);
	}
	/* three ask levels and two bid levels: the deeper ones empty */
	snprintf(row, sizeof(row),
		 "%s" BF "1723161600000000,1723161600000100,61800.1,1.0,61800.0,2.0,61800.2,1.1,"
		 "61799.9,2.1,61800.3,1.2,,,,,,,,,,\n",
		 hdr);
	const char *f = put("snap.csv", row);
	struct run *r = convert(false, 1, f);
	assert_int_equal(r->st, LQ_CONVERT_OK);
	assert_int_equal(r->in[0].type, LQ_TARDIS_SNAPSHOT);
	assert_int_equal(r->in[0].levels, 5);
	assert_int_equal(r->cap.n, 1 + 1 + 5);
	assert_int_equal(r->cap.msgs[1].type, LQ_FEED_BOOK_CLEAR);
	for (int i = 2; i < 7; i++) {
		assert_int_equal(r->cap.msgs[i].type, LQ_FEED_BOOK_LEVEL);
		assert_int_equal(r->cap.msgs[i].flags,
				 LQ_FEED_F_SNAPSHOT | (i == 6 ? LQ_FEED_F_LAST : 0));
	}
	assert_int_equal(r->cap.msgs[6].u.level.price, 618003);
	done(r);
	/* a price without its amount */
	snprintf(row, sizeof(row),
		 "%s" BF "1723161600000000,1723161600000100,61800.1,1.0,61800.0,2.0,61800.2,,"
		 ",,,,,,,,,,,,,\n",
		 hdr);
	f = put("snap_bad.csv", row);
	r = convert(false, 1, f);
	refused(r, LQ_CONVERT_E_VALUE, f, 2, "asks[1].price without asks[1].amount");
	done(r);
}

/* quotes: book_top, and the book itself while the instrument has no depth input. */
static void test_quotes(void **state)
{
	(void)state;
	const char *q = put("quotes.csv", QUOTE BF
			    "1723161600100000,1723161600100100,1.5,61800.1,61800.0,2.0\n" BF
			    "1723161600300000,1723161600300100,,,61800.0,2.5\n");
	struct run *r = convert(false, 1, q);
	assert_int_equal(r->st, LQ_CONVERT_OK);
	const struct lq_feed_msg *m = r->cap.msgs;
	assert_int_equal(r->cap.n, 1 + 4 + 3);
	assert_int_equal(m[1].type, LQ_FEED_BOOK_TOP);
	assert_int_equal(m[1].u.top.bid_price, 618000);
	assert_int_equal(m[1].u.top.ask_qty, 1500);
	assert_int_equal(m[2].type, LQ_FEED_BOOK_CLEAR);
	assert_int_equal(m[3].u.level.side, LQ_FEED_BID);
	assert_int_equal(m[4].u.level.side, LQ_FEED_ASK);
	assert_int_equal(m[4].flags, LQ_FEED_F_SNAPSHOT | LQ_FEED_F_LAST);
	/* an empty side: no ask */
	assert_int_equal(m[5].type, LQ_FEED_BOOK_TOP);
	assert_int_equal(m[5].u.top.ask_price, 0);
	assert_int_equal(m[5].u.top.ask_qty, 0);
	assert_int_equal(m[7].type, LQ_FEED_BOOK_LEVEL);
	assert_int_equal(m[7].u.level.side, LQ_FEED_BID);
	done(r);
	/* with depth: after the first snapshot, quotes are book_top only */
	const char *b =
	    put("depth.csv", L2 BF "1723161600200000,1723161600200100,true,bid,61799.0,1\n");
	r = convert(false, 2, q, b);
	assert_int_equal(r->st, LQ_CONVERT_OK);
	m = r->cap.msgs;
	assert_int_equal(r->cap.n, 1 + 4 + 2 + 1);
	assert_int_equal(m[5].type, LQ_FEED_BOOK_CLEAR);
	assert_int_equal(m[7].type, LQ_FEED_BOOK_TOP);
	done(r);
}

static void test_derivative_ticker(void **state)
{
	(void)state;
	const char *f =
	    put("deriv.csv.gz", DERIV BF
		"1723161600150000,1723161600150500,1723190400000000,0.0001,,81234.5,61800.1,"
		"61790.12345678,61801.2\n" BF "1723161600350000,1723161600350500,,,,81234.5,,,\n" BF
		"1723161600450000,1723161600450500,,-2.5e-05,1e-5,,,,61799.5\n");
	struct run *r = convert(false, 1, f);
	assert_int_equal(r->st, LQ_CONVERT_OK);
	const struct lq_feed_msg *m = r->cap.msgs;
	assert_int_equal(r->cap.n, 1 + 3 + 2);
	assert_int_equal(m[1].type, LQ_FEED_INDEX);
	assert_int_equal(m[1].u.px.price, 6179012345678LL);
	assert_int_equal(m[1].u.px.decimals, 8);
	assert_int_equal(m[2].type, LQ_FEED_MARK);
	assert_int_equal(m[2].u.px.price, 618012);
	assert_int_equal(m[3].type, LQ_FEED_FUNDING);
	assert_int_equal(m[3].u.funding.kind, LQ_FEED_FUNDING_PREDICTED);
	assert_int_equal(m[3].u.funding.rate_e8, 10000);
	assert_true(m[3].u.funding.next_funding_ns == 1723190400000000000LL);
	assert_int_equal(m[3].flags, LQ_FEED_F_LAST);
	/* row 3: open interest only: nothing (skipped), not zeros */
	assert_int_equal(r->c.stats.skipped, 1);
	/* row 4: an empty funding_timestamp is "not given" (0) */
	assert_int_equal(m[4].type, LQ_FEED_MARK);
	assert_int_equal(m[5].type, LQ_FEED_FUNDING);
	assert_int_equal(m[5].u.funding.rate_e8, -2500);
	assert_int_equal(m[5].u.funding.next_funding_ns, 0);
	done(r);
}

/* Three files with interleaved and equal timestamps: one feed in time order, ties by file. */
static void test_merge(void **state)
{
	(void)state;
	const char *a = put("a_trades.csv", TRADE BF "1723161600000100,1,1,buy,61800.0,0.001\n" BF
						     "1723161600000300,1,3,buy,61800.0,0.003\n" BF
						     "1723161600000500,1,5,buy,61800.0,0.005\n");
	const char *b =
	    put("b_trades.csv.gz", TRADE BF "1723161600000200,1,2,buy,61800.0,0.002\n" BF
					    "1723161600000300,1,4,buy,61800.0,0.004\n" BF
					    "1723161600000600,1,6,buy,61800.0,0.006\n");
	const char *d = put("c_deriv.csv", DERIV BF "1723161600000300,1,,,,,,,61800.0\n" BF
						    "1723161600000400,1,,,,,,,61800.1\n");
	struct run *r = convert(false, 3, a, b, d);
	assert_int_equal(r->st, LQ_CONVERT_OK);
	/* ts 300 in all three: a's row 3, then b's row 4, then the mark */
	static const uint64_t ids[] = {1, 2, 3, 4, 0, 0, 5, 6};
	uint32_t k = 0;
	int64_t last = 0;
	for (uint32_t i = 0; i < r->cap.n; i++) {
		const struct lq_feed_msg *m = &r->cap.msgs[i];
		if (m->type == LQ_FEED_INSTRUMENT)
			continue;
		assert_true(m->ts_ns >= last);
		last = m->ts_ns;
		assert_true(k < ARRAY_SIZE(ids));
		if (ids[k] == 0)
			assert_int_equal(m->type, LQ_FEED_MARK);
		else
			assert_int_equal(m->u.trade.trade_id, ids[k]);
		k++;
	}
	assert_int_equal(k, ARRAY_SIZE(ids));
	assert_int_equal(r->c.inst_count, 1);
	done(r);
}

/* A timestamp going back within a file: kept in the file's order, counted. */
static void test_backwards(void **state)
{
	(void)state;
	const char *a = put("back.csv", TRADE BF "1723161600000500,1,1,buy,61800.0,0.001\n" BF
						 "1723161600000200,1,2,buy,61800.0,0.001\n");
	const char *b = put("other.csv", TRADE BF "1723161600000300,1,3,buy,61800.0,0.001\n");
	struct run *r = convert(false, 2, a, b);
	assert_int_equal(r->st, LQ_CONVERT_OK);
	assert_int_equal(r->in[0].ts_backwards, 1);
	assert_int_equal(r->c.stats.venue_ts_backwards, 1);
	/* b's row (300) goes first; back.csv's rows follow in their order, each with its own time
	 */
	assert_int_equal(r->cap.msgs[1].u.trade.trade_id, 3);
	assert_int_equal(r->cap.n, 4);
	assert_int_equal(r->cap.msgs[2].u.trade.trade_id, 1);
	assert_int_equal(r->cap.msgs[3].u.trade.trade_id, 2);
	assert_true(r->cap.msgs[3].ts_ns == 1723161600000200000LL);
	done(r);
}

static void test_hostile(void **state)
{
	(void)state;
	const char *f;
	struct run *r;

	f = put("cols.csv", TRADE BF "1723161600000100,1,1,buy,61800.0\n");
	r = convert(false, 1, f);
	refused(r, LQ_CONVERT_E_SYNTAX, f, 2, "7 columns, the header has 8");
	assert_int_equal(r->cap.n, 0);
	done(r);

	f = put("dec.csv", TRADE BF "1723161600000100,1,1,buy,61800.0,0.001\n" BF
				    "1723161600000200,1,2,buy,61x00.0,0.001\n");
	r = convert(false, 1, f);
	refused(r, LQ_CONVERT_E_VALUE, f, 3, "price: \"61x00.0\"");
	done(r);

	f = put("grid.csv", TRADE BF "1723161600000100,1,1,buy,61800.05,0.001\n");
	r = convert(false, 1, f);
	refused(r, LQ_CONVERT_E_VALUE, f, 2, "61800.05");
	done(r);

	f = put("lot.csv", TRADE BF "1723161600000100,1,1,buy,61800.0,0.0005\n");
	r = convert(false, 1, f);
	refused(r, LQ_CONVERT_E_VALUE, f, 2, "amount");
	done(r);

	/* an exchange with no presets: its instruments are the configuration's */
	f = put("exch.csv",
		TRADE "kraken,BTCUSDT,1723161600000100,1,1,buy,61800.0,0.001\n"
		      "binance-futures,BTCUSDT,1723161600000200,1,1,buy,61800.0,0.001\n");
	r = convert(false, 1, f);
	refused(r, LQ_CONVERT_E_VALUE, f, 3, "is not of the venue of the first rows (kraken)");
	assert_int_equal(r->c.inst[0].stats.trades, 1);
	done(r);

	f = put("sym.csv", TRADE "binance-futures,DOGEUSDT,1723161600000100,1,1,buy,0.1,1\n");
	r = convert(false, 1, f);
	refused(r, LQ_CONVERT_E_UNKNOWN, f, 2, "DOGEUSDT");
	done(r);

	f = put("empty_price.csv", TRADE BF "1723161600000100,1,1,buy,,0.001\n");
	r = convert(false, 1, f);
	refused(r, LQ_CONVERT_E_VALUE, f, 2, "price is empty");
	done(r);

	f = put("side.csv", L2 BF "1723161600000100,1,true,buy,61800.0,1\n");
	r = convert(false, 1, f);
	refused(r, LQ_CONVERT_E_VALUE, f, 2, "side is not bid or ask");
	done(r);

	f = put("hdr.csv", HDR "id,side,price,amount,extra\n");
	r = convert(false, 1, f);
	refused(r, LQ_CONVERT_E_SYNTAX, f, 1, "a column of a data type liqd does not convert");
	done(r);

	f = put("nothing.csv", "");
	r = convert(false, 1, f);
	refused(r, LQ_CONVERT_E_SYNTAX, f, 1, "no header line");
	done(r);

	/* the instruments are of the first rows' venue: another venue's rows are refused */
	f = put("venues.csv", TRADE BF "1723161600000100,1,1,buy,61800.0,0.001\n"
				       "bitmex,XBTUSD,1723161600000200,1,2,buy,60000.5,100\n");
	r = convert(false, 1, f);
	refused(r, LQ_CONVERT_E_VALUE, f, 3,
		"exchange \"bitmex\" is not of the venue of the first rows (binance-futures)");
	done(r);

	/* two depth inputs for one instrument */
	const char *b1 = put("d1.csv", L2 BF "1723161600000100,1,true,bid,61800.0,1\n");
	const char *b2 = put("d2.csv", L2 BF "1723161600000200,1,true,bid,61800.0,1\n");
	r = convert(false, 2, b1, b2);
	refused(r, LQ_CONVERT_E_VALUE, b2, 2, "depth rows from a second input");
	done(r);

	/* lenient: the bad rows counted per file, the good ones converted */
	f = put("mixed.csv",
		TRADE BF "1723161600000100,1,1,buy,61800.0,0.001\n" BF
			 "1723161600000200,1,2,buy,61800.05,0.001\n" BF "1723161600000300,1,3\n" BF
			 "1723161600000400,1,4,buy,61800.0,0.001\n");
	r = convert(true, 1, f);
	assert_int_equal(r->st, LQ_CONVERT_OK);
	assert_int_equal(r->in[0].refused, 2);
	assert_int_equal(r->c.stats.refused[LQ_CONVERT_E_VALUE], 1);
	assert_int_equal(r->c.stats.refused[LQ_CONVERT_E_SYNTAX], 1);
	assert_int_equal(r->c.inst[0].stats.trades, 2);
	assert_non_null(strstr(r->c.first_err, "mixed.csv:3: "));
	done(r);
}

static void test_detect(void **state)
{
	(void)state;
	enum lq_tardis_type t;
	unsigned lv;
	const char *why;
	enum lq_convert_venue v;
	assert_int_equal(lq_tardis_detect(TRADE, strlen(TRADE), "x/trades.csv", &t, &lv, &why), 0);
	assert_int_equal(t, LQ_TARDIS_TRADES);
	assert_int_equal(lq_tardis_detect(TRADE, strlen(TRADE), "dir/bybit_liquidations_x.csv.gz",
					  &t, &lv, &why),
			 0);
	assert_int_equal(t, LQ_TARDIS_LIQUIDATIONS);
	assert_int_equal(lq_tardis_detect(QUOTE, strlen(QUOTE), NULL, &t, &lv, &why), 0);
	assert_int_equal(t, LQ_TARDIS_QUOTES);
	assert_int_equal(lq_tardis_detect(DERIV, strlen(DERIV), NULL, &t, &lv, &why), 0);
	assert_int_equal(t, LQ_TARDIS_DERIVATIVE);
	static const char opt[] = HDR "type,strike_price,expiration\n";
	assert_int_equal(lq_tardis_detect(opt, strlen(opt), NULL, &t, &lv, &why), -EINVAL);
	assert_int_equal(lq_convert_venue_detect(L2, strlen(L2), &v), 0);
	assert_int_equal(v, LQ_CONVERT_TARDIS);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/lq-tardis-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_trades),  cmocka_unit_test(test_liquidations),
	    cmocka_unit_test(test_book_l2), cmocka_unit_test(test_book_snapshot_5),
	    cmocka_unit_test(test_quotes),  cmocka_unit_test(test_derivative_ticker),
	    cmocka_unit_test(test_merge),   cmocka_unit_test(test_backwards),
	    cmocka_unit_test(test_hostile), cmocka_unit_test(test_detect),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
