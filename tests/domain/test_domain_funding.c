/* SPDX-License-Identifier: MIT */
/*
 * Funding (DESIGN 1.8): rate x notional at the mark, longs pay shorts when the rate is
 * positive, through a per-instrument cumulative index that each position settles lazily (on a
 * fill, a withdrawal, an isolate, or when the account is shown). Lazy settlement pays what
 * eager settlement pays up to the rounding, and the rounding never favours the holder.
 *
 * BTCUSDT: USDT 6 decimals, tick 0.1, lot 0.001: funding of q at mark m and rate r is
 * q x m x r USDT exactly; in units x 10^17 (fine x 10^8) it is q_raw x m_raw x r_e8 x 10^11.
 * BTCUSD: BTC 8 decimals, contract 100: q x 100 / m x r BTC.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include "harness.h"

#define E17 ((lq_i128)LQ_FINE_ONE * LQ_RATE_ONE) /* units -> fine x 10^8 */

static int setup(void **state)
{
	*state = dom_fx_new("0.1", true);
	return 0;
}

static int64_t due(const struct dom *d, uint64_t acc, uint32_t ins)
{
	return lq_position_funding_due(&d->e, dom_position(d, acc, ins));
}

static void settle(struct dom *d, uint64_t acc)
{
	lq_engine_settle_account_funding(&d->e, dom_acc(d, acc));
	dom_check_ledger(d);
}

/* Long 0.5 (account 1) and short 0.5 (account 2) at 60000, mark 57000. */
static void long_and_short(struct dom_fx *f)
{
	struct dom *d = f->d;

	assert_int_equal(dom_deposit_s(d, 1, f->usdt, "10000"), LQ_OK);
	assert_int_equal(dom_deposit_s(d, 2, f->usdt, "10000"), LQ_OK);
	assert_int_equal(dom_fill_s(d, 1, f->lin, "0.5", "60000", NULL), LQ_OK);
	assert_int_equal(dom_fill_s(d, 2, f->lin, "-0.5", "60000", NULL), LQ_OK);
	assert_int_equal(dom_mark_s(d, f->lin, "57000"), LQ_OK);
}

static void test_linear_sign(void **state)
{
	struct dom_fx *f = *state;
	struct dom *d = f->d;
	const int64_t usdt_2_85 = dom_money(d, f->usdt, "2.85");

	long_and_short(f);
	/* +0.0001 x 0.5 x 57000 = 2.85: the long pays, the short receives */
	assert_int_equal(dom_funding(d, f->lin, dom_rate("0.0001")), LQ_OK);
	/* O(1): nothing moves until a position settles, but equity sees it at once */
	assert_true(dom_balance(d, 1, f->usdt) == dom_money(d, f->usdt, "10000"));
	assert_true(due(d, 1, f->lin) == usdt_2_85);
	assert_true(due(d, 2, f->lin) == -usdt_2_85);
	assert_true(dom_margin(d, 1, f->usdt).equity_units ==
		    dom_money(d, f->usdt, "8500") - usdt_2_85);
	assert_true(dom_margin(d, 2, f->usdt).equity_units ==
		    dom_money(d, f->usdt, "11500") + usdt_2_85);
	dom_events_clear(d);
	settle(d, 1);
	settle(d, 2);
	assert_true(dom_funding_events(d, 1, f->lin) == -usdt_2_85);
	assert_true(dom_funding_events(d, 2, f->lin) == usdt_2_85);
	assert_true(dom_balance(d, 1, f->usdt) == dom_money(d, f->usdt, "9997.15"));
	assert_true(dom_balance(d, 2, f->usdt) == dom_money(d, f->usdt, "10002.85"));
	assert_true(due(d, 1, f->lin) == 0);
	assert_true(dom_ledger(d, LQ_LEDGER_FUNDING, f->usdt) == 0);

	/* negative rate: the short pays, the long receives */
	assert_int_equal(dom_funding(d, f->lin, dom_rate("-0.0001")), LQ_OK);
	assert_true(due(d, 1, f->lin) == -usdt_2_85);
	assert_true(due(d, 2, f->lin) == usdt_2_85);
	dom_events_clear(d);
	settle(d, 2);
	settle(d, 1);
	assert_true(dom_funding_events(d, 1, f->lin) == usdt_2_85);
	assert_true(dom_funding_events(d, 2, f->lin) == -usdt_2_85);
	assert_true(dom_balance(d, 1, f->usdt) == dom_money(d, f->usdt, "10000"));
	assert_true(dom_balance(d, 2, f->usdt) == dom_money(d, f->usdt, "10000"));
}

