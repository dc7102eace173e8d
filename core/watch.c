/* SPDX-License-Identifier: MIT */
/*
 * The watch: what the trigger (trigger.c) decides with, kept up to date by every layer that
 * changes an account. Two data structures, no decision:
 * - the re-check queue: the accounts whose state changed in this input event (a fill, a
 *   transfer, funding, a liquidation step, a parameter), re-checked exactly at its end;
 * - the threshold heaps: a heap per instrument and side over the positions, keyed by the mark
 *   at which each must be re-checked (trigger.c computes the keys). A mark move pops the
 *   entries it crossed into the queue.
 * It sits below the positions (a released position leaves its heap) and above the ledger.
 *
 * A heap is an implicit 4-ary min-heap of 16-byte nodes {key, position} ordered by key, then
 * position: the long heap's key is the threshold negated (the highest threshold first), the
 * short heap's the threshold. That is a strict total order, so the pops a mark move makes come
 * in one sequence whatever the heap's history. Each position holds its node's index
 * (a table apart, heap_slot: the index + 1, 0 in none), so that a re-index moves its node in place.
 * A heap's nodes live in blocks of 1 << heap_shift nodes taken from one pool as it grows and given
 * back as it shrinks (a block table per heap maps an index to its block): all heaps together never
 * hold more than a node per position, whichever instruments the positions are in. Node i sits at i
 * + PAD within its heap's blocks, so that its four children, 4i + 1 to 4i + 4, share one 64-byte
 * line.
 */
#include "lq/assert.h"
#include "lq/engine.h"
#include "watch.h"

#include <string.h>

#define ARITY	   4u
#define PAD	   (ARITY - 1)
#define CACHE_LINE 64u
#define LINE_UP(x) (((x) + CACHE_LINE - 1) & ~(size_t)(CACHE_LINE - 1))
/* heap_owner of a released block: this bit and the next released block (FREE_END: none) */
#define OWNER_FREE (1u << 31)
#define FREE_END   (OWNER_FREE - 1)

_Static_assert(sizeof(struct lq_watch_node) == 16, "four heap nodes to a cache line");
_Static_assert(LQ_WATCH_HEAPS == 2 * LQ_INSTRUMENTS_MAX, "a heap per instrument and side");

/* ---- geometry ---- */

struct geom {
	uint32_t shift, bph, blocks;
};

/*
 * Blocks of 4 to 512 nodes (64 B to 8 KiB), larger with the positions' table: about 1 B of
 * block table and 16 B of pool per position slot, plus a block per heap for partial blocks.
 */
static struct geom geom_of(const struct lq_engine_limits *lim)
{
	const uint32_t n = lim->positions_max;
	unsigned b = 0;
	struct geom g;

	LQ_ASSERT(n > 0 && n < (1u << 30));
	for (uint32_t v = n; v != 0; v >>= 1)
		b++;
	g.shift = b < 9 ? 2 : b - 7 > 9 ? 9 : b - 7;
	/* a heap of n nodes spans ceil((n + PAD) / block) blocks; all heaps together hold
	 * positions_max nodes at most, and each may leave one block partly used */
	g.bph = ((n + PAD) >> g.shift) + 1;
	g.blocks = ((n + PAD * LQ_WATCH_HEAPS) >> g.shift) + 1 + LQ_WATCH_HEAPS;
	LQ_ASSERT((uint64_t)LQ_WATCH_HEAPS * g.bph < FREE_END);
	LQ_ASSERT(g.blocks < FREE_END);
	return g;
}

size_t lq_watch_memsize(const struct lq_engine_limits *lim)
{
	const struct geom g = geom_of(lim);
	const size_t pool = ((size_t)g.blocks << g.shift) * sizeof(struct lq_watch_node);

	LQ_ASSERT(pool % CACHE_LINE == 0);
	return LINE_UP(sizeof(uint32_t) * LQ_WATCH_HEAPS * (size_t)g.bph) +
	       LINE_UP(sizeof(uint32_t) * (size_t)g.blocks) +
	       LINE_UP(sizeof(uint32_t) * (size_t)lim->positions_max) + pool;
}

