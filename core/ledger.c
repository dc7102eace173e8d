/* SPDX-License-Identifier: MIT */
/*
 * The ledger (DESIGN 1.7.3): every money movement is a transfer between two ledger slots, so
 * that each asset's slots sum to zero after every input event; and the account balances it
 * moves (an account's balance, or the isolated margin of a position's holder).
 * Layer: the lowest of the engine's state, above num and instrument.
 */
#include "lq/assert.h"
#include "lq/engine.h"
#include "ledger.h"

void lq_ledger_move(struct lq_engine *e, uint32_t from, uint32_t to, uint32_t asset, int64_t amount)
{
	LQ_ASSERT(from < LQ_LEDGER_SLOTS);
	LQ_ASSERT(to < LQ_LEDGER_SLOTS);
	/* only the slots in use move: the others stay zero (lq_ledger_sum_used) */
	LQ_ASSERT(from < lq_ledger_slots_used(e));
	LQ_ASSERT(to < lq_ledger_slots_used(e));
	LQ_ASSERT(asset < e->asset_count);
	LQ_ASSERT(amount != INT64_MIN);
	const lq_i128 pair_before = e->ledger.total[from][asset] + e->ledger.total[to][asset];
	e->ledger.total[from][asset] -= amount;
	e->ledger.total[to][asset] += amount;
	e->ledger_touched |= 1u << asset;
	/* a transfer: what one slot loses the other gains */
	LQ_ASSERT(e->ledger.total[from][asset] + e->ledger.total[to][asset] == pair_before);
}

lq_i128 lq_ledger_sum(const struct lq_engine *e, uint32_t asset)
{
	lq_i128 s = 0;

	LQ_ASSERT(asset < LQ_ASSETS_MAX);
	for (uint32_t i = 0; i < LQ_LEDGER_SLOTS; i++)
		s += e->ledger.total[i][asset];
	return s;
}

lq_i128 lq_ledger_sum_used(const struct lq_engine *e, uint32_t asset)
{
	const uint32_t used = lq_ledger_slots_used(e);
	lq_i128 s = 0;

	LQ_ASSERT(asset < LQ_ASSETS_MAX);
	LQ_ASSERT(used <= LQ_LEDGER_SLOTS);
	for (uint32_t i = 0; i < used; i++)
		s += e->ledger.total[i][asset];
	/* the slots beyond are zero: the same sum as lq_ledger_sum's */
	LQ_DASSERT(s == lq_ledger_sum(e, asset));
	return s;
}

bool lq_ledger_unused_zero(const struct lq_engine *e)
{
	if (e->fund_count > LQ_FUNDS_MAX)
		return false;
	for (uint32_t i = lq_ledger_slots_used(e); i < LQ_LEDGER_SLOTS; i++)
		for (uint32_t a = 0; a < LQ_ASSETS_MAX; a++)
			if (e->ledger.total[i][a] != 0)
				return false;
	return true;
}

lq_i128 lq_ledger_accounts_sum(const struct lq_engine *e, uint32_t asset)
{
	lq_i128 s = 0;

	LQ_ASSERT(asset < LQ_ASSETS_MAX);
	LQ_ASSERT(e->account_count <= e->limits.accounts_max);
	for (uint32_t a = 0; a < e->account_count; a++) {
		const struct lq_account *acc = &e->accounts[a];
		s += *lq_engine_balance(e, a, asset);
		for (uint32_t p = acc->pos_head; p != LQ_NIL; p = e->positions[p].next) {
			const struct lq_position *pos = &e->positions[p];
			if (e->instruments[pos->instrument].settle_asset == asset)
				s += pos->margin_units;
		}
	}
	return s;
}

/* Credit (or debit, amount < 0) an account's balance against a ledger slot. */
bool lq_ledger_credit(struct lq_engine *e, uint32_t account, uint32_t asset, int64_t amount,
		      uint32_t counter_slot)
{
	LQ_ASSERT(account < e->account_count);
	LQ_ASSERT(asset < e->asset_count);
	LQ_ASSERT(counter_slot != LQ_LEDGER_ACCOUNTS);
	LQ_ASSERT(counter_slot < LQ_LEDGER_SLOTS);
	struct lq_account *acc = &e->accounts[account];
	const lq_i128 slot_before = e->ledger.total[LQ_LEDGER_ACCOUNTS][asset];
	int64_t nb;

	if (lq_add_ovf(*lq_engine_balance(e, account, asset), amount, &nb))
		return false;
	*lq_engine_balance(e, account, asset) = nb;
	acc->asset_mask |= 1u << asset;
	lq_ledger_move(e, counter_slot, LQ_LEDGER_ACCOUNTS, asset, amount);
	LQ_ASSERT(e->ledger.total[LQ_LEDGER_ACCOUNTS][asset] == slot_before + amount);
	LQ_ASSERT(*lq_engine_balance(e, account, asset) == nb);
	return true;
}

/* Credit a position's holder: its isolated margin, or the account's balance. */
bool lq_ledger_credit_holder(struct lq_engine *e, struct lq_position *p, int64_t amount,
			     uint32_t counter_slot)
{
	LQ_ASSERT(p->instrument < e->instrument_count);
	LQ_ASSERT(counter_slot != LQ_LEDGER_ACCOUNTS);
	LQ_ASSERT(counter_slot < LQ_LEDGER_SLOTS);
	LQ_ASSERT(p->account < e->account_count);
	const uint32_t asset = e->instruments[p->instrument].settle_asset;
	int64_t nm;

	if (!p->isolated)
		return lq_ledger_credit(e, p->account, asset, amount, counter_slot);
	if (lq_add_ovf(p->margin_units, amount, &nm))
		return false;
	const lq_i128 slot_before = e->ledger.total[LQ_LEDGER_ACCOUNTS][asset];
	p->margin_units = nm;
	lq_ledger_move(e, counter_slot, LQ_LEDGER_ACCOUNTS, asset, amount);
	LQ_ASSERT(e->ledger.total[LQ_LEDGER_ACCOUNTS][asset] == slot_before + amount);
	return true;
}
