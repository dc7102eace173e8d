/* SPDX-License-Identifier: MIT */
/*
 * The HTML report's series and event rows (report_model.h, struct rep_plot): per instrument
 * and bin of input records, the venue's trades, marks and liquidation prints (ingest thread)
 * and the engine's liquidations, ADL fills and fund deltas (publish thread); the venue time
 * of each input bin; one row per risk event in an unlinked temporary file. Every hook is O(1)
 * per message (a bin merge halves the resolution of the whole series now and then, as the
 * summary's bins do); everything is allocated at start-up.
 */
#include "report_model.h"

#include "lq/app.h"

#include <errno.h>
#include <string.h>

#define ROWS_BUF (1u << 20)

int lq_rep_plot_enable(struct lq_rep *r)
{
	struct rep_plot *p = lq_startup_alloc(sizeof(*p), "the report's series");
	p->t = lq_startup_alloc(TIME_BINS * sizeof(*p->t), "the report's time index");
	p->in = lq_startup_alloc((size_t)LQ_INSTRUMENTS_MAX * PLOT_BINS * sizeof(*p->in),
				 "the report's price series");
	p->out = lq_startup_alloc((size_t)LQ_INSTRUMENTS_MAX * PLOT_BINS * sizeof(*p->out),
				  "the report's event series");
	p->rows_buf = lq_startup_alloc(ROWS_BUF, "the report's event rows buffer");
	p->rows = tmpfile();
	if (!p->rows) {
		int err = errno;
		rep_plot_free(p);
		return -err;
	}
	/* stdio must not allocate its buffer on the publish thread, after start-up */
	setvbuf(p->rows, p->rows_buf, _IOFBF, ROWS_BUF);
	r->plot = p;
	return 0;
}

void rep_plot_free(struct rep_plot *p)
{
	if (!p)
		return;
	if (p->rows)
		fclose(p->rows);
	lq_startup_free(p->rows_buf);
	lq_startup_free(p->t);
	lq_startup_free(p->in);
	lq_startup_free(p->out);
	lq_startup_free(p);
}

/* ---- ingest side ---- */

static void in_merge(struct plot_in *d, const struct plot_in *a, const struct plot_in *b)
{
	struct plot_in m = *a;
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
	if (b->vliq_lo && (!m.vliq_lo || b->vliq_lo < m.vliq_lo))
		m.vliq_lo = b->vliq_lo;
	if (b->vliq_hi > m.vliq_hi)
		m.vliq_hi = b->vliq_hi;
	m.vliq += b->vliq;
	*d = m;
}

static void in_coarsen(struct rep_plot *p)
{
	for (uint32_t k = 0; k < p->ins_seen; k++) {
		struct plot_in *s = &p->in[(size_t)k * PLOT_BINS];
		for (uint32_t i = 0; i < PLOT_BINS / 2; i++)
			in_merge(&s[i], &s[2 * i], &s[2 * i + 1]);
		memset(&s[PLOT_BINS / 2], 0, PLOT_BINS / 2 * sizeof(*s));
	}
	p->in_shift++;
}

static void t_coarsen(struct rep_plot *p)
{
	for (uint32_t i = 0; i < TIME_BINS / 2; i++)
		p->t[i] = p->t[2 * i] ? p->t[2 * i] : p->t[2 * i + 1];
	memset(&p->t[TIME_BINS / 2], 0, TIME_BINS / 2 * sizeof(*p->t));
	p->t_shift++;
}

