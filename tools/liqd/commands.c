/* SPDX-License-Identifier: MIT */
/*
 * The option table of every liqd command (options.h): shared groups (engine, pipeline,
 * durability, the feed's output) written once, each command's own options, its help text,
 * and the few value parsers a generic setter cannot express.
 */
#include "options.h"

#include "lq/app.h"
#include "lq/cmd.h"
#include "lq/preset.h"
#include "lq/scn.h"

#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum cmd_id {
	ID_SIM,
	ID_AUDIT,
	ID_REPLAY,
	ID_RUN,
	ID_POPGEN,
	ID_CONVERT,
	ID_SEND,
	ID_LISTEN,
	ID_VENUE,
	ID_JOURNAL,
	ID_VERSION,
	ID_PRESETS,
};
#define HIDE(id) (1u << (id))

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define GROUP(title, opts)                                                                         \
	{                                                                                          \
		title, opts, N(opts)                                                               \
	}

/* The untyped hooks of a command's table entry, NAME_defaults and NAME_run, calling the
 * app's typed functions (a call through a cast function pointer would be undefined). */
#define CLI_DEFAULTS(name, fn)                                                                     \
	static void name##_defaults(void *o)                                                       \
	{                                                                                          \
		fn(o);                                                                             \
	}
#define CLI_RUN(name, fn)                                                                          \
	static int name##_run(const void *o)                                                       \
	{                                                                                          \
		return fn(o);                                                                      \
	}

/* ---- value parsers the generic kinds cannot express ---- */

static int parse_cores(const char *v, void *field, const char *who)
{
	int *cores = field;
	char buf[128];
	char *save = NULL, *tok;
	uint32_t n = 0;

	if (strlen(v) < sizeof(buf)) {
		strcpy(buf, v);
		for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			uint32_t c;
			if (n >= LQ_PIPELINE_THREADS_MAX ||
			    cli_parse_u32("--cores", tok, 0, 4095, &c)) {
				n = 0;
				break;
			}
			cores[n++] = (int)c;
		}
	}
	if (n == 0) {
		fprintf(stderr,
			"%s: --cores takes a list like 0,1 (at most %d CPUs, one per thread)\n",
			who, LQ_PIPELINE_THREADS_MAX);
		return -1;
	}
	return 0;
}

static int parse_seconds_ns(const char *name, const char *v, uint32_t lo, uint64_t *ns)
{
	uint32_t u;
	if (cli_parse_u32(name, v, lo, 86400, &u))
		return -1;
	*ns = (uint64_t)u * 1000000000ull;
	return 0;
}

static int parse_stats(const char *v, void *field, const char *who)
{
	(void)who;
	return parse_seconds_ns("--stats", v, 0, field);
}

static int parse_exit_idle(const char *v, void *field, const char *who)
{
	(void)who;
	return parse_seconds_ns("--exit-idle", v, 1, field);
}

static int parse_batch_us(const char *v, void *field, const char *who)
{
	uint32_t us;
	(void)who;
	if (cli_parse_u32("--batch-us", v, 0, 60000000, &us))
		return -1;
	*(int64_t *)field = (int64_t)us * 1000;
	return 0;
}

/* --venue: a venue preset's name or a recording format's (the presets of that format). */
static int parse_venue(const char *v, void *field, const char *who)
{
	enum lq_convert_venue f;
	if (lq_preset_find(v) || lq_convert_venue_parse(v, &f) == 0) {
		*(const char **)field = v;
		return 0;
	}
	fprintf(stderr, "%s: --venue %s: neither a venue preset (", who, v);
	for (uint32_t i = 0; i < lq_preset_count(); i++)
		fprintf(stderr, "%s%s", i ? ", " : "", lq_preset_at(i)->name);
	fprintf(stderr, ") nor a recording format\n");
	return -1;
}

/* replay and run --venue: a preset or format, or `external` (the same as --fills external). */
static int parse_feed_venue(const char *v, void *field, const char *who)
{
	if (strcmp(v, "external") == 0) {
		struct lq_replay_opts *o =
		    (struct lq_replay_opts *)((char *)field -
					      offsetof(struct lq_replay_opts, venue));
		o->fills = LQ_VENUE_EXTERNAL;
		return 0;
	}
	return parse_venue(v, field, who);
}

/* --fill-timeout DURATION (feed time): 1ms to 24h. */
static int parse_fill_timeout(const char *v, void *field, const char *who)
{
	int64_t ns;
	if (!lq_scn_parse_duration(v, strlen(v), &ns) || ns < LQ_NS_PER_S / 1000 ||
	    ns > 86400 * LQ_NS_PER_S) {
		fprintf(stderr,
			"%s: --fill-timeout %s: not a duration from 1ms to 24h (e.g. 5s, 500ms)\n",
			who, v);
		return -1;
	}
	*(int64_t *)field = ns;
	return 0;
}

/* convert --dst IPv4:PORT into the pcap's addresses (a multicast group: its MAC too). */
static int parse_pcap_dst(const char *v, void *field, const char *who)
{
	struct lq_pcap_addr *a = field;
	char ip[32];
	const char *colon = strrchr(v, ':');
	uint32_t port;
	struct in_addr ia;
	if (!colon || (size_t)(colon - v) >= sizeof(ip))
		goto bad;
	memcpy(ip, v, (size_t)(colon - v));
	ip[colon - v] = '\0';
	if (inet_pton(AF_INET, ip, &ia) != 1 ||
	    cli_parse_u32("--dst port", colon + 1, 1, 65535, &port))
		goto bad;
	a->dst_ip = ntohl(ia.s_addr);
	a->dst_port = (uint16_t)port;
	if ((a->dst_ip >> 28) == 0xe)
		lq_pcap_multicast_mac(a->dst_ip, a->dst_mac);
	return 0;
bad:
	fprintf(stderr, "%s: --dst takes IPv4:PORT, like 239.255.76.81:31000\n", who);
	return -1;
}

/* send --dst IP:PORT into the sender's parameters. */
static int parse_udp_dst(const char *v, void *field, const char *who)
{
	struct lq_udp_tx_params *tx = field;
	if (lq_udp_addr_parse(v, &tx->dst_ip, &tx->dst_port) || !tx->dst_port) {
		fprintf(stderr, "%s: --dst takes IP:PORT, not '%s'\n", who, v);
		return -1;
	}
	return 0;
}

static int parse_iface(const char *v, void *field, const char *who)
{
	if (lq_udp_ip_parse(v, field)) {
		fprintf(stderr, "%s: --iface takes an IPv4 address\n", who);
		return -1;
	}
	return 0;
}

static int parse_ttl8(const char *v, void *field, const char *who)
{
	uint32_t u;
	(void)who;
	if (cli_parse_u32("--ttl", v, 1, 255, &u))
		return -1;
	*(uint8_t *)field = (uint8_t)u;
	return 0;
}

/* send --pace asis|Nx|max: the speed-up, 1 as captured, 0 as fast as possible. */
static int parse_pace(const char *v, void *field, const char *who)
{
	uint32_t *speed = field;
	size_t n = strlen(v);
	char num[16];

	if (!strcmp(v, "asis")) {
		*speed = 1;
		return 0;
	}
	if (!strcmp(v, "max")) {
		*speed = 0;
		return 0;
	}
	if (n < 2 || n > sizeof(num) || v[n - 1] != 'x') {
		fprintf(stderr, "%s: --pace takes asis, Nx (e.g. 10x) or max, not '%s'\n", who, v);
		return -1;
	}
	memcpy(num, v, n - 1);
	num[n - 1] = '\0';
	return cli_parse_u32("--pace", num, 1, LQ_SEND_PACE_SPEED_MAX, speed);
}

/* ---- shared groups ---- */

static const struct cli_word trigger_all[] = {
    {"index", LQ_TRIGGER_INDEX}, {"scan", LQ_TRIGGER_SCAN}, {"off", LQ_TRIGGER_OFF}, {NULL, 0}};
static const struct cli_word trigger_on[] = {
    {"index", LQ_TRIGGER_INDEX}, {"scan", LQ_TRIGGER_SCAN}, {NULL, 0}};

/* --trigger with off (sim): in struct lq_pipe_opts */
static const struct cli_opt opts_trigger_all[] = {
    {.name = "--trigger",
     .arg = "MODE",
     .help = "how liquidatable accounts are found: index (default; O(k) in\n"
	     "the accounts a move endangers), scan (every account on every\n"
	     "event: the reference), off (no liquidations)",
     .kind = CLI_ENUM,
     .off = offsetof(struct lq_pipe_opts, trigger),
     .words = trigger_all},
};
static const struct cli_group grp_trigger_all = GROUP(NULL, opts_trigger_all);

static const struct cli_opt opts_trigger[] = {
    {.name = "--trigger",
     .arg = "MODE",
     .help = "index (default) or scan: how liquidatable accounts are found",
     .kind = CLI_ENUM,
     .off = offsetof(struct lq_pipe_opts, trigger),
     .words = trigger_on},
};
static const struct cli_group grp_trigger = GROUP(NULL, opts_trigger);

static const struct cli_opt opts_engine[] = {
    {.name = "--max-accounts",
     .arg = "N",
     .help = "accounts the engine can hold (default 65536)",
     .kind = CLI_U32,
     .off = offsetof(struct lq_pipe_opts, lim.accounts_max),
     .lo = 1,
     .hi = 1u << 29},
    {.name = "--max-positions",
     .arg = "N",
     .help = "positions the engine can hold (default 262144)",
     .kind = CLI_U32,
     .off = offsetof(struct lq_pipe_opts, lim.positions_max),
     .lo = 1,
     .hi = 1u << 29},
};
static const struct cli_group grp_engine = GROUP("engine", opts_engine);

