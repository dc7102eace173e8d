/* SPDX-License-Identifier: MIT */
/*
 * The level trigger (DESIGN 1.5, 3): after every input event, liquidate every liquidatable
 * unit (an account's cross margin in one asset, or an isolated position), in rounds:
 *
 *   round: candidates = every liquidatable, actionable unit; sort them by ascending
 *          equity/MM, then account id; liquidate each in turn (re-checking it first).
 *   repeat while a round found candidates.
 *
 * LQ_TRIGGER_SCAN finds the candidates by checking every unit (the oracle). LQ_TRIGGER_INDEX
 * checks only the accounts that changed or whose threshold a mark crossed. The invariant that
 * makes both produce the same rounds: an account that is not queued is not liquidatable.
 * It holds because every position carries a threshold price (in an intrusive pairing heap per
 * instrument and side) such that while every mark stays on the safe side of its position's
 * threshold the account cannot become liquidatable, and every other change to an account
 * (fills, transfers, funding, ADL, socialized losses, staleness) queues it explicitly.
 *
 * Thresholds of a cross account: its buffer B = equity - MM (units) is split across its
 * positions in proportion to their notionals (b_i, floored, so sum b_i <= B). Position i's
 * threshold is the farthest grid price P at which G_i(P) >= (f_i(mark) - b_i + 2) * 10^17,
 * where f_i is the position's rounded contribution to equity - MM (units) and G_i its exact
 * value in fine x 10^8 units. f_i >= G_i / 10^17 - 2 (one floor and one ceil), so inside
 * the interval each position loses at most b_i and the account at most B. G_i is monotone in
 * P, so a binary search over the grid finds the threshold.
 */
#include "lq/assert.h"
#include "lq/engine.h"
#include "engine_private.h"
#include "trigger_private.h"

#include <string.h>

#define SAFETY_UNITS 2
#define FE_SCALE     ((lq_i128)LQ_FINE_ONE * LQ_RATE_ONE) /* units -> fine x 10^8 */

/* ---- pairing heap (intrusive, on positions) ---- */

/* Long heap: the highest threshold at the root; short heap: the lowest. */
static bool heap_before(const struct lq_engine *e, int side, uint32_t a, uint32_t b)
{
	int64_t ta = e->positions[a].trigger_price, tb = e->positions[b].trigger_price;

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
	return a;
}

/* Two-pass pairing of a sibling list; returns the new root. Iterative: no recursion. */
static uint32_t heap_merge_pairs(struct lq_engine *e, int side, uint32_t first)
{
	uint32_t paired = LQ_NIL; /* pairs, linked through heap_sibling in reverse */

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
	return root;
}

static uint32_t *heap_root(struct lq_engine *e, uint32_t instrument, int side)
{
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
}

void lq_trigger_remove(struct lq_engine *e, uint32_t p)
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

void lq_trigger_index_at(struct lq_engine *e, uint32_t p, int64_t price)
{
	struct lq_position *pos = &e->positions[p];

	LQ_DASSERT(pos->qty != 0);
	lq_trigger_remove(e, p);
	pos->trigger_price = price;
	heap_insert(e, p, pos->qty > 0 ? 1 : -1);
}

/* ---- queueing ---- */

void lq_trigger_touch(struct lq_engine *e, uint32_t account)
{
	struct lq_account *a = &e->accounts[account];

	if (a->dirty)
		return;
	LQ_ASSERT(e->dirty_count < e->limits.accounts_max);
	a->dirty = true;
	e->dirty[e->dirty_count++] = account;
}

void lq_trigger_touch_instrument(struct lq_engine *e, uint32_t instrument)
{
	for (uint32_t p = e->inst_head[instrument]; p != LQ_NIL; p = e->positions[p].inst_next)
		lq_trigger_touch(e, e->positions[p].account);
}

void lq_trigger_mark_moved(struct lq_engine *e, uint32_t instrument)
{
	const int64_t mark = lq_instrument_mark(&e->instruments[instrument]);
	uint32_t *lr = heap_root(e, instrument, 1), *sr = heap_root(e, instrument, -1);

	/* Bounded by the heaps' sizes: each pop removes an entry. */
	while (*lr != LQ_NIL && e->positions[*lr].trigger_price > mark) {
		uint32_t p = *lr;
		lq_trigger_remove(e, p);
		lq_trigger_touch(e, e->positions[p].account);
		e->stats.trigger_hits++;
	}
	while (*sr != LQ_NIL && e->positions[*sr].trigger_price < mark) {
		uint32_t p = *sr;
		lq_trigger_remove(e, p);
		lq_trigger_touch(e, e->positions[p].account);
		e->stats.trigger_hits++;
	}
}

