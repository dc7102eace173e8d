/* SPDX-License-Identifier: MIT */
/*
 * The indexed trigger against the full scan at the edges of the numbers (issue 13): an
 * 18-decimal settle asset, balances from 1 unit to the engine's safe range of 2^61 units
 * (deposits near INT64_MAX, which it refuses), positions up to that range whose profit leaves
 * int64_t and 128 bits when the mark runs to the top of the grid, a grid where one tick is
 * worth less than a unit, a tier with MMR 100%, marks at 1 tick, index prices above what the
 * mark sampler takes. Two engines, one per trigger mode, take the same seeded inputs; after
 * every input both must have returned the same status and emitted the same events, byte for
 * byte. Which inputs the default profile gives, and why, is said at struct inst_profile.
 *
 * The named cases pin what the seeded ones found: a rich long whose profit leaves int64_t
 * when the mark jumps (neither trigger may liquidate it: the scan did while lq_account_margin
 * read the overflow as never safe, and the index's split of its buffer overflowed 128 bits),
 * an 18-decimal account whose buffer x notional overflowed 128 bits in that split, and basis
 * samples of the mark sampler that overflowed int64_t.
 *
 *   test_trigger_edges [FIRST_SEED SEEDS]   (defaults: seeds 1 .. EDGE_SEEDS)
 *   LQ_EDGE_VERBOSE=1 prints each seed's totals, LQ_EDGE_TRACE=1 every input before it is
 *   applied (to investigate a failing seed), LQ_EDGE_HOSTILE=1 lifts the default profile's
 *   bounds (see struct edge).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "gen.h"
#include "lq/assert.h"
#include "lq/engine.h"
#include "lq/json.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EDGE_SEEDS    200
#define EDGE_ACCOUNTS 40
#define EDGE_EVENTS   600

enum { A_USDT, A_ETH, A_BTC };
enum { I_BTCUSDT, I_BTCETH, I_BTCUSD, I_ETHUSD, I_MICRO, I_COUNT };

struct inst_def {
	const char *name;
	enum lq_instrument_kind kind;
	uint32_t settle;
	unsigned price_decimals;
	unsigned qty_decimals;
	int64_t contract;
	int64_t start; /* raw price */
};

/* tick and lot are 1 raw unit everywhere: every raw price and quantity is on the grid */
static const struct inst_def insts[I_COUNT] = {
    /* USDT (6): one lot over one tick is 100 units */
    {"BTCUSDT", LQ_INSTRUMENT_LINEAR, A_USDT, 1, 3, 0, 600000},
    /* ETH (18), priced in ETH at 20.00: lin_scale 10^19, one lot over one tick 10^10 units */
    {"BTCETH", LQ_INSTRUMENT_LINEAR, A_ETH, 2, 6, 0, 2000},
    /* BTC (8): contracts of 100 USD, inv_num 10^20 */
    {"BTCUSD", LQ_INSTRUMENT_INVERSE, A_BTC, 1, 0, 100, 600000},
    /* ETH (18): contracts of 10 USD, inv_num 10^30 */
    {"ETHUSD", LQ_INSTRUMENT_INVERSE, A_ETH, 2, 0, 10, 300000},
    /* USDT (6), 8 price and 4 quantity decimals: one lot over one tick is 10^-6 units */
    {"MICROUSDT", LQ_INSTRUMENT_LINEAR, A_USDT, 8, 4, 0, 2000},
};

/*
 * What the default profile lets the inputs reach (see struct edge), per instrument: the
 * largest long and short, as bits of lots (0: none), the range of the mark, and whether books
 * come (on a book update an insurance fund offers what it took over again). The rest of the
 * engine cannot yet liquidate, take over, rank for ADL or charge funding on figures beyond
 * int64_t (issue 13), so each instrument keeps what it liquidates within int64_t units:
 * - BTCUSDT: longs only, up to the engine's safe range of 2^61 units at the start price (and
 *   2 bits beyond, which it refuses), marks from start / 2 to the top of the grid, no books:
 *   profits leave int64_t and 128 bits, and nothing else does;
 * - BTCETH (linear, 18 decimals): longs of that size, shorts up to 2^8 lots, marks within a
 *   factor 2 of the start;
 * - BTCUSD and ETHUSD (inverse, 8 and 18 decimals): shorts of that size, marks from start / 2
 *   to the top of the grid (an inverse short loses at most its cost);
 * - MICROUSDT: up to 2^16 lots either way, marks from 1 tick to the top of the grid
 *   (2^16 x 2^63 x 10^-6 units < 2^60).
 */
