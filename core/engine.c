/* SPDX-License-Identifier: MIT */
#include "lq/engine.h"

#include "lq/assert.h"
#include "ledger.h"
#include "watch.h"
#include "position.h"
#include "account.h"
#include "trigger.h"
#include "liq.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define ALIGN_UP(x, a) (((x) + (a)-1) & ~((size_t)(a)-1))
#define CACHE_LINE     64

const char *lq_engine_status_str(enum lq_status st)
{
	_Static_assert(LQ_STATUS_MAX == 24, "a new status needs its string here");
	switch (st) {
	case LQ_OK:
		return "ok";
	case LQ_E_UNKNOWN_ACCOUNT:
		return "unknown account";
	case LQ_E_UNKNOWN_INSTRUMENT:
		return "unknown instrument";
	case LQ_E_UNKNOWN_ASSET:
		return "unknown asset";
	case LQ_E_UNKNOWN_FUND:
		return "unknown fund";
	case LQ_E_OFF_GRID_PRICE:
		return "off-grid price";
	case LQ_E_OFF_GRID_QTY:
		return "off-grid quantity";
	case LQ_E_OVERFLOW:
		return "overflow";
	case LQ_E_BELOW_INITIAL_MARGIN:
		return "would leave equity below initial margin";
	case LQ_E_INSUFFICIENT_BALANCE:
		return "insufficient balance";
	case LQ_E_BAD_VALUE:
		return "invalid value";
	case LQ_E_DUPLICATE:
		return "already defined";
	case LQ_E_LIMIT:
		return "table full";
	case LQ_E_BAD_DEFINITION:
		return "invalid definition";
	case LQ_E_NO_MARK:
		return "no mark price";
	case LQ_E_MARK_METHOD:
		return "instrument's mark method does not take this input";
	case LQ_E_TIME_BACKWARDS:
		return "time goes backwards";
	case LQ_E_ASSET_MISMATCH:
		return "asset does not match the instrument's settle asset";
	case LQ_E_PRICE_BAND:
		return "fill price outside the band around the mark (param fill_band)";
	case LQ_E_UNKNOWN_ORDER:
		return "unknown liquidation order";
	case LQ_E_ORDER_ENDED:
		return "liquidation order already ended (done, cancelled or timed out)";
	case LQ_E_OVERFILL:
		return "fill beyond what the liquidation order has left";
	case LQ_E_FILL_LEAVES:
		return "leaves_qty disagrees with the liquidation order (a duplicate or reordered "
		       "fill)";
	case LQ_E_FILL_PRICE:
		return "fill price beyond the liquidation order's limit";
	case LQ_E_IN_LIQUIDATION:
		return "position in liquidation: its order is in flight";
	}
	return "unknown status";
}

static uint32_t hash_capacity(uint32_t accounts_max)
{
	uint32_t cap = 16;

	LQ_ASSERT(accounts_max < (1u << 30));
	while (cap < 2 * (uint64_t)accounts_max && cap < (1u << 31))
		cap <<= 1;
	/* a power of two, at most half full */
	LQ_ASSERT((cap & (cap - 1)) == 0);
	LQ_ASSERT(cap >= 2 * (uint64_t)accounts_max);
	return cap;
}

/* The external venue's order ring: one order per position at most, within a fixed table. */
static uint32_t orders_capacity(const struct lq_engine_limits *lim)
{
	LQ_ASSERT(lim->positions_max > 0);
	return lim->positions_max < LQ_LIQ_ORDERS_MAX ? lim->positions_max : LQ_LIQ_ORDERS_MAX;
}

/*
 * Candidates of one round (trigger.c): a unit is an isolated position with lots, or an
 * account's cross margin in an asset in which it holds a cross position with lots, so each
 * candidate has a position of its own and a round never has more than the positions' table.
 */
static size_t units_capacity(const struct lq_engine_limits *lim)
{
	LQ_ASSERT(lim->positions_max > 0);
	LQ_ASSERT(lim->accounts_max > 0);
	return (size_t)lim->positions_max;
}

size_t lq_engine_memsize(const struct lq_engine_limits *lim)
{
	size_t sz = 0;

	LQ_ASSERT(lim->positions_max < (1u << 30));
	LQ_ASSERT(lim->accounts_max < (1u << 30));
	sz += ALIGN_UP(sizeof(struct lq_instrument) * LQ_INSTRUMENTS_MAX, CACHE_LINE);
	sz += ALIGN_UP(sizeof(struct lq_account) * (size_t)lim->accounts_max, CACHE_LINE);
	sz += ALIGN_UP(sizeof(int64_t) * lq_engine_assets_max(lim) * (size_t)lim->accounts_max,
		       CACHE_LINE);
	sz += ALIGN_UP(sizeof(uint32_t) * (size_t)hash_capacity(lim->accounts_max), CACHE_LINE);
	sz += ALIGN_UP(sizeof(struct lq_position) * (size_t)lim->positions_max, CACHE_LINE);
	sz += ALIGN_UP(sizeof(uint32_t) * (size_t)lim->accounts_max, CACHE_LINE);
	sz += ALIGN_UP(sizeof(struct lq_trigger_cand) * units_capacity(lim), CACHE_LINE);
	sz += ALIGN_UP(sizeof(struct lq_adl_entry) * (size_t)lim->positions_max, CACHE_LINE);
	sz += ALIGN_UP(sizeof(struct lq_adl_node) * (size_t)lim->positions_max, CACHE_LINE);
	/* the external venue's section: orders in flight, and each position's order */
	sz += ALIGN_UP(sizeof(struct lq_liq_order) * (size_t)orders_capacity(lim), CACHE_LINE);
	sz += ALIGN_UP(sizeof(uint32_t) * (size_t)lim->positions_max, CACHE_LINE);
	sz += lq_watch_memsize(lim); /* the threshold heaps */
	LQ_ASSERT(sz % CACHE_LINE == 0);
	return sz + CACHE_LINE;
}

