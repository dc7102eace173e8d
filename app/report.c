/* SPDX-License-Identifier: MIT */
/*
 * A replay's report (report.h): accumulators written during the run by one thread each, then
 * the summary (human, JSON) and the HTML page with inline SVG charts. Floating point appears
 * only here, after the run, for display (coordinates, rates); every money figure is printed
 * from the exact integers.
 */
#include "lq/report.h"

#include "lq/app.h"

#include "lq/instrument.h"
#include "lq/num.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <time.h>
#include <x86intrin.h>

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

uint64_t lq_rep_tsc(void)
{
	return __rdtsc();
}

uint64_t lq_rep_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct lq_rep *lq_rep_create(uint32_t accounts_max)
{
	struct lq_rep *r = lq_startup_alloc(sizeof(*r), "the report");
	uint64_t cap = 1024;
	while (cap < 2ull * accounts_max && cap < (1ull << 31))
		cap <<= 1;
	r->deposits = lq_startup_alloc(cap * sizeof(*r->deposits), "the deposits table");
	r->deposit_mask = (uint32_t)(cap - 1);
	r->plot_ins = -1;
	return r;
}

void lq_rep_destroy(struct lq_rep *r)
{
	if (!r)
		return;
	lq_startup_free(r->deposits);
	lq_startup_free(r);
}

static uint32_t hash64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return (uint32_t)x;
}

/* ---- ingest side ---- */

void lq_rep_setup_line(struct lq_rep *r, const struct lq_engine *defs, const char *line, size_t len)
{
	char buf[256];
	char asset[64], amount[64];
	unsigned long long id;

	if (len < 8 || memcmp(line, "deposit", 7) != 0 || len >= sizeof(buf))
		return;
	memcpy(buf, line, len);
	buf[len] = '\0';
	if (sscanf(buf, "deposit %llu %63s %63s", &id, asset, amount) != 3 || id == 0)
		return;
	int a = lq_engine_find_asset(defs, asset, strlen(asset));
	int64_t units;
	if (a < 0 ||
	    lq_dec_parse(amount, strlen(amount), defs->assets[a].decimals, &units) != LQ_DEC_OK)
		return; /* the engine refuses it too */
	for (uint32_t k = 0, h = hash64(id);; k++, h++) {
		struct deposit *d = &r->deposits[h & r->deposit_mask];
		if (k > r->deposit_mask) {
			r->deposits_untracked++;
			return;
		}
		if (d->id == 0) {
			d->id = id;
			d->asset = (uint32_t)a;
		}
		if (d->id == id) {
			if (d->asset == (uint32_t)a)
				d->units += units;
			return;
		}
	}
}

static void in_merge(struct in_bin *d, const struct in_bin *a, const struct in_bin *b)
{
	struct in_bin m = *a;
	if (m.t_ns == 0)
		m.t_ns = b->t_ns;
	if (b->lo && (!m.lo || b->lo < m.lo))
		m.lo = b->lo;
	if (b->hi > m.hi)
		m.hi = b->hi;
	if (b->last)
		m.last = b->last;
	if (b->mark)
		m.mark = b->mark;
	if (b->index)
		m.index = b->index;
	*d = m;
}

static void out_merge(struct out_bin *d, const struct out_bin *a, const struct out_bin *b)
{
	struct out_bin m = *a;
	m.liq += b->liq;
	m.adl += b->adl;
	m.takeover += b->takeover;
	m.social += b->social;
	m.bad += b->bad;
	if (b->price)
		m.price = b->price;
	for (uint32_t k = 0; k < SERIES_INS; k++)
		m.ins_delta[k] += b->ins_delta[k];
	*d = m;
}

/* Halve the resolution: bin i takes bins 2i and 2i+1. */
static void in_coarsen(struct lq_rep *r)
{
	for (uint32_t i = 0; i < LQ_REP_BINS / 2; i++)
		in_merge(&r->in[i], &r->in[2 * i], &r->in[2 * i + 1]);
	memset(&r->in[LQ_REP_BINS / 2], 0, sizeof(r->in) / 2);
	r->in_shift++;
}

static void out_coarsen(struct lq_rep *r)
{
	for (uint32_t i = 0; i < LQ_REP_BINS / 2; i++)
		out_merge(&r->out[i], &r->out[2 * i], &r->out[2 * i + 1]);
	memset(&r->out[LQ_REP_BINS / 2], 0, sizeof(r->out) / 2);
	r->out_shift++;
}

void lq_rep_input(struct lq_rep *r, const struct lq_msg *m)
{
	if (m->type != LQ_MSG_CMD)
		return;
	const struct lq_cmd *c = &m->u.cmd;
	if (c->type == LQ_CMD_TIME) {
		r->now_ns = c->time_ns;
		return;
	}
	if (c->type != LQ_CMD_TRADE && c->type != LQ_CMD_MARK && c->type != LQ_CMD_INDEX)
		return;
	if (r->plot_ins < 0 && c->type == LQ_CMD_TRADE)
		r->plot_ins = (int32_t)c->instrument;
	uint64_t i = m->line >> r->in_shift;
	while (i >= LQ_REP_BINS && r->in_shift < 63) {
		in_coarsen(r);
		i = m->line >> r->in_shift;
	}
	struct in_bin *b = &r->in[i];
	if (b->t_ns == 0)
		b->t_ns = r->now_ns;
	if ((int32_t)c->instrument != r->plot_ins)
		return;
	if (c->type == LQ_CMD_TRADE) {
		if (!b->lo || c->price < b->lo)
			b->lo = c->price;
		if (c->price > b->hi)
			b->hi = c->price;
		b->last = c->price;
	} else if (c->type == LQ_CMD_MARK) {
		b->mark = c->price;
	} else {
		b->index = c->price;
	}
}

