/* SPDX-License-Identifier: MIT */
/* A synthetic venue for the pipeline benchmarks (stream.h). */
#define _GNU_SOURCE /* sched_getaffinity, CPU sets */
#include "stream.h"

#include "lq/msg.h"

#include <string.h>

static const char *const defs[] = {
    "asset USDT decimals=6",
    "time 2023-11-14T22:13:20Z",
    "fund IF asset=USDT balance=1000000",
    "instrument BTCUSDT linear settle=USDT tick=0.1 lot=0.001",
    "instrument ETHUSDT linear settle=USDT tick=0.01 lot=0.001",
    "instrument SOLUSDT linear settle=USDT tick=0.001 lot=0.001",
    "tier BTCUSDT upto=50000 mmr=0.005 imr=0.01",
    "tier BTCUSDT upto=max mmr=0.01 imr=0.02",
    "tier ETHUSDT upto=50000 mmr=0.005 imr=0.01",
    "tier ETHUSDT upto=max mmr=0.01 imr=0.02",
    "tier SOLUSDT upto=50000 mmr=0.005 imr=0.01",
    "tier SOLUSDT upto=max mmr=0.01 imr=0.02",
    "param BTCUSDT liq_fee=0.005 fund=IF deficit=adl mark=median3 takeover_band=0.05",
    "param ETHUSDT liq_fee=0.005 fund=IF deficit=adl mark=median3 takeover_band=0.05",
    "param SOLUSDT liq_fee=0.005 fund=IF deficit=adl mark=median3 takeover_band=0.05",
};
#define NDEFS (sizeof(defs) / sizeof(defs[0]))

/* Start prices on each instrument's grid (60000.0, 3000.00, 150.000), and its 10^decimals. */
static const int64_t start_px[STREAM_INSTRUMENTS] = {600000, 300000, 150000};
static const int64_t px_scale[STREAM_INSTRUMENTS] = {10, 100, 1000};

static uint64_t rnd(struct stream *st)
{
	st->s ^= st->s >> 12;
	st->s ^= st->s << 25;
	st->s ^= st->s >> 27;
	return st->s * 0x2545F4914F6CDD1DULL;
}

static int64_t rnd_range(struct stream *st, int64_t lo, int64_t hi)
{
	return lo + (int64_t)(rnd(st) % (uint64_t)(hi - lo + 1));
}

void stream_init(struct stream *st, uint32_t accounts, uint64_t seed)
{
	memset(st, 0, sizeof(*st));
	st->s = seed ? seed : 0x9E3779B97F4A7C15ULL;
	st->accounts = accounts;
	st->now_ns = 1700000000LL * 1000000000LL;
	st->jump_every = 50000;
	for (uint32_t i = 0; i < STREAM_INSTRUMENTS; i++)
		st->mid[i] = st->start[i] = start_px[i];
}

uint32_t stream_positions_max(uint32_t accounts)
{
	return accounts + 64;
}

bool stream_setup_done(const struct stream *st)
{
	return st->def_next == NDEFS && st->pop_next == 2 * st->accounts;
}

static void emit_cmd(struct lq_scn *scn, const struct lq_cmd *c, uint16_t flags)
{
	struct lq_msg m = {.type = LQ_MSG_CMD, .flags = flags, .line = scn->line};

	m.u.cmd = *c;
	scn->emit(scn->emit_ctx, &m);
}

/* Account a (1-based): instrument, side, leverage and size from its own hash. */
static void population(struct stream *st, struct lq_scn *scn)
{
	const uint32_t a = st->pop_next / 2 + 1;
	uint64_t h = (uint64_t)a * 0x9E3779B97F4A7C15ULL;
	h ^= h >> 29;
	h *= 0xBF58476D1CE4E5B9ULL;
	h ^= h >> 32;
	const uint32_t ins = a % STREAM_INSTRUMENTS;
	const uint32_t tail = (uint32_t)(h % 100);
	/* 90% at 2x..10x, 9% at 10x..25x, 1% at 25x..60x */
	const int64_t lev = tail < 90	? 2 + (int64_t)(h >> 8) % 9
			    : tail < 99 ? 10 + (int64_t)(h >> 8) % 16
					: 25 + (int64_t)(h >> 8) % 36;
	const int64_t notional = 1000 + (int64_t)((h >> 16) % 19001); /* USDT */
	struct lq_cmd c = {.account = a};

	if (st->pop_next % 2 == 0) {
		c.type = LQ_CMD_DEPOSIT;
		c.asset = 0;
		c.amount = notional * 1000000 / lev + 1000000;
	} else {
		c.type = LQ_CMD_FILL;
		c.instrument = ins;
		c.price = start_px[ins];
		c.qty = notional * 1000 * px_scale[ins] / start_px[ins];
		if (c.qty < 1)
			c.qty = 1;
		if ((h >> 40) & 1)
			c.qty = -c.qty;
	}
	st->pop_next++;
	emit_cmd(scn, &c, 0);
}

