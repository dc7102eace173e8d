/* SPDX-License-Identifier: MIT */
/*
 * The replay report's HTML renderer (lq_rep_write_html): one self-contained page for a risk
 * team. The server side (this file) writes the title, the headline sentence, the stat tiles
 * and the appendix (run figures, the decision latency histogram as inline SVG), then the
 * run's data as one compact JSON block (report_data.c) and an inline script (report.js,
 * embedded at build time) that draws one price chart per instrument with a zoom on its
 * densest window of liquidations, one chart per fund, and the paged, sortable tables of
 * events and deleveraged accounts. Nothing is fetched. Floating point appears only for
 * coordinates and rates; every money figure is printed from the exact integers.
 */
#include "report_html.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <time.h>

extern const char lq_report_js[];
extern const char lq_report_css[];

void html_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '>')
			fputs("&gt;", f);
		else if (*s == '&')
			fputs("&amp;", f);
		else if (*s == '"')
			fputs("&quot;", f);
		else
			fputc(*s, f);
	}
}

const char *html_utc(char *buf, size_t cap, int64_t ns, bool date)
{
	time_t s = (time_t)(ns / 1000000000);
	struct tm tm;
	if (ns <= 0 || !gmtime_r(&s, &tm)) {
		snprintf(buf, cap, "?");
		return buf;
	}
	strftime(buf, cap, date ? "%Y-%m-%d %H:%M:%S UTC" : "%H:%M:%S UTC", &tm);
	return buf;
}

/* An integer with thousands separators (1,187). */
const char *html_count(char *buf, size_t cap, uint64_t v)
{
	char d[32];
	int n = snprintf(d, sizeof(d), "%llu", (unsigned long long)v);
	size_t o = 0;
	for (int i = 0; i < n && o + 2 < cap; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = d[i];
	}
	buf[o] = '\0';
	return buf;
}

/* An exact decimal with thousands separators and its trailing zeros dropped (1,000). */
const char *html_money(char *buf, size_t cap, lq_i128 v, unsigned dec)
{
	char d[64];
	lq_dec_format128(d, sizeof(d), v, dec);
	char *dot = strchr(d, '.');
	if (dot) {
		char *e = d + strlen(d) - 1;
		while (e > dot && *e == '0')
			*e-- = '\0';
		if (e == dot)
			*e = '\0';
	}
	const char *digits = d[0] == '-' ? d + 1 : d;
	size_t ilen = strcspn(digits, ".");
	size_t o = 0;
	if (d[0] == '-' && o + 1 < cap)
		buf[o++] = '-';
	for (size_t i = 0; digits[i] && o + 2 < cap; i++) {
		if (i > 0 && i < ilen && (ilen - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
	return buf;
}

/* Nanoseconds in the unit that suits them: 850 ns, 53.9 µs, 12.3 ms, 1.25 s. */
const char *html_ns(char *buf, size_t cap, double ns)
{
	if (ns < 1000)
		snprintf(buf, cap, "%.0f ns", ns);
	else if (ns < 1e6)
		snprintf(buf, cap, "%.3g µs", ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, cap, "%.3g ms", ns / 1e6);
	else
		snprintf(buf, cap, "%.3g s", ns / 1e9);
	return buf;
}

/* ---- title, headline, tiles ---- */

static const char *base_name(const char *p)
{
	const char *s = p ? strrchr(p, '/') : NULL;
	return s ? s + 1 : p ? p : "?";
}

static void instrument_list(const struct lq_rep *r, FILE *f, const struct html_stats *st)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < r->run.engine->instrument_count && i < LQ_INSTRUMENTS_MAX; i++)
		if (st->plotted[i]) {
			fputs(n++ ? ", " : "", f);
			html_escape(f, r->run.engine->instruments[i].name);
		}
	if (!n)
		fputs("no instrument traded", f);
}

static void page_head(const struct lq_rep *r, FILE *f, const struct html_stats *st)
{
	char b[64];
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		   "<title>Liquidation replay: ");
	instrument_list(r, f, st);
	fputs(" · ", f);
	html_escape(f, base_name(r->sum.capture));
	if (r->sum.shock_e8)
		fprintf(f, " (shock ×%s)", html_money(b, sizeof(b), r->sum.shock_e8, 8));
	fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", lq_report_css);
	fputs("<header>\n<h1 id=\"title\">Liquidation replay: ", f);
	instrument_list(r, f, st);
	fputs("</h1>\n<p class=\"sub\">capture <b>", f);
	html_escape(f, base_name(r->sum.capture));
	fputs("</b>", f);
	if (st->t_first > 0) {
		char b2[64];
		fprintf(f, " · venue time %s – %s", html_utc(b, sizeof(b), st->t_first, true),
			html_utc(b2, sizeof(b2), st->t_last, false));
	}
	if (r->sum.shock_e8)
		fprintf(f,
			" · <span class=\"shock\">shocked ×%s: every price is the capture's, "
			"scaled around each instrument's first trade</span>",
			html_money(b, sizeof(b), r->sum.shock_e8, 8));
	if (r->sum.population) {
		fputs(" · population ", f);
		html_escape(f, r->sum.population);
		if (r->sum.accounts_generated)
			fprintf(f, " (%s accounts, seed %llu)",
				html_count(b, sizeof(b), r->sum.accounts_generated),
				(unsigned long long)r->sum.seed);
	}
	fputs("</p>\n</header>\n", f);
}

