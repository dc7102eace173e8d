/* SPDX-License-Identifier: MIT */
/*
 * The indexed trigger against the full scan: the same seeded random population and market
 * (random walks and jumps of the marks, books, funding, deposits, new trades) runs through two
 * engines, one per trigger mode. After every input event both must have emitted the same
 * events, byte for byte, and the invariants must hold: the ledger sums to zero, the accounts'
 * balances match the ledger, no fund is below zero, no account is left liquidatable.
 *
 *   test_trigger_equiv [ACCOUNTS EVENTS SEED...]   (defaults: a CI-sized set)
 *   LQ_DUMP_STEP=N prints the events of input event N (to investigate a failing seed).
 */
#include "gen.h"
#include "invariants.h"
#include "lq/assert.h"
#include "lq/engine.h"
#include "lq/json.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct capture {
	struct lq_engine *e;
	int64_t last_liq_qty[LQ_INSTRUMENTS_MAX]; /* trade side of the last liquidation */
	uint64_t violations;
	struct lq_out out;
	char *buf;
	size_t len, cap;
	uint64_t events;
	uint64_t by_type[8];
};

static void cap_write(void *ctx, const char *d, size_t n)
{
	struct capture *c = ctx;
	if (c->len + n > c->cap) {
		c->cap = (c->len + n) * 2;
		c->buf = realloc(c->buf, c->cap);
		LQ_ASSERT(c->buf);
	}
	memcpy(c->buf + c->len, d, n);
	c->len += n;
}

/* The position of an account in an instrument (0 if none). */
static int64_t position_qty(const struct lq_engine *e, uint64_t id, uint32_t instrument)
{
	uint32_t a = lq_engine_find_account(e, id);
	if (a == LQ_NIL)
		return 0;
	for (uint32_t p = e->accounts[a].pos_head; p != LQ_NIL; p = e->positions[p].next)
		if (e->positions[p].instrument == instrument)
			return e->positions[p].qty;
	return 0;
}

static void cap_sink(void *ctx, const struct lq_event *ev)
{
	struct capture *c = ctx;
	if (ev->type == LQ_EV_LIQUIDATION)
		c->last_liq_qty[ev->instrument] = ev->qty;
	if (ev->type == LQ_EV_ADL) {
		/* the counterparty trades against the liquidated side ... */
		if ((ev->qty > 0) == (c->last_liq_qty[ev->instrument] > 0)) {
			printf("ADL on the liquidated account's own side\n");
			c->violations++;
		}
		/* ... and never beyond its size: its position has not flipped */
		int64_t q = position_qty(c->e, ev->account, ev->instrument);
		if (ev->qty > 0 ? q > 0 : q < 0) {
			printf("ADL beyond the counterparty's size\n");
			c->violations++;
		}
	}
	c->events++;
	c->by_type[ev->type & 7]++;
	lq_json_event(&c->out, c->e, ev);
}

struct side {
	struct lq_engine e;
	void *mem;
	struct capture cap;
};

static void side_init(struct side *s, const struct lq_engine_limits *lim, enum lq_trigger_mode m)
{
	size_t sz = lq_engine_memsize(lim);
	memset(s, 0, sizeof(*s));
	s->mem = calloc(1, sz);
	LQ_ASSERT(s->mem);
	s->cap.e = &s->e;
	lq_out_init(&s->cap.out, cap_write, &s->cap);
	LQ_ASSERT(lq_engine_init(&s->e, s->mem, sz, lim, cap_sink, &s->cap) == 0);
	lq_engine_set_trigger_mode(&s->e, m);
}

static int check_invariants(struct lq_engine *e, uint64_t seed, uint64_t step)
{
	char why[256];

	if (inv_check(e, INV_ALL, why, sizeof(why)) == 0)
		return 0;
	printf("seed %" PRIu64 " step %" PRIu64 ": %s\n", seed, step, why);
	return 1;
}

