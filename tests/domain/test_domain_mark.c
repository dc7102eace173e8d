/* SPDX-License-Identifier: MIT */
/*
 * Mark price methods (DESIGN 1.4): `index`, `external` with a band clamp, `median3` on a
 * hand-computed series, and staleness of the index (events, recovery, liquidations held).
 *
 * BTCUSDT: USDT 6 decimals, tick 0.1 (price raw = price x 10), lot 0.001.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include "harness.h"

#define T0 "2024-08-09T00:00:00Z" /* a funding time: a multiple of 8 h since the epoch */

static int setup(void **state)
{
	*state = dom_fx_new("0.1", false);
	return 0;
}

static int64_t mark_of(const struct dom *d, uint32_t ins)
{
	return d->e.instruments[ins].ms.mark;
}

static void test_index_method(void **state)
{
	struct dom_fx *f = *state;
	struct dom *d = f->d;
	struct lq_instrument_params p = dom_params(d, f->lin);

	p.mark_method = LQ_MARK_INDEX;
	dom_params_set(d, f->lin, &p);
	assert_int_equal(dom_index(d, f->lin, dom_px(d, f->lin, "60000")), LQ_OK);
	assert_true(mark_of(d, f->lin) == dom_px(d, f->lin, "60000"));
	assert_int_equal(dom_index(d, f->lin, dom_px(d, f->lin, "60123.4")), LQ_OK);
	assert_true(mark_of(d, f->lin) == dom_px(d, f->lin, "60123.4"));
	/* the mark is the index's: an external mark is refused and changes nothing */
	assert_int_equal(dom_mark_s(d, f->lin, "50000"), LQ_E_MARK_METHOD);
	assert_true(mark_of(d, f->lin) == dom_px(d, f->lin, "60123.4"));
	/* positions are valued at it */
	assert_int_equal(dom_deposit_s(d, 1, f->usdt, "1000"), LQ_OK);
	assert_int_equal(dom_fill_s(d, 1, f->lin, "0.1", "60000", NULL), LQ_OK);
	struct lq_account_position_view v = dom_view(d, 1, f->lin, false);
	assert_true(v.mark == dom_px(d, f->lin, "60123.4"));
	assert_true(v.upnl_units == dom_money(d, f->usdt, "12.34"));
}

/*
 * External with band 0.01 on a tick of 0.5, index 60001.5:
 *   low  = 60001.5 x 0.99 = 59401.485 -> rounded inward (up) to the tick: 59401.5
 *   high = 60001.5 x 1.01 = 60601.515 -> rounded inward (down): 60601.5
 */
static void test_external_band(void **state)
{
	struct dom_fx *f = *state;
	struct dom *d = f->d;
	const uint32_t x = dom_linear(d, "ETHUSDT", f->usdt, "0.5", "0.001");
	struct lq_instrument_params p = dom_params(d, x);
	const struct {
		const char *in, *out;
	} cases[] = {
	    {"60000", "60000"},	  {"59401", "59401.5"}, {"59401.5", "59401.5"},
	    {"50000", "59401.5"}, {"0.5", "59401.5"},	{"60601.5", "60601.5"},
	    {"60602", "60601.5"}, {"70000", "60601.5"}, {"60601", "60601"},
	};

	p.band_e8 = dom_rate("0.01");
	dom_params_set(d, x, &p);
	/* no index yet: nothing to clamp against */
	assert_int_equal(dom_mark_s(d, x, "10"), LQ_OK);
	assert_true(mark_of(d, x) == dom_px(d, x, "10"));
	assert_int_equal(dom_index(d, x, dom_px(d, x, "60001.5")), LQ_OK);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(dom_mark_s(d, x, cases[i].in), LQ_OK);
		assert_true(mark_of(d, x) == dom_px(d, x, cases[i].out));
	}
}

