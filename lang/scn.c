/* SPDX-License-Identifier: MIT */
#include "lq/scn.h"

#include "lq/assert.h"
#include "lq/msg.h"

#include <stdarg.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <stdio.h>
#include <string.h>

/* fill_band's upper end: fills from mark / 101 to 101 x mark (as lq_engine_set_params) */
#define SCN_FILL_BAND_MAX_E8 (100 * LQ_RATE_ONE)

static enum lq_scn_result syntax(struct lq_scn *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static enum lq_scn_result syntax(struct lq_scn *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->error, sizeof(s->error), fmt, ap);
	va_end(ap);
	return LQ_SCN_SYNTAX;
}

static enum lq_scn_result reject(struct lq_scn *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static enum lq_scn_result reject(struct lq_scn *s, const char *fmt, ...)
{
	char reason[LQ_SCN_ERROR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	lq_json_rejected(s->out, s->line, reason);
	s->rejected++;
	return LQ_SCN_REJECTED;
}

static void emit(struct lq_scn *s, struct lq_msg *m)
{
	m->line = s->line;
	s->emit(s->emit_ctx, m);
}

static bool tok_is(struct lq_scn_tok t, const char *w)
{
	return strlen(w) == t.n && memcmp(t.s, w, t.n) == 0;
}

/* Copy a token into a NUL-terminated buffer (truncated names never match anything). */
static void tok_cstr(struct lq_scn_tok t, char *buf, size_t cap)
{
	size_t n = t.n < cap - 1 ? t.n : cap - 1;
	memcpy(buf, t.s, n);
	buf[n] = '\0';
}

/* The bytes the tokenizer stops at: blanks end a token, '#' the line's tokens, '=' splits one */
enum { TOK_BLANK = 1, TOK_HASH = 2, TOK_EQ = 4 };
static const uint8_t tok_class[256] = {
    [' '] = TOK_BLANK, ['\t'] = TOK_BLANK, ['\r'] = TOK_BLANK, ['#'] = TOK_HASH, ['='] = TOK_EQ};

static uint8_t tok_at(const char *p, size_t i)
{
	return tok_class[(unsigned char)p[i]];
}

/* One token found: an option (split at its first '=', at eq) or a positional token. */
static enum lq_scn_result tok_add(struct lq_scn *s, struct lq_scn_tokens *l, const char *p,
				  size_t b, size_t i, size_t eq)
{
	struct lq_scn_tok t = {p + b, i - b};

	if (l->nword < LQ_SCN_WORDS)
		l->word[l->nword++] = t;
	if (eq != SIZE_MAX) {
		if (l->nopt >= LQ_SCN_TOKENS_MAX)
			return syntax(s, "too many options");
		l->key[l->nopt] = (struct lq_scn_tok){t.s, eq - b};
		l->val[l->nopt] = (struct lq_scn_tok){p + eq + 1, i - eq - 1};
		l->used[l->nopt] = false;
		if (l->key[l->nopt].n == 0 || l->val[l->nopt].n == 0)
			return syntax(s, "malformed option '%.*s'", (int)t.n, t.s);
		l->nopt++;
		return LQ_SCN_OK;
	}
	if (l->n >= LQ_SCN_TOKENS_MAX)
		return syntax(s, "too many tokens");
	l->t[l->n++] = t;
	return LQ_SCN_OK;
}

/*
 * The line's tokens, one pass: a token ends at a blank or a '#' (the rest is a comment); one
 * holding '=' is an option, split at its first '='. Only the counts are reset (a line's slots
 * are written before they are read). Any line; tokenize_short is the same for short ones.
 */
static enum lq_scn_result tokenize_any(struct lq_scn *s, const char *p, size_t len,
				       struct lq_scn_tokens *l)
{
	size_t i = 0;

	while (i < len) {
		while (i < len && tok_at(p, i) == TOK_BLANK)
			i++;
		if (i >= len || tok_at(p, i) == TOK_HASH)
			break;
		size_t b = i, eq = SIZE_MAX;
		for (;;) {
			while (i < len && tok_at(p, i) == 0)
				i++;
			if (i >= len || tok_at(p, i) != TOK_EQ)
				break;
			if (eq == SIZE_MAX)
				eq = i;
			i++;
		}
		const enum lq_scn_result r = tok_add(s, l, p, b, i, eq);
		if (r != LQ_SCN_OK)
			return r;
	}
	return LQ_SCN_OK;
}

#ifdef __SSE2__
#define TOK_SHORT_MAX 240 /* a line up to this long is copied and scanned 16 bytes at a time */

/* The bytes of q[0..16) the tokenizer stops at (blank, '#', '='), one bit each. */
static unsigned tok_stops16(const char *q)
{
	const __m128i v = _mm_loadu_si128((const __m128i *)(const void *)q);
	__m128i m = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')),
				 _mm_cmpeq_epi8(v, _mm_set1_epi8('\t')));
	m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8('\r')));
	m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8('#')));
	m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8('=')));
	return (unsigned)_mm_movemask_epi8(m);
}

/*
 * tokenize_any for a line of at most TOK_SHORT_MAX bytes (a population's, a scenario's event
 * lines): copied with a blank after its end, so a token's scan needs no length check and
 * takes 16 bytes a step. The tokens point into p, as tokenize_any's.
 */
static enum lq_scn_result tokenize_short(struct lq_scn *s, const char *p, size_t len,
					 struct lq_scn_tokens *l)
{
	char q[TOK_SHORT_MAX + 32];
	size_t i = 0;
	uint32_t n = 0, nword = 0; /* kept here, in l at the end and around tok_add */

	LQ_ASSERT(len <= TOK_SHORT_MAX);
	memcpy(q, p, len);
	memset(q + len, ' ', 17); /* the sentinel, and whole 16-byte loads */
	for (;;) {
		while (tok_at(q, i) == TOK_BLANK && i < len)
			i++;
		if (i >= len || q[i] == '#')
			break;
		size_t b = i, eq = SIZE_MAX;
		for (;;) {
			unsigned m;
			while ((m = tok_stops16(q + i)) == 0)
				i += 16;
			i += (size_t)__builtin_ctz(m);
			if (q[i] != '=')
				break;
			if (eq == SIZE_MAX)
				eq = i;
			i++;
		}
		if (i > len)
			i = len; /* the sentinel: the line ended inside the token */
		if (eq == SIZE_MAX && n < LQ_SCN_TOKENS_MAX) {
			/* a positional token, as tok_add adds it */
			const struct lq_scn_tok t = {p + b, i - b};
			if (nword < LQ_SCN_WORDS)
				l->word[nword++] = t;
			l->t[n++] = t;
			continue;
		}
		l->n = n;
		l->nword = nword;
		const enum lq_scn_result r = tok_add(s, l, p, b, i, eq);
		if (r != LQ_SCN_OK)
			return r;
		n = l->n;
		nword = l->nword;
	}
	l->n = n;
	l->nword = nword;
	return LQ_SCN_OK;
}
#endif

static enum lq_scn_result tokenize(struct lq_scn *s, const char *p, size_t len,
				   struct lq_scn_tokens *l)
{
	l->n = 0;
	l->nopt = 0;
	l->nword = 0;
#ifdef __SSE2__
	if (len <= TOK_SHORT_MAX)
		return tokenize_short(s, p, len, l);
#endif
	return tokenize_any(s, p, len, l);
}