uintptr_t lq_watch_init(struct lq_engine *e, uintptr_t p)
{
	const struct geom g = geom_of(&e->limits);

	LQ_ASSERT(p % CACHE_LINE == 0);
	e->heap_shift = g.shift;
	e->heap_bph = g.bph;
	e->heap_blocks = g.blocks;
	e->heap_block_top = 0;
	e->heap_block_free = LQ_NIL;
	memset(e->heap_count, 0, sizeof(e->heap_count));
	/* none of the tables is written here: blocks are handed out in order (heap_block_top) */
	e->heap_table = (uint32_t *)p;
	p += LINE_UP(sizeof(uint32_t) * LQ_WATCH_HEAPS * (size_t)g.bph);
	e->heap_owner = (uint32_t *)p;
	p += LINE_UP(sizeof(uint32_t) * (size_t)g.blocks);
	/* a position's slot is set when it is created (lq_position_create) */
	e->heap_slot = (uint32_t *)p;
	p += LINE_UP(sizeof(uint32_t) * (size_t)e->limits.positions_max);
	e->heap_pool = (struct lq_watch_node *)p;
	p += ((size_t)g.blocks << g.shift) * sizeof(struct lq_watch_node);
	LQ_ASSERT(p % CACHE_LINE == 0);
	return p;
}

/* ---- the heaps ---- */

static inline bool node_before(const struct lq_watch_node *a, const struct lq_watch_node *b)
{
	return a->key != b->key ? a->key < b->key : a->pos < b->pos;
}

/* Blocks a heap of count nodes spans. */
static inline uint32_t held(const struct lq_engine *e, uint32_t count)
{
	return count ? ((count + PAD - 1) >> e->heap_shift) + 1 : 0;
}

/* Heap h's block table. */
static inline const uint32_t *heap_row(const struct lq_engine *e, uint32_t h)
{
	LQ_DASSERT(h < LQ_WATCH_HEAPS);
	return &e->heap_table[(size_t)h * e->heap_bph];
}

/* Node i of the heap whose block table is row. */
static inline struct lq_watch_node *row_node(const struct lq_engine *e, const uint32_t *row,
					     uint32_t i)
{
	const uint32_t at = i + PAD, b = row[at >> e->heap_shift];

	LQ_DASSERT(b < e->heap_block_top);
	return &e->heap_pool[((size_t)b << e->heap_shift) | (at & ((1u << e->heap_shift) - 1))];
}

static inline struct lq_watch_node *node_at(const struct lq_engine *e, uint32_t h, uint32_t i)
{
	LQ_DASSERT(i < e->heap_count[h]);
	return row_node(e, heap_row(e, h), i);
}

/* n at the node *at, which is index i of heap h: its position learns where. */
static inline void put(struct lq_engine *e, struct lq_watch_node *at, uint32_t h, uint32_t i,
		       struct lq_watch_node n)
{
	*at = n;
	e->heap_slot[n.pos] = (i + 1) | ((h & 1) ? LQ_WATCH_SHORT : 0);
}

/* n into the hole at i, towards the root. Bounded: i shrinks by a factor of 4 each step. */
static void sift_up(struct lq_engine *e, uint32_t h, uint32_t i, struct lq_watch_node n)
{
	const uint32_t *row = heap_row(e, h);
	struct lq_watch_node *hole = row_node(e, row, i);

	LQ_ASSERT(i < e->heap_count[h]);
	while (i > 0) {
		const uint32_t up = (i - 1) / ARITY;
		struct lq_watch_node *u = row_node(e, row, up);
		if (!node_before(&n, u))
			break;
		put(e, hole, h, i, *u);
		hole = u;
		i = up;
	}
	put(e, hole, h, i, n);
}

