/* SPDX-License-Identifier: MIT */
/* liqd sim: run a scenario file through the engine and print one JSON event per line. */
#include "lq/app.h"
#include "lq/durable.h"

#include "lq/engine.h"
#include "lq/json.h"
#include "lq/pipeline.h"
#include "lq/scn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIM_LINE_MAX (1u << 20)

static const char sim_help[] =
    "usage: liqd sim [OPTIONS] FILE|-\n"
    "\n"
    "Runs a scenario (FILE, or - for standard input) through the engine and prints one JSON\n"
    "object per line on standard output. Exit status: 0 when the scenario ran (refused\n"
    "events are `rejected` lines, not failures), 2 for a line that cannot be parsed (its\n"
    "number and the reason on standard error) or a bad command line, 1 for an I/O error.\n"
    "\n"
    "options:\n"
    "  --max-accounts N    accounts the engine can hold (default 65536)\n"
    "  --max-positions N   positions the engine can hold (default 262144)\n"
    "  --trigger MODE      how liquidatable accounts are found: index (default; O(k) in\n"
    "                      the accounts a move endangers), scan (every account on every\n"
    "                      event: the reference), off (no liquidations)\n"
    "  --threads N         pipeline threads, 1 (every stage on one thread, run to\n"
    "                      completion; default) to 4 (ingest, mark, engine, publish)\n"
    "  --cores LIST        pin the threads to these CPUs, e.g. 0,1\n"
    "  --ring-slots N      slots per ring between stages, a power of two (default 1024)\n"
    "  --burst N           messages a stage handles per poll (default 32)\n"
    "  --hash              end with {\"type\":\"end\",\"lines\":N,\"hash\":H}, H the FNV-1a\n"
    "                      64 of the output: identical for every --threads, --ring-slots\n"
    "                      and --burst\n"
    "  --stats             per-stage counters and engine statistics on standard error\n"
    "  -h, --help          this text\n"
    "\n"
    "The scenario language: one command per line, blank-separated tokens, key=value\n"
    "options, '#' starts a comment. Decimals are exact (never through a double). Prices\n"
    "must be whole ticks and quantities whole lots of their instrument; amounts use the\n"
    "asset's decimals; rates (mmr, imr, fees, funding, bands) take up to 8 decimals.\n"
    "\n"
    "definitions:\n"
    "  asset NAME decimals=N\n"
    "      an asset; money in it counts units of 10^-N (N = 0..18)\n"
    "  instrument NAME linear|inverse settle=ASSET tick=T lot=L [contract=C]\n"
    "      linear: PnL = qty x (exit - entry) in the settle asset;\n"
    "      inverse: each contract is worth C of the quote currency, PnL = qty x C x\n"
    "      (1/entry - 1/exit) in the settle (base) coin. The decimals written in T and L\n"
    "      fix the decimals of prices and quantities in the output.\n"
    "  tier INSTRUMENT upto=NOTIONAL|max mmr=R imr=R\n"
    "      a notional bracket (in the settle asset), ascending, the last one upto=max;\n"
    "      MM = notional x mmr - cum, cum keeping MM continuous (same for IM)\n"
    "  param INSTRUMENT key=value ...\n"
    "      Each key's valid range is given as an interval; outside it the run stops (exit 2).\n"
    "      liq_fee=R            liquidation (clearance) fee rate [0, 1]:\n"
    "                           the smaller of R x notional and what the\n"
    "                           close leaves above the bankruptcy value\n"
    "                           (1 = all of it)                         default 0.005\n"
    "      fund=NAME|none       insurance fund the instrument draws on; it must\n"
    "                           hold the instrument's settle asset      default none\n"
    "      deficit=adl|socialize  policy once the fund cannot cover     default adl\n"
    "      partial=on|off       partial liquidation                     default off\n"
    "      mark=external|index|median3  mark price method               default external\n"
    "      band=R               clamp marks to index x (1 +- R) [0, 1);\n"
    "                           0 = no clamp                            default 0\n"
    "      takeover_band=R      the fund closes within R of the bankruptcy\n"
    "                           price [0, 1)                            default 0.05\n"
    "      fill_band=R|none     a fill priced outside mark / (1 + R) to\n"
    "                           mark x (1 + R) is rejected (0, 100];\n"
    "                           0 or none = no check; none before the\n"
    "                           first mark                              default 10\n"
    "      fund_cap=AMOUNT|none most the fund pays per event, in the settle\n"
    "                           asset [>= 0]; none = no cap             default none\n"
    "      funding_interval=DURATION  [> 0]                             default 8h\n"
    "      basis_window=DURATION  median3 basis window [1s, 1h]         default 300s\n"
    "      stale_after=DURATION index age that stops liquidations [>= 0];\n"
    "                           0s = never                              default 0s\n"
    "  fund NAME asset=ASSET [balance=B]\n"
    "      an insurance fund. A param may name it before it is defined; by the first line\n"
    "      that is not a definition (deposit, fill, mark, book, time, show...) and at the\n"
    "      end of the input, every fund named must be defined in the settle asset of each\n"
    "      instrument drawing on it, and every instrument must have tier lines, or the run\n"
    "      stops (exit 2).\n"
    "\n"
    "events:\n"
    "  deposit ACCOUNT ASSET AMOUNT      (accounts are positive integers)\n"
    "  withdraw ACCOUNT ASSET AMOUNT     refused above the balance, or if it would leave\n"
    "                                    cross equity below initial margin\n"
    "  fill ACCOUNT INSTRUMENT buy|sell QTY PRICE [fee=F]\n"
    "      a trade of the account: opens, extends, reduces or flips its position; the\n"
    "      fee (settle asset, may be negative for a rebate) is charged to the holder;\n"
    "      refused when its price lies outside the instrument's fill_band of the mark\n"
    "  isolate ACCOUNT INSTRUMENT MARGIN\n"
    "      the position becomes isolated and MARGIN moves from the balance into it\n"
    "      (a negative MARGIN moves margin back); refused if it leaves either side below\n"
    "      initial margin. A closed isolated position returns its margin to the balance.\n"
    "  book INSTRUMENT [bid P:Q,P:Q...] [ask P:Q,...]   replaces the book, best first\n"
    "  index INSTRUMENT PRICE [rate=R]   index price (rate: predicted funding, median3)\n"
    "  mark INSTRUMENT PRICE             external mark (clamped to the band if one is set)\n"
    "  trade INSTRUMENT PRICE QTY        last trade (median3's third component)\n"
    "  time 2024-08-09T00:00:00Z | +30s  scenario clock (units ns us ms s m h d)\n"
    "  funding INSTRUMENT RATE           funding at the current mark: longs pay shorts\n"
    "                                    RATE x notional when positive; settled lazily\n"
    "  show account ID | show fund NAME | show adl INSTRUMENT | show ledger\n"
    "\n"
    "output lines: account, fund, adl_rank, funding (amount: + received, - paid; printed\n"
    "when the position settles, at the latest by `show account`), stale (an instrument's\n"
    "index went stale or recovered), rejected {\"line\":N,\"reason\":...}.\n"
    "Account figures (equity, maintenance, initial) are those of the cross margin in each\n"
    "asset; isolated positions carry their own margin. Before an instrument's first mark,\n"
    "positions are valued at its last fill price.\n";

