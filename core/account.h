/* SPDX-License-Identifier: MIT */
#ifndef LQ_ACCOUNT_H
#define LQ_ACCOUNT_H

/*
 * Margins (account.c): the public queries (lq_account_margin, lq_account_position_view,
 * lq_account_unit_equity_fine) are declared in lq/engine.h; these are the engine's own.
 */
#include "lq/engine.h"

/*
 * Cross margin of an account in one asset with one instrument's price overridden
 * (override_instrument = LQ_NIL for none). Returns false on overflow.
 */
bool lq_account_margin_at(const struct lq_engine *e, uint32_t account, uint32_t asset,
			  uint32_t override_instrument, int64_t override_price,
			  struct lq_margin *out);

/* Isolated equity / MM / IM of a position at a price. Returns false on overflow. */
bool lq_account_isolated_margin_at(const struct lq_engine *e, const struct lq_position *p,
				   int64_t price, struct lq_margin *out);

/*
 * The upnl and notional (fine units) of lq_account_position_view(e, pidx, false, ...), and
 * nothing else of it: no requirements, no funding (what an ADL score needs).
 */
void lq_account_position_values(const struct lq_engine *e, uint32_t pidx, lq_i128 *upnl_fine,
				lq_i128 *notional_fine);

#endif
