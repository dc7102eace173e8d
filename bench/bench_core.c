/* SPDX-License-Identifier: MIT */
/*
 * Micro-benchmarks of the engine's building blocks:
 *   decimal/parse, decimal/format      exact decimal text <-> fixed point
 *   margin/account/P                   equity, MM and IM of a cross account with P positions
 *   adl/rank/N                         ranking one side of an instrument of N positions
 */
#include "lq_bench.h"

#include "lq/engine.h"
#include "lq/num.h"

#include <stdlib.h>
#include <string.h>

static volatile int64_t sink;

static uint64_t dec_parse(struct lq_bench_state *st, uint64_t iterations)
{
	static const char *const in[] = {"60000.1", "0.00375000", "-1234567.891", "3.14159265"};
	static const unsigned dec[] = {1, 8, 3, 8};
	int64_t acc = 0, v;

	(void)st;
	for (uint64_t i = 0; i < iterations; i++) {
		const char *s = in[i & 3];
		(void)lq_dec_parse(s, strlen(s), dec[i & 3], &v);
		acc += v;
	}
	sink = acc;
	return iterations;
}

static uint64_t dec_format(struct lq_bench_state *st, uint64_t iterations)
{
	char buf[48];
	int64_t acc = 0;

	(void)st;
	for (uint64_t i = 0; i < iterations; i++)
		acc += (int64_t)lq_dec_format(buf, sizeof(buf), (int64_t)(i * 7919), 6);
	sink = acc;
	return iterations;
}

/* An engine with linear instruments, for the margin and ranking benchmarks. */
struct world {
	struct lq_engine e;
	void *mem;
};

static bool world_init(struct world *w, uint32_t accounts, uint32_t positions, uint32_t nins)
{
	struct lq_engine_limits lim = {.accounts_max = accounts + 8,
				       .positions_max = positions + 8};
	struct lq_instrument proto;
	size_t sz = lq_engine_memsize(&lim);

	w->mem = aligned_alloc(64, (sz + 63) & ~(size_t)63);
	if (!w->mem || lq_engine_init(&w->e, w->mem, sz, &lim, NULL, NULL) != 0)
		return false;
	lq_engine_set_trigger_mode(&w->e, LQ_TRIGGER_OFF);
	lq_engine_add_asset(&w->e, "USDT", 6);
	memset(&proto, 0, sizeof(proto));
	proto.kind = LQ_INSTRUMENT_LINEAR;
	proto.tick = 1;
	proto.price_decimals = 1;
	proto.lot = 1;
	proto.qty_decimals = 3;
	for (uint32_t i = 0; i < nins; i++) {
		proto.name[0] = (char)('A' + i);
		proto.name[1] = '\0';
		lq_engine_add_instrument(&w->e, &proto);
		lq_engine_add_tier(&w->e, i, 50000LL * 1000000, 400000, 800000);
		lq_engine_add_tier(&w->e, i, INT64_MAX, 500000, 1000000);
		struct lq_cmd m = {.type = LQ_CMD_MARK, .instrument = i, .price = 600000};
		lq_engine_apply(&w->e, &m);
	}
	return true;
}

static void world_free(struct world *w)
{
	free(w->mem);
}

static uint64_t margin_account(struct lq_bench_state *st, uint64_t iterations)
{
	const uint32_t npos = (uint32_t)lq_bench_arg(st, 0);
	struct world w;
	struct lq_margin m;
	int64_t acc = 0;

	lq_bench_pause(st);
	if (!world_init(&w, 1, npos, npos)) {
		lq_bench_skip(st, "set-up failed");
		return 0;
	}
	struct lq_cmd d = {.type = LQ_CMD_DEPOSIT, .account = 1, .asset = 0, .amount = 1000000000};
	lq_engine_apply(&w.e, &d);
	for (uint32_t i = 0; i < npos; i++) {
		struct lq_cmd f = {.type = LQ_CMD_FILL,
				   .account = 1,
				   .instrument = i,
				   .qty = (i & 1) ? -100 : 100,
				   .price = 600000 - (int64_t)i * 10};
		lq_engine_apply(&w.e, &f);
	}
	lq_bench_resume(st);
	for (uint64_t i = 0; i < iterations; i++) {
		lq_account_margin(&w.e, 0, 0, &m);
		acc += m.equity_units - m.mm_units;
	}
	lq_bench_pause(st);
	sink = acc;
	world_free(&w);
	lq_bench_resume(st);
	return iterations;
}