static void book(struct stream *st, struct lq_scn *scn, uint32_t ins)
{
	const int64_t mid = st->mid[ins];
	int64_t bid = mid - 1, ask = mid + 1;

	for (uint32_t side = 0; side < 2; side++) {
		for (uint32_t k = 0; k < 5; k++) {
			struct lq_msg m = {
			    .type = LQ_MSG_BOOK_LEVEL, .flags = LQ_MSG_F_MORE, .line = scn->line};
			m.u.level.instrument = ins;
			m.u.level.side = side;
			m.u.level.lv.price = side ? ask : bid;
			m.u.level.lv.qty = rnd_range(st, 10, 2000);
			scn->emit(scn->emit_ctx, &m);
			if (side)
				ask += rnd_range(st, 1, 3);
			else
				bid -= rnd_range(st, 1, 3);
		}
	}
	struct lq_msg end = {.type = LQ_MSG_BOOK_END, .line = scn->line};
	end.u.book_end.instrument = ins;
	scn->emit(scn->emit_ctx, &end);
}

static void market(struct stream *st, struct lq_scn *scn)
{
	const uint32_t ins = (uint32_t)(rnd(st) % STREAM_INSTRUMENTS);
	const uint32_t kind = (uint32_t)(rnd(st) % 20);
	int64_t *mid = &st->mid[ins];
	struct lq_cmd c = {.instrument = ins};

	st->market++;
	*mid += rnd_range(st, -2, 2);
	if (st->jump_every && st->market % st->jump_every == 0) {
		/* a jump of 0.3% .. 1.2%, back toward the start once 4% away */
		int64_t size = *mid * rnd_range(st, 30, 120) / 10000;
		bool down = rnd(st) & 1;
		if (*mid > st->start[ins] * 104 / 100)
			down = true;
		else if (*mid < st->start[ins] * 96 / 100)
			down = false;
		*mid += down ? -size : size;
		/* the index and the trades move with it at once: the mark follows (median3) */
		c.type = LQ_CMD_INDEX;
		c.price = *mid;
		emit_cmd(scn, &c, LQ_MSG_F_MORE);
		c.type = LQ_CMD_TRADE;
		c.qty = rnd_range(st, 1, 100);
		emit_cmd(scn, &c, 0);
		return;
	}
	if (kind < 8) {
		book(st, scn, ins);
	} else if (kind < 14) {
		c.type = LQ_CMD_TRADE;
		c.price = *mid + rnd_range(st, -1, 1);
		c.qty = rnd_range(st, 1, 100);
		emit_cmd(scn, &c, 0);
	} else if (kind < 19) {
		c.type = LQ_CMD_INDEX;
		c.price = *mid + rnd_range(st, -1, 1);
		emit_cmd(scn, &c, 0);
	} else {
		st->now_ns += 1000000; /* 1 ms */
		c.type = LQ_CMD_TIME;
		c.time_ns = st->now_ns;
		emit_cmd(scn, &c, 0);
	}
}

bool stream_next(struct stream *st, struct lq_scn *scn)
{
	scn->line = ++st->line;
	if (st->def_next < NDEFS) {
		const char *l = defs[st->def_next++];
		return lq_scn_line(scn, l, strlen(l)) != LQ_SCN_SYNTAX;
	}
	if (st->pop_next < 2 * st->accounts) {
		population(st, scn);
		return true;
	}
	market(st, scn);
	return true;
}

/* ---- running it ---- */

#include "lq_bench.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

struct runner {
	struct stream st;
	struct stream_run *r;
	struct lq_pipeline *p;
	uint64_t hz;
	uint64_t setup_t0;
	uint64_t idle_until; /* TSC; 0 = set-up not finished */
	uint64_t t0;	     /* the first market input's due time */
	uint64_t sent;	     /* market inputs sent */
	uint64_t first_measured;
};

