/* SPDX-License-Identifier: MIT */
/*
 * Risk-tier tables published by venues: the maintenance amount ("cum", "maintenance margin
 * deduction") that liqd derives for each bracket from the rates and brackets alone must equal
 * the amount the venue publishes, and the maintenance margin at the venues' example notionals
 * must equal their worked figures. Sources (title, address) beside each table; the scenario
 * tests tests/scenarios/venue_*.scn check the same numbers end to end through `liqd sim`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "lq/instrument.h"
#include "lq/num.h"

/* One published bracket: upper edge ("max" for none), rates, and the published amount. */
struct row {
	const char *upto;
	const char *mmr;
	const char *imr;
	const char *amount;
};

static int64_t dec(const char *s, unsigned decimals)
{
	int64_t v = 0;

	assert_int_equal(lq_dec_parse(s, strlen(s), decimals, &v), LQ_DEC_OK);
	return v;
}

/* A notional in the asset's units as fine units. */
static lq_i128 fine(const char *s, unsigned decimals)
{
	return (lq_i128)dec(s, decimals) * LQ_FINE_ONE;
}

static struct lq_instrument *make(enum lq_instrument_kind kind, unsigned asset_decimals,
				  const struct row *rows, size_t n)
{
	struct lq_instrument *ins = calloc(1, sizeof(*ins));
	const struct lq_asset asset = {.name = "COIN", .decimals = asset_decimals};

	assert_non_null(ins);
	ins->kind = kind;
	ins->tick = 1; /* 0.1 */
	ins->price_decimals = 1;
	ins->lot = 1; /* 0.001 (linear) or 1 contract (inverse) */
	ins->qty_decimals = kind == LQ_INSTRUMENT_LINEAR ? 3 : 0;
	ins->contract = 100;
	assert_int_equal(lq_instrument_setup(ins, &asset), 0);
	for (size_t i = 0; i < n; i++) {
		const int64_t upto = strcmp(rows[i].upto, "max") == 0
					 ? INT64_MAX
					 : dec(rows[i].upto, asset_decimals);
		assert_int_equal(lq_instrument_add_tier(ins, upto,
							dec(rows[i].mmr, LQ_RATE_DECIMALS),
							dec(rows[i].imr, LQ_RATE_DECIMALS)),
				 0);
	}
	return ins;
}

/* Every bracket's derived maintenance amount equals the published one. */
static void check_amounts(const struct lq_instrument *ins, unsigned asset_decimals,
			  const struct row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (rows[i].amount == NULL)
			continue;
		const lq_i128 want = (lq_i128)dec(rows[i].amount, asset_decimals) * LQ_RATE_ONE;
		if (ins->tiers[i].cum_mm_e8 != want)
			fail_msg(
			    "bracket %zu (upto %s): derived amount differs from the published %s",
			    i + 1, rows[i].upto, rows[i].amount);
	}
}

static void check_mm(const struct lq_instrument *ins, unsigned asset_decimals, const char *notional,
		     const char *mm)
{
	const int64_t got = lq_instrument_mm_units(ins, fine(notional, asset_decimals));
	const int64_t want = dec(mm, asset_decimals);

	if (got != want)
		fail_msg("MM at notional %s: %lld units, venue %s", notional, (long long)got, mm);
}

/*
 * Binance, "Updates to Leverage and Margin Tiers of Binance Futures Contracts (2021-03-18)",
 * https://www.binance.com/tr/support/announcement/86cf9aa472574b8cb2e05bb751c2a9a6 (brackets,
 * MMR, IMR of BTCUSDT). Amounts: 50 and 1,300 from Binance's "How to Calculate Liquidation
 * Price of USDⓈ-M Futures Contracts"
 * (https://www.binance.com/en/support/faq/b3c689c1f50a44cabb3a84e663b81d93), 16,300 from that
 * page's worked example; the others as read from Binance's web app in
 * https://gist.github.com/highfestiva/b71e76f51eed84d56c1be8ebbcc286b5 (third party).
 */
static const struct row binance_btcusdt[] = {
    {"50000", "0.004", "0.008", "0"},
    {"250000", "0.005", "0.01", "50"},
    {"1000000", "0.01", "0.02", "1300"},
    {"10000000", "0.025", "0.05", "16300"},
    {"20000000", "0.05", "0.1", "266300"},
    {"50000000", "0.1", "0.2", "1266300"},
    {"100000000", "0.125", "0.25", "2516300"},
    {"200000000", "0.15", "0.333", "5016300"},
    {"300000000", "0.25", "0.5", "25016300"},
    {"max", "0.5", "1", "100016300"}, /* published up to 500,000,000 */
};

