/* SPDX-License-Identifier: MIT */
/*
 * The event-ledger auditor (lq/audit.h): the accounts, positions and funds rebuilt from the
 * inputs and the output events alone, by the rules of engine.h ("The money an event moves").
 */
#include "lq/audit.h"

#include "lq/assert.h"
#include "position.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define ALIGN_UP(x, a) (((x) + (a)-1) & ~((size_t)(a)-1))
#define CACHE_LINE     64

static uint32_t hash_capacity(uint32_t accounts_max)
{
	uint32_t cap = 16;

	while (cap < 2 * (uint64_t)accounts_max && cap < (1u << 31))
		cap <<= 1;
	/* a power of two: the probe wraps with a mask */
	LQ_ASSERT((cap & (cap - 1)) == 0);
	LQ_ASSERT(cap >= 16);
	return cap;
}

size_t lq_audit_memsize(const struct lq_audit_limits *lim)
{
	size_t sz = 0;

	sz += ALIGN_UP(sizeof(struct lq_audit_account) * (size_t)lim->accounts_max, CACHE_LINE);
	sz += ALIGN_UP(sizeof(uint32_t) * (size_t)hash_capacity(lim->accounts_max), CACHE_LINE);
	sz += ALIGN_UP(sizeof(struct lq_audit_position) * (size_t)lim->positions_max, CACHE_LINE);
	/* each table starts on a cache line; the extra line aligns the first */
	LQ_ASSERT(sz % CACHE_LINE == 0);
	LQ_ASSERT(sz >= sizeof(struct lq_audit_position) * (size_t)lim->positions_max);
	return sz + CACHE_LINE;
}

int lq_audit_init(struct lq_audit *a, void *mem, size_t size, const struct lq_audit_limits *lim,
		  const struct lq_engine *defs)
{
	uintptr_t p = ALIGN_UP((uintptr_t)mem, CACHE_LINE);

	if (!defs || lim->accounts_max == 0 || lim->positions_max == 0 ||
	    lim->accounts_max >= (1u << 30) || lim->positions_max >= (1u << 30))
		return -EINVAL;
	if (size < lq_audit_memsize(lim))
		return -ENOSPC;
	memset(a, 0, sizeof(*a));
	a->limits = *lim;
	a->defs = defs;
	const uint32_t hcap = hash_capacity(lim->accounts_max);
	a->accounts = (struct lq_audit_account *)p;
	p += ALIGN_UP(sizeof(struct lq_audit_account) * (size_t)lim->accounts_max, CACHE_LINE);
	a->account_hash = (uint32_t *)p;
	p += ALIGN_UP(sizeof(uint32_t) * (size_t)hcap, CACHE_LINE);
	a->positions = (struct lq_audit_position *)p;
	p += ALIGN_UP(sizeof(struct lq_audit_position) * (size_t)lim->positions_max, CACHE_LINE);
	LQ_ASSERT(p <= (uintptr_t)mem + size);
	/* at most half full (account_find's bound relies on it): accounts_max < 2^30 */
	LQ_ASSERT(hcap >= 2 * (uint64_t)lim->accounts_max);
	memset(a->account_hash, 0, sizeof(uint32_t) * hcap);
	a->account_hash_mask = hcap - 1;
	for (uint32_t i = 0; i < lim->positions_max; i++)
		a->positions[i].next = i + 1 < lim->positions_max ? i + 1 : LQ_NIL;
	a->position_free = 0;
	LQ_ASSERT(a->account_count == 0);
	return 0;
}

void lq_audit_define_fund(struct lq_audit *a, uint32_t fund, uint32_t asset, int64_t balance_units)
{
	LQ_ASSERT(fund < LQ_FUNDS_MAX);
	LQ_ASSERT(asset < LQ_ASSETS_MAX);
	/* as the engine accepted it (lq_engine_define_fund): 0 <= balance <= LQ_MONEY_MAX */
	LQ_ASSERT(balance_units >= 0);
	LQ_ASSERT(balance_units <= LQ_MONEY_MAX);
	a->funds[fund] =
	    (struct lq_audit_fund){.defined = true, .asset = asset, .balance = balance_units};
}

/* ---- errors ---- */

/* Record the first input or event the reconstruction cannot apply. */
static void fail(struct lq_audit *a, enum lq_audit_what what, uint64_t account, uint32_t instrument,
		 const char *detail)
{
	LQ_ASSERT(what != LQ_AUDIT_OK);
	LQ_ASSERT(detail != NULL);
	if (a->error.what != LQ_AUDIT_OK)
		return;
	a->error = (struct lq_audit_mismatch){.what = what,
					      .account = account,
					      .instrument = instrument,
					      .inputs = a->inputs,
					      .events = a->events,
					      .detail = detail};
}

