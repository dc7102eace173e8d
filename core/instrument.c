/* SPDX-License-Identifier: MIT */
#include "lq/instrument.h"

#include "lq/assert.h"

#include <errno.h>
#include <string.h>

/* Largest exponent a 128-bit power of ten may take here (10^38 < 2^127). */
#define POW10_128_MAX 36
/* Funding indices are kept below this so that q x (index difference) cannot overflow. */
#define FUNDING_INDEX_LIMIT ((lq_i128)1 << 100)

static lq_i128 pow10_128(unsigned n)
{
	lq_i128 v = 1;

	LQ_ASSERT(n <= POW10_128_MAX);
	for (unsigned i = 0; i < n; i++)
		v *= 10;
	LQ_ASSERT(v > 0); /* 10^36 < 2^127: no wrap */
	return v;
}

void lq_instrument_defaults(struct lq_instrument_params *p)
{
	memset(p, 0, sizeof(*p));
	p->liq_fee_e8 = 500000; /* 0.005 */
	p->fund = -1;
	p->deficit = LQ_DEFICIT_ADL;
	p->partial = false;
	p->mark_method = LQ_MARK_EXTERNAL;
	p->band_e8 = 0;
	p->takeover_band_e8 = 5000000; /* 0.05 */
	p->fund_cap_units = -1;
	p->funding_interval_ns = 8 * 3600 * LQ_NS_PER_S;
	p->basis_window_ns = 300 * LQ_NS_PER_S;
	p->stale_after_ns = 0;
	p->fill_band_e8 = 10 * LQ_RATE_ONE; /* 10: from mark / 11 to 11 x mark */
	/* a fee and a band are fractions: a fee above 1 would take more than the notional */
	LQ_ASSERT(p->liq_fee_e8 <= LQ_RATE_ONE);
	LQ_ASSERT(p->takeover_band_e8 < LQ_RATE_ONE);
}

int lq_instrument_setup(struct lq_instrument *ins, const struct lq_asset *settle)
{
	int e;

	LQ_ASSERT(settle->decimals <= LQ_DECIMALS_MAX); /* lq_engine_add_asset checked it */
	if (ins->tick <= 0 || ins->lot <= 0)
		return -EINVAL;
	ins->asset_decimals = settle->decimals;
	ins->ms.basis_last_s = INT64_MIN;
	ins->ms.trade_time_ns = INT64_MIN; /* none yet: older than any stale_after */
	ins->ms.book_time_ns = INT64_MIN;
	if (ins->kind == LQ_INSTRUMENT_LINEAR) {
		/* value = q * P * 10^(ad + fine - qd - pd): exact only if the exponent is >= 0 */
		e = (int)settle->decimals + LQ_FINE_DECIMALS - (int)ins->qty_decimals -
		    (int)ins->price_decimals;
		if (e < 0 || e > POW10_128_MAX)
			return -EINVAL;
		ins->lin_scale = pow10_128((unsigned)e);
		LQ_ASSERT(ins->lin_scale >= 1);
		return 0;
	}
	if (ins->contract <= 0)
		return -EINVAL;
	/* value = -q * C * 10^(pd + ad + fine) / (10^(qd + cd) * P) */
	e = (int)ins->price_decimals + (int)settle->decimals + LQ_FINE_DECIMALS -
	    (int)ins->qty_decimals - (int)ins->contract_decimals;
	if (e > POW10_128_MAX || -e > POW10_128_MAX)
		return -EINVAL;
	ins->inv_num = (lq_i128)ins->contract * (e >= 0 ? pow10_128((unsigned)e) : 1);
	ins->inv_den = e >= 0 ? 1 : pow10_128((unsigned)-e);
	/* value = -q x inv_num / (inv_den x P): both positive, the value has -q's sign */
	LQ_ASSERT(ins->inv_num > 0);
	LQ_ASSERT(ins->inv_den > 0);
	return 0;
}

