/* SPDX-License-Identifier: MIT */
/*
 * Margin of accounts and positions: equity, maintenance and initial margin, liquidation and
 * bankruptcy prices (DESIGN 1.3, 1.5, 1.6).
 *
 * Liquidation and bankruptcy prices are found by a binary search over the tick grid with the
 * very predicate the trigger uses (equity < MM, each term rounded against the holder), so the
 * displayed price and the engine's decision cannot disagree, tiers, inverse contracts,
 * pending funding and the other positions of a cross account included. A long's price is the
 * lowest tick at which it is safe (rounded up), a short's the highest (rounded down).
 */
#include "lq/assert.h"
#include "lq/engine.h"
#include "account.h"

struct pos_figures {
	lq_i128 upnl_fine;
	lq_i128 upnl_wide; /* upnl in units, floored */
	int64_t upnl_units;
	lq_i128 notional_fine;
	int64_t mm_units;
	int64_t im_units;
};

/*
 * The notional |value(|q|, price)| (value rounded down) of q lots whose signed value(q, price)
 * is v, false on overflow: the plain computation values |q| again, but the value already
 * known gives it exactly where
 * - the instrument is linear: its value is the exact product q x price x scale, so that of
 *   |q| is |v| (v > INT128_MIN: |v| is representable, so neither overflows);
 * - the position is long (q > 0): |q| = q, the very value v (<= 0 for an inverse one).
 * An inverse short values |q| again (its value rounds down on the other side of zero).
 * Dev builds assert the shortcut equal to the plain one (test_margin_fast compares them).
 */
static bool notional_of(const struct lq_instrument *ins, int64_t q, int64_t price, lq_i128 v,
			lq_i128 *notional_fine)
{
	const lq_i128 i128_min = (lq_i128)((unsigned __int128)1 << 127);
	lq_i128 n;

	LQ_DASSERT(q != 0 && q != INT64_MIN);
	if (v != i128_min && (q > 0 || ins->kind == LQ_INSTRUMENT_LINEAR)) {
		*notional_fine = v < 0 ? -v : v;
		LQ_DASSERT(
		    !lq_instrument_value_ovf(ins, q > 0 ? q : -q, price, LQ_ROUND_FLOOR, &n));
		LQ_DASSERT(*notional_fine == (n < 0 ? -n : n));
		return true;
	}
	if (lq_instrument_value_ovf(ins, q > 0 ? q : -q, price, LQ_ROUND_FLOOR, &n))
		return false;
	*notional_fine = n < 0 ? -n : n;
	return true;
}

/*
 * Figures of q lots with cost basis `cost` at price `price` (> 0; 0 for a linear position,
 * see price_ok). false on overflow.
 */
/*
 * The two values of figures_at (upnl and notional, fine units) without the requirements, for
 * the queries that need no more (ADL scores, equity): the same figures, and false exactly
 * when figures_at is false. q != 0.
 */
static bool values_at(const struct lq_instrument *ins, int64_t q, lq_i128 cost, int64_t price,
		      lq_i128 *upnl_fine, lq_i128 *notional_fine)
{
	lq_i128 v, n;

	LQ_ASSERT(price >= 0);
	LQ_ASSERT(q != 0);
	LQ_DASSERT(q != INT64_MIN); /* |q| below */
	/* Value at the mark rounds down: upnl rounds down. */
	if (lq_instrument_value_ovf(ins, q, price, LQ_ROUND_FLOOR, &v) ||
	    lq_sub128_ovf(v, cost, upnl_fine))
		return false;
	if (!notional_of(ins, q, price, v, &n))
		return false;
	*notional_fine = n;
	return true;
}

static bool figures_at(const struct lq_instrument *ins, int64_t q, lq_i128 cost, int64_t price,
		       struct pos_figures *f)
{
	lq_i128 v;