int lq_engine_init(struct lq_engine *e, void *mem, size_t size, const struct lq_engine_limits *lim,
		   lq_event_sink sink, void *sink_ctx)
{
	uintptr_t p = ALIGN_UP((uintptr_t)mem, CACHE_LINE);
	uint32_t hcap;

	if (lim->accounts_max == 0 || lim->positions_max == 0 || lim->positions_max >= (1u << 30) ||
	    lim->accounts_max >= (1u << 30) || lim->assets_max > LQ_ASSETS_MAX)
		return -EINVAL;
	if (size < lq_engine_memsize(lim))
		return -ENOSPC;
	memset(e, 0, sizeof(*e));
	e->limits = *lim;
	e->sink = sink;
	e->sink_ctx = sink_ctx;
	hcap = hash_capacity(lim->accounts_max);

	e->instruments = (struct lq_instrument *)p;
	p += ALIGN_UP(sizeof(struct lq_instrument) * LQ_INSTRUMENTS_MAX, CACHE_LINE);
	e->accounts = (struct lq_account *)p;
	p += ALIGN_UP(sizeof(struct lq_account) * (size_t)lim->accounts_max, CACHE_LINE);
	e->balances = (int64_t *)p;
	p += ALIGN_UP(sizeof(int64_t) * lq_engine_assets_max(lim) * (size_t)lim->accounts_max,
		      CACHE_LINE);
	e->account_hash = (uint32_t *)p;
	p += ALIGN_UP(sizeof(uint32_t) * (size_t)hcap, CACHE_LINE);
	e->positions = (struct lq_position *)p;
	p += ALIGN_UP(sizeof(struct lq_position) * (size_t)lim->positions_max, CACHE_LINE);
	e->dirty = (uint32_t *)p;
	p += ALIGN_UP(sizeof(uint32_t) * (size_t)lim->accounts_max, CACHE_LINE);
	e->units = (struct lq_trigger_cand *)p;
	e->units_cap = (uint32_t)units_capacity(lim);
	p += ALIGN_UP(sizeof(struct lq_trigger_cand) * units_capacity(lim), CACHE_LINE);
	e->adl_rank = (struct lq_adl_entry *)p;
	p += ALIGN_UP(sizeof(struct lq_adl_entry) * (size_t)lim->positions_max, CACHE_LINE);
	_Static_assert(LQ_ENGINE_ADL_ALIGN == CACHE_LINE, "lq_engine_adl_heap finds the nodes");
	LQ_ASSERT((struct lq_adl_node *)p == lq_engine_adl_heap(e));
	p += ALIGN_UP(sizeof(struct lq_adl_node) * (size_t)lim->positions_max, CACHE_LINE);
	e->orders = (struct lq_liq_order *)p;
	e->orders_cap = orders_capacity(lim);
	p += ALIGN_UP(sizeof(struct lq_liq_order) * (size_t)e->orders_cap, CACHE_LINE);
	e->pos_order = (uint32_t *)p;
	p += ALIGN_UP(sizeof(uint32_t) * (size_t)lim->positions_max, CACHE_LINE);
	p = lq_watch_init(e, p);
	LQ_ASSERT(p <= (uintptr_t)mem + size);
	for (uint32_t i = 0; i < LQ_INSTRUMENTS_MAX; i++) {
		e->inst_head[i] = LQ_NIL;
		e->inst_tail[i] = LQ_NIL;
	}
	e->adl_cache.epoch = UINT64_MAX;
	lq_marker_init(&e->marker, e);
	e->marker_embedded = true;

	memset(e->account_hash, 0, sizeof(uint32_t) * hcap);
	e->account_hash_mask = hcap - 1;
	/* no slot handed out yet: the positions' table is left untouched (lq_position_create) */
	e->position_free = LQ_NIL;
	e->position_top = 0;
	memset(e->orders, 0, sizeof(struct lq_liq_order) * e->orders_cap);
	/* pos_order: a position's entry is set as its slot is handed out (lq_position_create) */
	e->venue_mode = LQ_VENUE_ENGINE;
	e->fill_timeout_ns = LQ_FILL_TIMEOUT_DEFAULT_NS;
	e->order_next_id = 1;
	e->order_head_id = 1;
	LQ_ASSERT(e->account_hash_mask + 1 == hcap);
	LQ_ASSERT(e->units_cap == units_capacity(lim));
	return 0;
}

static bool name_eq(const char *stored, const char *name, size_t len)
{
	LQ_ASSERT(stored != NULL);
	LQ_ASSERT(name != NULL);
	return strlen(stored) == len && memcmp(stored, name, len) == 0;
}

int lq_engine_find_asset(const struct lq_engine *e, const char *name, size_t len)
{
	LQ_ASSERT(e->asset_count <= LQ_ASSETS_MAX);
	LQ_ASSERT(name != NULL);
	for (uint32_t i = 0; i < e->asset_count; i++)
		if (name_eq(e->assets[i].name, name, len))
			return (int)i;
	return -1;
}

int lq_engine_find_instrument(const struct lq_engine *e, const char *name, size_t len)
{
	LQ_ASSERT(e->instrument_count <= LQ_INSTRUMENTS_MAX);
	LQ_ASSERT(name != NULL);
	for (uint32_t i = 0; i < e->instrument_count; i++)
		if (name_eq(e->instruments[i].name, name, len))
			return (int)i;
	return -1;
}

int lq_engine_find_fund(const struct lq_engine *e, const char *name, size_t len)
{
	LQ_ASSERT(e->fund_count <= LQ_FUNDS_MAX);
	LQ_ASSERT(name != NULL);
	for (uint32_t i = 0; i < e->fund_count; i++)
		if (name_eq(e->funds[i].name, name, len))
			return (int)i;
	return -1;
}

static uint32_t hash_id(uint64_t id)
{
	/* Fibonacci hashing: ids are often dense, this spreads them over the table. */
	return (uint32_t)((id * 0x9E3779B97F4A7C15ULL) >> 32);
}

/*
 * The account with this id, or LQ_NIL with *hole the hash slot a new one takes: a miss probes
 * once, and account_create() uses the slot it found (one probe per new account, not two).
 */
static uint32_t account_probe(const struct lq_engine *e, uint64_t id, uint32_t *hole)
{
	uint32_t h = hash_id(id) & e->account_hash_mask;

	LQ_ASSERT(e->account_hash != NULL);
	LQ_ASSERT(e->account_count <= e->limits.accounts_max);
	/* Bounded: the table is at most half full, so an empty slot is always reached. */
	for (uint32_t n = 0; n <= e->account_hash_mask; n++) {
		uint32_t s = e->account_hash[h];
		if (s == 0)
			break;
		if (e->accounts[s - 1].id == id)
			return s - 1;
		h = (h + 1) & e->account_hash_mask;
	}
	*hole = h;
	return LQ_NIL;
}

uint32_t lq_engine_find_account(const struct lq_engine *e, uint64_t id)
{
	uint32_t hole;
	return account_probe(e, id, &hole);
}