static int runner_source(void *ctx, struct lq_scn *scn)
{
	struct runner *rn = ctx;
	struct stream_run *r = rn->r;

	if (!stream_setup_done(&rn->st)) {
		if (rn->setup_t0 == 0)
			rn->setup_t0 = lq_bench_tsc_begin();
		lq_pipeline_set_input_tsc(rn->p, 0);
		return stream_next(&rn->st, scn) ? 1 : -1;
	}
	if (rn->sent == r->warmup + r->events)
		return 0;
	const uint64_t now = __rdtsc();
	if (rn->idle_until == 0) {
		rn->idle_until = now + r->idle_cycles;
		r->setup_cycles = now - rn->setup_t0;
	}
	if (now < rn->idle_until)
		return LQ_SOURCE_IDLE;
	if (rn->sent == 0)
		rn->t0 = now;
	uint64_t due = now;
	if (r->rate) {
		/* open loop: input i is due at t0 + i / rate, whether or not we kept up */
		due = rn->t0 + (uint64_t)((unsigned __int128)rn->sent * rn->hz / r->rate);
		if (now < due)
			return LQ_SOURCE_IDLE;
		if (now - due > r->max_lag_cycles)
			r->max_lag_cycles = now - due;
	}
	if (rn->sent == r->warmup)
		rn->first_measured = due;
	lq_pipeline_set_input_tsc(rn->p, rn->sent < r->warmup ? 0 : due);
	rn->sent++;
	r->send_cycles = now - rn->first_measured;
	return stream_next(&rn->st, scn) ? 1 : -1;
}

static void runner_write(void *ctx, const char *data, size_t len)
{
	(void)ctx;
	(void)data;
	(void)len;
}

static void *runner_alloc(void *ctx, size_t size)
{
	(void)ctx;
	/* 128: the ring keeps its two sides on separate pairs of cache lines */
	void *p = aligned_alloc(128, size ? (size + 127) & ~(size_t)127 : 128);
	if (p)
		memset(p, 0, size);
	return p;
}

static void runner_free(void *ctx, void *p)
{
	(void)ctx;
	free(p);
}

int stream_run(struct stream_run *r)
{
	struct runner *rn = calloc(1, sizeof(*rn));
	struct lq_pipeline_config cfg = {
	    .threads = r->threads,
	    .ring_slots = 1024,
	    .burst = 32,
	    .limits = {.accounts_max = r->accounts + 64,
		       .positions_max = stream_positions_max(r->accounts)},
	    .trigger = r->trigger,
	    .source = runner_source,
	    .write = runner_write,
	    .alloc = runner_alloc,
	    .free = runner_free,
	    .latency = true,
	};
	int rc;

	if (!rn)
		return -ENOMEM;
	memcpy(cfg.cores, r->cores, sizeof(cfg.cores));
	r->tsc_hz = lq_bench_tsc_hz();
	r->max_lag_cycles = 0;
	rn->hz = (uint64_t)r->tsc_hz;
	rn->r = r;
	cfg.source_ctx = rn;
	stream_init(&rn->st, r->accounts, 0x5EED0000ULL + r->accounts);
	if (r->quiet)
		rn->st.jump_every = 0;
	r->engine_bytes = lq_engine_memsize(&cfg.limits);
	rc = lq_pipeline_create(&rn->p, &cfg);
	if (rc != 0) {
		fprintf(stderr, "pipeline set-up failed: %s\n", strerror(-rc));
		free(rn);
		return rc;
	}
	cpu_set_t all;
	const bool restore = sched_getaffinity(0, sizeof(all), &all) == 0;
	rc = lq_pipeline_run(rn->p);
	const uint64_t end = lq_bench_tsc_end();
	/* the pipeline pinned this thread to its first core: undo it for the next run */
	if (restore)
		(void)sched_setaffinity(0, sizeof(all), &all);
	if (rc != 0)
		fprintf(stderr, "pipeline run: %s (ran on)\n", strerror(-rc));
	r->market_cycles = end - (rn->first_measured ? rn->first_measured : rn->t0);
	for (uint32_t s = LQ_STAGE_MARK; s < LQ_STAGES; s++)
		r->lat[s] = *lq_pipeline_latency(rn->p, (enum lq_stage_id)s);
	const struct lq_engine *e = lq_pipeline_engine(rn->p);
	r->liquidations = e->stats.liquidations;
	r->adl_fills = e->stats.adl_fills;
	r->takeovers = e->stats.takeovers;
	r->output_events = lq_pipeline_output_lines(rn->p);
	r->output_hash = lq_pipeline_hash(rn->p);
	lq_pipeline_destroy(rn->p);
	free(rn);
	return rc == -ECANCELED ? rc : 0;
}
