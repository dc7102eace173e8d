/* SPDX-License-Identifier: MIT */
#ifndef LQ_CONVERT_PRIVATE_H
#define LQ_CONVERT_PRIVATE_H

/* What the venue parsers (convert_binance.c, convert_bitmex.c) share with convert_common.c. */
#include "lq/convert.h"

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
/* A row of the Tardis input c->tardis_row (convert_tardis.c). */
enum lq_convert_status lq_convert_tardis_line(struct lq_convert *c, const char *line, size_t len);

#endif
