/* SPDX-License-Identifier: MIT */
#ifndef LQ_LEDGER_H
#define LQ_LEDGER_H

/* The ledger (ledger.c). lq_ledger_sum and lq_ledger_accounts_sum are public (lq/engine.h). */
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
void lq_ledger_check(struct lq_engine *e);

#endif