int lq_instrument_add_tier(struct lq_instrument *ins, int64_t upto_units, int64_t mmr_e8,
			   int64_t imr_e8)
{
	struct lq_tier *t;
	lq_i128 dmm, dim;

	if (ins->tier_count >= LQ_TIERS_MAX)
		return -ENOSPC;
	if (mmr_e8 < 0 || mmr_e8 > LQ_RATE_ONE || imr_e8 < mmr_e8 || imr_e8 > LQ_RATE_ONE)
		return -EINVAL;
	if (upto_units <= 0)
		return -EINVAL;
	t = &ins->tiers[ins->tier_count];
	if (ins->tier_count == 0) {
		t->cum_mm_e8 = 0;
		t->cum_im_e8 = 0;
	} else {
		const struct lq_tier *p = &ins->tiers[ins->tier_count - 1];
		if (p->upto_units == INT64_MAX || upto_units <= p->upto_units)
			return -EINVAL;
		if (mmr_e8 < p->mmr_e8 || imr_e8 < p->imr_e8)
			return -EINVAL;
		/* Continuity at the bracket floor keeps MM and IM continuous in notional. */
		dmm = (lq_i128)p->upto_units * (mmr_e8 - p->mmr_e8);
		dim = (lq_i128)p->upto_units * (imr_e8 - p->imr_e8);
		t->cum_mm_e8 = p->cum_mm_e8 + dmm;
		t->cum_im_e8 = p->cum_im_e8 + dim;
	}
	t->upto_units = upto_units;
	t->mmr_e8 = mmr_e8;
	t->imr_e8 = imr_e8;
	ins->tier_count++;
	/* rates only rise along the brackets: the amounts subtracted are never negative */
	LQ_ASSERT(t->cum_mm_e8 >= 0);
	LQ_ASSERT(t->cum_im_e8 >= 0);
	LQ_ASSERT(ins->tier_count <= LQ_TIERS_MAX);
	return 0;
}

bool lq_instrument_tiers_sound(const struct lq_instrument *ins)
{
	if (ins->tier_count > LQ_TIERS_MAX)
		return false;
	for (uint32_t i = 0; i < ins->tier_count; i++) {
		const struct lq_tier *t = &ins->tiers[i];
		if (t->mmr_e8 < 0 || t->mmr_e8 > LQ_RATE_ONE || t->imr_e8 < t->mmr_e8 ||
		    t->imr_e8 > LQ_RATE_ONE || t->upto_units <= 0)
			return false;
		if (i == 0) {
			if (t->cum_mm_e8 != 0 || t->cum_im_e8 != 0)
				return false;
			continue;
		}
		const struct lq_tier *p = &ins->tiers[i - 1];
		if (p->upto_units == INT64_MAX || t->upto_units <= p->upto_units ||
		    t->mmr_e8 < p->mmr_e8 || t->imr_e8 < p->imr_e8)
			return false;
		if (t->cum_mm_e8 !=
			p->cum_mm_e8 + (lq_i128)p->upto_units * (t->mmr_e8 - p->mmr_e8) ||
		    t->cum_im_e8 != p->cum_im_e8 + (lq_i128)p->upto_units * (t->imr_e8 - p->imr_e8))
			return false;
	}
	return true;
}

bool lq_instrument_value_ovf_any(const struct lq_instrument *ins, int64_t q, int64_t p,
				 enum lq_round r, lq_i128 *out)
{
	lq_i128 v;

	LQ_DASSERT(r == LQ_ROUND_FLOOR || r == LQ_ROUND_CEIL);
	if (ins->kind == LQ_INSTRUMENT_LINEAR) {
		LQ_DASSERT(ins->lin_scale > 0);
		if (lq_mul128_ovf((lq_i128)q * p, ins->lin_scale, &v))
			return true;
		*out = v;
		return false;
	}
	LQ_ASSERT(p > 0);
	LQ_DASSERT(ins->inv_num > 0);
	lq_i128 den;
	if (lq_mul128_ovf(-(lq_i128)q, ins->inv_num, &v) || lq_mul128_ovf(ins->inv_den, p, &den))
		return true;
	*out = lq_div128(v, den, r);
	/* inverse: a long's value is negative, a short's positive (rounding may reach 0) */
	LQ_DASSERT(q >= 0 || *out >= 0);
	LQ_DASSERT(q <= 0 || *out <= 0);
	return false;
}

uint32_t lq_instrument_tier_index(const struct lq_instrument *ins, lq_i128 notional_fine)
{
	LQ_DASSERT(notional_fine >= 0); /* a notional is |value| */
	LQ_DASSERT(ins->tier_count <= LQ_TIERS_MAX);
	for (uint32_t t = 0; t < ins->tier_count; t++) {
		const struct lq_tier *tr = &ins->tiers[t];
		if (tr->upto_units == INT64_MAX)
			return t;
		if (notional_fine <= (lq_i128)tr->upto_units * LQ_FINE_ONE)
			return t;
	}
	/* Beyond the last bracket: its rates keep applying. */
	return ins->tier_count > 0 ? ins->tier_count - 1 : 0;
}

