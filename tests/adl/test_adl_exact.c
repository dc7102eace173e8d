/* SPDX-License-Identifier: MIT */
/*
 * The ADL ranking compares scores exactly (DESIGN 1.7; issue 13, item 8).
 *
 * score = PnL% x leverage in profit, PnL% / leverage otherwise; PnL% = upnl / |cost|,
 * leverage = notional / equity (the isolated position's equity, or the account's cross equity
 * in the settle asset), capped at 1000 (an account with equity <= 0 ranks at the cap). Losing
 * positions rank after every profitable one; equal scores by larger position, then lower
 * account id. Flooring each factor to 10^-8 before multiplying (as the engine once did) made
 * 0.05 and 0.0499999993 tie, and the larger position of the two jumped the line.
 *
 * The hand-made cases below derive each score by hand; each "old" note says what the floored
 * factors gave, so the case fails on that code. The seeded test re-computes every ranking with
 * an independent exact model (base-2^32 big integers, no code shared with core/adl.c).
 *
 * Environment: LQ_ADL_SEED=N runs that seed only, LQ_ADL_SEEDS=N that many seeds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "lq/assert.h"
#include "lq/json.h"

typedef unsigned __int128 u128;

#define RANK_MAX DOM_POSITIONS_MAX

/* ---- helpers ---- */

static uint32_t rank(const struct dom *d, uint32_t ins, int side, struct lq_adl_entry *out)
{
	return lq_adl_rank(&d->e, ins, side, out, RANK_MAX);
}

static void assert_order(const struct lq_adl_entry *r, uint32_t n, const uint64_t *want,
			 uint32_t want_n)
{
	char got[512] = "", exp[512] = "";
	size_t gl = 0, el = 0;

	for (uint32_t i = 0; i < n; i++)
		gl += (size_t)snprintf(got + gl, sizeof(got) - gl, " %llu",
				       (unsigned long long)r[i].account);
	for (uint32_t i = 0; i < want_n; i++)
		el += (size_t)snprintf(exp + el, sizeof(exp) - el, " %llu",
				       (unsigned long long)want[i]);
	if (n != want_n || strcmp(got, exp) != 0)
		fail_msg("ADL order:%s, expected:%s", got, exp);
}

static const struct lq_adl_entry *entry_of(const struct lq_adl_entry *r, uint32_t n, uint64_t id)
{
	for (uint32_t i = 0; i < n; i++) {
		if (r[i].account == id)
			return &r[i];
	}
	fail_msg("account %llu not in the ranking", (unsigned long long)id);
	return NULL;
}

/* `show adl` for one side as JSON, through the printer the pipeline uses. */
struct text {
	char buf[16384];
	size_t len;
};

static void text_write(void *ctx, const char *data, size_t len)
{
	struct text *t = ctx;

	assert_true(t->len + len < sizeof(t->buf));
	memcpy(t->buf + t->len, data, len);
	t->len += len;
	t->buf[t->len] = '\0';
}

/* The printed (account, quintile) pairs, in order; returns their count. */
static uint32_t printed_quintiles(const struct dom *d, uint32_t ins, int side,
				  const struct lq_adl_entry *r, uint32_t n, uint64_t *acc,
				  uint32_t *quintile)
{
	static struct text t;
	static struct lq_out o;
	uint32_t k = 0;

	t.len = 0;
	t.buf[0] = '\0';
	lq_out_init(&o, text_write, &t);
	lq_json_adl_rank(&o, &d->e, ins, side, r, n);
	lq_out_flush(&o);
	for (const char *p = strstr(t.buf, "\"account\":"); p; p = strstr(p, "\"account\":")) {
		const char *q = strstr(p, "\"quintile\":");
		assert_non_null(q);
		acc[k] = strtoull(p + strlen("\"account\":"), NULL, 10);
		quintile[k] = (uint32_t)strtoul(q + strlen("\"quintile\":"), NULL, 10);
		k++;
		p = q;
	}
	assert_int_equal(k, n);
	return k;
}

/* ---- a linear instrument: near-ties, exact ties, the cap, losses ---- */

