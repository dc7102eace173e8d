/* SPDX-License-Identifier: MIT */
#ifndef LQ_TRIGGER_PRIVATE_H
#define LQ_TRIGGER_PRIVATE_H

#include "lq/engine.h"

/* Queue an account for an exact re-check at the end of the event (its state changed). */
void lq_trigger_touch(struct lq_engine *e, uint32_t account);
/* Queue every account with a position in the instrument (funding, staleness, parameters). */
void lq_trigger_touch_instrument(struct lq_engine *e, uint32_t instrument);
/* The instrument's mark moved: queue the accounts whose thresholds it crossed. */
void lq_trigger_mark_moved(struct lq_engine *e, uint32_t instrument);
/*
 * (Re-)enter a position (qty != 0) into its instrument's index at this threshold price: the
 * heap move a re-check ends with (and the primitive the index benchmarks time).
 */
void lq_trigger_index_at(struct lq_engine *e, uint32_t pos, int64_t price);
/* Take a position out of the index (before it is released). */
void lq_trigger_remove(struct lq_engine *e, uint32_t pos);
/* Liquidate until no account is liquidatable (the level trigger, DESIGN 1.5). */
void lq_trigger_run(struct lq_engine *e);

/* Liquidate one unit (liq.c): step by step until it is no longer liquidatable. */
void lq_liquidate_unit(struct lq_engine *e, const struct lq_unit *u);
/*
 * A flat account (no open position in the asset) below zero, from its own fills and fees (or
 * the last unit of an inverse multi-level IOC's rounding): its money in flat isolated margins
 * pays first, the rest is written off as bad debt, with an event.
 */
void lq_write_off_flat(struct lq_engine *e, uint32_t account, uint32_t asset);
/* An insurance fund offers its positions in the instrument to the book again (socialize). */
void lq_fund_reoffer(struct lq_engine *e, uint32_t instrument);

/* Is an instrument's mark fresh enough to liquidate on? */
bool lq_instrument_tradable(const struct lq_engine *e, uint32_t instrument);

#endif