/* ---- units ---- */

bool lq_instrument_tradable(const struct lq_engine *e, uint32_t instrument)
{
	return !e->instruments[instrument].ms.stale && !e->instruments[instrument].ms.feed_halted;
}

bool lq_unit_liquidatable(const struct lq_engine *e, struct lq_unit *u)
{
	struct lq_margin m;

	if (u->isolated) {
		const struct lq_position *p = &e->positions[u->ref];
		if (!lq_isolated_margin_at(e, p, lq_instrument_mark(&e->instruments[p->instrument]),
					   &m)) {
			m.equity_units = INT64_MIN;
			m.mm_units = INT64_MAX;
		}
	} else {
		lq_account_margin(e, u->account, u->ref, &m);
	}
	u->equity_units = m.equity_units;
	u->mm_units = m.mm_units;
	return m.equity_units < m.mm_units;
}

/* A liquidatable unit can be acted on if it holds a position on a tradable instrument. */
static bool unit_actionable(const struct lq_engine *e, const struct lq_unit *u)
{
	if (u->isolated) {
		const struct lq_position *p = &e->positions[u->ref];
		return p->qty != 0 && lq_instrument_tradable(e, p->instrument);
	}
	for (uint32_t p = e->accounts[u->account].pos_head; p != LQ_NIL; p = e->positions[p].next) {
		const struct lq_position *pos = &e->positions[p];
		if (!pos->isolated && pos->qty != 0 &&
		    e->instruments[pos->instrument].settle_asset == u->ref &&
		    lq_instrument_tradable(e, pos->instrument))
			return true;
	}
	return false;
}

/* ---- thresholds ---- */

struct thr_ctx {
	const struct lq_instrument *ins;
	const struct lq_position *p;
	lq_i128 target; /* fine x 10^8 */
};

/* G(P): upnl - MM of the position, exact in fine x 10^8 (no unit rounding). */
static bool thr_g(const struct thr_ctx *c, int64_t price, lq_i128 *g)
{
	const struct lq_instrument *ins = c->ins;
	const int64_t q = c->p->qty;
	lq_i128 v, n, upnl, mm;

	if (lq_value_ovf(ins, q, price, LQ_ROUND_FLOOR, &v) ||
	    lq_value_ovf(ins, q > 0 ? q : -q, price, LQ_ROUND_FLOOR, &n))
		return false;
	n = n < 0 ? -n : n;
	upnl = v - c->p->cost;
	mm = 0;
	if (ins->tier_count > 0) {
		const struct lq_tier *t = &ins->tiers[lq_tier_index(ins, n)];
		if (lq_mul128_ovf(n, t->mmr_e8, &mm))
			return false;
		mm -= t->cum_mm_e8 * LQ_FINE_ONE;
		if (mm < 0)
			mm = 0;
	}
	if (lq_mul128_ovf(upnl, LQ_RATE_ONE, &upnl))
		return false;
	*g = upnl - mm;
	return true;
}

static bool thr_safe(const struct thr_ctx *c, int64_t k)
{
	lq_i128 g;

	if (!thr_g(c, k * c->ins->tick, &g))
		return false;
	return g >= c->target;
}

static bool safe_v(const void *ctx, int64_t k)
{
	return thr_safe(ctx, k);
}

static bool unsafe_v(const void *ctx, int64_t k)
{
	return !thr_safe(ctx, k);
}

/*
 * The threshold of a position given its share b (units) of the buffer: a long is safe at
 * and above it, a short at and below it. Returns false when no entry is needed (safe at
 * every price the mark can take).
 */
