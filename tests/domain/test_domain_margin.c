/* SPDX-License-Identifier: MIT */
/*
 * Cross and isolated margin (DESIGN 1.3): the same position in either mode gives the same
 * figures; isolate moves margin between the balance and the position; withdrawals are refused
 * above the balance and below initial margin; a closed isolated position hands its margin back.
 *
 * BTCUSDT (USDT, 6 decimals; tick 0.1, lot 0.001) with the brackets
 *   notional <= 50000:  mmr 0.004, imr 0.008  (cum 0, 0)
 *   notional <= 250000: mmr 0.005, imr 0.01   (cum 50000 x 0.001 = 50, 100)
 *   above:              mmr 0.01,  imr 0.02   (cum 50 + 250000 x 0.005 = 1300, 2600)
 * so 1 BTC at 57000 has MM = 57000 x 0.005 - 50 = 235 and IM = 570 - 100 = 470.
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
	struct dom_fx *f = dom_fx_new("0.1", false);

	dom_tier(f->d, f->lin, "50000", "0.004", "0.008");
	dom_tier(f->d, f->lin, "250000", "0.005", "0.01");
	dom_tier(f->d, f->lin, "max", "0.01", "0.02");
	*state = f;
	return 0;
}

static int64_t usd(const struct dom_fx *f, const char *s)
{
	return dom_money(f->d, f->usdt, s);
}

/* Account 1 holds 1 BTC long in cross, account 2 the same position isolated with 5000. */
static void two_accounts(struct dom_fx *f)
{
	struct dom *d = f->d;

	assert_int_equal(dom_deposit_s(d, 1, f->usdt, "10000"), LQ_OK);
	assert_int_equal(dom_deposit_s(d, 2, f->usdt, "10000"), LQ_OK);
	assert_int_equal(dom_fill_s(d, 1, f->lin, "1", "60000", NULL), LQ_OK);
	assert_int_equal(dom_fill_s(d, 2, f->lin, "1", "60000", NULL), LQ_OK);
	/* before any mark the position is valued at the last fill: IM = 600 - 100 = 500 */
	assert_int_equal(dom_isolate_s(d, 2, f->lin, "5000"), LQ_OK);
	assert_int_equal(dom_mark_s(d, f->lin, "57000"), LQ_OK);
}

static void test_same_position_cross_and_isolated(void **state)
{
	struct dom_fx *f = *state;
	struct dom *d = f->d;

	two_accounts(f);
	/* cross: equity = 10000 - 3000 */
	struct lq_margin m1 = dom_margin(d, 1, f->usdt);
	assert_true(m1.balance_units == usd(f, "10000"));
	assert_true(m1.equity_units == usd(f, "7000"));
	assert_true(m1.mm_units == usd(f, "235"));
	assert_true(m1.im_units == usd(f, "470"));
	struct lq_account_position_view v1 = dom_view(d, 1, f->lin, false);
	assert_true(v1.upnl_units == usd(f, "-3000"));
	assert_true(v1.mm_units == usd(f, "235"));
	assert_true(v1.im_units == usd(f, "470"));

	/* isolated: the cross side is the bare balance, the position carries 5000 - 3000 */
	struct lq_margin m2 = dom_margin(d, 2, f->usdt);
	assert_true(m2.balance_units == usd(f, "5000"));
	assert_true(m2.equity_units == usd(f, "5000"));
	assert_true(m2.mm_units == 0);
	assert_true(m2.im_units == 0);
	struct lq_account_position_view v2 = dom_view(d, 2, f->lin, false);
	assert_true(dom_position(d, 2, f->lin)->isolated);
	assert_true(dom_position(d, 2, f->lin)->margin_units == usd(f, "5000"));
	assert_true(v2.equity_units == usd(f, "2000"));
	assert_true(v2.upnl_units == v1.upnl_units);
	assert_true(v2.mm_units == v1.mm_units);
	assert_true(v2.im_units == v1.im_units);
	assert_i128_equal(v2.notional_fine, v1.notional_fine);
	/* the whole of account 2 is worth what account 1 is worth */
	assert_true(m2.equity_units + v2.equity_units == m1.equity_units);
}

