/* SPDX-License-Identifier: MIT */
#ifndef LQ_WATCH_H
#define LQ_WATCH_H

/*
 * The watch (watch.c): the re-check queue and the threshold heaps the trigger decides with.
 * Layer: above the ledger, below the positions.
 */
#include "lq/engine.h"

/* The threshold heaps' tables for these limits, bytes (whole cache lines). */
size_t lq_watch_memsize(const struct lq_engine_limits *lim);
/*
 * Lay the heaps' tables out from p (cache-line aligned, lq_watch_memsize bytes) for
 * e->limits, all heaps empty; writes none of the tables' bytes. Returns the end.
 */
uintptr_t lq_watch_init(struct lq_engine *e, uintptr_t p);
/* A restored engine's heaps: NULL if sound, else why not (blocks, nodes, positions). */
const char *lq_watch_check(const struct lq_engine *e);

/*
 * A queue entry of an account queued by a mark crossing its threshold (lq_watch_mark_moved):
 * this bit with the account. The trigger takes it off as it reads the entry (within the
 * event: crossings are queued before it runs), so the queue holds plain accounts otherwise.
 */
#define LQ_WATCH_CROSSED (1u << 31)

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