/* A new account at hash slot h (account_probe's hole for its id). */
static uint32_t account_create(struct lq_engine *e, uint64_t id, uint32_t h)
{
	uint32_t slot;

	LQ_ASSERT(id != 0); /* 0 names no account */
	LQ_ASSERT(h <= e->account_hash_mask && e->account_hash[h] == 0);
	LQ_DASSERT(lq_engine_find_account(e, id) == LQ_NIL);
	if (e->account_count >= e->limits.accounts_max)
		return LQ_NIL;
	slot = e->account_count++;
	memset(&e->accounts[slot], 0, sizeof(e->accounts[slot]));
	e->accounts[slot].id = id;
	e->accounts[slot].pos_head = LQ_NIL;
	/* the columns of the assets defined so far (lq_engine_add_asset writes the rest's) */
	for (uint32_t a = 0; a < e->asset_count; a++)
		*lq_engine_balance(e, slot, a) = 0;
	e->account_hash[h] = slot + 1;
	/*
	 * Populations create their accounts in id order, each at a random hash slot: fetch the
	 * next id's slot while this account's own lines are applied (a hint only: no state).
	 */
	__builtin_prefetch(&e->account_hash[hash_id(id + 1) & e->account_hash_mask]);
	LQ_ASSERT(slot < e->limits.accounts_max);
	return slot;
}

static bool name_ok(const char *name)
{
	LQ_ASSERT(name != NULL);
	size_t n = strlen(name);
	return n > 0 && n < LQ_NAME_MAX;
}

enum lq_status lq_engine_add_asset(struct lq_engine *e, const char *name, unsigned decimals)
{
	if (!name_ok(name) || decimals > LQ_DECIMALS_MAX)
		return LQ_E_BAD_DEFINITION;
	if (lq_engine_find_asset(e, name, strlen(name)) >= 0)
		return LQ_E_DUPLICATE;
	if (e->asset_count >= lq_engine_assets_max(&e->limits))
		return LQ_E_LIMIT;
	/* the new asset's column: the accounts opened so far hold nothing in it */
	for (uint32_t acc = 0; acc < e->account_count; acc++)
		*lq_engine_balance(e, acc, e->asset_count) = 0;
	struct lq_asset *a = &e->assets[e->asset_count++];
	strcpy(a->name, name);
	a->decimals = decimals;
	LQ_ASSERT(e->asset_count <= LQ_ASSETS_MAX);
	LQ_ASSERT(a->decimals <= LQ_DECIMALS_MAX);
	return LQ_OK;
}

enum lq_status lq_engine_add_instrument(struct lq_engine *e, const struct lq_instrument *proto)
{
	struct lq_instrument *ins;

	if (!name_ok(proto->name) || proto->settle_asset >= e->asset_count)
		return LQ_E_BAD_DEFINITION;
	if (lq_engine_find_instrument(e, proto->name, strlen(proto->name)) >= 0)
		return LQ_E_DUPLICATE;
	if (e->instrument_count >= LQ_INSTRUMENTS_MAX)
		return LQ_E_LIMIT;
	ins = &e->instruments[e->instrument_count];
	memset(ins, 0, sizeof(*ins));
	strcpy(ins->name, proto->name);
	ins->kind = proto->kind;
	ins->settle_asset = proto->settle_asset;
	ins->price_decimals = proto->price_decimals;
	ins->qty_decimals = proto->qty_decimals;
	ins->tick = proto->tick;
	ins->lot = proto->lot;
	ins->contract = proto->contract;
	ins->contract_decimals = proto->contract_decimals;
	lq_instrument_defaults(&ins->params);
	if (lq_instrument_setup(ins, &e->assets[proto->settle_asset]) != 0)
		return LQ_E_BAD_DEFINITION;
	e->instrument_count++;
	LQ_ASSERT(e->instrument_count <= LQ_INSTRUMENTS_MAX);
	LQ_ASSERT(ins->settle_asset < e->asset_count);
	return LQ_OK;
}

enum lq_status lq_engine_add_tier(struct lq_engine *e, uint32_t instrument, int64_t upto_units,
				  int64_t mmr_e8, int64_t imr_e8)
{
	if (instrument >= e->instrument_count)
		return LQ_E_UNKNOWN_INSTRUMENT;
	LQ_ASSERT(instrument < LQ_INSTRUMENTS_MAX);
	int rc = lq_instrument_add_tier(&e->instruments[instrument], upto_units, mmr_e8, imr_e8);
	LQ_ASSERT(e->instruments[instrument].tier_count <= LQ_TIERS_MAX);
	LQ_ASSERT(rc <= 0); /* 0 or -errno */
	lq_watch_touch_instrument(e, instrument);
	if (rc == -ENOSPC)
		return LQ_E_LIMIT;
	return rc == 0 ? LQ_OK : LQ_E_BAD_DEFINITION;
}

enum lq_status lq_engine_set_params(struct lq_engine *e, uint32_t instrument,
				    const struct lq_instrument_params *p)
{
	struct lq_instrument *ins;

	if (instrument >= e->instrument_count)
		return LQ_E_UNKNOWN_INSTRUMENT;
	/* every parameter within its documented range (liqd sim --help) */
	if (p->fund < -1 || p->fund >= (int)e->fund_count || p->liq_fee_e8 < 0 ||
	    p->liq_fee_e8 > LQ_RATE_ONE || p->band_e8 < 0 || p->band_e8 >= LQ_RATE_ONE ||
	    p->takeover_band_e8 < 0 || p->takeover_band_e8 >= LQ_RATE_ONE ||
	    p->fund_cap_units < -1 || p->funding_interval_ns <= 0 ||
	    p->basis_window_ns < LQ_NS_PER_S ||
	    p->basis_window_ns > LQ_BASIS_SAMPLES_MAX * LQ_NS_PER_S || p->stale_after_ns < 0 ||
	    p->fill_band_e8 < 0 || p->fill_band_e8 > 100 * LQ_RATE_ONE ||
	    (p->deficit != LQ_DEFICIT_ADL && p->deficit != LQ_DEFICIT_SOCIALIZE))
		return LQ_E_BAD_VALUE;
	ins = &e->instruments[instrument];
	if (p->basis_window_ns != ins->params.basis_window_ns) {
		ins->ms.basis_head = 0;
		ins->ms.basis_count = 0;
		ins->ms.basis_sum_x2 = 0;
	}
	ins->params = *p;
	LQ_ASSERT(ins->params.fund < (int)e->fund_count);
	LQ_ASSERT(ins->params.fund_cap_units >= -1);
	lq_watch_touch_instrument(e, instrument);
	return LQ_OK;
}

