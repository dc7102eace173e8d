/* SPDX-License-Identifier: MIT */
/*
 * Liquidation and bankruptcy prices (DESIGN 1.1, 1.6): the reported liq_price is the lowest
 * tick (long) / highest tick (short) at which the position is not liquidatable, the other
 * marks held fixed; the isolated bankruptcy price the lowest / highest tick at which its
 * equity is not negative. Checked against the hand-solved equations and by moving the mark
 * to the price and one tick beyond: first with the trigger off (the figures), then with the
 * trigger on (a liquidation happens exactly one tick beyond, not at the price).
 *
 * BTCUSDT (USDT 6 decimals, tick 0.1, lot 0.001) brackets: <= 50000: 0.004 / 0.008,
 * <= 250000: 0.005 / 0.01 (MM cum 50), above: 0.01 / 0.02.
 * ETHUSDT (tick 0.01, lot 0.01): one bracket, 0.01 / 0.02.
 * BTCUSD (BTC 8 decimals, tick 0.1, lot 1, contract 100): <= 5 BTC: 0.004 / 0.008, above
 * 0.005 / 0.01.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include "harness.h"

static int setup(void **state)
{
	struct dom_fx *f = calloc(1, sizeof(*f));
	struct dom *d = dom_new();

	f->d = d;
	f->usdt = dom_asset(d, "USDT", 6);
	f->btc = dom_asset(d, "BTC", 8);
	f->lin = dom_linear(d, "BTCUSDT", f->usdt, "0.1", "0.001");
	dom_tier(d, f->lin, "50000", "0.004", "0.008");
	dom_tier(d, f->lin, "250000", "0.005", "0.01");
	dom_tier(d, f->lin, "max", "0.01", "0.02");
	f->eth = dom_linear(d, "ETHUSDT", f->usdt, "0.01", "0.01");
	dom_tier(d, f->eth, "max", "0.01", "0.02");
	f->inv = dom_inverse(d, "BTCUSD", f->btc, "0.1", "1", "100");
	dom_tier(d, f->inv, "5", "0.004", "0.008");
	dom_tier(d, f->inv, "max", "0.005", "0.01");
	/* an insurance fund, so that the liquidations of the trigger-on checks end in takeovers */
	assert_int_equal(lq_engine_define_fund(&d->e, "IF", f->usdt, 1000000000000LL), LQ_OK);
	assert_int_equal(lq_engine_define_fund(&d->e, "IFB", f->btc, 10000000000LL), LQ_OK);
	const uint32_t ins[3] = {f->lin, f->eth, f->inv};
	for (int i = 0; i < 3; i++) {
		struct lq_instrument_params p = dom_params(d, ins[i]);
		p.fund = lq_engine_find_fund(&d->e, i < 2 ? "IF" : "IFB", i < 2 ? 2 : 3);
		dom_params_set(d, ins[i], &p);
	}
	*state = f;
	return 0;
}

/* Is the unit holding this position (isolated, or the cross account) liquidatable now? */
static bool liquidatable(const struct dom *d, uint64_t acc, uint32_t ins)
{
	const uint32_t p = dom_pos(d, acc, ins);
	const struct lq_position *pos = &d->e.positions[p];
	struct lq_unit u = {.account = dom_acc(d, acc), .isolated = pos->isolated};
	bool mine;

	u.ref = pos->isolated ? p : d->e.instruments[ins].settle_asset;
	if (pos->isolated) {
		struct lq_account_position_view v = dom_view(d, acc, ins, false);
		mine = v.equity_units < v.mm_units;
	} else {
		struct lq_margin m = dom_margin(d, acc, d->e.instruments[ins].settle_asset);
		mine = m.equity_units < m.mm_units;
	}
	/* the engine's own predicate must agree with the figures it publishes */
	assert_int_equal(lq_trigger_unit_liquidatable(&d->e, &u), mine);
	return mine;
}

