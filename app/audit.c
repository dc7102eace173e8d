/* SPDX-License-Identifier: MIT */
/*
 * liqd audit: run a scenario through the engine and rebuild every account's money, every
 * position and every fund from the inputs and the output events alone (lq/audit.h), compared
 * with the engine after every input. DESIGN 1.7.3: the event stream is a complete ledger.
 */
#include "lq/app.h"
#include "lq/cmd.h"

#include "lq/audit.h"
#include "lq/engine.h"
#include "lq/json.h"
#include "lq/msg.h"
#include "lq/scn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AUDIT_LINE_MAX (1u << 20)

struct audit_run {
	struct lq_engine *defs; /* the parser's definitions: the auditor's only view of them */
	struct lq_engine *eng;	/* the engine audited */
	struct lq_audit audit;
	struct lq_scn scn;
	struct lq_out out; /* standard output */
	struct lq_out drop;
	struct lq_book book;
	bool book_overflow;
	struct lq_adl_node *scratch; /* `show adl` (lq_adl_rank_nodes) */
	bool print_events;
	uint64_t line; /* the input line being applied */
	bool failed;
	uint64_t fail_line;
	struct lq_audit_mismatch mismatch;
	int write_err;
};

void lq_audit_defaults(struct lq_audit_opts *o)
{
	memset(o, 0, sizeof(*o));
	lq_pipe_opts_defaults(&o->pipe);
}

static void write_stdout(void *ctx, const char *data, size_t len)
{
	struct audit_run *r = ctx;

	if (fwrite(data, 1, len, stdout) != len && !r->write_err)
		r->write_err = errno ? errno : EIO;
}

static void write_nothing(void *ctx, const char *data, size_t len)
{
	(void)ctx;
	(void)data;
	(void)len;
}

/* Every output event goes to the auditor (and, with --events, out). */
static void sink(void *ctx, const struct lq_event *ev)
{
	struct audit_run *r = ctx;

	lq_audit_event(&r->audit, ev);
	if (r->print_events)
		lq_json_event(&r->out, r->eng, ev);
}

/*
 * After each input: the reconstruction against the engine, then the laws of DESIGN 1.7.3 on
 * the engine's state (lq_audit_laws). The first failure is kept.
 */
static void check(struct audit_run *r)
{
	if (r->failed)
		return;
	if (!lq_audit_compare(&r->audit, r->eng, &r->mismatch) ||
	    !lq_audit_laws(r->eng, LQ_AUDIT_LAWS_ALL, &r->mismatch)) {
		r->failed = true;
		r->fail_line = r->line;
	}
}

/* One input: its apply part, the auditor told its status, then its end (the trigger). */
static void input(struct audit_run *r, const struct lq_cmd *c)
{
	lq_engine_begin_event(r->eng);
	enum lq_status st = lq_engine_apply_part(r->eng, c);
	if (st != LQ_OK && r->print_events) {
		const struct lq_event ev = {.type = LQ_EV_REJECTED,
					    .line = r->line,
					    .status = (uint16_t)st,
					    .cmd_type = (uint16_t)c->type,
					    .account = c->account};
		lq_json_event(&r->out, r->eng, &ev);
	}
	lq_audit_input(&r->audit, c, st);
	lq_engine_end_event(r->eng);
	check(r);
}

/* Definitions: as the pipeline applies them (lq_msg_def_apply). */
static void define(struct audit_run *r, const struct lq_msg *m)
{
	struct lq_engine *e = r->eng;

	switch (m->type) {
	case LQ_MSG_DEF_ASSET:
	case LQ_MSG_DEF_INSTRUMENT:
		(void)lq_msg_def_apply(e, m);
		return;
	case LQ_MSG_DEF_TIER:
	case LQ_MSG_DEF_PARAMS:
		(void)lq_msg_def_apply(e, m);
		break;
	case LQ_MSG_DEF_FUND:
		if (lq_msg_def_apply(e, m) == LQ_OK && !m->u.fund.ref_only) {
			const int k =
			    lq_engine_find_fund(e, m->u.fund.name, strlen(m->u.fund.name));
			lq_audit_define_fund(&r->audit, (uint32_t)k, m->u.fund.asset,
					     m->u.fund.balance_units);
		}
		break;
	default:
		return;
	}
	/* tiers, parameters and funds change the margins of open positions */
	lq_engine_run_trigger(e);
	check(r);
}

/* The engine's ledger, per asset, as `show ledger` prints it (lq_json_ledger). */
static void print_ledger(struct audit_run *r)
{
	for (uint32_t a = 0; a < r->eng->asset_count; a++)
		lq_json_ledger(&r->out, r->eng, a);
}

