/* SPDX-License-Identifier: MIT */
/*
 * The event-ledger auditor (lq/audit.h) on hand-made cases: it reconciles an engine driven
 * through funding, fills, isolation, liquidation, a fund takeover, ADL and socialized loss, and
 * it names a dropped event, a tampered balance, cost basis or fund with both figures. The
 * laws (lq_audit_laws) name a flat account below zero, a fund below zero and a unit left
 * liquidatable.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "ledger.h"
#include "lq/audit.h"
#include "lq/engine.h"

#define USDT_ONE 1000000LL	   /* 6 decimals */
#define PX(p)	 ((int64_t)(p)*10) /* BTCUSDT tick 0.1 */
#define QTY(m)	 ((int64_t)(m))	   /* thousandths of a BTC: raw lots of 0.001 */

struct fix {
	struct lq_engine e;
	void *emem, *amem;
	struct lq_audit au;
	uint32_t usdt, btc, fund;
	int drop_type; /* drop the first event of this type from the auditor (0: none) */
	uint32_t liquidations;
};

static void sink(void *ctx, const struct lq_event *ev)
{
	struct fix *f = ctx;

	if (ev->type == LQ_EV_LIQUIDATION)
		f->liquidations++;
	if ((int)ev->type == f->drop_type) {
		f->drop_type = 0;
		return;
	}
	lq_audit_event(&f->au, ev);
}

/* USDT (6 decimals), BTCUSDT linear tick 0.1 lot 0.001, MMR 0.5%, IMR 1%, fund IF. */
static struct fix *fix_new(int64_t fund_units, enum lq_deficit_policy policy)
{
	const struct lq_engine_limits lim = {.accounts_max = 16, .positions_max = 32};
	const struct lq_audit_limits alim = {.accounts_max = 16, .positions_max = 32};
	struct fix *f = calloc(1, sizeof(*f));
	struct lq_instrument proto;

	assert_non_null(f);
	f->emem = malloc(lq_engine_memsize(&lim));
	f->amem = malloc(lq_audit_memsize(&alim));
	assert_int_equal(lq_engine_init(&f->e, f->emem, lq_engine_memsize(&lim), &lim, sink, f), 0);
	assert_int_equal(lq_audit_init(&f->au, f->amem, lq_audit_memsize(&alim), &alim, &f->e), 0);
	assert_int_equal(lq_engine_add_asset(&f->e, "USDT", 6), LQ_OK);
	memset(&proto, 0, sizeof(proto));
	strcpy(proto.name, "BTCUSDT");
	proto.kind = LQ_INSTRUMENT_LINEAR;
	proto.price_decimals = 1;
	proto.qty_decimals = 3;
	proto.tick = 1;
	proto.lot = 1;
	assert_int_equal(lq_engine_add_instrument(&f->e, &proto), LQ_OK);
	assert_int_equal(lq_engine_add_tier(&f->e, 0, INT64_MAX, 500000, 1000000), LQ_OK);
	assert_int_equal(lq_engine_define_fund(&f->e, "IF", 0, fund_units), LQ_OK);
	lq_audit_define_fund(&f->au, 0, 0, fund_units);
	struct lq_instrument_params p = f->e.instruments[0].params;
	p.fund = 0;
	p.deficit = policy;
	p.liq_fee_e8 = 500000;
	assert_int_equal(lq_engine_set_params(&f->e, 0, &p), LQ_OK);
	return f;
}

static void fix_free(struct fix *f)
{
	free(f->emem);
	free(f->amem);
	free(f);
}

/* One input in the auditor's order: apply part, the input, end. */
static enum lq_status in(struct fix *f, struct lq_cmd c)
{
	struct lq_book empty = {0};

	if (c.type == LQ_CMD_BOOK && !c.book)
		c.book = &empty;
	lq_engine_begin_event(&f->e);
	const enum lq_status st = lq_engine_apply_part(&f->e, &c);
	lq_audit_input(&f->au, &c, st);
	lq_engine_end_event(&f->e);
	return st;
}

static void reconciled(struct fix *f)
{
	struct lq_audit_mismatch m;
	char why[256];

	if (!lq_audit_compare(&f->au, &f->e, &m)) {
		lq_audit_describe(&m, &f->e, why, sizeof(why));
		fail_msg("not reconciled: %s", why);
	}
	if (!lq_audit_laws(&f->e, LQ_AUDIT_LAWS_ALL, &m)) {
		lq_audit_describe(&m, &f->e, why, sizeof(why));
		fail_msg("a law broken: %s", why);
	}
}

static void deposit(struct fix *f, uint64_t id, int64_t units)
{
	assert_int_equal(
	    in(f, (struct lq_cmd){.type = LQ_CMD_DEPOSIT, .account = id, .amount = units}), LQ_OK);
}

static enum lq_status fill(struct fix *f, uint64_t id, int64_t qty, int64_t px)
{
	return in(f, (struct lq_cmd){
			 .type = LQ_CMD_FILL, .account = id, .qty = qty, .price = px, .fee = 0});
}