/* ---- publish side ---- */

static struct watch *watch_get(struct lq_rep *r, uint64_t id, bool insert)
{
	for (uint32_t k = 0, h = hash64(id); k < WATCH_MAX; k++, h++) {
		struct watch *w = &r->watch[h & (WATCH_MAX - 1)];
		if (w->id == id)
			return w;
		if (w->id == 0) {
			if (!insert)
				return NULL;
			w->id = id;
			return w;
		}
	}
	r->watch_full += insert;
	return NULL;
}

void lq_rep_event(void *ctx, const struct lq_msg *m)
{
	struct lq_rep *r = ctx;
	const struct lq_event *ev = &m->u.event;
	uint64_t i = m->line >> r->out_shift;

	if (ev->type == LQ_EV_BAD_DEBT && ev->instrument == LQ_NIL && ev->asset < LQ_ASSETS_MAX) {
		/* a flat account's negative balance written off: bad debt of no instrument */
		r->bads++;
		r->bad_writeoff[ev->asset] += ev->amount_units;
		return;
	}
	if (ev->type == LQ_EV_REJECTED || ev->type == LQ_EV_FUNDING || ev->type == LQ_EV_STALE ||
	    ev->instrument >= LQ_INSTRUMENTS_MAX)
		return;
	while (i >= LQ_REP_BINS && r->out_shift < 63) {
		out_coarsen(r);
		i = m->line >> r->out_shift;
	}
	struct out_bin *b = &r->out[i];
	struct watch *w;

	/*
	 * The events that move a fund's balance (lq/event_schema.h): a liquidation's fee, a fund's
	 * trade, a socialized loss a fund collected, a bad debt a fund was made whole for. A
	 * takeover's fund_delta sums the fund_trade events that follow it: counted there.
	 */
	if (lq_event_type_moves_fund(ev->type)) {
		r->fund_delta_ins[ev->instrument] += ev->fund_delta_units;
		if (ev->instrument < SERIES_INS)
			b->ins_delta[ev->instrument] += ev->fund_delta_units;
	}
	switch (ev->type) {
	case LQ_EV_LIQUIDATION:
		r->liqs++;
		b->liq++;
		b->price = ev->price;
		if ((w = watch_get(r, ev->account, true))) {
			w->liqs++;
			w->ins = ev->instrument;
		}
		break;
	case LQ_EV_TAKEOVER:
		/* its fund_delta sums the fund_trade events that follow it: counted there */
		r->takeovers++;
		b->takeover++;
		if ((w = watch_get(r, ev->account, false)))
			w->takeovers++;
		break;
	case LQ_EV_ADL:
		r->adls++;
		b->adl++;
		b->price = ev->price;
		if ((w = watch_get(r, ev->other_account, false)))
			w->adl_against++;
		if ((w = watch_get(r, ev->account, false)))
			w->adl_counter++;
		break;
	case LQ_EV_SOCIALIZED_LOSS:
		r->socials++;
		b->social++;
		r->social_ins[ev->instrument] += ev->amount_units;
		break;
	case LQ_EV_BAD_DEBT:
		r->bads++;
		b->bad++;
		r->bad_ins[ev->instrument] += ev->amount_units;
		break;
	default:
		break;
	}
}

/* ---- after the run ---- */

static lq_i128 account_equity(const struct lq_engine *e, uint64_t id, uint32_t asset)
{
	uint32_t a = lq_engine_find_account(e, id);
	struct lq_margin mg;
	if (a == LQ_NIL)
		return 0;
	lq_account_margin(e, a, asset, &mg);
	lq_i128 eq = mg.equity_units;
	for (uint32_t p = e->accounts[a].pos_head; p != LQ_NIL; p = e->positions[p].next) {
		const struct lq_position *pos = &e->positions[p];
		if (!pos->isolated || e->instruments[pos->instrument].settle_asset != asset)
			continue;
		struct lq_position_view v;
		lq_position_view(e, p, false, &v);
		eq += v.equity_units;
	}
	return eq;
}

static const struct deposit *deposit_find(const struct lq_rep *r, uint64_t id)
{
	for (uint32_t k = 0, h = hash64(id); k <= r->deposit_mask; k++, h++) {
		const struct deposit *d = &r->deposits[h & r->deposit_mask];
		if (d->id == id)
			return d;
		if (d->id == 0)
			return NULL;
	}
	return NULL;
}