static void test_isolate_moves_margin(void **state)
{
	struct dom_fx *f = *state;
	struct dom *d = f->d;
	struct dom_snapshot s;

	two_accounts(f);
	const lq_i128 accounts = dom_ledger(d, LQ_LEDGER_ACCOUNTS, f->usdt);
	/* + moves from the balance into the position, - back */
	assert_int_equal(dom_isolate_s(d, 2, f->lin, "1000"), LQ_OK);
	assert_true(dom_balance(d, 2, f->usdt) == usd(f, "4000"));
	assert_true(dom_position(d, 2, f->lin)->margin_units == usd(f, "6000"));
	assert_int_equal(dom_isolate_s(d, 2, f->lin, "-2000"), LQ_OK);
	assert_true(dom_balance(d, 2, f->usdt) == usd(f, "6000"));
	assert_true(dom_position(d, 2, f->lin)->margin_units == usd(f, "4000"));
	/* a move between an account's own pockets is not a ledger movement */
	assert_true(dom_ledger(d, LQ_LEDGER_ACCOUNTS, f->usdt) == accounts);

	dom_snapshot_take(d, &s);
	/* equity 4000 - 3000: taking out 530.000001 would leave 469.999999 < IM 470 */
	assert_int_equal(dom_isolate_s(d, 2, f->lin, "-530.000001"), LQ_E_BELOW_INITIAL_MARGIN);
	/* more than the position's margin, more than the balance */
	assert_int_equal(dom_isolate_s(d, 2, f->lin, "-4000.000001"), LQ_E_INSUFFICIENT_BALANCE);
	assert_int_equal(dom_isolate_s(d, 2, f->lin, "6000.000001"), LQ_E_INSUFFICIENT_BALANCE);
	/* margin cannot be taken out of a cross position */
	assert_int_equal(dom_isolate_s(d, 1, f->lin, "-1"), LQ_E_INSUFFICIENT_BALANCE);
	assert_true(dom_snapshot_equal(d, &s));
	dom_snapshot_free(&s);
	/* exactly at initial margin is allowed: 4000 - 530 - 3000 = 470 */
	assert_int_equal(dom_isolate_s(d, 2, f->lin, "-530"), LQ_OK);
	assert_true(dom_view(d, 2, f->lin, false).equity_units == usd(f, "470"));

	/* a cross position whose PnL would leave the isolated side short is not isolated */
	dom_snapshot_take(d, &s);
	assert_int_equal(dom_isolate_s(d, 1, f->lin, "3469.999999"), LQ_E_BELOW_INITIAL_MARGIN);
	assert_true(dom_snapshot_equal(d, &s));
	dom_snapshot_free(&s);
	assert_int_equal(dom_isolate_s(d, 1, f->lin, "3470"), LQ_OK);
	assert_true(dom_view(d, 1, f->lin, false).equity_units == usd(f, "470"));
	assert_true(dom_margin(d, 1, f->usdt).equity_units == usd(f, "6530"));
}

static void test_withdraw_limits(void **state)
{
	struct dom_fx *f = *state;
	struct dom *d = f->d;
	struct dom_snapshot s;

	two_accounts(f);
	/* account 1: equity 7000, IM 470: at most 6530 can leave */
	dom_snapshot_take(d, &s);
	assert_int_equal(dom_withdraw(d, 1, f->usdt, usd(f, "6530.000001")),
			 LQ_E_BELOW_INITIAL_MARGIN);
	assert_true(dom_snapshot_equal(d, &s));
	dom_snapshot_free(&s);
	assert_int_equal(dom_withdraw(d, 1, f->usdt, usd(f, "6530")), LQ_OK);
	assert_true(dom_balance(d, 1, f->usdt) == usd(f, "3470"));
	assert_true(dom_margin(d, 1, f->usdt).equity_units == usd(f, "470"));
	assert_int_equal(dom_withdraw(d, 1, f->usdt, 1), LQ_E_BELOW_INITIAL_MARGIN);
	assert_true(dom_ledger(d, LQ_LEDGER_EXTERNAL, f->usdt) ==
		    -usd(f, "20000") + usd(f, "6530"));

	/* account 2: the isolated position is not part of the cross equity: all 5000 can go */
	assert_int_equal(dom_withdraw(d, 2, f->usdt, usd(f, "5000.000001")),
			 LQ_E_INSUFFICIENT_BALANCE);
	assert_int_equal(dom_withdraw(d, 2, f->usdt, usd(f, "5000")), LQ_OK);
	assert_true(dom_balance(d, 2, f->usdt) == 0);

	/* a short in profit: equity 1000 + 3000, yet no more than the balance can leave */
	assert_int_equal(dom_deposit_s(d, 3, f->usdt, "1000"), LQ_OK);
	assert_int_equal(dom_fill_s(d, 3, f->lin, "-1", "60000", NULL), LQ_OK);
	assert_true(dom_margin(d, 3, f->usdt).equity_units == usd(f, "4000"));
	assert_int_equal(dom_withdraw(d, 3, f->usdt, usd(f, "1000.000001")),
			 LQ_E_INSUFFICIENT_BALANCE);
	assert_int_equal(dom_withdraw(d, 3, f->usdt, usd(f, "1000")), LQ_OK);
	/* unknown account, bad amounts */
	assert_int_equal(dom_withdraw(d, 99, f->usdt, 1), LQ_E_UNKNOWN_ACCOUNT);
	assert_int_equal(dom_withdraw(d, 3, f->usdt, 0), LQ_E_BAD_VALUE);
	assert_int_equal(dom_withdraw(d, 3, f->usdt, -1), LQ_E_BAD_VALUE);
}

