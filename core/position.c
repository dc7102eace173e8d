/* SPDX-License-Identifier: MIT */
/*
 * Positions (DESIGN 1.3, 1.8): their life (create, release, the flat isolated ones handed
 * back), a trade's outcome computed before anything changes (lq_position_fill), the cost
 * share a close removes, pending funding and its settlement, and the trade itself applied
 * through the ledger.
 * Layer: above the ledger and the watch (a trade queues its account, a released position
 * leaves its heap), below the accounts' margins.
 */
#include "lq/assert.h"
#include "lq/engine.h"
#include "ledger.h"
#include "watch.h"
#include "position.h"

#include <string.h>

uint32_t lq_position_find(const struct lq_engine *e, uint32_t account, uint32_t instrument)
{
	LQ_ASSERT(account < e->account_count);
	LQ_ASSERT(instrument < e->instrument_count);
	for (uint32_t p = e->accounts[account].pos_head; p != LQ_NIL; p = e->positions[p].next) {
		if (e->positions[p].instrument == instrument)
			return p;
		if (e->positions[p].instrument > instrument)
			break;
	}
	return LQ_NIL;
}

/* Create an empty position, linked in ascending instrument order. */
uint32_t lq_position_create(struct lq_engine *e, uint32_t account, uint32_t instrument)
{
	uint32_t p = e->position_free, *link;

	LQ_ASSERT(account < e->account_count);
	LQ_ASSERT(instrument < e->instrument_count);
	if (p != LQ_NIL) {
		LQ_ASSERT(p < e->position_top);
		LQ_ASSERT(e->pos_order[p] == 0); /* released with no order in flight */
		e->position_free = e->positions[p].next;
	} else if (e->position_top < e->limits.positions_max) {
		p = e->position_top++; /* a slot never used: its first touch */
		e->pos_order[p] = 0;   /* no liquidation order in flight */
	} else {
		return LQ_NIL;
	}
	e->position_used++;
	struct lq_position *pos = &e->positions[p];
	memset(pos, 0, sizeof(*pos));
	pos->instrument = instrument;
	pos->account = account;
	link = &e->accounts[account].pos_head;
	while (*link != LQ_NIL && e->positions[*link].instrument < instrument)
		link = &e->positions[*link].next;
	pos->next = *link;
	*link = p;
	/* the instrument's list keeps creation order (ADL and socialization walk it) */
	pos->inst_next = LQ_NIL;
	pos->inst_prev = e->inst_tail[instrument];
	if (pos->inst_prev != LQ_NIL)
		e->positions[pos->inst_prev].inst_next = p;
	else
		e->inst_head[instrument] = p;
	e->inst_tail[instrument] = p;
	e->heap_slot[p] = 0; /* in no threshold heap (watch.c) */
	e->instruments[instrument].position_count++;
	LQ_ASSERT(e->position_used <= e->limits.positions_max);
	LQ_ASSERT(*link == p);
	return p;
}

void lq_position_release(struct lq_engine *e, uint32_t p)
{
	struct lq_position *pos = &e->positions[p];
	uint32_t *link = &e->accounts[pos->account].pos_head;

	LQ_ASSERT(p < e->limits.positions_max);
	LQ_ASSERT(pos->qty == 0);
	LQ_ASSERT(pos->margin_units == 0);
	LQ_ASSERT(e->position_used > 0);
	while (*link != p)
		link = &e->positions[*link].next;
	*link = pos->next;
	lq_watch_remove(e, p);
	if (pos->inst_prev != LQ_NIL)
		e->positions[pos->inst_prev].inst_next = pos->inst_next;
	else
		e->inst_head[pos->instrument] = pos->inst_next;
	if (pos->inst_next != LQ_NIL)
		e->positions[pos->inst_next].inst_prev = pos->inst_prev;
	else
		e->inst_tail[pos->instrument] = pos->inst_prev;
	LQ_ASSERT(e->instruments[pos->instrument].position_count > 0);
	e->instruments[pos->instrument].position_count--;
	LQ_ASSERT(e->heap_slot[p] == 0); /* out of the watch */
	pos->next = e->position_free;
	e->position_free = p;
	e->position_used--;
}

