/* SPDX-License-Identifier: MIT */
/*
 * The HTML report's data (report_html.h): one pass over the event rows for when each fund
 * ran dry and which instruments to plot, then the JSON block the page's script draws from. Its
 * layout (report.js reads it):
 *   {"shock": "40" | null, "t0": ms, "t1": ms, "assets": [[name, decimals], ...],
 *    "ins": [{"i": engine index, "n": name, "pd": price decimals, "qd": qty decimals,
 *             "a": settle asset, "f": fund or -1,
 *             "s": [[t ms, lo, hi, last, mark, index, venue liquidation prints, their lo,
 *                    hi, liquidations, last liquidation price, ADL fills, last ADL price],
 *                   ...]}, ...],
 *    "funds": [{"n": name, "a": asset, "start": decimal, "end": decimal (the ledger),
 *               "ex": ms | null, "s": [[t ms, balance after the bin's events], ...]}, ...],
 *    "rows": [[type, t ms, instrument (-1: none), account, qty, mark, price (bankruptcy),
 *              fill price, fee or amount, fund delta, pnl, other], ...]}
 * Prices and quantities are raw integers at the instrument's decimals, money at the asset's;
 * "other" is the liquidated account of an ADL fill, the asset of a write-off with no
 * instrument. Times are the venue's (UTC), in ms. The rows are the liquidation, takeover, ADL,
 * socialized-loss and bad-debt events, in output order.
 */
#include "report_html.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int64_t row_time(const struct lq_rep *r, const struct html_stats *st, uint64_t line)
{
	uint64_t i = line >> r->plot->t_shift;
	return i < TIME_BINS ? st->t_at[i] : st->t_last;
}

static int rows_rewind(const struct lq_rep *r)
{
	return fseek(r->plot->rows, 0, SEEK_SET) == 0 ? 0 : -errno;
}

static bool rows_next(const struct lq_rep *r, struct ev_row *w)
{
	return fread(w, sizeof(*w), 1, r->plot->rows) == 1;
}

static void fund_walk(const struct lq_rep *r, struct html_stats *st, const struct ev_row *w,
		      lq_i128 *bal)
{
	if (w->instrument >= LQ_INSTRUMENTS_MAX || !lq_event_type_moves_fund(w->type))
		return;
	int32_t k = r->sum.fund_of_ins[w->instrument];
	if (k < 0 || (uint32_t)k >= r->sum.fund_count)
		return;
	bal[k] += w->fund_delta;
	if (!st->fund_exhausted_ns[k] && r->sum.funds[k].start > 0 && bal[k] <= 0)
		st->fund_exhausted_ns[k] = row_time(r, st, w->line);
}

int html_stats_compute(const struct lq_rep *r, struct html_stats *st)
{
	const struct rep_plot *p = r->plot;
	memset(st, 0, sizeof(*st));
	st->t_at = malloc(TIME_BINS * sizeof(*st->t_at));
	if (!st->t_at)
		return -ENOMEM;
	int64_t last = 0;
	for (uint32_t i = 0; i < TIME_BINS; i++) {
		if (p->t[i] && !st->t_first)
			st->t_first = p->t[i];
		last = p->t[i] ? p->t[i] : last;
		st->t_at[i] = last ? last : p->t[i];
	}
	st->t_last = p->now_ns > last ? p->now_ns : last;
	for (uint32_t k = 0; k < p->ins_seen; k++)
		st->plotted[k] = true;

	int rc;
	lq_i128 bal[LQ_FUNDS_MAX];
	for (uint32_t k = 0; k < r->sum.fund_count; k++)
		bal[k] = r->sum.funds[k].start;
	struct ev_row w;
	uint64_t n = 0;
	if ((rc = rows_rewind(r)) == 0)
		for (; rows_next(r, &w); n++) {
			if (w.instrument < LQ_INSTRUMENTS_MAX)
				st->plotted[w.instrument] = true;
			fund_walk(r, st, &w, bal);
		}
	if (rc == 0 && n != p->rows_n)
		rc = ferror(p->rows) ? -EIO : -ENODATA; /* the rows file lost some: say so */
	return rc;
}