static bool opt(struct lq_scn_tokens *l, const char *k, struct lq_scn_tok *v)
{
	for (uint32_t i = 0; i < l->nopt; i++) {
		if (tok_is(l->key[i], k)) {
			l->used[i] = true;
			*v = l->val[i];
			return true;
		}
	}
	return false;
}

static enum lq_scn_result no_unused_options(struct lq_scn *s, const struct lq_scn_tokens *l)
{
	for (uint32_t i = 0; i < l->nopt; i++)
		if (!l->used[i])
			return syntax(s, "unknown option '%.*s' for '%.*s'", (int)l->key[i].n,
				      l->key[i].s, (int)l->t[0].n, l->t[0].s);
	return LQ_SCN_OK;
}

static enum lq_scn_result arity(struct lq_scn *s, const struct lq_scn_tokens *l, uint32_t n,
				const char *usage)
{
	if (l->n != n)
		return syntax(s, "usage: %s", usage);
	return LQ_SCN_OK;
}

#define TRY(expr)                                                                                  \
	do {                                                                                       \
		enum lq_scn_result r_ = (expr);                                                    \
		if (r_ != LQ_SCN_OK)                                                               \
			return r_;                                                                 \
	} while (0)

/*
 * A number token: syntax errors stop the run (the line cannot be parsed); precision and
 * range problems are the engine's to refuse (a rejected event naming the grid).
 */
static enum lq_scn_result number(struct lq_scn *s, struct lq_scn_tok t, unsigned decimals,
				 const char *what, int64_t *out, enum lq_dec_status *st)
{
	*st = lq_dec_parse(t.s, t.n, decimals, out);
	if (*st == LQ_DEC_SYNTAX)
		return syntax(s, "%s: '%.*s' is not a decimal number", what, (int)t.n, t.s);
	return LQ_SCN_OK;
}

/* Parse a number and turn range/precision problems into a rejection. */
static enum lq_scn_result value(struct lq_scn *s, struct lq_scn_tok t, unsigned decimals,
				const char *what, bool positive, int64_t *out)
{
	enum lq_dec_status st;

	TRY(number(s, t, decimals, what, out, &st));
	if (st == LQ_DEC_TOO_PRECISE)
		return reject(s, "off-grid %s %.*s: more than %u decimals", what, (int)t.n, t.s,
			      decimals);
	if (st == LQ_DEC_OVERFLOW)
		return reject(s, "overflow: %s %.*s does not fit", what, (int)t.n, t.s);
	if (positive && *out <= 0)
		return reject(s, "%s must be positive: %.*s", what, (int)t.n, t.s);
	return LQ_SCN_OK;
}

static enum lq_scn_result rate(struct lq_scn *s, struct lq_scn_tok t, const char *what,
			       int64_t *out)
{
	return value(s, t, LQ_RATE_DECIMALS, what, false, out);
}

static enum lq_scn_result account_id(struct lq_scn *s, struct lq_scn_tok t, uint64_t *id)
{
	uint64_t v = 0;

	if (t.n == 0 || t.n > 19)
		return syntax(s, "account id '%.*s' is not a positive integer", (int)t.n, t.s);
	for (size_t i = 0; i < t.n; i++) {
		if (t.s[i] < '0' || t.s[i] > '9')
			return syntax(s, "account id '%.*s' is not a positive integer", (int)t.n,
				      t.s);
		v = v * 10 + (uint64_t)(t.s[i] - '0');
	}
	if (v == 0)
		return syntax(s, "account ids are positive integers, not 0");
	*id = v;
	return LQ_SCN_OK;
}

static enum lq_scn_result find_instrument(struct lq_scn *s, struct lq_scn_tok t, uint32_t *ins)
{
	int i = lq_engine_find_instrument(s->engine, t.s, t.n);

	if (i < 0)
		return reject(s, "unknown instrument: %.*s", (int)t.n, t.s);
	*ins = (uint32_t)i;
	return LQ_SCN_OK;
}

static enum lq_scn_result find_asset(struct lq_scn *s, struct lq_scn_tok t, uint32_t *asset)
{
	int i = lq_engine_find_asset(s->engine, t.s, t.n);

	if (i < 0)
		return reject(s, "unknown asset: %.*s", (int)t.n, t.s);
	*asset = (uint32_t)i;
	return LQ_SCN_OK;
}

static enum lq_scn_result status(struct lq_scn *s, enum lq_status st, const char *detail)
{
	if (st == LQ_OK)
		return LQ_SCN_OK;
	if (detail && *detail)
		return reject(s, "%s: %s", lq_engine_status_str(st), detail);
	return reject(s, "%s", lq_engine_status_str(st));
}

/* ---- definitions ---- */

static enum lq_scn_result cmd_asset(struct lq_scn *s, struct lq_scn_tokens *l)
{
	struct lq_scn_tok v;
	char name[LQ_NAME_MAX + 8];
	int64_t dec;
	enum lq_dec_status st;

	TRY(arity(s, l, 2, "asset NAME decimals=N"));
	if (!opt(l, "decimals", &v))
		return syntax(s, "usage: asset NAME decimals=N");
	TRY(no_unused_options(s, l));
	TRY(number(s, v, 0, "decimals", &dec, &st));
	if (st != LQ_DEC_OK || dec < 0 || dec > LQ_DECIMALS_MAX)
		return reject(s, "asset decimals must be 0..%d", LQ_DECIMALS_MAX);
	if (l->t[1].n >= LQ_NAME_MAX)
		return reject(s, "asset name longer than %d bytes", LQ_NAME_MAX - 1);
	tok_cstr(l->t[1], name, sizeof(name));
	TRY(status(s, lq_engine_add_asset(s->engine, name, (unsigned)dec), name));
	struct lq_msg m = {.type = LQ_MSG_DEF_ASSET};
	memcpy(m.u.asset.name, name, sizeof(m.u.asset.name));
	m.u.asset.decimals = (uint32_t)dec;
	emit(s, &m);
	return LQ_SCN_OK;
}

static enum lq_scn_result grid(struct lq_scn *s, struct lq_scn_tok t, const char *what,
			       int64_t *mant, unsigned *dec)
{
	enum lq_dec_status st = lq_dec_parse_natural(t.s, t.n, mant, dec);

	if (st == LQ_DEC_SYNTAX)
		return syntax(s, "%s: '%.*s' is not a decimal number", what, (int)t.n, t.s);
	if (st != LQ_DEC_OK || *mant <= 0)
		return reject(s, "invalid %s %.*s", what, (int)t.n, t.s);
	return LQ_SCN_OK;
}

static enum lq_scn_result cmd_instrument(struct lq_scn *s, struct lq_scn_tokens *l)
{
	static const char usage[] =
	    "instrument NAME linear|inverse settle=ASSET tick=T lot=L [contract=C]";
	struct lq_instrument proto;
	struct lq_scn_tok settle, tick, lot, contract = {0};
	uint32_t asset = 0;

