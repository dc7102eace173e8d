/* SPDX-License-Identifier: MIT */
/*
 * Liquidation (DESIGN 1.6) and the deficit waterfall (DESIGN 1.7).
 *
 * A step closes x lots of one position in one trade of the account's: the part an IOC
 * against the book fills at or better than the bankruptcy price at the book's prices, the
 * rest (the deficit position) at its exact bankruptcy value, so that the equity the step
 * consumes is exactly the share the bankruptcy price allots it (nothing kept, nothing owed:
 * a tick-rounded price would leave up to a tick x qty on either side). The surplus of fills
 * better than the bankruptcy value pays the clearance fee, up to the fee rate.
 *
 * The deficit position then has an owner, in this order:
 * 1. the instrument's insurance fund takes it over at that exact value and closes it on the
 *    book within takeover_band of the bankruptcy price: under `adl` while it can pay the
 *    losses (balance, fund_cap), under `socialize` whatever they are (covered in step 3);
 * 2. `adl`: opposite positions, first in line first, take slices of it at exactly its cost
 *    (the holder neither gains nor loses; the counterparty realizes at the bankruptcy price),
 *    never more than a counterparty's equity bears; with no fund the deficit comes here
 *    straight away;
 * 3. what is left: under `adl`, and with no fund under either policy, it is closed against
 *    the venue at the mark (never at a gain for the holder): nobody else can take it. Under
 *    `socialize` a fund keeps it as a fund position, offered to the book again at each book
 *    update within takeover_band of the mark. A fund's losses beyond its balance (or beyond
 *    fund_cap in the event), and every loss when there is no fund, are charged under
 *    `socialize` to the positions in profit (from their unrealized profit), and what even
 *    that cannot cover is bad debt, with an event.
 *
 * Every money movement is a ledger transfer and every one has an event (engine.h: the money
 * an event moves), so the event stream is a complete ledger.
 */
#include "lq/assert.h"
#include "lq/engine.h"
#include "ledger.h"
#include "watch.h"
#include "position.h"
#include "account.h"
#include "trigger.h"
#include "liq.h"

#include <string.h>

/* Fund trades held back while a takeover is decided: at most one per book level, plus one. */
#define HELD_MAX (LQ_BOOK_LEVELS_MAX + 1)

struct holder {
	int fund;      /* -1: none (the deficit goes straight to the policy) */
	uint32_t slot; /* the fund's ledger slot; the bad-debt slot with no fund */
	uint32_t instrument;
	/*
	 * The position it trades: in a waterfall the deficit position alone (own), so that the
	 * policy acts on this deficit only; in a re-offer the fund's stock in the instrument.
	 */
	struct lq_fund_position *pos;
	struct lq_fund_position own;
	struct lq_event *held; /* fund_trade events held back (NULL: emit at once) */
	uint32_t held_count;
	lq_i128 realized; /* realized PnL in this waterfall, units */
};

static void emit(struct lq_engine *e, const struct lq_event *ev)
{
	LQ_ASSERT(ev->type >= LQ_EV_FUNDING);
	LQ_ASSERT(ev->type != LQ_EV_REJECTED); /* liquidation refuses no input */
	if (e->sink)
		e->sink(e->sink_ctx, ev);
}

static int64_t iabs(int64_t v)
{
	LQ_ASSERT(v != INT64_MIN);
	return v < 0 ? -v : v;
}

static bool fund_usable(const struct lq_engine *e, int f, const struct lq_instrument *ins)
{
	LQ_ASSERT(e->fund_count <= LQ_FUNDS_MAX);
	LQ_ASSERT(ins->settle_asset < e->asset_count);
	return f >= 0 && (uint32_t)f < e->fund_count && e->funds[f].defined &&
	       e->funds[f].asset == ins->settle_asset;
}

/*
 * The instrument's fund as holder (no fund when f < 0 or unusable), trading its stock in the
 * instrument (stock) or a position of its own, empty to start with.
 */
static void holder_init(struct lq_engine *e, struct holder *h, uint32_t instrument, int f,
			bool stock)
{
	const struct lq_instrument *ins = &e->instruments[instrument];

	LQ_ASSERT(instrument < e->instrument_count);
	*h = (struct holder){.fund = -1, .slot = LQ_LEDGER_BAD_DEBT, .instrument = instrument};
	h->pos = &h->own;
	if (fund_usable(e, f, ins)) {
		h->fund = f;
		h->slot = LQ_LEDGER_FUND0 + (uint32_t)f;
		if (stock)
			h->pos = &e->funds[f].positions[instrument];
	}
	LQ_ASSERT(h->slot < LQ_LEDGER_SLOTS);
}

static lq_i128 fund_balance(const struct lq_engine *e, const struct holder *h)
{
	LQ_ASSERT(h->fund >= 0);
	return e->ledger.total[h->slot][e->instruments[h->instrument].settle_asset];
}

/* Add to what the instrument's deficits cost its fund in this event (against its fund_cap). */
static void fund_paid_add(struct lq_engine *e, uint32_t instrument, int64_t delta)
{
	_Static_assert(LQ_INSTRUMENTS_MAX <= 64, "fund_paid_touched holds a bit per instrument");
	LQ_ASSERT(instrument < e->instrument_count);
	LQ_ASSERT(delta != INT64_MIN);
	e->fund_paid_units[instrument] += delta;
	e->fund_paid_touched |= 1ull << instrument;
}

/* What the holder may still pay in this event: its balance, within fund_cap. */
static int64_t holder_available(const struct lq_engine *e, const struct holder *h)
{
	const struct lq_instrument *ins = &e->instruments[h->instrument];

	LQ_ASSERT(h->instrument < e->instrument_count);
	if (h->fund < 0)
		return 0;
	LQ_ASSERT(h->slot == LQ_LEDGER_FUND0 + (uint32_t)h->fund);
	lq_i128 b = fund_balance(e, h);
	int64_t avail = b > INT64_MAX ? INT64_MAX : b < 0 ? 0 : (int64_t)b;
	const int64_t cap = ins->params.fund_cap_units;
	if (cap >= 0) {
		const int64_t left = cap - e->fund_paid_units[h->instrument];
		if (left < avail)
			avail = left;
	}
	return avail < 0 ? 0 : avail;
}

/*
 * Apply a trade of the holder's position computed in r: its realized PnL moves between the
 * venue and the holder's slot and, for a fund, is announced as a fund_trade (held back while
 * a takeover is being decided).
 */
static void holder_apply(struct lq_engine *e, struct holder *h, const struct lq_fill_result *r,
			 int64_t d, int64_t price, enum lq_fund_trade_kind kind)
{
	const uint32_t asset = e->instruments[h->instrument].settle_asset;
	const int64_t realized = r->realized_units;

	LQ_ASSERT(d != 0);
	LQ_ASSERT(r->qty != 0 || r->cost == 0);
	h->pos->qty = r->qty;
	h->pos->cost = r->cost;
	lq_ledger_move(e, LQ_LEDGER_VENUE, h->slot, asset, realized);
	h->realized += realized;
	if (h->fund >= 0 && realized < 0)
		fund_paid_add(e, h->instrument, -realized);
	/* with no fund the event still shows the trade (fund LQ_NIL, nothing to a fund) */
	const struct lq_event ev = {.type = LQ_EV_FUND_TRADE,
				    .instrument = h->instrument,
				    .fund = h->fund >= 0 ? (uint32_t)h->fund : LQ_NIL,
				    .status = (uint16_t)kind,
				    .qty = d,
				    .price = price,
				    .pnl_units = realized,
				    .fund_delta_units = h->fund >= 0 ? realized : 0,
				    .flag = kind == LQ_FUND_TRADE_MARK};
	if (h->held && h->held_count < HELD_MAX)
		h->held[h->held_count++] = ev;
	else
		emit(e, &ev);
}

/* ---- bankruptcy price ---- */

struct reach {
	const struct lq_instrument *ins;
	int64_t x;
	lq_i128 target;
};

