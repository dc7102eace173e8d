/* SPDX-License-Identifier: MIT */
/*
 * Risk tiers (DESIGN 1.2): MM = notional x MMR_t - cum_t with
 * cum_t = cum_{t-1} + floor_t x (MMR_t - MMR_{t-1}), the same for IM, so that both are
 * continuous across bracket edges. Checked at notional = edge and edge + 1 unit, directly and
 * through positions, and the cum amounts exactly.
 *
 * Brackets (USDT): <= 50000: 0.004 / 0.008; <= 250000: 0.005 / 0.01; <= 1000000: 0.01 / 0.02;
 * above: 0.025 / 0.05. Hand-computed cum amounts:
 *   MM: 0; 50000 x 0.001 = 50; 50 + 250000 x 0.005 = 1300; 1300 + 1000000 x 0.015 = 16300
 *   IM: 0; 50000 x 0.002 = 100; 100 + 250000 x 0.01 = 2600; 2600 + 1000000 x 0.03 = 32600
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"

#define UNIT_FINE ((lq_i128)LQ_FINE_ONE)
#define USDT	  1000000LL /* units per USDT */

static int setup(void **state)
{
	/* lin: tick 0.001, lot 0.001: notional moves by 1 unit per tick of 1 lot */
	struct dom_fx *f = dom_fx_new("0.001", true);

	dom_tier(f->d, f->lin, "50000", "0.004", "0.008");
	dom_tier(f->d, f->lin, "250000", "0.005", "0.01");
	dom_tier(f->d, f->lin, "1000000", "0.01", "0.02");
	dom_tier(f->d, f->lin, "max", "0.025", "0.05");
	dom_tier(f->d, f->inv, "5", "0.004", "0.008");
	dom_tier(f->d, f->inv, "max", "0.005", "0.01");
	*state = f;
	return 0;
}

static void test_cum_amounts_exact(void **state)
{
	struct dom_fx *f = *state;
	const struct lq_instrument *ins = &f->d->e.instruments[f->lin];
	/* in units x 10^8 */
	const lq_i128 e8 = (lq_i128)USDT * LQ_RATE_ONE;
	const lq_i128 mm[] = {0, 50 * e8, 1300 * e8, 16300 * e8};
	const lq_i128 im[] = {0, 100 * e8, 2600 * e8, 32600 * e8};

	assert_int_equal(ins->tier_count, 4);
	for (uint32_t t = 0; t < 4; t++) {
		assert_i128_equal(ins->tiers[t].cum_mm_e8, mm[t]);
		assert_i128_equal(ins->tiers[t].cum_im_e8, im[t]);
	}
	/* continuity as an identity: at each edge both brackets' formulas agree exactly */
	for (uint32_t t = 0; t + 1 < ins->tier_count; t++) {
		const struct lq_tier *a = &ins->tiers[t], *b = &ins->tiers[t + 1];
		const lq_i128 edge = (lq_i128)a->upto_units * UNIT_FINE;
		assert_i128_equal(edge * a->mmr_e8 - a->cum_mm_e8 * UNIT_FINE,
				  edge * b->mmr_e8 - b->cum_mm_e8 * UNIT_FINE);
		assert_i128_equal(edge * a->imr_e8 - a->cum_im_e8 * UNIT_FINE,
				  edge * b->imr_e8 - b->cum_im_e8 * UNIT_FINE);
	}
}

struct edge_case {
	int64_t edge_usdt;
	uint32_t tier_at, tier_after;
	int64_t mm_at, mm_after; /* units */
	int64_t im_at, im_after;
};

/*
 * At the edge the lower bracket applies ("notional <= upto"), one unit above the higher one:
 *   50000:     MM 200;   50000.000001 x 0.005 - 50 = 200.000000005 -> 200.000001 (ceil)
 *              IM 400;   x 0.01 - 100 = 400.00000001 -> 400.000001
 *   250000:    MM 1200;  250000.000001 x 0.01 - 1300 = 1200.00000001 -> 1200.000001
 *              IM 2400;  x 0.02 - 2600 = 2400.00000002 -> 2400.000001
 *   1000000:   MM 8700;  1000000.000001 x 0.025 - 16300 = 8700.000000025 -> 8700.000001
 *              IM 17400; x 0.05 - 32600 = 17400.00000005 -> 17400.000001
 */
static const struct edge_case edges[] = {
    {50000, 0, 1, 200 * USDT, 200 * USDT + 1, 400 * USDT, 400 * USDT + 1},
    {250000, 1, 2, 1200 * USDT, 1200 * USDT + 1, 2400 * USDT, 2400 * USDT + 1},
    {1000000, 2, 3, 8700 * USDT, 8700 * USDT + 1, 17400 * USDT, 17400 * USDT + 1},
};