struct inst_profile {
	int pos_bits, neg_bits;
	int64_t mark_min, mark_max;
	bool books;
};

static const struct inst_profile profiles[I_COUNT] = {
    [I_BTCUSDT] = {37, 0, 300000, INT64_MAX, false}, /* start / 2 .. top */
    [I_BTCETH] = {19, 8, 1000, 4000, true},	     /* start / 2 .. 2 x start */
    [I_BTCUSD] = {0, 46, 300000, INT64_MAX, true},   /* start / 2 .. top */
    [I_ETHUSD] = {0, 11, 150000, INT64_MAX, true},   /* start / 2 .. top */
    [I_MICRO] = {16, 16, 1, INT64_MAX, true},	     /* 1 tick .. top */
};

struct tier_def {
	uint32_t ins;
	int64_t upto_units;
	int64_t mmr_e8, imr_e8;
};

static const struct tier_def tiers[] = {
    {I_BTCUSDT, 50000LL * 1000000, 400000, 800000},
    {I_BTCUSDT, 500000LL * 1000000, 500000, 1000000},
    {I_BTCUSDT, INT64_MAX, 1000000, 2000000},
    {I_BTCETH, 1000000000000000000LL, 500000, 1000000}, /* 1 ETH */
    {I_BTCETH, 5000000000000000000LL, 1000000, 2000000},
    {I_BTCETH, INT64_MAX, 2500000, 5000000},
    {I_BTCUSD, 500000000, 500000, 1000000},
    {I_BTCUSD, INT64_MAX, 1000000, 2000000},
    {I_ETHUSD, 2000000000000000000LL, 500000, 1000000},
    {I_ETHUSD, INT64_MAX, 2000000, 4000000},
    {I_MICRO, 1000LL * 1000000, 5000000, 10000000},
    {I_MICRO, INT64_MAX, LQ_RATE_ONE, LQ_RATE_ONE}, /* MMR 100%: upnl - MM flat in price */
};

static int64_t iabs64(int64_t v)
{
	return v < 0 ? -v : v;
}

/* ---- two engines, their output captured ---- */

struct side {
	struct lq_engine e;
	void *mem;
	struct lq_out out;
	char *buf;
	size_t len, cap;
	uint64_t liquidations;
};

static void cap_write(void *ctx, const char *d, size_t n)
{
	struct side *s = ctx;

	if (s->len + n > s->cap) {
		s->cap = (s->len + n) * 2;
		s->buf = realloc(s->buf, s->cap);
		LQ_ASSERT(s->buf);
	}
	memcpy(s->buf + s->len, d, n);
	s->len += n;
}

static void cap_sink(void *ctx, const struct lq_event *ev)
{
	struct side *s = ctx;

	if (ev->type == LQ_EV_LIQUIDATION)
		s->liquidations++;
	lq_json_event(&s->out, &s->e, ev);
}

static void side_init(struct side *s, uint32_t accounts)
{
	const struct lq_engine_limits lim = {.accounts_max = accounts + 16,
					     .positions_max = accounts * I_COUNT + 16};
	const size_t sz = lq_engine_memsize(&lim);

	memset(s, 0, sizeof(*s));
	s->mem = calloc(1, sz);
	LQ_ASSERT(s->mem);
	lq_out_init(&s->out, cap_write, s);
	LQ_ASSERT(lq_engine_init(&s->e, s->mem, sz, &lim, cap_sink, s) == 0);
	lq_engine_set_trigger_mode(&s->e, LQ_TRIGGER_OFF);
}

static void side_free(struct side *s)
{
	free(s->mem);
	free(s->buf);
}

