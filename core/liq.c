/* SPDX-License-Identifier: MIT */
/*
 * Liquidation (DESIGN 1.6) and the deficit waterfall (DESIGN 1.7).
 *
 * A step closes x lots of one position: an IOC against the book limited at the bankruptcy
 * price for x; the surplus of fills better than it pays the clearance fee to the fund; the
 * unfilled rest is the deficit position. The fund takes it over at the bankruptcy price and
 * closes it on the book within takeover_band while it can pay (fund_cap per event); what is
 * left goes to ADL (closed against ranked opposite positions at the bankruptcy price) or, under
 * `socialize`, the fund keeps closing on the book and the loss it cannot pay is charged pro
 * rata to profitable positions, the rest being bad debt. Every money movement is a ledger
 * transfer.
 *
 * A holder of deficit positions is a fund, or the house when the instrument has none (the
 * house has no money: its gains and losses land in the bad-debt ledger account).
 */
#include "lq/assert.h"
#include "lq/engine.h"
#include "engine_private.h"
#include "trigger_private.h"

#define SEARCH_MARK_MULTIPLE 100000

struct holder {
	int fund; /* -1: the house */
	uint32_t slot;
	struct lq_fund_position *pos;
};

static void emit(struct lq_engine *e, const struct lq_event *ev)
{
	if (e->sink)
		e->sink(e->sink_ctx, ev);
}

static int64_t iabs(int64_t v)
{
	return v < 0 ? -v : v;
}

static struct holder holder_for(struct lq_engine *e, uint32_t instrument)
{
	const struct lq_instrument *ins = &e->instruments[instrument];
	int f = ins->params.fund;

	if (f >= 0 && e->funds[f].defined && e->funds[f].asset == ins->settle_asset)
		return (struct holder){.fund = f,
				       .slot = LQ_LEDGER_FUND0 + (uint32_t)f,
				       .pos = &e->funds[f].positions[instrument]};
	return (struct holder){
	    .fund = -1, .slot = LQ_LEDGER_BAD_DEBT, .pos = &e->house[instrument]};
}

static int64_t fund_balance(const struct lq_engine *e, const struct holder *h, uint32_t asset)
{
	if (h->fund < 0)
		return 0;
	lq_i128 b = e->ledger.total[h->slot][asset];
	return b > INT64_MAX ? INT64_MAX : (int64_t)b;
}

/* What the holder may still pay in this event: its balance, within fund_cap. */
static int64_t holder_available(const struct lq_engine *e, const struct holder *h,
				const struct lq_instrument *ins)
{
	int64_t avail = fund_balance(e, h, ins->settle_asset);
	const int64_t cap = ins->params.fund_cap_units;

	if (h->fund >= 0 && cap >= 0) {
		int64_t left = cap - e->funds[h->fund].paid_this_event_units;
		if (left < avail)
			avail = left;
	}
	return avail < 0 ? 0 : avail;
}

/*
 * A trade of the holder's position. Its realized PnL moves between the venue and the holder's
 * ledger slot, rounded toward zero (the holder is the venue's side, not an account holder).
 */
static int64_t holder_trade(struct lq_engine *e, const struct holder *h, uint32_t instrument,
			    int64_t d, int64_t price)
{
	const struct lq_instrument *ins = &e->instruments[instrument];
	struct lq_position tmp = {.qty = h->pos->qty, .cost = h->pos->cost};
	struct lq_fill_result r;
	int64_t realized;

	if (!lq_fill_compute(ins, &tmp, d, price, &r))
		return 0; /* unrepresentable: leave the position (cannot happen within limits) */
	realized = (int64_t)(r.realized_fine / LQ_FINE_ONE);
	h->pos->qty = r.qty;
	h->pos->cost = r.cost;
	lq_ledger_move(e, LQ_LEDGER_VENUE, h->slot, ins->settle_asset, realized);
	if (h->fund >= 0 && realized < 0)
		e->funds[h->fund].paid_this_event_units += -realized;
	return realized;
}

/* ---- bankruptcy price ---- */