/*
 * median3 with basis_window 5s, funding_interval 8h, from a funding time T0. P1 = index x
 * (1 + rate x time to next funding / 8h), P2 = index + average(mid - index) over the samples
 * (one per whole second, the state before the event), P3 = last trade (the index before
 * any); mark = median, to the nearest tick. Every value below is worked out by hand.
 */
static void test_median3_series(void **state)
{
	struct dom_fx *f = *state;
	struct dom *d = f->d;
	struct lq_instrument_params p = dom_params(d, f->lin);
	const int64_t t0 = dom_time(T0), s = dom_dur("1s");
	const uint32_t x = f->lin;

	p.mark_method = LQ_MARK_MEDIAN3;
	p.basis_window_ns = dom_dur("5s");
	p.funding_interval_ns = dom_dur("8h");
	dom_params_set(d, x, &p);

	assert_int_equal(dom_clock(d, t0), LQ_OK);
	assert_true(mark_of(d, x) == 0); /* no index, no mark */
	/* P1 = 60000 x 1.0001 = 60006, P2 = P3 = 60000 (no samples, no trade) */
	assert_int_equal(dom_index_rate(d, x, dom_px(d, x, "60000"), dom_rate("0.0001")), LQ_OK);
	assert_true(mark_of(d, x) == dom_px(d, x, "60000"));
	/* the mid 60020 is not sampled before a second has passed */
	assert_int_equal(dom_book1(d, x, dom_px(d, x, "60010"), dom_px(d, x, "60030"), 1), LQ_OK);
	assert_true(mark_of(d, x) == dom_px(d, x, "60000"));
	/*
	 * T0+1s: one sample of +20: P2 = 60020; P1 = 60000 + 6 x 28799/28800 = 60005.9998
	 * -> 60006.0; P3 = 60000: median 60006.0
	 */
	assert_int_equal(dom_clock(d, t0 + s), LQ_OK);
	assert_true(mark_of(d, x) == dom_px(d, x, "60006"));
	/* a trade at 60100: median(60006, 60020, 60100) = 60020 */
	assert_int_equal(dom_trade(d, x, dom_px(d, x, "60100"), 1), LQ_OK);
	assert_true(mark_of(d, x) == dom_px(d, x, "60020"));
	/*
	 * mid 59995 (-5) for the seconds up to T0+3s: samples +20, -5, -5, average 3.333..
	 * -> P2 = 60003.3; P1 = 60000 + 6 x 28797/28800 = 60005.99937 -> 60006.0; P3 = 60100:
	 * median 60006.0
	 */
	assert_int_equal(dom_book1(d, x, dom_px(d, x, "59990"), dom_px(d, x, "60000"), 1), LQ_OK);
	assert_int_equal(dom_clock(d, t0 + 3 * s), LQ_OK);
	assert_true(mark_of(d, x) == dom_px(d, x, "60006"));
	/* a trade at 59950: median(60006.0, 60003.3, 59950) = 60003.3 */
	assert_int_equal(dom_trade(d, x, dom_px(d, x, "59950"), 1), LQ_OK);
	assert_true(mark_of(d, x) == dom_px(d, x, "60003.3"));
	/*
	 * T0+13s: 10 more seconds at -5; the 5 s window now holds -5 x 5: P2 = 59995;
	 * P1 = 60000 + 6 x 28787/28800 = 60005.997 -> 60006.0; P3 = 59950: median 59995
	 */
	assert_int_equal(dom_clock(d, t0 + 13 * s), LQ_OK);
	assert_true(mark_of(d, x) == dom_px(d, x, "59995"));
	/* T0+4h: P1 = 60000 + 6 x 14400/28800 = 60003; median(60003, 59995, 59950) = 59995 */
	assert_int_equal(dom_clock(d, t0 + dom_dur("4h")), LQ_OK);
	assert_true(mark_of(d, x) == dom_px(d, x, "59995"));
	/* a trade at 61000 makes P1 the median: 60003.0 */
	assert_int_equal(dom_trade(d, x, dom_px(d, x, "61000"), 1), LQ_OK);
	assert_true(mark_of(d, x) == dom_px(d, x, "60003"));
	/* rate -0.0005: P1 = 60000 - 30 x 1/2 = 59985; median(59985, 59995, 61000) = 59995 */
	assert_int_equal(dom_index_rate(d, x, dom_px(d, x, "60000"), dom_rate("-0.0005")), LQ_OK);
	assert_true(mark_of(d, x) == dom_px(d, x, "59995"));
	/* an index without rate= keeps the predicted rate: index 59980, P1 = 59980 - 14.995
	 * = 59965.005 -> 59965.0, P2 = 59980 - 5 (the samples were taken against 60000) = 59975,
	 * P3 = 61000: median 59975 */
	assert_int_equal(dom_index(d, x, dom_px(d, x, "59980")), LQ_OK);
	assert_true(mark_of(d, x) == dom_px(d, x, "59975"));
	/* external marks are refused for median3 */
	assert_int_equal(dom_mark_s(d, x, "60000"), LQ_E_MARK_METHOD);
}

