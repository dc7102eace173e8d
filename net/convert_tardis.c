/* SPDX-License-Identifier: MIT */
/*
 * Tardis.dev downloadable CSV files (docs/feed.md, "Tardis.dev CSV"): the header line tells
 * the data type, each row becomes the feed messages of its type, and several files are merged
 * by the venue's timestamp into one feed.
 *
 * Rows go through lq_convert_line like any venue's lines: converted whole or refused, decimals
 * exact, instruments from the converter's specifications, looked up under the venue the row's
 * `exchange` names. What a row cannot say alone comes from its file: its columns (the header)
 * and whether the next row continues the same venue update (lq_convert.hold_last), which the
 * merge knows because it reads each file one row ahead.
 */
#include "convert_private.h"

#include "lq/assert.h"
#include "lq/num.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define NS_PER_US 1000LL
#define NUM_MAX	  96 /* a decimal written out from exponent notation */

/* The columns a row is read by; the level columns of book_snapshot_N apart. */
enum tardis_col {
	C_EXCHANGE,
	C_SYMBOL,
	C_TS,
	C_LOCAL_TS,
	C_ID,
	C_SIDE,
	C_PRICE,
	C_AMOUNT,
	C_IS_SNAPSHOT,
	C_ASK_AMOUNT,
	C_ASK_PRICE,
	C_BID_PRICE,
	C_BID_AMOUNT,
	C_FUNDING_TS,
	C_FUNDING_RATE,
	C_PREDICTED_RATE,
	C_OPEN_INTEREST,
	C_LAST_PRICE,
	C_INDEX_PRICE,
	C_MARK_PRICE,
	C_NAMED,
};

static const char *const col_names[C_NAMED] = {
    "exchange",
    "symbol",
    "timestamp",
    "local_timestamp",
    "id",
    "side",
    "price",
    "amount",
    "is_snapshot",
    "ask_amount",
    "ask_price",
    "bid_price",
    "bid_amount",
    "funding_timestamp",
    "funding_rate",
    "predicted_funding_rate",
    "open_interest",
    "last_price",
    "index_price",
    "mark_price",
};

#define BIT(c)	    (1u << (c))
#define COMMON_COLS (BIT(C_EXCHANGE) | BIT(C_SYMBOL) | BIT(C_TS) | BIT(C_LOCAL_TS))
#define TRADE_COLS  (COMMON_COLS | BIT(C_ID) | BIT(C_SIDE) | BIT(C_PRICE) | BIT(C_AMOUNT))
#define L2_COLS	    (COMMON_COLS | BIT(C_IS_SNAPSHOT) | BIT(C_SIDE) | BIT(C_PRICE) | BIT(C_AMOUNT))
#define QUOTE_COLS                                                                                 \
	(COMMON_COLS | BIT(C_ASK_AMOUNT) | BIT(C_ASK_PRICE) | BIT(C_BID_PRICE) | BIT(C_BID_AMOUNT))
#define DERIV_COLS                                                                                 \
	(COMMON_COLS | BIT(C_FUNDING_TS) | BIT(C_FUNDING_RATE) | BIT(C_PREDICTED_RATE) |           \
	 BIT(C_OPEN_INTEREST) | BIT(C_LAST_PRICE) | BIT(C_INDEX_PRICE) | BIT(C_MARK_PRICE))
_Static_assert(C_NAMED <= 32, "a bit per named column");

/* Where each column is: -1 absent. lv[side][0 price, 1 amount][k] for asks (0) and bids (1). */
struct tardis_cols {
	uint32_t ncol;
	int16_t named[C_NAMED];
	int16_t lv[2][2][LQ_TARDIS_LEVELS_MAX];
};

/* A row split at its commas: field k is text[off[k] .. off[k + 1] - 1). */
struct tardis_split {
	uint32_t n;
	uint32_t off[LQ_TARDIS_COLUMNS_MAX + 1];
};

struct tardis_row {
	char *text;
	size_t len;
	uint64_t line;
	int64_t key_us; /* the merge's order */
	bool valid;
	struct tardis_split sp;
};

struct lq_tardis_file {
	struct lq_tardis_input *in;
	uint32_t index; /* its position among the inputs */
	gzFile gz;
	uint64_t line;
	int64_t max_us; /* the largest timestamp of its rows so far */
	struct tardis_cols cols;
	struct tardis_row row[2]; /* the head row (next to go out) and the one after it */
	uint8_t head;
};

const char *lq_tardis_type_str(enum lq_tardis_type t)
{
	switch (t) {
	case LQ_TARDIS_TRADES:
		return "trades";
	case LQ_TARDIS_BOOK_L2:
		return "incremental_book_L2";
	case LQ_TARDIS_SNAPSHOT:
		return "book_snapshot";
	case LQ_TARDIS_QUOTES:
		return "quotes";
	case LQ_TARDIS_DERIVATIVE:
		return "derivative_ticker";
	case LQ_TARDIS_LIQUIDATIONS:
		return "liquidations";
	}
	return "?";
}

/* ---- the header ---- */

static void split(const char *s, size_t len, struct tardis_split *sp)
{
	sp->n = 0;
	sp->off[0] = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != ',')
			continue;
		if (sp->n == LQ_TARDIS_COLUMNS_MAX) { /* one more than any header: refused */
			sp->n = LQ_TARDIS_COLUMNS_MAX + 1;
			return;
		}
		sp->off[++sp->n] = (uint32_t)i + 1;
	}
}

