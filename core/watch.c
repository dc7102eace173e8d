/* SPDX-License-Identifier: MIT */
/*
 * The watch: what the trigger (trigger.c) decides with, kept up to date by every layer that
 * changes an account. Two data structures, no decision:
 * - the re-check queue: the accounts whose state changed in this input event (a fill, a
 *   transfer, funding, a liquidation step, a parameter), re-checked exactly at its end;
 * - the threshold heaps: an intrusive pairing heap per instrument and side over the
 *   positions, keyed by the mark at which each must be re-checked (trigger.c computes the
 *   keys). A mark move pops the entries it crossed into the queue.
 * It sits below the positions (a released position leaves its heap) and above the ledger.
 */
#include "lq/assert.h"
#include "lq/engine.h"
#include "watch.h"

/* ---- pairing heap (intrusive, on positions) ---- */

/* Long heap: the highest threshold at the root; short heap: the lowest. */
static bool heap_before(const struct lq_engine *e, int side, uint32_t a, uint32_t b)
{
	int64_t ta = e->positions[a].trigger_price, tb = e->positions[b].trigger_price;

	LQ_DASSERT(a < e->limits.positions_max);
	LQ_DASSERT(b < e->limits.positions_max);
	if (ta != tb)
		return side > 0 ? ta > tb : ta < tb;
	return a < b; /* any fixed order keeps the heap deterministic */
}

static uint32_t heap_meld(struct lq_engine *e, int side, uint32_t a, uint32_t b)
{
	struct lq_position *pa, *pb;

	if (a == LQ_NIL)
		return b;
	if (b == LQ_NIL)
		return a;
	LQ_ASSERT(a != b);
	if (heap_before(e, side, b, a)) {
		uint32_t t = a;
		a = b;
		b = t;
	}
	/* b becomes the first child of a */
	pa = &e->positions[a];
	pb = &e->positions[b];
	pb->heap_sibling = pa->heap_child;
	if (pa->heap_child != LQ_NIL)
		e->positions[pa->heap_child].heap_prev = b;
	pb->heap_prev = a;
	pa->heap_child = b;
	pa->heap_sibling = LQ_NIL;
	pa->heap_prev = LQ_NIL;
	LQ_ASSERT(pb->heap_side == pa->heap_side); /* one heap */
	return a;
}

/* Two-pass pairing of a sibling list; returns the new root. Iterative: no recursion. */
static uint32_t heap_merge_pairs(struct lq_engine *e, int side, uint32_t first)
{
	uint32_t paired = LQ_NIL; /* pairs, linked through heap_sibling in reverse */

	LQ_ASSERT(side == 1 || side == -1);
	while (first != LQ_NIL) {
		uint32_t a = first, b = e->positions[a].heap_sibling, next = LQ_NIL;
		if (b != LQ_NIL)
			next = e->positions[b].heap_sibling;
		e->positions[a].heap_sibling = LQ_NIL;
		e->positions[a].heap_prev = LQ_NIL;
		if (b != LQ_NIL) {
			e->positions[b].heap_sibling = LQ_NIL;
			e->positions[b].heap_prev = LQ_NIL;
		}
		uint32_t m = heap_meld(e, side, a, b);
		e->positions[m].heap_sibling = paired;
		paired = m;
		first = next;
	}
	uint32_t root = LQ_NIL;
	while (paired != LQ_NIL) {
		uint32_t next = e->positions[paired].heap_sibling;
		e->positions[paired].heap_sibling = LQ_NIL;
		root = heap_meld(e, side, root, paired);
		paired = next;
	}
	LQ_ASSERT(root == LQ_NIL || e->positions[root].heap_prev == LQ_NIL);
	return root;
}

static uint32_t *heap_root(struct lq_engine *e, uint32_t instrument, int side)
{
	LQ_ASSERT(instrument < e->instrument_count);
	LQ_ASSERT(side == 1 || side == -1);
	return &e->heap_root[instrument][side > 0 ? 0 : 1];
}

static void heap_insert(struct lq_engine *e, uint32_t p, int side)
{
	struct lq_position *pos = &e->positions[p];
	uint32_t *root = heap_root(e, pos->instrument, side);

	LQ_DASSERT(pos->heap_side == 0);
	pos->heap_child = LQ_NIL;
	pos->heap_sibling = LQ_NIL;
	pos->heap_prev = LQ_NIL;
	pos->heap_side = (int8_t)side;
	*root = heap_meld(e, side, *root, p);
	LQ_ASSERT(*root != LQ_NIL);
}