void html_stats_free(struct html_stats *st)
{
	free(st->t_at);
	st->t_at = NULL;
}

/* A JSON string that is safe inside a <script> element. */
static void jstr(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c == '<' || c == '>' || c == '&')
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void jnum(FILE *f, lq_i128 v, unsigned dec)
{
	char b[64];
	fputs(rep_money(b, sizeof(b), v, dec), f);
}

/* The venue time (ms) of plot bin i: its first input's, else the time carried forward. */
static int64_t bin_ms(const struct lq_rep *r, const struct html_stats *st, uint32_t i)
{
	const struct rep_plot *p = r->plot;
	uint64_t a = ((uint64_t)i << p->in_shift) >> p->t_shift,
		 b = ((uint64_t)(i + 1) << p->in_shift) >> p->t_shift;
	for (uint64_t k = a; k < b && k < TIME_BINS; k++)
		if (p->t[k])
			return p->t[k] / 1000000;
	return a < TIME_BINS ? st->t_at[a] / 1000000 : st->t_last / 1000000;
}

static void write_series(const struct lq_rep *r, FILE *f, const struct html_stats *st, uint32_t k)
{
	const struct plot_in *in = &r->plot->in[(size_t)k * PLOT_BINS];
	const struct plot_out *out = &r->plot->out[(size_t)k * PLOT_BINS];
	bool first = true;
	for (uint32_t i = 0; i < PLOT_BINS; i++) {
		const struct plot_in *a = &in[i];
		const struct plot_out *b = &out[i];
		if (!a->lo && !a->mark && !a->index && !a->vliq && !b->liq && !b->adl)
			continue;
		fprintf(f, "%s[%lld,%lld,%lld,%lld,%lld,%lld,%u,%lld,%lld,%u,%lld,%u,%lld]",
			first ? "" : ",", (long long)bin_ms(r, st, i), (long long)a->lo,
			(long long)a->hi, (long long)a->last, (long long)a->mark,
			(long long)a->index, a->vliq, (long long)a->vliq_lo, (long long)a->vliq_hi,
			b->liq, (long long)b->liq_price, b->adl, (long long)b->adl_price);
		first = false;
	}
}

static void write_instruments(const struct lq_rep *r, FILE *f, const struct html_stats *st)
{
	const struct lq_engine *e = r->run.engine;
	bool first = true;
	fputs(",\"ins\":[", f);
	for (uint32_t k = 0; k < e->instrument_count && k < LQ_INSTRUMENTS_MAX; k++) {
		if (!st->plotted[k])
			continue;
		const struct lq_instrument *ins = &e->instruments[k];
		fprintf(f, "%s{\"i\":%u,\"n\":", first ? "" : ",", k);
		jstr(f, ins->name);
		fprintf(f, ",\"pd\":%u,\"qd\":%u,\"a\":%u,\"f\":%d,\"s\":[", ins->price_decimals,
			ins->qty_decimals, ins->settle_asset, r->sum.fund_of_ins[k]);
		write_series(r, f, st, k);
		fputs("]}", f);
		first = false;
	}
	fputc(']', f);
}

