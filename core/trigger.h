/* SPDX-License-Identifier: MIT */
#ifndef LQ_TRIGGER_H
#define LQ_TRIGGER_H

/*
 * The level trigger (trigger.c, DESIGN 1.5): it DECIDES which unit to liquidate next and
 * never liquidates; the engine executes each decision (engine.c):
 *
 *	lq_trigger_begin(e, &c);
 *	while (lq_trigger_next(e, &c, &u))
 *		lq_liq_unit(e, &u);
 *
 * Layer: above the accounts' margins, below liquidation.
 */
#include "lq/engine.h"

/* Where the trigger is in its rounds within one input event. */
struct lq_trigger_cursor {
	uint64_t max_rounds;
	uint64_t round;	     /* rounds started */
	uint64_t done;	     /* liquidations + bad debts + orders sent when the pending unit was
				handed out */
	uint32_t n;	     /* candidates of the current round (e->units) */
	uint32_t i;	     /* the next candidate to decide on */
	uint32_t attempted;  /* units handed out in the round */
	uint32_t progressed; /* ... that changed something */
	uint32_t account;    /* the pending unit's account */
	bool pending;	     /* a unit was handed out; its outcome is read at the next call */
	bool settled;	     /* nothing left to liquidate in this event */
};

/*
 * Nothing to decide: no account is queued, so under the index none is liquidatable (the
 * invariant of trigger.c), and with the trigger off there is no queue to drop; only the scan
 * looks at every account anyway. The engine's fast path for a quiet event.
 */
static inline bool lq_trigger_idle(const struct lq_engine *e)
{
	return e->trigger_mode != LQ_TRIGGER_SCAN && e->dirty_count == 0;
}

/* Start deciding at the end of an input event (LQ_TRIGGER_OFF: drop the queue, settled). */
void lq_trigger_begin(struct lq_engine *e, struct lq_trigger_cursor *c);
/*
 * The next unit to liquidate, in the order of the rounds (DESIGN 1.5: ascending equity/MM,
 * then account id), re-checked just before it is handed out; false once no unit is left.
 * Call again after executing the unit: the call reads what the execution did.
 */
bool lq_trigger_next(struct lq_engine *e, struct lq_trigger_cursor *c, struct lq_unit *out);

/*
 * Tests: the threshold the index gives position pos (qty != 0) for a target g (fine units), by
 * the search (plain false) or by the search as first written (plain true, which dev builds
 * check the other against): 0 none (safe at every grid price), 1 re-check at *price, 2 on any
 * move of the mark.
 */
int lq_trigger_threshold(const struct lq_engine *e, uint32_t pos, lq_i128 target, bool plain,
			 int64_t *price);

/* Is an instrument's mark fresh enough to liquidate on? */
bool lq_trigger_tradable(const struct lq_engine *e, uint32_t instrument);

#endif