/*
 * USDT 6 decimals; X and Y linear, tick 1, lot 1. Every X position is long; the mark is 31
 * (Y's 50), liquidations off. Scores (upnl / cost x notional / equity):
 *   1  cross     3 @ 30, balance 59:           3/90 x 93/62              = 0.05
 *   2  cross    30 @ 30, balance 590.000009:   30/900 x 930/620.000009   = 0.049999999274
 *   3  isolated  6 @ 30, margin 118:           6/180 x 186/124           = 0.05
 *   4  isolated  5 @ 25, margin 714:           30/125 x 155/744          = 0.05
 *   5  cross     3 @ 30, balance 59:           as account 1              = 0.05
 *   6  cross     2 @ 30 and Y 10 @ 100, balance 100: equity 100 + 2 - 500 < 0: cap 1000
 *                                                     2/60 x 1000          = 33.333...
 *   7  as 6, balance 498.000001: equity 0.000001, leverage 62,000,000 > cap = 33.333...
 *   8  as 6, balance 498.062001: equity 0.062001, leverage 999.98 < cap    = 33.332795...
 *   9  cross    40 @ 33, balance 1103 (loss):  -80/1320 / (1240/1023)    = -0.05
 *  10  cross    50 @ 33, balance 1378.750018:  -100/1650 / (1550/1278.750018) = -0.0500000007
 *  11  cross     1 @ 31, balance 100: upnl 0, not profitable             = 0
 * First in line: 6, 7 (tie at the cap, equal size: lower id), 8, then the 0.05 group 3 (6),
 * 4 (5), 1 and 5 (3 each: lower id), then 2; the losing ones 11, 9, 10.
 * Old (each factor floored to 10^-8): 1, 2, 3, 4, 5 all scored 0.04999999 (PnL% 1/30 floors to
 * 0.03333333, 6/25 x 5/24 to 0.24 x 0.20833333) and the largest, 2, went first; 9 and 10 both
 * -0.05000001 and 10 (larger) went first.
 */
struct fx_lin {
	struct dom *d;
	uint32_t usdt, x, y;
};

static void acct(struct dom *d, uint64_t id, uint32_t usdt, const char *deposit)
{
	assert_int_equal(dom_deposit_s(d, id, usdt, deposit), LQ_OK);
}

static void buy(struct dom *d, uint64_t id, uint32_t ins, const char *qty, const char *price)
{
	assert_int_equal(dom_fill_s(d, id, ins, qty, price, NULL), LQ_OK);
}

static int setup_lin(void **state)
{
	struct fx_lin *f = calloc(1, sizeof(*f));
	struct dom *d;

	assert_non_null(f);
	f->d = d = dom_new();
	dom_trigger(d, LQ_TRIGGER_OFF);
	f->usdt = dom_asset(d, "USDT", 6);
	f->x = dom_linear(d, "X", f->usdt, "1", "1");
	f->y = dom_linear(d, "Y", f->usdt, "1", "1");
	dom_tier(d, f->x, "max", "0.01", "0.02");
	dom_tier(d, f->y, "max", "0.01", "0.02");

	acct(d, 1, f->usdt, "59");
	buy(d, 1, f->x, "3", "30");
	acct(d, 2, f->usdt, "590.000009");
	buy(d, 2, f->x, "30", "30");
	acct(d, 3, f->usdt, "118");
	assert_int_equal(dom_isolate_s(d, 3, f->x, "118"), LQ_OK);
	buy(d, 3, f->x, "6", "30");
	acct(d, 4, f->usdt, "714");
	assert_int_equal(dom_isolate_s(d, 4, f->x, "714"), LQ_OK);
	buy(d, 4, f->x, "5", "25");
	acct(d, 5, f->usdt, "59");
	buy(d, 5, f->x, "3", "30");
	acct(d, 6, f->usdt, "100");
	acct(d, 7, f->usdt, "498.000001");
	acct(d, 8, f->usdt, "498.062001");
	for (uint64_t id = 6; id <= 8; id++) {
		buy(d, id, f->x, "2", "30");
		buy(d, id, f->y, "10", "100");
	}
	acct(d, 9, f->usdt, "1103");
	buy(d, 9, f->x, "40", "33");
	acct(d, 10, f->usdt, "1378.750018");
	buy(d, 10, f->x, "50", "33");
	acct(d, 11, f->usdt, "100");
	buy(d, 11, f->x, "1", "31");
	assert_int_equal(dom_mark_s(d, f->x, "31"), LQ_OK);
	assert_int_equal(dom_mark_s(d, f->y, "50"), LQ_OK);
	*state = f;
	return 0;
}

static int teardown_lin(void **state)
{
	struct fx_lin *f = *state;

	dom_free(f->d);
	free(f);
	return 0;
}

