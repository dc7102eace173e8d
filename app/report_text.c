/* SPDX-License-Identifier: MIT */
/*
 * The replay report's text renderers of the summary (struct lq_rep_summary, filled once by
 * lq_rep_finish): the human summary (lq_rep_print_human), the --json object
 * (lq_rep_print_json) and the warnings on standard error (lq_rep_print_warnings). Every
 * money figure is printed from the exact integers; floating point only for rates.
 */
#include "report_model.h"

#include "lq/app.h"

#include <string.h>

typedef unsigned long long ull;

static const char *sum_money(const struct lq_rep_summary *s, char *buf, size_t cap, lq_i128 v,
			     uint32_t asset)
{
	return rep_money(buf, cap, v, s->assets[asset].decimals);
}

static const char *ins_price(const struct lq_rep_ins *o, char *buf, size_t cap, int64_t p)
{
	return rep_money(buf, cap, p, o->price_decimals);
}

/* The largest drawdown in hundredths of a percent of its peak (rounded down). */
static int64_t drawdown_e4(const struct lq_rep_ins *o)
{
	if (o->dd_peak <= 0)
		return 0;
	return (int64_t)((lq_i128)(o->dd_peak - o->dd_trough) * 10000 / o->dd_peak);
}

static void human_per_asset(const struct lq_rep_summary *s, FILE *f, const char *label,
			    const lq_i128 *v)
{
	char b[64];
	bool any = false;
	fprintf(f, "  %-23s", label);
	for (uint32_t a = 0; a < s->asset_count; a++)
		if (v[a] != 0) {
			fprintf(f, "%s%s %s", any ? ", " : "", sum_money(s, b, sizeof(b), v[a], a),
				s->assets[a].name);
			any = true;
		}
	fprintf(f, "%s\n", any ? "" : "0");
}

static void human_latency(const struct lq_rep_summary *s, FILE *f)
{
	if (!s->lat_count) {
		fprintf(f, "  decision latency       (no events)\n");
		return;
	}
	fprintf(f,
		"  decision latency       p50 %llu ns, p90 %llu, p99 %llu, p99.9 %llu, max %llu "
		"(%llu events, input to output)\n",
		(ull)s->lat_ns[0], (ull)s->lat_ns[1], (ull)s->lat_ns[2], (ull)s->lat_ns[3],
		(ull)s->lat_ns[4], (ull)s->lat_count);
	/* the same taken apart: an input's first decision, and how many events it set off */
	if (s->first_count)
		fprintf(f,
			"  first decision         p50 %llu ns, p90 %llu, p99 %llu, p99.9 %llu, max "
			"%llu (%llu input%s, input to the engine's first decision)\n",
			(ull)s->first_ns[0], (ull)s->first_ns[1], (ull)s->first_ns[2],
			(ull)s->first_ns[3], (ull)s->first_ns[4], (ull)s->first_count,
			s->first_count == 1 ? "" : "s");
	if (s->depth_inputs)
		fprintf(f,
			"  cascade depth          p50 %llu, p99 %llu, max %llu events per input "
			"(%llu input%s with events)\n",
			(ull)s->depth_q[0], (ull)s->depth_q[1], (ull)s->depth_q[2],
			(ull)s->depth_inputs, s->depth_inputs == 1 ? "" : "s");
}