void lq_position_release_flat_isolated(struct lq_engine *e, uint32_t account, uint32_t asset)
{
	struct lq_account *acc = &e->accounts[account];
	uint32_t p = acc->pos_head;

	LQ_ASSERT(account < e->account_count);
	LQ_ASSERT(asset < e->asset_count);
	/* bounded by the account's positions: each is visited once */
	while (p != LQ_NIL) {
		struct lq_position *pos = &e->positions[p];
		const uint32_t next = pos->next;
		if (pos->qty == 0 && pos->isolated &&
		    e->instruments[pos->instrument].settle_asset == asset) {
			int64_t nb;
			if (lq_add_ovf(*lq_engine_balance(e, account, asset), pos->margin_units,
				       &nb))
				return; /* cannot happen within the safe range */
			/* the account's own money: no ledger movement (both are the accounts') */
			*lq_engine_balance(e, account, asset) = nb;
			LQ_ASSERT(!pos->isolated || pos->qty == 0);
			pos->margin_units = 0;
			pos->isolated = false;
			lq_position_release(e, p);
			LQ_ASSERT(e->position_free == p); /* released */
		}
		p = next;
	}
}

/* Index a position settles against: ceil for longs, floor for shorts (against the holder). */
static lq_i128 funding_index_for(const struct lq_instrument *ins, int64_t qty)
{
	/* the ceil index never falls behind the floor one: a holder is never paid twice */
	LQ_ASSERT(ins->funding_index_ceil >= ins->funding_index_floor);
	return qty >= 0 ? ins->funding_index_ceil : ins->funding_index_floor;
}

/* The split computation of lq_position_funding_due for any d, to check its shortcut with
 * (dev builds; a release build keeps only the reference in LQ_DASSERT's sizeof). */
static __attribute__((unused)) int64_t funding_due_split(int64_t q, lq_i128 d)
{
	const lq_i128 scale = (lq_i128)LQ_FINE_ONE * LQ_RATE_ONE;
	const lq_i128 hi = lq_div128_floor_any(d, scale), lo = d - hi * scale;
	const lq_i128 due = (lq_i128)q * hi + lq_div128_ceil_any((lq_i128)q * lo, scale);
	int64_t out;

	if (lq_narrow_ovf(due, &out) || out == INT64_MIN)
		return due > 0 ? INT64_MAX : -INT64_MAX;
	return out;
}

/*
 * q x d / 10^17 rounded up (a payment charged, or a receipt shrunk), for an index move d != 0;
 * apart from lq_position_funding_due so that its usual answer (nothing moved) stays light.
 */
static __attribute__((noinline)) int64_t funding_due_moved(int64_t q, lq_i128 d)
{
	const lq_i128 scale = (lq_i128)LQ_FINE_ONE * LQ_RATE_ONE;
	lq_i128 hi, lo, due;
	int64_t out;

	LQ_ASSERT(d != 0);
	/*
	 * Where d fits in int64 (the usual case) the product is within 2^126: one division.
	 * Otherwise (|d| < 2^101) split d as hi x 10^17 + lo to keep the product within 128
	 * bits: q hi is whole, so ceil(q d / 10^17) = q hi + ceil(q lo / 10^17), the same figure.
	 */
	if (d == (int64_t)d) {
		due = lq_div128_ceil((lq_i128)q * d, scale);
		if (lq_narrow_ovf(due, &out) || out == INT64_MIN)
			return due > 0 ? INT64_MAX : -INT64_MAX;
		LQ_DASSERT(out == funding_due_split(q, d));
		return out;
	}
	hi = lq_div128_floor(d, scale);
	lo = d - hi * scale;
	LQ_ASSERT(lo >= 0);
	LQ_ASSERT(lo < scale);
	due = (lq_i128)q * hi + lq_div128_ceil((lq_i128)q * lo, scale);
	/* symmetric: a negated due stays representable */
	if (lq_narrow_ovf(due, &out) || out == INT64_MIN)
		return due > 0 ? INT64_MAX : -INT64_MAX;
	return out;
}