static int64_t margin_units(lq_i128 notional_fine, int64_t rate_e8, lq_i128 cum_e8)
{
	const lq_i128 one = (lq_i128)LQ_FINE_ONE * LQ_RATE_ONE;
	lq_i128 a, b, c;
	int64_t out;

	LQ_DASSERT(rate_e8 >= 0);
	LQ_DASSERT(rate_e8 <= LQ_RATE_ONE);
	/* (notional * rate - cum * 10^fine) / 10^(fine + 8), rounded up: a requirement. A
	 * notional below 2^64 and a cum within int64 need no checks: |c| < 2^91 + 2^93. */
	if (notional_fine >= 0 && notional_fine <= (lq_i128)UINT64_MAX &&
	    cum_e8 == (int64_t)cum_e8) {
		c = notional_fine * rate_e8 - cum_e8 * LQ_FINE_ONE;
	} else if (lq_mul128_ovf(notional_fine, rate_e8, &a) ||
		   lq_mul128_ovf(cum_e8, LQ_FINE_ONE, &b) || lq_sub128_ovf(a, b, &c)) {
		return INT64_MAX;
	}
	if (lq_narrow_ovf(lq_div128_ceil(c, one), &out))
		return INT64_MAX;
	/* rounded up, by less than one unit: never below the exact requirement */
	LQ_DASSERT((lq_i128)out * one >= c);
	LQ_DASSERT((lq_i128)out * one - c < one);
	return out < 0 ? 0 : out;
}

int64_t lq_instrument_mm_units(const struct lq_instrument *ins, lq_i128 notional_fine)
{
	LQ_DASSERT(notional_fine >= 0); /* a notional is |value| */
	if (ins->tier_count == 0 || notional_fine == 0)
		return 0;
	const uint32_t ti = lq_instrument_tier_index(ins, notional_fine);
	LQ_ASSERT(ti < ins->tier_count);
	const struct lq_tier *t = &ins->tiers[ti];
	return margin_units(notional_fine, t->mmr_e8, t->cum_mm_e8);
}

int64_t lq_instrument_im_units(const struct lq_instrument *ins, lq_i128 notional_fine)
{
	LQ_DASSERT(notional_fine >= 0); /* a notional is |value| */
	if (ins->tier_count == 0 || notional_fine == 0)
		return 0;
	const uint32_t ti = lq_instrument_tier_index(ins, notional_fine);
	LQ_ASSERT(ti < ins->tier_count);
	const struct lq_tier *t = &ins->tiers[ti];
	return margin_units(notional_fine, t->imr_e8, t->cum_im_e8);
}

void lq_instrument_margins(const struct lq_instrument *ins, lq_i128 notional_fine,
			   int64_t *mm_units, int64_t *im_units)
{
	LQ_DASSERT(notional_fine >= 0); /* a notional is |value| */
	if (ins->tier_count == 0 || notional_fine == 0) {
		*mm_units = 0;
		*im_units = 0;
		return;
	}
	/* one bracket for both: lq_instrument_mm_units and _im_units each find the same */
	const uint32_t ti = lq_instrument_tier_index(ins, notional_fine);
	LQ_ASSERT(ti < ins->tier_count);
	const struct lq_tier *t = &ins->tiers[ti];
	*mm_units = margin_units(notional_fine, t->mmr_e8, t->cum_mm_e8);
	*im_units = margin_units(notional_fine, t->imr_e8, t->cum_im_e8);
	LQ_DASSERT(*mm_units == lq_instrument_mm_units(ins, notional_fine));
	LQ_DASSERT(*im_units == lq_instrument_im_units(ins, notional_fine));
}

/* ---- mark price ---- */

static uint32_t basis_window_samples(const struct lq_instrument *ins)
{
	int64_t n = ins->params.basis_window_ns / LQ_NS_PER_S;

	if (n < 1)
		n = 1;
	if (n > LQ_BASIS_SAMPLES_MAX)
		n = LQ_BASIS_SAMPLES_MAX;
	LQ_ASSERT(n >= 1);
	LQ_ASSERT(n <= LQ_BASIS_SAMPLES_MAX); /* the ring's capacity */
	return (uint32_t)n;
}

