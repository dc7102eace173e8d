/* SPDX-License-Identifier: MIT */
/*
 * The trigger's threshold heaps (core/watch.c) against a reference: seeded random entries,
 * re-keys, side changes and removals over several instruments sharing the heaps' block pool,
 * every mark move's pops compared in order with the reference's sort, and lq_watch_check run
 * over the heaps throughout. Then engine images whose heaps were corrupted are refused by a
 * restore.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/position.h"
#include "../../core/watch.h"
#include "lq/engine.h"
#include "lq/snapshot.h"

#define INSTS 3

struct eng {
	struct lq_engine e;
	void *mem;
};

/* The reference: per position, in which heap (0 none, 1 long, 2 short) and at what price. */
struct ref {
	uint8_t *heap;
	int64_t *price;
};

static uint64_t rng(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* n accounts with a position each (account a in instrument a % INSTS), long or short. */
static void eng_init(struct eng *x, uint32_t n, uint64_t *seed)
{
	const struct lq_engine_limits lim = {.accounts_max = n, .positions_max = n};
	const size_t sz = lq_engine_memsize(&lim);

	x->mem = calloc(1, sz);
	assert_non_null(x->mem);
	assert_int_equal(lq_engine_init(&x->e, x->mem, sz, &lim, NULL, NULL), 0);
	lq_engine_set_trigger_mode(&x->e, LQ_TRIGGER_OFF);
	assert_int_equal(lq_engine_add_asset(&x->e, "USDT", 6), LQ_OK);
	for (uint32_t i = 0; i < INSTS; i++) {
		struct lq_instrument p;
		memset(&p, 0, sizeof(p));
		p.name[0] = (char)('A' + i);
		p.kind = LQ_INSTRUMENT_LINEAR;
		p.tick = 1;
		p.lot = 1;
		p.contract = 1;
		assert_int_equal(lq_engine_add_instrument(&x->e, &p), LQ_OK);
	}
	for (uint32_t a = 0; a < n; a++) {
		const struct lq_cmd dep = {
		    .type = LQ_CMD_DEPOSIT, .account = 1000 + a, .asset = 0, .amount = 1};
		assert_int_equal(lq_engine_apply(&x->e, &dep), LQ_OK);
		assert_int_equal(lq_engine_find_account(&x->e, 1000 + a), a);
		const uint32_t p = lq_position_create(&x->e, a, a % INSTS);
		assert_int_equal(p, a);
		x->e.positions[p].qty = rng(seed) % 2 ? 1 : -1;
	}
}

static void ref_init(struct ref *r, uint32_t n)
{
	r->heap = calloc(n, 1);
	r->price = calloc(n, sizeof(int64_t));
	assert_non_null(r->heap);
	assert_non_null(r->price);
}

static void ref_free(struct ref *r)
{
	free(r->heap);
	free(r->price);
}

/* One random change: a threshold (few distinct prices: many ties), any move, or out. */
static void step(struct eng *x, struct ref *r, uint64_t *seed)
{
	const uint32_t n = x->e.limits.positions_max, p = (uint32_t)(rng(seed) % n);
	const uint64_t op = rng(seed) % 16;
	struct lq_position *pos = &x->e.positions[p];

	if (op == 0)
		pos->qty = -pos->qty; /* a fill turned it: the next entry moves it across */
	if (op < 10) {
		const int64_t price = 1 + (int64_t)(rng(seed) % 200);
		lq_watch_at(&x->e, p, price);
		r->heap[p] = pos->qty > 0 ? 1 : 2;
		r->price[p] = price;
	} else if (op < 12) {
		lq_watch_any_move(&x->e, p);
		r->heap[p] = 2;
		r->price[p] = 0;
	} else {
		lq_watch_remove(&x->e, p);
		r->heap[p] = 0;
	}
}

/* The reference's pops for instrument i at mark: long above it (highest first), then short
 * below it (lowest first), ties by position; each popped from the reference. */
static uint32_t ref_pops(const struct eng *x, struct ref *r, uint32_t i, int64_t mark,
			 uint32_t *out)
{
	const uint32_t n = x->e.limits.positions_max;
	uint32_t k = 0;

	for (int side = 1; side <= 2; side++) {
		for (;;) {
			uint32_t best = LQ_NIL;
			for (uint32_t p = 0; p < n; p++) {
				if (r->heap[p] != side || p % INSTS != i ||
				    (side == 1 ? r->price[p] <= mark : r->price[p] >= mark))
					continue;
				if (best == LQ_NIL || (side == 1 ? r->price[p] > r->price[best]
								 : r->price[p] < r->price[best]))
					best = p;
			}
			if (best == LQ_NIL)
				break;
			r->heap[best] = 0;
			out[k++] = best;
		}
	}
	return k;
}

static void mark_move(struct eng *x, struct ref *r, uint64_t *seed, uint32_t *want)
{
	const uint32_t i = (uint32_t)(rng(seed) % INSTS);
	const int64_t mark = 1 + (int64_t)(rng(seed) % 200);
	struct lq_engine *e = &x->e;

	e->instruments[i].ms.mark = mark;
	const uint32_t k = ref_pops(x, r, i, mark, want);
	assert_int_equal(e->dirty_count, 0);
	lq_watch_mark_moved(e, i);
	/* an account per position: the queue is the pops in order, each marked as crossed */
	assert_int_equal(e->dirty_count, k);
	for (uint32_t j = 0; j < k; j++) {
		assert_int_equal(e->dirty[j], want[j] | LQ_WATCH_CROSSED);
		e->accounts[want[j]].dirty = false;
	}
	e->dirty_count = 0;
}

static void run_seed(uint32_t n, uint64_t seed0, uint32_t steps)
{
	uint64_t seed = seed0 * 0x9e3779b97f4a7c15ull;
	struct eng x;
	struct ref r;
	uint32_t *want = calloc(n, sizeof(uint32_t));

	assert_non_null(want);
	eng_init(&x, n, &seed);
	ref_init(&r, n);
	for (uint32_t s = 0; s < steps; s++) {
		step(&x, &r, &seed);
		if (s % 97 == 0)
			assert_null(lq_watch_check(&x.e));
		if (s % 331 == 0)
			mark_move(&x, &r, &seed, want);
	}
	/* every entry out by a mark past all thresholds, then below them all */
	for (uint32_t i = 0; i < INSTS; i++) {
		x.e.instruments[i].ms.mark = 1;
		uint32_t k = ref_pops(&x, &r, i, 1, want);
		lq_watch_mark_moved(&x.e, i);
		assert_int_equal(x.e.dirty_count, k);
		for (uint32_t j = 0; j < k; j++) {
			assert_int_equal(x.e.dirty[j], want[j] | LQ_WATCH_CROSSED);
			x.e.accounts[want[j]].dirty = false;
		}
		x.e.dirty_count = 0;
	}
	assert_null(lq_watch_check(&x.e));
	ref_free(&r);
	free(want);
	free(x.mem);
}

/* Small tables (4-node blocks) and larger ones (32-node blocks), many seeds. */
static void test_heap_vs_reference(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 12; seed++)
		run_seed(60 + (uint32_t)seed, seed, 6000);
	for (uint64_t seed = 13; seed <= 16; seed++)
		run_seed(3000, seed, 40000);
}