static int64_t search_hi_k(const struct lq_instrument *ins, int64_t x, int64_t mark)
{
	int64_t hi = INT64_MAX / ins->tick / 2;
	lq_i128 v;

	if ((lq_i128)mark * SEARCH_MARK_MULTIPLE / ins->tick < hi)
		hi = (int64_t)((lq_i128)mark * SEARCH_MARK_MULTIPLE / ins->tick);
	if (hi < 2)
		hi = 2;
	while (hi > 2 && (lq_value_ovf(ins, x, hi * ins->tick, LQ_ROUND_FLOOR, &v) ||
			  v / LQ_FINE_ONE > INT64_MAX / 4 || v / LQ_FINE_ONE < -(INT64_MAX / 4)))
		hi /= 2;
	return hi;
}

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

	if (lq_value_ovf(r->ins, r->x, k * r->ins->tick, LQ_ROUND_FLOOR, &v))
		return r->x <
		       0; /* beyond the range: a long's value is huge, a short's very negative */
	return v >= r->target;
}

static bool falls_short(const void *ctx, int64_t k)
{
	return !reaches(ctx, k);
}

/*
 * The price at which closing x lots (signed like the position) realizes value(x, mark) -
 * alloc: a long's rounded up, a short's down (toward the venue), within [tick, hi].
 */
static int64_t bankruptcy_price(const struct lq_instrument *ins, int64_t x, int64_t mark,
				lq_i128 alloc_fine)
{
	const int64_t hi = search_hi_k(ins, x, mark);
	lq_i128 vm;

	if (lq_value_ovf(ins, x, mark, LQ_ROUND_FLOOR, &vm))
		return mark;
	const struct reach r = {.ins = ins, .x = x, .target = vm - alloc_fine};
	if (x > 0) {
		/* value rises with the price: the lowest grid price reaching the target */
		int64_t k = lq_search_first(1, hi, reaches, &r);
		return (k > hi ? hi : k) * ins->tick;
	}
	/* value falls with the price: the highest grid price still reaching it */
	int64_t k = lq_search_first(1, hi, falls_short, &r) - 1;
	return (k < 1 ? 1 : k) * ins->tick;
}

/* ---- the book ---- */

/* Levels a close of a position with sign `sign` trades against: bids for a long. */
static struct lq_book_level *book_side(struct lq_instrument *ins, int sign, uint32_t *n)
{
	if (sign > 0) {
		*n = ins->book.bid_count;
		return ins->book.bids;
	}
	*n = ins->book.ask_count;
	return ins->book.asks;
}

/* Is a level's price at or better than limit for a close of a position with sign? */
static bool within(int sign, int64_t price, int64_t limit)
{
	return sign > 0 ? price >= limit : price <= limit;
}

/* ---- socialized loss ---- */

/*
 * Charge `loss` units to the positions of the instrument in profit, pro rata to their
 * unrealized PnL, each share rounded up and capped at its profit; collected into `to_slot`.
 * Returns what was collected (may exceed loss by the rounding, never a position's profit).
 */
static int64_t socialize(struct lq_engine *e, uint32_t instrument, int64_t loss, uint32_t to_slot)
{
	struct lq_position_view v;
	lq_i128 total = 0, collected = 0;

	if (loss <= 0)
		return 0;
	for (uint32_t p = e->inst_head[instrument]; p != LQ_NIL; p = e->positions[p].inst_next) {
		if (e->positions[p].qty == 0)
			continue;
		lq_position_view(e, p, false, &v);
		if (v.upnl_units > 0)
			total += v.upnl_units;
	}
	if (total == 0)
		return 0;
	for (uint32_t p = e->inst_head[instrument]; p != LQ_NIL; p = e->positions[p].inst_next) {
		struct lq_position *pos = &e->positions[p];
		if (pos->qty == 0)
			continue;
		lq_position_view(e, p, false, &v);
		if (v.upnl_units <= 0)
			continue;
		int64_t share = v.upnl_units;
		if (total > loss)
			share = (int64_t)lq_div128_ceil((lq_i128)loss * v.upnl_units, total);
		if (share > v.upnl_units)
			share = v.upnl_units;
		if (share <= 0 || !lq_holder_credit(e, pos, -share, to_slot))
			continue;
		collected += share;
		lq_trigger_touch(e, pos->account);
		e->stats.socialized_charges++;
		struct lq_event ev = {.type = LQ_EV_SOCIALIZED_LOSS,
				      .instrument = instrument,
				      .account = e->accounts[pos->account].id,
				      .amount_units = share};
		emit(e, &ev);
	}
	return (int64_t)collected;
}