	LQ_ASSERT(price >= 0);
	LQ_DASSERT(q != INT64_MIN); /* |q| below */
	if (q == 0) {
		*f = (struct pos_figures){0};
		return true;
	}
	/* Value at the mark rounds down: upnl rounds down. */
	if (lq_instrument_value_ovf(ins, q, price, LQ_ROUND_FLOOR, &v) ||
	    lq_sub128_ovf(v, cost, &f->upnl_fine))
		return false;
	/* in units, floored: exact in 128 bits, saturated for the 64-bit view */
	f->upnl_wide = lq_instrument_fine_to_units(f->upnl_fine, LQ_ROUND_FLOOR);
	f->upnl_units = f->upnl_wide > INT64_MAX    ? INT64_MAX
			: f->upnl_wide < -INT64_MAX ? -INT64_MAX
						    : (int64_t)f->upnl_wide;
	/* Notional: |value of |q||, that value rounded down (notional_of) */
	if (!notional_of(ins, q, price, v, &f->notional_fine))
		return false;
	lq_instrument_margins(ins, f->notional_fine, &f->mm_units, &f->im_units);
	/* requirements: never negative, the initial one at least the maintenance one */
	LQ_ASSERT(f->mm_units >= 0);
	LQ_ASSERT(f->im_units >= f->mm_units);
	return true;
}

/* A linear position can be valued at zero (the search's lower end); an inverse one cannot. */
static bool price_ok(const struct lq_instrument *ins, int64_t price)
{
	LQ_DASSERT(ins->kind == LQ_INSTRUMENT_LINEAR || ins->kind == LQ_INSTRUMENT_INVERSE);
	return price > 0 || (price == 0 && ins->kind == LQ_INSTRUMENT_LINEAR);
}

/* A 128-bit sum as 64 bits, saturated symmetrically (so that a negation stays exact). */
static int64_t sat64(lq_i128 v)
{
	const int64_t r = v > INT64_MAX ? INT64_MAX : v < -INT64_MAX ? -INT64_MAX : (int64_t)v;

	LQ_DASSERT(r != INT64_MIN);
	LQ_DASSERT(r == v || v > INT64_MAX || v < -INT64_MAX); /* exact wherever it fits */
	return r;
}

bool lq_account_margin_at(const struct lq_engine *e, uint32_t account, uint32_t asset,
			  uint32_t override_instrument, int64_t override_price,
			  struct lq_margin *out)
{
	LQ_ASSERT(account < e->account_count);
	LQ_ASSERT(asset < e->asset_count);
	const struct lq_account *acc = &e->accounts[account];
	struct pos_figures f;
	/* summed in 128 bits: no account within the safe range can wrap them */
	lq_i128 eq = *lq_engine_balance(e, account, asset), mm = 0, im = 0;
	uint32_t seen = 0;

	for (uint32_t p = acc->pos_head; p != LQ_NIL; p = e->positions[p].next) {
		/* at most one position per instrument */
		seen++;
		LQ_ASSERT(seen <= LQ_INSTRUMENTS_MAX);
		const struct lq_position *pos = &e->positions[p];
		const struct lq_instrument *ins = &e->instruments[pos->instrument];
		LQ_DASSERT(pos->account == account);
		if (pos->isolated || ins->settle_asset != asset || pos->qty == 0)
			continue;
		int64_t px = pos->instrument == override_instrument ? override_price
								    : lq_instrument_mark(ins);
		if (!price_ok(ins, px) || !figures_at(ins, pos->qty, pos->cost, px, &f))
			return false;
		eq += f.upnl_wide - lq_position_funding_due(e, pos);
		mm += f.mm_units;
		im += f.im_units;
	}
	/* each position's IM covers its MM, so do the sums */
	LQ_ASSERT(mm >= 0);
	LQ_ASSERT(im >= mm);
	out->balance_units = *lq_engine_balance(e, account, asset);
	out->equity_units = sat64(eq);
	out->mm_units = sat64(mm);
	out->im_units = sat64(im);
	/* a requirement beyond 64 bits cannot be compared with equity: unrepresentable */
	return mm <= INT64_MAX && im <= INT64_MAX;
}

void lq_account_margin(const struct lq_engine *e, uint32_t account, uint32_t asset,
		       struct lq_margin *out)
{
	if (!lq_account_margin_at(e, account, asset, LQ_NIL, 0, out)) {
		/* Unrepresentable figures: report the account as without equity, never as safe. */
		out->equity_units = INT64_MIN;
		out->mm_units = INT64_MAX;
		out->im_units = INT64_MAX;
	}
	LQ_ASSERT(out->mm_units >= 0);
	LQ_ASSERT(out->im_units >= out->mm_units);
}