/* Every settlement point: a fill, a withdrawal, an isolate; a newcomer owes nothing. */
static void test_settlement_points(void **state)
{
	struct dom_fx *f = *state;
	struct dom *d = f->d;
	const int64_t usdt_2_85 = dom_money(d, f->usdt, "2.85");

	long_and_short(f);
	assert_int_equal(dom_funding(d, f->lin, dom_rate("0.0001")), LQ_OK);
	/* a fill settles the position first (at the old quantity) */
	dom_events_clear(d);
	assert_int_equal(dom_fill_s(d, 1, f->lin, "0.5", "57000", NULL), LQ_OK);
	assert_true(dom_funding_events(d, 1, f->lin) == -usdt_2_85);
	assert_true(due(d, 1, f->lin) == 0);
	/* a withdrawal settles every position in its asset */
	dom_events_clear(d);
	assert_int_equal(dom_withdraw(d, 2, f->usdt, 1), LQ_OK);
	assert_true(dom_funding_events(d, 2, f->lin) == usdt_2_85);
	assert_true(dom_balance(d, 2, f->usdt) == dom_money(d, f->usdt, "10002.849999"));

	/* a third account opening after the event owes nothing for it */
	assert_int_equal(dom_deposit_s(d, 3, f->usdt, "10000"), LQ_OK);
	assert_int_equal(dom_fill_s(d, 3, f->lin, "1", "57000", NULL), LQ_OK);
	assert_true(due(d, 3, f->lin) == 0);

	/* next event: account 1 now holds 1.0: 0.0002 x 1 x 57000 = 11.4 */
	assert_int_equal(dom_funding(d, f->lin, dom_rate("0.0002")), LQ_OK);
	dom_events_clear(d);
	assert_int_equal(dom_isolate_s(d, 1, f->lin, "2000"), LQ_OK);
	assert_true(dom_funding_events(d, 1, f->lin) == -dom_money(d, f->usdt, "11.4"));
	/* funding of an isolated position is charged to its margin (cost 58500, upnl -1500) */
	assert_int_equal(dom_funding(d, f->lin, dom_rate("0.0001")), LQ_OK);
	assert_true(due(d, 1, f->lin) == dom_money(d, f->usdt, "5.7"));
	assert_true(dom_view(d, 1, f->lin, false).equity_units ==
		    dom_money(d, f->usdt, "2000") - dom_money(d, f->usdt, "1500") -
			dom_money(d, f->usdt, "5.7"));
	const int64_t bal = dom_balance(d, 1, f->usdt);
	settle(d, 1);
	assert_true(dom_balance(d, 1, f->usdt) == bal);
	assert_true(dom_position(d, 1, f->lin)->margin_units == dom_money(d, f->usdt, "1994.3"));

	/* funding needs a price; the rate is below 1 in magnitude */
	uint32_t bare = dom_linear(d, "ETHUSDT", f->usdt, "0.01", "0.001");
	assert_int_equal(dom_funding(d, bare, dom_rate("0.0001")), LQ_E_NO_MARK);
	assert_int_equal(dom_funding(d, f->lin, LQ_RATE_ONE), LQ_E_BAD_VALUE);
	assert_int_equal(dom_funding(d, f->lin, -LQ_RATE_ONE), LQ_E_BAD_VALUE);
}

/*
 * Three events of 0.00000001 on 0.001 BTC at 57000.1: 0.570001 units each, 1.710003 in all.
 * Lazily the long pays ceil(1.710003) = 2 and the short receives floor = 1; eagerly the long
 * pays 1 + 1 + 1 = 3 and the short receives 0 + 0 + 0. Both round against the holder.
 */
