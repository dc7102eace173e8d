/* SPDX-License-Identifier: MIT */
/*
 * Deterministic simulation with fault injection: a seeded population and market (tests/liq
 * gen.c) with faults mixed in, straight into the engine, every invariant checked after every
 * input event.
 *
 * Faults: price cliffs (30..90% in one event), bursts of moves, a stale index (time passing
 * without index updates on an index-marked instrument, then recovering), crossed books, marks
 * far outside the band, withdrawals and deposits racing liquidations (around cliffs), extreme
 * accounts (zero balance, maximum leverage, sizes and prices near overflow), duplicated and
 * reordered events, time going backwards.
 *
 * Invariants (tests/liq/invariants.c, and here): the ledger sums to zero per asset, balances
 * match the ledger, funds never negative, no account left liquidatable unless its instrument
 * is stale, and no position is opened or extended except by a
 * fill of its own account (the engine itself only reduces: liquidation, ADL; what a fund
 * takes over is the fund's). The laws of DESIGN 1.7.3 (lq_audit_laws): no account without a
 * position in an asset holds money below zero there (a write-off is a bad_debt event), and the
 * event-ledger reconstruction (lq/audit.h): from the population's opening books, the inputs
 * and the output events alone every account's money, position and every fund equal the
 * engine's after every input.
 *
 *   test_sim_faults [SEEDS [FIRST]]      default: 3000 seeds from 1
 * A failure prints the seed and the command that reproduces it.
 */
#include "gen.h"
#include "invariants.h"
#include "lq/assert.h"
#include "lq/audit.h"
#include "lq/engine.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ACCOUNTS    40
#define EXTRA	    8 /* extreme accounts, ids ACCOUNTS+1 .. */
#define EVENTS	    250
#define STALE_NS    (60LL * 1000000000)
#define INSTRUMENTS 3
#define SLOTS	    (ACCOUNTS + EXTRA + 8)

struct sim {
	struct lq_engine e;
	void *mem;
	struct lq_audit au; /* the event-ledger reconstruction, from the population on */
	void *amem;
	bool audit_on;
	struct gen g;
	uint64_t seed;
	int64_t now_ns;
	int64_t qty[SLOTS][INSTRUMENTS];
	struct lq_cmd prev;
	bool have_prev;
	struct lq_book book, prev_book;
	uint64_t step;
	uint64_t by_type[16];
	uint64_t rejected;
	uint64_t faults[16];
	const char *argv0;
	int failed;
};

enum fault {
	F_CLIFF,
	F_BURST,
	F_STALE,
	F_CROSSED,
	F_OUTSIDE_BAND,
	F_RACE,
	F_EXTREME,
	F_DUPLICATE,
	F_REORDER,
	F_TIME_BACK,
	F_COUNT,
};

static const char *const fault_names[F_COUNT] = {
    "cliff",	     "burst",		"stale index", "crossed book", "mark outside band",
    "withdraw race", "extreme account", "duplicate",   "reorder",      "time backwards",
};

static void sink(void *ctx, const struct lq_event *ev)
{
	struct sim *s = ctx;
	s->by_type[ev->type & 15]++;
	if (s->audit_on)
		lq_audit_event(&s->au, ev);
	if (getenv("LQ_SIM_TRACE"))
		printf("  event %d account %" PRIu64 " instrument %u qty %" PRId64 " price %" PRId64
		       " filled %" PRId64 " amount %" PRId64 " fund_delta %" PRId64 "\n",
		       ev->type, ev->account, ev->instrument, ev->qty, ev->price, ev->filled_qty,
		       ev->amount_units, ev->fund_delta_units);
}

static void snap_positions(struct sim *s)
{
	const struct lq_engine *e = &s->e;
	memset(s->qty, 0, sizeof(s->qty));
	for (uint32_t a = 0; a < e->account_count && a < SLOTS; a++)
		for (uint32_t p = e->accounts[a].pos_head; p != LQ_NIL; p = e->positions[p].next)
			s->qty[a][e->positions[p].instrument] = e->positions[p].qty;
}

static void fail(struct sim *s, const char *why)
{
	static uint64_t named; /* failing seeds printed: the first 20 */

	if (named++ < 20)
		printf("FAIL seed %" PRIu64 " event %" PRIu64 ": %s\n  reproduce: %s 1 %" PRIu64
		       "\n",
		       s->seed, s->step, why, s->argv0, s->seed);
	s->failed = 1;
}