/*
 * "mark = median rounded to the nearest tick". With a tick of 0.2 and a price grid of 0.1,
 * samples of the basis +0.1, +0.1, +0.1, 0, 0 average +0.06: P2 = 100.06 exactly, P1 = 100
 * (rate 0), P3 = 100.4: the median is 100.06, whose nearest tick is 100.0. The engine rounds
 * P2 to the price grid first (100.1, a half tick) and then to the tick (ties away: 100.2).
 */
static void test_median3_double_rounding(void **state)
{
	struct dom_fx *f = *state;
	struct dom *d = f->d;
	const uint32_t x = dom_linear(d, "EVEN", f->usdt, "0.2", "1");
	struct lq_instrument_params p = dom_params(d, x);
	const int64_t t0 = dom_time(T0), s = dom_dur("1s");

	p.mark_method = LQ_MARK_MEDIAN3;
	p.basis_window_ns = dom_dur("5s");
	dom_params_set(d, x, &p);
	assert_int_equal(dom_clock(d, t0), LQ_OK);
	assert_int_equal(dom_index(d, x, dom_px(d, x, "100")), LQ_OK);
	assert_int_equal(dom_book1(d, x, dom_px(d, x, "100"), dom_px(d, x, "100.2"), 1), LQ_OK);
	assert_int_equal(dom_clock(d, t0 + 3 * s), LQ_OK);
	assert_int_equal(dom_book1(d, x, dom_px(d, x, "99.8"), dom_px(d, x, "100.2"), 1), LQ_OK);
	assert_int_equal(dom_clock(d, t0 + 5 * s), LQ_OK);
	assert_int_equal(dom_trade(d, x, dom_px(d, x, "100.4"), 1), LQ_OK);
	const int64_t m = mark_of(d, x);
	assert_true(m == dom_px(d, x, "100") || m == dom_px(d, x, "100.2"));
	dom_known_bug(
	    m != dom_px(d, x, "100"),
	    "median3 rounds P1 and P2 to the price grid before rounding the median to the "
	    "tick (instrument.c lq_instrument_mark_compute): with tick 0.2 on a 0.1 grid a median "
	    "of "
	    "100.06 becomes 100.1 then 100.2 instead of 100.0; repro: instrument EVEN "
	    "tick=0.2 lot=1, param mark=median3 basis_window=5s, time T0, index 100, book "
	    "bid 100:1 ask 100.2:1, time +3s, book bid 99.8:1 ask 100.2:1, time +2s, trade "
	    "100.4 1 -> mark 100.2");
}

