/* SPDX-License-Identifier: MIT */
/*
 * ADL ranking (DESIGN 1.7): profitable positions by score = PnL% x effective leverage, then
 * losing ones by PnL% / leverage; ties by larger position, then lower account id.
 */
#include "lq/assert.h"
#include "lq/engine.h"

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
		     struct lq_adl_entry *out, uint32_t cap)
{
	uint32_t n = 0;

	for (uint32_t p = e->inst_head[instrument]; p != LQ_NIL && n < cap;
	     p = e->positions[p].inst_next) {
		const struct lq_position *pos = &e->positions[p];
		if (pos->qty == 0 || (side > 0) != (pos->qty > 0))
			continue;
		adl_score(e, p, &out[n++]);
	}
	adl_sort(out, n);
	return n;
}