static void basis_push(struct lq_instrument *ins, int64_t v_x2)
{
	struct lq_mark_state *ms = &ins->ms;
	uint32_t w = basis_window_samples(ins);

	if (ms->basis_head >= w) { /* the window shrank: restart it */
		ms->basis_head = 0;
		ms->basis_count = 0;
		ms->basis_sum_x2 = 0;
	}
	if (ms->basis_count == w)
		ms->basis_sum_x2 -= ms->basis_x2[ms->basis_head];
	else
		ms->basis_count++;
	LQ_ASSERT(ms->basis_head < w);
	ms->basis_x2[ms->basis_head] = v_x2;
	ms->basis_sum_x2 += v_x2;
	ms->basis_head = (ms->basis_head + 1) % w;
	LQ_ASSERT(ms->basis_count <= w);
}

void lq_instrument_mark_sample(struct lq_instrument *ins, int64_t now_ns)
{
	struct lq_mark_state *ms = &ins->ms;
	int64_t sec =
	    now_ns >= 0 ? now_ns / LQ_NS_PER_S : -((-now_ns + LQ_NS_PER_S - 1) / LQ_NS_PER_S);
	int64_t n;

	if (ms->basis_last_s == INT64_MIN || sec <= ms->basis_last_s) {
		if (ms->basis_last_s == INT64_MIN)
			ms->basis_last_s = sec;
		return;
	}
	n = sec - ms->basis_last_s;
	ms->basis_last_s = sec;
	if (ms->index == 0 || ms->top_bid == 0 || ms->top_ask == 0)
		return;
	if (n > (int64_t)basis_window_samples(ins))
		n = basis_window_samples(ins);
	/* whole seconds passed, at most one window of samples */
	LQ_ASSERT(n >= 1);
	LQ_ASSERT(n <= LQ_BASIS_SAMPLES_MAX);
	/* mid - index, doubled so that a half-tick mid stays exact; a sample 64 bits cannot
	 * hold (a book level at an absurd price) is not taken */
	const lq_i128 wide = (lq_i128)ms->top_bid + ms->top_ask - 2 * (lq_i128)ms->index;
	if (wide > INT64_MAX || wide < -INT64_MAX)
		return;
	const int64_t v_x2 = (int64_t)wide;
	for (int64_t i = 0; i < n; i++)
		basis_push(ins, v_x2);
}

int64_t lq_instrument_mark_clamp(struct lq_instrument *ins, int64_t mark)
{
	int64_t idx = ins->ms.index, lo, hi;
	const int64_t band = ins->params.band_e8;

	LQ_ASSERT(mark >= 0); /* 0: none */
	LQ_ASSERT(idx >= 0);  /* 0: none */
	if (band <= 0 || idx == 0 || mark == 0)
		return mark;
	/* The band edges are rounded inward to the tick so that a clamped mark is on the grid. */
	lo = (int64_t)lq_round_to_step(
	    lq_div128_ceil((lq_i128)idx * (LQ_RATE_ONE - band), LQ_RATE_ONE), ins->tick,
	    LQ_ROUND_CEIL);
	hi = (int64_t)lq_round_to_step(
	    lq_div128_floor((lq_i128)idx * (LQ_RATE_ONE + band), LQ_RATE_ONE), ins->tick,
	    LQ_ROUND_FLOOR);
	if (lo < ins->tick)
		lo = ins->tick;
	/* the edges are on the grid */
	LQ_DASSERT(lo % ins->tick == 0);
	LQ_DASSERT(hi % ins->tick == 0);
	if (mark < lo) {
		ins->ms.clamped++;
		return lo;
	}
	if (mark > hi) {
		ins->ms.clamped++;
		return hi;
	}
	return mark;
}

static lq_i128 median3(lq_i128 a, lq_i128 b, lq_i128 c)
{
	lq_i128 lo = a < b ? a : b, hi = a < b ? b : a;
	const lq_i128 m = c <= lo ? lo : c >= hi ? hi : c;

	LQ_DASSERT(m >= lo);
	LQ_DASSERT(m <= hi);
	return m;
}

