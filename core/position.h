/* SPDX-License-Identifier: MIT */
#ifndef LQ_POSITION_H
#define LQ_POSITION_H

/* Positions (position.c). lq_position_funding_due is public (lq/engine.h). */
#include "lq/engine.h"

/* An account's position in an instrument, or LQ_NIL. */
uint32_t lq_position_find(const struct lq_engine *e, uint32_t account, uint32_t instrument);
/* Create an empty position, linked in ascending instrument order (LQ_NIL: table full). */
uint32_t lq_position_create(struct lq_engine *e, uint32_t account, uint32_t instrument);
/* Release a flat position without margin (it leaves its heap and its lists). */
void lq_position_release(struct lq_engine *e, uint32_t p);
/* Hand the margin of an account's flat isolated positions in an asset back to its balance. */
void lq_position_release_flat_isolated(struct lq_engine *e, uint32_t account, uint32_t asset);

/* Settle the pending funding of every position of an account (emits funding events). */
void lq_position_settle_account(struct lq_engine *e, uint32_t account);
/* ... of its positions settled in one asset. */
void lq_position_settle_asset(struct lq_engine *e, uint32_t account, uint32_t asset);
/* An account's balance in an asset once its cross positions' pending funding is settled. */
int64_t lq_position_settled_balance(const struct lq_engine *e, uint32_t a, uint32_t asset);

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
bool lq_position_fill(const struct lq_instrument *ins, const struct lq_position *pos, int64_t d,
		      int64_t price, struct lq_fill_result *r);
/*
 * The same for a trade of d lots whose value (signed like d, as lq_instrument_value_ovf gives it)
 * is vd exactly, as when a position changes hands at an exact bankruptcy value rather than at a
 * grid price. A reducing part's exit value is its share of vd, rounded down. The result is
 * checked representable at `price` (the mark; 0 skips the value check; < 0 skips the unit
 * bounds entirely: a holder's position, never summed in 64 bits, needs only 128).
 */
bool lq_position_fill_value(const struct lq_instrument *ins, const struct lq_position *pos,
			    int64_t d, lq_i128 vd, int64_t price, struct lq_fill_result *r);
/* The share of cost basis c0 that closing x of q0 lots removes (rounded up). */
bool lq_position_cost_share(lq_i128 c0, int64_t x, int64_t q0, lq_i128 *out);

/*
 * A trade of d lots (signed) at price on position p: realized PnL to the holder against the
 * venue, fee_units charged to fee_slot, pending funding settled first. A position left flat
 * is released (p is then invalid). The account is queued for a re-check.
 */
enum lq_status lq_position_trade(struct lq_engine *e, uint32_t p, int64_t d, int64_t price,
				 int64_t fee_units, uint32_t fee_slot, int64_t *realized_units);
/*
 * lq_position_trade with its fill already computed: r is lq_position_fill(ins, pos, d, price)
 * (a caller that checked the fill first passes it on; dev builds assert it is that fill).
 */
enum lq_status lq_position_trade_filled(struct lq_engine *e, uint32_t p, int64_t d, int64_t price,
					const struct lq_fill_result *r, int64_t fee_units,
					uint32_t fee_slot);
/* A reducing trade of d lots worth vd exactly (lq_position_fill_value). */
enum lq_status lq_position_trade_value(struct lq_engine *e, uint32_t p, int64_t d, lq_i128 vd,
				       int64_t fee_units, uint32_t fee_slot,
				       int64_t *realized_units);

#endif
