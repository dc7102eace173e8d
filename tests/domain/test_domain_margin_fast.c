/* SPDX-License-Identifier: MIT */
/*
 * The settle path's shortcuts against the plain computations they replace:
 * - an account's and an isolated position's margin figures (lq_account_margin_at,
 *   lq_account_isolated_margin_at: the notional taken from the signed value where that is
 *   exact, the in-line divisions) against the same figures recomputed here with the general
 *   divisions only and the notional valued again from |q|, over seeded random positions,
 *   linear and inverse, long and short, at prices across every tier;
 * - the per-event ledger check's sum over the slots in use against the full sum, and the
 *   restore check that refuses money in the slot of no fund.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/account.h"
#include "../../core/ledger.h"
#include "../../core/position.h"
#include "harness.h"
#include "lq/snapshot.h"

static uint64_t rng(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static int setup(void **state)
{
	struct dom_fx *f = dom_fx_new("0.1", true);

	dom_tier(f->d, f->lin, "50000", "0.004", "0.008");
	dom_tier(f->d, f->lin, "250000", "0.005", "0.01");
	dom_tier(f->d, f->lin, "max", "0.025", "0.05");
	dom_tier(f->d, f->inv, "5", "0.004", "0.008");
	dom_tier(f->d, f->inv, "max", "0.005", "0.01");
	dom_trigger(f->d, LQ_TRIGGER_OFF);
	*state = f;
	return 0;
}

/* A requirement the plain way: the tier's rate and cum, the general ceiling division. */
static lq_i128 plain_req(const struct lq_instrument *ins, lq_i128 n, bool initial)
{
	if (ins->tier_count == 0 || n == 0)
		return 0;
	const struct lq_tier *t = &ins->tiers[lq_instrument_tier_index(ins, n)];
	const lq_i128 c = n * (initial ? t->imr_e8 : t->mmr_e8) -
			  (initial ? t->cum_im_e8 : t->cum_mm_e8) * LQ_FINE_ONE;
	const lq_i128 q = lq_div128_ceil_any(c, (lq_i128)LQ_FINE_ONE * LQ_RATE_ONE);
	return q < 0 ? 0 : q;
}

/* The figures of one position the plain way: |q| valued again, general divisions. */
static void plain_pos(const struct lq_engine *e, const struct lq_position *p, int64_t px,
		      lq_i128 *eq, lq_i128 *mm, lq_i128 *im)
{
	const struct lq_instrument *ins = &e->instruments[p->instrument];
	lq_i128 v, n;

	assert_false(lq_instrument_value_ovf_any(ins, p->qty, px, LQ_ROUND_FLOOR, &v));
	assert_false(lq_instrument_value_ovf_any(ins, p->qty > 0 ? p->qty : -p->qty, px,
						 LQ_ROUND_FLOOR, &n));
	n = n < 0 ? -n : n;
	*eq += lq_div128_floor_any(v - p->cost, LQ_FINE_ONE) - lq_position_funding_due(e, p);
	*mm += plain_req(ins, n, false);
	*im += plain_req(ins, n, true);
}

/* Random positions in both instruments for account slot a (cross), isolated ones apart. */
static void random_positions(struct dom_fx *f, uint32_t a, uint64_t *s)
{
	struct lq_engine *e = &f->d->e;
	const uint32_t ins[2] = {f->lin, f->inv};

	for (uint32_t k = 0; k < 2; k++) {
		uint32_t p = lq_position_find(e, a, ins[k]);
		if (p == LQ_NIL)
			p = lq_position_create(e, a, ins[k]);
		assert_int_not_equal(p, LQ_NIL);
		struct lq_position *pos = &e->positions[p];
		/* lots from 1 to ~2^30, either side; a cost near the value at a random price */
		int64_t q = (int64_t)(rng(s) >> (34 + rng(s) % 30)) + 1;
		q *= e->instruments[ins[k]].lot;
		pos->qty = rng(s) % 2 ? q : -q;
		const int64_t entry = e->instruments[ins[k]].tick * (int64_t)(1 + rng(s) % 2000000);
		lq_i128 cost;
		assert_false(lq_instrument_value_ovf_any(&e->instruments[ins[k]], pos->qty, entry,
							 LQ_ROUND_CEIL, &cost));
		pos->cost = cost;
	}
}