static void test_linear_exact_order(void **state)
{
	struct fx_lin *f = *state;
	static struct lq_adl_entry r[RANK_MAX];
	static const uint64_t want[] = {6, 7, 8, 3, 4, 1, 5, 2, 11, 9, 10};
	uint32_t n = rank(f->d, f->x, 1, r);

	/* the set-up is what the comment says: 3 and 4 isolated, 6's equity below zero */
	assert_true(dom_position(f->d, 3, f->x)->isolated);
	assert_true(dom_position(f->d, 4, f->x)->isolated);
	assert_true(dom_margin(f->d, 6, f->usdt).equity_units < 0);
	assert_int_equal(dom_margin(f->d, 7, f->usdt).equity_units, 1);
	assert_order(r, n, want, LQ_ARRAY_SIZE(want));
	assert_int_equal(rank(f->d, f->x, -1, r), 0);
}

/* The displayed score is floor(exact score x 10^8): never increasing along the ranking. */
static void test_linear_displayed_scores(void **state)
{
	struct fx_lin *f = *state;
	static struct lq_adl_entry r[RANK_MAX];
	static const struct {
		uint64_t account;
		int64_t score_e8;
	} want[] = {
	    {6, 3333333333}, {7, 3333333333}, {8, 3333279570}, {3, 5000000},
	    {4, 5000000},    {1, 5000000},    {5, 5000000},    {2, 4999999},
	    {11, 0},	     {9, -5000000},   {10, -5000001},
	};
	uint32_t n = rank(f->d, f->x, 1, r);

	for (size_t i = 0; i < LQ_ARRAY_SIZE(want); i++) {
		const struct lq_adl_entry *en = entry_of(r, n, want[i].account);
		if (en == NULL)
			return; /* entry_of failed the test */
		if (lq_adl_score_e8(en) != want[i].score_e8)
			fail_msg("account %llu: score_e8 %lld, expected %lld",
				 (unsigned long long)want[i].account,
				 (long long)lq_adl_score_e8(en), (long long)want[i].score_e8);
	}
}

/*
 * Equal exact scores share a quintile: that of the first entry with the score. Ranking of 11:
 * quintile by position 1 + floor(5i / 11) = 1 1 1 2 2 3 3 4 4 5 5; the 0.05 group (positions
 * 3..6) starts in quintile 2, so all four are 2 (by position two of them were 3); the cap tie
 * (positions 0, 1) is 1.
 */
static void test_linear_tied_quintiles(void **state)
{
	struct fx_lin *f = *state;
	static struct lq_adl_entry r[RANK_MAX];
	static const uint64_t want_acc[] = {6, 7, 8, 3, 4, 1, 5, 2, 11, 9, 10};
	static const uint32_t want_q[] = {1, 1, 1, 2, 2, 2, 2, 4, 4, 5, 5};
	uint64_t acc[RANK_MAX];
	uint32_t q[RANK_MAX];
	uint32_t n = rank(f->d, f->x, 1, r);

	assert_int_equal(printed_quintiles(f->d, f->x, 1, r, n, acc, q), LQ_ARRAY_SIZE(want_q));
	for (size_t i = 0; i < LQ_ARRAY_SIZE(want_q); i++) {
		if (acc[i] != want_acc[i] || q[i] != want_q[i])
			fail_msg("entry %zu: account %llu quintile %u, expected account %llu "
				 "quintile %u",
				 i, (unsigned long long)acc[i], q[i],
				 (unsigned long long)want_acc[i], want_q[i]);
	}
}

/* All scores equal: everyone is first in line (quintile 1), in size then id order. */
static void test_all_tied_quintile_one(void **state)
{
	static struct lq_adl_entry r[RANK_MAX];
	static const uint64_t want[] = {3, 1, 2, 4, 5};
	uint64_t acc[RANK_MAX];
	uint32_t q[RANK_MAX];
	struct dom *d = dom_new();
	const uint32_t usdt = dom_asset(d, "USDT", 6);
	const uint32_t x = dom_linear(d, "X", usdt, "1", "1");

	(void)state;
	dom_tier(d, x, "max", "0.01", "0.02");
	dom_trigger(d, LQ_TRIGGER_OFF);
	/* k lots @ 30, balance 29k: equity 30k at 31, leverage 31/30, PnL% 1/30, for every k */
	static const struct {
		uint64_t id;
		const char *qty, *balance;
	} acc_def[] = {
	    {1, "2", "58"}, {2, "2", "58"}, {3, "4", "116"}, {4, "1", "29"}, {5, "1", "29"}};
	for (size_t i = 0; i < LQ_ARRAY_SIZE(acc_def); i++) {
		acct(d, acc_def[i].id, usdt, acc_def[i].balance);
		buy(d, acc_def[i].id, x, acc_def[i].qty, "30");
	}
	assert_int_equal(dom_mark_s(d, x, "31"), LQ_OK);
	uint32_t n = rank(d, x, 1, r);
	assert_order(r, n, want, LQ_ARRAY_SIZE(want));
	printed_quintiles(d, x, 1, r, n, acc, q);
	for (uint32_t i = 0; i < n; i++)
		assert_int_equal(q[i], 1);
	dom_free(d);
}

