/* SPDX-License-Identifier: MIT */
/*
 * A seeded semantic fuzzer of the money paths (DESIGN 1.7.3, issue 13): random scenarios
 * straight into the engine, and after EVERY input:
 *   - the event-ledger reconstruction (lq/audit.h) equals the engine: every account's money per
 *     asset, every position's quantity and cost, every fund, the ledger's accounts slot;
 *   - the laws (lq_audit_laws): each asset's ledger sums to zero, no fund below zero, no account
 *     without a position in an asset holding money below zero there (a write-off is a
 *     bad_debt event, which leaves it at zero), nothing left liquidatable on a tradable
 *     instrument;
 *   - the indexed trigger equals the full scan: a twin engine in LQ_TRIGGER_SCAN mode gets the
 *     same inputs and must give the same statuses and the same events, field by field.
 *
 * The scenarios: 2-, 6-, 8- and 18-decimal assets; linear and inverse instruments on random
 * grids; extreme marks (one tick, 1000x moves, crashes); multi-position cross accounts;
 * isolated positions, partial liquidation on and off; no fund, an empty fund or a funded one,
 * fund_cap; several deficits at one mark under both deficit policies; deposits, withdrawals,
 * fills (mostly at plausible prices, some hostile: far from the mark, huge, one-sided),
 * funding, thin and empty books.
 *
 *   test_money_fuzz [SEEDS [FIRST]]     default 10000 seeds from 1; exit 1 on any violation
 *   test_money_fuzz --scn SEED [--calm] print the seed's scenario in the scenario language
 *                                       (liqd audit FILE replays it with the same checks)
 *   test_money_fuzz [-v] [--skip KIND,...] SEEDS [FIRST]
 *                                       -v: every failing seed, not the first of each kind;
 *                                       --skip: leave out checks (audit, ledger, fund, flat,
 *                                       liquidatable, twin) to hunt for other failures;
 *                                       --calm: no hostile fills, every instrument with a
 *                                       fill band, books emptied on extreme moves
 * A failing seed prints what failed after which input and the commands that reproduce it.
 */
#include "lq/assert.h"
#include "lq/audit.h"
#include "lq/engine.h"
#include "lq/num.h"

#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ASSETS_MAX	3
#define INSTRUMENTS_MAX 4
#define ACCOUNTS_MAX	12
#define POSITIONS_MAX	(ACCOUNTS_MAX * INSTRUMENTS_MAX + 8)
#define EVENTS_MAX	4096 /* per input, for the twin comparison */
#define STEPS_MIN	40
#define STEPS_MAX	140

_Static_assert(INSTRUMENTS_MAX <= LQ_INSTRUMENTS_MAX, "instruments fit the engine");
_Static_assert(ASSETS_MAX <= LQ_ASSETS_MAX, "assets fit the engine");

/* What failed, for the summary (and --skip). */
enum kind {
	K_AUDIT, /* the reconstruction differs from the engine */
	K_LEDGER,
	K_FUND,
	K_FLAT,
	K_LIQUIDATABLE,
	K_TWIN, /* the index trigger and the scan differ */
	K_COUNT,
};

static const char *const kind_names[K_COUNT] = {"audit", "ledger",	 "fund",
						"flat",	 "liquidatable", "twin"};

struct fz_asset {
	unsigned decimals;
	int64_t size_units; /* a typical account's money */
};

struct fz_ins {
	int64_t mark;  /* the last mark set (raw) */
	int64_t mark0; /* the first */
	int fund;      /* -1: none */
};

struct totals {
	uint64_t seeds, inputs, refused, liquidations, takeovers, fund_trades, adl, socialized,
	    bad_debts, write_offs;
	uint64_t failed_seeds[K_COUNT];
	uint64_t example[K_COUNT][3];
};

struct fz {
	uint64_t rng;
	uint64_t seed;
	FILE *scn;     /* --scn: the scenario text */
	unsigned skip; /* 1 << kind: checks left out */
	bool calm;     /* --calm: no hostile fills, no fill without a band, books follow marks */
	struct lq_engine e, twin;
	void *emem, *tmem, *amem;
	size_t esize, asize;
	struct lq_audit au;
	uint32_t nassets, nins, naccounts;
	struct fz_asset asset[ASSETS_MAX];
	struct fz_ins ins[INSTRUMENTS_MAX];
	int fund_of_asset[ASSETS_MAX];
	int64_t now_ns;
	struct lq_book book;
	struct lq_event ev[2][EVENTS_MAX];
	uint32_t nev[2];
	bool ev_overflow;
	uint64_t inputs;
	int failed; /* kind + 1, 0 while every check holds */
	char why[600];
	struct totals *t;
};

/* What to say if the engine stops on an assertion (abort) during a seed: set per seed. */
static char abort_note[320];
static size_t abort_note_len;
static int abort_fd = STDOUT_FILENO; /* standard error while the scenario goes out */

static void on_abort(int sig)
{
	(void)sig;
	if (write(abort_fd, abort_note, abort_note_len) < 0)
		_exit(3);
	_exit(3);
}

/* ---- randomness (splitmix64: seeded, deterministic) ---- */

static uint64_t rnd(struct fz *z)
{
	uint64_t x = (z->rng += 0x9E3779B97F4A7C15ULL);
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
	return x ^ (x >> 31);
}

static int64_t range(struct fz *z, int64_t lo, int64_t hi)
{
	LQ_ASSERT(hi >= lo);
	return lo + (int64_t)(rnd(z) % (uint64_t)(hi - lo + 1));
}