static void human_instrument(const struct lq_rep_summary *s, const struct lq_rep_ins *o, FILE *f)
{
	char b1[64], b2[64], b3[64], b4[64];
	fprintf(f,
		"  %-23s%llu feed messages: %llu trades, %llu book updates, %llu marks; stale "
		"periods %llu, feed gaps %llu\n",
		o->name, (ull)o->feed_msgs, (ull)o->trades, (ull)o->books, (ull)o->marks,
		(ull)o->stale, (ull)o->gaps);
	if (o->marks) {
		int64_t dd = drawdown_e4(o);
		fprintf(f, "  %-23smark open %s, low %s, high %s, close %s", "",
			ins_price(o, b1, sizeof(b1), o->open), ins_price(o, b2, sizeof(b2), o->low),
			ins_price(o, b3, sizeof(b3), o->high),
			ins_price(o, b4, sizeof(b4), o->close));
		if (o->dd_peak)
			fprintf(f, "; largest drawdown %lld.%02lld%% (%s -> %s)",
				(long long)(dd / 100), (long long)(dd % 100),
				ins_price(o, b1, sizeof(b1), o->dd_peak),
				ins_price(o, b2, sizeof(b2), o->dd_trough));
		fputc('\n', f);
	}
	if (o->funding_events)
		fprintf(f, "  %-23sfunding paid %s, received %s %s (%llu settlements)\n", "",
			sum_money(s, b1, sizeof(b1), o->funding_paid, o->asset),
			sum_money(s, b2, sizeof(b2), o->funding_received, o->asset),
			s->assets[o->asset].name, (ull)o->funding_events);
	if (o->funding_settled || o->funding_no_rate || o->funding_dup || o->funding_stale ||
	    o->funding_moved) {
		fprintf(f, "  %-23sfunding times settled %llu", "", (ull)o->funding_settled);
		if (o->funding_no_rate)
			fprintf(f, ", passed with no rate %llu", (ull)o->funding_no_rate);
		if (o->funding_dup)
			fprintf(f, ", settled twice in the feed %llu", (ull)o->funding_dup);
		if (o->funding_stale)
			fprintf(f, ", rates published too late %llu", (ull)o->funding_stale);
		if (o->funding_moved)
			fprintf(f, ", rates replaced by a later time's %llu",
				(ull)o->funding_moved);
		fputc('\n', f);
	}
}

static void human_worst(const struct lq_rep_summary *s, FILE *f)
{
	char b1[64], b2[64];
	if (!s->worst_count)
		return;
	fprintf(f, "  worst accounts (loss = deposits - equity at the end):\n");
	for (uint32_t k = 0; k < s->worst_count; k++) {
		const struct lq_rep_worst *w = &s->worst[k];
		fprintf(f,
			"    %-10llu lost %s of %s %s: %u liquidation%s (%s), %u fund "
			"takeover%s, %u ADL fill%s against other accounts\n",
			(ull)w->id, sum_money(s, b1, sizeof(b1), w->loss, w->asset),
			sum_money(s, b2, sizeof(b2), w->deposited, w->asset),
			s->assets[w->asset].name, w->liqs, w->liqs == 1 ? "" : "s",
			s->ins[w->ins].name, w->takeovers, w->takeovers == 1 ? "" : "s",
			w->adl_against, w->adl_against == 1 ? "" : "s");
	}
}

void lq_rep_print_human(const struct lq_rep *r, FILE *f)
{
	const struct lq_rep_summary *s = &r->sum;
	char b1[64], b2[64], b3[64];

	fprintf(f, "%s: %s", s->tool, s->capture);
	if (s->shock_e8)
		fprintf(f, " (shock x%s)", rep_money(b1, sizeof(b1), s->shock_e8, 8));
	if (s->population)
		fprintf(f, ", population %s", s->population);
	if (s->accounts_generated)
		fprintf(f, " (%llu accounts, seed %llu)", (ull)s->accounts_generated, (ull)s->seed);
	if (s->threads_fixed) /* else on standard error: it depends on the machine */
		fprintf(f, ", %u thread%s", s->threads, s->threads > 1 ? "s" : "");
	fputc('\n', f);
	fprintf(f, "  events in              %llu feed messages (%llu engine inputs)\n",
		(ull)s->feed_messages, (ull)s->engine_events);
	if (s->account_events || s->account_refused)
		fprintf(f, "  account events         %llu from the feed (%llu refused)\n",
			(ull)s->account_events, (ull)s->account_refused);
	fprintf(f, "  liquidations           %llu (%llu full, %llu partial)\n",
		(ull)s->liquidations, (ull)(s->liquidations - s->partial), (ull)s->partial);
	if (s->venue_liquidations)
		fprintf(f,
			"  venue liquidations     %llu (the venue's own prints, for comparison)\n",
			(ull)s->venue_liquidations);
	if (s->orders_sent)
		fprintf(f,
			"  liquidation orders     %llu sent to the venue: %llu filled, %llu "
			"cancelled, %llu expired, %llu open\n",
			(ull)s->orders_sent, (ull)s->orders_filled, (ull)s->orders_cancelled,
			(ull)s->orders_expired, (ull)s->orders_open);
	fprintf(f, "  fund takeovers         %llu\n", (ull)s->takeovers);
	fprintf(f, "  ADL fills              %llu\n", (ull)s->adl_fills);
	human_per_asset(s, f, "socialized", s->socialized);
	human_per_asset(s, f, "bad debt", s->bad_debt);
	if (s->funding_events) {
		human_per_asset(s, f, "funding paid", s->funding_paid);
		human_per_asset(s, f, "funding received", s->funding_received);
	}
	for (uint32_t k = 0; k < s->fund_count; k++) {
		const struct lq_rep_fund *fr = &s->funds[k];
		fprintf(f, "  fund %-17s %s -> %s %s (%s%s)\n", fr->name,
			sum_money(s, b1, sizeof(b1), fr->start, fr->asset),
			sum_money(s, b2, sizeof(b2), fr->end, fr->asset), s->assets[fr->asset].name,
			fr->end >= fr->start ? "+" : "",
			sum_money(s, b3, sizeof(b3), fr->end - fr->start, fr->asset));
	}
	for (uint32_t i = 0; i < s->ins_count; i++)
		human_instrument(s, &s->ins[i], f);
	if (s->preset_unused_count) {
		fprintf(f, "  %-23s", "preset only");
		for (uint32_t k = 0; k < s->preset_unused_count; k++)
			fprintf(f, "%s%s", k ? ", " : "", s->preset_unused[k]);
		fprintf(f, " (the preset's, not in the capture: not replayed)\n");
	}
	human_worst(s, f);
	fprintf(f,
		"  throughput             %.0f inputs/s (%llu engine inputs, population and feed, "
		"in %.3f s wall)\n",
		s->inputs_per_s, (ull)s->engine_events, (double)s->wall_ns / 1e9);
	human_latency(s, f);
	fprintf(f, "  output                 %llu lines, hash %016llx\n", (ull)s->output_lines,
		(ull)s->hash);
	if (s->warning_count)
		fprintf(f, "  warnings               %u (listed above; --strict fails the run)\n",
			s->warning_count);
}