static void define(struct lq_engine *e, bool partial)
{
	struct lq_instrument p;
	struct lq_instrument_params prm;
	uint32_t f;

	assert_int_equal(lq_engine_add_asset(e, "USDT", 6), LQ_OK);
	assert_int_equal(lq_engine_add_asset(e, "ETH", 18), LQ_OK);
	assert_int_equal(lq_engine_add_asset(e, "BTC", 8), LQ_OK);
	for (uint32_t i = 0; i < I_COUNT; i++) {
		memset(&p, 0, sizeof(p));
		strcpy(p.name, insts[i].name);
		p.kind = insts[i].kind;
		p.settle_asset = insts[i].settle;
		p.tick = 1;
		p.price_decimals = insts[i].price_decimals;
		p.lot = 1;
		p.qty_decimals = insts[i].qty_decimals;
		p.contract = insts[i].contract;
		assert_int_equal(lq_engine_add_instrument(e, &p), LQ_OK);
	}
	for (size_t t = 0; t < sizeof(tiers) / sizeof(tiers[0]); t++)
		assert_int_equal(lq_engine_add_tier(e, tiers[t].ins, tiers[t].upto_units,
						    tiers[t].mmr_e8, tiers[t].imr_e8),
				 LQ_OK);
	assert_int_equal(lq_engine_define_fund(e, "IF_USDT", A_USDT, 20000LL * 1000000), LQ_OK);
	assert_int_equal(lq_engine_define_fund(e, "IF_ETH", A_ETH, 2000000000000000000LL), LQ_OK);
	assert_int_equal(lq_engine_define_fund(e, "IF_BTC", A_BTC, 50000000), LQ_OK);
	for (uint32_t i = 0; i < I_COUNT; i++) {
		static const char *const fund[] = {"IF_USDT", "IF_ETH", "IF_BTC"};
		prm = e->instruments[i].params;
		assert_int_equal(lq_engine_fund_ref(e, fund[insts[i].settle], &f), LQ_OK);
		prm.fund = (int)f;
		prm.deficit = i % 2 ? LQ_DEFICIT_SOCIALIZE : LQ_DEFICIT_ADL;
		prm.partial = partial;
		assert_int_equal(lq_engine_set_params(e, i, &prm), LQ_OK);
	}
}

/* Apply one input to both engines; 0 when their statuses and outputs agree. */
static int apply_both(struct side *a, struct side *b, const struct lq_cmd *c, uint64_t seed,
		      uint32_t step)
{
	int rc = 0;

	if (getenv("LQ_EDGE_TRACE")) {
		printf("seed %" PRIu64 " input %u: type %d instrument %u account %" PRIu64
		       " price %" PRId64 " qty %" PRId64 " amount %" PRId64 " rate %" PRId64 "\n",
		       seed, step, (int)c->type, c->instrument, c->account, c->price, c->qty,
		       c->amount, c->rate_e8);
		fflush(stdout);
	}
	const enum lq_status sa = lq_engine_apply(&a->e, c);
	const enum lq_status sb = lq_engine_apply(&b->e, c);

	lq_out_flush(&a->out);
	lq_out_flush(&b->out);
	if (sa != sb || a->len != b->len || (a->len > 0 && memcmp(a->buf, b->buf, a->len) != 0)) {
		printf("seed %" PRIu64 " input %u (type %d, instrument %u, account %" PRIu64
		       ", price %" PRId64 ", qty %" PRId64 ", amount %" PRId64
		       "): index and scan differ (status %d vs %d)\n",
		       seed, step, (int)c->type, c->instrument, c->account, c->price, c->qty,
		       c->amount, (int)sa, (int)sb);
		printf("--- index:\n%.*s--- scan:\n%.*s", (int)a->len, a->buf, (int)b->len, b->buf);
		rc = 1;
	}
	a->len = 0;
	b->len = 0;
	return rc;
}

/* ---- the edge-case generator ---- */

/*
 * The default profile keeps positions and marks within struct inst_profile, funds only at
 * ordinary marks, and puts books near the mark: the rest of the engine handles those today.
 * LQ_EDGE_HOSTILE=1 lifts every bound (either side of any size up to what 128 bits hold,
 * marks from 1 tick to the top of the grid, funding at any mark, books at the top of the
 * price range): a fuzzer for the liquidation path, which it does not survive yet (issue 13).
 */
struct edge {
	struct gen g;
	bool hostile;
	uint32_t accounts;
	int64_t mark[I_COUNT];
};