int64_t lq_position_funding_due(const struct lq_engine *e, const struct lq_position *p)
{
	LQ_ASSERT(p->instrument < e->instrument_count);
	if (p->qty == 0)
		return 0;
	const lq_i128 d =
	    funding_index_for(&e->instruments[p->instrument], p->qty) - p->funding_snap;
	if (d == 0)
		return 0; /* settled at the current index: nothing due (and no division) */
	return funding_due_moved(p->qty, d);
}

/* Move a position's pending funding into its holder's money; reported as a funding event. */
static void settle_funding(struct lq_engine *e, uint32_t pidx)
{
	struct lq_position *p = &e->positions[pidx];
	const struct lq_instrument *ins = &e->instruments[p->instrument];
	int64_t due = lq_position_funding_due(e, p);

	LQ_ASSERT(pidx < e->limits.positions_max);
	LQ_ASSERT(due != INT64_MIN); /* lq_position_funding_due is symmetric */
	p->funding_snap = funding_index_for(ins, p->qty);
	LQ_DASSERT(p->funding_snap == funding_index_for(ins, p->qty)); /* its width holds it */
	if (due == 0)
		return;
	/* Saturated dues cannot be represented in a balance; they are clamped (never seen). */
	if (!lq_ledger_credit_holder(e, p, -due, LQ_LEDGER_FUNDING))
		return;
	LQ_ASSERT(lq_position_funding_due(e, p) == 0); /* settled */
	if (e->sink) {
		struct lq_event ev = {.type = LQ_EV_FUNDING,
				      .instrument = p->instrument,
				      .account = e->accounts[p->account].id,
				      .amount_units = -due};
		e->sink(e->sink_ctx, &ev);
	}
}

void lq_position_settle_account(struct lq_engine *e, uint32_t account)
{
	LQ_ASSERT(account < e->account_count);
	LQ_ASSERT(e->accounts[account].pos_head == LQ_NIL ||
		  e->accounts[account].pos_head < e->limits.positions_max);
	for (uint32_t p = e->accounts[account].pos_head; p != LQ_NIL; p = e->positions[p].next)
		settle_funding(e, p);
}

void lq_position_settle_asset(struct lq_engine *e, uint32_t account, uint32_t asset)
{
	LQ_ASSERT(account < e->account_count);
	LQ_ASSERT(asset < e->asset_count);
	for (uint32_t p = e->accounts[account].pos_head; p != LQ_NIL; p = e->positions[p].next)
		if (e->instruments[e->positions[p].instrument].settle_asset == asset)
			settle_funding(e, p);
}

/* An account's balance in an asset once its cross positions' pending funding is settled. */
int64_t lq_position_settled_balance(const struct lq_engine *e, uint32_t a, uint32_t asset)
{
	lq_i128 b = *lq_engine_balance(e, a, asset);

	LQ_ASSERT(a < e->account_count);
	LQ_ASSERT(asset < e->asset_count);
	for (uint32_t p = e->accounts[a].pos_head; p != LQ_NIL; p = e->positions[p].next) {
		const struct lq_position *pos = &e->positions[p];
		if (!pos->isolated && e->instruments[pos->instrument].settle_asset == asset)
			b -= lq_position_funding_due(e, pos);
	}
	return b > INT64_MAX ? INT64_MAX : b < INT64_MIN ? INT64_MIN : (int64_t)b;
}