void lq_rep_print_warnings(const struct lq_rep *r, FILE *f)
{
	const struct lq_rep_summary *s = &r->sum;
	for (uint32_t k = 0; k < s->warning_count && k < LQ_REP_WARN_MAX; k++)
		fprintf(f, "%s: warning: %s\n", s->tool, s->warnings[k]);
	if (s->warning_count > LQ_REP_WARN_MAX)
		fprintf(f, "%s: warning: %u more warnings\n", s->tool,
			s->warning_count - LQ_REP_WARN_MAX);
}

static void json_per_asset(const struct lq_rep_summary *s, FILE *f, const char *key,
			   const lq_i128 *v)
{
	char b[64];
	fprintf(f, ",\"%s\":{", key);
	for (uint32_t a = 0; a < s->asset_count; a++) {
		fprintf(f, "%s", a ? "," : "");
		lq_print_jstr(f, s->assets[a].name);
		fprintf(f, ":\"%s\"", sum_money(s, b, sizeof(b), v[a], a));
	}
	fputc('}', f);
}

static void json_head(const struct lq_rep_summary *s, FILE *f)
{
	char b[64];
	fputs("{\"type\":\"summary\",", f);
	if (s->threads_fixed) /* else on standard error: it depends on the machine */
		fprintf(f, "\"threads\":%u,", s->threads);
	fprintf(
	    f,
	    "\"feed_packets\":%llu,\"feed_messages\":%llu,"
	    "\"feed_refused_packets\":%llu,\"unmapped\":%llu,\"off_grid\":%llu,\"events_in\":%llu,"
	    "\"liquidations\":%llu,\"partial\":%llu,\"takeovers\":%llu,\"adl_fills\":%llu,"
	    "\"socialized_charges\":%llu,\"bad_debts\":%llu,\"trigger_crossings\":%llu,"
	    "\"funds\":{",
	    (ull)s->feed_packets, (ull)s->feed_messages, (ull)s->feed_refused_packets,
	    (ull)s->unmapped, (ull)s->off_grid, (ull)s->engine_events, (ull)s->liquidations,
	    (ull)s->partial, (ull)s->takeovers, (ull)s->adl_fills, (ull)s->socialized_charges,
	    (ull)s->bad_debts, (ull)s->trigger_crossings);
	for (uint32_t k = 0; k < s->fund_count; k++) {
		fprintf(f, "%s", k ? "," : "");
		lq_print_jstr(f, s->funds[k].name);
		fprintf(f, ":\"%s\"",
			sum_money(s, b, sizeof(b), s->funds[k].end, s->funds[k].asset));
	}
	fputc('}', f);
	if (s->mark_ref_count > 0) {
		char med[32], max[32];
		lq_dec_format(med, sizeof(med), (int64_t)s->mark_ref_median_e4bps, 4);
		lq_dec_format(max, sizeof(max), (int64_t)s->mark_ref_max_e4bps, 4);
		fprintf(
		    f,
		    ",\"mark_vs_venue\":{\"count\":%llu,\"median_bps\":\"%s\",\"max_bps\":\"%s\"}",
		    (ull)s->mark_ref_count, med, max);
	}
}