static void find_worst(struct lq_rep *r, const struct lq_engine *e)
{
	for (uint32_t k = 0; k < WATCH_MAX; k++) {
		const struct watch *w = &r->watch[k];
		if (w->id == 0 || w->ins >= e->instrument_count)
			continue;
		struct worst c = {.id = w->id, .w = w};
		const struct deposit *d = deposit_find(r, w->id);
		c.asset = d ? d->asset : e->instruments[w->ins].settle_asset;
		c.deposited = d ? d->units : 0;
		lq_i128 eq = account_equity(e, w->id, c.asset);
		c.equity = eq > INT64_MAX ? INT64_MAX : eq < INT64_MIN ? INT64_MIN : (int64_t)eq;
		c.loss = (lq_i128)c.deposited - eq;
		/* insertion into the sorted top list: larger loss first, then lower id */
		uint32_t pos = r->worst_count;
		while (pos > 0 &&
		       (r->worst[pos - 1].loss < c.loss ||
			(r->worst[pos - 1].loss == c.loss && r->worst[pos - 1].id > c.id)))
			pos--;
		if (pos >= LQ_REP_WORST)
			continue;
		uint32_t last = r->worst_count < LQ_REP_WORST ? r->worst_count : LQ_REP_WORST - 1;
		memmove(&r->worst[pos + 1], &r->worst[pos], (last - pos) * sizeof(c));
		r->worst[pos] = c;
		if (r->worst_count < LQ_REP_WORST)
			r->worst_count++;
	}
}

static void funds_finish(struct lq_rep *r, const struct lq_rep_run *run)
{
	const struct lq_engine *e = run->engine;
	for (uint32_t i = 0; i < LQ_INSTRUMENTS_MAX; i++)
		r->fund_of_ins[i] = i < e->instrument_count ? e->instruments[i].params.fund : -1;
	r->fund_count = e->fund_count;
	for (uint32_t f = 0; f < e->fund_count; f++) {
		struct fund_row *fr = &r->funds[f];
		memcpy(fr->name, e->funds[f].name, LQ_NAME_MAX);
		fr->asset = e->funds[f].asset;
		fr->end = e->ledger.total[LQ_LEDGER_FUND0 + f][fr->asset];
		fr->start = run->defs && f < run->defs->fund_count
				? run->defs->ledger.total[LQ_LEDGER_FUND0 + f][fr->asset]
				: 0;
		fr->by_events = fr->start;
	}
	for (uint32_t i = 0; i < e->instrument_count && i < LQ_INSTRUMENTS_MAX; i++) {
		uint32_t a = e->instruments[i].settle_asset;
		r->social_asset[a] += r->social_ins[i];
		r->bad_asset[a] += r->bad_ins[i];
		if (r->fund_of_ins[i] >= 0)
			r->funds[r->fund_of_ins[i]].by_events += r->fund_delta_ins[i];
	}
	for (uint32_t a = 0; a < LQ_ASSETS_MAX; a++)
		r->bad_asset[a] += r->bad_writeoff[a];
}

void lq_rep_finish(struct lq_rep *r, const struct lq_rep_run *run)
{
	r->run = *run;
	while (r->in_shift < r->out_shift)
		in_coarsen(r);
	while (r->out_shift < r->in_shift)
		out_coarsen(r);
	r->bins = 0;
	for (uint32_t i = 0; i < LQ_REP_BINS; i++)
		if (r->in[i].t_ns || r->out[i].liq || r->out[i].adl || r->out[i].takeover)
			r->bins = i + 1;
	funds_finish(r, run);
	find_worst(r, run->engine);
	if (run->latency && run->latency->count && run->tsc_per_ns > 0) {
		static const uint32_t ppm[4] = {500000, 900000, 990000, 999000};
		for (int k = 0; k < 4; k++)
			r->lat_ns[k] = (uint64_t)((double)lq_hist_quantile(run->latency, ppm[k]) /
						  run->tsc_per_ns);
		r->lat_ns[4] = (uint64_t)((double)run->latency->max / run->tsc_per_ns);
		r->lat_ns[5] = (uint64_t)((double)lq_hist_mean(run->latency) / run->tsc_per_ns);
	}
	r->events_per_s =
	    run->wall_ns ? (double)run->engine_events * 1e9 / (double)run->wall_ns : 0;
}

/* ---- text ---- */

static const char *money(char *buf, size_t cap, lq_i128 v, unsigned dec)
{
	lq_dec_format128(buf, cap, v, dec);
	return buf;
}

static const char *asset_name(const struct lq_rep *r, uint32_t a)
{
	return r->run.engine->assets[a].name;
}

static unsigned asset_dec(const struct lq_rep *r, uint32_t a)
{
	return r->run.engine->assets[a].decimals;
}

static void human_per_asset(const struct lq_rep *r, FILE *f, const char *label, const lq_i128 *v)
{
	char b[64];
	bool any = false;
	fprintf(f, "  %-23s", label);
	for (uint32_t a = 0; a < r->run.engine->asset_count; a++)
		if (v[a] != 0) {
			fprintf(f, "%s%s %s", any ? ", " : "",
				money(b, sizeof(b), v[a], asset_dec(r, a)), asset_name(r, a));
			any = true;
		}
	fprintf(f, "%s\n", any ? "" : "0");
}

static void human_latency(const struct lq_rep *r, FILE *f)
{
	if (!r->run.latency || !r->run.latency->count) {
		fprintf(f, "  decision latency       (no events)\n");
		return;
	}
	fprintf(f,
		"  decision latency       p50 %llu ns, p90 %llu, p99 %llu, p99.9 %llu, max %llu "
		"(%llu events, input to output)\n",
		(unsigned long long)r->lat_ns[0], (unsigned long long)r->lat_ns[1],
		(unsigned long long)r->lat_ns[2], (unsigned long long)r->lat_ns[3],
		(unsigned long long)r->lat_ns[4], (unsigned long long)r->run.latency->count);
}

