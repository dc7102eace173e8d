/* SPDX-License-Identifier: MIT */
#ifndef LQ_BENCH_STREAM_H
#define LQ_BENCH_STREAM_H

/*
 * A synthetic venue for the pipeline benchmarks (e2e, scaling), fed through the pipeline's
 * source callback:
 *   1. definitions as scenario lines: USDT, three linear instruments (BTCUSDT, ETHUSDT,
 *      SOLUSDT) with tiered margins, the median3 mark (index, basis from the book, last
 *      trade) and an insurance fund with ADL behind it;
 *   2. the population: N accounts, each a deposit and an opening fill in one instrument, long
 *      or short, mostly 2x..10x, a tail up to 60x (one input each, as engine messages);
 *   3. market data, one input per call: a book replacement (5 levels a side), a trade, an
 *      index update or a clock step, on a random walk with a jump every 50000 inputs (0.3% to 1.2%,
 *      toward the start price once prices have wandered 4% away) that liquidates the tail.
 * Phases 1 and 2 are set-up; phase 3 is the measured stream (stream_market() counts it).
 * Deterministic for a seed.
 */
#include "lq/scn.h"

#include <stdbool.h>
#include <stdint.h>

#define STREAM_INSTRUMENTS 3

struct stream {
	uint64_t s;
	uint32_t accounts;
	uint64_t line;	   /* the last input's number */
	uint32_t def_next; /* next definition line */
	uint32_t pop_next; /* next population input (2 per account) */
	uint64_t market;   /* market inputs emitted */
	int64_t now_ns;	   /* the venue clock */
	int64_t mid[STREAM_INSTRUMENTS];
	int64_t start[STREAM_INSTRUMENTS];
	int64_t jump_left[STREAM_INSTRUMENTS]; /* ticks of a jump still to walk */
	uint32_t jump_every;		       /* market inputs between jumps (0 = none) */
};

void stream_init(struct stream *st, uint32_t accounts, uint64_t seed);
/* Positions the engine needs for the population (and what the fund may take over). */
uint32_t stream_positions_max(uint32_t accounts);
/* Is the set-up (definitions and population) done? */
bool stream_setup_done(const struct stream *st);
/*
 * Emit the next input through scn: a set-up input while there are some, else a market input.
 * Returns false on a scenario error (the definitions are fixed: a bug).
 */
bool stream_next(struct stream *st, struct lq_scn *scn);

#endif

/* ---- running the stream through the pipeline (e2e, scaling) ---- */

#include "lq/hist.h"
#include "lq/pipeline.h"

struct stream_run {
	/* in */
	uint32_t threads;
	int cores[LQ_PIPELINE_THREADS_MAX]; /* -1: not pinned */
	uint32_t accounts;
	uint64_t events; /* measured market inputs */
	uint64_t warmup; /* market inputs before them, paced but not measured */
	uint64_t rate;	 /* inputs per second, open loop; 0 = closed loop (as fast as possible) */
	uint64_t idle_cycles; /* pause between set-up and the market (drains the set-up) */
	enum lq_trigger_mode trigger;
	bool quiet; /* no jumps: market data without liquidations (throughput by population) */
	/* out */
	double tsc_hz;
	uint64_t setup_cycles;	 /* first set-up input to the first market input */
	uint64_t market_cycles;	 /* first measured input's due time to the end of the run */
	uint64_t send_cycles;	 /* first measured input's due time to the last one's sending */
	uint64_t max_lag_cycles; /* largest delay of an input behind its due time (open loop) */
	uint64_t output_events;
	uint64_t liquidations;
	uint64_t adl_fills;
	uint64_t takeovers;
	uint64_t output_hash;
	size_t engine_bytes;	       /* lq_engine_memsize of the engine stage */
	struct lq_hist lat[LQ_STAGES]; /* mark, engine, publish (cycles) */
};

/* Run the venue through a pipeline: 0, or a negative errno (message on stderr). */
int stream_run(struct stream_run *r);