struct sim_opts {
	struct lq_engine_limits lim;
	enum lq_trigger_mode trigger;
	uint32_t threads;
	int cores[LQ_PIPELINE_THREADS_MAX];
	uint32_t ring_slots;
	uint32_t burst;
	bool hash;
	bool stats;
	const char *path;
	struct lq_durable_opts durable;
};

int lq_parse_cores(const char *v, int *cores)
{
	char buf[128];
	char *save = NULL, *tok;
	uint32_t n = 0;

	if (strlen(v) >= sizeof(buf))
		return -1;
	strcpy(buf, v);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		uint32_t c;
		if (n >= LQ_PIPELINE_THREADS_MAX || lq_parse_u32_opt("--cores", tok, 0, 4095, &c))
			return -1;
		cores[n++] = (int)c;
	}
	return n > 0 ? 0 : -1;
}

static int parse_args(int argc, char **argv, struct sim_opts *o)
{
	int r;

	memset(o, 0, sizeof(*o));
	o->lim.accounts_max = 65536;
	o->lim.positions_max = 262144;
	o->trigger = LQ_TRIGGER_INDEX;
	o->threads = 1;
	o->ring_slots = 1024;
	o->burst = 32;
	for (uint32_t i = 0; i < LQ_PIPELINE_THREADS_MAX; i++)
		o->cores[i] = -1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const bool has = i + 1 < argc;
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(sim_help, stdout);
			fputs("\ndurability:\n", stdout);
			fputs(lq_durable_help, stdout);
			exit(LQ_EXIT_OK);
		} else if (!strcmp(a, "--max-accounts") && has) {
			if (lq_parse_u32_opt(a, argv[++i], 1, 1u << 29, &o->lim.accounts_max))
				return -1;
		} else if (!strcmp(a, "--max-positions") && has) {
			if (lq_parse_u32_opt(a, argv[++i], 1, 1u << 29, &o->lim.positions_max))
				return -1;
		} else if (!strcmp(a, "--threads") && has) {
			if (lq_parse_u32_opt(a, argv[++i], 1, LQ_PIPELINE_THREADS_MAX, &o->threads))
				return -1;
		} else if (!strcmp(a, "--cores") && has) {
			if (lq_parse_cores(argv[++i], o->cores)) {
				fprintf(stderr,
					"liqd sim: --cores takes a list like 0,1 (at most %d "
					"CPUs, one per thread)\n",
					LQ_PIPELINE_THREADS_MAX);
				return -1;
			}
		} else if (!strcmp(a, "--ring-slots") && has) {
			if (lq_parse_u32_opt(a, argv[++i], 2, 1u << 20, &o->ring_slots))
				return -1;
			if (o->ring_slots & (o->ring_slots - 1)) {
				fprintf(stderr, "liqd sim: --ring-slots must be a power of two\n");
				return -1;
			}
		} else if (!strcmp(a, "--burst") && has) {
			if (lq_parse_u32_opt(a, argv[++i], 1, 4096, &o->burst))
				return -1;
		} else if (!strcmp(a, "--hash")) {
			o->hash = true;
		} else if (!strcmp(a, "--stats")) {
			o->stats = true;
		} else if (!strcmp(a, "--trigger") && has) {
			const char *m = argv[++i];
			if (!strcmp(m, "index"))
				o->trigger = LQ_TRIGGER_INDEX;
			else if (!strcmp(m, "scan"))
				o->trigger = LQ_TRIGGER_SCAN;
			else if (!strcmp(m, "off"))
				o->trigger = LQ_TRIGGER_OFF;
			else {
				fprintf(stderr, "liqd sim: --trigger is index, scan or off\n");
				return -1;
			}
		} else if ((r = lq_durable_parse(&o->durable, argc, argv, &i, "liqd sim")) != 0) {
			if (r < 0)
				return -1;
		} else if (a[0] == '-' && a[1] != '\0') {
			fprintf(stderr, "liqd sim: unknown option '%s' (see liqd sim --help)\n", a);
			return -1;
		} else if (!o->path) {
			o->path = a;
		} else {
			fprintf(stderr, "liqd sim: one scenario at a time ('%s')\n", a);
			return -1;
		}
	}
	if (!o->path) {
		fprintf(stderr, "liqd sim: no scenario given (a FILE, or - for standard input)\n");
		return -1;
	}
	return 0;
}

