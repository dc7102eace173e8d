/* SPDX-License-Identifier: MIT */
#ifndef LQ_REPORT_MODEL_H
#define LQ_REPORT_MODEL_H
/*
 * The replay report's model (report.c fills it: one thread per side during the run, then
 * lq_rep_finish), shared with its renderers: report_text.c (the human summary and the
 * summary's JSON fields) and report_html.c (the HTML page). Private to app/.
 */
#include "lq/report.h"

#include "lq/instrument.h"
#include "lq/num.h"

#define SERIES_INS 8 /* instruments whose fund movements the fund chart follows */

struct in_bin {
	int64_t t_ns;	      /* time of the bin's first input; 0 = none */
	int64_t lo, hi, last; /* trades of the plotted instrument; 0 = none */
	int64_t mark;	      /* last external mark */
	int64_t index;	      /* last index */
};

struct out_bin {
	uint32_t liq, adl, takeover, social, bad;
	int64_t price; /* the last liquidation's or ADL's price on the plotted instrument */
	lq_i128 ins_delta[SERIES_INS]; /* fund deltas of the instrument's events */
};

/*
 * An account an output event named (publish thread), one row each, O(1) by id: what the
 * summary reads (32 bytes). The instruments of its money events are a mask, bit i for
 * instrument i: its bits 0 to 7 here, the whole mask in a table apart (acct_wide, by row,
 * touched only for the rows that need it) once an instrument past 7 is among them. Its money
 * totals, which only --accounts-out prints, are a row of a table of their own, kept only when
 * that is wanted (lq_rep_money_enable).
 */
#define REP_INS_NONE 0xffu
struct rep_acct {
	uint64_t id;
	uint32_t liqs, takeovers;
	uint32_t adl_suffered; /* ADL fills against its profitable position (deleveraged) */
	uint32_t adl_received; /* ADL fills against others that covered its deficit */
	uint8_t ins;	       /* the instrument of its last liquidation; REP_INS_NONE none */
	uint8_t ins_lo8;       /* bits 0 to 7 of the instruments' mask */
	bool ins_wide;	       /* the mask has a bit past 7: all of it in acct_wide */
};
_Static_assert(LQ_INSTRUMENTS_MAX <= REP_INS_NONE, "an instrument is a byte below the none");

struct rep_acct_money {
	lq_i128 fees, pnl, funding, socialized, bad_debt;
};

/* Per instrument, by the thread that writes it. */
struct rep_ins_in { /* ingest, feed inputs only */
	uint64_t trades, books;
};

struct rep_ins_mark { /* mark stage */
	uint64_t marks;
	int64_t open, low, high, close, peak;
	int64_t dd_peak, dd_trough;
};

struct rep_ins_out { /* publish */
	uint64_t stale, gaps, liqs, adls, funding_events;
	lq_i128 funding_paid, funding_received;
};

/* An account's deposits in its first asset (lq_rep_deposit_find). */
struct deposit {
	uint64_t id;
	uint32_t asset;
	int64_t units;
};

/* The deposits table's slot; its asset apart (a byte each), so that a slot is 16 bytes. */
struct deposit_slot {
	uint64_t id; /* 0 = empty */
	int64_t units;
};

/*
 * The HTML report's series and event rows (report_plot.c), allocated only with --report
 * (lq_rep_plot_enable): per instrument, PLOT_BINS bins by input record (merged pairwise
 * when the capture runs past the last, like the summary's bins); the venue time of each of
 * TIME_BINS bins by input record; and one fixed-size row per risk event, written to an
 * unlinked temporary file (O(1) per event, no table to saturate) and read back by the
 * renderer.
 */
#define PLOT_BINS 2048u
#define TIME_BINS 65536u

struct plot_in {
	int64_t lo, hi, last;	  /* the venue's trades (liquidation prints apart); 0 = none */
	int64_t mark, index;	  /* the last external mark and index inputs; 0 = none */
	int64_t vliq_lo, vliq_hi; /* the venue's liquidation prints (TRADE of kind liquidation) */
	uint32_t vliq;
};

struct plot_out {
	uint32_t liq, adl;
	int64_t liq_price,
	    adl_price;	    /* the last liquidation's fill (else bankruptcy) price, ADL's */
	lq_i128 fund_delta; /* the fund deltas of the instrument's events */
};

struct ev_row {
	uint64_t line, account, other; /* ADL: account = the counterparty, other = the liquidated */
	int64_t qty, price, avg, fee, fund_delta, pnl;
	uint32_t type, instrument;
};

struct rep_plot {
	/* ingest thread */
	int64_t now_ns;
	uint32_t in_shift, t_shift;
	int64_t *t;	    /* TIME_BINS: the venue time at each bin's first input (0 = none) */
	struct plot_in *in; /* [LQ_INSTRUMENTS_MAX][PLOT_BINS] */
	uint32_t ins_seen;  /* 1 + the highest instrument with a market input */
	/* publish thread */
	uint32_t out_shift;
	struct plot_out *out; /* [LQ_INSTRUMENTS_MAX][PLOT_BINS] */
	FILE *rows;
	char *rows_buf;
	uint64_t rows_n;
	int rows_errno; /* the first write error (the report then says so and fails) */
};

/* report_plot.c: the hooks lq_rep_input / lq_rep_event / lq_rep_finish / destroy call. */
void rep_plot_input(struct rep_plot *p, const struct lq_msg *m);
void rep_plot_event(struct rep_plot *p, const struct lq_msg *m);
void rep_plot_finish(struct rep_plot *p);
void rep_plot_free(struct rep_plot *p);

