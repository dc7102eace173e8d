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

struct lq_scn {
	struct lq_engine *engine;
	struct lq_out *out;
	uint64_t line;
	uint64_t rejected;
	struct lq_adl_entry *scratch; /* for `show adl`: engine positions_max entries */
	uint32_t scratch_cap;
	char error[LQ_SCN_ERROR_MAX];
};

/* The engine's sink must be lq_scn_sink with the scn as context, so events reach out. */
void lq_scn_init(struct lq_scn *s, struct lq_engine *e, struct lq_out *out,
		 struct lq_adl_entry *scratch, uint32_t scratch_cap);
void lq_scn_sink(void *ctx, const struct lq_event *ev);

/* Process one line (without its newline). s->line must hold its 1-based number. */
enum lq_scn_result lq_scn_line(struct lq_scn *s, const char *line, size_t len);

/* Parse an ISO 8601 UTC time (2024-08-09T00:00:00Z, optional .fraction) to ns since epoch. */
bool lq_scn_parse_time(const char *s, size_t len, int64_t *ns);
/* Parse a duration: 30s, 8h, 5m, 1d, 250ms, 10us, 100ns (integer count + unit). */
bool lq_scn_parse_duration(const char *s, size_t len, int64_t *ns);

#endif