/* The ingest source: one line of the scenario per call. */
struct sim_source {
	FILE *in;
	const char *name;
	char *line;
	char error[LQ_SCN_ERROR_MAX + 64];
	int exit_code;
};

static int next_line(void *ctx, struct lq_scn *scn)
{
	struct sim_source *src = ctx;
	size_t n;

	if (!fgets(src->line, SIM_LINE_MAX, src->in)) {
		if (ferror(src->in)) {
			snprintf(src->error, sizeof(src->error), "%s: read error: %s", src->name,
				 strerror(errno));
			src->exit_code = LQ_EXIT_FAIL;
			return -1;
		}
		/* definitions complete at the end too (a scenario of definitions only) */
		if (lq_scn_defs_check(scn) == LQ_SCN_SYNTAX) {
			snprintf(src->error, sizeof(src->error), "%s: %s", src->name, scn->error);
			src->exit_code = LQ_EXIT_USAGE;
			return -1;
		}
		return 0;
	}
	scn->line++;
	n = strlen(src->line);
	if (n > 0 && src->line[n - 1] == '\n') {
		n--;
	} else if (!feof(src->in)) {
		snprintf(src->error, sizeof(src->error), "%s:%llu: line longer than %u bytes",
			 src->name, (unsigned long long)scn->line, SIM_LINE_MAX - 2);
		src->exit_code = LQ_EXIT_USAGE;
		return -1;
	}
	if (memchr(src->line, '\0', n)) {
		snprintf(src->error, sizeof(src->error), "%s:%llu: NUL byte in the line", src->name,
			 (unsigned long long)scn->line);
		src->exit_code = LQ_EXIT_USAGE;
		return -1;
	}
	if (lq_scn_line(scn, src->line, n) == LQ_SCN_SYNTAX) {
		snprintf(src->error, sizeof(src->error), "%s:%llu: %s", src->name,
			 (unsigned long long)scn->line, scn->error);
		src->exit_code = LQ_EXIT_USAGE;
		return -1;
	}
	return 1;
}