/* A position may grow or flip only by its own account's fill. */
static void check_positions(struct sim *s, const struct lq_cmd *c)
{
	const struct lq_engine *e = &s->e;
	char why[200];

	for (uint32_t a = 0; a < e->account_count && a < SLOTS; a++) {
		int64_t now[INSTRUMENTS] = {0};
		for (uint32_t p = e->accounts[a].pos_head; p != LQ_NIL; p = e->positions[p].next)
			now[e->positions[p].instrument] = e->positions[p].qty;
		for (uint32_t i = 0; i < INSTRUMENTS; i++) {
			int64_t q0 = s->qty[a][i], q1 = now[i];
			bool grew = q1 != 0 && (q0 == 0 || (q0 > 0) != (q1 > 0) ||
						(q1 > 0 ? q1 > q0 : q1 < q0));
			bool own_fill = c->type == LQ_CMD_FILL && c->instrument == i &&
					lq_engine_find_account(e, c->account) == a;
			if (grew && !own_fill) {
				snprintf(why, sizeof(why),
					 "account %" PRIu64 " position in %s went from %" PRId64
					 " to %" PRId64 " without a fill of its own",
					 e->accounts[a].id, e->instruments[i].name, q0, q1);
				fail(s, why);
				return;
			}
		}
	}
}

/* The laws of DESIGN 1.7.3 and the reconstruction from inputs and events: 0, or 1 and why. */
static int check_money(struct sim *s, char *why, size_t n)
{
	struct lq_audit_mismatch m;
	char text[320];

	/* inv_check covers the ledger, the funds and what is left liquidatable */
	if (!lq_audit_laws(&s->e, LQ_AUDIT_LAW_FLAT, &m)) {
		lq_audit_describe(&m, &s->e, text, sizeof(text));
		snprintf(why, n, "%.200s", text);
		return 1;
	}
	if (s->audit_on && !lq_audit_compare(&s->au, &s->e, &m)) {
		lq_audit_describe(&m, &s->e, text, sizeof(text));
		snprintf(why, n, "event-ledger reconstruction: %.200s", text);
		return 1;
	}
	return 0;
}

static void apply(struct sim *s, const struct lq_cmd *c)
{
	char why[256];

	if (s->failed)
		return;
	snap_positions(s);
	/* the auditor is told the input between its apply part and its trigger (lq/audit.h) */
	lq_engine_begin_event(&s->e);
	enum lq_status st = lq_engine_apply_part(&s->e, c);
	if (s->audit_on)
		lq_audit_input(&s->au, c, st);
	lq_engine_end_event(&s->e);
	if (st != LQ_OK)
		s->rejected++;
	if (getenv("LQ_SIM_TRACE"))
		printf("%" PRIu64 ": cmd %d account %" PRIu64 " instrument %u qty %" PRId64
		       " price %" PRId64 " amount %" PRId64 " -> %s\n",
		       s->step, c->type, c->account, c->instrument, c->qty, c->price, c->amount,
		       lq_engine_status_str(st));
	s->step++;
	if (inv_check(&s->e, 0, why, sizeof(why)))
		fail(s, why);
	else if (check_money(s, why, sizeof(why)))
		fail(s, why);
	else
		check_positions(s, c);
	if (c->type != LQ_CMD_BOOK) {
		s->prev = *c;
		s->have_prev = true;
	}
}

static void tick_time(struct sim *s, int64_t ns)
{
	s->now_ns += ns;
	struct lq_cmd t = {.type = LQ_CMD_TIME, .time_ns = s->now_ns};
	apply(s, &t);
}

/* Instrument 0 is marked by its index: a mark move becomes an index update. */
static void market(struct sim *s, struct lq_cmd *c)
{
	if (c->type == LQ_CMD_MARK && c->instrument == 0) {
		tick_time(s, 1000000000);
		c->type = LQ_CMD_INDEX;
	}
	apply(s, c);
	/* instrument 1's band needs an index: it follows the mark, lagging a little */
	if (c->type == LQ_CMD_MARK && c->instrument == 1) {
		struct lq_cmd ix = {.type = LQ_CMD_INDEX, .instrument = 1, .price = c->price};
		apply(s, &ix);
	}
}

