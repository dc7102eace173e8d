/* SPDX-License-Identifier: MIT */
/*
 * The level trigger (DESIGN 1.5, 3): after every input event, every liquidatable unit (an
 * account's cross margin in one asset, or an isolated position) is liquidated, in rounds:
 *
 *   round: candidates = every liquidatable, actionable unit; sort them by ascending
 *          equity/MM, then account id; liquidate each in turn (re-checking it first).
 *   repeat while a round found candidates.
 *
 * The trigger only decides: lq_trigger_next hands out the next unit of the round and the
 * engine liquidates it (engine.c, liq.c) before asking for the next one.
 *
 * LQ_TRIGGER_SCAN finds the candidates by checking every unit (the oracle). LQ_TRIGGER_INDEX
 * checks only the accounts that changed or whose threshold a mark crossed. The invariant that
 * makes both produce the same rounds: an account that is not queued is not liquidatable.
 * It holds because every position carries a threshold price (in a 4-ary heap per instrument
 * and side, watch.c) such that while every mark stays on the safe side of its position's
 * threshold the account cannot become liquidatable, and every other change to an account
 * (fills, transfers, funding, ADL, socialized losses, staleness) queues it explicitly.
 *
 * Thresholds. A unit (an account's cross margin in one asset, or an isolated position) has,
 * exactly in fine units, E = (base - pending funding) x 10^9 + sum_i g_i, where base is the
 * balance or the isolated margin and g_i = upnl_i - MM_i of position i at its mark (fig_at:
 * the value rounded down, the notional away from zero, MM up, as lq_account_margin rounds
 * them before its rounding to units). lq_trigger_unit_liquidatable loses less than one unit to each
 * of its two roundings per position, so it finds the unit safe whenever E >= 2 units per
 * position. The excess X = E - n x SLACK_FINE at the current marks (n positions) is split
 * across the positions in proportion to their notionals (x_i, floored, so sum x_i <= X);
 * position i's threshold is the farthest grid price on its adverse side at which
 * g_i >= g_i(mark) - x_i. g_i is within 2 fine units of a function of the price that is
 * monotone (better for the holder on the favourable side), which SLACK_FINE covers too, so
 * while every mark stays inside its interval E keeps 2 units per position. A binary search
 * over the grid finds each threshold.
 *
 * One threshold per position covers one side only. A unit with X < 0, or whose figures stop
 * fitting 128 bits somewhere on a position's favourable side (there the predicate turns
 * "never safe"), has its positions re-checked on any move of their marks instead: they sit in
 * the short heap at 0, which every mark exceeds.
 */
#include "lq/assert.h"
#include "lq/engine.h"
#include "position.h"
#include "watch.h"
#include "account.h"
#include "trigger.h"

#include <string.h>

/* A tier's cum is in units x 10^8; x this it is in fine units. */
#define FINE_PER_RATE (LQ_FINE_ONE / LQ_RATE_ONE)
_Static_assert(LQ_FINE_ONE % LQ_RATE_ONE == 0, "cum x 10^9 / 10^8 is whole");
/*
 * What a unit must keep per position, fine units, for lq_trigger_unit_liquidatable to find it safe:
 * one unit to each of its two roundings (upnl down, MM up), and 2 fine units by which a
 * position's g may fall short of a function monotone in the price (see fig_at).
 */
#define SLACK_FINE (2 * (lq_i128)LQ_FINE_ONE + 2)

/* ---- units ---- */

bool lq_trigger_tradable(const struct lq_engine *e, uint32_t instrument)
{
	LQ_ASSERT(instrument < e->instrument_count);
	return !e->instruments[instrument].ms.stale && !e->instruments[instrument].ms.feed_halted;
}

/* The positions of a unit that hold a quantity (at most one per instrument). */
static uint32_t unit_positions(const struct lq_engine *e, const struct lq_unit *u,
			       uint32_t out[LQ_INSTRUMENTS_MAX])
{
	uint32_t n = 0;

	LQ_ASSERT(u->account < e->account_count);
	if (u->isolated) {
		LQ_ASSERT(u->ref < e->limits.positions_max);
		if (e->positions[u->ref].qty != 0)
			out[n++] = u->ref;
		return n;
	}
	LQ_ASSERT(u->ref < e->asset_count);
	for (uint32_t p = e->accounts[u->account].pos_head; p != LQ_NIL; p = e->positions[p].next) {
		const struct lq_position *pos = &e->positions[p];
		if (pos->isolated || pos->qty == 0 ||
		    e->instruments[pos->instrument].settle_asset != u->ref)
			continue;
		LQ_ASSERT(n < LQ_INSTRUMENTS_MAX);
		out[n++] = p;
	}
	return n;
}

/* What a unit holds besides its positions' PnL: the balance or the isolated margin, less
 * the positions' pending funding, in units. */
static lq_i128 unit_base_units(const struct lq_engine *e, const struct lq_unit *u,
			       const uint32_t *ps, uint32_t n)
{
	lq_i128 base = u->isolated ? e->positions[u->ref].margin_units
				   : *lq_engine_balance(e, u->account, u->ref);

	LQ_ASSERT(n <= LQ_INSTRUMENTS_MAX);
	LQ_ASSERT(u->account < e->account_count);
	/* |due| < 2^63 each, at most LQ_INSTRUMENTS_MAX of them: no overflow */
	for (uint32_t i = 0; i < n; i++)
		base -= lq_position_funding_due(e, &e->positions[ps[i]]);
	return base;
}

/*
 * Figures of q lots (q != 0) with cost basis `cost` at price (> 0) in fine units, each
 * rounded as lq_account_margin rounds it before its rounding to units: the value down, the
 * notional away from zero, MM up. false when one of them does not fit 128 bits.
 */