bool lq_account_isolated_margin_at(const struct lq_engine *e, const struct lq_position *p,
				   int64_t price, struct lq_margin *out)
{
	const struct lq_instrument *ins = &e->instruments[p->instrument];
	struct pos_figures f = {0};

	LQ_ASSERT(p->account < e->account_count);
	LQ_ASSERT(p->instrument < e->instrument_count);
	out->balance_units = p->margin_units;
	out->equity_units = p->margin_units;
	out->mm_units = 0;
	out->im_units = 0;
	if (p->qty == 0)
		return true;
	if (!price_ok(ins, price) || !figures_at(ins, p->qty, p->cost, price, &f))
		return false;
	out->mm_units = f.mm_units;
	out->im_units = f.im_units;
	out->equity_units =
	    sat64((lq_i128)p->margin_units + f.upnl_wide - lq_position_funding_due(e, p));
	LQ_ASSERT(out->balance_units == p->margin_units);
	return true;
}

/*
 * Predicates over grid index k (price k x tick). k = 0 stands for a price approaching zero:
 * for a linear position the value there is 0 and the predicate is evaluated as is; for an
 * inverse one the value diverges (a long's to -inf, a short's to +inf).
 */
enum pred_kind {
	PRED_LIQUIDATABLE, /* equity < MM */
	PRED_UNDERWATER,   /* equity < 0 (isolated bankruptcy) */
	PRED_BELOW_TARGET, /* value(q, P) - value(q, mark) < -alloc (cross bankruptcy) */
};

struct search {
	const struct lq_engine *e;
	const struct lq_position *pos;
	const struct lq_instrument *ins;
	enum pred_kind kind;
	lq_i128 target_fine; /* PRED_BELOW_TARGET: value(q, mark) - alloc */
};

/*
 * Equity and MM of the unit a position belongs to with its price overridden, in 128 bits so
 * that no representable position's figures overflow (the same terms as the trigger's
 * predicate: each position's upnl floored to units, MM rounded up). Returns 0, or +1 / -1
 * where the overridden position's value leaves 128 bits (its equity then tends to +inf / -inf).
 */
static int unit_margin_wide(const struct lq_engine *e, const struct lq_position *p, int64_t price,
			    lq_i128 *eq, lq_i128 *mm)
{
	const uint32_t asset = e->instruments[p->instrument].settle_asset;
	const struct lq_account *acc = &e->accounts[p->account];
	/* an isolated position is its own unit; a cross one shares the account's balance */
	uint32_t i = p->isolated ? (uint32_t)(p - e->positions) : acc->pos_head;

	LQ_ASSERT(p->account < e->account_count);
	LQ_ASSERT(p->qty != 0); /* a flat position has no prices to search */
	*eq = p->isolated ? p->margin_units : *lq_engine_balance(e, p->account, asset);
	*mm = 0;
	for (uint32_t seen = 0; i != LQ_NIL; i = p->isolated ? LQ_NIL : e->positions[i].next) {
		seen++;
		LQ_ASSERT(seen <= LQ_INSTRUMENTS_MAX); /* one position per instrument */
		const struct lq_position *q = &e->positions[i];
		const struct lq_instrument *ins = &e->instruments[q->instrument];
		if (q->qty == 0 || (!p->isolated && (q->isolated || ins->settle_asset != asset)))
			continue;
		const bool moved = q == p;
		const int64_t px = moved ? price : lq_instrument_mark(ins);
		lq_i128 v, nv;
		if (!price_ok(ins, px))
			return moved ? (q->qty > 0 ? -1 : 1) : -1;
		if (lq_instrument_value_ovf(ins, q->qty, px, LQ_ROUND_FLOOR, &v) ||
		    lq_instrument_value_ovf(ins, q->qty > 0 ? q->qty : -q->qty, px, LQ_ROUND_FLOOR,
					    &nv))
			return moved ? (q->qty > 0 ? 1 : -1) : -1;
		*eq += lq_instrument_fine_to_units(v - q->cost, LQ_ROUND_FLOOR) -
		       lq_position_funding_due(e, q);
		*mm += lq_instrument_mm_units(ins, nv < 0 ? -nv : nv);
	}
	LQ_ASSERT(*mm >= 0);
	return 0;
}