/* Uniform in [1, 2^bits), bits drawn uniformly in [lo_bits, hi_bits]: log-uniform sizes. */
static int64_t log_uniform(struct gen *g, int lo_bits, int hi_bits)
{
	const int b = (int)gen_range(g, lo_bits, hi_bits);
	const int64_t top = b >= 63 ? INT64_MAX : ((int64_t)1 << b) - 1;

	return gen_range(g, 1, top > 1 ? top : 1);
}

/* A balance: ordinary, tiny, large, or within a million units of INT64_MAX (the engine's safe
 * range for money refuses those: the refusal is compared too). */
static int64_t edge_balance(struct gen *g, uint32_t asset)
{
	static const int64_t ordinary[3] = {5000LL * 1000000, 1000000000000000000LL, 30000000};
	const int64_t r = gen_range(g, 0, 99);

	if (r < 45)
		return gen_range(g, ordinary[asset] / 50, ordinary[asset] * 4);
	if (r < 60)
		return gen_range(g, 1, 1000);
	if (r < 85)
		return log_uniform(g, 40, 62);
	return INT64_MAX - gen_range(g, 0, 1000000);
}

/* A signed position size (the side drawn too): ordinary, large, or at the profile's edge. */
static int64_t edge_qty(struct edge *d, uint32_t ins)
{
	/* hostile: bits of the value at the start price, q x P x lin_scale or q x inv_num */
	static const int hostile_bits[I_COUNT] = {
	    [I_BTCUSDT] = 62, /* 2^62 x 2^19.2 x 2^36.5: 118 */
	    [I_BTCETH] = 52,  /* 2^52 x 2^11 x 2^63.1: 126 */
	    [I_BTCUSD] = 55,  /* 2^55 x 2^66.4: 121 */
	    [I_ETHUSD] = 25,  /* 2^25 x 2^99.7: 125 */
	    [I_MICRO] = 62,   /* 2^62 x 2^11 x 2^10: 83 */
	};
	const struct inst_profile *pr = &profiles[ins];
	int sign = gen_range(&d->g, 0, 1) ? 1 : -1;
	if (!d->hostile && (sign > 0 ? pr->pos_bits : pr->neg_bits) == 0)
		sign = -sign;
	const int top = d->hostile ? hostile_bits[ins] : sign > 0 ? pr->pos_bits : pr->neg_bits;
	const int64_t r = gen_range(&d->g, 0, 99);
	int64_t q;

	if (r < 55 || top <= 10)
		q = log_uniform(&d->g, 1, top < 10 ? top : 10);
	else if (r < 85)
		q = log_uniform(&d->g, 10, top - 4 > 10 ? top - 4 : 10);
	else
		q = log_uniform(&d->g, top - 4, top);
	return sign * q;
}

static void edge_population(struct side *a, struct side *b, struct edge *d, uint64_t seed)
{
	struct lq_cmd c;

	for (uint32_t i = 0; i < I_COUNT; i++) {
		d->mark[i] = insts[i].start;
		c = (struct lq_cmd){.type = LQ_CMD_MARK, .instrument = i, .price = d->mark[i]};
		assert_int_equal(apply_both(a, b, &c, seed, 0), 0);
	}
	for (uint32_t acc = 1; acc <= d->accounts; acc++) {
		for (uint32_t asset = 0; asset < 3; asset++) {
			c = (struct lq_cmd){.type = LQ_CMD_DEPOSIT, .account = acc, .asset = asset};
			c.amount = edge_balance(&d->g, asset);
			assert_int_equal(apply_both(a, b, &c, seed, 0), 0);
		}
	}
	for (uint32_t acc = 1; acc <= d->accounts; acc++) {
		for (uint32_t i = 0; i < I_COUNT; i++) {
			if (gen_range(&d->g, 0, 2) == 0)
				continue;
			c = (struct lq_cmd){.type = LQ_CMD_FILL,
					    .account = acc,
					    .instrument = i,
					    .price = d->mark[i],
					    .qty = edge_qty(d, i)};
			assert_int_equal(apply_both(a, b, &c, seed, 0), 0);
			if (gen_range(&d->g, 0, 3) != 0)
				continue;
			c = (struct lq_cmd){.type = LQ_CMD_ISOLATE,
					    .account = acc,
					    .instrument = i,
					    .amount = edge_balance(&d->g, insts[i].settle) / 4};
			assert_int_equal(apply_both(a, b, &c, seed, 0), 0);
		}
	}
}