static void test_closed_isolated_returns_margin(void **state)
{
	struct dom_fx *f = *state;
	struct dom *d = f->d;

	two_accounts(f);
	/* close at 57000 with a fee of 1: margin 5000 - 3000 - 1 = 1999 goes back */
	assert_int_equal(dom_fill_s(d, 2, f->lin, "-1", "57000", "1"), LQ_OK);
	assert_true(dom_balance(d, 2, f->usdt) == usd(f, "6999"));
	/* the closed position is gone: its margin went back, its mode with it */
	const uint32_t a = lq_engine_find_account(&d->e, 2);
	assert_true(d->e.accounts[a].pos_head == LQ_NIL);
	struct lq_margin m = dom_margin(d, 2, f->usdt);
	assert_true(m.equity_units == usd(f, "6999"));
	assert_true(m.im_units == 0);
	/* all of it can be withdrawn */
	assert_int_equal(dom_withdraw(d, 2, f->usdt, usd(f, "6999")), LQ_OK);
}

/*
 * Current behaviour, recorded: an isolated position closed by a fill at a loss larger than its
 * margin takes the rest out of the account's balance (the margin goes negative and is "handed
 * back"). The loss of an isolated position is then not limited to its margin.
 */
static void test_isolated_loss_beyond_margin(void **state)
{
	struct dom_fx *f = *state;
	struct dom *d = f->d;

	assert_int_equal(dom_deposit_s(d, 4, f->usdt, "10000"), LQ_OK);
	assert_int_equal(dom_fill_s(d, 4, f->lin, "1", "60000", NULL), LQ_OK);
	assert_int_equal(dom_isolate_s(d, 4, f->lin, "1000"), LQ_OK);
	assert_int_equal(dom_fill_s(d, 4, f->lin, "-1", "57000", NULL), LQ_OK);
	/* 9000 + (1000 - 3000) */
	assert_true(dom_balance(d, 4, f->usdt) == usd(f, "7000"));
}

/*
 * Once an isolated position is closed, the next fill opens a cross position on the account's
 * balance (it once reopened isolated with zero margin and was liquidated at once).
 */
static void test_reopen_after_isolated_close(void **state)
{
	struct dom_fx *f = *state;
	struct dom *d = f->d;

	two_accounts(f);
	assert_int_equal(dom_fill_s(d, 2, f->lin, "-1", "57000", NULL), LQ_OK);
	dom_events_clear(d);
	assert_int_equal(dom_fill_s(d, 2, f->lin, "0.1", "57000", NULL), LQ_OK);
	const struct lq_position *p = dom_position(d, 2, f->lin);
	assert_false(p->isolated);
	assert_int_equal(dom_event_count(d, LQ_EV_LIQUIDATION, 2), 0);
	dom_known_bug(p->isolated && dom_event_count(d, LQ_EV_LIQUIDATION, 2) > 0,
		      "after an isolated position is closed, the next fill reopens it isolated "
		      "with zero margin: it is liquidatable at once (equity 0 < MM) although the "
		      "account has 7000 of balance; repro: deposit 2 USDT 10000; fill 2 BTCUSDT "
		      "buy 1 60000; isolate 2 BTCUSDT 5000; fill 2 BTCUSDT sell 1 57000; fill 2 "
		      "BTCUSDT buy 0.1 57000 -> the new position is liquidated immediately");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_same_position_cross_and_isolated, setup,
					    dom_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_isolate_moves_margin, setup, dom_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_withdraw_limits, setup, dom_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_closed_isolated_returns_margin, setup,
					    dom_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_isolated_loss_beyond_margin, setup,
					    dom_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_reopen_after_isolated_close, setup,
					    dom_fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