static bool position_threshold(const struct lq_engine *e, const struct lq_position *p,
			       int64_t share_units, int64_t *out)
{
	const struct lq_instrument *ins = &e->instruments[p->instrument];
	const int64_t mark = lq_instrument_mark(ins);
	struct lq_position_view v;
	struct thr_ctx c = {.ins = ins, .p = p};
	int64_t mk = mark / ins->tick;

	lq_position_view(e, (uint32_t)(p - e->positions), false, &v);
	lq_i128 f_mark = (lq_i128)v.upnl_units - v.mm_units;
	c.target = (f_mark - share_units + SAFETY_UNITS) * FE_SCALE;
	if (mk < 1)
		mk = 1;
	if (p->qty > 0) {
		/* lowest k with safe(k); safe is monotone non-decreasing in k */
		if (thr_safe(&c, 1))
			return false;
		if (!thr_safe(&c, mk)) {
			*out = mark + ins->tick; /* no buffer to speak of: any move re-checks */
			return true;
		}
		/* !safe(1), safe(mk): the lowest safe grid price */
		*out = lq_search_first(2, mk, safe_v, &c) * ins->tick;
		return true;
	}
	/* short: highest k with safe(k); safe is monotone non-increasing in k */
	int64_t top = mk;
	for (int i = 0; i < 40 && thr_safe(&c, top) && top < INT64_MAX / ins->tick / 2; i++)
		top *= 2;
	if (!thr_safe(&c, mk)) {
		*out = mark - ins->tick;
		return true;
	}
	if (thr_safe(&c, top)) {
		*out = top * ins->tick; /* re-check if the mark ever gets this far */
		return true;
	}
	/* safe(mk), !safe(top): the highest safe grid price */
	*out = (lq_search_first(mk + 1, top, unsafe_v, &c) - 1) * ins->tick;
	return true;
}

static void index_position(struct lq_engine *e, uint32_t p, int64_t share_units)
{
	struct lq_position *pos = &e->positions[p];
	int64_t t;

	lq_trigger_remove(e, p);
	if (pos->qty == 0 || lq_instrument_mark(&e->instruments[pos->instrument]) <= 0)
		return;
	if (share_units < 0)
		share_units = 0;
	if (!position_threshold(e, pos, share_units, &t))
		return;
	lq_trigger_index_at(e, p, t);
}

/* Re-index a cross unit whose buffer is B >= 0: split B by notional. */
static void index_cross(struct lq_engine *e, uint32_t account, uint32_t asset, int64_t buffer)
{
	struct lq_position_view v;
	lq_i128 total = 0;

	for (uint32_t p = e->accounts[account].pos_head; p != LQ_NIL; p = e->positions[p].next) {
		const struct lq_position *pos = &e->positions[p];
		if (pos->isolated || pos->qty == 0 ||
		    e->instruments[pos->instrument].settle_asset != asset)
			continue;
		lq_position_view(e, p, false, &v);
		total += v.notional_fine;
	}
	for (uint32_t p = e->accounts[account].pos_head; p != LQ_NIL; p = e->positions[p].next) {
		const struct lq_position *pos = &e->positions[p];
		if (pos->isolated || e->instruments[pos->instrument].settle_asset != asset)
			continue;
		int64_t share = 0;
		if (pos->qty != 0 && total > 0 && buffer > 0) {
			lq_position_view(e, p, false, &v);
			/* buffer x notional / total, floored: the shares never exceed the buffer */
			share = (int64_t)lq_div128_floor((lq_i128)buffer * (v.notional_fine / 1024),
							 total / 1024 > 0 ? total / 1024 : 1);
			if (share > buffer)
				share = buffer;
		}
		index_position(e, p, share);
	}
}

/* ---- rounds ---- */

/* Round order: ascending equity / MM (MM = 0 first), then account id, cross before isolated. */
static bool unit_before(const struct lq_engine *e, const struct lq_unit *a, const struct lq_unit *b)
{
	if ((a->mm_units <= 0) != (b->mm_units <= 0))
		return a->mm_units <= 0;
	if (a->mm_units > 0) {
		lq_i128 l = (lq_i128)a->equity_units * b->mm_units;
		lq_i128 r = (lq_i128)b->equity_units * a->mm_units;
		if (l != r)
			return l < r;
	} else if (a->equity_units != b->equity_units) {
		return a->equity_units < b->equity_units;
	}
	uint64_t ia = e->accounts[a->account].id, ib = e->accounts[b->account].id;
	if (ia != ib)
		return ia < ib;
	if (a->isolated != b->isolated)
		return !a->isolated;
	if (a->isolated)
		return e->positions[a->ref].instrument < e->positions[b->ref].instrument;
	return a->ref < b->ref;
}