	TRY(arity(s, l, 3, usage));
	memset(&proto, 0, sizeof(proto));
	if (tok_is(l->t[2], "linear"))
		proto.kind = LQ_INSTRUMENT_LINEAR;
	else if (tok_is(l->t[2], "inverse"))
		proto.kind = LQ_INSTRUMENT_INVERSE;
	else
		return syntax(s, "usage: %s", usage);
	if (!opt(l, "settle", &settle) || !opt(l, "tick", &tick) || !opt(l, "lot", &lot))
		return syntax(s, "usage: %s", usage);
	bool has_contract = opt(l, "contract", &contract);
	TRY(no_unused_options(s, l));
	if (proto.kind == LQ_INSTRUMENT_INVERSE && !has_contract)
		return syntax(s, "inverse instruments need contract=C (quote value per contract)");
	if (proto.kind == LQ_INSTRUMENT_LINEAR && has_contract)
		return syntax(s, "contract= applies to inverse instruments only");
	TRY(grid(s, tick, "tick", &proto.tick, &proto.price_decimals));
	TRY(grid(s, lot, "lot", &proto.lot, &proto.qty_decimals));
	if (has_contract)
		TRY(grid(s, contract, "contract", &proto.contract, &proto.contract_decimals));
	TRY(find_asset(s, settle, &asset));
	if (l->t[1].n >= LQ_NAME_MAX)
		return reject(s, "instrument name longer than %d bytes", LQ_NAME_MAX - 1);
	tok_cstr(l->t[1], proto.name, sizeof(proto.name));
	proto.settle_asset = asset;
	enum lq_status st = lq_engine_add_instrument(s->engine, &proto);
	TRY(status(s, st,
		   st == LQ_E_DUPLICATE ? proto.name
					: "qty decimals + price decimals may not exceed the settle "
					  "asset's decimals + 9, nor contract sizes be zero"));
	s->instrument_line[s->engine->instrument_count - 1] = s->line;
	struct lq_msg m = {.type = LQ_MSG_DEF_INSTRUMENT};
	memcpy(m.u.instrument.name, proto.name, sizeof(m.u.instrument.name));
	m.u.instrument.kind = proto.kind;
	m.u.instrument.settle_asset = proto.settle_asset;
	m.u.instrument.price_decimals = (uint8_t)proto.price_decimals;
	m.u.instrument.qty_decimals = (uint8_t)proto.qty_decimals;
	m.u.instrument.contract_decimals = (uint8_t)proto.contract_decimals;
	m.u.instrument.tick = proto.tick;
	m.u.instrument.lot = proto.lot;
	m.u.instrument.contract = proto.contract;
	emit(s, &m);
	return LQ_SCN_OK;
}

static enum lq_scn_result cmd_tier(struct lq_scn *s, struct lq_scn_tokens *l)
{
	static const char usage[] = "tier INSTRUMENT upto=NOTIONAL|max mmr=R imr=R";
	struct lq_scn_tok upto, mmr, imr;
	uint32_t ins = 0;
	int64_t upto_u, mmr_e8, imr_e8;

	TRY(arity(s, l, 2, usage));
	if (!opt(l, "upto", &upto) || !opt(l, "mmr", &mmr) || !opt(l, "imr", &imr))
		return syntax(s, "usage: %s", usage);
	TRY(no_unused_options(s, l));
	TRY(find_instrument(s, l->t[1], &ins));
	const struct lq_instrument *in = &s->engine->instruments[ins];
	if (tok_is(upto, "max"))
		upto_u = INT64_MAX;
	else
		TRY(value(s, upto, in->asset_decimals, "upto", true, &upto_u));
	TRY(rate(s, mmr, "mmr", &mmr_e8));
	TRY(rate(s, imr, "imr", &imr_e8));
	TRY(status(s, lq_engine_add_tier(s->engine, ins, upto_u, mmr_e8, imr_e8),
		   "brackets ascend, 0 <= mmr <= imr <= 1, rates never fall"));
	struct lq_msg m = {.type = LQ_MSG_DEF_TIER};
	m.u.tier.instrument = ins;
	m.u.tier.upto_units = upto_u;
	m.u.tier.mmr_e8 = mmr_e8;
	m.u.tier.imr_e8 = imr_e8;
	emit(s, &m);
	return LQ_SCN_OK;
}

/*
 * Param values. Every key has a range (below, and in `liqd sim --help`); a value outside it, or
 * one that is not a number of the key's kind, is a syntax error: the engine would otherwise
 * run on parameters nobody wrote. The ranges are the engine's (lq_engine_set_params) plus
 * what makes sense for a venue: a fee or band of 100% or more closes nothing at a price.
 */
struct param_range {
	const char *key;
	int64_t hi_e8;	   /* the range is [0, hi] */
	bool hi_open;	   /* [0, hi) */
	const char *range; /* as the message and --help write it */
	const char *example;
};

/*
 * liq_fee may be 1: the fee is min(surplus over the bankruptcy price, liq_fee x notional), so 1
 * hands the fund the whole remaining margin (Bybit's rule, tests/venue_adl/venue_fund_bybit).
 * More than the notional is no fee a venue charges.
 */
static const struct param_range range_liq_fee = {
    .key = "liq_fee",
    .hi_e8 = LQ_RATE_ONE,
    .range = "[0, 1]",
    .example = "liq_fee=0.005 for 0.5%",
};
static const struct param_range range_band = {
    .key = "band",
    .hi_e8 = LQ_RATE_ONE,
    .hi_open = true,
    .range = "[0, 1)",
    .example = "band=0.02; 0 = no clamp",
};
static const struct param_range range_takeover_band = {
    .key = "takeover_band",
    .hi_e8 = LQ_RATE_ONE,
    .hi_open = true,
    .range = "[0, 1)",
    .example = "takeover_band=0.05",
};
/* 0 (or none) turns the check off; the range written is the band's when there is one */
static const struct param_range range_fill_band = {
    .key = "fill_band",
    .hi_e8 = SCN_FILL_BAND_MAX_E8,
    .range = "(0, 100]",
    .example = "fill_band=10; 0 or none = no check",
};

static enum lq_scn_result param_rate(struct lq_scn *s, struct lq_scn_tok v,
				     const struct param_range *r, int64_t *out)
{
	enum lq_dec_status st;

	TRY(number(s, v, LQ_RATE_DECIMALS, r->key, out, &st));
	if (st == LQ_DEC_TOO_PRECISE)
		return syntax(s, "%s=%.*s has more than %d decimals: use a rate in %s, e.g. %s",
			      r->key, (int)v.n, v.s, LQ_RATE_DECIMALS, r->range, r->example);
	if (st != LQ_DEC_OK || *out < 0 || *out > r->hi_e8 || (r->hi_open && *out == r->hi_e8))
		return syntax(s, "%s=%.*s is out of range: use a rate in %s, e.g. %s", r->key,
			      (int)v.n, v.s, r->range, r->example);
	return LQ_SCN_OK;
}

static enum lq_scn_result param_duration(struct lq_scn *s, struct lq_scn_tok v, const char *key,
					 int64_t min_ns, int64_t max_ns, const char *range,
					 int64_t *ns)
{
	if (!lq_scn_parse_duration(v.s, v.n, ns))
		return syntax(s, "%s: '%.*s' is not a duration (e.g. 8h, 300s, 500ms)", key,
			      (int)v.n, v.s);
	if (*ns < min_ns || *ns > max_ns)
		return syntax(s, "%s=%.*s is out of range: use a duration %s", key, (int)v.n, v.s,
			      range);
	return LQ_SCN_OK;
}