static size_t field_len(const struct tardis_split *sp, uint32_t k)
{
	return sp->off[k + 1] - 1 - sp->off[k];
}

/* "asks[12].price" -> side 0, 12, what 0. */
static bool level_col(const char *s, size_t n, unsigned *side, unsigned *k, unsigned *what)
{
	size_t i;
	if (n > 5 && !memcmp(s, "asks[", 5))
		*side = 0;
	else if (n > 5 && !memcmp(s, "bids[", 5))
		*side = 1;
	else
		return false;
	*k = 0;
	for (i = 5; i < n && s[i] >= '0' && s[i] <= '9' && i < 8; i++)
		*k = *k * 10 + (unsigned)(s[i] - '0');
	if (i == 5 || i >= n || s[i] != ']' || *k >= LQ_TARDIS_LEVELS_MAX)
		return false;
	if (n - i == 7 && !memcmp(s + i, "].price", 7))
		*what = 0;
	else if (n - i == 8 && !memcmp(s + i, "].amount", 8))
		*what = 1;
	else
		return false;
	return true;
}

static bool name_has(const char *path, const char *word)
{
	const char *base = strrchr(path, '/');
	return strstr(base ? base + 1 : path, word) != NULL;
}

/* The header's columns; the type they make. 0, or -EINVAL with *why. */
static int header_parse(const char *s, size_t len, const char *path, struct tardis_cols *cols,
			enum lq_tardis_type *t, unsigned *levels, const char **why)
{
	struct tardis_split sp;
	uint32_t mask = 0;
	unsigned nlv = 0, lv_cols = 0;

	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r'))
		len--;
	memset(cols->named, 0xff, sizeof(cols->named));
	memset(cols->lv, 0xff, sizeof(cols->lv));
	split(s, len, &sp);
	*why = "not a Tardis CSV header (exchange,symbol,timestamp,local_timestamp,...)";
	if (sp.n > LQ_TARDIS_COLUMNS_MAX)
		return -EINVAL;
	cols->ncol = sp.n;
	for (uint32_t i = 0; i < sp.n; i++) {
		const char *f = s + sp.off[i];
		size_t n = field_len(&sp, i);
		unsigned side, k, what, c;
		for (c = 0; c < C_NAMED; c++)
			if (strlen(col_names[c]) == n && !memcmp(col_names[c], f, n))
				break;
		if (c < C_NAMED) {
			if (mask & BIT(c))
				return -EINVAL;
			mask |= BIT(c);
			cols->named[c] = (int16_t)i;
		} else if (level_col(f, n, &side, &k, &what)) {
			if (cols->lv[side][what][k] >= 0)
				return -EINVAL;
			cols->lv[side][what][k] = (int16_t)i;
			lv_cols++;
			nlv = k + 1 > nlv ? k + 1 : nlv;
		} else {
			*why = "a column of a data type liqd does not convert (trades, "
			       "incremental_book_L2, book_snapshot_N, quotes, book_ticker, "
			       "derivative_ticker, liquidations)";
			return -EINVAL;
		}
	}
	if ((mask & COMMON_COLS) != COMMON_COLS || cols->named[C_EXCHANGE] != 0 ||
	    cols->named[C_SYMBOL] != 1 || cols->named[C_TS] != 2 || cols->named[C_LOCAL_TS] != 3)
		return -EINVAL;
	*why = "the columns of no data type liqd converts (trades, incremental_book_L2, "
	       "book_snapshot_N, quotes, book_ticker, derivative_ticker, liquidations)";
	*levels = 0;
	if (lv_cols > 0) {
		if (mask != COMMON_COLS || lv_cols != 4 * nlv)
			return -EINVAL;
		*t = LQ_TARDIS_SNAPSHOT;
		*levels = nlv;
	} else if (mask == TRADE_COLS) {
		*t = name_has(path, "liquidations") ? LQ_TARDIS_LIQUIDATIONS : LQ_TARDIS_TRADES;
	} else if (mask == L2_COLS) {
		*t = LQ_TARDIS_BOOK_L2;
	} else if (mask == QUOTE_COLS) {
		*t = LQ_TARDIS_QUOTES;
	} else if (mask == DERIV_COLS) {
		*t = LQ_TARDIS_DERIVATIVE;
	} else {
		return -EINVAL;
	}
	*why = "";
	return 0;
}

int lq_tardis_detect(const char *header, size_t len, const char *path, enum lq_tardis_type *t,
		     unsigned *levels, const char **why)
{
	static struct tardis_cols cols; /* only the type is wanted */
	const char *w;
	int rc = header_parse(header, len, path ? path : "", &cols, t, levels, &w);
	if (why)
		*why = w;
	return rc;
}

/* ---- fields ---- */

static struct lq_jscan_val field(const struct tardis_split *sp, const char *line, int col)
{
	struct lq_jscan_val v = {0};
	if (col < 0)
		return v;
	v.p = line + sp->off[col];
	v.len = field_len(sp, (uint32_t)col);
	v.type = LQ_JSCAN_STRING;
	return v;
}

static bool is(const struct lq_jscan_val *v, const char *s)
{
	return v->len == strlen(s) && !memcmp(v->p, s, v->len);
}

/*
 * A decimal in exponent notation ("1e-7", "2.5E-05": how a JavaScript number prints when it
 * is very small) written out ("0.0000001", "0.000025") into buf, exactly; other text as it is.
 */
