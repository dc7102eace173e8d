/* SPDX-License-Identifier: MIT */
/*
 * Definition messages applied to an engine: every pipeline stage and the auditor apply the
 * same ones in the same order (the scenario parser or the feed adapter validated them).
 */
#include "lq/msg.h"

#include "lq/assert.h"

#include <string.h>

enum lq_status lq_msg_def_apply(struct lq_engine *e, const struct lq_msg *m)
{
	struct lq_instrument proto;
	uint32_t f;

	LQ_ASSERT(e != NULL);
	LQ_ASSERT(m != NULL);
	LQ_ASSERT(e->asset_count <= LQ_ASSETS_MAX);
	switch (m->type) {
	case LQ_MSG_DEF_ASSET:
		return lq_engine_add_asset(e, m->u.asset.name, m->u.asset.decimals);
	case LQ_MSG_DEF_INSTRUMENT:
		memset(&proto, 0, sizeof(proto));
		memcpy(proto.name, m->u.instrument.name, sizeof(proto.name));
		proto.kind = (enum lq_instrument_kind)m->u.instrument.kind;
		proto.settle_asset = m->u.instrument.settle_asset;
		proto.price_decimals = m->u.instrument.price_decimals;
		proto.qty_decimals = m->u.instrument.qty_decimals;
		proto.contract_decimals = m->u.instrument.contract_decimals;
		proto.tick = m->u.instrument.tick;
		proto.lot = m->u.instrument.lot;
		proto.contract = m->u.instrument.contract;
		return lq_engine_add_instrument(e, &proto);
	case LQ_MSG_DEF_TIER:
		return lq_engine_add_tier(e, m->u.tier.instrument, m->u.tier.upto_units,
					  m->u.tier.mmr_e8, m->u.tier.imr_e8);
	case LQ_MSG_DEF_PARAMS:
		return lq_engine_set_params(e, m->u.params.instrument, &m->u.params.p);
	case LQ_MSG_DEF_FUND:
		if (m->u.fund.ref_only)
			return lq_engine_fund_ref(e, m->u.fund.name, &f);
		return lq_engine_define_fund(e, m->u.fund.name, m->u.fund.asset,
					     m->u.fund.balance_units);
	default:
		LQ_ASSERT(!"a definition message of an unknown type");
	}
	return LQ_E_BAD_DEFINITION;
}

/*
 * Where price is, or would go, in a side's levels (bids descending, asks ascending): a
 * branch-free lower bound (the comparisons of a book's prices do not predict), inlined per side.
 */
static inline __attribute__((always_inline)) uint32_t
level_find(const struct lq_book_level *lv, uint32_t n, const uint32_t side, int64_t price)
{
	uint32_t lo = 0, len = n;

	while (len > 0) { /* at most log2(LQ_BOOK_LEVELS_MAX) + 1 rounds */
		const uint32_t half = len / 2;
		const int64_t p = lv[lo + half].price;
		const bool after = side == 0 ? p > price : p < price;
		lo = after ? lo + half + 1 : lo;
		len = after ? len - half - 1 : half;
	}
	return lo;
}

bool lq_msg_book_set(struct lq_book *b, uint32_t side, int64_t price, int64_t qty)
{
	uint32_t *n = side ? &b->ask_count : &b->bid_count;
	struct lq_book_level *lv = side ? b->asks : b->bids;

	LQ_ASSERT(side <= 1);
	LQ_ASSERT(*n <= LQ_BOOK_LEVELS_MAX);
	/* bids descending, asks ascending: the slot of price */
	const uint32_t lo = side == 0 ? level_find(lv, *n, 0, price) : level_find(lv, *n, 1, price);
	LQ_DASSERT(lo <= *n);
	const bool found = lo < *n && lv[lo].price == price;
	if (found && qty != 0) { /* the usual change: a level's size */
		lv[lo].qty = qty;
		return true;
	}
	if (qty == 0) {
		if (!found)
			return false;
		memmove(&lv[lo], &lv[lo + 1], sizeof(*lv) * (*n - lo - 1));
		(*n)--;
		return true;
	}
	if (*n == LQ_BOOK_LEVELS_MAX)
		return false;
	memmove(&lv[lo + 1], &lv[lo], sizeof(*lv) * (*n - lo));
	lv[lo] = (struct lq_book_level){.price = price, .qty = qty};
	(*n)++;
	return true;
}

bool lq_msg_book_delta_apply(struct lq_book *b, const struct lq_msg *m)
{
	LQ_ASSERT(m->type == LQ_MSG_BOOK_DELTA);
	if (m->u.delta.n > LQ_MSG_DELTA_LEVELS)
		return false;
	for (uint32_t i = 0; i < m->u.delta.n; i++) {
		const struct lq_book_level *l = &m->u.delta.lv[i];
		if (!lq_msg_book_set(b, (m->u.delta.asks >> i) & 1u, l->price, l->qty))
			return false;
	}
	return true;
}