struct fig {
	lq_i128 upnl_fine;
	lq_i128 mm_fine; /* >= 0 */
	lq_i128 notional_fine;
};

/*
 * ceil(x / LQ_RATE_ONE) for x >= 0, as lq_div128(x, LQ_RATE_ONE, LQ_ROUND_CEIL) gives it, in
 * 32-bit limbs: each step divides a 64-bit value by a constant (a multiplication), where a
 * 128-bit division would call the runtime's (the threshold search's largest cost).
 */
static lq_i128 ceil_div_rate(lq_i128 x)
{
	const unsigned __int128 u = (unsigned __int128)x;
	unsigned __int128 q = 0;
	uint64_t r = 0;

	LQ_ASSERT(x >= 0);
	for (int s = 96; s >= 0; s -= 32) {
		/* r < LQ_RATE_ONE < 2^32: cur fits 64 bits */
		const uint64_t cur = r << 32 | (uint64_t)(u >> s & 0xffffffffu);
		q = q << 32 | cur / LQ_RATE_ONE;
		r = cur % LQ_RATE_ONE;
	}
	const lq_i128 c = (lq_i128)q + (r != 0);
	LQ_DASSERT(c == lq_div128(x, LQ_RATE_ONE, LQ_ROUND_CEIL));
	return c;
}
_Static_assert(LQ_RATE_ONE > 0 && LQ_RATE_ONE < (1LL << 32), "ceil_div_rate's limbs");

static bool fig_at(const struct lq_instrument *ins, int64_t q, lq_i128 cost, int64_t price,
		   struct fig *f)
{
	lq_i128 v, n, mm, cum;

	LQ_ASSERT(q != 0);
	LQ_ASSERT(price > 0);
	if (lq_instrument_value_ovf(ins, q, price, LQ_ROUND_FLOOR, &v) ||
	    lq_sub128_ovf(v, cost, &f->upnl_fine))
		return false;
	/* a linear value is exact (no rounding): that of |q| is |v| */
	if (ins->kind == LQ_INSTRUMENT_LINEAR)
		n = v < 0 ? -v : v;
	else if (lq_instrument_value_ovf(ins, q > 0 ? q : -q, price, LQ_ROUND_FLOOR, &n))
		return false;
	LQ_DASSERT(
	    ins->kind != LQ_INSTRUMENT_LINEAR ||
	    (!lq_instrument_value_ovf(ins, q > 0 ? q : -q, price, LQ_ROUND_FLOOR, &mm) && mm == n));
	f->notional_fine = n < 0 ? -n : n;
	f->mm_fine = 0;
	if (ins->tier_count == 0 || n == 0)
		return true;
	/*
	 * MM = (notional x mmr - cum x 10^9) / 10^8, up. cum x 10^9 is a multiple of 10^8, so
	 * this is ceil(notional x mmr / 10^8) - cum x 10, and lq_muldiv128_ovf keeps it exact
	 * wherever the result fits (the product itself may not).
	 */
	const struct lq_tier *t = &ins->tiers[lq_instrument_tier_index(ins, f->notional_fine)];
	lq_i128 prod;
	if (t->mmr_e8 >= 0 && !lq_mul128_ovf(f->notional_fine, t->mmr_e8, &prod))
		mm = ceil_div_rate(prod); /* lq_muldiv128_ovf's result where the product fits */
	else if (lq_muldiv128_ovf(f->notional_fine, t->mmr_e8, LQ_RATE_ONE, LQ_ROUND_CEIL, &mm))
		return false;
	if (lq_mul128_ovf(t->cum_mm_e8, FINE_PER_RATE, &cum) || lq_sub128_ovf(mm, cum, &mm))
		return false;
	f->mm_fine = mm < 0 ? 0 : mm;
	LQ_ASSERT(f->mm_fine >= 0);
	LQ_ASSERT(f->notional_fine >= 0);
	return true;
}

/*
 * A unit's equity and MM in units, rounded per position as lq_account_margin rounds them
 * (upnl down, MM up), summed in 128 bits. Each term is below 2^98 in magnitude, so the sums
 * cannot overflow. false when a position's figures do not fit 128 bits.
 */
static bool unit_wide(const struct lq_engine *e, const struct lq_unit *u, lq_i128 *eq, lq_i128 *mm)
{
	uint32_t ps[LQ_INSTRUMENTS_MAX];
	const uint32_t n = unit_positions(e, u, ps);
	struct fig f;

	LQ_ASSERT(n <= LQ_INSTRUMENTS_MAX);
	*eq = unit_base_units(e, u, ps, n);
	*mm = 0;
	for (uint32_t i = 0; i < n; i++) {
		const struct lq_position *p = &e->positions[ps[i]];
		const struct lq_instrument *ins = &e->instruments[p->instrument];
		const int64_t price = lq_instrument_mark(ins);
		if (price <= 0 || !fig_at(ins, p->qty, p->cost, price, &f))
			return false;
		*eq += lq_instrument_fine_to_units(f.upnl_fine, LQ_ROUND_FLOOR);
		*mm += lq_instrument_fine_to_units(f.mm_fine, LQ_ROUND_CEIL);
	}
	LQ_ASSERT(*mm >= 0);
	return true;
}

/* Saturated symmetrically, as lq_account_margin saturates: a negation stays exact. */
static int64_t saturate64(lq_i128 v)
{
	const int64_t r = v > INT64_MAX ? INT64_MAX : v < -INT64_MAX ? -INT64_MAX : (int64_t)v;

	LQ_ASSERT(r != INT64_MIN);
	return r;
}

