/* SPDX-License-Identifier: MIT */
/*
 * The replay report's text renderers: the human summary (lq_rep_print_human) and the
 * summary's JSON fields (lq_rep_print_json). Every money figure is printed from the exact
 * integers; floating point only for rates.
 */
#include "report_model.h"

#include <string.h>

static void human_per_asset(const struct lq_rep *r, FILE *f, const char *label, const lq_i128 *v)
{
	char b[64];
	bool any = false;
	fprintf(f, "  %-23s", label);
	for (uint32_t a = 0; a < r->run.engine->asset_count; a++)
		if (v[a] != 0) {
			fprintf(f, "%s%s %s", any ? ", " : "",
				rep_money(b, sizeof(b), v[a], rep_asset_dec(r, a)),
				rep_asset_name(r, a));
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
		fprintf(f, " (shock x%s)", rep_money(b1, sizeof(b1), run->shock_e8, 8));
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
		unsigned d = rep_asset_dec(r, fr->asset);
		fprintf(f, "  fund %-17s %s -> %s %s (%s%s)\n", fr->name,
			rep_money(b1, sizeof(b1), fr->start, d),
			rep_money(b2, sizeof(b2), fr->end, d), rep_asset_name(r, fr->asset),
			fr->end >= fr->start ? "+" : "",
			rep_money(b3, sizeof(b3), fr->end - fr->start, d));
	}
	if (r->worst_count) {
		fprintf(f, "  worst accounts (loss = deposits - equity at the end):\n");
		for (uint32_t k = 0; k < r->worst_count; k++) {
			const struct worst *w = &r->worst[k];
			unsigned d = rep_asset_dec(r, w->asset);
			fprintf(f,
				"    %-10llu lost %s of %s %s: %u liquidation%s (%s), %u fund "
				"takeover%s, %u ADL fill%s against other accounts\n",
				(unsigned long long)w->id, rep_money(b1, sizeof(b1), w->loss, d),
				rep_money(b2, sizeof(b2), w->deposited, d),
				rep_asset_name(r, w->asset), w->w->liqs, w->w->liqs == 1 ? "" : "s",
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
		fprintf(f, "%s\"%s\":\"%s\"", first ? "" : ",", rep_asset_name(r, a),
			rep_money(b, sizeof(b), v[a], rep_asset_dec(r, a)));
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
		unsigned d = rep_asset_dec(r, fr->asset);
		fprintf(f, "%s\"%s\":{\"asset\":\"%s\",\"start\":\"%s\",\"end\":\"%s\"}",
			k ? "," : "", fr->name, rep_asset_name(r, fr->asset),
			rep_money(b1, sizeof(b1), fr->start, d),
			rep_money(b2, sizeof(b2), fr->end, d));
	}
	fprintf(f, "},\"worst_accounts\":[");
	for (uint32_t k = 0; k < r->worst_count; k++) {
		const struct worst *w = &r->worst[k];
		unsigned d = rep_asset_dec(r, w->asset);
		char b3[64];
		fprintf(
		    f,
		    "%s{\"account\":%llu,\"asset\":\"%s\",\"deposited\":\"%s\",\"equity\":\"%s\","
		    "\"loss\":\"%s\",\"liquidated\":%u,\"taken_over\":%u,\"adl_against\":%u}",
		    k ? "," : "", (unsigned long long)w->id, rep_asset_name(r, w->asset),
		    rep_money(b1, sizeof(b1), w->deposited, d),
		    rep_money(b2, sizeof(b2), w->equity, d), rep_money(b3, sizeof(b3), w->loss, d),
		    w->w->liqs, w->w->takeovers, w->w->adl_against);
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
