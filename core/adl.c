/* SPDX-License-Identifier: MIT */
/*
 * ADL ranking (DESIGN 1.7): profitable positions by score = PnL% x effective leverage, then
 * losing ones by PnL% / leverage; ties by larger position, then lower account id.
 *
 * Scores are compared exactly. Each is the fraction of two products of two factors,
 *
 *   in profit:  (upnl x lev_num) / (|cost| x lev_den)
 *   otherwise:  (upnl x lev_den) / (|cost| x lev_num)
 *
 * with PnL% = upnl / |cost| and leverage = lev_num / lev_den = notional / equity (fine units,
 * the equity exact: the position's isolated equity, or the account's cross equity in the
 * settle asset), or the cap LQ_ADL_LEVERAGE_MAX_E8 / 10^8 when that is larger or the equity
 * is not positive. Every factor is a non-negative 128-bit integer, so each product takes four
 * 64-bit limbs and a cross-multiplication (num_a x den_b against num_b x den_a) eight. No
 * factor is ever rounded: scores that differ by any amount rank apart, and equal scores
 * (however their factors are made up) fall to the tie-break. Flooring each factor to 10^-8
 * first, as this file once did, tied 0.05 with 0.0499999993 and let the larger position of
 * the two jump the line.
 *
 * Speed: an entry keeps the four factors, not the products, and a 64-bit key (adl_key): the
 * class and an estimate of the score good to about 2^-59. Most pairs of scores differ by far
 * more, so their keys decide; only keys too close to prove the order (near-ties and ties) have
 * the products and the cross-multiplication computed in full.
 *
 * lq_adl_score_e8, floor(score x 10^8), is for display only; being the floor of the exact score it
 * never increases along a ranking within the profitable or the losing positions.
 */
#include <string.h>

#include "lq/assert.h"
#include "lq/engine.h"
#include "lq/instrument.h"
#include "lq/num.h"
#include "account.h"

typedef unsigned __int128 u128;

#define LIMBS	   4 /* 64-bit limbs, least significant first: a 128 x 128 product */
#define WIDE_LIMBS (2 * LIMBS)

_Static_assert(LIMBS * 64 >= 2 * 128, "a score's product of two 128-bit factors fits");
_Static_assert(LQ_ADL_LEVERAGE_MAX_E8 > 0, "the leverage cap is positive");

/* ---- small fixed-width unsigned integers: 64-bit limbs, least significant first ---- */

static unsigned mp_len(const uint64_t *a, unsigned n)
{
	while (n > 0 && a[n - 1] == 0)
		n--;
	LQ_DASSERT(n == 0 || a[n - 1] != 0);
	return n;
}

/* r[0 .. rn) = a[0 .. an) x b[0 .. bn); rn >= an + bn. */
static void mp_mul(const uint64_t *a, unsigned an, const uint64_t *b, unsigned bn, uint64_t *r,
		   unsigned rn)
{
	LQ_DASSERT(rn >= an + bn);
	memset(r, 0, sizeof(*r) * rn);
	for (unsigned i = 0; i < an; i++) {
		uint64_t carry = 0;
		for (unsigned j = 0; j < bn; j++) {
			/* (2^64 - 1)^2 + 2 (2^64 - 1) = 2^128 - 1: no overflow */
			u128 t = (u128)a[i] * b[j] + r[i + j] + carry;
			r[i + j] = (uint64_t)t;
			carry = (uint64_t)(t >> 64);
		}
		r[i + bn] = carry;
	}
	LQ_DASSERT(mp_len(r, rn) <= an + bn); /* a product of an and bn limbs */
}

static int mp_cmp(const uint64_t *a, const uint64_t *b, unsigned n)
{
	LQ_DASSERT(n <= WIDE_LIMBS);
	for (unsigned i = n; i-- > 0;) {
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	}
	return 0;
}

/* a -= b over n limbs; a >= b. */
static void mp_sub(uint64_t *a, const uint64_t *b, unsigned n)
{
	uint64_t borrow = 0;

	LQ_DASSERT(mp_cmp(a, b, n) >= 0);
	for (unsigned i = 0; i < n; i++) {
		u128 t = (u128)a[i] - b[i] - borrow;
		a[i] = (uint64_t)t;
		borrow = (uint64_t)(t >> 64) & 1;
	}
	LQ_ASSERT(borrow == 0);
}

/* Bits [s, s + 128) of a[0 .. n). */
static u128 mp_window(const uint64_t *a, unsigned n, unsigned s)
{
	u128 r = 0;

	LQ_DASSERT(s / 64 < n); /* the window starts inside the number */
	for (unsigned i = 0; i < 3; i++) {
		const unsigned limb = s / 64 + i;
		const uint64_t v = limb < n ? a[limb] : 0;
		if (i == 0)
			r = v >> (s % 64);
		else if (64 * i - s % 64 < 128)
			r |= (u128)v << (64 * i - s % 64);
	}
	return r;
}