static struct lq_jscan_val plain(const struct lq_jscan_val *v, char *buf)
{
	const char *e = v->len ? memchr(v->p, 'e', v->len) : NULL;
	if (!e && v->len)
		e = memchr(v->p, 'E', v->len);
	if (!e)
		return *v;
	const char *s = v->p, *end = v->p + v->len;
	char digits[48];
	size_t nd = 0, int_digits = 0;
	bool neg = *s == '-', point = false;
	s += neg || *s == '+';
	for (; s < e; s++) {
		if (*s == '.' && !point) {
			point = true;
		} else if (*s >= '0' && *s <= '9' && nd < sizeof(digits)) {
			digits[nd++] = *s;
			int_digits += !point;
		} else {
			return *v; /* not a number: the parser says so */
		}
	}
	int exp = 0;
	bool eneg = false;
	s = e + 1;
	if (s < end && (*s == '-' || *s == '+'))
		eneg = *s++ == '-';
	if (s == end || end - s > 2 || nd == 0)
		return *v;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9')
			return *v;
		exp = exp * 10 + (*s - '0');
	}
	long pos = (long)int_digits + (eneg ? -exp : exp); /* the point's place among the digits */
	size_t n = 0;
	if (neg)
		buf[n++] = '-';
	if (pos <= 0) {
		buf[n++] = '0';
		buf[n++] = '.';
		for (long i = pos; i < 0; i++)
			buf[n++] = '0';
		memcpy(buf + n, digits, nd);
		n += nd;
	} else if ((size_t)pos >= nd) {
		memcpy(buf + n, digits, nd);
		n += nd;
		for (size_t i = nd; i < (size_t)pos; i++)
			buf[n++] = '0';
	} else {
		memcpy(buf + n, digits, (size_t)pos);
		n += (size_t)pos;
		buf[n++] = '.';
		memcpy(buf + n, digits + pos, nd - (size_t)pos);
		n += nd - (size_t)pos;
	}
	LQ_ASSERT(n < NUM_MAX); /* 1 + 2 + 99 zeros could not: the exponent has 2 digits */
	struct lq_jscan_val out = {.p = buf, .len = n, .type = LQ_JSCAN_STRING};
	return out;
}

static bool digits_only(const struct lq_jscan_val *v)
{
	for (size_t i = 0; i < v->len; i++)
		if (v->p[i] < '0' || v->p[i] > '9')
			return false;
	return v->len > 0;
}

static bool empty(const struct lq_jscan_val *v)
{
	return v->len == 0;
}

static bool present(struct lq_convert *c, const struct lq_jscan_val *v, const char *what)
{
	if (!empty(v))
		return true;
	lq_convert_fail(c, LQ_CONVERT_E_VALUE, "%s is empty", what);
	return false;
}

static bool price(struct lq_convert *c, uint32_t inst, const struct lq_jscan_val *v,
		  const char *what, int64_t *out)
{
	char buf[NUM_MAX];
	struct lq_jscan_val p = plain(v, buf);
	return present(c, v, what) && lq_convert_price(c, inst, &p, what, out);
}

static bool qty(struct lq_convert *c, uint32_t inst, const struct lq_jscan_val *v, const char *what,
		bool zero_ok, int64_t *out)
{
	char buf[NUM_MAX];
	struct lq_jscan_val p = plain(v, buf);
	return present(c, v, what) && lq_convert_qty(c, inst, &p, what, zero_ok, out);
}

static bool price_ext(struct lq_convert *c, uint32_t inst, const struct lq_jscan_val *v,
		      const char *what, struct lq_feed_price_ext *out)
{
	char buf[NUM_MAX];
	struct lq_jscan_val p = plain(v, buf);
	return lq_convert_price_ext(c, inst, &p, what, out);
}

static bool rate(struct lq_convert *c, const struct lq_jscan_val *v, const char *what, int64_t *out)
{
	char buf[NUM_MAX];
	struct lq_jscan_val p = plain(v, buf);
	return lq_convert_rate_e8(c, &p, what, out);
}

/* A decimal the feed does not carry (open interest, last price): checked all the same. */
static bool decimal(struct lq_convert *c, const struct lq_jscan_val *v, const char *what)
{
	char buf[NUM_MAX];
	struct lq_jscan_val p = plain(v, buf);
	int64_t m;
	unsigned d;
	enum lq_dec_status st = lq_dec_parse_natural(p.p, p.len, &m, &d);
	if (st == LQ_DEC_OK && m < 0)
		st = LQ_DEC_NEGATIVE;
	if (st == LQ_DEC_OK)
		return true;
	lq_convert_fail(c, LQ_CONVERT_E_VALUE, "%s: \"%.*s\": %s", what,
			(int)(v->len > 40 ? 40 : v->len), v->p, lq_dec_status_str(st));
	return false;
}

/* Microseconds since the epoch to ns. */
static bool micros(struct lq_convert *c, const struct lq_jscan_val *v, const char *what,
		   int64_t *out_ns)
{
	uint64_t us;
	if (!lq_convert_u64(c, v, what, &us))
		return false;
	if (us > (uint64_t)(INT64_MAX / NS_PER_US)) {
		lq_convert_fail(c, LQ_CONVERT_E_VALUE, "%s: %.*s us is beyond 2262", what,
				(int)v->len, v->p);
		return false;
	}
	*out_ns = (int64_t)us * NS_PER_US;
	return true;
}

