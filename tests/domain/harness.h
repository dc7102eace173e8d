/* SPDX-License-Identifier: MIT */
#ifndef LQ_TEST_DOMAIN_HARNESS_H
#define LQ_TEST_DOMAIN_HARNESS_H

/*
 * A small fixture for the domain tests: an engine over heap memory, definitions from decimal
 * strings (as a scenario writes them), one wrapper per input event that returns the engine's
 * status and checks the ledger invariants after it, and a sink that records output events.
 *
 * Every helper that parses a decimal asserts that it parses: a typo in a test is a test
 * failure, never a silently different value.
 */
#include "lq/engine.h"

#include <stdbool.h>
#include <stdint.h>

#define DOM_EVENTS_MAX	  256
#define DOM_ACCOUNTS_MAX  64
#define DOM_POSITIONS_MAX 256

struct dom {
	struct lq_engine e;
	void *mem;
	size_t size;
	uint32_t event_count; /* events seen since the last dom_events_clear */
	uint64_t events_dropped;
	struct lq_event events[DOM_EVENTS_MAX];
	/* optional: sees every event as well (the property test accumulates funding) */
	void (*on_event)(void *ctx, const struct lq_event *ev);
	void *on_event_ctx;
	/* the caller checks the ledger itself (with its own failure report) */
	bool no_ledger_check;
};

/* An engine for a few accounts; free with dom_free. */
struct dom *dom_new(void);
void dom_free(struct dom *d);

/*
 * The fixture of the hand-written tests: an engine and the ids of what their setup defines.
 * dom_fx_new defines USDT (6 decimals), then with `inverse` BTC (8), then BTCUSDT (linear in
 * USDT, tick `lin_tick`, lot 0.001), then with `inverse` BTCUSD (inverse in BTC, tick 0.1,
 * lot 1, contract 100); eth is left for a test to define. dom_fx_teardown is the cmocka
 * teardown of a fixture in *state.
 */
struct dom_fx {
	struct dom *d;
	uint32_t usdt, btc;
	uint32_t lin, inv, eth;
};
struct dom_fx *dom_fx_new(const char *lin_tick, bool inverse);
void dom_fx_free(struct dom_fx *f);
int dom_fx_teardown(void **state);

/* ---- definitions ---- */
uint32_t dom_asset(struct dom *d, const char *name, unsigned decimals);
uint32_t dom_linear(struct dom *d, const char *name, uint32_t settle, const char *tick,
		    const char *lot);
uint32_t dom_inverse(struct dom *d, const char *name, uint32_t settle, const char *tick,
		     const char *lot, const char *contract);
/* upto is a decimal in the settle asset or "max". */
void dom_tier(struct dom *d, uint32_t ins, const char *upto, const char *mmr, const char *imr);
/* The instrument's parameters, to change and write back with dom_params_set. */
struct lq_instrument_params dom_params(const struct dom *d, uint32_t ins);
void dom_params_set(struct dom *d, uint32_t ins, const struct lq_instrument_params *p);

/* ---- decimals ---- */
int64_t dom_dec(const char *s, unsigned decimals);
/* A 128-bit integer from its decimal digits (fine-unit values beyond int64). */
lq_i128 dom_i128(const char *s);
int64_t dom_px(const struct dom *d, uint32_t ins, const char *price);
int64_t dom_qty(const struct dom *d, uint32_t ins, const char *qty);
int64_t dom_money(const struct dom *d, uint32_t asset, const char *amount);
int64_t dom_ins_money(const struct dom *d, uint32_t ins, const char *amount);
int64_t dom_rate(const char *rate);
int64_t dom_time(const char *iso8601);
int64_t dom_dur(const char *duration);

/* How the engine finds liquidatable accounts; LQ_TRIGGER_OFF for mark-to-market what-ifs. */
void dom_trigger(struct dom *d, enum lq_trigger_mode mode);