/*
 * The top 64 bits of a (> 0) and its bit length: a lies in [top, top + 1) x 2^(bits - 64),
 * exactly top x 2^(bits - 64) when bits <= 64; top has its highest bit set.
 */
static void mp_top(const uint64_t *a, unsigned n, uint64_t *top, int *bits)
{
	const unsigned len = mp_len(a, n);

	LQ_ASSERT(len > 0);
	*bits = (int)(64 * len) - __builtin_clzll(a[len - 1]);
	*top =
	    *bits >= 64 ? (uint64_t)mp_window(a, len, (unsigned)*bits - 64) : a[0] << (64 - *bits);
	LQ_DASSERT(*top >> 63 == 1);
}

/* The product of two 128-bit factors, in LIMBS limbs: four 64 x 64 products, carried. */
static void mp_mul128(u128 x, u128 y, uint64_t r[LIMBS])
{
	const uint64_t x0 = (uint64_t)x, x1 = (uint64_t)(x >> 64);
	const uint64_t y0 = (uint64_t)y, y1 = (uint64_t)(y >> 64);
	const u128 p00 = (u128)x0 * y0, p01 = (u128)x0 * y1, p10 = (u128)x1 * y0;
	/* (p00 >> 64) + two 64-bit halves < 3 x 2^64: no overflow */
	const u128 mid = (p00 >> 64) + (uint64_t)p01 + (uint64_t)p10;
	/* the whole product is below 2^256, so its top two limbs fit in 128 bits */
	const u128 hi = (u128)x1 * y1 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);

	_Static_assert(LIMBS == 4, "a 128 x 128 product is four limbs");
	r[0] = (uint64_t)p00;
	r[1] = (uint64_t)mid;
	r[2] = (uint64_t)hi;
	r[3] = (uint64_t)(hi >> 64);
	LQ_DASSERT((mp_len(r, LIMBS) == 0) == (x == 0 || y == 0));
}

/* ---- comparing fractions ---- */

/*
 * The order of a's score magnitude num_a / den_a and b's, exactly: num_a x den_b against
 * num_b x den_a, each number the product of the entry's two factors. Out of line: only keys
 * too close to decide come here.
 */
__attribute__((noinline)) static int frac_cmp(const struct lq_adl_entry *a,
					      const struct lq_adl_entry *b)
{
	uint64_t an[LIMBS], ad[LIMBS], bn[LIMBS], bd[LIMBS], l[WIDE_LIMBS], r[WIDE_LIMBS];

	mp_mul128(a->score_f[0], a->score_f[1], an);
	mp_mul128(a->score_f[2], a->score_f[3], ad);
	mp_mul128(b->score_f[0], b->score_f[1], bn);
	mp_mul128(b->score_f[2], b->score_f[3], bd);
	/* every denominator is positive (adl_score_set) */
	LQ_DASSERT(mp_len(ad, LIMBS) > 0);
	LQ_DASSERT(mp_len(bd, LIMBS) > 0);
	mp_mul(an, mp_len(an, LIMBS), bd, mp_len(bd, LIMBS), l, WIDE_LIMBS);
	mp_mul(bn, mp_len(bn, LIMBS), ad, mp_len(ad, LIMBS), r, WIDE_LIMBS);
	return mp_cmp(l, r, WIDE_LIMBS);
}

/* ---- the score ---- */

static u128 uabs128(lq_i128 v)
{
	return v < 0 ? -(u128)v : (u128)v;
}

/*
 * Effective leverage as the fraction *num / *den (> 0 both, or 0 / 1 for a position without
 * notional), capped: an account without equity, or whose equity cannot be represented,
 * ranks at the cap.
 */
/*
 * lq_position_funding_due, with its first case in line: a position settled at its side's
 * current funding index (ceil for a long, floor for a short) owes nothing. Dev builds check.
 */
static int64_t adl_funding_due(const struct lq_engine *e, const struct lq_position *p)
{
	const struct lq_instrument *ins = &e->instruments[p->instrument];
	const lq_i128 index = p->qty >= 0 ? ins->funding_index_ceil : ins->funding_index_floor;

	if (index == (lq_i128)p->funding_snap) {
		LQ_DASSERT(lq_position_funding_due(e, p) == 0);
		return 0;
	}
	return lq_position_funding_due(e, p);
}

/*
 * The equity a position's leverage is taken against (lq_account_unit_equity_fine's). A cross
 * position that is its account's only one needs no walk of the account: the balance, this
 * position's PnL (already at hand: notional_fine > 0 says its figures fit) and its funding due.
 */
