/* SPDX-License-Identifier: MIT */
/*
 * The domain seen through the scenario language (DESIGN 2): `liqd sim` itself (the binary
 * that ctest names in LQ_LIQD) refuses off-grid inputs with a `rejected` line and prints the
 * `stale` events. Checked by content, not byte for byte: more keys are welcome in the output.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

#define T0 "2024-08-09T00:00:00Z"

/* Off-grid quantities and prices are refused with a reason naming the grid; nothing moves. */
static void test_off_grid_scenario(void **state)
{
	static const char *const lines[] = {
	    "asset USDT decimals=6",
	    "instrument ETHUSDT linear settle=USDT tick=0.5 lot=0.002",
	    "tier ETHUSDT upto=max mmr=0.005 imr=0.01",
	    "deposit 1 USDT 100",
	    "fill 1 ETHUSDT buy 0.0021 3000",
	    "fill 1 ETHUSDT buy 0.003 3000",
	    "fill 1 ETHUSDT buy 0.002 3000.05",
	    "fill 1 ETHUSDT buy 0.002 3000.1",
	    "fill 1 ETHUSDT buy 0.002 3000",
	    "show account 1",
	};

	(void)state;
	const char *out = dom_sim_run(lines, sizeof(lines) / sizeof(lines[0]));
	/* lines 5 to 8 are refused, with a reason that says why (the wording may change) */
	for (int line = 5; line <= 8; line++) {
		char want[64];
		snprintf(want, sizeof(want),
			 "{\"type\":\"rejected\",\"line\":%d,\"reason\":", line);
		const char *r = strstr(out, want);
		assert_non_null(r);
		const char *eol = strchr(r, '\n');
		const char *why = strstr(r, "off-grid");
		assert_true(why != NULL && why < eol);
	}
	assert_null(strstr(out, "\"line\":9"));
	/* only the last fill went through (further keys of the account line may come) */
	const char *acc = strstr(out, "{\"type\":\"account\",\"account\":1,");
	assert_non_null(acc);
	assert_non_null(
	    strstr(acc, "\"positions\":[{\"instrument\":\"ETHUSDT\",\"qty\":\"0.002\""));
}

/* The stale events as the scenario language prints them. */
static void test_stale_output(void **state)
{
	static const char *const lines[] = {
	    "asset USDT decimals=6",
	    "instrument BTCUSDT linear settle=USDT tick=0.1 lot=0.001",
	    "tier BTCUSDT upto=max mmr=0.005 imr=0.01",
	    "param BTCUSDT mark=index stale_after=30s",
	    "time " T0,
	    "index BTCUSDT 60000",
	    "time +30s",
	    "time +1s",
	    "index BTCUSDT 60001",
	};

	(void)state;
	const char *out = dom_sim_run(lines, sizeof(lines) / sizeof(lines[0]));
	assert_string_equal(out,
			    "{\"type\":\"stale\",\"instrument\":\"BTCUSDT\",\"stale\":true}\n"
			    "{\"type\":\"stale\",\"instrument\":\"BTCUSDT\",\"stale\":false}\n"
			    "{\"type\":\"stale\",\"instrument\":\"BTCUSDT\",\"stale\":true}\n"
			    "{\"type\":\"stale\",\"instrument\":\"BTCUSDT\",\"stale\":false}\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_off_grid_scenario),
	    cmocka_unit_test(test_stale_output),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
