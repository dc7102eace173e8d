/* SPDX-License-Identifier: MIT */
/* liqd sim: run a scenario file through the engine and print one JSON event per line. */
#include "cli.h"

#include "lq/engine.h"
#include "lq/json.h"
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
    "      liq_fee=R          liquidation (clearance) fee rate            default 0.005\n"
    "      fund=NAME|none     insurance fund the instrument draws on       default none\n"
    "      deficit=adl|socialize  policy once the fund cannot cover        default adl\n"
    "      partial=on|off     partial liquidation                          default off\n"
    "      mark=external|index|median3  mark price method                 default external\n"
    "      band=R             clamp marks to index x (1 +- R); 0 = off     default 0\n"
    "      takeover_band=R    fund closes within R of bankruptcy price     default 0.05\n"
    "      fund_cap=AMOUNT|none  fund payment cap per event               default none\n"
    "      funding_interval=DURATION                                      default 8h\n"
    "      basis_window=DURATION  median3 basis average window (1s..1h)   default 300s\n"
    "      stale_after=DURATION   index age that stops liquidations; 0s = never  default 0s\n"
    "  fund NAME asset=ASSET [balance=B]\n"
    "      an insurance fund (a param may name it before it is defined)\n"
    "\n"
    "events:\n"
    "  deposit ACCOUNT ASSET AMOUNT      (accounts are positive integers)\n"
    "  withdraw ACCOUNT ASSET AMOUNT     refused above the balance, or if it would leave\n"
    "                                    cross equity below initial margin\n"
    "  fill ACCOUNT INSTRUMENT buy|sell QTY PRICE [fee=F]\n"
    "      a trade of the account: opens, extends, reduces or flips its position; the\n"
    "      fee (settle asset, may be negative for a rebate) is charged to the holder\n"
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
    "  show account ID | show fund NAME | show adl INSTRUMENT\n"
    "\n"
    "output lines: account, fund, adl_rank, funding (amount: + received, - paid; printed\n"
    "when the position settles, at the latest by `show account`), stale (an instrument's\n"
    "index went stale or recovered), rejected {\"line\":N,\"reason\":...}.\n"
    "Account figures (equity, maintenance, initial) are those of the cross margin in each\n"
    "asset; isolated positions carry their own margin. Before an instrument's first mark,\n"
    "positions are valued at its last fill price.\n";

struct sim_out {
	FILE *f;
	int err;
};

static void write_stdout(void *ctx, const char *data, size_t len)
{
	struct sim_out *so = ctx;

	if (fwrite(data, 1, len, so->f) != len)
		so->err = errno ? errno : EIO;
}

struct sim_opts {
	struct lq_engine_limits lim;
	enum lq_trigger_mode trigger;
	const char *path;
};

static int parse_args(int argc, char **argv, struct sim_opts *o)
{
	o->lim.accounts_max = 65536;
	o->lim.positions_max = 262144;
	o->path = NULL;
	o->trigger = LQ_TRIGGER_INDEX;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(sim_help, stdout);
			exit(LQ_EXIT_OK);
		} else if (!strcmp(a, "--max-accounts") && i + 1 < argc) {
			if (lq_parse_u32_opt(a, argv[++i], 1, 1u << 29, &o->lim.accounts_max))
				return -1;
		} else if (!strcmp(a, "--max-positions") && i + 1 < argc) {
			if (lq_parse_u32_opt(a, argv[++i], 1, 1u << 30, &o->lim.positions_max))
				return -1;
		} else if (!strcmp(a, "--trigger") && i + 1 < argc) {
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

static int run(FILE *in, const char *name, struct lq_scn *scn, struct lq_out *out,
	       struct sim_out *so)
{
	char *line = lq_startup_alloc(SIM_LINE_MAX, "the line buffer");
	int rc = LQ_EXIT_OK;

	for (;;) {
		if (!fgets(line, SIM_LINE_MAX, in))
			break;
		size_t n = strlen(line);
		scn->line++;
		if (n > 0 && line[n - 1] == '\n')
			n--;
		else if (!feof(in)) {
			lq_out_flush(out);
			fflush(stdout);
			fprintf(stderr, "liqd sim: %s:%llu: line longer than %u bytes\n", name,
				(unsigned long long)scn->line, SIM_LINE_MAX - 2);
			rc = LQ_EXIT_USAGE;
			break;
		}
		if (memchr(line, '\0', n)) {
			lq_out_flush(out);
			fflush(stdout);
			fprintf(stderr, "liqd sim: %s:%llu: NUL byte in the line\n", name,
				(unsigned long long)scn->line);
			rc = LQ_EXIT_USAGE;
			break;
		}
		if (lq_scn_line(scn, line, n) == LQ_SCN_SYNTAX) {
			lq_out_flush(out);
			fflush(stdout);
			fprintf(stderr, "liqd sim: %s:%llu: %s\n", name,
				(unsigned long long)scn->line, scn->error);
			rc = LQ_EXIT_USAGE;
			break;
		}
	}
	if (rc == LQ_EXIT_OK && ferror(in)) {
		fprintf(stderr, "liqd sim: %s: read error: %s\n", name, strerror(errno));
		rc = LQ_EXIT_FAIL;
	}
	lq_out_flush(out);
	if (fflush(stdout) != 0 || so->err) {
		fprintf(stderr, "liqd sim: cannot write the output: %s\n",
			strerror(so->err ? so->err : errno));
		rc = LQ_EXIT_FAIL;
	}
	lq_startup_free(line);
	return rc;
}

int lq_cmd_sim(int argc, char **argv)
{
	struct sim_opts o;
	struct sim_out so = {.f = stdout};
	static struct lq_out out;
	static struct lq_scn scn;
	struct lq_engine e;
	FILE *in;
	int rc;

	if (parse_args(argc, argv, &o))
		return LQ_EXIT_USAGE;
	in = strcmp(o.path, "-") ? fopen(o.path, "r") : stdin;
	if (!in) {
		fprintf(stderr, "liqd sim: cannot open %s: %s\n", o.path, strerror(errno));
		return LQ_EXIT_USAGE;
	}
	size_t memsz = lq_engine_memsize(&o.lim);
	void *mem = lq_startup_alloc(memsz, "the engine");
	struct lq_adl_entry *scratch =
	    lq_startup_alloc(sizeof(*scratch) * o.lim.positions_max, "the ADL ranking");
	lq_out_init(&out, write_stdout, &so);
	if (lq_engine_init(&e, mem, memsz, &o.lim, lq_scn_sink, &scn) != 0) {
		fprintf(stderr, "liqd sim: invalid limits\n");
		return LQ_EXIT_USAGE;
	}
	lq_scn_init(&scn, &e, &out, scratch, o.lim.positions_max);
	lq_engine_set_trigger_mode(&e, o.trigger);
	rc = run(in, strcmp(o.path, "-") ? o.path : "<stdin>", &scn, &out, &so);
	if (in != stdin)
		fclose(in);
	lq_startup_free(scratch);
	lq_startup_free(mem);
	return rc;
}