/*
 * Inverse (BTC 8 decimals, contract 100, tick 0.5, lot 1), mark 30000, all long. PnL% =
 * 1 - entry / mark, notional q x 100 / 30000 BTC, every value exact in fine units:
 *  21 cross     30 @ 20000, equity 0.4:         1/3 x 0.1 / 0.4        = 1/12
 *  22 cross    300 @ 24000, equity 2.40000005:  0.2 x 1 / 2.40000005   = 0.0833333316
 *  23 isolated  30 @ 24000, equity 0.24:        0.2 x 0.1 / 0.24       = 1/12
 *  24 isolated  60 @ 20000, equity 0.8:         1/3 x 0.2 / 0.8        = 1/12
 * First in line: 24 (largest of the 1/12 tie), 21 and 23 (equal size: lower id), then 22.
 * Old: all four scored 0.08333333 (1/3 floors to 0.33333333 x 0.25; 0.2 x floor(0.41666665))
 * and 22, the largest, went first.
 */
static void test_inverse_exact_order(void **state)
{
	static struct lq_adl_entry r[RANK_MAX];
	static const uint64_t want[] = {24, 21, 23, 22};
	uint64_t acc[RANK_MAX];
	uint32_t q[RANK_MAX];
	struct dom *d = dom_new();
	const uint32_t btc = dom_asset(d, "BTC", 8);
	const uint32_t v = dom_inverse(d, "BTCUSD", btc, "0.5", "1", "100");

	(void)state;
	dom_tier(d, v, "max", "0.005", "0.01");
	dom_trigger(d, LQ_TRIGGER_OFF);
	acct(d, 21, btc, "0.35"); /* + upnl 0.15 - 0.1 */
	buy(d, 21, v, "30", "20000");
	acct(d, 22, btc, "2.15000005"); /* + upnl 1.25 - 1 */
	buy(d, 22, v, "300", "24000");
	acct(d, 23, btc, "0.215"); /* + upnl 0.125 - 0.1 */
	assert_int_equal(dom_isolate_s(d, 23, v, "0.215"), LQ_OK);
	buy(d, 23, v, "30", "24000");
	acct(d, 24, btc, "0.7"); /* + upnl 0.3 - 0.2 */
	assert_int_equal(dom_isolate_s(d, 24, v, "0.7"), LQ_OK);
	buy(d, 24, v, "60", "20000");
	assert_int_equal(dom_mark_s(d, v, "30000"), LQ_OK);

	uint32_t n = rank(d, v, 1, r);
	assert_order(r, n, want, LQ_ARRAY_SIZE(want));
	for (uint32_t i = 0; i < n; i++)
		assert_int_equal(lq_adl_score_e8(&r[i]), 8333333);
	printed_quintiles(d, v, 1, r, n, acc, q);
	/* the 1/12 tie is quintile 1; 22 at position 3 of 4: 1 + floor(15 / 4) = 4 */
	assert_int_equal(q[0], 1);
	assert_int_equal(q[1], 1);
	assert_int_equal(q[2], 1);
	assert_int_equal(q[3], 4);
	dom_free(d);
}

/* ---- seeded: every ranking against an independent exact model ---- */

/* Unsigned big integers in base 2^32, least significant digit first. */
#define BIG_DIGITS 36 /* 1152 bits: four 128-bit factors, and 10^8 x 2^63 room */
struct big {
	uint32_t d[BIG_DIGITS];
};

static struct big big_u128(u128 v)
{
	struct big b = {{0}};

	for (int i = 0; i < 4; i++)
		b.d[i] = (uint32_t)(v >> (32 * i));
	return b;
}

static struct big big_mul(struct big a, struct big b)
{
	struct big r = {{0}};

	for (int i = 0; i < BIG_DIGITS; i++) {
		uint64_t carry = 0;
		if (a.d[i] == 0)
			continue;
		for (int j = 0; i + j < BIG_DIGITS; j++) {
			uint64_t t = (uint64_t)a.d[i] * b.d[j] + r.d[i + j] + carry;
			r.d[i + j] = (uint32_t)t;
			carry = t >> 32;
		}
		assert_true(carry == 0);
	}
	return r;
}