static bool pred(const struct search *s, int64_t k)
{
	const struct lq_position *p = s->pos;
	lq_i128 v, eq, mm;

	/* k within the grid search_hi bounds: k x tick is a price */
	LQ_ASSERT(k >= 0);
	LQ_ASSERT(k <= INT64_MAX / s->ins->tick);
	int64_t price = k * s->ins->tick;
	if (k == 0 && s->ins->kind == LQ_INSTRUMENT_INVERSE)
		return p->qty > 0; /* a long is worthless near zero, a short unbounded */
	if (k == 0)
		price = 0;
	switch (s->kind) {
	case PRED_LIQUIDATABLE:
	case PRED_UNDERWATER: {
		const int inf = unit_margin_wide(s->e, p, price, &eq, &mm);
		if (inf != 0)
			return inf < 0;
		return s->kind == PRED_LIQUIDATABLE ? eq < mm : eq < 0;
	}
	case PRED_BELOW_TARGET:
		if (lq_instrument_value_ovf(s->ins, p->qty, price, LQ_ROUND_FLOOR, &v))
			return p->qty <
			       0; /* beyond 128 bits: a long's value is huge, a short's low */
		return v < s->target_fine;
	}
	return true;
}

/* Highest grid index of the search: every representable price (no bound from the mark). */
static int64_t search_hi(const struct lq_instrument *ins)
{
	LQ_ASSERT(ins->tick > 0);
	const int64_t hi = INT64_MAX / ins->tick - 1;
	/* every index up to hi + 1 (lq_search_first's "nowhere") is a representable price */
	LQ_ASSERT(hi + 1 <= INT64_MAX / ins->tick);
	return hi;
}

/*
 * For a long the predicate holds below the price and fails above it: return the lowest k
 * where it fails. For a short it fails below and holds above: return the highest k where it
 * fails. false when no such price exists in (0, hi].
 */
static bool holds(const void *ctx, int64_t k)
{
	return pred(ctx, k);
}

static bool fails(const void *ctx, int64_t k)
{
	return !pred(ctx, k);
}

static bool grid_search(const struct search *s, int64_t hi, int64_t *price)
{
	LQ_ASSERT(s->pos->qty != 0);
	LQ_ASSERT(hi >= 0);
	if (s->pos->qty > 0) {
		if (!pred(s, 0) || pred(s, hi))
			return false;
		/* pred holds at 0 and fails at hi: the lowest k where it fails */
		const int64_t k = lq_search_first(1, hi, fails, s);
		LQ_ASSERT(k >= 1);
		LQ_ASSERT(k <= hi); /* it fails at hi */
		*price = k * s->ins->tick;
		return true;
	}
	if (pred(s, 0) || !pred(s, hi))
		return false;
	/* pred fails at 0 and holds at hi: the highest k where it still fails */
	int64_t k = lq_search_first(1, hi, holds, s) - 1;
	if (k == 0)
		return false;
	LQ_ASSERT(k < hi); /* it holds at hi */
	*price = k * s->ins->tick;
	return true;
}

static void position_prices(const struct lq_engine *e, const struct lq_position *p,
			    struct lq_account_position_view *out)
{
	const struct lq_instrument *ins = &e->instruments[p->instrument];
	struct search s = {.e = e, .pos = p, .ins = ins};
	int64_t mark = out->mark, hi;

	out->has_liq_price = false;
	out->has_bankruptcy_price = false;
	if (p->qty == 0 || mark <= 0)
		return;
	hi = search_hi(ins);
	s.kind = PRED_LIQUIDATABLE;
	out->has_liq_price = grid_search(&s, hi, &out->liq_price);

	LQ_ASSERT(!out->has_liq_price || out->liq_price > 0);
	if (p->isolated) {
		s.kind = PRED_UNDERWATER;
		out->has_bankruptcy_price = grid_search(&s, hi, &out->bankruptcy_price);
		/* equity >= MM >= 0 wherever it is safe: bankruptcy lies beyond liquidation */
		LQ_DASSERT(!out->has_liq_price || !out->has_bankruptcy_price ||
			   (p->qty > 0 ? out->liq_price >= out->bankruptcy_price
				       : out->liq_price <= out->bankruptcy_price));
		return;
	}
	/*
	 * Cross: closing the whole position at the bankruptcy price consumes its share of the
	 * account's equity, TNC x MM_pos / TMM, rounded up (toward the venue).
	 */
	struct lq_margin m;
	lq_i128 alloc, vm, tnc;
	struct lq_unit u = {.account = p->account, .ref = ins->settle_asset};
	lq_account_margin(e, p->account, ins->settle_asset, &m);
	if (m.mm_units <= 0 || m.mm_units == INT64_MAX || out->mm_units <= 0 ||
	    lq_instrument_value_ovf(ins, p->qty, mark, LQ_ROUND_FLOOR, &vm) ||
	    !lq_account_unit_equity_fine(e, &u, &tnc))
		return;
	/* from the exact equity: rounding it to units first could move the price a tick */
	if (lq_muldiv128_ovf(tnc, out->mm_units, m.mm_units, LQ_ROUND_CEIL, &alloc))
		return;
	s.kind = PRED_BELOW_TARGET;
	s.target_fine = vm - alloc;
	out->has_bankruptcy_price = grid_search(&s, hi, &out->bankruptcy_price);
	LQ_ASSERT(!out->has_bankruptcy_price || out->bankruptcy_price > 0);
}

