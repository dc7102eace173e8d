/* SPDX-License-Identifier: MIT */
/*
 * The venue-independent half of the converters: the instruments (from the caller's specs),
 * field conversions,
 * the per-line stage and its commit into feed packets, and reading a recording through zlib.
 */
#include "convert_private.h"

#include "lq/assert.h"
#include "lq/num.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define NS_PER_S  1000000000LL
#define NS_PER_MS 1000000LL

_Static_assert(LQ_FEED_NAME_MAX == 24, "names fit the engine's LQ_NAME_MAX");

const struct lq_convert_spec *lq_convert_spec_find(const struct lq_convert_spec *specs, uint32_t n,
						   const char *name, size_t len)
{
	for (uint32_t i = 0; i < n; i++)
		if (strnlen(specs[i].name, sizeof(specs[i].name)) == len &&
		    memcmp(specs[i].name, name, len) == 0)
			return &specs[i];
	return NULL;
}

/* The venues' names, as --venue takes them. */
static const struct {
	enum lq_convert_venue v;
	const char *name;
	const char *url; /* in a multi-venue-ws connect line */
} venue_names[] = {
    {LQ_CONVERT_BINANCE, "binance", "binance.com"}, {LQ_CONVERT_BITMEX, "bitmex", "bitmex"},
    {LQ_CONVERT_BYBIT, "bybit", "bybit.com"},	    {LQ_CONVERT_OKX, "okx", "okx.com"},
    {LQ_CONVERT_DYDX, "dydx", "dydx.exchange"},
};

const char *lq_convert_venue_str(enum lq_convert_venue v)
{
	for (size_t i = 0; i < LQ_ARRAY_SIZE(venue_names); i++)
		if (venue_names[i].v == v)
			return venue_names[i].name;
	if (v == LQ_CONVERT_TARDIS)
		return "tardis";
	return "?";
}

int lq_convert_venue_parse(const char *s, enum lq_convert_venue *v)
{
	for (size_t i = 0; i < LQ_ARRAY_SIZE(venue_names); i++)
		if (!strcmp(s, venue_names[i].name)) {
			*v = venue_names[i].v;
			return 0;
		}
	if (!strcmp(s, "tardis")) {
		*v = LQ_CONVERT_TARDIS;
		return 0;
	}
	return -EINVAL;
}

static bool venue_known(enum lq_convert_venue v)
{
	return strcmp(lq_convert_venue_str(v), "?") != 0;
}

/* The host of a multi-venue-ws connect line "wss://HOST/path <-> ts" names the venue. */
static int detect_url(const char *line, size_t len, enum lq_convert_venue *v)
{
	size_t end = 6;
	while (end < len && line[end] != ' ' && line[end] != '/')
		end++;
	for (size_t k = 0; k < LQ_ARRAY_SIZE(venue_names); k++) {
		size_t n = strlen(venue_names[k].url);
		for (size_t i = 6; i + n <= end; i++)
			if (!memcmp(line + i, venue_names[k].url, n)) {
				*v = venue_names[k].v;
				return 0;
			}
	}
	return -EINVAL;
}

int lq_convert_venue_detect(const char *line, size_t len, enum lq_convert_venue *v)
{
	size_t i = 0;
	static const char tardis[] = "exchange,symbol,timestamp,local_timestamp,";
	if (len >= sizeof(tardis) - 1 && !memcmp(line, tardis, sizeof(tardis) - 1)) {
		*v = LQ_CONVERT_TARDIS;
		return 0;
	}
	if (len >= 6 && !memcmp(line, "wss://", 6))
		return detect_url(line, len, v);
	while (i < len && line[i] >= '0' && line[i] <= '9')
		i++;
	if (i > 0 && i + 1 < len && line[i] == ' ' && line[i + 1] == '{') {
		*v = LQ_CONVERT_BINANCE;
		return 0;
	}
	return -EINVAL;
}

const char *lq_convert_status_str(enum lq_convert_status st)
{
	switch (st) {
	case LQ_CONVERT_OK:
		return "ok";
	case LQ_CONVERT_SKIPPED:
		return "skipped";
	case LQ_CONVERT_E_SYNTAX:
		return "syntax";
	case LQ_CONVERT_E_UNKNOWN:
		return "unknown message";
	case LQ_CONVERT_E_VALUE:
		return "bad value";
	case LQ_CONVERT_E_LIMIT:
		return "limit";
	case LQ_CONVERT_E_SINK:
		return "output failed";
	case LQ_CONVERT_E_IO:
		return "input failed";
	case LQ_CONVERT_E_CORRUPT:
		return "input damaged";
	}
	return "?";
}