/* replay and run: the tables are sized from the population, up to --max-accounts */
static const struct cli_opt opts_engine_pop[] = {
    {.name = "--max-accounts",
     .arg = "N",
     .help = "the most accounts the configuration and population may hold\n"
	     "(default 4194304); the tables are sized to the population's\n"
	     "accounts and 65536 more for the feed's (up to N); more is refused",
     .kind = CLI_U32,
     .off = offsetof(struct lq_pipe_opts, lim.accounts_max),
     .lo = 1,
     .hi = 1u << 29},
    {.name = "--max-positions",
     .arg = "N",
     .help = "room for positions beyond the population's (default 262144)",
     .kind = CLI_U32,
     .off = offsetof(struct lq_pipe_opts, lim.positions_max),
     .lo = 1,
     .hi = 1u << 28},
};
static const struct cli_group grp_engine_pop = GROUP("engine", opts_engine_pop);

static const struct cli_opt opts_pipeline[] = {
    {.name = "--threads",
     .arg = "N",
     .help = "pipeline threads, 1 (every stage on one thread, run to\n"
	     "completion) to 4 (ingest, mark, engine, publish), or 0: one per\n"
	     "CPU this process may use (at most 4). Default: from the CPUs this\n"
	     "process may use, 4 on two or more, 1 on one (replay and run say it\n"
	     "on standard error, sim in --stats; the summary names the count only\n"
	     "when this option sets it)",
     .kind = CLI_U32,
     .off = offsetof(struct lq_pipe_opts, threads),
     .lo = 0,
     .hi = LQ_PIPELINE_THREADS_MAX},
    {.name = "--cores",
     .arg = "LIST",
     .help = "pin the threads to these CPUs, e.g. 0,1",
     .kind = CLI_CUSTOM,
     .off = offsetof(struct lq_pipe_opts, cores),
     .parse = parse_cores},
    {.name = "--ring-slots",
     .arg = "N",
     .help = "slots per ring between stages, a power of two (default 1024)",
     .kind = CLI_U32,
     .off = offsetof(struct lq_pipe_opts, ring_slots),
     .lo = 2,
     .hi = 1u << 20,
     .pow2 = true},
    {.name = "--burst",
     .arg = "N",
     .help = "messages a stage handles per poll (default 32)",
     .kind = CLI_U32,
     .off = offsetof(struct lq_pipe_opts, burst),
     .lo = 1,
     .hi = 4096},
};
static const struct cli_group grp_pipeline = GROUP("pipeline", opts_pipeline);

static const struct cli_opt opts_durable[] = {
    {.name = "--journal",
     .arg = "FILE",
     .help = "journal every output event (checksummed, see liqd journal); a\n"
	     "journal that cannot be written stops the run at once (exit 1, no\n"
	     "summary, egress held)",
     .kind = CLI_STR,
     .off = offsetof(struct lq_durable_opts, journal)},
    {.name = "--fsync",
     .arg = "MODE",
     .help = "when the journal is synced to disk: off (default: at snapshots\n"
	     "and at the end), every (each record), batch:N (at least every N\n"
	     "records) or interval:MS; in every mode a decision leaves on\n"
	     "egress only after its record is written, and a journal that\n"
	     "cannot be written stops the run (exit 1)",
     .kind = CLI_STR,
     .off = offsetof(struct lq_durable_opts, fsync)},
    {.name = "--snapshot-dir",
     .arg = "DIR",
     .help = "write snapshots of the whole state into DIR (the last two are\n"
	     "kept); also on SIGUSR1. Checked at start: writable, room for a\n"
	     "snapshot; stale temporaries of a killed run are removed",
     .kind = CLI_STR,
     .off = offsetof(struct lq_durable_opts, snapshot_dir)},
    {.name = "--snapshot-every",
     .arg = "N",
     .help = "a snapshot every N inputs (scenario or configuration lines,\n"
	     "feed messages; default: on SIGUSR1 only)",
     .kind = CLI_U64,
     .off = offsetof(struct lq_durable_opts, snapshot_every),
     .lo = 1,
     .hi = 1ull << 40},
    {.name = "--recover",
     .help = "start from the newest valid snapshot in --snapshot-dir (or from\n"
	     "the beginning if there is none), skip the input it covers, check\n"
	     "the events the --journal already holds and append the rest",
     .kind = CLI_FLAG,
     .off = offsetof(struct lq_durable_opts, recover)},
};
static const struct cli_group grp_durable = GROUP("durability", opts_durable);

/* --json where JSON lines are the only output (sim, audit, listen): at the command's bool */
static const struct cli_opt opts_json_lines[] = {
    {.name = "--json",
     .help = "JSON lines (the default and only format: accepted for uniformity)",
     .kind = CLI_FLAG},
};
static const struct cli_group grp_json_lines = GROUP(NULL, opts_json_lines);

/* ---- sim ---- */

static const struct cli_opt opts_sim_events[] = {
    {.name = "--events",
     .help = "print the output events, one JSON object per line (the default,\n"
	     "and sim's only output: accepted for uniformity)",
     .kind = CLI_FLAG,
     .off = offsetof(struct lq_sim_opts, events)},
};
static const struct cli_group grp_sim_events = GROUP(NULL, opts_sim_events);

static const struct cli_opt opts_sim[] = {
    {.name = "--hash",
     .help = "end with {\"type\":\"end\",\"lines\":N,\"hash\":H}, H the FNV-1a\n"
	     "64 of the output: identical for every --threads, --ring-slots\n"
	     "and --burst",
     .kind = CLI_FLAG,
     .off = offsetof(struct lq_sim_opts, hash)},
    {.name = "--stats",
     .help = "per-stage counters and engine statistics on standard error",
     .kind = CLI_FLAG,
     .off = offsetof(struct lq_sim_opts, stats)},
};
static const struct cli_group grp_sim = GROUP(NULL, opts_sim);

static const char sim_desc[] =
    "Runs a scenario (FILE, or - for standard input) through the engine and prints one JSON\n"
    "object per line on standard output. Exit status: 0 when the scenario ran (refused\n"
    "events are `rejected` lines, not failures), 2 for a line that cannot be parsed (its\n"
    "number and the reason on standard error) or a bad command line, 1 for an I/O error.\n";

static const char sim_epilog[] =
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
    "      mark=METHOD          mark price method: external (the feed's),\n"
    "                           index, median3, last (last trade), mid\n"
    "                           (book mid, ties down), book3 (median of\n"
    "                           best bid, best ask, last trade)         default external\n"
    "      band=R               clamp marks to index x (1 +- R) [0, 1);\n"
    "                           0 = no clamp (no index: none)           default 0\n"
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
    "      stale_after=DURATION input age that stops liquidations [>= 0]:\n"
    "                           the index; for last the trade, mid the\n"
    "                           book, book3 the newer of both;\n"
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
    "  trade INSTRUMENT PRICE QTY        last trade (median3's third component; last, book3)\n"
    "  time 2024-08-09T00:00:00Z | +30s  scenario clock (units ns us ms s m h d)\n"
    "  funding INSTRUMENT RATE           funding at the current mark: longs pay shorts\n"
    "                                    RATE x notional when positive; settled lazily\n"
    "  show account ID | show fund NAME | show adl INSTRUMENT | show ledger\n"
    "  venue external|engine [fill_timeout=DURATION]\n"
    "      who fills liquidation orders: the engine against its book (engine, the\n"
    "      default), or the venue: a liquidation prints a liq_order line with its\n"
    "      order_id, the position is in liquidation (not re-triggered; fills, withdrawals\n"
    "      and margin transfers on it refused) until liq_fill lines end the order or\n"
    "      fill_timeout (scenario clock, default 5s, 1ms to 24h) passes; then it settles\n"
    "      on the real fills (a liquidation line with order_id and status)\n"
    "  liq_fill ORDER INSTRUMENT QTY PRICE [leaves=QTY] | liq_fill ORDER INSTRUMENT cancel\n"
    "      a fill of the engine's order ORDER; leaves (default 0) is what is still open\n"
    "      after it, 0 ends the order (the rest cancelled); cancel ends it as it is\n"
    "\n"
    "output lines: account, fund, adl_rank, funding (amount: + received, - paid; printed\n"
    "when the position settles, at the latest by `show account`), stale (an instrument's\n"
    "mark inputs went stale or recovered), rejected {\"line\":N,\"reason\":...}.\n"
    "Account figures (equity, maintenance, initial) are those of the cross margin in each\n"
    "asset; isolated positions carry their own margin. Before an instrument's first mark,\n"
    "positions are valued at its last fill price.\n";

CLI_DEFAULTS(sim, lq_sim_defaults)
CLI_RUN(sim, lq_app_sim)

static const struct cli_cmd cmd_sim = {
    .name = "sim",
    .id = ID_SIM,
    .purpose = "run a scenario (the scenario language) and print JSON events",
    .usage = "[OPTIONS] FILE|-",
    .desc = sim_desc,
    .epilog = sim_epilog,
    .uses = {{&grp_sim_events, 0},
	     {&grp_json_lines, offsetof(struct lq_sim_opts, json)},
	     {&grp_sim, 0},
	     {&grp_trigger_all, offsetof(struct lq_sim_opts, pipe)},
	     {&grp_engine, offsetof(struct lq_sim_opts, pipe)},
	     {&grp_pipeline, offsetof(struct lq_sim_opts, pipe)},
	     {&grp_durable, offsetof(struct lq_sim_opts, durable)}},
    .operands_min = 1,
    .operands_max = 1,
    .operand_off = {offsetof(struct lq_sim_opts, path)},
    .operand_names = "FILE|-",
    .missing = "no scenario given (a FILE, or - for standard input)",
    .opts_size = sizeof(struct lq_sim_opts),
    .defaults = sim_defaults,
    .run = sim_run,
};