/* ---- accounts and positions ---- */

static uint32_t hash_id(uint64_t id)
{
	return (uint32_t)((id * 0x9E3779B97F4A7C15ULL) >> 32);
}

static uint32_t account_find(const struct lq_audit *a, uint64_t id)
{
	uint32_t h = hash_id(id) & a->account_hash_mask;

	LQ_DASSERT(a->account_count <= a->limits.accounts_max);
	/* bounded: the table is at most half full, an empty slot is always reached */
	for (uint32_t n = 0; n <= a->account_hash_mask; n++) {
		const uint32_t s = a->account_hash[h];
		if (s == 0)
			return LQ_NIL;
		LQ_DASSERT(s - 1 < a->account_count);
		if (a->accounts[s - 1].id == id)
			return s - 1;
		h = (h + 1) & a->account_hash_mask;
	}
	LQ_ASSERT(0); /* a full probe: the table was more than half full */
	return LQ_NIL;
}

/* The account's slot, created (with no money) at first sight; LQ_NIL when full. */
static uint32_t account_get(struct lq_audit *a, uint64_t id)
{
	uint32_t s = account_find(a, id);

	if (s != LQ_NIL)
		return s;
	if (a->account_count >= a->limits.accounts_max) {
		fail(a, LQ_AUDIT_LIMIT, id, LQ_NIL, "more accounts than the auditor was sized for");
		return LQ_NIL;
	}
	uint32_t h = hash_id(id) & a->account_hash_mask;
	/* at most half full after this insertion: the probe below finds an empty slot */
	LQ_ASSERT(2 * (uint64_t)a->account_count < (uint64_t)a->account_hash_mask + 1);
	while (a->account_hash[h] != 0)
		h = (h + 1) & a->account_hash_mask;
	s = a->account_count++;
	memset(&a->accounts[s], 0, sizeof(a->accounts[s]));
	a->accounts[s].id = id;
	a->accounts[s].pos_head = LQ_NIL;
	a->account_hash[h] = s + 1;
	LQ_ASSERT(a->account_count <= a->limits.accounts_max);
	return s;
}

/* The link that holds (or would hold) the account's position in an instrument. */
static uint32_t *position_link(struct lq_audit *a, uint32_t account, uint32_t instrument)
{
	uint32_t *link = &a->accounts[account].pos_head;

	LQ_DASSERT(account < a->account_count);
	LQ_DASSERT(instrument < LQ_INSTRUMENTS_MAX);
	while (*link != LQ_NIL && a->positions[*link].instrument < instrument)
		link = &a->positions[*link].next;
	return link;
}

static const struct lq_audit_position *position_peek(const struct lq_audit *a, uint32_t account,
						     uint32_t instrument)
{
	LQ_DASSERT(account < a->account_count);
	LQ_DASSERT(instrument < LQ_INSTRUMENTS_MAX);
	for (uint32_t p = a->accounts[account].pos_head; p != LQ_NIL; p = a->positions[p].next) {
		if (a->positions[p].instrument == instrument)
			return &a->positions[p];
		if (a->positions[p].instrument > instrument)
			break;
	}
	return NULL;
}

/* Set a position to (qty, cost): created, changed, or removed when flat. false when full. */
static bool position_set(struct lq_audit *a, uint32_t account, uint32_t instrument, int64_t qty,
			 lq_i128 cost)
{
	uint32_t *link = position_link(a, account, instrument);
	const bool exists = *link != LQ_NIL && a->positions[*link].instrument == instrument;

	LQ_ASSERT(qty != 0 || cost == 0);
	if (exists && qty == 0) {
		const uint32_t p = *link;
		*link = a->positions[p].next;
		a->positions[p].next = a->position_free;
		a->position_free = p;
		return true;
	}
	if (qty == 0)
		return true;
	if (!exists) {
		const uint32_t p = a->position_free;
		if (p == LQ_NIL)
			return false;
		a->position_free = a->positions[p].next;
		a->positions[p] =
		    (struct lq_audit_position){.instrument = instrument, .next = *link};
		*link = p;
	}
	a->positions[*link].qty = qty;
	a->positions[*link].cost = cost;
	/* the account's list stays ascending in instrument, one position each */
	LQ_DASSERT(a->positions[*link].instrument == instrument);
	LQ_DASSERT(a->positions[*link].next == LQ_NIL ||
		   a->positions[a->positions[*link].next].instrument > instrument);
	return true;
}

static bool instrument_ok(const struct lq_audit *a, uint32_t instrument)
{
	LQ_DASSERT(a->defs->instrument_count <= LQ_INSTRUMENTS_MAX);
	return instrument < a->defs->instrument_count;
}