static int64_t equity_of(const struct dom *d, uint64_t acc, uint32_t ins)
{
	const struct lq_position *pos = dom_position(d, acc, ins);

	if (pos->isolated)
		return dom_view(d, acc, ins, false).equity_units;
	return dom_margin(d, acc, d->e.instruments[ins].settle_asset).equity_units;
}

/*
 * The position's reported prices are want_liq / want_bankrupt (NULL: none), and they are the
 * boundaries: safe at the price, liquidatable (underwater) one tick beyond. Leaves the mark
 * where it found it. The trigger must be off.
 */
static void check_prices(struct dom *d, uint64_t acc, uint32_t ins, const char *want_liq,
			 const char *want_bankrupt)
{
	const struct lq_instrument *in = &d->e.instruments[ins];
	const int64_t mark0 = in->ms.mark, tick = in->tick;
	const struct lq_account_position_view v = dom_view(d, acc, ins, true);
	const int64_t beyond = dom_position(d, acc, ins)->qty > 0 ? -tick : tick;

	assert_int_equal(d->e.trigger_mode, LQ_TRIGGER_OFF);
	assert_int_equal(v.has_liq_price, want_liq != NULL);
	if (want_liq) {
		assert_true(v.liq_price == dom_px(d, ins, want_liq));
		assert_int_equal(dom_mark(d, ins, v.liq_price), LQ_OK);
		assert_false(liquidatable(d, acc, ins));
		assert_int_equal(dom_mark(d, ins, v.liq_price + beyond), LQ_OK);
		assert_true(liquidatable(d, acc, ins));
	}
	if (want_bankrupt) {
		assert_true(v.has_bankruptcy_price);
		assert_true(v.bankruptcy_price == dom_px(d, ins, want_bankrupt));
		assert_int_equal(dom_mark(d, ins, v.bankruptcy_price), LQ_OK);
		assert_true(equity_of(d, acc, ins) >= 0);
		assert_int_equal(dom_mark(d, ins, v.bankruptcy_price + beyond), LQ_OK);
		assert_true(equity_of(d, acc, ins) < 0);
	}
	assert_int_equal(dom_mark(d, ins, mark0), LQ_OK);
}

/* With the trigger on: nothing at the liquidation price, a liquidation one tick beyond. */
static void check_trigger(struct dom *d, uint64_t acc, uint32_t ins)
{
	const struct lq_account_position_view v = dom_view(d, acc, ins, true);
	const int64_t beyond = dom_position(d, acc, ins)->qty > 0 ? -d->e.instruments[ins].tick
								  : d->e.instruments[ins].tick;

	assert_true(v.has_liq_price);
	dom_trigger(d, LQ_TRIGGER_INDEX);
	dom_events_clear(d);
	assert_int_equal(dom_mark(d, ins, v.liq_price), LQ_OK);
	assert_int_equal(dom_event_count(d, LQ_EV_LIQUIDATION, acc), 0);
	assert_int_equal(dom_mark(d, ins, v.liq_price + beyond), LQ_OK);
	assert_true(dom_event_count(d, LQ_EV_LIQUIDATION, acc) >= 1);
}

/*
 * With the trigger off: account acc deposits `deposit` of asset, buys qty (< 0 sells) of ins
 * at 60000, isolates `margin` on it, and the mark is 60000.
 */
static void open_isolated(struct dom *d, uint64_t acc, uint32_t asset, const char *deposit,
			  uint32_t ins, const char *qty, const char *margin)
{
	dom_trigger(d, LQ_TRIGGER_OFF);
	assert_int_equal(dom_deposit_s(d, acc, asset, deposit), LQ_OK);
	assert_int_equal(dom_fill_s(d, acc, ins, qty, "60000", NULL), LQ_OK);
	assert_int_equal(dom_isolate_s(d, acc, ins, margin), LQ_OK);
	assert_int_equal(dom_mark_s(d, ins, "60000"), LQ_OK);
}