static uint64_t adl_rank(struct lq_bench_state *st, uint64_t iterations)
{
	const uint32_t n = (uint32_t)lq_bench_arg(st, 0);
	struct lq_adl_entry *out;
	struct world w;
	uint64_t s = 0x9E3779B97F4A7C15ULL, acc = 0;

#ifndef NDEBUG
	if (n > 100000) {
		lq_bench_skip(st, "sizes above 10^5 run in the release preset");
		return 0;
	}
#endif
	lq_bench_pause(st);
	out = malloc(sizeof(*out) * n);
	if (!out || !world_init(&w, n, n, 1)) {
		free(out);
		lq_bench_skip(st, "set-up failed");
		return 0;
	}
	for (uint32_t a = 1; a <= n; a++) {
		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		struct lq_cmd d = {.type = LQ_CMD_DEPOSIT,
				   .account = a,
				   .asset = 0,
				   .amount = 1000000000 + (int64_t)(s % 1000000000)};
		lq_engine_apply(&w.e, &d);
		struct lq_cmd f = {.type = LQ_CMD_FILL,
				   .account = a,
				   .instrument = 0,
				   .qty = -(int64_t)(1 + s % 1000),
				   .price = 590000 + (int64_t)(s % 20000)};
		lq_engine_apply(&w.e, &f);
	}
	lq_bench_resume(st);
	for (uint64_t i = 0; i < iterations; i++)
		acc += lq_adl_rank(&w.e, 0, -1, out, n);
	lq_bench_pause(st);
	sink = (int64_t)acc;
	lq_bench_counter(st, "positions", (double)n);
	world_free(&w);
	free(out);
	lq_bench_resume(st);
	return iterations;
}

/*
 * The ledger's zero-sum check that lq_engine_end_event runs after every input in release
 * builds too, over the assets the event moved: ledger/check is its cost when every asset moved
 * (1 and 8), beside a whole quiet input event (a time step: no money moves, nothing to check)
 * so that the share it takes is in one run.
 */
static uint64_t ledger_check(struct lq_bench_state *st, uint64_t iterations)
{
	const uint32_t nassets = (uint32_t)lq_bench_arg(st, 0);
	struct world w;
	lq_i128 acc = 0;

	lq_bench_pause(st);
	if (!world_init(&w, 1, 1, 1)) {
		lq_bench_skip(st, "set-up failed");
		return 0;
	}
	for (uint32_t a = 1; a < nassets; a++) {
		char name[8] = {'A', (char)('0' + a), 0};
		lq_engine_add_asset(&w.e, name, 6);
	}
	lq_bench_resume(st);
	for (uint64_t i = 0; i < iterations; i++)
		for (uint32_t a = 0; a < w.e.asset_count; a++)
			acc += lq_ledger_sum(&w.e, a);
	lq_bench_pause(st);
	sink = (int64_t)acc;
	world_free(&w);
	lq_bench_resume(st);
	return iterations;
}

static uint64_t quiet_event(struct lq_bench_state *st, uint64_t iterations)
{
	const uint32_t nassets = (uint32_t)lq_bench_arg(st, 0);
	struct world w;

	lq_bench_pause(st);
	if (!world_init(&w, 1, 1, 1)) {
		lq_bench_skip(st, "set-up failed");
		return 0;
	}
	for (uint32_t a = 1; a < nassets; a++) {
		char name[8] = {'A', (char)('0' + a), 0};
		lq_engine_add_asset(&w.e, name, 6);
	}
	lq_bench_resume(st);
	for (uint64_t i = 0; i < iterations; i++) {
		struct lq_cmd t = {.type = LQ_CMD_TIME, .time_ns = (int64_t)i};
		lq_engine_apply(&w.e, &t);
	}
	lq_bench_pause(st);
	world_free(&w);
	lq_bench_resume(st);
	return iterations;
}

LQ_BENCH_INIT(register_core)
{
	static const struct lq_bench_range assets = {1, 8, 8};
	static const struct lq_bench_range positions = {1, 4, 4};
	static const struct lq_bench_range ranked = {10000, 1000000, 100};
	lq_bench_register("decimal/parse", dec_parse, NULL, 0);
	lq_bench_register("decimal/format", dec_format, NULL, 0);
	lq_bench_register("margin/account", margin_account, &positions, 1);
	lq_bench_register("adl/rank", adl_rank, &ranked, 1);
	lq_bench_register("ledger/check", ledger_check, &assets, 1);
	lq_bench_register("engine/quiet_event", quiet_event, &assets, 1);
}