static void test_edges_direct(void **state)
{
	struct dom_fx *f = *state;
	const struct lq_instrument *ins = &f->d->e.instruments[f->lin];

	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
		const struct edge_case *c = &edges[i];
		const lq_i128 at = (lq_i128)c->edge_usdt * USDT * UNIT_FINE;
		const lq_i128 after = at + UNIT_FINE;
		assert_int_equal(lq_instrument_tier_index(ins, at), c->tier_at);
		assert_int_equal(lq_instrument_tier_index(ins, after), c->tier_after);
		assert_true(lq_instrument_mm_units(ins, at) == c->mm_at);
		assert_true(lq_instrument_mm_units(ins, after) == c->mm_after);
		assert_true(lq_instrument_im_units(ins, at) == c->im_at);
		assert_true(lq_instrument_im_units(ins, after) == c->im_after);
		/* one fine unit above the edge is already the next bracket, and still continuous */
		assert_int_equal(lq_instrument_tier_index(ins, at + 1), c->tier_after);
		assert_true(lq_instrument_mm_units(ins, at + 1) == c->mm_at + 1);
	}
	/* nothing, and a tiny notional: requirements round up */
	assert_true(lq_instrument_mm_units(ins, 0) == 0);
	assert_true(lq_instrument_mm_units(ins, 1) == 1);
	assert_true(lq_instrument_im_units(ins, 1) == 1);
}

/* Around every edge MM and IM never fall and never jump by more than one unit per unit. */
static void test_edges_sweep(void **state)
{
	struct dom_fx *f = *state;
	const struct lq_instrument *ins = &f->d->e.instruments[f->lin];

	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
		const int64_t e = edges[i].edge_usdt * USDT;
		int64_t mm_prev = lq_instrument_mm_units(ins, (lq_i128)(e - 2001) * UNIT_FINE);
		int64_t im_prev = lq_instrument_im_units(ins, (lq_i128)(e - 2001) * UNIT_FINE);
		for (int64_t n = e - 2000; n <= e + 2000; n++) {
			int64_t mm = lq_instrument_mm_units(ins, (lq_i128)n * UNIT_FINE);
			int64_t im = lq_instrument_im_units(ins, (lq_i128)n * UNIT_FINE);
			assert_true(mm - mm_prev >= 0 && mm - mm_prev <= 1);
			assert_true(im - im_prev >= 0 && im - im_prev <= 1);
			mm_prev = mm;
			im_prev = im;
		}
	}
}

/* Through a position of 0.001 BTC whose notional is the edge, then the edge + 1 unit. */
static void test_edges_through_positions(void **state)
{
	struct dom_fx *f = *state;
	struct dom *d = f->d;
	char px[32];

	assert_int_equal(dom_deposit_s(d, 1, f->usdt, "100000000"), LQ_OK);
	assert_int_equal(dom_fill_s(d, 1, f->lin, "0.001", "40000000", NULL), LQ_OK);
	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
		const struct edge_case *c = &edges[i];
		/* 0.001 x (edge x 1000) = edge */
		snprintf(px, sizeof(px), "%lld", (long long)c->edge_usdt * 1000);
		assert_int_equal(dom_mark_s(d, f->lin, px), LQ_OK);
		struct lq_account_position_view v = dom_view(d, 1, f->lin, false);
		assert_i128_equal(v.notional_fine, (lq_i128)c->edge_usdt * USDT * UNIT_FINE);
		assert_true(v.mm_units == c->mm_at);
		assert_true(v.im_units == c->im_at);
		assert_true(dom_margin(d, 1, f->usdt).mm_units == c->mm_at);
		/* one tick up: 0.001 x 0.001 = one unit more notional */
		assert_int_equal(dom_mark(d, f->lin, dom_px(d, f->lin, px) + 1), LQ_OK);
		v = dom_view(d, 1, f->lin, false);
		assert_i128_equal(v.notional_fine, ((lq_i128)c->edge_usdt * USDT + 1) * UNIT_FINE);
		assert_true(v.mm_units == c->mm_after);
		assert_true(v.im_units == c->im_after);
		assert_true(dom_margin(d, 1, f->usdt).im_units == c->im_after);
	}
	/* a short's notional is its absolute value: the same figures */
	assert_int_equal(dom_mark_s(d, f->lin, "50000000"), LQ_OK);
	assert_int_equal(dom_deposit_s(d, 2, f->usdt, "1000"), LQ_OK);
	assert_int_equal(dom_fill_s(d, 2, f->lin, "-0.001", "50000000", NULL), LQ_OK);
	assert_true(dom_view(d, 2, f->lin, false).mm_units == 200 * USDT);
	assert_true(dom_view(d, 2, f->lin, false).im_units == 400 * USDT);
}