/* ---- audit ---- */

static const struct cli_opt opts_audit[] = {
    {.name = "--events",
     .help = "also print the event stream (as `liqd sim` does) before the\nledger",
     .kind = CLI_FLAG,
     .off = offsetof(struct lq_audit_opts, events)},
};
static const struct cli_group grp_audit = GROUP(NULL, opts_audit);

static const char audit_desc[] =
    "Runs a scenario (FILE, or - for standard input; the language of `liqd sim --help`)\n"
    "through the engine and, beside it, rebuilds every account's money (balance plus\n"
    "isolated margins, per asset), every position's quantity and cost basis and every\n"
    "insurance fund's balance from the inputs and the output events alone, by the rules\n"
    "of DESIGN 1.7.3 (the money each event moves). After every input the rebuilt state\n"
    "must equal the engine's, to the unit, and the engine's state must keep the laws\n"
    "of 1.7.3 (see `violation` below).\n"
    "\n"
    "output (one JSON object per line):\n"
    "  {\"type\":\"ledger\",\"asset\":\"USDT\",\"accounts\":\"...\",\"funds\":{\"IF\":\"...\"},\n"
    "   \"fees\":\"...\",\"venue\":\"...\",\"funding\":\"...\",\"external\":\"...\",\n"
    "   \"bad_debt\":\"...\",\"sum\":\"0...\"}\n"
    "      per asset, the engine's ledger at the end (as `show ledger` prints it):\n"
    "      accounts (balances and isolated margins), each fund in that asset, fee income,\n"
    "      the venue (realized PnL against the market), funding clearing, external\n"
    "      (deposits, withdrawals, funds' initial balances), bad debt; they sum to zero\n"
    "  {\"type\":\"audit\",\"inputs\":N,\"refused\":R,\"events\":M,\"ok\":true}\n"
    "      the verdict: N inputs told (R of them refused), M output events\n"
    "  {\"type\":\"audit\",...,\"ok\":false,\"line\":L,\"mismatch\":\"...\"}\n"
    "      the first difference, after input line L: the account, position or fund, the\n"
    "      engine's figure and the rebuilt one (also on standard error)\n"
    "  {\"type\":\"audit\",...,\"ok\":false,\"line\":L,\"violation\":\"...\"}\n"
    "      the first law of DESIGN 1.7.3 the engine's state broke after line L: a ledger\n"
    "      that does not sum to zero, a fund below zero, an account holding no position in\n"
    "      an asset with money below zero there (and no bad_debt writing it off), or a\n"
    "      unit left liquidatable on a tradable instrument\n"
    "\n"
    "Exit status: 0 reconciled and lawful, 1 a mismatch or a violation (or an I/O\n"
    "error), 2 a line that cannot be parsed or a bad command line.\n";

CLI_DEFAULTS(audit, lq_audit_defaults)
CLI_RUN(audit, lq_app_audit)

static const struct cli_cmd cmd_audit = {
    .name = "audit",
    .id = ID_AUDIT,
    .purpose = "run a scenario and rebuild every balance from its events alone",
    .usage = "[OPTIONS] FILE|-",
    .desc = audit_desc,
    .uses = {{&grp_audit, 0},
	     {&grp_json_lines, offsetof(struct lq_audit_opts, json)},
	     {&grp_trigger, offsetof(struct lq_audit_opts, pipe)},
	     {&grp_engine, offsetof(struct lq_audit_opts, pipe)}},
    .operands_min = 1,
    .operands_max = 1,
    .operand_off = {offsetof(struct lq_audit_opts, path)},
    .operand_names = "FILE|-",
    .missing = "no scenario given (a FILE, or - for standard input)",
    .opts_size = sizeof(struct lq_audit_opts),
    .defaults = audit_defaults,
    .run = audit_run,
};

/* ---- replay and run: the feed through the pipeline ---- */

static const struct cli_word fills_words[] = {
    {"engine", LQ_VENUE_ENGINE}, {"external", LQ_VENUE_EXTERNAL}, {NULL, 0}};

static const struct cli_opt opts_feed[] = {
    {.name = "--config",
     .arg = "FILE",
     .help = "scenario-language lines run first: asset, instrument (the feed's\n"
	     "instruments are matched by name; their grid may be finer or\n"
	     "coarser than the feed's), tier, param, fund, and optionally a\n"
	     "population (deposit, fill, isolate, ...)",
     .kind = CLI_STR,
     .off = offsetof(struct lq_replay_opts, config)},
    {.name = "--venue",
     .arg = "PRESET|FORMAT",
     .help = "a venue preset's configuration (liqd presets lists them), or every\n"
	     "preset of a recording format (binance: binance-usdm and\n"
	     "binance-coinm); --config's lines come after it and override it.\n"
	     "--venue external is --fills external",
     .kind = CLI_CUSTOM,
     .off = offsetof(struct lq_replay_opts, venue),
     .parse = parse_feed_venue},
    {.name = "--fills",
     .arg = "engine|external",
     .help = "who fills liquidation orders: the engine against its copy of the\n"
	     "book (engine, the default), or the venue (external: each\n"
	     "liquidation is an order on egress, its position in liquidation\n"
	     "until the feed's liq_fill messages end it or --fill-timeout\n"
	     "passes; docs/liquidation.md)",
     .kind = CLI_ENUM,
     .off = offsetof(struct lq_replay_opts, fills),
     .words = fills_words},
    {.name = "--fill-timeout",
     .arg = "DURATION",
     .help = "--fills external: an order the feed has not ended this long after\n"
	     "it was sent (feed time) settles on the fills it had (default 5s)",
     .kind = CLI_CUSTOM,
     .off = offsetof(struct lq_replay_opts, fill_timeout_ns),
     .parse = parse_fill_timeout},
    {.name = "--mark",
     .arg = "METHOD",
     .help = "every instrument's mark method (param mark=: any method the\n"
	     "scenario language takes, see liqd help sim); a capture without\n"
	     "the venue's mark or index needs one computed from its trades or\n"
	     "book",
     .kind = CLI_STR,
     .off = offsetof(struct lq_replay_opts, mark)},
    {.name = "--population",
     .arg = "FILE",
     .help = "the accounts: population commands only (deposit, withdraw, fill,\n"
	     "isolate, fund), as `liqd popgen` writes; anything else (marks,\n"
	     "books, unknown instruments) stops with FILE:LINE and exit 2",
     .kind = CLI_STR,
     .off = offsetof(struct lq_replay_opts, population)},
    /* replay's: run accepts them and refuses those that need a capture */
    {.name = "--accounts",
     .arg = "N",
     .help = "generate N accounts with liqd popgen's defaults instead, priced at\n"
	     "each instrument's first trade in the capture",
     .kind = CLI_U64,
     .off = offsetof(struct lq_replay_opts, accounts),
     .lo = 1,
     .hi = 100000000,
     .hide = HIDE(ID_RUN)},
    {.name = "--seed",
     .arg = "S",
     .help = "the generator's seed (default 0)",
     .kind = CLI_U64,
     .off = offsetof(struct lq_replay_opts, seed),
     .lo = 0,
     .hi = UINT64_MAX,
     .hide = HIDE(ID_RUN)},
    {.name = "--shock",
     .arg = "F",
     .help = "scale every price move of the capture around each instrument's\n"
	     "first price by F (1 to 1000): p' = p0 + F (p - p0), rounded to\n"
	     "the tick, so that a calm recording becomes a stress test on real\n"
	     "microstructure (book shapes, trade timing, order of events)",
     .kind = CLI_DEC8,
     .off = offsetof(struct lq_replay_opts, shock_e8),
     .lo = LQ_RATE_ONE,
     .hi = 1000 * LQ_RATE_ONE,
     .hide = HIDE(ID_RUN)},
    {.name = "--progress",
     .help = "a progress line on standard error (default: when it is a\nterminal)",
     .kind = CLI_SET,
     .off = offsetof(struct lq_replay_opts, progress),
     .ival = 1,
     .hide = HIDE(ID_RUN)},
    {.name = "--no-progress",
     .help = "no progress line",
     .kind = CLI_SET,
     .off = offsetof(struct lq_replay_opts, progress),
     .ival = -1,
     .hide = HIDE(ID_RUN)},
};
static const struct cli_group grp_feed = GROUP(NULL, opts_feed);

static const struct cli_opt opts_output[] = {
    {.name = "--json",
     .help = "the summary as one JSON object (default: a readable summary)",
     .kind = CLI_FLAG,
     .off = offsetof(struct lq_replay_opts, json)},
    {.name = "--events",
     .help = "print every output event (JSON lines) as it is decided, before\n"
	     "the summary; the readable summary then goes to standard error",
     .kind = CLI_FLAG,
     .off = offsetof(struct lq_replay_opts, events)},
    {.name = "--report",
     .arg = "FILE.html",
     .help = "a self-contained HTML report (inline SVG and script, no network):\n"
	     "the headline and stat tiles, a price chart per instrument with its\n"
	     "liquidations, ADL fills and the venue's liquidation prints and a\n"
	     "zoom on the densest window, a chart per fund, paged tables of the\n"
	     "events and of the deleveraged accounts, latency in an appendix",
     .kind = CLI_STR,
     .off = offsetof(struct lq_replay_opts, report)},
    {.name = "--accounts-out",
     .arg = "FILE",
     .help = "one row per account of the population after the run (CSV, or JSON\n"
	     "lines when FILE ends in .jsonl): deposits, balances, equity, open\n"
	     "positions, realized PnL, funding, fees, liquidations, takeovers, ADL\n"
	     "fills, socialized charges, bad debt",
     .kind = CLI_STR,
     .off = offsetof(struct lq_replay_opts, accounts_out)},
    {.name = "--strict",
     .help = "exit 1 (after the summary) when the run has any warning: an\n"
	     "instrument with no mark, trade or book, capture instruments the\n"
	     "configuration does not map, unreadable records, refused inputs",
     .kind = CLI_FLAG,
     .off = offsetof(struct lq_replay_opts, strict)},
};
static const struct cli_group grp_output = GROUP("output", opts_output);