/* Does closing x at grid price k realize at least the target? */
static bool reaches(const void *ctx, int64_t k)
{
	const struct reach *r = ctx;
	lq_i128 v;

	LQ_ASSERT(k >= 1);
	LQ_ASSERT(r->x != 0);
	if (lq_instrument_value_ovf(r->ins, r->x, k * r->ins->tick, LQ_ROUND_FLOOR, &v))
		return r->x > 0; /* beyond 128 bits: a long's value is huge, a short's very low */
	return v >= r->target;
}

static bool falls_short(const void *ctx, int64_t k)
{
	return !reaches(ctx, k);
}

/*
 * The grid price at which closing x lots (signed like the position) realizes at least the
 * exact bankruptcy value `target`: a long's the lowest such tick (rounded up), a short's the
 * highest (rounded down), both toward the venue. The search spans every representable price
 * (no bound relative to the mark): a mark crashed to a tick, or an 18-decimal asset, still
 * gets its exact price. Where no grid price reaches it, the end of the grid.
 */
/*
 * The first k in [1, hi] where the monotone pred holds (hi + 1: nowhere), as lq_search_first
 * finds it: a guess that holds where the tick below it does not is that k (two evaluations);
 * any other guess costs the full search.
 */
static int64_t search_from(int64_t guess, int64_t hi, bool (*pred)(const void *ctx, int64_t k),
			   const void *ctx)
{
	if (guess >= 1 && guess <= hi && pred(ctx, guess) && (guess == 1 || !pred(ctx, guess - 1)))
		return guess;
	return lq_search_first(1, hi, pred, ctx);
}

/*
 * A guess at the first tick of bankruptcy_price's search: a linear value is exactly x k d
 * with d = tick x lin_scale, so a long's first tick reaching the target is ceil(target /
 * (x d)) and a short's first falling short floor(target / (x d)) + 1. 0 (no guess) where
 * x d does not fit or the instrument is inverse.
 */
static int64_t bankruptcy_guess(const struct lq_instrument *ins, int64_t x, lq_i128 target)
{
	lq_i128 d;

	if (ins->kind != LQ_INSTRUMENT_LINEAR ||
	    __builtin_mul_overflow((lq_i128)x * ins->tick, ins->lin_scale, &d) || d == 0)
		return 0;
	const lq_i128 k = x > 0 ? lq_div128_ceil(target, d) : lq_div128_floor(target, d) + 1;
	return k < 1 || k > INT64_MAX ? 0 : (int64_t)k;
}

static int64_t bankruptcy_price(const struct lq_instrument *ins, int64_t x, lq_i128 target)
{
	const int64_t hi = INT64_MAX / ins->tick - (ins->tick == 1); /* the search needs hi + 1 */
	const struct reach r = {.ins = ins, .x = x, .target = target};
	const int64_t guess = bankruptcy_guess(ins, x, target);

	LQ_ASSERT(x != 0);
	LQ_ASSERT(hi >= 1);
	if (x > 0) {
		/* value rises with the price: the lowest grid price reaching the target */
		const int64_t k = search_from(guess, hi, reaches, &r);
		LQ_DASSERT(k == lq_search_first(1, hi, reaches, &r));
		return (k > hi ? hi : k) * ins->tick;
	}
	/* value falls with the price: the highest grid price still reaching it */
	const int64_t k = search_from(guess, hi, falls_short, &r) - 1;
	LQ_DASSERT(k + 1 == lq_search_first(1, hi, falls_short, &r));
	return (k < 1 ? 1 : k) * ins->tick;
}

/* ---- the book ---- */

/* Levels a close of a position with sign `sign` trades against: bids for a long. */
static struct lq_book_level *book_side(struct lq_instrument *ins, int sign, uint32_t *n)
{
	LQ_ASSERT(sign == 1 || sign == -1);
	*n = sign > 0 ? ins->book.bid_count : ins->book.ask_count;
	LQ_ASSERT(*n <= LQ_BOOK_LEVELS_MAX);
	return sign > 0 ? ins->book.bids : ins->book.asks;
}

/* Is a level's price at or better than limit for a close of a position with sign? */
static bool within(int sign, int64_t price, int64_t limit)
{
	LQ_ASSERT(sign == 1 || sign == -1);
	LQ_ASSERT(limit > 0);
	return sign > 0 ? price >= limit : price <= limit;
}

/* The worst price within takeover_band of ref for closing a position with sign. */
static int64_t band_limit(const struct lq_instrument *ins, int64_t ref, int sign)
{
	const int64_t band = ins->params.takeover_band_e8;
	int64_t limit;

	LQ_ASSERT(band >= 0 && band < LQ_RATE_ONE);
	if (sign > 0)
		limit = (int64_t)lq_round_to_step(
		    lq_div128_ceil((lq_i128)ref * (LQ_RATE_ONE - band), LQ_RATE_ONE), ins->tick,
		    LQ_ROUND_CEIL);
	else {
		lq_i128 l = lq_round_to_step(
		    lq_div128_floor((lq_i128)ref * (LQ_RATE_ONE + band), LQ_RATE_ONE), ins->tick,
		    LQ_ROUND_FLOOR);
		const lq_i128 top = (INT64_MAX / ins->tick) * ins->tick;
		limit = (int64_t)(l > top ? top : l);
	}
	return limit < ins->tick ? ins->tick : limit;
}

/* ---- socialized loss ---- */

/*
 * Charge `loss` units to the positions of the instrument in profit, pro rata to their
 * unrealized PnL, each share rounded up and capped at its profit, collected into `to_slot`
 * (the fund's, or bad debt's with no fund). A charge is taken from the position's unrealized
 * profit: its cost basis rises by the share (the venue pays the share out of that profit to
 * the collector), so the same profit is never charged twice and the balance does not move.
 * Returns what was collected (may exceed loss by the rounding, never a position's profit).
 */
static int64_t socialize(struct lq_engine *e, uint32_t instrument, int64_t loss, uint32_t to_slot,
			 int fund)
{
	const uint32_t asset = e->instruments[instrument].settle_asset;
	struct lq_account_position_view v;
	lq_i128 total = 0, collected = 0;

	LQ_ASSERT(loss >= 0);
	if (loss == 0)
		return 0;
	/* bounded by the instrument's positions, twice */
	/* a position in liquidation (its order in flight) is not charged: its cost is the order's
	 */
	for (uint32_t p = e->inst_head[instrument]; p != LQ_NIL; p = e->positions[p].inst_next) {
		if (e->positions[p].qty == 0 || lq_engine_position_in_flight(e, p))
			continue;
		lq_account_position_view(e, p, false, &v);
		if (v.upnl_units > 0)
			total += v.upnl_units;
	}
	if (total == 0)
		return 0;
	for (uint32_t p = e->inst_head[instrument]; p != LQ_NIL; p = e->positions[p].inst_next) {
		struct lq_position *pos = &e->positions[p];
		if (pos->qty == 0 || lq_engine_position_in_flight(e, p))
			continue;
		lq_account_position_view(e, p, false, &v);
		if (v.upnl_units <= 0)
			continue;
		int64_t share = v.upnl_units;
		if (total > loss)
			share = (int64_t)lq_div128_ceil((lq_i128)loss * v.upnl_units, total);
		if (share > v.upnl_units)
			share = v.upnl_units;
		LQ_ASSERT(share > 0);
		lq_i128 cost;
		if (lq_add128_ovf(pos->cost, (lq_i128)share * LQ_FINE_ONE, &cost) ||
		    cost / LQ_FINE_ONE > INT64_MAX)
			continue; /* unrepresentable basis: this position is not charged */
		const lq_i128 upnl_before = v.upnl_fine;
		pos->cost = cost;
		LQ_DASSERT(pos->cost == cost); /* within the field's width (checked above) */
		lq_ledger_move(e, LQ_LEDGER_VENUE, to_slot, asset, share);
		collected += share;
		lq_watch_touch(e, pos->account);
		e->stats.socialized_charges++;
		/* postcondition: exactly the share came off the position's profit */
		lq_account_position_view(e, p, false, &v);
		LQ_ASSERT(v.upnl_fine == upnl_before - (lq_i128)share * LQ_FINE_ONE);
		const struct lq_event ev = {.type = LQ_EV_SOCIALIZED_LOSS,
					    .instrument = instrument,
					    .fund = fund >= 0 ? (uint32_t)fund : 0,
					    .account = e->accounts[pos->account].id,
					    .amount_units = share,
					    .fund_delta_units = fund >= 0 ? share : 0};
		emit(e, &ev);
	}
	LQ_ASSERT(collected <= total);
	return (int64_t)collected;
}