enum lq_status lq_engine_fund_ref(struct lq_engine *e, const char *name, uint32_t *fund)
{
	int f = lq_engine_find_fund(e, name, strlen(name));

	if (f >= 0) {
		*fund = (uint32_t)f;
		return LQ_OK;
	}
	if (!name_ok(name))
		return LQ_E_BAD_DEFINITION;
	if (e->fund_count >= LQ_FUNDS_MAX)
		return LQ_E_LIMIT;
	struct lq_fund *fd = &e->funds[e->fund_count];
	memset(fd, 0, sizeof(*fd));
	strcpy(fd->name, name);
	*fund = e->fund_count++;
	LQ_ASSERT(e->fund_count <= LQ_FUNDS_MAX);
	LQ_ASSERT(!fd->defined);
	return LQ_OK;
}

enum lq_status lq_engine_define_fund(struct lq_engine *e, const char *name, uint32_t asset,
				     int64_t balance_units)
{
	uint32_t f;
	enum lq_status st;

	if (asset >= e->asset_count)
		return LQ_E_UNKNOWN_ASSET;
	if (balance_units < 0 || balance_units > LQ_MONEY_MAX)
		return LQ_E_BAD_VALUE;
	st = lq_engine_fund_ref(e, name, &f);
	if (st != LQ_OK)
		return st;
	if (e->funds[f].defined)
		return LQ_E_DUPLICATE;
	e->funds[f].defined = true;
	e->funds[f].asset = asset;
	LQ_ASSERT(f < LQ_FUNDS_MAX);
	const lq_i128 before = e->ledger.total[LQ_LEDGER_FUND0 + f][asset];
	lq_ledger_move(e, LQ_LEDGER_EXTERNAL, LQ_LEDGER_FUND0 + f, asset, balance_units);
	LQ_ASSERT(e->ledger.total[LQ_LEDGER_FUND0 + f][asset] == before + balance_units);
	return LQ_OK;
}

static enum lq_status check_instrument(const struct lq_engine *e, uint32_t instrument)
{
	LQ_ASSERT(e->instrument_count <= LQ_INSTRUMENTS_MAX);
	return instrument < e->instrument_count ? LQ_OK : LQ_E_UNKNOWN_INSTRUMENT;
}

static enum lq_status apply_deposit(struct lq_engine *e, const struct lq_cmd *c)
{
	uint32_t a;

	if (c->asset >= e->asset_count)
		return LQ_E_UNKNOWN_ASSET;
	if (c->amount <= 0 || c->account == 0)
		return LQ_E_BAD_VALUE;
	uint32_t hole;
	a = account_probe(e, c->account, &hole);
	if (a == LQ_NIL) {
		a = account_create(e, c->account, hole);
		if (a == LQ_NIL)
			return LQ_E_LIMIT;
	}
	const int64_t before = *lq_engine_balance(e, a, c->asset);
	if ((lq_i128)before + c->amount > LQ_MONEY_MAX ||
	    !lq_ledger_credit(e, a, c->asset, c->amount, LQ_LEDGER_EXTERNAL))
		return LQ_E_OVERFLOW; /* beyond the safe range */
	LQ_ASSERT(*lq_engine_balance(e, a, c->asset) <= LQ_MONEY_MAX);
	LQ_ASSERT(*lq_engine_balance(e, a, c->asset) == before + c->amount);
	lq_watch_touch(e, a);
	return LQ_OK;
}

static enum lq_status apply_withdraw(struct lq_engine *e, const struct lq_cmd *c)
{
	struct lq_margin m;
	uint32_t a;
	int64_t eq;

	if (c->asset >= e->asset_count)
		return LQ_E_UNKNOWN_ASSET;
	if (c->amount <= 0)
		return LQ_E_BAD_VALUE;
	a = lq_engine_find_account(e, c->account);
	if (a == LQ_NIL)
		return LQ_E_UNKNOWN_ACCOUNT;
	LQ_ASSERT(a < e->account_count);
	/* the cross margin behind an order in flight is held until the order settles */
	if (lq_engine_unit_in_flight(e, &(struct lq_unit){.account = a, .ref = c->asset}))
		return LQ_E_IN_LIQUIDATION;
	/* decide on the balance as it stands once pending funding is settled; settle only if
	 * the withdrawal goes through (a refused event changes nothing) */
	if (c->amount > lq_position_settled_balance(e, a, c->asset))
		return LQ_E_INSUFFICIENT_BALANCE;
	lq_account_margin(e, a, c->asset, &m);
	LQ_ASSERT(m.im_units >= 0);
	if (lq_sub_ovf(m.equity_units, c->amount, &eq) || eq < m.im_units)
		return LQ_E_BELOW_INITIAL_MARGIN;
	/*
	 * Not asserted: that the settled balance covers the withdrawal. The decision sums every
	 * pending payment in 128 bits, settlement credits them one position at a time, and a
	 * credit past the int64 range is not made (position.c settle_funding), so the two can
	 * differ at absurd funding amounts.
	 */
	lq_position_settle_asset(e, a, c->asset);
	if (!lq_ledger_credit(e, a, c->asset, -c->amount, LQ_LEDGER_EXTERNAL))
		return LQ_E_OVERFLOW;
	lq_watch_touch(e, a);
	return LQ_OK;
}

/*
 * A fill's own figures: on the grid, within the band around the mark, representable. *r: the
 * fill on a flat position (a new position's, which apply_fill passes on).
 */
static enum lq_status fill_check(const struct lq_instrument *ins, const struct lq_cmd *c,
				 struct lq_fill_result *r)
{
	LQ_ASSERT(ins->tick > 0);
	LQ_ASSERT(ins->lot > 0);
	if (c->account == 0 || c->qty == 0 || c->price <= 0)
		return LQ_E_BAD_VALUE;
	if (!lq_instrument_on_lot(ins, c->qty))
		return LQ_E_OFF_GRID_QTY;
	if (!lq_instrument_on_tick(ins, c->price))
		return LQ_E_OFF_GRID_PRICE;
	/* a fill implausibly far from the mark is refused before it can move money */
	if (!lq_instrument_in_fill_band(ins, c->price))
		return LQ_E_PRICE_BAND;
	/* a fill that cannot be represented is refused before it creates anything */
	const struct lq_position empty = {0};
	if (!lq_position_fill(ins, &empty, c->qty, c->price, r))
		return LQ_E_OVERFLOW;
	if (c->fee < -LQ_MONEY_MAX || c->fee > LQ_MONEY_MAX)
		return LQ_E_OVERFLOW;
	return LQ_OK;
}