static void per_asset(const struct lq_rep *r, FILE *f, const lq_i128 *v)
{
	char b[64];
	bool any = false;
	for (uint32_t a = 0; a < r->run.engine->asset_count; a++)
		if (v[a] != 0) {
			fprintf(f, "%s%s %s", any ? ", " : "",
				html_money(b, sizeof(b), v[a], rep_asset_dec(r, a)),
				rep_asset_name(r, a));
			any = true;
		}
	if (!any)
		fputs("0", f);
}

static void fund_phrase(const struct lq_rep *r, FILE *f, uint32_t k, const struct html_stats *st)
{
	char b1[64], b2[64];
	const struct lq_rep_fund *fr = &r->sum.funds[k];
	unsigned d = rep_asset_dec(r, fr->asset);
	fputs("fund ", f);
	html_escape(f, fr->name);
	fprintf(f, " %s → %s %s", html_money(b1, sizeof(b1), fr->start, d),
		html_money(b2, sizeof(b2), fr->end, d), rep_asset_name(r, fr->asset));
	if (st->fund_exhausted_ns[k])
		fprintf(f, ", exhausted at %s",
			html_utc(b1, sizeof(b1), st->fund_exhausted_ns[k], false));
}

static void headline(const struct lq_rep *r, FILE *f, const struct html_stats *st)
{
	char b1[64], b2[64];
	fprintf(f,
		"<p id=\"headline\"><span data-k=\"liquidated\">%s</span> of "
		"<span data-k=\"accounts\">%s</span> accounts liquidated",
		html_count(b1, sizeof(b1), r->sum.accounts_liquidated),
		html_count(b2, sizeof(b2), r->sum.accounts));
	for (uint32_t k = 0; k < r->sum.fund_count; k++) {
		fputs(" · ", f);
		fund_phrase(r, f, k, st);
	}
	fprintf(f,
		" · <span data-k=\"adl_fills\">%s</span> ADL fills against "
		"<span data-k=\"adl_accounts\">%s</span> accounts · bad debt ",
		html_count(b1, sizeof(b1), r->sum.adl_fills),
		html_count(b2, sizeof(b2), r->sum.accounts_deleveraged));
	per_asset(r, f, r->sum.bad_debt);
	fputs("</p>\n", f);
}

static void tile(FILE *f, const char *key, const char *value, const char *label)
{
	fprintf(f, "<div class=\"tile\" data-k=\"%s\"><b>%s</b><span>%s</span></div>\n", key, value,
		label);
}