static void test_margin_matches_plain(void **state)
{
	struct dom_fx *f = *state;
	struct lq_engine *e = &f->d->e;
	uint64_t s = 0x243F6A8885A308D3ULL;

	for (uint64_t id = 1; id <= 64; id++) {
		assert_int_equal(dom_deposit(f->d, id, f->usdt, 1000000000), LQ_OK);
		assert_int_equal(dom_deposit(f->d, id, f->btc, 100000000), LQ_OK);
	}
	for (int round = 0; round < 2000; round++) {
		const uint32_t a = (uint32_t)(rng(&s) % 64);
		random_positions(f, a, &s);
		const uint32_t k = (uint32_t)(rng(&s) % 2), inst = k ? f->inv : f->lin;
		const uint32_t asset = e->instruments[inst].settle_asset;
		const int64_t px = e->instruments[inst].tick * (int64_t)(1000 + rng(&s) % 4000000);
		struct lq_margin m;
		lq_i128 eq = *lq_engine_balance(e, a, asset), mm = 0, im = 0;

		for (uint32_t p = e->accounts[a].pos_head; p != LQ_NIL; p = e->positions[p].next)
			if (e->positions[p].instrument == inst)
				plain_pos(e, &e->positions[p], px, &eq, &mm, &im);
		assert_true(lq_account_margin_at(e, a, asset, inst, px, &m));
		assert_true(eq < INT64_MAX &&
			    eq > -INT64_MAX); /* the test's sizes: no saturation */
		assert_true(m.equity_units == eq);
		assert_true(m.mm_units == mm);
		assert_true(m.im_units == im);
		/* the same position held isolated: its own figures */
		const uint32_t p = lq_position_find(e, a, inst);
		struct lq_position iso = e->positions[p];
		iso.isolated = true;
		iso.margin_units = 12345;
		eq = iso.margin_units;
		mm = im = 0;
		plain_pos(e, &iso, px, &eq, &mm, &im);
		assert_true(lq_account_isolated_margin_at(e, &iso, px, &m));
		assert_true(m.equity_units == eq);
		assert_true(m.mm_units == mm);
		assert_true(m.im_units == im);
	}
}

/* The funding due the plain way: d split as hi x 10^17 + lo, general divisions. */
static int64_t plain_due(int64_t q, lq_i128 d)
{
	const lq_i128 scale = (lq_i128)LQ_FINE_ONE * LQ_RATE_ONE;
	const lq_i128 hi = lq_div128_floor_any(d, scale), lo = d - hi * scale;
	const lq_i128 due = (lq_i128)q * hi + lq_div128_ceil_any((lq_i128)q * lo, scale);

	if (due > INT64_MAX || due < -INT64_MAX)
		return due > 0 ? INT64_MAX : -INT64_MAX;
	return (int64_t)due;
}

/* lq_position_funding_due (one division where the index moved by less than 2^63) against
 * the split computation, over index moves of every width up to the bound 2^100. */
static void test_funding_due_matches_plain(void **state)
{
	struct dom_fx *f = *state;
	struct lq_engine *e = &f->d->e;
	struct lq_instrument *ins = &e->instruments[f->lin];
	uint64_t s = 0x13198A2E03707344ULL;

	assert_int_equal(dom_deposit(f->d, 9, f->usdt, 1000000), LQ_OK);
	const uint32_t a = lq_engine_find_account(e, 9);
	const uint32_t p = lq_position_create(e, a, f->lin);
	assert_int_not_equal(p, LQ_NIL);
	struct lq_position *pos = &e->positions[p];
	const lq_i128 bound = (lq_i128)1 << 99;
	for (int n = 0; n < 200000; n++) {
		const lq_i128 idx =
		    ((lq_i128)(int64_t)rng(&s) * ((lq_i128)1 << 36)) >> (rng(&s) % 100);
		const lq_i128 snap =
		    ((lq_i128)(int64_t)rng(&s) * ((lq_i128)1 << 36)) >> (rng(&s) % 100);
		assert_true(idx < bound && idx > -bound && snap < bound && snap > -bound);
		int64_t q = (int64_t)(rng(&s) >> (1 + rng(&s) % 63));
		q = q == 0 ? 1 : q;
		pos->qty = rng(&s) % 2 ? q : -q;
		ins->funding_index_ceil = idx;
		ins->funding_index_floor = idx - (lq_i128)(rng(&s) % 3);
		pos->funding_snap = snap;
		const lq_i128 d =
		    (pos->qty >= 0 ? ins->funding_index_ceil : ins->funding_index_floor) - snap;
		assert_true(lq_position_funding_due(e, pos) == plain_due(pos->qty, d));
	}
	pos->qty = 0;
	ins->funding_index_ceil = ins->funding_index_floor = 0;
	pos->funding_snap = 0;
}