/*
 * Does the fill leave position p representable and within the safe range (its value and cost
 * basis, the balance after it)? Checked first so that a refused fill changes nothing. *r: the
 * fill (lq_position_fill on p), computed here unless `known` (a new, flat position: the fill
 * fill_check computed on a flat one, the same figures).
 */
static bool fill_fits(const struct lq_engine *e, uint32_t a, uint32_t p, const struct lq_cmd *c,
		      struct lq_fill_result *r, bool known)
{
	const struct lq_instrument *ins = &e->instruments[c->instrument];
	const struct lq_position *pos = &e->positions[p];
	lq_i128 v_after = 0;

	LQ_ASSERT(pos->account == a);
	LQ_ASSERT(pos->instrument == c->instrument);
	LQ_ASSERT(!known || (pos->qty == 0 && pos->cost == 0));
	const int64_t held =
	    pos->isolated ? pos->margin_units : *lq_engine_balance(e, a, ins->settle_asset);
	if (!known && !lq_position_fill(ins, pos, c->qty, c->price, r))
		return false;
	if (r->qty != 0 && lq_instrument_value_ovf(ins, r->qty, c->price, LQ_ROUND_FLOOR, &v_after))
		return false;
	if (v_after / LQ_FINE_ONE > LQ_MONEY_MAX || v_after / LQ_FINE_ONE < -LQ_MONEY_MAX)
		return false;
	if (r->cost / LQ_FINE_ONE > LQ_MONEY_MAX || r->cost / LQ_FINE_ONE < -LQ_MONEY_MAX)
		return false;
	const lq_i128 after = (lq_i128)held + r->realized_units - c->fee;
	return after <= LQ_MONEY_MAX && after >= -LQ_MONEY_MAX;
}

static enum lq_status apply_fill(struct lq_engine *e, const struct lq_cmd *c)
{
	struct lq_instrument *ins;
	struct lq_fill_result r;
	uint32_t a, p;
	bool created_pos = false;
	enum lq_status st = check_instrument(e, c->instrument);

	if (st != LQ_OK)
		return st;
	ins = &e->instruments[c->instrument];
	st = fill_check(ins, c, &r);
	if (st != LQ_OK)
		return st;
	uint32_t hole;
	a = account_probe(e, c->account, &hole);
	if (a == LQ_NIL && c->flag)
		return LQ_E_UNKNOWN_ACCOUNT; /* a feed's fill: the account must exist */
	if (a == LQ_NIL) {
		a = account_create(e, c->account, hole);
		if (a == LQ_NIL)
			return LQ_E_LIMIT;
	}
	p = lq_position_find(e, a, c->instrument);
	/* a position in liquidation: its quantity is the order's until the order settles */
	if (p != LQ_NIL && lq_engine_position_in_flight(e, p))
		return LQ_E_IN_LIQUIDATION;
	if (p == LQ_NIL) {
		p = lq_position_create(e, a, c->instrument);
		if (p == LQ_NIL)
			return LQ_E_LIMIT;
		created_pos = true;
	}
	if (!fill_fits(e, a, p, c, &r, created_pos)) {
		if (created_pos)
			lq_position_release(e, p);
		return LQ_E_OVERFLOW;
	}
	LQ_ASSERT(a < e->account_count);
	LQ_ASSERT(e->positions[p].account == a);
	/* the fill fill_fits checked (the same position, trade and price) */
	st = lq_position_trade_filled(e, p, c->qty, c->price, &r, c->fee, LQ_LEDGER_FEES);
	/* a fill that leaves its account flat and below zero: nobody can collect that */
	if (st == LQ_OK && e->trigger_mode != LQ_TRIGGER_OFF)
		lq_liq_write_off_flat(e, a, ins->settle_asset);
	if (st == LQ_OK && ins->ms.last_fill != c->price) {
		ins->ms.last_fill = c->price;
		/* before the first mark, positions are valued at the last fill */
		if (ins->ms.mark == 0)
			lq_watch_mark_moved(e, c->instrument);
	}
	return st;
}

/*
 * Would the account keep its initial margin with `amount` moved into position pos, isolated
 * (new margin nm)? Decided on the state after the move: applied tentatively, checked, undone.
 * Adding margin can only help the position; taking it from the balance can only hurt the
 * cross side. A mode switch moves the position's PnL and margin: both are checked.
 */
static bool isolate_keeps_im(struct lq_engine *e, uint32_t a, struct lq_position *pos, int64_t nm,
			     int64_t amount, bool was_cross)
{
	const struct lq_instrument *ins = &e->instruments[pos->instrument];
	const uint32_t asset = ins->settle_asset;
	const int64_t old_margin = pos->margin_units, old_balance = *lq_engine_balance(e, a, asset);
	struct lq_margin cross, iso;

	LQ_ASSERT(pos->account == a);
	pos->isolated = true;
	pos->margin_units = nm;
	*lq_engine_balance(e, a, asset) -= amount;
	lq_account_margin(e, a, asset, &cross);
	const bool ok = lq_account_isolated_margin_at(e, pos, lq_instrument_mark(ins), &iso);
	pos->margin_units = old_margin;
	*lq_engine_balance(e, a, asset) += amount;
	pos->isolated = !was_cross;
	LQ_ASSERT(*lq_engine_balance(e, a, asset) == old_balance); /* undone */
	const bool check_cross = amount > 0 || was_cross;
	const bool check_iso = (amount < 0 || was_cross) && pos->qty != 0;
	if (!ok)
		return false;
	if (check_cross && cross.equity_units < cross.im_units)
		return false;
	return !(check_iso && iso.equity_units < iso.im_units);
}

/* The accepted move: settle pending funding into the holders it accrued to, then move. */
static void isolate_move(struct lq_engine *e, uint32_t a, uint32_t p, int64_t amount)
{
	struct lq_position *pos = &e->positions[p];
	const uint32_t asset = e->instruments[pos->instrument].settle_asset;

	LQ_ASSERT(a < e->account_count);
	LQ_ASSERT(pos->account == a);
	lq_position_settle_asset(e, a, asset);
	pos->isolated = true;
	pos->margin_units += amount;
	*lq_engine_balance(e, a, asset) -= amount;
	e->accounts[a].asset_mask |= 1u << asset;
	if (pos->qty == 0 && pos->margin_units == 0) {
		pos->isolated = false; /* all margin taken back from a flat position */
		lq_position_release(e, p);
	}
	lq_watch_touch(e, a);
}