static void json_worst(const struct lq_rep_summary *s, FILE *f)
{
	char b1[64], b2[64], b3[64];
	fprintf(f, ",\"worst_accounts\":[");
	for (uint32_t k = 0; k < s->worst_count; k++) {
		const struct lq_rep_worst *w = &s->worst[k];
		fprintf(f, "%s{\"account\":%llu,\"asset\":", k ? "," : "", (ull)w->id);
		lq_print_jstr(f, s->assets[w->asset].name);
		fprintf(f,
			",\"deposited\":\"%s\",\"equity\":\"%s\",\"loss\":\"%s\",\"liquidated\":%u,"
			"\"taken_over\":%u,\"adl_against\":%u}",
			sum_money(s, b1, sizeof(b1), w->deposited, w->asset),
			sum_money(s, b2, sizeof(b2), w->equity, w->asset),
			sum_money(s, b3, sizeof(b3), w->loss, w->asset), w->liqs, w->takeovers,
			w->adl_against);
	}
	fputc(']', f);
}

static void json_instruments(const struct lq_rep_summary *s, FILE *f)
{
	char b[6][64];
	fprintf(f, ",\"instruments\":[");
	for (uint32_t i = 0; i < s->ins_count; i++) {
		const struct lq_rep_ins *o = &s->ins[i];
		int64_t dd = drawdown_e4(o);
		fprintf(f, "%s{\"instrument\":", i ? "," : "");
		lq_print_jstr(f, o->name);
		fprintf(
		    f,
		    ",\"feed_messages\":%llu,\"trades\":%llu,\"book_updates\":%llu,\"marks\":%llu,"
		    "\"stale_periods\":%llu,\"gaps\":%llu,\"liquidations\":%llu,\"adl_fills\":%llu",
		    (ull)o->feed_msgs, (ull)o->trades, (ull)o->books, (ull)o->marks, (ull)o->stale,
		    (ull)o->gaps, (ull)o->liqs, (ull)o->adls);
		if (o->marks)
			fprintf(
			    f,
			    ",\"mark\":{\"open\":\"%s\",\"low\":\"%s\",\"high\":\"%s\",\"close\":"
			    "\"%s\"},\"drawdown\":{\"peak\":\"%s\",\"trough\":\"%s\",\"pct\":"
			    "\"%lld.%02lld\"}",
			    ins_price(o, b[0], 64, o->open), ins_price(o, b[1], 64, o->low),
			    ins_price(o, b[2], 64, o->high), ins_price(o, b[3], 64, o->close),
			    ins_price(o, b[4], 64, o->dd_peak ? o->dd_peak : o->open),
			    ins_price(o, b[5], 64, o->dd_peak ? o->dd_trough : o->open),
			    (long long)(dd / 100), (long long)(dd % 100));
		else
			fprintf(f, ",\"mark\":null,\"drawdown\":null");
		fprintf(f, ",\"funding\":{\"asset\":");
		lq_print_jstr(f, s->assets[o->asset].name);
		fprintf(f, ",\"settlements\":%llu,\"paid\":\"%s\",\"received\":\"%s\"",
			(ull)o->funding_events, sum_money(s, b[0], 64, o->funding_paid, o->asset),
			sum_money(s, b[1], 64, o->funding_received, o->asset));
		fprintf(
		    f,
		    ",\"times_settled\":%llu,\"times_no_rate\":%llu,\"dup\":%llu,\"stale\":%llu,"
		    "\"moved\":%llu}}",
		    (ull)o->funding_settled, (ull)o->funding_no_rate, (ull)o->funding_dup,
		    (ull)o->funding_stale, (ull)o->funding_moved);
	}
	fputc(']', f);
}