/*
 * Isolated long, 1 BTC at 60000, margin 3000. Equity 3000 + P - 60000 = MM 0.005 P - 50
 * at P = 56950 / 0.995 = 57236.18..: rounded up to the tick, 57236.2 (equity 236.2 >= MM
 * 236.181; at 57236.1: 236.1 < 236.1805). Bankrupt at 57000 exactly.
 */
static void test_isolated_linear_long(void **state)
{
	struct dom_fx *f = *state;
	struct dom *d = f->d;

	open_isolated(d, 1, f->usdt, "10000", f->lin, "1", "3000");
	check_prices(d, 1, f->lin, "57236.2", "57000");
	check_trigger(d, 1, f->lin);
}

/*
 * Isolated short, 1 BTC at 60000, margin 3000: 63000 - P = 0.005 P - 50 at
 * P = 63050 / 1.005 = 62736.31..: rounded down, 62736.3. Bankrupt at 63000.
 */
static void test_isolated_linear_short(void **state)
{
	struct dom_fx *f = *state;
	struct dom *d = f->d;

	open_isolated(d, 2, f->usdt, "10000", f->lin, "-1", "3000");
	check_prices(d, 2, f->lin, "62736.3", "63000");
	check_trigger(d, 2, f->lin);
}

/*
 * Pending funding counts: the isolated long above after funding of 0.001 at 60000 (60 USDT
 * due, not settled): 2940 + P - 60000 = 0.005 P - 50 at P = 57010 / 0.995 = 57296.48..:
 * 57296.5; bankrupt at 57060.
 */
static void test_isolated_pending_funding(void **state)
{
	struct dom_fx *f = *state;
	struct dom *d = f->d;

	open_isolated(d, 1, f->usdt, "10000", f->lin, "1", "3000");
	assert_int_equal(dom_funding(d, f->lin, dom_rate("0.001")), LQ_OK);
	assert_true(dom_view(d, 1, f->lin, false).funding_due_units == dom_money(d, f->usdt, "60"));
	check_prices(d, 1, f->lin, "57296.5", "57060");
	check_trigger(d, 1, f->lin);
}

/*
 * Isolated inverse long, 1000 contracts at 60000 (cost 1.6666.. BTC), margin 0.5 BTC.
 * Equity 0.5 + 1.6666.. - 100000 / P; MM 0.004 x 100000 / P (notional below 5 BTC):
 * 2.1666.. = 100400 / P at P = 46338.46..: 46338.5. Bankrupt: 100000 / P = 2.1666.. at
 * P = 46153.84..: 46153.9.
 */
static void test_isolated_inverse_long(void **state)
{
	struct dom_fx *f = *state;
	struct dom *d = f->d;

	open_isolated(d, 3, f->btc, "1", f->inv, "1000", "0.5");
	check_prices(d, 3, f->inv, "46338.5", "46153.9");
	check_trigger(d, 3, f->inv);
}

/*
 * Isolated inverse short, 1000 contracts at 60000, margin 0.5 BTC. Equity 100000 / P -
 * 1.1666..; MM 400 / P: 99600 / P = 1.1666.. at P = 85371.43..: 85371.4. Bankrupt:
 * 100000 / P = 1.1666.. at P = 85714.28..: 85714.2.
 */
static void test_isolated_inverse_short(void **state)
{
	struct dom_fx *f = *state;
	struct dom *d = f->d;

	open_isolated(d, 4, f->btc, "1", f->inv, "-1000", "0.5");
	check_prices(d, 4, f->inv, "85371.4", "85714.2");
	check_trigger(d, 4, f->inv);
}