/* The venue's time, or the arrival time (flagged) where Tardis has none. */
static bool row_time(struct lq_convert *c, const struct lq_jscan_val *ts,
		     const struct lq_jscan_val *local, int64_t *ns, uint8_t *flags)
{
	int64_t local_ns = 0;
	*flags = 0;
	if (!empty(local) && !micros(c, local, "local_timestamp", &local_ns))
		return false;
	if (!empty(ts))
		return micros(c, ts, "timestamp", ns);
	if (empty(local)) {
		lq_convert_fail(c, LQ_CONVERT_E_VALUE, "timestamp and local_timestamp are empty");
		return false;
	}
	*ns = local_ns;
	*flags = LQ_FEED_F_TS_LOCAL;
	return true;
}

/* Tardis exchange ids and the venue whose specifications name their instruments. */
static const struct {
	const char *exchange;
	enum lq_convert_venue venue;
} exchanges[] = {
    {"binance-futures", LQ_CONVERT_BINANCE},  /* USD-M */
    {"binance-delivery", LQ_CONVERT_BINANCE}, /* COIN-M */
    {"bitmex", LQ_CONVERT_BITMEX},
    {"bybit", LQ_CONVERT_BYBIT}, /* derivatives; linear sizes in the base coin */
};

int lq_tardis_exchange_venue(const char *exchange, size_t len, enum lq_convert_venue *v)
{
	for (size_t i = 0; i < LQ_ARRAY_SIZE(exchanges); i++)
		if (strlen(exchanges[i].exchange) == len &&
		    !memcmp(exchanges[i].exchange, exchange, len)) {
			*v = exchanges[i].venue;
			return 0;
		}
	return -EINVAL;
}

/*
 * The row's exchange must be of the first row's venue (the instruments were chosen for it: a
 * symbol of another venue can name another contract). An exchange with no presets is taken as
 * its own venue (its instruments come from a --config).
 */
static bool exchange_venue(struct lq_convert *c, const struct lq_jscan_val *v,
			   enum lq_convert_venue *venue)
{
	if (lq_tardis_exchange_venue(v->p, v->len, venue) != 0)
		*venue = LQ_CONVERT_TARDIS;
	bool first = c->tardis_exchange[0] == '\0';
	bool same = *venue != LQ_CONVERT_TARDIS ? c->spec_venue == *venue
						: strlen(c->tardis_exchange) == v->len &&
						      !memcmp(c->tardis_exchange, v->p, v->len);
	if (first || same)
		return true;
	lq_convert_fail(c, LQ_CONVERT_E_VALUE,
			"exchange \"%.*s\" is not of the venue of the first rows (%s): convert "
			"each venue's files apart",
			(int)(v->len > 32 ? 32 : v->len), v->p, c->tardis_exchange);
	return false;
}

/* ---- rows ---- */

struct row_ctx {
	const struct lq_tardis_file *f;
	const struct tardis_split *sp;
	const char *line;
	uint32_t inst;
	int64_t ts;
	uint8_t flags;
};

static struct lq_jscan_val col(const struct row_ctx *r, enum tardis_col k)
{
	return field(r->sp, r->line, r->f->cols.named[k]);
}

static bool stage(struct lq_convert *c, const struct row_ctx *r, uint8_t type, uint8_t flags,
		  struct lq_feed_msg **m)
{
	*m = lq_convert_stage(c, type, r->inst, r->ts, r->flags | flags);
	return *m != NULL;
}

static enum lq_convert_status trade_row(struct lq_convert *c, const struct row_ctx *r)
{
	struct lq_feed_trade t = {0};
	struct lq_jscan_val id = col(r, C_ID), side = col(r, C_SIDE), p = col(r, C_PRICE),
			    a = col(r, C_AMOUNT);
	/* ids that are not numbers (BitMEX's UUIDs) are not carried */
	uint64_t n;
	bool numeric = id.len <= 19 && digits_only(&id);
	if (numeric && lq_convert_u64(c, &id, "id", &n))
		t.trade_id = n;
	if (is(&side, "buy"))
		t.aggressor = LQ_FEED_BID;
	else if (is(&side, "sell"))
		t.aggressor = LQ_FEED_ASK;
	else if (is(&side, "unknown") || empty(&side))
		t.aggressor = LQ_FEED_SIDE_UNKNOWN;
	else
		return lq_convert_fail(c, LQ_CONVERT_E_VALUE, "side \"%.*s\" is not buy or sell",
				       (int)(side.len > 16 ? 16 : side.len), side.p);
	if (!price(c, r->inst, &p, "price", &t.price) ||
	    !qty(c, r->inst, &a, "amount", false, &t.qty))
		return LQ_CONVERT_E_VALUE;
	/* the venue's liquidation prints: kept apart from the trades (feedin keeps them out
	 * of the last trade price: their fills are already in the venue's trades) */
	t.kind = r->f->in->type == LQ_TARDIS_LIQUIDATIONS ? LQ_FEED_TRADE_LIQUIDATION
							  : LQ_FEED_TRADE_REGULAR;
	struct lq_feed_msg *m;
	if (!stage(c, r, LQ_FEED_TRADE, 0, &m))
		return LQ_CONVERT_E_LIMIT;
	m->u.trade = t;
	return LQ_CONVERT_OK;
}

