/* SPDX-License-Identifier: MIT */
/*
 * Populations and captures for replays (population.h): the definitions of a configuration,
 * the population loader's line check, and the capture behind a replay's INPUT.
 */
#include "lq/population.h"

#include "lq/app.h"

#include "lq/assert.h"
#include "lq/convert.h"
#include "lq/feed.h"
#include "lq/cmd.h"
#include "lq/json.h"
#include "lq/msg.h"
#include "lq/pcap.h"
#include "lq/preset.h"
#include "lq/scn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define DEFS_LINE_MAX	(1u << 16)
#define CAPTURE_INS_MAX 64 /* feed instrument ids taken into account (as the feed adapter) */

static void discard_emit(void *ctx, struct lq_msg *m)
{
	(void)ctx;
	(void)m;
}

static void discard_write(void *ctx, const char *data, size_t len)
{
	(void)ctx;
	(void)data;
	(void)len;
}

struct defs_block {
	struct lq_engine e; /* first: lq_defs_free casts back */
	void *mem;
	uint64_t max_account; /* the largest account id the configuration's lines name */
};

static uint32_t tokens(const char *s, size_t len, uint32_t n, const char **t, size_t *tn);
static bool tok_is(const char *t, size_t n, const char *word);

/* deposit, withdraw, fill, isolate: the lines that name an account (their second token). */
static bool account_line(const char *line, size_t len, uint64_t *id, bool *position)
{
	const char *t[2];
	size_t tn[2];
	const uint32_t n = tokens(line, len, 2, t, tn);
	if (n == 0)
		return false;
	*position = tok_is(t[0], tn[0], "fill") || tok_is(t[0], tn[0], "isolate");
	if (!*position && !tok_is(t[0], tn[0], "deposit") && !tok_is(t[0], tn[0], "withdraw"))
		return false;
	*id = 0;
	if (n > 1)
		for (size_t k = 0; k < tn[1] && t[1][k] >= '0' && t[1][k] <= '9'; k++)
			*id = *id > (UINT64_MAX - 9) / 10 ? UINT64_MAX
							  : *id * 10 + (uint64_t)(t[1][k] - '0');
	return true;
}

struct defs_mem {
	struct lq_scn scn;
	struct lq_out out;
	char line[DEFS_LINE_MAX];
};

/* One file's lines into the definitions (line numbers its own). */
static int defs_file(const char *who, const char *path, struct defs_block *b, struct defs_mem *d)
{
	FILE *f = fopen(path, "r");
	uint64_t line = 0;
	int rc = LQ_EXIT_OK;

	if (!f) {
		fprintf(stderr, "%s: cannot open %s: %s\n", who, path, strerror(errno));
		return LQ_EXIT_USAGE;
	}
	size_t n, col;
	enum lq_scn_read rd;
	while ((rd = lq_scn_read_line(f, d->line, sizeof(d->line), &n, &col)) != LQ_SCN_READ_EOF &&
	       rd != LQ_SCN_READ_ERROR) {
		d->scn.line++;
		line++;
		if (rd != LQ_SCN_READ_LINE) {
			if (rd == LQ_SCN_READ_NUL)
				fprintf(stderr, "%s: %s:%llu: NUL byte at line %llu col %zu\n", who,
					path, (unsigned long long)line, (unsigned long long)line,
					col);
			else
				fprintf(stderr, "%s: %s:%llu: line longer than %zu bytes\n", who,
					path, (unsigned long long)line, sizeof(d->line) - 1);
			rc = LQ_EXIT_USAGE;
			break;
		}
		uint64_t id;
		bool pos;
		if (account_line(d->line, n, &id, &pos) && id > b->max_account)
			b->max_account = id;
		if (lq_scn_line(&d->scn, d->line, n) == LQ_SCN_SYNTAX) {
			fprintf(stderr, "%s: %s:%llu: %s\n", who, path, (unsigned long long)line,
				d->scn.error);
			rc = LQ_EXIT_USAGE;
			break;
		}
	}
	fclose(f);
	return rc;
}

int lq_defs_load_with(const char *who, const char *path, const char *population,
		      struct lq_engine **out)
{
	struct lq_engine_limits lim = {.accounts_max = 1, .positions_max = 1};
	size_t size = lq_engine_memsize(&lim);
	struct defs_block *b = lq_startup_alloc(sizeof(*b), "the definitions");
	struct lq_engine *e = &b->e;
	void *mem = lq_startup_alloc(size, "the definitions");
	struct defs_mem *d = lq_startup_alloc(sizeof(*d), "the definitions");