/* n into the hole at i, towards the leaves. Bounded: i grows by a factor of 4 each step. */
static void sift_down(struct lq_engine *e, uint32_t h, uint32_t i, struct lq_watch_node n)
{
	const uint32_t count = e->heap_count[h], *row = heap_row(e, h);
	struct lq_watch_node *hole = row_node(e, row, i);

	LQ_ASSERT(i < count);
	for (;;) {
		const uint32_t c = ARITY * i + 1;
		if (c >= count)
			break;
		/* the children are one aligned group of ARITY nodes (PAD) */
		struct lq_watch_node *cs = row_node(e, row, c);
		const uint32_t k = count - c < ARITY ? count - c : ARITY;
		/* their children, 4 lines on from ARITY x c + 1 (within a block but at its end):
		 * on their way while these are compared */
		if ((uint64_t)ARITY * c + 1 < count) {
			const struct lq_watch_node *g = row_node(e, row, ARITY * c + 1);
			/* no further than the block (a small engine's blocks are 4 or 8 nodes) */
			const uint32_t span = ARITY * ARITY < (1u << e->heap_shift)
						  ? ARITY * ARITY
						  : (1u << e->heap_shift);
			for (uint32_t j = 0; j < span; j += CACHE_LINE / sizeof(*g))
				__builtin_prefetch(g + j);
		}
		uint32_t best = 0;
		for (uint32_t j = 1; j < k; j++)
			if (node_before(&cs[j], &cs[best]))
				best = j;
		if (!node_before(&cs[best], &n))
			break;
		put(e, hole, h, i, cs[best]);
		hole = &cs[best];
		i = c + best;
	}
	put(e, hole, h, i, n);
}

/* n into the hole at i, whichever way it belongs. */
static void reseat(struct lq_engine *e, uint32_t h, uint32_t i, struct lq_watch_node n)
{
	if (i > 0 && node_before(&n, node_at(e, h, (i - 1) / ARITY)))
		sift_up(e, h, i, n);
	else
		sift_down(e, h, i, n);
}

/* A block for heap h's table entry j: a released one first, else the next never used. */
static void block_take(struct lq_engine *e, uint32_t h, uint32_t j)
{
	uint32_t b = e->heap_block_free;

	LQ_ASSERT(j < e->heap_bph);
	if (b != LQ_NIL) {
		const uint32_t next = e->heap_owner[b] & ~OWNER_FREE;
		LQ_ASSERT(e->heap_owner[b] & OWNER_FREE);
		e->heap_block_free = next == FREE_END ? LQ_NIL : next;
	} else {
		LQ_ASSERT(e->heap_block_top < e->heap_blocks); /* sized for every position */
		b = e->heap_block_top++;
	}
	e->heap_table[(size_t)h * e->heap_bph + j] = b;
	e->heap_owner[b] = h * e->heap_bph + j;
}

static void block_give(struct lq_engine *e, uint32_t h, uint32_t j)
{
	const uint32_t b = e->heap_table[(size_t)h * e->heap_bph + j];

	LQ_ASSERT(e->heap_owner[b] == h * e->heap_bph + j);
	e->heap_owner[b] =
	    OWNER_FREE | (e->heap_block_free == LQ_NIL ? FREE_END : e->heap_block_free);
	e->heap_block_free = b;
}

static void heap_insert(struct lq_engine *e, uint32_t h, struct lq_watch_node n)
{
	const uint32_t c = e->heap_count[h];

	LQ_ASSERT(c < e->limits.positions_max);
	if (held(e, c + 1) > held(e, c))
		block_take(e, h, held(e, c));
	e->heap_count[h] = c + 1;
	sift_up(e, h, c, n);
}

/* Take node i out of heap h: the last node fills its hole. */
static void heap_delete(struct lq_engine *e, uint32_t h, uint32_t i)
{
	const uint32_t c = e->heap_count[h] - 1;

	LQ_ASSERT(i <= c && c < e->limits.positions_max);
	const struct lq_watch_node last = *node_at(e, h, c);
	e->heap_count[h] = c;
	if (i != c)
		reseat(e, h, i, last);
	if (held(e, c) < held(e, c + 1))
		block_give(e, h, held(e, c));
}