/* ---- set-up ---- */

void lq_convert_params_defaults(struct lq_convert_params *p)
{
	memset(p, 0, sizeof(*p));
	p->venue = LQ_CONVERT_BINANCE;
	p->batch_ns = LQ_CONVERT_BATCH_NS_DEFAULT;
	p->stage_max = LQ_CONVERT_STAGE_DEFAULT;
	p->levels_max = LQ_CONVERT_LEVELS_DEFAULT;
}

static uint32_t stage_max(const struct lq_convert_params *p)
{
	return p->stage_max ? p->stage_max : LQ_CONVERT_STAGE_DEFAULT;
}

static uint32_t levels_max(const struct lq_convert_params *p)
{
	return p->levels_max ? p->levels_max : LQ_CONVERT_LEVELS_DEFAULT;
}

/* Binance keeps one diff record per 8 buffered level changes (diffs carry ~10-50). */
static uint32_t diffs_max(const struct lq_convert_params *p)
{
	return levels_max(p) / 8 > 0 ? levels_max(p) / 8 : 1;
}

size_t lq_convert_memsize(const struct lq_convert_params *p)
{
	size_t n = (size_t)stage_max(p) * sizeof(struct lq_feed_msg);
	if (p->venue == LQ_CONVERT_BINANCE)
		n += (size_t)levels_max(p) * sizeof(struct lq_convert_change) +
		     (size_t)diffs_max(p) * sizeof(struct lq_convert_diff);
	else if (p->venue == LQ_CONVERT_BITMEX)
		n += (size_t)levels_max(p) * sizeof(struct lq_convert_id);
	else if (p->venue == LQ_CONVERT_DYDX)
		n += (size_t)levels_max(p) * sizeof(struct lq_convert_offset);
	else if (p->venue == LQ_CONVERT_OKX)
		n += (size_t)levels_max(p) * sizeof(struct lq_convert_level);
	return n;
}

/* The definition message's body from a spec; the written decimals fix the grid. */
static int def_from_spec(const struct lq_convert_spec *s, struct lq_feed_instrument_def *d)
{
	unsigned dec;
	size_t nl = strnlen(s->name, sizeof(s->name)), sl = strnlen(s->settle, sizeof(s->settle));
	size_t cl = strnlen(s->contract, sizeof(s->contract));
	memset(d, 0, sizeof(*d));
	if (nl == 0 || nl >= LQ_FEED_NAME_MAX || sl == 0 || sl >= LQ_FEED_NAME_MAX ||
	    (s->kind == LQ_FEED_INVERSE) != (cl > 0))
		return -EINVAL;
	memcpy(d->name, s->name, nl);
	memcpy(d->settle, s->settle, sl);
	d->kind = (uint8_t)s->kind;
	d->settle_decimals = (uint8_t)s->settle_decimals;
	if (lq_dec_parse_natural(s->tick, strnlen(s->tick, sizeof(s->tick)), &d->tick, &dec) !=
	    LQ_DEC_OK)
		return -EINVAL;
	d->price_decimals = (uint8_t)dec;
	if (lq_dec_parse_natural(s->lot, strnlen(s->lot, sizeof(s->lot)), &d->lot, &dec) !=
	    LQ_DEC_OK)
		return -EINVAL;
	d->qty_decimals = (uint8_t)dec;
	if (cl > 0) {
		if (lq_dec_parse_natural(s->contract, cl, &d->contract, &dec) != LQ_DEC_OK)
			return -EINVAL;
		d->contract_decimals = (uint8_t)dec;
	}
	struct lq_feed_msg m = {.type = LQ_FEED_INSTRUMENT, .u.def = *d};
	return lq_feed_msg_check(&m) == LQ_FEED_OK ? 0 : -EINVAL;
}

/* Every spec a valid definition, no name twice. */
static int specs_check(const struct lq_convert_params *p)
{
	struct lq_feed_instrument_def d;
	if (p->spec_count > LQ_CONVERT_SPECS_MAX || (p->spec_count > 0 && !p->specs))
		return -EINVAL;
	for (uint32_t i = 0; i < p->spec_count; i++) {
		if (def_from_spec(&p->specs[i], &d) != 0)
			return -EINVAL;
		if (lq_convert_spec_find(p->specs, i, d.name, strlen(d.name)))
			return -EINVAL;
	}
	return 0;
}

static int inst_add(struct lq_convert *c, const struct lq_convert_spec *s)
{
	if (c->inst_count == LQ_CONVERT_INSTRUMENTS_MAX)
		return -ENOSPC;
	struct lq_convert_inst *in = &c->inst[c->inst_count];
	memset(in, 0, sizeof(*in));
	in->spec = s;
	int err = def_from_spec(s, &in->def);
	if (err)
		return err;
	c->inst_count++;
	return 0;
}