	LQ_ASSERT(lq_engine_init(e, mem, size, &lim, NULL, NULL) == 0);
	lq_out_init(&d->out, discard_write, NULL);
	lq_scn_init(&d->scn, e, &d->out, discard_emit, NULL);
	int rc = defs_file(who, path, b, d);
	if (rc == LQ_EXIT_OK && e->instrument_count == 0) {
		fprintf(stderr, "%s: %s defines no instrument (see liqd sim --help)\n", who, path);
		rc = LQ_EXIT_USAGE;
	}
	if (rc == LQ_EXIT_OK && population)
		rc = defs_file(who, population, b, d);
	lq_startup_free(d);
	if (rc != LQ_EXIT_OK) {
		lq_startup_free(mem);
		lq_startup_free(b);
		return rc;
	}
	b->mem = mem;
	*out = e;
	return LQ_EXIT_OK;
}

int lq_defs_load(const char *who, const char *path, struct lq_engine **out)
{
	return lq_defs_load_with(who, path, NULL, out);
}

uint64_t lq_defs_max_account(const struct lq_engine *e)
{
	return ((const struct defs_block *)e)->max_account;
}

void lq_defs_free(struct lq_engine *e)
{
	if (!e)
		return;
	struct defs_block *b = (struct defs_block *)e;
	lq_startup_free(b->mem);
	lq_startup_free(b);
}

/* The first n blank-separated tokens of a line, in one pass: how many it has, at most n. */
static uint32_t tokens(const char *s, size_t len, uint32_t n, const char **t, size_t *tn)
{
	size_t i = 0;
	uint32_t k = 0;

	/* 1: a blank, 2: the comment's '#' */
	static const uint8_t cls[256] = {[' '] = 1, ['\t'] = 1, ['\r'] = 1, ['#'] = 2};

	for (; k < n; k++) {
		while (i < len && cls[(unsigned char)s[i]] == 1)
			i++;
		if (i >= len || s[i] == '#')
			break;
		size_t b = i;
		while (i < len && cls[(unsigned char)s[i]] == 0)
			i++;
		t[k] = s + b;
		tn[k] = i - b;
	}
	return k;
}

static bool tok_is(const char *t, size_t n, const char *word)
{
	return n == strlen(word) && memcmp(t, word, n) == 0;
}

int lq_population_check(const struct lq_engine *defs, const char *line, size_t len, char *why,
			size_t cap)
{
	struct lq_scn_tok w[3];
	const char *t[3];
	size_t tn[3];
	const uint32_t n = tokens(line, len, 3, t, tn);

	for (uint32_t k = 0; k < n; k++)
		w[k] = (struct lq_scn_tok){t[k], tn[k]};
	return lq_population_check_words(defs, w, n, why, cap);
}

int lq_population_check_words(const struct lq_engine *defs, const struct lq_scn_tok *w, uint32_t n,
			      char *why, size_t cap)
{
	const char *t[3] = {NULL, NULL, NULL};
	size_t tn[3] = {0, 0, 0};

	LQ_ASSERT(n <= 3);
	for (uint32_t k = 0; k < n; k++) {
		t[k] = w[k].s;
		tn[k] = w[k].n;
	}
	if (n == 0)
		return 0; /* blank or comment */
	const char *c = t[0], *a = t[n > 2 ? 2 : 0];
	const size_t cn = tn[0], an = tn[n > 2 ? 2 : 0];
	if (tok_is(c, cn, "deposit") || tok_is(c, cn, "withdraw")) {
		if (n > 2 && lq_engine_find_asset(defs, a, an) < 0) {
			snprintf(why, cap, "unknown asset '%.*s' (the configuration defines it)",
				 (int)an, a);
			return -1;
		}
		return 0;
	}
	if (tok_is(c, cn, "fill") || tok_is(c, cn, "isolate")) {
		if (n > 2 && lq_engine_find_instrument(defs, a, an) < 0) {
			snprintf(
			    why, cap, "unknown instrument '%.*s': the configuration defines %s%s",
			    (int)an, a, defs->instrument_count ? defs->instruments[0].name : "none",
			    defs->instrument_count > 1 ? ", ..." : "");
			return -1;
		}
		return 0;
	}
	if (tok_is(c, cn, "fund")) {
		int f = n > 1 ? lq_engine_find_fund(defs, t[1], tn[1]) : -1;
		if (f >= 0 && defs->funds[f].defined) {
			snprintf(why, cap, "fund '%.*s' is already defined by the configuration",
				 (int)tn[1], t[1]);
			return -1;
		}
		return 0;
	}
	snprintf(why, cap,
		 "'%.*s' is not a population command (a population holds deposit, withdraw, "
		 "fill, isolate and fund lines only; markets come from the capture)",
		 (int)cn, c);
	return -1;
}