/*
 * After a holder's losses: socialize what it could not pay (under the socialize policy), the
 * rest is bad debt. A fund never stays below zero: netting a taken-over position against one
 * it still held can realize a loss outside the takeover's payment limit, and that is covered
 * here too.
 */
static void cover_shortfall(struct lq_engine *e, const struct holder *h, uint32_t instrument,
			    int64_t loss_units, bool may_socialize)
{
	const struct lq_instrument *ins = &e->instruments[instrument];
	const uint32_t asset = ins->settle_asset;
	int64_t shortfall;

	if (h->fund >= 0) {
		lq_i128 bal = e->ledger.total[h->slot][asset];
		shortfall = bal < 0 ? (int64_t)-bal : 0;
		const int64_t cap = ins->params.fund_cap_units;
		int64_t over = cap >= 0 ? e->funds[h->fund].paid_this_event_units - cap : 0;
		if (over > shortfall)
			shortfall = over;
	} else {
		shortfall = may_socialize ? loss_units : 0; /* the house has nothing */
	}
	if (shortfall <= 0)
		return;
	int64_t got = may_socialize ? socialize(e, instrument, shortfall, h->slot) : 0;
	if (h->fund >= 0 && got > 0) {
		/* the shares refund the fund's payment beyond its cap (the excess stays in it) */
		int64_t refund = got < shortfall ? got : shortfall;
		e->funds[h->fund].paid_this_event_units -= refund;
	}
	if (got >= shortfall)
		return;
	int64_t bad = shortfall - got;
	/* the fund is made whole from bad debt; for the house the slot already carries it */
	if (h->fund >= 0) {
		lq_ledger_move(e, LQ_LEDGER_BAD_DEBT, h->slot, asset, bad);
		e->funds[h->fund].paid_this_event_units -= bad;
	}
	e->stats.bad_debts++;
	struct lq_event ev = {
	    .type = LQ_EV_BAD_DEBT, .instrument = instrument, .amount_units = bad};
	emit(e, &ev);
}

/* ---- the holder closes on the book ---- */

/*
 * Close as much of the holder's position as the book takes at or better than limit, paying
 * losses only while it can (pay_limited) — the takeover — or whatever they are (socialize,
 * the caller covers the shortfall). Returns the realized PnL (units, + gain) and adds the
 * losses to *loss.
 */
static int64_t holder_close(struct lq_engine *e, const struct holder *h, uint32_t instrument,
			    int64_t limit, bool pay_limited, int64_t *loss)
{
	struct lq_instrument *ins = &e->instruments[instrument];
	int64_t realized = 0;
	uint32_t n;

	if (h->pos->qty == 0)
		return 0;
	const int sign = h->pos->qty > 0 ? 1 : -1;
	struct lq_book_level *lv = book_side(ins, sign, &n);
	for (uint32_t i = 0; i < n && h->pos->qty != 0; i++) {
		if (lv[i].qty == 0)
			continue;
		if (limit > 0 && !within(sign, lv[i].price, limit))
			break;
		int64_t take = lv[i].qty < iabs(h->pos->qty) ? lv[i].qty : iabs(h->pos->qty);
		if (pay_limited) {
			/* the most lots whose loss the holder can still pay (loss grows with lots)
			 */
			int64_t avail = holder_available(e, h, ins), lo = 0, hi = take / ins->lot;
			struct lq_position tmp = {.qty = h->pos->qty, .cost = h->pos->cost};
			struct lq_fill_result r;
			while (lo < hi) {
				int64_t mid = hi - (hi - lo) / 2;
				bool ok = lq_fill_compute(ins, &tmp, -sign * mid * ins->lot,
							  lv[i].price, &r) &&
					  -(r.realized_fine / LQ_FINE_ONE) <= avail;
				if (ok)
					lo = mid;
				else
					hi = mid - 1;
			}
			take = lo * ins->lot;
			if (take == 0)
				break;
		}
		int64_t rz = holder_trade(e, h, instrument, -sign * take, lv[i].price);
		realized += rz;
		if (rz < 0)
			*loss += -rz;
		lv[i].qty -= take;
		if (pay_limited && take < lv[i].qty + take && h->pos->qty != 0 &&
		    holder_available(e, h, ins) == 0)
			break;
	}
	return realized;
}