static int big_cmp(const struct big *a, const struct big *b)
{
	for (int i = BIG_DIGITS; i-- > 0;) {
		if (a->d[i] != b->d[i])
			return a->d[i] < b->d[i] ? -1 : 1;
	}
	return 0;
}

static bool big_zero(const struct big *a)
{
	for (int i = 0; i < BIG_DIGITS; i++) {
		if (a->d[i])
			return false;
	}
	return true;
}

struct model {
	bool profitable;
	int sign;
	struct big num, den; /* |score| = num / den */
};

static u128 uabs(lq_i128 v)
{
	return v < 0 ? -(u128)v : (u128)v;
}

/* DESIGN 1.7 from the engine's public figures of the position. */
static struct model model_score(const struct lq_engine *e, uint32_t pidx)
{
	const struct lq_position *p = &e->positions[pidx];
	const struct lq_instrument *ins = &e->instruments[p->instrument];
	const struct lq_unit u = {.account = p->account,
				  .ref = p->isolated ? pidx : ins->settle_asset,
				  .isolated = p->isolated};
	struct lq_account_position_view v;
	struct model m;
	lq_i128 eq;
	struct big lev_num = big_u128(1000), lev_den = big_u128(1);

	lq_account_position_view(e, pidx, false, &v);
	if (lq_account_unit_equity_fine(e, &u, &eq) && eq > 0) {
		struct big l = big_u128((u128)v.notional_fine);
		struct big r = big_mul(big_u128(1000), big_u128((u128)eq));
		if (big_cmp(&l, &r) <= 0) {
			lev_num = l;
			lev_den = big_u128((u128)eq);
		}
	}
	const struct big up = big_u128(uabs(v.upnl_fine)), cost = big_u128(uabs(p->cost));
	m.profitable = v.upnl_fine > 0;
	if (big_zero(&cost)) {
		m.num = big_u128(0);
		m.den = big_u128(1);
	} else if (m.profitable) {
		m.num = big_mul(up, lev_num);
		m.den = big_mul(cost, lev_den);
	} else if (!big_zero(&lev_num)) {
		m.num = big_mul(up, lev_den);
		m.den = big_mul(cost, lev_num);
	} else {
		m.num = up;
		m.den = cost;
	}
	m.sign = big_zero(&m.num) ? 0 : m.profitable ? 1 : -1;
	return m;
}

/* < 0, 0, > 0: a's score below, equal to, above b's. */
static int model_cmp(const struct model *a, const struct model *b)
{
	if (a->sign != b->sign)
		return a->sign < b->sign ? -1 : 1;
	if (a->sign == 0)
		return 0;
	struct big l = big_mul(a->num, b->den), r = big_mul(b->num, a->den);
	int c = big_cmp(&l, &r);
	return a->sign > 0 ? c : -c;
}

static uint64_t g_seed; /* the seed being run, for the failure messages */