static void test_staleness(void **state)
{
	struct dom_fx *f = *state;
	struct dom *d = f->d;
	struct lq_instrument_params p = dom_params(d, f->lin);
	const int64_t t0 = dom_time(T0), s = dom_dur("1s");

	p.stale_after_ns = dom_dur("10s");
	dom_params_set(d, f->lin, &p);
	dom_events_clear(d);
	/* no index at all counts as stale */
	assert_int_equal(dom_clock(d, t0), LQ_OK);
	assert_int_equal(d->event_count, 1);
	assert_int_equal(d->events[0].type, LQ_EV_STALE);
	assert_int_equal(d->events[0].instrument, f->lin);
	assert_true(d->events[0].flag);
	/* an index: recovered */
	dom_events_clear(d);
	assert_int_equal(dom_index(d, f->lin, dom_px(d, f->lin, "60000")), LQ_OK);
	assert_int_equal(d->event_count, 1);
	assert_int_equal(d->events[0].type, LQ_EV_STALE);
	assert_false(d->events[0].flag);
	/* exactly 10 s old is still fresh; 1 ns more is stale, reported once */
	dom_events_clear(d);
	assert_int_equal(dom_clock(d, t0 + 10 * s), LQ_OK);
	assert_int_equal(d->event_count, 0);
	assert_int_equal(dom_clock(d, t0 + 10 * s + 1), LQ_OK);
	assert_int_equal(dom_event_count(d, LQ_EV_STALE, 0), 1);
	assert_true(d->events[0].flag);
	assert_int_equal(dom_clock(d, t0 + 20 * s), LQ_OK);
	assert_int_equal(dom_event_count(d, LQ_EV_STALE, 0), 1);
	/* a fresh index recovers */
	dom_events_clear(d);
	assert_int_equal(dom_index(d, f->lin, dom_px(d, f->lin, "60000")), LQ_OK);
	assert_int_equal(dom_event_count(d, LQ_EV_STALE, 0), 1);
	assert_false(d->events[0].flag);
	/* time cannot go back */
	assert_int_equal(dom_clock(d, t0), LQ_E_TIME_BACKWARDS);
}

/* While the index is stale, liquidations on the instrument wait; they run on recovery. */
static void test_stale_holds_liquidations(void **state)
{
	struct dom_fx *f = *state;
	struct dom *d = f->d;
	struct lq_instrument_params p = dom_params(d, f->lin);
	const int64_t t0 = dom_time(T0);

	dom_tier(d, f->lin, "max", "0.005", "0.01");
	p.stale_after_ns = dom_dur("10s");
	dom_params_set(d, f->lin, &p);
	assert_int_equal(dom_clock(d, t0), LQ_OK);
	assert_int_equal(dom_index(d, f->lin, dom_px(d, f->lin, "60000")), LQ_OK);
	assert_int_equal(dom_mark_s(d, f->lin, "60000"), LQ_OK);
	/* 1 BTC long with 1000: liquidatable below about 59296 */
	assert_int_equal(dom_deposit_s(d, 1, f->usdt, "1000"), LQ_OK);
	assert_int_equal(dom_fill_s(d, 1, f->lin, "1", "60000", NULL), LQ_OK);
	dom_events_clear(d);
	assert_int_equal(dom_clock(d, t0 + dom_dur("11s")), LQ_OK);
	assert_int_equal(dom_event_count(d, LQ_EV_STALE, 0), 1);
	dom_events_clear(d);
	assert_int_equal(dom_mark_s(d, f->lin, "58000"), LQ_OK);
	assert_int_equal(dom_event_count(d, LQ_EV_LIQUIDATION, 1), 0);
	struct lq_margin m = dom_margin(d, 1, f->usdt);
	assert_true(m.equity_units < m.mm_units); /* liquidatable, yet held */
	assert_int_equal(dom_index(d, f->lin, dom_px(d, f->lin, "58000")), LQ_OK);
	assert_true(dom_event_count(d, LQ_EV_LIQUIDATION, 1) >= 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_index_method, setup, dom_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_external_band, setup, dom_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_median3_series, setup, dom_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_median3_double_rounding, setup, dom_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_staleness, setup, dom_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_stale_holds_liquidations, setup, dom_fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
