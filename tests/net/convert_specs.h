/* SPDX-License-Identifier: MIT */
#ifndef LQ_TEST_CONVERT_SPECS_H
#define LQ_TEST_CONVERT_SPECS_H

/*
 * The instruments the converter tests give the converters (the application builds them from
 * a configuration or a venue preset: presets/binance-usdm.scn, binance-coinm.scn and
 * bitmex.scn state the same grids, and run_convert_cli.sh compares the two conversions).
 */
#include "lq/convert.h"

static const struct lq_convert_spec test_specs_binance[] = {
    {"BTCUSDT", LQ_FEED_LINEAR, "USDT", 6, "0.1", "0.001", ""},
    {"ETHUSDT", LQ_FEED_LINEAR, "USDT", 6, "0.01", "0.001", ""},
    {"BTCUSD_PERP", LQ_FEED_INVERSE, "BTC", 8, "0.1", "1", "100"},
};
static const struct lq_convert_spec test_specs_bitmex[] = {
    {"XBTUSD", LQ_FEED_INVERSE, "XBT", 8, "0.5", "100", "1"},
};

/* The multi-venue-ws recordings' (the tests/convert scn files state the same grids). */
static const struct lq_convert_spec test_specs_bybit[] = {
    {"BCHUSDT", LQ_FEED_LINEAR, "USDT", 6, "0.05", "0.01", ""},
    {"ETHUSDT", LQ_FEED_LINEAR, "USDT", 6, "0.05", "0.01", ""},
    {"ADAUSDT", LQ_FEED_LINEAR, "USDT", 6, "0.0001", "1", ""},
};
static const struct lq_convert_spec test_specs_okx[] = {
    {"UNI-USD-SWAP", LQ_FEED_INVERSE, "UNI", 8, "0.001", "1", "10"},
};
static const struct lq_convert_spec test_specs_dydx[] = {
    {"ETH-USD", LQ_FEED_LINEAR, "USDC", 6, "0.1", "0.001", ""},
    {"MKR-USD", LQ_FEED_LINEAR, "USDC", 6, "1", "0.001", ""},
    {"LTC-USD", LQ_FEED_LINEAR, "USDC", 6, "0.1", "0.01", ""},
};

#define TEST_SPECS(p, t, from)                                                                     \
	((p)->specs = (t), (p)->spec_count = sizeof(t) / sizeof((t)[0]), (p)->specs_from = (from))

/* The venue's specs into p. */
static inline void test_specs_set(struct lq_convert_params *p)
{
	if (p->venue == LQ_CONVERT_BYBIT) {
		TEST_SPECS(p, test_specs_bybit, "tests/convert/bybit.scn");
	} else if (p->venue == LQ_CONVERT_OKX) {
		TEST_SPECS(p, test_specs_okx, "tests/convert/okx.scn");
	} else if (p->venue == LQ_CONVERT_DYDX) {
		TEST_SPECS(p, test_specs_dydx, "tests/convert/dydx.scn");
	} else if (p->venue == LQ_CONVERT_BITMEX) {
		p->specs = test_specs_bitmex;
		p->spec_count = sizeof(test_specs_bitmex) / sizeof(test_specs_bitmex[0]);
		p->specs_from = "preset bitmex";
	} else {
		p->specs = test_specs_binance;
		p->spec_count = sizeof(test_specs_binance) / sizeof(test_specs_binance[0]);
		p->specs_from = "presets binance-coinm, binance-usdm";
	}
}

#endif