void lq_watch_remove(struct lq_engine *e, uint32_t p)
{
	const struct lq_position *pos = &e->positions[p];
	const uint32_t s = e->heap_slot[p];

	if (s == 0)
		return; /* in no heap */
	const uint32_t h = 2 * pos->instrument + ((s & LQ_WATCH_SHORT) ? 1 : 0);
	LQ_ASSERT(node_at(e, h, (s & ~LQ_WATCH_SHORT) - 1)->pos == p);
	e->heap_slot[p] = 0;
	heap_delete(e, h, (s & ~LQ_WATCH_SHORT) - 1);
}

/* (Re-)enter p into its instrument's long or short heap at key: in place if already there. */
static void watch_enter(struct lq_engine *e, uint32_t p, bool is_short, int64_t key)
{
	const struct lq_position *pos = &e->positions[p];
	const uint32_t h = 2 * pos->instrument + (is_short ? 1 : 0);
	const uint32_t s = e->heap_slot[p];
	const struct lq_watch_node n = {.key = key, .pos = p, .account = pos->account};

	LQ_ASSERT(pos->instrument < e->instrument_count);
	if (s != 0 && ((s & LQ_WATCH_SHORT) != 0) == is_short) {
		LQ_DASSERT(node_at(e, h, (s & ~LQ_WATCH_SHORT) - 1)->pos == p);
		reseat(e, h, (s & ~LQ_WATCH_SHORT) - 1, n);
		return;
	}
	lq_watch_remove(e, p);
	heap_insert(e, h, n);
}