/* One input gives an instrument's depth: two would write over each other's book. */
static bool depth_source(struct lq_convert *c, const struct row_ctx *r)
{
	const struct lq_convert_inst *in = &c->inst[r->inst];
	if (in->depth_src == 0 || in->depth_src == r->f->index + 1)
		return true;
	lq_convert_fail(c, LQ_CONVERT_E_VALUE,
			"%s: depth rows from a second input (the first is input %u): give one "
			"incremental_book_L2 or book_snapshot file per instrument",
			in->def.name, in->depth_src);
	return false;
}

static enum lq_convert_status l2_row(struct lq_convert *c, const struct row_ctx *r)
{
	struct lq_convert_inst *in = &c->inst[r->inst];
	struct lq_jscan_val snap = col(r, C_IS_SNAPSHOT), side = col(r, C_SIDE),
			    p = col(r, C_PRICE), a = col(r, C_AMOUNT);
	struct lq_feed_level lv = {0};
	bool snapshot;
	if (is(&snap, "true"))
		snapshot = true;
	else if (is(&snap, "false"))
		snapshot = false;
	else
		return lq_convert_fail(c, LQ_CONVERT_E_VALUE, "is_snapshot is not true or false");
	if (is(&side, "bid"))
		lv.side = LQ_FEED_BID;
	else if (is(&side, "ask"))
		lv.side = LQ_FEED_ASK;
	else
		return lq_convert_fail(c, LQ_CONVERT_E_VALUE, "side is not bid or ask");
	/* amount 0 removes the level */
	if (!price(c, r->inst, &p, "price", &lv.price) ||
	    !qty(c, r->inst, &a, "amount", true, &lv.qty) || !depth_source(c, r))
		return LQ_CONVERT_E_VALUE;
	if (!snapshot && !in->book_synced) {
		/* updates buffered before the first snapshot: the book they change is unknown */
		in->stats.rows_before_snapshot++;
		r->f->in->before_snapshot++;
		return LQ_CONVERT_SKIPPED;
	}
	struct lq_feed_msg *m;
	/* a snapshot after updates replaces the book */
	bool clear = snapshot && !in->in_snapshot;
	uint8_t fl = snapshot ? LQ_FEED_F_SNAPSHOT : 0;
	if (clear && !stage(c, r, LQ_FEED_BOOK_CLEAR, fl, &m))
		return LQ_CONVERT_E_LIMIT;
	if (!stage(c, r, LQ_FEED_BOOK_LEVEL, fl, &m))
		return LQ_CONVERT_E_LIMIT;
	m->u.level = lv;
	in->in_snapshot = snapshot;
	in->book_synced = true;
	in->depth_src = (uint8_t)(r->f->index + 1);
	in->stats.snapshots += clear;
	return LQ_CONVERT_OK;
}

/* A level of a snapshot or quote row: both columns or neither. 1 a level, 0 none, -1 refused. */
static int level_pair(struct lq_convert *c, const struct row_ctx *r, const struct lq_jscan_val *p,
		      const struct lq_jscan_val *a, const char *pname, const char *aname,
		      struct lq_feed_level *lv)
{
	if (empty(p) && empty(a))
		return 0;
	if (empty(p) != empty(a)) {
		lq_convert_fail(c, LQ_CONVERT_E_VALUE, "%s without %s", empty(p) ? aname : pname,
				empty(p) ? pname : aname);
		return -1;
	}
	if (!price(c, r->inst, p, pname, &lv->price) || !qty(c, r->inst, a, aname, false, &lv->qty))
		return -1;
	return 1;
}

/* Book levels after a clear: the whole book of a snapshot or a quotes row. */
static enum lq_convert_status book_stage(struct lq_convert *c, const struct row_ctx *r,
					 const struct lq_feed_level *lv, uint32_t n)
{
	struct lq_feed_msg *m;
	if (!stage(c, r, LQ_FEED_BOOK_CLEAR, LQ_FEED_F_SNAPSHOT, &m))
		return LQ_CONVERT_E_LIMIT;
	for (uint32_t i = 0; i < n; i++) {
		if (!stage(c, r, LQ_FEED_BOOK_LEVEL, LQ_FEED_F_SNAPSHOT, &m))
			return LQ_CONVERT_E_LIMIT;
		m->u.level = lv[i];
	}
	return LQ_CONVERT_OK;
}

static enum lq_convert_status snapshot_row(struct lq_convert *c, const struct row_ctx *r)
{
	static const char *const sides[2] = {"asks", "bids"};
	struct lq_feed_level lv[2 * LQ_TARDIS_LEVELS_MAX];
	uint32_t n = 0;
	for (unsigned k = 0; k < r->f->in->levels; k++)
		for (unsigned s = 0; s < 2; s++) {
			char pn[24], an[24];
			snprintf(pn, sizeof(pn), "%s[%u].price", sides[s], k);
			snprintf(an, sizeof(an), "%s[%u].amount", sides[s], k);
			struct lq_jscan_val p = field(r->sp, r->line, r->f->cols.lv[s][0][k]);
			struct lq_jscan_val a = field(r->sp, r->line, r->f->cols.lv[s][1][k]);
			lv[n].side = s == 0 ? LQ_FEED_ASK : LQ_FEED_BID;
			int got = level_pair(c, r, &p, &a, pn, an, &lv[n]);
			if (got < 0)
				return LQ_CONVERT_E_VALUE;
			n += (uint32_t)got;
		}
	if (!depth_source(c, r))
		return LQ_CONVERT_E_VALUE;
	enum lq_convert_status st = book_stage(c, r, lv, n);
	if (st != LQ_CONVERT_OK)
		return st;
	c->inst[r->inst].depth_src = (uint8_t)(r->f->index + 1);
	c->inst[r->inst].stats.snapshots++;
	return LQ_CONVERT_OK;
}