static enum lq_scn_result param_fund_cap(struct lq_scn *s, struct lq_scn_tok v,
					 const struct lq_instrument *in, int64_t *units)
{
	const char *asset = s->engine->assets[in->settle_asset].name;
	enum lq_dec_status st;

	if (tok_is(v, "none")) {
		*units = -1;
		return LQ_SCN_OK;
	}
	TRY(number(s, v, in->asset_decimals, "fund_cap", units, &st));
	if (st == LQ_DEC_TOO_PRECISE)
		return syntax(s, "fund_cap=%.*s has more than %u decimals (%s has %u)", (int)v.n,
			      v.s, in->asset_decimals, asset, in->asset_decimals);
	if (st != LQ_DEC_OK || *units < 0)
		return syntax(s,
			      "fund_cap=%.*s is out of range: use an amount of %s >= 0 (the most "
			      "the fund pays per event), or none for no cap",
			      (int)v.n, v.s, asset);
	return LQ_SCN_OK;
}

static enum lq_scn_result param_keywords(struct lq_scn *s, struct lq_scn_tokens *l,
					 struct lq_instrument_params *p)
{
	struct lq_scn_tok v;

	if (opt(l, "deficit", &v)) {
		if (tok_is(v, "adl"))
			p->deficit = LQ_DEFICIT_ADL;
		else if (tok_is(v, "socialize"))
			p->deficit = LQ_DEFICIT_SOCIALIZE;
		else
			return syntax(s, "deficit is adl or socialize");
	}
	if (opt(l, "partial", &v)) {
		if (tok_is(v, "on"))
			p->partial = true;
		else if (tok_is(v, "off"))
			p->partial = false;
		else
			return syntax(s, "partial is on or off");
	}
	if (opt(l, "mark", &v)) {
		const int m = lq_instrument_mark_method_parse(v.s, v.n);
		if (m < 0)
			return syntax(s, "mark is external, index, median3, last, mid or book3");
		p->mark_method = (enum lq_mark_method)m;
	}
	return LQ_SCN_OK;
}

static enum lq_scn_result param_numbers(struct lq_scn *s, struct lq_scn_tokens *l,
					const struct lq_instrument *in,
					struct lq_instrument_params *p)
{
	struct lq_scn_tok v;

	if (opt(l, "funding_interval", &v))
		TRY(param_duration(s, v, "funding_interval", 1, INT64_MAX, "> 0, e.g. 8h",
				   &p->funding_interval_ns));
	if (opt(l, "basis_window", &v))
		TRY(param_duration(s, v, "basis_window", LQ_NS_PER_S,
				   LQ_BASIS_SAMPLES_MAX * LQ_NS_PER_S, "from 1s to 1h, e.g. 300s",
				   &p->basis_window_ns));
	if (opt(l, "stale_after", &v))
		TRY(param_duration(s, v, "stale_after", 0, INT64_MAX, ">= 0, e.g. 30s; 0s = never",
				   &p->stale_after_ns));
	if (opt(l, "liq_fee", &v))
		TRY(param_rate(s, v, &range_liq_fee, &p->liq_fee_e8));
	if (opt(l, "band", &v))
		TRY(param_rate(s, v, &range_band, &p->band_e8));
	if (opt(l, "takeover_band", &v))
		TRY(param_rate(s, v, &range_takeover_band, &p->takeover_band_e8));
	if (opt(l, "fill_band", &v)) {
		if (tok_is(v, "none"))
			p->fill_band_e8 = 0;
		else
			TRY(param_rate(s, v, &range_fill_band, &p->fill_band_e8));
	}
	if (opt(l, "fund_cap", &v))
		TRY(param_fund_cap(s, v, in, &p->fund_cap_units));
	return LQ_SCN_OK;
}

/*
 * fund=NAME: a fund defined already must hold the instrument's settle asset; one not defined
 * yet is created undefined (every stage creates it) and must be defined, in that asset,
 * before the engine acts (lq_scn_defs_check).
 */
static enum lq_scn_result param_fund(struct lq_scn *s, struct lq_scn_tok v, uint32_t ins,
				     struct lq_instrument_params *p)
{
	const struct lq_instrument *in = &s->engine->instruments[ins];
	const char *settle = s->engine->assets[in->settle_asset].name;
	char name[LQ_NAME_MAX + 8];
	uint32_t f;

	if (tok_is(v, "none")) {
		p->fund = -1;
		return LQ_SCN_OK;
	}
	if (v.n >= LQ_NAME_MAX)
		return syntax(s, "fund name '%.*s' is longer than %d bytes", (int)v.n, v.s,
			      LQ_NAME_MAX - 1);
	tok_cstr(v, name, sizeof(name));
	int known = lq_engine_find_fund(s->engine, v.s, v.n);
	if (known >= 0 && s->engine->funds[known].defined &&
	    s->engine->funds[known].asset != in->settle_asset)
		return syntax(s,
			      "fund=%s: fund %s holds %s but %s settles in %s; an instrument draws "
			      "on a fund in its settle asset: name one in %s, or fund=none",
			      name, name, s->engine->assets[s->engine->funds[known].asset].name,
			      in->name, settle, settle);
	uint32_t before = s->engine->fund_count;
	enum lq_status st = lq_engine_fund_ref(s->engine, name, &f);
	if (st == LQ_E_LIMIT)
		return syntax(s, "fund=%s: more than %d funds", name, LQ_FUNDS_MAX);
	if (st != LQ_OK)
		return syntax(s, "fund=%s: %s", name, lq_engine_status_str(st));
	p->fund = (int)f;
	if (s->engine->fund_count != before) {
		/* a fund named before it is defined: every stage creates it */
		struct lq_msg m = {.type = LQ_MSG_DEF_FUND};
		memcpy(m.u.fund.name, name, sizeof(m.u.fund.name));
		m.u.fund.ref_only = true;
		emit(s, &m);
	}
	return LQ_SCN_OK;
}

static enum lq_scn_result cmd_param(struct lq_scn *s, struct lq_scn_tokens *l)
{
	struct lq_instrument_params p;
	struct lq_scn_tok v;
	uint32_t ins = 0;

	TRY(arity(s, l, 2, "param INSTRUMENT key=value..."));
	if (l->nopt == 0)
		return syntax(s, "usage: param INSTRUMENT key=value...");
	/* Check keys before anything else: an unknown key is a syntax error. */
	static const char *const keys[] = {"liq_fee",	    "fund",	   "deficit",
					   "partial",	    "mark",	   "band",
					   "takeover_band", "fund_cap",	   "funding_interval",
					   "basis_window",  "stale_after", "fill_band"};
	for (uint32_t i = 0; i < l->nopt; i++) {
		bool known = false;
		for (size_t k = 0; k < LQ_ARRAY_SIZE(keys); k++)
			known = known || tok_is(l->key[i], keys[k]);
		if (known)
			continue;
		char list[LQ_SCN_ERROR_MAX / 2];
		size_t n = 0;
		for (size_t k = 0; k < LQ_ARRAY_SIZE(keys) && n < sizeof(list); k++)
			n += (size_t)snprintf(list + n, sizeof(list) - n, " %s", keys[k]);
		return syntax(s, "unknown param key '%.*s' (the keys:%s)", (int)l->key[i].n,
			      l->key[i].s, list);
	}
	TRY(find_instrument(s, l->t[1], &ins));
	const struct lq_instrument *in = &s->engine->instruments[ins];
	p = in->params;
	TRY(param_keywords(s, l, &p));
	TRY(param_numbers(s, l, in, &p));
	/* the fund last: naming one may create it; only the engine may refuse after this */
	if (opt(l, "fund", &v))
		TRY(param_fund(s, v, ins, &p));
	enum lq_status st = lq_engine_set_params(s->engine, ins, &p);
	if (st != LQ_OK)
		return syntax(s,
			      "param %s: the engine refuses these values: %s (see liqd sim --help "
			      "for each key's range)",
			      in->name, lq_engine_status_str(st));
	if (opt(l, "fund", &v))
		s->fund_param_line[ins] = p.fund >= 0 ? s->line : 0;
	struct lq_msg m = {.type = LQ_MSG_DEF_PARAMS};
	m.u.params.instrument = ins;
	m.u.params.p = p;
	emit(s, &m);
	return LQ_SCN_OK;
}