struct lq_rep {
	struct rep_plot *plot; /* NULL without an HTML report */
	/* ingest thread */
	uint32_t in_shift;
	int32_t plot_ins; /* the first instrument traded; -1 before */
	int64_t now_ns;
	struct in_bin in[LQ_REP_BINS];
	/*
	 * Deposits of ids 1 to dep_direct (the usual ids: an exchange's or popgen's, numbered
	 * from 1) by id, without a hash: units, and the asset + 1 (0: none yet); other ids in
	 * the table after them. Both are touched only where written.
	 */
	int64_t *dep_units;
	uint8_t *dep_asset1;
	uint32_t dep_direct;
	struct deposit_slot *deposits; /* deposit_cap slots, at most 3/4 full */
	uint8_t *deposit_asset;	       /* each slot's asset */
	uint32_t deposit_cap;
	uint64_t deposits_untracked;
	struct rep_ins_in ins_in[LQ_INSTRUMENTS_MAX];
	/* mark stage thread */
	struct rep_ins_mark ins_mark[LQ_INSTRUMENTS_MAX];
	/* publish thread */
	uint32_t out_shift;
	struct out_bin out[LQ_REP_BINS];
	uint64_t liqs, takeovers, adls, socials, bads, rejected;
	lq_i128 social_ins[LQ_INSTRUMENTS_MAX], bad_ins[LQ_INSTRUMENTS_MAX];
	lq_i128 fund_delta_ins[LQ_INSTRUMENTS_MAX];
	struct rep_ins_out ins_out[LQ_INSTRUMENTS_MAX];
	struct rep_acct *acct;		   /* rows, in order of first event */
	struct rep_acct_money *acct_money; /* their money totals, or NULL (lq_rep_money_enable) */
	uint64_t *acct_wide;   /* by row: the whole instruments' mask of a row with ins_wide */
	uint32_t *acct_direct; /* ids 1 to acct_max by id (no hash): row + 1, 0 = none yet */
	uint32_t *acct_index;  /* other ids: open addressing, acct_cap slots: row + 1, 0 = empty */
	uint32_t acct_count, acct_max, acct_cap;
	uint64_t acct_untracked; /* events of accounts past acct_max (never expected) */
	uint64_t acct_mixed;	 /* accounts whose money events span settle assets (finish) */
	/* input to first decision, and events per input (lq_rep_input_stamp, lq_rep_event) */
	uint64_t *stamps; /* REP_STAMPS entries, by line: written by ingest, read by publish */
	uint64_t cas_line, cas_events;
	bool cas_open;
	struct lq_hist first_lat; /* TSC cycles */
	struct lq_hist depth;	  /* events per input */
	uint64_t pub_ordinal;	  /* the engine's events published so far (not rejected) */
	bool need_first;	  /* the current line's first engine event is still to come */
	/* engine thread (lq_rep_attach_engine): each input event's first event, timed */
	const struct lq_engine *eng;
	lq_event_sink eng_sink;
	void *eng_sink_ctx;
	uint64_t eng_ordinal, eng_input;
	struct rep_first {
		uint64_t ordinal; /* of the input event's first event among the engine's */
		uint64_t tsc;
	} * firsts; /* REP_FIRSTS entries, a ring: engine thread writes, publish reads */
	uint64_t firsts_head, firsts_tail; /* atomics: written by engine, by publish */
	/* after the run */
	struct lq_rep_run run;
	uint32_t bins;
	lq_i128 bad_writeoff[LQ_ASSETS_MAX]; /* write-offs of flat accounts (no instrument) */
	struct lq_rep_summary sum;	     /* what every renderer prints */
};

/* An account's deposits in its first asset (the population's); false: none. */
bool lq_rep_deposit_find(const struct lq_rep *r, uint64_t id, struct deposit *out);
/* An account's row of event totals, or NULL when no event named it. */
const struct rep_acct *lq_rep_acct_find(const struct lq_rep *r, uint64_t id);
/* The instrument of a row's last liquidation, LQ_NIL none. */
static inline uint32_t lq_rep_acct_ins(const struct rep_acct *a)
{
	return a->ins == REP_INS_NONE ? LQ_NIL : a->ins;
}
/* The instruments of a row's money events: bit i for instrument i. */
uint64_t lq_rep_acct_mask(const struct lq_rep *r, const struct rep_acct *a);
/* A row's money totals (zero for NULL); only with lq_rep_money_enable. */
const struct rep_acct_money *lq_rep_acct_money(const struct lq_rep *r, const struct rep_acct *a);
/* Equity of an account in an asset: cross margin plus its isolated positions settled in it. */
lq_i128 lq_rep_equity(const struct lq_engine *e, uint32_t slot, uint32_t asset);

/* Display helpers shared by the renderers (report_text.c, report_html.c). */
static inline const char *rep_money(char *buf, size_t cap, lq_i128 v, unsigned dec)
{
	lq_dec_format128(buf, cap, v, dec);
	return buf;
}

static inline const char *rep_asset_name(const struct lq_rep *r, uint32_t a)
{
	return r->sum.assets[a].name;
}

static inline unsigned rep_asset_dec(const struct lq_rep *r, uint32_t a)
{
	return r->sum.assets[a].decimals;
}

#endif
