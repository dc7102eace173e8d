/* SPDX-License-Identifier: MIT */
/*
 * The replay report's HTML renderer (lq_rep_write_html): one self-contained page with inline
 * SVG charts. Floating point appears only here, for coordinates; every money figure is
 * printed from the exact integers.
 */
#include "report_model.h"

#include <errno.h>
#include <math.h>
#include <string.h>

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
	uint32_t nf = r->sum.fund_count < 4 ? r->sum.fund_count : 4;
	struct axes a = {0, t[r->bins - 1] > 0 ? t[r->bins - 1] : 1, 1e300, -1e300};

	for (uint32_t k = 0; k < nf; k++) {
		const struct lq_rep_fund *fr = &r->sum.funds[k];
		double scale = (double)lq_pow10(rep_asset_dec(r, fr->asset));
		lq_i128 bal = fr->start;
		for (uint32_t i = 0; i < r->bins; i++) {
			for (uint32_t n = 0; n < SERIES_INS; n++)
				if (r->sum.fund_of_ins[n] == (int32_t)k)
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
		snprintf(lab, sizeof(lab), "fund %s (%s)", r->sum.funds[k].name,
			 rep_asset_name(r, r->sum.funds[k].asset));
		legend(f, (int)k, fund_colors[k], lab);
		/* the ledger's end balance: it differs from the line's end when the fund moved
		 * money no event reports (closing taken-over positions on later book updates) */
		double end = (double)r->sum.funds[k].end /
			     (double)lq_pow10(rep_asset_dec(r, r->sum.funds[k].asset));
		fprintf(f,
			"<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"none\" stroke=\"%s\" "
			"stroke-width=\"2\"><title>fund %s at the end (ledger): "
			"%.6g</title></circle>\n",
			sx(&a, t[r->bins - 1]), sy(&a, end), fund_colors[k], r->sum.funds[k].name,
			end);
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
		double ns = (double)r->sum.lat_ns[q];
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
		PAD_L + 10, PAD_T + 16, (unsigned long long)r->sum.lat_ns[0],
		(unsigned long long)r->sum.lat_ns[1], (unsigned long long)r->sum.lat_ns[2],
		(unsigned long long)r->sum.lat_ns[3], (unsigned long long)r->sum.lat_ns[4]);
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