/* Heap sort: O(n log n) for large cascades, in place, no recursion. */
static void units_sift(const struct lq_engine *e, struct lq_unit *u, uint32_t i, uint32_t n)
{
	for (;;) {
		uint32_t c = 2 * i + 1;
		if (c >= n)
			return;
		if (c + 1 < n && unit_before(e, &u[c], &u[c + 1]))
			c++;
		if (!unit_before(e, &u[i], &u[c]))
			return;
		struct lq_unit t = u[i];
		u[i] = u[c];
		u[c] = t;
		i = c;
	}
}

static void units_sort(const struct lq_engine *e, struct lq_unit *u, uint32_t n)
{
	for (uint32_t i = n / 2; i-- > 0;)
		units_sift(e, u, i, n);
	for (uint32_t end = n; end > 1; end--) {
		struct lq_unit t = u[0];
		u[0] = u[end - 1];
		u[end - 1] = t;
		units_sift(e, u, 0, end - 1);
	}
}

/* Collect the units of one account: cross per asset, and each isolated position. */
static void collect_account(struct lq_engine *e, uint32_t a, bool reindex, uint32_t *n)
{
	const struct lq_account *acc = &e->accounts[a];
	uint32_t assets = 0;

	for (uint32_t p = acc->pos_head; p != LQ_NIL; p = e->positions[p].next) {
		const struct lq_position *pos = &e->positions[p];
		if (pos->isolated) {
			struct lq_unit u = {.account = a, .ref = p, .isolated = true};
			bool liq = pos->qty != 0 && lq_unit_liquidatable(e, &u);
			e->stats.rechecks++;
			if (liq && unit_actionable(e, &u) && *n < e->units_cap)
				e->units[(*n)++] = u;
			else if (reindex)
				index_position(e, p, u.equity_units - u.mm_units);
			continue;
		}
		if (pos->qty != 0)
			assets |= 1u << e->instruments[pos->instrument].settle_asset;
	}
	for (uint32_t asset = 0; asset < e->asset_count; asset++) {
		if (!(assets & (1u << asset)))
			continue;
		struct lq_unit u = {.account = a, .ref = asset, .isolated = false};
		bool liq = lq_unit_liquidatable(e, &u);
		e->stats.rechecks++;
		if (liq && unit_actionable(e, &u) && *n < e->units_cap)
			e->units[(*n)++] = u;
		else if (reindex)
			index_cross(e, a, asset, liq ? 0 : u.equity_units - u.mm_units);
	}
}

static uint32_t collect(struct lq_engine *e)
{
	uint32_t n = 0;

	if (e->trigger_mode == LQ_TRIGGER_SCAN) {
		for (uint32_t i = 0; i < e->dirty_count; i++)
			e->accounts[e->dirty[i]].dirty = false;
		e->dirty_count = 0;
		for (uint32_t a = 0; a < e->account_count; a++)
			collect_account(e, a, false, &n);
		return n;
	}
	/* The round is sorted afterwards: the queueing order does not matter. */
	uint32_t cnt = e->dirty_count;
	e->dirty_count = 0;
	for (uint32_t i = 0; i < cnt; i++) {
		uint32_t a = e->dirty[i];
		e->accounts[a].dirty = false;
		collect_account(e, a, true, &n);
	}
	return n;
}

void lq_trigger_run(struct lq_engine *e)
{
	/* Each round closes at least one lot or leaves nothing to do; bound it anyway. */
	const uint64_t max_rounds = (uint64_t)e->limits.positions_max + e->limits.accounts_max + 64;

	if (e->trigger_mode == LQ_TRIGGER_OFF) {
		for (uint32_t i = 0; i < e->dirty_count; i++)
			e->accounts[e->dirty[i]].dirty = false;
		e->dirty_count = 0;
		return;
	}
	for (uint64_t round = 0; round < max_rounds; round++) {
		uint32_t n = collect(e);
		if (n == 0)
			return;
		units_sort(e, e->units, n);
		for (uint32_t i = 0; i < n; i++) {
			struct lq_unit u = e->units[i];
			if (!lq_unit_liquidatable(e, &u) || !unit_actionable(e, &u)) {
				lq_trigger_touch(e, u.account);
				continue;
			}
			lq_liquidate_unit(e, &u);
		}
	}
	LQ_ASSERT(!"the level trigger did not settle");
}