static void test_lazy_vs_eager_by_hand(void **state)
{
	struct dom_fx *lazy = *state, *eager = dom_fx_new("0.1", true);
	struct dom_fx *both[2] = {lazy, eager};

	for (int k = 0; k < 2; k++) {
		struct dom *d = both[k]->d;
		assert_int_equal(dom_deposit_s(d, 1, both[k]->usdt, "100"), LQ_OK);
		assert_int_equal(dom_deposit_s(d, 2, both[k]->usdt, "100"), LQ_OK);
		assert_int_equal(dom_fill_s(d, 1, both[k]->lin, "0.001", "57000.1", NULL), LQ_OK);
		assert_int_equal(dom_fill_s(d, 2, both[k]->lin, "-0.001", "57000.1", NULL), LQ_OK);
		dom_events_clear(d);
		for (int i = 0; i < 3; i++) {
			assert_int_equal(dom_funding(d, both[k]->lin, 1), LQ_OK);
			if (k == 1) {
				settle(d, 1);
				settle(d, 2);
			}
		}
		settle(d, 1);
		settle(d, 2);
	}
	assert_true(dom_funding_events(lazy->d, 1, lazy->lin) == -2);
	assert_true(dom_funding_events(lazy->d, 2, lazy->lin) == 1);
	assert_true(dom_funding_events(eager->d, 1, eager->lin) == -3);
	assert_true(dom_funding_events(eager->d, 2, eager->lin) == 0);
	/* the clearing slot keeps the rounding */
	assert_true(dom_ledger(lazy->d, LQ_LEDGER_FUNDING, lazy->usdt) == 1);
	assert_true(dom_ledger(eager->d, LQ_LEDGER_FUNDING, eager->usdt) == 3);
	dom_fx_free(eager);
}

struct funding_step {
	const char *mark;
	const char *rate;
};

/* A longer series with moving marks and rates of both signs. */
static const struct funding_step series[] = {
    {"57000.1", "0.00010037"},	{"57123.4", "0.00000003"},  {"56999.9", "-0.00002221"},
    {"58001.7", "0.00000001"},	{"58001.7", "-0.00000001"}, {"61234.5", "0.00037501"},
    {"60000", "-0.00075"},	{"59999.9", "0.00000007"},  {"60500.3", "0.00012345"},
    {"60500.3", "-0.00000009"},
};

static void test_lazy_vs_eager_series(void **state)
{
	struct dom_fx *lazy = *state, *eager = dom_fx_new("0.1", true);
	struct dom_fx *both[2] = {lazy, eager};
	const size_t n = sizeof(series) / sizeof(series[0]);
	const char *qty[3] = {"0.007", "-0.003", "-0.004"}; /* accounts 1, 2, 3 */
	lq_i128 exact[3] = {0, 0, 0};			    /* paid, units x 10^17 */
	int64_t paid[2][3];

	for (int k = 0; k < 2; k++) {
		struct dom *d = both[k]->d;
		const uint32_t lin = both[k]->lin;
		for (uint64_t a = 1; a <= 3; a++) {
			assert_int_equal(dom_deposit_s(d, a, both[k]->usdt, "10000"), LQ_OK);
			assert_int_equal(dom_fill_s(d, a, lin, qty[a - 1], "57000", NULL), LQ_OK);
		}
		dom_events_clear(d);
		for (size_t i = 0; i < n; i++) {
			const int64_t m = dom_px(d, lin, series[i].mark),
				      r = dom_rate(series[i].rate);
			assert_int_equal(dom_mark(d, lin, m), LQ_OK);
			assert_int_equal(dom_funding(d, lin, r), LQ_OK);
			for (uint64_t a = 1; a <= 3; a++) {
				if (k == 0) /* q x m x r in units x 10^17: q_raw m_raw r_e8 10^11 */
					exact[a - 1] += (lq_i128)dom_qty(d, lin, qty[a - 1]) * m *
							r * 100000000000LL;
				if (k == 1)
					settle(d, a);
			}
		}
		for (uint64_t a = 1; a <= 3; a++) {
			settle(d, a);
			paid[k][a - 1] = -dom_funding_events(d, a, lin);
		}
		assert_int_equal(d->events_dropped, 0);
	}
	for (int a = 0; a < 3; a++) {
		/* never less than the exact amount; lazily less than a unit more */
		assert_true((lq_i128)paid[0][a] * E17 >= exact[a]);
		assert_true((lq_i128)paid[0][a] * E17 - exact[a] < E17);
		/* eagerly each of the n events rounds once: at most n units more, never less */
		assert_true(paid[1][a] >= paid[0][a]);
		assert_true(paid[1][a] - paid[0][a] <= (int64_t)n);
	}
	/* long 0.007 = short 0.003 + 0.004: the clearing slot never pays out on balance */
	assert_true(dom_ledger(lazy->d, LQ_LEDGER_FUNDING, lazy->usdt) >= 0);
	assert_true(dom_ledger(eager->d, LQ_LEDGER_FUNDING, eager->usdt) >= 0);
	dom_fx_free(eager);
}