/*
 * Inverse: 3000 contracts x 100 USD at 60000 = 5 BTC, the edge. At 59999.9 the notional is
 * 300000 / 59999.9 = 5.0000083333472... BTC, rounded up to the fine unit:
 * 500000833334722225 fine. MM = 0.005 x that - 0.005 (cum 5 x 0.001) = 0.0200000416..
 * -> 0.02000005 (ceil); IM = 0.01 x that - 0.01 = 0.040000083.. -> 0.04000009.
 * At 60000.1 (notional 4.99999166668055554 BTC, first bracket) MM = 0.01999996666.. ->
 * 0.01999997, IM 0.03999994.
 */
static void test_inverse_edge(void **state)
{
	struct dom_fx *f = *state;
	struct dom *d = f->d;
	const lq_i128 btc_fine = (lq_i128)100000000 * UNIT_FINE;

	assert_int_equal(dom_deposit_s(d, 3, f->btc, "100"), LQ_OK);
	assert_int_equal(dom_fill_s(d, 3, f->inv, "3000", "60000", NULL), LQ_OK);
	assert_int_equal(dom_mark_s(d, f->inv, "60000"), LQ_OK);
	struct lq_account_position_view v = dom_view(d, 3, f->inv, false);
	assert_i128_equal(v.notional_fine, 5 * btc_fine);
	assert_true(v.mm_units == dom_money(d, f->btc, "0.02"));
	assert_true(v.im_units == dom_money(d, f->btc, "0.04"));

	assert_int_equal(dom_mark_s(d, f->inv, "59999.9"), LQ_OK);
	v = dom_view(d, 3, f->inv, false);
	assert_i128_equal(v.notional_fine, dom_i128("500000833334722225"));
	assert_true(v.mm_units == dom_money(d, f->btc, "0.02000005"));
	assert_true(v.im_units == dom_money(d, f->btc, "0.04000009"));

	assert_int_equal(dom_mark_s(d, f->inv, "60000.1"), LQ_OK);
	v = dom_view(d, 3, f->inv, false);
	assert_i128_equal(v.notional_fine, dom_i128("499999166668055554"));
	assert_true(v.mm_units == dom_money(d, f->btc, "0.01999997"));
	assert_true(v.im_units == dom_money(d, f->btc, "0.03999994"));
}

/* Brackets must ascend, rates never fall, 0 <= mmr <= imr <= 1, nothing after "max". */
static void test_bracket_definitions(void **state)
{
	struct dom_fx *f = *state;
	struct dom *d = f->d;
	uint32_t x = dom_linear(d, "X", f->usdt, "0.1", "0.1");
	const int64_t r4 = dom_rate("0.004"), r8 = dom_rate("0.008");

	assert_int_equal(lq_engine_add_tier(&d->e, x, 1000 * USDT, r4, r8), LQ_OK);
	assert_int_equal(lq_engine_add_tier(&d->e, x, 1000 * USDT, r8, r8), LQ_E_BAD_DEFINITION);
	assert_int_equal(lq_engine_add_tier(&d->e, x, 999 * USDT, r8, r8), LQ_E_BAD_DEFINITION);
	assert_int_equal(lq_engine_add_tier(&d->e, x, 2000 * USDT, r4 - 1, r8),
			 LQ_E_BAD_DEFINITION);
	assert_int_equal(lq_engine_add_tier(&d->e, x, 2000 * USDT, r8, r4), LQ_E_BAD_DEFINITION);
	assert_int_equal(lq_engine_add_tier(&d->e, x, 2000 * USDT, r8, LQ_RATE_ONE + 1),
			 LQ_E_BAD_DEFINITION);
	assert_int_equal(lq_engine_add_tier(&d->e, x, INT64_MAX, r8, r8), LQ_OK);
	assert_int_equal(lq_engine_add_tier(&d->e, x, INT64_MAX, r8, r8), LQ_E_BAD_DEFINITION);
	assert_int_equal(d->e.instruments[x].tier_count, 2);
	/* without brackets nothing is required */
	uint32_t y = dom_linear(d, "Y", f->usdt, "0.1", "0.1");
	assert_true(lq_instrument_mm_units(&d->e.instruments[y], (lq_i128)1000 * UNIT_FINE) == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_cum_amounts_exact, setup, dom_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_edges_direct, setup, dom_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_edges_sweep, setup, dom_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_edges_through_positions, setup, dom_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_inverse_edge, setup, dom_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_bracket_definitions, setup, dom_fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