bool lq_trigger_unit_liquidatable(const struct lq_engine *e, struct lq_unit *u)
{
	struct lq_margin m;
	lq_i128 eq, mm;
	bool ok;

	LQ_ASSERT(u->account < e->account_count);
	if (u->isolated) {
		const struct lq_position *p = &e->positions[u->ref];
		LQ_ASSERT(p->account == u->account);
		ok = lq_account_isolated_margin_at(
		    e, p, lq_instrument_mark(&e->instruments[p->instrument]), &m);
	} else {
		ok = lq_account_margin_at(e, u->account, u->ref, LQ_NIL, 0, &m);
	}
	if (ok) {
		LQ_ASSERT(m.mm_units >= 0);
		u->equity_units = m.equity_units;
		u->mm_units = m.mm_units;
		return m.equity_units < m.mm_units;
	}
	/*
	 * The figures do not fit int64_t: decide on the same rounded figures in 128 bits. A
	 * profit too large for int64_t is then no reason to liquidate, so a mark move in a
	 * position's favour never makes its unit liquidatable, short of figures beyond 128 bits
	 * (never safe), which the thresholds treat as their own case.
	 */
	if (!unit_wide(e, u, &eq, &mm)) {
		u->equity_units = INT64_MIN;
		u->mm_units = INT64_MAX;
		return true;
	}
	u->equity_units = saturate64(eq);
	u->mm_units = saturate64(mm);
	return eq < mm;
}

/* A liquidatable unit can be acted on if it holds a position on a tradable instrument. */
static bool unit_actionable(const struct lq_engine *e, const struct lq_unit *u)
{
	LQ_ASSERT(u->account < e->account_count);
	/* in liquidation at an external venue (or no slot for an order): its order's end
	 * re-checks it */
	if (lq_engine_unit_in_flight(e, u) || lq_engine_orders_full(e))
		return false;
	if (u->isolated) {
		const struct lq_position *p = &e->positions[u->ref];
		LQ_ASSERT(p->account == u->account);
		return p->qty != 0 && lq_trigger_tradable(e, p->instrument);
	}
	for (uint32_t p = e->accounts[u->account].pos_head; p != LQ_NIL; p = e->positions[p].next) {
		const struct lq_position *pos = &e->positions[p];
		if (!pos->isolated && pos->qty != 0 &&
		    e->instruments[pos->instrument].settle_asset == u->ref &&
		    lq_trigger_tradable(e, pos->instrument))
			return true;
	}
	return false;
}

/* ---- thresholds ---- */

struct thr_ctx {
	const struct lq_instrument *ins;
	const struct lq_position *p;
	lq_i128 target; /* the lowest g the position may reach, fine units */
	bool plain;	/* the search as first written: the secant guess (tests, dev checks) */
};

/* g(k x tick) >= target, where g = upnl - MM; figures that do not fit are not safe. */
static bool thr_safe(const struct thr_ctx *c, int64_t k)
{
	struct fig f;
	lq_i128 g;

	LQ_ASSERT(k >= 1);
	LQ_ASSERT(k <= INT64_MAX / c->ins->tick);
	if (!fig_at(c->ins, c->p->qty, c->p->cost, k * c->ins->tick, &f) ||
	    lq_sub128_ovf(f.upnl_fine, f.mm_fine, &g))
		return false;
	return g >= c->target;
}

static bool safe_v(const void *ctx, int64_t k)
{
	return thr_safe(ctx, k);
}

static bool unsafe_v(const void *ctx, int64_t k)
{
	return !thr_safe(ctx, k);
}

enum thr_kind {
	THR_NONE, /* safe at every grid price: no entry */
	THR_AT,	  /* re-check when the mark crosses the threshold (adverse side) */
	THR_ANY,  /* re-check on any mark move */
};

/* g = upnl - MM at k ticks, fine units: false when it does not fit. */
static bool thr_g(const struct thr_ctx *c, int64_t k, lq_i128 *g)
{
	struct fig f;

	LQ_ASSERT(k >= 1);
	LQ_ASSERT(k <= INT64_MAX / c->ins->tick);
	return fig_at(c->ins, c->p->qty, c->p->cost, k * c->ins->tick, &f) &&
	       !lq_sub128_ovf(f.upnl_fine, f.mm_fine, g);
}

/*
 * The ticks from the mark (k = mk) towards the adverse side over which g falls by drop (> 0,
 * below 2^120) on a linear instrument, were g to run on at its slope within the mark's tier: g
 * = upnl - MM is affine in the price there (the value q x price x lin_scale is exact, MM =
 * notional x mmr / 10^8 - cum up to its rounding), so the slope comes from the instrument's
 * figures alone, without evaluating g. false (then the secant decides) where the figures are
 * not the usual ones: an MM rate outside [0, 1), a slope of 2^64 fine units a tick or more.
 */
static bool thr_ticks_linear(const struct thr_ctx *c, int64_t mk, lq_i128 drop, lq_i128 *ticks)
{
	const struct lq_instrument *ins = c->ins;
	const int64_t q = c->p->qty;
	uint64_t rem;

	LQ_ASSERT(q != 0);
	LQ_ASSERT(drop > 0 && drop < (lq_i128)1 << 120);
	if (c->plain || ins->kind != LQ_INSTRUMENT_LINEAR || ins->lin_scale <= 0 ||
	    ins->lin_scale > INT64_MAX || q == INT64_MIN)
		return false;
	const unsigned __int128 qt =
	    (unsigned __int128)(uint64_t)(q > 0 ? q : -q) * (uint64_t)ins->tick;
	if (qt >> 63 != 0)
		return false;
	/* |value| of q lots over one tick, fine units: below 2^126 */
	const unsigned __int128 step = qt * (uint64_t)ins->lin_scale;
	if (step >> 63 != 0 || step == 0)
		return false;
	int64_t mmr = 0;
	if (ins->tier_count != 0) {
		/* the tier of the notional at mk ticks: step x mk < 2^126 */
		mmr = ins->tiers[lq_instrument_tier_index(ins, (lq_i128)(step * (uint64_t)mk))]
			  .mmr_e8;
	}
	if (mmr < 0 || mmr >= LQ_RATE_ONE)
		return false;
	/* a long loses value and sheds MM going down, a short loses value and adds MM going
	 * up: step x (1 -/+ mmr) a tick, below 2^64 (step < 2^63, the factor below 2) */
	const uint64_t f = (uint64_t)(q > 0 ? LQ_RATE_ONE - mmr : LQ_RATE_ONE + mmr);
	const uint64_t slope = (uint64_t)lq_udivmod128_64(step * f, LQ_RATE_ONE, &rem);
	if (slope == 0)
		return false;
	*ticks = (lq_i128)lq_udivmod128_64((unsigned __int128)drop, slope, &rem);
	return true;
}