void lq_watch_remove(struct lq_engine *e, uint32_t p)
{
	struct lq_position *pos = &e->positions[p];
	int side = pos->heap_side;
	uint32_t *root;

	if (side == 0)
		return;
	root = heap_root(e, pos->instrument, side);
	if (*root == p) {
		*root = heap_merge_pairs(e, side, pos->heap_child);
	} else {
		/* cut p's subtree out of its sibling list, then meld its children back */
		uint32_t prev = pos->heap_prev;
		LQ_ASSERT(prev != LQ_NIL);
		if (e->positions[prev].heap_child == p)
			e->positions[prev].heap_child = pos->heap_sibling;
		else
			e->positions[prev].heap_sibling = pos->heap_sibling;
		if (pos->heap_sibling != LQ_NIL)
			e->positions[pos->heap_sibling].heap_prev = prev;
		uint32_t sub = heap_merge_pairs(e, side, pos->heap_child);
		*root = heap_meld(e, side, *root, sub);
	}
	pos->heap_side = 0;
	pos->heap_child = LQ_NIL;
	pos->heap_sibling = LQ_NIL;
	pos->heap_prev = LQ_NIL;
}

void lq_watch_at(struct lq_engine *e, uint32_t p, int64_t price)
{
	struct lq_position *pos = &e->positions[p];

	LQ_DASSERT(pos->qty != 0);
	LQ_ASSERT(price > 0); /* a grid price: a threshold at 0 is lq_watch_any_move's */
	lq_watch_remove(e, p);
	pos->trigger_price = price;
	heap_insert(e, p, pos->qty > 0 ? 1 : -1);
}

/* ---- queueing ---- */

void lq_watch_touch(struct lq_engine *e, uint32_t account)
{
	struct lq_account *a = &e->accounts[account];

	LQ_ASSERT(account < e->account_count);
	if (a->dirty)
		return;
	LQ_ASSERT(e->dirty_count < e->limits.accounts_max);
	a->dirty = true;
	e->dirty[e->dirty_count++] = account;
}

void lq_watch_touch_instrument(struct lq_engine *e, uint32_t instrument)
{
	LQ_ASSERT(instrument < e->instrument_count);
	/* bounded by the instrument's positions */
	for (uint32_t p = e->inst_head[instrument]; p != LQ_NIL; p = e->positions[p].inst_next)
		lq_watch_touch(e, e->positions[p].account);
	LQ_ASSERT(e->dirty_count <= e->limits.accounts_max);
}

void lq_watch_mark_moved(struct lq_engine *e, uint32_t instrument)
{
	const int64_t mark = lq_instrument_mark(&e->instruments[instrument]);
	uint32_t *lr = heap_root(e, instrument, 1), *sr = heap_root(e, instrument, -1);

	LQ_ASSERT(mark >= 0);
	/* Bounded by the heaps' sizes: each pop removes an entry. */
	while (*lr != LQ_NIL && e->positions[*lr].trigger_price > mark) {
		uint32_t p = *lr;
		lq_watch_remove(e, p);
		lq_watch_touch(e, e->positions[p].account);
		e->stats.trigger_hits++;
	}
	while (*sr != LQ_NIL && e->positions[*sr].trigger_price < mark) {
		uint32_t p = *sr;
		lq_watch_remove(e, p);
		lq_watch_touch(e, e->positions[p].account);
		e->stats.trigger_hits++;
	}
	/* what is left of both heaps is on the safe side of the mark */
	LQ_ASSERT(*lr == LQ_NIL || e->positions[*lr].trigger_price <= mark);
	LQ_ASSERT(*sr == LQ_NIL || e->positions[*sr].trigger_price >= mark);
}

/* Re-check on any move of the mark: the short heap fires above its key, every mark is > 0. */
void lq_watch_any_move(struct lq_engine *e, uint32_t p)
{
	LQ_ASSERT(p < e->limits.positions_max);
	lq_watch_remove(e, p);
	e->positions[p].trigger_price = 0;
	heap_insert(e, p, -1);
	LQ_ASSERT(e->positions[p].heap_side == -1);
}