static int run(uint32_t accounts, uint32_t events, uint64_t seed, bool partial)
{
	struct lq_engine_limits lim = {.accounts_max = accounts + 16,
				       .positions_max = accounts * 3 + 16};
	static struct side a, b;
	struct gen ga = {.s = seed * 2654435761u + 1}, gb = ga;
	struct lq_book book;
	struct lq_cmd c;
	int rc = 0;

	/* the population opens with the trigger off; the first event then checks everyone */
	side_init(&a, &lim, LQ_TRIGGER_OFF);
	side_init(&b, &lim, LQ_TRIGGER_OFF);
	gen_define(&a.e, partial);
	gen_define(&b.e, partial);
	gen_population(&a.e, &ga, accounts);
	gen_population(&b.e, &gb, accounts);
	lq_engine_set_trigger_mode(&a.e, LQ_TRIGGER_INDEX);
	lq_engine_set_trigger_mode(&b.e, LQ_TRIGGER_SCAN);
	for (uint32_t i = 0; i < events && rc == 0; i++) {
		gen_event(&a.e, &ga, &c, &book);
		enum lq_status sa = lq_engine_apply(&a.e, &c);
		gen_event(&b.e, &gb, &c, &book);
		enum lq_status sb = lq_engine_apply(&b.e, &c);
		lq_out_flush(&a.cap.out);
		lq_out_flush(&b.cap.out);
		if (sa != sb || a.cap.len != b.cap.len || memcmp(a.cap.buf, b.cap.buf, a.cap.len)) {
			printf("seed %" PRIu64 " event %u: index and scan differ\n", seed, i);
			printf("--- index:\n%.*s--- scan:\n%.*s", (int)a.cap.len, a.cap.buf,
			       (int)b.cap.len, b.cap.buf);
			rc = 1;
			break;
		}
		if (getenv("LQ_DUMP_STEP") && (uint32_t)atoi(getenv("LQ_DUMP_STEP")) == i)
			printf("%.*s", (int)a.cap.len, a.cap.buf);
		a.cap.len = 0;
		b.cap.len = 0;
		rc = check_invariants(&a.e, seed, i);
		if (a.cap.violations) {
			printf("seed %" PRIu64 " event %u: ADL property violated\n", seed, i);
			rc = 1;
		}
	}
	printf("seed %" PRIu64 ": %u accounts, %u events, partial %s: %" PRIu64
	       " output events (%" PRIu64 " liquidations, %" PRIu64 " takeovers, %" PRIu64
	       " adl, %" PRIu64 " socialized, %" PRIu64 " bad debt); rechecks index %" PRIu64
	       " vs scan %" PRIu64 "\n",
	       seed, accounts, events, partial ? "on" : "off", a.cap.events,
	       a.cap.by_type[LQ_EV_LIQUIDATION], a.cap.by_type[LQ_EV_TAKEOVER],
	       a.cap.by_type[LQ_EV_ADL], a.cap.by_type[LQ_EV_SOCIALIZED_LOSS],
	       a.cap.by_type[LQ_EV_BAD_DEBT], a.e.stats.rechecks, b.e.stats.rechecks);
	if (rc == 0 && a.cap.by_type[LQ_EV_LIQUIDATION] == 0) {
		printf("seed %" PRIu64 ": no liquidation happened: the test would prove nothing\n",
		       seed);
		rc = 1;
	}
	free(a.mem);
	free(b.mem);
	free(a.cap.buf);
	free(b.cap.buf);
	return rc;
}

int main(int argc, char **argv)
{
	int rc = 0;

	if (argc >= 4) {
		uint32_t accounts = (uint32_t)strtoul(argv[1], NULL, 10);
		uint32_t events = (uint32_t)strtoul(argv[2], NULL, 10);
		for (int i = 3; i < argc && rc == 0; i++)
			rc = run(accounts, events, strtoull(argv[i], NULL, 10), (i & 1) != 0);
		return rc;
	}
	/* the size: 10^4 accounts; then more seeds on smaller populations */
	rc |= run(10000, 200, 1, false);
	rc |= run(10000, 200, 2, true);
	for (uint64_t seed = 3; seed <= 12 && rc == 0; seed++)
		rc |= run(400, 1500, seed, seed % 2 == 0);
	if (rc == 0)
		printf("index and scan agree on every seed\n");
	return rc;
}
