/* SPDX-License-Identifier: MIT */
#ifndef LQ_LEDGER_H
#define LQ_LEDGER_H

/* The ledger (ledger.c). lq_ledger_sum and lq_ledger_accounts_sum are public (lq/engine.h). */
#include "lq/assert.h"
#include "lq/engine.h"

/*
 * The ledger slots in use: the fixed ones and one per fund referenced so far (fund_count only
 * grows). lq_ledger_move moves money between these only (asserted, release builds too), and
 * every slot starts at zero, so the slots beyond stay zero.
 */
static inline uint32_t lq_ledger_slots_used(const struct lq_engine *e)
{
	LQ_DASSERT(e->fund_count <= LQ_FUNDS_MAX);
	return LQ_LEDGER_FUND0 + e->fund_count;
}
/* The sum of one asset over the slots in use: lq_ledger_sum's, the rest being zero. */
lq_i128 lq_ledger_sum_used(const struct lq_engine *e, uint32_t asset);
/* Are the slots beyond those in use all zero (a restored image's ledger)? */
bool lq_ledger_unused_zero(const struct lq_engine *e);
/* Move amount of asset from one ledger slot to another. */
void lq_ledger_move(struct lq_engine *e, uint32_t from, uint32_t to, uint32_t asset,
		    int64_t amount);
/* Credit (debit if negative) an account's balance against a slot. false on overflow. */
bool lq_ledger_credit(struct lq_engine *e, uint32_t account, uint32_t asset, int64_t amount,
		      uint32_t counter_slot);
/* The same for a position's holder: its isolated margin, or its account's balance. */
bool lq_ledger_credit_holder(struct lq_engine *e, struct lq_position *p, int64_t amount,
			     uint32_t counter_slot);
/*
 * The ledger is zero-sum in every asset an input event moved (asserted, release builds too:
 * the cost is per moved asset); then a new event starts with none moved.
 */
static inline void lq_ledger_check(struct lq_engine *e)
{
	/*
	 * The ledger is zero-sum after every input, in release builds too (bench_core times it):
	 * every asset whose ledger moved in this event (nothing else can have changed).
	 */
	_Static_assert(LQ_ASSETS_MAX <= 32, "ledger_touched holds a bit per asset");
	LQ_ASSERT(e->asset_count <= LQ_ASSETS_MAX);
	/* only defined assets move */
	LQ_ASSERT((uint64_t)e->ledger_touched >> e->asset_count == 0);
	/* over the slots in use (the others are zero, lq_ledger_slots_used): the full sum */
	for (uint32_t t = e->ledger_touched; t != 0; t &= t - 1)
		LQ_ASSERT(lq_ledger_sum_used(e, (uint32_t)__builtin_ctz(t)) == 0);
	e->ledger_touched = 0;
}

#endif