static void test_binance_btcusdt(void **state)
{
	const size_t n = sizeof(binance_btcusdt) / sizeof(binance_btcusdt[0]);
	struct lq_instrument *ins = make(LQ_INSTRUMENT_LINEAR, 6, binance_btcusdt, n);

	(void)state;
	check_amounts(ins, 6, binance_btcusdt, n);
	/* "264,000 USDT ... maintenance margin rate would be 1%": 2,640 - 1,300 */
	assert_int_equal(lq_instrument_tier_index(ins, fine("264000", 6)), 2);
	check_mm(ins, 6, "264000", "1340");
	/* "500,000 USDT ... maintenance amount would be 1,300 USDT" */
	check_mm(ins, 6, "500000", "3700");
	/* the worked example: 3,500,032.45776 x 2.5% - 16,300 = 71,200.811444 (Binance:
	 * 71200.81144) */
	check_mm(ins, 6, "3500032.45776", "71200.811444");
	/* a notional on a bracket edge belongs to that bracket; MM is continuous across it */
	assert_int_equal(lq_instrument_tier_index(ins, fine("50000", 6)), 0);
	assert_int_equal(lq_instrument_tier_index(ins, fine("50000.000001", 6)), 1);
	check_mm(ins, 6, "50000", "200");
	check_mm(ins, 6, "50000.000001", "200.000001"); /* 250.000000005 - 50, rounded up */
	check_mm(ins, 6, "500000000", "149983700");
	free(ins);
}

/*
 * Binance ETHUSDT (2021): the liquidation-price page's worked example uses MMR 10% and
 * maintenance amount 135,365 for a 4,918,775.08122 USDT position ("356,512.508"). Brackets
 * from https://gist.github.com/crackcomm/e29582030d9eeac6c6124a7503cd0ac2 (third party).
 */
static const struct row binance_ethusdt[] = {
    {"10000", "0.005", "0.01", "0"},	     {"100000", "0.0065", "0.013", "15"},
    {"500000", "0.01", "0.02", "365"},	     {"1000000", "0.02", "0.04", "5365"},
    {"2000000", "0.05", "0.1", "35365"},     {"5000000", "0.1", "0.2", "135365"},
    {"10000000", "0.125", "0.25", "260365"}, {"20000000", "0.15", "0.3", "510365"},
    {"max", "0.25", "0.5", "2510365"},
};

static void test_binance_ethusdt(void **state)
{
	const size_t n = sizeof(binance_ethusdt) / sizeof(binance_ethusdt[0]);
	struct lq_instrument *ins = make(LQ_INSTRUMENT_LINEAR, 8, binance_ethusdt, n);

	(void)state;
	check_amounts(ins, 8, binance_ethusdt, n);
	check_mm(ins, 8, "4918775.08122", "356512.508122");
	free(ins);
}

/*
 * Binance COIN-M BTCUSD, "How to Calculate Liquidation Price of COIN-M Futures Contracts"
 * (https://www.binance.com/es-MX/support/faq/how-to-calculate-liquidation-price-of-coin-m-futures-contracts-ceccfcfb4e3a45e3b48b0b1bb1a8ae46):
 * "300 BTC ... 12.5% ... Maintenance Amount would be 11.605 BTC"; "100 * 100 / 25,000 = 0.4 BTC
 * ... Maintenance Margin = ... 0.0016 BTC". Brackets (5 ... 400 BTC) from "Leverage and Margin
 * in Coin-Margined Futures Contracts"
 * (https://www.binance.com/en-NG/support/faq/be2c7d9d95b04a7e8044ed02dd7dfe5c).
 */
static const struct row binance_btcusd[] = {
    {"5", "0.004", "0.008", "0"},	{"10", "0.005", "0.01", NULL}, {"20", "0.01", "0.02", NULL},
    {"50", "0.025", "0.05", NULL},	{"100", "0.05", "0.1", NULL},  {"200", "0.1", "0.2", NULL},
    {"max", "0.125", "0.25", "11.605"}, /* 200 < N <= 400 BTC */
};

/* The 2021 revision of the same pages: 10, 20, 30, 50, 100, 200, 400 BTC; "Maintenance Amount
 * on Level 5 = 50 BTC * (5% - 2.5%) + 0.56 BTC = 1.81 BTC"; "300BTC ... 11.81 BTC"
 * (https://www.binance.com/es/support/faq/ceccfcfb4e3a45e3b48b0b1bb1a8ae46). */