static void show(struct audit_run *r, const struct lq_msg *m)
{
	struct lq_engine *e = r->eng;

	if (m->u.show.kind == LQ_SHOW_ACCOUNT) {
		const uint32_t a = lq_engine_find_account(e, m->u.show.account);
		if (a == LQ_NIL) {
			if (r->print_events) {
				const struct lq_event ev = {.type = LQ_EV_REJECTED,
							    .line = r->line,
							    .status = LQ_E_UNKNOWN_ACCOUNT,
							    .cmd_type = LQ_CMD_DEPOSIT,
							    .account = m->u.show.account};
				lq_json_event(&r->out, e, &ev);
			}
			return;
		}
		/* showing an account settles its pending funding, as in `liqd sim` */
		lq_engine_settle_account_funding(e, a);
		if (r->print_events)
			lq_json_account(&r->out, e, a);
		check(r);
	} else if (m->u.show.kind == LQ_SHOW_FUND && r->print_events) {
		lq_json_fund(&r->out, e, m->u.show.ref);
	} else if (m->u.show.kind == LQ_SHOW_LEDGER && r->print_events) {
		print_ledger(r);
	} else if (m->u.show.kind == LQ_SHOW_ADL && r->print_events) {
		for (int side = 1; side >= -1; side -= 2) {
			const uint32_t n = lq_adl_rank_nodes(e, m->u.show.ref, side, r->scratch,
							     e->limits.positions_max);
			lq_json_adl_rank_nodes(&r->out, e, m->u.show.ref, side, r->scratch, n);
		}
	}
}

static void book_level(struct audit_run *r, const struct lq_msg *m)
{
	uint32_t *n = m->u.level.side ? &r->book.ask_count : &r->book.bid_count;
	struct lq_book_level *lv = m->u.level.side ? r->book.asks : r->book.bids;

	if (*n >= LQ_BOOK_LEVELS_MAX) {
		r->book_overflow = true;
		return;
	}
	lv[(*n)++] = m->u.level.lv;
}

/* The parser's messages, applied as the pipeline's engine stage does, one input at a time. */
static void on_msg(void *ctx, struct lq_msg *m)
{
	struct audit_run *r = ctx;

	r->line = m->line;
	if (m->type >= LQ_MSG_DEF_ASSET && m->type <= LQ_MSG_DEF_FUND) {
		define(r, m);
		return;
	}
	switch (m->type) {
	case LQ_MSG_CMD:
		input(r, &m->u.cmd);
		return;
	case LQ_MSG_BOOK_LEVEL:
		book_level(r, m);
		return;
	case LQ_MSG_BOOK_END: {
		const struct lq_cmd c = {
		    .type = LQ_CMD_BOOK, .instrument = m->u.book_end.instrument, .book = &r->book};
		if (r->book_overflow) {
			/* refused as the pipeline refuses it: too many levels */
			lq_audit_input(&r->audit, &c, LQ_E_LIMIT);
		} else {
			input(r, &c);
		}
		memset(&r->book, 0, sizeof(r->book));
		r->book_overflow = false;
		return;
	}
	case LQ_MSG_SHOW:
		show(r, m);
		return;
	default:
		return;
	}
}

static struct lq_engine *engine_new(const struct lq_engine_limits *lim, lq_event_sink fn, void *ctx)
{
	const size_t sz = lq_engine_memsize(lim);
	struct lq_engine *e = lq_startup_alloc(sizeof(*e), "the engine");
	void *mem = lq_startup_alloc(sz, "the engine's tables");

	if (lq_engine_init(e, mem, sz, lim, fn, ctx) != 0) {
		fprintf(stderr, "liqd audit: cannot set up the engine (check --max-accounts and "
				"--max-positions)\n");
		exit(LQ_EXIT_FAIL);
	}
	return e;
}

static void print_verdict(struct audit_run *r)
{
	struct lq_out *o = &r->out;
	char why[512];

	lq_out_str(o, "{\"type\":\"audit\",\"inputs\":");
	lq_out_u64(o, r->audit.inputs);
	lq_out_str(o, ",\"refused\":");
	lq_out_u64(o, r->audit.refused);
	lq_out_str(o, ",\"events\":");
	lq_out_u64(o, r->audit.events);
	if (!r->failed) {
		lq_out_str(o, ",\"ok\":true}\n");
		return;
	}
	lq_audit_describe(&r->mismatch, r->eng, why, sizeof(why));
	lq_out_str(o, ",\"ok\":false,\"line\":");
	lq_out_u64(o, r->fail_line);
	/* a difference from the reconstruction, or a law the engine's state breaks */
	lq_out_str(o,
		   r->mismatch.what >= LQ_AUDIT_LEDGER_SUM ? ",\"violation\":" : ",\"mismatch\":");
	lq_out_jstr(o, why);
	lq_out_str(o, "}\n");
	fprintf(stderr, "liqd audit: line %llu: %s\n", (unsigned long long)r->fail_line, why);
}