/* ---- the pre-scan: a population whole, or refused ---- */

#define SCAN_REASON_MAX 256

struct scan {
	struct lq_engine *e; /* the scratch engine: what the pipeline's will hold */
	struct lq_scn scn;   /* over a definitions-only engine, as the replay's ingest */
	struct lq_out out;
	char line[DEFS_LINE_MAX];
	char said[LQ_SCN_ERROR_MAX + 64]; /* the parser's last output text (a rejected line) */
	size_t said_len;
	bool in_event;
	enum lq_status st; /* the first refusal by the engine */
	enum lq_cmd_type st_type;
	uint64_t st_account;
	uint32_t accounts_max; /* the scratch engine's table */
	uint32_t max_accounts; /* --max-accounts */
};

static void scan_write(void *ctx, const char *data, size_t len)
{
	struct scan *s = ctx;
	if (len > sizeof(s->said) - 1 - s->said_len)
		len = sizeof(s->said) - 1 - s->said_len;
	memcpy(s->said + s->said_len, data, len);
	s->said_len += len;
	s->said[s->said_len] = '\0';
}

/* The parser's messages onto the scratch engine, as the pipeline's engine stage applies them. */
static void scan_emit(void *ctx, struct lq_msg *m)
{
	struct scan *s = ctx;
	if (m->type >= LQ_MSG_DEF_ASSET && m->type <= LQ_MSG_DEF_FUND) {
		(void)lq_msg_def_apply(s->e, m);
		return;
	}
	if (m->type != LQ_MSG_CMD)
		return; /* books, shows: nothing a population line sends */
	if (!s->in_event) {
		lq_engine_begin_event(s->e);
		s->in_event = true;
	}
	enum lq_status st = lq_engine_apply_part(s->e, &m->u.cmd);
	if (st != LQ_OK && s->st == LQ_OK) {
		s->st = st;
		s->st_type = m->u.cmd.type;
		s->st_account = m->u.cmd.account;
	}
	if (!(m->flags & LQ_MSG_F_MORE)) {
		lq_engine_end_event(s->e);
		s->in_event = false;
	}
}

/* Why the line was refused: the parser's reason, or the engine's. */
static void scan_why(struct scan *s, enum lq_scn_result r, char *why, size_t cap)
{
	if (r == LQ_SCN_SYNTAX) {
		snprintf(why, cap, "%s", s->scn.error);
		return;
	}
	if (r == LQ_SCN_REJECTED) {
		/* {"type":"rejected","line":N,"reason":"..."} */
		const char *k = strstr(s->said, "\"reason\":\"");
		size_t n = 0;
		if (k) {
			k += 10;
			n = strlen(k);
			while (n > 0 && (k[n - 1] == '\n' || k[n - 1] == '}' || k[n - 1] == '"'))
				n--;
		}
		snprintf(why, cap, "rejected: %.*s", (int)n, k ? k : "");
		return;
	}
	if (s->st == LQ_E_LIMIT && s->e->account_count >= s->accounts_max &&
	    s->accounts_max >= s->max_accounts &&
	    lq_engine_find_account(s->e, s->st_account) == LQ_NIL) {
		snprintf(why, cap,
			 "account %llu is one more than --max-accounts %u allows (raise it: the "
			 "tables are sized to the population)",
			 (unsigned long long)s->st_account, s->max_accounts);
		return;
	}
	char r2[SCAN_REASON_MAX];
	lq_engine_reject_reason(r2, sizeof(r2), s->st, s->st_type, s->st_account);
	snprintf(why, cap, "rejected by the engine: %s", r2);
}