static uint32_t settle_asset(const struct lq_audit *a, uint32_t instrument)
{
	LQ_ASSERT(instrument < a->defs->instrument_count); /* instrument_ok was asked first */
	const uint32_t asset = a->defs->instruments[instrument].settle_asset;
	LQ_ASSERT(asset < a->defs->asset_count);
	return asset;
}

/* Add to an account's money in an asset (the account created at first sight). */
static void money_add(struct lq_audit *a, uint64_t id, uint32_t asset, lq_i128 amount)
{
	if (asset >= a->defs->asset_count) {
		fail(a, LQ_AUDIT_EVENT, id, LQ_NIL, "money in an asset that is not defined");
		return;
	}
	/* an amount an input or event moves: an int64 field, or the difference of two */
	LQ_ASSERT(amount <= 2 * (lq_i128)INT64_MAX);
	LQ_ASSERT(amount >= 2 * (lq_i128)INT64_MIN);
	const uint32_t s = account_get(a, id);
	if (s != LQ_NIL)
		a->accounts[s].money[asset] += amount;
}

static void fund_add(struct lq_audit *a, uint32_t fund, lq_i128 amount)
{
	if (fund >= LQ_FUNDS_MAX || !a->funds[fund].defined) {
		fail(a, LQ_AUDIT_EVENT, 0, LQ_NIL, "money to a fund that is not defined");
		return;
	}
	/* an event's int64 field */
	LQ_ASSERT(amount <= INT64_MAX);
	LQ_ASSERT(amount >= INT64_MIN);
	a->funds[fund].balance += amount;
}

/*
 * The account's own reducing trade of `trade` lots (signed, opposite to its position), as in a
 * liquidation or an ADL: the closed share of the cost basis goes (lq_position_cost_share, rounded
 * up), the rest stays with what remains.
 */
static void position_reduce(struct lq_audit *a, uint64_t id, uint32_t instrument, int64_t trade)
{
	const uint32_t s = account_find(a, id);
	const struct lq_audit_position *pos = s != LQ_NIL ? position_peek(a, s, instrument) : NULL;

	if (!pos) {
		fail(a, LQ_AUDIT_EVENT, id, instrument,
		     "an event closes a position the inputs never opened");
		return;
	}
	const int64_t q0 = pos->qty;
	LQ_ASSERT(q0 != 0);
	if (trade == 0 || trade == INT64_MIN || (trade > 0) == (q0 > 0) ||
	    (trade > 0 ? trade : -trade) > (q0 > 0 ? q0 : -q0)) {
		fail(a, LQ_AUDIT_EVENT, id, instrument,
		     "an event's trade does not reduce the account's position");
		return;
	}
	lq_i128 share;
	if (!lq_position_cost_share(pos->cost, -trade, q0, &share)) {
		fail(a, LQ_AUDIT_EVENT, id, instrument, "a closed share of cost overflows");
		return;
	}
	/* the closed share is the cost basis's sign and at most all of it */
	LQ_ASSERT(share == 0 || (share > 0) == (pos->cost > 0));
	LQ_ASSERT(pos->cost >= 0 ? share <= pos->cost : share >= pos->cost);
	const int64_t q1 = q0 + trade;
	/* a reducing trade leaves the same side or flat, and strictly less */
	LQ_ASSERT(q1 == 0 || (q1 > 0) == (q0 > 0));
	LQ_ASSERT(q0 > 0 ? q1 < q0 : q1 > q0);
	const lq_i128 c1 = pos->cost - share;
	if (q1 == 0 && c1 != 0) {
		fail(a, LQ_AUDIT_EVENT, id, instrument, "a closed position keeps a cost basis");
		return;
	}
	const bool ok = position_set(a, s, instrument, q1, c1);
	LQ_ASSERT(ok); /* changing or removing an existing position needs no room */
}

/* An engine account's money per asset: its balance plus its isolated margins. */
static void engine_money(const struct lq_engine *e, uint32_t acc, lq_i128 *money)
{
	uint32_t seen = 0;

	LQ_ASSERT(acc < e->account_count);
	for (uint32_t s = 0; s < LQ_ASSETS_MAX; s++)
		money[s] = s < e->asset_count ? *lq_engine_balance(e, acc, s) : 0;
	for (uint32_t p = e->accounts[acc].pos_head; p != LQ_NIL; p = e->positions[p].next) {
		const struct lq_position *pos = &e->positions[p];
		seen++;
		LQ_ASSERT(seen <= LQ_INSTRUMENTS_MAX); /* one position per instrument */
		LQ_DASSERT(e->instruments[pos->instrument].settle_asset < LQ_ASSETS_MAX);
		money[e->instruments[pos->instrument].settle_asset] += pos->margin_units;
	}
}