int lq_convert_init(struct lq_convert *c, void *mem, size_t size, const struct lq_convert_params *p,
		    lq_convert_sink sink, void *sink_ctx)
{
	LQ_ASSERT(c != NULL);
	LQ_ASSERT(p != NULL);
	if (!venue_known(p->venue))
		return -EINVAL;
	uint32_t lv = levels_max(p);
	if (!sink || !mem || size < lq_convert_memsize(p) || (lv & (lv - 1)) != 0 || lv < 8 ||
	    p->batch_ns < 0 || p->instrument_count > LQ_CONVERT_INSTRUMENTS_MAX || specs_check(p))
		return -EINVAL;
	memset(c, 0, sizeof(*c));
	c->p = *p;
	c->p.stage_max = stage_max(p);
	c->p.levels_max = lv;
	c->sink = sink;
	c->sink_ctx = sink_ctx;
	c->seq_next = 1;
	c->spec_venue = p->venue;
	for (uint32_t i = 0; i < p->instrument_count; i++) {
		const char *n = p->instruments[i];
		const struct lq_convert_spec *s =
		    lq_convert_spec_find(p->specs, p->spec_count, n, strlen(n));
		if (!s)
			return -ENOENT;
		for (uint32_t j = 0; j < c->inst_count; j++)
			if (c->inst[j].spec == s)
				return -EINVAL; /* named twice */
		int err = inst_add(c, s);
		if (err)
			return err;
	}
	uint8_t *m = mem;
	memset(m, 0, lq_convert_memsize(p));
	c->stage = (struct lq_feed_msg *)(void *)m;
	m += (size_t)c->p.stage_max * sizeof(struct lq_feed_msg);
	if (p->venue == LQ_CONVERT_BINANCE) {
		c->changes = (struct lq_convert_change *)(void *)m;
		m += (size_t)lv * sizeof(struct lq_convert_change);
		c->diffs = (struct lq_convert_diff *)(void *)m;
		c->diffs_cap = diffs_max(p);
	} else if (p->venue == LQ_CONVERT_BITMEX) {
		c->ids = (struct lq_convert_id *)(void *)m;
	} else if (p->venue == LQ_CONVERT_DYDX) {
		c->offsets = (struct lq_convert_offset *)(void *)m;
	} else if (p->venue == LQ_CONVERT_OKX) {
		c->levels = (struct lq_convert_level *)(void *)m;
	}
	return 0;
}

/* ---- helpers for the venue parsers ---- */

enum lq_convert_status lq_convert_gz_status(int zerr)
{
	/* a stream cut short or damaged is unusable input; anything else is the system's */
	return zerr == Z_BUF_ERROR || zerr == Z_DATA_ERROR ? LQ_CONVERT_E_CORRUPT : LQ_CONVERT_E_IO;
}

enum lq_convert_status lq_convert_fail(struct lq_convert *c, enum lq_convert_status st,
				       const char *fmt, ...)
{
	/* before the first line (opening the input) there is no line to name */
	int n = c->file && c->line_no ? snprintf(c->err, sizeof(c->err), "%s:%llu: ", c->file,
						 (unsigned long long)c->line_no)
		: c->line_no	      ? snprintf(c->err, sizeof(c->err),
						 "line %llu: ", (unsigned long long)c->line_no)
				      : 0;
	va_list ap;
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < sizeof(c->err))
		vsnprintf(c->err + n, sizeof(c->err) - (size_t)n, fmt, ap);
	va_end(ap);
	return st;
}

const char *lq_convert_error(const struct lq_convert *c)
{
	return c->err;
}

/* Count a skipped symbol by name (stats only: see lq_convert_inst_get). */
static void unknown_count(struct lq_convert *c, const struct lq_jscan_val *symbol, bool known)
{
	struct lq_convert_stats *s = &c->stats;
	size_t n = symbol->len < LQ_FEED_NAME_MAX - 1 ? symbol->len : LQ_FEED_NAME_MAX - 1;
	for (uint32_t i = 0; i < s->unknown_count; i++)
		if (strlen(s->unknown[i].name) == n && !memcmp(s->unknown[i].name, symbol->p, n)) {
			/* once a line: a parser may read a line's rows twice */
			s->unknown[i].lines += s->unknown[i].last_line != c->line_no;
			s->unknown[i].last_line = c->line_no;
			return;
		}
	if (s->unknown_count == LQ_CONVERT_UNKNOWN_MAX) {
		s->unknown_more++;
		return;
	}
	struct lq_convert_unknown *u = &s->unknown[s->unknown_count++];
	memset(u->name, 0, sizeof(u->name));
	memcpy(u->name, symbol->p, n);
	u->known = known;
	u->lines = 1;
	u->last_line = c->line_no;
}

