/* SPDX-License-Identifier: MIT */
#ifndef LQ_REPORT_HTML_H
#define LQ_REPORT_HTML_H
/*
 * The HTML report's parts (private to app/): report_html.c writes the page, report_data.c
 * the figures it needs from the event rows (html_stats) and the JSON block the page's script
 * draws from.
 */
#include "report_model.h"

/* What the page needs from one pass over the event rows (report_data.c). */
struct html_stats {
	int64_t *t_at; /* TIME_BINS: the venue time of each time bin, carried forward */
	int64_t t_first, t_last;
	int64_t fund_exhausted_ns[LQ_FUNDS_MAX]; /* the first event leaving it at 0 or less */
	bool plotted[LQ_INSTRUMENTS_MAX];	 /* instruments with a market input or an event */
};

int html_stats_compute(const struct lq_rep *r, struct html_stats *st);
void html_stats_free(struct html_stats *st);
/* The JSON block (series, funds, event rows); 0 or -errno. */
int html_write_data(const struct lq_rep *r, FILE *f, const struct html_stats *st);

void html_escape(FILE *f, const char *s);
const char *html_utc(char *buf, size_t cap, int64_t ns, bool date);
const char *html_count(char *buf, size_t cap, uint64_t v);
const char *html_money(char *buf, size_t cap, lq_i128 v, unsigned dec);
const char *html_ns(char *buf, size_t cap, double ns);

#endif