static bool chance(struct fz *z, int percent)
{
	return range(z, 0, 99) < percent;
}

/* 10^a .. 10^b, log-uniform */
static int64_t logrange(struct fz *z, int a, int b)
{
	const int d = (int)range(z, a, b - 1);
	const int64_t lo = lq_pow10((unsigned)d);
	return range(z, lo, lo * 10);
}

/* ---- the scenario text (--scn) ---- */

static void say(struct fz *z, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct fz *z, const char *fmt, ...)
{
	va_list ap;

	if (!z->scn)
		return;
	va_start(ap, fmt);
	vfprintf(z->scn, fmt, ap);
	va_end(ap);
	fputc('\n', z->scn);
}

/* A decimal string of a raw value (one of a few rotating buffers). */
static const char *dec(int64_t v, unsigned decimals)
{
	static char buf[8][64];
	static unsigned k;
	char *b = buf[k++ % 8];
	lq_dec_format(b, 64, v, decimals);
	return b;
}

static const struct lq_instrument *ins_of(const struct fz *z, uint32_t i)
{
	return &z->e.instruments[i];
}

/* ---- checks ---- */

static void fail(struct fz *z, enum kind k, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail(struct fz *z, enum kind k, const char *fmt, ...)
{
	va_list ap;

	if (z->failed)
		return;
	z->failed = (int)k + 1;
	va_start(ap, fmt);
	vsnprintf(z->why, sizeof(z->why), fmt, ap);
	va_end(ap);
}

static bool event_equal(const struct lq_event *a, const struct lq_event *b)
{
	return a->type == b->type && a->instrument == b->instrument && a->fund == b->fund &&
	       a->asset == b->asset && a->flag == b->flag && a->line == b->line &&
	       a->account == b->account && a->amount_units == b->amount_units &&
	       a->fund_delta_units == b->fund_delta_units && a->pnl_units == b->pnl_units &&
	       a->qty == b->qty && a->price == b->price && a->filled_qty == b->filled_qty &&
	       a->avg_price == b->avg_price;
}

static void check_twin(struct fz *z, enum lq_status st, enum lq_status st_twin)
{
	if (z->skip & (1u << K_TWIN))
		return;
	if (st != st_twin) {
		fail(z, K_TWIN, "the index trigger's engine says %s, the scan's %s",
		     lq_engine_status_str(st), lq_engine_status_str(st_twin));
		return;
	}
	if (z->ev_overflow)
		return; /* more events than the buffer: compared up to it */
	if (z->nev[0] != z->nev[1]) {
		fail(z, K_TWIN, "the index trigger emitted %u events, the full scan %u", z->nev[0],
		     z->nev[1]);
		return;
	}
	for (uint32_t i = 0; i < z->nev[0]; i++)
		if (!event_equal(&z->ev[0][i], &z->ev[1][i])) {
			fail(z, K_TWIN,
			     "event %u differs between the index trigger (type %d account %" PRIu64
			     ") and the full scan (type %d account %" PRIu64 ")",
			     i, z->ev[0][i].type, z->ev[0][i].account, z->ev[1][i].type,
			     z->ev[1][i].account);
			return;
		}
}

static enum kind law_kind(enum lq_audit_what w)
{
	switch (w) {
	case LQ_AUDIT_LEDGER_SUM:
		return K_LEDGER;
	case LQ_AUDIT_FUND_NEGATIVE:
		return K_FUND;
	case LQ_AUDIT_FLAT_NEGATIVE:
		return K_FLAT;
	default:
		return K_LIQUIDATABLE;
	}
}

/* Every check after an input. */
static void check(struct fz *z)
{
	struct lq_audit_mismatch m;
	char text[400];

	if (!(z->skip & (1u << K_AUDIT)) && !lq_audit_compare(&z->au, &z->e, &m)) {
		lq_audit_describe(&m, &z->e, text, sizeof(text));
		fail(z, K_AUDIT, "reconstruction: %s", text);
	}
	const unsigned laws = (z->skip & (1u << K_LEDGER) ? 0 : LQ_AUDIT_LAW_LEDGER) |
			      (z->skip & (1u << K_FUND) ? 0 : LQ_AUDIT_LAW_FUNDS) |
			      (z->skip & (1u << K_FLAT) ? 0 : LQ_AUDIT_LAW_FLAT) |
			      (z->skip & (1u << K_LIQUIDATABLE) ? 0 : LQ_AUDIT_LAW_LIQUIDATABLE);
	if (!lq_audit_laws(&z->e, laws, &m)) {
		lq_audit_describe(&m, &z->e, text, sizeof(text));
		fail(z, law_kind(m.what), "%s", text);
	}
}

/* ---- sinks ---- */

static void count(struct totals *t, const struct lq_event *ev)
{
	switch (ev->type) {
	case LQ_EV_LIQUIDATION:
		t->liquidations++;
		break;
	case LQ_EV_TAKEOVER:
		t->takeovers++;
		break;
	case LQ_EV_FUND_TRADE:
		t->fund_trades++;
		break;
	case LQ_EV_ADL:
		t->adl++;
		break;
	case LQ_EV_SOCIALIZED_LOSS:
		t->socialized++;
		break;
	case LQ_EV_BAD_DEBT:
		t->bad_debts++;
		t->write_offs += ev->instrument == LQ_NIL;
		break;
	default:
		break;
	}
}

static void record(struct fz *z, int which, const struct lq_event *ev)
{
	if (z->nev[which] < EVENTS_MAX)
		z->ev[which][z->nev[which]++] = *ev;
	else
		z->ev_overflow = true;
}

static void sink_main(void *ctx, const struct lq_event *ev)
{
	struct fz *z = ctx;

	lq_audit_event(&z->au, ev);
	record(z, 0, ev);
	count(z->t, ev);
}

static void sink_twin(void *ctx, const struct lq_event *ev)
{
	record(ctx, 1, ev);
}

/* ---- inputs ---- */

/* One input into both engines, the auditor told in stream order, then every check. */
static enum lq_status apply(struct fz *z, const struct lq_cmd *c)
{
	if (z->failed)
		return LQ_OK;
	z->nev[0] = z->nev[1] = 0;
	z->ev_overflow = false;
	lq_engine_begin_event(&z->e);
	const enum lq_status st = lq_engine_apply_part(&z->e, c);
	lq_audit_input(&z->au, c, st);
	lq_engine_end_event(&z->e);
	lq_engine_begin_event(&z->twin);
	const enum lq_status st_twin = lq_engine_apply_part(&z->twin, c);
	lq_engine_end_event(&z->twin);
	z->inputs++;
	z->t->inputs++;
	z->t->refused += st != LQ_OK;
	check_twin(z, st, st_twin);
	check(z);
	return st;
}

/* A query that settles funding (`show account`): events outside an input. */
static void show_account(struct fz *z, uint64_t id)
{
	say(z, "show account %" PRIu64, id);
	if (z->failed)
		return;
	const uint32_t a = lq_engine_find_account(&z->e, id),
		       b = lq_engine_find_account(&z->twin, id);
	z->nev[0] = z->nev[1] = 0;
	z->ev_overflow = false;
	if (a != LQ_NIL)
		lq_engine_settle_account_funding(&z->e, a);
	if (b != LQ_NIL)
		lq_engine_settle_account_funding(&z->twin, b);
	check_twin(z, LQ_OK, LQ_OK);
	check(z);
}

static uint64_t account_id(struct fz *z, uint32_t k)
{
	/* sparse ids: the auditor's hash and the engine's must find them */
	return 1 + (uint64_t)k * 7 + (z->seed % 3 == 0 ? 1000000007ULL * k : 0);
}

static void deposit(struct fz *z, uint64_t id, uint32_t asset, int64_t amount)
{
	const struct lq_cmd c = {
	    .type = LQ_CMD_DEPOSIT, .account = id, .asset = asset, .amount = amount};
	say(z, "deposit %" PRIu64 " A%u %s", id, asset, dec(amount, z->asset[asset].decimals));
	apply(z, &c);
}

static void withdraw(struct fz *z, uint64_t id, uint32_t asset, int64_t amount)
{
	const struct lq_cmd c = {
	    .type = LQ_CMD_WITHDRAW, .account = id, .asset = asset, .amount = amount};
	say(z, "withdraw %" PRIu64 " A%u %s", id, asset, dec(amount, z->asset[asset].decimals));
	apply(z, &c);
}

static enum lq_status fill(struct fz *z, uint64_t id, uint32_t i, int64_t qty, int64_t price,
			   int64_t fee)
{
	const struct lq_instrument *in = ins_of(z, i);
	const struct lq_cmd c = {.type = LQ_CMD_FILL,
				 .account = id,
				 .instrument = i,
				 .qty = qty,
				 .price = price,
				 .fee = fee};
	LQ_ASSERT(qty != 0 && qty != INT64_MIN);
	say(z, "fill %" PRIu64 " I%u %s %s %s fee=%s", id, i, qty > 0 ? "buy" : "sell",
	    dec(qty > 0 ? qty : -qty, in->qty_decimals), dec(price, in->price_decimals),
	    dec(fee, in->asset_decimals));
	return apply(z, &c);
}

static void isolate(struct fz *z, uint64_t id, uint32_t i, int64_t amount)
{
	const struct lq_cmd c = {
	    .type = LQ_CMD_ISOLATE, .account = id, .instrument = i, .amount = amount};
	say(z, "isolate %" PRIu64 " I%u %s", id, i, dec(amount, ins_of(z, i)->asset_decimals));
	apply(z, &c);
}

static void mark(struct fz *z, uint32_t i, int64_t price)
{
	const struct lq_cmd c = {.type = LQ_CMD_MARK, .instrument = i, .price = price};
	say(z, "mark I%u %s", i, dec(price, ins_of(z, i)->price_decimals));
	if (apply(z, &c) == LQ_OK)
		z->ins[i].mark = price;
}

static void funding(struct fz *z, uint32_t i, int64_t rate_e8)
{
	const struct lq_cmd c = {.type = LQ_CMD_FUNDING, .instrument = i, .rate_e8 = rate_e8};
	say(z, "funding I%u %s", i, dec(rate_e8, 8));
	apply(z, &c);
}

static void advance(struct fz *z, int64_t seconds)
{
	z->now_ns += seconds * LQ_NS_PER_S;
	const struct lq_cmd c = {.type = LQ_CMD_TIME, .time_ns = z->now_ns};
	say(z, "time +%" PRId64 "s", seconds);
	apply(z, &c);
}

static void say_levels(struct fz *z, const char *side, const struct lq_book_level *lv, uint32_t n,
		       const struct lq_instrument *in, char *buf, size_t cap)
{
	size_t k = strlen(buf);

	if (n == 0)
		return;
	k += (size_t)snprintf(buf + k, cap - k, " %s ", side);
	for (uint32_t j = 0; j < n && k < cap; j++)
		k += (size_t)snprintf(buf + k, cap - k, "%s%s:%s", j ? "," : "",
				      dec(lv[j].price, in->price_decimals),
				      dec(lv[j].qty, in->qty_decimals));
	(void)z;
}

static void book(struct fz *z, uint32_t i)
{
	char text[4096];

	snprintf(text, sizeof(text), "book I%u", i);
	say_levels(z, "bid", z->book.bids, z->book.bid_count, ins_of(z, i), text, sizeof(text));
	say_levels(z, "ask", z->book.asks, z->book.ask_count, ins_of(z, i), text, sizeof(text));
	say(z, "%s", text);
	const struct lq_cmd c = {.type = LQ_CMD_BOOK, .instrument = i, .book = &z->book};
	apply(z, &c);
}

/* ---- definitions ---- */

static void define_assets(struct fz *z)
{
	static const unsigned decimals[] = {6, 8, 18, 6, 8, 18, 2};

	z->nassets = (uint32_t)range(z, 1, ASSETS_MAX);
	for (uint32_t a = 0; a < z->nassets; a++) {
		struct fz_asset *as = &z->asset[a];
		char name[16];
		as->decimals = decimals[range(z, 0, 6)];
		/* a typical account: 100 .. 100k whole units; at 18 decimals 0.01 .. 2 */
		if (as->decimals == 18)
			as->size_units = range(z, 1, 200) * lq_pow10(16);
		else
			as->size_units = logrange(z, 2, 5) * lq_pow10(as->decimals);
		snprintf(name, sizeof(name), "A%u", a);
		say(z, "asset %s decimals=%u", name, as->decimals);
		LQ_ASSERT(lq_engine_add_asset(&z->e, name, as->decimals) == LQ_OK);
		LQ_ASSERT(lq_engine_add_asset(&z->twin, name, as->decimals) == LQ_OK);
	}
}

static void define_funds(struct fz *z)
{
	for (uint32_t a = 0; a < z->nassets; a++) {
		z->fund_of_asset[a] = -1;
		if (chance(z, 25))
			continue;
		char name[16];
		/* empty, or a few accounts' worth */
		const lq_i128 want = (lq_i128)z->asset[a].size_units / 10 * range(z, 1, 100);
		const int64_t bal = chance(z, 30)	   ? 0
				    : want > INT64_MAX / 4 ? INT64_MAX / 4
							   : (int64_t)want;
		const uint32_t f = z->e.fund_count;
		snprintf(name, sizeof(name), "F%u", a);
		say(z, "fund %s asset=A%u balance=%s", name, a, dec(bal, z->asset[a].decimals));
		LQ_ASSERT(lq_engine_define_fund(&z->e, name, a, bal) == LQ_OK);
		LQ_ASSERT(lq_engine_define_fund(&z->twin, name, a, bal) == LQ_OK);
		lq_audit_define_fund(&z->au, f, a, bal);
		z->fund_of_asset[a] = (int)f;
	}
}

/* A random grid valuable in the settle asset's decimals. */
static void grid(struct fz *z, struct lq_instrument *p, unsigned asset_decimals)
{
	static const int64_t ticks[] = {1, 1, 5, 10, 25}, lots[] = {1, 1, 5, 10};

	p->kind = chance(z, 30) ? LQ_INSTRUMENT_INVERSE : LQ_INSTRUMENT_LINEAR;
	p->tick = ticks[range(z, 0, 4)];
	if (p->kind == LQ_INSTRUMENT_LINEAR) {
		p->price_decimals = (unsigned)range(z, 0, 4);
		p->qty_decimals = (unsigned)range(z, 0, 6);
		p->lot = lots[range(z, 0, 3)];
		while (p->price_decimals + p->qty_decimals > asset_decimals + LQ_FINE_DECIMALS)
			p->qty_decimals--;
	} else {
		p->price_decimals = (unsigned)range(z, 0, 2);
		p->qty_decimals = 0;
		p->lot = 1;
		p->contract = chance(z, 50) ? 100 : range(z, 1, 10);
		p->contract_decimals = 0;
	}
}

static void define_tiers(struct fz *z, uint32_t i, int64_t size)
{
	static const int64_t mmrs[] = {400000, 500000, 1000000, 2000000, 5000000};
	const unsigned d = z->asset[ins_of(z, i)->settle_asset].decimals;
	const uint32_t n = (uint32_t)range(z, 1, 3);
	int64_t mmr = chance(z, 5) ? 0 : mmrs[range(z, 0, 4)];
	int64_t imr = mmr * range(z, 2, 4);
	int64_t upto = (size < INT64_MAX / 100 ? size : INT64_MAX / 100) * range(z, 2, 50);

	for (uint32_t t = 0; t < n; t++) {
		/* the last bracket is open; so is one that cannot grow further */
		const bool last = t + 1 == n || upto > INT64_MAX / 10;
		imr = imr > LQ_RATE_ONE ? LQ_RATE_ONE : imr < mmr ? mmr : imr;
		say(z, "tier I%u upto=%s mmr=%s imr=%s", i, last ? "max" : dec(upto, d),
		    dec(mmr, 8), dec(imr, 8));
		const int64_t u = last ? INT64_MAX : upto;
		LQ_ASSERT(lq_engine_add_tier(&z->e, i, u, mmr, imr) == LQ_OK);
		LQ_ASSERT(lq_engine_add_tier(&z->twin, i, u, mmr, imr) == LQ_OK);
		if (last)
			break;
		mmr += (int64_t[]){0, 250000, 1000000}[range(z, 0, 2)];
		imr += mmr;
		upto *= range(z, 2, 10);
	}
}

static void define_params(struct fz *z, uint32_t i)
{
	static const int64_t fees[] = {0, 100000, 500000, 1000000, 5000000, LQ_RATE_ONE};
	static const int64_t bands[] = {0, 1000000, 5000000, 20000000, 90000000};
	const struct lq_instrument *in = ins_of(z, i);
	const unsigned d = z->asset[in->settle_asset].decimals;
	struct lq_instrument_params p = in->params;
	char fund[16] = "none", cap[64] = "none", fb[32] = "none";

	p.liq_fee_e8 = fees[range(z, 0, 5)];
	p.fund = chance(z, 75) ? z->fund_of_asset[in->settle_asset] : -1;
	p.deficit = chance(z, 50) ? LQ_DEFICIT_ADL : LQ_DEFICIT_SOCIALIZE;
	p.partial = chance(z, 40);
	p.takeover_band_e8 = bands[range(z, 0, 4)];
	if (chance(z, 25)) {
		p.fund_cap_units = z->asset[in->settle_asset].size_units / 100 * range(z, 0, 50);
		snprintf(cap, sizeof(cap), "%s", dec(p.fund_cap_units, d));
	}
	/* the default band, a tight one, or none at all (hostile fills go through) */
	p.fill_band_e8 = chance(z, 60) ? 10 * LQ_RATE_ONE : chance(z, 50) ? LQ_RATE_ONE / 2 : 0;
	if (z->calm && p.fill_band_e8 == 0)
		p.fill_band_e8 = LQ_RATE_ONE / 2;
	if (p.fill_band_e8 > 0)
		snprintf(fb, sizeof(fb), "%s", dec(p.fill_band_e8, 8));
	if (p.fund >= 0)
		snprintf(fund, sizeof(fund), "F%u", in->settle_asset);
	z->ins[i].fund = p.fund;
	say(z,
	    "param I%u liq_fee=%s fund=%s deficit=%s partial=%s takeover_band=%s fund_cap=%s "
	    "fill_band=%s",
	    i, dec(p.liq_fee_e8, 8), fund, p.deficit == LQ_DEFICIT_ADL ? "adl" : "socialize",
	    p.partial ? "on" : "off", dec(p.takeover_band_e8, 8), cap, fb);
	LQ_ASSERT(lq_engine_set_params(&z->e, i, &p) == LQ_OK);
	LQ_ASSERT(lq_engine_set_params(&z->twin, i, &p) == LQ_OK);
}

static void define_instruments(struct fz *z)
{
	z->nins = (uint32_t)range(z, 1, INSTRUMENTS_MAX);
	for (uint32_t i = 0; i < z->nins; i++) {
		struct lq_instrument p;
		memset(&p, 0, sizeof(p));
		p.settle_asset = (uint32_t)range(z, 0, z->nassets - 1);
		const unsigned ad = z->asset[p.settle_asset].decimals;
		grid(z, &p, ad);
		snprintf(p.name, sizeof(p.name), "I%u", i);
		if (p.kind == LQ_INSTRUMENT_LINEAR)
			say(z, "instrument I%u linear settle=A%u tick=%s lot=%s", i, p.settle_asset,
			    dec(p.tick, p.price_decimals), dec(p.lot, p.qty_decimals));
		else
			say(z, "instrument I%u inverse settle=A%u tick=%s lot=%s contract=%s", i,
			    p.settle_asset, dec(p.tick, p.price_decimals),
			    dec(p.lot, p.qty_decimals), dec(p.contract, p.contract_decimals));
		LQ_ASSERT(lq_engine_add_instrument(&z->e, &p) == LQ_OK);
		LQ_ASSERT(lq_engine_add_instrument(&z->twin, &p) == LQ_OK);
		define_tiers(z, i, z->asset[p.settle_asset].size_units);
		define_params(z, i);
		/* a first mark: 10 .. 10^6 ticks */
		z->ins[i].mark0 = logrange(z, 1, 6) * p.tick;
	}
}

/* ---- the market and the accounts ---- */

/* Lots worth about `units` of the settle asset at price (at least one lot). */
static int64_t lots_for(const struct lq_instrument *in, lq_i128 units, int64_t price)
{
	lq_i128 v;

	if (price <= 0 || lq_instrument_value_ovf(in, in->lot, price, LQ_ROUND_FLOOR, &v))
		return in->lot;
	v = v < 0 ? -v : v;
	if (v == 0)
		return in->lot * 1000000;
	lq_i128 n = units * LQ_FINE_ONE / v;
	n = n < 1 ? 1 : n > 1000000000000LL ? 1000000000000LL : n;
	return (int64_t)n * in->lot;
}

/* A price near p: within a few ticks (or, rarely, a few percent), on the grid, >= one tick. */
static int64_t near(struct fz *z, const struct lq_instrument *in, int64_t p)
{
	int64_t d = range(z, -3, 3) * in->tick;
	if (chance(z, 10))
		d = p / 100 * range(z, -5, 5) / in->tick * in->tick;
	const int64_t q = p + d;
	return q < in->tick ? in->tick : q;
}

static uint64_t any_account(struct fz *z)
{
	return account_id(z, (uint32_t)range(z, 0, z->naccounts - 1));
}

static int64_t equity_of(struct fz *z, uint64_t id, uint32_t asset)
{
	struct lq_margin m;
	const uint32_t a = lq_engine_find_account(&z->e, id);

	if (a == LQ_NIL)
		return 0;
	lq_account_margin(&z->e, a, asset, &m);
	return m.equity_units;
}

/* Two accounts trade with each other at a plausible price, sized by a leverage. */
static void pair_fill(struct fz *z)
{
	static const int64_t levs[] = {1, 2, 3, 5, 10, 20, 20, 50, 100};
	const uint32_t i = (uint32_t)range(z, 0, z->nins - 1);
	const struct lq_instrument *in = ins_of(z, i);
	const uint64_t a = any_account(z), b = any_account(z);
	if (a == b)
		return;
	int64_t eq = equity_of(z, a, in->settle_asset);
	if (eq <= 0)
		eq = z->asset[in->settle_asset].size_units / 10;
	const int64_t price = near(z, in, z->ins[i].mark);
	const int64_t qty = lots_for(in, (lq_i128)eq / 4 * levs[range(z, 0, 8)], price);
	const int64_t side = chance(z, 50) ? 1 : -1;
	const int64_t fee = chance(z, 70) ? 0 : range(z, -2, 20) * lq_pow10(in->asset_decimals / 3);
	fill(z, a, i, side * qty, price, fee);
	fill(z, b, i, -side * qty, price, 0);
	if (chance(z, 25)) {
		/* isolate one side, with part of its balance */
		const int64_t m = equity_of(z, a, in->settle_asset);
		isolate(z, a, i, m > 0 ? m / 100 * range(z, 1, 60) : 0);
	}
}

/* A fill nobody sane sends: far from the mark, huge, or one-sided. */
static void hostile_fill(struct fz *z)
{
	const uint32_t i = (uint32_t)range(z, 0, z->nins - 1);
	const struct lq_instrument *in = ins_of(z, i);
	const int64_t m = z->ins[i].mark;
	int64_t qty = lots_for(in, z->asset[in->settle_asset].size_units, m);
	lq_i128 price = m;

	switch (range(z, 0, 3)) {
	case 0:
		price = (lq_i128)m / in->tick * range(z, 2, 1000) * in->tick;
		break;
	case 1:
		price = (lq_i128)m / range(z, 2, 1000) / in->tick * in->tick;
		break;
	case 2:
		qty = qty * range(z, 100, 100000) / in->lot * in->lot;
		break;
	default:
		break;
	}
	price = price < in->tick || price > INT64_MAX / 4 ? in->tick : price;
	fill(z, any_account(z), i, (chance(z, 50) ? 1 : -1) * (qty ? qty : in->lot), (int64_t)price,
	     0);
}

/* A new mark: a walk, a jump, or an extreme (one tick, 1000x, back to where it started). */
static void move(struct fz *z)
{
	const uint32_t i = (uint32_t)range(z, 0, z->nins - 1);
	const struct lq_instrument *in = ins_of(z, i);
	const int64_t m = z->ins[i].mark;
	lq_i128 n = m;
	const int64_t r = range(z, 0, 99);

	if (r < 55)
		n = m + (lq_i128)m * range(z, -300, 300) / 10000; /* up to 3% */
	else if (r < 85)
		n = m + (lq_i128)m * range(z, -60, 60) / 100; /* up to 60% */
	else if (r < 90)
		n = in->tick; /* one tick */
	else if (r < 94)
		n = (lq_i128)m * 1000;
	else if (r < 97)
		n = m / 1000;
	else
		n = z->ins[i].mark0;
	n = n / in->tick * in->tick;
	if (n < in->tick)
		n = in->tick;
	if (n > INT64_MAX / 8)
		n = INT64_MAX / 8 / in->tick * in->tick;
	if (z->calm && (n > (lq_i128)m * 2 || n < m / 2)) {
		/* the book goes with an extreme move: a stale one is hostile (see --calm) */
		memset(&z->book, 0, sizeof(z->book));
		book(z, i);
	}
	mark(z, i, (int64_t)n);
}

/* A book around the mark: empty, thin (a few lots), or deep. */
static void new_book(struct fz *z)
{
	const uint32_t i = (uint32_t)range(z, 0, z->nins - 1);
	const struct lq_instrument *in = ins_of(z, i);
	const int64_t m = z->ins[i].mark;
	int64_t step = m / 1000 * range(z, 1, 20) / in->tick * in->tick;
	step = step < in->tick ? in->tick : step;
	const int64_t depth = chance(z, 20)   ? 0
			      : chance(z, 70) ? range(z, 1, 20)
					      : range(z, 1000, 1000000);

	memset(&z->book, 0, sizeof(z->book));
	const uint32_t n = depth == 0 ? 0 : (uint32_t)range(z, 1, 6);
	for (uint32_t k = 0; k < n; k++) {
		const int64_t bid = m - (int64_t)k * step - (chance(z, 30) ? step : 0);
		if (bid >= in->tick && (k == 0 || bid < z->book.bids[z->book.bid_count - 1].price))
			z->book.bids[z->book.bid_count++] =
			    (struct lq_book_level){bid, depth * in->lot * range(z, 1, 5)};
		const int64_t ask = m + (int64_t)k * step + (chance(z, 30) ? step : 0);
		if (ask <= INT64_MAX / 4)
			z->book.asks[z->book.ask_count++] =
			    (struct lq_book_level){ask, depth * in->lot * range(z, 1, 5)};
	}
	/* levels strictly better first */
	for (uint32_t k = 1; k < z->book.ask_count; k++)
		if (z->book.asks[k].price <= z->book.asks[k - 1].price)
			z->book.ask_count = k;
	book(z, i);
}

static void money_move(struct fz *z)
{
	const uint64_t id = any_account(z);
	const uint32_t a = (uint32_t)range(z, 0, z->nassets - 1);
	const int64_t size = z->asset[a].size_units;

	if (chance(z, 50)) {
		deposit(z, id, a, size / 100 * range(z, 1, 100) + 1);
		return;
	}
	const int64_t eq = equity_of(z, id, a);
	withdraw(z, id, a, eq > 1 && chance(z, 70) ? range(z, 1, eq) : size / 10 + 1);
}

static void setup_accounts(struct fz *z)
{
	z->naccounts = (uint32_t)range(z, 3, ACCOUNTS_MAX);
	for (uint32_t k = 0; k < z->naccounts; k++) {
		const uint64_t id = account_id(z, k);
		for (uint32_t a = 0; a < z->nassets; a++) {
			if (a > 0 && chance(z, 40))
				continue;
			const int64_t size = z->asset[a].size_units;
			/* mostly ordinary, some tiny, rarely a whale */
			int64_t amt = size / 100 * range(z, 10, 300);
			if (chance(z, 10))
				amt = size / 1000 + 1;
			if (chance(z, 3))
				amt = size > INT64_MAX / 2000 ? INT64_MAX / 4 : size * 1000;
			deposit(z, id, a, amt);
		}
	}
}

static void step(struct fz *z)
{
	const int64_t r = range(z, 0, 99);
	const uint32_t i = (uint32_t)range(z, 0, z->nins - 1);

	if (r < 32)
		move(z);
	else if (r < 44)
		new_book(z);
	else if (r < 62)
		pair_fill(z);
	else if (r < 67)
		z->calm ? pair_fill(z) : hostile_fill(z);
	else if (r < 79)
		money_move(z);
	else if (r < 84)
		isolate(z, any_account(z), i,
			chance(z, 50) ? z->asset[ins_of(z, i)->settle_asset].size_units / 50
				      : -z->asset[ins_of(z, i)->settle_asset].size_units / 100);
	else if (r < 90)
		funding(z, i, range(z, -1000000, 1000000) / (chance(z, 80) ? 100 : 1));
	else if (r < 94)
		advance(z, range(z, 1, 8 * 3600));
	else if (r < 97)
		show_account(z, any_account(z));
	else /* several deficits at one mark: every instrument jumps */
		for (uint32_t k = 0; k < z->nins; k++) {
			const int64_t m = z->ins[k].mark;
			const struct lq_instrument *in = ins_of(z, k);
			int64_t n = m + m / 100 * range(z, -80, 80) / in->tick * in->tick;
			mark(z, k, n < in->tick ? in->tick : n);
		}
}

/* ---- a seed ---- */

static void engines_init(struct fz *z)
{
	const struct lq_engine_limits lim = {.accounts_max = ACCOUNTS_MAX + 4,
					     .positions_max = POSITIONS_MAX};
	const struct lq_audit_limits alim = {.accounts_max = lim.accounts_max,
					     .positions_max = lim.positions_max};

	if (!z->emem) {
		z->esize = lq_engine_memsize(&lim);
		z->asize = lq_audit_memsize(&alim);
		z->emem = malloc(z->esize);
		z->tmem = malloc(z->esize);
		z->amem = malloc(z->asize);
		LQ_ASSERT(z->emem && z->tmem && z->amem);
	}
	LQ_ASSERT(lq_engine_init(&z->e, z->emem, z->esize, &lim, sink_main, z) == 0);
	LQ_ASSERT(lq_engine_init(&z->twin, z->tmem, z->esize, &lim, sink_twin, z) == 0);
	lq_engine_set_trigger_mode(&z->e, LQ_TRIGGER_INDEX);
	lq_engine_set_trigger_mode(&z->twin, LQ_TRIGGER_SCAN);
	LQ_ASSERT(lq_audit_init(&z->au, z->amem, z->asize, &alim, &z->e) == 0);
}

static void run_seed(struct fz *z, uint64_t seed, const char *argv0)
{
	const char *calm = z->calm ? " --calm" : "";
	const int n =
	    snprintf(abort_note, sizeof(abort_note),
		     "FAIL seed %" PRIu64 ": the engine stopped on an assertion (above)\n"
		     "reproduce: %s%s 1 %" PRIu64 "; the scenario: %s --scn %" PRIu64 "%s\n",
		     seed, argv0, calm, seed, argv0, seed, calm);
	abort_note_len = n > 0 && (size_t)n < sizeof(abort_note) ? (size_t)n : 0;
	z->seed = seed;
	z->rng = seed * 0xD1B54A32D192ED03ULL + 0x8BB84B93962EACC9ULL;
	z->failed = 0;
	z->inputs = 0;
	z->now_ns = 0;
	z->why[0] = '\0';
	engines_init(z);
	say(z, "# test_money_fuzz seed %" PRIu64, seed);
	define_assets(z);
	define_funds(z);
	define_instruments(z);
	for (uint32_t i = 0; i < z->nins; i++) {
		z->ins[i].mark = z->ins[i].mark0;
		mark(z, i, z->ins[i].mark0);
	}
	setup_accounts(z);
	const uint32_t opening = z->naccounts * (uint32_t)range(z, 1, 3);
	for (uint32_t k = 0; k < opening && !z->failed; k++)
		pair_fill(z);
	for (uint32_t i = 0; i < z->nins; i++)
		new_book(z);
	const int64_t steps = range(z, STEPS_MIN, STEPS_MAX);
	for (int64_t k = 0; k < steps && !z->failed; k++)
		step(z);
}

static int parse_skip(const char *list, unsigned *skip)
{
	char buf[128];
	char *save = NULL;

	snprintf(buf, sizeof(buf), "%s", list);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int k = 0;
		while (k < K_COUNT && strcmp(t, kind_names[k]) != 0)
			k++;
		if (k == K_COUNT) {
			fprintf(stderr, "--skip: unknown check '%s'\n", t);
			return -1;
		}
		*skip |= 1u << k;
	}
	return 0;
}