static void write_funds(const struct lq_rep *r, FILE *f, const struct html_stats *st)
{
	const struct rep_plot *p = r->plot;
	fputs(",\"funds\":[", f);
	for (uint32_t k = 0; k < r->sum.fund_count; k++) {
		const struct lq_rep_fund *fr = &r->sum.funds[k];
		unsigned d = rep_asset_dec(r, fr->asset);
		fprintf(f, "%s{\"n\":", k ? "," : "");
		jstr(f, fr->name);
		fprintf(f, ",\"a\":%u,\"start\":", fr->asset);
		jnum(f, fr->start, d);
		fputs(",\"end\":", f);
		jnum(f, fr->end, d);
		if (st->fund_exhausted_ns[k])
			fprintf(f, ",\"ex\":%lld", (long long)(st->fund_exhausted_ns[k] / 1000000));
		else
			fputs(",\"ex\":null", f);
		fprintf(f, ",\"s\":[[%lld,", (long long)(st->t_first / 1000000));
		jnum(f, fr->start, d);
		fputc(']', f);
		lq_i128 bal = fr->start;
		for (uint32_t i = 0; i < PLOT_BINS; i++) {
			lq_i128 delta = 0;
			for (uint32_t n = 0; n < p->ins_seen; n++)
				if (r->sum.fund_of_ins[n] == (int32_t)k)
					delta += p->out[(size_t)n * PLOT_BINS + i].fund_delta;
			if (delta == 0)
				continue;
			bal += delta;
			fprintf(f, ",[%lld,", (long long)bin_ms(r, st, i));
			jnum(f, bal, d);
			fputc(']', f);
		}
		fprintf(f, ",[%lld,", (long long)(st->t_last / 1000000));
		jnum(f, bal, d);
		fputs("]]}", f);
	}
	fputc(']', f);
}

/* The last mark (else index) input of each instrument's bins, carried forward. */
static int64_t *marks_carried(const struct lq_rep *r)
{
	int64_t *m = calloc((size_t)LQ_INSTRUMENTS_MAX * PLOT_BINS, sizeof(*m));
	if (!m)
		return NULL;
	for (uint32_t k = 0; k < r->plot->ins_seen; k++) {
		int64_t last = 0;
		for (uint32_t i = 0; i < PLOT_BINS; i++) {
			const struct plot_in *b = &r->plot->in[(size_t)k * PLOT_BINS + i];
			last = b->mark ? b->mark : b->index ? b->index : last;
			m[(size_t)k * PLOT_BINS + i] = last;
		}
	}
	return m;
}

static int write_rows(const struct lq_rep *r, FILE *f, const struct html_stats *st)
{
	int64_t *marks = marks_carried(r);
	if (!marks)
		return -ENOMEM;
	int rc = rows_rewind(r);
	struct ev_row w;
	bool first = true;
	fputs(",\"rows\":[", f);
	while (rc == 0 && rows_next(r, &w)) {
		if (w.type == LQ_EV_FUND_TRADE)
			continue;
		bool ins = w.instrument < LQ_INSTRUMENTS_MAX;
		uint64_t bin = w.line >> r->plot->in_shift;
		int64_t mark =
		    ins && bin < PLOT_BINS ? marks[(size_t)w.instrument * PLOT_BINS + bin] : 0;
		uint64_t other = w.type == LQ_EV_ADL || !ins ? w.other : 0;
		fprintf(f, "%s[%u,%lld,%d,%llu,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%llu]",
			first ? "" : ",", w.type, (long long)(row_time(r, st, w.line) / 1000000),
			ins ? (int)w.instrument : -1, (unsigned long long)w.account,
			(long long)w.qty, (long long)mark, (long long)w.price, (long long)w.avg,
			(long long)w.fee, (long long)w.fund_delta, (long long)w.pnl,
			(unsigned long long)other);
		first = false;
	}
	fputc(']', f);
	free(marks);
	return rc;
}

int html_write_data(const struct lq_rep *r, FILE *f, const struct html_stats *st)
{
	const struct lq_engine *e = r->run.engine;
	char b[64];
	fputs("{\"shock\":", f);
	if (r->sum.shock_e8)
		jstr(f, html_money(b, sizeof(b), r->sum.shock_e8, 8));
	else
		fputs("null", f);
	fprintf(f, ",\"t0\":%lld,\"t1\":%lld,\"assets\":[", (long long)(st->t_first / 1000000),
		(long long)(st->t_last / 1000000));
	for (uint32_t a = 0; a < e->asset_count; a++) {
		fputs(a ? ",[" : "[", f);
		jstr(f, e->assets[a].name);
		fprintf(f, ",%u]", e->assets[a].decimals);
	}
	fputc(']', f);
	write_instruments(r, f, st);
	write_funds(r, f, st);
	int rc = write_rows(r, f, st);
	fputc('}', f);
	return rc;
}