/*
 * quotes (and book_ticker): the best bid and ask. The feed adapter builds its book from
 * levels, not from book_top: an instrument with no depth input gets its book from the quotes
 * (a clear and the two levels); once depth rows arrive the quotes are book_top only.
 */
static enum lq_convert_status quote_row(struct lq_convert *c, const struct row_ctx *r)
{
	struct lq_jscan_val ap = col(r, C_ASK_PRICE), aa = col(r, C_ASK_AMOUNT),
			    bp = col(r, C_BID_PRICE), ba = col(r, C_BID_AMOUNT);
	struct lq_feed_level lv[2] = {{.side = LQ_FEED_BID}, {.side = LQ_FEED_ASK}};
	int bid = level_pair(c, r, &bp, &ba, "bid_price", "bid_amount", &lv[0]);
	if (bid < 0)
		return LQ_CONVERT_E_VALUE;
	int ask = level_pair(c, r, &ap, &aa, "ask_price", "ask_amount", &lv[bid]);
	if (ask < 0)
		return LQ_CONVERT_E_VALUE;
	lv[bid].side = LQ_FEED_ASK;
	struct lq_feed_msg *m;
	if (!stage(c, r, LQ_FEED_BOOK_TOP, 0, &m))
		return LQ_CONVERT_E_LIMIT;
	if (bid) {
		m->u.top.bid_price = lv[0].price;
		m->u.top.bid_qty = lv[0].qty;
	}
	if (ask) {
		m->u.top.ask_price = lv[bid].price;
		m->u.top.ask_qty = lv[bid].qty;
	}
	if (c->inst[r->inst].depth_src != 0)
		return LQ_CONVERT_OK;
	return book_stage(c, r, lv, (uint32_t)(bid + ask));
}

static enum lq_convert_status derivative_row(struct lq_convert *c, const struct row_ctx *r)
{
	struct lq_jscan_val fts = col(r, C_FUNDING_TS), fr = col(r, C_FUNDING_RATE),
			    pr = col(r, C_PREDICTED_RATE), oi = col(r, C_OPEN_INTEREST),
			    last = col(r, C_LAST_PRICE), ix = col(r, C_INDEX_PRICE),
			    mk = col(r, C_MARK_PRICE);
	struct lq_feed_price_ext index = {0}, mark = {0};
	int64_t rate_e8 = 0, next_ns = 0, predicted;
	/* empty fields are unknown: nothing is made of them */
	if ((!empty(&fts) && !micros(c, &fts, "funding_timestamp", &next_ns)) ||
	    (!empty(&fr) && !rate(c, &fr, "funding_rate", &rate_e8)) ||
	    (!empty(&pr) && !rate(c, &pr, "predicted_funding_rate", &predicted)) ||
	    (!empty(&oi) && !decimal(c, &oi, "open_interest")) ||
	    (!empty(&last) && !decimal(c, &last, "last_price")) ||
	    (!empty(&ix) && !price_ext(c, r->inst, &ix, "index_price", &index)) ||
	    (!empty(&mk) && !price_ext(c, r->inst, &mk, "mark_price", &mark)))
		return LQ_CONVERT_E_VALUE;
	struct lq_feed_msg *m;
	if (!empty(&ix)) {
		if (!stage(c, r, LQ_FEED_INDEX, 0, &m))
			return LQ_CONVERT_E_LIMIT;
		m->u.px = index;
	}
	if (!empty(&mk)) {
		if (!stage(c, r, LQ_FEED_MARK, 0, &m))
			return LQ_CONVERT_E_LIMIT;
		m->u.px = mark;
	}
	if (!empty(&fr)) {
		/* the rate that applies at funding_timestamp (0: not given) */
		if (!stage(c, r, LQ_FEED_FUNDING, 0, &m))
			return LQ_CONVERT_E_LIMIT;
		m->u.funding.rate_e8 = rate_e8;
		m->u.funding.next_funding_ns = next_ns;
		m->u.funding.kind = LQ_FEED_FUNDING_PREDICTED;
	}
	return LQ_CONVERT_OK; /* nothing staged: skipped */
}

enum lq_convert_status lq_convert_tardis_line(struct lq_convert *c, const char *line, size_t len)
{
	const struct lq_tardis_file *f = c->tardis_row;
	struct tardis_split sp;
	enum lq_convert_status st = LQ_CONVERT_OK;

