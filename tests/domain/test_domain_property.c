/* SPDX-License-Identifier: MIT */
/*
 * Seeded property test of the money arithmetic (DESIGN 1.1, 1.2, 1.3, 1.8).
 *
 * Each seed builds random instruments (linear and inverse, random tick, lot, price and asset
 * decimals, contract sizes, brackets) and runs a random sequence of fills (open, extend,
 * reduce, close, flip, with fees and rebates), marks, funding events, settlements, deposits,
 * withdrawals and isolates, with liquidations off (what is checked is the arithmetic, not
 * the waterfall). After every event:
 *
 *  - the ledger sums to zero in every asset, and its accounts slot equals the accounts;
 *  - every position's quantity is the model's;
 *  - rounding never favours the holder: each account's equity in each asset (cross equity +
 *    the equity of its isolated positions, in units) is at most its exact equity. The exact
 *    equity telescopes over the account's whole history:
 *        deposits - withdrawals - fees + sum over instruments [value(q_now, mark)
 *        - sum of value(fill_i)] - exact funding paid (sum of rate_k x value(q_k, mark_k))
 *    computed here in fine units x 10^8 with 128-bit integers, exactly for linear
 *    instruments; for inverse ones each term is bounded by its floor and ceiling, the
 *    comparison counts as undecided when the engine falls between the bounds (asserted rare);
 *  - the engine is not absurdly below it either (at most a unit per rounding step);
 *  - the funding each position paid (its funding events plus what is pending) is at least
 *    the exact amount and at most a unit per settlement above it;
 *  - and, below the unit, the documented rounding itself (a model of the spec, not of the
 *    code): cost basis = sum of value(fill) rounded up, the closed share of it rounded up,
 *    realized PnL = value(closed, price) rounded down - that share, floored to units and
 *    credited to the holder, upnl = value(q, mark) rounded down - cost. The engine's cost
 *    basis, upnl and money (balance + isolated margins) must equal the model's exactly.
 *
 * Set-up checks: the engine's scale factors equal the ones derived here, and a grid that
 * cannot be valued exactly in fine units is refused.
 *
 * A second pass turns liquidations on (thin accounts, books, funds that may be empty, ADL or
 * socialization, the indexed trigger on even seeds and the full scan on odd ones): the ledger
 * invariants hold through the waterfall, no unit holding a position is left liquidatable
 * after an event (the level trigger), no fund goes below zero, and every account the
 * waterfall never touched keeps all the properties above.
 *
 * Environment: LQ_PROPERTY_SEED=N runs that seed only, LQ_PROPERTY_SEEDS=N that many seeds
 * (in both passes).
 * A failure prints the seed, the step and the last events.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define SEEDS_DEFAULT	  1500
#define STEPS_PER_SEED	  500
#define SEEDS_LIQ_DEFAULT 400
#define ACCOUNTS	  5
#define ASSETS		  2
#define INSTRUMENTS	  4
#define VALUE_UNITS_MAX	  10000000000000LL /* 1e13: no position is worth more, in units */
#define TRACE_LINES	  12
#define TRACE_LEN	  160

#define E8  ((lq_i128)LQ_RATE_ONE)
#define E17 ((lq_i128)LQ_FINE_ONE * LQ_RATE_ONE) /* units -> fine x 10^8 */

/* ---- a small deterministic generator (splitmix64) ---- */

struct rng {
	uint64_t s;
};

static uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* Uniform in [lo, hi] (hi - lo < 2^63). */
static int64_t rng_range(struct rng *r, int64_t lo, int64_t hi)
{
	return lo + (int64_t)(rng_next(r) % (uint64_t)(hi - lo + 1));
}

static bool rng_pct(struct rng *r, unsigned pct)
{
	return rng_next(r) % 100 < pct;
}

/* ---- exact helpers, independent of core's ---- */