struct sim_out {
	int err;
};

static void write_stdout(void *ctx, const char *data, size_t len)
{
	struct sim_out *so = ctx;

	if (fwrite(data, 1, len, stdout) != len && !so->err)
		so->err = errno ? errno : EIO;
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

static void print_stats(struct lq_pipeline *p, uint32_t threads)
{
	static const char *const names[LQ_STAGES] = {"ingest", "mark", "engine", "publish"};
	const struct lq_engine_stats *es = &lq_pipeline_engine(p)->stats;

	fprintf(stderr,
		"stage    thread       msgs     bursts idle_polls full_spins inline_drains\n");
	for (uint32_t s = 0; s < LQ_STAGES; s++) {
		const struct lq_stage_counters *c = lq_pipeline_counters(p, (enum lq_stage_id)s);
		fprintf(stderr, "%-8s %6u %10llu %10llu %10llu %10llu %13llu\n", names[s],
			lq_pipeline_thread_of(threads, (enum lq_stage_id)s),
			(unsigned long long)c->msgs, (unsigned long long)c->bursts,
			(unsigned long long)c->idle_polls, (unsigned long long)c->full_spins,
			(unsigned long long)c->inline_drains);
	}
	fprintf(stderr,
		"engine: %llu events, %llu liquidations (%llu partial), %llu takeovers, %llu ADL "
		"fills, %llu socialized charges, %llu bad debts; trigger: %llu crossings, %llu "
		"exact re-checks\n",
		(unsigned long long)es->events, (unsigned long long)es->liquidations,
		(unsigned long long)es->partial_liquidations, (unsigned long long)es->takeovers,
		(unsigned long long)es->adl_fills, (unsigned long long)es->socialized_charges,
		(unsigned long long)es->bad_debts, (unsigned long long)es->trigger_hits,
		(unsigned long long)es->rechecks);
}

int lq_cmd_sim(int argc, char **argv)
{
	static char outbuf[1 << 16];
	struct sim_opts o;
	struct sim_out so = {0};
	struct sim_source src = {0};
	struct lq_pipeline *p;
	int rc;

	static struct lq_durable dur;
	uint64_t skip = 0;

	if (parse_args(argc, argv, &o))
		return LQ_EXIT_USAGE;
	rc = lq_durable_prepare(&dur, &o.durable, "liqd sim", &o.lim);
	if (rc)
		return rc;
	src.in = strcmp(o.path, "-") ? fopen(o.path, "r") : stdin;
	if (!src.in) {
		fprintf(stderr, "liqd sim: cannot open %s: %s\n", o.path, strerror(errno));
		return LQ_EXIT_USAGE;
	}
	src.name = strcmp(o.path, "-") ? o.path : "<stdin>";
	src.line = lq_startup_alloc(SIM_LINE_MAX, "the line buffer");
	/* the output buffer is ours: stdio must not allocate on the publish thread */
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	struct lq_pipeline_config cfg = {
	    .threads = o.threads,
	    .ring_slots = o.ring_slots,
	    .burst = o.burst,
	    .limits = o.lim,
	    .trigger = o.trigger,
	    .source = next_line,
	    .source_ctx = &src,
	    .write = write_stdout,
	    .write_ctx = &so,
	    .alloc = alloc_cb,
	    .free = free_cb,
	};
	memcpy(cfg.cores, o.cores, sizeof(cfg.cores));
	lq_durable_config(&dur, &cfg);
	rc = lq_pipeline_create(&p, &cfg);
	if (rc == -ERANGE) {
		fprintf(stderr, "liqd sim: --cores names a CPU this process may not run on (see "
				"`nproc` and `taskset -p $$`)\n");
		return LQ_EXIT_USAGE;
	}
	if (rc != 0) {
		fprintf(stderr, "liqd sim: cannot set up the pipeline: %s\n", strerror(-rc));
		return LQ_EXIT_FAIL;
	}
	rc = lq_durable_start(&dur, p, &skip);
	if (rc)
		return rc;
	/* the input a snapshot covers (the same lines, since the run is a function of them) */
	for (uint64_t k = 0; k < skip; k++) {
		if (!fgets(src.line, SIM_LINE_MAX, src.in)) {
			fprintf(stderr, "liqd sim: %s is shorter than the snapshot (%llu lines)\n",
				src.name, (unsigned long long)skip);
			return LQ_EXIT_USAGE;
		}
		size_t n = strlen(src.line);
		if (n > 0 && src.line[n - 1] != '\n' && !feof(src.in))
			k--; /* the rest of a long line */
	}
	rc = lq_pipeline_run(p);
	int exit_code = LQ_EXIT_OK;
	if (o.hash && src.exit_code == 0)
		printf("{\"type\":\"end\",\"lines\":%llu,\"hash\":\"%016llx\"}\n",
		       (unsigned long long)lq_pipeline_output_lines(p),
		       (unsigned long long)lq_pipeline_hash(p));
	if (fflush(stdout) != 0 || so.err) {
		fprintf(stderr, "liqd sim: cannot write the output: %s\n",
			strerror(so.err ? so.err : errno));
		exit_code = LQ_EXIT_FAIL;
	}
	if (o.stats)
		print_stats(p, o.threads);
	int dur_code = lq_durable_finish(&dur);
	if (dur_code && exit_code == LQ_EXIT_OK)
		exit_code = dur_code;
	if (src.exit_code != 0) {
		fprintf(stderr, "liqd sim: %s\n", src.error);
		exit_code = src.exit_code;
	} else if (rc != 0 && rc != -ECANCELED) {
		fprintf(stderr,
			"liqd sim: pipeline: %s (check --cores: each must be a CPU this "
			"process may run on)\n",
			strerror(-rc));
		exit_code = LQ_EXIT_FAIL;
	}
	lq_pipeline_destroy(p);
	if (src.in != stdin)
		fclose(src.in);
	lq_startup_free(src.line);
	return exit_code;
}