/* A heap after a few hundred entries, as an image, and a blank engine to restore it into. */
static uint8_t *filled_image(struct eng *a, struct eng *b, size_t *len)
{
	uint64_t seed = 99;
	struct ref r;

	eng_init(a, 500, &seed);
	eng_init(b, 500, &seed);
	ref_init(&r, 500);
	for (uint32_t s = 0; s < 3000; s++)
		step(a, &r, &seed);
	ref_free(&r);
	assert_true(a->e.heap_count[0] > 8);
	uint8_t *img = malloc(lq_snapshot_engine_size(&a->e));
	assert_non_null(img);
	*len = lq_snapshot_engine_save(&a->e, img);
	return img;
}

/* Heap h's node i, as watch.c lays it out (node i at i + 3 within the heap's blocks). */
static struct lq_watch_node *node(struct lq_engine *e, uint32_t h, uint32_t i)
{
	const uint32_t at = i + 3, b = e->heap_table[h * e->heap_bph + (at >> e->heap_shift)];
	return &e->heap_pool[((size_t)b << e->heap_shift) + (at & ((1u << e->heap_shift) - 1))];
}

static void refused_as(struct eng *a, struct eng *b, const char *want)
{
	const char *why = NULL;
	uint8_t *img = malloc(lq_snapshot_engine_size(&a->e));

	assert_non_null(img);
	const size_t len = lq_snapshot_engine_save(&a->e, img);
	assert_int_equal(lq_snapshot_engine_load(&b->e, img, len, &why), -EINVAL);
	assert_non_null(why);
	assert_string_equal(why, want);
	free(img);
}