/*
 * After a holder's losses: a fund below zero (or past fund_cap in this event), or the loss of
 * a holder with no fund, is covered by socialized loss (when allowed) and then by bad debt,
 * each with its events. Afterwards a fund is never below zero.
 */
static void cover_shortfall(struct lq_engine *e, struct holder *h, bool may_socialize)
{
	const struct lq_instrument *ins = &e->instruments[h->instrument];
	const uint32_t asset = ins->settle_asset;
	int64_t shortfall = 0;

	if (h->fund >= 0) {
		const lq_i128 bal = fund_balance(e, h);
		LQ_ASSERT(bal >= -INT64_MAX); /* its losses in one waterfall are bounded */
		shortfall = bal < 0 ? (int64_t)-bal : 0;
		const int64_t cap = ins->params.fund_cap_units;
		const int64_t over = cap >= 0 ? e->fund_paid_units[h->instrument] - cap : 0;
		if (over > shortfall)
			shortfall = over;
	} else if (h->realized < 0) {
		/* bounded: each close of a holder realizes at most LQ_MONEY_MAX of loss */
		LQ_ASSERT(-h->realized <= INT64_MAX);
		shortfall = (int64_t)-h->realized;
	} else if (h->realized > 0) {
		/* a holder without a fund gained (rounding): that is the venue's fee income */
		LQ_ASSERT(h->realized <= INT64_MAX);
		lq_ledger_move(e, LQ_LEDGER_BAD_DEBT, LQ_LEDGER_FEES, asset, (int64_t)h->realized);
	}
	h->realized = 0;
	if (shortfall <= 0)
		return;
	const int64_t got =
	    may_socialize ? socialize(e, h->instrument, shortfall, h->slot, h->fund) : 0;
	if (h->fund >= 0 && got > 0) {
		/* the shares refund the fund's payment beyond its cap (the excess stays in it) */
		fund_paid_add(e, h->instrument, -(got < shortfall ? got : shortfall));
	} else if (h->fund < 0 && got > shortfall) {
		/* the rounding excess of the shares, with no fund to credit: fee income */
		lq_ledger_move(e, LQ_LEDGER_BAD_DEBT, LQ_LEDGER_FEES, asset, got - shortfall);
	}
	if (got >= shortfall)
		return;
	const int64_t bad = shortfall - got;
	/* a fund is made whole from bad debt; with no fund the slot already carries the loss */
	if (h->fund >= 0) {
		lq_ledger_move(e, LQ_LEDGER_BAD_DEBT, h->slot, asset, bad);
		fund_paid_add(e, h->instrument, -bad);
	}
	e->stats.bad_debts++;
	const struct lq_event ev = {.type = LQ_EV_BAD_DEBT,
				    .instrument = h->instrument,
				    .fund = h->fund >= 0 ? (uint32_t)h->fund : 0,
				    .asset = asset,
				    .amount_units = bad,
				    .fund_delta_units = h->fund >= 0 ? bad : 0};
	emit(e, &ev);
	LQ_ASSERT(h->fund < 0 || fund_balance(e, h) >= 0);
}

/* ---- the holder closes ---- */

/*
 * Close as much of the holder's position as the book takes at or better than limit: paying
 * losses only while it can (pay_limited), or whatever they are (the caller covers them), with
 * losses and gains each up to LQ_MONEY_MAX in one call, so that every sum stays within 64
 * bits (the rest stays held).
 */
static void holder_close(struct lq_engine *e, struct holder *h, int64_t limit, bool pay_limited)
{
	struct lq_instrument *ins = &e->instruments[h->instrument];
	int64_t lost = 0, gained = 0; /* in this call: each within LQ_MONEY_MAX */
	uint32_t n;

	if (h->pos->qty == 0)
		return;
	const int sign = h->pos->qty > 0 ? 1 : -1;
	struct lq_book_level *lv = book_side(ins, sign, &n);
	LQ_ASSERT(n <= LQ_BOOK_LEVELS_MAX);
	for (uint32_t i = 0; i < n && h->pos->qty != 0; i++) {
		if (lv[i].qty == 0)
			continue;
		if (!within(sign, lv[i].price, limit))
			break;
		const struct lq_position tmp = lq_engine_position_temp(h->pos->qty, h->pos->cost);
		struct lq_fill_result r;
		int64_t take = lv[i].qty < iabs(h->pos->qty) ? lv[i].qty : iabs(h->pos->qty);
		{
			/* the most lots whose loss the holder can pay (it grows with lots) */
			const int64_t avail =
			    pay_limited ? holder_available(e, h) : LQ_MONEY_MAX - lost;
			int64_t lo = 0, hi = take / ins->lot;
			while (lo < hi) {
				const int64_t mid = hi - (hi - lo) / 2;
				const bool ok = lq_position_fill(ins, &tmp, -sign * mid * ins->lot,
								 lv[i].price, &r) &&
						-r.realized_units <= avail &&
						r.realized_units <= LQ_MONEY_MAX - gained;
				if (ok)
					lo = mid;
				else
					hi = mid - 1;
			}
			take = lo * ins->lot;
			if (take == 0)
				break;
		}
		if (!lq_position_fill(ins, &tmp, -sign * take, lv[i].price, &r))
			break;
		if (r.realized_units < 0)
			lost += -r.realized_units;
		else
			gained += r.realized_units;
		LQ_ASSERT(lost <= LQ_MONEY_MAX && gained <= LQ_MONEY_MAX);
		holder_apply(e, h, &r, -sign * take, lv[i].price, LQ_FUND_TRADE_BOOK);
		lv[i].qty -= take;
		LQ_ASSERT(lv[i].qty >= 0);
	}
}

/*
 * Nobody takes what is left: the venue closes it at the mark, never at a gain for the holder
 * (where the mark is better than its cost, at its cost).
 */
static void venue_close(struct lq_engine *e, struct holder *h, int64_t bk)
{
	const struct lq_instrument *ins = &e->instruments[h->instrument];
	const int64_t q = h->pos->qty, mark = lq_instrument_mark(ins);
	const struct lq_position tmp = lq_engine_position_temp(q, h->pos->cost);
	struct lq_fill_result r;
	lq_i128 exit;
	int64_t price = mark;

	if (q == 0)
		return;
	if (mark <= 0 || lq_instrument_value_ovf(ins, q, mark, LQ_ROUND_FLOOR, &exit) ||
	    exit > tmp.cost) {
		exit = tmp.cost; /* no gain: at its cost */
		price = bk;
	}
	/*
	 * A loss past LQ_MONEY_MAX units (a position near the safe range's edge marked at several
	 * times its price, an 18-decimal asset) is booked at that bound: the bad debt it becomes
	 * is still an event, and every later sum stays within 64 bits.
	 */
	const lq_i128 floor_exit = tmp.cost - (lq_i128)LQ_MONEY_MAX * LQ_FINE_ONE;
	if (exit < floor_exit)
		exit = floor_exit;
	const bool ok = lq_position_fill_value(ins, &tmp, -q, -exit, -1, &r);
	LQ_ASSERT(ok); /* a full close at a value within its cost's range */
	LQ_ASSERT(r.qty == 0 && r.realized_units <= 0);
	holder_apply(e, h, &r, -q, price, LQ_FUND_TRADE_MARK);
	LQ_ASSERT(h->pos->qty == 0);
}

/* ---- ADL ---- */

/* The ranking of one side, first in line first. */
static struct lq_adl_entry *adl_next(struct lq_engine *e, uint32_t instrument, int side)
{
	struct lq_adl_rank_cache *c = &e->adl_cache;
	const uint64_t epoch = e->rank_epoch[instrument] * 2 + 1;