static bool ends_with(const char *p, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);
	return len >= n && !memcmp(p + len - n, suffix, n);
}

/*
 * The line a configuration needs for an unknown symbol, guessed from its shape only for the
 * message ("BTCUSD_PERP": inverse, settled in BTC; "...USDT...": linear in USDT).
 */
static void unknown_hint(char *buf, size_t cap, const char *p, size_t len)
{
	const char *usd = NULL;
	for (size_t i = 0; i + 3 <= len && !usd; i++)
		if (!memcmp(p + i, "USD", 3))
			usd = p + i;
	if (usd && usd + 4 <= p + len && (usd[3] == 'T' || usd[3] == 'C'))
		snprintf(buf, cap, "instrument %.*s linear settle=USD%c tick=... lot=...", (int)len,
			 p, usd[3]);
	else if (usd && usd > p &&
		 (ends_with(p, len, "USD_PERP") || ends_with(p, len, "USD") ||
		  ends_with(p, len, "-USD-SWAP")))
		snprintf(buf, cap,
			 "instrument %.*s inverse settle=%.*s tick=... lot=... contract=...",
			 (int)len, p, (int)(usd - p) - (usd[-1] == '-'), p);
	else
		snprintf(buf, cap,
			 "instrument %.*s linear|inverse settle=ASSET tick=... lot=... "
			 "[contract=...]",
			 (int)len, p);
}

int lq_convert_inst_get(struct lq_convert *c, const struct lq_jscan_val *symbol,
			bool unknown_is_error, enum lq_convert_status *st)
{
	if (symbol->type != LQ_JSCAN_STRING) {
		*st = lq_convert_fail(c, LQ_CONVERT_E_VALUE, "no instrument symbol");
		return -1;
	}
	for (uint32_t i = 0; i < c->inst_count; i++)
		if (strlen(c->inst[i].def.name) == symbol->len &&
		    !memcmp(c->inst[i].def.name, symbol->p, symbol->len))
			return (int)i;
	const struct lq_convert_spec *s =
	    lq_convert_spec_find(c->p.specs, c->p.spec_count, symbol->p, symbol->len);
	if (c->p.instrument_count > 0 || (!s && c->p.lenient && !unknown_is_error)) {
		unknown_count(c, symbol, s != NULL);
		*st = LQ_CONVERT_SKIPPED;
		return -1;
	}
	if (!s) {
		char hint[160];
		size_t n = symbol->len > 32 ? 32 : symbol->len;
		if (c->p.venue == LQ_CONVERT_DYDX) /* dYdX's markets are all linear in USDC */
			snprintf(hint, sizeof(hint),
				 "instrument %.*s linear settle=USDC tick=... lot=...", (int)n,
				 symbol->p);
		else
			unknown_hint(hint, sizeof(hint), symbol->p, n);
		if (c->p.lenient)
			unknown_count(c, symbol, false);
		*st =
		    lq_convert_fail(c, LQ_CONVERT_E_UNKNOWN,
				    "%.*s is not in %s: add a line such as \"%s\" to a "
				    "--config file",
				    (int)n, symbol->p,
				    c->p.specs_from ? c->p.specs_from : "the configuration", hint);
		return -1;
	}
	if (inst_add(c, s) != 0) {
		*st = lq_convert_fail(c, LQ_CONVERT_E_LIMIT, "more than %d instruments",
				      LQ_CONVERT_INSTRUMENTS_MAX);
		return -1;
	}
	return (int)c->inst_count - 1;
}

struct lq_feed_msg *lq_convert_stage(struct lq_convert *c, uint8_t type, uint32_t inst,
				     int64_t ts_ns, uint8_t flags)
{
	LQ_ASSERT(inst < c->inst_count);
	if (c->stage_count == c->p.stage_max) {
		lq_convert_fail(c, LQ_CONVERT_E_LIMIT, "the line gives more than %u messages",
				c->p.stage_max);
		return NULL;
	}
	struct lq_feed_msg *m = &c->stage[c->stage_count++];
	memset(m, 0, sizeof(*m));
	m->type = type;
	m->instrument = inst;
	m->ts_ns = ts_ns;
	m->flags = flags;
	return m;
}