static void test_restore_refuses_bad_heaps(void **state)
{
	struct eng a, b;
	size_t len;
	const char *why = NULL;

	(void)state;
	uint8_t *img = filled_image(&a, &b, &len);
	assert_int_equal(lq_snapshot_engine_load(&b.e, img, len, &why), 0);
	assert_null(why);
	assert_null(lq_watch_check(&b.e));
	free(img);

	/* a child before its parent */
	struct lq_watch_node *root = node(&a.e, 0, 0), *child = node(&a.e, 0, 1);
	const int64_t k = child->key;
	child->key = root->key - 1;
	refused_as(&a, &b, "a threshold heap out of order");
	child->key = k;
	/* a node naming a position that is not there */
	const uint32_t p = root->pos;
	a.e.heap_slot[p] = 2;
	refused_as(&a, &b, "a threshold heap node and its position disagree");
	a.e.heap_slot[p] = 1;
	/* a position claiming a node it does not have */
	uint32_t out = 0;
	while (a.e.heap_slot[out] != 0)
		out++;
	a.e.heap_slot[out] = 1;
	refused_as(&a, &b, "a position claims a threshold heap node it does not have");
	a.e.heap_slot[out] = 0;
	/* a block two heaps share, a count past the blocks, a looping free list */
	const uint32_t t = a.e.heap_table[a.e.heap_bph];
	a.e.heap_table[a.e.heap_bph] = a.e.heap_table[0];
	refused_as(&a, &b, "threshold heap blocks out of range or shared");
	a.e.heap_table[a.e.heap_bph] = t;
	a.e.heap_count[0] += 1u << a.e.heap_shift;
	refused_as(&a, &b, "threshold heap blocks out of range or shared");
	a.e.heap_count[0] -= 1u << a.e.heap_shift;
	assert_true(a.e.heap_block_free != LQ_NIL); /* removals gave blocks back */
	const uint32_t f = a.e.heap_owner[a.e.heap_block_free];
	a.e.heap_owner[a.e.heap_block_free] = (1u << 31) | a.e.heap_block_free;
	refused_as(&a, &b, "threshold heap free blocks out of range");
	a.e.heap_owner[a.e.heap_block_free] = f;
	/* a key out of its side's range (the long heap's are negated thresholds) */
	const int64_t rk = root->key;
	root->key = 5;
	refused_as(&a, &b, "a threshold heap key out of range");
	root->key = rk;
	/* a long heap's position that is short: its threshold would fire on the wrong side */
	const int64_t q = a.e.positions[root->pos].qty;
	assert_true(q > 0);
	a.e.positions[root->pos].qty = -q;
	refused_as(&a, &b, "a threshold heap of the other side");
	a.e.positions[root->pos].qty = q;
	/* and all put back, it loads */
	img = malloc(lq_snapshot_engine_size(&a.e));
	assert_non_null(img);
	len = lq_snapshot_engine_save(&a.e, img);
	assert_int_equal(lq_snapshot_engine_load(&b.e, img, len, &why), 0);
	free(img);
	free(a.mem);
	free(b.mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_heap_vs_reference),
	    cmocka_unit_test(test_restore_refuses_bad_heaps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