static void normal(struct sim *s)
{
	struct lq_cmd c;
	gen_event(&s->e, &s->g, &c, &s->book);
	market(s, &c);
}

static void cliff(struct sim *s)
{
	uint32_t ins = (uint32_t)gen_range(&s->g, 0, 2);
	int64_t pct = gen_range(&s->g, 30, 90);
	int64_t m = s->g.mark[ins];
	m = gen_range(&s->g, 0, 1) ? m + m * pct / 100 : m - m * pct / 100;
	if (m < 1)
		m = 1;
	s->g.mark[ins] = m;
	struct lq_cmd c = {.type = LQ_CMD_MARK, .instrument = ins, .price = m};
	market(s, &c);
}

static void race(struct sim *s)
{
	/* withdrawals and deposits straddling a cliff: most withdrawals are refused */
	for (int k = 0; k < 3; k++) {
		struct lq_cmd w = {.type =
				       gen_range(&s->g, 0, 2) ? LQ_CMD_WITHDRAW : LQ_CMD_DEPOSIT,
				   .account = (uint64_t)gen_range(&s->g, 1, ACCOUNTS),
				   .asset = (uint32_t)gen_range(&s->g, 0, 1)};
		w.amount = gen_range(&s->g, 1, 5000) * (w.asset ? 10000 : 1000000);
		apply(s, &w);
		if (k == 1)
			cliff(s);
	}
}

static void extreme(struct sim *s)
{
	uint64_t id = ACCOUNTS + 1 + (uint64_t)gen_range(&s->g, 0, EXTRA - 1);
	uint32_t ins = (uint32_t)gen_range(&s->g, 0, 2);
	int64_t r = gen_range(&s->g, 0, 4);
	struct lq_cmd c = {
	    .type = LQ_CMD_FILL, .account = id, .instrument = ins, .price = s->g.mark[ins]};

	if (r == 0) {
		/* zero balance, a position anyway (the venue's fill): liquidated at once */
		c.qty = gen_range(&s->g, 1, 500) * (gen_range(&s->g, 0, 1) ? 1 : -1);
	} else if (r == 1) {
		/* maximum leverage: a tiny deposit behind a large position */
		struct lq_cmd d = {.type = LQ_CMD_DEPOSIT, .account = id, .asset = ins == 2};
		d.amount = ins == 2 ? 100000 : 50 * 1000000;
		apply(s, &d);
		c.qty = gen_range(&s->g, 100, 5000) * (gen_range(&s->g, 0, 1) ? 1 : -1);
	} else if (r == 2) {
		/* sizes near overflow: refused as overflow, never undefined behaviour */
		c.qty = INT64_MAX / gen_range(&s->g, 1, 1000);
		if (gen_range(&s->g, 0, 1))
			c.qty = -c.qty;
	} else if (r == 3) {
		/*
		 * Prices near overflow, with sizes whose value overflows: refused (outside the
		 * fill band or the safe money range), never a flat account left below zero: the
		 * laws are checked after every input.
		 */
		c.instrument = (uint32_t)gen_range(&s->g, 0, 1);
		c.qty = gen_range(&s->g, 1000, 100000);
		c.price = INT64_MAX / gen_range(&s->g, 1, 100);
	} else {
		/*
		 * A huge deposit, one that would overflow the balance (refused), then a withdrawal
		 * of more than everything. (The balance stays below INT64_MAX / 2: an account whose
		 * equity cannot be represented is reported liquidatable but cannot be liquidated.)
		 */
		struct lq_cmd d = {
		    .type = LQ_CMD_DEPOSIT, .account = id, .asset = 0, .amount = INT64_MAX / 8};
		apply(s, &d);
		d.amount = INT64_MAX - INT64_MAX / 16;
		apply(s, &d);
		c.type = LQ_CMD_WITHDRAW;
		c.asset = 0;
		c.amount = INT64_MAX;
	}
	apply(s, &c);
}