	LQ_ASSERT(instrument < e->instrument_count);
	LQ_ASSERT(side == 1 || side == -1);
	/*
	 * Built once per mark and input event, consumed across that event's cascade; any later
	 * event may have opened or changed positions, so it rebuilds.
	 */
	if (c->instrument != instrument || c->side != side || c->epoch != epoch ||
	    c->event != e->stats.events) {
		c->instrument = instrument;
		c->side = side;
		c->epoch = epoch;
		c->event = e->stats.events;
		c->count = lq_adl_heap(e, instrument, side, e->adl_rank, lq_engine_adl_heap(e),
				       e->limits.positions_max);
		c->next = 0;
		c->taken = 0;
	}
	LQ_ASSERT(c->count <= e->limits.positions_max);
	while (c->next < c->count) {
		struct lq_adl_entry *en = lq_adl_heap_at(e->adl_rank, lq_engine_adl_heap(e),
							 c->count, &c->taken, c->next, false);
		const struct lq_position *p = &e->positions[en->position];
		/* skip entries whose position has since closed, flipped or been reused, and those
		 * in liquidation (their quantity is their order's) */
		if (p->instrument == instrument && p->qty != 0 && (p->qty > 0) == (side > 0) &&
		    e->accounts[p->account].id == en->account &&
		    !lq_engine_position_in_flight(e, en->position))
			return en;
		c->next++;
	}
	return NULL;
}

/*
 * Lots (at most `want`) of a counterparty's position that may take a slice of the holder's
 * position at its exact cost without taking the counterparty's equity below zero. When the
 * bankrupt account was already under water the slice costs more than the mark says, a loss
 * against the mark that its equity must bear (one unit kept for the rounding of each term).
 */
static int64_t adl_bearable(const struct lq_engine *e, const struct holder *h,
			    const struct lq_position *c, int64_t want)
{
	const struct lq_instrument *ins = &e->instruments[c->instrument];
	const int64_t mark = lq_instrument_mark(ins), hs = h->pos->qty > 0 ? 1 : -1;
	struct lq_margin m;
	lq_i128 share, vm;

	LQ_ASSERT(want > 0);
	LQ_ASSERT((c->qty > 0) != (h->pos->qty > 0)); /* the opposite side */
	if (c->isolated) {
		if (!lq_account_isolated_margin_at(e, c, mark, &m))
			return 0;
	} else {
		lq_account_margin(e, c->account, ins->settle_asset, &m);
	}
	if (m.equity_units <= 2)
		return 0;
	const lq_i128 budget = ((lq_i128)m.equity_units - 2) * LQ_FINE_ONE;
	/* the loss grows with the lots: the most lots within the budget */
	int64_t lo = 0, hi = want / ins->lot;
	while (lo < hi) {
		const int64_t mid = hi - (hi - lo) / 2, t = mid * ins->lot;
		/* the counterparty closes -hs x t lots and pays the holder's share for them */
		const bool ok = lq_position_cost_share(h->pos->cost, hs * t, h->pos->qty, &share) &&
				!lq_instrument_value_ovf(ins, -hs * t, mark, LQ_ROUND_CEIL, &vm) &&
				vm + share <= budget;
		if (ok)
			lo = mid;
		else
			hi = mid - 1;
	}
	LQ_ASSERT(lo * ins->lot <= want);
	return lo * ins->lot;
}

/*
 * Opposite positions take slices of the holder's position, first in line first, each at
 * exactly the slice's cost (shown at the bankruptcy price). What no counterparty can bear
 * stays with the holder.
 */
static void adl(struct lq_engine *e, struct holder *h, int64_t price, uint64_t liquidated_id)
{
	const uint32_t instrument = h->instrument;
	const struct lq_instrument *ins = &e->instruments[instrument];
	const int hs = h->pos->qty > 0 ? 1 : -1;
	struct lq_adl_entry *en;

	/* each turn moves past a ranking entry or empties the holder: bounded by the ranking */
	for (uint32_t turn = 0; h->pos->qty != 0 && (en = adl_next(e, instrument, -hs)) != NULL;
	     turn++) {
		LQ_ASSERT(turn <= e->limits.positions_max);
		struct lq_position *c = &e->positions[en->position];
		const uint32_t cp = en->position;
		const int64_t want =
		    iabs(c->qty) < iabs(h->pos->qty) ? iabs(c->qty) : iabs(h->pos->qty);
		const int64_t take = adl_bearable(e, h, c, want);
		const uint64_t cid = e->accounts[c->account].id;
		if (take < want || take == iabs(c->qty))
			e->adl_cache.next++;
		if (take == 0)
			continue;
		lq_i128 share;
		const bool ok =
		    lq_position_cost_share(h->pos->cost, hs * take, h->pos->qty, &share);
		LQ_ASSERT(ok); /* adl_bearable computed it */
		/* the counterparty trades hs x take (reducing), paying `share` for it */
		int64_t pnl = 0;
		const uint32_t cacc = c->account;
		if (lq_position_trade_value(e, cp, hs * take, share, 0, LQ_LEDGER_FEES, &pnl) !=
		    LQ_OK)
			break;
		const struct lq_position tmp = lq_engine_position_temp(h->pos->qty, h->pos->cost);
		struct lq_fill_result r;
		const bool done = lq_position_fill_value(ins, &tmp, -hs * take, -share, -1, &r);
		LQ_ASSERT(done);
		LQ_ASSERT(r.realized_fine == 0); /* a slice at its exact cost */
		h->pos->qty = r.qty;
		h->pos->cost = r.cost;
		e->stats.adl_fills++;
		const struct lq_event ev = {.type = LQ_EV_ADL,
					    .instrument = instrument,
					    .account = cid,
					    .other_account = liquidated_id,
					    .qty = hs * take,
					    .price = price,
					    .pnl_units = pnl};
		emit(e, &ev);
		/* a counterparty left flat and below zero by its own earlier fills: written off */
		lq_liq_write_off_flat(e, cacc, ins->settle_asset);
	}
}

/* ---- the waterfall ---- */

/*
 * Under socialize, what of a deficit the book did not take joins the fund's stock in the
 * instrument (offered again at each book update). Netted against an opposite stock, the
 * netting realizes the stock's PnL at the deficit's exact value: a fund_trade of its own.
 * false when the stock cannot hold it (beyond 64-bit lots, or a basis beyond a position's):
 * nothing changed.
 */
static bool stock_add(struct lq_engine *e, struct holder *h, int64_t bk)
{
	const struct lq_instrument *ins = &e->instruments[h->instrument];
	LQ_ASSERT(h->fund >= 0 && h->pos == &h->own && h->own.qty != 0);
	struct lq_fund_position *stock = &e->funds[h->fund].positions[h->instrument];
	const struct lq_position tmp = lq_engine_position_temp(stock->qty, stock->cost);
	struct lq_fill_result r;

	if (!lq_position_fill_value(ins, &tmp, h->own.qty, h->own.cost, -1, &r))
		return false;
	/* the stock is traded through a position (lq_position.cost): within its basis range */
	if (r.cost / LQ_FINE_ONE > INT64_MAX || r.cost / LQ_FINE_ONE < -INT64_MAX)
		return false;
	const bool netting = stock->qty != 0 && (stock->qty > 0) != (h->own.qty > 0);
	const int64_t d = h->own.qty;
	h->own = (struct lq_fund_position){0};
	h->pos = stock;
	if (netting) {
		holder_apply(e, h, &r, d, bk, LQ_FUND_TRADE_NETTING);
	} else {
		LQ_ASSERT(r.realized_fine == 0);
		stock->qty = r.qty;
		stock->cost = r.cost;
	}
	h->pos = &h->own;
	return true;
}

/*
 * The account closed r lots (signed like its position) at their exact bankruptcy value vr,
 * shown at the grid price bk: give that deficit position its owners.
 */