/* floor(score x 10^8) clamped to int64, checked by its defining inequality. */
static void check_score_e8(const struct model *m, int64_t s, uint64_t id)
{
	const struct big n8 = big_mul(m->num, big_u128(100000000));

	if (m->sign == 0) {
		if (s != 0)
			fail_msg("seed %llu account %llu: score 0 shown as %lld",
				 (unsigned long long)g_seed, (unsigned long long)id, (long long)s);
		return;
	}
	if (m->sign > 0) {
		/* s x den <= num x 10^8 < (s + 1) x den, or s = INT64_MAX and beyond */
		struct big lo = big_mul(big_u128((u128)s), m->den);
		struct big hi = big_mul(big_u128((u128)s + 1), m->den);
		if (big_cmp(&lo, &n8) > 0 || (s != INT64_MAX && big_cmp(&n8, &hi) >= 0))
			fail_msg("seed %llu account %llu: score_e8 %lld is not the floor",
				 (unsigned long long)g_seed, (unsigned long long)id, (long long)s);
		return;
	}
	/* score = -num / den: (t - 1) x den < num x 10^8 <= t x den with t = -s */
	const u128 t = (u128)(-(s + 1)) + 1;
	struct big lo = big_mul(big_u128(t - 1), m->den), hi = big_mul(big_u128(t), m->den);
	if (big_cmp(&lo, &n8) >= 0 || (s != INT64_MIN && big_cmp(&n8, &hi) > 0))
		fail_msg("seed %llu account %llu: score_e8 %lld is not the floor",
			 (unsigned long long)g_seed, (unsigned long long)id, (long long)s);
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static const char *pick(uint64_t *s, const char *const *v, size_t n)
{
	return v[rnd(s) % n];
}
#define PICK(s, v) pick((s), (v), LQ_ARRAY_SIZE(v))

struct grid {
	const char *const *prices;
	size_t n_prices;
	const char *const *qtys;
	size_t n_qtys;
	const char *const *deposits;
	size_t n_deposits;
};

/* One instrument family per seed: few distinct values, so that exact ties are frequent. */
static const char *const lin_px[] = {"90", "95", "99.99", "100", "100.01", "105", "110", "3"};
static const char *const lin_qty[] = {"0.001", "0.002", "0.003", "1", "2.5", "3", "30", "0.007"};
static const char *const lin_dep[] = {"0",	"1",	     "10",	 "100",		"1000",
				      "100000", "59.000001", "0.000001", "300000000000"};
static const char *const inv_px[] = {"20000", "24000", "30000", "30000.5", "40000", "25000"};
static const char *const inv_qty[] = {"1", "3", "30", "60", "300", "7"};
static const char *const inv_dep[] = {"0", "0.001", "0.01",	  "0.1",
				      "1", "10",    "2.40000005", "0.00000001"};
static const char *const big_px[] = {"1", "100", "99999.99", "0.01", "50000"};
static const char *const big_qty[] = {"0.001", "1000", "123.456", "1", "999999.999"};
static const char *const big_dep[] = {"0", "9", "0.000000000000000001", "1", "4.5"};

/*
 * The lazy ranking a cascade takes its counterparties from (lq_adl_heap, lq_adl_heap_at)
 * hands out the sorted ranking's entries in its order, with its tie groups, whether the
 * entries are asked for one by one, again, or skipping ahead (issue 19).
 */
static void check_lazy(const struct dom *d, uint32_t ins, int side,
		       const struct lq_adl_entry *sorted, uint32_t n)
{
	static struct lq_adl_entry h[RANK_MAX];
	static struct lq_adl_node heap[RANK_MAX];
	uint64_t s = g_seed * 31 + (side > 0);
	uint32_t taken = 0;

	assert_int_equal(lq_adl_heap(&d->e, ins, side, h, heap, RANK_MAX), n);
	/* an entry asked for again (0), the next (1), or one skipped (2) */
	for (uint32_t k = 0, again = 0; k < n; k += again ? 0 : 1 + (uint32_t)(rnd(&s) % 2)) {
		const struct lq_adl_entry *en = lq_adl_heap_at(h, heap, n, &taken, k, true);
		again = !again && rnd(&s) % 3 == 0;
		assert_true(taken == k + 1);
		assert_int_equal(en->account, sorted[k].account);
		assert_int_equal(en->position, sorted[k].position);
		assert_int_equal(en->tie_first, sorted[k].tie_first);
		assert_int_equal(lq_adl_score_e8(en), lq_adl_score_e8(&sorted[k]));
		assert_int_equal(en->qty_abs, sorted[k].qty_abs);
		assert_int_equal(lq_adl_profitable(en), lq_adl_profitable(&sorted[k]));
	}
}

/*
 * What a cascade takes (display off: no tie groups or displayed scores) is the same order, and
 * the ranking in nodes `show adl` lists (lq_adl_rank_nodes, lq_adl_rank_entry: no entry table,
 * each entry scored again as it is listed) is the sorted ranking entry for entry, with its tie
 * groups and displayed scores, and prints the same lines (issue 19).
 */
static void check_nodes(const struct dom *d, uint32_t ins, int side,
			const struct lq_adl_entry *sorted, uint32_t n)
{
	static struct lq_adl_entry h[RANK_MAX];
	static struct lq_adl_node nodes[RANK_MAX];
	struct lq_adl_entry en = {0};
	uint32_t taken = 0;

	assert_int_equal(lq_adl_heap(&d->e, ins, side, h, nodes, RANK_MAX), n);
	for (uint32_t k = 0; k < n; k++) {
		const struct lq_adl_entry *c = lq_adl_heap_at(h, nodes, n, &taken, k, false);
		assert_int_equal(c->account, sorted[k].account);
		assert_int_equal(c->position, sorted[k].position);
	}
	memset(nodes, 0xA5, sizeof(nodes));
	assert_int_equal(lq_adl_rank_nodes(&d->e, ins, side, nodes, RANK_MAX), n);
	for (uint32_t i = 0; i < n; i++) {
		assert_int_equal(nodes[i].position, sorted[i].position);
		lq_adl_rank_entry(&d->e, nodes, n, i, &en);
		assert_int_equal(en.account, sorted[i].account);
		assert_int_equal(en.position, sorted[i].position);
		assert_int_equal(en.tie_first, sorted[i].tie_first);
		assert_int_equal(lq_adl_score_e8(&en), lq_adl_score_e8(&sorted[i]));
		assert_int_equal(en.qty_abs, sorted[i].qty_abs);
		assert_int_equal(lq_adl_profitable(&en), lq_adl_profitable(&sorted[i]));
		assert_true(lq_adl_score_equal(&en, &sorted[i]));
	}
	/* the listing's lines are the table's */
	static struct text ta, tb;
	static struct lq_out oa, ob;
	ta.len = tb.len = 0;
	lq_out_init(&oa, text_write, &ta);
	lq_out_init(&ob, text_write, &tb);
	lq_json_adl_rank(&oa, &d->e, ins, side, sorted, n);
	lq_json_adl_rank_nodes(&ob, &d->e, ins, side, nodes, n);
	lq_out_flush(&oa);
	lq_out_flush(&ob);
	assert_int_equal(ta.len, tb.len);
	assert_memory_equal(ta.buf, tb.buf, ta.len);
}

static void check_side(const struct dom *d, uint32_t ins, int side, uint64_t accounts)
{
	static struct lq_adl_entry r[RANK_MAX];
	static struct model m[RANK_MAX];
	uint64_t acc[RANK_MAX];
	uint32_t q[RANK_MAX];
	const uint32_t n = rank(d, ins, side, r);
	uint32_t expected = 0, first = 0;

	/* a permutation of the side's positions */
	for (uint64_t id = 1; id <= accounts; id++) {
		const uint32_t p = dom_pos(d, id, ins);
		if (p == LQ_NIL || d->e.positions[p].qty == 0 ||
		    (d->e.positions[p].qty > 0) != (side > 0))
			continue;
		expected++;
		uint32_t seen = 0;
		for (uint32_t i = 0; i < n; i++)
			seen += r[i].position == p && r[i].account == id;
		assert_int_equal(seen, 1);
	}
	assert_int_equal(n, expected);
	check_lazy(d, ins, side, r, n);
	check_nodes(d, ins, side, r, n);
	printed_quintiles(d, ins, side, r, n, acc, q);
	for (uint32_t i = 0; i < n; i++) {
		m[i] = model_score(&d->e, r[i].position);
		assert_int_equal(lq_adl_profitable(&r[i]), m[i].profitable);
		assert_int_equal(lq_adl_score_sign(&r[i]), m[i].sign);
		check_score_e8(&m[i], lq_adl_score_e8(&r[i]), r[i].account);
		if (i > 0) {
			/* strictly first in line: class, exact score, size, id */
			const int c = model_cmp(&m[i - 1], &m[i]);
			const bool tie = m[i - 1].profitable == m[i].profitable && c == 0;
			const bool ok = m[i - 1].profitable != m[i].profitable ? m[i - 1].profitable
					: c != 0			       ? c > 0
					: r[i - 1].qty_abs != r[i].qty_abs
					    ? r[i - 1].qty_abs > r[i].qty_abs
					    : r[i - 1].account < r[i].account;
			if (!ok)
				fail_msg("seed %llu: accounts %llu then %llu are out of order",
					 (unsigned long long)g_seed,
					 (unsigned long long)r[i - 1].account,
					 (unsigned long long)r[i].account);
			if (!tie)
				first = i;
		}
		assert_int_equal(acc[i], r[i].account);
		assert_int_equal(q[i], 1 + (uint64_t)first * 5 / n);
	}
}

/*
 * Near-ties for the lazy ranking's keys (issue 19): the shorts' equities differ by 10^-18 of
 * 0.45 ETH, so their scores differ by about 2 x 10^-18 relatively, far below what the heap's
 * 64-bit keys resolve (2^-51): the keys tie or sit one apart, and only the exact comparison
 * behind them can order these entries, by score, then size, then id. check_side holds the
 * heap's order to the sorted ranking and both to the independent model.
 */
static void test_near_ties_fall_back_to_exact(void **state)
{
	static const char *const deps[] = {"0.45", "0.450000000000000001", "0.450000000000000002",
					   "0.449999999999999999", "0.45"};
	static const char *const qtys[] = {"0.01", "0.011", "0.01"};
	struct dom *d = dom_new();
	const uint64_t accounts = 40;

	(void)state;
	g_seed = 0;
	dom_trigger(d, LQ_TRIGGER_OFF);
	const uint32_t asset = dom_asset(d, "ETH", 18);
	const uint32_t ins = dom_linear(d, "Z", asset, "0.01", "0.001");
	dom_tier(d, ins, "max", "0.005", "0.01");
	for (uint64_t id = 1; id <= accounts; id++) {
		assert_int_equal(dom_deposit_s(d, id, asset, deps[id % 5]), LQ_OK);
		const int64_t q = dom_qty(d, ins, qtys[id % 3]);
		/* shorts in profit at the mark below, and longs in loss */
		assert_int_equal(
		    dom_fill(d, id, ins, id % 4 == 0 ? q : -q, dom_px(d, ins, "100"), 0), LQ_OK);
	}
	assert_int_equal(dom_mark(d, ins, dom_px(d, ins, "90")), LQ_OK);
	check_side(d, ins, -1, accounts);
	check_side(d, ins, 1, accounts);
	dom_free(d);
}

static void run_seed(uint64_t seed)
{
	struct dom *d = dom_new();
	uint64_t s = seed * 0x9E3779B97F4A7C15ULL + 1;
	const uint32_t family = (uint32_t)(seed % 3);
	uint32_t asset, ins, other;
	struct grid g;

	g_seed = seed;
	dom_trigger(d, LQ_TRIGGER_OFF);
	if (family == 0) {
		asset = dom_asset(d, "USDT", 6);
		ins = dom_linear(d, "X", asset, "0.01", "0.001");
		g = (struct grid){lin_px, 8, lin_qty, 8, lin_dep, 9};
	} else if (family == 1) {
		asset = dom_asset(d, "BTC", 8);
		ins = dom_inverse(d, "BTCUSD", asset, "0.5", "1", "100");
		g = (struct grid){inv_px, 6, inv_qty, 6, inv_dep, 8};
	} else {
		/* 18 decimals: fine values up to about 2^116 */
		asset = dom_asset(d, "ETH", 18);
		ins = dom_linear(d, "Z", asset, "0.01", "0.001");
		g = (struct grid){big_px, 5, big_qty, 5, big_dep, 5};
	}
	other = dom_linear(d, "O", asset, "0.01", "0.001");
	dom_tier(d, ins, "max", "0.005", "0.01");
	dom_tier(d, other, "max", "0.005", "0.01");
	const uint64_t accounts = 8 + rnd(&s) % 40;
	for (uint64_t id = 1; id <= accounts; id++) {
		const char *dep = pick(&s, g.deposits, g.n_deposits);
		if (dom_deposit_s(d, id, asset, dep) != LQ_OK)
			continue;
		if (rnd(&s) % 4 == 0)
			(void)dom_isolate(d, id, ins, dom_balance(d, id, asset) / 2);
		int64_t qty = dom_qty(d, ins, pick(&s, g.qtys, g.n_qtys));
		if (rnd(&s) % 2)
			qty = -qty;
		(void)dom_fill(d, id, ins, qty, dom_px(d, ins, pick(&s, g.prices, g.n_prices)), 0);
		if (rnd(&s) % 4 == 0)
			(void)dom_fill(d, id, other, rnd(&s) % 2 ? 1000 : -1000,
				       dom_px(d, other, "100"), 0);
	}
	(void)dom_mark(d, ins, dom_px(d, ins, pick(&s, g.prices, g.n_prices)));
	(void)dom_mark(d, other, dom_px(d, other, rnd(&s) % 2 ? "50" : "150"));
	/* some seeds with funding due (unsettled): a part of every equity */
	if (seed % 4 == 3)
		(void)dom_funding(d, ins, rnd(&s) % 2 ? dom_rate("0.0003") : dom_rate("-0.0001"));
	check_side(d, ins, 1, accounts);
	check_side(d, ins, -1, accounts);
	dom_free(d);
}

static void test_seeded_against_model(void **state)
{
	const char *one = getenv("LQ_ADL_SEED"), *many = getenv("LQ_ADL_SEEDS");
	uint64_t from = 1, count = many ? strtoull(many, NULL, 10) : 300;

	(void)state;
	if (one) {
		from = strtoull(one, NULL, 10);
		count = 1;
	}
	for (uint64_t seed = from; seed < from + count; seed++)
		run_seed(seed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_linear_exact_order, setup_lin, teardown_lin),
	    cmocka_unit_test_setup_teardown(test_linear_displayed_scores, setup_lin, teardown_lin),
	    cmocka_unit_test_setup_teardown(test_linear_tied_quintiles, setup_lin, teardown_lin),
	    cmocka_unit_test(test_all_tied_quintile_one),
	    cmocka_unit_test(test_inverse_exact_order),
	    cmocka_unit_test(test_near_ties_fall_back_to_exact),
	    cmocka_unit_test(test_seeded_against_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
