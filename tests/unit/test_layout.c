/* SPDX-License-Identifier: MIT */
/*
 * What an account and a position cost (issue 19, memory per account): the sizes of the
 * per-account and per-position rows pinned at compile time, and the engine's lazily used
 * tables checked untouched where nothing has used them yet: a fresh engine writes no byte of
 * its positions' table or their order slots, and an account's balances take a row only in the
 * columns of the assets defined; limits that name the assets reserve only their columns.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "../../app/report_model.h"
#include "lq/engine.h"

/* the engine: an account's hot row, its balance per asset held, a position, a candidate */
_Static_assert(sizeof(struct lq_account) == 16, "an account is 16 bytes");
_Static_assert(offsetof(struct lq_account, pos_head) == 8, "id, then the position list");
_Static_assert(sizeof(struct lq_position) == 64, "a position is 64 bytes");
_Static_assert(_Alignof(struct lq_position) == 8, "128-bit figures packed on 8 bytes");
_Static_assert(offsetof(struct lq_position, next) < 64,
	       "the account's list is in a position's first cache line");
_Static_assert(sizeof(struct lq_trigger_cand) == 24, "a trigger candidate is 24 bytes");
/* the replay report: a row per account an event names (no 64-bit instruments' mask of its
 * own), a deposits slot per account past the ids held by id */
_Static_assert(sizeof(struct rep_acct) == 32, "a report row is 32 bytes");
_Static_assert(sizeof(struct deposit_slot) == 16, "a deposits slot is 16 bytes");

#define FILL 0xa5

struct eng {
	struct lq_engine e;
	uint8_t *mem;
	size_t size;
};

static void eng_init_assets(struct eng *x, uint32_t accounts, uint32_t positions, uint32_t assets)
{
	const struct lq_engine_limits lim = {
	    .accounts_max = accounts, .positions_max = positions, .assets_max = assets};

	x->size = lq_engine_memsize(&lim);
	x->mem = malloc(x->size);
	assert_non_null(x->mem);
	memset(x->mem, FILL, x->size);
	assert_int_equal(lq_engine_init(&x->e, x->mem, x->size, &lim, NULL, NULL), 0);
}

static void eng_init(struct eng *x, uint32_t accounts, uint32_t positions)
{
	eng_init_assets(x, accounts, positions, 0);
}

static bool untouched(const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		if (b[i] != FILL)
			return false;
	return true;
}

/* The engine's memory grows by these per account and per position (no more). */
static void test_memsize_per_row(void **state)
{
	(void)state;
	const struct lq_engine_limits a = {.accounts_max = 1u << 16, .positions_max = 1u << 16};
	const struct lq_engine_limits b = {.accounts_max = 1u << 17, .positions_max = 1u << 16};
	const struct lq_engine_limits c = {.accounts_max = 1u << 16, .positions_max = 1u << 17};
	const size_t per_account = (lq_engine_memsize(&b) - lq_engine_memsize(&a)) >> 16;
	const size_t per_position = (lq_engine_memsize(&c) - lq_engine_memsize(&a)) >> 16;

	/* the account, a balance per asset (a column each), the id hash (at most half full),
	 * the re-check queue */
	assert_int_equal(per_account, 16 + 8 * LQ_ASSETS_MAX + 2 * 4 + 4);
	/* the position, one trigger candidate, the ADL ranking entry and its heap node, the
	 * order slot, a threshold heap node, the position's slot in it and the heaps' block
	 * tables' share (4 B per 512-node block for each of the 2 x LQ_INSTRUMENTS_MAX heaps) */
	assert_int_equal(per_position,
			 64 + 24 + sizeof(struct lq_adl_entry) + sizeof(struct lq_adl_node) + 4 +
			     sizeof(struct lq_watch_node) + 4 + 4 * LQ_WATCH_HEAPS / 512);

	/* limits that name their assets: a balance column each, no more */
	for (uint32_t n = 1; n <= LQ_ASSETS_MAX; n++) {
		struct lq_engine_limits an = a, bn = b;
		an.assets_max = bn.assets_max = n;
		assert_int_equal((lq_engine_memsize(&bn) - lq_engine_memsize(&an)) >> 16,
				 16 + 8 * n + 2 * 4 + 4);
	}
}