static void waterfall(struct lq_engine *e, uint32_t instrument, uint64_t liquidated_id, int64_t r,
		      lq_i128 vr, int64_t bk)
{
	const struct lq_instrument *ins = &e->instruments[instrument];
	const bool adl_policy = ins->params.deficit == LQ_DEFICIT_ADL;
	struct lq_event held[HELD_MAX];
	struct lq_fill_result fr;
	struct holder h;

	LQ_ASSERT(r != 0);
	/* the deficit position alone, with the fund's money (or none) behind it */
	holder_init(e, &h, instrument, ins->params.fund, false);
	h.held = held;
	/* 1. the fund takes it over at its exact value */
	const struct lq_position empty = {0};
	const bool taken = lq_position_fill_value(ins, &empty, r, vr, -1, &fr);
	LQ_ASSERT(taken); /* an empty position takes any 128-bit value */
	LQ_ASSERT(fr.qty == r && fr.realized_fine == 0);
	h.pos->qty = fr.qty;
	h.pos->cost = fr.cost;
	/* ... and closes it on the book within takeover_band: under adl while it can pay; under
	 * socialize whatever the loss (covered below). With no fund under adl it goes straight
	 * to ADL. */
	if (h.fund >= 0 || !adl_policy)
		holder_close(e, &h, band_limit(ins, bk, r > 0 ? 1 : -1), adl_policy && h.fund >= 0);
	if (h.fund >= 0) {
		e->stats.takeovers++;
		const struct lq_event ev = {.type = LQ_EV_TAKEOVER,
					    .instrument = instrument,
					    .fund = (uint32_t)h.fund,
					    .account = liquidated_id,
					    .qty = r,
					    .price = bk,
					    .fund_delta_units = (int64_t)h.realized};
		emit(e, &ev);
	}
	for (uint32_t i = 0; i < h.held_count; i++)
		emit(e, &held[i]);
	h.held = NULL;
	h.held_count = 0;

	/* 2. the deficit policy, on this deficit only */
	if (h.pos->qty != 0 && adl_policy)
		adl(e, &h, bk, liquidated_id);
	/* 3. what nobody took: the venue at the mark; a fund under socialize keeps it */
	if (h.pos->qty != 0 && (adl_policy || h.fund < 0))
		venue_close(e, &h, bk);
	if (h.pos->qty != 0 && !stock_add(e, &h, bk))
		venue_close(e, &h, bk);
	cover_shortfall(e, &h, !adl_policy);
	/* postconditions: the deficit has an owner, a fund is not below zero */
	LQ_ASSERT(h.own.qty == 0);
	LQ_ASSERT(h.fund < 0 || fund_balance(e, &h) >= 0);
}

void lq_liq_fund_reoffer(struct lq_engine *e, uint32_t instrument)
{
	const struct lq_instrument *ins = &e->instruments[instrument];
	const int64_t mark = lq_instrument_mark(ins);
	const bool adl_policy = ins->params.deficit == LQ_DEFICIT_ADL;
	struct holder h;

	LQ_ASSERT(instrument < e->instrument_count);
	LQ_ASSERT(e->fund_count <= LQ_FUNDS_MAX);
	/* not on a stale or halted instrument: nobody trades on a price it cannot trust */
	if (mark <= 0 || !lq_trigger_tradable(e, instrument))
		return;
	for (uint32_t f = 0; f < e->fund_count; f++) {
		if (e->funds[f].positions[instrument].qty == 0 || !fund_usable(e, (int)f, ins))
			continue;
		holder_init(e, &h, instrument, (int)f, true);
		/* within takeover_band of the mark, the fair value it holds the position at */
		holder_close(e, &h, band_limit(ins, mark, h.pos->qty > 0 ? 1 : -1), adl_policy);
		cover_shortfall(e, &h, !adl_policy);
	}
}

/* ---- a step ---- */

/*
 * Lots to close in a partial step: the fewest whole lots after which, at the mark and after
 * the step's clearance fee, equity covers MM again, or the position sits in a lower risk
 * tier; the whole position otherwise.
 */
static int64_t partial_lots(const struct lq_engine *e, const struct lq_unit *u,
			    const struct lq_position *p)
{
	const struct lq_instrument *ins = &e->instruments[p->instrument];
	const int64_t mark = lq_instrument_mark(ins), q = iabs(p->qty), lots = q / ins->lot;
	lq_i128 n0;

	LQ_ASSERT(p->qty != 0);
	LQ_ASSERT(ins->lot > 0);
	if (lq_instrument_value_ovf(ins, q, mark, LQ_ROUND_FLOOR, &n0))
		return q;
	n0 = n0 < 0 ? -n0 : n0;
	const int64_t mm0 = lq_instrument_mm_units(ins, n0);
	const uint32_t tier0 = lq_instrument_tier_index(ins, n0);
	/* ok(k) is monotone in k, ok(0) fails (the unit is liquidatable), ok(lots) holds */
	int64_t lo = 0, hi = lots;
	while (hi - lo > 1) {
		const int64_t k = lo + (hi - lo) / 2;
		lq_i128 n;
		bool ok = false;
		if (!lq_instrument_value_ovf(ins, q - k * ins->lot, mark, LQ_ROUND_FLOOR, &n)) {
			n = n < 0 ? -n : n;
			/* the step's clearance fee comes out of equity: count it, rounded up */
			lq_i128 fee;
			if (lq_muldiv128_ovf(n0 - n, ins->params.liq_fee_e8,
					     LQ_FINE_ONE * LQ_RATE_ONE, LQ_ROUND_CEIL, &fee))
				fee = (lq_i128)INT64_MAX; /* beyond any equity: not enough */
			ok = (lq_i128)u->equity_units - fee >=
				 (lq_i128)u->mm_units - (mm0 - lq_instrument_mm_units(ins, n)) ||
			     lq_instrument_tier_index(ins, n) < tier0;
		}
		if (ok)
			hi = k;
		else
			lo = k;
	}
	LQ_ASSERT(hi >= 0);
	LQ_ASSERT(hi <= lots);
	return hi * ins->lot;
}

/* The position to close next in a cross unit: the largest MM, ties by instrument. */
static uint32_t pick_position(const struct lq_engine *e, const struct lq_unit *u)
{
	struct lq_account_position_view v;
	uint32_t best = LQ_NIL;
	int64_t best_mm = -1;

	LQ_ASSERT(u->account < e->account_count);
	if (u->isolated)
		return u->ref;
	LQ_ASSERT(u->ref < e->asset_count);
	for (uint32_t p = e->accounts[u->account].pos_head; p != LQ_NIL; p = e->positions[p].next) {
		const struct lq_position *pos = &e->positions[p];
		if (pos->isolated || pos->qty == 0 ||
		    e->instruments[pos->instrument].settle_asset != u->ref ||
		    !lq_trigger_tradable(e, pos->instrument))
			continue;
		lq_account_position_view(e, p, false, &v);
		if (v.mm_units > best_mm) { /* strict: the lower instrument wins ties */
			best_mm = v.mm_units;
			best = p;
		}
	}
	LQ_ASSERT(best == LQ_NIL || e->positions[best].account == u->account);
	return best;
}

/*
 * The exact bankruptcy value of closing x lots of position p of unit u: value(x, mark) less
 * the unit's equity allotted to the close, TNC x |dMM| / TMM rounded up (toward the venue).
 * A position whose value at the mark 128 bits cannot hold is valued at its cost basis.
 */
static lq_i128 bankruptcy_value(const struct lq_engine *e, const struct lq_unit *u, uint32_t p,
				int64_t x)
{
	const struct lq_position *pos = &e->positions[p];
	const struct lq_instrument *ins = &e->instruments[pos->instrument];
	const int64_t mark = lq_instrument_mark(ins);
	struct lq_account_position_view v;
	lq_i128 n_rest, alloc, tnc, vm;

	LQ_ASSERT(x != 0);
	LQ_ASSERT((x > 0) == (pos->qty > 0));
	lq_account_position_view(e, p, false, &v);
	int64_t dmm = v.mm_units;
	if (x != pos->qty &&
	    !lq_instrument_value_ovf(ins, pos->qty - x, mark, LQ_ROUND_FLOOR, &n_rest))
		dmm = v.mm_units - lq_instrument_mm_units(ins, n_rest < 0 ? -n_rest : n_rest);
	/* from the exact equity: rounding it to units first could move the value a tick */
	bool ovf = !lq_account_unit_equity_fine(e, u, &tnc);
	if (!ovf && u->mm_units > 0 && u->mm_units != INT64_MAX)
		ovf = lq_muldiv128_ovf(tnc, dmm, u->mm_units, LQ_ROUND_CEIL, &alloc);
	else if (!ovf)
		ovf = lq_muldiv128_ovf(tnc, x, pos->qty, LQ_ROUND_CEIL, &alloc);
	if (ovf) /* beyond 128 bits: allocate the whole equity to this close (toward the venue) */
		alloc = (lq_i128)u->equity_units * LQ_FINE_ONE;
	if (lq_instrument_value_ovf(ins, x, mark, LQ_ROUND_FLOOR, &vm) ||
	    lq_sub128_ovf(vm, alloc, &vm)) {
		lq_i128 basis;
		const bool ok = lq_position_cost_share(pos->cost, x, pos->qty, &basis);
		return ok ? basis : 0;
	}
	return vm;
}