/* The closed share of a cost basis: x of q0 lots (same sign), rounded up. false on overflow. */
bool lq_position_cost_share(lq_i128 c0, int64_t x, int64_t q0, lq_i128 *out)
{
	LQ_ASSERT(q0 != 0);
	LQ_ASSERT((x > 0) == (q0 > 0));
	LQ_ASSERT(q0 > 0 ? x <= q0 : x >= q0); /* a share, never more than the whole */
	if (x == q0) {
		*out = c0;
		return true;
	}
	return !lq_muldiv128_ovf(c0, x, q0, LQ_ROUND_CEIL, out);
}

/* Position values must stay representable in units. */
static bool fill_representable(const struct lq_instrument *ins, int64_t q, lq_i128 c, int64_t price)
{
	lq_i128 v;

	LQ_ASSERT(price >= 0);
	LQ_ASSERT(ins->tick > 0);
	if (price > 0) {
		if (lq_instrument_value_ovf(ins, q, price, LQ_ROUND_FLOOR, &v) ||
		    v / LQ_FINE_ONE > INT64_MAX || v / LQ_FINE_ONE < -INT64_MAX)
			return false;
	}
	return c / LQ_FINE_ONE <= INT64_MAX && c / LQ_FINE_ONE >= -INT64_MAX;
}

/* A trade's outcome; its realized PnL in units rounds down. false if that leaves 64 bits. */
static bool fill_result(struct lq_fill_result *r, int64_t q, lq_i128 cost, lq_i128 realized)
{
	LQ_ASSERT(q != 0 || cost == 0); /* a flat position has no basis */
	r->qty = q;
	r->cost = cost;
	r->realized_fine = realized;
	return !lq_narrow_ovf(lq_instrument_fine_to_units(realized, LQ_ROUND_FLOOR),
			      &r->realized_units);
}

bool lq_position_fill_value(const struct lq_instrument *ins, const struct lq_position *pos,
			    int64_t d, lq_i128 vd, int64_t price, struct lq_fill_result *r)
{
	int64_t q0 = pos->qty, rest = d;
	lq_i128 c0 = pos->cost, realized = 0, rest_value = vd;

	if (d == 0)
		return false;
	if (q0 != 0 && ((q0 > 0) != (d > 0))) {
		/* Reducing: x lots of the position (same sign as q0) close; the trade's -x lots
		 * are worth vd x (-x) / d of its value, so the closed lots' exit value is
		 * vd x x / d, rounded down (realized PnL rounds down). */
		const lq_i128 ad = d > 0 ? (lq_i128)d : -(lq_i128)d;
		const lq_i128 aq = q0 > 0 ? (lq_i128)q0 : -(lq_i128)q0;
		const int64_t x = ad >= aq ? q0 : -d;
		lq_i128 removed, exit;
		if (x == -d)
			exit = -vd;
		else if (lq_muldiv128_ovf(vd, x, d, LQ_ROUND_FLOOR, &exit))
			return false;
		if (!lq_position_cost_share(c0, x, q0, &removed) ||
		    lq_sub128_ovf(exit, removed, &realized))
			return false;
		c0 -= removed;
		q0 -= x;
		rest = d + x;
		/* what is left of the trade opens at the rest of its value */
		rest_value = vd + exit;
		/* either the position closed whole or the trade was absorbed whole */
		LQ_ASSERT(q0 == 0 || rest == 0);
		LQ_ASSERT(rest == 0 || (rest > 0) == (d > 0));
	}
	if (rest != 0) {
		if (lq_add128_ovf(c0, rest_value, &c0) || __builtin_add_overflow(q0, rest, &q0))
			return false;
	}
	if (q0 == 0 && c0 != 0)
		return false; /* cannot happen: a closed position's basis is fully removed */
	if (price >= 0 && !fill_representable(ins, q0, c0, price))
		return false;
	return fill_result(r, q0, c0, realized);
}