/*
 * A guess at where g crosses the target, in (lo, hi]: from the mark (k = mk, where g is g0,
 * known) along g's slope there: on a linear instrument its slope within the mark's tier
 * (thr_ticks_linear), else the secant through one point a 1/128 of the mark towards the
 * adverse side. g is linear in the price within a tier on a linear instrument, so the guess is
 * usually within a tick; it only decides where the search starts, never its result.
 */
static int64_t thr_guess(const struct thr_ctx *c, int64_t mk, lq_i128 g0, int64_t lo, int64_t hi)
{
	const int64_t k_max = INT64_MAX / c->ins->tick,
		      mid = lo + (hi - lo) / 2 + 1; /* in (lo, hi] */
	const lq_i128 lim = (lq_i128)1 << 120;
	lq_i128 need, ticks;

	LQ_ASSERT(lo < hi);
	if (lq_sub128_ovf(c->target, g0, &need) || need <= -lim || need >= lim)
		return mid;
	if (need >= 0 || !thr_ticks_linear(c, mk, -need, &ticks)) {
		const int64_t d = mk / 128 > 0 ? mk / 128 : 1;
		const int64_t k1 =
		    c->p->qty > 0 ? (mk - d >= 1 ? mk - d : 1) : (mk <= k_max - d ? mk + d : k_max);
		lq_i128 g1, dg;
		if (k1 == mk || !thr_g(c, k1, &g1) || lq_sub128_ovf(g1, g0, &dg) || dg <= -lim ||
		    dg >= lim)
			return mid;
		/* g per tick towards the adverse side (< 0 where the guess means anything) */
		const lq_i128 slope = dg / (k1 > mk ? k1 - mk : mk - k1);
		if (slope >= 0)
			return mid;
		ticks = need / slope; /* >= 0: the target is at or below g0 */
	}
	const lq_i128 k = c->p->qty > 0 ? (lq_i128)mk - ticks : (lq_i128)mk + ticks;
	return k <= lo ? lo + 1 : k > hi ? hi : (int64_t)k;
}

/*
 * The first k in (lo, hi] at which pred holds, given that it does not at lo and does at hi
 * (the predicate is monotone: false, then true), searched from a guess outwards in doubling
 * steps and then by bisection: a few evaluations when the guess is close, at most about
 * twice a bisection's when it is not. The same k as a bisection of the whole range.
 */
static int64_t thr_gallop(int64_t lo, int64_t hi, int64_t guess,
			  bool (*pred)(const void *ctx, int64_t k), const void *ctx)
{
	int64_t step = 1;

	LQ_ASSERT(lo < hi);
	LQ_ASSERT(guess > lo && guess <= hi);
	if (pred(ctx, guess)) {
		hi = guess;
		/* bounded: step doubles, at most 63 times */
		for (int i = 0; hi - lo > 1; i++) {
			LQ_ASSERT(i < 64);
			const int64_t k = hi - lo > step ? hi - step : lo + 1;
			if (!pred(ctx, k)) {
				lo = k;
				break;
			}
			hi = k;
			step = step > INT64_MAX / 2 ? INT64_MAX : step * 2;
		}
	} else {
		lo = guess;
		for (int i = 0; hi - lo > 1; i++) {
			LQ_ASSERT(i < 64);
			const int64_t k = hi - lo > step ? lo + step : hi - 1;
			if (pred(ctx, k)) {
				hi = k;
				break;
			}
			lo = k;
			step = step > INT64_MAX / 2 ? INT64_MAX : step * 2;
		}
	}
	LQ_ASSERT(lo < hi);
	return hi - lo > 1 ? lq_search_first(lo + 1, hi - 1, pred, ctx) : hi;
}

/*
 * Where a position must be re-checked so that its g stays >= target: a long is safe at and
 * above its threshold, a short at and below it. Grid prices run from 1 to k_max ticks (the
 * highest that fits int64_t). When the figures stop fitting on the favourable side (a long
 * far up, a short far down) one threshold cannot cover both sides: THR_ANY.
 *
 * The adverse end is not evaluated up front: the search runs over one grid price more, past
 * that end (k = 0 for a long, k_max + 1 for a short), taken as unsafe, so that a threshold
 * found there means safe on the whole adverse side (THR_NONE). The predicate is monotone, so
 * this is the threshold a search of the grid alone finds, one evaluation fewer.
 */
static bool unsafe_to_max_v(const void *ctx, int64_t k)
{
	const struct thr_ctx *c = ctx;

	/* past the grid's end: unsafe, as the search's bound */
	return k > INT64_MAX / c->ins->tick || !thr_safe(c, k);
}