static void mark(struct fix *f, int64_t px)
{
	assert_int_equal(in(f, (struct lq_cmd){.type = LQ_CMD_MARK, .price = px}), LQ_OK);
}

/* Account 1 long 1 BTC at 60000 on 1000 USDT; 2 and 3 short against it, well funded. */
static void open_book(struct fix *f)
{
	deposit(f, 1, 1000 * USDT_ONE);
	deposit(f, 2, 50000 * USDT_ONE);
	deposit(f, 3, 50000 * USDT_ONE);
	mark(f, PX(60000));
	assert_int_equal(fill(f, 1, QTY(1000), PX(60000)), LQ_OK);
	assert_int_equal(fill(f, 2, -QTY(600), PX(60000)), LQ_OK);
	assert_int_equal(fill(f, 3, -QTY(400), PX(60000)), LQ_OK);
	reconciled(f);
}

/* ---- reconciliation ---- */

static void test_waterfall_adl_reconciles(void **state)
{
	(void)state;
	struct fix *f = fix_new(100 * USDT_ONE, LQ_DEFICIT_ADL);
	open_book(f);
	/* funding settles lazily: the fill of account 2 settles it during its apply part */
	assert_int_equal(in(f, (struct lq_cmd){.type = LQ_CMD_FUNDING, .rate_e8 = 100000}), LQ_OK);
	assert_int_equal(fill(f, 2, QTY(100), PX(60000)), LQ_OK);
	reconciled(f);
	assert_true(f->au.by_type[LQ_EV_FUNDING] >= 1);
	/* a thin book, then a crash past account 1's bankruptcy: the fund takes over what the
	 * book does not, and ADL what the fund cannot pay */
	struct lq_book b = {.bid_count = 1, .bids = {{PX(58000), QTY(100)}}};
	assert_int_equal(in(f, (struct lq_cmd){.type = LQ_CMD_BOOK, .book = &b}), LQ_OK);
	mark(f, PX(58500));
	assert_true(f->liquidations >= 1);
	reconciled(f);
	mark(f, PX(50000));
	reconciled(f);
	fix_free(f);
}

static void test_socialize_reconciles(void **state)
{
	(void)state;
	struct fix *f = fix_new(0, LQ_DEFICIT_SOCIALIZE);
	open_book(f);
	/* the shorts profit while account 1 goes bankrupt with no book: the empty fund takes
	 * the position over and keeps it */
	mark(f, PX(58000));
	reconciled(f);
	assert_int_equal(f->au.by_type[LQ_EV_TAKEOVER], 1);
	/* a later book: the fund re-offers it (events during an apply part), and the loss it
	 * cannot pay is charged to the shorts' profit */
	struct lq_book b = {.ask_count = 0, .bid_count = 1, .bids = {{PX(57990), QTY(5000)}}};
	assert_int_equal(in(f, (struct lq_cmd){.type = LQ_CMD_BOOK, .book = &b}), LQ_OK);
	reconciled(f);
	assert_true(f->au.by_type[LQ_EV_FUND_TRADE] >= 1);
	assert_true(f->au.by_type[LQ_EV_SOCIALIZED_LOSS] >= 1);
	fix_free(f);
}

static void test_isolated_reconciles(void **state)
{
	(void)state;
	struct fix *f = fix_new(1000 * USDT_ONE, LQ_DEFICIT_ADL);
	open_book(f);
	/* isolation moves money inside the account: nothing for the auditor to follow */
	assert_int_equal(
	    in(f, (struct lq_cmd){.type = LQ_CMD_ISOLATE, .account = 1, .amount = 900 * USDT_ONE}),
	    LQ_OK);
	reconciled(f);
	mark(f, PX(59200));
	assert_true(f->liquidations >= 1);
	reconciled(f);
	fix_free(f);
}

static void test_refused_changes_nothing(void **state)
{
	(void)state;
	struct fix *f = fix_new(0, LQ_DEFICIT_ADL);
	open_book(f);
	assert_int_not_equal(
	    in(f,
	       (struct lq_cmd){.type = LQ_CMD_WITHDRAW, .account = 1, .amount = 100000 * USDT_ONE}),
	    LQ_OK);
	assert_int_not_equal(fill(f, 1, QTY(1), 0), LQ_OK);
	assert_int_equal(f->au.refused, 2);
	reconciled(f);
	fix_free(f);
}

/* ---- mismatches are named ---- */

static void expect(struct fix *f, enum lq_audit_what what, uint64_t id, lq_i128 engine,
		   lq_i128 rebuilt, const char *text)
{
	struct lq_audit_mismatch m;
	char why[256];

	assert_false(lq_audit_compare(&f->au, &f->e, &m));
	lq_audit_describe(&m, &f->e, why, sizeof(why));
	assert_int_equal(m.what, what);
	assert_int_equal(m.account, id);
	assert_true(m.engine == engine);
	assert_true(m.rebuilt == rebuilt);
	if (text && !strstr(why, text))
		fail_msg("'%s' does not say '%s'", why, text);
}