static bool adl_equity(const struct lq_engine *e, const struct lq_position *p, uint32_t pidx,
		       lq_i128 upnl_fine, lq_i128 notional_fine, lq_i128 *out)
{
	const struct lq_instrument *ins = &e->instruments[p->instrument];
	const struct lq_account *a = &e->accounts[p->account];
	const struct lq_unit u = {.account = p->account,
				  .ref = p->isolated ? pidx : ins->settle_asset,
				  .isolated = p->isolated};

	if (!p->isolated && a->pos_head == pidx && p->next == LQ_NIL && notional_fine > 0) {
		LQ_ASSERT(p->qty != 0);
		LQ_ASSERT(lq_instrument_mark(ins) > 0); /* figures exist only at a mark */
		*out = (lq_i128)*lq_engine_balance(e, p->account, ins->settle_asset) * LQ_FINE_ONE +
		       upnl_fine - (lq_i128)adl_funding_due(e, p) * LQ_FINE_ONE;
		LQ_DASSERT(lq_account_unit_equity_fine(e, &u, &upnl_fine) && upnl_fine == *out);
		return true;
	}
	/*
	 * An isolated position with figures (notional_fine > 0: they fit): its margin less its
	 * funding due, plus this PnL, as lq_account_unit_equity_fine takes it from the same
	 * figures (its values_at succeeds where lq_account_position_values's did).
	 */
	if (p->isolated && notional_fine > 0) {
		LQ_ASSERT(p->qty != 0);
		*out = ((lq_i128)p->margin_units - adl_funding_due(e, p)) * LQ_FINE_ONE + upnl_fine;
		LQ_DASSERT(lq_account_unit_equity_fine(e, &u, &upnl_fine) && upnl_fine == *out);
		return true;
	}
	return lq_account_unit_equity_fine(e, &u, out);
}

static void adl_leverage(const struct lq_engine *e, const struct lq_position *p, uint32_t pidx,
			 lq_i128 upnl_fine, lq_i128 notional_fine, u128 *num, u128 *den)
{
	const u128 cap = LQ_ADL_LEVERAGE_MAX_E8 / LQ_RATE_ONE;
	lq_i128 equity_fine;

	LQ_ASSERT(notional_fine >= 0);
	LQ_ASSERT(pidx < e->limits.positions_max);
	*num = LQ_ADL_LEVERAGE_MAX_E8;
	*den = LQ_RATE_ONE;
	if (!adl_equity(e, p, pidx, upnl_fine, notional_fine, &equity_fine) || equity_fine <= 0)
		return;
	/* notional / equity > cap  <=>  notional > cap x equity (the cap is whole: exact); a
	 * product beyond 128 bits exceeds every notional (< 2^127) */
	_Static_assert(LQ_ADL_LEVERAGE_MAX_E8 % LQ_RATE_ONE == 0, "a whole leverage cap");
	if ((u128)equity_fine <= ~(u128)0 / cap && (u128)notional_fine > cap * (u128)equity_fine)
		return;
	/* below the cap: notional over a positive equity */
	LQ_ASSERT(equity_fine > 0);
	*num = (u128)notional_fine;
	*den = (u128)equity_fine;
}

/* floor(sign x num x 10^8 / den), clamped to int64: the displayed score. */
static int64_t adl_score_e8(const struct lq_adl_entry *en)
{
	enum { W = LIMBS + 2 }; /* num x 10^8 and den x 2^63 both fit */
	const uint64_t e8 = LQ_RATE_ONE, two63 = 1ULL << 63;
	uint64_t m[W], lim[W], qd[W], qw;
	u128 q;

	uint64_t num[LIMBS], den[LIMBS], den_top;
	int den_bits;

	const int sign = lq_adl_score_sign(en);

	if (sign == 0)
		return 0;
	mp_mul128(en->score_f[0], en->score_f[1], num);
	mp_mul128(en->score_f[2], en->score_f[3], den);
	mp_top(den, LIMBS, &den_top, &den_bits);
	mp_mul(num, LIMBS, &e8, 1, m, W);
	mp_mul(den, LIMBS, &two63, 1, lim, W);
	if (mp_cmp(m, lim, W) >= 0) /* the quotient needs 64 bits: beyond int64 */
		return sign > 0 ? INT64_MAX : INT64_MIN;
	/*
	 * m < den x 2^63. Estimate from the divisor's top 64 bits t (at shift s = bits - 64):
	 * floor(m / 2^s) < 2^127 and t >= 2^63, so the estimate floor(floor(m / 2^s) / t) is
	 * at most two above the quotient and never below it. (A divisor of one limb divides
	 * exactly: m < 2^127.)
	 */
	if (den_bits <= 64) {
		LQ_DASSERT(mp_len(m, W) <= 2);
		q = (((u128)m[1] << 64) | m[0]) / den[0];
	} else {
		const unsigned s = (unsigned)den_bits - 64;
		q = mp_window(m, W, s) / den_top;
	}
	for (int step = 0;; step++) {
		LQ_ASSERT(step <= 2);
		LQ_ASSERT(q < ((u128)1 << 64));
		qw = (uint64_t)q;
		mp_mul(den, LIMBS, &qw, 1, qd, W);
		if (mp_cmp(qd, m, W) <= 0)
			break;
		q--;
	}
	mp_sub(m, qd, W); /* the remainder, below den */
	LQ_ASSERT(mp_len(m, W) <= LIMBS);
	LQ_ASSERT(mp_cmp(m, den, LIMBS) < 0);
	LQ_ASSERT(q < ((u128)1 << 63));
	if (sign > 0)
		return (int64_t)q;
	/* floor of a negative quotient: one further down when it is not whole */
	return -(int64_t)q - (mp_len(m, W) != 0 ? 1 : 0);
}