/*
 * A fund defined in an asset that an instrument already drawing on it does not settle in:
 * the instrument would pay its deficits in the wrong money.
 */
static enum lq_scn_result fund_asset_matches(struct lq_scn *s, const char *name, uint32_t asset)
{
	const struct lq_engine *e = s->engine;
	int f = lq_engine_find_fund(e, name, strlen(name));

	if (f < 0 || e->funds[f].defined)
		return LQ_SCN_OK; /* new, or a duplicate (refused as such) */
	for (uint32_t i = 0; i < e->instrument_count; i++) {
		const struct lq_instrument *in = &e->instruments[i];
		if (in->params.fund != f || in->settle_asset == asset)
			continue;
		return syntax(
		    s,
		    "fund %s asset=%s, but %s (param at line %llu) draws on it and settles "
		    "in %s: define %s with asset=%s, or give %s another fund",
		    name, e->assets[asset].name, in->name,
		    (unsigned long long)s->fund_param_line[i], e->assets[in->settle_asset].name,
		    name, e->assets[in->settle_asset].name, in->name);
	}
	return LQ_SCN_OK;
}

static enum lq_scn_result cmd_fund(struct lq_scn *s, struct lq_scn_tokens *l)
{
	struct lq_scn_tok asset_t, bal_t;
	char name[LQ_NAME_MAX + 8];
	uint32_t asset = 0;
	int64_t bal = 0;

	TRY(arity(s, l, 2, "fund NAME asset=ASSET [balance=B]"));
	if (!opt(l, "asset", &asset_t))
		return syntax(s, "usage: fund NAME asset=ASSET [balance=B]");
	bool has_bal = opt(l, "balance", &bal_t);
	TRY(no_unused_options(s, l));
	TRY(find_asset(s, asset_t, &asset));
	if (has_bal)
		TRY(value(s, bal_t, s->engine->assets[asset].decimals, "balance", false, &bal));
	if (l->t[1].n >= LQ_NAME_MAX)
		return reject(s, "fund name longer than %d bytes", LQ_NAME_MAX - 1);
	tok_cstr(l->t[1], name, sizeof(name));
	TRY(fund_asset_matches(s, name, asset));
	TRY(status(s, lq_engine_define_fund(s->engine, name, asset, bal), name));
	struct lq_msg m = {.type = LQ_MSG_DEF_FUND};
	memcpy(m.u.fund.name, name, sizeof(m.u.fund.name));
	m.u.fund.asset = asset;
	m.u.fund.balance_units = bal;
	emit(s, &m);
	return LQ_SCN_OK;
}

/* ---- the definitions as a whole ---- */

/*
 * The check as a whole: the first definition found incomplete, with its line, when the check
 * ran and what to add. `at_end`: the end of the input, else before s->line acts.
 */
static enum lq_scn_result defs_check(struct lq_scn *s, bool at_end)
{
	const struct lq_engine *e = s->engine;
	const char *before = at_end ? "" : " before it";
	char when[96];

	if (!s->defs_pending)
		return LQ_SCN_OK;
	if (at_end)
		snprintf(when, sizeof(when), "by the end of the input");
	else
		snprintf(when, sizeof(when),
			 "by line %llu, the first input that makes the engine act",
			 (unsigned long long)s->line);
	for (uint32_t i = 0; i < e->instrument_count; i++) {
		const struct lq_instrument *in = &e->instruments[i];
		const char *settle = e->assets[in->settle_asset].name;
		const unsigned long long line = s->instrument_line[i];
		if (in->tier_count == 0)
			return syntax(
			    s,
			    "instrument %s (line %llu) has no tier lines %s: add `tier %s "
			    "upto=max mmr=R imr=R` (and any lower brackets)%s",
			    in->name, line, when, in->name, before);
		if (in->params.fund < 0)
			continue;
		LQ_ASSERT((uint32_t)in->params.fund < e->fund_count);
		const struct lq_fund *fd = &e->funds[in->params.fund];
		const unsigned long long named = s->fund_param_line[i];
		if (!fd->defined)
			return syntax(
			    s,
			    "fund %s, named by the param of %s at line %llu, is not defined "
			    "%s: add `fund %s asset=%s balance=B`%s, or set fund=none",
			    fd->name, in->name, named, when, fd->name, settle, before);
		/* both orders are refused where they happen (param, fund); this covers the rest */
		if (fd->asset != in->settle_asset)
			return syntax(
			    s,
			    "fund %s, named by the param of %s at line %llu, holds %s but "
			    "%s settles in %s: name a fund in %s, or set fund=none",
			    fd->name, in->name, named, e->assets[fd->asset].name, in->name, settle,
			    settle);
	}
	s->defs_pending = false;
	return LQ_SCN_OK;
}

enum lq_scn_result lq_scn_defs_check(struct lq_scn *s)
{
	s->error[0] = '\0';
	return defs_check(s, true);
}

/* ---- account events ---- */

/* An input event: the engine stage decides it (and reports a refusal with this line). */
static enum lq_scn_result apply(struct lq_scn *s, const struct lq_cmd *c)
{
	struct lq_msg m = {.type = LQ_MSG_CMD};

	TRY(defs_check(s, false));
	m.u.cmd = *c;
	m.u.cmd.book = NULL;
	emit(s, &m);
	return LQ_SCN_OK;
}

static enum lq_scn_result cmd_money(struct lq_scn *s, struct lq_scn_tokens *l,
				    enum lq_cmd_type type)
{
	struct lq_cmd c = {.type = type};

	TRY(arity(s, l, 4,
		  type == LQ_CMD_DEPOSIT ? "deposit ACCOUNT ASSET AMOUNT"
					 : "withdraw ACCOUNT ASSET AMOUNT"));
	TRY(no_unused_options(s, l));
	TRY(account_id(s, l->t[1], &c.account));
	TRY(find_asset(s, l->t[2], &c.asset));
	TRY(value(s, l->t[3], s->engine->assets[c.asset].decimals, "amount", true, &c.amount));
	return apply(s, &c);
}

static enum lq_scn_result price_tok(struct lq_scn *s, const struct lq_instrument *in,
				    struct lq_scn_tok t, int64_t *price)
{
	TRY(value(s, t, in->price_decimals, "price", true, price));
	if (!lq_instrument_on_tick(in, *price))
		return reject(s, "off-grid price %.*s: not a multiple of the tick", (int)t.n, t.s);
	return LQ_SCN_OK;
}

static enum lq_scn_result qty_tok(struct lq_scn *s, const struct lq_instrument *in,
				  struct lq_scn_tok t, int64_t *qty)
{
	TRY(value(s, t, in->qty_decimals, "quantity", true, qty));
	if (!lq_instrument_on_lot(in, *qty))
		return reject(s, "off-grid quantity %.*s: not a multiple of the lot", (int)t.n,
			      t.s);
	return LQ_SCN_OK;
}

