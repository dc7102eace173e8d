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

/* The venue's specs into p. */
static inline void test_specs_set(struct lq_convert_params *p)
{
	if (p->venue == LQ_CONVERT_BITMEX) {
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
