/* SPDX-License-Identifier: MIT */
#include "lq/json.h"

#include "lq/assert.h"

#include <string.h>

void lq_out_init(struct lq_out *o, lq_out_write write, void *ctx)
{
	o->write = write;
	o->ctx = ctx;
	o->len = 0;
}

void lq_out_flush(struct lq_out *o)
{
	if (o->len > 0 && o->write)
		o->write(o->ctx, o->buf, o->len);
	o->len = 0;
}

__attribute__((noinline)) void lq_out_bytes_chunked(struct lq_out *o, const char *s, size_t n)
{
	while (n > 0) {
		size_t room = sizeof(o->buf) - o->len;
		if (room == 0) {
			lq_out_flush(o);
			room = sizeof(o->buf);
		}
		size_t k = n < room ? n : room;
		memcpy(o->buf + o->len, s, k);
		o->len += k;
		s += k;
		n -= k;
	}
}

static bool utf8_cont(unsigned char c)
{
	return (c & 0xC0) == 0x80;
}

/*
 * The length of the well-formed UTF-8 sequence (RFC 3629, Unicode table 3-7) that starts at
 * s, or 0 if none does: no overlong forms, no surrogates (U+D800..DFFF), nothing above
 * U+10FFFF. s is NUL-terminated and NUL is never a continuation byte, so each byte is read
 * only after the one before it proved not to be the end.
 */
static size_t utf8_len(const unsigned char *s)
{
	const unsigned char c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		return utf8_cont(s[1]) ? 2 : 0;
	if (c >= 0xE0 && c <= 0xEF) {
		const unsigned char lo = c == 0xE0 ? 0xA0 : 0x80; /* E0: not overlong */
		const unsigned char hi = c == 0xED ? 0x9F : 0xBF; /* ED: not a surrogate */
		if (s[1] < lo || s[1] > hi)
			return 0;
		return utf8_cont(s[2]) ? 3 : 0;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		const unsigned char lo = c == 0xF0 ? 0x90 : 0x80; /* F0: not overlong */
		const unsigned char hi = c == 0xF4 ? 0x8F : 0xBF; /* F4: not above U+10FFFF */
		if (s[1] < lo || s[1] > hi || !utf8_cont(s[2]))
			return 0;
		return utf8_cont(s[3]) ? 4 : 0;
	}
	return 0; /* a continuation byte, C0/C1 (overlong) or F5..FF */
}

/* Bytes a JSON string carries as they are: printable ASCII but '"' and '\\'. */
#define PLAIN1(c)  (unsigned char)((c) >= 0x20 && (c) < 0x80 && (c) != '"' && (c) != '\\')
#define PLAIN4(c)  PLAIN1(c), PLAIN1(c + 1), PLAIN1(c + 2), PLAIN1(c + 3)
#define PLAIN16(c) PLAIN4(c), PLAIN4(c + 4), PLAIN4(c + 8), PLAIN4(c + 12)
#define PLAIN64(c) PLAIN16(c), PLAIN16(c + 16), PLAIN16(c + 32), PLAIN16(c + 48)
static const unsigned char json_plain[256] = {PLAIN64(0), PLAIN64(64), PLAIN64(128), PLAIN64(192)};
#undef PLAIN64
#undef PLAIN16
#undef PLAIN4
#undef PLAIN1

/* The escaping path of lq_out_jstr, through lq_out_bytes. */
static __attribute__((noinline)) void jstr_escaped(struct lq_out *o, const unsigned char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *run = s; /* bytes that pass through, not written yet */

	lq_out_bytes(o, "\"", 1);
	while (*s) {
		const unsigned char c = *s;
		const size_t n = utf8_len(s);
		if (n > 0 && c != '"' && c != '\\' && c >= 0x20) {
			s += n;
			continue;
		}
		lq_out_bytes(o, (const char *)run, (size_t)(s - run));
		if (n == 0) {
			lq_out_bytes(o, "\xEF\xBF\xBD", 3);
		} else if (c == '"' || c == '\\') {
			const char esc[2] = {'\\', (char)c};
			lq_out_bytes(o, esc, 2);
		} else {
			const char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
			lq_out_bytes(o, esc, 6);
		}
		s++;
		run = s;
	}
	lq_out_bytes(o, (const char *)run, (size_t)(s - run));
	lq_out_bytes(o, "\"", 1);
}

/*
 * Always valid JSON in valid UTF-8, whatever the bytes (names and rejected reasons echo the
 * input). Well-formed UTF-8 passes through unchanged; '"' and '\' are escaped, control
 * characters (< 0x20) become \u00XX; each byte that does not begin a well-formed sequence
 * becomes U+FFFD (the replacement character, as the bytes of EF BF BD), one per byte, so a
 * strict decoder never fails and the reader still sees where something was wrong. (Not
 * \u00XX for those bytes: that would claim the Latin-1 character, a different text.)
 */
