/* SPDX-License-Identifier: MIT */
#ifndef LQ_LEDGER_H
#define LQ_LEDGER_H

/* The ledger (ledger.c). lq_ledger_sum and lq_ledger_accounts_sum are public (lq/engine.h). */
#include "lq/assert.h"
#include "lq/engine.h"

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
	for (uint32_t t = e->ledger_touched; t != 0; t &= t - 1)
		LQ_ASSERT(lq_ledger_sum(e, (uint32_t)__builtin_ctz(t)) == 0);
	e->ledger_touched = 0;
}

#endif