/*
 * The lazy ranking a cascade consumes. Scoring is linear in the side's positions; ordering
 * them is not done up front: a heap with the first in line at its root (built in O(n)), from
 * which each entry the cascade reaches is taken in O(log n). The order taken is the sort's
 * (adl_before is a strict total order).
 *
 * The heap holds 16-byte nodes, not the entries: a key and the entry's index. The key is the
 * entry's class and score folded into 64 bits, larger first in line: profitable before losing,
 * and within each class the score's magnitude as a binary floating value with a 50-bit
 * mantissa (its inverse for losing positions, whose scores rank by smallest magnitude). It is
 * computed from the top 64 bits of the score's factors, within a relative 2^-59 of the exact
 * score, and it never decreases as the estimate grows, so keys two or more apart (a relative
 * gap of at least 2^-51) order their entries exactly; closer keys fall back to the exact
 * comparison. Entries keep their key too (adl_score_cmp's filter). Sifting reads and moves
 * 16 bytes per level instead of the entries.
 */
#define KEY_MANT_BITS 50
#define KEY_EXP_BIAS  1024
#define KEY_MAG_LIMIT ((uint64_t)1 << 61) /* every magnitude key is below it */
_Static_assert((uint64_t)(KEY_EXP_BIAS + 2 * LIMBS * 64) << KEY_MANT_BITS < KEY_MAG_LIMIT,
	       "the exponent and mantissa fit below the class bits");
_Static_assert(KEY_EXP_BIAS > 2 * LIMBS * 64, "the biased exponent is positive");

/* The top 64 bits of x (> 0), highest bit set, and x's bit length: x in [top, top + 1) x
 * 2^(bits - 64). */
static uint64_t top64(u128 x, int *bits)
{
	const uint64_t hi = (uint64_t)(x >> 64), lo = (uint64_t)x;

	LQ_DASSERT(x != 0);
	if (hi == 0) {
		*bits = 64 - __builtin_clzll(lo);
		return lo << (64 - *bits);
	}
	const int z = __builtin_clzll(hi);
	*bits = 128 - z;
	return z == 0 ? hi : hi << z | lo >> (64 - z);
}

/*
 * An estimate of x x y (both > 0) as top x 2^(bits - 64), top in [2^63, 2^64): with t the
 * product of the two factors' tops (in [2^126, 2^128)), x y lies in [t, t + 2^65 + 1) on t's
 * scale and the estimate (t's top 64 bits, or 63 when t < 2^127) in (t - 2^64, t]: at most
 * the product and above it x (1 - 2^-60).
 */
static uint64_t prod_top(u128 x, u128 y, int *bits)
{
	int bx, by;
	const u128 t = (u128)top64(x, &bx) * top64(y, &by);

	if (t >> 127 != 0) {
		*bits = bx + by;
		return (uint64_t)(t >> 64);
	}
	*bits = bx + by - 1;
	return (uint64_t)(t >> 63);
}

/*
 * The score's magnitude num / den (both > 0) as exponent and 50-bit mantissa, monotone in
 * the estimate num' / den' (prod_top's, each within 2^-60 below its number), which lies
 * within a relative 2^-59 of the exact magnitude. The quotient's floor adds 2^-62.
 */
static uint64_t key_magnitude(const struct lq_adl_entry *en)
{
	int nb, db;
	const uint64_t nt = prod_top(en->score_f[0], en->score_f[1], &nb);
	const uint64_t dt = prod_top(en->score_f[2], en->score_f[3], &db);
	int ex = nb - db;
	/* tops in [2^63, 2^64): the quotient lies in (2^62, 2^64) */
	uint64_t rem;
	u128 q = lq_udivmod128_64((u128)nt << 63, dt, &rem);

	LQ_DASSERT(nt >> 63 == 1);
	LQ_DASSERT(dt >> 63 == 1);
	if (q < ((u128)1 << 63)) {
		q <<= 1;
		ex--;
	}
	LQ_ASSERT(q >> 63 == 1); /* normalized: [2^63, 2^64) */
	LQ_ASSERT(ex + KEY_EXP_BIAS > 0);
	const uint64_t mant = ((uint64_t)q - ((uint64_t)1 << 63)) >> (63 - KEY_MANT_BITS);
	return ((uint64_t)(ex + KEY_EXP_BIAS) << KEY_MANT_BITS) | mant;
}

bool lq_adl_profitable(const struct lq_adl_entry *en)
{
	return en->key >= LQ_ADL_KEY_PROFIT_ZERO;
}

int lq_adl_score_sign(const struct lq_adl_entry *en)
{
	if (en->key > LQ_ADL_KEY_PROFIT_ZERO)
		return 1;
	return en->key == LQ_ADL_KEY_PROFIT_ZERO || en->key == LQ_ADL_KEY_LOSS_ZERO ? 0 : -1;
}