static const struct cli_word via_replay[] = {
    {"file", LQ_VIA_FILE}, {"dpdk", LQ_VIA_DPDK}, {NULL, 0}};
static const struct cli_word via_run[] = {
    {"udp", LQ_VIA_UDP}, {"dpdk", LQ_VIA_DPDK}, {"nats", LQ_VIA_NATS}, {NULL, 0}};
static const struct cli_word via_egress[] = {{"udp", LQ_VIA_UDP}, {"dpdk", LQ_VIA_DPDK}, {NULL, 0}};

#define LIVE(f) offsetof(struct lq_live_opts, f)

static const struct cli_opt opts_replay_via[] = {
    {.name = "--via",
     .arg = "file|dpdk",
     .help = "how the capture is read: by liqd itself (file, the default) or\n"
	     "through a DPDK ethdev port (dpdk: DPDK's pcap driver on INPUT,\n"
	     "or the port --eal sets up; no snapshots)",
     .kind = CLI_ENUM,
     .off = LIVE(via),
     .off2 = LIVE(via_set),
     .has_off2 = true,
     .words = via_replay},
    {.name = "--eal",
     .arg = "\"ARGS\"",
     .help = "--via dpdk: the EAL's arguments (default: net_pcap reading INPUT,\n"
	     "no hugepages, no NIC, -l 0)",
     .kind = CLI_STR,
     .off = LIVE(eal)},
    {.name = "--seq-window",
     .arg = "N",
     .help = "refuse (and count) a packet starting more than N messages past the\n"
	     "next expected sequence number (default 100000; as liqd run's)",
     .kind = CLI_U64,
     .off = LIVE(seq_window),
     .lo = 1,
     .hi = 1ull << 62},
};
static const struct cli_group grp_replay_via = GROUP(NULL, opts_replay_via);

static const struct cli_opt opts_receiving[] = {
    {.name = "--listen",
     .arg = "IP:PORT",
     .help = "the feed's UDP address: unicast (bound) or a multicast group\n"
	     "(joined); port 0 picks a free one (see --port-file)\n"
	     "(default 127.0.0.1:31000)",
     .kind = CLI_STR,
     .off = LIVE(listen)},
    {.name = "--iface",
     .arg = "IP",
     .help = "multicast: the interface address to join the group on",
     .kind = CLI_STR,
     .off = LIVE(iface)},
    {.name = "--rcvbuf",
     .arg = "BYTES",
     .help = "the socket's receive buffer (SO_RCVBUF; default 8 MiB, capped by\n"
	     "net.core.rmem_max)",
     .kind = CLI_U32,
     .off = LIVE(rcvbuf),
     .lo = 4096,
     .hi = 1u << 30},
    {.name = "--port-file",
     .arg = "FILE",
     .help = "write the bound UDP port to FILE once listening",
     .kind = CLI_STR,
     .off = LIVE(port_file)},
    {.name = "--record",
     .arg = "FILE.pcap",
     .help = "record every datagram received, as received (refused ones too),\n"
	     "in a pcap stamped with its arrival: the run's input, which `liqd\n"
	     "replay` decides on as the run did",
     .kind = CLI_STR,
     .off = LIVE(record)},
    {.name = "--via",
     .arg = "udp|dpdk|nats",
     .help = "the receiver: UDP on io_uring (multishot receive, provided\n"
	     "buffers; the default), a DPDK ethdev port, or a NATS JetStream\n"
	     "stream (--stream: a replica, docs/nats.md)",
     .kind = CLI_ENUM,
     .off = LIVE(via),
     .off2 = LIVE(via_set),
     .has_off2 = true,
     .words = via_run},
    {.name = "--eal",
     .arg = "\"ARGS\"",
     .help = "DPDK: the EAL's arguments, e.g. \"--no-huge --no-pci --no-shconf\n"
	     "--vdev=net_pcap0,rx_pcap=FILE\" or a NIC's \"-a 0000:3b:00.0\"",
     .kind = CLI_STR,
     .off = LIVE(eal)},
    {.name = "--dpdk-port",
     .arg = "NAME",
     .help = "DPDK: the port to receive on (default: the first)",
     .kind = CLI_STR,
     .off = LIVE(dpdk_port)},
    {.name = "--udp-port",
     .arg = "N",
     .help = "DPDK: only UDP datagrams to this port (default: any)",
     .kind = CLI_U32,
     .off = LIVE(dpdk_udp_port),
     .lo = 1,
     .hi = 65535},
    {.name = "--seq-window",
     .arg = "N",
     .help = "refuse (and count) a packet starting more than N messages past the\n"
	     "next expected sequence number, instead of taking the jump as loss;\n"
	     "16 packets in a row continuing a refused stream resynchronize\n"
	     "(default 100000; docs/live.md)",
     .kind = CLI_U64,
     .off = LIVE(seq_window),
     .lo = 1,
     .hi = 1ull << 62},
};
static const struct cli_group grp_receiving = GROUP("receiving", opts_receiving);

static const struct cli_opt opts_sending[] = {
    {.name = "--egress",
     .arg = "IP:PORT",
     .help = "send liquidation orders, fund takeovers and ADL notices there as\n"
	     "liqd feed packets (net/FEED.md), over UDP on io_uring",
     .kind = CLI_STR,
     .off = LIVE(egress)},
    {.name = "--egress-iface",
     .arg = "IP",
     .help = "multicast egress: the interface",
     .kind = CLI_STR,
     .off = LIVE(egress_iface)},
    {.name = "--egress-ttl",
     .arg = "N",
     .help = "multicast egress: the TTL",
     .kind = CLI_U32,
     .off = LIVE(egress_ttl),
     .lo = 1,
     .hi = 255},
    {.name = "--egress-via",
     .arg = "udp|dpdk",
     .help = "send egress over UDP (io_uring; the default) or as frames on\n"
	     "the --via dpdk port (net_pcap: tx_pcap=FILE in --eal writes them)",
     .kind = CLI_ENUM,
     .off = LIVE(egress_via),
     .words = via_egress},
    {.name = "--egress-mac",
     .arg = "MAC",
     .help = "DPDK egress to a unicast IP: the next hop's Ethernet address",
     .kind = CLI_STR,
     .off = LIVE(egress_mac)},
    {.name = "--egress-src",
     .arg = "IP:PORT",
     .help = "DPDK egress: the frames' source (default 10.0.0.1:40000)",
     .kind = CLI_STR,
     .off = LIVE(egress_src)},
};
static const struct cli_group grp_sending = GROUP("sending", opts_sending);

static const struct cli_opt opts_replica[] = {
    {.name = "--nats",
     .arg = "URL",
     .help = "--via nats: the servers, nats://HOST:PORT[,nats://...] (default\n"
	     "nats://127.0.0.1:4222)",
     .kind = CLI_STR,
     .off = LIVE(nats)},
    {.name = "--stream",
     .arg = "NAME",
     .help = "--via nats: the input stream (liqd send --to nats:// fills it),\n"
	     "read in order from the start or from the snapshot's position",
     .kind = CLI_STR,
     .off = LIVE(stream)},
    {.name = "--out-stream",
     .arg = "NAME",
     .help = "--via nats: the output stream every replica publishes each event\n"
	     "to, de-duplicated by JetStream (default NAME_OUT; made when missing)",
     .kind = CLI_STR,
     .off = LIVE(out_stream)},
    {.name = "--no-out-stream",
     .help = "--via nats: publish no output events",
     .kind = CLI_FLAG,
     .off = LIVE(no_out)},
    {.name = "--out-replicas",
     .arg = "N",
     .help = "the output stream's replicas when it is made (default 3)",
     .kind = CLI_U32,
     .off = LIVE(out_replicas),
     .lo = 1,
     .hi = 5},
    {.name = "--dup-window",
     .arg = "SECONDS",
     .help = "the output stream's duplicate window when it is made (default\n"
	     "JetStream's, 120)",
     .kind = CLI_U32,
     .off = LIVE(dup_window_s),
     .lo = 1,
     .hi = 86400},
};
static const struct cli_group grp_replica = GROUP("replication (NATS JetStream)", opts_replica);

static const struct cli_opt opts_control[] = {
    {.name = "--stats",
     .arg = "SECONDS",
     .help = "a statistics line on standard error every SECONDS (default 1;\n0: none)",
     .kind = CLI_CUSTOM,
     .off = LIVE(stats_every_ns),
     .off2 = LIVE(stats_set),
     .has_off2 = true,
     .parse = parse_stats},
    {.name = "--exit-on-end",
     .help = "stop once the feed session ends: an END_OF_SESSION packet the\n"
	     "sequence tracking accepts (liqd send --end; not a refused one)",
     .kind = CLI_FLAG,
     .off = LIVE(exit_on_end)},
    {.name = "--exit-idle",
     .arg = "SECONDS",
     .help = "stop after SECONDS without a packet (e.g. a capture replayed\n"
	     "through DPDK's pcap driver has ended)",
     .kind = CLI_CUSTOM,
     .off = LIVE(idle_end_ns),
     .parse = parse_exit_idle},
};
static const struct cli_group grp_control = GROUP("control", opts_control);