/*
 * Cross, two positions: 5000 USDT, 1 BTC long at 60000, 10 ETH short at 3000, ETH mark 3100.
 * BTC's price with ETH fixed: equity = 5000 + (P - 60000) - 1000 = P - 56000,
 * MM = (0.005 P - 50) + 310: P = 56260 / 0.995 = 56542.71..: 56542.8.
 * ETH's price with BTC fixed at 60000: equity = 35000 - 10 Q, MM = 250 + 0.1 Q:
 * Q = 34750 / 10.1 = 3440.594..: rounded down to the tick, 3440.59.
 */
static void cross_two_positions(struct dom_fx *f)
{
	struct dom *d = f->d;

	dom_trigger(d, LQ_TRIGGER_OFF);
	assert_int_equal(dom_deposit_s(d, 5, f->usdt, "5000"), LQ_OK);
	assert_int_equal(dom_fill_s(d, 5, f->lin, "1", "60000", NULL), LQ_OK);
	assert_int_equal(dom_fill_s(d, 5, f->eth, "-10", "3000", NULL), LQ_OK);
	assert_int_equal(dom_mark_s(d, f->lin, "60000"), LQ_OK);
	assert_int_equal(dom_mark_s(d, f->eth, "3100"), LQ_OK);
}

static void test_cross_two_positions(void **state)
{
	struct dom_fx *f = *state;
	struct dom *d = f->d;

	cross_two_positions(f);
	check_prices(d, 5, f->lin, "56542.8", NULL);
	check_prices(d, 5, f->eth, "3440.59", NULL);
	/* the other's mark matters: ETH at 3000 (no loss) moves BTC's price down by 1000/0.995 */
	assert_int_equal(dom_mark_s(d, f->eth, "3000"), LQ_OK);
	/* P - 55000 = 0.005 P - 50 + 300: P = 55250 / 0.995 = 55527.63..: 55527.7 */
	check_prices(d, 5, f->lin, "55527.7", NULL);
	assert_int_equal(dom_mark_s(d, f->eth, "3100"), LQ_OK);
	check_trigger(d, 5, f->lin);
}

static void test_cross_two_positions_trigger_eth(void **state)
{
	struct dom_fx *f = *state;

	cross_two_positions(f);
	check_trigger(f->d, 5, f->eth);
}

/*
 * A single cross position goes bankrupt where the account's equity is zero: 3000 USDT,
 * 1 BTC long at 60000: at 57000. Its liquidation price is the isolated one's (57236.2).
 */
static void test_cross_single(void **state)
{
	struct dom_fx *f = *state;
	struct dom *d = f->d;

	dom_trigger(d, LQ_TRIGGER_OFF);
	assert_int_equal(dom_deposit_s(d, 6, f->usdt, "3000"), LQ_OK);
	assert_int_equal(dom_fill_s(d, 6, f->lin, "1", "60000", NULL), LQ_OK);
	assert_int_equal(dom_mark_s(d, f->lin, "60000"), LQ_OK);
	check_prices(d, 6, f->lin, "57236.2", "57000");
}

/* A fully collateralised linear long cannot be liquidated: no price is reported. */
static void test_no_price(void **state)
{
	struct dom_fx *f = *state;
	struct dom *d = f->d;

	open_isolated(d, 7, f->usdt, "70000", f->lin, "1", "60000");
	struct lq_account_position_view v = dom_view(d, 7, f->lin, true);
	assert_false(v.has_liq_price);
	/* the lowest price there is does not liquidate it */
	assert_int_equal(dom_mark(d, f->lin, d->e.instruments[f->lin].tick), LQ_OK);
	assert_false(liquidatable(d, 7, f->lin));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_isolated_linear_long, setup, dom_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_isolated_linear_short, setup, dom_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_isolated_pending_funding, setup, dom_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_isolated_inverse_long, setup, dom_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_isolated_inverse_short, setup, dom_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_cross_two_positions, setup, dom_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_cross_two_positions_trigger_eth, setup,
					    dom_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_cross_single, setup, dom_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_no_price, setup, dom_fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