static uint64_t adl_key(const struct lq_adl_entry *en, bool profitable, int sign)
{
	uint64_t k;

	_Static_assert(LQ_ADL_KEY_PROFIT_ZERO == (uint64_t)1 << 63, "the profitable class");
	_Static_assert(LQ_ADL_KEY_LOSS_ZERO == (uint64_t)1 << 62, "a loss's zero");
	_Static_assert(KEY_MAG_LIMIT <= LQ_ADL_KEY_LOSS_ZERO,
		       "negative scores below a loss's zero");
	if (profitable)
		k = sign > 0 ? LQ_ADL_KEY_PROFIT_ZERO + KEY_MAG_LIMIT + key_magnitude(en)
			     : LQ_ADL_KEY_PROFIT_ZERO;
	else
		k = sign < 0 ? KEY_MAG_LIMIT - 1 - key_magnitude(en) : LQ_ADL_KEY_LOSS_ZERO;
	LQ_ASSERT(k < UINT64_MAX - 1); /* node_before adds one */
	return k;
}

/*
 * Score = sign x (x_num x y_num) / (x_den x y_den): its factors and its key, which holds the
 * class and sign (lq_adl_profitable, lq_adl_score_sign read them back).
 */
static void adl_score_set(struct lq_adl_entry *out, bool profitable, u128 x_num, u128 y_num,
			  u128 x_den, u128 y_den)
{
	const int sign = x_num == 0 || y_num == 0 ? 0 : profitable ? 1 : -1;

	LQ_ASSERT(x_den > 0);
	LQ_ASSERT(y_den > 0);
	out->score_f[0] = x_num;
	out->score_f[1] = y_num;
	out->score_f[2] = x_den;
	out->score_f[3] = y_den;
	out->key = adl_key(out, profitable, sign);
	LQ_DASSERT(lq_adl_profitable(out) == profitable);
	LQ_DASSERT(lq_adl_score_sign(out) == sign);
}

/* The displayed score of an entry: only for what is shown (a division each). */
int64_t lq_adl_score_e8(const struct lq_adl_entry *en)
{
	const int64_t s = adl_score_e8(en);

	/* the displayed floor keeps the exact score's sign (a negative one floors below 0) */
	LQ_ASSERT(lq_adl_score_sign(en) <= 0 || s >= 0);
	LQ_ASSERT(lq_adl_score_sign(en) >= 0 || s < 0);
	return s;
}

/*
 * A position's upnl and notional (fine units), lq_account_position_values's figures. A linear
 * position whose |q| x mark fits 64 bits and whose scale fits int64 (every position of the
 * usual instruments) is valued here in line: its value q x mark x scale is exact and below
 * 2^127 in magnitude, so its notional is that value's magnitude (the value of |q| lots, as
 * values_at takes it) and its upnl the value less the cost, unless that difference overflows
 * (then the general path, which says so the same way). Dev builds check the figures against
 * lq_account_position_values.
 */
static void adl_values(const struct lq_engine *e, const struct lq_position *p, uint32_t pidx,
		       lq_i128 *upnl_fine, lq_i128 *notional_fine)
{
	const struct lq_instrument *ins = &e->instruments[p->instrument];
	const int64_t mark = lq_instrument_mark(ins);
	const uint64_t q_abs = p->qty < 0 ? -(uint64_t)p->qty : (uint64_t)p->qty;
	const u128 qm = (u128)q_abs * (uint64_t)(mark > 0 ? mark : 0);

	if (ins->kind == LQ_INSTRUMENT_LINEAR && mark > 0 && qm >> 64 == 0 && ins->lin_scale > 0 &&
	    ins->lin_scale <= INT64_MAX) {
		/* (2^64 - 1) x (2^63 - 1) < 2^127: a positive lq_i128 */
		const u128 a = (u128)(uint64_t)qm * (uint64_t)ins->lin_scale;
		const lq_i128 v = p->qty < 0 ? -(lq_i128)a : (lq_i128)a;
		if (!lq_sub128_ovf(v, p->cost, upnl_fine)) {
			*notional_fine = (lq_i128)a;
#ifndef NDEBUG
			lq_i128 u2, n2;
			lq_account_position_values(e, pidx, &u2, &n2);
			LQ_DASSERT(u2 == *upnl_fine && n2 == *notional_fine);
#endif
			return;
		}
	}
	lq_account_position_values(e, pidx, upnl_fine, notional_fine);
}