/*
 * Isolate: make the position isolated (creating an empty one if needed) and move `amount`
 * between the balance and its margin (+ into the position, - back to the balance).
 */
static enum lq_status apply_isolate(struct lq_engine *e, const struct lq_cmd *c)
{
	uint32_t a, p, asset;
	int64_t nm;
	enum lq_status st = check_instrument(e, c->instrument);

	if (st != LQ_OK)
		return st;
	asset = e->instruments[c->instrument].settle_asset;
	LQ_ASSERT(asset < e->asset_count);
	a = lq_engine_find_account(e, c->account);
	if (a == LQ_NIL)
		return LQ_E_UNKNOWN_ACCOUNT;
	LQ_ASSERT(a < e->account_count);
	p = lq_position_find(e, a, c->instrument);
	/* neither the position in liquidation nor the cross margin behind an order moves */
	if ((p != LQ_NIL && lq_engine_position_in_flight(e, p)) ||
	    lq_engine_unit_in_flight(e, &(struct lq_unit){.account = a, .ref = asset}))
		return LQ_E_IN_LIQUIDATION;
	const bool was_cross = p == LQ_NIL || !e->positions[p].isolated;
	if (c->amount > 0 && c->amount > lq_position_settled_balance(e, a, asset))
		return LQ_E_INSUFFICIENT_BALANCE;
	if (c->amount < 0 && (was_cross || -c->amount > e->positions[p].margin_units))
		return LQ_E_INSUFFICIENT_BALANCE;
	const bool created = p == LQ_NIL;
	if (created) {
		p = lq_position_create(e, a, c->instrument);
		if (p == LQ_NIL)
			return LQ_E_LIMIT;
	}
	struct lq_position *pos = &e->positions[p];
	/* the margin after the funding it settles first and the move: within the safe range */
	const lq_i128 settled_margin =
	    pos->isolated ? (lq_i128)pos->margin_units - lq_position_funding_due(e, pos)
			  : pos->margin_units;
	if (lq_add_ovf(pos->margin_units, c->amount, &nm) ||
	    settled_margin + c->amount > LQ_MONEY_MAX ||
	    settled_margin + c->amount < -LQ_MONEY_MAX) {
		if (created)
			lq_position_release(e, p);
		return LQ_E_OVERFLOW;
	}
	if (!isolate_keeps_im(e, a, pos, nm, c->amount, was_cross)) {
		if (created)
			lq_position_release(e, p);
		return LQ_E_BELOW_INITIAL_MARGIN;
	}
	isolate_move(e, a, p, c->amount);
	return LQ_OK;
}

static void mark_set(struct lq_engine *e, struct lq_instrument *ins, int64_t m)
{
	LQ_ASSERT(ins >= e->instruments);
	LQ_ASSERT(ins < e->instruments + e->instrument_count);
	if (m <= 0 || m == ins->ms.mark)
		return;
	ins->ms.mark = m;
	e->rank_epoch[ins - e->instruments]++;
	lq_watch_mark_moved(e, (uint32_t)(ins - e->instruments));
}

/* A mark or staleness change the marker announced (embedded, or the pipeline's mark stage). */
static void apply_derived(void *ctx, const struct lq_cmd *d)
{
	struct lq_engine *e = ctx;
	struct lq_instrument *ins;

	LQ_ASSERT(d->instrument < e->instrument_count);
	ins = &e->instruments[d->instrument];
	if (d->type == LQ_CMD_MARK_SET) {
		mark_set(e, ins, d->price);
		return;
	}
	LQ_ASSERT(d->type == LQ_CMD_STALE);
	if (d->flag == ins->ms.stale)
		return;
	ins->ms.stale = d->flag;
	/* recovering re-checks what was deferred; going stale re-checks nothing harmful */
	lq_watch_touch_instrument(e, d->instrument);
	if (e->sink) {
		struct lq_event ev = {
		    .type = LQ_EV_STALE, .instrument = d->instrument, .flag = d->flag};
		e->sink(e->sink_ctx, &ev);
	}
}

/* The feed lost messages (halt the instrument's liquidations) or refreshed it (resume). */
static enum lq_status apply_feed_gap(struct lq_engine *e, const struct lq_cmd *c)
{
	if (c->instrument >= e->instrument_count)
		return LQ_E_UNKNOWN_INSTRUMENT;
	struct lq_instrument *ins = &e->instruments[c->instrument];
	LQ_ASSERT(c->type == LQ_CMD_FEED_GAP);
	if (!c->flag && !ins->ms.feed_halted)
		return LQ_OK;
	ins->ms.feed_halted = c->flag;
	LQ_ASSERT(lq_trigger_tradable(e, c->instrument) == (!c->flag && !ins->ms.stale));
	if (c->flag)
		e->stats.feed_gaps++;
	/* resuming re-checks what was deferred; halting re-checks nothing harmful */
	lq_watch_touch_instrument(e, c->instrument);
	if (e->sink) {
		struct lq_event ev = {.type = c->flag ? LQ_EV_FEED_GAP : LQ_EV_FEED_RECOVERED,
				      .instrument = c->instrument,
				      .account = c->account,
				      .amount_units = c->amount,
				      .flag = c->flag};
		e->sink(e->sink_ctx, &ev);
	}
	return LQ_OK;
}

static enum lq_status apply_market(struct lq_engine *e, const struct lq_cmd *c)
{
	enum lq_status st = LQ_OK;

	LQ_DASSERT(lq_marker_is_market(c->type));
	if (e->marker_embedded) {
		st = lq_marker_apply(&e->marker, c, apply_derived, e);
		if (st != LQ_OK)
			return st;
	}
	if (c->type == LQ_CMD_TIME) {
		if (e->time_set && c->time_ns < e->now_ns)
			return LQ_E_TIME_BACKWARDS;
		e->now_ns = c->time_ns;
		e->time_set = true;
		LQ_ASSERT(e->now_ns == c->time_ns);
		/* orders whose fill_timeout passed settle on the fills they had */
		lq_liq_orders_expire(e);
	} else if (c->type == LQ_CMD_BOOK) {
		if (c->instrument >= e->instrument_count)
			return LQ_E_UNKNOWN_INSTRUMENT;
		struct lq_instrument *ins = &e->instruments[c->instrument];
		/*
		 * Checked once, by the marker: the embedded one above (a refusal returned), or the
		 * pipeline's mark stage, which forwards only a book it took (lq_marker_apply_book)
		 * and whose copy the engine's equals, change for change. Checking again here was
		 * 10% of a book replay's instructions.
		 */
		LQ_DASSERT(lq_marker_book_check(ins, c->book) == LQ_OK);
		ins->book = *c->book;
		LQ_ASSERT(ins->book.bid_count <= LQ_BOOK_LEVELS_MAX);
		LQ_ASSERT(ins->book.ask_count <= LQ_BOOK_LEVELS_MAX);
		/* a fund holding positions it could not close offers them to the new book */
		lq_liq_fund_reoffer(e, c->instrument);
	}
	return st;
}