void rep_plot_input(struct rep_plot *p, const struct lq_msg *m)
{
	const struct lq_cmd *c = &m->u.cmd;
	if (c->type == LQ_CMD_TIME) {
		p->now_ns = c->time_ns;
		return;
	}
	if (p->now_ns) {
		while ((m->line >> p->t_shift) >= TIME_BINS && p->t_shift < 63)
			t_coarsen(p);
		int64_t *t = &p->t[m->line >> p->t_shift];
		if (*t == 0)
			*t = p->now_ns;
	}
	if ((c->type != LQ_CMD_TRADE && c->type != LQ_CMD_MARK && c->type != LQ_CMD_INDEX) ||
	    c->instrument >= LQ_INSTRUMENTS_MAX)
		return;
	if (c->instrument >= p->ins_seen)
		p->ins_seen = c->instrument + 1;
	while ((m->line >> p->in_shift) >= PLOT_BINS && p->in_shift < 63)
		in_coarsen(p);
	struct plot_in *b = &p->in[(size_t)c->instrument * PLOT_BINS + (m->line >> p->in_shift)];
	if (c->type == LQ_CMD_TRADE && c->flag) {
		/* the venue's own liquidation print (net/feedin.c sets flag) */
		if (!b->vliq_lo || c->price < b->vliq_lo)
			b->vliq_lo = c->price;
		if (c->price > b->vliq_hi)
			b->vliq_hi = c->price;
		b->vliq++;
	} else if (c->type == LQ_CMD_TRADE) {
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

static void out_coarsen(struct rep_plot *p)
{
	for (uint32_t k = 0; k < LQ_INSTRUMENTS_MAX; k++) {
		struct plot_out *s = &p->out[(size_t)k * PLOT_BINS];
		for (uint32_t i = 0; i < PLOT_BINS / 2; i++) {
			struct plot_out m = s[2 * i];
			const struct plot_out *b = &s[2 * i + 1];
			m.liq += b->liq;
			m.adl += b->adl;
			if (b->liq_price)
				m.liq_price = b->liq_price;
			if (b->adl_price)
				m.adl_price = b->adl_price;
			m.fund_delta += b->fund_delta;
			s[i] = m;
		}
		memset(&s[PLOT_BINS / 2], 0, PLOT_BINS / 2 * sizeof(*s));
	}
	p->out_shift++;
}

void rep_plot_event(struct rep_plot *p, const struct lq_msg *m)
{
	const struct lq_event *ev = &m->u.event;
	bool row = ev->type == LQ_EV_LIQUIDATION || ev->type == LQ_EV_TAKEOVER ||
		   ev->type == LQ_EV_ADL || ev->type == LQ_EV_SOCIALIZED_LOSS ||
		   ev->type == LQ_EV_BAD_DEBT || ev->type == LQ_EV_FUND_TRADE;
	if (row) {
		struct ev_row w = {.line = m->line,
				   .account = ev->account,
				   .other = ev->type == LQ_EV_ADL      ? ev->other_account
					    : ev->instrument == LQ_NIL ? ev->asset
								       : 0,
				   .qty = ev->qty,
				   .price = ev->price,
				   .avg = ev->avg_price,
				   .fee = ev->amount_units,
				   .fund_delta = ev->fund_delta_units,
				   .pnl = ev->pnl_units,
				   .type = (uint32_t)ev->type,
				   .instrument = ev->instrument};
		if (fwrite(&w, sizeof(w), 1, p->rows) != 1 && !p->rows_errno)
			p->rows_errno = errno ? errno : EIO;
		p->rows_n++;
	}
	if (ev->instrument >= LQ_INSTRUMENTS_MAX || ev->type == LQ_EV_REJECTED)
		return;
	while ((m->line >> p->out_shift) >= PLOT_BINS && p->out_shift < 63)
		out_coarsen(p);
	struct plot_out *b =
	    &p->out[(size_t)ev->instrument * PLOT_BINS + (m->line >> p->out_shift)];
	if (lq_event_type_moves_fund(ev->type))
		b->fund_delta += ev->fund_delta_units;
	if (ev->type == LQ_EV_LIQUIDATION) {
		b->liq++;
		b->liq_price = ev->avg_price ? ev->avg_price : ev->price;
	} else if (ev->type == LQ_EV_ADL) {
		b->adl++;
		b->adl_price = ev->price;
	}
}

/* ---- after the run ---- */

void rep_plot_finish(struct rep_plot *p)
{
	while (p->in_shift < p->out_shift)
		in_coarsen(p);
	while (p->out_shift < p->in_shift)
		out_coarsen(p);
	if (fflush(p->rows) != 0 && !p->rows_errno)
		p->rows_errno = errno ? errno : EIO;
}