bool lq_account_unit_equity_fine(const struct lq_engine *e, const struct lq_unit *u, lq_i128 *out)
{
	lq_i128 eq, upnl, notional;
	uint32_t seen = 0;

	LQ_ASSERT(u->account < e->account_count);
	LQ_ASSERT(u->isolated ? u->ref < e->limits.positions_max : u->ref < e->asset_count);
	if (u->isolated) {
		const struct lq_position *p = &e->positions[u->ref];
		const struct lq_instrument *ins = &e->instruments[p->instrument];
		eq = ((lq_i128)p->margin_units - lq_position_funding_due(e, p)) * LQ_FINE_ONE;
		if (p->qty != 0) {
			if (!values_at(ins, p->qty, p->cost, lq_instrument_mark(ins), &upnl,
				       &notional))
				return false;
			eq += upnl;
		}
		*out = eq;
		return true;
	}
	eq = (lq_i128)*lq_engine_balance(e, u->account, u->ref) * LQ_FINE_ONE;
	for (uint32_t p = e->accounts[u->account].pos_head; p != LQ_NIL; p = e->positions[p].next) {
		const struct lq_position *pos = &e->positions[p];
		const struct lq_instrument *ins = &e->instruments[pos->instrument];
		seen++;
		LQ_ASSERT(seen <= LQ_INSTRUMENTS_MAX); /* one position per instrument */
		if (pos->isolated || ins->settle_asset != u->ref || pos->qty == 0)
			continue;
		if (!values_at(ins, pos->qty, pos->cost, lq_instrument_mark(ins), &upnl, &notional))
			return false;
		eq += upnl - (lq_i128)lq_position_funding_due(e, pos) * LQ_FINE_ONE;
	}
	*out = eq;
	return true;
}

void lq_account_position_values(const struct lq_engine *e, uint32_t pidx, lq_i128 *upnl_fine,
				lq_i128 *notional_fine)
{
	const struct lq_position *p = &e->positions[pidx];
	const struct lq_instrument *ins = &e->instruments[p->instrument];
	const int64_t mark = lq_instrument_mark(ins);

	LQ_ASSERT(pidx < e->limits.positions_max);
	LQ_ASSERT(p->instrument < e->instrument_count);
	/* as lq_account_position_view: zero without a quantity, a mark, or figures that fit */
	if (p->qty == 0 || mark <= 0 ||
	    !values_at(ins, p->qty, p->cost, mark, upnl_fine, notional_fine)) {
		*upnl_fine = 0;
		*notional_fine = 0;
	}
	LQ_ASSERT(*notional_fine >= 0);
}

void lq_account_position_view(const struct lq_engine *e, uint32_t pidx, bool prices,
			      struct lq_account_position_view *out)
{
	const struct lq_position *p = &e->positions[pidx];
	const struct lq_instrument *ins = &e->instruments[p->instrument];
	struct pos_figures f = {0};

	LQ_ASSERT(pidx < e->limits.positions_max);
	LQ_ASSERT(p->instrument < e->instrument_count);
	*out = (struct lq_account_position_view){0};
	out->mark = lq_instrument_mark(ins);
	out->funding_due_units = lq_position_funding_due(e, p);
	if (p->qty != 0 && out->mark > 0 && figures_at(ins, p->qty, p->cost, out->mark, &f)) {
		out->upnl_fine = f.upnl_fine;
		out->upnl_units = f.upnl_units;
		out->notional_fine = f.notional_fine;
		out->mm_units = f.mm_units;
		out->im_units = f.im_units;
	}
	out->equity_units = sat64((lq_i128)p->margin_units - out->funding_due_units +
				  (p->qty != 0 && out->mark > 0 ? f.upnl_wide : 0));
	LQ_ASSERT(out->notional_fine >= 0);
	LQ_ASSERT(out->im_units >= out->mm_units);
	if (prices)
		position_prices(e, p, out);
}