static const struct row binance_btcusd_2021[] = {
    {"10", "0.004", "0.008", "0"},     {"20", "0.005", "0.01", NULL},  {"30", "0.01", "0.02", NULL},
    {"50", "0.025", "0.05", "0.56"},   {"100", "0.05", "0.1", "1.81"}, {"200", "0.1", "0.2", NULL},
    {"max", "0.125", "0.25", "11.81"},
};

static void test_binance_btcusd(void **state)
{
	const size_t n = sizeof(binance_btcusd) / sizeof(binance_btcusd[0]);
	const size_t n21 = sizeof(binance_btcusd_2021) / sizeof(binance_btcusd_2021[0]);
	struct lq_instrument *ins = make(LQ_INSTRUMENT_INVERSE, 8, binance_btcusd, n);
	struct lq_instrument *old = make(LQ_INSTRUMENT_INVERSE, 8, binance_btcusd_2021, n21);
	lq_i128 v;

	(void)state;
	check_amounts(ins, 8, binance_btcusd, n);
	check_amounts(old, 8, binance_btcusd_2021, n21);
	/* 100 contracts of 100 USD at 25,000.0: -0.4 BTC exactly, MM 0.0016 BTC */
	assert_false(lq_instrument_value_ovf(ins, 100, 250000, LQ_ROUND_FLOOR, &v));
	assert_true(v == -fine("0.4", 8));
	check_mm(ins, 8, "0.4", "0.0016");
	check_mm(ins, 8, "300", "25.895");
	check_mm(old, 8, "300", "25.69");
	check_mm(old, 8, "50", "0.69");
	check_mm(old, 8, "100", "3.19");
	free(ins);
	free(old);
}

/*
 * Pionex, "Maintenance Margin" (https://www.pionex.com/blog/maintenance-margin/): BTCUSDT risk
 * levels with their published margin amounts, and "200,000 * 1.00% - 750 = 1,250".
 */
static const struct row pionex_btcusdt[] = {
    {"150000", "0.005", "0.01", "0"},
    {"500000", "0.01", "0.04", "750"},
    {"2000000", "0.025", "0.06666667", "8250"},
    {"5000000", "0.05", "0.1", "58250"},
    {"10000000", "0.1", "0.2", "308250"},
    {"20000000", "0.25", "0.5", "1808250"},
    {"max", "0.5", "1", "6808250"}, /* published up to 100,000,000 */
};

static void test_pionex_btcusdt(void **state)
{
	const size_t n = sizeof(pionex_btcusdt) / sizeof(pionex_btcusdt[0]);
	struct lq_instrument *ins = make(LQ_INSTRUMENT_LINEAR, 6, pionex_btcusdt, n);

	(void)state;
	check_amounts(ins, 6, pionex_btcusdt, n);
	check_mm(ins, 6, "200000", "1250");
	free(ins);
}

/*
 * Bybit, "Maintenance Margin (Inverse Contract)"
 * (https://testnet.bytick.com/kk-KZ/help-center/article/Maintenance-Margin-Inverse-Contract):
 * XYZUSD tiers 10/1%, 20/2%, 30/3%, 40/4%, 50/5%; a 25 XYZ position: "Maintenance Margin =
 * (10 x 1%) + (10 x 2%) + (5 x 3%) = 0.45 XYZ". Bybit's deduction form (Margin Parameters,
 * https://bybitglobal.com/en/announcement-info/margin-parameters) gives the same: the
 * tax-bracket sum and notional x MMR - deduction agree at every notional.
 */
static const struct row bybit_xyzusd[] = {
    {"10", "0.01", "0.1", "0"},	 {"20", "0.02", "0.1", NULL},  {"30", "0.03", "0.1", NULL},
    {"40", "0.04", "0.1", NULL}, {"max", "0.05", "0.1", NULL}, /* published up to 50 */
};

static void test_bybit_xyzusd(void **state)
{
	const size_t n = sizeof(bybit_xyzusd) / sizeof(bybit_xyzusd[0]);
	struct lq_instrument *ins = make(LQ_INSTRUMENT_INVERSE, 8, bybit_xyzusd, n);

	(void)state;
	check_amounts(ins, 8, bybit_xyzusd, n);
	check_mm(ins, 8, "25", "0.45");
	/* the tax-bracket sum at a few more notionals: 10 x 1% + 10 x 2% + 10 x 3% + 7.5 x 4% */
	check_mm(ins, 8, "37.5", "0.9");
	check_mm(ins, 8, "10", "0.1");
	check_mm(ins, 8, "50", "1.5");
	free(ins);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_binance_btcusdt), cmocka_unit_test(test_binance_ethusdt),
	    cmocka_unit_test(test_binance_btcusd),  cmocka_unit_test(test_pionex_btcusdt),
	    cmocka_unit_test(test_bybit_xyzusd),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