static void tiles(const struct lq_rep *r, FILE *f, const struct html_stats *st)
{
	char v[128], l[160], b1[64], b2[64];
	fputs("<div class=\"tiles\">\n", f);
	uint64_t n = r->sum.accounts;
	snprintf(l, sizeof(l), "accounts liquidated, of %s (%.1f%%)", html_count(b1, sizeof(b1), n),
		 n ? 100.0 * (double)r->sum.accounts_liquidated / n : 0.0);
	tile(f, "liquidated", html_count(v, sizeof(v), r->sum.accounts_liquidated), l);
	snprintf(l, sizeof(l), "liquidations (%s partial)",
		 html_count(b1, sizeof(b1), r->sum.partial));
	tile(f, "liquidations", html_count(v, sizeof(v), r->sum.liquidations), l);
	tile(f, "takeovers", html_count(v, sizeof(v), r->sum.takeovers), "fund takeovers");
	snprintf(l, sizeof(l), "ADL fills, against %s accounts",
		 html_count(b1, sizeof(b1), r->sum.accounts_deleveraged));
	tile(f, "adl_fills", html_count(v, sizeof(v), r->sum.adl_fills), l);
	for (uint32_t k = 0; k < r->sum.fund_count; k++) {
		const struct lq_rep_fund *fr = &r->sum.funds[k];
		unsigned d = rep_asset_dec(r, fr->asset);
		snprintf(v, sizeof(v), "%s → %s", html_money(b1, sizeof(b1), fr->start, d),
			 html_money(b2, sizeof(b2), fr->end, d));
		snprintf(l, sizeof(l), "fund %s (%s)%s%s", fr->name, rep_asset_name(r, fr->asset),
			 st->fund_exhausted_ns[k] ? ", exhausted at " : "",
			 st->fund_exhausted_ns[k]
			     ? html_utc(b1, sizeof(b1), st->fund_exhausted_ns[k], false)
			     : "");
		char key[48];
		snprintf(key, sizeof(key), "fund:%s", fr->name);
		fprintf(f, "<div class=\"tile\" data-k=\"");
		html_escape(f, key);
		fprintf(f, "\"><b>%s</b><span>", v);
		html_escape(f, l);
		fputs("</span></div>\n", f);
	}
	fputs("<div class=\"tile\" data-k=\"socialized\"><b>", f);
	per_asset(r, f, r->sum.socialized);
	fputs("</b><span>socialized losses</span></div>\n", f);
	fputs("<div class=\"tile\" data-k=\"bad_debt\"><b>", f);
	per_asset(r, f, r->sum.bad_debt);
	fputs("</b><span>bad debt</span></div>\n</div>\n", f);
}

/* ---- appendix ---- */

#define SVG_W 1160
#define SVG_H 260
#define PAD_L 70
#define PAD_R 20
#define PAD_T 20
#define PAD_B 40

static void chart_latency(const struct lq_rep *r, FILE *f)
{
	const struct lq_hist *h = r->run.latency;
	uint64_t cnt[64] = {0};
	uint32_t lo = 63, hi = 0;
	uint64_t top = 1;
	char b[32];
	/* bars per power of two of ns */
	for (uint32_t i = 0; i < LQ_HIST_BUCKETS; i++) {
		if (!h->bucket[i])
			continue;
		double ns = (double)lq_hist_bucket_low(i) / r->run.tsc_per_ns;
		uint32_t k = ns < 1 ? 0 : (uint32_t)(63 - __builtin_clzll((uint64_t)ns));
		cnt[k] += h->bucket[i];
		lo = k < lo ? k : lo;
		hi = k > hi ? k : hi;
	}
	if (lo > hi)
		return;
	for (uint32_t k = lo; k <= hi; k++)
		top = cnt[k] > top ? cnt[k] : top;
	double ymax = log10((double)top) + 0.8, pw = SVG_W - PAD_L - PAD_R,
	       ph = SVG_H - PAD_T - PAD_B, bw = pw / (double)(hi + 1 - lo);
	fprintf(f,
		"<svg class=\"chart\" id=\"latency\" viewBox=\"0 0 %d %d\" "
		"font-family=\"sans-serif\" font-size=\"12\">\n"
		"<rect x=\"%d\" y=\"%d\" width=\"%.0f\" height=\"%.0f\" fill=\"#fcfcfc\" "
		"stroke=\"#ccc\"/>\n",
		SVG_W, SVG_H, PAD_L, PAD_T, pw, ph);
	for (int d = 0; d <= (int)ymax; d++) {
		double y = SVG_H - PAD_B - (d + 0.3) / ymax * ph;
		fprintf(f,
			"<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>"
			"<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.0f</text>\n",
			PAD_L, y, SVG_W - PAD_R, y, PAD_L - 6, y + 4, pow(10, d));
	}
	for (uint32_t k = lo; k <= hi; k++) {
		double v = cnt[k] ? log10((double)cnt[k]) + 0.3 : 0, x = PAD_L + (k - lo) * bw,
		       y = SVG_H - PAD_B - v / ymax * ph;
		fprintf(f,
			"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
			"fill=\"#4c78a8\"><title>%llu events from %s</title></rect>\n",
			x + 2, y, bw - 4, SVG_H - PAD_B - y, (unsigned long long)cnt[k],
			html_ns(b, sizeof(b), (double)(1ull << k)));
		fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
			x + bw / 2, SVG_H - PAD_B + 16, html_ns(b, sizeof(b), (double)(1ull << k)));
	}
	static const char *const names[5] = {"p50", "p90", "p99", "p99.9", "max"};
	for (int q = 0; q < 5; q++) {
		double ns = (double)r->sum.lat_ns[q], k = ns < 1 ? 0 : log2(ns);
		if (k < lo || k > hi + 1)
			continue;
		double x = PAD_L + (k - lo) * bw;
		fprintf(f,
			"<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#c0392b\" "
			"stroke-dasharray=\"4 3\"/><text x=\"%.1f\" y=\"%d\" fill=\"#c0392b\" "
			"text-anchor=\"end\" font-size=\"10\">%s</text>\n",
			x, PAD_T, x, SVG_H - PAD_B, x - 2, PAD_T + 12 + 11 * q, names[q]);
	}
	fprintf(f,
		"<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">decision latency (input taken by "
		"ingest to output event formatted), bins of powers of two</text>\n"
		"<text x=\"14\" y=\"%d\" text-anchor=\"middle\" transform=\"rotate(-90 14 %d)\">"
		"events (log scale)</text>\n</svg>\n",
		(SVG_W + PAD_L) / 2, SVG_H - 4, SVG_H / 2, SVG_H / 2);
}