void lq_rep_print_human(const struct lq_rep *r, FILE *f)
{
	const struct lq_rep_run *run = &r->run;
	char b1[64], b2[64], b3[64];

	fprintf(f, "%s: %s", run->tool ? run->tool : "liqd replay", run->capture);
	if (run->shock_e8)
		fprintf(f, " (shock x%s)", money(b1, sizeof(b1), run->shock_e8, 8));
	if (run->population)
		fprintf(f, ", population %s", run->population);
	if (run->accounts_generated)
		fprintf(f, " (%llu accounts, seed %llu)",
			(unsigned long long)run->accounts_generated, (unsigned long long)run->seed);
	fprintf(f, ", %u thread%s\n", run->threads, run->threads > 1 ? "s" : "");
	fprintf(f, "  events in              %llu feed messages (%llu engine inputs)\n",
		(unsigned long long)run->events_in, (unsigned long long)run->engine_events);
	fprintf(f, "  liquidations           %llu (%llu full, %llu partial)\n",
		(unsigned long long)r->liqs, (unsigned long long)(r->liqs - run->partial),
		(unsigned long long)run->partial);
	fprintf(f, "  fund takeovers         %llu\n", (unsigned long long)r->takeovers);
	fprintf(f, "  ADL fills              %llu\n", (unsigned long long)r->adls);
	human_per_asset(r, f, "socialized", r->social_asset);
	human_per_asset(r, f, "bad debt", r->bad_asset);
	for (uint32_t k = 0; k < r->fund_count; k++) {
		const struct fund_row *fr = &r->funds[k];
		unsigned d = asset_dec(r, fr->asset);
		fprintf(f, "  fund %-17s %s -> %s %s (%s%s)\n", fr->name,
			money(b1, sizeof(b1), fr->start, d), money(b2, sizeof(b2), fr->end, d),
			asset_name(r, fr->asset), fr->end >= fr->start ? "+" : "",
			money(b3, sizeof(b3), fr->end - fr->start, d));
	}
	if (r->worst_count) {
		fprintf(f, "  worst accounts (loss = deposits - equity at the end):\n");
		for (uint32_t k = 0; k < r->worst_count; k++) {
			const struct worst *w = &r->worst[k];
			unsigned d = asset_dec(r, w->asset);
			fprintf(f,
				"    %-10llu lost %s of %s %s: %u liquidation%s (%s), %u fund "
				"takeover%s, %u ADL fill%s against other accounts\n",
				(unsigned long long)w->id, money(b1, sizeof(b1), w->loss, d),
				money(b2, sizeof(b2), w->deposited, d), asset_name(r, w->asset),
				w->w->liqs, w->w->liqs == 1 ? "" : "s",
				r->run.engine->instruments[w->w->ins].name, w->w->takeovers,
				w->w->takeovers == 1 ? "" : "s", w->w->adl_against,
				w->w->adl_against == 1 ? "" : "s");
		}
	}
	fprintf(f,
		"  throughput             %.0f inputs/s (%llu engine inputs, population and feed, "
		"in %.3f s wall)\n",
		r->events_per_s, (unsigned long long)run->engine_events,
		(double)run->wall_ns / 1e9);
	human_latency(r, f);
	fprintf(f, "  output                 %llu lines, hash %016llx\n",
		(unsigned long long)run->output_lines, (unsigned long long)run->hash);
}

static void json_per_asset(const struct lq_rep *r, FILE *f, const char *key, const lq_i128 *v)
{
	char b[64];
	fprintf(f, ",\"%s\":{", key);
	bool first = true;
	for (uint32_t a = 0; a < r->run.engine->asset_count; a++) {
		fprintf(f, "%s\"%s\":\"%s\"", first ? "" : ",", asset_name(r, a),
			money(b, sizeof(b), v[a], asset_dec(r, a)));
		first = false;
	}
	fputc('}', f);
}

void lq_rep_print_json(const struct lq_rep *r, FILE *f)
{
	char b1[64], b2[64];

	fprintf(f, ",\"liquidations_full\":%llu", (unsigned long long)(r->liqs - r->run.partial));
	json_per_asset(r, f, "socialized", r->social_asset);
	json_per_asset(r, f, "bad_debt", r->bad_asset);
	fprintf(f, ",\"fund_balances\":{");
	for (uint32_t k = 0; k < r->fund_count; k++) {
		const struct fund_row *fr = &r->funds[k];
		unsigned d = asset_dec(r, fr->asset);
		fprintf(f, "%s\"%s\":{\"asset\":\"%s\",\"start\":\"%s\",\"end\":\"%s\"}",
			k ? "," : "", fr->name, asset_name(r, fr->asset),
			money(b1, sizeof(b1), fr->start, d), money(b2, sizeof(b2), fr->end, d));
	}
	fprintf(f, "},\"worst_accounts\":[");
	for (uint32_t k = 0; k < r->worst_count; k++) {
		const struct worst *w = &r->worst[k];
		unsigned d = asset_dec(r, w->asset);
		char b3[64];
		fprintf(
		    f,
		    "%s{\"account\":%llu,\"asset\":\"%s\",\"deposited\":\"%s\",\"equity\":\"%s\","
		    "\"loss\":\"%s\",\"liquidated\":%u,\"taken_over\":%u,\"adl_against\":%u}",
		    k ? "," : "", (unsigned long long)w->id, asset_name(r, w->asset),
		    money(b1, sizeof(b1), w->deposited, d), money(b2, sizeof(b2), w->equity, d),
		    money(b3, sizeof(b3), w->loss, d), w->w->liqs, w->w->takeovers,
		    w->w->adl_against);
	}
	fprintf(f, "],\"wall_ns\":%llu,\"inputs_per_s\":%.0f", (unsigned long long)r->run.wall_ns,
		r->events_per_s);
	if (r->run.latency && r->run.latency->count)
		fprintf(f,
			",\"latency_ns\":{\"count\":%llu,\"p50\":%llu,\"p90\":%llu,\"p99\":%llu,"
			"\"p99_9\":%llu,\"max\":%llu,\"mean\":%llu}",
			(unsigned long long)r->run.latency->count, (unsigned long long)r->lat_ns[0],
			(unsigned long long)r->lat_ns[1], (unsigned long long)r->lat_ns[2],
			(unsigned long long)r->lat_ns[3], (unsigned long long)r->lat_ns[4],
			(unsigned long long)r->lat_ns[5]);
}