static const char replay_desc[] =
    "Replays a captured feed against a configuration and an account population, through the\n"
    "pipeline `liqd sim` uses, and prints a summary. INPUT is a pcap of liqd feed packets (as\n"
    "`liqd convert` writes, plain or gzip-compressed) or a venue's websocket recording\n"
    "(Binance or BitMEX, plain or gzip, told by its content), converted on the fly into a\n"
    "temporary pcap; several INPUTs are Tardis.dev CSV files, merged by timestamp (liqd\n"
    "convert --help). The same input gives the same output hash for every --threads.\n";

static const char replay_epilog[] =
    "Feed messages become engine inputs: a message's venue time advances the clock (to the\n"
    "largest time seen: streams interleave); book level updates keep a book per instrument\n"
    "whose best 64 levels per side replace the engine's at the end of each venue update;\n"
    "trades (not the venue's liquidation prints), the venue's mark (for mark=external,\n"
    "rounded to the nearest tick), index prices (with the last predicted funding rate) pass\n"
    "through; funding is settled once per funding time (the next one the venue publishes, or\n"
    "the funding_interval schedule) at the rate published last before it, never without one;\n"
    "account events in the feed (deposit, withdrawal, fill, margin transfer) apply to their\n"
    "accounts.\n"
    "\n"
    "The summary: feed messages in, liquidations (full, partial), fund takeovers, ADL fills,\n"
    "socialized losses and bad debt per asset, each fund's start and end balance, the five\n"
    "liquidated accounts that lost most (deposits - equity at the end), throughput (feed\n"
    "messages per wall second), the decision latency (TSC, calibrated against the monotonic\n"
    "clock: an input taken by ingest to each output event it caused, formatted; a cascade's\n"
    "later events include the time of the earlier ones) and the output hash.\n";

static const char run_desc[] =
    "The colocated live mode: receives the liqd feed (net/FEED.md) over UDP (io_uring) or a\n"
    "DPDK port, runs it through the pipeline `liqd replay` uses, against a configuration and\n"
    "an account population (or the account events of the feed itself), sends liquidation\n"
    "orders, fund takeovers and ADL notices to --egress, journals every output event, prints\n"
    "a statistics line every --stats seconds, and on SIGINT or SIGTERM (or --exit-on-end)\n"
    "drains, flushes and prints the summary `liqd replay` prints. Fed the same packets, it\n"
    "takes exactly the decisions `liqd replay` takes on their capture: a lost packet is a\n"
    "sequence gap that halts liquidations on the feed's instruments until their books and\n"
    "marks are refreshed (feed_gap, feed_recovered events).\n";

static const char run_epilog[] =
    "--recover restarts from the newest snapshot: the feed's packets it covers (its session,\n"
    "up to its sequence), when the feed sends them again, are skipped and counted. A replica\n"
    "of a NATS stream (--via nats) records the stream position in its snapshots and\n"
    "--recover resumes there.\n"
    "SIGUSR1 asks for a snapshot now (with --snapshot-dir); one that cannot be taken is\n"
    "logged and the run goes on.\n"
    "With --journal, an egress packet leaves only after the journal records of its\n"
    "decisions are written (and synced, per --fsync). If the journal cannot be written\n"
    "(a full or failing disk), liqd run says so at once naming the journal and the errno,\n"
    "holds egress (nothing further is sent, not even the end of session), stops the\n"
    "receiver and exits 1 without a summary.\n"
    "SIGINT or SIGTERM stops the receiver; the pipeline drains, the journal is flushed and\n"
    "liqd exits 0 after its summary.\n";

CLI_DEFAULTS(replay, lq_replay_defaults)
CLI_RUN(replay, lq_app_replay)
CLI_RUN(run, lq_app_run)

static const struct cli_cmd cmd_replay = {
    .name = "replay",
    .id = ID_REPLAY,
    .purpose = "replay a captured feed against a configuration and population",
    .usage = "--config FILE [--population FILE | --accounts N [--seed S]] [OPTIONS]\n"
	     "                   INPUT...",
    .desc = replay_desc,
    .epilog = replay_epilog,
    .uses = {{&grp_feed, 0},
	     {&grp_replay_via, offsetof(struct lq_replay_opts, live)},
	     {&grp_trigger, offsetof(struct lq_replay_opts, pipe)},
	     {&grp_output, 0},
	     {&grp_engine_pop, offsetof(struct lq_replay_opts, pipe)},
	     {&grp_pipeline, offsetof(struct lq_replay_opts, pipe)},
	     {&grp_durable, offsetof(struct lq_replay_opts, durable)}},
    .operands_max = LQ_TARDIS_INPUTS_MAX,
    .operand_off = {offsetof(struct lq_replay_opts, inputs),
		    offsetof(struct lq_replay_opts, input_count)},
    .operand_list = true,
    .operand_names = "INPUT...",
    .opts_size = sizeof(struct lq_replay_opts),
    .defaults = replay_defaults,
    .run = replay_run,
};

static const struct cli_cmd cmd_run = {
    .name = "run",
    .id = ID_RUN,
    .purpose = "the live mode: the feed over UDP or DPDK, orders out to egress",
    .usage = "--config FILE [--population FILE] [--listen IP:PORT | --via dpdk --eal ARGS]\n"
	     "                [--egress IP:PORT] [--journal FILE] [OPTIONS]",
    .desc = run_desc,
    .epilog = run_epilog,
    .uses = {{&grp_feed, 0},
	     {&grp_trigger, offsetof(struct lq_replay_opts, pipe)},
	     {&grp_output, 0},
	     {&grp_engine_pop, offsetof(struct lq_replay_opts, pipe)},
	     {&grp_pipeline, offsetof(struct lq_replay_opts, pipe)},
	     {&grp_durable, offsetof(struct lq_replay_opts, durable)},
	     {&grp_receiving, offsetof(struct lq_replay_opts, live)},
	     {&grp_sending, offsetof(struct lq_replay_opts, live)},
	     {&grp_replica, offsetof(struct lq_replay_opts, live)},
	     {&grp_control, offsetof(struct lq_replay_opts, live)}},
    /* a capture is refused with a word of why (it listens) */
    .operands_max = 1,
    .operand_off = {offsetof(struct lq_replay_opts, capture)},
    .operand_names = "",
    .opts_size = sizeof(struct lq_replay_opts),
    .defaults = replay_defaults,
    .run = run_run,
};

/* ---- popgen ---- */

#define POP(f) offsetof(struct lq_popgen_opts, f)

static const struct cli_opt opts_popgen[] = {
    {.name = "--config",
     .arg = "FILE",
     .help = "the configuration (asset, instrument, tier, param, fund): grids,\n"
	     "risk tiers (maximum leverage = 1 / imr of a position's tier)",
     .kind = CLI_STR,
     .off = POP(g.config_name)},
    {.name = "--accounts",
     .arg = "N",
     .help = "accounts, ids 1..N (default 1000; up to 10^8)",
     .kind = CLI_U64,
     .off = POP(g.accounts),
     .lo = 1,
     .hi = 100000000},
    {.name = "--seed",
     .arg = "S",
     .help = "the random seed (default 1)",
     .kind = CLI_U64,
     .off = POP(g.seed),
     .lo = 0,
     .hi = UINT64_MAX},
    {.name = "--instrument",
     .arg = "NAME",
     .help = "populate this instrument (repeatable; default: every instrument of\n"
	     "the configuration)",
     .kind = CLI_LIST,
     .off = POP(names),
     .off2 = POP(name_count),
     .max = LQ_INSTRUMENTS_MAX},
    {.name = "--price",
     .arg = "P|NAME=P",
     .help = "the reference price (one instrument, or per instrument; repeatable)",
     .kind = CLI_LIST,
     .off = POP(prices),
     .off2 = POP(price_count),
     .max = LQ_INSTRUMENTS_MAX},
    {.name = "--capture",
     .arg = "FILE",
     .help = "take each instrument's reference price from the first trade of a\n"
	     "capture (a feed pcap or a venue recording)",
     .kind = CLI_STR,
     .off = POP(g.capture_name)},
    {.name = "--spread",
     .arg = "R",
     .help = "entry prices within price x (1 +- R), triangular (default 0.002)",
     .kind = CLI_DEC8,
     .off = POP(g.spread_e8),
     .lo = 0,
     .hi = LQ_RATE_ONE / 10},
    {.name = "--long",
     .arg = "R",
     .help = "share of long accounts (default 0.5)",
     .kind = CLI_DEC8,
     .off = POP(g.long_e8),
     .lo = 0,
     .hi = LQ_RATE_ONE},
    {.name = "--isolated",
     .arg = "R",
     .help = "share of isolated positions (default 0.2)",
     .kind = CLI_DEC8,
     .off = POP(g.isolated_e8),
     .lo = 0,
     .hi = LQ_RATE_ONE},
    {.name = "--second",
     .arg = "R",
     .help = "share of cross accounts holding a second instrument (default 0.15)",
     .kind = CLI_DEC8,
     .off = POP(g.second_e8),
     .lo = 0,
     .hi = LQ_RATE_ONE},
    {.name = "--size-lots",
     .arg = "N",
     .help = "the smallest position in lots (default 10)",
     .kind = CLI_U64,
     .off = POP(g.size_lots),
     .lo = 1,
     .hi = 1000000},
    {.name = "--size-tail",
     .arg = "R",
     .help = "P(a position is in the next, twice larger, size bracket): sizes\n"
	     "are Pareto-like with exponent log2(1/R) (default 0.35: 1.5)",
     .kind = CLI_DEC8,
     .off = POP(g.size_tail_e8),
     .lo = 0,
     .hi = LQ_RATE_ONE * 9 / 10},
    {.name = "--leverage-tail",
     .arg = "R",
     .help = "P(the next, twice higher, leverage bracket; brackets from 2x)\n"
	     "(default 0.5: half the accounts at 2-4x, 1 in 64 at 128x or the\n"
	     "tier's maximum, which caps every draw)",
     .kind = CLI_DEC8,
     .off = POP(g.lev_tail_e8),
     .lo = 0,
     .hi = LQ_RATE_ONE * 9 / 10},
    {.name = "--fund-share",
     .arg = "R",
     .help = "undefined funds get this share of the deposits (default 0.01)",
     .kind = CLI_DEC8,
     .off = POP(g.fund_share_e8),
     .lo = 0,
     .hi = LQ_RATE_ONE},
    {.short_name = 'o',
     .arg = "FILE",
     .help = "write here (default: standard output)",
     .kind = CLI_STR,
     .off = POP(out)},
};
static const struct cli_group grp_popgen = GROUP(NULL, opts_popgen);