static void test_dropped_event_named(void **state)
{
	(void)state;
	struct fix *f = fix_new(0, LQ_DEFICIT_ADL);
	open_book(f);
	f->drop_type = LQ_EV_LIQUIDATION;
	mark(f, PX(59200));
	assert_true(f->liquidations >= 1);
	struct lq_audit_mismatch m;
	assert_false(lq_audit_compare(&f->au, &f->e, &m));
	assert_int_equal(m.account, 1);
	fix_free(f);
}

static void test_tampered_balance_named(void **state)
{
	(void)state;
	struct fix *f = fix_new(0, LQ_DEFICIT_ADL);
	open_book(f);
	*lq_engine_balance(&f->e, lq_engine_find_account(&f->e, 2), 0) += 1;
	expect(f, LQ_AUDIT_MONEY, 2, 50000 * USDT_ONE + 1, 50000 * USDT_ONE,
	       "account 2 USDT money: engine 50000.000001, rebuilt 50000.000000");
	fix_free(f);
}

static void test_tampered_cost_named(void **state)
{
	(void)state;
	struct fix *f = fix_new(0, LQ_DEFICIT_ADL);
	open_book(f);
	struct lq_position *p =
	    &f->e.positions[f->e.accounts[lq_engine_find_account(&f->e, 3)].pos_head];
	const lq_i128 cost = p->cost;
	p->cost += 7;
	expect(f, LQ_AUDIT_COST, 3, cost + 7, cost, "account 3 BTCUSDT position cost");
	p->cost = cost;
	p->qty -= 1;
	expect(f, LQ_AUDIT_QTY, 3, -QTY(400) - 1, -QTY(400), "position qty");
	fix_free(f);
}

static void test_tampered_fund_named(void **state)
{
	(void)state;
	struct fix *f = fix_new(250 * USDT_ONE, LQ_DEFICIT_ADL);
	open_book(f);
	lq_ledger_move(&f->e, LQ_LEDGER_FEES, LQ_LEDGER_FUND0, 0, 3);
	struct lq_audit_mismatch m;
	assert_false(lq_audit_compare(&f->au, &f->e, &m));
	assert_int_equal(m.what, LQ_AUDIT_FUND);
	assert_true(m.engine == 250 * USDT_ONE + 3);
	assert_true(m.rebuilt == 250 * USDT_ONE);
	fix_free(f);
}

/* ---- the laws ---- */

static void test_laws_named(void **state)
{
	(void)state;
	struct fix *f = fix_new(10 * USDT_ONE, LQ_DEFICIT_ADL);
	struct lq_audit_mismatch m;
	char why[256];
	open_book(f);
	/* a flat account below zero (through the ledger, so that it still sums to zero) */
	deposit(f, 9, USDT_ONE);
	assert_true(lq_ledger_credit(&f->e, lq_engine_find_account(&f->e, 9), 0, -2 * USDT_ONE,
				     LQ_LEDGER_EXTERNAL));
	assert_false(lq_audit_laws(&f->e, LQ_AUDIT_LAWS_ALL, &m));
	assert_int_equal(m.what, LQ_AUDIT_FLAT_NEGATIVE);
	assert_int_equal(m.account, 9);
	lq_audit_describe(&m, &f->e, why, sizeof(why));
	assert_non_null(strstr(why, "account 9 holds no position in USDT but -1.000000"));
	assert_true(lq_ledger_credit(&f->e, lq_engine_find_account(&f->e, 9), 0, USDT_ONE,
				     LQ_LEDGER_EXTERNAL));
	/* a fund below zero */
	lq_ledger_move(&f->e, LQ_LEDGER_FUND0, LQ_LEDGER_EXTERNAL, 0, 11 * USDT_ONE);
	assert_false(lq_audit_laws(&f->e, LQ_AUDIT_LAWS_ALL, &m));
	assert_int_equal(m.what, LQ_AUDIT_FUND_NEGATIVE);
	lq_ledger_move(&f->e, LQ_LEDGER_EXTERNAL, LQ_LEDGER_FUND0, 0, 11 * USDT_ONE);
	assert_true(lq_audit_laws(&f->e, LQ_AUDIT_LAWS_ALL, &m));
	/* a mark applied without its trigger leaves account 1 liquidatable */
	lq_engine_begin_event(&f->e);
	assert_int_equal(
	    lq_engine_apply_part(&f->e, &(struct lq_cmd){.type = LQ_CMD_MARK, .price = PX(59000)}),
	    LQ_OK);
	assert_false(lq_audit_laws(&f->e, LQ_AUDIT_LAWS_ALL, &m));
	assert_int_equal(m.what, LQ_AUDIT_LIQUIDATABLE);
	assert_int_equal(m.account, 1);
	lq_engine_end_event(&f->e);
	fix_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_waterfall_adl_reconciles),
	    cmocka_unit_test(test_socialize_reconciles),
	    cmocka_unit_test(test_isolated_reconciles),
	    cmocka_unit_test(test_refused_changes_nothing),
	    cmocka_unit_test(test_dropped_event_named),
	    cmocka_unit_test(test_tampered_balance_named),
	    cmocka_unit_test(test_tampered_cost_named),
	    cmocka_unit_test(test_tampered_fund_named),
	    cmocka_unit_test(test_laws_named),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
