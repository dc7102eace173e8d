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
#include "lq/feedin.h"
#include "lq/hist.h"
#include "lq/msg.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define LQ_REP_BINS  1024 /* points per series */
#define LQ_REP_WORST 5	  /* accounts listed in the summary */

struct lq_rep;

/*
 * Start-up allocation: the tables are sized for accounts_max accounts, of which at most
 * deposits_beyond have deposits (configuration and population lines) under ids past
 * accounts_max (those by id up to it need no room of their own).
 */
struct lq_rep *lq_rep_create(uint32_t accounts_max, uint32_t deposits_beyond);
void lq_rep_destroy(struct lq_rep *r);
/* Start-up, before the run, when an HTML report is wanted: its per-instrument series and the
 * event rows' temporary file. 0 or -errno. */
int lq_rep_plot_enable(struct lq_rep *r);

/* Start-up, before the run, when --accounts-out is wanted: each account's money totals. */
void lq_rep_money_enable(struct lq_rep *r);

/* Ingest thread: a population line (its deposits count as the account's capital). */
void lq_rep_setup_line(struct lq_rep *r, const struct lq_engine *defs, const char *line,
		       size_t len);
/*
 * The same for a line the parser accepted as a deposit (c, its command; l, its tokens of the
 * line), without reading it again: true if the line counted exactly as lq_rep_setup_line
 * would count it; false (nothing done) where the two could differ: then lq_rep_setup_line.
 */
struct lq_scn_tokens;
bool lq_rep_setup_deposit(struct lq_rep *r, const struct lq_cmd *c, const struct lq_scn_tokens *l,
			  const char *line, size_t len);
/* Ingest thread: a market input of the capture (time, trades, marks), in input order. */
void lq_rep_input(struct lq_rep *r, const struct lq_msg *m);
/* Mark stage thread (struct lq_pipeline_config.on_mark, ctx = the lq_rep). */
void lq_rep_mark(void *ctx, const struct lq_cmd *d);
/* Publish thread (struct lq_pipeline_config.on_event, ctx = the lq_rep). */
void lq_rep_event(void *ctx, const struct lq_msg *m);
/*
 * Ingest thread: the TSC at which the input of `line` was taken (its messages carry line).
 * With it, lq_rep_event measures each input's time to its first decision apart from the
 * cascade that may follow (events per input). tsc 0: not measured.
 */
void lq_rep_input_stamp(struct lq_rep *r, uint64_t line, uint64_t tsc);
/*
 * Before the run: pass the engine's events through the report on their way to the engine's
 * sink, so that the first decision of each input is timed where the engine makes it (engine
 * thread), not where the publish stage, possibly a whole cascade later, writes it out.
 */
void lq_rep_attach_engine(struct lq_rep *r, struct lq_engine *e);

/* What the replay knew besides (filled in by the caller after the run). */
struct lq_rep_run {
	const char *tool; /* "liqd replay" (NULL), "liqd run" */
	const char *capture;
	const char *population; /* a file, "generated", or NULL (the configuration holds it) */
	uint64_t accounts_generated;
	uint64_t seed;
	uint32_t threads;
	/*
	 * --threads N was given: the summary (text and JSON) names the count. Else it was chosen
	 * from the CPUs present and only the HTML report and standard error say it, so that the
	 * summary is the same on every machine.
	 */
	bool threads_fixed;
	int64_t shock_e8;
	uint64_t events_in; /* feed messages */
	uint64_t engine_events;
	uint64_t partial; /* partial liquidations (engine statistics) */
	uint64_t feed_packets, feed_refused_packets, unmapped, off_grid, records_cut;
	uint64_t rx_dropped, rx_unread; /* live: datagrams the receiver dropped, left unread */
	const char *rx_drop_where;	/* "by the receive socket (...)" */
	const struct lq_feedin *feedin; /* the feed adapter's counters, or NULL */
	uint64_t wall_ns;
	double tsc_per_ns;
	const struct lq_hist *latency; /* decision latency in cycles, or NULL */
	uint64_t hash;
	uint64_t output_lines;
	const struct lq_engine *engine; /* the run's engine (after the run) */
	const struct lq_engine *defs;	/* the definitions as loaded (fund start balances) */
	uint64_t preset_only; /* instruments (a bit per index) only a --venue preset defines */
};

/*
 * The summary: filled once by lq_rep_finish, rendered alike by the text summary, --json and
 * the HTML report. Money is exact (units of the asset's decimals); only rates are doubles.
 */
#define LQ_REP_WARN_MAX	 32  /* warnings kept (all are counted) */
#define LQ_REP_WARN_TEXT 320 /* bytes of one warning, NUL included */

struct lq_rep_asset {
	char name[LQ_NAME_MAX];
	unsigned decimals;
};

struct lq_rep_fund {
	char name[LQ_NAME_MAX];
	uint32_t asset;
	lq_i128 start, end, by_events;
};

struct lq_rep_worst {
	uint64_t id;
	uint32_t asset;
	int64_t deposited, equity;
	lq_i128 loss;
	uint32_t liqs, takeovers, adl_against;
	uint32_t ins; /* the instrument of its (last) liquidation */
};