bool lq_audit_open(struct lq_audit *a, const struct lq_engine *e)
{
	LQ_ASSERT(e->account_count <= e->limits.accounts_max);
	LQ_ASSERT(e->fund_count <= LQ_FUNDS_MAX);
	for (uint32_t acc = 0; acc < e->account_count; acc++) {
		const uint32_t s = account_get(a, e->accounts[acc].id);
		if (s == LQ_NIL)
			return false;
		engine_money(e, acc, a->accounts[s].money);
		for (uint32_t p = e->accounts[acc].pos_head; p != LQ_NIL;
		     p = e->positions[p].next) {
			const struct lq_position *pos = &e->positions[p];
			if (!position_set(a, s, pos->instrument, pos->qty,
					  pos->qty ? pos->cost : 0)) {
				fail(a, LQ_AUDIT_LIMIT, e->accounts[acc].id, pos->instrument,
				     "more positions than the auditor was sized for");
				return false;
			}
		}
	}
	for (uint32_t f = 0; f < e->fund_count && f < LQ_FUNDS_MAX; f++) {
		if (!e->funds[f].defined)
			continue;
		const uint32_t as = e->funds[f].asset;
		LQ_ASSERT(as < LQ_ASSETS_MAX);
		a->funds[f] =
		    (struct lq_audit_fund){.defined = true,
					   .asset = as,
					   .balance = e->ledger.total[LQ_LEDGER_FUND0 + f][as]};
	}
	return true;
}

/* ---- inputs ---- */

static void input_fill(struct lq_audit *a, const struct lq_cmd *c)
{
	if (!instrument_ok(a, c->instrument)) {
		fail(a, LQ_AUDIT_EVENT, c->account, c->instrument,
		     "a fill in an unknown instrument");
		return;
	}
	const struct lq_instrument *ins = &a->defs->instruments[c->instrument];
	const uint32_t s = account_get(a, c->account);
	if (s == LQ_NIL)
		return;
	const struct lq_audit_position *pos = position_peek(a, s, c->instrument);
	const struct lq_position tmp =
	    lq_engine_position_temp(pos ? pos->qty : 0, pos ? pos->cost : 0);
	struct lq_fill_result r;
	if (!lq_position_fill(ins, &tmp, c->qty, c->price, &r)) {
		fail(a, LQ_AUDIT_EVENT, c->account, c->instrument,
		     "an accepted fill the reconstruction cannot value (overflow)");
		return;
	}
	if (!position_set(a, s, c->instrument, r.qty, r.cost)) {
		fail(a, LQ_AUDIT_LIMIT, c->account, c->instrument,
		     "more positions than the auditor was sized for");
		return;
	}
	/* the trade lands whole; opening or extending realizes nothing */
	LQ_ASSERT(r.qty == (lq_i128)tmp.qty + c->qty);
	LQ_ASSERT(tmp.qty == 0 || (tmp.qty > 0) != (c->qty > 0) || r.realized_units == 0);
	LQ_ASSERT(ins->settle_asset < a->defs->asset_count);
	/* realized PnL (rounded down) to the holder, the fee from it, both the account's money */
	a->accounts[s].money[ins->settle_asset] += (lq_i128)r.realized_units - c->fee;
}

void lq_audit_input(struct lq_audit *a, const struct lq_cmd *c, enum lq_status st)
{
	a->inputs++;
	if (st != LQ_OK) {
		a->refused++;
		LQ_ASSERT(a->refused <= a->inputs);
		return; /* a refused input changes nothing */
	}
	LQ_ASSERT(a->refused < a->inputs);
	switch (c->type) {
	case LQ_CMD_DEPOSIT:
		money_add(a, c->account, c->asset, c->amount);
		return;
	case LQ_CMD_WITHDRAW:
		money_add(a, c->account, c->asset, -(lq_i128)c->amount);
		return;
	case LQ_CMD_FILL:
		input_fill(a, c);
		return;
	default:
		/* isolate moves money inside the account; market data and time move none */
		return;
	}
}

/* ---- events ---- */

/* LIQUIDATION: the account's reducing trade, its PnL less the fee; the fee to fund or fees. */
static void event_liquidation(struct lq_audit *a, const struct lq_event *ev)
{
	LQ_ASSERT(ev->type == LQ_EV_LIQUIDATION);
	LQ_ASSERT(instrument_ok(a, ev->instrument)); /* lq_audit_event checked it */
	if (ev->fund_delta_units != 0 && ev->fund_delta_units != ev->amount_units) {
		fail(a, LQ_AUDIT_EVENT, ev->account, ev->instrument,
		     "a liquidation's fund_delta is not its fee");
		return;
	}
	position_reduce(a, ev->account, ev->instrument, ev->qty);
	money_add(a, ev->account, settle_asset(a, ev->instrument),
		  (lq_i128)ev->pnl_units - ev->amount_units);
	if (ev->fund_delta_units != 0)
		fund_add(a, ev->fund, ev->fund_delta_units);
}