/* The median3 method (DESIGN 1.4); 0 before an index. */
static int64_t mark_median3(struct lq_instrument *ins, int64_t now_ns)
{
	struct lq_mark_state *ms = &ins->ms;
	const struct lq_instrument_params *p = &ins->params;
	int64_t idx = ms->index, m;

	LQ_ASSERT(ins->tick > 0);
	LQ_ASSERT(idx >= 0); /* 0: none */
	if (idx == 0)
		return 0;
	/*
	 * The components are kept to 10^-6 of a price unit and the median is rounded to the
	 * tick once (rounding each to the price grid first could round twice across a tie).
	 */
	const lq_i128 S = 1000000;
	/* P1: index x (1 + rate x time to next funding / interval) */
	int64_t interval = p->funding_interval_ns > 0 ? p->funding_interval_ns : 1;
	int64_t next = (lq_div_floor(now_ns, interval) + 1) * interval;
	lq_i128 q, p1s, p2s, p3s;
	if (lq_muldiv128_ovf((lq_i128)idx * ms->funding_rate_e8, next - now_ns, interval,
			     LQ_ROUND_FLOOR, &q) ||
	    lq_muldiv128_ovf(q, (int64_t)S, LQ_RATE_ONE, LQ_ROUND_FLOOR, &q))
		q = 0;
	p1s = (lq_i128)idx * S + q;
	/* P2: index + moving average of the basis; without samples, the index */
	p2s = (lq_i128)idx * S;
	if (ms->basis_count > 0)
		p2s += lq_div128_floor(ms->basis_sum_x2 * S, 2 * (lq_i128)ms->basis_count);
	/* P3: last trade; without one, the index */
	p3s = (lq_i128)(ms->last_trade != 0 ? ms->last_trade : idx) * S;
	m = (int64_t)(lq_div128_round(median3(p1s, p2s, p3s), (lq_i128)ins->tick * S) * ins->tick);
	if (m < ins->tick)
		m = ins->tick;
	LQ_DASSERT(m % ins->tick == 0); /* rounded to the tick once */
	return m;
}

/* n / d to the nearest whole number, a tie (a remainder of exactly d / 2) rounded down. */
static lq_i128 div_nearest_tie_down(lq_i128 n, lq_i128 d)
{
	LQ_ASSERT(n >= 0);
	LQ_ASSERT(d > 0);
	const lq_i128 q = n / d, r = n % d;
	/* r > d - r is 2r > d without overflow: strictly past the half */
	const lq_i128 out = r > d - r ? q + 1 : q;
	LQ_DASSERT(out * d - n <= n - (out - 1) * d); /* never further than the other neighbour */
	return out;
}

/* The book's mid, (best bid + best ask) / 2 to the nearest tick, ties down; 0 if one-sided. */
static int64_t mark_mid(const struct lq_instrument *ins)
{
	const struct lq_mark_state *ms = &ins->ms;

	LQ_ASSERT(ms->top_bid >= 0); /* 0: none */
	LQ_ASSERT(ms->top_ask >= 0);
	if (ms->top_bid == 0 || ms->top_ask == 0)
		return 0;
	/* in ticks: sum / (2 x tick), both best prices on the grid (lq_marker_book_check) */
	const lq_i128 sum = (lq_i128)ms->top_bid + ms->top_ask;
	const lq_i128 m = div_nearest_tie_down(sum, 2 * (lq_i128)ins->tick) * ins->tick;
	LQ_ASSERT(m >= ins->tick); /* both sides hold at least one tick */
	LQ_ASSERT(m <= INT64_MAX);
	return (int64_t)m;
}

/* median(best bid, best ask, last trade): the trade held within the book; 0 without all 3. */
static int64_t mark_book3(const struct lq_instrument *ins)
{
	const struct lq_mark_state *ms = &ins->ms;

	LQ_ASSERT(ms->last_trade >= 0); /* 0: none */
	if (ms->top_bid == 0 || ms->top_ask == 0 || ms->last_trade == 0)
		return 0;
	const lq_i128 m = median3(ms->top_bid, ms->top_ask, ms->last_trade);
	/* three prices on the grid: so is their median */
	LQ_DASSERT(m % ins->tick == 0);
	LQ_ASSERT(m > 0);
	return (int64_t)m;
}

int64_t lq_instrument_mark_compute(struct lq_instrument *ins, int64_t now_ns)
{
	int64_t m;

	LQ_ASSERT(ins->tick > 0);
	switch (ins->params.mark_method) {
	case LQ_MARK_INDEX:
		m = ins->ms.index;
		break;
	case LQ_MARK_MEDIAN3:
		m = mark_median3(ins, now_ns);
		break;
	case LQ_MARK_LAST:
		m = ins->ms.last_trade;
		break;
	case LQ_MARK_MID:
		m = mark_mid(ins);
		break;
	case LQ_MARK_BOOK3:
		m = mark_book3(ins);
		break;
	default: /* external: the feed's marks, through lq_instrument_mark_clamp */
		return 0;
	}
	LQ_ASSERT(m >= 0); /* 0: none */
	LQ_DASSERT(m % ins->tick == 0);
	return lq_instrument_mark_clamp(ins, m);
}