static void adl_score(const struct lq_engine *e, uint32_t pidx, struct lq_adl_entry *out)
{
	const struct lq_position *p = &e->positions[pidx];
	const u128 cost_abs = uabs128(p->cost);
	lq_i128 upnl_fine, notional_fine;
	u128 lev_num, lev_den, upnl_abs;

	LQ_ASSERT(pidx < e->limits.positions_max);
	LQ_ASSERT(p->qty != 0); /* only open positions are ranked */
	adl_values(e, p, pidx, &upnl_fine, &notional_fine);
	upnl_abs = uabs128(upnl_fine);
	adl_leverage(e, p, pidx, upnl_fine, notional_fine, &lev_num, &lev_den);
	const bool profitable = upnl_fine > 0;
	out->account = e->accounts[p->account].id;
	out->position = pidx;
	out->tie_first = 0;
	out->qty_abs = p->qty < 0 ? -p->qty : p->qty;
	LQ_DASSERT(out->qty_abs > 0); /* INT64_MIN lots would wrap */
	if (cost_abs == 0)
		adl_score_set(out, profitable, 0, 0, 1, 1); /* no cost basis, no PnL%: score 0 */
	else if (profitable)
		adl_score_set(out, profitable, upnl_abs, lev_num, cost_abs, lev_den);
	else if (lev_num > 0)
		adl_score_set(out, profitable, upnl_abs, lev_den, cost_abs, lev_num);
	else /* no notional: the PnL% itself */
		adl_score_set(out, profitable, upnl_abs, 1, cost_abs, 1);
}

/* The exact order of two scores: < 0, 0 or > 0 as a's is below, equal to or above b's. */
static int adl_score_cmp(const struct lq_adl_entry *a, const struct lq_adl_entry *b)
{
	const int sa = lq_adl_score_sign(a), sb = lq_adl_score_sign(b);

	if (sa != sb)
		return sa < sb ? -1 : 1;
	if (sa == 0)
		return 0;
	/* one class: keys two or more apart order the scores (the larger key, the higher) */
	int r;
	if (a->key > b->key + 1) {
		r = 1;
	} else if (b->key > a->key + 1) {
		r = -1;
	} else {
		const int c = frac_cmp(a, b);
		LQ_DASSERT(c >= -1);
		LQ_DASSERT(c <= 1);
		return sa > 0 ? c : -c;
	}
	LQ_DASSERT(r == (sa > 0 ? frac_cmp(a, b) : -frac_cmp(a, b)));
	return r;
}

bool lq_adl_score_equal(const struct lq_adl_entry *a, const struct lq_adl_entry *b)
{
	LQ_DASSERT(adl_score_cmp(a, b) == -adl_score_cmp(b, a)); /* antisymmetric */
	return lq_adl_profitable(a) == lq_adl_profitable(b) && adl_score_cmp(a, b) == 0;
}

/* First in line first: profit before loss, higher exact score, larger position, lower id. */
static bool adl_before(const struct lq_adl_entry *a, const struct lq_adl_entry *b)
{
	LQ_DASSERT(a != b);
	if (lq_adl_profitable(a) != lq_adl_profitable(b))
		return lq_adl_profitable(a);
	const int c = adl_score_cmp(a, b);
	if (c != 0)
		return c > 0;
	if (a->qty_abs != b->qty_abs)
		return a->qty_abs > b->qty_abs;
	/* one position per account and instrument: the last key is never tied */
	LQ_DASSERT(a->account != b->account);
	return a->account < b->account;
}

/*
 * Heap sort: in place, O(n log n), no recursion, no allocation. A max-heap on "after": the
 * root is the entry that goes last. Sifting moves the entry down through a hole (one copy per
 * level rather than a swap's three: the entries are two cache lines).
 */
static void sift_down(struct lq_adl_entry *a, uint32_t i, uint32_t n)
{
	LQ_DASSERT(i < n);
	const struct lq_adl_entry t = a[i];

	for (;;) {
		uint32_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && adl_before(&a[c], &a[c + 1]))
			c++;
		if (!adl_before(&t, &a[c]))
			break;
		a[i] = a[c];
		i = c;
	}
	a[i] = t;
}

static void adl_sort(struct lq_adl_entry *a, uint32_t n)
{
	for (uint32_t i = n / 2; i-- > 0;)
		sift_down(a, i, n);
	for (uint32_t end = n; end > 1; end--) {
		struct lq_adl_entry t = a[0];
		a[0] = a[end - 1];
		a[end - 1] = t;
		sift_down(a, 0, end - 1);
	}
}

#define ADL_PREFETCH 8 /* positions ahead */

/*
 * Score every open position of one side of an instrument, unordered: into out (when not NULL)
 * and as a node {key, entry index, position} into nodes (when not NULL). The count.
 */
static uint32_t adl_collect(const struct lq_engine *e, uint32_t instrument, int side,
			    struct lq_adl_entry *out, struct lq_adl_node *nodes, uint32_t cap)
{
	const uint32_t walk_max = e->limits.positions_max;
	uint32_t n = 0, walked = 0;
	struct lq_adl_entry tmp;