/* The next mark: a walk, a jump, the bottom (1 tick) or the top of the range, far out, home. */
static int64_t edge_mark(struct edge *d, uint32_t ins)
{
	const int64_t m = d->mark[ins], r = gen_range(&d->g, 0, 99);
	const int64_t lo = d->hostile ? 1 : profiles[ins].mark_min;
	const int64_t hi = d->hostile ? INT64_MAX : profiles[ins].mark_max;
	int64_t next;

	if (r < 50) {
		const int64_t span = r < 35 ? m / 400 : m / 12;
		const int64_t step = gen_range(&d->g, -span - 1, span + 1);
		return __builtin_add_overflow(m, step, &next) || next < lo || next > hi ? m : next;
	}
	if (r < 62)
		return lo + gen_range(&d->g, 0, 2);
	if (r < 70)
		return hi - gen_range(&d->g, 0, 3);
	if (r < 82) {
		next = log_uniform(&d->g, 12, 62);
		return next < lo ? lo : next > hi ? hi : next;
	}
	return insts[ins].start + gen_range(&d->g, -insts[ins].start / 20, insts[ins].start / 20);
}

/* A book around the mark; hostile: sometimes with its best levels at the top of the range. */
static void edge_book(struct edge *d, uint32_t ins, struct lq_book *b)
{
	const int64_t m = d->mark[ins];
	const bool top = d->hostile && gen_range(&d->g, 0, 4) == 0;
	const uint32_t bids = (uint32_t)gen_range(&d->g, 0, 4);
	const uint32_t asks = (uint32_t)gen_range(&d->g, 0, 4);
	int64_t bid = top ? INT64_MAX - 8 : m, ask = top ? INT64_MAX - 8 : m;

	/* bids strictly descending below, asks strictly ascending above; none beyond the range */
	memset(b, 0, sizeof(*b));
	while (b->bid_count < bids && bid - 1 - m / 100 > 0) {
		bid -= gen_range(&d->g, 1, 1 + m / 100);
		b->bids[b->bid_count++] = (struct lq_book_level){bid, iabs64(edge_qty(d, ins))};
	}
	while (b->ask_count < asks && ask <= INT64_MAX - 2 - m / 100) {
		ask += gen_range(&d->g, 1, 1 + m / 100);
		b->asks[b->ask_count++] = (struct lq_book_level){ask, iabs64(edge_qty(d, ins))};
	}
}

/* Funding at an ordinary mark (hostile: at any) */
static bool funding_ok(const struct edge *d, uint32_t ins)
{
	return d->hostile ||
	       (d->mark[ins] >= insts[ins].start / 8 && d->mark[ins] <= insts[ins].start * 8);
}

static void edge_event(struct edge *d, struct lq_cmd *c, struct lq_book *book, int64_t *now_ns)
{
	const uint32_t ins = (uint32_t)gen_range(&d->g, 0, I_COUNT - 1);
	const int64_t r = gen_range(&d->g, 0, 99);
	const uint64_t acc = (uint64_t)gen_range(&d->g, 1, d->accounts);

	memset(c, 0, sizeof(*c));
	c->instrument = ins;
	if (r < 45 || (r >= 45 && r < 55 && !d->hostile && !profiles[ins].books) ||
	    (r >= 65 && r < 71 && !funding_ok(d, ins))) {
		c->type = LQ_CMD_MARK;
		c->price = d->mark[ins] = edge_mark(d, ins);
	} else if (r < 55 && (d->hostile || profiles[ins].books)) {
		edge_book(d, ins, book);
		c->type = LQ_CMD_BOOK;
		c->book = book;
	} else if (r < 60) {
		c->type = LQ_CMD_INDEX;
		c->price =
		    gen_range(&d->g, 0, 3) ? d->mark[ins] : INT64_MAX - gen_range(&d->g, 0, 9);
	} else if (r < 65) {
		c->type = LQ_CMD_TIME;
		*now_ns += gen_range(&d->g, 1, 30) * LQ_NS_PER_S;
		c->time_ns = *now_ns;
	} else if (r < 71) {
		c->type = LQ_CMD_FUNDING;
		c->rate_e8 = gen_range(&d->g, 0, 4) ? gen_range(&d->g, -20000, 20000)
						    : gen_range(&d->g, -5000000, 5000000);
	} else if (r < 80) {
		c->type = LQ_CMD_DEPOSIT;
		c->account = acc;
		c->asset = insts[ins].settle;
		c->amount = edge_balance(&d->g, c->asset);
	} else if (r < 85) {
		c->type = LQ_CMD_WITHDRAW;
		c->account = acc;
		c->asset = insts[ins].settle;
		c->amount = edge_balance(&d->g, c->asset) / 8 + 1;
	} else if (r < 92) {
		c->type = LQ_CMD_ISOLATE;
		c->account = acc;
		c->amount = edge_balance(&d->g, insts[ins].settle) / 8 + 1;
		if (gen_range(&d->g, 0, 1))
			c->amount = -c->amount;
	} else {
		c->type = LQ_CMD_FILL;
		c->account = acc;
		c->price = d->mark[ins];
		c->qty = edge_qty(d, ins);
	}
}

