/* SPDX-License-Identifier: MIT */
#ifndef LQ_CONVERT_PRIVATE_H
#define LQ_CONVERT_PRIVATE_H

/*
 * What the venue parsers (convert_{binance,bitmex,bybit,okx,dydx}.c) share with
 * convert_common.c and convert_mvws.c.
 */
#include "lq/convert.h"

/* A failed gzip read's status: LQ_CONVERT_E_CORRUPT (truncated, damaged) or LQ_CONVERT_E_IO. */
enum lq_convert_status lq_convert_gz_status(int zerr);
/* Record why the line failed ("line N: ..." is prefixed) and return st. */
enum lq_convert_status lq_convert_fail(struct lq_convert *c, enum lq_convert_status st,
				       const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * The converter's index of a venue symbol, selecting it if the parameters allow (the only way
 * a converter meets an instrument). -1 when the symbol is not to be converted: *st is then
 * LQ_CONVERT_SKIPPED (not selected by --instrument; or in no spec, lenient, and
 * !unknown_is_error: the symbol is one row among others of the line) or LQ_CONVERT_E_UNKNOWN
 * (in no spec: strict, or lenient and unknown_is_error, the line being about that symbol
 * only; the message names the symbol and the configuration line to add). Skips are counted
 * by symbol in stats.unknown.
 */
int lq_convert_inst_get(struct lq_convert *c, const struct lq_jscan_val *symbol,
			bool unknown_is_error, enum lq_convert_status *st);

/* Append a message to the line's stage; NULL (and the error set) past stage_max. */
struct lq_feed_msg *lq_convert_stage(struct lq_convert *c, uint8_t type, uint32_t inst,
				     int64_t ts_ns, uint8_t flags);

/* Field conversions; each sets the error (naming `what`) and returns false when it fails. */
bool lq_convert_price(struct lq_convert *c, uint32_t inst, const struct lq_jscan_val *v,
		      const char *what, int64_t *out);
bool lq_convert_qty(struct lq_convert *c, uint32_t inst, const struct lq_jscan_val *v,
		    const char *what, bool zero_ok, int64_t *out);
/* A price off the grid (index, mark): exact, at max(its decimals, the instrument's). */
bool lq_convert_price_ext(struct lq_convert *c, uint32_t inst, const struct lq_jscan_val *v,
			  const char *what, struct lq_feed_price_ext *out);
bool lq_convert_rate_e8(struct lq_convert *c, const struct lq_jscan_val *v, const char *what,
			int64_t *out);
bool lq_convert_u64(struct lq_convert *c, const struct lq_jscan_val *v, const char *what,
		    uint64_t *out);
/* Milliseconds since the epoch to ns. */
bool lq_convert_ms(struct lq_convert *c, const struct lq_jscan_val *v, const char *what,
		   int64_t *out_ns);
/* "2021-07-22T22:35:59.790Z" to ns since the epoch. */
bool lq_convert_iso8601(struct lq_convert *c, const struct lq_jscan_val *v, const char *what,
			int64_t *out_ns);

/* Venue parsers: stage the line's messages and update venue state only once nothing can fail. */
enum lq_convert_status lq_convert_binance_line(struct lq_convert *c, const char *line, size_t len);
enum lq_convert_status lq_convert_bitmex_line(struct lq_convert *c, const char *line, size_t len);
enum lq_convert_status lq_convert_bybit_line(struct lq_convert *c, const char *line, size_t len);
enum lq_convert_status lq_convert_okx_line(struct lq_convert *c, const char *line, size_t len);
enum lq_convert_status lq_convert_dydx_line(struct lq_convert *c, const char *line, size_t len);

/* ---- the multi-venue-ws framing (convert_mvws.c) ---- */

/*
 * Read a multi-venue-ws line: "<url> <-> <ts>" (connect) and "<url> <- <ts>: <JSON>" (sent)
 * give LQ_CONVERT_SKIPPED; "<ts>: <JSON>" (received, ts in seconds with up to 9 decimals)
 * sets c->recv_ns, parses the JSON into *root and gives LQ_CONVERT_OK; anything else is a
 * syntax error naming the framing.
 */
enum lq_convert_status lq_convert_mvws(struct lq_convert *c, const char *line, size_t len,
				       struct lq_jscan_val *root);

/*
 * The instrument of a message whose market is a perpetual (perpetual true) or not (dated
 * future, spot: false), through lq_convert_inst_get: a perpetual no spec names is an error
 * naming it (counted and skipped with --lenient); a non-perpetual is converted if a spec
 * names it, else skipped and counted in stats.not_perpetual.
 */
int lq_convert_market(struct lq_convert *c, const struct lq_jscan_val *symbol, bool perpetual,
		      enum lq_convert_status *st);

/*
 * A venue's sequence number for an instrument's book (Bybit cross_seq) must
 * grow: false (and the error set) if it does not.
 */
bool lq_convert_seq_grows(struct lq_convert *c, uint32_t inst, uint64_t seq, const char *what);
/* A row of the Tardis input c->tardis_row (convert_tardis.c). */
enum lq_convert_status lq_convert_tardis_line(struct lq_convert *c, const char *line, size_t len);

#endif