void lq_out_jstr(struct lq_out *o, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	const size_t room = sizeof(o->buf) - o->len;
	char *d = o->buf + o->len;
	size_t i = 0;

	/* names are plain ASCII: copied straight into the buffer when the whole string fits
	 * (else the escaping path, which fills and flushes the buffer exactly as before) */
	if (room >= 2) {
		d[0] = '"';
		while (i + 2 < room && json_plain[s[i]]) {
			d[1 + i] = (char)s[i];
			i++;
		}
		if (s[i] == '\0') {
			d[1 + i] = '"';
			o->len += i + 2;
			return;
		}
	}
	jstr_escaped(o, s);
}

/* lq_out_u64 near the end of the buffer: through lq_out_bytes, which fills and flushes it. */
static __attribute__((noinline)) void u64_chunked(struct lq_out *o, uint64_t v)
{
	char tmp[24];
	char *const end = tmp + sizeof(tmp);
	const size_t n = lq_dec_digits_u64(end, v);

	lq_out_bytes(o, end - n, n);
}

void lq_out_u64(struct lq_out *o, uint64_t v)
{
	if (sizeof(o->buf) - o->len < 24) {
		u64_chunked(o, v);
		return;
	}
	/* straight into the buffer: count the digits, then write them from the right */
	const size_t n = lq_dec_len_u64(v);
	(void)lq_dec_digits_u64(o->buf + o->len + n, v);
	o->len += n;
}

/* lq_out_dec near the end of the buffer: through lq_out_bytes, which fills and flushes it. */
static __attribute__((noinline)) void dec_chunked(struct lq_out *o, lq_i128 v, unsigned decimals)
{
	char tmp[64];
	size_t n = lq_dec_format128(tmp, sizeof(tmp), v, decimals);

	LQ_ASSERT(n < sizeof(tmp));
	lq_out_bytes(o, "\"", 1);
	lq_out_bytes(o, tmp, n);
	lq_out_bytes(o, "\"", 1);
}

void lq_out_dec(struct lq_out *o, lq_i128 v, unsigned decimals)
{
	const size_t room = sizeof(o->buf) - o->len;

	if (room < 66) {
		dec_chunked(o, v, decimals);
		return;
	}
	/* at most 41 characters and the quotes: straight into the buffer (no flush either way) */
	char *d = o->buf + o->len;
	d[0] = '"';
	const size_t n = lq_dec_format128(d + 1, room - 1, v, decimals);
	LQ_ASSERT(n + 2 < room);
	d[n + 1] = '"';
	o->len += n + 2;
}

static void key(struct lq_out *o, const char *k)
{
	lq_out_bytes(o, ",\"", 2);
	lq_out_str(o, k);
	lq_out_bytes(o, "\":", 2);
}

/*
 * Displayed entry price: the cost basis per lot, rounded to the nearest price unit. Only a
 * display: PnL always uses the exact cost basis.
 */
static int64_t entry_price(const struct lq_instrument *ins, const struct lq_position *p)
{
	lq_i128 num, den;

	if (p->qty == 0)
		return 0;
	if (ins->kind == LQ_INSTRUMENT_LINEAR) {
		num = p->cost;
		den = (lq_i128)p->qty * ins->lin_scale;
	} else {
		/* cost = -q * inv_num / (inv_den * E)  =>  E = -q * inv_num / (inv_den * cost) */
		if (p->cost == 0)
			return 0;
		num = -(lq_i128)p->qty * ins->inv_num;
		den = ins->inv_den * p->cost;
	}
	lq_i128 e = lq_div128_round(num, den);
	/* An entry off the tick is possible (an average); clamp into int64 for display. */
	if (e > INT64_MAX)
		return INT64_MAX;
	if (e < 0)
		return 0;
	return (int64_t)e;
}