/* Feed the scenario to the parser line by line; 0, or an exit status with the reason said. */
static int read_all(struct audit_run *r, FILE *in, const char *name, char *line)
{
	size_t n;

	while (fgets(line, AUDIT_LINE_MAX, in)) {
		r->scn.line++;
		n = strlen(line);
		if (n > 0 && line[n - 1] == '\n') {
			n--;
		} else if (!feof(in)) {
			fprintf(stderr, "liqd audit: %s:%llu: line longer than %u bytes\n", name,
				(unsigned long long)r->scn.line, AUDIT_LINE_MAX - 2);
			return LQ_EXIT_USAGE;
		}
		if (memchr(line, '\0', n)) {
			fprintf(stderr, "liqd audit: %s:%llu: NUL byte in the line\n", name,
				(unsigned long long)r->scn.line);
			return LQ_EXIT_USAGE;
		}
		if (lq_scn_line(&r->scn, line, n) == LQ_SCN_SYNTAX) {
			fprintf(stderr, "liqd audit: %s:%llu: %s\n", name,
				(unsigned long long)r->scn.line, r->scn.error);
			return LQ_EXIT_USAGE;
		}
		lq_out_flush(&r->out);
	}
	if (ferror(in)) {
		fprintf(stderr, "liqd audit: %s: read error: %s\n", name, strerror(errno));
		return LQ_EXIT_FAIL;
	}
	if (lq_scn_defs_check(&r->scn) == LQ_SCN_SYNTAX) {
		fprintf(stderr, "liqd audit: %s: %s\n", name, r->scn.error);
		return LQ_EXIT_USAGE;
	}
	return 0;
}

int lq_app_audit(const struct lq_audit_opts *o)
{
	static const struct lq_engine_limits defs_lim = {.accounts_max = 1, .positions_max = 1};

	FILE *in = strcmp(o->path, "-") ? fopen(o->path, "r") : stdin;
	if (!in) {
		fprintf(stderr, "liqd audit: cannot open %s: %s\n", o->path, strerror(errno));
		return LQ_EXIT_USAGE;
	}
	const char *name = strcmp(o->path, "-") ? o->path : "<stdin>";
	struct audit_run *r = lq_startup_alloc(sizeof(*r), "the audit");
	r->print_events = o->events;
	lq_out_init(&r->out, write_stdout, r);
	lq_out_init(&r->drop, write_nothing, r);
	r->defs = engine_new(&defs_lim, NULL, NULL);
	r->eng = engine_new(&o->pipe.lim, sink, r);
	lq_engine_set_trigger_mode(r->eng, o->pipe.trigger);
	const struct lq_audit_limits alim = {.accounts_max = o->pipe.lim.accounts_max,
					     .positions_max = o->pipe.lim.positions_max};
	const size_t asz = lq_audit_memsize(&alim);
	if (lq_audit_init(&r->audit, lq_startup_alloc(asz, "the auditor"), asz, &alim, r->defs)) {
		fprintf(stderr, "liqd audit: cannot set up the auditor\n");
		return LQ_EXIT_FAIL;
	}
	r->scratch =
	    lq_startup_alloc(sizeof(*r->scratch) * o->pipe.lim.positions_max, "the ranking");
	/* parse-time refusals are printed with the events, else they are not inputs */
	lq_scn_init(&r->scn, r->defs, o->events ? &r->out : &r->drop, on_msg, r);
	char *line = lq_startup_alloc(AUDIT_LINE_MAX, "the line buffer");
	int rc = read_all(r, in, name, line);
	if (rc == 0) {
		print_ledger(r);
		print_verdict(r);
		rc = r->failed ? LQ_EXIT_FAIL : LQ_EXIT_OK;
	}
	lq_out_flush(&r->out);
	if (fflush(stdout) != 0 || r->write_err) {
		fprintf(stderr, "liqd audit: cannot write the output: %s\n",
			strerror(r->write_err ? r->write_err : errno));
		rc = LQ_EXIT_FAIL;
	}
	if (in != stdin)
		fclose(in);
	return rc;
}