struct totals {
	uint64_t liquidations;
	uint64_t rechecks_index, rechecks_scan;
};

static int run_seed(uint64_t seed, struct totals *t)
{
	static struct side a, b;
	struct edge d = {.g = {.s = seed * 0x9E3779B97F4A7C15ULL + 7},
			 .hostile = getenv("LQ_EDGE_HOSTILE") != NULL,
			 .accounts = EDGE_ACCOUNTS};
	struct lq_book book;
	struct lq_cmd c;
	int64_t now_ns = 1700000000LL * LQ_NS_PER_S;
	int rc = 0;

	side_init(&a, d.accounts);
	side_init(&b, d.accounts);
	define(&a.e, seed % 2 == 0);
	define(&b.e, seed % 2 == 0);
	c = (struct lq_cmd){.type = LQ_CMD_TIME, .time_ns = now_ns};
	assert_int_equal(apply_both(&a, &b, &c, seed, 0), 0);
	/* the population opens with the trigger off; the first input then checks everyone */
	edge_population(&a, &b, &d, seed);
	lq_engine_set_trigger_mode(&a.e, LQ_TRIGGER_INDEX);
	lq_engine_set_trigger_mode(&b.e, LQ_TRIGGER_SCAN);
	for (uint32_t i = 1; i <= EDGE_EVENTS && rc == 0; i++) {
		edge_event(&d, &c, &book, &now_ns);
		rc = apply_both(&a, &b, &c, seed, i);
	}
	t->liquidations += a.liquidations;
	t->rechecks_index += a.e.stats.rechecks;
	t->rechecks_scan += b.e.stats.rechecks;
	if (getenv("LQ_EDGE_VERBOSE"))
		printf("seed %" PRIu64 ": %" PRIu64 " liquidations, rechecks index %" PRIu64
		       " vs scan %" PRIu64 "\n",
		       seed, a.liquidations, a.e.stats.rechecks, b.e.stats.rechecks);
	side_free(&a);
	side_free(&b);
	return rc;
}

static uint64_t first_seed = 1, seed_count = EDGE_SEEDS;

static void test_seeded_edges(void **state)
{
	struct totals t = {0};
	int failed = 0;

	(void)state;
	for (uint64_t s = first_seed; s < first_seed + seed_count && !failed; s++)
		failed = run_seed(s, &t);
	printf("%" PRIu64 " seeds from %" PRIu64 ": %" PRIu64
	       " liquidations; rechecks index %" PRIu64 " vs scan %" PRIu64 "\n",
	       seed_count, first_seed, t.liquidations, t.rechecks_index, t.rechecks_scan);
	assert_int_equal(failed, 0);
	/* the inputs must reach the liquidation path, or the comparison proves little */
	assert_true(t.liquidations > 0);
}

/* ---- named cases ---- */

static void both_init(struct side *a, struct side *b)
{
	side_init(a, 8);
	side_init(b, 8);
	define(&a->e, false);
	define(&b->e, false);
	lq_engine_set_trigger_mode(&a->e, LQ_TRIGGER_INDEX);
	lq_engine_set_trigger_mode(&b->e, LQ_TRIGGER_SCAN);
}