/* A refused field: the line's error, and false for the caller to return. */
__attribute__((format(printf, 2, 3))) static bool bad(struct lq_convert *c, const char *fmt, ...)
{
	char msg[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	lq_convert_fail(c, LQ_CONVERT_E_VALUE, "%s", msg);
	return false;
}

/* The text of a decimal: a JSON string or number. */
static bool dec_text(struct lq_convert *c, const struct lq_jscan_val *v, const char *what)
{
	if (v->type == LQ_JSCAN_STRING || v->type == LQ_JSCAN_NUMBER)
		return true;
	lq_convert_fail(c, LQ_CONVERT_E_VALUE, "%s: missing or not a decimal", what);
	return false;
}

#define SHOWN(v) (int)((v)->len > 40 ? 40 : (v)->len), (v)->p

static bool dec_fail(struct lq_convert *c, const struct lq_jscan_val *v, const char *what,
		     enum lq_dec_status st, const char *inst)
{
	lq_convert_fail(c, LQ_CONVERT_E_VALUE, "%s: \"%.*s\": %s (%s)", what, SHOWN(v),
			lq_dec_status_str(st), inst);
	return false;
}

bool lq_convert_price(struct lq_convert *c, uint32_t inst, const struct lq_jscan_val *v,
		      const char *what, int64_t *out)
{
	const struct lq_feed_instrument_def *d = &c->inst[inst].def;
	if (!dec_text(c, v, what))
		return false;
	enum lq_dec_status st = lq_dec_parse(v->p, v->len, d->price_decimals, out);
	if (st != LQ_DEC_OK)
		return dec_fail(c, v, what, st, d->name);
	if (*out <= 0)
		return bad(c, "%s: \"%.*s\" is not positive", what, SHOWN(v));
	if (*out % d->tick != 0)
		return bad(c,
			   "%s: \"%.*s\" is off the tick grid "
			   "of %s (%s)",
			   what, SHOWN(v), d->name, c->inst[inst].spec->tick);
	return true;
}

bool lq_convert_qty(struct lq_convert *c, uint32_t inst, const struct lq_jscan_val *v,
		    const char *what, bool zero_ok, int64_t *out)
{
	const struct lq_feed_instrument_def *d = &c->inst[inst].def;
	if (!dec_text(c, v, what))
		return false;
	enum lq_dec_status st = lq_dec_parse(v->p, v->len, d->qty_decimals, out);
	if (st != LQ_DEC_OK)
		return dec_fail(c, v, what, st, d->name);
	if (*out < 0 || (*out == 0 && !zero_ok))
		return bad(c, "%s: \"%.*s\" is not %s", what, SHOWN(v),
			   zero_ok ? "zero or positive" : "positive");
	if (*out % d->lot != 0)
		return bad(c,
			   "%s: \"%.*s\" is off the lot grid "
			   "of %s (%s)",
			   what, SHOWN(v), d->name, c->inst[inst].spec->lot);
	return true;
}

bool lq_convert_price_ext(struct lq_convert *c, uint32_t inst, const struct lq_jscan_val *v,
			  const char *what, struct lq_feed_price_ext *out)
{
	const struct lq_feed_instrument_def *d = &c->inst[inst].def;
	int64_t mant;
	unsigned dec;
	if (!dec_text(c, v, what))
		return false;
	enum lq_dec_status st = lq_dec_parse_natural(v->p, v->len, &mant, &dec);
	if (st == LQ_DEC_OK && dec > LQ_FEED_DECIMALS_MAX)
		st = LQ_DEC_TOO_PRECISE;
	if (st != LQ_DEC_OK)
		return dec_fail(c, v, what, st, d->name);
	/* "28155.10000000" is 281551 at one decimal: trailing zeros carry no information */
	while (dec > d->price_decimals && mant % 10 == 0) {
		mant /= 10;
		dec--;
	}
	for (; dec < d->price_decimals; dec++)
		if (lq_mul_ovf(mant, 10, &mant))
			return dec_fail(c, v, what, LQ_DEC_OVERFLOW, d->name);
	if (mant <= 0)
		return bad(c, "%s: \"%.*s\" is not positive", what, SHOWN(v));
	out->price = mant;
	out->decimals = (uint8_t)dec;
	return true;
}

bool lq_convert_rate_e8(struct lq_convert *c, const struct lq_jscan_val *v, const char *what,
			int64_t *out)
{
	if (!dec_text(c, v, what))
		return false;
	enum lq_dec_status st = lq_dec_parse(v->p, v->len, LQ_RATE_DECIMALS, out);
	if (st != LQ_DEC_OK)
		return dec_fail(c, v, what, st, "rates have 8 decimals");
	if (*out > LQ_RATE_ONE || *out < -LQ_RATE_ONE)
		return bad(c, "%s: \"%.*s\" is beyond 100%%", what, SHOWN(v));
	return true;
}

bool lq_convert_u64(struct lq_convert *c, const struct lq_jscan_val *v, const char *what,
		    uint64_t *out)
{
	uint64_t x = 0;
	bool ok = (v->type == LQ_JSCAN_NUMBER || v->type == LQ_JSCAN_STRING) && v->len > 0 &&
		  v->len <= 20;
	for (size_t i = 0; ok && i < v->len; i++) {
		unsigned d = (unsigned)(v->p[i] - '0');
		ok = d <= 9 && !__builtin_mul_overflow(x, 10, &x) &&
		     !__builtin_add_overflow(x, d, &x);
	}
	if (!ok)
		return bad(c,
			   "%s: missing or not an unsigned "
			   "integer",
			   what);
	*out = x;
	return true;
}

bool lq_convert_ms(struct lq_convert *c, const struct lq_jscan_val *v, const char *what,
		   int64_t *out_ns)
{
	uint64_t ms = 0;
	if (!lq_convert_u64(c, v, what, &ms))
		return false;
	if (ms > (uint64_t)(INT64_MAX / NS_PER_MS))
		return bad(c, "%s: %.*s ms is beyond 2262", what, SHOWN(v));
	*out_ns = (int64_t)ms * NS_PER_MS;
	return true;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static bool digits(const char *p, unsigned n, unsigned *out)
{
	unsigned x = 0;
	for (unsigned i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		x = x * 10 + (unsigned)(p[i] - '0');
	}
	*out = x;
	return true;
}

bool lq_convert_iso8601(struct lq_convert *c, const struct lq_jscan_val *v, const char *what,
			int64_t *out_ns)
{
	const char *s = v->p;
	unsigned y, mo, d, h, mi, sec;
	bool ok = v->type == LQ_JSCAN_STRING && v->len >= 20 && v->len <= 30 &&
		  s[v->len - 1] == 'Z' && digits(s, 4, &y) && s[4] == '-' &&
		  digits(s + 5, 2, &mo) && s[7] == '-' && digits(s + 8, 2, &d) && s[10] == 'T' &&
		  digits(s + 11, 2, &h) && s[13] == ':' && digits(s + 14, 2, &mi) && s[16] == ':' &&
		  digits(s + 17, 2, &sec);
	ok = ok && y >= 1970 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h < 24 && mi < 60 &&
	     sec < 60;
	int64_t frac = 0;
	size_t i = 19, fd = 0;
	if (ok && s[i] == '.') {
		for (i++; i < v->len - 1 && fd < 9 && s[i] >= '0' && s[i] <= '9'; i++, fd++)
			frac = frac * 10 + (s[i] - '0');
		ok = fd > 0;
		for (; fd < 9; fd++)
			frac *= 10;
	}
	if (!ok || i != v->len - 1)
		return bad(c,
			   "%s: \"%.*s\" is not a UTC time "
			   "YYYY-MM-DDTHH:MM:SS[.fraction]Z",
			   what, SHOWN(v));
	/* years up to 9999 fit int64 seconds; nanoseconds end in 2262 */
	int64_t s_epoch = ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60 + sec;
	if (lq_mul_ovf(s_epoch, NS_PER_S, out_ns) || lq_add_ovf(*out_ns, frac, out_ns))
		return bad(c, "%s: \"%.*s\" is beyond 2262", what, SHOWN(v));
	return true;
}

/* ---- packets ---- */

static enum lq_convert_status flush(struct lq_convert *c)
{
	if (!c->pkt_open)
		return LQ_CONVERT_OK;
	size_t len = lq_feed_encode_end(&c->b);
	uint16_t count = c->b.count;
	c->pkt_open = false;
	LQ_ASSERT(count > 0);
	int err = c->sink(c->sink_ctx, c->pkt_last_recv_ns, c->pkt, len);
	if (err)
		return lq_convert_fail(c, LQ_CONVERT_E_SINK, "writing packet %llu failed: %s",
				       (unsigned long long)c->stats.packets + 1, strerror(-err));
	c->seq_next += count;
	c->stats.packets++;
	c->stats.bytes += len;
	return LQ_CONVERT_OK;
}

static void inst_account(struct lq_convert *c, const struct lq_feed_msg *m)
{
	struct lq_convert_inst_stats *s = &c->inst[m->instrument].stats;
	s->messages[m->type]++;
	if (s->first_ts_ns == 0)
		s->first_ts_ns = m->ts_ns;
	s->last_ts_ns = m->ts_ns;
	if (m->type == LQ_FEED_TRADE) {
		if (s->trades++ == 0) {
			s->first_trade_price = m->u.trade.price;
			s->first_trade_ts_ns = m->ts_ns;
		}
		s->last_trade_price = m->u.trade.price;
		s->last_trade_ts_ns = m->ts_ns;
	}
	if (!(m->flags & LQ_FEED_F_TS_LOCAL) && !(m->flags & LQ_FEED_F_SNAPSHOT)) {
		c->stats.venue_ts_backwards += m->ts_ns < c->last_venue_ns;
		if (m->ts_ns > c->last_venue_ns)
			c->last_venue_ns = m->ts_ns;
	}
}

/* One message into the current packet, opening or sending packets as needed. */
static enum lq_convert_status emit(struct lq_convert *c, const struct lq_feed_msg *m)
{
	/* the converter stages only what the feed accepts: anything else is a bug here */
	LQ_ASSERT(lq_feed_msg_check(m) == LQ_FEED_OK);
	/* a line joins the open packet if received within batch_ns after its first line */
	if (c->pkt_open && (c->recv_ns < c->pkt_first_recv_ns ||
			    c->recv_ns - c->pkt_first_recv_ns > c->p.batch_ns ||
			    !lq_feed_encode_fits(&c->b, m->type))) {
		enum lq_convert_status st = flush(c);
		if (st != LQ_CONVERT_OK)
			return st;
	}
	if (!c->pkt_open) {
		if (c->session == 0)
			c->session =
			    c->p.session ? c->p.session : (uint64_t)(c->recv_ns / NS_PER_S);
		int err =
		    lq_feed_encode_begin(&c->b, c->pkt, sizeof(c->pkt), c->session, c->seq_next, 0);
		LQ_ASSERT(err == 0);
		c->pkt_open = true;
		c->pkt_first_recv_ns = c->recv_ns;
	}
	int err = lq_feed_encode_msg(&c->b, m);
	LQ_ASSERT(err == 0);
	c->pkt_last_recv_ns = c->recv_ns;
	c->stats.messages++;
	inst_account(c, m);
	return LQ_CONVERT_OK;
}

/* Send the line's stage, each instrument's definition before its first message. */
static enum lq_convert_status commit(struct lq_convert *c)
{
	/* an instrument's book is consistent after its last message of the line */
	uint32_t seen = 0;
	_Static_assert(LQ_CONVERT_INSTRUMENTS_MAX <= 32, "a bit per instrument");
	for (uint32_t i = c->stage_count; i-- > 0;) {
		struct lq_feed_msg *m = &c->stage[i];
		/* a Tardis row whose update goes on in the next row: not yet */
		if (!c->hold_last && !(seen & (1u << m->instrument)))
			m->flags |= LQ_FEED_F_LAST;
		seen |= 1u << m->instrument;
	}
	c->stats.recv_ts_backwards += c->recv_ns < c->last_recv_ns;
	c->last_recv_ns = c->recv_ns;
	for (uint32_t i = 0; i < c->stage_count; i++) {
		const struct lq_feed_msg *m = &c->stage[i];
		struct lq_convert_inst *in = &c->inst[m->instrument];
		if (!in->defined) {
			struct lq_feed_msg d = {.type = LQ_FEED_INSTRUMENT,
						.instrument = m->instrument,
						.ts_ns = m->ts_ns,
						.flags = m->flags & LQ_FEED_F_TS_LOCAL,
						.u.def = in->def};
			enum lq_convert_status st = emit(c, &d);
			if (st != LQ_CONVERT_OK)
				return st;
			in->defined = true;
		}
		enum lq_convert_status st = emit(c, m);
		if (st != LQ_CONVERT_OK)
			return st;
	}
	return LQ_CONVERT_OK;
}

static enum lq_convert_status venue_line(struct lq_convert *c, const char *line, size_t len)
{
	switch (c->p.venue) {
	case LQ_CONVERT_BINANCE:
		return lq_convert_binance_line(c, line, len);
	case LQ_CONVERT_BITMEX:
		return lq_convert_bitmex_line(c, line, len);
	case LQ_CONVERT_BYBIT:
		return lq_convert_bybit_line(c, line, len);
	case LQ_CONVERT_OKX:
		return lq_convert_okx_line(c, line, len);
	case LQ_CONVERT_DYDX:
		return lq_convert_dydx_line(c, line, len);
	case LQ_CONVERT_TARDIS:
		return lq_convert_tardis_line(c, line, len);
	}
	LQ_ASSERT(!"venue checked at init");
	return LQ_CONVERT_E_UNKNOWN;
}

enum lq_convert_status lq_convert_line(struct lq_convert *c, const char *line, size_t len)
{
	c->line_no++;
	c->stats.lines++;
	c->stage_count = 0;
	c->err[0] = '\0';
	uint32_t inst_before = c->inst_count;
	enum lq_convert_status st;
	while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == '\n'))
		len--;
	if (len == 0)
		st = LQ_CONVERT_SKIPPED;
	else
		st = venue_line(c, line, len);
	if (st == LQ_CONVERT_OK && c->stage_count > 0) {
		c->stats.converted++;
		return commit(c);
	}
	c->stage_count = 0;
	if (st == LQ_CONVERT_OK || st == LQ_CONVERT_SKIPPED) {
		c->stats.skipped++;
		return LQ_CONVERT_SKIPPED;
	}
	/* nothing of a refused line stays: not even the instruments it named first */
	for (uint32_t i = inst_before; i < c->inst_count; i++)
		memset(&c->inst[i], 0, sizeof(c->inst[i]));
	c->inst_count = inst_before;
	LQ_ASSERT(c->err[0] != '\0');
	return st;
}