bool lq_position_fill(const struct lq_instrument *ins, const struct lq_position *pos, int64_t d,
		      int64_t price, struct lq_fill_result *r)
{
	int64_t q0 = pos->qty, rest = d;
	lq_i128 c0 = pos->cost, v, realized = 0;

	if (q0 != 0 && ((q0 > 0) != (d > 0))) {
		/* Reducing: x lots of the position (same sign as q0) are closed at p. */
		int64_t x = (d > 0 ? d : -(lq_i128)d) >= (q0 > 0 ? q0 : -(lq_i128)q0) ? q0 : -d;
		lq_i128 removed;
		/* The closed share of the cost basis, rounded up: realized PnL rounds down. */
		if (!lq_position_cost_share(c0, x, q0, &removed))
			return false;
		if (lq_instrument_value_ovf(ins, x, price, LQ_ROUND_FLOOR, &v) ||
		    lq_sub128_ovf(v, removed, &realized))
			return false;
		c0 -= removed;
		q0 -= x;
		rest = d + x;
		/* either the position closed whole or the trade was absorbed whole */
		LQ_ASSERT(q0 == 0 || rest == 0);
		LQ_ASSERT(rest == 0 || (rest > 0) == (d > 0));
	}
	if (rest != 0) {
		/* Opening or extending: the cost basis rounds up (upnl rounds down). */
		if (lq_instrument_value_ovf(ins, rest, price, LQ_ROUND_CEIL, &v) ||
		    lq_add128_ovf(c0, v, &c0))
			return false;
		if (__builtin_add_overflow(q0, rest, &q0))
			return false;
		/* a position of INT64_MIN lots has no magnitude in int64: refused */
		if (q0 == INT64_MIN)
			return false;
	}
	if (!fill_representable(ins, q0, c0, price))
		return false;
	return fill_result(r, q0, c0, realized);
}

/* Apply a computed trade to position p (see lq_position_trade). */
static enum lq_status position_apply(struct lq_engine *e, uint32_t p,
				     const struct lq_fill_result *r, int64_t fee_units,
				     uint32_t fee_slot, int64_t *realized_units)
{
	struct lq_position *pos = &e->positions[p];
	struct lq_instrument *ins = &e->instruments[pos->instrument];
	const uint32_t a = pos->account, asset = ins->settle_asset;
	int64_t held, after, due = lq_position_funding_due(e, pos);

	LQ_ASSERT(r->qty != 0 || r->cost == 0);
	LQ_ASSERT(fee_units >= -LQ_MONEY_MAX);
	LQ_ASSERT(fee_units <= LQ_MONEY_MAX);
	LQ_ASSERT(fee_slot < LQ_LEDGER_SLOTS);
	const lq_i128 accounts_before = e->ledger.total[LQ_LEDGER_ACCOUNTS][asset];
	/* everything that can overflow is checked before anything changes */
	held = pos->isolated ? pos->margin_units : *lq_engine_balance(e, a, asset);
	if (lq_sub_ovf(held, due, &after) || lq_add_ovf(after, r->realized_units, &after) ||
	    lq_sub_ovf(after, fee_units, &after))
		return LQ_E_OVERFLOW;
	if (r->qty == 0 && pos->isolated &&
	    lq_add_ovf(*lq_engine_balance(e, a, asset), after, &held))
		return LQ_E_OVERFLOW;
	settle_funding(e, p);
	const bool credited = lq_ledger_credit_holder(e, pos, r->realized_units, LQ_LEDGER_VENUE);
	LQ_ASSERT(credited); /* checked above */
	if (fee_units != 0) {
		const bool charged = lq_ledger_credit_holder(e, pos, -fee_units, fee_slot);
		LQ_ASSERT(charged);
	}
	/* postcondition: the accounts' money moved by exactly realized - fee - funding due */
	LQ_ASSERT(e->ledger.total[LQ_LEDGER_ACCOUNTS][asset] ==
		  accounts_before + r->realized_units - fee_units - due);
	if (realized_units)
		*realized_units = r->realized_units;
	pos->qty = r->qty;
	pos->cost = r->cost;
	pos->funding_snap = funding_index_for(ins, pos->qty);
	/* the fields' widths hold both (lq/engine.h: the checks that bound them) */
	LQ_DASSERT(pos->cost == r->cost);
	LQ_DASSERT(pos->funding_snap == funding_index_for(ins, pos->qty));
	e->accounts[a].asset_mask |= 1u << asset;
	lq_watch_touch(e, a);
	LQ_ASSERT(e->accounts[a].dirty); /* queued for its re-check */
	if (pos->qty == 0) {
		LQ_ASSERT(pos->cost == 0);
		/*
		 * A closed isolated position hands its margin back to the balance and the next
		 * fill opens a cross position (isolate again to isolate it).
		 */
		*lq_engine_balance(e, a, asset) += pos->margin_units;
		pos->margin_units = 0;
		pos->isolated = false;
		lq_position_release(e, p);
	}
	return LQ_OK;
}