static enum lq_status apply_funding(struct lq_engine *e, const struct lq_cmd *c)
{
	struct lq_instrument *ins;
	enum lq_status st = check_instrument(e, c->instrument);
	int64_t m;

	LQ_ASSERT(c->type == LQ_CMD_FUNDING);
	if (st != LQ_OK)
		return st;
	ins = &e->instruments[c->instrument];
	m = lq_instrument_mark(ins);
	if (m <= 0)
		return LQ_E_NO_MARK;
	if (c->rate_e8 <= -LQ_RATE_ONE || c->rate_e8 >= LQ_RATE_ONE)
		return LQ_E_BAD_VALUE;
	const lq_i128 old_ceil = ins->funding_index_ceil, old_floor = ins->funding_index_floor;
	if (lq_instrument_funding_ovf(ins, c->rate_e8, m))
		return LQ_E_OVERFLOW;
	LQ_ASSERT(ins->funding_index_ceil >= ins->funding_index_floor);
	/*
	 * Every position must still be able to settle what it will owe: a payment beyond what a
	 * balance can hold refuses the funding event (O(positions), which it costs anyway).
	 */
	for (uint32_t p = e->inst_head[c->instrument]; p != LQ_NIL; p = e->positions[p].inst_next) {
		const struct lq_position *pos = &e->positions[p];
		int64_t due = lq_position_funding_due(e, pos), held, after;
		held = pos->isolated ? pos->margin_units
				     : *lq_engine_balance(e, pos->account, ins->settle_asset);
		if (due == INT64_MAX || due == -INT64_MAX || lq_sub_ovf(held, due, &after)) {
			ins->funding_index_ceil = old_ceil;
			ins->funding_index_floor = old_floor;
			return LQ_E_OVERFLOW;
		}
	}
	/* flag (a replay's funding time): settle every holder now, its funding event now */
	for (uint32_t p = e->inst_head[c->instrument]; c->flag && p != LQ_NIL;
	     p = e->positions[p].inst_next)
		lq_position_settle_asset(e, e->positions[p].account, ins->settle_asset);
	/* every position's pending funding moved: re-check them all (funding is rare) */
	lq_watch_touch_instrument(e, c->instrument);
	return LQ_OK;
}

void lq_engine_settle_account_funding(struct lq_engine *e, uint32_t account)
{
	LQ_ASSERT(account < e->account_count);
	lq_position_settle_account(e, account);
	LQ_ASSERT(e->accounts[account].pos_head == LQ_NIL ||
		  lq_position_funding_due(e, &e->positions[e->accounts[account].pos_head]) == 0);
}

void lq_engine_set_marker_embedded(struct lq_engine *e, bool embedded)
{
	LQ_ASSERT(e->instrument_count <= LQ_INSTRUMENTS_MAX);
	e->marker_embedded = embedded;
	LQ_ASSERT(e->marker_embedded == embedded);
}

void lq_engine_run_trigger(struct lq_engine *e)
{
	/* an event of its own: per-event state (ADL ranking, fund caps) starts afresh */
	lq_engine_begin_event(e);
	LQ_ASSERT(e->fund_paid_touched == 0); /* per-event state cleared */
	lq_engine_end_event(e);
	LQ_ASSERT(e->ledger_touched == 0);
}

void lq_engine_set_trigger_mode(struct lq_engine *e, enum lq_trigger_mode mode)
{
	LQ_ASSERT(mode == LQ_TRIGGER_INDEX || mode == LQ_TRIGGER_SCAN || mode == LQ_TRIGGER_OFF);
	LQ_ASSERT(e->account_count <= e->limits.accounts_max);
	e->trigger_mode = mode;
	/* re-derive every account's state under the new mode */
	for (uint32_t a = 0; a < e->account_count; a++)
		lq_watch_touch(e, a);
}

/* Compare our mark with a venue's published one (a measurement: nothing else changes). */
static enum lq_status apply_mark_ref(struct lq_engine *e, const struct lq_cmd *c)
{
	const struct lq_instrument *ins;
	lq_i128 ours, theirs, diff, err;

	if (c->instrument >= e->instrument_count)
		return LQ_E_UNKNOWN_INSTRUMENT;
	if (c->price <= 0 || c->amount < 0 || c->amount > LQ_DECIMALS_MAX)
		return LQ_E_BAD_VALUE;
	ins = &e->instruments[c->instrument];
	if (ins->ms.mark <= 0)
		return LQ_OK; /* nothing to compare yet */
	/* both on the finer of the two grids */
	const unsigned dv = (unsigned)c->amount, dp = ins->price_decimals;
	const unsigned d = dv > dp ? dv : dp;
	ours = (lq_i128)ins->ms.mark * lq_pow10(d - dp);
	theirs = (lq_i128)c->price * lq_pow10(d - dv);
	diff = ours > theirs ? ours - theirs : theirs - ours;
	LQ_ASSERT(theirs > 0);
	LQ_ASSERT(diff >= 0);
	err = lq_div128_round(diff * 100000000, theirs); /* 10^-4 bp = 10^-8 */
	e->stats.mark_ref_count++;
	if ((uint64_t)err > e->stats.mark_ref_max_e4bps)
		e->stats.mark_ref_max_e4bps = (uint64_t)err;
	uint64_t bucket = (uint64_t)lq_div128_round(err, 100);
	if (bucket >= LQ_MARK_REF_BUCKETS)
		bucket = LQ_MARK_REF_BUCKETS - 1;
	e->stats.mark_ref_hist[bucket]++;
	return LQ_OK;
}