static void instruments_table(const struct lq_rep *r, FILE *f)
{
	const struct lq_rep_summary *s = &r->sum;
	char b[10][64];
	fputs("<h3>Instruments</h3>\n<table id=\"instruments\">\n<tr><th class=\"l\">instrument"
	      "</th><th>feed messages</th><th>trades</th><th>book updates</th><th>marks applied"
	      "</th><th>mark open</th><th>low</th><th>high</th><th>close</th><th>largest fall"
	      "</th><th>stale periods</th><th>feed gaps</th><th>liquidations</th><th>ADL fills"
	      "</th></tr>\n",
	      f);
	for (uint32_t k = 0; k < s->ins_count; k++) {
		const struct lq_rep_ins *in = &s->ins[k];
		fputs("<tr><td class=\"l\">", f);
		html_escape(f, in->name);
		unsigned d = in->price_decimals;
		double fall = in->dd_peak ? 100.0 * (double)(in->dd_peak - in->dd_trough) /
						(double)in->dd_peak
					  : 0;
		fprintf(f,
			"</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td>"
			"<td>%s</td><td>%s</td><td>%.2f%%</td><td>%llu</td><td>%llu</td><td>%s</td>"
			"<td>%s</td></tr>\n",
			html_count(b[0], sizeof(b[0]), in->feed_msgs),
			html_count(b[1], sizeof(b[1]), in->trades),
			html_count(b[2], sizeof(b[2]), in->books),
			html_count(b[3], sizeof(b[3]), in->marks),
			in->open ? rep_money(b[4], sizeof(b[4]), in->open, d) : "",
			in->low ? rep_money(b[5], sizeof(b[5]), in->low, d) : "",
			in->high ? rep_money(b[6], sizeof(b[6]), in->high, d) : "",
			in->close ? rep_money(b[7], sizeof(b[7]), in->close, d) : "", fall,
			(unsigned long long)in->stale, (unsigned long long)in->gaps,
			html_count(b[8], sizeof(b[8]), in->liqs),
			html_count(b[9], sizeof(b[9]), in->adls));
	}
	fputs("</table>\n", f);
}

