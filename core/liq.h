/* SPDX-License-Identifier: MIT */
#ifndef LQ_LIQ_H
#define LQ_LIQ_H

/*
 * Liquidation and the deficit waterfall (liq.c). Layer: above the trigger and ADL (adl.c,
 * lq_adl_rank in lq/engine.h), below the engine, which calls these to execute what the
 * trigger decided.
 */
#include "lq/engine.h"

/* Liquidate one unit: step by step until it is no longer liquidatable. */
void lq_liq_unit(struct lq_engine *e, const struct lq_unit *u);
/*
 * A flat account (no open position in the asset) below zero, from its own fills and fees (or
 * the last unit of an inverse multi-level IOC's rounding): its money in flat isolated margins
 * pays first, the rest is written off as bad debt, with an event.
 */
void lq_liq_write_off_flat(struct lq_engine *e, uint32_t account, uint32_t asset);
/* An insurance fund offers its positions in the instrument to the book again (socialize). */
void lq_liq_fund_reoffer(struct lq_engine *e, uint32_t instrument);

/*
 * The external venue (LQ_VENUE_EXTERNAL): a fill of one of the engine's liquidation orders
 * (LQ_CMD_LIQ_FILL), applied or refused whole (a refused fill changes nothing); the order's
 * end (leaves 0) settles it.
 */
enum lq_status lq_liq_order_fill(struct lq_engine *e, const struct lq_cmd *c);
/* The clock moved: orders sent fill_timeout or longer ago settle on the fills they had. */
void lq_liq_orders_expire(struct lq_engine *e);

#endif
