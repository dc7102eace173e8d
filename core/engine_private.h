/* SPDX-License-Identifier: MIT */
#ifndef LQ_ENGINE_PRIVATE_H
#define LQ_ENGINE_PRIVATE_H

#include "lq/engine.h"

/* Move amount of asset from one ledger slot to another. */
void lq_ledger_move(struct lq_engine *e, uint32_t from, uint32_t to, uint32_t asset,
		    int64_t amount);

/*
 * Cross margin of an account in one asset with one instrument's price overridden
 * (override_instrument = LQ_NIL for none). Returns false on overflow.
 */
bool lq_account_margin_at(const struct lq_engine *e, uint32_t account, uint32_t asset,
			  uint32_t override_instrument, int64_t override_price,
			  struct lq_margin *out);

/* Isolated equity / MM / IM of a position at a price. Returns false on overflow. */
bool lq_isolated_margin_at(const struct lq_engine *e, const struct lq_position *p, int64_t price,
			   struct lq_margin *out);

/*
 * The new state of a position after a fill of d lots at price, computed without touching the
 * position so that an overflow rejects the fill cleanly. Realized PnL rounds down (the closed
 * share of the cost basis rounds up); an opening cost basis rounds up. false on overflow.
 */
struct lq_fill_result {
	int64_t qty;
	lq_i128 cost;
	lq_i128 realized_fine;
	int64_t realized_units;
};
bool lq_fill_compute(const struct lq_instrument *ins, const struct lq_position *pos, int64_t d,
		     int64_t price, struct lq_fill_result *r);
/*
 * The same for a trade of d lots whose value (signed like d, as lq_value_ovf gives it) is vd
 * exactly, as when a position changes hands at an exact bankruptcy value rather than at a
 * grid price. A reducing part's exit value is its share of vd, rounded down. The result is
 * checked representable at `price` (the mark; 0 skips the value check; < 0 skips the unit
 * bounds entirely: a holder's position, never summed in 64 bits, needs only 128).
 */
bool lq_fill_compute_value(const struct lq_instrument *ins, const struct lq_position *pos,
			   int64_t d, lq_i128 vd, int64_t price, struct lq_fill_result *r);
/* The share of cost basis c0 that closing x of q0 lots removes (rounded up). */
bool lq_cost_share(lq_i128 c0, int64_t x, int64_t q0, lq_i128 *out);

/* Hand the margin of an account's flat isolated positions in an asset back to its balance. */
void lq_release_flat_isolated(struct lq_engine *e, uint32_t account, uint32_t asset);

/* Credit (debit if negative) an account's balance / a position's holder against a slot. */
bool lq_balance_credit(struct lq_engine *e, uint32_t account, uint32_t asset, int64_t amount,
		       uint32_t counter_slot);
bool lq_holder_credit(struct lq_engine *e, struct lq_position *p, int64_t amount,
		      uint32_t counter_slot);

/*
 * A trade of d lots (signed) at price on position p: realized PnL to the holder against the
 * venue, fee_units charged to fee_slot, pending funding settled first. A cross position left
 * flat is released (p is then invalid). The account is queued for a re-check.
 */
enum lq_status lq_position_trade(struct lq_engine *e, uint32_t p, int64_t d, int64_t price,
				 int64_t fee_units, uint32_t fee_slot, int64_t *realized_units);
/* A reducing trade of d lots worth vd exactly (lq_fill_compute_value). */
enum lq_status lq_position_trade_value(struct lq_engine *e, uint32_t p, int64_t d, lq_i128 vd,
				       int64_t fee_units, uint32_t fee_slot,
				       int64_t *realized_units);

#endif