static void summary(const struct totals *t, uint64_t first, double secs, const char *argv0,
		    bool calm)
{
	uint64_t failed = 0;

	printf("%" PRIu64 " seeds from %" PRIu64 " in %.1f s: %" PRIu64 " inputs (%" PRIu64
	       " refused), %" PRIu64 " liquidations, %" PRIu64 " takeovers, %" PRIu64
	       " fund trades, %" PRIu64 " ADL fills, %" PRIu64 " socialized charges, %" PRIu64
	       " bad debts (%" PRIu64 " write-offs)\n",
	       t->seeds, first, secs, t->inputs, t->refused, t->liquidations, t->takeovers,
	       t->fund_trades, t->adl, t->socialized, t->bad_debts, t->write_offs);
	printf("violations (seeds):");
	for (int k = 0; k < K_COUNT; k++) {
		printf(" %s %" PRIu64 "%s", kind_names[k], t->failed_seeds[k],
		       k + 1 < K_COUNT ? "," : "\n");
		failed += t->failed_seeds[k];
	}
	for (int k = 0; k < K_COUNT; k++) {
		if (!t->failed_seeds[k])
			continue;
		printf("  %s, e.g. seeds", kind_names[k]);
		for (uint64_t j = 0; j < 3 && j < t->failed_seeds[k]; j++)
			printf(" %" PRIu64, t->example[k][j]);
		printf("\n");
	}
	if (failed)
		printf("reproduce: %s%s 1 SEED; the scenario: %s --scn SEED%s > s.scn && liqd "
		       "audit s.scn\n",
		       argv0, calm ? " --calm" : "", argv0, calm ? " --calm" : "");
}