static void both_apply(struct side *a, struct side *b, struct lq_cmd c, enum lq_status want)
{
	enum lq_status st = lq_engine_apply(&a->e, &c);

	assert_int_equal(st, want);
	lq_out_flush(&a->out);
	st = lq_engine_apply(&b->e, &c);
	assert_int_equal(st, want);
	lq_out_flush(&b->out);
	const bool same = a->len == b->len && (a->len == 0 || memcmp(a->buf, b->buf, a->len) == 0);
	if (!same)
		printf("--- index:\n%.*s--- scan:\n%.*s", (int)a->len, a->buf, (int)b->len, b->buf);
	assert_true(same);
	a->len = 0;
	b->len = 0;
}

static struct lq_cmd cmd_deposit(uint64_t acc, uint32_t asset, int64_t amount)
{
	return (struct lq_cmd){
	    .type = LQ_CMD_DEPOSIT, .account = acc, .asset = asset, .amount = amount};
}

static struct lq_cmd cmd_fill(uint64_t acc, uint32_t ins, int64_t qty, int64_t price)
{
	return (struct lq_cmd){
	    .type = LQ_CMD_FILL, .account = acc, .instrument = ins, .qty = qty, .price = price};
}

static struct lq_cmd cmd_mark(uint32_t ins, int64_t price)
{
	return (struct lq_cmd){.type = LQ_CMD_MARK, .instrument = ins, .price = price};
}

/*
 * Account 1 holds 2^60 units of USDT (1152921504606.846976) and is long 10^7 BTC from 60000.0
 * (6 x 10^17 units of notional). The mark jumps to 1200000.0: its profit, 1.14 x 10^19 units,
 * no longer fits int64_t. It is the safest account there is and neither trigger may liquidate
 * it. Before the fix the scan did (the overflow read as "never safe"), the index did not look.
 */
static void test_rich_long_far_up(void **state)
{
	static struct side a, b;

	(void)state;
	both_init(&a, &b);
	both_apply(&a, &b, cmd_mark(I_BTCUSDT, 600000), LQ_OK);
	both_apply(&a, &b, cmd_deposit(1, A_USDT, (int64_t)1 << 60), LQ_OK);
	both_apply(&a, &b, cmd_fill(1, I_BTCUSDT, 10000000000LL, 600000), LQ_OK);
	both_apply(&a, &b, cmd_mark(I_BTCUSDT, 12000000), LQ_OK);
	assert_int_equal(a.liquidations, 0);
	assert_int_equal(b.liquidations, 0);
	struct lq_unit u = {.account = lq_engine_find_account(&b.e, 1), .ref = A_USDT};
	assert_false(lq_trigger_unit_liquidatable(&b.e, &u));
	assert_int_equal(u.equity_units, INT64_MAX); /* saturated: it does not fit */
	/* and back: a fall to 1 tick leaves 2^60 - 6 x 10^17 units, still safe */
	both_apply(&a, &b, cmd_mark(I_BTCUSDT, 1), LQ_OK);
	assert_int_equal(a.liquidations, 0);
	assert_int_equal(b.liquidations, 0);
	side_free(&a);
	side_free(&b);
}

/*
 * An 18-decimal account: 0.1 ETH of balance (10^17 units), long 0.045 BTCETH at 20.00 ETH
 * (0.9 ETH of notional: 45000 x 2000 x 10^19 = 9 x 10^26 fine units) and short 300 ETHUSD
 * contracts of 10 USD at 3000.00 (1 ETH). MM 0.0045 + 0.005 ETH leaves a buffer of about
 * 0.09 ETH. The threshold split multiplied the buffer (~2^56) by notional / 1024 (~2^79):
 * beyond 128 bits (UBSan). The BTCETH mark then walks down until the account is liquidated
 * (a fall of about 10%), and both triggers must find it at the same input.
 */