/* ---- ADL ---- */

/* The ranking of one side, first in line first. */
static struct lq_adl_entry *adl_next(struct lq_engine *e, uint32_t instrument, int side)
{
	struct lq_adl_rank_cache *c = &e->adl_cache;
	const uint64_t epoch = e->rank_epoch[instrument] * 2 + 1;

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
		c->count = lq_adl_rank(e, instrument, side, e->adl_rank, e->limits.positions_max);
		c->next = 0;
	}
	while (c->next < c->count) {
		struct lq_adl_entry *en = &e->adl_rank[c->next];
		const struct lq_position *p = &e->positions[en->position];
		/* skip entries whose position has since closed, flipped or been reused */
		if (p->instrument == instrument && p->qty != 0 && (p->qty > 0) == (side > 0) &&
		    e->accounts[p->account].id == en->account)
			return en;
		c->next++;
	}
	return NULL;
}

/*
 * Lots (at most `want`) of a counterparty's position that ADL at `price` may close without
 * taking its equity below zero. When the bankrupt account was already under water, its
 * bankruptcy price lies beyond the mark and the close realizes a loss against the mark for
 * the counterparty; its equity bounds that loss (one unit kept for the rounding of each term).
 */
static int64_t adl_bearable(const struct lq_engine *e, const struct lq_position *c, int64_t want,
			    int64_t price)
{
	const struct lq_instrument *ins = &e->instruments[c->instrument];
	const int64_t mark = lq_instrument_mark(ins), sign = c->qty > 0 ? 1 : -1;
	struct lq_margin m;
	lq_i128 vp, vm;

	if (c->isolated) {
		if (!lq_isolated_margin_at(e, c, mark, &m))
			return 0;
	} else {
		lq_account_margin(e, c->account, ins->settle_asset, &m);
	}
	if (m.equity_units <= 0)
		return 0;
	const lq_i128 budget = ((lq_i128)m.equity_units - 2) * LQ_FINE_ONE;
	/* the loss grows with the lots closed: the most lots within the budget */
	int64_t lo = 0, hi = want / ins->lot;
	while (lo < hi) {
		int64_t mid = hi - (hi - lo) / 2, x = sign * mid * ins->lot;
		bool ok = !lq_value_ovf(ins, x, price, LQ_ROUND_FLOOR, &vp) &&
			  !lq_value_ovf(ins, x, mark, LQ_ROUND_CEIL, &vm) && vm - vp <= budget;
		if (ok)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo * ins->lot;
}

/*
 * Close the holder's deficit against opposite positions, first in line first, at price.
 * What no counterparty can bear stays with the holder.
 */
static void adl(struct lq_engine *e, const struct holder *h, uint32_t instrument, int64_t price,
		uint64_t liquidated_id)
{
	const int side = h->pos->qty > 0 ? -1 : 1; /* counterparties hold the other side */
	struct lq_adl_entry *en;

	while (h->pos->qty != 0 && (en = adl_next(e, instrument, side)) != NULL) {
		struct lq_position *c = &e->positions[en->position];
		const uint32_t cp = en->position;
		int64_t take = iabs(c->qty) < iabs(h->pos->qty) ? iabs(c->qty) : iabs(h->pos->qty);
		/* never more than the counterparty's equity can bear at this price */
		take = adl_bearable(e, c, take, price);
		const int64_t c_trade = c->qty > 0 ? -take : take;
		const uint64_t cid = e->accounts[c->account].id;
		if (take == iabs(c->qty) || take == 0)
			e->adl_cache.next++;
		if (take == 0)
			continue;
		if (lq_position_trade(e, cp, c_trade, price, 0, LQ_LEDGER_FEES, NULL) != LQ_OK)
			break;
		holder_trade(e, h, instrument, -c_trade, price);
		e->stats.adl_fills++;
		struct lq_event ev = {.type = LQ_EV_ADL,
				      .instrument = instrument,
				      .account = cid,
				      .other_account = liquidated_id,
				      .qty = c_trade,
				      .price = price};
		emit(e, &ev);
	}
}

/* ---- the waterfall ---- */

static void waterfall(struct lq_engine *e, uint32_t p, int64_t r, int64_t price)
{
	struct lq_position *pos = &e->positions[p];
	const uint32_t instrument = pos->instrument;
	struct lq_instrument *ins = &e->instruments[instrument];
	const uint64_t id = e->accounts[pos->account].id;
	struct holder h = holder_for(e, instrument);
	int64_t loss = 0;

	/* 1. takeover at the bankruptcy price: the account is flat in this part */
	if (lq_position_trade(e, p, -r, price, 0, LQ_LEDGER_FEES, NULL) != LQ_OK)
		return;
	holder_trade(e, &h, instrument, r, price);

	/* ... and the fund closes it within takeover_band while it can pay */
	int64_t limit;
	const int sign = r > 0 ? 1 : -1;
	if (sign > 0)
		limit = (int64_t)lq_round_to_step(
		    lq_div128_ceil((lq_i128)price * (LQ_RATE_ONE - ins->params.takeover_band_e8),
				   LQ_RATE_ONE),
		    ins->tick, LQ_ROUND_CEIL);
	else
		limit = (int64_t)lq_round_to_step(
		    lq_div128_floor((lq_i128)price * (LQ_RATE_ONE + ins->params.takeover_band_e8),
				    LQ_RATE_ONE),
		    ins->tick, LQ_ROUND_FLOOR);
	if (limit < ins->tick)
		limit = ins->tick;
	int64_t fund_delta = holder_close(e, &h, instrument, limit, true, &loss);
	if (h.fund >= 0) {
		e->stats.takeovers++;
		struct lq_event ev = {.type = LQ_EV_TAKEOVER,
				      .instrument = instrument,
				      .fund = (uint32_t)h.fund,
				      .account = id,
				      .qty = r,
				      .price = price,
				      .fund_delta_units = fund_delta};
		emit(e, &ev);
	}
	if (h.pos->qty == 0) {
		cover_shortfall(e, &h, instrument, 0, false);
		return;
	}

	/* 2. the deficit policy */
	if (ins->params.deficit == LQ_DEFICIT_ADL) {
		adl(e, &h, instrument, price, id);
		cover_shortfall(e, &h, instrument, 0, false);
		return;
	}
	loss = 0;
	holder_close(e, &h, instrument, 0, false, &loss);
	cover_shortfall(e, &h, instrument, loss, true);
}

void lq_fund_reoffer(struct lq_engine *e, uint32_t instrument)
{
	struct lq_instrument *ins = &e->instruments[instrument];
	struct holder h = holder_for(e, instrument);
	int64_t loss = 0;

	if (h.pos->qty == 0)
		return;
	if (ins->params.deficit == LQ_DEFICIT_SOCIALIZE) {
		holder_close(e, &h, instrument, 0, false, &loss);
		cover_shortfall(e, &h, instrument, loss, true);
	} else {
		holder_close(e, &h, instrument, 0, true, &loss);
		cover_shortfall(e, &h, instrument, 0, false);
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

	if (lq_value_ovf(ins, q, mark, LQ_ROUND_FLOOR, &n0))
		return q;
	n0 = n0 < 0 ? -n0 : n0;
	const int64_t mm0 = lq_margin_mm_units(ins, n0);
	const uint32_t tier0 = lq_tier_index(ins, n0);
	/* ok(k) is monotone in k, ok(0) fails (the unit is liquidatable), ok(lots) holds */
	int64_t lo = 0, hi = lots;
	while (hi - lo > 1) {
		const int64_t k = lo + (hi - lo) / 2;
		lq_i128 n;
		bool ok = false;
		if (!lq_value_ovf(ins, q - k * ins->lot, mark, LQ_ROUND_FLOOR, &n)) {
			n = n < 0 ? -n : n;
			/* the step's clearance fee comes out of equity: count it, rounded up */
			lq_i128 fee = lq_div128_ceil((n0 - n) * ins->params.liq_fee_e8,
						     (lq_i128)LQ_FINE_ONE * LQ_RATE_ONE);
			ok = (lq_i128)u->equity_units - fee >=
				 u->mm_units - (mm0 - lq_margin_mm_units(ins, n)) ||
			     lq_tier_index(ins, n) < tier0;
		}
		if (ok)
			hi = k;
		else
			lo = k;
	}
	return hi * ins->lot;
}

/* The position to close next in a cross unit: the largest MM, ties by instrument. */
static uint32_t pick_position(const struct lq_engine *e, const struct lq_unit *u)
{
	struct lq_position_view v;
	uint32_t best = LQ_NIL;
	int64_t best_mm = -1;

	if (u->isolated)
		return u->ref;
	for (uint32_t p = e->accounts[u->account].pos_head; p != LQ_NIL; p = e->positions[p].next) {
		const struct lq_position *pos = &e->positions[p];
		if (pos->isolated || pos->qty == 0 ||
		    e->instruments[pos->instrument].settle_asset != u->ref ||
		    !lq_instrument_tradable(e, pos->instrument))
			continue;
		lq_position_view(e, p, false, &v);
		if (v.mm_units > best_mm) { /* strict: the lower instrument wins ties */
			best_mm = v.mm_units;
			best = p;
		}
	}
	return best;
}

static void close_step(struct lq_engine *e, const struct lq_unit *u, uint32_t p, int64_t x)
{
	struct lq_position *pos = &e->positions[p];
	const uint32_t instrument = pos->instrument;
	struct lq_instrument *ins = &e->instruments[instrument];
	const uint32_t account = pos->account;
	const int64_t mark = lq_instrument_mark(ins);
	const int sign = x > 0 ? 1 : -1;
	struct lq_position_view v;
	lq_i128 n_rest, alloc;

	/* allocation of the unit's equity to this close: TNC x |dMM| / TMM, rounded up */
	lq_position_view(e, p, false, &v);
	int64_t dmm = v.mm_units;
	if (x != pos->qty && !lq_value_ovf(ins, pos->qty - x, mark, LQ_ROUND_FLOOR, &n_rest))
		dmm = v.mm_units - lq_margin_mm_units(ins, n_rest < 0 ? -n_rest : n_rest);
	/* from the exact equity: rounding it to units first could move the price a tick */
	lq_i128 tnc;
	bool ovf = !lq_unit_equity_fine(e, u, &tnc);
	if (!ovf && u->mm_units > 0 && u->mm_units != INT64_MAX)
		ovf = lq_muldiv128_ovf(tnc, dmm, u->mm_units, LQ_ROUND_CEIL, &alloc);
	else if (!ovf)
		ovf = lq_muldiv128_ovf(tnc, x, pos->qty, LQ_ROUND_CEIL, &alloc);
	if (ovf) /* beyond 128 bits: allocate the whole equity to this close (toward the venue) */
		alloc = (lq_i128)u->equity_units * LQ_FINE_ONE;
	const int64_t bk = bankruptcy_price(ins, x, mark, alloc);

	/* IOC at the bankruptcy price against the book */
	uint32_t n;
	struct lq_book_level *lv = book_side(ins, sign, &n);
	int64_t left = x, filled = 0;
	lq_i128 fill_value = 0, fill_notional = 0, vb;
	for (uint32_t i = 0; i < n && left != 0; i++) {
		if (lv[i].qty == 0)
			continue;
		if (!within(sign, lv[i].price, bk))
			break;
		int64_t take = lv[i].qty < iabs(left) ? lv[i].qty : iabs(left);
		lq_i128 vf;
		if (lq_value_ovf(ins, sign * take, lv[i].price, LQ_ROUND_FLOOR, &vf))
			break;
		if (lq_position_trade(e, p, -sign * take, lv[i].price, 0, LQ_LEDGER_FEES, NULL) !=
		    LQ_OK)
			break;
		lv[i].qty -= take;
		left -= sign * take;
		filled += take;
		fill_value += vf;
		fill_notional += vf < 0 ? -vf : vf;
	}

	/* the clearance fee: min(surplus over the bankruptcy price, rate x fill notional) */
	int64_t fee = 0, avg = 0;
	if (filled > 0 && !lq_value_ovf(ins, sign * filled, bk, LQ_ROUND_FLOOR, &vb)) {
		lq_i128 surplus = fill_value - vb;
		int64_t surplus_units = surplus > 0 ? (int64_t)(surplus / LQ_FINE_ONE) : 0;
		lq_i128 cap;
		if (lq_muldiv128_ovf(fill_notional, ins->params.liq_fee_e8,
				     LQ_FINE_ONE * LQ_RATE_ONE, LQ_ROUND_CEIL, &cap))
			cap = INT64_MAX;
		fee = cap < surplus_units ? (int64_t)cap : surplus_units;
		/* average fill price, to the nearest price unit (a display) */
		if (ins->kind == LQ_INSTRUMENT_LINEAR)
			avg = (int64_t)lq_div128_round(fill_value,
						       (lq_i128)sign * filled * ins->lin_scale);
		else
			avg = (int64_t)lq_div128_round(-(lq_i128)sign * filled * ins->inv_num,
						       ins->inv_den * fill_value);
	}
	struct holder h = holder_for(e, instrument);
	const uint32_t fee_slot = h.fund >= 0 ? h.slot : LQ_LEDGER_FEES;
	if (fee > 0) {
		/* from the position's margin while it stays open and isolated, else the balance */
		bool open_iso = left != 0 && e->positions[p].isolated;
		if (open_iso)
			lq_holder_credit(e, &e->positions[p], -fee, fee_slot);
		else
			lq_balance_credit(e, account, ins->settle_asset, -fee, fee_slot);
	}
	e->stats.liquidations++;
	struct lq_event ev = {.type = LQ_EV_LIQUIDATION,
			      .instrument = instrument,
			      .account = e->accounts[account].id,
			      .qty = -x,
			      .price = bk,
			      .filled_qty = filled,
			      .avg_price = avg,
			      .amount_units = fee,
			      .fund_delta_units = h.fund >= 0 ? fee : 0};
	emit(e, &ev);
	lq_trigger_touch(e, account);
	if (left != 0)
		waterfall(e, p, left, bk);
}

void lq_liquidate_unit(struct lq_engine *e, const struct lq_unit *unit)
{
	struct lq_unit u = *unit;
	/* each step closes at least a lot of a position or stops */
	for (uint32_t step = 0; step < LQ_INSTRUMENTS_MAX * (LQ_TIERS_MAX + 2); step++) {
		if (!lq_unit_liquidatable(e, &u))
			return;
		uint32_t p = pick_position(e, &u);
		if (p == LQ_NIL)
			return;
		const struct lq_position *pos = &e->positions[p];
		if (pos->qty == 0 || !lq_instrument_tradable(e, pos->instrument))
			return;
		const struct lq_instrument *ins = &e->instruments[pos->instrument];
		int64_t x = pos->qty;
		if (ins->params.partial) {
			int64_t k = partial_lots(e, &u, pos);
			if (k > 0 && k < iabs(pos->qty)) {
				x = pos->qty > 0 ? k : -k;
				e->stats.partial_liquidations++;
			}
		}
		close_step(e, &u, p, x);
	}
}