/*
 * Is a linear position, safe at mk, safe at the far end of its favourable side (k_max ticks
 * for a long, 1 for a short) without evaluating g there? MM never falls as the notional grows
 * and rises by at most mmr_max / 10^8 of it, plus 1 for its rounding up (the brackets' rates
 * rise, the last's is the highest, and their cum keeps MM continuous: lq_instrument_add_tier).
 * - A short at 1 tick: its value is exact and nearer 0 (upnl no lower), its notional smaller
 *   (MM no higher), so g(1) >= g(mk), every figure between ones that fit.
 * - A long at k_max: the value rises by D = v(k_max) - v(mk) and MM by at most
 *   D x mmr_max / 10^8 + 1, so g(k_max) >= g(mk) once D x (10^8 - mmr_max) >= 10^8, which
 *   D >= 10^8 with mmr_max < 10^8 gives; the value and upnl there are checked to fit, MM
 *   (below the notional) and g (between g(mk) and upnl) then do.
 * false: not shown, thr_safe decides.
 */
static bool thr_end_safe(const struct thr_ctx *c, int64_t mk, int64_t k_max)
{
	const struct lq_instrument *ins = c->ins;
	const struct lq_position *p = c->p;
	lq_i128 v_end, v_mk, upnl, d;

	LQ_ASSERT(mk >= 1 && mk <= k_max);
	if (c->plain || ins->kind != LQ_INSTRUMENT_LINEAR)
		return false;
	if (p->qty < 0)
		return true;
	const int64_t mmr_max = ins->tier_count ? ins->tiers[ins->tier_count - 1].mmr_e8 : 0;
	return mmr_max < LQ_RATE_ONE &&
	       !lq_instrument_value_ovf(ins, p->qty, k_max * ins->tick, LQ_ROUND_FLOOR, &v_end) &&
	       !lq_sub128_ovf(v_end, p->cost, &upnl) &&
	       !lq_instrument_value_ovf(ins, p->qty, mk * ins->tick, LQ_ROUND_FLOOR, &v_mk) &&
	       !lq_sub128_ovf(v_end, v_mk, &d) && d >= LQ_RATE_ONE;
}

/*
 * g_mark: g at the mark, when the caller has it (unit_excess evaluates g there), or NULL. On
 * the grid (mark = mk ticks) it is g at mk, the same figures at the same price, so it is not
 * evaluated again. plain: the search as first written (evaluating g at mk and the secant's
 * point): the same result, which dev builds check.
 */
static enum thr_kind position_threshold(const struct lq_instrument *ins,
					const struct lq_position *p, lq_i128 target,
					const lq_i128 *g_mark, bool plain, int64_t *out)
{
	const struct thr_ctx c = {.ins = ins, .p = p, .target = target, .plain = plain};
	const int64_t k_max = INT64_MAX / ins->tick, mark = lq_instrument_mark(ins);
	const int64_t mk = mark / ins->tick;
	lq_i128 g_mk;

	LQ_ASSERT(p->qty != 0);
	LQ_ASSERT(ins->tick > 0);
	const bool have = !plain && g_mark != NULL && mk >= 1 && mark == mk * ins->tick;
	if (have) {
		g_mk = *g_mark;
		LQ_DASSERT(thr_g(&c, mk, &g_mk) && g_mk == *g_mark);
	}
	if (mk < 1 || (!have && !thr_g(&c, mk, &g_mk)) || g_mk < target ||
	    (!thr_end_safe(&c, mk, k_max) && !thr_safe(&c, p->qty > 0 ? k_max : 1)))
		return THR_ANY;
	LQ_DASSERT(!thr_end_safe(&c, mk, k_max) || thr_safe(&c, p->qty > 0 ? k_max : 1));
	if (p->qty > 0) {
		/* safe(mk): the lowest safe grid price in [1, mk], with k = 0 as unsafe */
		const int64_t k = thr_gallop(0, mk, thr_guess(&c, mk, g_mk, 0, mk), safe_v, &c);
		LQ_ASSERT(k >= 1);
		if (k == 1)
			return THR_NONE; /* safe at 1: at every grid price */
		*out = k * ins->tick;
		LQ_ASSERT(*out >= 2 * ins->tick); /* !safe(k - 1) */
		return THR_AT;
	}
	if (k_max == INT64_MAX) {
		/* no grid price past k_max: its end evaluated as before */
		if (thr_safe(&c, k_max))
			return THR_NONE;
		const int64_t first_unsafe =
		    thr_gallop(mk, k_max, thr_guess(&c, mk, g_mk, mk, k_max), unsafe_v, &c);
		*out = (first_unsafe - 1) * ins->tick;
		LQ_ASSERT(*out >= mk * ins->tick); /* safe(mk) */
		return THR_AT;
	}
	/* safe at mk: the first unsafe grid price in (mk, k_max], or k_max + 1 if none */
	const int64_t first_unsafe =
	    thr_gallop(mk, k_max + 1, thr_guess(&c, mk, g_mk, mk, k_max + 1), unsafe_to_max_v, &c);
	if (first_unsafe > k_max)
		return THR_NONE;
	*out = (first_unsafe - 1) * ins->tick;
	LQ_ASSERT(*out >= mk * ins->tick); /* safe(mk) */
	return THR_AT;
}

int lq_trigger_threshold(const struct lq_engine *e, uint32_t pos, lq_i128 target, bool plain,
			 int64_t *price)
{
	const struct lq_position *p = &e->positions[pos];
	const struct lq_instrument *ins = &e->instruments[p->instrument];
	const int64_t mark = lq_instrument_mark(ins);
	struct fig f;
	lq_i128 g;

	LQ_ASSERT(pos < e->position_top);
	LQ_ASSERT(p->qty != 0);
	/* g at the mark as unit_excess has it, for the search that takes it */
	const bool have = mark > 0 && fig_at(ins, p->qty, p->cost, mark, &f) &&
			  !lq_sub128_ovf(f.upnl_fine, f.mm_fine, &g);
	*price = 0;
	return (int)position_threshold(ins, p, target, have ? &g : NULL, plain, price);
}