/* The IOC of one step against the book, and how the step is priced. */
struct ioc {
	int64_t took[LQ_BOOK_LEVELS_MAX]; /* lots taken from each level */
	int64_t left;			  /* lots not filled, signed like x: the deficit position */
	int64_t filled;			  /* lots filled (unsigned) */
	lq_i128 value;			  /* the fills' value, signed like x, fine units */
	lq_i128 notional;		  /* the sum of their absolute values */
	lq_i128 vr;			  /* the deficit position's value, fine units */
	int64_t fee;			  /* the clearance fee, units */
	int64_t avg;			  /* average fill price (a display); 0: nothing filled */
};

/* An IOC closing x lots at the bankruptcy price bk against the n levels lv (best first). */
static void ioc_fill(const struct lq_instrument *ins, const struct lq_book_level *lv, uint32_t n,
		     int64_t x, int64_t bk, lq_i128 target, struct ioc *o)
{
	const int sign = x > 0 ? 1 : -1;

	LQ_ASSERT(n <= LQ_BOOK_LEVELS_MAX);
	LQ_ASSERT(x != 0);
	memset(o, 0, sizeof(*o));
	o->left = x;
	/* at the end of the grid no price reaches the bankruptcy value: nothing can fill */
	const bool reachable =
	    reaches(&(struct reach){.ins = ins, .x = x, .target = target}, bk / ins->tick);
	for (uint32_t i = 0; reachable && i < n && o->left != 0; i++) {
		if (lv[i].qty == 0)
			continue;
		if (!within(sign, lv[i].price, bk))
			break;
		const int64_t take = lv[i].qty < iabs(o->left) ? lv[i].qty : iabs(o->left);
		lq_i128 vf, fv, fn;
		if (lq_instrument_value_ovf(ins, sign * take, lv[i].price, LQ_ROUND_FLOOR, &vf) ||
		    lq_add128_ovf(o->value, vf, &fv) ||
		    lq_add128_ovf(o->notional, vf < 0 ? -vf : vf, &fn))
			break; /* beyond 128 bits: the IOC stops here */
		o->took[i] = take;
		o->left -= sign * take;
		o->filled += take;
		o->value = fv;
		o->notional = fn;
	}
	LQ_ASSERT(o->filled <= iabs(x));
	LQ_ASSERT(o->left == 0 || (o->left > 0) == (x > 0));
}

/*
 * The deficit position's share of the bankruptcy value (rounded toward the venue), the
 * clearance fee (min(surplus over the bankruptcy value, rate x fill notional)) and the
 * average fill price.
 */
static void ioc_price(const struct lq_instrument *ins, int64_t x, lq_i128 target, struct ioc *o)
{
	const int sign = x > 0 ? 1 : -1;
	lq_i128 den;

	o->vr = 0;
	if (o->left == x)
		o->vr = target;
	else if (o->left != 0 && lq_muldiv128_ovf(target, o->left, x, LQ_ROUND_FLOOR, &o->vr))
		o->vr = target; /* cannot happen: |left| < |x| keeps the share within target */
	o->fee = 0;
	o->avg = 0;
	if (o->filled > 0) {
		const lq_i128 surplus = o->value - (target - o->vr);
		const lq_i128 su = surplus > 0 ? surplus / LQ_FINE_ONE : 0;
		const int64_t surplus_units = su > LQ_MONEY_MAX ? LQ_MONEY_MAX : (int64_t)su;
		lq_i128 cap;
		if (lq_muldiv128_ovf(o->notional, ins->params.liq_fee_e8, LQ_FINE_ONE * LQ_RATE_ONE,
				     LQ_ROUND_CEIL, &cap))
			cap = INT64_MAX;
		o->fee = cap < surplus_units ? (int64_t)cap : surplus_units;
		/* average fill price, to the nearest price unit (a display) */
		if (ins->kind == LQ_INSTRUMENT_LINEAR)
			o->avg = (int64_t)lq_div128_round(o->value, (lq_i128)sign * o->filled *
									ins->lin_scale);
		else if (o->value != 0 && !lq_mul128_ovf(ins->inv_den, o->value, &den))
			/* (a value that rounds to 0, or beyond 128 bits, has no average to show) */
			o->avg = (int64_t)lq_div128_round(-(lq_i128)sign * o->filled * ins->inv_num,
							  den);
	}
	LQ_ASSERT(o->fee >= 0);
	LQ_ASSERT(o->fee <= LQ_MONEY_MAX);
}

/*
 * The account's money stays within the safe range (a position marked thousands of times from
 * its price, a book far from the valuation, an 18-decimal asset): first without the book's
 * fills, then by moving the deficit position's value, the difference being the holder's.
 * Within the range this changes nothing. false when the close cannot be represented.
 */
static bool ioc_keep_in_range(const struct lq_engine *e, const struct lq_position *pos, int64_t x,
			      lq_i128 target, struct ioc *o)
{
	const struct lq_instrument *ins = &e->instruments[pos->instrument];
	lq_i128 share;

	if (!lq_position_cost_share(pos->cost, x, pos->qty, &share))
		return false;
	const int64_t held = pos->isolated ? pos->margin_units
					   : *lq_engine_balance(e, pos->account, ins->settle_asset);
	const int64_t due = lq_position_funding_due(e, pos);
	lq_i128 after = (lq_i128)held - due +
			lq_instrument_fine_to_units(o->value + o->vr - share, LQ_ROUND_FLOOR) -
			o->fee;
	if ((after > LQ_MONEY_MAX || after < -LQ_MONEY_MAX) && o->filled > 0) {
		memset(o, 0, sizeof(*o));
		o->left = x;
		o->vr = target;
		after = (lq_i128)held - due +
			lq_instrument_fine_to_units(o->vr - share, LQ_ROUND_FLOOR);
	}
	if (o->left != 0 && after > LQ_MONEY_MAX)
		o->vr -= (after - LQ_MONEY_MAX) * LQ_FINE_ONE;
	else if (o->left != 0 && after < -LQ_MONEY_MAX)
		o->vr += (-LQ_MONEY_MAX - after) * LQ_FINE_ONE;
	LQ_ASSERT(o->filled <= iabs(x));
	return true;
}

/*
 * Close x lots of position p (one step); *deficit tells whether part of it went to the
 * waterfall. false when the close cannot be represented (nothing changed).
 */
static bool close_step(struct lq_engine *e, const struct lq_unit *u, uint32_t p, int64_t x,
		       bool *deficit)
{
	struct lq_position *pos = &e->positions[p];
	const uint32_t instrument = pos->instrument;
	struct lq_instrument *ins = &e->instruments[instrument];
	const uint32_t account = pos->account;
	const uint64_t id = e->accounts[account].id;
	struct ioc o;
	uint32_t n;

	LQ_ASSERT(x != 0);
	LQ_ASSERT((x > 0) == (pos->qty > 0));
	LQ_ASSERT(iabs(x) <= iabs(pos->qty));
	const lq_i128 target = bankruptcy_value(e, u, p, x);
	const int64_t bk = bankruptcy_price(ins, x, target);
	/* an IOC at the bankruptcy price against the book, decided before anything changes */
	struct lq_book_level *lv = book_side(ins, x > 0 ? 1 : -1, &n);
	ioc_fill(ins, lv, n, x, bk, target, &o);
	ioc_price(ins, x, target, &o);
	if (!ioc_keep_in_range(e, pos, x, target, &o))
		return false;
	const int f = ins->params.fund;
	const bool to_fund = fund_usable(e, f, ins);
	const uint32_t fee_slot = to_fund ? LQ_LEDGER_FUND0 + (uint32_t)f : LQ_LEDGER_FEES;
	/* one trade of the account's: fills at the book's prices, the rest at its exact value;
	 * the fee from the position's holder (its margin while isolated) */
	int64_t pnl = 0;
	if (lq_position_trade_value(e, p, -x, -(o.value + o.vr), o.fee, fee_slot, &pnl) != LQ_OK)
		return false;
	for (uint32_t i = 0; i < n; i++)
		lv[i].qty -= o.took[i];
	e->stats.liquidations++;
	const struct lq_event ev = {.type = LQ_EV_LIQUIDATION,
				    .instrument = instrument,
				    .fund = to_fund ? (uint32_t)f : 0,
				    .account = id,
				    .qty = -x,
				    .price = bk,
				    .filled_qty = o.filled,
				    .avg_price = o.avg,
				    .amount_units = o.fee,
				    .fund_delta_units = to_fund ? o.fee : 0,
				    .pnl_units = pnl};
	emit(e, &ev);
	lq_watch_touch(e, account);
	/* flat now and below zero: from its own earlier fills, or the last unit the floors of an
	 * inverse multi-level IOC can leave */
	lq_liq_write_off_flat(e, account, ins->settle_asset);
	*deficit = o.left != 0;
	if (o.left != 0)
		waterfall(e, instrument, id, o.left, o.vr, bk);
	return true;
}