static void event_socialized(struct lq_audit *a, const struct lq_event *ev)
{
	const uint32_t s = account_find(a, ev->account);
	const struct lq_audit_position *pos =
	    s != LQ_NIL ? position_peek(a, s, ev->instrument) : NULL;
	lq_i128 cost;

	if (!pos || ev->amount_units < 0) {
		fail(a, LQ_AUDIT_EVENT, ev->account, ev->instrument,
		     "a socialized loss charges no open position of the account");
		return;
	}
	/* taken from the position's unrealized profit: its cost basis rises by the amount */
	if (lq_add128_ovf(pos->cost, (lq_i128)ev->amount_units * LQ_FINE_ONE, &cost)) {
		fail(a, LQ_AUDIT_EVENT, ev->account, ev->instrument,
		     "a socialized loss overflows the cost basis");
		return;
	}
	/* a charge only raises the cost basis, never the quantity */
	LQ_ASSERT(cost >= pos->cost);
	LQ_ASSERT(pos->qty != 0);
	const bool ok = position_set(a, s, ev->instrument, pos->qty, cost);
	LQ_ASSERT(ok);
	if (ev->fund_delta_units != 0)
		fund_add(a, ev->fund, ev->fund_delta_units);
}

static void event_bad_debt(struct lq_audit *a, const struct lq_event *ev)
{
	LQ_ASSERT(ev->type == LQ_EV_BAD_DEBT);
	if (ev->fund_delta_units != 0)
		fund_add(a, ev->fund, ev->fund_delta_units);
	/* a write-off of a flat account's negative balance */
	if (ev->instrument == LQ_NIL && ev->account != 0)
		money_add(a, ev->account, ev->asset, ev->amount_units);
}

void lq_audit_event(struct lq_audit *a, const struct lq_event *ev)
{
	a->events++;
	a->by_type[(unsigned)ev->type < 15 ? (unsigned)ev->type : 15]++;
	LQ_ASSERT(a->events != 0); /* a 64-bit count does not wrap */
	const bool needs_instrument = ev->type == LQ_EV_FUNDING || ev->type == LQ_EV_LIQUIDATION ||
				      ev->type == LQ_EV_ADL || ev->type == LQ_EV_SOCIALIZED_LOSS;
	if (needs_instrument && !instrument_ok(a, ev->instrument)) {
		fail(a, LQ_AUDIT_EVENT, ev->account, ev->instrument,
		     "an event names an unknown instrument");
		return;
	}
	switch (ev->type) {
	case LQ_EV_FUNDING:
		money_add(a, ev->account, settle_asset(a, ev->instrument), ev->amount_units);
		return;
	case LQ_EV_LIQUIDATION:
		event_liquidation(a, ev);
		return;
	case LQ_EV_FUND_TRADE:
		if (ev->fund == LQ_NIL) {
			/* a deficit with no fund: no fund's money; its loss ends as socialized
			 * loss or bad debt */
			if (ev->fund_delta_units != 0)
				fail(a, LQ_AUDIT_EVENT, 0, ev->instrument,
				     "a fund_trade with no fund moves a fund's money");
			return;
		}
		if (ev->fund_delta_units != ev->pnl_units)
			fail(a, LQ_AUDIT_EVENT, 0, ev->instrument,
			     "a fund_trade's fund_delta is not its pnl");
		fund_add(a, ev->fund, ev->pnl_units);
		return;
	case LQ_EV_ADL:
		position_reduce(a, ev->account, ev->instrument, ev->qty);
		money_add(a, ev->account, settle_asset(a, ev->instrument), ev->pnl_units);
		return;
	case LQ_EV_SOCIALIZED_LOSS:
		event_socialized(a, ev);
		return;
	case LQ_EV_BAD_DEBT:
		event_bad_debt(a, ev);
		return;
	default:
		/* takeover (its money moves in the fund_trade events), notices: no money */
		return;
	}
}

/* ---- compare ---- */

lq_i128 lq_audit_money(const struct lq_audit *a, uint64_t id, uint32_t asset)
{
	const uint32_t s = account_find(a, id);

	LQ_ASSERT(s == LQ_NIL || s < a->account_count);
	return s == LQ_NIL || asset >= LQ_ASSETS_MAX ? 0 : a->accounts[s].money[asset];
}

static bool differ(struct lq_audit_mismatch *out, const struct lq_audit *a, enum lq_audit_what what,
		   uint64_t id, uint32_t ref, lq_i128 engine, lq_i128 rebuilt)
{
	LQ_ASSERT(what >= LQ_AUDIT_MONEY);
	LQ_ASSERT(what <= LQ_AUDIT_LEDGER_ACCOUNTS);
	if (engine == rebuilt)
		return false;
	*out = (struct lq_audit_mismatch){.what = what,
					  .account = id,
					  .asset = ref,
					  .instrument = ref,
					  .fund = ref,
					  .engine = engine,
					  .rebuilt = rebuilt,
					  .inputs = a->inputs,
					  .events = a->events};
	return true;
}

