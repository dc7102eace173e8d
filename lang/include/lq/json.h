/* SPDX-License-Identifier: MIT */
#ifndef LQ_JSON_H
#define LQ_JSON_H

/*
 * Output events as JSON lines (DESIGN 2). Pure formatting into a streaming buffer that hands
 * full chunks to a writer callback: core/ does no I/O of its own.
 */
#include "lq/engine.h"

#include <stddef.h>
#include <string.h>

typedef void (*lq_out_write)(void *ctx, const char *data, size_t len);

struct lq_out {
	lq_out_write write;
	void *ctx;
	size_t len;
	char buf[8192];
};

void lq_out_init(struct lq_out *o, lq_out_write write, void *ctx);
void lq_out_flush(struct lq_out *o);
/* lq_out_bytes when the bytes do not fit the buffer's room: fill it, flush, go on. */
void lq_out_bytes_chunked(struct lq_out *o, const char *s, size_t n);

/* Append n bytes (the buffer is handed to the writer only when full, or on lq_out_flush). */
static inline __attribute__((always_inline)) void lq_out_bytes(struct lq_out *o, const char *s,
							       size_t n)
{
	if (n <= sizeof(o->buf) - o->len) {
		memcpy(o->buf + o->len, s, n);
		o->len += n;
		return;
	}
	lq_out_bytes_chunked(o, s, n);
}

static inline void lq_out_str(struct lq_out *o, const char *s)
{
	lq_out_bytes(o, s, strlen(s));
}
/* A JSON string with escaping. */
void lq_out_jstr(struct lq_out *o, const char *s);
void lq_out_u64(struct lq_out *o, uint64_t v);
/* A decimal as a JSON string: "123.4500". */
void lq_out_dec(struct lq_out *o, lq_i128 v, unsigned decimals);

void lq_json_account(struct lq_out *o, const struct lq_engine *e, uint32_t account);
void lq_json_fund(struct lq_out *o, const struct lq_engine *e, uint32_t fund);
/*
 * One asset's ledger (`show ledger`): the total of every ledger account, which sum to zero:
 * {"type":"ledger","asset":A,"accounts":..,"funds":{NAME:..},"fees":..,"venue":..,
 *  "funding":..,"external":..,"bad_debt":..,"sum":..}
 */
void lq_json_ledger(struct lq_out *o, const struct lq_engine *e, uint32_t asset);
void lq_json_rejected(struct lq_out *o, uint64_t line, const char *reason);
/*
 * One output event as a JSON line (DESIGN 2): {"type":NAME, then the fields of its
 * LQ_EVENT_JSON_<NAME> list in lq/event_schema.h, in order}.
 */
void lq_json_event(struct lq_out *o, const struct lq_engine *e, const struct lq_event *ev);

void lq_json_adl_rank(struct lq_out *o, const struct lq_engine *e, uint32_t instrument, int side,
		      const struct lq_adl_entry *ranked, uint32_t n);
/* The same from a ranking in nodes (lq_adl_rank_nodes), each entry made as it is written. */
void lq_json_adl_rank_nodes(struct lq_out *o, const struct lq_engine *e, uint32_t instrument,
			    int side, const struct lq_adl_node *nodes, uint32_t n);

#endif