enum lq_convert_status lq_convert_finish(struct lq_convert *c)
{
	return flush(c);
}

/* ---- whole files through zlib (gzip or plain text) ---- */

static enum lq_convert_status file_line(struct lq_convert *c, const char *s, size_t n)
{
	enum lq_convert_status st = lq_convert_line(c, s, n);
	if (st == LQ_CONVERT_OK || st == LQ_CONVERT_SKIPPED || st == LQ_CONVERT_E_SINK ||
	    !c->p.lenient)
		return st;
	c->stats.refused[st]++;
	if (c->first_err[0] == '\0')
		snprintf(c->first_err, sizeof(c->first_err), "%s", c->err);
	return LQ_CONVERT_OK;
}

static enum lq_convert_status file_lines(struct lq_convert *c, gzFile f, char *buf, size_t cap)
{
	size_t have = 0;
	for (;;) {
		int n =
		    gzread(f, buf + have, (unsigned)(cap - have > INT_MAX ? INT_MAX : cap - have));
		int zerr = Z_OK;
		const char *zmsg = gzerror(f, &zerr);
		if (n < 0 || (zerr != Z_OK && zerr != Z_STREAM_END))
			return lq_convert_fail(
			    c, lq_convert_gz_status(zerr), "reading the input: %s%s", zmsg,
			    zerr == Z_BUF_ERROR ? " (the file is truncated)" : "");
		have += (size_t)n;
		size_t start = 0;
		char *nl;
		while ((nl = memchr(buf + start, '\n', have - start)) != NULL) {
			size_t end = (size_t)(nl - buf);
			enum lq_convert_status st = file_line(c, buf + start, end - start);
			if (st != LQ_CONVERT_OK && st != LQ_CONVERT_SKIPPED)
				return st;
			start = end + 1;
		}
		memmove(buf, buf + start, have - start);
		have -= start;
		if (n == 0) { /* end of input: a last line without its newline */
			enum lq_convert_status st = have ? file_line(c, buf, have) : LQ_CONVERT_OK;
			return st == LQ_CONVERT_SKIPPED ? LQ_CONVERT_OK : st;
		}
		if (have == cap) {
			c->line_no++;
			return lq_convert_fail(c, LQ_CONVERT_E_IO, "a line longer than %u bytes",
					       LQ_CONVERT_LINE_MAX);
		}
	}
}

enum lq_convert_status lq_convert_file(struct lq_convert *c, const char *path)
{
	if (c->p.venue == LQ_CONVERT_TARDIS) {
		struct lq_tardis_input in = {.path = path};
		return lq_convert_tardis(c, &in, 1);
	}
	gzFile f = gzopen(path, "rb");
	if (!f)
		return lq_convert_fail(c, LQ_CONVERT_E_IO, "cannot open %s: %s", path,
				       strerror(errno ? errno : ENOMEM));
	gzbuffer(f, 1u << 18);
	char *buf = malloc(LQ_CONVERT_LINE_MAX);
	if (!buf) {
		gzclose(f);
		return lq_convert_fail(c, LQ_CONVERT_E_IO, "no memory for the line buffer");
	}
	enum lq_convert_status st = file_lines(c, f, buf, LQ_CONVERT_LINE_MAX);
	free(buf);
	gzclose(f);
	if (st == LQ_CONVERT_OK || st == LQ_CONVERT_SKIPPED)
		st = lq_convert_finish(c);
	return st;
}