/* One engine account against its reconstruction (an account never seen has nothing). */
static bool account_differs(const struct lq_audit *a, const struct lq_engine *e, uint32_t acc,
			    struct lq_audit_mismatch *out)
{
	const uint64_t id = e->accounts[acc].id;
	const uint32_t s = account_find(a, id);
	lq_i128 money[LQ_ASSETS_MAX];

	LQ_ASSERT(e->asset_count <= LQ_ASSETS_MAX);
	LQ_ASSERT(s == LQ_NIL || s < a->account_count);
	engine_money(e, acc, money);
	for (uint32_t as = 0; as < e->asset_count; as++)
		if (differ(out, a, LQ_AUDIT_MONEY, id, as, money[as],
			   s == LQ_NIL ? 0 : a->accounts[s].money[as]))
			return true;
	/* the engine's positions, then the rebuilt ones the engine does not hold */
	for (uint32_t p = e->accounts[acc].pos_head; p != LQ_NIL; p = e->positions[p].next) {
		const struct lq_position *pos = &e->positions[p];
		const struct lq_audit_position *rp =
		    s == LQ_NIL ? NULL : position_peek(a, s, pos->instrument);
		if (differ(out, a, LQ_AUDIT_QTY, id, pos->instrument, pos->qty, rp ? rp->qty : 0) ||
		    differ(out, a, LQ_AUDIT_COST, id, pos->instrument, pos->cost,
			   rp ? rp->cost : 0))
			return true;
	}
	if (s == LQ_NIL)
		return false;
	for (uint32_t p = a->accounts[s].pos_head; p != LQ_NIL; p = a->positions[p].next) {
		const struct lq_audit_position *rp = &a->positions[p];
		bool held = false;
		for (uint32_t q = e->accounts[acc].pos_head; q != LQ_NIL && !held;
		     q = e->positions[q].next)
			held = e->positions[q].instrument == rp->instrument;
		if (!held && differ(out, a, LQ_AUDIT_QTY, id, rp->instrument, 0, rp->qty))
			return true;
	}
	return false;
}

static bool funds_differ(const struct lq_audit *a, const struct lq_engine *e,
			 struct lq_audit_mismatch *out)
{
	LQ_ASSERT(e->fund_count <= LQ_FUNDS_MAX);
	LQ_ASSERT(e->asset_count <= LQ_ASSETS_MAX);
	for (uint32_t f = 0; f < e->fund_count; f++) {
		const struct lq_audit_fund *rf = &a->funds[f];
		for (uint32_t as = 0; as < e->asset_count; as++) {
			const lq_i128 rebuilt = rf->defined && rf->asset == as ? rf->balance : 0;
			if (differ(out, a, LQ_AUDIT_FUND, 0, f,
				   e->ledger.total[LQ_LEDGER_FUND0 + f][as], rebuilt)) {
				out->asset = as;
				return true;
			}
		}
	}
	return false;
}

bool lq_audit_compare(const struct lq_audit *a, const struct lq_engine *e,
		      struct lq_audit_mismatch *out)
{
	lq_i128 sum[LQ_ASSETS_MAX] = {0};

	LQ_ASSERT(a->account_count <= a->limits.accounts_max);
	if (a->error.what != LQ_AUDIT_OK) {
		*out = a->error;
		return false;
	}
	for (uint32_t acc = 0; acc < e->account_count; acc++)
		if (account_differs(a, e, acc, out))
			return false;
	/* accounts the reconstruction holds and the engine does not know */
	for (uint32_t s = 0; s < a->account_count; s++) {
		const struct lq_audit_account *ra = &a->accounts[s];
		for (uint32_t as = 0; as < LQ_ASSETS_MAX; as++)
			sum[as] += ra->money[as];
		if (lq_engine_find_account(e, ra->id) != LQ_NIL)
			continue;
		for (uint32_t as = 0; as < LQ_ASSETS_MAX; as++)
			if (differ(out, a, LQ_AUDIT_MONEY, ra->id, as, 0, ra->money[as]))
				return false;
		if (ra->pos_head != LQ_NIL) {
			const struct lq_audit_position *rp = &a->positions[ra->pos_head];
			differ(out, a, LQ_AUDIT_QTY, ra->id, rp->instrument, 0, rp->qty);
			return false;
		}
	}
	if (funds_differ(a, e, out))
		return false;
	for (uint32_t as = 0; as < e->asset_count; as++)
		if (differ(out, a, LQ_AUDIT_LEDGER_ACCOUNTS, 0, as,
			   e->ledger.total[LQ_LEDGER_ACCOUNTS][as], sum[as]))
			return false;
	*out = (struct lq_audit_mismatch){.inputs = a->inputs, .events = a->events};
	LQ_ASSERT(out->what == LQ_AUDIT_OK);
	return true;
}

