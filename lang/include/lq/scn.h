/* SPDX-License-Identifier: MIT */
#ifndef LQ_SCN_H
#define LQ_SCN_H

/*
 * The scenario language (DESIGN 2): one command per line, tokens separated by blanks,
 * key=value options, '#' comments. lq_scn_line() parses a line, resolves it against the
 * engine's definitions (names, grids, decimals) and applies it, writing output events as JSON
 * lines. A line that cannot be parsed at all is LQ_SCN_SYNTAX with a message; a line the
 * engine refuses is a `rejected` event and the run goes on.
 *
 * Definitions (asset, instrument, tier, param, fund) are checked one by one as they come, and
 * as a whole before the engine next acts: a param may name a fund defined on a later line, but
 * by the first line that is not a definition (deposit, fill, mark, book, time, show...) every
 * instrument must have its tiers and every fund named must be defined in the settle asset of
 * the instruments that draw on it. A param value out of its key's range (see `liqd sim
 * --help`) is LQ_SCN_SYNTAX too: a scenario never runs on parameters other than those it
 * wrote.
 */
#include "lq/engine.h"
#include "lq/json.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define LQ_SCN_TOKENS_MAX 32
#define LQ_SCN_ERROR_MAX  256
#define LQ_SCN_WORDS	  3

enum lq_scn_result {
	LQ_SCN_OK = 0,
	LQ_SCN_REJECTED = 1,
	LQ_SCN_SYNTAX = 2,
};

struct lq_msg;
typedef void (*lq_scn_emit)(void *ctx, struct lq_msg *m);

struct lq_scn_tok {
	const char *s;
	size_t n;
};

/* A tokenized line (scn.c). */
struct lq_scn_tokens {
	struct lq_scn_tok t[LQ_SCN_TOKENS_MAX];
	uint32_t n; /* positional tokens */
	struct lq_scn_tok key[LQ_SCN_TOKENS_MAX];
	struct lq_scn_tok val[LQ_SCN_TOKENS_MAX];
	bool used[LQ_SCN_TOKENS_MAX];
	uint32_t nopt; /* key=value options */
	/* the line's first blank-separated words in order, options or not (a reader's check) */
	struct lq_scn_tok word[LQ_SCN_WORDS];
	uint32_t nword;
};

/*
 * The parser's state. `engine` holds the definitions only (assets, instruments, tiers,
 * params, funds): the parser applies each definition to it to resolve names and grids, and
 * emits everything (definitions, events, book levels, queries) as pipeline messages. Lines
 * refused at parse time (off grid, unknown names) are written to `out` as `rejected` lines.
 */
struct lq_scn {
	struct lq_engine *engine;
	struct lq_out *out;
	lq_scn_emit emit;
	void *emit_ctx;
	uint64_t line;
	uint64_t rejected;
	int64_t now_ns; /* the scenario clock, for relative times */
	struct lq_scn_tokens toks;
	struct lq_book book;
	char error[LQ_SCN_ERROR_MAX];
	/* a definition came since the last lq_scn_defs_check(): check before the engine acts */
	bool defs_pending;
	uint64_t instrument_line[LQ_INSTRUMENTS_MAX]; /* the line that defined it; 0 unknown */
	uint64_t fund_param_line[LQ_INSTRUMENTS_MAX]; /* the param line naming its fund; 0 none */
};

void lq_scn_init(struct lq_scn *s, struct lq_engine *defs, struct lq_out *out, lq_scn_emit emit,
		 void *emit_ctx);

/* Process one line (without its newline). s->line must hold its 1-based number. */
enum lq_scn_result lq_scn_line(struct lq_scn *s, const char *line, size_t len);

/*
 * lq_scn_line in two steps, for a reader that checks a line's words before it acts (the
 * population's check): the line into s->toks (LQ_SCN_SYNTAX if it cannot be split: then
 * s->toks is partial), then the command those tokens hold. The line must stay as it was
 * between the two.
 */
enum lq_scn_result lq_scn_tokenize(struct lq_scn *s, const char *line, size_t len);
enum lq_scn_result lq_scn_run(struct lq_scn *s);

/*
 * Check the definitions as a whole: every instrument has tier lines; every fund a param names
 * is defined, in the instrument's settle asset. LQ_SCN_OK, or LQ_SCN_SYNTAX with s->error
 * naming the line of the definition at fault and what to add. lq_scn_line() runs it before
 * each line that acts after a definition; a reader calls it at the end of its input (and
 * wherever else its definitions end, e.g. before a feed that does not pass through
 * lq_scn_line()). Cheap when nothing was defined since the last call.
 */
enum lq_scn_result lq_scn_defs_check(struct lq_scn *s);

/* What lq_scn_read_line found. */
enum lq_scn_read {
	LQ_SCN_READ_LINE = 0,  /* a line (the last one may lack its newline) */
	LQ_SCN_READ_EOF = 1,   /* nothing more */
	LQ_SCN_READ_LONG = 2,  /* longer than cap - 2 bytes: the rest is left unread */
	LQ_SCN_READ_NUL = 3,   /* a NUL byte at 1-based column *col: not text */
	LQ_SCN_READ_ERROR = 4, /* the stream failed (errno) */
};
/*
 * One line of a text input into buf (cap >= 2 bytes), without its newline, NUL-terminated,
 * its length in *len. Unlike fgets, a NUL byte in the line is found (and its column named),
 * never taken for the line's end.
 */
enum lq_scn_read lq_scn_read_line(FILE *f, char *buf, size_t cap, size_t *len, size_t *col);

/*
 * Parse an ISO 8601 UTC time (2024-08-09T00:00:00Z, optional .fraction) to ns since epoch.
 * The date must exist (days of the month, leap years); seconds 60 only at 23:59:60.
 */
bool lq_scn_parse_time(const char *s, size_t len, int64_t *ns);
/* Parse a duration: 30s, 8h, 5m, 1d, 250ms, 10us, 100ns (integer count + unit). */
bool lq_scn_parse_duration(const char *s, size_t len, int64_t *ns);

#endif