static void crossed(struct sim *s)
{
	uint32_t ins = (uint32_t)gen_range(&s->g, 0, 2);
	int64_t m = s->g.mark[ins];
	memset(&s->book, 0, sizeof(s->book));
	s->book.bid_count = 2;
	s->book.ask_count = 2;
	s->book.bids[0] = (struct lq_book_level){m + 50, gen_range(&s->g, 1, 3000)};
	s->book.bids[1] = (struct lq_book_level){m + 10, gen_range(&s->g, 1, 3000)};
	s->book.asks[0] = (struct lq_book_level){m - 40, gen_range(&s->g, 1, 3000)};
	s->book.asks[1] = (struct lq_book_level){m - 5, gen_range(&s->g, 1, 3000)};
	struct lq_cmd c = {.type = LQ_CMD_BOOK, .instrument = ins, .book = &s->book};
	apply(s, &c);
}

static void inject(struct sim *s, enum fault f)
{
	s->faults[f]++;
	switch (f) {
	case F_CLIFF:
		cliff(s);
		return;
	case F_BURST:
		for (int k = 0; k < 30; k++)
			normal(s);
		return;
	case F_STALE: {
		/* time runs past stale_after with no index: instrument 0 stops liquidating */
		tick_time(s, STALE_NS + gen_range(&s->g, 1, 120) * 1000000000LL);
		for (int k = 0; k < 5; k++)
			cliff(s); /* moves on the other instruments; instrument 0's index waits */
		return;
	}
	case F_CROSSED:
		crossed(s);
		return;
	case F_OUTSIDE_BAND: {
		int64_t m = s->g.mark[1];
		struct lq_cmd c = {.type = LQ_CMD_MARK,
				   .instrument = 1,
				   .price = gen_range(&s->g, 0, 1) ? m * 10 : m / 10 + 1};
		apply(s, &c); /* clamped to the band around the index */
		return;
	}
	case F_RACE:
		race(s);
		return;
	case F_EXTREME:
		extreme(s);
		return;
	case F_DUPLICATE:
		if (s->have_prev) {
			struct lq_cmd c = s->prev;
			apply(s, &c);
		}
		return;
	case F_REORDER: {
		struct lq_cmd a, b;
		gen_event(&s->e, &s->g, &a, &s->book);
		s->prev_book = s->book;
		if (a.type == LQ_CMD_BOOK)
			a.book = &s->prev_book;
		gen_event(&s->e, &s->g, &b, &s->book);
		market(s, &b);
		market(s, &a);
		return;
	}
	case F_TIME_BACK: {
		struct lq_cmd t = {.type = LQ_CMD_TIME,
				   .time_ns = s->now_ns - gen_range(&s->g, 1, 100) * 1000000000LL};
		apply(s, &t); /* refused: time never goes backwards */
		return;
	}
	case F_COUNT:
		break;
	}
}

static void define(struct sim *s)
{
	struct lq_instrument_params prm;

	gen_define(&s->e, s->seed % 3 == 0);
	/* instrument 0 marked by its index and suspended when the index goes stale */
	prm = s->e.instruments[0].params;
	prm.mark_method = LQ_MARK_INDEX;
	prm.stale_after_ns = STALE_NS;
	LQ_ASSERT(lq_engine_set_params(&s->e, 0, &prm) == LQ_OK);
	/* instrument 1: external marks clamped to 5% around the index */
	prm = s->e.instruments[1].params;
	prm.band_e8 = 5000000;
	LQ_ASSERT(lq_engine_set_params(&s->e, 1, &prm) == LQ_OK);
}