/* ---- HTML ---- */

#define SVG_W 1200
#define SVG_H 300
#define PAD_L 90
#define PAD_R 20
#define PAD_T 20
#define PAD_B 40

struct axes {
	double x0, x1, y0, y1;
};

static double sx(const struct axes *a, double x)
{
	return PAD_L + (x - a->x0) / (a->x1 - a->x0) * (SVG_W - PAD_L - PAD_R);
}

static double sy(const struct axes *a, double y)
{
	return SVG_H - PAD_B - (y - a->y0) / (a->y1 - a->y0) * (SVG_H - PAD_T - PAD_B);
}

static void svg_open(FILE *f, const struct axes *a, const char *xlabel, const char *ylabel,
		     int ydec)
{
	fprintf(f,
		"<svg width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n",
		SVG_W, SVG_H, SVG_W, SVG_H);
	fprintf(f,
		"<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#fafafa\" "
		"stroke=\"#bbb\"/>\n",
		PAD_L, PAD_T, SVG_W - PAD_L - PAD_R, SVG_H - PAD_T - PAD_B);
	for (int k = 0; k <= 5; k++) {
		double x = a->x0 + (a->x1 - a->x0) * k / 5, y = a->y0 + (a->y1 - a->y0) * k / 5;
		fprintf(f,
			"<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#e4e4e4\"/>"
			"<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%.0f</text>\n",
			sx(a, x), PAD_T, sx(a, x), SVG_H - PAD_B, sx(a, x), SVG_H - PAD_B + 16, x);
		fprintf(f,
			"<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>"
			"<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.*f</text>\n",
			PAD_L, sy(a, y), SVG_W - PAD_R, sy(a, y), PAD_L - 6, sy(a, y) + 4, ydec, y);
	}
	fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
		(SVG_W + PAD_L) / 2, SVG_H - 4, xlabel);
	fprintf(f,
		"<text x=\"14\" y=\"%d\" text-anchor=\"middle\" transform=\"rotate(-90 14 %d)\">"
		"%s</text>\n",
		SVG_H / 2, SVG_H / 2, ylabel);
}

/* Seconds since the first bin's time for bin i (bins without inputs take the last time). */
static void bin_times(const struct lq_rep *r, double *t)
{
	int64_t t0 = 0, last = 0;
	for (uint32_t i = 0; i < r->bins; i++)
		if (r->in[i].t_ns) {
			t0 = r->in[i].t_ns;
			break;
		}
	for (uint32_t i = 0; i < r->bins; i++) {
		if (r->in[i].t_ns)
			last = r->in[i].t_ns;
		t[i] = last ? (double)(last - t0) / 1e9 : 0;
	}
}

static double raw_price(const struct lq_rep *r, int64_t p)
{
	const struct lq_instrument *ins = &r->run.engine->instruments[r->plot_ins];
	return (double)p / (double)lq_pow10(ins->price_decimals);
}

static void polyline(FILE *f, const struct axes *a, const double *x, const double *y,
		     const bool *ok, uint32_t n, const char *color, double width)
{
	fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\" points=\"", color,
		width);
	for (uint32_t i = 0; i < n; i++)
		if (ok[i])
			fprintf(f, "%.1f,%.1f ", sx(a, x[i]), sy(a, y[i]));
	fprintf(f, "\"/>\n");
}

static void legend(FILE *f, int k, const char *color, const char *text)
{
	fprintf(f,
		"<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"4\" fill=\"%s\"/><text x=\"%d\" "
		"y=\"%d\">%s</text>\n",
		PAD_L + 10 + k * 190, PAD_T + 10, color, PAD_L + 28 + k * 190, PAD_T + 15, text);
}