static const char popgen_desc[] =
    "Writes a seeded synthetic account population for `liqd replay --population`: header\n"
    "comments recording the parameters, then one block of scenario-language lines per account\n"
    "(deposit, fill, optionally isolate), then `fund` lines for insurance funds the\n"
    "instruments name but the configuration does not define. The same parameters and seed\n"
    "give the same file, byte for byte.\n";

static const char popgen_epilog[] =
    "Each account: an instrument, a side, a size, a leverage L (at most the maximum of the\n"
    "position's tier) and an entry price E drawn; deposit = max(notional / L, initial margin)\n"
    "plus the loss the position would show at the far edge of the spread, so that no account\n"
    "is liquidatable while the population loads (before the first mark, positions are valued\n"
    "at the instrument's last fill). With at least 4 accounts per instrument, the last account\n"
    "of each instrument (ids N-k+1..N for k instruments) takes the net open interest at 2x, so\n"
    "that longs and shorts balance and ADL always has counterparties.\n";

CLI_DEFAULTS(popgen, lq_popgen_opts_defaults)
CLI_RUN(popgen, lq_app_popgen)

static const struct cli_cmd cmd_popgen = {
    .name = "popgen",
    .id = ID_POPGEN,
    .purpose = "write a seeded synthetic account population",
    .usage = "--config FILE [OPTIONS] [-o OUT]",
    .desc = popgen_desc,
    .epilog = popgen_epilog,
    .uses = {{&grp_popgen, 0}},
    .operand_names = "",
    .opts_size = sizeof(struct lq_popgen_opts),
    .defaults = popgen_defaults,
    .run = popgen_run,
};

/* ---- convert ---- */

#define CONV(f) offsetof(struct lq_convert_opts, f)

static const struct cli_opt opts_convert[] = {
    {.name = "--venue",
     .arg = "PRESET|FORMAT",
     .help = "the instruments of a venue preset (liqd presets lists them), or\n"
	     "of every preset of a recording format (binance: binance-usdm\n"
	     "and binance-coinm); the format is the preset's (default: the\n"
	     "presets of the format told from the recording's first line)",
     .kind = CLI_CUSTOM,
     .off = CONV(venue),
     .parse = parse_venue},
    {.name = "--config",
     .arg = "FILE",
     .help = "instruments from a configuration (the scenario language's asset\n"
	     "and instrument lines; names are the venue's symbols), after\n"
	     "--venue's presets and overriding them",
     .kind = CLI_STR,
     .off = CONV(config)},
    {.name = "--instrument",
     .arg = "NAME",
     .help = "convert this instrument only, skipping (and counting) the others\n"
	     "(repeatable; default: every instrument the recording mentions,\n"
	     "each of which the presets or --config must define)",
     .kind = CLI_LIST,
     .off = CONV(p.instruments),
     .off2 = CONV(p.instrument_count),
     .max = LQ_CONVERT_INSTRUMENTS_MAX},
    {.name = "--lenient",
     .help = "count and skip lines that cannot be converted (default: stop\n"
	     "at the first one, name its line number, exit 2)",
     .kind = CLI_FLAG,
     .off = CONV(p.lenient)},
    {.name = "--batch-us",
     .arg = "N",
     .help = "lines received within N us of a packet's first line share\n"
	     "the packet, up to 1472 bytes (default 100)",
     .kind = CLI_CUSTOM,
     .off = CONV(p.batch_ns),
     .parse = parse_batch_us},
    {.name = "--session",
     .arg = "N",
     .help = "the feed session (default: the first line's receive time in\nseconds)",
     .kind = CLI_U64,
     .off = CONV(p.session),
     .lo = 1,
     .hi = UINT64_MAX},
    {.name = "--dst",
     .arg = "IP:PORT",
     .help = "UDP destination (default 239.255.76.81:31000)",
     .kind = CLI_CUSTOM,
     .off = CONV(addr),
     .parse = parse_pcap_dst},
    {.name = "--quiet",
     .help = "no summary on standard error",
     .kind = CLI_FLAG,
     .off = CONV(quiet)},
    {.name = "--json",
     .help = "the summary as one JSON object on standard output (instead of\n"
	     "the readable one on standard error)",
     .kind = CLI_FLAG,
     .off = CONV(json)},
};
static const struct cli_group grp_convert = GROUP(NULL, opts_convert);

static const char convert_desc[] =
    "Converts a venue's websocket recording, or Tardis.dev CSV files merged by timestamp (each\n"
    "gzip-compressed or plain), into a pcap of liqd feed packets (net/FEED.md) wrapped in\n"
    "Ethernet/IPv4/UDP, nanosecond timestamps: the input of a replay, of tcpdump and of\n"
    "DPDK's net_pcap PMD. Each instrument's definition comes before its first message;\n"
    "sequence numbers start at 1 and are continuous.\n";

static const char convert_epilog[] =
    "recordings (../shared/data/README.md):\n"
    "  binance  binance-ws/*.gz: \"<receive time us|ns> <combined-stream JSON>\" per line,\n"
    "           and multi-venue-ws/BINANCE_FUTURES, BINANCE_DELIVERY.ws.*;\n"
    "           bookTicker -> book top, depthUpdate -> book levels (pu->u gaps flagged),\n"
    "           trade, aggTrade -> trade, markPriceUpdate -> index + mark + predicted\n"
    "           funding, REST depth snapshot -> book clear + levels brought up to date with\n"
    "           the buffered diffs newer than it; kline skipped (counted)\n"
    "  bitmex   multi-venue-ws/BITMEX.ws.*: orderBookL2 partial -> book clear + levels,\n"
    "           insert/update/delete -> levels, trade -> trade, quote -> book top\n"
    "  bybit    multi-venue-ws/BYBIT.ws.*: orderBookL2_25 snapshot -> book clear +\n"
    "           levels, delta -> levels, trade -> trade\n"
    "  okx      multi-venue-ws/OKX.ws.*: books snapshot -> book clear + levels, update ->\n"
    "           levels (checksums verified), trades -> trade, tickers -> book top (swap\n"
    "           sizes in contracts)\n"
    "  dydx     multi-venue-ws/DYDX.ws.* (v3): v3_orderbook -> book clear + levels, then\n"
    "           levels (lost message_ids flagged), v3_trades -> trade\n"
    "  tardis   Tardis.dev CSV files, told by their header line: trades -> trade,\n"
    "           liquidations (\"liquidations\" in the file name) -> trade of kind\n"
    "           liquidation, incremental_book_L2 -> book clear at a snapshot + levels,\n"
    "           book_snapshot_N -> book clear + levels, quotes/book_ticker -> book top (and\n"
    "           the top levels while no depth input), derivative_ticker -> index + mark +\n"
    "           funding. Instruments: the presets of the first row's exchange\n"
    "           (binance-futures, binance-delivery: binance; bitmex). Several files are\n"
    "           merged by timestamp, ties in the order given (docs/feed.md)\n"
    "Message times are the venue's (Binance E, BitMEX timestamp, Bybit timestamp_e6 and\n"
    "trade_time_ms, OKX ts, dYdX createdAt); BitMEX and dYdX book rows have none and carry\n"
    "the receive time, flagged. Dated futures and spot markets are skipped (counted) unless\n"
    "the configuration has them. Decimals are exact: a price off the tick or a quantity\n"
    "off the lot refuses the line (Bybit's float sizes within float precision of the lot\n"
    "are rounded to it, counted). The instruments of the multi-venue-ws recordings are in\n"
    "no preset: pass them with --config (tests/convert/*.scn hold them).\n"
    "\n"
    "Exit status: 0 converted, 2 a line that cannot be converted (strict) or a bad command\n"
    "line, 1 an I/O error. The output is removed when the conversion fails.\n";

CLI_DEFAULTS(convert, lq_convert_defaults)
CLI_RUN(convert, lq_app_convert)

static const struct cli_cmd cmd_convert = {
    .name = "convert",
    .id = ID_CONVERT,
    .purpose = "convert a venue's recording into a pcap of liqd feed packets",
    .usage = "[OPTIONS] INPUT... OUTPUT.pcap",
    .desc = convert_desc,
    .epilog = convert_epilog,
    .epilog_fn = lq_convert_print_instruments,
    .uses = {{&grp_convert, 0}},
    .operands_min = 2,
    .operands_max = LQ_TARDIS_INPUTS_MAX + 1,
    .operand_off = {CONV(operands), CONV(operand_count)},
    .operand_list = true,
    .operand_names = "IN... OUT",
    .missing = "INPUT and OUTPUT.pcap are needed",
    .opts_size = sizeof(struct lq_convert_opts),
    .defaults = convert_defaults,
    .run = convert_run,
};

/* ---- send ---- */

#define SEND(f) offsetof(struct lq_send_opts, f)