static int run(uint64_t seed, const char *argv0, uint64_t *totals, uint64_t *faults)
{
	static struct sim s;
	struct lq_engine_limits lim = {.accounts_max = SLOTS, .positions_max = SLOTS * 3};
	const struct lq_audit_limits alim = {.accounts_max = SLOTS, .positions_max = SLOTS * 3};
	size_t sz = lq_engine_memsize(&lim), asz = lq_audit_memsize(&alim);
	void *mem = s.mem, *amem = s.amem;

	memset(&s, 0, sizeof(s));
	s.mem = mem ? mem : malloc(sz);
	s.amem = amem ? amem : malloc(asz);
	LQ_ASSERT(s.mem);
	LQ_ASSERT(s.amem);
	LQ_ASSERT(lq_audit_init(&s.au, s.amem, asz, &alim, &s.e) == 0);
	s.seed = seed;
	s.argv0 = argv0;
	s.g.s = seed * 0x9E3779B97F4A7C15ULL + 7;
	LQ_ASSERT(lq_engine_init(&s.e, s.mem, sz, &lim, sink, &s) == 0);
	lq_engine_set_trigger_mode(&s.e, LQ_TRIGGER_OFF);
	define(&s);
	s.now_ns = 1700000000LL * 1000000000;
	tick_time(&s, 0);
	/* the index-marked instrument needs its index before the population trades */
	struct lq_cmd ix = {.type = LQ_CMD_INDEX, .instrument = 0, .price = 600000};
	apply(&s, &ix);
	gen_population(&s.e, &s.g, ACCOUNTS);
	/* the population's books are the opening balances; from here inputs and events move them */
	LQ_ASSERT(lq_audit_open(&s.au, &s.e));
	s.audit_on = true;
	lq_engine_set_trigger_mode(&s.e, seed % 2 ? LQ_TRIGGER_INDEX : LQ_TRIGGER_SCAN);
	/* each seed favours a few faults, so that they also come in clusters */
	uint32_t mix = (uint32_t)gen_next(&s.g);
	for (uint32_t i = 0; i < EVENTS && !s.failed; i++) {
		int64_t r = gen_range(&s.g, 0, 99);
		if (r < 70) {
			normal(&s);
		} else {
			enum fault f = (enum fault)gen_range(&s.g, 0, F_COUNT - 1);
			if (!(mix & (1u << f)) && gen_range(&s.g, 0, 1))
				f = (enum fault)((f + 1) % F_COUNT);
			inject(&s, f);
		}
	}
	if (!s.failed && inv_flat_negative(&s.e) > 0) {
		/* every input checked the laws; this is the same rule, counted per account */
		totals[14]++;
		fail(&s, "ends with a flat account below zero");
	}
	for (int t = 0; t < 14; t++)
		totals[t] += s.by_type[t];
	totals[0] += s.step;
	totals[15] += s.rejected;
	for (int f = 0; f < F_COUNT; f++)
		faults[f] += s.faults[f];
	return s.failed;
}

int main(int argc, char **argv)
{
	uint64_t seeds = argc > 1 ? strtoull(argv[1], NULL, 10) : 3000;
	uint64_t first = argc > 2 ? strtoull(argv[2], NULL, 10) : 1;
	uint64_t totals[16] = {0}, faults[F_COUNT] = {0};
	int rc = 0;

	uint64_t failed = 0;
	for (uint64_t k = 0; k < seeds; k++) {
		/* every seed runs: each failing one is named (the first with its reason) */
		if (run(first + k, argv[0], totals, faults))
			failed++;
	}
	rc = failed > 0;
	printf("%" PRIu64 " seeds from %" PRIu64 ": %" PRIu64 " input events (%" PRIu64
	       " refused), %" PRIu64 " liquidations, %" PRIu64 " takeovers, %" PRIu64
	       " ADL fills, %" PRIu64 " socialized charges, %" PRIu64 " bad debts, %" PRIu64
	       " stale transitions\nfaults injected:",
	       seeds, first, totals[0], totals[15], totals[LQ_EV_LIQUIDATION],
	       totals[LQ_EV_TAKEOVER], totals[LQ_EV_ADL], totals[LQ_EV_SOCIALIZED_LOSS],
	       totals[LQ_EV_BAD_DEBT], totals[LQ_EV_STALE]);
	for (int f = 0; f < F_COUNT; f++)
		printf(" %s %" PRIu64 "%s", fault_names[f], faults[f],
		       f + 1 < F_COUNT ? "," : "\n");
	/* DESIGN 1.7.3: no flat account below zero without a bad_debt event; a failure */
	printf("seeds failed: %" PRIu64 " (ending with a flat account below zero: %" PRIu64 ")\n",
	       failed, totals[14]);
	if (!rc && (totals[LQ_EV_LIQUIDATION] == 0 || totals[LQ_EV_STALE] == 0 ||
		    totals[LQ_EV_ADL] == 0)) {
		printf("FAIL: no liquidation, ADL or staleness happened: the run proves nothing\n");
		rc = 1;
	}
	if (!rc)
		printf("every invariant held after every event\n");
	return rc;
}