static void chart_prices(const struct lq_rep *r, FILE *f, const double *t)
{
	static double y[LQ_REP_BINS], ym[LQ_REP_BINS];
	static bool ok[LQ_REP_BINS], okm[LQ_REP_BINS];
	struct axes a = {0, t[r->bins - 1] > 0 ? t[r->bins - 1] : 1, 1e300, -1e300};
	int64_t last = 0, mark = 0;

	for (uint32_t i = 0; i < r->bins; i++) {
		const struct in_bin *b = &r->in[i];
		if (b->last)
			last = b->last;
		if (b->mark || b->index)
			mark = b->mark ? b->mark : b->index;
		ok[i] = last != 0;
		okm[i] = mark != 0;
		y[i] = last ? raw_price(r, last) : 0;
		ym[i] = mark ? raw_price(r, mark) : 0;
		/* the scale follows the last trades and the mark: a stray print's range is
		 * clipped to the chart rather than squashing the rest */
		if (ok[i] && y[i] < a.y0)
			a.y0 = y[i];
		if (ok[i] && y[i] > a.y1)
			a.y1 = y[i];
		if (okm[i] && ym[i] < a.y0)
			a.y0 = ym[i];
		if (okm[i] && ym[i] > a.y1)
			a.y1 = ym[i];
	}
	if (a.y0 > a.y1) {
		a.y0 = 0;
		a.y1 = 1;
	}
	double pad = (a.y1 - a.y0) * 0.05 + 1e-9;
	a.y0 -= pad;
	a.y1 += pad;
	svg_open(f, &a, "seconds from the capture's start", "price", 1);
	/* the trade range of each bin */
	for (uint32_t i = 0; i < r->bins; i++)
		if (r->in[i].lo && r->in[i].hi > r->in[i].lo) {
			double lo = raw_price(r, r->in[i].lo), hi = raw_price(r, r->in[i].hi);
			lo = lo < a.y0 ? a.y0 : lo;
			hi = hi > a.y1 ? a.y1 : hi;
			fprintf(f,
				"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
				"stroke=\"#9ecae1\"/>\n",
				sx(&a, t[i]), sy(&a, lo), sx(&a, t[i]), sy(&a, hi));
		}
	polyline(f, &a, t, y, ok, r->bins, "#1f77b4", 1.2);
	polyline(f, &a, t, ym, okm, r->bins, "#ff7f0e", 1.6);
	for (uint32_t i = 0; i < r->bins; i++) {
		const struct out_bin *b = &r->out[i];
		if (!b->price || (!b->liq && !b->adl) || !ok[i])
			continue;
		double px = sx(&a, t[i]), py = sy(&a, y[i]);
		if (b->liq)
			fprintf(
			    f,
			    "<path d=\"M%.1f %.1f l-5 -9 h10 z\" fill=\"#d62728\" "
			    "opacity=\"0.8\"><title>%u liquidation(s) at %.1f s</title></path>\n",
			    px, py - 2, b->liq, t[i]);
		if (b->adl)
			fprintf(
			    f,
			    "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"#9467bd\"><title>%u "
			    "ADL fill(s) at %.1f s</title></circle>\n",
			    px, py + 7, b->adl, t[i]);
	}
	legend(f, 0, "#1f77b4", "last trade (range per bin)");
	legend(f, 1, "#ff7f0e", "mark (or index)");
	fprintf(f,
		"<path d=\"M%d %d l-5 -9 h10 z\" fill=\"#d62728\"/><text x=\"%d\" y=\"%d\">"
		"liquidation</text><circle cx=\"%d\" cy=\"%d\" r=\"4\" fill=\"#9467bd\"/>"
		"<text x=\"%d\" y=\"%d\">ADL</text>\n",
		PAD_L + 395, PAD_T + 17, PAD_L + 408, PAD_T + 15, PAD_L + 505, PAD_T + 12,
		PAD_L + 515, PAD_T + 15);
	fprintf(f, "</svg>\n");
}

static const char *const fund_colors[4] = {"#2ca02c", "#8c564b", "#e377c2", "#17becf"};

static void chart_funds(const struct lq_rep *r, FILE *f, const double *t)
{
	static double y[4][LQ_REP_BINS];
	static bool ok[LQ_REP_BINS];
	uint32_t nf = r->fund_count < 4 ? r->fund_count : 4;
	struct axes a = {0, t[r->bins - 1] > 0 ? t[r->bins - 1] : 1, 1e300, -1e300};

	for (uint32_t k = 0; k < nf; k++) {
		const struct fund_row *fr = &r->funds[k];
		double scale = (double)lq_pow10(asset_dec(r, fr->asset));
		lq_i128 bal = fr->start;
		for (uint32_t i = 0; i < r->bins; i++) {
			for (uint32_t n = 0; n < SERIES_INS; n++)
				if (r->fund_of_ins[n] == (int32_t)k)
					bal += r->out[i].ins_delta[n];
			y[k][i] = (double)bal / scale;
			ok[i] = true;
			if (y[k][i] < a.y0)
				a.y0 = y[k][i];
			if (y[k][i] > a.y1)
				a.y1 = y[k][i];
		}
		double end = (double)fr->end / scale;
		if (end < a.y0)
			a.y0 = end;
		if (end > a.y1)
			a.y1 = end;
	}
	if (a.y0 > a.y1) {
		a.y0 = 0;
		a.y1 = 1;
	}
	double pad = (a.y1 - a.y0) * 0.08 + 1e-6;
	a.y0 = a.y0 >= 0 && a.y0 - pad < 0 ? 0 : a.y0 - pad;
	a.y1 += pad;
	svg_open(f, &a, "seconds from the capture's start", "fund balance", 2);
	for (uint32_t k = 0; k < nf; k++) {
		polyline(f, &a, t, y[k], ok, r->bins, fund_colors[k], 1.6);
		char lab[64];
		snprintf(lab, sizeof(lab), "fund %s (%s)", r->funds[k].name,
			 asset_name(r, r->funds[k].asset));
		legend(f, (int)k, fund_colors[k], lab);
		/* the ledger's end balance: it differs from the line's end when the fund moved
		 * money no event reports (closing taken-over positions on later book updates) */
		double end =
		    (double)r->funds[k].end / (double)lq_pow10(asset_dec(r, r->funds[k].asset));
		fprintf(f,
			"<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"none\" stroke=\"%s\" "
			"stroke-width=\"2\"><title>fund %s at the end (ledger): "
			"%.6g</title></circle>\n",
			sx(&a, t[r->bins - 1]), sy(&a, end), fund_colors[k], r->funds[k].name, end);
	}
	fprintf(f, "</svg>\n");
}

