/* SPDX-License-Identifier: MIT */
/*
 * A replay's report, its model (report.h, report_model.h): accumulators written during the
 * run by one thread each, then the totals, the worst accounts and the series in time
 * (lq_rep_finish). The renderers are report_text.c and report_html.c.
 */
#include "report_model.h"

#include "lq/app.h"

#include <string.h>
#include <time.h>
#include <x86intrin.h>

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
		struct lq_account_position_view v;
		lq_account_position_view(e, p, false, &v);
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