/* ---- the laws ---- */

static bool tradable(const struct lq_instrument *ins)
{
	return !ins->ms.stale && !ins->ms.feed_halted;
}

static bool violation(struct lq_audit_mismatch *out, enum lq_audit_what what, uint64_t id,
		      uint32_t asset, uint32_t instrument, lq_i128 value, lq_i128 bound)
{
	/* the laws' own kinds, never a reconstruction's */
	LQ_ASSERT(what >= LQ_AUDIT_LEDGER_SUM);
	LQ_ASSERT(what <= LQ_AUDIT_LIQUIDATABLE);
	*out = (struct lq_audit_mismatch){.what = what,
					  .account = id,
					  .asset = asset,
					  .instrument = instrument,
					  .engine = value,
					  .rebuilt = bound};
	return false;
}

/* One account: flat and below zero in an asset, or a unit left liquidatable. */
static bool account_lawful(const struct lq_engine *e, uint32_t acc, unsigned laws,
			   struct lq_audit_mismatch *out)
{
	const uint64_t id = e->accounts[acc].id;
	uint32_t open = 0, actionable = 0; /* assets: open positions; tradable cross ones */
	uint32_t held = 0;		   /* cross ones in liquidation */
	lq_i128 money[LQ_ASSETS_MAX];

	LQ_ASSERT(e->asset_count <= LQ_ASSETS_MAX); /* an asset is a bit of a 32-bit mask */
	engine_money(e, acc, money);
	for (uint32_t p = e->accounts[acc].pos_head; p != LQ_NIL; p = e->positions[p].next) {
		const struct lq_position *pos = &e->positions[p];
		const struct lq_instrument *ins = &e->instruments[pos->instrument];
		if (pos->qty == 0)
			continue;
		open |= 1u << ins->settle_asset;
		/* a unit in liquidation at an external venue waits for its order's end */
		if (!(laws & LQ_AUDIT_LAW_LIQUIDATABLE) || e->trigger_mode == LQ_TRIGGER_OFF ||
		    !tradable(ins) || lq_engine_orders_full(e))
			continue;
		if (lq_engine_position_in_flight(e, p)) {
			held |= pos->isolated ? 0 : 1u << ins->settle_asset;
			continue;
		}
		if (!pos->isolated) {
			actionable |= 1u << ins->settle_asset;
			continue;
		}
		struct lq_unit u = {.account = acc, .ref = p, .isolated = true};
		if (lq_trigger_unit_liquidatable(e, &u))
			return violation(out, LQ_AUDIT_LIQUIDATABLE, id, ins->settle_asset,
					 pos->instrument, u.equity_units, u.mm_units);
	}
	/* a tradable cross unit holds an open position */
	LQ_ASSERT((actionable & ~open) == 0);
	for (uint32_t as = 0; as < e->asset_count; as++) {
		if ((laws & LQ_AUDIT_LAW_FLAT) && !(open & (1u << as)) && money[as] < 0)
			return violation(out, LQ_AUDIT_FLAT_NEGATIVE, id, as, LQ_NIL, money[as], 0);
		struct lq_unit u = {.account = acc, .ref = as, .isolated = false};
		if ((actionable & ~held & (1u << as)) && lq_trigger_unit_liquidatable(e, &u))
			return violation(out, LQ_AUDIT_LIQUIDATABLE, id, as, LQ_NIL, u.equity_units,
					 u.mm_units);
	}
	return true;
}

bool lq_audit_laws(const struct lq_engine *e, unsigned laws, struct lq_audit_mismatch *out)
{
	LQ_ASSERT((laws & ~LQ_AUDIT_LAWS_ALL) == 0);
	LQ_ASSERT(e->fund_count <= LQ_FUNDS_MAX);
	for (uint32_t as = 0; as < e->asset_count && (laws & LQ_AUDIT_LAW_LEDGER); as++) {
		const lq_i128 sum = lq_ledger_sum(e, as);
		if (sum != 0)
			return violation(out, LQ_AUDIT_LEDGER_SUM, 0, as, LQ_NIL, sum, 0);
	}
	for (uint32_t f = 0; f < e->fund_count && (laws & LQ_AUDIT_LAW_FUNDS); f++) {
		if (!e->funds[f].defined)
			continue;
		const uint32_t as = e->funds[f].asset;
		LQ_ASSERT(as < LQ_ASSETS_MAX);
		const lq_i128 b = e->ledger.total[LQ_LEDGER_FUND0 + f][as];
		if (b < 0) {
			violation(out, LQ_AUDIT_FUND_NEGATIVE, 0, as, LQ_NIL, b, 0);
			out->fund = f;
			return false;
		}
	}
	for (uint32_t acc = 0;
	     acc < e->account_count && (laws & ~(LQ_AUDIT_LAW_LEDGER | LQ_AUDIT_LAW_FUNDS)); acc++)
		if (!account_lawful(e, acc, laws, out))
			return false;
	*out = (struct lq_audit_mismatch){.what = LQ_AUDIT_OK};
	return true;
}