	LQ_ASSERT(instrument < LQ_INSTRUMENTS_MAX);
	LQ_ASSERT(side != 0);
	LQ_ASSERT(out != NULL || nodes != NULL);
	for (uint32_t p = e->inst_head[instrument]; p != LQ_NIL; p = e->positions[p].inst_next) {
		const struct lq_position *pos = &e->positions[p];
		/* the list mostly follows the table (positions are handed out in order): fetch the
		 * lines a few positions on while this one is scored */
		if (p + ADL_PREFETCH < e->position_top) {
			__builtin_prefetch(&e->positions[p + ADL_PREFETCH]);
			__builtin_prefetch((const char *)&e->positions[p + ADL_PREFETCH + 1] - 1);
		}
		/* the instrument's list holds each position once: positions_max bounds it */
		LQ_ASSERT(walked < walk_max);
		walked++;
		if (pos->qty == 0 || (side > 0) != (pos->qty > 0))
			continue;
		LQ_ASSERT(n < cap);
		struct lq_adl_entry *en = out != NULL ? &out[n] : &tmp;
		adl_score(e, p, en);
		if (nodes != NULL)
			nodes[n] = (struct lq_adl_node){.key = en->key, .entry = n, .position = p};
		n++;
	}
	LQ_ASSERT(n <= cap);
	return n;
}

uint32_t lq_adl_rank(const struct lq_engine *e, uint32_t instrument, int side,
		     struct lq_adl_entry *out, uint32_t cap)
{
	const uint32_t n = adl_collect(e, instrument, side, out, NULL, cap);

	adl_sort(out, n);
	for (uint32_t i = 0; i < n; i++) {
		/* sorted by score first: equal scores are adjacent */
		const bool tied = i > 0 && lq_adl_score_equal(&out[i - 1], &out[i]);
		out[i].tie_first = tied ? out[i - 1].tie_first : i;
		LQ_DASSERT(i == 0 || adl_before(&out[i - 1], &out[i]));
		LQ_DASSERT(i == 0 || lq_adl_profitable(&out[i - 1]) != lq_adl_profitable(&out[i]) ||
			   adl_score_e8(&out[i - 1]) >= adl_score_e8(&out[i]));
		/* a tie group starts at or before its members: quintiles 1 to 5 */
		LQ_DASSERT(out[i].tie_first <= i);
		LQ_DASSERT(lq_adl_quintile(&out[i], n) <= 5);
	}
	LQ_ASSERT(n <= cap);
	return n;
}

static bool node_before(const struct lq_adl_entry *en, const struct lq_adl_node *a,
			const struct lq_adl_node *b)
{
	bool r;

	if (a->key > b->key + 1)
		r = true;
	else if (b->key > a->key + 1)
		r = false;
	else
		return adl_before(&en[a->entry], &en[b->entry]);
	/* the key decides only what the exact order says */
	LQ_DASSERT(r == adl_before(&en[a->entry], &en[b->entry]));
	return r;
}

/*
 * The cascade's heap is 4-ary (children of i: 4i + 1 .. 4i + 4): half the levels of a binary
 * heap, so a take moves a node half as often and reads about half the cache lines of a heap
 * far larger than the cache. Any heap order gives the same entries taken: node_before is a
 * strict total order, and the root is its first.
 */
#define HEAP_ARITY 4

static void sift_first(const struct lq_adl_entry *en, struct lq_adl_node *a, uint32_t i, uint32_t n)
{
	LQ_DASSERT(i < n);
	const struct lq_adl_node t = a[i];

	for (;;) {
		const uint64_t first = (uint64_t)HEAP_ARITY * i + 1;
		if (first >= n)
			break;
		const uint32_t c0 = (uint32_t)first;
		const uint32_t end = n - c0 < HEAP_ARITY ? n : c0 + HEAP_ARITY;
		uint32_t c = c0;
		for (uint32_t j = c0 + 1; j < end; j++)
			if (node_before(en, &a[j], &a[c]))
				c = j;
		if (!node_before(en, &a[c], &t))
			break;
		a[i] = a[c];
		i = c;
	}
	a[i] = t;
}

uint32_t lq_adl_heap(const struct lq_engine *e, uint32_t instrument, int side,
		     struct lq_adl_entry *out, struct lq_adl_node *heap, uint32_t cap)
{
	const uint32_t n = adl_collect(e, instrument, side, out, heap, cap);

	/* the last node with a child is (n - 2) / HEAP_ARITY */
	for (uint32_t i = n > 1 ? (n - 2) / HEAP_ARITY + 1 : 0; i-- > 0;)
		sift_first(out, heap, i, n);
	return n;
}

struct lq_adl_entry *lq_adl_heap_at(struct lq_adl_entry *out, struct lq_adl_node *heap, uint32_t n,
				    uint32_t *taken, uint32_t k, bool display)
{
	LQ_ASSERT(k < n);
	LQ_ASSERT(*taken <= n);
	/* bounded: each pass takes one entry, at most n */
	while (*taken <= k) {
		const uint32_t h = n - *taken; /* the heap's size, >= 1 */
		const struct lq_adl_node t = heap[0];
		heap[0] = heap[h - 1];
		if (h > 1)
			sift_first(out, heap, 0, h - 1);
		/* the k-th taken sits at heap[n - 1 - k], past the heap's end */
		heap[h - 1] = t;
		/* the same tie groups as lq_adl_rank's: the previous entry taken is heap[h]'s */
		const uint32_t i = *taken;
		struct lq_adl_entry *en = &out[t.entry];
		const struct lq_adl_entry *prev = i > 0 ? &out[heap[h].entry] : NULL;
		LQ_DASSERT(prev == NULL || adl_before(prev, en));
		if (display) {
			const bool tied = prev != NULL && lq_adl_score_equal(prev, en);
			en->tie_first = tied ? prev->tie_first : i;
		}
		(*taken)++;
	}
	LQ_ASSERT(heap[n - 1 - k].entry < n);
	return &out[heap[n - 1 - k].entry];
}

