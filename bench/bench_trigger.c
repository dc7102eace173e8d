/* SPDX-License-Identifier: MIT */
/*
 * The trigger's cost per mark update as the population grows (issue: "a mark update costs
 * time in proportion to the accounts it endangers, not to all accounts").
 *
 *   trigger/quiet/index/N   a mark update that endangers nobody, indexed trigger
 *   trigger/quiet/scan/N    the same update, full scan of every account (the oracle)
 *
 * The population: N accounts, each with one position (BTCUSDT or ETHUSDT, long or short,
 * 2x..20x, a quarter isolated), built once per size with the trigger off, then indexed. The
 * mark then steps one tick up and down: no threshold is that close, so the indexed trigger
 * peeks at two heap roots and the scan checks every account.
 */
#include "lq_bench.h"

#include "lq/engine.h"

#include <stdlib.h>
#include <string.h>

struct pop {
	uint32_t n;
	enum lq_trigger_mode mode;
	struct lq_engine e;
	void *mem;
	size_t memsz;
};

static struct pop *cached;

static uint64_t rng(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

static void apply(struct lq_engine *e, const struct lq_cmd *c)
{
	(void)lq_engine_apply(e, c);
}

static struct pop *pop_build(uint32_t n)
{
	struct lq_engine_limits lim = {.accounts_max = n + 8, .positions_max = n + 8};
	struct pop *p = calloc(1, sizeof(*p));
	struct lq_instrument proto;
	uint64_t s = 0x9E3779B97F4A7C15ULL ^ n;

	if (!p)
		return NULL;
	p->n = n;
	p->memsz = lq_engine_memsize(&lim);
	p->mem = aligned_alloc(64, (p->memsz + 63) & ~(size_t)63);
	if (!p->mem || lq_engine_init(&p->e, p->mem, p->memsz, &lim, NULL, NULL) != 0) {
		free(p->mem);
		free(p);
		return NULL;
	}
	struct lq_engine *e = &p->e;
	lq_engine_set_trigger_mode(e, LQ_TRIGGER_OFF);
	lq_engine_add_asset(e, "USDT", 6);
	memset(&proto, 0, sizeof(proto));
	proto.kind = LQ_INSTRUMENT_LINEAR;
	proto.tick = 1;
	proto.price_decimals = 1;
	proto.lot = 1;
	proto.qty_decimals = 3;
	strcpy(proto.name, "BTCUSDT");
	lq_engine_add_instrument(e, &proto);
	strcpy(proto.name, "ETHUSDT");
	lq_engine_add_instrument(e, &proto);
	for (uint32_t i = 0; i < 2; i++) {
		lq_engine_add_tier(e, i, 50000LL * 1000000, 400000, 800000);
		lq_engine_add_tier(e, i, INT64_MAX, 500000, 1000000);
	}
	struct lq_cmd m = {.type = LQ_CMD_MARK, .instrument = 0, .price = 600000};
	apply(e, &m);
	m.instrument = 1;
	m.price = 30000;
	apply(e, &m);
	for (uint32_t a = 1; a <= n; a++) {
		uint32_t ins = (uint32_t)(rng(&s) & 1);
		int64_t px = ins == 0 ? 600000 : 30000, lev = 2 + (int64_t)(rng(&s) % 19);
		int64_t q = 1 + (int64_t)(rng(&s) % 500);
		int64_t notional_units = q * px * 100; /* q/1000 x px/10 USDT, in 10^-6 */
		struct lq_cmd c = {.type = LQ_CMD_DEPOSIT, .account = a, .asset = 0};
		c.amount = notional_units / lev + 1000000;
		apply(e, &c);
		struct lq_cmd f = {
		    .type = LQ_CMD_FILL, .account = a, .instrument = ins, .price = px};
		f.qty = (rng(&s) & 1) ? q : -q;
		apply(e, &f);
		if (rng(&s) % 4 == 0) {
			struct lq_cmd iso = {
			    .type = LQ_CMD_ISOLATE, .account = a, .instrument = ins};
			iso.amount = notional_units / lev;
			apply(e, &iso);
		}
	}
	return p;
}

static struct pop *pop_get(uint32_t n, enum lq_trigger_mode mode)
{
	if (!cached || cached->n != n) {
		if (cached) {
			free(cached->mem);
			free(cached);
		}
		cached = pop_build(n);
		if (!cached)
			return NULL;
		cached->mode = LQ_TRIGGER_OFF;
	}
	if (cached->mode != mode) {
		/* switching re-derives every account's thresholds (the first event does it) */
		lq_engine_set_trigger_mode(&cached->e, mode);
		cached->mode = mode;
		struct lq_cmd t = {.type = LQ_CMD_TIME, .time_ns = cached->e.now_ns};
		apply(&cached->e, &t);
	}
	return cached;
}

static uint64_t quiet(struct lq_bench_state *st, uint64_t iterations, enum lq_trigger_mode mode)
{
	const int64_t n = lq_bench_arg(st, 0);
	struct lq_cmd c = {.type = LQ_CMD_MARK, .instrument = 0};

#ifndef NDEBUG
	if (n > 100000) {
		lq_bench_skip(st, "sizes above 10^5 run in the release preset");
		return 0;
	}
#endif
	lq_bench_pause(st);
	struct pop *p = pop_get((uint32_t)n, mode);
	if (!p) {
		lq_bench_skip(st, "population set-up failed");
		return 0;
	}
	const uint64_t hits = p->e.stats.trigger_hits, liq = p->e.stats.liquidations;
	lq_bench_resume(st);
	for (uint64_t i = 0; i < iterations; i++) {
		c.price = 600000 + (int64_t)(i & 1); /* one tick up, one tick down */
		(void)lq_engine_apply(&p->e, &c);
	}
	lq_bench_pause(st);
	lq_bench_counter(st, "accounts", (double)n);
	/* the engine's whole memory (accounts, positions with their index links, queues) */
	lq_bench_counter(st, "bytes/account", (double)p->memsz / (double)n);
	lq_bench_counter(st, "crossings", (double)(p->e.stats.trigger_hits - hits));
	lq_bench_counter(st, "liquidations", (double)(p->e.stats.liquidations - liq));
	lq_bench_resume(st);
	return iterations;
}

static uint64_t quiet_index(struct lq_bench_state *st, uint64_t iterations)
{
	return quiet(st, iterations, LQ_TRIGGER_INDEX);
}

static uint64_t quiet_scan(struct lq_bench_state *st, uint64_t iterations)
{
	return quiet(st, iterations, LQ_TRIGGER_SCAN);
}

LQ_BENCH_INIT(register_trigger)
{
	static const struct lq_bench_range sizes = {10000, 10000000, 10};
	lq_bench_register("trigger/quiet/index", quiet_index, &sizes, 1);
	lq_bench_register("trigger/quiet/scan", quiet_scan, &sizes, 1);
}
