/* SPDX-License-Identifier: MIT */
#ifndef LQ_SCN_H
#define LQ_SCN_H

/*
 * The scenario language (DESIGN 2): one command per line, tokens separated by blanks,
 * key=value options, '#' comments. lq_scn_line() parses a line, resolves it against the
 * engine's definitions (names, grids, decimals) and applies it, writing output events as JSON
 * lines. A line that cannot be parsed at all is LQ_SCN_SYNTAX with a message; a line the
 * engine refuses is a `rejected` event and the run goes on.
 */
#include "lq/engine.h"
#include "lq/json.h"

#include <stddef.h>
#include <stdint.h>

#define LQ_SCN_TOKENS_MAX 32
#define LQ_SCN_ERROR_MAX  256

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
};

void lq_scn_init(struct lq_scn *s, struct lq_engine *defs, struct lq_out *out, lq_scn_emit emit,
		 void *emit_ctx);

/* Process one line (without its newline). s->line must hold its 1-based number. */
enum lq_scn_result lq_scn_line(struct lq_scn *s, const char *line, size_t len);

/* Parse an ISO 8601 UTC time (2024-08-09T00:00:00Z, optional .fraction) to ns since epoch. */
bool lq_scn_parse_time(const char *s, size_t len, int64_t *ns);
/* Parse a duration: 30s, 8h, 5m, 1d, 250ms, 10us, 100ns (integer count + unit). */
bool lq_scn_parse_duration(const char *s, size_t len, int64_t *ns);

#endif