/* Bits needed for v >= 0: a count of leading zeros, not a loop over the bits. */
static unsigned bits128(lq_i128 v)
{
	const uint64_t hi = (uint64_t)((unsigned __int128)v >> 64), lo = (uint64_t)v;
	const unsigned b = hi != 0   ? 128u - (unsigned)__builtin_clzll(hi)
			   : lo != 0 ? 64u - (unsigned)__builtin_clzll(lo)
				     : 0u;

	LQ_ASSERT(v >= 0);
	LQ_ASSERT(b < 128);
	LQ_DASSERT((v >> b) == 0 && (b == 0 || (v >> (b - 1)) == 1)); /* exactly b bits */
	return b;
}

/*
 * The unit's exact figures at the marks: g_i = upnl_i - MM_i of each position and the
 * excess X = E - n x SLACK_FINE over what the unit needs to be found safe, with a weight per
 * position (its notional, scaled to fit int64_t). false when a figure does not fit or X < 0.
 */
static bool unit_excess(const struct lq_engine *e, const struct lq_unit *u, const uint32_t *ps,
			uint32_t n, lq_i128 *g, int64_t *w, lq_i128 *excess)
{
	lq_i128 notional[LQ_INSTRUMENTS_MAX], e_fine, max_notional = 0;
	struct fig f;

	LQ_ASSERT(n <= LQ_INSTRUMENTS_MAX);
	if (lq_mul128_ovf(unit_base_units(e, u, ps, n), LQ_FINE_ONE, &e_fine))
		return false;
	for (uint32_t i = 0; i < n; i++) {
		const struct lq_position *p = &e->positions[ps[i]];
		const struct lq_instrument *ins = &e->instruments[p->instrument];
		const int64_t price = lq_instrument_mark(ins);
		if (price <= 0 || !fig_at(ins, p->qty, p->cost, price, &f) ||
		    lq_sub128_ovf(f.upnl_fine, f.mm_fine, &g[i]) ||
		    lq_add128_ovf(e_fine, g[i], &e_fine))
			return false;
		notional[i] = f.notional_fine;
		if (f.notional_fine > max_notional)
			max_notional = f.notional_fine;
	}
	if (lq_sub128_ovf(e_fine, (lq_i128)n * SLACK_FINE, excess) || *excess < 0)
		return false;
	/* weights below 2^55 each, so that their sum (<= 64 of them) fits int64_t */
	const unsigned b = bits128(max_notional), shift = b > 55 ? b - 55 : 0;
	LQ_ASSERT(shift < 128);
	for (uint32_t i = 0; i < n; i++)
		w[i] = (int64_t)(notional[i] >> shift);
	return true;
}

/* A unit's positions and their figures at the marks (unit_figures): what indexing it needs. */
struct unit_figs {
	uint32_t n, ps[LQ_INSTRUMENTS_MAX];
	lq_i128 g[LQ_INSTRUMENTS_MAX], excess;
	int64_t w[LQ_INSTRUMENTS_MAX];
	bool ok; /* unit_excess: the figures fit and X >= 0 */
};

static void unit_figures(const struct lq_engine *e, const struct lq_unit *u, struct unit_figs *f)
{
	f->n = unit_positions(e, u, f->ps);
	LQ_ASSERT(f->n <= LQ_INSTRUMENTS_MAX);
	f->ok = unit_excess(e, u, f->ps, f->n, f->g, f->w, &f->excess);
}

/* Position i's threshold for target: the search, and in dev builds the plain one's answer. */
static enum thr_kind index_threshold(const struct lq_engine *e, const struct unit_figs *f,
				     uint32_t i, lq_i128 target, int64_t *t)
{
	const struct lq_position *p = &e->positions[f->ps[i]];
	const struct lq_instrument *ins = &e->instruments[p->instrument];
	const enum thr_kind k = position_threshold(ins, p, target, &f->g[i], false, t);
#ifndef NDEBUG
	int64_t t_plain = 0;
	const enum thr_kind k_plain = position_threshold(ins, p, target, NULL, true, &t_plain);
	LQ_ASSERT(k == k_plain && (k != THR_AT || *t == t_plain));
#endif
	return k;
}

/*
 * Index the positions of a unit that is not being liquidated, from its figures: split the
 * excess X across its positions in proportion to their notionals (x_i floored, so sum x_i <= X)
 * and give each a threshold where its g would fall below g_i(mark) - x_i. See the comment at
 * the top.
 */
static void index_unit(struct lq_engine *e, const struct lq_unit *u, const struct unit_figs *f)
{
	const uint32_t n = f->n;
	lq_i128 x, target;
	int64_t w_sum = 0, t;

	LQ_ASSERT(n <= LQ_INSTRUMENTS_MAX);
	if (u->isolated && e->positions[u->ref].qty == 0)
		lq_watch_remove(e, u->ref);
	if (!f->ok) {
		for (uint32_t i = 0; i < n; i++)
			lq_watch_any_move(e, f->ps[i]);
		return;
	}
	for (uint32_t i = 0; i < n; i++)
		w_sum += f->w[i];
	for (uint32_t i = 0; i < n; i++) {
		enum thr_kind k = THR_ANY;
		LQ_ASSERT(w_sum > 0);
		/* x_i <= X: exact and representable; a unit of one position takes all of X (its
		 * weight over itself, without the division) */
		const bool x_ovf =
		    n == 1 ? (x = f->excess, false)
			   : lq_muldiv128_ovf(f->excess, f->w[i], w_sum, LQ_ROUND_FLOOR, &x);
		LQ_ASSERT(!x_ovf);
		LQ_DASSERT(n > 1 ||
			   (!lq_muldiv128_ovf(f->excess, f->w[i], w_sum, LQ_ROUND_FLOOR, &target) &&
			    target == x));
		if (!lq_sub128_ovf(f->g[i], x, &target))
			k = index_threshold(e, f, i, target, &t);
		if (k == THR_AT)
			lq_watch_at(e, f->ps[i], t);
		else if (k == THR_ANY)
			lq_watch_any_move(e, f->ps[i]);
		else
			lq_watch_remove(e, f->ps[i]);
	}
}

