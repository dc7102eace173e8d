/* SPDX-License-Identifier: MIT */
/*
 * liqd replay: a configuration and an account population (the scenario language), then the
 * market data of a captured feed (a pcap of liqd feed packets, e.g. from `liqd convert`),
 * through the same pipeline as `liqd sim`. Prints a summary; --events prints every output
 * event as JSON lines first.
 */
#include "cli.h"
#include "feedin.h"

#include "lq/feed.h"
#include "lq/msg.h"
#include "lq/pcap.h"
#include "lq/pipeline.h"
#include "lq/scn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPLAY_LINE_MAX (1u << 16)

static const char replay_help[] =
    "usage: liqd replay --config FILE [OPTIONS] CAPTURE.pcap\n"
    "\n"
    "Replays a captured feed (a pcap of liqd feed packets, as `liqd convert` writes) against\n"
    "a configuration and an account population, through the pipeline `liqd sim` uses, and\n"
    "prints a summary as one JSON object. The same input gives the same output hash for\n"
    "every --threads.\n"
    "\n"
    "  --config FILE       scenario-language lines run first: asset, instrument (the feed's\n"
    "                      instruments are matched by name; their grid may be finer or\n"
    "                      coarser than the feed's), tier, param, fund, and the population\n"
    "                      (deposit, fill, isolate, ...)\n"
    "  --events            print every output event (JSON lines) before the summary\n"
    "  --shock F           scale every price move of the capture around each instrument's\n"
    "                      first price by F (1 to 1000): p' = p0 + F (p - p0), rounded to\n"
    "                      the tick, so that a calm recording becomes a stress test on real\n"
    "                      microstructure (book shapes, trade timing, order of events)\n"
    "  --threads N, --cores LIST, --ring-slots N, --burst N, --trigger MODE,\n"
    "  --max-accounts N, --max-positions N   as for liqd sim\n"
    "  -h, --help          this text\n"
    "\n"
    "Feed messages become engine inputs: a message's venue time advances the clock (to the\n"
    "largest time seen: streams interleave); book level updates keep a book per instrument\n"
    "whose best 64 levels per side replace the engine's at the end of each venue update;\n"
    "trades, the venue's mark (for mark=external, rounded to the nearest tick), index prices\n"
    "(with the last predicted funding rate) and settled funding pass through; account events\n"
    "in the feed (deposit, withdrawal, fill) apply to their accounts.\n";

struct replay {
	FILE *config;
	const char *config_name;
	char *line;
	bool config_done;
	struct lq_pcap_reader pcap;
	bool pcap_open;
	struct lq_feed_packet pkt;
	uint32_t pkt_next;
	struct lq_feed_stats feed;
	struct lq_feedin in;
	uint64_t record;
	int64_t shock_e8; /* --shock F x 10^8; 0 = off */
	uint64_t pcap_cut;
	char error[LQ_SCN_ERROR_MAX + 128];
	int exit_code;
};

static int next_input(void *ctx, struct lq_scn *scn)
{
	struct replay *r = ctx;

	if (!r->config_done) {
		if (fgets(r->line, REPLAY_LINE_MAX, r->config)) {
			size_t n = strlen(r->line);
			scn->line++;
			if (n > 0 && r->line[n - 1] == '\n')
				n--;
			if (lq_scn_line(scn, r->line, n) == LQ_SCN_SYNTAX) {
				snprintf(r->error, sizeof(r->error), "%s:%llu: %s", r->config_name,
					 (unsigned long long)scn->line, scn->error);
				r->exit_code = LQ_EXIT_USAGE;
				return -1;
			}
			return 1;
		}
		r->config_done = true;
	}
	if (r->pkt_next < r->pkt.count) {
		lq_feedin_pkt_msg(&r->in, scn, &r->pkt, r->pkt_next++, r->record);
		return 1;
	}
	for (;;) {
		struct lq_pcap_pkt pk;
		enum lq_pcap_status st = lq_pcap_next(&r->pcap, &pk);
		if (st == LQ_PCAP_END)
			return 0;
		if (st == LQ_PCAP_CUT) {
			r->pcap_cut++;
			continue;
		}
		if (st != LQ_PCAP_OK) {
			snprintf(r->error, sizeof(r->error), "capture: %s after record %llu",
				 lq_pcap_status_str(st), (unsigned long long)r->record);
			r->exit_code = LQ_EXIT_USAGE;
			return -1;
		}
		r->record = pk.record;
		/* a refused packet is counted in r->feed and skipped */
		if (lq_feed_decode_packet(pk.payload, pk.payload_len, &r->pkt, &r->feed) != 0)
			continue;
		r->pkt_next = 0;
		lq_feedin_packet(&r->in, scn, &r->pkt, r->record);
		return 1;
	}
}