int lq_population_refused(struct lq_scn *scn, const char *line, size_t len, char *why, size_t cap)
{
	const struct lq_engine *defs = scn->engine;

	if (lq_scn_tokenize(scn, line, len) == LQ_SCN_SYNTAX) {
		/* the words past a token the parser cannot split: checked as the line's */
		if (lq_population_check(defs, line, len, why, cap) == 0 && cap)
			snprintf(why, cap, "%s", scn->error);
		return -1;
	}
	return lq_population_check_words(defs, scn->toks.word, scn->toks.nword, why, cap);
}

/* One file's lines through the parser (and, for a population, its line check). */
static int scan_file(struct scan *s, const char *who, FILE *f, const char *name, bool population,
		     struct lq_defs_scan *out)
{
	uint64_t line = 0;
	char why[SCAN_REASON_MAX + LQ_SCN_ERROR_MAX];

	size_t n, col;
	enum lq_scn_read rd;
	while ((rd = lq_scn_read_line(f, s->line, sizeof(s->line), &n, &col)) != LQ_SCN_READ_EOF &&
	       rd != LQ_SCN_READ_ERROR) {
		line++;
		s->scn.line++;
		if (rd != LQ_SCN_READ_LINE) {
			if (rd == LQ_SCN_READ_NUL)
				fprintf(stderr, "%s: %s:%llu: NUL byte at line %llu col %zu\n", who,
					name, (unsigned long long)line, (unsigned long long)line,
					col);
			else
				fprintf(stderr, "%s: %s:%llu: line longer than %zu bytes\n", who,
					name, (unsigned long long)line, sizeof(s->line) - 1);
			return LQ_EXIT_USAGE;
		}
		why[0] = '\0';
		enum lq_scn_result r = LQ_SCN_OK;
		if (population && lq_population_refused(&s->scn, s->line, n, why, sizeof(why)))
			r = LQ_SCN_SYNTAX;
		else {
			lq_out_flush(&s->out);
			s->said_len = 0;
			s->said[0] = '\0';
			r = population ? lq_scn_run(&s->scn) : lq_scn_line(&s->scn, s->line, n);
			lq_out_flush(&s->out); /* a rejected line's reason */
		}
		uint64_t id;
		bool pos;
		if (!population && r != LQ_SCN_SYNTAX && !account_line(s->line, n, &id, &pos)) {
			/*
			 * a configuration's other refused lines (a mark its mark method does not
			 * take) stay the `rejected` events the replay prints for them
			 */
			s->st = LQ_OK;
			continue;
		}
		if (r != LQ_SCN_OK || s->st != LQ_OK) {
			if (!why[0])
				scan_why(s, r, why, sizeof(why));
			fprintf(stderr, "%s: %s:%llu: %s (nothing was loaded)\n", who, name,
				(unsigned long long)line, why);
			return LQ_EXIT_USAGE;
		}
	}
	if (ferror(f)) {
		fprintf(stderr, "%s: cannot read %s: %s\n", who, name, strerror(errno));
		return LQ_EXIT_FAIL;
	}
	if (population)
		out->pop_lines = line;
	return LQ_EXIT_OK;
}

/* The first pass: bounds on the accounts and positions a file's lines may open. */
static void scan_bounds(FILE *f, char *buf, size_t cap, uint64_t *accounts, uint64_t *positions)
{
	while (fgets(buf, (int)cap, f)) {
		uint64_t id;
		bool pos;
		if (account_line(buf, strlen(buf), &id, &pos)) {
			++*accounts;
			*positions += pos;
		}
	}
	rewind(f);
}