/*
 * Inverse: 1000 contracts x 100 USD / 60000 = 1.666... BTC; x 0.0001 = 0.000166666.. BTC =
 * 16666.67 units: the long pays 16667, the short receives 16666 (and the reverse with the
 * sign of the rate).
 */
static void test_inverse(void **state)
{
	struct dom_fx *f = *state;
	struct dom *d = f->d;

	assert_int_equal(dom_deposit_s(d, 1, f->btc, "1"), LQ_OK);
	assert_int_equal(dom_deposit_s(d, 2, f->btc, "1"), LQ_OK);
	assert_int_equal(dom_fill_s(d, 1, f->inv, "1000", "60000", NULL), LQ_OK);
	assert_int_equal(dom_fill_s(d, 2, f->inv, "-1000", "60000", NULL), LQ_OK);
	assert_int_equal(dom_mark_s(d, f->inv, "60000"), LQ_OK);
	assert_int_equal(dom_funding(d, f->inv, dom_rate("0.0001")), LQ_OK);
	assert_true(due(d, 1, f->inv) == 16667);
	assert_true(due(d, 2, f->inv) == -16666);
	dom_events_clear(d);
	settle(d, 1);
	settle(d, 2);
	assert_true(dom_funding_events(d, 1, f->inv) == -16667);
	assert_true(dom_funding_events(d, 2, f->inv) == 16666);
	assert_true(dom_ledger(d, LQ_LEDGER_FUNDING, f->btc) == 1);

	assert_int_equal(dom_funding(d, f->inv, dom_rate("-0.0001")), LQ_OK);
	assert_true(due(d, 1, f->inv) == -16666);
	assert_true(due(d, 2, f->inv) == 16667);
	/* at 50000: 2 BTC x 0.0001 = 0.0002 exactly, on top of the pending amounts */
	assert_int_equal(dom_mark_s(d, f->inv, "50000"), LQ_OK);
	assert_int_equal(dom_funding(d, f->inv, dom_rate("0.0001")), LQ_OK);
	assert_true(due(d, 1, f->inv) == 20000 - 16666);
	assert_true(due(d, 2, f->inv) == -(20000 - 16667));
	dom_events_clear(d);
	settle(d, 2);
	settle(d, 1);
	assert_true(dom_balance(d, 1, f->btc) == 100000000 - 16667 - 20000 + 16666);
	assert_true(dom_balance(d, 2, f->btc) == 100000000 + 16666 + 20000 - 16667);
	assert_true(dom_ledger(d, LQ_LEDGER_FUNDING, f->btc) == 2);
}

/* The ledger sums to zero throughout, with funding settled in any order. */
static void test_ledger_throughout(void **state)
{
	struct dom_fx *f = *state;
	struct dom *d = f->d;

	long_and_short(f);
	assert_int_equal(dom_deposit_s(d, 3, f->usdt, "10000"), LQ_OK);
	assert_int_equal(dom_fill_s(d, 3, f->lin, "0.003", "57000", NULL), LQ_OK);
	for (int i = 0; i < 50; i++) {
		assert_int_equal(dom_mark(d, f->lin, dom_px(d, f->lin, "57000") + 13 * i), LQ_OK);
		assert_int_equal(dom_funding(d, f->lin, (i % 3 == 0 ? -1 : 1) * (1234 + 77 * i)),
				 LQ_OK);
		settle(d, 1 + (uint64_t)i % 3); /* dom_check_ledger runs after each step */
		for (uint32_t a = 0; a < d->e.asset_count; a++)
			assert_true(lq_ledger_sum(&d->e, a) == 0);
	}
}