static void chart_rates(const struct lq_rep *r, FILE *f, const double *t)
{
	static uint32_t liq[LQ_REP_BINS], adl[LQ_REP_BINS];
	double span = t[r->bins - 1];
	double width = 1; /* seconds per bar */
	while (span / width > 200)
		width *= 2;
	uint32_t n = (uint32_t)(span / width) + 1;
	if (n > LQ_REP_BINS)
		n = LQ_REP_BINS;
	memset(liq, 0, sizeof(liq));
	memset(adl, 0, sizeof(adl));
	uint32_t top = 1;
	for (uint32_t i = 0; i < r->bins; i++) {
		uint32_t k = (uint32_t)(t[i] / width);
		if (k >= n)
			k = n - 1;
		liq[k] += r->out[i].liq;
		adl[k] += r->out[i].adl;
		if (liq[k] > top)
			top = liq[k];
		if (adl[k] > top)
			top = adl[k];
	}
	struct axes a = {0, n * width, 0, top * 1.1};
	char xl[96];
	snprintf(xl, sizeof(xl), "seconds from the capture's start (bars of %.0f s)", width);
	svg_open(f, &a, xl, width > 1 ? "events per bar" : "events per second", 0);
	double bw = (SVG_W - PAD_L - PAD_R) / (double)n / 2;
	for (uint32_t k = 0; k < n; k++) {
		if (liq[k])
			fprintf(f,
				"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" "
				"fill=\"#d62728\"><title>%u liquidations</title></rect>\n",
				sx(&a, k * width), sy(&a, liq[k]), bw, sy(&a, 0) - sy(&a, liq[k]),
				liq[k]);
		if (adl[k])
			fprintf(f,
				"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" "
				"fill=\"#9467bd\"><title>%u ADL fills</title></rect>\n",
				sx(&a, k * width) + bw, sy(&a, adl[k]), bw,
				sy(&a, 0) - sy(&a, adl[k]), adl[k]);
	}
	legend(f, 0, "#d62728", "liquidations");
	legend(f, 1, "#9467bd", "ADL fills");
	fprintf(f, "</svg>\n");
}

static void chart_latency(const struct lq_rep *r, FILE *f)
{
	const struct lq_hist *h = r->run.latency;
	static uint64_t cnt[64];
	/* bars per power of two of ns, up to 2^40 */
	memset(cnt, 0, sizeof(cnt));
	uint32_t lo = 63, hi = 0;
	uint64_t top = 1;
	for (uint32_t i = 0; i < LQ_HIST_BUCKETS; i++) {
		if (!h->bucket[i])
			continue;
		double ns = (double)lq_hist_bucket_low(i) / r->run.tsc_per_ns;
		uint32_t k = ns < 1 ? 0 : (uint32_t)(63 - __builtin_clzll((uint64_t)ns));
		if (k > 63)
			k = 63;
		cnt[k] += h->bucket[i];
		if (k < lo)
			lo = k;
		if (k > hi)
			hi = k;
	}
	for (uint32_t k = lo; k <= hi; k++)
		if (cnt[k] > top)
			top = cnt[k];
	struct axes a = {lo, hi + 1, 0, log10((double)top) + 0.8};
	fprintf(f,
		"<svg width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n",
		SVG_W, SVG_H, SVG_W, SVG_H);
	fprintf(f,
		"<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#fafafa\" "
		"stroke=\"#bbb\"/>\n",
		PAD_L, PAD_T, SVG_W - PAD_L - PAD_R, SVG_H - PAD_T - PAD_B);
	double bw = (SVG_W - PAD_L - PAD_R) / (double)(hi + 1 - lo);
	for (uint32_t k = lo; k <= hi; k++) {
		double v = cnt[k] ? log10((double)cnt[k]) + 0.3 : 0;
		double x = sx(&a, k);
		fprintf(
		    f,
		    "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#1f77b4\">"
		    "<title>%llu events from %llu ns</title></rect>\n",
		    x + 2, sy(&a, v), bw - 4, sy(&a, 0) - sy(&a, v), (unsigned long long)cnt[k],
		    1ull << k);
		uint64_t ns = 1ull << k;
		fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">", x + bw / 2,
			SVG_H - PAD_B + 16);
		if (ns >= 1000000)
			fprintf(f, "%llu ms", (unsigned long long)(ns / 1000000));
		else if (ns >= 1000)
			fprintf(f, "%llu us", (unsigned long long)(ns / 1000));
		else
			fprintf(f, "%llu ns", (unsigned long long)ns);
		fprintf(f, "</text>\n");
	}
	for (int d = 0; d <= (int)a.y1; d++)
		fprintf(f,
			"<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>"
			"<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.0f</text>\n",
			PAD_L, sy(&a, d + 0.3), SVG_W - PAD_R, sy(&a, d + 0.3), PAD_L - 6,
			sy(&a, d + 0.3) + 4, pow(10, d));
	static const char *const names[5] = {"p50", "p90", "p99", "p99.9", "max"};
	for (int q = 0; q < 5; q++) {
		double ns = (double)r->lat_ns[q];
		double k = ns < 1 ? 0 : log2(ns);
		if (k < lo || k > hi + 1)
			continue;
		double x = sx(&a, k);
		fprintf(f,
			"<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#d62728\" "
			"stroke-dasharray=\"4 3\"/><text x=\"%.1f\" y=\"%d\" fill=\"#d62728\" "
			"text-anchor=\"end\" font-size=\"10\">%s</text>\n",
			x, PAD_T, x, SVG_H - PAD_B, x - 2, PAD_T + 12 + 11 * q, names[q]);
	}
	fprintf(f,
		"<text x=\"%d\" y=\"%d\" fill=\"#d62728\">p50 %llu ns, p90 %llu, p99 %llu, "
		"p99.9 %llu, max %llu</text>\n",
		PAD_L + 10, PAD_T + 16, (unsigned long long)r->lat_ns[0],
		(unsigned long long)r->lat_ns[1], (unsigned long long)r->lat_ns[2],
		(unsigned long long)r->lat_ns[3], (unsigned long long)r->lat_ns[4]);
	fprintf(f,
		"<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">decision latency (input taken "
		"by ingest to output event formatted), log2 bins</text>\n",
		(SVG_W + PAD_L) / 2, SVG_H - 4);
	fprintf(f,
		"<text x=\"14\" y=\"%d\" text-anchor=\"middle\" transform=\"rotate(-90 14 %d)\">"
		"events (log10)</text>\n</svg>\n",
		SVG_H / 2, SVG_H / 2);
}