static const struct cli_opt opts_send[] = {
    {.name = "--pace",
     .arg = "asis|Nx|max",
     .help = "asis: as captured (the gaps between capture timestamps); Nx: N\n"
	     "times faster (1..1000000, e.g. 10x); max: as fast as possible\n"
	     "(default asis)",
     .kind = CLI_CUSTOM,
     .off = SEND(speed),
     .parse = parse_pace},
    {.name = "--dst",
     .arg = "IP:PORT",
     .help = "destination, unicast or a multicast group (default\n127.0.0.1:31000)",
     .kind = CLI_CUSTOM,
     .off = SEND(tx),
     .parse = parse_udp_dst},
    {.name = "--iface",
     .arg = "IP",
     .help = "multicast: the interface address to send from",
     .kind = CLI_CUSTOM,
     .off = SEND(tx.iface_ip),
     .parse = parse_iface},
    {.name = "--ttl",
     .arg = "N",
     .help = "multicast TTL (default 1: this subnet only)",
     .kind = CLI_CUSTOM,
     .off = SEND(tx.ttl),
     .parse = parse_ttl8},
    {.name = "--batch",
     .arg = "N",
     .help = "datagrams per submit at --pace max (1..256, default 32)",
     .kind = CLI_U32,
     .off = SEND(batch),
     .lo = 1,
     .hi = LQ_SEND_SLOTS},
    {.name = "--end",
     .help = "after the capture, a heartbeat packet with END_OF_SESSION in the\n"
	     "session of the last liqd feed packet sent (its next sequence\n"
	     "number): a receiver such as `liqd run --exit-on-end` then stops",
     .kind = CLI_FLAG,
     .off = SEND(end)},
    {.name = "--json",
     .help = "the summary as one JSON object (default: a readable line)",
     .kind = CLI_FLAG,
     .off = SEND(json)},
    {.name = "--to",
     .arg = "nats://HOST:PORT",
     .help = "publish the liqd feed packets into the JetStream stream --stream\n"
	     "instead (in order, as fast as acknowledged; message id SESSION-SEQ:\n"
	     "a resend is de-duplicated; docs/nats.md)",
     .kind = CLI_STR,
     .off = SEND(to)},
    {.name = "--stream",
     .arg = "NAME",
     .help = "--to: the stream (subject liqd.NAME.feed)",
     .kind = CLI_STR,
     .off = SEND(stream)},
    {.name = "--create",
     .help = "--to: make the stream when it does not exist (file storage)",
     .kind = CLI_FLAG,
     .off = SEND(create)},
    {.name = "--replicas",
     .arg = "N",
     .help = "--create: its replicas (1..5, default 3)",
     .kind = CLI_U32,
     .off = SEND(replicas),
     .lo = 1,
     .hi = 5},
    {.name = "--dup-window",
     .arg = "SECONDS",
     .help = "--create: its duplicate window (default JetStream's, 120)",
     .kind = CLI_U32,
     .off = SEND(dup_window_s),
     .lo = 1,
     .hi = 86400},
};
static const struct cli_group grp_send = GROUP(NULL, opts_send);

CLI_DEFAULTS(send, lq_send_defaults)
CLI_RUN(send, lq_app_send)

static const struct cli_cmd cmd_send = {
    .name = "send",
    .id = ID_SEND,
    .purpose = "send a capture's UDP payloads to an address, paced (io_uring)",
    .usage = "[OPTIONS] FILE.pcap",
    .desc = "Sends the UDP payload of every IPv4/UDP packet of a capture (pcap or pcapng, e.g. "
	    "from\n"
	    "`liqd convert`) to one destination over io_uring, one datagram each, in file order,\n"
	    "then prints a summary: packets, bytes, seconds, packets/s.\n",
    .epilog = "Exit status: 0 every datagram sent, 1 a send failed (ECONNREFUSED: nothing "
	      "listens at\n"
	      "the destination) or the capture is corrupt, 2 a bad command line.\n",
    .uses = {{&grp_send, 0}},
    .operands_min = 1,
    .operands_max = 1,
    .operand_off = {SEND(file)},
    .operand_names = "PCAP",
    .help_if_no_operand = true,
    .opts_size = sizeof(struct lq_send_opts),
    .defaults = send_defaults,
    .run = send_run,
};

/* ---- listen ---- */

#define LSN(f) offsetof(struct lq_listen_opts, f)

static const struct cli_opt opts_listen[] = {
    {.name = "--count",
     .arg = "N",
     .help = "stop after N messages (1..4294967295)",
     .kind = CLI_U64,
     .off = LSN(count),
     .lo = 1,
     .hi = UINT32_MAX},
    {.name = "--timeout",
     .arg = "SECONDS",
     .help = "stop after SECONDS (1..86400) without a packet",
     .kind = CLI_U32,
     .off = LSN(timeout_s),
     .lo = 1,
     .hi = 86400},
    {.name = "--until-end",
     .help = "stop after a packet flagged END_OF_SESSION",
     .kind = CLI_FLAG,
     .off = LSN(until_end)},
    {.name = "--port-file",
     .arg = "FILE",
     .help = "once listening, write the bound port to FILE (a line)",
     .kind = CLI_STR,
     .off = LSN(port_file)},
    {.name = "--iface",
     .arg = "IP",
     .help = "multicast: the interface address to join the group on",
     .kind = CLI_CUSTOM,
     .off = LSN(rx.iface_ip),
     .parse = parse_iface},
};
static const struct cli_group grp_listen = GROUP(NULL, opts_listen);

static const char listen_desc[] =
    "Receives liqd feed packets over UDP (io_uring) on IP:PORT, a local address or a multicast\n"
    "group (joined), decodes each one and prints every message as one JSON line on standard\n"
    "output: session, seq, type, flags, instrument, ts_ns and the message's fields, prices,\n"
    "quantities and money as the integers of the wire (in the units the instrument's\n"
    "definition gives). Market data, account events and engine output (`liqd run`'s\n"
    "liquidation orders and notices) alike.\n"
    "\n"
    "Besides messages it prints, one JSON line each: heartbeats, refused packets (\"type\":\n"
    "\"refused\" with the decoder's reason), and what the sequence numbers reveal: \"gap\"\n"
    "(messages lost), \"duplicate\" (a packet seen before: its messages are not printed\n"
    "again), \"late\" (a reordered packet filling a gap: its lost messages are printed now),\n"
    "\"overlap\" (a packet partly seen: the new part is printed), \"other_session\" (a packet of\n"
    "another session than the one followed: printed). The first session heard is followed;\n"
    "a new one once it has ended.\n"
    "\n"
    "IP:PORT with port 0 binds an ephemeral port (see --port-file).\n";

static const char listen_epilog[] =
    "It also stops on SIGINT or SIGTERM. A summary line goes to standard error.\n"
    "\n"
    "Exit status: 0 stopped as asked (N messages, end of session, a signal, or the timeout\n"
    "when neither --count nor --until-end was given); 1 the receiver could not start, the\n"
    "port file could not be written, or the timeout came before --count/--until-end were met;\n"
    "2 a bad command line.\n";

CLI_DEFAULTS(listen, lq_listen_defaults)
CLI_RUN(listen, lq_app_listen)

static const struct cli_cmd cmd_listen = {
    .name = "listen",
    .id = ID_LISTEN,
    .purpose = "receive liqd feed packets over UDP, print each message as JSON",
    .usage = "[OPTIONS] IP:PORT",
    .desc = listen_desc,
    .epilog = listen_epilog,
    .uses = {{&grp_listen, 0}, {&grp_json_lines, LSN(json)}},
    .operands_min = 1,
    .operands_max = 1,
    .operand_off = {LSN(addr)},
    .operand_names = "IP:PORT",
    .help_if_no_operand = true,
    .opts_size = sizeof(struct lq_listen_opts),
    .defaults = listen_defaults,
    .run = listen_run,
};

/* ---- venue ---- */

#define VEN(f) offsetof(struct lq_venue_opts, f)