/* ---- rounds ---- */

/* A unit packed as the candidate table holds it, and back. */
static struct lq_trigger_cand cand_pack(const struct lq_unit *u)
{
	LQ_ASSERT(u->ref < LQ_TRIGGER_CAND_ISOLATED);
	return (struct lq_trigger_cand){.equity_units = u->equity_units,
					.mm_units = u->mm_units,
					.account = u->account,
					.ref =
					    u->ref | (u->isolated ? LQ_TRIGGER_CAND_ISOLATED : 0)};
}

static struct lq_unit cand_unit(const struct lq_trigger_cand *c)
{
	return (struct lq_unit){.account = c->account,
				.ref = c->ref & ~LQ_TRIGGER_CAND_ISOLATED,
				.isolated = (c->ref & LQ_TRIGGER_CAND_ISOLATED) != 0,
				.equity_units = c->equity_units,
				.mm_units = c->mm_units};
}

/* Round order: ascending equity / MM (MM = 0 first), then account id, cross before isolated. */
static bool unit_before(const struct lq_engine *e, const struct lq_trigger_cand *a,
			const struct lq_trigger_cand *b)
{
	LQ_ASSERT(a->account < e->account_count);
	LQ_ASSERT(b->account < e->account_count);
	if ((a->mm_units <= 0) != (b->mm_units <= 0))
		return a->mm_units <= 0;
	if (a->mm_units > 0) {
		lq_i128 l = (lq_i128)a->equity_units * b->mm_units;
		lq_i128 r = (lq_i128)b->equity_units * a->mm_units;
		if (l != r)
			return l < r;
	} else if (a->equity_units != b->equity_units) {
		return a->equity_units < b->equity_units;
	}
	uint64_t ia = e->accounts[a->account].id, ib = e->accounts[b->account].id;
	if (ia != ib)
		return ia < ib;
	const bool a_iso = (a->ref & LQ_TRIGGER_CAND_ISOLATED) != 0;
	const bool b_iso = (b->ref & LQ_TRIGGER_CAND_ISOLATED) != 0;
	if (a_iso != b_iso)
		return !a_iso;
	const uint32_t ra = a->ref & ~LQ_TRIGGER_CAND_ISOLATED,
		       rb = b->ref & ~LQ_TRIGGER_CAND_ISOLATED;
	if (a_iso)
		return e->positions[ra].instrument < e->positions[rb].instrument;
	return ra < rb;
}

/* Heap sort: O(n log n) for large cascades, in place, no recursion. */
static void units_sift(const struct lq_engine *e, struct lq_trigger_cand *u, uint32_t i, uint32_t n)
{
	LQ_ASSERT(n <= e->units_cap);
	LQ_ASSERT(i < n);
	/* bounded: i at least doubles at every step */
	for (;;) {
		uint32_t c = 2 * i + 1;
		if (c >= n)
			return;
		if (c + 1 < n && unit_before(e, &u[c], &u[c + 1]))
			c++;
		if (!unit_before(e, &u[i], &u[c]))
			return;
		struct lq_trigger_cand t = u[i];
		u[i] = u[c];
		u[c] = t;
		i = c;
	}
}

static void units_sort(const struct lq_engine *e, struct lq_trigger_cand *u, uint32_t n)
{
	LQ_ASSERT(u == e->units);
	LQ_ASSERT(n <= e->units_cap);
	for (uint32_t i = n / 2; i-- > 0;)
		units_sift(e, u, i, n);
	for (uint32_t end = n; end > 1; end--) {
		struct lq_trigger_cand t = u[0];
		u[0] = u[end - 1];
		u[end - 1] = t;
		units_sift(e, u, 0, end - 1);
	}
}

/*
 * A candidate of the round. The table holds one per position at most (engine.c: each unit
 * has a position with lots of its own), so it never fills.
 */
static void cand_add(struct lq_engine *e, const struct lq_unit *u, uint32_t *n)
{
	LQ_ASSERT(*n < e->units_cap);
	LQ_ASSERT(*n < e->position_used);
	e->units[(*n)++] = cand_pack(u);
}

/*
 * Re-check one unit (has_qty: it holds a quantity): a candidate if liquidatable and
 * actionable, else (reindex) its positions indexed. With the index, its figures come first
 * (unless a mark crossed one of its thresholds: then it is likely liquidatable, and checked
 * first as before): X >= 0 means E >= n x SLACK_FINE, at which lq_trigger_unit_liquidatable
 * finds it safe (the argument every threshold rests on, see the comment at the top), so it
 * is indexed without that check (dev builds make it and assert it agrees). Both are pure: the
 * order decides nothing.
 */
static void check_unit(struct lq_engine *e, struct lq_unit *u, bool has_qty, bool reindex,
		       bool crossed, uint32_t *n)
{
	struct unit_figs f;

	LQ_ASSERT(u->account < e->account_count);
	e->stats.rechecks++;
	if (reindex && !crossed) {
		unit_figures(e, u, &f);
		if (f.ok) {
#ifndef NDEBUG
			struct lq_unit v = *u;
			LQ_ASSERT(!has_qty || !lq_trigger_unit_liquidatable(e, &v));
#endif
			index_unit(e, u, &f);
			return;
		}
	}
	if (has_qty && lq_trigger_unit_liquidatable(e, u) && unit_actionable(e, u)) {
		cand_add(e, u, n);
	} else if (reindex) {
		if (crossed)
			unit_figures(e, u, &f);
		index_unit(e, u, &f);
	}
}