/* ---- events: each returns the engine's status and checks the ledger after it ---- */
enum lq_status dom_apply(struct dom *d, const struct lq_cmd *c);
enum lq_status dom_deposit(struct dom *d, uint64_t acc, uint32_t asset, int64_t amount);
enum lq_status dom_withdraw(struct dom *d, uint64_t acc, uint32_t asset, int64_t amount);
/* qty signed: > 0 buys, < 0 sells */
enum lq_status dom_fill(struct dom *d, uint64_t acc, uint32_t ins, int64_t qty, int64_t price,
			int64_t fee);
enum lq_status dom_isolate(struct dom *d, uint64_t acc, uint32_t ins, int64_t amount);
enum lq_status dom_mark(struct dom *d, uint32_t ins, int64_t price);
enum lq_status dom_index(struct dom *d, uint32_t ins, int64_t price);
enum lq_status dom_index_rate(struct dom *d, uint32_t ins, int64_t price, int64_t rate_e8);
enum lq_status dom_trade(struct dom *d, uint32_t ins, int64_t price, int64_t qty);
enum lq_status dom_book1(struct dom *d, uint32_t ins, int64_t bid, int64_t ask, int64_t qty);
enum lq_status dom_clock(struct dom *d, int64_t time_ns);
enum lq_status dom_funding(struct dom *d, uint32_t ins, int64_t rate_e8);

/* String forms for the hand-written tests ("0.5", "60000.1"). */
enum lq_status dom_deposit_s(struct dom *d, uint64_t acc, uint32_t asset, const char *amount);
enum lq_status dom_fill_s(struct dom *d, uint64_t acc, uint32_t ins, const char *qty,
			  const char *price, const char *fee);
enum lq_status dom_isolate_s(struct dom *d, uint64_t acc, uint32_t ins, const char *amount);
enum lq_status dom_mark_s(struct dom *d, uint32_t ins, const char *price);

/* ---- queries ---- */
uint32_t dom_acc(const struct dom *d, uint64_t id);		  /* asserts it exists */
uint32_t dom_pos(const struct dom *d, uint64_t id, uint32_t ins); /* LQ_NIL if none */
const struct lq_position *dom_position(const struct dom *d, uint64_t id, uint32_t ins);
int64_t dom_balance(const struct dom *d, uint64_t id, uint32_t asset);
struct lq_margin dom_margin(const struct dom *d, uint64_t id, uint32_t asset);
struct lq_account_position_view dom_view(const struct dom *d, uint64_t id, uint32_t ins,
					 bool prices);
lq_i128 dom_ledger(const struct dom *d, enum lq_ledger_slot slot, uint32_t asset);

/* Ledger invariants: the sum over all slots is 0, the accounts slot equals the accounts. */
void dom_check_ledger(const struct dom *d);

/* Sum of the recorded funding events of an account on an instrument (+ received). */
int64_t dom_funding_events(const struct dom *d, uint64_t id, uint32_t ins);
void dom_events_clear(struct dom *d);
/* Recorded events of a type (of an account, or of any account when id is 0). */
uint32_t dom_event_count(const struct dom *d, enum lq_event_type type, uint64_t id);

/*
 * Run scenario lines (DESIGN 2) through `liqd sim` (the binary named by LQ_LIQD, which ctest
 * sets) and return its standard output (a static buffer, valid until the next call). The
 * exit status must be 0. Without LQ_LIQD the calling test is skipped.
 */
const char *dom_sim_run(const char *const *lines, size_t n);

/* 128-bit equality with both sides printed in decimal on failure. */
void dom_i128_equal(lq_i128 got, lq_i128 want, const char *expr, const char *file, int line);
#define assert_i128_equal(got, want) dom_i128_equal((got), (want), #got, __FILE__, __LINE__)

/*
 * Regression check for a defect of core/ these tests once exposed (and that was fixed): fails
 * with the message and its reproduction if `reproduced` is true again.
 */
void dom_known_bug(bool reproduced, const char *what);

/*
 * A byte copy of the engine (its struct and all of its memory), to show that a refused event
 * left the state untouched.
 */
struct dom_snapshot {
	struct lq_engine e;
	void *mem;
	size_t size;
};
void dom_snapshot_take(const struct dom *d, struct dom_snapshot *s);
bool dom_snapshot_equal(const struct dom *d, const struct dom_snapshot *s);
void dom_snapshot_free(struct dom_snapshot *s);

#endif