	if (!f)
		return lq_convert_fail(c, LQ_CONVERT_E_SYNTAX,
				       "a Tardis row without its file's header (lq_convert_tardis "
				       "reads the files)");
	split(line, len, &sp);
	if (sp.n != f->cols.ncol)
		return lq_convert_fail(
		    c, LQ_CONVERT_E_SYNTAX, "%u columns, the header has %u",
		    sp.n > LQ_TARDIS_COLUMNS_MAX ? LQ_TARDIS_COLUMNS_MAX + 1 : sp.n, f->cols.ncol);
	struct row_ctx r = {.f = f, .sp = &sp, .line = line};
	struct lq_jscan_val ex = col(&r, C_EXCHANGE), sym = col(&r, C_SYMBOL), ts = col(&r, C_TS),
			    local = col(&r, C_LOCAL_TS);
	enum lq_convert_venue venue;
	if (empty(&ex) || ex.len >= sizeof(c->tardis_exchange))
		return lq_convert_fail(c, LQ_CONVERT_E_VALUE, "exchange is empty or too long");
	if (!exchange_venue(c, &ex, &venue))
		return LQ_CONVERT_E_VALUE;
	if (!row_time(c, &ts, &local, &r.ts, &r.flags))
		return LQ_CONVERT_E_VALUE;
	if (empty(&sym))
		return lq_convert_fail(c, LQ_CONVERT_E_VALUE, "symbol is empty");
	int inst = lq_convert_inst_get(c, &sym, true, &st);
	if (inst < 0)
		return st;
	r.inst = (uint32_t)inst;
	switch (f->in->type) {
	case LQ_TARDIS_TRADES:
	case LQ_TARDIS_LIQUIDATIONS:
		st = trade_row(c, &r);
		break;
	case LQ_TARDIS_BOOK_L2:
		st = l2_row(c, &r);
		break;
	case LQ_TARDIS_SNAPSHOT:
		st = snapshot_row(c, &r);
		break;
	case LQ_TARDIS_QUOTES:
		st = quote_row(c, &r);
		break;
	case LQ_TARDIS_DERIVATIVE:
		st = derivative_row(c, &r);
		break;
	default:
		LQ_ASSERT(0);
	}
	if ((st == LQ_CONVERT_OK || st == LQ_CONVERT_SKIPPED) && c->tardis_exchange[0] == '\0') {
		c->spec_venue = venue; /* the first row's venue: every row's */
		memcpy(c->tardis_exchange, ex.p, ex.len);
		c->tardis_exchange[ex.len] = '\0';
	}
	return st;
}

/* ---- the files and their merge ---- */

/* The merge's key of a row: its timestamp (local where it has none), never before its file's
 * earlier rows; a row that cannot say is merged where it stands (its conversion refuses it). */
static void row_key(struct lq_tardis_file *f, struct tardis_row *r)
{
	struct lq_jscan_val ts = {0};
	uint64_t us = 0;
	bool ok = r->sp.n == f->cols.ncol;
	if (ok) {
		ts = field(&r->sp, r->text, f->cols.named[C_TS]);
		if (empty(&ts))
			ts = field(&r->sp, r->text, f->cols.named[C_LOCAL_TS]);
		ok = ts.len <= 16 && digits_only(&ts); /* 16 digits: 10^16 us still fit ns */
	}
	for (size_t i = 0; ok && i < ts.len; i++)
		us = us * 10 + (uint64_t)(ts.p[i] - '0');
	ok = ok && us <= (uint64_t)(INT64_MAX / NS_PER_US);
	if (ok && (int64_t)us < f->max_us)
		f->in->ts_backwards++;
	if (ok && (int64_t)us > f->max_us)
		f->max_us = (int64_t)us;
	r->key_us = f->max_us;
}

/* The file's next row into r: 1, 0 at its end, or -1 (the error set). */
static int read_row(struct lq_convert *c, struct lq_tardis_file *f, struct tardis_row *r)
{
	r->valid = false;
	if (!gzgets(f->gz, r->text, LQ_TARDIS_LINE_MAX)) {
		int zerr = Z_OK;
		const char *msg = gzerror(f->gz, &zerr);
		if (zerr != Z_OK && zerr != Z_STREAM_END) {
			c->line_no = f->line + 1;
			enum lq_convert_status st = lq_convert_gz_status(zerr);
			lq_convert_fail(c, st, "reading: %s%s", msg,
					zerr == Z_BUF_ERROR ? " (the file is truncated)" : "");
			return -(int)st;
		}
		return 0;
	}
	size_t len = strlen(r->text);
	f->line++;
	if (len == LQ_TARDIS_LINE_MAX - 1 && r->text[len - 1] != '\n' && !gzeof(f->gz)) {
		c->line_no = f->line;
		lq_convert_fail(c, LQ_CONVERT_E_IO, "a line longer than %u bytes",
				LQ_TARDIS_LINE_MAX - 2);
		return -(int)LQ_CONVERT_E_IO;
	}
	while (len > 0 && (r->text[len - 1] == '\n' || r->text[len - 1] == '\r'))
		len--;
	r->text[len] = '\0';
	r->len = len;
	r->line = f->line;
	split(r->text, len, &r->sp);
	row_key(f, r);
	f->in->rows++;
	r->valid = true;
	return 1;
}

static bool same_field(const struct lq_tardis_file *f, const struct tardis_row *a,
		       const struct tardis_row *b, enum tardis_col k)
{
	struct lq_jscan_val x = field(&a->sp, a->text, f->cols.named[k]);
	struct lq_jscan_val y = field(&b->sp, b->text, f->cols.named[k]);
	return x.len == y.len && !memcmp(x.p, y.p, x.len);
}

/*
 * Does row b continue a's venue update? incremental_book_L2 rows of one symbol and one
 * message (the same timestamp and local_timestamp), or of one snapshot (a run of
 * is_snapshot=true rows), are one update: the book is consistent after the last of them.
 */
static bool continues(const struct lq_tardis_file *f, const struct tardis_row *a,
		      const struct tardis_row *b)
{
	if (f->in->type != LQ_TARDIS_BOOK_L2 || !b->valid || a->sp.n != f->cols.ncol ||
	    b->sp.n != f->cols.ncol || !same_field(f, a, b, C_SYMBOL) ||
	    !same_field(f, a, b, C_IS_SNAPSHOT))
		return false;
	struct lq_jscan_val s = field(&a->sp, a->text, f->cols.named[C_IS_SNAPSHOT]);
	return is(&s, "true") || (same_field(f, a, b, C_TS) && same_field(f, a, b, C_LOCAL_TS));
}