/* ---- the external venue: orders in flight ---- */

static struct lq_liq_order *order_slot(struct lq_engine *e, uint64_t id)
{
	LQ_ASSERT(id >= 1);
	LQ_ASSERT(e->orders_cap > 0);
	return &e->orders[(id - 1) % e->orders_cap];
}

/* Order id's own slot while it is in flight, else NULL (ended, recycled or skipped). */
static struct lq_liq_order *order_in_flight(struct lq_engine *e, uint64_t id)
{
	struct lq_liq_order *o = order_slot(e, id);
	return o->id == id && !o->ended ? o : NULL;
}

/*
 * Send the IOC closing x lots of position p of unit u to the venue: the position is in
 * liquidation from now on. Priced as close_step prices the engine's own IOC (the exact
 * bankruptcy value of the close, its grid price the limit), before anything changes. false
 * when the close cannot be represented or the order table is full (nothing changed).
 */
static bool order_send(struct lq_engine *e, const struct lq_unit *u, uint32_t p, int64_t x)
{
	const struct lq_position *pos = &e->positions[p];
	const struct lq_instrument *ins = &e->instruments[pos->instrument];
	struct lq_fill_result r;
	lq_i128 share;

	LQ_ASSERT(x != 0);
	LQ_ASSERT((x > 0) == (pos->qty > 0));
	LQ_ASSERT(!lq_engine_position_in_flight(e, p));
	if (lq_engine_orders_full(e))
		return false;
	const lq_i128 target = bankruptcy_value(e, u, p, x);
	const int64_t bk = bankruptcy_price(ins, x, target);
	/* the close the settlement makes, checked now: the position does not change in flight */
	if (!lq_position_cost_share(pos->cost, x, pos->qty, &share) ||
	    !lq_position_fill_value(ins, pos, -x, -target, 0, &r))
		return false;
	/* the next id whose slot is free: one exists (not full), within orders_cap ids */
	for (uint32_t k = 0; k < e->orders_cap; k++) {
		const struct lq_liq_order *busy = order_slot(e, e->order_next_id);
		if (busy->id == 0 || busy->ended)
			break;
		e->order_next_id++;
	}
	const uint64_t id = e->order_next_id++;
	const uint32_t slot = (uint32_t)((id - 1) % e->orders_cap);
	LQ_ASSERT(e->orders[slot].id == 0 || e->orders[slot].ended);
	e->orders[slot] = (struct lq_liq_order){
	    .target = target, .id = id, .x = x, .bk = bk, .sent_ns = e->now_ns, .position = p};
	e->pos_order[p] = slot + 1;
	e->orders_in_flight++;
	e->stats.orders_sent++;
	if (lq_engine_orders_full(e))
		e->stats.orders_ring_full++;
	const struct lq_event ev = {.type = LQ_EV_LIQ_ORDER,
				    .instrument = pos->instrument,
				    .account = e->accounts[pos->account].id,
				    .order_id = id,
				    .qty = -x,
				    .price = bk};
	emit(e, &ev);
	lq_watch_touch(e, pos->account);
	LQ_ASSERT(lq_engine_position_in_flight(e, p));
	return true;
}

/*
 * Settle an order that ended, as close_step settles the engine's own IOC: the account closes
 * x in one trade, the venue's fills at their prices and the rest (the deficit position) at
 * its share of the exact bankruptcy value fixed when the order was sent; the clearance fee
 * is min(the fills' surplus, fee rate x their notional); then the deficit's waterfall (the
 * fund's own close trades on the engine's copy of the book, as in the engine's mode).
 */
static void order_settle(struct lq_engine *e, const struct lq_liq_order *o, enum lq_liq_end how)
{
	const uint32_t p = o->position;
	struct lq_position *pos = &e->positions[p];
	const uint32_t instrument = pos->instrument, account = pos->account;
	const struct lq_instrument *ins = &e->instruments[instrument];
	const uint64_t id = e->accounts[account].id;
	const int64_t x = o->x;
	struct ioc io;

	LQ_ASSERT(pos->qty != 0 && (pos->qty > 0) == (x > 0));
	LQ_ASSERT(iabs(x) <= iabs(pos->qty));
	LQ_ASSERT(o->filled >= 0 && o->filled <= iabs(x));
	memset(&io, 0, sizeof(io));
	io.filled = o->filled;
	io.left = x - (x > 0 ? o->filled : -o->filled);
	io.value = o->value;
	io.notional = o->notional;
	ioc_price(ins, x, o->target, &io);
	const bool fits = ioc_keep_in_range(e, pos, x, o->target, &io);
	LQ_ASSERT(fits); /* order_send checked the cost share; the position has not changed */
	const int f = ins->params.fund;
	const bool to_fund = fund_usable(e, f, ins);
	const uint32_t fee_slot = to_fund ? LQ_LEDGER_FUND0 + (uint32_t)f : LQ_LEDGER_FEES;
	int64_t pnl = 0;
	const enum lq_status st =
	    lq_position_trade_value(e, p, -x, -(io.value + io.vr), io.fee, fee_slot, &pnl);
	LQ_ASSERT(st == LQ_OK); /* the money stays within the safe range (ioc_keep_in_range) */
	e->stats.liquidations++;
	const struct lq_event ev = {.type = LQ_EV_LIQUIDATION,
				    .instrument = instrument,
				    .fund = to_fund ? (uint32_t)f : 0,
				    .status = (uint16_t)how,
				    .order_id = o->id,
				    .account = id,
				    .qty = -x,
				    .price = o->bk,
				    .filled_qty = io.filled,
				    .avg_price = io.avg,
				    .amount_units = io.fee,
				    .fund_delta_units = to_fund ? io.fee : 0,
				    .pnl_units = pnl};
	emit(e, &ev);
	lq_watch_touch(e, account);
	lq_liq_write_off_flat(e, account, ins->settle_asset);
	if (io.left != 0)
		waterfall(e, instrument, id, io.left, io.vr, o->bk);
}

/* An order ends (done, cancelled, timed out): its position leaves liquidation and settles. */
static void order_end(struct lq_engine *e, struct lq_liq_order *o, enum lq_liq_end how)
{
	const bool was_full = lq_engine_orders_full(e);

	LQ_ASSERT(!o->ended);
	LQ_ASSERT(e->orders_in_flight > 0);
	LQ_ASSERT(e->pos_order[o->position] == (uint32_t)((o->id - 1) % e->orders_cap) + 1);
	e->pos_order[o->position] = 0;
	o->ended = true;
	e->orders_in_flight--;
	if (how == LQ_LIQ_END_FILLED)
		e->stats.orders_filled++;
	else if (how == LQ_LIQ_END_CANCELLED)
		e->stats.orders_cancelled++;
	else
		e->stats.orders_expired++;
	order_settle(e, o, how);
	/* the head moves past ids no longer in flight (amortized: each id once) */
	while (e->order_head_id < e->order_next_id && !order_in_flight(e, e->order_head_id))
		e->order_head_id++;
	/* liquidations that waited for a slot: every unit is re-checked (a rare event) */
	if (was_full)
		for (uint32_t a = 0; a < e->account_count; a++)
			lq_watch_touch(e, a);
}