/* A position's narrowed figures hold the extremes their writers allow, both signs. */
static void test_position_widths(void **state)
{
	(void)state;
	const lq_i128 cost_max = (lq_i128)INT64_MAX * LQ_FINE_ONE + (LQ_FINE_ONE - 1);
	const lq_i128 funding_max = (lq_i128)1 << 100; /* lq_instrument_funding_ovf's bound */
	const lq_i128 costs[] = {0, 1, -1, cost_max, -cost_max, (lq_i128)INT64_MIN * 3};
	const lq_i128 snaps[] = {0, -1, funding_max, -funding_max, funding_max - 1};
	struct lq_position p;

	memset(&p, 0xa5, sizeof(p));
	for (size_t i = 0; i < sizeof(costs) / sizeof(costs[0]); i++) {
		for (size_t k = 0; k < sizeof(snaps) / sizeof(snaps[0]); k++) {
			p.cost = costs[i];
			p.funding_snap = snaps[k];
			assert_true(p.cost == costs[i]);
			assert_true(p.funding_snap == snaps[k]);
			/* the neighbours are not written */
			assert_int_equal(p.instrument, 0xa5);
			assert_int_equal(p.account, 0xa5a5a5a5u);
		}
	}
	/* one bit more than the cost's width is beyond it: the writers' checks are needed */
	p.cost = (lq_i128)1 << (LQ_POSITION_COST_BITS - 1);
	assert_false(p.cost == (lq_i128)1 << (LQ_POSITION_COST_BITS - 1));
	assert_true(cost_max < (lq_i128)1 << (LQ_POSITION_COST_BITS - 1));
	assert_true(funding_max < (lq_i128)1 << (LQ_POSITION_FUNDING_BITS - 1));
}

/* An engine of one balance column defines one asset; the next is refused, not written. */
static void test_assets_max(void **state)
{
	struct eng x;

	(void)state;
	eng_init_assets(&x, 1000, 1000, 1);
	assert_int_equal(lq_engine_add_asset(&x.e, "USDT", 6), LQ_OK);
	assert_int_equal(lq_engine_add_asset(&x.e, "BTC", 8), LQ_E_LIMIT);
	assert_int_equal(x.e.asset_count, 1);
	const struct lq_cmd dep = {.type = LQ_CMD_DEPOSIT, .account = 7, .asset = 1, .amount = 5};
	assert_int_equal(lq_engine_apply(&x.e, &dep), LQ_E_UNKNOWN_ASSET);
	/* the balances are one column: the id hash follows it */
	assert_int_equal((uint8_t *)x.e.account_hash - (uint8_t *)x.e.balances,
			 sizeof(int64_t) * 1000);
	free(x.mem);

	/* more columns than an account's asset mask has bits: refused at init */
	const struct lq_engine_limits big = {
	    .accounts_max = 10, .positions_max = 10, .assets_max = LQ_ASSETS_MAX + 1};
	struct lq_engine e;
	uint8_t mem[64];
	assert_int_equal(lq_engine_init(&e, mem, sizeof(mem), &big, NULL, NULL), -EINVAL);
}

static void test_fresh_engine_untouched(void **state)
{
	struct eng x;

	(void)state;
	eng_init(&x, 1000, 5000);
	assert_true(untouched(x.e.positions, sizeof(*x.e.positions) * 5000));
	assert_true(untouched(x.e.pos_order, sizeof(*x.e.pos_order) * 5000));
	assert_true(untouched(x.e.balances, sizeof(int64_t) * LQ_ASSETS_MAX * 1000));
	assert_int_equal(x.e.position_free, LQ_NIL);
	assert_int_equal(x.e.position_top, 0);

	/* one asset, one account: a balance in that column only */
	assert_int_equal(lq_engine_add_asset(&x.e, "USDT", 6), LQ_OK);
	const struct lq_cmd dep = {.type = LQ_CMD_DEPOSIT, .account = 7, .asset = 0, .amount = 5};
	assert_int_equal(lq_engine_apply(&x.e, &dep), LQ_OK);
	const uint32_t a = lq_engine_find_account(&x.e, 7);
	assert_int_equal(a, 0);
	assert_int_equal(*lq_engine_balance(&x.e, a, 0), 5);
	assert_true(untouched(lq_engine_balance(&x.e, 1, 0), sizeof(int64_t) * 999));
	assert_true(untouched(lq_engine_balance(&x.e, 0, 1), sizeof(int64_t) * 1000 * 7));
	assert_true(untouched(x.e.positions, sizeof(*x.e.positions) * 5000));

	/* a second asset defined later: the accounts opened so far start at zero in it */
	assert_int_equal(lq_engine_add_asset(&x.e, "BTC", 8), LQ_OK);
	assert_int_equal(*lq_engine_balance(&x.e, a, 1), 0);
	assert_true(untouched(lq_engine_balance(&x.e, 1, 1), sizeof(int64_t) * 999));
	free(x.mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_memsize_per_row),
	    cmocka_unit_test(test_fresh_engine_untouched),
	    cmocka_unit_test(test_assets_max),
	    cmocka_unit_test(test_position_widths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
