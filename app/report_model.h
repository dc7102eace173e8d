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

#define WATCH_MAX  16384u /* liquidated accounts followed for the worst-accounts table */
#define SERIES_INS 8	  /* instruments whose fund movements the fund chart follows */

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

struct watch {
	uint64_t id; /* 0 = empty */
	uint32_t liqs, takeovers, adl_against, adl_counter;
	uint32_t ins;
};

struct deposit {
	uint64_t id; /* 0 = empty */
	uint32_t asset;
	int64_t units;
};

struct worst {
	uint64_t id;
	uint32_t asset;
	int64_t deposited, equity;
	lq_i128 loss;
	const struct watch *w;
};

struct fund_row {
	char name[LQ_NAME_MAX];
	uint32_t asset;
	lq_i128 start, end, by_events;
};

struct lq_rep {
	/* ingest thread */
	uint32_t in_shift;
	int32_t plot_ins; /* the first instrument traded; -1 before */
	int64_t now_ns;
	struct in_bin in[LQ_REP_BINS];
	struct deposit *deposits;
	uint32_t deposit_mask;
	uint64_t deposits_untracked;
	/* publish thread */
	uint32_t out_shift;
	struct out_bin out[LQ_REP_BINS];
	uint64_t liqs, takeovers, adls, socials, bads;
	lq_i128 social_ins[LQ_INSTRUMENTS_MAX], bad_ins[LQ_INSTRUMENTS_MAX];
	lq_i128 fund_delta_ins[LQ_INSTRUMENTS_MAX];
	struct watch watch[WATCH_MAX];
	uint64_t watch_full;
	/* after the run */
	struct lq_rep_run run;
	uint32_t bins;
	uint32_t fund_count;
	struct fund_row funds[LQ_FUNDS_MAX];
	int32_t fund_of_ins[LQ_INSTRUMENTS_MAX];
	lq_i128 social_asset[LQ_ASSETS_MAX], bad_asset[LQ_ASSETS_MAX];
	lq_i128 bad_writeoff[LQ_ASSETS_MAX]; /* write-offs of flat accounts (no instrument) */
	uint32_t worst_count;
	struct worst worst[LQ_REP_WORST];
	uint64_t lat_ns[6]; /* p50 p90 p99 p99.9 max mean */
	double events_per_s;
};

/* Display helpers shared by the renderers (report_text.c, report_html.c). */
static inline const char *rep_money(char *buf, size_t cap, lq_i128 v, unsigned dec)
{
	lq_dec_format128(buf, cap, v, dec);
	return buf;
}

static inline const char *rep_asset_name(const struct lq_rep *r, uint32_t a)
{
	return r->run.engine->assets[a].name;
}

static inline unsigned rep_asset_dec(const struct lq_rep *r, uint32_t a)
{
	return r->run.engine->assets[a].decimals;
}

#endif
