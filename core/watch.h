/* SPDX-License-Identifier: MIT */
#ifndef LQ_WATCH_H
#define LQ_WATCH_H

/*
 * The watch (watch.c): the re-check queue and the threshold heaps the trigger decides with.
 * Layer: above the ledger, below the positions.
 */
#include "lq/engine.h"

/* Queue an account for an exact re-check at the end of the event (its state changed). */
void lq_watch_touch(struct lq_engine *e, uint32_t account);
/* Queue every account with a position in the instrument (funding, staleness, parameters). */
void lq_watch_touch_instrument(struct lq_engine *e, uint32_t instrument);
/* The instrument's mark moved: queue the accounts whose thresholds it crossed. */
void lq_watch_mark_moved(struct lq_engine *e, uint32_t instrument);
/*
 * (Re-)enter a position (qty != 0) into its instrument's heap at this threshold price: the
 * heap move a re-check ends with (and the primitive the index benchmarks time).
 */
void lq_watch_at(struct lq_engine *e, uint32_t pos, int64_t price);
/* (Re-)enter a position so that any move of its mark queues it. */
void lq_watch_any_move(struct lq_engine *e, uint32_t pos);
/* Take a position out of its heap (before it is released). */
void lq_watch_remove(struct lq_engine *e, uint32_t pos);

#endif