/* One instrument of the configuration, as the replay saw it. */
struct lq_rep_ins {
	char name[LQ_NAME_MAX];
	uint32_t asset; /* settle asset */
	unsigned price_decimals;
	uint64_t feed_msgs;		/* feed messages mapped onto it */
	uint64_t trades, books;		/* trades and complete book updates given to the engine */
	uint64_t marks;			/* marks applied (the method's output, after --shock) */
	int64_t open, low, high, close; /* of the applied mark; 0 = no mark */
	int64_t dd_peak, dd_trough;	/* the largest peak-to-trough fall of the mark */
	uint64_t stale, gaps;		/* stale periods, feed gaps (halts) */
	uint64_t liqs, adls;
	uint64_t funding_events;
	lq_i128 funding_paid, funding_received; /* by the accounts (paid >= 0) */
	/* the feed adapter's funding times (struct lq_feedin_ins funding_*) */
	uint64_t funding_settled, funding_no_rate, funding_dup, funding_stale, funding_moved;
	uint64_t venue_liqs; /* the venue's liquidation prints (trades of kind liquidation) */
};

struct lq_rep_summary {
	/* the run */
	const char *tool, *capture, *population;
	uint64_t accounts_generated, seed;
	uint32_t threads;
	bool threads_fixed; /* lq_rep_run's */
	int64_t shock_e8;
	/* inputs */
	uint64_t feed_packets, feed_messages, feed_refused_packets, unmapped, off_grid;
	uint64_t engine_events;
	/* the feed's account events (passed to the engine, refused by the feed adapter) */
	uint64_t account_events, account_refused;
	uint64_t venue_liquidations; /* the venue's own liquidation prints in the feed */
	/* --fills external: liquidation orders sent, and how they ended (engine stats) */
	uint64_t orders_sent, orders_filled, orders_cancelled, orders_expired;
	uint64_t orders_open; /* still in flight at the end: their positions in liquidation */
	/* instruments only a --venue preset defines that nothing in the capture maps onto */
	uint32_t preset_unused_count;
	char preset_unused[LQ_INSTRUMENTS_MAX][LQ_NAME_MAX];
	/* outcomes (engine statistics) */
	uint64_t liquidations, partial, takeovers, adl_fills, socialized_charges, bad_debts;
	/* the engine's accounts; those liquidated at least once; those an ADL fill deleveraged */
	uint64_t accounts, accounts_liquidated, accounts_deleveraged;
	uint64_t trigger_crossings, rejected;
	uint32_t asset_count;
	struct lq_rep_asset assets[LQ_ASSETS_MAX];
	lq_i128 socialized[LQ_ASSETS_MAX], bad_debt[LQ_ASSETS_MAX];
	lq_i128 funding_paid[LQ_ASSETS_MAX], funding_received[LQ_ASSETS_MAX];
	uint64_t funding_events;
	uint32_t fund_count;
	struct lq_rep_fund funds[LQ_FUNDS_MAX];
	int32_t fund_of_ins[LQ_INSTRUMENTS_MAX];
	/* our mark against the venue's (mark_ref_count 0: not measured) */
	uint64_t mark_ref_count, mark_ref_median_e4bps, mark_ref_max_e4bps;
	uint32_t worst_count;
	struct lq_rep_worst worst[LQ_REP_WORST];
	uint32_t ins_count;
	struct lq_rep_ins ins[LQ_INSTRUMENTS_MAX];
	/* what the engine cannot stand behind (DESIGN 5): warning_count counts them all */
	uint32_t warning_count;
	char warnings[LQ_REP_WARN_MAX][LQ_REP_WARN_TEXT];
	/* speed */
	uint64_t wall_ns;
	double inputs_per_s;
	uint64_t lat_count;
	uint64_t lat_ns[6]; /* p50 p90 p99 p99.9 max mean */
	/* each input's first decision only (lq_rep_input_stamp), and the cascades' depth */
	uint64_t first_count;  /* inputs that led to at least one event, measured */
	uint64_t first_ns[6];  /* p50 p90 p99 p99.9 max mean */
	uint64_t depth_inputs; /* inputs that led to at least one event */
	uint64_t depth_q[3];   /* events per such input: p50 p99 max */
	/* the output */
	uint64_t output_lines, hash;
};

/* After the run: totals, worst accounts, series in time, the summary. */
void lq_rep_finish(struct lq_rep *r, const struct lq_rep_run *run);
const struct lq_rep_summary *lq_rep_summary(const struct lq_rep *r);
/* The human summary. */
void lq_rep_print_human(const struct lq_rep *r, FILE *f);
/* The summary as one JSON object and a newline. */
void lq_rep_print_json(const struct lq_rep *r, FILE *f);
/* The warnings, one "TOOL: warning: ..." line each (standard error). */
void lq_rep_print_warnings(const struct lq_rep *r, FILE *f);
/*
 * --accounts-out: one row per account after the run (report_accounts.c): CSV, or JSON lines
 * when path ends in .jsonl; 0 or -errno.
 */
int lq_rep_write_accounts(const struct lq_rep *r, const char *path);
/* The HTML report; 0 or -errno. */
int lq_rep_write_html(const struct lq_rep *r, const char *path);

/* TSC ticks per nanosecond, from two (tsc, CLOCK_MONOTONIC) readings. */
uint64_t lq_rep_tsc(void);
uint64_t lq_rep_mono_ns(void);

#endif
