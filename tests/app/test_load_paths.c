/* SPDX-License-Identifier: MIT */
/*
 * The population load path's fast parsers against the slow ones they replace, on random
 * lines: the scenario tokenizer's 16-byte path against its any-length path, the population
 * check on the parser's words against the check on the line, the report's set-up line read
 * against sscanf("deposit %llu %63s %63s"), and the generator's bytes (fixed seeds) against
 * themselves in two runs.
 */
#include "../../app/report_model.h"
#include "lq/app.h"
#include "lq/msg.h"
#include "lq/num.h"
#include "lq/population.h"
#include "lq/report.h"
#include "lq/scn.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint32_t next(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)((rng >> 11) % n);
}

/* A line of words from a small alphabet with the bytes the tokenizers treat specially. */
static size_t random_line(char *buf, size_t cap)
{
	static const char *const words[] = {"deposit",
					    "withdraw",
					    "fill",
					    "isolate",
					    "fund",
					    "7",
					    "0",
					    "18446744073709551616",
					    "USDT",
					    "BTCUSDT",
					    "IF",
					    "buy",
					    "sell",
					    "100",
					    "1.5",
					    "-3",
					    "+4",
					    "0.0000001",
					    "x=1",
					    "=",
					    "a=",
					    "=b",
					    "#",
					    "#c",
					    "asset=USDT",
					    "1e5",
					    "1.",
					    "\v",
					    "\f",
					    "USDT\v",
					    "9999999999999999999"};
	static const char *const gaps[] = {" ", "  ", "\t", "\r", " \t ", "#", ""};
	size_t n = 0;
	const uint32_t k = next(8);
	for (uint32_t i = 0; i < k; i++) {
		const char *w = words[next(sizeof(words) / sizeof(words[0]))];
		const char *g =
		    i ? gaps[next(sizeof(gaps) / sizeof(gaps[0]))] : (next(4) ? "" : " ");
		if (n + strlen(w) + strlen(g) + 1 >= cap)
			break;
		n += (size_t)sprintf(buf + n, "%s%s", g, w);
	}
	buf[n] = '\0';
	return n;
}

static struct lq_engine *defs_from(const char *config)
{
	char path[64];
	struct lq_engine *defs = NULL;
	snprintf(path, sizeof(path), "/tmp/lq_test_load_XXXXXX");
	const int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, config, strlen(config)), (ssize_t)strlen(config));
	close(fd);
	assert_int_equal(lq_defs_load("test", path, &defs), 0);
	unlink(path);
	return defs;
}

static struct lq_engine *defs_engine(void)
{
	return defs_from("asset USDT decimals=6\n"
			 "instrument BTCUSDT linear settle=USDT tick=0.1 lot=0.001\n"
			 "tier BTCUSDT upto=max mmr=0.01 imr=0.02\n"
			 "param BTCUSDT fund=IF\n"
			 "fund IF asset=USDT balance=50\n");
}

static void nothing(void *ctx, struct lq_msg *m)
{
	(void)ctx;
	(void)m;
}

static void discard(void *ctx, const char *data, size_t len)
{
	(void)ctx;
	(void)data;
	(void)len;
}

static void assert_toks_equal(const struct lq_scn_tokens *a, const struct lq_scn_tokens *b,
			      const char *pa, const char *pb)
{
	assert_int_equal(a->n, b->n);
	assert_int_equal(a->nopt, b->nopt);
	assert_int_equal(a->nword, b->nword);
	for (uint32_t i = 0; i < a->n; i++) {
		assert_int_equal(a->t[i].s - pa, b->t[i].s - pb);
		assert_int_equal(a->t[i].n, b->t[i].n);
	}
	for (uint32_t i = 0; i < a->nopt; i++) {
		assert_int_equal(a->key[i].s - pa, b->key[i].s - pb);
		assert_int_equal(a->key[i].n, b->key[i].n);
		assert_int_equal(a->val[i].n, b->val[i].n);
	}
	for (uint32_t i = 0; i < a->nword; i++) {
		assert_int_equal(a->word[i].s - pa, b->word[i].s - pb);
		assert_int_equal(a->word[i].n, b->word[i].n);
	}
}