/* The per-event sum over the slots in use is the full sum; a restore refuses a stray slot. */
static void test_ledger_slots_used(void **state)
{
	struct dom_fx *f = *state;
	struct lq_engine *e = &f->d->e;

	assert_int_equal(dom_deposit(f->d, 7, f->usdt, 5000000), LQ_OK);
	assert_int_equal(lq_ledger_slots_used(e), LQ_LEDGER_FUND0 + e->fund_count);
	assert_true(lq_ledger_slots_used(e) < LQ_LEDGER_SLOTS); /* the test's fixture: few funds */
	for (uint32_t as = 0; as < e->asset_count; as++)
		assert_true(lq_ledger_sum_used(e, as) == lq_ledger_sum(e, as));
	assert_true(e->ledger.total[LQ_LEDGER_EXTERNAL][f->usdt] != 0);
	assert_true(lq_ledger_unused_zero(e));

	/* an image whose unused slot holds money (balanced, so only the new check sees it) */
	const size_t sz = lq_snapshot_engine_size(e);
	uint8_t *img = malloc(sz);
	assert_non_null(img);
	const uint32_t spare = LQ_LEDGER_SLOTS - 1;
	e->ledger.total[spare][f->usdt] += 5;
	e->ledger.total[LQ_LEDGER_EXTERNAL][f->usdt] -= 5;
	assert_false(lq_ledger_unused_zero(e));
	size_t n = lq_snapshot_engine_save(e, img);
	e->ledger.total[spare][f->usdt] -= 5;
	e->ledger.total[LQ_LEDGER_EXTERNAL][f->usdt] += 5;
	assert_true(n > 0);
	const char *why = NULL;
	assert_int_equal(lq_snapshot_engine_load(e, img, n, &why), -EINVAL);
	assert_non_null(why);
	assert_non_null(strstr(why, "ledger"));
	free(img);
}

/* A restored image whose tiers lq_instrument_add_tier could not have made is refused. */
static void test_restore_refuses_unsound_tiers(void **state)
{
	struct dom_fx *f = *state;
	struct lq_engine *e = &f->d->e;
	struct lq_instrument *ins = &e->instruments[f->lin];

	assert_true(ins->tier_count >= 1);
	for (uint32_t i = 0; i < e->instrument_count; i++)
		assert_true(lq_instrument_tiers_sound(&e->instruments[i]));
	const size_t sz = lq_snapshot_engine_size(e);
	uint8_t *img = malloc(sz), *good = malloc(sz);
	assert_non_null(img);
	assert_non_null(good);
	const size_t gn = lq_snapshot_engine_save(e, good);
	assert_true(gn > 0);
	/* each corruption alone: a falling MM rate, an IM below MM, a wrong continuity figure */
	for (int k = 0; k < 3; k++) {
		struct lq_tier keep = ins->tiers[0];
		if (k == 0)
			ins->tiers[0].mmr_e8 = -1;
		else if (k == 1)
			ins->tiers[0].imr_e8 = ins->tiers[0].mmr_e8 - 1;
		else
			ins->tiers[0].cum_mm_e8 = 1;
		assert_false(lq_instrument_tiers_sound(ins));
		const size_t n = lq_snapshot_engine_save(e, img);
		ins->tiers[0] = keep;
		assert_true(n > 0);
		const char *why = NULL;
		assert_int_equal(lq_snapshot_engine_load(e, img, n, &why), -EINVAL);
		assert_non_null(why);
		assert_non_null(strstr(why, "tiers"));
		/* a refused image leaves the engine unusable: the good one restores it */
		assert_int_equal(lq_snapshot_engine_load(e, good, gn, &why), 0);
		assert_true(lq_instrument_tiers_sound(ins));
	}
	free(good);
	free(img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_margin_matches_plain, setup, dom_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_funding_due_matches_plain, setup, dom_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_ledger_slots_used, setup, dom_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_restore_refuses_unsound_tiers, setup,
					    dom_fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