static enum lq_convert_status open_file(struct lq_convert *c, struct lq_tardis_file *f)
{
	const char *why;
	char *hdr = f->row[0].text;
	c->file = f->in->path;
	c->line_no = 0;
	f->gz = gzopen(f->in->path, "rb");
	if (!f->gz)
		return lq_convert_fail(c, LQ_CONVERT_E_IO, "cannot open %s: %s", f->in->path,
				       strerror(errno ? errno : ENOMEM));
	gzbuffer(f->gz, 1u << 17);
	c->line_no = 1;
	if (!gzgets(f->gz, hdr, LQ_TARDIS_LINE_MAX))
		return lq_convert_fail(c, LQ_CONVERT_E_SYNTAX, "empty: no header line");
	f->line = 1;
	if (header_parse(hdr, strlen(hdr), f->in->path, &f->cols, &f->in->type, &f->in->levels,
			 &why) != 0)
		return lq_convert_fail(c, LQ_CONVERT_E_SYNTAX, "%s", why);
	int rr = read_row(c, f, &f->row[0]);
	if (rr >= 0)
		rr = read_row(c, f, &f->row[1]);
	return rr < 0 ? (enum lq_convert_status) - rr : LQ_CONVERT_OK;
}

/* The file whose head row goes next: the smallest key, the first file among equals. */
static struct lq_tardis_file *next_file(struct lq_tardis_file *files, uint32_t n)
{
	struct lq_tardis_file *best = NULL;
	for (uint32_t i = 0; i < n; i++) {
		const struct tardis_row *h = &files[i].row[files[i].head];
		if (h->valid && (!best || h->key_us < best->row[best->head].key_us))
			best = &files[i];
	}
	return best;
}

static enum lq_convert_status merge_row(struct lq_convert *c, struct lq_tardis_file *f)
{
	struct tardis_row *h = &f->row[f->head], *nx = &f->row[f->head ^ 1];
	c->tardis_row = f;
	c->file = f->in->path;
	c->hold_last = continues(f, h, nx);
	c->line_no = h->line - 1; /* lq_convert_line counts it */
	/* the packets' times and batching: the merge's time, which never goes back */
	c->recv_ns = h->key_us * NS_PER_US;
	enum lq_convert_status st = lq_convert_line(c, h->text, h->len);
	c->hold_last = false;
	if (st == LQ_CONVERT_OK && f->in->exchange[0] == '\0') {
		struct lq_jscan_val ex = field(&h->sp, h->text, f->cols.named[C_EXCHANGE]);
		snprintf(f->in->exchange, sizeof(f->in->exchange), "%.*s", (int)ex.len, ex.p);
	}
	if (st != LQ_CONVERT_OK && st != LQ_CONVERT_SKIPPED) {
		if (st == LQ_CONVERT_E_SINK || !c->p.lenient)
			return st;
		c->stats.refused[st]++;
		f->in->refused++;
		if (c->first_err[0] == '\0')
			snprintf(c->first_err, sizeof(c->first_err), "%s", c->err);
	}
	f->head ^= 1;
	int rr = read_row(c, f, &f->row[f->head ^ 1]);
	return rr < 0 ? (enum lq_convert_status) - rr : LQ_CONVERT_OK;
}

enum lq_convert_status lq_convert_tardis(struct lq_convert *c, struct lq_tardis_input *in,
					 uint32_t n)
{
	LQ_ASSERT(c->p.venue == LQ_CONVERT_TARDIS);
	if (n == 0 || n > LQ_TARDIS_INPUTS_MAX)
		return lq_convert_fail(c, LQ_CONVERT_E_IO, "%u inputs: 1 to %d", n,
				       LQ_TARDIS_INPUTS_MAX);
	struct lq_tardis_file *files = calloc(n, sizeof(*files));
	char *bufs = malloc((size_t)n * 2 * LQ_TARDIS_LINE_MAX);
	enum lq_convert_status st = LQ_CONVERT_OK;
	if (!files || !bufs) {
		st = lq_convert_fail(c, LQ_CONVERT_E_IO, "no memory for %u inputs", n);
		goto out;
	}
	for (uint32_t i = 0; i < n; i++) {
		struct lq_tardis_file *f = &files[i];
		f->in = &in[i];
		f->index = i;
		in[i] = (struct lq_tardis_input){.path = in[i].path};
		f->row[0].text = bufs + (size_t)2 * i * LQ_TARDIS_LINE_MAX;
		f->row[1].text = f->row[0].text + LQ_TARDIS_LINE_MAX;
		if ((st = open_file(c, f)) != LQ_CONVERT_OK)
			goto out;
	}
	/* every step sends one row: the rows of all files bound the loop */
	struct lq_tardis_file *f;
	while ((f = next_file(files, n)) != NULL)
		if ((st = merge_row(c, f)) != LQ_CONVERT_OK)
			goto out;
	c->file = NULL;
	c->line_no = 0;
	st = lq_convert_finish(c);
out:
	for (uint32_t i = 0; files && i < n; i++)
		if (files[i].gz)
			gzclose(files[i].gz);
	free(bufs);
	free(files);
	c->tardis_row = NULL;
	return st;
}