static void json_position(struct lq_out *o, const struct lq_engine *e, uint32_t pidx)
{
	const struct lq_position *p = &e->positions[pidx];
	const struct lq_instrument *ins = &e->instruments[p->instrument];
	const unsigned ad = ins->asset_decimals, pd = ins->price_decimals;
	struct lq_account_position_view v;

	lq_account_position_view(e, pidx, true, &v);
	lq_out_str(o, "{\"instrument\":");
	lq_out_jstr(o, ins->name);
	key(o, "qty");
	lq_out_dec(o, p->qty, ins->qty_decimals);
	key(o, "entry");
	if (p->qty != 0)
		lq_out_dec(o, entry_price(ins, p), pd);
	else
		lq_out_str(o, "null");
	key(o, "mark");
	if (v.mark > 0)
		lq_out_dec(o, v.mark, pd);
	else
		lq_out_str(o, "null");
	key(o, "upnl");
	lq_out_dec(o, v.upnl_units, ad);
	key(o, "mode");
	lq_out_str(o, p->isolated ? "\"isolated\"" : "\"cross\"");
	if (p->isolated) {
		key(o, "margin");
		lq_out_dec(o, p->margin_units, ad);
	}
	key(o, "maintenance");
	lq_out_dec(o, v.mm_units, ad);
	key(o, "initial");
	lq_out_dec(o, v.im_units, ad);
	key(o, "notional");
	lq_out_dec(o, lq_instrument_fine_to_units(v.notional_fine, LQ_ROUND_CEIL), ad);
	key(o, "liq_price");
	if (v.has_liq_price)
		lq_out_dec(o, v.liq_price, pd);
	else
		lq_out_str(o, "null");
	key(o, "bankruptcy_price");
	if (v.has_bankruptcy_price)
		lq_out_dec(o, v.bankruptcy_price, pd);
	else
		lq_out_str(o, "null");
	lq_out_str(o, "}");
}

static void asset_map(struct lq_out *o, const struct lq_engine *e, uint32_t mask,
		      const int64_t *vals)
{
	bool first = true;

	lq_out_str(o, "{");
	for (uint32_t a = 0; a < e->asset_count; a++) {
		if (!(mask & (1u << a)))
			continue;
		if (!first)
			lq_out_str(o, ",");
		first = false;
		lq_out_jstr(o, e->assets[a].name);
		lq_out_str(o, ":");
		lq_out_dec(o, vals[a], e->assets[a].decimals);
	}
	lq_out_str(o, "}");
}

void lq_json_account(struct lq_out *o, const struct lq_engine *e, uint32_t account)
{
	const struct lq_account *acc = &e->accounts[account];
	int64_t bal[LQ_ASSETS_MAX] = {0}, eq[LQ_ASSETS_MAX] = {0}, mm[LQ_ASSETS_MAX] = {0},
		im[LQ_ASSETS_MAX] = {0};
	struct lq_margin m;
	bool first = true;

	for (uint32_t a = 0; a < e->asset_count; a++) {
		if (!(acc->asset_mask & (1u << a)))
			continue;
		lq_account_margin(e, account, a, &m);
		bal[a] = m.balance_units;
		eq[a] = m.equity_units;
		mm[a] = m.mm_units;
		im[a] = m.im_units;
	}
	lq_out_str(o, "{\"type\":\"account\",\"account\":");
	lq_out_u64(o, acc->id);
	key(o, "balances");
	asset_map(o, e, acc->asset_mask, bal);
	key(o, "equity");
	asset_map(o, e, acc->asset_mask, eq);
	key(o, "maintenance");
	asset_map(o, e, acc->asset_mask, mm);
	key(o, "initial");
	asset_map(o, e, acc->asset_mask, im);
	key(o, "positions");
	lq_out_str(o, "[");
	for (uint32_t p = acc->pos_head; p != LQ_NIL; p = e->positions[p].next) {
		const struct lq_position *pos = &e->positions[p];
		if (pos->qty == 0 && pos->margin_units == 0)
			continue; /* a mode setting without a position */
		if (!first)
			lq_out_str(o, ",");
		first = false;
		json_position(o, e, p);
	}
	lq_out_str(o, "]}\n");
}

void lq_json_ledger(struct lq_out *o, const struct lq_engine *e, uint32_t asset)
{
	static const struct {
		const char *name;
		uint32_t slot;
	} slots[] = {{"accounts", LQ_LEDGER_ACCOUNTS}, {"fees", LQ_LEDGER_FEES},
		     {"venue", LQ_LEDGER_VENUE},       {"funding", LQ_LEDGER_FUNDING},
		     {"external", LQ_LEDGER_EXTERNAL}, {"bad_debt", LQ_LEDGER_BAD_DEBT}};
	const struct lq_asset *a = &e->assets[asset];

	LQ_ASSERT(asset < e->asset_count);
	lq_out_str(o, "{\"type\":\"ledger\",\"asset\":");
	lq_out_jstr(o, a->name);
	key(o, slots[0].name);
	lq_out_dec(o, e->ledger.total[slots[0].slot][asset], a->decimals);
	key(o, "funds");
	lq_out_str(o, "{");
	bool first = true;
	for (uint32_t f = 0; f < e->fund_count; f++) {
		if (!e->funds[f].defined || e->funds[f].asset != asset)
			continue;
		if (!first)
			lq_out_str(o, ",");
		first = false;
		lq_out_jstr(o, e->funds[f].name);
		lq_out_str(o, ":");
		lq_out_dec(o, e->ledger.total[LQ_LEDGER_FUND0 + f][asset], a->decimals);
	}
	lq_out_str(o, "}");
	for (uint32_t i = 1; i < LQ_ARRAY_SIZE(slots); i++) {
		key(o, slots[i].name);
		lq_out_dec(o, e->ledger.total[slots[i].slot][asset], a->decimals);
	}
	key(o, "sum");
	lq_out_dec(o, lq_ledger_sum(e, asset), a->decimals);
	lq_out_str(o, "}\n");
}