/* A fill's own figures against its order: LQ_OK, or why it is refused. */
static enum lq_status fill_check(const struct lq_instrument *ins, const struct lq_liq_order *o,
				 const struct lq_cmd *c)
{
	LQ_ASSERT(!o->ended);
	if (c->qty < 0 || c->amount < 0 || (c->qty == 0 && c->amount != 0) ||
	    (c->qty > 0 && c->price <= 0))
		return LQ_E_BAD_VALUE;
	if (!lq_instrument_on_lot(ins, c->qty) || !lq_instrument_on_lot(ins, c->amount))
		return LQ_E_OFF_GRID_QTY;
	if (c->qty > 0 && !lq_instrument_on_tick(ins, c->price))
		return LQ_E_OFF_GRID_PRICE;
	/* as an account's fill: a price implausibly far from the mark is refused, never booked
	 * (nor dropped later by the settlement's safe-range guard) */
	if (c->qty > 0 && !lq_instrument_in_fill_band(ins, c->price))
		return LQ_E_PRICE_BAND;
	const int64_t left = iabs(o->x) - o->filled;
	LQ_ASSERT(left > 0); /* an order with nothing left has ended */
	if (c->qty > left)
		return LQ_E_OVERFILL;
	/* leaves 0 ends the order (the rest cancelled); else it must be what is left after it */
	if (c->amount != 0 && c->amount != left - c->qty)
		return LQ_E_FILL_LEAVES;
	if (c->qty > 0 && !within(o->x > 0 ? 1 : -1, c->price, o->bk))
		return LQ_E_FILL_PRICE;
	return LQ_OK;
}

enum lq_status lq_liq_order_fill(struct lq_engine *e, const struct lq_cmd *c)
{
	const uint64_t id = c->account;
	lq_i128 vf = 0, value, notional;

	LQ_ASSERT(c->type == LQ_CMD_LIQ_FILL);
	LQ_ASSERT(c->instrument < e->instrument_count);
	if (id == 0 || id >= e->order_next_id)
		return LQ_E_UNKNOWN_ORDER;
	struct lq_liq_order *o = id < e->order_head_id ? NULL : order_in_flight(e, id);
	if (!o) /* a skipped id (its slot held an older order) is no order: unknown */
		return order_slot(e, id)->id < id ? LQ_E_UNKNOWN_ORDER : LQ_E_ORDER_ENDED;
	const struct lq_position *pos = &e->positions[o->position];
	if (pos->instrument != c->instrument)
		return LQ_E_UNKNOWN_ORDER; /* not an order of this instrument */
	const struct lq_instrument *ins = &e->instruments[c->instrument];
	enum lq_status st = fill_check(ins, o, c);
	if (st != LQ_OK)
		return st;
	const int sign = o->x > 0 ? 1 : -1;
	if (c->qty > 0 &&
	    lq_instrument_value_ovf(ins, sign * c->qty, c->price, LQ_ROUND_FLOOR, &vf))
		return LQ_E_OVERFLOW;
	if (lq_add128_ovf(o->value, vf, &value) ||
	    lq_add128_ovf(o->notional, vf < 0 ? -vf : vf, &notional))
		return LQ_E_OVERFLOW;
	o->filled += c->qty;
	o->value = value;
	o->notional = notional;
	o->fills++;
	e->stats.liq_fills += c->qty > 0;
	const struct lq_event ev = {.type = LQ_EV_LIQ_FILL,
				    .instrument = c->instrument,
				    .account = e->accounts[pos->account].id,
				    .order_id = id,
				    .qty = -sign * c->qty,
				    .price = c->qty > 0 ? c->price : 0,
				    .filled_qty = c->amount};
	emit(e, &ev);
	if (c->amount == 0)
		order_end(e, o, o->filled == iabs(o->x) ? LQ_LIQ_END_FILLED : LQ_LIQ_END_CANCELLED);
	return LQ_OK;
}

void lq_liq_orders_expire(struct lq_engine *e)
{
	LQ_ASSERT(e->fill_timeout_ns > 0);
	/* oldest first: orders are sent in clock order, the first not yet due ends the scan */
	for (uint64_t id = e->order_head_id; id < e->order_next_id && e->orders_in_flight; id++) {
		struct lq_liq_order *o = order_in_flight(e, id);
		if (!o)
			continue;
		if (e->now_ns - o->sent_ns < e->fill_timeout_ns)
			break;
		order_end(e, o, LQ_LIQ_END_EXPIRED);
	}
}

void lq_liq_write_off_flat(struct lq_engine *e, uint32_t account, uint32_t asset)
{
	struct lq_account *acc = &e->accounts[account];

	LQ_ASSERT(account < e->account_count && asset < e->asset_count);
	if (*lq_engine_balance(e, account, asset) >= 0)
		return;
	for (uint32_t p = acc->pos_head; p != LQ_NIL; p = e->positions[p].next)
		if (e->positions[p].qty != 0 &&
		    e->instruments[e->positions[p].instrument].settle_asset == asset)
			return; /* not flat in this asset */
	/* money parked in flat isolated margins is the account's: it pays first */
	lq_position_release_flat_isolated(e, account, asset);
	if (*lq_engine_balance(e, account, asset) >= 0)
		return;
	const int64_t amount = -*lq_engine_balance(e, account, asset);
	const bool ok = lq_ledger_credit(e, account, asset, amount, LQ_LEDGER_BAD_DEBT);
	LQ_ASSERT(ok);
	LQ_ASSERT(*lq_engine_balance(e, account, asset) == 0);
	e->stats.bad_debts++;
	const struct lq_event ev = {.type = LQ_EV_BAD_DEBT,
				    .instrument = LQ_NIL,
				    .asset = asset,
				    .account = acc->id,
				    .amount_units = amount};
	emit(e, &ev);
}

void lq_liq_unit(struct lq_engine *e, const struct lq_unit *unit)
{
	struct lq_unit u = *unit;
	uint8_t partials[LQ_INSTRUMENTS_MAX] = {0}; /* partial steps taken, per instrument */

	/*
	 * A partial step (DESIGN 1.6) is followed by another only while the book filled the last
	 * one whole: a step whose rest went to the fund or ADL at the bankruptcy price does not
	 * improve the ratio, so the next step closes the position whole. At most PARTIAL_MAX
	 * partial steps per position (one per risk tier it can step down, and one more), then a
	 * whole close: the loop is bounded by the positions of the unit.
	 */
	enum { PARTIAL_MAX = LQ_TIERS_MAX + 1 };
	for (uint32_t step = 0;; step++) {
		LQ_ASSERT(step <= LQ_INSTRUMENTS_MAX * (PARTIAL_MAX + 1));
		if (!lq_trigger_unit_liquidatable(e, &u))
			return;
		const uint32_t p = pick_position(e, &u);
		if (p == LQ_NIL) {
			if (!u.isolated)
				lq_liq_write_off_flat(e, u.account, u.ref);
			return;
		}
		const struct lq_position *pos = &e->positions[p];
		if (pos->qty == 0 || !lq_trigger_tradable(e, pos->instrument))
			return;
		const struct lq_instrument *ins = &e->instruments[pos->instrument];
		uint8_t *done = &partials[pos->instrument];
		int64_t x = pos->qty;
		if (ins->params.partial && *done < PARTIAL_MAX) {
			const int64_t k = partial_lots(e, &u, pos);
			if (k > 0 && k < iabs(pos->qty)) {
				x = pos->qty > 0 ? k : -k;
				e->stats.partial_liquidations++;
			}
		}
		/* an external venue fills it: the unit waits for the order's end */
		if (e->venue_mode == LQ_VENUE_EXTERNAL) {
			order_send(e, &u, p, x);
			return;
		}
		bool deficit = false;
		if (!close_step(e, &u, p, x, &deficit))
			return; /* unrepresentable: nothing changed */
		*done = deficit ? PARTIAL_MAX : *done + 1;
	}
}
