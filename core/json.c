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

void lq_out_bytes(struct lq_out *o, const char *s, size_t n)
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

void lq_out_str(struct lq_out *o, const char *s)
{
	lq_out_bytes(o, s, strlen(s));
}

void lq_out_jstr(struct lq_out *o, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	lq_out_bytes(o, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			char esc[2] = {'\\', (char)c};
			lq_out_bytes(o, esc, 2);
		} else if (c < 0x20) {
			char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
			lq_out_bytes(o, esc, 6);
		} else {
			lq_out_bytes(o, (const char *)&c, 1);
		}
	}
	lq_out_bytes(o, "\"", 1);
}

void lq_out_u64(struct lq_out *o, uint64_t v)
{
	char tmp[24];
	size_t n = 0;

	do {
		tmp[sizeof(tmp) - 1 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	lq_out_bytes(o, tmp + sizeof(tmp) - n, n);
}

void lq_out_dec(struct lq_out *o, lq_i128 v, unsigned decimals)
{
	char tmp[64];
	size_t n = lq_dec_format128(tmp, sizeof(tmp), v, decimals);

	LQ_ASSERT(n < sizeof(tmp));
	lq_out_bytes(o, "\"", 1);
	lq_out_bytes(o, tmp, n);
	lq_out_bytes(o, "\"", 1);
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
	struct lq_position_view v;

	lq_position_view(e, pidx, true, &v);
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
	lq_out_dec(o, lq_fine_to_units(v.notional_fine, LQ_ROUND_CEIL), ad);
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
	lq_out_str(o, "[]}\n");
}

void lq_json_rejected(struct lq_out *o, uint64_t line, const char *reason)
{
	lq_out_str(o, "{\"type\":\"rejected\",\"line\":");
	lq_out_u64(o, line);
	key(o, "reason");
	lq_out_jstr(o, reason);
	lq_out_str(o, "}\n");
}

void lq_json_event(struct lq_out *o, const struct lq_engine *e, const struct lq_event *ev)
{
	const struct lq_instrument *ins = &e->instruments[ev->instrument];

	switch (ev->type) {
	case LQ_EV_FUNDING:
		lq_out_str(o, "{\"type\":\"funding\",\"instrument\":");
		lq_out_jstr(o, ins->name);
		key(o, "account");
		lq_out_u64(o, ev->account);
		key(o, "amount");
		lq_out_dec(o, ev->amount_units, ins->asset_decimals);
		lq_out_str(o, "}\n");
		return;
	case LQ_EV_STALE:
		lq_out_str(o, "{\"type\":\"stale\",\"instrument\":");
		lq_out_jstr(o, ins->name);
		key(o, "stale");
		lq_out_str(o, ev->flag ? "true" : "false");
		lq_out_str(o, "}\n");
		return;
	}
	LQ_ASSERT(0);
}

/* ---- ADL ranking ---- */

static int64_t clamp64(lq_i128 v)
{
	if (v > INT64_MAX)
		return INT64_MAX;
	if (v < INT64_MIN)
		return INT64_MIN;
	return (int64_t)v;
}

static void adl_score(const struct lq_engine *e, uint32_t pidx, struct lq_adl_entry *out)
{
	const struct lq_position *p = &e->positions[pidx];
	const struct lq_instrument *ins = &e->instruments[p->instrument];
	struct lq_position_view v;
	struct lq_margin m;
	lq_i128 cost_abs = p->cost < 0 ? -p->cost : p->cost, equity_fine, pnl_e8, lev_e8;

	lq_position_view(e, pidx, false, &v);
	if (p->isolated) {
		equity_fine = (lq_i128)v.equity_units * LQ_FINE_ONE;
	} else {
		lq_account_margin(e, p->account, ins->settle_asset, &m);
		equity_fine = (lq_i128)m.equity_units * LQ_FINE_ONE;
	}
	out->account = e->accounts[p->account].id;
	out->position = pidx;
	out->qty_abs = p->qty < 0 ? -p->qty : p->qty;
	out->profitable = v.upnl_fine > 0;
	pnl_e8 = cost_abs > 0 ? lq_div128_floor(v.upnl_fine * LQ_RATE_ONE, cost_abs) : 0;
	/* Effective leverage, capped: an account without equity ranks at the cap. */
	if (equity_fine <= 0)
		lev_e8 = LQ_ADL_LEVERAGE_MAX_E8;
	else
		lev_e8 = lq_div128_floor(v.notional_fine * LQ_RATE_ONE, equity_fine);
	if (lev_e8 > LQ_ADL_LEVERAGE_MAX_E8)
		lev_e8 = LQ_ADL_LEVERAGE_MAX_E8;
	if (out->profitable)
		out->score_e8 = clamp64(lq_div128_floor(pnl_e8 * lev_e8, LQ_RATE_ONE));
	else if (lev_e8 > 0)
		out->score_e8 = clamp64(lq_div128_floor(pnl_e8 * LQ_RATE_ONE, lev_e8));
	else
		out->score_e8 = clamp64(pnl_e8);
}

/* First in line first: profit before loss, higher score, larger position, lower id. */
static bool adl_before(const struct lq_adl_entry *a, const struct lq_adl_entry *b)
{
	if (a->profitable != b->profitable)
		return a->profitable;
	if (a->score_e8 != b->score_e8)
		return a->score_e8 > b->score_e8;
	if (a->qty_abs != b->qty_abs)
		return a->qty_abs > b->qty_abs;
	return a->account < b->account;
}

/* Heap sort: in place, O(n log n), no recursion, no allocation. */
static void sift_down(struct lq_adl_entry *a, uint32_t i, uint32_t n)
{
	for (;;) {
		uint32_t c = 2 * i + 1;
		if (c >= n)
			return;
		/* max-heap on "after": the root is the entry that goes last */
		if (c + 1 < n && adl_before(&a[c], &a[c + 1]))
			c++;
		if (!adl_before(&a[i], &a[c]))
			return;
		struct lq_adl_entry t = a[i];
		a[i] = a[c];
		a[c] = t;
		i = c;
	}
}

static void adl_sort(struct lq_adl_entry *a, uint32_t n)
{
	for (uint32_t i = n / 2; i-- > 0;)
		sift_down(a, i, n);
	for (uint32_t end = n; end > 1; end--) {
		struct lq_adl_entry t = a[0];
		a[0] = a[end - 1];
		a[end - 1] = t;
		sift_down(a, 0, end - 1);
	}
}

uint32_t lq_adl_rank(const struct lq_engine *e, uint32_t instrument, int side,
		     struct lq_adl_entry *scratch, uint32_t cap)
{
	uint32_t n = 0;

	for (uint32_t a = 0; a < e->account_count && n < cap; a++) {
		for (uint32_t p = e->accounts[a].pos_head; p != LQ_NIL; p = e->positions[p].next) {
			const struct lq_position *pos = &e->positions[p];
			if (pos->instrument != instrument || pos->qty == 0 ||
			    (side > 0) != (pos->qty > 0))
				continue;
			adl_score(e, p, &scratch[n++]);
			break;
		}
	}
	adl_sort(scratch, n);
	return n;
}

void lq_json_adl_rank(struct lq_out *o, const struct lq_engine *e, uint32_t instrument, int side,
		      const struct lq_adl_entry *ranked, uint32_t n)
{
	lq_out_str(o, "{\"type\":\"adl_rank\",\"instrument\":");
	lq_out_jstr(o, e->instruments[instrument].name);
	key(o, "side");
	lq_out_str(o, side > 0 ? "\"long\"" : "\"short\"");
	key(o, "ranking");
	lq_out_str(o, "[");
	for (uint32_t i = 0; i < n; i++) {
		if (i > 0)
			lq_out_str(o, ",");
		lq_out_str(o, "{\"account\":");
		lq_out_u64(o, ranked[i].account);
		key(o, "score");
		lq_out_dec(o, ranked[i].score_e8, LQ_RATE_DECIMALS);
		key(o, "quintile");
		lq_out_u64(o, 1 + (uint64_t)i * 5 / n);
		lq_out_str(o, "}");
	}
	lq_out_str(o, "]}\n");
}