int main(int argc, char **argv)
{
	static struct fz z;
	static struct totals t;
	int argi = 1;

	z.t = &t;
	signal(SIGABRT, on_abort);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 3 && !strcmp(argv[1], "--scn")) {
		z.scn = stdout;
		abort_fd = STDERR_FILENO;
		z.calm = argc > 3 && !strcmp(argv[3], "--calm");
		run_seed(&z, strtoull(argv[2], NULL, 10), argv[0]);
		/* what `liqd audit` must find on the scenario: the same counts, the same verdict */
		fprintf(stderr, "seed %s: %" PRIu64 " inputs, %" PRIu64 " events", argv[2],
			z.au.inputs, z.au.events);
		if (z.failed)
			fprintf(stderr, "; after input %" PRIu64 ": %s: %s", z.inputs,
				kind_names[z.failed - 1], z.why);
		fputc('\n', stderr);
		return 0;
	}
	bool verbose = false;
	for (bool more = true; more && argc > argi;) {
		more = false;
		if (!strcmp(argv[argi], "-v")) {
			verbose = true;
			argi++;
			more = true;
		} else if (!strcmp(argv[argi], "--calm")) {
			z.calm = true;
			argi++;
			more = true;
		} else if (argc > argi + 1 && !strcmp(argv[argi], "--skip")) {
			if (parse_skip(argv[argi + 1], &z.skip))
				return 2;
			argi += 2;
			more = true;
		}
	}
	const uint64_t seeds = argc > argi ? strtoull(argv[argi], NULL, 10) : 10000;
	const uint64_t first = argc > argi + 1 ? strtoull(argv[argi + 1], NULL, 10) : 1;
	const clock_t c0 = clock();
	for (uint64_t k = 0; k < seeds; k++) {
		run_seed(&z, first + k, argv[0]);
		t.seeds++;
		if (!z.failed)
			continue;
		const int kd = z.failed - 1;
		if (t.failed_seeds[kd] < 3)
			t.example[kd][t.failed_seeds[kd]] = first + k;
		if (t.failed_seeds[kd] == 0 || seeds == 1 || verbose)
			printf("FAIL seed %" PRIu64 " after input %" PRIu64 " (%s): %s\n",
			       first + k, z.inputs, kind_names[kd], z.why);
		t.failed_seeds[kd]++;
	}
	summary(&t, first, (double)(clock() - c0) / CLOCKS_PER_SEC, argv[0], z.calm);
	uint64_t failed = 0;
	for (int k = 0; k < K_COUNT; k++)
		failed += t.failed_seeds[k];
	if (!failed &&
	    (t.liquidations == 0 || t.adl == 0 || t.socialized == 0 || t.bad_debts == 0)) {
		printf("FAIL: no liquidation, ADL, socialized loss or bad debt happened: the run "
		       "proves nothing\n");
		return 1;
	}
	return failed ? 1 : 0;
}