static void html_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '>')
			fputs("&gt;", f);
		else if (*s == '&')
			fputs("&amp;", f);
		else
			fputc(*s, f);
	}
}

static void html_summary(const struct lq_rep *r, FILE *f)
{
	/* the human summary, line by line, as a two-column table */
	static char text[1 << 16];
	FILE *m = fmemopen(text, sizeof(text) - 1, "w");
	if (!m)
		return;
	lq_rep_print_human(r, m);
	long n = ftell(m);
	fclose(m);
	text[n < 0 ? 0 : n] = '\0';
	fprintf(f, "<table>\n");
	char *save = NULL;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		while (*l == ' ')
			l++;
		char *gap = strstr(l, "  ");
		fprintf(f, "<tr><th>");
		if (gap && l[0] != '\0' && strncmp(l, "liqd", 4) != 0) {
			*gap = '\0';
			html_escape(f, l);
			char *v = gap + 2;
			while (*v == ' ')
				v++;
			fprintf(f, "</th><td>");
			html_escape(f, v);
		} else {
			fprintf(f, "</th><td>");
			html_escape(f, l);
		}
		fprintf(f, "</td></tr>\n");
	}
	fprintf(f, "</table>\n");
}

int lq_rep_write_html(const struct lq_rep *r, const char *path)
{
	static double t[LQ_REP_BINS];
	FILE *f = fopen(path, "w");
	if (!f)
		return -errno;
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		   "<title>liqd replay report</title>\n<style>\n"
		   "body{font-family:sans-serif;margin:24px;color:#222;max-width:1240px}\n"
		   "h1{font-size:22px}h2{font-size:17px;margin-top:28px}\n"
		   "table{border-collapse:collapse;font-size:13px}\n"
		   "th,td{border-bottom:1px solid #ddd;padding:4px 10px;text-align:left;"
		   "vertical-align:top}\nth{color:#555;font-weight:normal;white-space:nowrap}\n"
		   "p.note{color:#666;font-size:12px}\n</style>\n</head>\n<body>\n");
	fprintf(f, "<h1>%s: ", r->run.tool ? r->run.tool : "liqd replay");
	html_escape(f, r->run.capture);
	fprintf(f, "</h1>\n<h2>Summary</h2>\n");
	html_summary(r, f);
	if (r->bins > 0 && r->plot_ins >= 0) {
		bin_times(r, t);
		fprintf(f, "<h2>Prices: ");
		html_escape(f, r->run.engine->instruments[r->plot_ins].name);
		fprintf(f, "</h2>\n");
		chart_prices(r, f, t);
		fprintf(f,
			"<p class=\"note\">%u points, each covering %llu input record(s); markers "
			"at the bins where liquidations (triangles) and ADL fills (circles) "
			"happened, on any instrument.</p>\n",
			r->bins, 1ull << r->in_shift);
		fprintf(f, "<h2>Insurance funds</h2>\n");
		chart_funds(r, f, t);
		fprintf(
		    f,
		    "<p class=\"note\">The start balance plus the fund deltas of the liquidation "
		    "and takeover events as they happen.</p>\n");
		fprintf(f, "<h2>Liquidations and ADL over time</h2>\n");
		chart_rates(r, f, t);
	}
	if (r->run.latency && r->run.latency->count && r->run.tsc_per_ns > 0) {
		fprintf(f, "<h2>Decision latency</h2>\n");
		chart_latency(r, f);
	}
	fprintf(f, "</body>\n</html>\n");
	return fclose(f) == 0 ? 0 : -errno;
}