/* A short line (16-byte path) and the same line padded past it (any-length path): same. */
static void test_tokenizer_paths(void **state)
{
	(void)state;
	struct lq_engine *defs = defs_engine();
	static struct lq_scn a, b;
	struct lq_out out;
	char line[512], padded[1024];
	lq_out_init(&out, discard, NULL);
	lq_scn_init(&a, defs, &out, nothing, NULL);
	lq_scn_init(&b, defs, &out, nothing, NULL);
	for (int n = 0; n < 20000; n++) {
		const size_t len = random_line(line, 200);
		memcpy(padded, line, len);
		memset(padded + len, ' ', 300);
		const enum lq_scn_result ra = lq_scn_tokenize(&a, line, len);
		const enum lq_scn_result rb = lq_scn_tokenize(&b, padded, len + 300);
		assert_int_equal(ra, rb);
		assert_string_equal(a.error, b.error);
		if (ra == LQ_SCN_OK)
			assert_toks_equal(&a.toks, &b.toks, line, padded);
	}
	/* a token that runs to the end of a line of every length up to the short path's */
	for (size_t len = 1; len < 300; len++) {
		memset(line, 'x', len);
		line[len - 1] = len % 3 ? 'y' : '=';
		const enum lq_scn_result r = lq_scn_tokenize(&a, line, len);
		/* x...y is one word; x...= an option without a value */
		assert_int_equal(r, len % 3 ? LQ_SCN_OK : LQ_SCN_SYNTAX);
		assert_int_equal(a.toks.nword, 1);
		assert_int_equal(a.toks.word[0].n, len);
		if (r != LQ_SCN_OK)
			assert_int_equal(strncmp(a.error, "malformed option", 16), 0);
	}
	lq_defs_free(defs);
}

/* The population check on the parser's words says what the check on the line says. */
static void test_population_words(void **state)
{
	(void)state;
	struct lq_engine *defs = defs_engine();
	static struct lq_scn s;
	struct lq_out out;
	char line[256], why_a[512], why_b[512];
	lq_out_init(&out, discard, NULL);
	lq_scn_init(&s, defs, &out, nothing, NULL);
	for (int n = 0; n < 20000; n++) {
		const size_t len = random_line(line, sizeof(line));
		why_a[0] = why_b[0] = '\0';
		const int ra = lq_population_check(defs, line, len, why_a, sizeof(why_a));
		const int rb = lq_population_refused(&s, line, len, why_b, sizeof(why_b));
		if (ra != 0) {
			/* refused by the check: the same reason */
			assert_int_equal(rb, -1);
			assert_string_equal(why_a, why_b);
			continue;
		}
		/* the check passes: refused only when the parser cannot split it, with its error */
		if (lq_scn_tokenize(&s, line, len) == LQ_SCN_SYNTAX) {
			assert_int_equal(rb, -1);
			assert_string_equal(why_b, s.error);
		} else {
			assert_int_equal(rb, 0);
		}
	}
	lq_defs_free(defs);
}

/* Mostly a deposit of one of a few accounts, in every spelling sscanf reads; else noise. */
static size_t random_setup_line(char *line, size_t cap)
{
	size_t len = random_line(line, cap);
	if (next(3)) {
		static const char *const gap[] = {" ", "\t", "\v", "\f", "  ", "", "\r"};
		static const char *const id[] = {"", "+", "-", "0", "00"};
		static const char *const asset[] = {"USDT", "BTC", "USDT#x", "USDT=1"};
		static const char *const amount[] = {
		    "100", "1.5", "-3", "0.0000001", "100#c", "1e5", "2.00000000", "7 # note", ""};
		char rest[300];
		snprintf(rest, sizeof(rest), "%s", next(4) ? "" : line);
		len = (size_t)snprintf(line, cap, "deposit%s%s%u%s%s%s%s%s", gap[next(7)],
				       id[next(5)], 1 + next(40), gap[next(7)], asset[next(4)],
				       gap[next(7)], amount[next(9)], rest);
		if (len >= cap)
			len = cap - 1;
	}
	return len;
}