static const struct cli_opt opts_venue[] = {
    {.name = "--to",
     .arg = "IP:PORT",
     .help = "where the feed goes on, with the fills merged in: the engine's\n"
	     "--listen (required)",
     .kind = CLI_STR,
     .off = VEN(to)},
    {.name = "--to-port-file",
     .arg = "FILE",
     .help = "read the --to port from FILE, waiting up to 30 s for it (for an\n"
	     "engine started after the venue: its --port-file); --to then gives\n"
	     "only the IP (default 127.0.0.1)",
     .kind = CLI_STR,
     .off = VEN(to_port_file)},
    {.name = "--listen",
     .arg = "IP:PORT",
     .help = "receive the feed here (default 127.0.0.1:0, an ephemeral port)",
     .kind = CLI_STR,
     .off = VEN(listen)},
    {.name = "--orders",
     .arg = "IP:PORT",
     .help = "receive the engine's egress (liquidation orders) here (default\n"
	     "127.0.0.1:0)",
     .kind = CLI_STR,
     .off = VEN(orders)},
    {.name = "--relay",
     .arg = "IP:PORT",
     .help = "pass every egress datagram on, as received (e.g. to liqd listen)",
     .kind = CLI_STR,
     .off = VEN(relay)},
    {.name = "--port-file",
     .arg = "FILE",
     .help = "once listening, write the feed and order ports to FILE (one line:\n"
	     "FEED_PORT ORDERS_PORT)",
     .kind = CLI_STR,
     .off = VEN(port_file)},
    {.name = "--latency-us",
     .arg = "N",
     .help = "wall time from an order's arrival to its matching (default 0)",
     .kind = CLI_U64,
     .off = VEN(latency_us),
     .lo = 0,
     .hi = 60000000},
    {.name = "--feed-latency-us",
     .arg = "N",
     .help = "feed time from an order's arrival to its matching: the order is\n"
	     "matched once the feed forwarded has reached that time (default 0)",
     .kind = CLI_U64,
     .off = VEN(feed_latency_us),
     .lo = 0,
     .hi = 3600000000ull},
    {.name = "--reject",
     .arg = "PCT",
     .help = "percentage of orders the venue rejects unfilled (default 0)",
     .kind = CLI_U32,
     .off = VEN(reject_pct),
     .lo = 0,
     .hi = 100},
    {.name = "--lose",
     .arg = "PCT",
     .help = "percentage of fills lost: the datagram is not sent, its sequence\n"
	     "number is used (the engine sees a gap)",
     .kind = CLI_U32,
     .off = VEN(lose_pct),
     .lo = 0,
     .hi = 100},
    {.name = "--late",
     .arg = "PCT",
     .help = "percentage of fills sent late and out of order, after 1 ms to\n"
	     "twice --late-ms more feed time, drawn (the engine sees a gap, then\n"
	     "the late packet)",
     .kind = CLI_U32,
     .off = VEN(late_pct),
     .lo = 0,
     .hi = 100},
    {.name = "--late-ms",
     .arg = "N",
     .help = "a late fill is held back 1 ms to twice N ms of feed time\n"
	     "(default 2000)",
     .kind = CLI_U32,
     .off = VEN(late_ms),
     .lo = 0,
     .hi = 86400000},
    {.name = "--duplicate",
     .arg = "PCT",
     .help = "percentage of fills sent twice, the copy as a new message (the\n"
	     "engine must refuse it)",
     .kind = CLI_U32,
     .off = VEN(dup_pct),
     .lo = 0,
     .hi = 100},
    {.name = "--seed",
     .arg = "N",
     .help = "seed of the rejections and faults (default 1)",
     .kind = CLI_U64,
     .off = VEN(seed),
     .lo = 0,
     .hi = UINT64_MAX},
    {.name = "--maker",
     .arg = "ACCOUNT",
     .help = "send the other side of each liq_fill as an account fill (type\n"
	     "fill) of ACCOUNT, a market maker of the population whose orders\n"
	     "the liquidation took (default: none)",
     .kind = CLI_U64,
     .off = VEN(maker),
     .lo = 1,
     .hi = UINT64_MAX},
    {.name = "--linger-ms",
     .arg = "N",
     .help = "after the feed's END_OF_SESSION, end the venue's session once\n"
	     "every order is answered and nothing arrived for N ms (default\n"
	     "1000); an engine still working through its input after that gets\n"
	     "no answer to its later orders (counted: after the end)",
     .kind = CLI_U32,
     .off = VEN(linger_ms),
     .lo = 1,
     .hi = 600000},
    {.name = "--timeout",
     .arg = "SECONDS",
     .help = "stop (exit 1) after SECONDS without a packet (default: never)",
     .kind = CLI_U32,
     .off = VEN(timeout_s),
     .lo = 1,
     .hi = 86400},
    {.name = "--rcvbuf",
     .arg = "BYTES",
     .help = "socket receive buffers (default 64 MiB)",
     .kind = CLI_U32,
     .off = VEN(rcvbuf),
     .lo = 4096,
     .hi = UINT32_MAX},
    {.name = "--json",
     .help = "also print the summary as one JSON object on standard output",
     .kind = CLI_FLAG,
     .off = VEN(json)},
};
static const struct cli_group grp_venue = GROUP(NULL, opts_venue);

static const char venue_desc[] =
    "A matching-engine stand-in for `liqd run --venue external`, for tests and demos. It\n"
    "receives a liqd feed on --listen (e.g. from `liqd send`), keeps each instrument's book\n"
    "from it and passes every packet on to --to in a session of its own. The engine's egress\n"
    "arrives on --orders: each liq_order is matched immediate-or-cancel against the book at\n"
    "or better than its limit (a buy takes asks up to it, a sell bids down to it, best first),\n"
    "after --latency-us of wall time and --feed-latency-us of feed time, and each level taken\n"
    "becomes a liq_fill (qty, price, leaves_qty; leaves_qty 0 ends the order) inserted into\n"
    "the stream to --to. The engine thus reads one ordered stream, feed and fills, which\n"
    "`liqd run --record` can record and `liqd replay` replay.\n"
    "\n"
    "Sequence numbers: a forwarded packet keeps its number plus the messages the venue\n"
    "inserted before it, so a gap upstream stays a gap downstream. The feed's END_OF_SESSION\n"
    "is held until every order is answered and the engine is quiet for --linger-ms; then the\n"
    "venue ends its own session and stops once the engine's egress has ended.\n"
    "\n"
    "Faults (--reject, --lose, --late, --duplicate) are drawn from --seed in the order the\n"
    "orders are matched: the same orders and seed give the same faults.\n";

static const char venue_epilog[] =
    "A summary goes to standard error (and with --json, one JSON object to standard output).\n"
    "It stops on SIGINT or SIGTERM too.\n"
    "\n"
    "Exit status: 0 stopped at the end or on a signal; 1 a socket could not be opened, a send\n"
    "failed or the timeout passed; 2 a bad command line.\n";

CLI_DEFAULTS(venue, lq_venue_defaults)
CLI_RUN(venue, lq_app_venue)

static const struct cli_cmd cmd_venue = {
    .name = "venue",
    .id = ID_VENUE,
    .purpose = "a matching-engine stand-in: fills liquidation orders into the feed",
    .usage = "--to IP:PORT [OPTIONS]",
    .desc = venue_desc,
    .epilog = venue_epilog,
    .uses = {{&grp_venue, 0}},
    .operand_names = "",
    .opts_size = sizeof(struct lq_venue_opts),
    .defaults = venue_defaults,
    .run = venue_run,
};

/* ---- journal, version ---- */

static const struct cli_group grp_none = {NULL, NULL, 0};

static const struct cli_opt opts_journal[] = {
    {.name = "--json",
     .help = "verify, recover: the figures as one JSON object (default: a line\n"
	     "each); dump prints JSON lines either way",
     .kind = CLI_FLAG,
     .off = offsetof(struct lq_journal_opts, json)},
    {.name = "--config",
     .arg = "FILE",
     .help = "dump: the run's configuration: events print as liqd sim and\n"
	     "replay --events print them (named, decimals as strings)",
     .kind = CLI_STR,
     .off = offsetof(struct lq_journal_opts, config)},
    {.name = "--population",
     .arg = "FILE",
     .help = "dump: the run's population, for the funds it defines",
     .kind = CLI_STR,
     .off = offsetof(struct lq_journal_opts, population)},
};
static const struct cli_group grp_journal = GROUP(NULL, opts_journal);

CLI_RUN(journal, lq_app_journal)

static const struct cli_cmd cmd_journal = {
    .name = "journal",
    .id = ID_JOURNAL,
    .purpose = "print or check a journal of output events",
    .usage = "dump|verify|recover [--json] [--config FILE [--population FILE]] FILE",
    .desc = "  dump     print every record as a JSON line: with the run's --config (and\n"
	    "           --population), events as liqd sim prints them; without, with numeric\n"
	    "           fields (ids, raw units: the journal carries no definitions); text\n"
	    "           records verbatim\n"
	    "  verify   check every record; print counts and the last good sequence\n"
	    "  recover  verify, then cut a torn tail\n",
    .epilog = "exit status: 0 clean, 1 torn tail (verify, dump), 2 bad usage, corruption or an\n"
	      "unreadable file\n",
    .uses = {{&grp_journal, 0}},
    .operands_min = 2,
    .operands_max = 2,
    .operand_off = {offsetof(struct lq_journal_opts, action),
		    offsetof(struct lq_journal_opts, path)},
    .operand_names = "dump|verify|recover FILE",
    .help_if_no_operand = true,
    .opts_size = sizeof(struct lq_journal_opts),
    .run = journal_run,
};

static int version_run(const void *o)
{
	(void)o;
	return lq_app_version();
}

static const struct cli_cmd cmd_version = {
    .name = "version",
    .id = ID_VERSION,
    .purpose = "versions of liqd and the libraries it runs on, io_uring probe",
    .usage = "",
    .desc = "Prints liqd's version, the versions of liburing, DPDK and jemalloc it was built "
	    "with,\n"
	    "and whether io_uring can be set up here.\n",
    .uses = {{&grp_none, 0}},
    .operand_names = "",
    .run = version_run,
};

/* ---- presets ---- */

CLI_RUN(presets, lq_app_presets)

static const struct cli_cmd cmd_presets = {
    .name = "presets",
    .id = ID_PRESETS,
    .purpose = "list the venue presets, or print one",
    .usage = "[NAME]",
    .desc = "Without NAME, lists the venue presets built into liqd: for each, the recording\n"
	    "format it reads and its instruments. With NAME, prints that preset: a\n"
	    "configuration in the scenario language (asset, instrument, tier, param, fund),\n"
	    "each figure with the source it was read from. `--venue NAME` (replay, convert)\n"
	    "uses it; a --config file's lines come after it and override it (docs/venues.md).\n",
    .epilog = "exit status: 0, 2 for an unknown NAME\n",
    .uses = {{&grp_none, 0}},
    .operands_min = 0,
    .operands_max = 1,
    .operand_off = {offsetof(struct lq_presets_opts, name)},
    .operand_names = "[NAME]",
    .opts_size = sizeof(struct lq_presets_opts),
    .run = presets_run,
};

const struct cli_cmd *const cli_commands[] = {
    &cmd_sim,  &cmd_audit,  &cmd_replay, &cmd_run,     &cmd_popgen,  &cmd_convert,
    &cmd_send, &cmd_listen, &cmd_venue,	 &cmd_journal, &cmd_presets, &cmd_version,
};
const size_t cli_command_count = N(cli_commands);

const struct cli_cmd *cli_find_command(const char *name)
{
	for (size_t k = 0; k < cli_command_count; k++)
		if (!strcmp(cli_commands[k]->name, name))
			return cli_commands[k];
	return NULL;
}