/* now - since > after, where an age that does not fit in int64_t is older than any. */
static bool older_than(int64_t now_ns, int64_t since_ns, int64_t after)
{
	int64_t age;

	LQ_ASSERT(after > 0);
	if (lq_sub_ovf(now_ns, since_ns, &age))
		return now_ns > since_ns;
	return age > after;
}

bool lq_instrument_mark_is_stale(const struct lq_instrument *ins, int64_t now_ns)
{
	const struct lq_mark_state *ms = &ins->ms;
	const int64_t after = ins->params.stale_after_ns;
	const enum lq_mark_method m = ins->params.mark_method;

	if (after <= 0)
		return false;
	LQ_ASSERT(ms->index >= 0); /* 0: none */
	if (m != LQ_MARK_LAST && m != LQ_MARK_MID && m != LQ_MARK_BOOK3)
		return ms->index == 0 || older_than(now_ns, ms->index_time_ns, after);
	/* the index clamps these methods' marks once it has come: then it must be fresh too */
	if (ins->params.band_e8 > 0 && ms->index != 0 &&
	    older_than(now_ns, ms->index_time_ns, after))
		return true;
	/* never received: INT64_MIN, older than any stale_after */
	const bool trade_old = older_than(now_ns, ms->trade_time_ns, after);
	const bool book_old = older_than(now_ns, ms->book_time_ns, after);
	if (m == LQ_MARK_LAST)
		return trade_old;
	if (m == LQ_MARK_MID)
		return book_old;
	return trade_old && book_old; /* book3: the newer input decides */
}

static const char *const mark_names[LQ_MARK_METHODS] = {"external", "index", "median3",
							"last",	    "mid",   "book3"};

const char *lq_instrument_mark_method_name(enum lq_mark_method m)
{
	LQ_ASSERT((unsigned)m < LQ_MARK_METHODS);
	return mark_names[m];
}

int lq_instrument_mark_method_parse(const char *s, size_t len)
{
	LQ_ASSERT(s != NULL || len == 0);
	for (int i = 0; i < LQ_MARK_METHODS; i++)
		if (strlen(mark_names[i]) == len && memcmp(mark_names[i], s, len) == 0)
			return i;
	return -1;
}

bool lq_instrument_funding_ovf(struct lq_instrument *ins, int64_t rate_e8, int64_t mark)
{
	lq_i128 dc, df, nc, nf;

	LQ_ASSERT(mark > 0);
	/* the ceil copy never trails the floor copy */
	LQ_ASSERT(ins->funding_index_ceil >= ins->funding_index_floor);
	if (ins->kind == LQ_INSTRUMENT_LINEAR) {
		/* rate x mark per raw lot, in fine units x 10^8: exact */
		if (lq_mul128_ovf((lq_i128)rate_e8 * mark, ins->lin_scale, &dc))
			return true;
		df = dc;
	} else {
		lq_i128 n;
		if (lq_mul128_ovf((lq_i128)rate_e8, ins->inv_num, &n))
			return true;
		dc = lq_div128_ceil(n, ins->inv_den * mark);
		df = lq_div128_floor(n, ins->inv_den * mark);
	}
	/* one division rounded both ways: at most one apart */
	LQ_ASSERT(dc >= df);
	LQ_ASSERT(dc - df <= 1);
	if (lq_add128_ovf(ins->funding_index_ceil, dc, &nc) ||
	    lq_add128_ovf(ins->funding_index_floor, df, &nf))
		return true;
	if (nc > FUNDING_INDEX_LIMIT || nc < -FUNDING_INDEX_LIMIT || nf > FUNDING_INDEX_LIMIT ||
	    nf < -FUNDING_INDEX_LIMIT)
		return true;
	ins->funding_index_ceil = nc;
	ins->funding_index_floor = nf;
	return false;
}

bool lq_instrument_in_fill_band(const struct lq_instrument *ins, int64_t price)
{
	if (ins->params.fill_band_e8 <= 0 || ins->ms.mark <= 0)
		return true;
	const lq_i128 f = LQ_RATE_ONE + (lq_i128)ins->params.fill_band_e8;
	return (lq_i128)price * LQ_RATE_ONE <= f * ins->ms.mark &&
	       (lq_i128)ins->ms.mark * LQ_RATE_ONE <= f * price;
}