void lq_rep_print_json(const struct lq_rep *r, FILE *f)
{
	const struct lq_rep_summary *s = &r->sum;
	char b1[64], b2[64];

	json_head(s, f);
	fprintf(f, ",\"liquidations_full\":%llu", (ull)(s->liquidations - s->partial));
	fprintf(f, ",\"accounts\":%llu,\"accounts_liquidated\":%llu,\"accounts_deleveraged\":%llu",
		(ull)s->accounts, (ull)s->accounts_liquidated, (ull)s->accounts_deleveraged);
	json_per_asset(s, f, "socialized", s->socialized);
	json_per_asset(s, f, "bad_debt", s->bad_debt);
	fprintf(f, ",\"fund_balances\":{");
	for (uint32_t k = 0; k < s->fund_count; k++) {
		const struct lq_rep_fund *fr = &s->funds[k];
		fprintf(f, "%s", k ? "," : "");
		lq_print_jstr(f, fr->name);
		fprintf(f, ":{\"asset\":");
		lq_print_jstr(f, s->assets[fr->asset].name);
		fprintf(f, ",\"start\":\"%s\",\"end\":\"%s\"}",
			sum_money(s, b1, sizeof(b1), fr->start, fr->asset),
			sum_money(s, b2, sizeof(b2), fr->end, fr->asset));
	}
	fputc('}', f);
	json_worst(s, f);
	fprintf(f, ",\"wall_ns\":%llu,\"inputs_per_s\":%.0f", (ull)s->wall_ns, s->inputs_per_s);
	if (s->lat_count)
		fprintf(f,
			",\"latency_ns\":{\"count\":%llu,\"p50\":%llu,\"p90\":%llu,\"p99\":%llu,"
			"\"p99_9\":%llu,\"max\":%llu,\"mean\":%llu,\"first_count\":%llu,"
			"\"first_p50\":%llu,\"first_p90\":%llu,\"first_p99\":%llu,"
			"\"first_p99_9\":%llu,\"first_max\":%llu,\"first_mean\":%llu,"
			"\"depth_inputs\":%llu,\"depth_p50\":%llu,\"depth_p99\":%llu,"
			"\"depth_max\":%llu}",
			(ull)s->lat_count, (ull)s->lat_ns[0], (ull)s->lat_ns[1], (ull)s->lat_ns[2],
			(ull)s->lat_ns[3], (ull)s->lat_ns[4], (ull)s->lat_ns[5],
			(ull)s->first_count, (ull)s->first_ns[0], (ull)s->first_ns[1],
			(ull)s->first_ns[2], (ull)s->first_ns[3], (ull)s->first_ns[4],
			(ull)s->first_ns[5], (ull)s->depth_inputs, (ull)s->depth_q[0],
			(ull)s->depth_q[1], (ull)s->depth_q[2]);
	fprintf(f, ",\"funding\":{\"settlements\":%llu", (ull)s->funding_events);
	json_per_asset(s, f, "paid", s->funding_paid);
	json_per_asset(s, f, "received", s->funding_received);
	fputc('}', f);
	json_instruments(s, f);
	fprintf(f, ",\"account_events\":%llu,\"account_refused\":%llu,\"venue_liquidations\":%llu",
		(ull)s->account_events, (ull)s->account_refused, (ull)s->venue_liquidations);
	if (s->orders_sent) /* --fills external */
		fprintf(f,
			",\"liquidation_orders\":{\"sent\":%llu,\"filled\":%llu,\"cancelled\":%llu,"
			"\"expired\":%llu,\"open\":%llu}",
			(ull)s->orders_sent, (ull)s->orders_filled, (ull)s->orders_cancelled,
			(ull)s->orders_expired, (ull)s->orders_open);
	fprintf(f, ",\"preset_instruments_unused\":[");
	for (uint32_t k = 0; k < s->preset_unused_count; k++) {
		fprintf(f, "%s", k ? "," : "");
		lq_print_jstr(f, s->preset_unused[k]);
	}
	fputc(']', f);
	fprintf(f, ",\"warnings\":[");
	for (uint32_t k = 0; k < s->warning_count && k < LQ_REP_WARN_MAX; k++) {
		fprintf(f, "%s", k ? "," : "");
		lq_print_jstr(f, s->warnings[k]);
	}
	if (s->warning_count > LQ_REP_WARN_MAX) {
		char more[64];
		snprintf(more, sizeof(more), "%u more warnings",
			 s->warning_count - LQ_REP_WARN_MAX);
		fprintf(f, ",");
		lq_print_jstr(f, more);
	}
	fprintf(f, "],\"warning_count\":%u,\"output_lines\":%llu,\"hash\":\"%016llx\"}\n",
		s->warning_count, (ull)s->output_lines, (ull)s->hash);
}