uint64_t lq_engine_mark_ref_median_e4bps(const struct lq_engine *e)
{
	uint64_t seen = 0, half = (e->stats.mark_ref_count + 1) / 2;

	LQ_ASSERT(half <= e->stats.mark_ref_count);
	for (uint32_t b = 0; b < LQ_MARK_REF_BUCKETS; b++) {
		seen += e->stats.mark_ref_hist[b];
		if (seen >= half && seen > 0)
			return (uint64_t)b * 100;
	}
	return 0;
}

/*
 * How liquidation orders fill from now on. Orders in flight stay so until they end, whatever
 * the mode; a new fill_timeout applies to them too (measured from each one's sending).
 */
static enum lq_status apply_venue(struct lq_engine *e, const struct lq_cmd *c)
{
	LQ_ASSERT(c->type == LQ_CMD_VENUE);
	if (c->time_ns <= 0)
		return LQ_E_BAD_VALUE;
	const enum lq_venue_mode mode = c->flag ? LQ_VENUE_EXTERNAL : LQ_VENUE_ENGINE;
	if (mode == e->venue_mode && c->time_ns == e->fill_timeout_ns)
		return LQ_OK; /* as it was (a recovered replay says it again) */
	e->venue_mode = mode;
	e->fill_timeout_ns = c->time_ns;
	LQ_ASSERT(e->fill_timeout_ns > 0);
	/* a liquidation waiting for a free slot may go ahead under the engine's venue */
	for (uint32_t a = 0; a < e->account_count && e->orders_in_flight != 0; a++)
		lq_watch_touch(e, a);
	return LQ_OK;
}

void lq_engine_begin_event(struct lq_engine *e)
{
	e->stats.events++;
	LQ_ASSERT(e->dirty_count <= e->limits.accounts_max);
	/* only the entries the last event wrote: a quiet event touches none */
	for (uint64_t t = e->fund_paid_touched; t != 0; t &= t - 1)
		e->fund_paid_units[__builtin_ctzll(t)] = 0;
	e->fund_paid_touched = 0;
	LQ_DASSERT(e->fund_paid_units[0] == 0);
}

enum lq_status lq_engine_apply_part(struct lq_engine *e, const struct lq_cmd *c)
{
	LQ_ASSERT(c != NULL);
	LQ_ASSERT(e->instrument_count <= LQ_INSTRUMENTS_MAX);
	switch (c->type) {
	case LQ_CMD_DEPOSIT:
		return apply_deposit(e, c);
	case LQ_CMD_WITHDRAW:
		return apply_withdraw(e, c);
	case LQ_CMD_FILL:
		return apply_fill(e, c);
	case LQ_CMD_ISOLATE:
		return apply_isolate(e, c);
	case LQ_CMD_BOOK:
	case LQ_CMD_INDEX:
	case LQ_CMD_MARK:
	case LQ_CMD_TRADE:
	case LQ_CMD_TIME:
		return apply_market(e, c);
	case LQ_CMD_MARK_SET:
	case LQ_CMD_STALE:
		if (c->instrument >= e->instrument_count)
			return LQ_E_UNKNOWN_INSTRUMENT;
		apply_derived(e, c);
		return LQ_OK;
	case LQ_CMD_FUNDING:
		return apply_funding(e, c);
	case LQ_CMD_MARK_REF:
		return apply_mark_ref(e, c);
	case LQ_CMD_FEED_GAP:
		return apply_feed_gap(e, c);
	case LQ_CMD_LIQ_FILL:
		return c->instrument < e->instrument_count ? lq_liq_order_fill(e, c)
							   : LQ_E_UNKNOWN_INSTRUMENT;
	case LQ_CMD_VENUE:
		return apply_venue(e, c);
	}
	return LQ_E_BAD_VALUE;
}

/*
 * The level trigger decides, the engine executes: liquidate the unit it names, then ask it
 * again (it re-checks what the liquidation changed), until nothing is left.
 */
static void run_trigger(struct lq_engine *e)
{
	struct lq_trigger_cursor c;
	struct lq_unit u;

	if (lq_trigger_idle(e))
		return; /* a quiet event: nothing queued, nothing to decide */
	lq_trigger_begin(e, &c);
	while (lq_trigger_next(e, &c, &u))
		lq_liq_unit(e, &u);
	LQ_ASSERT(c.settled);
	LQ_ASSERT(!c.pending);
}

void lq_engine_end_event(struct lq_engine *e)
{
	run_trigger(e);
	LQ_ASSERT(e->trigger_mode != LQ_TRIGGER_OFF || e->dirty_count == 0);
	lq_ledger_check(e);
	LQ_ASSERT(e->ledger_touched == 0);
}

enum lq_status lq_engine_apply(struct lq_engine *e, const struct lq_cmd *c)
{
	lq_engine_begin_event(e);
	enum lq_status st = lq_engine_apply_part(e, c);
	LQ_ASSERT((unsigned)st <= LQ_STATUS_MAX);
	lq_engine_end_event(e);
	LQ_ASSERT(e->ledger_touched == 0);
	return st;
}

size_t lq_engine_reject_reason(char *buf, size_t cap, enum lq_status st, enum lq_cmd_type type,
			       uint64_t account)
{
	const char *detail = NULL;
	char acc[32];

	LQ_ASSERT(buf != NULL || cap == 0);
	LQ_ASSERT(cap <= INT32_MAX);
	if (st == LQ_E_UNKNOWN_ACCOUNT) {
		snprintf(acc, sizeof(acc), "%llu", (unsigned long long)account);
		detail = acc;
	} else if (st == LQ_E_BAD_VALUE && type == LQ_CMD_FUNDING) {
		detail = "a funding rate is within (-1, 1)";
	} else if (st == LQ_E_BAD_VALUE && type == LQ_CMD_BOOK) {
		detail = "levels strictly ordered, best first, quantities > 0";
	} else if (st == LQ_E_NO_MARK) {
		detail = "set a mark (or trade) first";
	} else if (st == LQ_E_BAD_VALUE && type == LQ_CMD_LIQ_FILL) {
		detail =
		    "a fill has qty > 0 and price > 0 (leaves >= 0), a cancel qty 0 and leaves 0";
	} else if ((st == LQ_E_UNKNOWN_ORDER || st == LQ_E_ORDER_ENDED) &&
		   type == LQ_CMD_LIQ_FILL) {
		snprintf(acc, sizeof(acc), "%llu", (unsigned long long)account); /* the order */
		detail = acc;
	}
	int n = detail ? snprintf(buf, cap, "%s: %s", lq_engine_status_str(st), detail)
		       : snprintf(buf, cap, "%s", lq_engine_status_str(st));
	return n < 0 ? 0 : (size_t)n;
}