void lq_json_fund(struct lq_out *o, const struct lq_engine *e, uint32_t fund)
{
	const struct lq_fund *f = &e->funds[fund];
	const struct lq_asset *a = &e->assets[f->asset];

	lq_out_str(o, "{\"type\":\"fund\",\"fund\":");
	lq_out_jstr(o, f->name);
	key(o, "asset");
	lq_out_jstr(o, a->name);
	key(o, "balance");
	lq_out_dec(o, e->ledger.total[LQ_LEDGER_FUND0 + fund][f->asset], a->decimals);
	key(o, "positions");
	lq_out_str(o, "[");
	bool first = true;
	for (uint32_t i = 0; i < e->instrument_count; i++) {
		const struct lq_fund_position *fp = &f->positions[i];
		const struct lq_instrument *ins = &e->instruments[i];
		struct lq_position tmp = lq_engine_position_temp(fp->qty, fp->cost);
		if (fp->qty == 0)
			continue;
		if (!first)
			lq_out_str(o, ",");
		first = false;
		lq_out_str(o, "{\"instrument\":");
		lq_out_jstr(o, ins->name);
		key(o, "qty");
		lq_out_dec(o, fp->qty, ins->qty_decimals);
		key(o, "entry");
		lq_out_dec(o, entry_price(ins, &tmp), ins->price_decimals);
		lq_out_str(o, "}");
	}
	lq_out_str(o, "]}\n");
}

void lq_json_rejected(struct lq_out *o, uint64_t line, const char *reason)
{
	lq_out_str(o, "{\"type\":\"rejected\",\"line\":");
	lq_out_u64(o, line);
	key(o, "reason");
	lq_out_jstr(o, reason);
	lq_out_str(o, "}\n");
}

/*
 * The fields of lq/event_schema.h's LQ_EVENT_JSON_* lists, one macro per kind. Keys are
 * literals: each key is one copy with its comma, quotes and colon. `ins` is the event's
 * instrument (NULL for a type with none); a price of 0 or less is null.
 */
#define KEY(k)		       lq_out_bytes(o, ",\"" k "\":", sizeof(",\"" k "\":") - 1)
#define LIT(s)		       lq_out_bytes(o, s, sizeof(s) - 1)
#define JF_INS(k, v)	       (KEY(k), lq_out_jstr(o, ins->name))
#define JF_U64(k, v)	       (KEY(k), lq_out_u64(o, (v)))
#define JF_MONEY(k, v)	       (KEY(k), lq_out_dec(o, (v), ins->asset_decimals))
#define JF_QTY(k, v)	       (KEY(k), lq_out_dec(o, (v), ins->qty_decimals))
#define JF_PRICE(k, v)	       (KEY(k), json_price(o, ins, (v)))
#define JF_SIDE(k, v)	       (KEY(k), (v) > 0 ? LIT("\"buy\"") : LIT("\"sell\""))
#define JF_BOOL(k, v)	       (KEY(k), (v) ? LIT("true") : LIT("false"))
#define JF_FUND(k, v)	       (KEY(k), lq_out_jstr(o, e->funds[(v)].name))
#define JF_FUND_IF(k, v)       (KEY(k), (v) ? lq_out_jstr(o, e->funds[ev->fund].name) : LIT("null"))
#define JF_LIT(k, v)	       (KEY(k), lq_out_str(o, (v)))
#define JF_REASON(k, v)	       (KEY(k), json_reason(o, ev))
#define JF_ORDER(k, v)	       json_order(o, ev)
#define JSON_FIELD(kind, k, v) JF_##kind(k, v);

static inline void json_price(struct lq_out *o, const struct lq_instrument *ins, int64_t v)
{
	if (v > 0)
		lq_out_dec(o, v, ins->price_decimals);
	else
		lq_out_bytes(o, "null", 4);
}