static enum lq_scn_result cmd_fill(struct lq_scn *s, struct lq_scn_tokens *l)
{
	static const char usage[] = "fill ACCOUNT INSTRUMENT buy|sell QTY PRICE [fee=F]";
	struct lq_cmd c = {.type = LQ_CMD_FILL};
	struct lq_scn_tok fee;
	bool buy;

	TRY(arity(s, l, 6, usage));
	bool has_fee = opt(l, "fee", &fee);
	TRY(no_unused_options(s, l));
	TRY(account_id(s, l->t[1], &c.account));
	if (tok_is(l->t[3], "buy"))
		buy = true;
	else if (tok_is(l->t[3], "sell"))
		buy = false;
	else
		return syntax(s, "usage: %s", usage);
	TRY(find_instrument(s, l->t[2], &c.instrument));
	const struct lq_instrument *in = &s->engine->instruments[c.instrument];
	TRY(qty_tok(s, in, l->t[4], &c.qty));
	TRY(price_tok(s, in, l->t[5], &c.price));
	if (has_fee)
		TRY(value(s, fee, in->asset_decimals, "fee", false, &c.fee));
	if (!buy)
		c.qty = -c.qty;
	return apply(s, &c);
}

static enum lq_scn_result cmd_isolate(struct lq_scn *s, struct lq_scn_tokens *l)
{
	struct lq_cmd c = {.type = LQ_CMD_ISOLATE};

	TRY(arity(s, l, 4, "isolate ACCOUNT INSTRUMENT MARGIN"));
	TRY(no_unused_options(s, l));
	TRY(account_id(s, l->t[1], &c.account));
	TRY(find_instrument(s, l->t[2], &c.instrument));
	const struct lq_instrument *in = &s->engine->instruments[c.instrument];
	TRY(value(s, l->t[3], in->asset_decimals, "margin", false, &c.amount));
	return apply(s, &c);
}

/* ---- market data ---- */

static enum lq_scn_result levels(struct lq_scn *s, const struct lq_instrument *in,
				 struct lq_scn_tok t, struct lq_book_level *lv, uint32_t *n)
{
	size_t i = 0;

	*n = 0;
	while (i < t.n) {
		size_t b = i;
		while (i < t.n && t.s[i] != ',')
			i++;
		struct lq_scn_tok item = {t.s + b, i - b};
		const char *colon = memchr(item.s, ':', item.n);
		if (!colon)
			return syntax(s, "book level '%.*s' is not PRICE:QTY", (int)item.n, item.s);
		if (*n >= LQ_BOOK_LEVELS_MAX)
			return reject(s, "limit: more than %d book levels on one side",
				      LQ_BOOK_LEVELS_MAX);
		struct lq_scn_tok pt = {item.s, (size_t)(colon - item.s)};
		struct lq_scn_tok qt = {colon + 1, item.n - pt.n - 1};
		TRY(price_tok(s, in, pt, &lv[*n].price));
		TRY(qty_tok(s, in, qt, &lv[*n].qty));
		(*n)++;
		if (i < t.n)
			i++; /* the comma */
	}
	return LQ_SCN_OK;
}

static enum lq_scn_result cmd_book(struct lq_scn *s, struct lq_scn_tokens *l)
{
	static const char usage[] = "book INSTRUMENT [bid P:Q,...] [ask P:Q,...]";
	struct lq_book *book = &s->book;
	bool seen_bid = false, seen_ask = false;
	uint32_t instrument = 0;

	if (l->n < 2 || l->n % 2 != 0)
		return syntax(s, "usage: %s", usage);
	TRY(no_unused_options(s, l));
	TRY(find_instrument(s, l->t[1], &instrument));
	const struct lq_instrument *in = &s->engine->instruments[instrument];
	memset(book, 0, sizeof(*book));
	for (uint32_t i = 2; i < l->n; i += 2) {
		if (tok_is(l->t[i], "bid") && !seen_bid) {
			seen_bid = true;
			TRY(levels(s, in, l->t[i + 1], book->bids, &book->bid_count));
		} else if (tok_is(l->t[i], "ask") && !seen_ask) {
			seen_ask = true;
			TRY(levels(s, in, l->t[i + 1], book->asks, &book->ask_count));
		} else {
			return syntax(s, "usage: %s", usage);
		}
	}
	TRY(defs_check(s, false));
	/* the replacement travels as its levels, then an end that applies it at once */
	for (uint32_t side = 0; side < 2; side++) {
		const struct lq_book_level *lv = side == 0 ? book->bids : book->asks;
		const uint32_t n = side == 0 ? book->bid_count : book->ask_count;
		for (uint32_t i = 0; i < n; i++) {
			struct lq_msg m = {.type = LQ_MSG_BOOK_LEVEL, .flags = LQ_MSG_F_MORE};
			m.u.level.instrument = instrument;
			m.u.level.side = side;
			m.u.level.lv = lv[i];
			emit(s, &m);
		}
	}
	struct lq_msg end = {.type = LQ_MSG_BOOK_END};
	end.u.book_end.instrument = instrument;
	emit(s, &end);
	return LQ_SCN_OK;
}

static enum lq_scn_result cmd_price(struct lq_scn *s, struct lq_scn_tokens *l,
				    enum lq_cmd_type type)
{
	struct lq_cmd c = {.type = type};
	struct lq_scn_tok r;

	if (type == LQ_CMD_TRADE)
		TRY(arity(s, l, 4, "trade INSTRUMENT PRICE QTY"));
	else
		TRY(arity(s, l, 3,
			  type == LQ_CMD_INDEX ? "index INSTRUMENT PRICE [rate=R]"
					       : "mark INSTRUMENT PRICE"));
	if (type == LQ_CMD_INDEX)
		c.has_rate = opt(l, "rate", &r);
	TRY(no_unused_options(s, l));
	TRY(find_instrument(s, l->t[1], &c.instrument));
	const struct lq_instrument *in = &s->engine->instruments[c.instrument];
	TRY(price_tok(s, in, l->t[2], &c.price));
	if (type == LQ_CMD_TRADE)
		TRY(qty_tok(s, in, l->t[3], &c.qty));
	if (c.has_rate)
		TRY(rate(s, r, "rate", &c.rate_e8));
	return apply(s, &c);
}

static enum lq_scn_result cmd_time(struct lq_scn *s, struct lq_scn_tokens *l)
{
	struct lq_cmd c = {.type = LQ_CMD_TIME};
	struct lq_scn_tok t;
	int64_t d;

	TRY(arity(s, l, 2, "time ISO8601|+DURATION"));
	TRY(no_unused_options(s, l));
	t = l->t[1];
	if (t.n > 1 && t.s[0] == '+') {
		if (!lq_scn_parse_duration(t.s + 1, t.n - 1, &d))
			return syntax(s, "'%.*s' is not a duration (e.g. +30s, +8h)", (int)t.n,
				      t.s);
		if (__builtin_add_overflow(s->now_ns, d, &c.time_ns))
			return reject(s, "overflow: time out of range");
	} else if (!lq_scn_parse_time(t.s, t.n, &c.time_ns)) {
		return syntax(s,
			      "'%.*s' is not an ISO 8601 UTC time between 1677 and 2262 "
			      "(an existing date and time, e.g. 2024-08-09T00:00:00Z)",
			      (int)t.n, t.s);
	}
	if (c.time_ns >= s->now_ns)
		s->now_ns = c.time_ns;
	return apply(s, &c);
}