enum lq_status lq_position_trade(struct lq_engine *e, uint32_t p, int64_t d, int64_t price,
				 int64_t fee_units, uint32_t fee_slot, int64_t *realized_units)
{
	struct lq_fill_result r;

	LQ_ASSERT(p < e->limits.positions_max);
	LQ_ASSERT(d != 0);
	LQ_ASSERT(price > 0);
	if (!lq_position_fill(&e->instruments[e->positions[p].instrument], &e->positions[p], d,
			      price, &r))
		return LQ_E_OVERFLOW;
	/* a trade moves the position by d exactly */
	LQ_ASSERT(r.qty - e->positions[p].qty == d);
	return position_apply(e, p, &r, fee_units, fee_slot, realized_units);
}

/* Does r hold the fill lq_position_fill computes for the same trade (dev builds' check)? */
static __attribute__((unused)) bool fill_is(const struct lq_instrument *ins,
					    const struct lq_position *pos, int64_t d, int64_t price,
					    const struct lq_fill_result *r)
{
	struct lq_fill_result x;

	return lq_position_fill(ins, pos, d, price, &x) && x.qty == r->qty && x.cost == r->cost &&
	       x.realized_fine == r->realized_fine && x.realized_units == r->realized_units;
}

enum lq_status lq_position_trade_filled(struct lq_engine *e, uint32_t p, int64_t d, int64_t price,
					const struct lq_fill_result *r, int64_t fee_units,
					uint32_t fee_slot)
{
	LQ_ASSERT(p < e->limits.positions_max);
	LQ_ASSERT(d != 0);
	LQ_ASSERT(price > 0);
	LQ_DASSERT(
	    fill_is(&e->instruments[e->positions[p].instrument], &e->positions[p], d, price, r));
	/* a trade moves the position by d exactly */
	LQ_ASSERT(r->qty - e->positions[p].qty == d);
	return position_apply(e, p, r, fee_units, fee_slot, NULL);
}

enum lq_status lq_position_trade_value(struct lq_engine *e, uint32_t p, int64_t d, lq_i128 vd,
				       int64_t fee_units, uint32_t fee_slot,
				       int64_t *realized_units)
{
	struct lq_position *pos = &e->positions[p];
	const struct lq_instrument *ins = &e->instruments[pos->instrument];
	struct lq_fill_result r;

	/* reduce-only: the engine never opens an account's position */
	LQ_ASSERT(pos->qty != 0);
	LQ_ASSERT((d > 0) != (pos->qty > 0));
	LQ_ASSERT((d > 0 ? d : -d) <= (pos->qty > 0 ? pos->qty : -pos->qty));
	/* a reducing trade makes nothing larger: only the cost basis left must fit (price 0) */
	if (!lq_position_fill_value(ins, pos, d, vd, 0, &r))
		return LQ_E_OVERFLOW;
	/* the qty's sign after the trade: the same as before, or flat */
	LQ_ASSERT(r.qty == 0 || (r.qty > 0) == (pos->qty > 0));
	return position_apply(e, p, &r, fee_units, fee_slot, realized_units);
}