static void json_reason(struct lq_out *o, const struct lq_event *ev)
{
	char reason[160];
	lq_engine_reject_reason(reason, sizeof(reason), (enum lq_status)ev->status,
				(enum lq_cmd_type)ev->cmd_type, ev->account);
	lq_out_jstr(o, reason);
}

/* An external venue's order: its id and how it ended (engine venue: nothing). */
static void json_order(struct lq_out *o, const struct lq_event *ev)
{
	static const char *const end[] = {"\"none\"", "\"filled\"", "\"cancelled\"", "\"expired\""};

	if (ev->order_id == 0)
		return;
	KEY("order_id");
	lq_out_u64(o, ev->order_id);
	KEY("status");
	lq_out_str(o, ev->status < LQ_ARRAY_SIZE(end) ? end[ev->status] : "null");
}

/* Does the event type name an instrument (the schema's `instrument` column)? */
static bool has_instrument(enum lq_event_type type)
{
	switch (type) {
#define HAS_INS(NAME, id, name, ins, ...)                                                          \
	case LQ_EV_##NAME:                                                                         \
		return ins;
		LQ_EVENT_TYPES(HAS_INS)
#undef HAS_INS
	}
	return false;
}

void lq_json_event(struct lq_out *o, const struct lq_engine *e, const struct lq_event *ev)
{
	if (ev->type == LQ_EV_BAD_DEBT && ev->instrument == LQ_NIL) {
		/* a flat account's negative balance written off: no instrument, an asset */
		LQ_ASSERT(ev->asset < e->asset_count);
		lq_out_str(o, "{\"type\":\"bad_debt\",\"instrument\":null,\"asset\":");
		lq_out_jstr(o, e->assets[ev->asset].name);
		KEY("account");
		lq_out_u64(o, ev->account);
		KEY("amount");
		lq_out_dec(o, ev->amount_units, e->assets[ev->asset].decimals);
		lq_out_str(o, ",\"fund\":null}\n");
		return;
	}
	const struct lq_instrument *ins = NULL;
	if (has_instrument(ev->type)) {
		LQ_ASSERT(ev->instrument < e->instrument_count);
		ins = &e->instruments[ev->instrument];
	}

	switch (ev->type) {
#define JSON_EVENT(NAME, id, name, ...)                                                            \
	case LQ_EV_##NAME:                                                                         \
		LIT("{\"type\":\"" name "\"");                                                     \
		LQ_EVENT_JSON_##NAME(JSON_FIELD) LIT("}\n");                                       \
		return;
		LQ_EVENT_TYPES(JSON_EVENT)
#undef JSON_EVENT
	}
	LQ_ASSERT(0);
}

#undef JSON_FIELD
#undef KEY
#undef LIT

static void adl_rank_open(struct lq_out *o, const struct lq_engine *e, uint32_t instrument,
			  int side)
{
	lq_out_str(o, "{\"type\":\"adl_rank\",\"instrument\":");
	lq_out_jstr(o, e->instruments[instrument].name);
	key(o, "side");
	lq_out_str(o, side > 0 ? "\"long\"" : "\"short\"");
	key(o, "ranking");
	lq_out_str(o, "[");
}

static void adl_rank_item(struct lq_out *o, const struct lq_adl_entry *en, uint32_t i, uint32_t n)
{
	if (i > 0)
		lq_out_str(o, ",");
	lq_out_str(o, "{\"account\":");
	lq_out_u64(o, en->account);
	key(o, "score");
	lq_out_dec(o, lq_adl_score_e8(en), LQ_RATE_DECIMALS);
	/* by the first entry with an equal exact score: ties share a quintile */
	key(o, "quintile");
	lq_out_u64(o, lq_adl_quintile(en, n));
	lq_out_str(o, "}");
}

void lq_json_adl_rank(struct lq_out *o, const struct lq_engine *e, uint32_t instrument, int side,
		      const struct lq_adl_entry *ranked, uint32_t n)
{
	adl_rank_open(o, e, instrument, side);
	for (uint32_t i = 0; i < n; i++)
		adl_rank_item(o, &ranked[i], i, n);
	lq_out_str(o, "]}\n");
}

void lq_json_adl_rank_nodes(struct lq_out *o, const struct lq_engine *e, uint32_t instrument,
			    int side, const struct lq_adl_node *nodes, uint32_t n)
{
	struct lq_adl_entry en;

	adl_rank_open(o, e, instrument, side);
	for (uint32_t i = 0; i < n; i++) {
		lq_adl_rank_entry(e, nodes, n, i, &en);
		adl_rank_item(o, &en, i, n);
	}
	lq_out_str(o, "]}\n");
}