static enum lq_scn_result cmd_funding(struct lq_scn *s, struct lq_scn_tokens *l)
{
	struct lq_cmd c = {.type = LQ_CMD_FUNDING};

	TRY(arity(s, l, 3, "funding INSTRUMENT RATE"));
	TRY(no_unused_options(s, l));
	TRY(find_instrument(s, l->t[1], &c.instrument));
	TRY(rate(s, l->t[2], "rate", &c.rate_e8));
	return apply(s, &c);
}

static enum lq_scn_result cmd_show(struct lq_scn *s, struct lq_scn_tokens *l)
{
	static const char usage[] =
	    "show account ID | show fund NAME | show adl INSTRUMENT | show ledger";
	uint64_t id = 0;
	uint32_t ins = 0;
	struct lq_msg m = {.type = LQ_MSG_SHOW};

	if (l->n == 2 && tok_is(l->t[1], "ledger")) {
		TRY(no_unused_options(s, l));
		TRY(defs_check(s, false));
		m.u.show.kind = LQ_SHOW_LEDGER;
		emit(s, &m);
		return LQ_SCN_OK;
	}
	TRY(arity(s, l, 3, usage));
	TRY(no_unused_options(s, l));
	TRY(defs_check(s, false));
	if (tok_is(l->t[1], "account")) {
		TRY(account_id(s, l->t[2], &id));
		m.u.show.kind = LQ_SHOW_ACCOUNT;
		m.u.show.account = id;
		emit(s, &m);
		return LQ_SCN_OK;
	}
	if (tok_is(l->t[1], "fund")) {
		int f = lq_engine_find_fund(s->engine, l->t[2].s, l->t[2].n);
		if (f < 0 || !s->engine->funds[f].defined)
			return reject(s, "unknown fund: %.*s", (int)l->t[2].n, l->t[2].s);
		m.u.show.kind = LQ_SHOW_FUND;
		m.u.show.ref = (uint32_t)f;
		emit(s, &m);
		return LQ_SCN_OK;
	}
	if (tok_is(l->t[1], "adl")) {
		TRY(find_instrument(s, l->t[2], &ins));
		m.u.show.kind = LQ_SHOW_ADL;
		m.u.show.ref = ins;
		emit(s, &m);
		return LQ_SCN_OK;
	}
	return syntax(s, "usage: %s", usage);
}

/* ---- the external venue ---- */

/* venue external [fill_timeout=DURATION] | venue engine: how liquidation orders fill. */
static enum lq_scn_result cmd_venue(struct lq_scn *s, struct lq_scn_tokens *l)
{
	static const char usage[] = "venue external|engine [fill_timeout=DURATION]";
	struct lq_cmd c = {.type = LQ_CMD_VENUE, .time_ns = LQ_FILL_TIMEOUT_DEFAULT_NS};
	struct lq_scn_tok v;

	TRY(arity(s, l, 2, usage));
	const bool has_timeout = opt(l, "fill_timeout", &v);
	TRY(no_unused_options(s, l));
	if (tok_is(l->t[1], "external"))
		c.flag = true;
	else if (!tok_is(l->t[1], "engine"))
		return syntax(s, "usage: %s", usage);
	if (has_timeout)
		TRY(param_duration(s, v, "fill_timeout", LQ_NS_PER_S / 1000, 86400 * LQ_NS_PER_S,
				   "from 1ms to 24h", &c.time_ns));
	return apply(s, &c);
}

/* An order id: a decimal integer (0 and unknown ids are the engine's to refuse). */
static enum lq_scn_result order_id(struct lq_scn *s, struct lq_scn_tok t, uint64_t *id)
{
	uint64_t v = 0;

	if (t.n == 0 || t.n > 19)
		return syntax(s, "order id '%.*s' is not an integer", (int)t.n, t.s);
	for (size_t i = 0; i < t.n; i++) {
		if (t.s[i] < '0' || t.s[i] > '9')
			return syntax(s, "order id '%.*s' is not an integer", (int)t.n, t.s);
		v = v * 10 + (uint64_t)(t.s[i] - '0');
	}
	*id = v;
	return LQ_SCN_OK;
}

/*
 * liq_fill ORDER INSTRUMENT QTY PRICE [leaves=QTY] | liq_fill ORDER INSTRUMENT cancel: a fill
 * of the engine's liquidation order (leaves 0, the default: the order is done) or the end of
 * what is left of it. The engine judges it against the order (a refusal is a rejected line).
 */
static enum lq_scn_result cmd_liq_fill(struct lq_scn *s, struct lq_scn_tokens *l)
{
	static const char usage[] =
	    "liq_fill ORDER INSTRUMENT QTY PRICE [leaves=QTY] | liq_fill ORDER INSTRUMENT cancel";
	struct lq_cmd c = {.type = LQ_CMD_LIQ_FILL};
	struct lq_scn_tok v;

	if (l->n == 4 && tok_is(l->t[3], "cancel")) {
		TRY(no_unused_options(s, l));
		TRY(order_id(s, l->t[1], &c.account));
		TRY(find_instrument(s, l->t[2], &c.instrument));
		return apply(s, &c);
	}
	TRY(arity(s, l, 5, usage));
	const bool has_leaves = opt(l, "leaves", &v);
	TRY(no_unused_options(s, l));
	TRY(order_id(s, l->t[1], &c.account));
	TRY(find_instrument(s, l->t[2], &c.instrument));
	const struct lq_instrument *in = &s->engine->instruments[c.instrument];
	TRY(value(s, l->t[3], in->qty_decimals, "quantity", false, &c.qty));
	TRY(value(s, l->t[4], in->price_decimals, "price", false, &c.price));
	if (has_leaves)
		TRY(value(s, v, in->qty_decimals, "leaves", false, &c.amount));
	return apply(s, &c);
}

void lq_scn_init(struct lq_scn *s, struct lq_engine *defs, struct lq_out *out, lq_scn_emit emit_fn,
		 void *emit_ctx)
{
	memset(s, 0, sizeof(*s));
	s->engine = defs;
	s->out = out;
	s->emit = emit_fn;
	s->emit_ctx = emit_ctx;
}

enum lq_scn_result lq_scn_line(struct lq_scn *s, const char *p, size_t len)
{
	TRY(lq_scn_tokenize(s, p, len));
	return lq_scn_run(s);
}

enum lq_scn_result lq_scn_tokenize(struct lq_scn *s, const char *p, size_t len)
{
	s->error[0] = '\0';
	return tokenize(s, p, len, &s->toks);
}

enum lq_scn_result lq_scn_run(struct lq_scn *s)
{
	struct lq_scn_tokens *l = &s->toks;
	struct lq_scn_tok c;