void lq_watch_at(struct lq_engine *e, uint32_t p, int64_t price)
{
	const struct lq_position *pos = &e->positions[p];

	LQ_DASSERT(pos->qty != 0);
	LQ_ASSERT(price > 0); /* a grid price: a threshold at 0 is lq_watch_any_move's */
	/* the long heap fires below its threshold, highest first: keyed by its negation */
	const bool is_short = pos->qty < 0;
	watch_enter(e, p, is_short, is_short ? price : -price);
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

/* Pop heap h's root into the queue. */
static void pop_root(struct lq_engine *e, uint32_t h)
{
	const struct lq_watch_node *root = node_at(e, h, 0);
	const uint32_t p = root->pos, account = root->account;

	LQ_ASSERT(e->heap_slot[p] == (1 | ((h & 1) ? LQ_WATCH_SHORT : 0)));
	e->heap_slot[p] = 0;
	heap_delete(e, h, 0);
	/* queued as lq_watch_touch queues it (the node's copy: the position is not read), the
	 * entry marked: its unit is likely liquidatable now, which the trigger checks first */
	struct lq_account *a = &e->accounts[account];
	LQ_ASSERT(account < e->account_count && account < LQ_WATCH_CROSSED);
	if (!a->dirty) {
		LQ_ASSERT(e->dirty_count < e->limits.accounts_max);
		a->dirty = true;
		e->dirty[e->dirty_count++] = account | LQ_WATCH_CROSSED;
	}
	e->stats.trigger_hits++;
}

void lq_watch_mark_moved(struct lq_engine *e, uint32_t instrument)
{
	const int64_t mark = lq_instrument_mark(&e->instruments[instrument]);
	const uint32_t hl = 2 * instrument, hs = hl + 1;

	LQ_ASSERT(mark >= 0);
	LQ_ASSERT(instrument < e->instrument_count);
	/* Bounded by the heaps' sizes: each pop removes an entry. Long: threshold > mark. */
	while (e->heap_count[hl] != 0 && node_at(e, hl, 0)->key < -mark)
		pop_root(e, hl);
	while (e->heap_count[hs] != 0 && node_at(e, hs, 0)->key < mark)
		pop_root(e, hs);
	/* what is left of both heaps is on the safe side of the mark */
	LQ_ASSERT(e->heap_count[hl] == 0 || node_at(e, hl, 0)->key >= -mark);
	LQ_ASSERT(e->heap_count[hs] == 0 || node_at(e, hs, 0)->key >= mark);
}

/* Re-check on any move of the mark: the short heap fires above its key, every mark is > 0. */
void lq_watch_any_move(struct lq_engine *e, uint32_t p)
{
	LQ_ASSERT(p < e->limits.positions_max);
	watch_enter(e, p, true, 0);
	LQ_ASSERT(e->heap_slot[p] & LQ_WATCH_SHORT);
}

/* ---- restore ---- */

/* Every heap's blocks its own (the owner links back), the released ones an exact list. */
static const char *check_blocks(const struct lq_engine *e)
{
	uint32_t held_sum = 0, n = 0;

	for (uint32_t h = 0; h < LQ_WATCH_HEAPS; h++) {
		const uint32_t c = e->heap_count[h];
		if (c > e->limits.positions_max || (c > 0 && h / 2 >= e->instrument_count))
			return "a threshold heap out of range";
		for (uint32_t j = 0; j < held(e, c); j++) {
			const uint32_t b = e->heap_table[(size_t)h * e->heap_bph + j];
			if (b >= e->heap_block_top || e->heap_owner[b] != h * e->heap_bph + j)
				return "threshold heap blocks out of range or shared";
		}
		held_sum += held(e, c);
		if (held_sum > e->heap_block_top)
			return "threshold heap blocks out of range or shared";
	}
	/* bounded: at most heap_block_top - held_sum links are followed */
	for (uint32_t b = e->heap_block_free; b != LQ_NIL;) {
		if (b >= e->heap_block_top || !(e->heap_owner[b] & OWNER_FREE) ||
		    ++n > e->heap_block_top - held_sum)
			return "threshold heap free blocks out of range";
		const uint32_t next = e->heap_owner[b] & ~OWNER_FREE;
		b = next == FREE_END ? LQ_NIL : next;
	}
	return n == e->heap_block_top - held_sum ? NULL : "threshold heap blocks miscounted";
}

/* Every node's position points back at it, keys in range, each node after its parent. */
static const char *check_nodes(const struct lq_engine *e, uint64_t *total)
{
	for (uint32_t h = 0; h < LQ_WATCH_HEAPS; h++) {
		const uint32_t side = (h & 1) ? LQ_WATCH_SHORT : 0;
		for (uint32_t i = 0; i < e->heap_count[h]; i++) {
			const struct lq_watch_node *n = node_at(e, h, i);
			if (n->pos >= e->position_top)
				return "a threshold heap node out of range";
			if (e->heap_slot[n->pos] != ((i + 1) | side) ||
			    e->positions[n->pos].instrument != h / 2 ||
			    e->positions[n->pos].account != n->account)
				return "a threshold heap node and its position disagree";
			if (side ? n->key < 0 : (n->key >= 0 || n->key == INT64_MIN))
				return "a threshold heap key out of range";
			/* a threshold watches the position's own side (key 0: any move, either) */
			const int64_t q = e->positions[n->pos].qty;
			if (side ? (n->key > 0 && q >= 0) : q <= 0)
				return "a threshold heap of the other side";
			if (i > 0 && node_before(n, node_at(e, h, (i - 1) / ARITY)))
				return "a threshold heap out of order";
		}
		*total += e->heap_count[h];
	}
	return NULL;
}

const char *lq_watch_check(const struct lq_engine *e)
{
	const struct geom g = geom_of(&e->limits);
	uint64_t total = 0, slotted = 0;
	const char *why;

	if (e->heap_shift != g.shift || e->heap_bph != g.bph || e->heap_blocks != g.blocks)
		return "threshold heaps of another geometry";
	if (e->heap_block_top > g.blocks ||
	    (e->heap_block_free != LQ_NIL && e->heap_block_free >= e->heap_block_top))
		return "threshold heap blocks out of range";
	if ((why = check_blocks(e)) != NULL || (why = check_nodes(e, &total)) != NULL)
		return why;
	/* the nodes name distinct positions (each names its node): no other position may
	 * claim one, released ones included */
	for (uint32_t p = 0; p < e->position_top; p++)
		slotted += e->heap_slot[p] != 0;
	if (slotted != total)
		return "a position claims a threshold heap node it does not have";
	/* bounded: the caller has checked the free list (position_top - position_used long) */
	for (uint32_t p = e->position_free; p != LQ_NIL; p = e->positions[p].next)
		if (e->heap_slot[p] != 0)
			return "a released position in a threshold heap";
	return NULL;
}