/* ---- a ranking in 16-byte nodes (what `show adl` uses): no entry table ---- */

/*
 * The exact order of two positions' nodes at the current state: keys two or more apart decide
 * (as node_before). Equal zero keys (a score of exactly 0 in either class, nothing else within
 * 1 of them) are tied scores: the larger position, then the lower account id, as adl_before.
 * Other close keys have their positions scored (ta: a's entry already scored, or NULL), which
 * gives the entries lq_adl_rank would hold (scoring reads the engine and changes nothing, and
 * nothing changes the engine while a ranking is listed), compared by adl_before.
 */
static bool node_before_now(const struct lq_engine *e, const struct lq_adl_node *a,
			    const struct lq_adl_entry *ta, const struct lq_adl_node *b)
{
	struct lq_adl_entry x, y;

	if (a->key > b->key + 1)
		return true;
	if (b->key > a->key + 1)
		return false;
	if (a->key == b->key &&
	    (a->key == LQ_ADL_KEY_PROFIT_ZERO || a->key == LQ_ADL_KEY_LOSS_ZERO)) {
		const struct lq_position *pa = &e->positions[a->position],
					 *pb = &e->positions[b->position];
		const int64_t qa = pa->qty < 0 ? -pa->qty : pa->qty,
			      qb = pb->qty < 0 ? -pb->qty : pb->qty;
		const uint64_t ia = e->accounts[pa->account].id, ib = e->accounts[pb->account].id;
		const bool before = qa != qb ? qa > qb : ia < ib;
#ifndef NDEBUG
		adl_score(e, a->position, &x);
		adl_score(e, b->position, &y);
		LQ_DASSERT(before == adl_before(&x, &y));
#endif
		return before;
	}
	if (ta == NULL) {
		adl_score(e, a->position, &x);
		ta = &x;
	}
	adl_score(e, b->position, &y);
	LQ_DASSERT(ta->key == a->key && y.key == b->key);
	return adl_before(ta, &y);
}

/*
 * adl_sort's heap sort over nodes: a max-heap on "after", sifted through a hole; the node
 * sifted is scored at most once.
 */
static void sift_nodes(const struct lq_engine *e, struct lq_adl_node *a, uint32_t i, uint32_t n)
{
	LQ_DASSERT(i < n);
	const struct lq_adl_node t = a[i];
	struct lq_adl_entry te;
	bool scored = false;

	for (;;) {
		uint32_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && node_before_now(e, &a[c], NULL, &a[c + 1]))
			c++;
		const bool close = t.key <= a[c].key + 1 && a[c].key <= t.key + 1;
		if (close && !scored &&
		    !(t.key == a[c].key &&
		      (t.key == LQ_ADL_KEY_PROFIT_ZERO || t.key == LQ_ADL_KEY_LOSS_ZERO))) {
			adl_score(e, t.position, &te);
			scored = true;
		}
		if (!node_before_now(e, &t, scored ? &te : NULL, &a[c]))
			break;
		a[i] = a[c];
		i = c;
	}
	a[i] = t;
}

uint32_t lq_adl_rank_nodes(const struct lq_engine *e, uint32_t instrument, int side,
			   struct lq_adl_node *nodes, uint32_t cap)
{
	const uint32_t n = adl_collect(e, instrument, side, NULL, nodes, cap);

	for (uint32_t i = n / 2; i-- > 0;)
		sift_nodes(e, nodes, i, n);
	for (uint32_t end = n; end > 1; end--) {
		const struct lq_adl_node t = nodes[0];
		nodes[0] = nodes[end - 1];
		nodes[end - 1] = t;
		sift_nodes(e, nodes, 0, end - 1);
	}
	return n;
}

void lq_adl_rank_entry(const struct lq_engine *e, const struct lq_adl_node *nodes, uint32_t n,
		       uint32_t i, struct lq_adl_entry *en)
{
	struct lq_adl_entry cur;

	LQ_ASSERT(i < n);
	adl_score(e, nodes[i].position, &cur);
	LQ_DASSERT(cur.key == nodes[i].key);
	/* en holds entry i - 1: sorted by score first, equal scores are adjacent */
	LQ_DASSERT(i == 0 || adl_before(en, &cur));
	const bool tied = i > 0 && lq_adl_score_equal(en, &cur);
	cur.tie_first = tied ? en->tie_first : i;
	LQ_DASSERT(lq_adl_quintile(&cur, n) <= 5);
	*en = cur;
}