static lq_i128 floor_div(lq_i128 a, lq_i128 b)
{
	lq_i128 q = a / b;

	return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

static lq_i128 ceil_div(lq_i128 a, lq_i128 b)
{
	return -floor_div(-a, b);
}

static lq_i128 pow10i(int n)
{
	lq_i128 v = 1;

	for (int i = 0; i < n; i++)
		v *= 10;
	return v;
}

/* ---- the model ---- */

struct m_ins {
	uint32_t id;
	enum lq_instrument_kind kind;
	uint32_t asset;
	int64_t tick, lot, base, px, qmax; /* raw; px: the market's price (a random walk) */
	int64_t mark, last_fill;	   /* the valuation price: the mark, else the last fill */
	lq_i128 lin_scale, inv_num, inv_den;
};

struct m_pos {
	int64_t q;
	lq_i128 fills_lo, fills_hi; /* sum of value(fill) in fine x 10^8: lo <= exact <= hi */
	lq_i128 fund_lo, fund_hi;   /* funding paid, exact, fine x 10^8 */
	int64_t fund_events;	    /* funding events seen, units (+ received) */
	lq_i128 cost;		    /* the spec's cost basis, fine units */
};

struct m_acc {
	int64_t base[ASSETS];	  /* deposits - withdrawals - fees, units */
	int64_t realized[ASSETS]; /* the spec's realized PnL, units */
	uint32_t ops;		  /* events that may round (fills, settlements) */
	struct m_pos pos[INSTRUMENTS];
};

struct prop {
	struct dom *d;
	struct rng rng;
	uint64_t seed;
	uint32_t step;
	uint32_t asset_count;
	unsigned asset_dec[ASSETS];
	struct m_ins ins[INSTRUMENTS];
	struct m_acc acc[ACCOUNTS]; /* account id = index + 1 */
	char trace[TRACE_LINES][TRACE_LEN];
	uint32_t trace_n;
	/* the variant with liquidations: accounts the waterfall touched leave the model */
	bool liq;
	bool touched[ACCOUNTS];
};

struct prop_stats {
	uint64_t seeds, events, equity_checks, inverse_checks, undecided, funding_checks,
	    funding_undecided, refused;
	uint64_t fills[4];	     /* open/extend, reduce, close, flip */
	uint64_t waterfall;	     /* liquidation, takeover, ADL and socialized-loss events */
	uint64_t by_type[8];	     /* waterfall events by enum lq_event_type */
	uint64_t touched;	     /* accounts the waterfall took out of the model */
	uint64_t grids_refused;	     /* grids the engine refused, as it must */
	uint64_t inverse_fractional; /* inverse grids with a scale below one */
};

static struct prop_stats stats;

static void trace(struct prop *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void trace(struct prop *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->trace[p->trace_n % TRACE_LINES], TRACE_LEN, fmt, ap);
	va_end(ap);
	p->trace_n++;
}

static void prop_fail(struct prop *p, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void prop_fail(struct prop *p, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	print_message("property failed: seed %llu, step %u (line %d): %s\n",
		      (unsigned long long)p->seed, p->step, line, msg);
	print_message("rerun with LQ_PROPERTY_SEED=%llu; the last events:\n",
		      (unsigned long long)p->seed);
	uint32_t first = p->trace_n > TRACE_LINES ? p->trace_n - TRACE_LINES : 0;
	for (uint32_t i = first; i < p->trace_n; i++)
		print_message("  %s\n", p->trace[i % TRACE_LINES]);
	fail_msg("seed %llu: %s", (unsigned long long)p->seed, msg);
}

#define PCHECK(p, cond, ...)                                                                       \
	do {                                                                                       \
		if (!(cond))                                                                       \
			prop_fail((p), __LINE__, __VA_ARGS__);                                     \
	} while (0)

static const char *i128s(lq_i128 v, char *buf)
{
	lq_dec_format128(buf, 48, v, 0);
	return buf;
}

/* value(q, price) in fine x 10^8: exact for linear, floor and ceiling for inverse. */
static void value_e8(struct prop *p, const struct m_ins *mi, int64_t q, int64_t price, lq_i128 *lo,
		     lq_i128 *hi)
{
	lq_i128 v, n;

	if (mi->kind == LQ_INSTRUMENT_LINEAR) {
		PCHECK(p, !__builtin_mul_overflow((lq_i128)q * price, mi->lin_scale, &v),
		       "test bug: linear value overflows");
		*lo = *hi = v * E8;
		return;
	}
	PCHECK(p, !__builtin_mul_overflow(-(lq_i128)q * E8, mi->inv_num, &n),
	       "test bug: inverse value overflows");
	*lo = floor_div(n, mi->inv_den * price);
	*hi = ceil_div(n, mi->inv_den * price);
}

static int64_t valuation_price(const struct m_ins *mi)
{
	return mi->mark != 0 ? mi->mark : mi->last_fill;
}

/* The spec's value(q, price) in fine units, rounded down or up. */
static lq_i128 value_fine(const struct m_ins *mi, int64_t q, int64_t price, bool up)
{
	if (mi->kind == LQ_INSTRUMENT_LINEAR)
		return (lq_i128)q * price * mi->lin_scale;
	const lq_i128 n = -(lq_i128)q * mi->inv_num, den = mi->inv_den * price;
	return up ? ceil_div(n, den) : floor_div(n, den);
}

/* The spec's fill: the new cost basis, and the realized PnL in units. */
static int64_t spec_fill(const struct m_ins *mi, struct m_pos *mp, int64_t d, int64_t price)
{
	int64_t q0 = mp->q, rest = d;
	lq_i128 realized = 0;

	if (q0 != 0 && (q0 > 0) != (d > 0)) {
		const int64_t abs_d = d < 0 ? -d : d, abs_q = q0 < 0 ? -q0 : q0;
		const int64_t x = abs_d >= abs_q ? q0 : -d; /* closed, with q0's sign */
		const lq_i128 share = x == q0 ? mp->cost : ceil_div(mp->cost * x, q0);
		realized = value_fine(mi, x, price, false) - share;
		mp->cost -= share;
		q0 -= x;
		rest = d + x;
	}
	if (rest != 0)
		mp->cost += value_fine(mi, rest, price, true);
	return (int64_t)floor_div(realized, LQ_FINE_ONE);
}

static void touch(struct prop *p, uint64_t id)
{
	if (id >= 1 && id <= ACCOUNTS)
		p->touched[id - 1] = true;
}

static void on_event(void *ctx, const struct lq_event *ev)
{
	struct prop *p = ctx;

	switch (ev->type) {
	case LQ_EV_LIQUIDATION:
	case LQ_EV_TAKEOVER:
	case LQ_EV_SOCIALIZED_LOSS:
	case LQ_EV_ADL:
	case LQ_EV_BAD_DEBT:
		stats.by_type[ev->type & 7]++;
		if (ev->type == LQ_EV_BAD_DEBT && ev->instrument == LQ_NIL) {
			/* a flat account's negative balance written off: its money is now 0 */
			PCHECK(p, p->liq, "write-off of account %llu with liquidations off",
			       (unsigned long long)ev->account);
			touch(p, ev->account);
			return;
		}
		if (ev->type == LQ_EV_BAD_DEBT)
			return;
		PCHECK(p, p->liq, "waterfall event %d with liquidations off", (int)ev->type);
		trace(p, "  event %d account %llu other %llu qty %lld price %lld", (int)ev->type,
		      (unsigned long long)ev->account, (unsigned long long)ev->other_account,
		      (long long)ev->qty, (long long)ev->price);
		touch(p, ev->account);
		touch(p, ev->other_account);
		stats.waterfall++;
		return;
	case LQ_EV_FUNDING:
		break;
	default:
		return;
	}
	PCHECK(p, ev->account >= 1 && ev->account <= ACCOUNTS, "funding event of account %llu",
	       (unsigned long long)ev->account);
	for (uint32_t i = 0; i < INSTRUMENTS; i++)
		if (p->ins[i].id == ev->instrument)
			p->acc[ev->account - 1].pos[i].fund_events += ev->amount_units;
}

/* ---- set-up: random instruments ---- */

static const int64_t ticks[] = {1, 2, 5, 10, 25};
static const int64_t lots[] = {1, 2, 3, 5, 10, 100};
static const int64_t contracts[] = {1, 10, 25, 100};

static int64_t pick(struct rng *r, const int64_t *v, size_t n)
{
	return v[rng_next(r) % n];
}

/* The largest value of one lot at any price the walk can reach, in units (ceiling). */
static lq_i128 lot_value_units(const struct m_ins *mi)
{
	if (mi->kind == LQ_INSTRUMENT_LINEAR)
		return ceil_div((lq_i128)mi->lot * (3 * mi->base) * mi->lin_scale, LQ_FINE_ONE);
	return ceil_div((lq_i128)mi->lot * mi->inv_num, mi->inv_den * (mi->base / 3) * LQ_FINE_ONE);
}

static void add_brackets(struct prop *p, uint32_t id)
{
	static const char *const rates[] = {"0.004", "0.005", "0.01", "0.025", "0.05"};
	const int n = (int)rng_range(&p->rng, 0, 3);
	int64_t upto = 0;

	for (int t = 0; t < n; t++) {
		upto = t == n - 1 ? INT64_MAX : upto + rng_range(&p->rng, 1000, 1000000000000LL);
		const int64_t mmr = dom_rate(rates[t]);
		PCHECK(p, lq_engine_add_tier(&p->d->e, id, upto, mmr, 2 * mmr) == LQ_OK, "tier");
	}
}

struct grid {
	int pd, qd, cd; /* price, quantity and contract decimals */
	int64_t contract;
};

/*
 * Random decimals and scale factors. Now and then a deep grid (many decimals, tiny lots)
 * that a linear instrument cannot value exactly in fine units: false then, and the engine
 * must refuse it.
 */
static bool choose_grid(struct prop *p, struct m_ins *mi, struct grid *g)
{
	struct rng *r = &p->rng;
	const bool lin = mi->kind == LQ_INSTRUMENT_LINEAR, deep = rng_pct(r, 15);
	const int ad = (int)p->asset_dec[mi->asset];

	g->pd = (int)rng_range(r, 0, lin ? (deep ? 7 : 4) : 3);
	g->qd = (int)rng_range(r, 0, lin ? (deep ? 7 : 4) : (deep ? 8 : 2));
	g->cd = lin ? 0 : (int)rng_range(r, 0, deep ? 4 : 2);
	g->contract = lin ? 0 : pick(r, contracts, sizeof(contracts) / sizeof(contracts[0]));
	if (lin) {
		const int e = ad + LQ_FINE_DECIMALS - g->qd - g->pd;
		mi->lin_scale = e >= 0 ? pow10i(e) : 0;
		return e >= 0;
	}
	const int e = g->pd + ad + LQ_FINE_DECIMALS - g->qd - g->cd;
	mi->inv_num = g->contract * (e >= 0 ? pow10i(e) : 1);
	mi->inv_den = e >= 0 ? 1 : pow10i(-e);
	return true;
}

static bool try_instrument(struct prop *p, uint32_t k, struct m_ins *mi)
{
	static struct lq_instrument proto;
	struct rng *r = &p->rng;
	struct grid g;

	memset(&proto, 0, sizeof(proto));
	memset(mi, 0, sizeof(*mi));
	/* the first is linear, the second inverse, the others either */
	mi->kind = k < 2 ? (enum lq_instrument_kind)k : (enum lq_instrument_kind)(rng_next(r) % 2);
	mi->asset = (uint32_t)(rng_next(r) % p->asset_count);
	const bool exact = choose_grid(p, mi, &g);
	mi->tick = pick(r, ticks, sizeof(ticks) / sizeof(ticks[0]));
	mi->lot = pick(r, lots, sizeof(lots) / sizeof(lots[0]));
	/* a log-uniform price of 50 .. 10^6 ticks */
	const int64_t decade = rng_range(r, 2, 6);
	mi->base = rng_range(r, 50, (int64_t)pow10i((int)decade)) * mi->tick;

	snprintf(proto.name, sizeof(proto.name), "I%u", k);
	proto.kind = mi->kind;
	proto.settle_asset = mi->asset;
	proto.tick = mi->tick;
	proto.price_decimals = (unsigned)g.pd;
	proto.lot = mi->lot;
	proto.qty_decimals = (unsigned)g.qd;
	proto.contract = g.contract;
	proto.contract_decimals = (unsigned)g.cd;
	if (!exact) {
		PCHECK(p, lq_engine_add_instrument(&p->d->e, &proto) == LQ_E_BAD_DEFINITION,
		       "a grid finer than fine units was accepted (%d + %d decimals)", g.pd, g.qd);
		stats.grids_refused++;
		return false;
	}
	const lq_i128 per_lot = lot_value_units(mi);
	if (per_lot > VALUE_UNITS_MAX / 4)
		return false;
	mi->qmax = (int64_t)(VALUE_UNITS_MAX / (per_lot > 0 ? per_lot : 1));
	mi->qmax = (mi->qmax > 2000 ? 2000 : mi->qmax) * mi->lot;
	mi->px = mi->base;
	PCHECK(p, lq_engine_add_instrument(&p->d->e, &proto) == LQ_OK, "instrument %u", k);
	mi->id = p->d->e.instrument_count - 1;
	const struct lq_instrument *in = &p->d->e.instruments[mi->id];
	/* the engine's scale factors are the ones derived here independently */
	PCHECK(p,
	       mi->kind == LQ_INSTRUMENT_LINEAR
		   ? in->lin_scale == mi->lin_scale
		   : in->inv_num * mi->inv_den == mi->inv_num * in->inv_den,
	       "instrument %u: scale factors differ", k);
	add_brackets(p, mi->id);
	stats.inverse_fractional += mi->inv_den > 1;
	return true;
}

/* Liquidations on: a fund per asset (sometimes empty), random deficit policy and fees. */
static void setup_waterfall(struct prop *p)
{
	static const char *const fees[] = {"0", "0.005", "0.01"};
	struct rng *r = &p->rng;

	/* even seeds use the indexed trigger, odd ones the full scan */
	dom_trigger(p->d, p->seed % 2 ? LQ_TRIGGER_SCAN : LQ_TRIGGER_INDEX);
	for (uint32_t s = 0; s < p->asset_count; s++) {
		char name[16];
		snprintf(name, sizeof(name), "F%u", s);
		const int64_t bal = rng_pct(r, 30) ? 0 : rng_range(r, 1, VALUE_UNITS_MAX / 100);
		PCHECK(p, lq_engine_define_fund(&p->d->e, name, s, bal) == LQ_OK, "fund");
	}
	for (uint32_t i = 0; i < INSTRUMENTS; i++) {
		struct lq_instrument_params prm = dom_params(p->d, p->ins[i].id);
		prm.fund = rng_pct(r, 80) ? (int)p->ins[i].asset : -1;
		prm.deficit = rng_pct(r, 50) ? LQ_DEFICIT_ADL : LQ_DEFICIT_SOCIALIZE;
		prm.partial = rng_pct(r, 50);
		prm.liq_fee_e8 = dom_rate(fees[rng_next(r) % 3]);
		dom_params_set(p->d, p->ins[i].id, &prm);
	}
}

static void setup_seed(struct prop *p, uint64_t seed, bool liq)
{
	static const unsigned decimals[] = {0, 2, 4, 6, 8};

	memset(p, 0, sizeof(*p));
	p->seed = seed;
	p->liq = liq;
	p->rng.s = seed * 0xD1B54A32D192ED03ULL + 1;
	p->d = dom_new();
	p->d->on_event = on_event;
	p->d->on_event_ctx = p;
	p->d->no_ledger_check = true; /* check_all does it, and names the seed */
	dom_trigger(p->d, LQ_TRIGGER_OFF);
	p->asset_count = (uint32_t)rng_range(&p->rng, 1, ASSETS);
	for (uint32_t a = 0; a < p->asset_count; a++) {
		char name[16];
		snprintf(name, sizeof(name), "A%u", a);
		p->asset_dec[a] = decimals[rng_next(&p->rng) % 5];
		dom_asset(p->d, name, p->asset_dec[a]);
	}
	for (uint32_t k = 0; k < INSTRUMENTS; k++) {
		int attempt = 0;
		while (!try_instrument(p, k, &p->ins[k]))
			PCHECK(p, ++attempt < 1000, "cannot generate instrument %u", k);
	}
	if (liq)
		setup_waterfall(p);
	for (uint32_t a = 0; a < ACCOUNTS; a++) {
		for (uint32_t s = 0; s < p->asset_count; s++) {
			/* with liquidations on, thin accounts: positions reach 1000x leverage */
			const int64_t amount = VALUE_UNITS_MAX / (liq ? 1000 : 10);
			PCHECK(p, dom_deposit(p->d, a + 1, s, amount) == LQ_OK, "deposit");
			p->acc[a].base[s] += amount;
		}
	}
}

/* ---- events ---- */

static int64_t sgn(int64_t v)
{
	return v > 0 ? 1 : -1;
}

/* A fill of a random kind; returns the signed quantity. */
static int64_t fill_qty(struct prop *p, const struct m_ins *mi, int64_t q, int *kind)
{
	struct rng *r = &p->rng;
	const int64_t lot = mi->lot, abs_q = q < 0 ? -q : q;

	*kind = q == 0 ? 0 : (int)rng_range(r, 0, 3);
	if (*kind == 0 && mi->qmax - abs_q < lot)
		*kind = 1;
	if (*kind == 1 && abs_q < 2 * lot)
		*kind = 2;
	switch (*kind) {
	case 0: { /* open or extend */
		const int64_t s = q != 0 ? sgn(q) : (rng_pct(r, 50) ? 1 : -1);
		const int64_t room = (mi->qmax - abs_q) / lot;
		return s * rng_range(r, 1, room < 50 ? room : (room / 4 > 0 ? room / 4 : 1)) * lot;
	}
	case 1: /* reduce */
		return -sgn(q) * rng_range(r, 1, abs_q / lot - 1) * lot;
	case 2: /* close */
		return -q;
	default: /* flip */
		return -q - sgn(q) * rng_range(r, 1, mi->qmax / lot) * lot;
	}
}

static int64_t near_price(struct prop *p, const struct m_ins *mi)
{
	const int64_t t = mi->px / mi->tick, spread = t / 20 > 0 ? t / 20 : 1;
	int64_t k = t + rng_range(&p->rng, -spread, spread);

	if (k < mi->base / mi->tick / 2)
		k = mi->base / mi->tick / 2;
	return k * mi->tick;
}

static void ev_fill(struct prop *p)
{
	struct rng *r = &p->rng;
	const uint32_t a = (uint32_t)rng_range(r, 0, ACCOUNTS - 1);
	const uint32_t i = (uint32_t)rng_range(r, 0, INSTRUMENTS - 1);
	struct m_ins *mi = &p->ins[i];
	struct m_pos *mp = &p->acc[a].pos[i];
	int kind;
	const int64_t d = fill_qty(p, mi, mp->q, &kind);
	const int64_t price = near_price(p, mi);
	int64_t fee = 0;

	if (rng_pct(r, 30))
		fee = rng_range(r, 0, 1000);
	else if (rng_pct(r, 5))
		fee = -rng_range(r, 0, 100);
	const enum lq_status st = dom_fill(p->d, a + 1, mi->id, d, price, fee);
	trace(p, "step %u: fill acc %u I%u q %lld%+lld @ %lld fee %lld -> %s", p->step, a + 1, i,
	      (long long)mp->q, (long long)d, (long long)price, (long long)fee,
	      lq_engine_status_str(st));
	PCHECK(p, st == LQ_OK, "fill refused: %s", lq_engine_status_str(st));
	lq_i128 lo, hi;
	value_e8(p, mi, d, price, &lo, &hi);
	mp->fills_lo += lo;
	mp->fills_hi += hi;
	p->acc[a].realized[mi->asset] += spec_fill(mi, mp, d, price);
	mp->q += d;
	mi->last_fill = price;
	p->acc[a].base[mi->asset] -= fee;
	p->acc[a].ops++;
	stats.fills[kind]++;
}

static void ev_mark(struct prop *p)
{
	struct rng *r = &p->rng;
	const uint32_t i = (uint32_t)rng_range(r, 0, INSTRUMENTS - 1);
	struct m_ins *mi = &p->ins[i];
	const int64_t t = mi->px / mi->tick, lo = mi->base / mi->tick / 2,
		      hi = 2 * (mi->base / mi->tick);
	const int64_t step = rng_pct(r, 10) ? t / 5 : t / 30;
	int64_t k = t + rng_range(r, -step - 1, step + 1);

	k = k < lo ? lo : (k > hi ? hi : k);
	mi->px = k * mi->tick;
	if (p->liq && rng_pct(r, 60)) {
		/* a book around the price for the liquidation orders to fill against */
		const int64_t bid = mi->px - rng_range(r, 1, 3) * mi->tick;
		const int64_t qty = rng_range(r, 1, mi->qmax / mi->lot) * mi->lot;
		const enum lq_status bst = dom_book1(p->d, mi->id, bid > 0 ? bid : mi->tick,
						     mi->px + rng_range(r, 1, 3) * mi->tick, qty);
		trace(p, "step %u: book I%u around %lld qty %lld -> %s", p->step, i,
		      (long long)mi->px, (long long)qty, lq_engine_status_str(bst));
		PCHECK(p, bst == LQ_OK, "book refused: %s", lq_engine_status_str(bst));
	}
	const enum lq_status st = dom_mark(p->d, mi->id, mi->px);
	trace(p, "step %u: mark I%u %lld -> %s", p->step, i, (long long)mi->px,
	      lq_engine_status_str(st));
	PCHECK(p, st == LQ_OK, "mark refused: %s", lq_engine_status_str(st));
	mi->mark = mi->px;
}

static void ev_funding(struct prop *p)
{
	struct rng *r = &p->rng;
	const uint32_t i = (uint32_t)rng_range(r, 0, INSTRUMENTS - 1);
	const struct m_ins *mi = &p->ins[i];
	const int64_t rate = rng_pct(r, 50) ? rng_range(r, -50, 50) : rng_range(r, -100000, 100000);
	const int64_t m = valuation_price(mi);
	const enum lq_status st = dom_funding(p->d, mi->id, rate);

	trace(p, "step %u: funding I%u rate %lld at %lld -> %s", p->step, i, (long long)rate,
	      (long long)m, lq_engine_status_str(st));
	PCHECK(p, st == (m == 0 ? LQ_E_NO_MARK : LQ_OK), "funding: %s", lq_engine_status_str(st));
	if (st != LQ_OK)
		return;
	for (uint32_t a = 0; a < ACCOUNTS; a++) {
		struct m_pos *mp = &p->acc[a].pos[i];
		lq_i128 n;
		if (mp->q == 0)
			continue;
		/* paid = rate x q x (linear: m; inverse: contract / m), fine x 10^8 */
		if (mi->kind == LQ_INSTRUMENT_LINEAR) {
			n = (lq_i128)mp->q * rate * m * mi->lin_scale;
			mp->fund_lo += n;
			mp->fund_hi += n;
			continue;
		}
		PCHECK(p, !__builtin_mul_overflow((lq_i128)mp->q * rate, mi->inv_num, &n),
		       "test bug: inverse funding overflows");
		mp->fund_lo += floor_div(n, mi->inv_den * m);
		mp->fund_hi += ceil_div(n, mi->inv_den * m);
	}
}

static void ev_account(struct prop *p)
{
	struct rng *r = &p->rng;
	const uint32_t a = (uint32_t)rng_range(r, 0, ACCOUNTS - 1);
	const uint32_t s = (uint32_t)rng_range(r, 0, (int64_t)p->asset_count - 1);
	const int what = (int)rng_range(r, 0, 3);
	enum lq_status st = LQ_OK;
	int64_t amount = 0;

	p->acc[a].ops++;
	if (what == 0) { /* show account: settles funding */
		lq_engine_settle_account_funding(&p->d->e, dom_acc(p->d, a + 1));
		trace(p, "step %u: settle acc %u", p->step, a + 1);
		return;
	}
	if (what == 1) {
		amount = rng_range(r, 1, VALUE_UNITS_MAX / 100);
		st = dom_deposit(p->d, a + 1, s, amount);
		if (st == LQ_OK)
			p->acc[a].base[s] += amount;
	} else if (what == 2) {
		amount = rng_range(r, 1, VALUE_UNITS_MAX / 4);
		st = dom_withdraw(p->d, a + 1, s, amount);
		if (st == LQ_OK)
			p->acc[a].base[s] -= amount;
	} else {
		const uint32_t i = (uint32_t)rng_range(r, 0, INSTRUMENTS - 1);
		amount = rng_range(r, -VALUE_UNITS_MAX / 50, VALUE_UNITS_MAX / 50);
		st = dom_isolate(p->d, a + 1, p->ins[i].id, amount);
	}
	stats.refused += st != LQ_OK;
	trace(p, "step %u: %s acc %u asset %u %lld -> %s", p->step,
	      what == 1	  ? "deposit"
	      : what == 2 ? "withdraw"
			  : "isolate",
	      a + 1, s, (long long)amount, lq_engine_status_str(st));
}

/* ---- checks ---- */

/* The engine's equity of an account in an asset: cross equity + its isolated positions. */
static int64_t engine_equity(const struct prop *p, uint32_t a, uint32_t s, uint32_t *npos)
{
	const struct lq_engine *e = &p->d->e;
	const uint32_t slot = dom_acc(p->d, a + 1);
	struct lq_margin m;
	int64_t eq;

	lq_account_margin(e, slot, s, &m);
	eq = m.equity_units;
	*npos = 0;
	for (uint32_t q = e->accounts[slot].pos_head; q != LQ_NIL; q = e->positions[q].next) {
		const struct lq_position *pos = &e->positions[q];
		if (e->instruments[pos->instrument].settle_asset != s)
			continue;
		(*npos)++;
		if (pos->isolated) {
			struct lq_account_position_view v;
			lq_account_position_view(e, q, false, &v);
			eq += v.equity_units;
		}
	}
	return eq;
}

static void check_equity(struct prop *p, uint32_t a, uint32_t s)
{
	const struct m_acc *ma = &p->acc[a];
	lq_i128 lo = (lq_i128)ma->base[s] * E17, hi = lo;
	bool inverse = false;
	uint32_t npos;
	char b1[48], b2[48], b3[48];

	for (uint32_t i = 0; i < INSTRUMENTS; i++) {
		const struct m_ins *mi = &p->ins[i];
		const struct m_pos *mp = &ma->pos[i];
		lq_i128 vlo = 0, vhi = 0;
		if (mi->asset != s)
			continue;
		if (mp->q != 0)
			value_e8(p, mi, mp->q, valuation_price(mi), &vlo, &vhi);
		lo += vlo - mp->fills_hi - mp->fund_hi;
		hi += vhi - mp->fills_lo - mp->fund_lo;
		inverse = inverse || mi->kind == LQ_INSTRUMENT_INVERSE;
	}
	const lq_i128 eng = (lq_i128)engine_equity(p, a, s, &npos) * E17;
	stats.equity_checks++;
	stats.inverse_checks += inverse;
	PCHECK(p, eng <= hi, "account %u asset %u: equity %s exceeds the exact %s (x 10^-17 units)",
	       a + 1, s, i128s(eng, b1), i128s(hi, b2));
	if (eng > lo) {
		PCHECK(p, inverse, "linear bounds are exact: %s vs %s", i128s(lo, b1),
		       i128s(hi, b2));
		stats.undecided++;
	}
	/* not absurdly below either: at most a unit per rounding step */
	const lq_i128 slack = ((lq_i128)ma->ops + 2 * npos + 2) * E17;
	PCHECK(p, eng >= lo - slack, "account %u asset %u: equity %s far below the exact %s (%s)",
	       a + 1, s, i128s(eng, b1), i128s(lo, b2), i128s(slack, b3));
}

static void check_positions(struct prop *p, uint32_t a)
{
	const struct lq_engine *e = &p->d->e;
	char b1[48], b2[48];

	for (uint32_t i = 0; i < INSTRUMENTS; i++) {
		const struct m_pos *mp = &p->acc[a].pos[i];
		const uint32_t q = dom_pos(p->d, a + 1, p->ins[i].id);
		const int64_t qty = q == LQ_NIL ? 0 : e->positions[q].qty;
		PCHECK(p, qty == mp->q, "account %u I%u: qty %lld, model %lld", a + 1, i,
		       (long long)qty, (long long)mp->q);
		/* funding paid: events plus what is pending, never below the exact amount */
		const int64_t due = q == LQ_NIL ? 0 : lq_position_funding_due(e, &e->positions[q]);
		const lq_i128 paid = ((lq_i128)due - mp->fund_events) * E17;
		stats.funding_checks++;
		PCHECK(p, paid >= mp->fund_lo, "account %u I%u: paid funding %s below the exact %s",
		       a + 1, i, i128s(paid, b1), i128s(mp->fund_lo, b2));
		stats.funding_undecided += paid < mp->fund_hi;
		PCHECK(p, paid <= mp->fund_hi + ((lq_i128)p->acc[a].ops + 1) * E17,
		       "account %u I%u: paid funding %s far above the exact %s", a + 1, i,
		       i128s(paid, b1), i128s(mp->fund_hi, b2));
	}
}

/* Below the unit: the engine follows the documented rounding exactly. */
static void check_spec(struct prop *p, uint32_t a)
{
	const struct lq_engine *e = &p->d->e;
	const uint32_t slot = dom_acc(p->d, a + 1);
	int64_t money[ASSETS] = {0}, want[ASSETS] = {0};
	char b1[48], b2[48];

	for (uint32_t s = 0; s < p->asset_count; s++) {
		money[s] = *lq_engine_balance(e, slot, s);
		want[s] = p->acc[a].base[s] + p->acc[a].realized[s];
	}
	for (uint32_t i = 0; i < INSTRUMENTS; i++) {
		const struct m_ins *mi = &p->ins[i];
		const struct m_pos *mp = &p->acc[a].pos[i];
		const uint32_t q = dom_pos(p->d, a + 1, mi->id);
		want[mi->asset] += mp->fund_events;
		if (q == LQ_NIL) {
			PCHECK(p, mp->cost == 0, "account %u I%u: no position, model cost %s",
			       a + 1, i, i128s(mp->cost, b1));
			continue;
		}
		const struct lq_position *pos = &e->positions[q];
		money[mi->asset] += pos->margin_units;
		PCHECK(p, pos->cost == mp->cost, "account %u I%u: cost %s, spec %s", a + 1, i,
		       i128s(pos->cost, b1), i128s(mp->cost, b2));
		if (pos->qty == 0)
			continue;
		struct lq_account_position_view v;
		lq_account_position_view(e, q, false, &v);
		const lq_i128 upnl = value_fine(mi, mp->q, valuation_price(mi), false) - mp->cost;
		PCHECK(p, v.upnl_fine == upnl, "account %u I%u: upnl %s fine, spec %s", a + 1, i,
		       i128s(v.upnl_fine, b1), i128s(upnl, b2));
	}
	for (uint32_t s = 0; s < p->asset_count; s++)
		PCHECK(p, money[s] == want[s], "account %u asset %u: money %lld, spec %lld", a + 1,
		       s, (long long)money[s], (long long)want[s]);
}

/*
 * With liquidations on, after every event (DESIGN 1.5, 1.7): no unit that holds a position is
 * left liquidatable (the level trigger), and no insurance fund is below zero.
 */
static void check_waterfall(struct prop *p)
{
	const struct lq_engine *e = &p->d->e;
	char b1[48];

	for (uint32_t f = 0; f < e->fund_count; f++) {
		const lq_i128 bal = e->ledger.total[LQ_LEDGER_FUND0 + f][e->funds[f].asset];
		PCHECK(p, bal >= 0, "fund %u below zero: %s", f, i128s(bal, b1));
	}
	for (uint32_t a = 0; a < e->account_count; a++) {
		for (uint32_t q = e->accounts[a].pos_head; q != LQ_NIL; q = e->positions[q].next) {
			const struct lq_position *pos = &e->positions[q];
			const uint32_t s = e->instruments[pos->instrument].settle_asset;
			struct lq_unit u = {
			    .account = a, .ref = pos->isolated ? q : s, .isolated = pos->isolated};
			if (pos->qty == 0)
				continue;
			PCHECK(p, !lq_trigger_unit_liquidatable(e, &u),
			       "account %llu left liquidatable (%s, equity %lld < MM %lld)",
			       (unsigned long long)e->accounts[a].id,
			       pos->isolated ? "isolated" : "cross", (long long)u.equity_units,
			       (long long)u.mm_units);
		}
	}
}

static void check_all(struct prop *p)
{
	char b1[48], b2[48];

	for (uint32_t s = 0; s < p->asset_count; s++) {
		const lq_i128 sum = lq_ledger_sum(&p->d->e, s);
		const lq_i128 accounts = lq_ledger_accounts_sum(&p->d->e, s);
		const lq_i128 slot = p->d->e.ledger.total[LQ_LEDGER_ACCOUNTS][s];
		PCHECK(p, sum == 0, "asset %u: ledger sums to %s", s, i128s(sum, b1));
		PCHECK(p, accounts == slot, "asset %u: accounts %s, ledger slot %s", s,
		       i128s(accounts, b1), i128s(slot, b2));
	}
	if (p->liq)
		check_waterfall(p);
	for (uint32_t a = 0; a < ACCOUNTS; a++) {
		if (p->touched[a])
			continue; /* the waterfall moved its money: out of the model */
		check_positions(p, a);
		check_spec(p, a);
		for (uint32_t s = 0; s < p->asset_count; s++)
			check_equity(p, a, s);
	}
}

static void run_seed(uint64_t seed, bool liq)
{
	static struct prop p;

	setup_seed(&p, seed, liq);
	check_all(&p);
	for (p.step = 1; p.step <= STEPS_PER_SEED; p.step++) {
		const int64_t x = rng_range(&p.rng, 0, 99);
		if (x < 45)
			ev_fill(&p);
		else if (x < 67)
			ev_mark(&p);
		else if (x < 82)
			ev_funding(&p);
		else
			ev_account(&p);
		p.d->event_count = 0; /* the harness's own record is not used here */
		check_all(&p);
		stats.events++;
	}
	stats.seeds++;
	for (uint32_t a = 0; a < ACCOUNTS; a++)
		stats.touched += p.touched[a];
	dom_free(p.d);
}

static uint64_t env_u64(const char *name, uint64_t dflt)
{
	const char *v = getenv(name);

	return v && *v ? strtoull(v, NULL, 10) : dflt;
}

static void run_seeds(uint64_t dflt, bool liq)
{
	const char *one = getenv("LQ_PROPERTY_SEED");

	memset(&stats, 0, sizeof(stats));
	if (one && *one) {
		run_seed(strtoull(one, NULL, 10), liq);
	} else {
		const uint64_t n = env_u64("LQ_PROPERTY_SEEDS", dflt);
		for (uint64_t seed = 1; seed <= n; seed++)
			run_seed(seed, liq);
	}
	print_message(
	    "%s: %llu seeds, %llu events (%llu refused), fills open/extend %llu "
	    "reduce %llu close %llu flip %llu; %llu equity checks, %llu with inverse "
	    "instruments, %llu undecided; %llu funding checks, %llu undecided; %llu "
	    "waterfall events (liquidation %llu, takeover %llu, adl %llu, socialized %llu, "
	    "bad debt %llu), %llu accounts taken out of the model; %llu grids refused, %llu "
	    "inverse grids with a fractional scale\n",
	    liq ? "liquidations on" : "liquidations off", (unsigned long long)stats.seeds,
	    (unsigned long long)stats.events, (unsigned long long)stats.refused,
	    (unsigned long long)stats.fills[0], (unsigned long long)stats.fills[1],
	    (unsigned long long)stats.fills[2], (unsigned long long)stats.fills[3],
	    (unsigned long long)stats.equity_checks, (unsigned long long)stats.inverse_checks,
	    (unsigned long long)stats.undecided, (unsigned long long)stats.funding_checks,
	    (unsigned long long)stats.funding_undecided, (unsigned long long)stats.waterfall,
	    (unsigned long long)stats.by_type[LQ_EV_LIQUIDATION],
	    (unsigned long long)stats.by_type[LQ_EV_TAKEOVER],
	    (unsigned long long)stats.by_type[LQ_EV_ADL],
	    (unsigned long long)stats.by_type[LQ_EV_SOCIALIZED_LOSS],
	    (unsigned long long)stats.by_type[LQ_EV_BAD_DEBT], (unsigned long long)stats.touched,
	    (unsigned long long)stats.grids_refused, (unsigned long long)stats.inverse_fractional);
	/* every kind of fill happened, and undecidable comparisons are rare */
	for (int k = 0; k < 4; k++)
		assert_true(stats.seeds < 5 || stats.fills[k] > 0);
	assert_true(stats.undecided * 100 <= stats.inverse_checks);
	assert_true(stats.funding_undecided * 100 <= stats.funding_checks);
}

/* The arithmetic alone: liquidations off, every account in the model throughout. */
static void test_property(void **state)
{
	(void)state;
	run_seeds(SEEDS_DEFAULT, false);
}

/*
 * Liquidations on (thin accounts, books, funds, ADL or socialization): the ledger invariants
 * hold through the waterfall, and the accounts it never touched keep every property above.
 */
static void test_property_liquidations(void **state)
{
	(void)state;
	run_seeds(SEEDS_LIQ_DEFAULT, true);
	assert_true(stats.seeds < 5 || stats.waterfall > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_property),
	    cmocka_unit_test(test_property_liquidations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
