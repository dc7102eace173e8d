/* SPDX-License-Identifier: MIT */
#ifndef LQ_REPORT_H
#define LQ_REPORT_H

/*
 * What a replay reports (report.c): accumulators fed during the run (the ingest thread's
 * market inputs and the population's deposits; the publish thread's output events), then,
 * after the run, the summary (human or JSON) and the self-contained HTML report.
 *
 * Series are binned by input record (the capture's packet number), with a fixed number of
 * bins allocated at start-up: when a record falls past the last bin, neighbouring bins merge
 * and a bin covers twice as many records. Each side (ingest, publish) is written by one
 * thread only and read after lq_pipeline_run returned.
 */
#include "lq/engine.h"
#include "lq/hist.h"
#include "lq/msg.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define LQ_REP_BINS  1024 /* points per series */
#define LQ_REP_WORST 5	  /* accounts listed in the summary */

struct lq_rep;

/* Start-up allocation: the tables are sized for accounts_max accounts. */
struct lq_rep *lq_rep_create(uint32_t accounts_max);
void lq_rep_destroy(struct lq_rep *r);

/* Ingest thread: a population line (its deposits count as the account's capital). */
void lq_rep_setup_line(struct lq_rep *r, const struct lq_engine *defs, const char *line,
		       size_t len);
/* Ingest thread: a market input of the capture (time, trades, marks), in input order. */
void lq_rep_input(struct lq_rep *r, const struct lq_msg *m);
/* Publish thread (struct lq_pipeline_config.on_event, ctx = the lq_rep). */
void lq_rep_event(void *ctx, const struct lq_msg *m);

/* What the replay knew besides (filled in by the caller after the run). */
struct lq_rep_run {
	const char *tool; /* "liqd replay" (NULL), "liqd run" */
	const char *capture;
	const char *population; /* a file, "generated", or NULL (the configuration holds it) */
	uint64_t accounts_generated;
	uint64_t seed;
	uint32_t threads;
	int64_t shock_e8;
	uint64_t events_in; /* feed messages */
	uint64_t engine_events;
	uint64_t partial; /* partial liquidations (engine statistics) */
	uint64_t wall_ns;
	double tsc_per_ns;
	const struct lq_hist *latency; /* decision latency in cycles, or NULL */
	uint64_t hash;
	uint64_t output_lines;
	const struct lq_engine *engine; /* the run's engine (after the run) */
	const struct lq_engine *defs;	/* the definitions as loaded (fund start balances) */
};

/* After the run: totals, worst accounts, series in time. */
void lq_rep_finish(struct lq_rep *r, const struct lq_rep_run *run);
/* The human summary. */
void lq_rep_print_human(const struct lq_rep *r, FILE *f);
/* The summary's extra JSON fields, each preceded by a comma. */
void lq_rep_print_json(const struct lq_rep *r, FILE *f);
/* The HTML report; 0 or -errno. */
int lq_rep_write_html(const struct lq_rep *r, const char *path);

/* TSC ticks per nanosecond, from two (tsc, CLOCK_MONOTONIC) readings. */
uint64_t lq_rep_tsc(void);
uint64_t lq_rep_mono_ns(void);

#endif