/* The report's set-up line read as sscanf reads it: the same deposits counted. */
static void test_setup_line_as_sscanf(void **state)
{
	(void)state;
	struct lq_engine *defs = defs_engine();
	char line[300];
	struct lq_rep *r = lq_rep_create(4096, 4096);
	static int64_t want[64];
	memset(want, 0, sizeof(want));
	for (int n = 0; n < 20000; n++) {
		const size_t len = random_setup_line(line, sizeof(line));
		unsigned long long id;
		char asset[64], amount[64];
		int64_t units;
		if (len >= 8 && len < 256 && memcmp(line, "deposit", 7) == 0 &&
		    sscanf(line, "deposit %llu %63s %63s", &id, asset, amount) == 3 && id != 0 &&
		    id < 64 && lq_engine_find_asset(defs, asset, strlen(asset)) == 0 &&
		    lq_dec_parse(amount, strlen(amount), 6, &units) == LQ_DEC_OK)
			want[id] += units;
		lq_rep_setup_line(r, defs, line, len);
	}
	int64_t total = 0;
	for (uint64_t id = 1; id < 64; id++)
		total += want[id];
	assert_true(total > 0); /* deposits were counted, not only refused */
	for (uint64_t id = 1; id < 64; id++) {
		struct deposit d;
		const bool found = lq_rep_deposit_find(r, id, &d);
		assert_int_equal(found ? d.units : 0, want[id]);
	}
	lq_rep_destroy(r);
	lq_defs_free(defs);
}

static struct lq_cmd sent;
static uint64_t sent_line;

static void keep_deposit(void *ctx, struct lq_msg *m)
{
	(void)ctx;
	if (m->type == LQ_MSG_CMD && m->u.cmd.type == LQ_CMD_DEPOSIT) {
		sent = m->u.cmd;
		sent_line = m->line;
	}
}

/* A deposit counted from the parser's command counts as the line read again would. */
static void test_setup_deposit_as_line(void **state)
{
	(void)state;
	struct lq_engine *defs = defs_engine();
	static struct lq_scn s;
	struct lq_out out;
	char line[300];
	struct lq_rep *a = lq_rep_create(4096, 4096), *b = lq_rep_create(4096, 4096);
	int shortcut = 0, reread = 0;
	lq_out_init(&out, discard, NULL);
	lq_scn_init(&s, defs, &out, keep_deposit, NULL);
	for (int n = 0; n < 20000; n++) {
		const size_t len = random_setup_line(line, sizeof(line));
		s.line++;
		const enum lq_scn_result r = lq_scn_line(&s, line, len);
		if (r == LQ_SCN_SYNTAX)
			continue; /* a reader stops there */
		lq_rep_setup_line(b, defs, line, len);
		if (r == LQ_SCN_OK && sent_line == s.line &&
		    lq_rep_setup_deposit(a, &sent, &s.toks, line, len)) {
			shortcut++;
			continue;
		}
		reread++;
		lq_rep_setup_line(a, defs, line, len);
	}
	assert_true(shortcut > 100);
	assert_true(reread > 100);
	for (uint64_t id = 1; id <= 64; id++) {
		struct deposit da, db;
		const bool fa = lq_rep_deposit_find(a, id, &da),
			   fb = lq_rep_deposit_find(b, id, &db);
		assert_int_equal(fa, fb);
		if (fa)
			assert_int_equal(da.units, db.units);
	}
	lq_rep_destroy(a);
	lq_rep_destroy(b);
	lq_defs_free(defs);
}

/*
 * The report's tables by id: ids 1 to accounts_max are held by id, others in hash tables.
 * Deposits (the first asset's, summed) and event rows (counts, the last liquidation's
 * instrument, the instruments' mask, past bit 7 included) against a plain reference, for ids
 * on both sides of accounts_max, so both paths hold the same answers.
 */