struct out_sink {
	bool events;
};

static void write_out(void *ctx, const char *data, size_t len)
{
	const struct out_sink *o = ctx;
	if (o->events)
		fwrite(data, 1, len, stdout);
}

static void *alloc_cb(void *ctx, size_t size)
{
	(void)ctx;
	return lq_startup_alloc_aligned(size, 128, "the pipeline");
}

static void free_cb(void *ctx, void *p)
{
	(void)ctx;
	lq_startup_free(p);
}

static void print_summary(struct lq_pipeline *p, const struct replay *r, uint32_t threads)
{
	const struct lq_engine *e = lq_pipeline_engine(p);
	const struct lq_engine_stats *s = &e->stats;
	char buf[64];

	printf(
	    "{\"type\":\"summary\",\"threads\":%u,\"feed_packets\":%llu,\"feed_messages\":%llu,"
	    "\"feed_refused_packets\":%llu,\"unmapped\":%llu,\"off_grid\":%llu,\"events_in\":%llu,"
	    "\"liquidations\":%llu,\"partial\":%llu,\"takeovers\":%llu,\"adl_fills\":%llu,"
	    "\"socialized_charges\":%llu,\"bad_debts\":%llu,\"trigger_crossings\":%llu,"
	    "\"funds\":{",
	    threads, (unsigned long long)r->feed.packets, (unsigned long long)r->in.msgs_in,
	    (unsigned long long)(r->feed.errors[1] + r->feed.errors[2] + r->feed.errors[3] +
				 r->feed.errors[4] + r->feed.errors[5] + r->feed.errors[6] +
				 r->feed.errors[7] + r->feed.errors[8] + r->feed.errors[9]),
	    (unsigned long long)r->in.unmapped, (unsigned long long)r->in.off_grid,
	    (unsigned long long)s->events, (unsigned long long)s->liquidations,
	    (unsigned long long)s->partial_liquidations, (unsigned long long)s->takeovers,
	    (unsigned long long)s->adl_fills, (unsigned long long)s->socialized_charges,
	    (unsigned long long)s->bad_debts, (unsigned long long)s->trigger_hits);
	for (uint32_t f = 0; f < e->fund_count; f++) {
		if (!e->funds[f].defined)
			continue;
		const struct lq_asset *a = &e->assets[e->funds[f].asset];
		lq_dec_format128(buf, sizeof(buf),
				 e->ledger.total[LQ_LEDGER_FUND0 + f][e->funds[f].asset],
				 a->decimals);
		printf("%s\"%s\":\"%s\"", f ? "," : "", e->funds[f].name, buf);
	}
	printf("}");
	if (s->mark_ref_count > 0) {
		char med[32], max[32];
		lq_dec_format(med, sizeof(med), (int64_t)lq_engine_mark_ref_median_e4bps(e), 4);
		lq_dec_format(max, sizeof(max), (int64_t)s->mark_ref_max_e4bps, 4);
		printf(
		    ",\"mark_vs_venue\":{\"count\":%llu,\"median_bps\":\"%s\",\"max_bps\":\"%s\"}",
		    (unsigned long long)s->mark_ref_count, med, max);
	}
	printf(",\"output_lines\":%llu,\"hash\":\"%016llx\"}\n",
	       (unsigned long long)lq_pipeline_output_lines(p),
	       (unsigned long long)lq_pipeline_hash(p));
}