/* Collect the units of one account: cross per asset, and each isolated position. */
static void collect_account(struct lq_engine *e, uint32_t a, bool reindex, bool crossed,
			    uint32_t *n)
{
	const struct lq_account *acc = &e->accounts[a];
	uint32_t assets = 0;

	LQ_ASSERT(a < e->account_count);
	LQ_ASSERT(*n <= e->units_cap);
	for (uint32_t p = acc->pos_head; p != LQ_NIL; p = e->positions[p].next) {
		const struct lq_position *pos = &e->positions[p];
		if (pos->isolated) {
			struct lq_unit u = {.account = a, .ref = p, .isolated = true};
			check_unit(e, &u, pos->qty != 0, reindex, crossed, n);
			continue;
		}
		if (pos->qty != 0)
			assets |= 1u << e->instruments[pos->instrument].settle_asset;
	}
	for (uint32_t asset = 0; asset < e->asset_count; asset++) {
		if (!(assets & (1u << asset)))
			continue;
		struct lq_unit u = {.account = a, .ref = asset, .isolated = false};
		check_unit(e, &u, true, reindex, crossed, n);
	}
}

/* Drop the queue: the scan re-checks everything anyway, LQ_TRIGGER_OFF nothing. */
static void queue_drop(struct lq_engine *e)
{
	LQ_ASSERT(e->dirty_count <= e->limits.accounts_max);
	for (uint32_t i = 0; i < e->dirty_count; i++) {
		e->dirty[i] &= ~LQ_WATCH_CROSSED; /* the queue as it was written, mark aside */
		e->accounts[e->dirty[i]].dirty = false;
	}
	e->dirty_count = 0;
}

static uint32_t collect(struct lq_engine *e)
{
	uint32_t n = 0;

	if (e->trigger_mode == LQ_TRIGGER_SCAN) {
		queue_drop(e);
		for (uint32_t a = 0; a < e->account_count; a++)
			collect_account(e, a, false, false, &n);
		LQ_ASSERT(n <= e->units_cap);
		return n;
	}
	/* The round is sorted afterwards: the queueing order does not matter. */
	uint32_t cnt = e->dirty_count;
	e->dirty_count = 0;
	for (uint32_t i = 0; i < cnt; i++) {
		const bool crossed = (e->dirty[i] & LQ_WATCH_CROSSED) != 0;
		const uint32_t a = e->dirty[i] & ~LQ_WATCH_CROSSED;
		e->dirty[i] = a; /* the queue as it was written, mark aside */
		e->accounts[a].dirty = false;
		collect_account(e, a, true, crossed, &n);
	}
	LQ_ASSERT(e->dirty_count == 0); /* re-checking queues nothing */
	LQ_ASSERT(n <= e->units_cap);
	return n;
}

void lq_trigger_begin(struct lq_engine *e, struct lq_trigger_cursor *c)
{
	/* Each round closes at least one lot or leaves nothing to do; bound it anyway. */
	c->max_rounds = (uint64_t)e->limits.positions_max + e->limits.accounts_max + 64;
	c->round = 0;
	c->done = 0;
	c->n = 0;
	c->i = 0;
	c->attempted = 0;
	c->progressed = 0;
	c->account = 0;
	c->pending = false;
	c->settled = false;
	if (e->trigger_mode == LQ_TRIGGER_OFF) {
		queue_drop(e);
		c->settled = true;
	}
	LQ_ASSERT(c->max_rounds > 64);
	LQ_ASSERT(e->dirty_count <= e->limits.accounts_max);
}

/* What the last unit handed out came to: a unit nothing could be done for stays queued. */
static void record_outcome(struct lq_engine *e, struct lq_trigger_cursor *c)
{
	LQ_ASSERT(c->pending);
	LQ_ASSERT(c->account < e->account_count);
	c->pending = false;
	if (e->stats.liquidations + e->stats.bad_debts + e->stats.orders_sent != c->done) {
		c->progressed++;
		return;
	}
	/*
	 * Nothing could be done (a close whose figures do not fit): the unit stays liquidatable.
	 * Queue it, so that the index tries it again in every round and at the next input, as
	 * the scan does.
	 */
	lq_watch_touch(e, c->account);
}

/* Start the next round: false when it has no candidates (the trigger has settled). */
static bool round_start(struct lq_engine *e, struct lq_trigger_cursor *c)
{
	/* a round that tried units and changed nothing would repeat itself: the rest waits for
	 * the next input (still queued) */
	if (c->round > 0 && c->attempted > 0 && c->progressed == 0)
		return false;
	LQ_ASSERT(c->round < c->max_rounds); /* the level trigger settles */
	c->round++;
	c->n = collect(e);
	c->i = 0;
	c->attempted = 0;
	c->progressed = 0;
	LQ_ASSERT(c->n <= e->units_cap);
	if (c->n == 0)
		return false;
	units_sort(e, e->units, c->n);
	return true;
}

bool lq_trigger_next(struct lq_engine *e, struct lq_trigger_cursor *c, struct lq_unit *out)
{
	if (c->pending)
		record_outcome(e, c);
	/* bounded: every pass consumes a candidate or starts one of at most max_rounds rounds */
	while (!c->settled) {
		if (c->i == c->n) {
			c->settled = !round_start(e, c);
			continue;
		}
		struct lq_unit u = cand_unit(&e->units[c->i++]);
		/* re-checked first: an earlier liquidation of the round may have changed it */
		if (!lq_trigger_unit_liquidatable(e, &u) || !unit_actionable(e, &u)) {
			lq_watch_touch(e, u.account);
			continue;
		}
		c->done = e->stats.liquidations + e->stats.bad_debts + e->stats.orders_sent;
		c->attempted++;
		c->pending = true;
		c->account = u.account;
		*out = u;
		LQ_ASSERT(u.account < e->account_count);
		return true;
	}
	return false;
}