/* ---- description ---- */

/* What a reconstruction mismatch is about ("account 3 USDT money"); "" for the laws'. */
static void describe_subject(const struct lq_audit_mismatch *m, const struct lq_engine *defs,
			     const char *asset, const char *ins, char *what, size_t cap)
{
	LQ_ASSERT(cap > 0);
	LQ_ASSERT(what[0] == '\0');
	switch (m->what) {
	case LQ_AUDIT_MONEY:
		snprintf(what, cap, "account %llu %s money", (unsigned long long)m->account, asset);
		break;
	case LQ_AUDIT_QTY:
		snprintf(what, cap, "account %llu %s position qty (raw lots)",
			 (unsigned long long)m->account, ins);
		break;
	case LQ_AUDIT_COST:
		snprintf(what, cap, "account %llu %s position cost (fine units)",
			 (unsigned long long)m->account, ins);
		break;
	case LQ_AUDIT_FUND:
		snprintf(what, cap, "fund %s %s",
			 m->fund < defs->fund_count ? defs->funds[m->fund].name : "?", asset);
		break;
	case LQ_AUDIT_LEDGER_ACCOUNTS:
		snprintf(what, cap, "ledger accounts %s", asset);
		break;
	default:
		break;
	}
}

size_t lq_audit_describe(const struct lq_audit_mismatch *m, const struct lq_engine *defs, char *buf,
			 size_t cap)
{
	char what[96] = "", eng[64], reb[64];
	unsigned dec = 0;
	int n;

	LQ_ASSERT(cap == 0 || buf != NULL);
	const bool has_asset = m->what == LQ_AUDIT_MONEY || m->what == LQ_AUDIT_FUND ||
			       m->what == LQ_AUDIT_LEDGER_ACCOUNTS ||
			       m->what >= LQ_AUDIT_LEDGER_SUM;
	const char *asset =
	    has_asset && m->asset < defs->asset_count ? defs->assets[m->asset].name : "?";
	const char *ins =
	    m->instrument < defs->instrument_count ? defs->instruments[m->instrument].name : "-";
	if (has_asset && m->asset < defs->asset_count)
		dec = defs->assets[m->asset].decimals;
	LQ_ASSERT(dec <= LQ_DECIMALS_MAX);
	switch (m->what) {
	case LQ_AUDIT_OK:
		return (size_t)snprintf(buf, cap, "reconciled");
	case LQ_AUDIT_EVENT:
	case LQ_AUDIT_LIMIT:
		return (size_t)snprintf(buf, cap, "account %llu %s: %s",
					(unsigned long long)m->account, ins,
					m->detail ? m->detail : "?");
	default:
		break;
	}
	describe_subject(m, defs, asset, ins, what, sizeof(what));
	lq_dec_format128(eng, sizeof(eng), m->engine, dec);
	lq_dec_format128(reb, sizeof(reb), m->rebuilt, dec);
	switch (m->what) {
	case LQ_AUDIT_LEDGER_SUM:
		n = snprintf(buf, cap, "the ledger of %s sums to %s, not zero", asset, eng);
		break;
	case LQ_AUDIT_FUND_NEGATIVE:
		n = snprintf(buf, cap, "fund %s below zero: %s %s",
			     m->fund < defs->fund_count ? defs->funds[m->fund].name : "?", eng,
			     asset);
		break;
	case LQ_AUDIT_FLAT_NEGATIVE:
		n = snprintf(buf, cap,
			     "account %llu holds no position in %s but %s %s (no bad_debt wrote it "
			     "off)",
			     (unsigned long long)m->account, asset, eng, asset);
		break;
	case LQ_AUDIT_LIQUIDATABLE:
		n = snprintf(buf, cap,
			     "account %llu %s %s left liquidatable: equity %s < maintenance %s",
			     (unsigned long long)m->account, m->instrument == LQ_NIL ? asset : ins,
			     m->instrument == LQ_NIL ? "cross" : "isolated", eng, reb);
		break;
	default:
		n = snprintf(buf, cap, "%s: engine %s, rebuilt %s", what, eng, reb);
		break;
	}
	return n < 0 ? 0 : (size_t)n;
}