int lq_cmd_replay(int argc, char **argv)
{
	static struct replay r;
	struct out_sink out = {0};
	struct lq_pipeline_config cfg = {
	    .threads = 1,
	    .cores = {-1, -1, -1, -1},
	    .ring_slots = 1024,
	    .burst = 32,
	    .limits = {.accounts_max = 65536, .positions_max = 262144},
	    .trigger = LQ_TRIGGER_INDEX,
	};
	const char *config = NULL, *capture = NULL;
	struct lq_pipeline *p;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const bool has = i + 1 < argc;
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(replay_help, stdout);
			return LQ_EXIT_OK;
		} else if (!strcmp(a, "--config") && has) {
			config = argv[++i];
		} else if (!strcmp(a, "--events")) {
			out.events = true;
		} else if (!strcmp(a, "--shock") && has) {
			const char *v = argv[++i];
			if (lq_dec_parse(v, strlen(v), LQ_RATE_DECIMALS, &r.shock_e8) !=
				LQ_DEC_OK ||
			    r.shock_e8 < LQ_RATE_ONE || r.shock_e8 > 1000 * LQ_RATE_ONE) {
				fprintf(stderr,
					"liqd replay: --shock takes a factor from 1 to 1000, "
					"not '%s'\n",
					v);
				return LQ_EXIT_USAGE;
			}
		} else if (!strcmp(a, "--threads") && has) {
			if (lq_parse_u32_opt(a, argv[++i], 1, LQ_PIPELINE_THREADS_MAX,
					     &cfg.threads))
				return LQ_EXIT_USAGE;
		} else if (!strcmp(a, "--ring-slots") && has) {
			if (lq_parse_u32_opt(a, argv[++i], 2, 1u << 20, &cfg.ring_slots) ||
			    (cfg.ring_slots & (cfg.ring_slots - 1))) {
				fprintf(stderr, "liqd replay: --ring-slots is a power of two\n");
				return LQ_EXIT_USAGE;
			}
		} else if (!strcmp(a, "--burst") && has) {
			if (lq_parse_u32_opt(a, argv[++i], 1, 4096, &cfg.burst))
				return LQ_EXIT_USAGE;
		} else if (!strcmp(a, "--max-accounts") && has) {
			if (lq_parse_u32_opt(a, argv[++i], 1, 1u << 29, &cfg.limits.accounts_max))
				return LQ_EXIT_USAGE;
		} else if (!strcmp(a, "--max-positions") && has) {
			if (lq_parse_u32_opt(a, argv[++i], 1, 1u << 29, &cfg.limits.positions_max))
				return LQ_EXIT_USAGE;
		} else if (!strcmp(a, "--trigger") && has) {
			const char *m = argv[++i];
			if (!strcmp(m, "index"))
				cfg.trigger = LQ_TRIGGER_INDEX;
			else if (!strcmp(m, "scan"))
				cfg.trigger = LQ_TRIGGER_SCAN;
			else {
				fprintf(stderr, "liqd replay: --trigger is index or scan\n");
				return LQ_EXIT_USAGE;
			}
		} else if (a[0] == '-' && a[1] != '\0') {
			fprintf(stderr,
				"liqd replay: unknown option '%s' (see liqd replay --help)\n", a);
			return LQ_EXIT_USAGE;
		} else if (!capture) {
			capture = a;
		} else {
			fprintf(stderr, "liqd replay: one capture at a time ('%s')\n", a);
			return LQ_EXIT_USAGE;
		}
	}
	if (!config || !capture) {
		fprintf(stderr,
			"liqd replay: needs --config FILE and a CAPTURE.pcap (see --help)\n");
		return LQ_EXIT_USAGE;
	}
	r.config_name = config;
	r.config = fopen(config, "r");
	if (!r.config) {
		fprintf(stderr, "liqd replay: cannot open %s: %s\n", config, strerror(errno));
		return LQ_EXIT_USAGE;
	}
	int rc = lq_pcap_open(&r.pcap, capture);
	if (rc != 0) {
		fprintf(stderr,
			"liqd replay: cannot read %s: %s (a pcap of liqd feed packets, see "
			"liqd convert)\n",
			capture, strerror(-rc));
		fclose(r.config);
		return LQ_EXIT_USAGE;
	}
	r.line = lq_startup_alloc(REPLAY_LINE_MAX, "the line buffer");
	cfg.source = next_input;
	cfg.source_ctx = &r;
	cfg.write = write_out;
	cfg.write_ctx = &out;
	cfg.alloc = alloc_cb;
	cfg.free = free_cb;
	lq_feedin_init(&r.in, r.shock_e8);
	if (r.shock_e8 != 0)
		lq_feedin_prescan(&r.in, capture);
	rc = lq_pipeline_create(&p, &cfg);
	if (rc != 0) {
		fprintf(stderr, "liqd replay: cannot set up the pipeline: %s\n", strerror(-rc));
		return LQ_EXIT_FAIL;
	}
	rc = lq_pipeline_run(p);
	int exit_code = LQ_EXIT_OK;
	if (r.exit_code != 0) {
		fflush(stdout);
		fprintf(stderr, "liqd replay: %s\n", r.error);
		exit_code = r.exit_code;
	} else {
		print_summary(p, &r, cfg.threads);
		if (rc != 0 && rc != -ECANCELED) {
			fprintf(stderr, "liqd replay: pipeline: %s\n", strerror(-rc));
			exit_code = LQ_EXIT_FAIL;
		}
	}
	lq_pipeline_destroy(p);
	lq_pcap_close(&r.pcap);
	fclose(r.config);
	lq_startup_free(r.line);
	return exit_code;
}