static void appendix(const struct lq_rep *r, FILE *f)
{
	const struct lq_rep_summary *s = &r->sum;
	const struct lq_rep_run *run = &r->run;
	char b[64], b2[64], b3[64];
	fputs("<section id=\"appendix\">\n<h2>Appendix: the run</h2>\n<table class=\"kv\">\n", f);
	fprintf(f, "<tr><th>tool</th><td>%s, %u thread%s</td></tr>\n",
		s->tool ? s->tool : "liqd replay", s->threads, s->threads > 1 ? "s" : "");
	fputs("<tr><th>capture</th><td>", f);
	html_escape(f, s->capture ? s->capture : "?");
	fputs("</td></tr>\n", f);
	fprintf(f,
		"<tr><th>inputs</th><td>%s feed packets, %s feed messages, %s engine inputs"
		"</td></tr>\n",
		html_count(b, sizeof(b), s->feed_packets),
		html_count(b2, sizeof(b2), s->feed_messages),
		html_count(b3, sizeof(b3), s->engine_events));
	fprintf(f, "<tr><th>throughput</th><td>%s inputs/s (%s wall)</td></tr>\n",
		html_count(b, sizeof(b), (uint64_t)s->inputs_per_s),
		html_ns(b2, sizeof(b2), (double)s->wall_ns));
	fprintf(f, "<tr><th>output</th><td>%s lines, hash %016llx</td></tr>\n",
		html_count(b, sizeof(b), s->output_lines), (unsigned long long)s->hash);
	if (s->lat_count && run->latency && run->latency->count && run->tsc_per_ns > 0) {
		static const char *const names[6] = {"p50", "p90", "p99", "p99.9", "max", "mean"};
		fprintf(f, "<tr><th>decision latency</th><td id=\"latency-q\">");
		for (int q = 0; q < 6; q++)
			fprintf(f, "%s%s %s", q ? ", " : "", names[q],
				html_ns(b, sizeof(b), (double)s->lat_ns[q]));
		fprintf(f, " (%s events, input to output)</td></tr>\n</table>\n",
			html_count(b2, sizeof(b2), s->lat_count));
		instruments_table(r, f);
		fputs("<h3>Decision latency</h3>\n", f);
		chart_latency(r, f);
		fputs("<p class=\"note\">One input can cause a whole cascade of liquidations, "
		      "takeovers and ADL fills: they share that input's stamp, so the upper "
		      "percentiles are the length of the cascade, not a per-decision cost.</p>\n",
		      f);
	} else {
		fputs("<tr><th>decision latency</th><td>(no events)</td></tr>\n</table>\n", f);
		instruments_table(r, f);
	}
	fputs("</section>\n", f);
}

static void warnings(const struct lq_rep *r, FILE *f)
{
	const struct lq_rep_summary *s = &r->sum;
	if (!s->warning_count)
		return;
	fprintf(f,
		"<div id=\"warnings\"><b>%u warning%s: what the engine cannot stand behind"
		"</b><ul>\n",
		s->warning_count, s->warning_count == 1 ? "" : "s");
	for (uint32_t k = 0; k < s->warning_count && k < LQ_REP_WARN_MAX; k++) {
		fputs("<li>", f);
		html_escape(f, s->warnings[k]);
		fputs("</li>\n", f);
	}
	if (s->warning_count > LQ_REP_WARN_MAX)
		fprintf(f, "<li>... and %u more (see the summary)</li>\n",
			s->warning_count - LQ_REP_WARN_MAX);
	fputs("</ul></div>\n", f);
}

int lq_rep_write_html(const struct lq_rep *r, const char *path)
{
	struct html_stats st;
	if (!r->plot)
		return -EINVAL;
	if (r->plot->rows_errno)
		return -r->plot->rows_errno;
	int rc = html_stats_compute(r, &st);
	if (rc != 0)
		return rc;
	FILE *f = fopen(path, "w");
	if (!f)
		return -errno;
	page_head(r, f, &st);
	headline(r, f, &st);
	tiles(r, f, &st);
	warnings(r, f);
	fputs("<main id=\"charts\"><noscript>The charts and tables are drawn by the page's inline "
	      "script.</noscript></main>\n",
	      f);
	appendix(r, f);
	fputs("<script id=\"data\" type=\"application/json\">", f);
	rc = html_write_data(r, f, &st);
	fprintf(f, "</script>\n<script>\n%s</script>\n</body>\n</html>\n", lq_report_js);
	html_stats_free(&st);
	if (rc != 0) {
		fclose(f);
		return rc;
	}
	return fclose(f) == 0 ? 0 : -errno;
}