#define REF_IDS 48
static void test_report_tables_by_id(void **state)
{
	(void)state;
	struct lq_engine *defs =
	    defs_from("asset USDT decimals=6\nasset BTC decimals=8\n"
		      "instrument BTCUSDT linear settle=USDT tick=0.1 lot=0.001\n");
	const uint32_t max = 20;
	struct lq_rep *r = lq_rep_create(max, REF_IDS);
	static const uint64_t ids[REF_IDS] = {
	    1,	      2,	  3,	      4,	 5,	    6,	   7,	  8,
	    9,	      10,	  11,	      12,	 13,	    14,	   15,	  16,
	    17,	      18,	  19,	      20,	 21,	    22,	   23,	  40,
	    41,	      77,	  99,	      100,	 101,	    1000,  4096,  65537,
	    1u << 31, 1ull << 33, 1ull << 40, 123456789, 987654321, 5000,  6000,  7000,
	    8000,     9000,	  10000,      11000,	 12000,	    13000, 14000, 1ull << 63};
	static int64_t units[REF_IDS];
	static int asset[REF_IDS];
	static uint64_t mask[REF_IDS];
	static uint32_t liqs[REF_IDS], adl[REF_IDS], last[REF_IDS];
	uint64_t s = 88172645463325252ull;
	bool adl_any = false;
	char line[128];

	for (int k = 0; k < REF_IDS; k++) {
		asset[k] = -1;
		last[k] = LQ_NIL;
	}
	for (int n = 0; n < 4000; n++) {
		s ^= s << 13, s ^= s >> 7, s ^= s << 17;
		const int k = (int)(s % REF_IDS), a = (int)((s >> 20) % 2);
		const int64_t amount = 1 + (int64_t)((s >> 24) % 100000);
		snprintf(line, sizeof(line), "deposit %llu %s %lld", (unsigned long long)ids[k],
			 a ? "BTC" : "USDT", (long long)amount);
		lq_rep_setup_line(r, defs, line, strlen(line));
		if (asset[k] < 0)
			asset[k] = a;
		if (asset[k] == a)
			units[k] += amount * (a ? 100000000 : 1000000);
	}
	/* rows: the table holds max of them, so events name max distinct ids, half by id */
	for (int n = 0; n < 20000; n++) {
		s ^= s << 13, s ^= s >> 7, s ^= s << 17;
		const int k = (int)(s % 10) + ((s >> 40) & 1 ? 20 : 0); /* ids 1-10, 21-1000 */
		const uint32_t ins = (uint32_t)((s >> 8) % 4 == 0 ? (s >> 16) % 64 : (s >> 16) % 4);
		struct lq_msg m;
		memset(&m, 0, sizeof(m));
		m.type = LQ_MSG_EVENT;
		m.line = (uint64_t)n;
		m.u.event.type = (s >> 32) % 2 ? LQ_EV_LIQUIDATION : LQ_EV_ADL;
		m.u.event.account = ids[k];
		m.u.event.other_account = ids[0];
		m.u.event.instrument = ins;
		lq_rep_event(r, &m);
		mask[k] |= 1ull << ins;
		if (m.u.event.type == LQ_EV_LIQUIDATION) {
			liqs[k]++;
			last[k] = ins;
		} else {
			adl[k]++;
			adl_any = true;
		}
	}
	for (int k = 0; k < REF_IDS; k++) {
		struct deposit d;
		const bool found = lq_rep_deposit_find(r, ids[k], &d);
		assert_int_equal(found, asset[k] >= 0);
		if (found) {
			assert_int_equal(d.asset, (uint32_t)asset[k]);
			assert_true(d.units == units[k]);
		}
		const struct rep_acct *row = lq_rep_acct_find(r, ids[k]);
		assert_int_equal(row != NULL, mask[k] != 0 || (k == 0 && adl_any));
		if (!row)
			continue;
		assert_true(lq_rep_acct_mask(r, row) == mask[k]);
		assert_int_equal(row->liqs, liqs[k]);
		assert_int_equal(row->adl_suffered, adl[k]);
		assert_int_equal(lq_rep_acct_ins(row), last[k]);
	}
	lq_rep_destroy(r);
	lq_defs_free(defs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tokenizer_paths),
	    cmocka_unit_test(test_population_words),
	    cmocka_unit_test(test_setup_line_as_sscanf),
	    cmocka_unit_test(test_setup_deposit_as_line),
	    cmocka_unit_test(test_report_tables_by_id),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