int lq_defs_prescan(const char *who, const char *config, FILE *pop, const char *pop_name,
		    uint32_t max_accounts, struct lq_defs_scan *out)
{
	struct lq_engine_limits dlim = {.accounts_max = 1, .positions_max = 1};
	size_t dsize = lq_engine_memsize(&dlim);
	struct scan *s = lq_startup_alloc(sizeof(*s), "the population's pre-scan");
	struct lq_engine *defs = lq_startup_alloc(sizeof(*defs), "the definitions");
	void *dmem = lq_startup_alloc(dsize, "the definitions");
	struct lq_engine *e = lq_startup_alloc(sizeof(*e), "the population's pre-scan");
	uint64_t acc = 0, pos = 0;
	void *mem = NULL;
	int rc = LQ_EXIT_OK;
	FILE *cf = fopen(config, "r");

	memset(out, 0, sizeof(*out));
	if (!cf) {
		fprintf(stderr, "%s: cannot open %s: %s\n", who, config, strerror(errno));
		rc = LQ_EXIT_USAGE;
		goto done;
	}
	scan_bounds(cf, s->line, sizeof(s->line), &acc, &pos);
	if (pop)
		scan_bounds(pop, s->line, sizeof(s->line), &acc, &pos);
	/* the scratch tables: every line that names an account may open one, up to the cap */
	struct lq_engine_limits lim = {
	    .accounts_max = (uint32_t)(acc < max_accounts ? (acc ? acc : 1) : max_accounts),
	    .positions_max =
		(uint32_t)(pos < LQ_POPULATION_POSITIONS_MAX ? (pos ? pos : 1)
							     : LQ_POPULATION_POSITIONS_MAX)};
	size_t size = lq_engine_memsize(&lim);
	/* touched only as far as the population fills it */
	mem = lq_startup_alloc_lazy(size, "the population's pre-scan");
	LQ_ASSERT(lq_engine_init(defs, dmem, dsize, &dlim, NULL, NULL) == 0);
	LQ_ASSERT(lq_engine_init(e, mem, size, &lim, NULL, NULL) == 0);
	s->e = e;
	s->accounts_max = lim.accounts_max;
	s->max_accounts = max_accounts;
	lq_out_init(&s->out, scan_write, s);
	lq_scn_init(&s->scn, defs, &s->out, scan_emit, s);
	rc = scan_file(s, who, cf, config, false, out);
	/* a population may define the funds the configuration names (before it acts) */
	if (rc == LQ_EXIT_OK && pop)
		rc = scan_file(s, who, pop, pop_name, true, out);
	if (rc == LQ_EXIT_OK && lq_scn_defs_check(&s->scn) == LQ_SCN_SYNTAX) {
		fprintf(stderr, "%s: %s: %s\n", who, config, s->scn.error);
		rc = LQ_EXIT_USAGE;
	}
	out->accounts = e->account_count;
	for (uint32_t a = 0; a < e->account_count; a++)
		out->max_id = e->accounts[a].id > out->max_id ? e->accounts[a].id : out->max_id;
	out->assets = defs->asset_count;
	out->positions = lim.positions_max;
	out->position_lines = pos;
	if (pop)
		rewind(pop);
done:
	if (cf)
		fclose(cf);
	lq_startup_free(mem);
	lq_startup_free(e);
	lq_startup_free(dmem);
	lq_startup_free(defs);
	lq_startup_free(s);
	return rc;
}

/* ---- captures ---- */