/*
 * A refused event changes nothing (DESIGN 2: a rejected event, then the run goes on). Yet a
 * refused withdrawal or isolate settles the account's pending funding first.
 */
static void test_refused_events_do_not_settle(void **state)
{
	struct dom_fx *f = *state;
	struct dom *d = f->d;
	struct dom_snapshot s;

	long_and_short(f);
	assert_int_equal(dom_funding(d, f->lin, dom_rate("0.0001")), LQ_OK);
	dom_events_clear(d);
	dom_snapshot_take(d, &s);
	assert_int_equal(dom_withdraw(d, 1, f->usdt, dom_money(d, f->usdt, "20000")),
			 LQ_E_INSUFFICIENT_BALANCE);
	assert_int_equal(dom_isolate_s(d, 2, f->lin, "20000"), LQ_E_INSUFFICIENT_BALANCE);
	const bool same = dom_snapshot_equal(d, &s);
	const uint32_t events = d->event_count;
	dom_snapshot_free(&s);
	dom_known_bug(!same || events != 0,
		      "a refused withdraw or isolate still settles the account's pending funding "
		      "and prints funding events (engine.c apply_withdraw / apply_isolate settle "
		      "before validating); repro: deposit 1 USDT 10000; fill 1 BTCUSDT buy 0.5 "
		      "60000; mark BTCUSDT 57000; funding BTCUSDT 0.0001; withdraw 1 USDT 20000 -> "
		      "a funding event of -2.85 then `rejected`");
}

/*
 * A funding event whose payment does not fit an int64 must be refused as an overflow
 * (DESIGN 1.1). The engine accepts it and saturates the pending amount; settling a saturated
 * receipt negates INT64_MIN (undefined behaviour; in practice the short then pays 9.2e18
 * units instead of receiving). The settlement is not run here, so that the sanitizer build
 * does not abort.
 */
static void test_funding_overflow(void **state)
{
	struct dom_fx *f = *state;
	struct dom *d = f->d;

	dom_trigger(d, LQ_TRIGGER_OFF);
	assert_int_equal(dom_deposit_s(d, 2, f->usdt, "1000"), LQ_OK);
	/* 3e7 BTC short at 60000 = 1.8e18 units: within the safe range; at 600000 worth 1.8e19 */
	assert_int_equal(dom_fill_s(d, 2, f->lin, "-30000000", "60000", NULL), LQ_OK);
	assert_int_equal(dom_mark_s(d, f->lin, "600000"), LQ_OK);
	const enum lq_status st = dom_funding(d, f->lin, dom_rate("0.99999999"));
	if (st == LQ_E_OVERFLOW)
		return;
	assert_int_equal(st, LQ_OK);
	const int64_t owed = due(d, 2, f->lin);
	dom_known_bug(owed == INT64_MIN,
		      "a funding payment beyond int64 is accepted and saturated; settling the "
		      "short's saturated receipt negates INT64_MIN (engine.c "
		      "position_settle_funding: -due), so the short pays 9223372036854.775808 "
		      "USDT instead of receiving; repro (liqd sim --trigger off): deposit 2 USDT "
		      "1000; fill 2 BTCUSDT sell 100000000 60000; mark BTCUSDT 120000; funding "
		      "BTCUSDT 0.99999999; show account 2");
	fail_msg("saturated funding due %lld", (long long)owed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_linear_sign, setup, dom_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_settlement_points, setup, dom_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_lazy_vs_eager_by_hand, setup, dom_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_lazy_vs_eager_series, setup, dom_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_inverse, setup, dom_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_ledger_throughout, setup, dom_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_refused_events_do_not_settle, setup,
					    dom_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_funding_overflow, setup, dom_fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
