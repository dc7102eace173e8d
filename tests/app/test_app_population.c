/* SPDX-License-Identifier: MIT */
/*
 * The application library's population layer, linked directly (no binary, no shell): a
 * configuration's definitions, the population loader's line check, and the generator's
 * determinism and self-consistency (every line it writes is one the loader accepts).
 */
#include "lq/app.h"
#include "lq/population.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static const char config[] = "asset USDT decimals=6\n"
			     "instrument BTCUSDT linear settle=USDT tick=0.1 lot=0.001\n"
			     "tier BTCUSDT upto=50000 mmr=0.004 imr=0.008\n"
			     "tier BTCUSDT upto=max mmr=0.01 imr=0.02\n"
			     "param BTCUSDT fund=IF deficit=adl mark=external\n"
			     "fund IF asset=USDT balance=50\n"
			     "# account lines of a configuration are not definitions\n"
			     "deposit 7 USDT 100\n";

/* A temporary file holding text; the path is written to path (unlink it when done). */
static void temp_file(char *path, size_t cap, const char *text)
{
	snprintf(path, cap, "/tmp/lq_test_app_XXXXXX");
	const int fd = mkstemp(path);
	assert_true(fd >= 0);
	const size_t n = strlen(text);
	assert_int_equal(write(fd, text, n), (ssize_t)n);
	close(fd);
}

static struct lq_engine *load_defs(void)
{
	char path[64];
	struct lq_engine *defs = NULL;
	temp_file(path, sizeof(path), config);
	assert_int_equal(lq_defs_load("test", path, &defs), 0);
	unlink(path);
	assert_non_null(defs);
	return defs;
}

static void test_defs_load(void **state)
{
	(void)state;
	struct lq_engine *defs = load_defs();
	assert_int_equal(lq_engine_find_asset(defs, "USDT", 4), 0);
	assert_int_equal(lq_engine_find_instrument(defs, "BTCUSDT", 7), 0);
	assert_true(lq_engine_find_fund(defs, "IF", 2) >= 0);
	assert_true(lq_engine_find_instrument(defs, "ETHUSDT", 7) < 0);
	lq_defs_free(defs);

	/* a line the language refuses stops the load with the file's line */
	char path[64];
	struct lq_engine *bad = NULL;
	temp_file(path, sizeof(path), "asset USDT decimals=6\ninstrument BTCUSDT sideways\n");
	assert_int_equal(lq_defs_load("test", path, &bad), LQ_EXIT_USAGE);
	unlink(path);
}

static int check(const struct lq_engine *defs, const char *line, char *why, size_t cap)
{
	why[0] = '\0';
	return lq_population_check(defs, line, strlen(line), why, cap);
}

static void test_population_check(void **state)
{
	(void)state;
	struct lq_engine *defs = load_defs();
	char why[256];
	static const char *const accepted[] = {
	    "deposit 1 USDT 100",
	    "withdraw 1 USDT 5",
	    "fill 1 BTCUSDT buy 0.001 28000",
	    "isolate 1 BTCUSDT 10",
	    "fund IF2 asset=USDT balance=1",
	    "# a comment",
	    "",
	};
	for (size_t k = 0; k < sizeof(accepted) / sizeof(accepted[0]); k++) {
		if (check(defs, accepted[k], why, sizeof(why)) != 0)
			fail_msg("refused '%s': %s", accepted[k], why);
	}
	/* only population commands, naming what the configuration defines; each with a reason */
	static const char *const refused[] = {
	    "mark BTCUSDT 28000",	 "asset EUR decimals=2",      "deposit 1 EUR 5",
	    "fill 1 ETHUSDT buy 1 2000", "param BTCUSDT liq_fee=0.1",
	};
	for (size_t k = 0; k < sizeof(refused) / sizeof(refused[0]); k++) {
		if (check(defs, refused[k], why, sizeof(why)) == 0)
			fail_msg("accepted '%s'", refused[k]);
		if (why[0] == '\0')
			fail_msg("refused '%s' without a reason", refused[k]);
	}
	lq_defs_free(defs);
}

/* The generator's output for a seed, in a malloc'd string. */
static char *generate(const struct lq_engine *defs, uint64_t accounts, uint64_t seed)
{
	struct lq_popgen g;
	char err[256] = "";
	char *buf = NULL;
	size_t len = 0;
	lq_popgen_defaults(&g);
	g.accounts = accounts;
	g.seed = seed;
	g.ins[0] = 0;
	g.ins_count = 1;
	g.price[0] = 281551; /* 28155.1 on the 0.1 tick */
	g.config_name = "config.scn";
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	if (lq_popgen_write(f, &g, defs, err, sizeof(err)) != 0)
		fail_msg("popgen: %s", err);
	fclose(f);
	return buf;
}

static void test_popgen(void **state)
{
	(void)state;
	struct lq_engine *defs = load_defs();
	char *a = generate(defs, 300, 11);
	char *b = generate(defs, 300, 11);
	char *c = generate(defs, 300, 12);
	assert_string_equal(a, b);	/* the same seed: the same bytes */
	assert_true(strcmp(a, c) != 0); /* another seed: another population */

	/* every line is one the loader accepts, and every account 1..N deposits once */
	static unsigned char seen[301];
	char why[256];
	uint64_t deposits = 0;
	for (char *line = strtok(a, "\n"); line; line = strtok(NULL, "\n")) {
		if (check(defs, line, why, sizeof(why)) != 0)
			fail_msg("popgen wrote a line the loader refuses: '%s': %s", line, why);
		unsigned long long id;
		if (sscanf(line, "deposit %llu USDT", &id) == 1) {
			assert_true(id >= 1 && id <= 300);
			assert_int_equal(seen[id], 0);
			seen[id] = 1;
			deposits++;
		}
	}
	assert_int_equal(deposits, 300);

	/* no reference price: refused with a reason, nothing written */
	struct lq_popgen g;
	char err[256] = "";
	lq_popgen_defaults(&g);
	g.ins[0] = 0;
	g.ins_count = 1;
	FILE *null = fopen("/dev/null", "w");
	assert_non_null(null);
	assert_int_equal(lq_popgen_write(null, &g, defs, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "reference price"));
	fclose(null);
	free(a);
	free(b);
	free(c);
	lq_defs_free(defs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defs_load),
	    cmocka_unit_test(test_population_check),
	    cmocka_unit_test(test_popgen),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