static bool pcap_magic(const unsigned char *b)
{
	static const uint32_t magics[] = {0xa1b2c3d4u, 0xa1b23c4du, 0xd4c3b2a1u, 0x4d3cb2a1u,
					  0x0a0d0d0au};
	uint32_t v =
	    (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
	for (size_t i = 0; i < sizeof(magics) / sizeof(magics[0]); i++)
		if (v == magics[i])
			return true;
	return false;
}

static int temp_path(const char *who, char *buf, size_t cap)
{
	const char *dir = getenv("TMPDIR");
	snprintf(buf, cap, "%s/liqd-replay-XXXXXX", dir && *dir ? dir : "/tmp");
	int fd = mkstemp(buf);
	if (fd < 0) {
		fprintf(stderr, "%s: cannot create a temporary file in %s: %s (set TMPDIR)\n", who,
			dir && *dir ? dir : "/tmp", strerror(errno));
		return LQ_EXIT_FAIL;
	}
	close(fd);
	return LQ_EXIT_OK;
}

/* A gzip-compressed pcap into a plain temporary one. */
static int gunzip_to(const char *who, gzFile in, const char *out_path)
{
	static char buf[1 << 16];
	FILE *out = fopen(out_path, "wb");
	int n, rc = LQ_EXIT_OK;

	if (!out) {
		fprintf(stderr, "%s: cannot write %s: %s\n", who, out_path, strerror(errno));
		return LQ_EXIT_FAIL;
	}
	gzrewind(in);
	while ((n = gzread(in, buf, sizeof(buf))) > 0)
		if (fwrite(buf, 1, (size_t)n, out) != (size_t)n) {
			rc = LQ_EXIT_FAIL;
			break;
		}
	int zerr = Z_OK;
	const char *zmsg = gzerror(in, &zerr);
	bool damaged = zerr == Z_BUF_ERROR || zerr == Z_DATA_ERROR;
	if (rc == LQ_EXIT_OK && (n < 0 || (zerr != Z_OK && zerr != Z_STREAM_END)))
		rc = damaged || n < 0 ? LQ_EXIT_USAGE : LQ_EXIT_FAIL;
	if (fclose(out) != 0)
		rc = LQ_EXIT_FAIL;
	if (rc == LQ_EXIT_USAGE)
		fprintf(stderr, "%s: cannot decompress the capture: %s (%s)\n", who,
			zerr == Z_BUF_ERROR ? "the gzip stream is truncated"
					    : "corrupt gzip stream",
			zmsg);
	else if (rc != LQ_EXIT_OK)
		fprintf(stderr, "%s: cannot decompress the capture (%s)\n", who,
			zerr == Z_ERRNO ? strerror(errno) : "write error");
	return rc;
}

static int pcap_sink(void *ctx, int64_t ts_ns, const void *packet, size_t len)
{
	return lq_pcap_writer_write(ctx, ts_ns, packet, len);
}

/* A venue recording into a temporary pcap (lenient: unconvertible lines are counted). */
static int convert_to(const char *who, const char *input, enum lq_convert_venue venue,
		      const char *out_path, const struct lq_config_sources *src)
{
	struct lq_convert_params p;
	struct lq_pcap_addr addr;
	lq_convert_params_defaults(&p);
	lq_pcap_addr_defaults(&addr);
	p.venue = venue;
	p.lenient = true;
	/* the instruments: presets and configuration (preset.h); a Tardis file given neither
	 * takes the presets of its first row's exchange */
	char from[512];
	struct lq_config_sources tardis_src = {0};
	if (venue == LQ_CONVERT_TARDIS && (!src || (src->preset_count == 0 && !src->file))) {
		if (lq_convert_tardis_family(who, input, &tardis_src) != LQ_EXIT_OK)
			return LQ_EXIT_USAGE;
		src = &tardis_src;
	}
	struct lq_convert_spec *specs =
	    lq_startup_alloc(sizeof(*specs) * LQ_INSTRUMENTS_MAX, "the instruments");
	int ns =
	    lq_config_convert_specs(who, venue, src, specs, LQ_INSTRUMENTS_MAX, from, sizeof(from));
	if (ns < 0) {
		lq_startup_free(specs);
		return LQ_EXIT_USAGE;
	}
	p.specs = specs;
	p.spec_count = (uint32_t)ns;
	p.specs_from = from;
	size_t size = lq_convert_memsize(&p);
	void *mem = lq_startup_alloc(size, "the converter");
	struct lq_convert *c = lq_startup_alloc(sizeof(*c), "the converter");
	struct lq_pcap_writer *w = lq_startup_alloc(sizeof(*w), "the pcap writer");
	int rc = LQ_EXIT_OK;

	if (lq_convert_init(c, mem, size, &p, pcap_sink, w) != 0 ||
	    lq_pcap_writer_open(w, out_path, &addr) != 0) {
		fprintf(stderr, "%s: cannot set up the converter for %s\n", who, input);
		rc = LQ_EXIT_FAIL;
		goto out;
	}
	enum lq_convert_status st = lq_convert_file(c, input);
	int werr = lq_pcap_writer_close(w);
	if (st != LQ_CONVERT_OK || werr) {
		fprintf(stderr, "%s: converting %s: %s\n", who, input,
			werr ? strerror(-werr) : lq_convert_error(c));
		rc = st == LQ_CONVERT_E_IO || werr ? LQ_EXIT_FAIL : LQ_EXIT_USAGE;
	} else {
		/* the recording's symbols that no instrument names: not replayed, said */
		for (uint32_t i = 0; i < c->stats.unknown_count; i++)
			fprintf(stderr,
				"%s: warning: %s's %s (on %llu lines) is not in %s: not replayed; "
				"liqd convert %s names the line to add\n",
				who, input, c->stats.unknown[i].name,
				(unsigned long long)c->stats.unknown[i].lines, from, input);
	}
	if (rc == LQ_EXIT_OK && c->stats.messages == 0) {
		fprintf(stderr,
			"%s: %s: nothing in it converts to market data (first refused: %s)\n", who,
			input, c->first_err[0] ? c->first_err : "none");
		rc = LQ_EXIT_USAGE;
	}
out:
	lq_startup_free(w);
	lq_startup_free(c);
	lq_startup_free(mem);
	lq_startup_free(specs);
	return rc;
}

int lq_capture_resolve(const char *who, const char *input, char *pcap, size_t cap, bool *temp)
{
	return lq_capture_resolve_with(who, input, pcap, cap, temp, NULL);
}

int lq_capture_resolve_with(const char *who, const char *input, char *pcap, size_t cap, bool *temp,
			    const struct lq_config_sources *src)
{
	unsigned char head[4];
	char line[4096];
	enum lq_convert_venue venue;
	gzFile in = gzopen(input, "rb");
	int rc;

	*temp = false;
	if (!in) {
		fprintf(stderr, "%s: cannot open %s: %s\n", who, input,
			strerror(errno ? errno : ENOMEM));
		return LQ_EXIT_USAGE;
	}
	int n = gzread(in, head, sizeof(head));
	if (n <= 0) {
		gzclose(in);
		fprintf(stderr, "%s: %s is empty: nothing to replay\n", who, input);
		return LQ_EXIT_USAGE;
	}
	if (n == 4 && pcap_magic(head)) {
		if (gzdirect(in)) {
			gzclose(in);
			snprintf(pcap, cap, "%s", input);
			return LQ_EXIT_OK;
		}
		if ((rc = temp_path(who, pcap, cap)) != LQ_EXIT_OK) {
			gzclose(in);
			return rc;
		}
		*temp = true;
		rc = gunzip_to(who, in, pcap);
		gzclose(in);
		return rc;
	}
	gzrewind(in);
	const char *l = gzgets(in, line, sizeof(line));
	gzclose(in);
	if (!l || lq_convert_venue_detect(line, strlen(line), &venue) != 0) {
		fprintf(
		    stderr,
		    "%s: %s is neither a pcap of liqd feed packets nor a venue recording "
		    "(Binance, BitMEX, Bybit, OKX or dYdX websocket lines, or Tardis.dev CSV; see "
		    "liqd convert --help)\n",
		    who, input);
		return LQ_EXIT_USAGE;
	}
	if ((rc = temp_path(who, pcap, cap)) != LQ_EXIT_OK)
		return rc;
	*temp = true;
	return convert_to(who, input, venue, pcap, src);
}

uint32_t lq_capture_first_trades(const char *pcap, const struct lq_engine *defs,
				 int64_t price[LQ_INSTRUMENTS_MAX])
{
	static struct lq_feed_packet pkt;
	int map[CAPTURE_INS_MAX];
	uint8_t dec[CAPTURE_INS_MAX];
	struct lq_pcap_reader rd;
	struct lq_pcap_pkt pk;
	enum lq_pcap_status st;
	uint32_t found = 0;

	for (uint32_t i = 0; i < LQ_INSTRUMENTS_MAX; i++)
		price[i] = 0;
	for (uint32_t i = 0; i < CAPTURE_INS_MAX; i++)
		map[i] = -1;
	if (lq_pcap_open(&rd, pcap) != 0)
		return 0;
	while ((st = lq_pcap_next(&rd, &pk)) == LQ_PCAP_OK || st == LQ_PCAP_CUT) {
		if (st != LQ_PCAP_OK ||
		    lq_feed_decode_packet(pk.payload, pk.payload_len, &pkt, NULL))
			continue;
		for (uint32_t i = 0; i < pkt.count; i++) {
			const struct lq_feed_msg *m = &pkt.msgs[i];
			if (m->instrument >= CAPTURE_INS_MAX)
				continue;
			if (m->type == LQ_FEED_INSTRUMENT) {
				map[m->instrument] = lq_engine_find_instrument(
				    defs, m->u.def.name, strnlen(m->u.def.name, LQ_FEED_NAME_MAX));
				dec[m->instrument] = m->u.def.price_decimals;
				continue;
			}
			int e = map[m->instrument];
			/* the venue's liquidation prints are not the market's price */
			if (m->type != LQ_FEED_TRADE || m->u.trade.kind != LQ_FEED_TRADE_REGULAR ||
			    e < 0 || price[e] != 0)
				continue;
			const struct lq_instrument *ins = &defs->instruments[e];
			lq_i128 v = (lq_i128)m->u.trade.price * lq_pow10(ins->price_decimals);
			lq_i128 t =
			    lq_div128_round(v, (lq_i128)lq_pow10(dec[m->instrument]) * ins->tick) *
			    ins->tick;
			if (t > 0 && t <= INT64_MAX) {
				price[e] = (int64_t)t;
				found++;
			}
		}
	}
	lq_pcap_close(&rd);
	return found;
}