static void test_eth18_buffer_split(void **state)
{
	static struct side a, b;

	(void)state;
	both_init(&a, &b);
	both_apply(&a, &b, cmd_mark(I_BTCETH, 2000), LQ_OK);
	both_apply(&a, &b, cmd_mark(I_ETHUSD, 300000), LQ_OK);
	both_apply(&a, &b, cmd_deposit(1, A_ETH, 100000000000000000LL), LQ_OK);
	both_apply(&a, &b, cmd_deposit(2, A_ETH, 100000000000000000LL), LQ_OK);
	both_apply(&a, &b, cmd_fill(1, I_BTCETH, 45000, 2000), LQ_OK);
	both_apply(&a, &b, cmd_fill(2, I_BTCETH, -45000, 2000), LQ_OK);
	both_apply(&a, &b, cmd_fill(1, I_ETHUSD, -300, 300000), LQ_OK);
	both_apply(&a, &b, cmd_fill(2, I_ETHUSD, 300, 300000), LQ_OK);
	for (int64_t m = 1995; m >= 1500 && a.liquidations == 0; m -= 5)
		both_apply(&a, &b, cmd_mark(I_BTCETH, m), LQ_OK);
	assert_int_equal(a.liquidations, b.liquidations);
	assert_true(a.liquidations > 0);
	side_free(&a);
	side_free(&b);
}

/*
 * The mark sampler's basis sample is best bid + best ask - 2 x index in int64_t: a book at the
 * top of the price range, or an index above INT64_MAX / 2, wrapped it. Both are refused now
 * (LQ_E_OVERFLOW); a book whose mid fits is still taken, and sampling goes on.
 */
static void test_sampler_refuses_unrepresentable(void **state)
{
	static struct side a, b;
	struct lq_book book;
	struct lq_cmd c;

	(void)state;
	both_init(&a, &b);
	c = (struct lq_cmd){.type = LQ_CMD_TIME, .time_ns = 1700000000LL * LQ_NS_PER_S};
	both_apply(&a, &b, c, LQ_OK);
	c = (struct lq_cmd){.type = LQ_CMD_INDEX, .instrument = I_BTCUSDT, .price = 600000};
	both_apply(&a, &b, c, LQ_OK);
	memset(&book, 0, sizeof(book));
	book.bid_count = book.ask_count = 1;
	book.bids[0] = (struct lq_book_level){.price = INT64_MAX / 2 + 1, .qty = 1};
	book.asks[0] = (struct lq_book_level){.price = INT64_MAX / 2 + 2, .qty = 1};
	c = (struct lq_cmd){.type = LQ_CMD_BOOK, .instrument = I_BTCUSDT, .book = &book};
	both_apply(&a, &b, c, LQ_E_OVERFLOW);
	/* the largest mid that fits: bid + ask = INT64_MAX */
	book.bids[0].price = INT64_MAX / 2;
	book.asks[0].price = INT64_MAX / 2 + 1;
	both_apply(&a, &b, c, LQ_OK);
	c = (struct lq_cmd){.type = LQ_CMD_INDEX, .instrument = I_BTCUSDT, .price = INT64_MAX / 2};
	both_apply(&a, &b, c, LQ_OK);
	c.price = INT64_MAX / 2 + 1;
	both_apply(&a, &b, c, LQ_E_OVERFLOW);
	c.price = 1;
	both_apply(&a, &b, c, LQ_OK);
	/* samples of (INT64_MAX - 2) for 5 s, then a normal book: nothing wraps */
	c = (struct lq_cmd){.type = LQ_CMD_TIME, .time_ns = 1700000005LL * LQ_NS_PER_S};
	both_apply(&a, &b, c, LQ_OK);
	assert_true(a.e.instruments[I_BTCUSDT].ms.basis_count > 0);
	assert_int_equal(a.e.instruments[I_BTCUSDT].ms.basis_x2[0], INT64_MAX - 2);
	side_free(&a);
	side_free(&b);
	/* the sampler floors times to seconds: the first second above INT64_MIN is refused */
	both_init(&a, &b);
	c = (struct lq_cmd){.type = LQ_CMD_TIME, .time_ns = INT64_MIN + 1};
	both_apply(&a, &b, c, LQ_E_OVERFLOW);
	c.time_ns = -INT64_MAX + LQ_NS_PER_S;
	both_apply(&a, &b, c, LQ_OK);
	side_free(&a);
	side_free(&b);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rich_long_far_up),
	    cmocka_unit_test(test_eth18_buffer_split),
	    cmocka_unit_test(test_sampler_refuses_unrepresentable),
	    cmocka_unit_test(test_seeded_edges),
	};

	if (argc >= 3) {
		first_seed = strtoull(argv[1], NULL, 10);
		seed_count = strtoull(argv[2], NULL, 10);
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