	if (l->n == 0) {
		if (l->nopt > 0)
			return syntax(s, "an option without a command");
		return LQ_SCN_OK;
	}
	c = l->t[0];
	/* a definition: checked as a whole before the engine next acts (defs_check) */
	s->defs_pending = s->defs_pending || tok_is(c, "asset") || tok_is(c, "instrument") ||
			  tok_is(c, "tier") || tok_is(c, "param") || tok_is(c, "fund");
	if (tok_is(c, "asset"))
		return cmd_asset(s, l);
	if (tok_is(c, "instrument"))
		return cmd_instrument(s, l);
	if (tok_is(c, "tier"))
		return cmd_tier(s, l);
	if (tok_is(c, "param"))
		return cmd_param(s, l);
	if (tok_is(c, "fund"))
		return cmd_fund(s, l);
	if (tok_is(c, "deposit"))
		return cmd_money(s, l, LQ_CMD_DEPOSIT);
	if (tok_is(c, "withdraw"))
		return cmd_money(s, l, LQ_CMD_WITHDRAW);
	if (tok_is(c, "fill"))
		return cmd_fill(s, l);
	if (tok_is(c, "isolate"))
		return cmd_isolate(s, l);
	if (tok_is(c, "book"))
		return cmd_book(s, l);
	if (tok_is(c, "index"))
		return cmd_price(s, l, LQ_CMD_INDEX);
	if (tok_is(c, "mark"))
		return cmd_price(s, l, LQ_CMD_MARK);
	if (tok_is(c, "trade"))
		return cmd_price(s, l, LQ_CMD_TRADE);
	if (tok_is(c, "time"))
		return cmd_time(s, l);
	if (tok_is(c, "funding"))
		return cmd_funding(s, l);
	if (tok_is(c, "show"))
		return cmd_show(s, l);
	if (tok_is(c, "venue"))
		return cmd_venue(s, l);
	if (tok_is(c, "liq_fill"))
		return cmd_liq_fill(s, l);
	return syntax(s, "unknown command '%.*s'", (int)c.n, c.s);
}

/* ---- time ---- */

static bool digits(const char *s, size_t n, int64_t *v)
{
	*v = 0;
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*v = *v * 10 + (s[i] - '0');
	}
	return true;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (exact integer algorithm). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
	y -= m <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const int64_t yoe = y - era * 400;
	const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

#if defined(__GLIBC__) && !defined(__UCLIBC__)
/*
 * The line's bytes straight from the stream's buffer (glibc's FILE keeps it in the open:
 * _IO_read_ptr to _IO_read_end), a memchr for the newline instead of a getc per byte: the
 * population's million lines pass here twice before the feed starts. Same results as the loop
 * below; *n bytes already in buf on entry and on return.
 */
static void read_buffered(FILE *f, char *buf, size_t cap, size_t *n, bool *nl)
{
	*nl = false;
	while (*n < cap - 1 && f->_IO_read_ptr < f->_IO_read_end) {
		const char *p = f->_IO_read_ptr;
		size_t avail = (size_t)(f->_IO_read_end - p);
		if (avail > cap - 1 - *n)
			avail = cap - 1 - *n;
		const char *end = memchr(p, '\n', avail);
		const size_t take = end ? (size_t)(end - p) : avail;
		memcpy(buf + *n, p, take);
		*n += take;
		f->_IO_read_ptr += take;
		if (end) {
			f->_IO_read_ptr++; /* the newline */
			*nl = true;
			return;
		}
	}
}
#endif

/* A NUL byte in the line: its 1-based column, 0 if none. */
static size_t nul_col(const char *buf, size_t n)
{
	const char *z = memchr(buf, '\0', n);
	return z ? (size_t)(z - buf) + 1 : 0;
}

enum lq_scn_read lq_scn_read_line(FILE *f, char *buf, size_t cap, size_t *len, size_t *col)
{
	LQ_ASSERT(cap >= 2);
	size_t n = 0;
	int c = EOF;
	*col = 0;
	/* bounded by cap: a longer line stops the read */
	for (;;) {
#if defined(__GLIBC__) && !defined(__UCLIBC__)
		bool nl;
		read_buffered(f, buf, cap, &n, &nl);
		if (nl) {
			c = '\n';
			break;
		}
#endif
		if (n >= cap - 1 || (c = getc_unlocked(f)) == EOF || c == '\n')
			break;
		buf[n++] = (char)c;
	}
	buf[n] = '\0';
	*len = n;
	*col = nul_col(buf, n);
	if (c == EOF && ferror(f))
		return LQ_SCN_READ_ERROR;
	if (c == EOF && n == 0)
		return LQ_SCN_READ_EOF;
	if (n == cap - 1 && c != '\n') {
		/* a full buffer: the newline (or the end) may still follow */
		c = getc_unlocked(f);
		if (c != '\n' && c != EOF) {
			ungetc(c, f);
			return LQ_SCN_READ_LONG;
		}
	}
	return *col ? LQ_SCN_READ_NUL : LQ_SCN_READ_LINE;
}

static bool leap_year(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* The calendar: the day exists in its month; a leap second only at 23:59:60. */
static bool civil_valid(int64_t y, int64_t mo, int64_t d, int64_t h, int64_t mi, int64_t se)
{
	static const int8_t mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || se > 60)
		return false;
	if (d > mdays[mo - 1] + (mo == 2 && leap_year(y)))
		return false;
	return se < 60 || (h == 23 && mi == 59);
}

bool lq_scn_parse_time(const char *s, size_t n, int64_t *ns)
{
	int64_t y, mo, d, h, mi, se, frac = 0;
	size_t i = 19;

	/* YYYY-MM-DDTHH:MM:SS[.fff...]Z */
	if (n < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') ||
	    s[13] != ':' || s[16] != ':' || s[n - 1] != 'Z')
		return false;
	if (!digits(s, 4, &y) || !digits(s + 5, 2, &mo) || !digits(s + 8, 2, &d) ||
	    !digits(s + 11, 2, &h) || !digits(s + 14, 2, &mi) || !digits(s + 17, 2, &se))
		return false;
	if (!civil_valid(y, mo, d, h, mi, se))
		return false;
	if (s[i] == '.') {
		size_t nd = 0;
		for (i++; i < n - 1; i++, nd++) {
			if (s[i] < '0' || s[i] > '9' || nd >= 9)
				return false;
			frac = frac * 10 + (s[i] - '0');
		}
		if (nd == 0)
			return false;
		for (; nd < 9; nd++)
			frac *= 10;
	}
	if (i != n - 1)
		return false;
	/* nanoseconds since the epoch reach the years 1677 to 2262: beyond is not a time here */
	int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se, t;
	if (__builtin_mul_overflow(secs, LQ_NS_PER_S, &t) || __builtin_add_overflow(t, frac, ns))
		return false;
	return true;
}

bool lq_scn_parse_duration(const char *s, size_t n, int64_t *ns)
{
	static const struct {
		const char *unit;
		int64_t ns;
	} units[] = {{"ns", 1},
		     {"us", 1000},
		     {"ms", 1000000},
		     {"s", LQ_NS_PER_S},
		     {"m", 60 * LQ_NS_PER_S},
		     {"h", 3600 * LQ_NS_PER_S},
		     {"d", 86400 * LQ_NS_PER_S}};
	size_t k = 0;
	int64_t v;

	while (k < n && s[k] >= '0' && s[k] <= '9')
		k++;
	if (k == 0 || k > 12 || !digits(s, k, &v))
		return false;
	for (size_t u = 0; u < LQ_ARRAY_SIZE(units); u++) {
		if (strlen(units[u].unit) == n - k && memcmp(s + k, units[u].unit, n - k) == 0)
			return !__builtin_mul_overflow(v, units[u].ns, ns);
	}
	return false;
}
