/* SPDX-License-Identifier: MIT */
#ifndef LQ_JSON_H
#define LQ_JSON_H

/*
 * Output events as JSON lines (DESIGN 2). Pure formatting into a streaming buffer that hands
 * full chunks to a writer callback: core/ does no I/O of its own.
 */
#include "lq/engine.h"

#include <stddef.h>

typedef void (*lq_out_write)(void *ctx, const char *data, size_t len);

struct lq_out {
	lq_out_write write;
	void *ctx;
	size_t len;
	char buf[8192];
};

void lq_out_init(struct lq_out *o, lq_out_write write, void *ctx);
void lq_out_flush(struct lq_out *o);
void lq_out_bytes(struct lq_out *o, const char *s, size_t n);
void lq_out_str(struct lq_out *o, const char *s);
/* A JSON string with escaping. */
void lq_out_jstr(struct lq_out *o, const char *s);
void lq_out_u64(struct lq_out *o, uint64_t v);
/* A decimal as a JSON string: "123.4500". */
void lq_out_dec(struct lq_out *o, lq_i128 v, unsigned decimals);

void lq_json_account(struct lq_out *o, const struct lq_engine *e, uint32_t account);
void lq_json_fund(struct lq_out *o, const struct lq_engine *e, uint32_t fund);
void lq_json_rejected(struct lq_out *o, uint64_t line, const char *reason);
void lq_json_event(struct lq_out *o, const struct lq_engine *e, const struct lq_event *ev);

/*
 * ADL ranking (DESIGN 1.7): score = PnL% x leverage for profit, PnL% / leverage for loss.
 * Effective leverage is capped at LQ_ADL_LEVERAGE_MAX (an account with no equity left ranks
 * at the cap) so that scores stay finite.
 */
#define LQ_ADL_LEVERAGE_MAX_E8 (1000LL * LQ_RATE_ONE)
struct lq_adl_entry {
	uint64_t account;
	uint32_t position;
	int64_t score_e8;
	int64_t qty_abs;
	bool profitable;
};

/*
 * Rank the positions of one side of an instrument (side > 0 longs, < 0 shorts), first in
 * line first, into scratch[0..cap). Returns the count (capped at cap).
 */
uint32_t lq_adl_rank(const struct lq_engine *e, uint32_t instrument, int side,
		     struct lq_adl_entry *scratch, uint32_t cap);
void lq_json_adl_rank(struct lq_out *o, const struct lq_engine *e, uint32_t instrument, int side,
		      const struct lq_adl_entry *ranked, uint32_t n);

#endif
